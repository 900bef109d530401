//! The cursor scan of one collection, shared by HSCAN, SSCAN and ZSCAN (Redis's
//! `scanGenericCommand` for a key): `key cursor [MATCH pattern] [COUNT count]`, checked in
//! Redis's order, answered `[next-cursor, [element, ...]]`.
//!
//! A command supplies two closures to [`scan_command`]: one that sees its type in a
//! [`Value`] (`None` means WRONGTYPE) and one that walks that type from a cursor, emitting
//! each element's name and, for hashes and sorted sets, the value or score that follows it
//! in the reply. Filtering by MATCH and building the reply happen here:
//!
//! ```ignore
//! fn sscan(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
//!     scan_command(ctx, args, |v| match v { Value::Set(s) => Some(&**s), _ => None },
//!         |set, cursor, count, emit| set.scan(cursor, count, |m| emit(&m, None)))
//! }
//! ```
//!
//! Redis checks the cursor first, then the key (a missing key answers an empty scan without
//! looking at the options, a key of another type WRONGTYPE), and only then the options.

use bytes::Bytes;
use resp::Frame;

use crate::command::{Args, CommandResult, Ctx};
use crate::commands::keys::{parse_cursor, pattern_filter};
use crate::error;
use crate::glob::glob_match;
use crate::value::Value;

/// COUNT when none is given (Redis: 10).
pub const DEFAULT_COUNT: usize = 10;

/// The options of a collection scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// About how many elements one call visits.
    pub count: usize,
    /// MATCH's pattern; `None` when every element matches (no MATCH, or `*`).
    pub pattern: Option<Bytes>,
}

impl ScanOptions {
    /// Reads `[MATCH pattern] [COUNT count]`, in any order and repeated (the last wins), as
    /// Redis does: an option without its value, or an unknown one, is a syntax error, and so
    /// is a COUNT below 1.
    pub fn parse(args: &Args) -> Result<ScanOptions, Frame> {
        let mut options = ScanOptions { count: DEFAULT_COUNT, pattern: None };
        while let Some(option) = args.next() {
            if args.is_empty() {
                return Err(error::syntax());
            }
            if option.eq_ignore_ascii_case(b"count") {
                let n = args.i64()?;
                if n < 1 {
                    return Err(error::syntax());
                }
                options.count = usize::try_from(n).unwrap_or(usize::MAX);
            } else if option.eq_ignore_ascii_case(b"match") {
                let pattern = args.bytes()?;
                options.pattern = pattern_filter(pattern).is_some().then(|| pattern.clone());
            } else {
                return Err(error::syntax());
            }
        }
        Ok(options)
    }

    /// True if an element named `name` passes MATCH.
    pub fn matches(&self, name: &[u8]) -> bool {
        self.pattern.as_ref().is_none_or(|p| glob_match(p, name, false))
    }
}

/// What a walk calls for each element it visits: the element's name (which MATCH tests) and,
/// for hashes and sorted sets, the value or score that follows it in the reply.
pub type Emit<'a> = dyn FnMut(&[u8], Option<Bytes>) + 'a;

/// HSCAN, SSCAN and ZSCAN. `args` starts at the key. `as_type` sees the command's type in a
/// value (`None`: another type). `walk(collection, cursor, count, emit)` visits about
/// `count` elements from `cursor` and returns the cursor to continue from, 0 when done; it
/// runs inside a key view, so it may run more than once.
pub fn scan_command<T: ?Sized>(
    ctx: &mut Ctx<'_>,
    args: &Args,
    as_type: impl Fn(&Value) -> Option<&T>,
    walk: impl Fn(&T, u64, usize, &mut Emit<'_>) -> u64,
) -> CommandResult {
    let key = args.bytes()?;
    let cursor = parse_cursor(args.bytes()?)?;
    let options = ScanOptions::parse(args);
    let (hit, reply) = ctx.read_key(key, |kv, db| {
        let Some(entry) = kv.get(db, key) else {
            return (false, Ok(reply(0, Vec::new())));
        };
        let Some(collection) = as_type(&entry.value) else {
            return (true, Err(error::wrong_type()));
        };
        let options = match &options {
            Ok(o) => o,
            Err(e) => return (true, Err(e.clone())),
        };
        let mut elements = Vec::new();
        let next = walk(collection, cursor, options.count, &mut |name, extra| {
            if options.matches(name) {
                elements.push(Frame::bulk(name));
                elements.extend(extra.map(Frame::Bulk));
            }
        });
        (true, Ok(reply(next, elements)))
    });
    ctx.lookup(hit);
    reply
}

/// `[cursor, [elements]]`, the cursor as a bulk string.
fn reply(cursor: u64, elements: Vec<Frame>) -> Frame {
    Frame::Array(vec![Frame::bulk(itoa::Buffer::new().format(cursor)), Frame::Array(elements)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Result<ScanOptions, Frame> {
        let mut argv = vec![Bytes::from_static(b"HSCAN")];
        argv.extend(words.iter().map(|w| Bytes::copy_from_slice(w.as_bytes())));
        ScanOptions::parse(&Args::new(argv, 1))
    }

    #[test]
    fn options_default_to_count_10_and_no_pattern() {
        assert_eq!(parse(&[]), Ok(ScanOptions { count: 10, pattern: None }));
    }

    #[test]
    fn options_are_case_insensitive_and_the_last_wins() {
        let o = parse(&["count", "5", "MATCH", "a*", "Count", "7"]).expect("valid");
        assert_eq!(o, ScanOptions { count: 7, pattern: Some(Bytes::from_static(b"a*")) });
    }

    #[test]
    fn match_star_matches_everything_including_the_empty_name() {
        let o = parse(&["MATCH", "*"]).expect("valid");
        assert_eq!(o.pattern, None);
        assert!(o.matches(b""));
    }

    #[test]
    fn bad_options_are_redis_errors() {
        let syntax = Err(error::syntax());
        assert_eq!(parse(&["COUNT", "0"]), syntax);
        assert_eq!(parse(&["COUNT", "-1"]), syntax);
        assert_eq!(parse(&["COUNT"]), syntax);
        assert_eq!(parse(&["MATCH"]), syntax);
        assert_eq!(parse(&["TYPE", "string"]), syntax);
        assert_eq!(parse(&["NOVALUES"]), syntax);
        assert_eq!(parse(&["COUNT", "x"]), Err(error::not_integer()));
    }
}

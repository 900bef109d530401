//! Sorted set commands, as Redis's `t_zset.c`: ZADD ZINCRBY ZSCORE ZMSCORE ZCARD ZCOUNT
//! ZLEXCOUNT ZRANK ZREVRANK ZRANGE ZRANGESTORE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
//! ZREVRANGEBYLEX ZREVRANGE ZREM ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN
//! ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE
//! ZINTERCARD ZSCAN. (The blocking BZPOPMIN, BZPOPMAX and BZMPOP live with the blocking
//! commands and reuse [`pop`].)
//!
//! Every command reaches a sorted set through [`as_zset`] or [`modify_zset`], so a key of
//! another type answers WRONGTYPE in one place and a set a command empties is deleted in
//! one place: an empty sorted set never stays under a key.
//!
//! Replies that carry scores use `Frame::Double` (a RESP3 double, a bulk string in RESP2),
//! and pairs of member and score are flat in RESP2 but nested `[member, score]` arrays in
//! RESP3, exactly where Redis nests them ([`scored_reply`]).
//!
//! Numbers follow C's `strtod`, as Redis reads them ([`strtod`]): scores and weights accept
//! hex floats and `inf`, and reject NaN, surrounding spaces and out-of-range values; range
//! bounds (`ZRANGEBYSCORE k (1.5 +inf`) are laxer, exactly as `zslParseRange` is (leading
//! spaces, an empty bound meaning 0, an overflow meaning infinity).
//!
//! The ZRANGE family is one parser ([`RangeQuery::parse`], Redis's `zrangeGenericCommand`)
//! and one selection ([`RangeQuery::select`]) over rank, score or lexical ranges, found in
//! O(log N) by the skiplist and walked in either direction. Read lookups count keyspace hits
//! and misses the way Redis's `lookupKeyRead` does.
//!
//! **What the AOF logs.** A pop from one of several keys is logged as the pop it turned out
//! to be, as Redis 7.0 propagates it: ZMPOP and BZMPOP as `ZPOPMIN|ZPOPMAX key n` (n: what
//! was taken), BZPOPMIN/BZPOPMAX as `ZPOPMIN|ZPOPMAX key`; a woken blocked client re-runs its
//! command, so it logs the same way. Writes that change nothing (ZADD of the same scores,
//! ZREM or a ZREMRANGE removing none, a pop of 0 members) log nothing.

use std::ops::Range;

use bytes::Bytes;
use rand::Rng;
use resp::{Frame, Protocol};

use crate::blocking::parse_timeout;
use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::scan::scan_command;
use crate::commands::typed::{read_typed, typed, update_typed};
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::types::zset::{LexBound, LexRange, ScoreRange, ZSet};
use crate::value::{Entry, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::SortedSet, zadd),
    CommandSpec::new("zincrby", 4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::SortedSet, zincrby),
    CommandSpec::new("zscore", 3, READONLY | FAST, (1, 1, 1), Group::SortedSet, zscore),
    CommandSpec::new("zmscore", -3, READONLY | FAST, (1, 1, 1), Group::SortedSet, zmscore),
    CommandSpec::new("zcard", 2, READONLY | FAST, (1, 1, 1), Group::SortedSet, zcard),
    CommandSpec::new("zcount", 4, READONLY | FAST, (1, 1, 1), Group::SortedSet, zcount),
    CommandSpec::new("zlexcount", 4, READONLY | FAST, (1, 1, 1), Group::SortedSet, zlexcount),
    CommandSpec::new("zrank", -3, READONLY | FAST, (1, 1, 1), Group::SortedSet, zrank),
    CommandSpec::new("zrevrank", -3, READONLY | FAST, (1, 1, 1), Group::SortedSet, zrevrank),
    CommandSpec::new("zrange", -4, READONLY, (1, 1, 1), Group::SortedSet, zrange),
    CommandSpec::new("zrangestore", -5, WRITE | DENYOOM, (1, 2, 1), Group::SortedSet, zrangestore),
    CommandSpec::new("zrangebyscore", -4, READONLY, (1, 1, 1), Group::SortedSet, zrangebyscore),
    CommandSpec::new("zrevrangebyscore", -4, READONLY, (1, 1, 1), Group::SortedSet, zrevrangebyscore),
    CommandSpec::new("zrangebylex", -4, READONLY, (1, 1, 1), Group::SortedSet, zrangebylex),
    CommandSpec::new("zrevrangebylex", -4, READONLY, (1, 1, 1), Group::SortedSet, zrevrangebylex),
    CommandSpec::new("zrevrange", -4, READONLY, (1, 1, 1), Group::SortedSet, zrevrange),
    CommandSpec::new("zrem", -3, WRITE | FAST, (1, 1, 1), Group::SortedSet, zrem),
    CommandSpec::new("zremrangebyrank", 4, WRITE, (1, 1, 1), Group::SortedSet, zremrangebyrank),
    CommandSpec::new("zremrangebyscore", 4, WRITE, (1, 1, 1), Group::SortedSet, zremrangebyscore),
    CommandSpec::new("zremrangebylex", 4, WRITE, (1, 1, 1), Group::SortedSet, zremrangebylex),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, (1, 1, 1), Group::SortedSet, zpopmin),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, (1, 1, 1), Group::SortedSet, zpopmax),
    CommandSpec::new("zmpop", -4, WRITE | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, zmpop),
    CommandSpec::new("bzpopmin", -3, WRITE | NOSCRIPT | FAST | BLOCKING, (1, -2, 1), Group::SortedSet, bzpopmin),
    CommandSpec::new("bzpopmax", -3, WRITE | NOSCRIPT | FAST | BLOCKING, (1, -2, 1), Group::SortedSet, bzpopmax),
    CommandSpec::new("bzmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, bzmpop),
    CommandSpec::new("zrandmember", -2, READONLY, (1, 1, 1), Group::SortedSet, zrandmember),
    CommandSpec::new("zunion", -3, READONLY | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, zunion),
    CommandSpec::new("zinter", -3, READONLY | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, zinter),
    CommandSpec::new("zdiff", -3, READONLY | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, zdiff),
    CommandSpec::new("zunionstore", -4, WRITE | DENYOOM | MOVABLEKEYS, (1, 1, 1), Group::SortedSet, zunionstore),
    CommandSpec::new("zinterstore", -4, WRITE | DENYOOM | MOVABLEKEYS, (1, 1, 1), Group::SortedSet, zinterstore),
    CommandSpec::new("zdiffstore", -4, WRITE | DENYOOM | MOVABLEKEYS, (1, 1, 1), Group::SortedSet, zdiffstore),
    CommandSpec::new("zintercard", -3, READONLY | MOVABLEKEYS, (0, 0, 0), Group::SortedSet, zintercard),
    CommandSpec::new("zscan", -3, READONLY, (1, 1, 1), Group::SortedSet, zscan),
];

// ---- Reaching a sorted set -------------------------------------------------------------

/// The sorted set held by `entry`: `None` for a missing key, WRONGTYPE for another type.
fn as_zset(entry: Option<&Entry>) -> Result<Option<&ZSet>, Frame> {
    typed(entry)
}

/// Runs a read-only command on the sorted set at `key`, counting the lookup as Redis does.
fn read_zset(ctx: &mut Ctx<'_>, key: &[u8], f: impl Fn(Option<&ZSet>) -> CommandResult) -> CommandResult {
    read_typed(ctx, key, f)
}

/// Runs `f` on the sorted set at `key` to change it. A missing key is a new empty set when
/// `create` is set (stored only if `f` leaves members in it), and otherwise `f` does not
/// run and the result is `Ok(None)`. A set that `f` empties is deleted, even if `f` fails.
fn modify_zset<R>(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    create: bool,
    f: impl FnOnce(&mut ZSet) -> Result<R, Frame>,
) -> Result<Option<R>, Frame> {
    update_typed(kv, db, key, create, f)
}

/// What a *STORE command did to its destination.
#[derive(Clone, Copy, Default)]
struct Stored {
    /// The stored size (0: nothing stored).
    len: usize,
    /// True if an empty result deleted an existing destination.
    deleted: bool,
}

/// Stores `zset` at `key` as a new value (any expiry is dropped), or deletes `key` if the
/// set is empty, as the *STORE commands do.
fn store_zset(kv: &mut dyn KeyView, db: usize, key: &Bytes, zset: ZSet) -> Stored {
    let len = zset.len();
    if len == 0 {
        return Stored { len, deleted: kv.remove(db, key).is_some() };
    }
    kv.insert(db, key.clone(), Entry::new(Value::ZSet(Box::new(zset))));
    Stored { len, deleted: false }
}

/// Records a *STORE's keyspace event: `event` if it stored a set, `del` if it deleted one.
fn notify_store(ctx: &mut Ctx<'_>, event: &'static str, key: &[u8], stored: Stored) {
    if stored.len > 0 {
        ctx.notify(class::ZSET, event, key);
    } else if stored.deleted {
        ctx.notify(class::GENERIC, "del", key);
    }
}

/// Records a removal's keyspace events: `event`, then `del` if it emptied the set.
fn notify_removal(ctx: &mut Ctx<'_>, event: &'static str, key: &[u8], emptied: bool) {
    ctx.notify(class::ZSET, event, key);
    if emptied {
        ctx.notify(class::GENERIC, "del", key);
    }
}

// ---- Replies ---------------------------------------------------------------------------

fn is_resp3(ctx: &Ctx<'_>) -> bool {
    ctx.client.protocol == Protocol::Resp3
}

/// Members with their scores, as Redis replies with them: `[m1, s1, m2, s2, ...]` in RESP2,
/// `[[m1, s1], [m2, s2], ...]` in RESP3 (ZMPOP and BZMPOP always nest: pass `true`).
pub(crate) fn scored_reply(resp3: bool, items: impl IntoIterator<Item = (Bytes, f64)>) -> Frame {
    let items = items.into_iter();
    if resp3 {
        Frame::Array(items.map(|(m, s)| Frame::Array(vec![Frame::Bulk(m), Frame::Double(s)])).collect())
    } else {
        let mut out = Vec::with_capacity(items.size_hint().0 * 2);
        for (m, s) in items {
            out.push(Frame::Bulk(m));
            out.push(Frame::Double(s));
        }
        Frame::Array(out)
    }
}

/// Members alone, or with their scores when `withscores`.
fn members_reply(resp3: bool, withscores: bool, items: Vec<(Bytes, f64)>) -> Frame {
    if withscores {
        scored_reply(resp3, items)
    } else {
        Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect())
    }
}

fn owned_items<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> Vec<(Bytes, f64)> {
    items.map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect()
}

// ---- Numbers ---------------------------------------------------------------------------

/// C's `isspace` in the C locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The bytes before the first NUL: what C code sees of an argument it reads as a string.
fn c_str(s: &[u8]) -> &[u8] {
    s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n])
}

/// glibc's `strtod` over all of `s`: the value and whether `errno` would be `ERANGE`
/// (overflow to infinity, underflow to zero or to a subnormal). `None` if `s` is not
/// entirely one number (leading spaces are skipped, as `strtod` does). NaN is returned as
/// NaN; every caller rejects it.
pub(crate) fn strtod(s: &[u8]) -> Option<(f64, bool)> {
    let start = s.iter().position(|&b| !is_c_space(b))?;
    let s = &s[start..];
    let (negative, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (value, erange) = if lower == b"inf" || lower == b"infinity" {
        (f64::INFINITY, false)
    } else if lower.starts_with(b"nan") {
        let rest = &lower[3..];
        let paren = rest.len() >= 2
            && rest[0] == b'('
            && rest[rest.len() - 1] == b')'
            && rest[1..rest.len() - 1].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !rest.is_empty() && !paren {
            return None;
        }
        (f64::NAN, false)
    } else if lower.starts_with(b"0x") {
        hex_float(&lower[2..])?
    } else {
        decimal_float(body)?
    };
    Some((if negative { -value } else { value }, erange))
}

/// The decimal digits of a `strtod` number (no sign): `digits[.digits][e[sign]digits]` with
/// at least one mantissa digit.
fn decimal_float(s: &[u8]) -> Option<(f64, bool)> {
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let int = digits(0);
    let mut i = int;
    let mut frac = 0;
    if s.get(i) == Some(&b'.') {
        frac = digits(i + 1);
        i += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(s.get(i + 1), Some(b'+' | b'-')));
        let exp = digits(i + 1 + sign);
        if exp == 0 {
            return None;
        }
        i += 1 + sign + exp;
    }
    if i != s.len() {
        return None;
    }
    let value: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    let nonzero = s.iter().take(int + 1 + frac).any(|b| (b'1'..=b'9').contains(b));
    Some((value, out_of_range(value, nonzero)))
}

/// The hex digits of a `strtod` hex float after `0x`: `hex[.hex][p[sign]digits]`.
fn hex_float(s: &[u8]) -> Option<(f64, bool)> {
    // Up to 60 bits of mantissa; anything below them only decides rounding (a sticky bit).
    let (mut mantissa, mut exp2, mut sticky, mut any) = (0u64, 0i64, false, false);
    let mut i = 0;
    let mut seen_point = false;
    while let Some(&c) = s.get(i) {
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (c as char).to_digit(16) {
            any = true;
            if mantissa < 1 << 56 {
                mantissa = mantissa * 16 + d as u64;
                if seen_point {
                    exp2 -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_point {
                    exp2 += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if s.get(i) == Some(&b'p') {
        let sign = match s.get(i + 1) {
            Some(b'-') => -1,
            _ => 1,
        };
        let from = i + 1 + usize::from(matches!(s.get(i + 1), Some(b'+' | b'-')));
        let count = s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        let exp = s[from..from + count].iter().fold(0i64, |e, d| (e * 10 + (d - b'0') as i64).min(1 << 20));
        exp2 += sign * exp;
        i = from + count;
    }
    if i != s.len() {
        return None;
    }
    let mut value = (mantissa | sticky as u64) as f64;
    // Scale by 2^exp2 in steps that cannot overflow the factor itself.
    let mut e = exp2.clamp(-4000, 4000);
    while e != 0 {
        let step = e.clamp(-1000, 1000);
        value *= 2f64.powi(step as i32);
        e -= step;
    }
    Some((value, out_of_range(value, mantissa != 0 || sticky)))
}

/// Whether glibc would set ERANGE for `value` parsed from digits that were `nonzero`.
fn out_of_range(value: f64, nonzero: bool) -> bool {
    value.is_infinite() || (nonzero && value.abs() < f64::MIN_POSITIVE)
}

/// A score or weight, read as Redis's `getDoubleFromObject`: all of it a number, no leading
/// space, not NaN, and no overflow (nor underflow to zero).
fn parse_score(arg: &[u8]) -> Option<f64> {
    if arg.first().is_none_or(|&b| is_c_space(b)) {
        return None;
    }
    match strtod(arg)? {
        (v, _) if v.is_nan() => None,
        (v, true) if v.is_infinite() || v == 0.0 => None,
        (v, _) => Some(v),
    }
}

/// One end of a score range without its `(`, read as Redis's `zslParseRange` does: C string
/// semantics (an empty bound is 0), `strtod` range errors ignored, NaN rejected.
fn parse_score_bound(arg: &[u8]) -> Option<f64> {
    let s = c_str(arg);
    if s.is_empty() {
        return Some(0.0);
    }
    strtod(s).map(|(v, _)| v).filter(|v| !v.is_nan())
}

/// A `min max` score range (`(` marks an exclusive end); `ERR min or max is not a float`.
fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Frame> {
    let bound = |arg: &[u8]| match arg.strip_prefix(b"(") {
        Some(rest) => parse_score_bound(rest).map(|v| (v, true)),
        None => parse_score_bound(arg).map(|v| (v, false)),
    };
    match (bound(min), bound(max)) {
        (Some((min, min_exclusive)), Some((max, max_exclusive))) => {
            Ok(ScoreRange { min, max, min_exclusive, max_exclusive })
        }
        _ => Err(Frame::error("ERR min or max is not a float")),
    }
}

/// A `min max` lexical range (`[a`, `(a`, `-`, `+`); `ERR min or max not valid string range
/// item` otherwise.
fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, Frame> {
    fn bound(arg: &[u8]) -> Option<LexBound> {
        // `+` and `-` are checked as C strings, like Redis (`c[1] != '\0'`).
        let alone = arg.len() == 1 || arg.get(1) == Some(&0);
        match arg.first()? {
            b'+' if alone => Some(LexBound::Highest),
            b'-' if alone => Some(LexBound::Lowest),
            b'[' => Some(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
            b'(' => Some(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
            _ => None,
        }
    }
    match (bound(min), bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(Frame::error("ERR min or max not valid string range item")),
    }
}

/// An integer option that must be within `min..=max`, with Redis's one message for both a
/// non-integer and an out-of-range value (`getRangeLongFromObjectOrReply` given a message).
fn ranged_i64(arg: &[u8], min: i64, max: i64, message: &'static str) -> Result<i64, Frame> {
    crate::num::parse_i64(arg).filter(|n| (min..=max).contains(n)).ok_or_else(|| Frame::error(message))
}

// ---- ZADD, ZINCRBY ---------------------------------------------------------------------

/// ZADD's options.
#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What adding one member did (Redis's `ZADD_OUT_*`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddOutcome {
    Added,
    Updated,
    Unchanged,
    /// NX, XX, GT or LT stopped it.
    Skipped,
}

/// Adds or updates one member under `flags` (Redis's `zsetAdd`). Returns what happened and
/// the member's score afterwards; a NaN increment result is an error.
fn add_member(zset: &mut ZSet, member: &Bytes, score: f64, flags: AddFlags) -> Result<(AddOutcome, f64), Frame> {
    match zset.score(member) {
        Some(_) if flags.nx => Ok((AddOutcome::Skipped, score)),
        Some(current) => {
            let mut score = score;
            if flags.incr {
                score += current;
                if score.is_nan() {
                    return Err(Frame::error("ERR resulting score is not a number (NaN)"));
                }
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return Ok((AddOutcome::Skipped, score));
            }
            if score == current {
                return Ok((AddOutcome::Unchanged, score));
            }
            zset.insert(member, score);
            Ok((AddOutcome::Updated, score))
        }
        None if flags.xx => Ok((AddOutcome::Skipped, score)),
        None => {
            zset.insert(member, score);
            Ok((AddOutcome::Added, score))
        }
    }
}

fn zadd(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    zadd_generic(ctx, args, AddFlags::default())
}

/// ZINCRBY is ZADD with INCR, options included (Redis runs the same code, so `ZINCRBY k
/// incr m` is a syntax error there too).
fn zincrby(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    zadd_generic(ctx, args, AddFlags { incr: true, ..AddFlags::default() })
}

/// ZADD and ZINCRBY (Redis's `zaddGenericCommand`), checks in Redis's order.
fn zadd_generic(ctx: &mut Ctx<'_>, args: &Args, mut flags: AddFlags) -> CommandResult {
    let key = args.bytes()?;
    loop {
        let flag = match args.peek() {
            Some(w) if w.eq_ignore_ascii_case(b"nx") => &mut flags.nx,
            Some(w) if w.eq_ignore_ascii_case(b"xx") => &mut flags.xx,
            Some(w) if w.eq_ignore_ascii_case(b"ch") => &mut flags.ch,
            Some(w) if w.eq_ignore_ascii_case(b"incr") => &mut flags.incr,
            Some(w) if w.eq_ignore_ascii_case(b"gt") => &mut flags.gt,
            Some(w) if w.eq_ignore_ascii_case(b"lt") => &mut flags.lt,
            _ => break,
        };
        *flag = true;
        args.next();
    }
    let pairs = args.rest();
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(error::syntax());
    }
    if flags.nx && flags.xx {
        return Err(Frame::error("ERR XX and NX options at the same time are not compatible"));
    }
    if [flags.gt, flags.lt, flags.nx].iter().filter(|&&on| on).count() > 1 {
        return Err(Frame::error("ERR GT, LT, and/or NX options at the same time are not compatible"));
    }
    if flags.incr && pairs.len() > 2 {
        return Err(Frame::error("ERR INCR option supports a single increment-element pair"));
    }
    let mut elements = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks_exact(2) {
        let score = parse_score(&pair[0]).ok_or_else(error::not_float)?;
        elements.push((score, pair[1].clone()));
    }
    let nothing = if flags.incr { Frame::Null } else { Frame::Integer(0) };
    let (reply, changed) = ctx.write_key(key, |kv, db| {
        let outcome = modify_zset(kv, db, key, !flags.xx, |zset| {
            let (mut added, mut updated, mut processed, mut last) = (0, 0, 0, 0.0);
            for (score, member) in &elements {
                let (outcome, score) = add_member(zset, member, *score, flags)?;
                added += (outcome == AddOutcome::Added) as i64;
                updated += (outcome == AddOutcome::Updated) as i64;
                processed += (outcome != AddOutcome::Skipped) as i64;
                last = score;
            }
            Ok((added, updated, processed, last))
        })?;
        let Some((added, updated, processed, last)) = outcome else {
            return Ok((nothing.clone(), false));
        };
        let reply = match (flags.incr, processed) {
            (true, 0) => Frame::Null,
            (true, _) => Frame::Double(last),
            (false, _) if flags.ch => Frame::Integer(added + updated),
            (false, _) => Frame::Integer(added),
        };
        Ok((reply, added + updated > 0))
    })?;
    // As Redis, only a member added or a score changed is an event, or is logged.
    if changed {
        ctx.notify(class::ZSET, if flags.incr { "zincr" } else { "zadd" }, key);
    } else {
        ctx.propagate_nothing();
    }
    Ok(reply)
}

// ---- Single-member reads ---------------------------------------------------------------

fn zscore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let member = args.bytes()?;
    read_zset(ctx, key, |z| Ok(z.and_then(|z| z.score(member)).map_or(Frame::Null, Frame::Double)))
}

fn zmscore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let members = args.rest();
    read_zset(ctx, key, |z| {
        let score = |m: &Bytes| z.and_then(|z| z.score(m)).map_or(Frame::Null, Frame::Double);
        Ok(Frame::Array(members.iter().map(score).collect()))
    })
}

fn zcard(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_zset(ctx, key, |z| Ok(Frame::Integer(z.map_or(0, |z| z.len()) as i64)))
}

fn zrank(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    rank_generic(ctx, args, false, "zrank")
}

fn zrevrank(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    rank_generic(ctx, args, true, "zrevrank")
}

/// ZRANK and ZREVRANK `key member [WITHSCORE]`: the rank, or `[rank, score]`.
fn rank_generic(ctx: &mut Ctx<'_>, args: &Args, reverse: bool, cmd: &str) -> CommandResult {
    let key = args.bytes()?;
    let member = args.bytes()?;
    if args.remaining() > 1 {
        return Err(error::wrong_arity(cmd));
    }
    let withscore = match args.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"withscore") => true,
        Some(_) => return Err(error::syntax()),
    };
    let missing = if withscore { Frame::NullArray } else { Frame::Null };
    read_zset(ctx, key, |z| {
        let Some((z, rank)) = z.and_then(|z| z.rank(member).map(|r| (z, r))) else {
            return Ok(missing.clone());
        };
        let rank = if reverse { z.len() - 1 - rank } else { rank } as i64;
        Ok(match z.score(member) {
            Some(score) if withscore => Frame::Array(vec![Frame::Integer(rank), Frame::Double(score)]),
            _ => Frame::Integer(rank),
        })
    })
}

fn zcount(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let range = parse_score_range(args.bytes()?, args.bytes()?)?;
    read_zset(ctx, key, |z| Ok(Frame::Integer(z.map_or(0, |z| z.score_ranks(&range).len()) as i64)))
}

fn zlexcount(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let range = parse_lex_range(args.bytes()?, args.bytes()?)?;
    read_zset(ctx, key, |z| Ok(Frame::Integer(z.map_or(0, |z| z.lex_ranks(&range).len()) as i64)))
}

// ---- The ZRANGE family -----------------------------------------------------------------

/// How a ZRANGE selects members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RangeBy {
    Rank,
    Score,
    Lex,
}

/// The range a ZRANGE-family command asks for.
#[derive(Clone, Debug)]
enum Bounds {
    /// Start and end ranks, inclusive, negative from the end.
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// A parsed ZRANGE-family request (Redis's `zrangeGenericCommand` after its parse).
#[derive(Clone, Debug)]
struct RangeQuery {
    bounds: Bounds,
    reverse: bool,
    withscores: bool,
    /// LIMIT offset count (a negative count means all).
    limit: Option<(i64, i64)>,
}

impl RangeQuery {
    /// Reads `min max [options]` from `args`. `by` and `reverse` are fixed by the older
    /// commands (ZRANGEBYSCORE...) and `None` for ZRANGE/ZRANGESTORE, which take BYSCORE,
    /// BYLEX and REV; `store` is ZRANGESTORE, which has no WITHSCORES.
    fn parse(args: &Args, by: Option<RangeBy>, reverse: Option<bool>, store: bool) -> Result<RangeQuery, Frame> {
        let mut min = args.bytes()?;
        let mut max = args.bytes()?;
        let (mut by_opt, mut rev_opt) = (by, reverse);
        let mut withscores = false;
        let mut limit = None;
        while let Some(opt) = args.next() {
            let is = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
            if !store && is("withscores") {
                withscores = true;
            } else if is("limit") && args.remaining() >= 2 {
                let offset = args.i64()?;
                let count = args.i64()?;
                limit = Some((offset, count));
            } else if rev_opt.is_none() && is("rev") {
                rev_opt = Some(true);
            } else if by_opt.is_none() && is("bylex") {
                by_opt = Some(RangeBy::Lex);
            } else if by_opt.is_none() && is("byscore") {
                by_opt = Some(RangeBy::Score);
            } else {
                return Err(error::syntax());
            }
        }
        let by = by_opt.unwrap_or(RangeBy::Rank);
        let reverse = rev_opt.unwrap_or(false);
        if limit.is_some() && by == RangeBy::Rank {
            return Err(Frame::error(
                "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ));
        }
        if withscores && by == RangeBy::Lex {
            return Err(Frame::error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
        }
        if reverse && by != RangeBy::Rank {
            // The reverse forms take the range as `max min`.
            std::mem::swap(&mut min, &mut max);
        }
        let bounds = match by {
            RangeBy::Rank => {
                let parse = |a: &[u8]| crate::num::parse_i64(a).ok_or_else(error::not_integer);
                Bounds::Rank(parse(min)?, parse(max)?)
            }
            RangeBy::Score => Bounds::Score(parse_score_range(min, max)?),
            RangeBy::Lex => Bounds::Lex(parse_lex_range(min, max)?),
        };
        Ok(RangeQuery { bounds, reverse, withscores, limit })
    }

    /// The selected members with their scores, in reply order.
    fn select(&self, z: &ZSet) -> Vec<(Bytes, f64)> {
        let len = z.len();
        let ranks = match &self.bounds {
            Bounds::Rank(start, end) => {
                let ranks = rank_range(len, *start, *end);
                return if self.reverse {
                    owned_items(z.range(len - ranks.end..len - ranks.start).rev())
                } else {
                    owned_items(z.range(ranks))
                };
            }
            Bounds::Score(r) => z.score_ranks(r),
            Bounds::Lex(r) => z.lex_ranks(r),
        };
        let (offset, count) = self.limit.unwrap_or((0, -1));
        // A negative offset walks past the end in Redis: nothing.
        let Ok(offset) = usize::try_from(offset) else {
            return Vec::new();
        };
        let available = ranks.len().saturating_sub(offset);
        let take = usize::try_from(count).map_or(available, |c| c.min(available));
        if self.reverse {
            let end = ranks.end - offset.min(ranks.len());
            owned_items(z.range(end - take..end).rev())
        } else {
            let start = ranks.start + offset.min(ranks.len());
            owned_items(z.range(start..start + take))
        }
    }
}

/// ZRANGE and its older forms: `key min max [options]`.
fn range_generic(ctx: &mut Ctx<'_>, args: &Args, by: Option<RangeBy>, reverse: Option<bool>) -> CommandResult {
    let key = args.bytes()?;
    let query = RangeQuery::parse(args, by, reverse, false)?;
    let resp3 = is_resp3(ctx);
    read_zset(ctx, key, |z| {
        let items = z.map(|z| query.select(z)).unwrap_or_default();
        Ok(members_reply(resp3, query.withscores, items))
    })
}

fn zrange(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, None, None)
}

fn zrevrange(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, Some(RangeBy::Rank), Some(true))
}

fn zrangebyscore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, Some(RangeBy::Score), Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, Some(RangeBy::Score), Some(true))
}

fn zrangebylex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, Some(RangeBy::Lex), Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    range_generic(ctx, args, Some(RangeBy::Lex), Some(true))
}

/// ZRANGESTORE `dst src min max [options]`: stores the selection (scores included) at
/// `dst`, replacing it, or deletes `dst` when the selection is empty.
fn zrangestore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let dst = args.bytes()?;
    let src = args.bytes()?;
    let query = RangeQuery::parse(args, None, None, true)?;
    let keys = [dst.clone(), src.clone()];
    let (hit, stored) = ctx.write_keys(&keys, |kv, db| {
        let entry = kv.get(db, src);
        let hit = entry.is_some();
        let items = match as_zset(entry) {
            Ok(z) => z.map(|z| query.select(z)).unwrap_or_default(),
            Err(e) => return (hit, Err(e)),
        };
        (hit, Ok(store_zset(kv, db, dst, items.into_iter().collect())))
    });
    ctx.lookup(hit);
    let stored = stored?;
    notify_store(ctx, "zrangestore", dst, stored);
    Ok(Frame::Integer(stored.len as i64))
}

// ---- Removal ---------------------------------------------------------------------------

fn zrem(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let members = args.rest();
    let removed = ctx.write_key(key, |kv, db| {
        modify_zset(kv, db, key, false, |zset| {
            let mut removed = 0;
            for member in members {
                removed += zset.remove(member).is_some() as i64;
                if zset.is_empty() {
                    break;
                }
            }
            Ok((removed, zset.is_empty()))
        })
    })?;
    let (removed, emptied) = removed.unwrap_or_default();
    if removed > 0 {
        notify_removal(ctx, "zrem", key, emptied);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(removed))
}

/// ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX once their range is parsed:
/// removes the members at the ranks `ranks` finds and replies how many; `event` is the
/// command's keyspace event.
fn remove_range_generic(
    ctx: &mut Ctx<'_>,
    key: &Bytes,
    event: &'static str,
    ranks: impl Fn(&ZSet) -> Range<usize>,
) -> CommandResult {
    let removed = ctx.write_key(key, |kv, db| {
        modify_zset(kv, db, key, false, |zset| Ok((zset.remove_range(ranks(zset)) as i64, zset.is_empty())))
    })?;
    let (removed, emptied) = removed.unwrap_or_default();
    if removed > 0 {
        notify_removal(ctx, event, key, emptied);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(removed))
}

/// The ranks `start..=end` select (negative from the end, clamped as Redis does).
fn rank_range(len: usize, start: i64, end: i64) -> Range<usize> {
    let n = len as i64;
    let start = if start < 0 { start + n } else { start }.max(0);
    let end = if end < 0 { end + n } else { end };
    if start > end || start >= n {
        return 0..0;
    }
    start as usize..end.min(n - 1) as usize + 1
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let start = args.i64()?;
    let end = args.i64()?;
    remove_range_generic(ctx, key, "zremrangebyrank", |z| rank_range(z.len(), start, end))
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let range = parse_score_range(args.bytes()?, args.bytes()?)?;
    remove_range_generic(ctx, key, "zremrangebyscore", |z| z.score_ranks(&range))
}

fn zremrangebylex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let range = parse_lex_range(args.bytes()?, args.bytes()?)?;
    remove_range_generic(ctx, key, "zremrangebylex", |z| z.lex_ranks(&range))
}

// ---- Pops ------------------------------------------------------------------------------

/// Which end of a sorted set a pop takes members from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PopEnd {
    /// The lowest scores (ZPOPMIN, BZPOPMIN, `MIN`).
    Min,
    /// The highest scores (ZPOPMAX, BZPOPMAX, `MAX`).
    Max,
}

/// What [`pop`] took: from which key, and the members with their scores in pop order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Popped {
    pub key: Bytes,
    pub members: Vec<(Bytes, f64)>,
    /// True if the pop emptied the set, deleting its key.
    pub emptied: bool,
}

impl PopEnd {
    /// The pop's keyspace event.
    fn event(self) -> &'static str {
        match self {
            PopEnd::Min => "zpopmin",
            PopEnd::Max => "zpopmax",
        }
    }
}

/// Records a pop's keyspace events (none when it took nothing, as for a count of 0, which
/// logs nothing either).
fn notify_pop(ctx: &mut Ctx<'_>, popped: &Popped, end: PopEnd) {
    if popped.members.is_empty() {
        ctx.propagate_nothing();
    } else {
        notify_removal(ctx, end.event(), &popped.key, popped.emptied);
    }
}

/// Logs a multi-key or blocking pop as the pop it was: `ZPOPMIN|ZPOPMAX key [count]`.
fn log_pop(ctx: &mut Ctx<'_>, popped: &Popped, end: PopEnd, with_count: bool) {
    let name: &'static [u8] = match end {
        PopEnd::Min => b"ZPOPMIN",
        PopEnd::Max => b"ZPOPMAX",
    };
    let mut argv = vec![Bytes::from_static(name), popped.key.clone()];
    if with_count {
        argv.push(crate::num::i64_bytes(popped.members.len() as i64));
    }
    ctx.propagate(argv);
}

/// The pop shared by ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX and BZMPOP
/// (Redis's `genericZpopCommand`): takes the first of `keys` that exists (WRONGTYPE if it is
/// not a sorted set), removes up to `count` members from `end`, deleting the key if that
/// empties it, and returns the key with the members in the order they were popped. `None`
/// if no key exists. With `count` 0 the key is checked but nothing is removed.
pub(crate) fn pop(
    kv: &mut dyn KeyView,
    db: usize,
    keys: &[Bytes],
    end: PopEnd,
    count: usize,
) -> Result<Option<Popped>, Frame> {
    for key in keys {
        let popped = modify_zset(kv, db, key, false, |zset| {
            let n = count.min(zset.len());
            let members = (0..n)
                .filter_map(|_| match end {
                    PopEnd::Min => zset.pop_first(),
                    PopEnd::Max => zset.pop_last(),
                })
                .collect::<Vec<_>>();
            Ok((members, zset.is_empty()))
        })?;
        if let Some((members, emptied)) = popped {
            return Ok(Some(Popped { key: key.clone(), members, emptied }));
        }
    }
    Ok(None)
}

fn zpopmin(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    pop_generic(ctx, args, PopEnd::Min)
}

fn zpopmax(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    pop_generic(ctx, args, PopEnd::Max)
}

/// ZPOPMIN / ZPOPMAX `key [count]`: a flat `[member, score, ...]`, or in RESP3 with a count,
/// `[[member, score], ...]`.
fn pop_generic(ctx: &mut Ctx<'_>, args: &Args, end: PopEnd) -> CommandResult {
    let key = args.bytes()?;
    if args.remaining() > 1 {
        return Err(error::syntax());
    }
    let count = match args.next() {
        Some(c) => Some(ranged_i64(c, 0, i64::MAX, "ERR value is out of range, must be positive")? as usize),
        None => None,
    };
    let nested = is_resp3(ctx) && count.is_some();
    let keys = [key.clone()];
    let popped = ctx.write_key(&keys[0], |kv, db| pop(kv, db, &keys, end, count.unwrap_or(1)))?;
    if let Some(p) = &popped {
        notify_pop(ctx, p, end);
    }
    let items = popped.map(|p| p.members).unwrap_or_default();
    Ok(scored_reply(nested, items))
}

/// ZMPOP `numkeys key [key ...] MIN|MAX [COUNT count]`: `[key, [[member, score], ...]]`
/// from the first non-empty key, or a null array.
fn zmpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let (keys, end, count) = mpop_args(args)?;
    let popped = ctx.write_keys(&keys, |kv, db| pop(kv, db, &keys, end, count))?;
    if let Some(p) = &popped {
        notify_pop(ctx, p, end);
        log_pop(ctx, p, end, true);
    }
    Ok(mpop_reply(popped))
}

/// ZMPOP's and BZMPOP's arguments after the timeout: `numkeys key [key ...] MIN|MAX [COUNT count]`.
fn mpop_args(args: &Args) -> Result<(Vec<Bytes>, PopEnd, usize), Frame> {
    let numkeys = ranged_i64(args.bytes()?, 1, i64::MAX, "ERR numkeys should be greater than 0")?;
    if numkeys as u64 >= args.remaining() as u64 {
        return Err(error::syntax());
    }
    let keys: Vec<Bytes> = args.take(numkeys as usize).to_vec();
    let end = match args.bytes()? {
        w if w.eq_ignore_ascii_case(b"min") => PopEnd::Min,
        w if w.eq_ignore_ascii_case(b"max") => PopEnd::Max,
        _ => return Err(error::syntax()),
    };
    let mut count = None;
    while let Some(opt) = args.next() {
        if count.is_none() && opt.eq_ignore_ascii_case(b"count") && !args.is_empty() {
            count = Some(ranged_i64(args.bytes()?, 1, i64::MAX, "ERR count should be greater than 0")? as usize);
        } else {
            return Err(error::syntax());
        }
    }
    Ok((keys, end, count.unwrap_or(1)))
}

/// ZMPOP's reply: `[key, [[member, score] ...]]`, or the null array.
fn mpop_reply(popped: Option<Popped>) -> Frame {
    match popped {
        Some(p) => Frame::Array(vec![Frame::Bulk(p.key), scored_reply(true, p.members)]),
        None => Frame::NullArray,
    }
}

// ---- Blocking pops -----------------------------------------------------------------------
//
// Each tries its non-blocking pop once; when every key is empty it asks to block (see
// `crate::blocking`) and is re-run, unchanged, when one of its keys may have become ready.

fn bzpopmin(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    bzpop(ctx, args, PopEnd::Min)
}

fn bzpopmax(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    bzpop(ctx, args, PopEnd::Max)
}

/// BZPOPMIN/BZPOPMAX `key [key ...] timeout`: `[key, member, score]` from the first non-empty set.
fn bzpop(ctx: &mut Ctx<'_>, args: &Args, end: PopEnd) -> CommandResult {
    let mut keys: Vec<Bytes> = args.rest().to_vec();
    let timeout = parse_timeout(&keys.pop().unwrap_or_default())?;
    match ctx.write_keys(&keys, |kv, db| pop(kv, db, &keys, end, 1))? {
        Some(popped) => {
            notify_pop(ctx, &popped, end);
            log_pop(ctx, &popped, end, false);
            let Popped { key, mut members, .. } = popped;
            let (member, score) = members.remove(0);
            Ok(Frame::Array(vec![Frame::Bulk(key), Frame::Bulk(member), Frame::Double(score)]))
        }
        None => Ok(ctx.block(keys, timeout, Frame::NullArray)),
    }
}

/// BZMPOP `timeout numkeys key [key ...] MIN|MAX [COUNT count]`.
fn bzmpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let timeout = parse_timeout(args.bytes()?)?;
    let (keys, end, count) = mpop_args(args)?;
    match ctx.write_keys(&keys, |kv, db| pop(kv, db, &keys, end, count))? {
        Some(popped) => {
            notify_pop(ctx, &popped, end);
            log_pop(ctx, &popped, end, true);
            Ok(mpop_reply(Some(popped)))
        }
        None => Ok(ctx.block(keys, timeout, Frame::NullArray)),
    }
}

// ---- ZRANDMEMBER -----------------------------------------------------------------------

/// The most members a negative ZRANDMEMBER count may ask for. Members may repeat, so the
/// reply is not bounded by the set; Tandem builds a reply in memory before sending it, and
/// refuses larger counts with the error Redis gives for an out-of-range count (Redis would
/// stream such a reply until the client's output buffer limit cut it off).
pub const RANDMEMBER_MAX_REPEATS: u64 = 1 << 22;

fn zrandmember(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let Some(count) = args.next() else {
        return read_zset(ctx, key, |z| {
            let Some(z) = z else { return Ok(Frame::Null) };
            let i = rand::thread_rng().gen_range(0..z.len());
            Ok(z.get_index(i).map_or(Frame::Null, |(m, _)| Frame::bulk(m)))
        });
    };
    let count = crate::num::parse_i64(count).ok_or_else(error::not_integer)?;
    if count == i64::MIN {
        return Err(Frame::error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = match args.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"withscores") && args.is_empty() => true,
        Some(_) => return Err(error::syntax()),
    };
    if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return Err(Frame::error("ERR value is out of range"));
    }
    let resp3 = is_resp3(ctx);
    read_zset(ctx, key, |z| {
        let Some(z) = z else { return Ok(Frame::Array(Vec::new())) };
        if count < 0 && count.unsigned_abs() > RANDMEMBER_MAX_REPEATS {
            return Err(Frame::error("ERR value is out of range"));
        }
        Ok(members_reply(resp3, withscores, random_members(z, count)))
    })
}

/// ZRANDMEMBER's selection (Redis's `zrandmemberWithCountCommand`): a negative count picks
/// that many members independently (repeats allowed); a positive one distinct members, the
/// whole set (highest score first, as Redis walks it) when it asks for at least that many.
fn random_members(z: &ZSet, count: i64) -> Vec<(Bytes, f64)> {
    let mut rng = rand::thread_rng();
    let len = z.len();
    let pick = |i: usize| z.get_index(i).map(|(m, s)| (Bytes::copy_from_slice(m), s));
    if count < 0 {
        return (0..count.unsigned_abs()).filter_map(|_| pick(rng.gen_range(0..len))).collect();
    }
    let count = count as u64;
    if count >= len as u64 {
        return owned_items(z.iter().rev());
    }
    rand::seq::index::sample(&mut rng, len, count as usize).into_iter().filter_map(pick).collect()
}

// ---- ZUNION, ZINTER, ZDIFF and their STORE forms ---------------------------------------

/// Which combination of inputs a command computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

/// How scores of the same member in several inputs combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`: a sum that is NaN (`inf + -inf`) is 0.
    fn apply(self, acc: f64, value: f64) -> f64 {
        match self {
            Aggregate::Sum => {
                let sum = acc + value;
                if sum.is_nan() {
                    0.0
                } else {
                    sum
                }
            }
            Aggregate::Min => {
                if value < acc {
                    value
                } else {
                    acc
                }
            }
            Aggregate::Max => {
                if value > acc {
                    value
                } else {
                    acc
                }
            }
        }
    }
}

/// The options after the keys of ZUNION and friends.
struct CombineOptions {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// ZINTERCARD's LIMIT (0: none).
    limit: usize,
}

/// What a combination command is: its name (for errors), operation, destination, and
/// whether it only counts (ZINTERCARD).
struct Combine<'a> {
    name: &'a str,
    op: SetOp,
    dst: Option<Bytes>,
    card_only: bool,
}

/// Reads the options after the keys (Redis's loop in `zunionInterDiffGenericCommand`).
fn parse_combine_options(rest: &[Bytes], numkeys: usize, c: &Combine<'_>) -> Result<CombineOptions, Frame> {
    let mut o = CombineOptions { weights: vec![1.0; numkeys], aggregate: Aggregate::Sum, withscores: false, limit: 0 };
    let mut i = 0;
    while i < rest.len() {
        let remaining = rest.len() - i;
        let is = |w: &str| rest[i].eq_ignore_ascii_case(w.as_bytes());
        let scored = c.op != SetOp::Diff && !c.card_only;
        if scored && remaining > numkeys && is("weights") {
            for (j, w) in rest[i + 1..=i + numkeys].iter().enumerate() {
                o.weights[j] = parse_score(w).ok_or_else(|| Frame::error("ERR weight value is not a float"))?;
            }
            i += 1 + numkeys;
        } else if scored && remaining >= 2 && is("aggregate") {
            let a = &rest[i + 1];
            o.aggregate = if a.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if a.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if a.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return Err(error::syntax());
            };
            i += 2;
        } else if c.dst.is_none() && !c.card_only && is("withscores") {
            o.withscores = true;
            i += 1;
        } else if c.card_only && remaining >= 2 && is("limit") {
            let limit = ranged_i64(&rest[i + 1], 0, i64::MAX, "ERR LIMIT can't be negative")?;
            o.limit = usize::try_from(limit).unwrap_or(usize::MAX);
            i += 2;
        } else {
            return Err(error::syntax());
        }
    }
    Ok(o)
}

/// Calls `visit` with every member and score of the input at `key` (sets count as score 1).
fn for_each_input(kv: &mut dyn KeyView, db: usize, key: &[u8], mut visit: impl FnMut(&[u8], f64)) {
    match kv.get(db, key).map(|e| &e.value) {
        Some(Value::ZSet(z)) => z.iter().for_each(|(m, s)| visit(m, s)),
        Some(Value::Set(s)) => s.iter().for_each(|m| visit(&m, 1.0)),
        _ => {}
    }
}

/// Calls `visit` with each of `members` and its score in the input at `key`, if there.
fn lookup_input(kv: &mut dyn KeyView, db: usize, key: &[u8], members: &[Bytes], mut visit: impl FnMut(usize, f64)) {
    match kv.get(db, key).map(|e| &e.value) {
        Some(Value::ZSet(z)) => {
            for (i, m) in members.iter().enumerate() {
                if let Some(s) = z.score(m) {
                    visit(i, s);
                }
            }
        }
        Some(Value::Set(s)) => {
            for (i, m) in members.iter().enumerate() {
                if s.contains(m) {
                    visit(i, 1.0);
                }
            }
        }
        _ => {}
    }
}

/// `weight * score`, where NaN (`0 * inf`) is 0 as in Redis.
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// Computes a union, intersection or difference of `keys` (Redis's
/// `zunionInterDiffGenericCommand`), unordered. Each input is read in its own lookup, so
/// only one is borrowed at a time.
fn combine_inputs(
    kv: &mut dyn KeyView,
    db: usize,
    keys: &[Bytes],
    lens: &[usize],
    op: SetOp,
    o: &CombineOptions,
) -> Vec<(Bytes, f64)> {
    // Union and intersection visit the inputs smallest first, as Redis sorts them.
    let mut order: Vec<usize> = (0..keys.len()).collect();
    if op != SetOp::Diff {
        order.sort_by_key(|&i| lens[i]);
    }
    match op {
        SetOp::Union => {
            let mut acc: std::collections::HashMap<Bytes, f64, ahash::RandomState> = Default::default();
            for &i in &order {
                for_each_input(kv, db, &keys[i], |m, s| {
                    let score = weighted(o.weights[i], s);
                    match acc.get_mut(m) {
                        Some(a) => *a = o.aggregate.apply(*a, score),
                        None => {
                            acc.insert(Bytes::copy_from_slice(m), score);
                        }
                    }
                });
            }
            acc.into_iter().collect()
        }
        SetOp::Inter => {
            let first = order[0];
            let mut members = Vec::with_capacity(lens[first]);
            let mut scores = Vec::with_capacity(lens[first]);
            for_each_input(kv, db, &keys[first], |m, s| {
                members.push(Bytes::copy_from_slice(m));
                scores.push(weighted(o.weights[first], s));
            });
            for &j in &order[1..] {
                if members.is_empty() {
                    break;
                }
                let mut found = vec![false; members.len()];
                lookup_input(kv, db, &keys[j], &members, |i, s| {
                    found[i] = true;
                    scores[i] = o.aggregate.apply(scores[i], s * o.weights[j]);
                });
                let mut keep = found.iter();
                members.retain(|_| *keep.next().unwrap_or(&false));
                let mut keep = found.iter();
                scores.retain(|_| *keep.next().unwrap_or(&false));
            }
            members.into_iter().zip(scores).collect()
        }
        SetOp::Diff => {
            let mut left: std::collections::HashMap<Bytes, f64, ahash::RandomState> = Default::default();
            for_each_input(kv, db, &keys[0], |m, s| {
                left.insert(Bytes::copy_from_slice(m), s);
            });
            for (j, key) in keys.iter().enumerate().skip(1) {
                if left.is_empty() {
                    break;
                }
                if lens[j] < left.len() {
                    for_each_input(kv, db, key, |m, _| {
                        left.remove(m);
                    });
                } else {
                    let members: Vec<Bytes> = left.keys().cloned().collect();
                    lookup_input(kv, db, key, &members, |i, _| {
                        left.remove(&members[i]);
                    });
                }
            }
            left.into_iter().collect()
        }
    }
}

/// Sorts combination results the way a sorted set orders them.
fn sort_by_score(items: &mut [(Bytes, f64)]) {
    items.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
}

/// ZUNION, ZINTER, ZDIFF, ZINTERCARD and the STORE forms, `args` at `numkeys`.
fn combine(ctx: &mut Ctx<'_>, args: &Args, c: Combine<'_>) -> CommandResult {
    let numkeys = args.i64()?;
    if numkeys < 1 {
        return Err(Frame::error(format!("ERR at least 1 input key is needed for '{}' command", c.name)));
    }
    if numkeys as u64 > args.remaining() as u64 {
        return Err(error::syntax());
    }
    let numkeys = numkeys as usize;
    let keys: Vec<Bytes> = args.take(numkeys).to_vec();
    let options = parse_combine_options(args.rest(), numkeys, &c);
    let resp3 = is_resp3(ctx);
    let mut scope = keys.clone();
    scope.extend(c.dst.iter().cloned());
    // Returns the reply, the (hits, misses) of the lookups made, and what a STORE stored.
    let run = |kv: &mut dyn KeyView, db: usize| -> (CommandResult, (u64, u64), Stored) {
        let mut lens = Vec::with_capacity(keys.len());
        let (mut hits, mut misses) = (0, 0);
        for key in &keys {
            let len = match kv.get(db, key).map(|e| &e.value) {
                None => None,
                Some(Value::ZSet(z)) => Some(z.len()),
                Some(Value::Set(s)) => Some(s.len()),
                Some(_) => return (Err(error::wrong_type()), (hits + 1, misses), Stored::default()),
            };
            hits += len.is_some() as u64;
            misses += len.is_none() as u64;
            lens.push(len.unwrap_or(0));
        }
        let counted = (hits, misses);
        let o = match &options {
            Ok(o) => o,
            Err(e) => return (Err(e.clone()), counted, Stored::default()),
        };
        let mut items = combine_inputs(kv, db, &keys, &lens, c.op, o);
        if c.card_only {
            let n = if o.limit > 0 { items.len().min(o.limit) } else { items.len() };
            return (Ok(Frame::Integer(n as i64)), counted, Stored::default());
        }
        if let Some(dst) = &c.dst {
            let stored = store_zset(kv, db, dst, items.into_iter().collect());
            return (Ok(Frame::Integer(stored.len as i64)), counted, stored);
        }
        sort_by_score(&mut items);
        (Ok(members_reply(resp3, o.withscores, items)), counted, Stored::default())
    };
    let (reply, (hits, misses), stored) =
        if c.dst.is_some() { ctx.write_keys(&scope, run) } else { ctx.read_keys(&scope, run) };
    ctx.client.counts.lookups(hits, misses);
    if let Some(dst) = &c.dst {
        let event = match c.op {
            SetOp::Union => "zunionstore",
            SetOp::Inter => "zinterstore",
            SetOp::Diff => "zdiffstore",
        };
        notify_store(ctx, event, dst, stored);
    }
    reply
}

fn zunion(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, Combine { name: "zunion", op: SetOp::Union, dst: None, card_only: false })
}

fn zinter(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, Combine { name: "zinter", op: SetOp::Inter, dst: None, card_only: false })
}

fn zdiff(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, Combine { name: "zdiff", op: SetOp::Diff, dst: None, card_only: false })
}

fn zintercard(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, Combine { name: "zintercard", op: SetOp::Inter, dst: None, card_only: true })
}

fn zunionstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let dst = Some(args.bytes()?.clone());
    combine(ctx, args, Combine { name: "zunionstore", op: SetOp::Union, dst, card_only: false })
}

fn zinterstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let dst = Some(args.bytes()?.clone());
    combine(ctx, args, Combine { name: "zinterstore", op: SetOp::Inter, dst, card_only: false })
}

fn zdiffstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let dst = Some(args.bytes()?.clone());
    combine(ctx, args, Combine { name: "zdiffstore", op: SetOp::Diff, dst, card_only: false })
}

// ---- ZSCAN -----------------------------------------------------------------------------

/// ZSCAN `key cursor [MATCH pattern] [COUNT count]`: members each followed by its score.
fn zscan(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    scan_command(
        ctx,
        args,
        |v| match v {
            Value::ZSet(z) => Some(&**z),
            _ => None,
        },
        |z: &ZSet, cursor, count, emit| {
            z.scan(cursor, count, |member, score| {
                let mut text = Vec::new();
                resp::format_double(score, &mut text);
                emit(member, Some(Bytes::from(text)));
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::commands::list::logged_when_served_later;
    use crate::testing::bulks;
    use crate::testing::each_store;
    use resp::{Frame, Protocol};

    use crate::testing::{arr, bulk, err, int, ok, TestClient};

    fn dbl(d: f64) -> Frame {
        Frame::Double(d)
    }

    fn null() -> Frame {
        Frame::Null
    }

    /// A RESP2 WITHSCORES reply: member, score, member, score...
    fn flat(items: &[(&str, f64)]) -> Frame {
        arr(items.iter().flat_map(|(m, s)| [bulk(m), dbl(*s)]).collect())
    }

    /// A RESP3 WITHSCORES reply: [member, score] pairs.
    fn pairs(items: &[(&str, f64)]) -> Frame {
        arr(items.iter().map(|(m, s)| arr(vec![bulk(m), dbl(*s)])).collect())
    }

    fn wrongtype() -> Frame {
        err("WRONGTYPE Operation against a key holding the wrong kind of value")
    }

    fn resp3(c: &mut TestClient) {
        c.client.set_protocol(Protocol::Resp3);
    }

    /// z = a:1 b:2 c:3 d:4 e:5
    fn abcde(c: &mut TestClient) {
        assert_eq!(c.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), int(5));
    }

    // ---- ZADD / ZINCRBY ----

    #[test]
    fn zadd_counts_only_new_members() {
        each_store(|c| {
            assert_eq!(c.run(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
            assert_eq!(c.run(&["ZADD", "z", "10", "a", "3", "c"]), int(1));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), flat(&[("b", 2.0), ("c", 3.0), ("a", 10.0)]));
        });
    }

    #[test]
    fn zadd_ch_counts_changed_members_too() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a", "2", "b"]);
            assert_eq!(c.run(&["ZADD", "z", "CH", "5", "a", "2", "b", "1", "c"]), int(2));
        });
    }

    #[test]
    fn zadd_nx_only_adds_and_xx_only_updates() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a"]);
            assert_eq!(c.run(&["ZADD", "z", "NX", "9", "a", "2", "b"]), int(1));
            assert_eq!(c.run(&["ZADD", "z", "XX", "CH", "7", "a", "3", "c"]), int(1));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), flat(&[("b", 2.0), ("a", 7.0)]));
        });
    }

    #[test]
    fn zadd_xx_on_a_missing_key_creates_nothing() {
        each_store(|c| {
            assert_eq!(c.run(&["ZADD", "z", "XX", "1", "a"]), int(0));
            assert_eq!(c.run(&["ZADD", "z", "XX", "INCR", "1", "a"]), null());
            assert_eq!(c.run(&["EXISTS", "z"]), int(0));
        });
    }

    #[test]
    fn zadd_gt_and_lt_only_move_scores_one_way() {
        each_store(|c| {
            c.run(&["ZADD", "z", "5", "a"]);
            assert_eq!(c.run(&["ZADD", "z", "GT", "CH", "3", "a"]), int(0));
            assert_eq!(c.run(&["ZADD", "z", "GT", "CH", "8", "a"]), int(1));
            assert_eq!(c.run(&["ZADD", "z", "LT", "CH", "9", "a"]), int(0));
            assert_eq!(c.run(&["ZADD", "z", "LT", "CH", "1", "a", "4", "new"]), int(2));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]), flat(&[("a", 1.0), ("new", 4.0)]));
        });
    }

    #[test]
    fn zadd_incr_replies_the_new_score_or_null_when_skipped() {
        each_store(|c| {
            assert_eq!(c.run(&["ZADD", "z", "INCR", "1.5", "a"]), dbl(1.5));
            assert_eq!(c.run(&["ZADD", "z", "INCR", "2", "a"]), dbl(3.5));
            assert_eq!(c.run(&["ZADD", "z", "NX", "INCR", "2", "a"]), null());
            assert_eq!(c.run(&["ZADD", "z", "GT", "INCR", "-1", "a"]), null());
            assert_eq!(c.run(&["ZSCORE", "z", "a"]), dbl(3.5));
        });
    }

    #[test]
    fn zadd_rejects_incompatible_options() {
        each_store(|c| {
            assert_eq!(
                c.run(&["ZADD", "z", "NX", "XX", "1", "a"]),
                err("ERR XX and NX options at the same time are not compatible")
            );
            for opts in [["GT", "LT"], ["GT", "NX"], ["NX", "LT"]] {
                assert_eq!(
                    c.run(&["ZADD", "z", opts[0], opts[1], "1", "a"]),
                    err("ERR GT, LT, and/or NX options at the same time are not compatible")
                );
            }
            assert_eq!(
                c.run(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
                err("ERR INCR option supports a single increment-element pair")
            );
            assert_eq!(c.run(&["ZADD", "z", "1", "a", "2"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZADD", "z", "NX", "1"]), err("ERR syntax error"));
            assert_eq!(c.run(&["EXISTS", "z"]), int(0));
        });
    }

    #[test]
    fn zadd_reads_scores_like_strtod() {
        each_store(|c| {
            for bad in ["abc", "nan", "", " 1", "1 ", "1e400", "1e-400", "1\x002", "0x", "1e"] {
                assert_eq!(c.run(&["ZADD", "z", bad, "a"]), err("ERR value is not a valid float"), "{bad:?}");
            }
            assert_eq!(
                c.run(&["ZADD", "z", "0x10", "hex", "-inf", "low", "+inf", "high", "1.5e+3", "e", "1e-310", "tiny"]),
                int(5)
            );
            assert_eq!(
                c.run(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
                flat(&[
                    ("low", f64::NEG_INFINITY),
                    ("tiny", 1e-310),
                    ("hex", 16.0),
                    ("e", 1500.0),
                    ("high", f64::INFINITY)
                ])
            );
        });
    }

    #[test]
    fn zadd_incr_to_nan_is_an_error() {
        each_store(|c| {
            c.run(&["ZADD", "z", "+inf", "a"]);
            assert_eq!(c.run(&["ZADD", "z", "INCR", "-inf", "a"]), err("ERR resulting score is not a number (NaN)"));
            assert_eq!(c.run(&["ZINCRBY", "z", "-inf", "a"]), err("ERR resulting score is not a number (NaN)"));
            assert_eq!(c.run(&["ZSCORE", "z", "a"]), dbl(f64::INFINITY));
        });
    }

    #[test]
    fn zadd_against_another_type_is_wrongtype() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["ZADD", "s", "1", "a"]), wrongtype());
            assert_eq!(c.run(&["ZADD", "s", "x", "a"]), err("ERR value is not a valid float"));
        });
    }

    #[test]
    fn zincrby_creates_and_increments() {
        each_store(|c| {
            assert_eq!(c.run(&["ZINCRBY", "z", "2", "a"]), dbl(2.0));
            assert_eq!(c.run(&["ZINCRBY", "z", "-0.5", "a"]), dbl(1.5));
            assert_eq!(c.run(&["ZINCRBY", "z", "x", "a"]), err("ERR value is not a valid float"));
            // ZINCRBY shares ZADD's option parser, as in Redis.
            assert_eq!(c.run(&["ZINCRBY", "z", "incr", "a"]), err("ERR syntax error"));
        });
    }

    // ---- reads ----

    #[test]
    fn zscore_and_zmscore_reply_doubles_or_nulls() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1.5", "a", "-0", "zero"]);
            assert_eq!(c.run(&["ZSCORE", "z", "a"]), dbl(1.5));
            assert_eq!(c.run(&["ZSCORE", "z", "nope"]), null());
            assert_eq!(c.run(&["ZSCORE", "nokey", "a"]), null());
            assert!(matches!(c.run(&["ZSCORE", "z", "zero"]), Frame::Double(d) if d == 0.0 && d.is_sign_negative()));
            assert_eq!(c.run(&["ZMSCORE", "z", "a", "nope"]), arr(vec![dbl(1.5), null()]));
            assert_eq!(c.run(&["ZMSCORE", "nokey", "a", "b"]), arr(vec![null(), null()]));
        });
    }

    #[test]
    fn zcard_counts_members() {
        each_store(|c| {
            assert_eq!(c.run(&["ZCARD", "z"]), int(0));
            abcde(c);
            assert_eq!(c.run(&["ZCARD", "z"]), int(5));
        });
    }

    #[test]
    fn zrank_and_zrevrank_give_positions() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANK", "z", "a"]), int(0));
            assert_eq!(c.run(&["ZRANK", "z", "d"]), int(3));
            assert_eq!(c.run(&["ZREVRANK", "z", "d"]), int(1));
            assert_eq!(c.run(&["ZRANK", "z", "nope"]), null());
            assert_eq!(c.run(&["ZRANK", "nokey", "a"]), null());
        });
    }

    #[test]
    fn zrank_withscore_adds_the_score() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANK", "z", "c", "WITHSCORE"]), arr(vec![int(2), dbl(3.0)]));
            assert_eq!(c.run(&["ZREVRANK", "z", "c", "withscore"]), arr(vec![int(2), dbl(3.0)]));
            assert_eq!(c.run(&["ZRANK", "z", "nope", "WITHSCORE"]), Frame::NullArray);
            assert_eq!(c.run(&["ZRANK", "nokey", "a", "WITHSCORE"]), Frame::NullArray);
            assert_eq!(c.run(&["ZRANK", "z", "a", "WITHSCORES"]), err("ERR syntax error"));
            assert_eq!(
                c.run(&["ZRANK", "z", "a", "WITHSCORE", "x"]),
                err("ERR wrong number of arguments for 'zrank' command")
            );
        });
    }

    #[test]
    fn zcount_counts_a_score_range() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZCOUNT", "z", "2", "4"]), int(3));
            assert_eq!(c.run(&["ZCOUNT", "z", "(2", "(4"]), int(1));
            assert_eq!(c.run(&["ZCOUNT", "z", "-inf", "+inf"]), int(5));
            assert_eq!(c.run(&["ZCOUNT", "z", "4", "2"]), int(0));
            assert_eq!(c.run(&["ZCOUNT", "nokey", "0", "1"]), int(0));
            assert_eq!(c.run(&["ZCOUNT", "z", "x", "1"]), err("ERR min or max is not a float"));
            assert_eq!(c.run(&["ZCOUNT", "z", "1", "((2"]), err("ERR min or max is not a float"));
        });
    }

    #[test]
    fn score_bounds_are_read_like_zslparserange() {
        each_store(|c| {
            c.run(&["ZADD", "z", "0", "zero", "16", "hex", "inf", "top"]);
            // Leading spaces, hex, an empty bound (0), an overflow (infinity), text after a NUL.
            assert_eq!(c.run(&["ZCOUNT", "z", " 16", "0x10"]), int(1));
            assert_eq!(c.run(&["ZCOUNT", "z", "", ""]), int(1));
            assert_eq!(c.run(&["ZCOUNT", "z", "(", "1"]), int(0));
            assert_eq!(c.run(&["ZCOUNT", "z", "1e400", "1e400"]), int(1));
            assert_eq!(c.run(&["ZCOUNT", "z", "0\x00junk", "0"]), int(1));
            assert_eq!(c.run(&["ZCOUNT", "z", "nan", "1"]), err("ERR min or max is not a float"));
            assert_eq!(c.run(&["ZCOUNT", "z", "1 ", "2"]), err("ERR min or max is not a float"));
        });
    }

    #[test]
    fn zlexcount_counts_a_lexical_range() {
        each_store(|c| {
            c.run(&["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d"]);
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "-", "+"]), int(4));
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "[b", "(d"]), int(2));
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "(a", "[c"]), int(2));
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "+", "-"]), int(0));
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "a", "+"]), err("ERR min or max not valid string range item"));
            assert_eq!(c.run(&["ZLEXCOUNT", "z", "-x", "+"]), err("ERR min or max not valid string range item"));
        });
    }

    // ---- ZRANGE family ----

    #[test]
    fn zrange_by_rank_takes_inclusive_and_negative_indexes() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1"]), bulks(&["a", "b", "c", "d", "e"]));
            assert_eq!(c.run(&["ZRANGE", "z", "-2", "100"]), bulks(&["d", "e"]));
            assert_eq!(c.run(&["ZRANGE", "z", "-100", "1"]), bulks(&["a", "b"]));
            assert_eq!(c.run(&["ZRANGE", "z", "3", "1"]), bulks(&[]));
            assert_eq!(c.run(&["ZRANGE", "z", "5", "10"]), bulks(&[]));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "1", "REV"]), bulks(&["e", "d"]));
            assert_eq!(c.run(&["ZRANGE", "nokey", "0", "-1"]), bulks(&[]));
            assert_eq!(c.run(&["ZRANGE", "z", "x", "1"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn zrange_withscores_nests_pairs_in_resp3() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANGE", "z", "0", "1", "WITHSCORES"]), flat(&[("a", 1.0), ("b", 2.0)]));
            resp3(c);
            assert_eq!(c.run(&["ZRANGE", "z", "0", "1", "WITHSCORES"]), pairs(&[("a", 1.0), ("b", 2.0)]));
        });
    }

    #[test]
    fn zrange_byscore_applies_limit_from_either_end() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANGE", "z", "(1", "4", "BYSCORE"]), bulks(&["b", "c", "d"]));
            assert_eq!(c.run(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]), bulks(&["b", "c"]));
            assert_eq!(c.run(&["ZRANGE", "z", "4", "1", "BYSCORE", "REV", "LIMIT", "1", "2"]), bulks(&["c", "b"]));
            assert_eq!(c.run(&["ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "1", "-1"]), bulks(&["b", "c", "d", "e"]));
            assert_eq!(c.run(&["ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "-1", "2"]), bulks(&[]));
            assert_eq!(c.run(&["ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "9", "2"]), bulks(&[]));
            assert_eq!(c.run(&["ZRANGE", "z", "1", "5", "BYSCORE", "LIMIT", "0", "0"]), bulks(&[]));
        });
    }

    #[test]
    fn zrange_bylex_selects_members() {
        each_store(|c| {
            c.run(&["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d"]);
            assert_eq!(c.run(&["ZRANGE", "z", "[b", "+", "BYLEX"]), bulks(&["b", "c", "d"]));
            assert_eq!(c.run(&["ZRANGE", "z", "(c", "-", "BYLEX", "REV"]), bulks(&["b", "a"]));
            assert_eq!(c.run(&["ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", "1", "2"]), bulks(&["b", "c"]));
        });
    }

    #[test]
    fn zrange_rejects_conflicting_options() {
        each_store(|c| {
            abcde(c);
            assert_eq!(
                c.run(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
                err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
            );
            assert_eq!(
                c.run(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
                err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
            );
            assert_eq!(c.run(&["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "1", "LIMIT", "0"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZRANGE", "z", "a", "1", "BYSCORE"]), err("ERR min or max is not a float"));
            assert_eq!(c.run(&["ZRANGE", "z", "a", "b", "BYLEX"]), err("ERR min or max not valid string range item"));
            assert_eq!(
                c.run(&["ZRANGE", "z", "0", "1", "BYSCORE", "LIMIT", "x", "1"]),
                err("ERR value is not an integer or out of range")
            );
        });
    }

    #[test]
    fn zrangebyscore_and_zrevrangebyscore_take_min_max_and_max_min() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZRANGEBYSCORE", "z", "(1", "3", "WITHSCORES"]), flat(&[("b", 2.0), ("c", 3.0)]));
            assert_eq!(c.run(&["ZREVRANGEBYSCORE", "z", "4", "(1"]), bulks(&["d", "c", "b"]));
            assert_eq!(c.run(&["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "1"]), bulks(&["d"]));
            // The fixed forms don't take ZRANGE's BYSCORE/REV words.
            assert_eq!(c.run(&["ZRANGEBYSCORE", "z", "1", "2", "REV"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn zrangebylex_and_zrevrangebylex_take_min_max_and_max_min() {
        each_store(|c| {
            c.run(&["ZADD", "z", "0", "a", "0", "b", "0", "c"]);
            assert_eq!(c.run(&["ZRANGEBYLEX", "z", "[a", "(c"]), bulks(&["a", "b"]));
            assert_eq!(c.run(&["ZREVRANGEBYLEX", "z", "+", "(a", "LIMIT", "0", "1"]), bulks(&["c"]));
            assert_eq!(
                c.run(&["ZRANGEBYLEX", "z", "-", "+", "WITHSCORES"]),
                err("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
            );
        });
    }

    #[test]
    fn zrevrange_walks_from_the_highest_score() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZREVRANGE", "z", "0", "1", "WITHSCORES"]), flat(&[("e", 5.0), ("d", 4.0)]));
            assert_eq!(c.run(&["ZREVRANGE", "z", "-1", "-1"]), bulks(&["a"]));
            assert_eq!(
                c.run(&["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
                err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
            );
        });
    }

    #[test]
    fn zrangestore_stores_the_selection_with_scores() {
        each_store(|c| {
            abcde(c);
            c.run(&["SET", "dst", "x", "EX", "100"]);
            assert_eq!(c.run(&["ZRANGESTORE", "dst", "z", "2", "+inf", "BYSCORE", "LIMIT", "0", "2"]), int(2));
            assert_eq!(c.run(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"]), flat(&[("b", 2.0), ("c", 3.0)]));
            assert_eq!(c.run(&["TTL", "dst"]), int(-1));
            assert_eq!(c.run(&["ZRANGESTORE", "dst", "z", "0", "0", "REV"]), int(1));
            assert_eq!(c.run(&["ZRANGE", "dst", "0", "-1"]), bulks(&["e"]));
        });
    }

    #[test]
    fn zrangestore_of_nothing_deletes_the_destination() {
        each_store(|c| {
            abcde(c);
            c.run(&["SET", "dst", "x"]);
            assert_eq!(c.run(&["ZRANGESTORE", "dst", "z", "10", "20"]), int(0));
            assert_eq!(c.run(&["EXISTS", "dst"]), int(0));
            c.run(&["SET", "dst", "x"]);
            assert_eq!(c.run(&["ZRANGESTORE", "dst", "nokey", "0", "-1"]), int(0));
            assert_eq!(c.run(&["EXISTS", "dst"]), int(0));
            assert_eq!(c.run(&["ZRANGESTORE", "dst", "z", "0", "-1", "WITHSCORES"]), err("ERR syntax error"));
        });
    }

    // ---- removal ----

    #[test]
    fn zrem_removes_members_and_deletes_an_emptied_key() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a", "2", "b"]);
            assert_eq!(c.run(&["ZREM", "z", "a", "nope"]), int(1));
            assert_eq!(c.run(&["ZREM", "z", "b", "b"]), int(1));
            assert_eq!(c.run(&["EXISTS", "z"]), int(0));
            assert_eq!(c.run(&["ZREM", "z", "a"]), int(0));
        });
    }

    #[test]
    fn zremrangebyrank_removes_positions() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZREMRANGEBYRANK", "z", "1", "-2"]), int(3));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1"]), bulks(&["a", "e"]));
            assert_eq!(c.run(&["ZREMRANGEBYRANK", "z", "5", "9"]), int(0));
            assert_eq!(c.run(&["ZREMRANGEBYRANK", "z", "0", "-1"]), int(2));
            assert_eq!(c.run(&["EXISTS", "z"]), int(0));
        });
    }

    #[test]
    fn zremrangebyscore_and_bylex_remove_ranges() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZREMRANGEBYSCORE", "z", "(1", "3"]), int(2));
            assert_eq!(c.run(&["ZRANGE", "z", "0", "-1"]), bulks(&["a", "d", "e"]));
            assert_eq!(c.run(&["ZREMRANGEBYSCORE", "z", "x", "3"]), err("ERR min or max is not a float"));
            c.run(&["ZADD", "l", "0", "a", "0", "b", "0", "c"]);
            assert_eq!(c.run(&["ZREMRANGEBYLEX", "l", "[a", "(c"]), int(2));
            assert_eq!(c.run(&["ZREMRANGEBYLEX", "l", "-", "+"]), int(1));
            assert_eq!(c.run(&["EXISTS", "l"]), int(0));
            assert_eq!(c.run(&["ZREMRANGEBYLEX", "l", "a", "+"]), err("ERR min or max not valid string range item"));
        });
    }

    // ---- pops ----

    #[test]
    fn zpopmin_and_zpopmax_reply_flat_pairs() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.run(&["ZPOPMIN", "z"]), flat(&[("a", 1.0)]));
            assert_eq!(c.run(&["ZPOPMAX", "z", "2"]), flat(&[("e", 5.0), ("d", 4.0)]));
            assert_eq!(c.run(&["ZPOPMIN", "z", "0"]), arr(vec![]));
            assert_eq!(c.run(&["ZPOPMIN", "z", "10"]), flat(&[("b", 2.0), ("c", 3.0)]));
            assert_eq!(c.run(&["EXISTS", "z"]), int(0));
            assert_eq!(c.run(&["ZPOPMIN", "z"]), arr(vec![]));
        });
    }

    #[test]
    fn zpopmin_with_a_count_nests_pairs_in_resp3() {
        each_store(|c| {
            abcde(c);
            resp3(c);
            assert_eq!(c.run(&["ZPOPMIN", "z"]), flat(&[("a", 1.0)]));
            assert_eq!(c.run(&["ZPOPMIN", "z", "1"]), pairs(&[("b", 2.0)]));
        });
    }

    #[test]
    fn zpopmin_rejects_bad_counts() {
        each_store(|c| {
            abcde(c);
            let positive = err("ERR value is out of range, must be positive");
            assert_eq!(c.run(&["ZPOPMIN", "z", "-1"]), positive);
            assert_eq!(c.run(&["ZPOPMIN", "z", "x"]), positive);
            assert_eq!(c.run(&["ZPOPMIN", "z", "1", "2"]), err("ERR syntax error"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["ZPOPMAX", "s"]), wrongtype());
        });
    }

    #[test]
    fn zmpop_pops_from_the_first_non_empty_key() {
        each_store(|c| {
            abcde(c);
            assert_eq!(
                c.run(&["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "2"]),
                arr(vec![bulk("z"), pairs(&[("e", 5.0), ("d", 4.0)])])
            );
            assert_eq!(c.run(&["ZMPOP", "1", "z", "min"]), arr(vec![bulk("z"), pairs(&[("a", 1.0)])]));
            assert_eq!(c.run(&["ZMPOP", "1", "nokey", "MIN"]), Frame::NullArray);
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["ZMPOP", "2", "s", "z", "MIN"]), wrongtype());
        });
    }

    #[test]
    fn zmpop_rejects_bad_arguments() {
        each_store(|c| {
            assert_eq!(c.run(&["ZMPOP", "0", "z", "MIN"]), err("ERR numkeys should be greater than 0"));
            assert_eq!(c.run(&["ZMPOP", "x", "z", "MIN"]), err("ERR numkeys should be greater than 0"));
            assert_eq!(c.run(&["ZMPOP", "2", "z", "MIN"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZMPOP", "1", "z", "MIDDLE"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]), err("ERR count should be greater than 0"));
            assert_eq!(c.run(&["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZMPOP", "1", "z", "MIN", "COUNT"]), err("ERR syntax error"));
        });
    }

    // ---- ZRANDMEMBER ----

    #[test]
    fn zrandmember_without_count_replies_one_member() {
        each_store(|c| {
            assert_eq!(c.run(&["ZRANDMEMBER", "z"]), null());
            c.run(&["ZADD", "z", "1", "a"]);
            assert_eq!(c.run(&["ZRANDMEMBER", "z"]), bulk("a"));
        });
    }

    #[test]
    fn zrandmember_with_a_count_covering_the_set_replies_it_highest_first() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "10"]), bulks(&["c", "b", "a"]));
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "3", "WITHSCORES"]), flat(&[("c", 3.0), ("b", 2.0), ("a", 1.0)]));
            resp3(c);
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "3", "WITHSCORES"]), pairs(&[("c", 3.0), ("b", 2.0), ("a", 1.0)]));
        });
    }

    #[test]
    fn zrandmember_positive_counts_are_distinct_and_negative_ones_repeat() {
        each_store(|c| {
            for i in 0..20 {
                c.run(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
            }
            let Frame::Array(items) = c.run(&["ZRANDMEMBER", "z", "15"]) else { panic!("not an array") };
            let distinct: std::collections::HashSet<String> = items.iter().map(|f| format!("{f:?}")).collect();
            assert_eq!((items.len(), distinct.len()), (15, 15));
            let Frame::Array(items) = c.run(&["ZRANDMEMBER", "z", "-100", "WITHSCORES"]) else {
                panic!("not an array")
            };
            assert_eq!(items.len(), 200);
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "0"]), arr(vec![]));
            assert_eq!(c.run(&["ZRANDMEMBER", "nokey", "5"]), arr(vec![]));
        });
    }

    #[test]
    fn zrandmember_rejects_bad_counts() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a"]);
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(
                c.run(&["ZRANDMEMBER", "z", "-9223372036854775808"]),
                err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            );
            assert_eq!(
                c.run(&["ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES"]),
                err("ERR value is out of range")
            );
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "1", "WITHSCORE"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "1", "WITHSCORES", "x"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZRANDMEMBER", "z", "-99999999999"]), err("ERR value is out of range"));
        });
    }

    // ---- ZUNION, ZINTER, ZDIFF ----

    fn two_sets(c: &mut TestClient) {
        c.run(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]);
        c.run(&["ZADD", "b", "10", "y", "20", "z", "30", "w"]);
    }

    #[test]
    fn zunion_sums_scores_by_default() {
        each_store(|c| {
            two_sets(c);
            assert_eq!(
                c.run(&["ZUNION", "2", "a", "b", "WITHSCORES"]),
                flat(&[("x", 1.0), ("y", 12.0), ("z", 23.0), ("w", 30.0)])
            );
            assert_eq!(c.run(&["ZUNION", "2", "a", "nokey"]), bulks(&["x", "y", "z"]));
        });
    }

    #[test]
    fn zunion_applies_weights_and_aggregate() {
        each_store(|c| {
            two_sets(c);
            assert_eq!(
                c.run(&["ZUNION", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"]),
                flat(&[("x", 2.0), ("y", 5.0), ("z", 10.0), ("w", 15.0)])
            );
            assert_eq!(
                c.run(&["ZUNION", "2", "a", "b", "AGGREGATE", "min", "WITHSCORES"]),
                flat(&[("x", 1.0), ("y", 2.0), ("z", 3.0), ("w", 30.0)])
            );
        });
    }

    #[test]
    fn zunion_turns_nan_into_zero() {
        each_store(|c| {
            c.run(&["ZADD", "p", "inf", "m"]);
            c.run(&["ZADD", "n", "-inf", "m"]);
            assert_eq!(c.run(&["ZUNION", "2", "p", "n", "WITHSCORES"]), flat(&[("m", 0.0)]));
            assert_eq!(c.run(&["ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES"]), flat(&[("m", 0.0)]));
        });
    }

    #[test]
    fn zinter_keeps_common_members() {
        each_store(|c| {
            two_sets(c);
            assert_eq!(c.run(&["ZINTER", "2", "a", "b", "WITHSCORES"]), flat(&[("y", 12.0), ("z", 23.0)]));
            assert_eq!(c.run(&["ZINTER", "2", "a", "nokey"]), bulks(&[]));
            resp3(c);
            assert_eq!(
                c.run(&["ZINTER", "2", "a", "b", "AGGREGATE", "MAX", "WITHSCORES"]),
                pairs(&[("y", 10.0), ("z", 20.0)])
            );
        });
    }

    #[test]
    fn zdiff_keeps_members_of_the_first_only() {
        each_store(|c| {
            two_sets(c);
            assert_eq!(c.run(&["ZDIFF", "2", "a", "b", "WITHSCORES"]), flat(&[("x", 1.0)]));
            assert_eq!(c.run(&["ZDIFF", "2", "a", "a"]), bulks(&[]));
            assert_eq!(c.run(&["ZDIFF", "1", "nokey"]), bulks(&[]));
            assert_eq!(c.run(&["ZDIFF", "2", "a", "b", "WEIGHTS", "1", "1"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn sets_count_as_members_with_score_one() {
        each_store(|c| {
            two_sets(c);
            c.run(&["SADD", "s", "y", "v"]);
            assert_eq!(c.run(&["ZINTER", "2", "a", "s", "WITHSCORES"]), flat(&[("y", 3.0)]));
            assert_eq!(c.run(&["ZUNION", "1", "s", "WITHSCORES"]), flat(&[("v", 1.0), ("y", 1.0)]));
            assert_eq!(c.run(&["ZDIFF", "2", "s", "a"]), bulks(&["v"]));
        });
    }

    #[test]
    fn store_forms_replace_the_destination() {
        each_store(|c| {
            two_sets(c);
            c.run(&["SET", "d", "x", "EX", "100"]);
            assert_eq!(c.run(&["ZUNIONSTORE", "d", "2", "a", "b"]), int(4));
            assert_eq!(c.run(&["TTL", "d"]), int(-1));
            assert_eq!(c.run(&["ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "0"]), int(2));
            assert_eq!(c.run(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]), flat(&[("y", 2.0), ("z", 3.0)]));
            assert_eq!(c.run(&["ZDIFFSTORE", "d", "2", "b", "a"]), int(1));
            assert_eq!(c.run(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]), flat(&[("w", 30.0)]));
            assert_eq!(c.run(&["ZUNIONSTORE", "a", "2", "a", "a"]), int(3));
            assert_eq!(c.run(&["ZSCORE", "a", "z"]), dbl(6.0));
        });
    }

    #[test]
    fn store_forms_delete_the_destination_for_an_empty_result() {
        each_store(|c| {
            two_sets(c);
            c.run(&["SET", "d", "x"]);
            assert_eq!(c.run(&["ZINTERSTORE", "d", "2", "a", "nokey"]), int(0));
            assert_eq!(c.run(&["EXISTS", "d"]), int(0));
            assert_eq!(c.run(&["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn zintercard_counts_up_to_the_limit() {
        each_store(|c| {
            two_sets(c);
            assert_eq!(c.run(&["ZINTERCARD", "2", "a", "b"]), int(2));
            assert_eq!(c.run(&["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), int(1));
            assert_eq!(c.run(&["ZINTERCARD", "2", "a", "b", "LIMIT", "0"]), int(2));
            assert_eq!(c.run(&["ZINTERCARD", "2", "a", "b", "LIMIT", "-1"]), err("ERR LIMIT can't be negative"));
            assert_eq!(c.run(&["ZINTERCARD", "2", "a", "b", "WITHSCORES"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn combinations_check_numkeys_then_types_then_options() {
        each_store(|c| {
            two_sets(c);
            c.run(&["SET", "str", "x"]);
            assert_eq!(c.run(&["ZUNION", "0", "a"]), err("ERR at least 1 input key is needed for 'zunion' command"));
            assert_eq!(
                c.run(&["ZINTERSTORE", "d", "0", "a"]),
                err("ERR at least 1 input key is needed for 'zinterstore' command")
            );
            assert_eq!(c.run(&["ZUNION", "x", "a"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["ZUNION", "3", "a", "b"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZUNION", "2", "a", "str", "FOO"]), wrongtype());
            assert_eq!(c.run(&["ZUNION", "2", "a", "b", "FOO"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZUNION", "2", "a", "b", "WEIGHTS", "1", "x"]), err("ERR weight value is not a float"));
            assert_eq!(c.run(&["ZUNION", "2", "a", "b", "WEIGHTS", "1"]), err("ERR syntax error"));
            assert_eq!(c.run(&["ZUNION", "2", "a", "b", "AGGREGATE", "AVG"]), err("ERR syntax error"));
        });
    }

    // ---- ZSCAN ----

    #[test]
    fn zscan_returns_members_with_scores() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1.5", "a", "2", "b"]);
            let Frame::Array(reply) = c.run(&["ZSCAN", "z", "0", "COUNT", "100"]) else { panic!("not an array") };
            assert_eq!(reply[0], bulk("0"));
            let Frame::Array(items) = &reply[1] else { panic!("not an array") };
            let mut got: Vec<(Frame, Frame)> = items.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
            got.sort_by_key(|(m, _)| format!("{m:?}"));
            assert_eq!(got, vec![(bulk("a"), bulk("1.5")), (bulk("b"), bulk("2"))]);
            assert_eq!(c.run(&["ZSCAN", "z", "0", "MATCH", "b*"]), arr(vec![bulk("0"), bulks(&["b", "2"])]));
            assert_eq!(c.run(&["ZSCAN", "nokey", "0"]), arr(vec![bulk("0"), arr(vec![])]));
        });
    }

    #[test]
    fn zscan_visits_every_member_across_calls() {
        each_store(|c| {
            for i in 0..100 {
                c.run(&["ZADD", "z", &i.to_string(), &format!("m{i}")]);
            }
            let mut seen = std::collections::HashSet::new();
            let mut cursor = "0".to_string();
            loop {
                let Frame::Array(reply) = c.run(&["ZSCAN", "z", &cursor, "COUNT", "7"]) else { panic!("not an array") };
                let (Frame::Bulk(next), Frame::Array(items)) = (&reply[0], &reply[1]) else { panic!("bad reply") };
                seen.extend(items.chunks(2).map(|p| format!("{:?}", p[0])));
                cursor = String::from_utf8_lossy(next).into_owned();
                if cursor == "0" {
                    break;
                }
            }
            assert_eq!(seen.len(), 100);
        });
    }

    // ---- the type as a whole ----

    #[test]
    fn a_sorted_set_reports_its_type_and_encoding() {
        each_store(|c| {
            c.run(&["ZADD", "z", "1", "a"]);
            assert_eq!(c.run(&["TYPE", "z"]), Frame::Simple("zset".into()));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "z"]), bulk("listpack"));
        });
    }

    #[test]
    fn every_command_answers_wrongtype_on_another_type() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "s", "x"]), ok());
            for cmd in [
                &["ZSCORE", "s", "a"][..],
                &["ZMSCORE", "s", "a"],
                &["ZCARD", "s"],
                &["ZCOUNT", "s", "0", "1"],
                &["ZLEXCOUNT", "s", "-", "+"],
                &["ZRANK", "s", "a"],
                &["ZREVRANK", "s", "a"],
                &["ZRANGE", "s", "0", "1"],
                &["ZRANGEBYSCORE", "s", "0", "1"],
                &["ZRANGEBYLEX", "s", "-", "+"],
                &["ZRANGESTORE", "d", "s", "0", "1"],
                &["ZINCRBY", "s", "1", "a"],
                &["ZREM", "s", "a"],
                &["ZREMRANGEBYRANK", "s", "0", "1"],
                &["ZREMRANGEBYSCORE", "s", "0", "1"],
                &["ZREMRANGEBYLEX", "s", "-", "+"],
                &["ZPOPMIN", "s"],
                &["ZRANDMEMBER", "s"],
                &["ZRANDMEMBER", "s", "2"],
                &["ZUNION", "1", "s"],
                &["ZINTERCARD", "1", "s"],
                &["ZSCAN", "s", "0"],
            ] {
                assert_eq!(c.run(cmd), wrongtype(), "{cmd:?}");
            }
            assert_eq!(c.run(&["GET", "s"]), bulk("x"));
        });
    }

    #[test]
    fn wrong_arity_is_reported_with_the_command_name() {
        each_store(|c| {
            assert_eq!(c.run(&["ZADD", "z", "1"]), err("ERR wrong number of arguments for 'zadd' command"));
            assert_eq!(c.run(&["ZSCORE", "z"]), err("ERR wrong number of arguments for 'zscore' command"));
            assert_eq!(
                c.run(&["ZRANGESTORE", "d", "z", "0"]),
                err("ERR wrong number of arguments for 'zrangestore' command")
            );
            assert_eq!(
                c.run(&["ZUNIONSTORE", "d", "1"]),
                err("ERR wrong number of arguments for 'zunionstore' command")
            );
        });
    }

    // ---- What the AOF logs ----

    #[test]
    fn zmpop_is_logged_as_a_pop_of_what_it_took() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.logged(&["ZMPOP", "2", "missing", "z", "MIN"]), ["ZPOPMIN z 1"]);
            assert_eq!(c.logged(&["ZMPOP", "1", "z", "MAX", "COUNT", "10"]), ["ZPOPMAX z 4"]);
            assert!(c.logged(&["ZMPOP", "1", "z", "MAX"]).is_empty());
        });
    }

    #[test]
    fn blocking_pops_served_at_once_are_logged_as_their_plain_forms() {
        each_store(|c| {
            abcde(c);
            assert_eq!(c.logged(&["BZPOPMIN", "missing", "z", "0"]), ["ZPOPMIN z"]);
            assert_eq!(c.logged(&["BZPOPMAX", "z", "0"]), ["ZPOPMAX z"]);
            assert_eq!(c.logged(&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "10"]), ["ZPOPMIN z 3"]);
        });
    }

    #[test]
    fn blocking_pops_served_later_are_logged_as_their_plain_forms() {
        each_store(|c| {
            let cases: [(&[&str], &str); 3] = [
                (&["BZPOPMIN", "q", "0"], "ZPOPMIN q"),
                (&["BZPOPMAX", "other", "q", "0"], "ZPOPMAX q"),
                (&["BZMPOP", "0", "1", "q", "MAX", "COUNT", "5"], "ZPOPMAX q 2"),
            ];
            for (blocking, logged) in cases {
                c.run(&["DEL", "q"]);
                let push = ["ZADD", "q", "1", "a", "2", "b"];
                assert_eq!(logged_when_served_later(c, blocking, &push), [logged], "{blocking:?}");
            }
        });
    }

    #[test]
    fn zset_writes_that_change_nothing_log_nothing() {
        each_store(|c| {
            abcde(c);
            assert!(c.logged(&["ZADD", "z", "1", "a", "2", "b"]).is_empty());
            assert!(c.logged(&["ZADD", "z", "NX", "9", "a"]).is_empty());
            assert!(c.logged(&["ZINCRBY", "z", "0", "a"]).is_empty());
            assert!(c.logged(&["ZREM", "z", "nope"]).is_empty());
            assert!(c.logged(&["ZREMRANGEBYSCORE", "z", "10", "20"]).is_empty());
            assert!(c.logged(&["ZREMRANGEBYRANK", "z", "10", "20"]).is_empty());
            assert!(c.logged(&["ZREMRANGEBYLEX", "z", "[x", "[y"]).is_empty());
            assert!(c.logged(&["ZPOPMIN", "z", "0"]).is_empty());
            assert_eq!(c.logged(&["ZADD", "z", "CH", "1", "a", "7", "b"]), ["ZADD z CH 1 a 7 b"]);
        });
    }
}

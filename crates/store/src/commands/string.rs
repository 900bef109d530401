//! String commands, as Redis's `t_string.c`: GET SET SETNX SETEX PSETEX MGET MSET MSETNX
//! GETSET GETDEL GETEX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SETRANGE
//! SUBSTR LCS.
//!
//! Every command reads a key's value through [`as_string`] (or [`as_string_mut`]), so a key
//! of another type answers WRONGTYPE in one place. Commands that change a string in place
//! (APPEND, SETRANGE, INCR...) keep the key's expiry; commands that replace the key (SET,
//! GETSET, MSET) clear it, as in Redis.
//!
//! Read lookups count keyspace hits and misses the way Redis's `lookupKeyRead` does: a key of
//! the wrong type is a hit, and lookups made only to write (INCR, APPEND...) are not counted.
//!
//! INCRBYFLOAT computes in x87 80-bit extended precision ([`long_double`]), because Redis uses
//! `long double` on x86-64: its results (`0.1 + 0.2` is `0.3` there) are only byte-identical
//! when the arithmetic is too.
//!
//! **What the AOF logs.** A command whose arguments would not replay to the same data logs
//! what it did instead, as Redis 7.0 propagates it: an expiry relative to now becomes an
//! absolute one (SET/SETEX/PSETEX with an expiry → `SET key value PXAT ms`, GETEX →
//! `PEXPIREAT key ms`, or `DEL key` for a time already past, or `PERSIST key`), a float
//! result becomes the value it produced (INCRBYFLOAT → `SET key value KEEPTTL`), and GETDEL,
//! GETSET and SET ... GET log the write without the read (`DEL`, `SET`, SET without GET).

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::num::i64_bytes;
use crate::value::{Entry, RString, Value, NO_EXPIRY};

use long_double::LongDouble;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, (1, 1, 1), Group::String, get),
    CommandSpec::new("set", -3, WRITE | DENYOOM, (1, 1, 1), Group::String, set),
    CommandSpec::new("setnx", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, setnx),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, (1, 1, 1), Group::String, setex),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, (1, 1, 1), Group::String, psetex),
    CommandSpec::new("mget", -2, READONLY | FAST, (1, -1, 1), Group::String, mget),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, (1, -1, 2), Group::String, mset),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, (1, -1, 2), Group::String, msetnx),
    CommandSpec::new("getset", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, getset),
    CommandSpec::new("getdel", 2, WRITE | FAST, (1, 1, 1), Group::String, getdel),
    CommandSpec::new("getex", -2, WRITE | FAST, (1, 1, 1), Group::String, getex),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, incr),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, decr),
    CommandSpec::new("incrby", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, incrby),
    CommandSpec::new("decrby", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, decrby),
    CommandSpec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, incrbyfloat),
    CommandSpec::new("append", 3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::String, append),
    CommandSpec::new("strlen", 2, READONLY | FAST, (1, 1, 1), Group::String, strlen),
    CommandSpec::new("getrange", 4, READONLY, (1, 1, 1), Group::String, getrange),
    CommandSpec::new("setrange", 4, WRITE | DENYOOM, (1, 1, 1), Group::String, setrange),
    CommandSpec::new("substr", 4, READONLY, (1, 1, 1), Group::String, getrange),
    CommandSpec::new("lcs", -3, READONLY, (1, 2, 1), Group::String, lcs),
];

/// The string held by `entry`: `None` for a missing key, WRONGTYPE for another type.
fn as_string(entry: Option<&Entry>) -> Result<Option<&RString>, Frame> {
    match entry.map(|e| &e.value) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => Err(error::wrong_type()),
    }
}

/// [`as_string`] for changing the string in place.
fn as_string_mut(value: Option<&mut Value>) -> Result<Option<&mut RString>, Frame> {
    match value {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => Err(error::wrong_type()),
    }
}

/// A string as a bulk reply, a missing one as null.
fn bulk_or_null(s: Option<&RString>) -> Frame {
    s.map(|s| Frame::Bulk(s.to_bytes())).unwrap_or(Frame::Null)
}

/// Stores `s` at `key`, keeping the expiry of a key that is already there.
fn replace_string(kv: &mut dyn KeyView, db: usize, key: &Bytes, s: RString) {
    match kv.get_mut(db, key) {
        Some(v) => *v = Value::Str(s),
        None => {
            kv.insert(db, key.clone(), Entry::new(Value::Str(s)));
        }
    }
}

/// Makes room in `buf` for `needed` bytes the way Redis's sds does for APPEND and SETRANGE:
/// twice what is needed below 1 MiB, 1 MiB more above, so appending in a loop stays linear
/// without doubling a huge string's memory.
fn reserve_greedy(buf: &mut Vec<u8>, needed: usize) {
    const PREALLOC_MAX: usize = 1024 * 1024;
    if needed > buf.capacity() {
        let target = if needed < PREALLOC_MAX { needed * 2 } else { needed + PREALLOC_MAX };
        buf.reserve_exact(target - buf.len());
    }
}

/// The longest string APPEND and SETRANGE may build (`proto-max-bulk-len`).
fn string_limit(ctx: &Ctx<'_>) -> u64 {
    ctx.engine.config.read(|c| c.proto_max_bulk_len)
}

/// `ERR string exceeds maximum allowed size (proto-max-bulk-len)` if `len` is over `limit`.
fn check_length(len: u64, limit: u64) -> Result<(), Frame> {
    if len > limit {
        return Err(Frame::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    }
    Ok(())
}

/// Runs a read-only command on the string at `key`, counting the lookup as Redis does.
fn read_string(ctx: &mut Ctx<'_>, key: &[u8], f: impl Fn(Option<&RString>) -> CommandResult) -> CommandResult {
    let (hit, reply) = ctx.read_key(key, |kv, db| {
        let entry = kv.get(db, key);
        (entry.is_some(), as_string(entry).and_then(&f))
    });
    ctx.lookup(hit);
    reply
}

fn get(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_string(ctx, key, |s| Ok(bulk_or_null(s)))
}

fn strlen(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_string(ctx, key, |s| Ok(Frame::Integer(s.map_or(0, |s| s.len()) as i64)))
}

/// GETRANGE and its old name SUBSTR.
fn getrange(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let start = args.i64()?;
    let end = args.i64()?;
    read_string(ctx, key, |s| {
        let bytes = s.map(|s| s.to_bytes()).unwrap_or_default();
        Ok(Frame::Bulk(string_range(bytes, start, end)))
    })
}

/// The bytes of `s` from `start` to `end` inclusive; negative indexes count from the end.
fn string_range(s: Bytes, start: i64, end: i64) -> Bytes {
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Bytes::new();
    }
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { (len + end).max(0) } else { end.min(len - 1) };
    if start > end || len == 0 {
        return Bytes::new();
    }
    s.slice(start as usize..=end as usize)
}

// ---- SET and its variants --------------------------------------------------------------

/// The expiry options of SET and GETEX.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExpireKind {
    /// Seconds from now.
    Ex,
    /// Milliseconds from now.
    Px,
    /// Unix time in seconds.
    ExAt,
    /// Unix time in milliseconds.
    PxAt,
}

impl ExpireKind {
    fn named(word: &[u8]) -> Option<ExpireKind> {
        [("EX", ExpireKind::Ex), ("PX", ExpireKind::Px), ("EXAT", ExpireKind::ExAt), ("PXAT", ExpireKind::PxAt)]
            .into_iter()
            .find(|(name, _)| word.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, kind)| kind)
    }

    fn in_seconds(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::ExAt)
    }

    fn relative(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::Px)
    }

    /// The absolute unix-ms expiry that `arg` names at `now`, checked as Redis's
    /// `getExpireMillisecondsOrReply` does; `cmd` names the command in the error.
    fn expire_at(self, arg: &[u8], now: i64, cmd: &str) -> Result<i64, Frame> {
        let n = crate::num::parse_i64(arg).ok_or_else(error::not_integer)?;
        if n <= 0 || (self.in_seconds() && n > i64::MAX / 1000) {
            return Err(error::invalid_expire(cmd));
        }
        let ms = if self.in_seconds() { n * 1000 } else { n };
        let at = if self.relative() { ms.checked_add(now) } else { Some(ms) };
        match at {
            Some(at) if at > 0 => Ok(at),
            _ => Err(error::invalid_expire(cmd)),
        }
    }
}

/// Which command's options [`parse_extended`] accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptionsOf {
    Set,
    GetEx,
}

/// The options of SET and GETEX, as Redis's `parseExtendedStringArgumentsOrReply` reads them.
#[derive(Default)]
struct ExtendedOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, Bytes)>,
}

/// Reads SET's or GETEX's options. Conflicting ones (NX with XX, two different expiry kinds,
/// an expiry with KEEPTTL or PERSIST) and options of the other command are syntax errors;
/// the same option twice is not (the last expiry given wins).
fn parse_extended(args: &Args, of: OptionsOf) -> Result<ExtendedOptions, Frame> {
    let set = of == OptionsOf::Set;
    let mut o = ExtendedOptions::default();
    while let Some(opt) = args.next() {
        let is = |word: &str| opt.eq_ignore_ascii_case(word.as_bytes());
        let expire_kind = ExpireKind::named(opt);
        if is("NX") && !o.xx && set {
            o.nx = true;
        } else if is("XX") && !o.nx && set {
            o.xx = true;
        } else if is("GET") && set {
            o.get = true;
        } else if is("KEEPTTL") && !o.persist && o.expire.is_none() && set {
            o.keepttl = true;
        } else if is("PERSIST") && !set && o.expire.is_none() && !o.keepttl {
            o.persist = true;
        } else if let Some(kind) = expire_kind.filter(|&kind| {
            !o.keepttl && !o.persist && o.expire.as_ref().is_none_or(|(k, _)| *k == kind) && !args.is_empty()
        }) {
            o.expire = Some((kind, args.bytes()?.clone()));
        } else {
            return Err(error::syntax());
        }
    }
    Ok(o)
}

/// SET, SETNX, SETEX and PSETEX, as Redis's `setGenericCommand`: `ok` is the reply when the
/// key is set, `abort` when NX/XX stop it (both replaced by the old value with GET).
///
/// Logged as Redis 7.0 propagates it: with an expiry, as `SET key value PXAT <ms>` (the
/// absolute time it computed; NX/XX/GET are spent); with GET, as the command without its GET
/// words (`argv` is the request); otherwise as called.
#[allow(clippy::too_many_arguments)]
fn set_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    key: &Bytes,
    value: &Bytes,
    opts: &ExtendedOptions,
    cmd: &str,
    ok: Frame,
    abort: Frame,
) -> CommandResult {
    let (looked_up, reply, set) = ctx.write_key(key, |kv, db| {
        let at = match &opts.expire {
            Some((kind, arg)) => match kind.expire_at(arg, kv.now(), cmd) {
                Ok(at) => Some(at),
                Err(e) => return (None, Err(e), None),
            },
            None => None,
        };
        let existing = kv.get(db, key);
        let found = existing.is_some();
        let old_expiry = existing.map_or(NO_EXPIRY, |e| e.expire_at);
        let mut looked_up = None;
        let mut old = None;
        if opts.get {
            looked_up = Some(found);
            match as_string(existing) {
                Ok(s) => old = Some(bulk_or_null(s)),
                Err(e) => return (looked_up, Err(e), None),
            }
        }
        if (opts.nx && found) || (opts.xx && !found) {
            return (looked_up, Ok(old.unwrap_or_else(|| abort.clone())), None);
        }
        let expire_at = match at {
            Some(at) => at,
            None if opts.keepttl => old_expiry,
            None => NO_EXPIRY,
        };
        kv.insert(db, key.clone(), Entry::with_expiry(Value::string(value.clone()), expire_at));
        (looked_up, Ok(old.unwrap_or_else(|| ok.clone())), Some(expire_at))
    });
    if let Some(hit) = looked_up {
        ctx.lookup(hit);
    }
    if let Some(expire_at) = set {
        ctx.notify(class::STRING, "set", key);
        if opts.expire.is_some() {
            ctx.notify(class::GENERIC, "expire", key);
            ctx.propagate(vec![
                Bytes::from_static(b"SET"),
                key.clone(),
                value.clone(),
                Bytes::from_static(b"PXAT"),
                i64_bytes(expire_at),
            ]);
        } else if opts.get {
            // Options follow the key and value, so any later word `GET` is the option.
            let without_get = argv.iter().enumerate().filter(|(i, w)| *i < 3 || !w.eq_ignore_ascii_case(b"GET"));
            ctx.propagate(without_get.map(|(_, w)| w.clone()).collect());
        }
    }
    reply
}

fn set(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let value = args.bytes()?;
    let opts = parse_extended(args, OptionsOf::Set)?;
    set_generic(ctx, args.argv(), key, value, &opts, "set", Frame::ok(), Frame::Null)
}

fn setnx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let value = args.bytes()?;
    let opts = ExtendedOptions { nx: true, ..Default::default() };
    set_generic(ctx, args.argv(), key, value, &opts, "setnx", Frame::Integer(1), Frame::Integer(0))
}

fn setex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    set_with_expiry(ctx, args, ExpireKind::Ex, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    set_with_expiry(ctx, args, ExpireKind::Px, "psetex")
}

/// SETEX / PSETEX: `key time value`.
fn set_with_expiry(ctx: &mut Ctx<'_>, args: &Args, kind: ExpireKind, cmd: &str) -> CommandResult {
    let key = args.bytes()?;
    let time = args.bytes()?;
    let value = args.bytes()?;
    let opts = ExtendedOptions { expire: Some((kind, time.clone())), ..Default::default() };
    set_generic(ctx, args.argv(), key, value, &opts, cmd, Frame::ok(), Frame::Null)
}

fn getset(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let value = args.bytes()?;
    let (hit, reply) = ctx.write_key(key, |kv, db| {
        let existing = kv.get(db, key);
        let hit = existing.is_some();
        let old = match as_string(existing) {
            Ok(s) => bulk_or_null(s),
            Err(e) => return (hit, Err(e)),
        };
        kv.insert(db, key.clone(), Entry::new(Value::string(value.clone())));
        (hit, Ok(old))
    });
    ctx.lookup(hit);
    if reply.is_ok() {
        ctx.notify(class::STRING, "set", key);
        ctx.propagate(vec![Bytes::from_static(b"SET"), key.clone(), value.clone()]);
    }
    reply
}

fn getdel(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let (hit, reply) = ctx.write_key(key, |kv, db| {
        let existing = kv.get(db, key);
        let hit = existing.is_some();
        let value = match as_string(existing) {
            Ok(Some(s)) => s.to_bytes(),
            Ok(None) => return (hit, Ok(Frame::Null)),
            Err(e) => return (hit, Err(e)),
        };
        kv.remove(db, key);
        (hit, Ok(Frame::Bulk(value)))
    });
    ctx.lookup(hit);
    if matches!(reply, Ok(Frame::Bulk(_))) {
        ctx.notify(class::GENERIC, "del", key);
        // Redis deletes (and logs) as UNLINK when user deletions are lazy.
        let lazy = ctx.engine.config.read(|c| c.lazyfree_lazy_user_del);
        let del: &'static [u8] = if lazy { b"UNLINK" } else { b"DEL" };
        ctx.propagate(vec![Bytes::from_static(del), key.clone()]);
    }
    reply
}

fn getex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let opts = parse_extended(args, OptionsOf::GetEx)?;
    let (hit, reply, change) = ctx.write_key(key, |kv, db| {
        let now = kv.now();
        let existing = kv.get(db, key);
        let hit = existing.is_some();
        let had_expiry = existing.is_some_and(|e| e.has_expiry());
        let value = match as_string(existing) {
            Ok(Some(s)) => s.to_bytes(),
            Ok(None) => return (hit, Ok(Frame::Null), None),
            Err(e) => return (hit, Err(e), None),
        };
        // Redis checks the expiry only once it knows the key holds a string.
        let change = match &opts.expire {
            Some((kind, arg)) => match kind.expire_at(arg, now, "getex") {
                Ok(at) if !kind.relative() && at <= now => {
                    kv.remove(db, key);
                    Some(GetExChange::Deleted)
                }
                Ok(at) => {
                    kv.set_expiry(db, key, at);
                    Some(GetExChange::Expires(at))
                }
                Err(e) => return (hit, Err(e), None),
            },
            None if opts.persist && had_expiry => {
                kv.set_expiry(db, key, NO_EXPIRY);
                Some(GetExChange::Persisted)
            }
            None => None,
        };
        (hit, Ok(Frame::Bulk(value)), change)
    });
    ctx.lookup(hit);
    // Logged as what it did to the key, never as GETEX (its time may be relative).
    let (event, argv) = match change {
        None => return reply,
        Some(GetExChange::Deleted) => ("del", vec![Bytes::from_static(b"DEL"), key.clone()]),
        Some(GetExChange::Expires(at)) => {
            ("expire", vec![Bytes::from_static(b"PEXPIREAT"), key.clone(), i64_bytes(at)])
        }
        Some(GetExChange::Persisted) => ("persist", vec![Bytes::from_static(b"PERSIST"), key.clone()]),
    };
    ctx.notify(class::GENERIC, event, key);
    ctx.propagate(argv);
    reply
}

/// What GETEX did to its key besides reading it.
#[derive(Clone, Copy)]
enum GetExChange {
    /// An absolute time already past deleted it.
    Deleted,
    /// It now expires at this unix-ms time.
    Expires(i64),
    /// PERSIST removed its expiry.
    Persisted,
}

// ---- Several keys ------------------------------------------------------------------------

fn mget(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = args.rest();
    let (values, hits) = ctx.read_keys(keys, |kv, db| {
        let mut hits = 0;
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            let entry = kv.get(db, key);
            hits += entry.is_some() as u64;
            // MGET answers null for a key of another type rather than an error.
            values.push(as_string(entry).map(bulk_or_null).unwrap_or(Frame::Null));
        }
        (values, hits)
    });
    ctx.client.counts.lookups(hits, keys.len() as u64 - hits);
    Ok(Frame::Array(values))
}

fn mset(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    mset_generic(ctx, args, false, "mset")
}

fn msetnx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    mset_generic(ctx, args, true, "msetnx")
}

/// MSET and MSETNX: sets every `key value` pair at once (with `nx`, none unless all the
/// keys are missing). Each key loses its expiry, as with SET.
fn mset_generic(ctx: &mut Ctx<'_>, args: &Args, nx: bool, cmd: &str) -> CommandResult {
    let pairs = args.rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(error::wrong_arity(cmd));
    }
    let keys: Vec<Bytes> = pairs.iter().step_by(2).cloned().collect();
    let set = ctx.write_keys(&keys, |kv, db| {
        if nx && keys.iter().any(|k| kv.get(db, k).is_some()) {
            return false;
        }
        for pair in pairs.chunks_exact(2) {
            kv.insert(db, pair[0].clone(), Entry::new(Value::string(pair[1].clone())));
        }
        true
    });
    if set {
        for key in &keys {
            ctx.notify(class::STRING, "set", key);
        }
    }
    Ok(match (nx, set) {
        (false, _) => Frame::ok(),
        (true, set) => Frame::Integer(set as i64),
    })
}

// ---- Counters ----------------------------------------------------------------------------

fn incr(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    incr_by(ctx, key, 1)
}

fn decr(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    incr_by(ctx, key, -1)
}

fn incrby(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let by = args.i64()?;
    incr_by(ctx, key, by)
}

fn decrby(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let by = args.i64()?;
    let by = by.checked_neg().ok_or_else(|| Frame::error("ERR decrement would overflow"))?;
    incr_by(ctx, key, by)
}

/// Adds `by` to the integer at `key` (0 if missing), keeping its expiry.
fn incr_by(ctx: &mut Ctx<'_>, key: &Bytes, by: i64) -> CommandResult {
    let reply = ctx.write_key(key, |kv, db| {
        let current = match as_string(kv.get(db, key))? {
            None => 0,
            Some(s) => s.as_i64().ok_or_else(error::not_integer)?,
        };
        let n = current.checked_add(by).ok_or_else(error::overflow)?;
        replace_string(kv, db, key, RString::Int(n));
        Ok(Frame::Integer(n))
    })?;
    ctx.notify(class::STRING, "incrby", key);
    Ok(reply)
}

fn incrbyfloat(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let incr = args.bytes()?;
    let reply = ctx.write_key(key, |kv, db| {
        let current = match as_string(kv.get(db, key))? {
            None => Some(LongDouble::ZERO),
            Some(RString::Int(n)) => Some(LongDouble::from_i64(*n)),
            Some(RString::Raw(b)) => float_value(b)?,
        };
        let incr = float_value(incr)?;
        let sum = match (current, incr) {
            (Some(a), Some(b)) => a.add(b),
            _ => None,
        };
        let Some(sum) = sum else {
            return Err(Frame::error("ERR increment would produce NaN or Infinity"));
        };
        let text = Bytes::from(sum.to_human_string());
        // Redis stores the result as a plain string, never int-encoded.
        replace_string(kv, db, key, RString::raw(&text));
        Ok(text)
    })?;
    ctx.notify(class::STRING, "incrbyfloat", key);
    // Logged as the value it produced, so float precision and formatting cannot make a
    // replay differ; KEEPTTL because the increment kept the key's expiry.
    ctx.propagate(vec![Bytes::from_static(b"SET"), key.clone(), reply.clone(), Bytes::from_static(b"KEEPTTL")]);
    Ok(Frame::Bulk(reply))
}

/// A float operand of INCRBYFLOAT: `None` if it is infinite.
fn float_value(s: &[u8]) -> Result<Option<LongDouble>, Frame> {
    match long_double::parse(s) {
        Some(long_double::Parsed::Finite(v)) => Ok(Some(v)),
        Some(long_double::Parsed::Infinite) => Ok(None),
        None => Err(error::not_float()),
    }
}

// ---- Editing -----------------------------------------------------------------------------

fn append(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let tail = args.bytes()?;
    let limit = string_limit(ctx);
    let total = ctx.write_key(key, |kv, db| match as_string_mut(kv.get_mut(db, key))? {
        None => {
            kv.insert(db, key.clone(), Entry::new(Value::string(tail.clone())));
            Ok(tail.len())
        }
        Some(s) => {
            let total = s.len() + tail.len();
            check_length(total as u64, limit)?;
            let mut buf = s.take_growable();
            reserve_greedy(&mut buf, total);
            buf.extend_from_slice(tail);
            *s = RString::growable(buf);
            Ok(total)
        }
    })?;
    ctx.notify(class::STRING, "append", key);
    Ok(Frame::Integer(total as i64))
}

fn setrange(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let offset = args.i64()?;
    let value = args.bytes()?;
    if offset < 0 {
        return Err(Frame::error("ERR offset is out of range"));
    }
    let offset = offset as usize;
    let needed = (offset as u64).saturating_add(value.len() as u64);
    let limit = string_limit(ctx);
    let len = ctx.write_key(key, |kv, db| match as_string_mut(kv.get_mut(db, key))? {
        // Setting nothing changes nothing, and creates no key.
        None if value.is_empty() => Ok(0),
        Some(s) if value.is_empty() => Ok(s.len()),
        None => {
            check_length(needed, limit)?;
            let mut buf = vec![0; offset + value.len()];
            buf[offset..].copy_from_slice(value);
            kv.insert(db, key.clone(), Entry::new(Value::Str(RString::growable(buf))));
            Ok(offset + value.len())
        }
        Some(s) => {
            check_length(needed, limit)?;
            let mut buf = s.take_growable();
            if buf.len() < offset + value.len() {
                reserve_greedy(&mut buf, offset + value.len());
                buf.resize(offset + value.len(), 0);
            }
            buf[offset..offset + value.len()].copy_from_slice(value);
            let len = buf.len();
            *s = RString::growable(buf);
            Ok(len)
        }
    })?;
    if value.is_empty() {
        // Setting nothing changed nothing, although the view handed the string out.
        ctx.propagate_nothing();
    } else {
        ctx.notify(class::STRING, "setrange", key);
    }
    Ok(Frame::Integer(len as i64))
}

// ---- LCS -----------------------------------------------------------------------------------

fn lcs(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = [args.bytes()?.clone(), args.bytes()?.clone()];
    let (hits, strings) = ctx.read_keys(&keys, |kv, db| {
        let mut hits = 0;
        let mut strings = Vec::with_capacity(2);
        for key in &keys {
            let entry = kv.get(db, key);
            hits += entry.is_some() as u64;
            strings.push(as_string(entry).map(|s| s.map(|s| s.to_bytes()).unwrap_or_default()));
        }
        (hits, strings)
    });
    ctx.client.counts.lookups(hits, 2 - hits);
    let (Ok(a), Ok(b)) = (&strings[0], &strings[1]) else {
        return Err(Frame::error("ERR The specified keys must contain string values"));
    };

    let (mut want_len, mut want_idx, mut with_match_len, mut min_match_len) = (false, false, false, 0);
    while let Some(opt) = args.next() {
        if opt.eq_ignore_ascii_case(b"IDX") {
            want_idx = true;
        } else if opt.eq_ignore_ascii_case(b"LEN") {
            want_len = true;
        } else if opt.eq_ignore_ascii_case(b"WITHMATCHLEN") {
            with_match_len = true;
        } else if opt.eq_ignore_ascii_case(b"MINMATCHLEN") && !args.is_empty() {
            min_match_len = args.i64()?.max(0);
        } else {
            return Err(error::syntax());
        }
    }
    if want_len && want_idx {
        return Err(Frame::error("ERR If you want both the length and indexes, please just use IDX."));
    }
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Err(Frame::error("ERR String too long for LCS"));
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells.saturating_mul(4) > ctx.engine.config.read(|c| c.proto_max_bulk_len) {
        return Err(Frame::error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
    }
    let table = LcsTable::new(a, b)
        .ok_or_else(|| Frame::error("ERR Insufficient memory, failed allocating transient memory for LCS"))?;
    if want_len && !want_idx {
        return Ok(Frame::Integer(table.len() as i64));
    }
    let (common, ranges) = table.backtrack();
    if !want_idx {
        return Ok(Frame::Bulk(Bytes::from(common)));
    }
    let matches = ranges
        .into_iter()
        .filter(|r| min_match_len == 0 || r.len as i64 >= min_match_len)
        .map(|r| {
            let mut m = vec![
                Frame::Array(vec![Frame::Integer(r.a.0 as i64), Frame::Integer(r.a.1 as i64)]),
                Frame::Array(vec![Frame::Integer(r.b.0 as i64), Frame::Integer(r.b.1 as i64)]),
            ];
            if with_match_len {
                m.push(Frame::Integer(r.len as i64));
            }
            Frame::Array(m)
        })
        .collect();
    Ok(Frame::Map(vec![
        (Frame::bulk("matches"), Frame::Array(matches)),
        (Frame::bulk("len"), Frame::Integer(table.len() as i64)),
    ]))
}

/// One matching run of LCS IDX: inclusive byte ranges in both strings, and its length.
struct LcsRange {
    a: (usize, usize),
    b: (usize, usize),
    len: usize,
}

/// The dynamic-programming table of LCS: `cell(i, j)` is the length of the longest common
/// subsequence of `a[..i]` and `b[..j]`.
struct LcsTable<'a> {
    a: &'a [u8],
    b: &'a [u8],
    cells: Vec<u32>,
}

impl<'a> LcsTable<'a> {
    /// Fills the table; `None` if its memory can't be had.
    fn new(a: &'a [u8], b: &'a [u8]) -> Option<LcsTable<'a>> {
        let width = b.len() + 1;
        let mut cells = Vec::new();
        cells.try_reserve_exact((a.len() + 1) * width).ok()?;
        cells.resize((a.len() + 1) * width, 0u32);
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * width + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * width + j - 1] + 1
                } else {
                    cells[(i - 1) * width + j].max(cells[i * width + j - 1])
                };
            }
        }
        Some(LcsTable { a, b, cells })
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells[i * (self.b.len() + 1) + j]
    }

    fn len(&self) -> usize {
        self.cell(self.a.len(), self.b.len()) as usize
    }

    /// The common subsequence and its matching runs, last run first, found by walking the
    /// table back from the end exactly as Redis does (so ties pick the same subsequence).
    fn backtrack(&self) -> (Vec<u8>, Vec<LcsRange>) {
        let (a, b) = (self.a, self.b);
        let mut common = vec![0u8; self.len()];
        let mut ranges = Vec::new();
        let mut idx = common.len();
        let (mut i, mut j) = (a.len(), b.len());
        // The run being built, as (a_start, a_end, b_start, b_end).
        let mut run: Option<(usize, usize, usize, usize)> = None;
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                common[idx - 1] = a[i - 1];
                match &mut run {
                    None => run = Some((i - 1, i - 1, j - 1, j - 1)),
                    Some((a_start, _, b_start, _)) if *a_start == i && *b_start == j => {
                        *a_start -= 1;
                        *b_start -= 1;
                    }
                    Some(_) => emit = true,
                }
                if let Some((a_start, _, b_start, _)) = run {
                    emit |= a_start == 0 || b_start == 0;
                }
                idx -= 1;
                i -= 1;
                j -= 1;
            } else {
                if self.cell(i - 1, j) > self.cell(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = run.is_some();
            }
            if emit {
                if let Some((a_start, a_end, b_start, b_end)) = run.take() {
                    ranges.push(LcsRange { a: (a_start, a_end), b: (b_start, b_end), len: a_end - a_start + 1 });
                }
            }
        }
        (common, ranges)
    }
}

/// x87 80-bit extended precision ("long double" on x86-64), as much of it as INCRBYFLOAT
/// (and HINCRBYFLOAT) need: parsing as glibc's `strtold` under Redis's `string2ld` rules,
/// correctly rounded addition, and Redis's human-friendly formatting (`%.17Lf`, trailing
/// zeros trimmed). Values are exact `mant * 2^exp` with a 64-bit mantissa; arithmetic goes
/// through a small big-integer type, so every step rounds exactly once, to nearest-even.
pub(crate) mod long_double {
    use std::cmp::Ordering;
    use std::fmt::Write;

    /// Longest string Redis parses as a long double (`MAX_LONG_DOUBLE_CHARS`), exclusive.
    const MAX_CHARS: usize = 5 * 1024;
    /// Exponent of the lowest mantissa bit of the smallest subnormal (2^-16445).
    const MIN_EXP: i64 = -16445;
    /// Exponent of the lowest mantissa bit of the largest finite values (< 2^16384).
    const MAX_EXP: i64 = 16383 - 63;

    /// A finite extended-precision value: `(-1)^neg * mant * 2^exp`. `mant` has its top bit
    /// set unless the value is subnormal (`exp == MIN_EXP`) or zero (`mant == 0`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct LongDouble {
        neg: bool,
        mant: u64,
        exp: i64,
    }

    /// What a string parses to.
    #[derive(Debug, PartialEq, Eq)]
    pub enum Parsed {
        Finite(LongDouble),
        /// `inf`, `infinity` (any case, any sign): accepted as an operand, but no sum with it
        /// is finite.
        Infinite,
    }

    impl LongDouble {
        pub const ZERO: LongDouble = LongDouble { neg: false, mant: 0, exp: 0 };

        /// Every i64 is exact in a 64-bit mantissa.
        pub fn from_i64(n: i64) -> LongDouble {
            round(n < 0, &Big::from_u64(n.unsigned_abs()), 0, false).unwrap_or(LongDouble::ZERO)
        }

        pub fn is_zero(self) -> bool {
            self.mant == 0
        }

        /// `self + other` rounded to nearest-even; `None` if it overflows to infinity.
        pub fn add(self, other: LongDouble) -> Option<LongDouble> {
            if other.is_zero() {
                return Some(self);
            }
            if self.is_zero() {
                return Some(other);
            }
            let exp = self.exp.min(other.exp);
            let a = Big::from_u64(self.mant).shl((self.exp - exp) as u64);
            let b = Big::from_u64(other.mant).shl((other.exp - exp) as u64);
            let (neg, sum) = if self.neg == other.neg {
                (self.neg, a.add(&b))
            } else {
                match a.cmp(&b) {
                    Ordering::Greater => (self.neg, a.sub(&b)),
                    Ordering::Less => (other.neg, b.sub(&a)),
                    Ordering::Equal => return Some(LongDouble::ZERO),
                }
            };
            round(neg, &sum, exp, false)
        }

        /// Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` (rounded half-to-even, as glibc
        /// does), trailing zeros and a bare point removed, and `-0` written `0`.
        pub fn to_human_string(self) -> String {
            const DECIMALS: usize = 17;
            let scaled = if self.exp >= 0 {
                Big::from_u64(self.mant).shl(self.exp as u64).mul_pow10(DECIMALS as u64)
            } else {
                let n = Big::from_u64(self.mant).mul_pow10(DECIMALS as u64);
                let shift = self.exp.unsigned_abs();
                let q = n.shr(shift);
                let round_up = n.bit(shift - 1) && (n.any_below(shift - 1) || q.bit(0));
                if round_up {
                    q.add(&Big::from_u64(1))
                } else {
                    q
                }
            };
            let digits = format!("{:0>width$}", scaled.to_decimal(), width = DECIMALS + 1);
            let (int, frac) = digits.split_at(digits.len() - DECIMALS);
            let frac = frac.trim_end_matches('0');
            let mut out = String::with_capacity(digits.len() + 2);
            if self.neg && !(int == "0" && frac.is_empty()) {
                out.push('-');
            }
            out.push_str(int);
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
            out
        }
    }

    /// Parses `s` as Redis's `string2ld` does: the whole of `s` must be one `strtold` number
    /// (decimal or `0x` hex, optional sign and exponent, or `inf`/`infinity`), with no
    /// leading space, at most 5119 bytes, not NaN, and neither overflowing nor underflowing
    /// to zero.
    pub fn parse(s: &[u8]) -> Option<Parsed> {
        if s.is_empty() || s.len() >= MAX_CHARS || matches!(s[0], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some(Parsed::Infinite);
        }
        let value = if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            parse_hex(neg, &body[2..])?
        } else {
            parse_decimal(neg, body)?
        };
        Some(Parsed::Finite(value))
    }

    /// Reads an exponent's digits (after `e` or `p`) with an optional sign; `None` if there
    /// are no digits. Saturates far beyond any representable magnitude.
    fn parse_exponent(s: &[u8]) -> Option<i64> {
        let (neg, digits) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits.iter().fold(0i64, |n, &d| (n * 10 + (d - b'0') as i64).min(1_000_000_000));
        Some(if neg { -n } else { n })
    }

    fn parse_decimal(neg: bool, s: &[u8]) -> Option<LongDouble> {
        let mut digits = Big::default();
        let mut significant = 0i64;
        let mut exp10 = 0i64;
        let mut seen_digit = false;
        let mut i = 0;
        let mut in_fraction = false;
        while i < s.len() {
            match s[i] {
                d @ b'0'..=b'9' => {
                    seen_digit = true;
                    if in_fraction {
                        exp10 -= 1;
                    }
                    if !(digits.is_zero() && d == b'0') {
                        digits.mul_add(10, (d - b'0') as u32);
                        significant += 1;
                    }
                }
                b'.' if !in_fraction => in_fraction = true,
                _ => break,
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        if i < s.len() {
            if (s[i] | 0x20) != b'e' {
                return None;
            }
            exp10 += parse_exponent(&s[i + 1..])?;
        }
        if digits.is_zero() {
            return Some(LongDouble { neg, ..LongDouble::ZERO });
        }
        // The value lies in [10^(magnitude-1), 10^magnitude).
        let magnitude = significant + exp10;
        if !(-4951..=4934).contains(&magnitude) {
            return None;
        }
        let value = if exp10 >= 0 {
            round(neg, &digits.mul_pow10(exp10 as u64), 0, false)
        } else {
            // Scale up so the quotient keeps at least 66 bits: 64 kept, one to round on,
            // and the remainder as the sticky bit.
            let k = exp10.unsigned_abs();
            let pow_bits = (k as f64 * std::f64::consts::LOG2_10).ceil() as i64 + 1;
            let shift = (66 + pow_bits - digits.bits() as i64).max(0);
            let (q, inexact) = digits.shl(shift as u64).div_pow10(k);
            round(neg, &q, -shift, inexact)
        };
        value.filter(|v| !v.is_zero())
    }

    fn parse_hex(neg: bool, s: &[u8]) -> Option<LongDouble> {
        let mut digits = Big::default();
        let mut exp2 = 0i64;
        let mut seen_digit = false;
        let mut in_fraction = false;
        let mut i = 0;
        while i < s.len() {
            match (s[i] as char).to_digit(16) {
                Some(d) => {
                    seen_digit = true;
                    if in_fraction {
                        exp2 -= 4;
                    }
                    digits.mul_add(16, d);
                }
                None if s[i] == b'.' && !in_fraction => in_fraction = true,
                None => break,
            }
            i += 1;
        }
        if !seen_digit {
            return None;
        }
        if i < s.len() {
            if (s[i] | 0x20) != b'p' {
                return None;
            }
            exp2 += parse_exponent(&s[i + 1..])?;
        }
        if digits.is_zero() {
            return Some(LongDouble { neg, ..LongDouble::ZERO });
        }
        let magnitude = digits.bits() as i64 + exp2;
        if !(-16450..=16390).contains(&magnitude) {
            return None;
        }
        round(neg, &digits, exp2, false).filter(|v| !v.is_zero())
    }

    /// Rounds `n * 2^exp` (plus a nonzero amount below its lowest bit when `sticky`) to the
    /// nearest long double, ties to even; `None` if that is beyond the largest finite value.
    fn round(neg: bool, n: &Big, exp: i64, sticky: bool) -> Option<LongDouble> {
        let len = n.bits() as i64;
        if len == 0 {
            return Some(LongDouble::ZERO);
        }
        let mut e = (exp + len - 64).max(MIN_EXP);
        let shift = e - exp;
        let mant = if shift <= 0 {
            n.bits_from(0) << (-shift) as u32
        } else {
            let shift = shift as u64;
            let kept = n.bits_from(shift);
            let half = n.bit(shift - 1);
            let rest = sticky || n.any_below(shift - 1);
            if half && (rest || kept & 1 == 1) {
                kept.checked_add(1).unwrap_or_else(|| {
                    e += 1;
                    1 << 63
                })
            } else {
                kept
            }
        };
        if mant == 0 {
            return Some(LongDouble::ZERO);
        }
        (e <= MAX_EXP).then_some(LongDouble { neg, mant, exp: e })
    }

    /// An unsigned big integer, little-endian 32-bit limbs without high zero limbs.
    #[derive(Clone, Debug, Default)]
    struct Big(Vec<u32>);

    impl Big {
        fn from_u64(v: u64) -> Big {
            let mut b = Big(vec![v as u32, (v >> 32) as u32]);
            b.trim();
            b
        }

        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }

        fn is_zero(&self) -> bool {
            self.0.is_empty()
        }

        fn bits(&self) -> u64 {
            match self.0.last() {
                None => 0,
                Some(top) => (self.0.len() as u64 - 1) * 32 + (32 - top.leading_zeros()) as u64,
            }
        }

        fn bit(&self, i: u64) -> bool {
            let limb = (i / 32) as usize;
            limb < self.0.len() && (self.0[limb] >> (i % 32)) & 1 == 1
        }

        /// True if any bit below position `i` is set.
        fn any_below(&self, i: u64) -> bool {
            let limb = (i / 32) as usize;
            let whole = self.0.iter().take(limb).any(|&l| l != 0);
            whole || (limb < self.0.len() && self.0[limb] & ((1u32 << (i % 32)) - 1) != 0)
        }

        /// Bits `from..from + 64` as an integer.
        fn bits_from(&self, from: u64) -> u64 {
            let limb = (from / 32) as usize;
            let word = |k: usize| self.0.get(limb + k).copied().unwrap_or(0) as u128;
            let window = word(0) | (word(1) << 32) | (word(2) << 64);
            (window >> (from % 32)) as u64
        }

        /// `self = self * m + a`.
        fn mul_add(&mut self, m: u32, a: u32) {
            let mut carry = a as u64;
            for limb in &mut self.0 {
                let v = *limb as u64 * m as u64 + carry;
                *limb = v as u32;
                carry = v >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
        }

        /// `self /= d`, returning the remainder.
        fn div_rem(&mut self, d: u32) -> u32 {
            let mut rem = 0u64;
            for limb in self.0.iter_mut().rev() {
                let cur = (rem << 32) | *limb as u64;
                *limb = (cur / d as u64) as u32;
                rem = cur % d as u64;
            }
            self.trim();
            rem as u32
        }

        fn mul_pow10(mut self, mut k: u64) -> Big {
            while k > 0 {
                let step = k.min(9);
                self.mul_add(10u32.pow(step as u32), 0);
                k -= step;
            }
            self
        }

        /// `self / 10^k`, and whether anything was lost.
        fn div_pow10(mut self, mut k: u64) -> (Big, bool) {
            let mut inexact = false;
            while k > 0 {
                let step = k.min(9);
                inexact |= self.div_rem(10u32.pow(step as u32)) != 0;
                k -= step;
            }
            (self, inexact)
        }

        fn shl(&self, n: u64) -> Big {
            if self.is_zero() {
                return Big::default();
            }
            let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
            let mut out = vec![0u32; limbs];
            if bits == 0 {
                out.extend_from_slice(&self.0);
            } else {
                let mut carry = 0u32;
                for &l in &self.0 {
                    out.push((l << bits) | carry);
                    carry = l >> (32 - bits);
                }
                if carry != 0 {
                    out.push(carry);
                }
            }
            Big(out)
        }

        fn shr(&self, n: u64) -> Big {
            let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
            if limbs >= self.0.len() {
                return Big::default();
            }
            let src = &self.0[limbs..];
            let mut out: Vec<u32> = if bits == 0 {
                src.to_vec()
            } else {
                (0..src.len()).map(|k| (src[k] >> bits) | src.get(k + 1).map_or(0, |&hi| hi << (32 - bits))).collect()
            };
            while out.last() == Some(&0) {
                out.pop();
            }
            Big(out)
        }

        fn cmp(&self, other: &Big) -> Ordering {
            self.0.len().cmp(&other.0.len()).then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
        }

        fn add(&self, other: &Big) -> Big {
            let (long, short) = if self.0.len() >= other.0.len() { (self, other) } else { (other, self) };
            let mut out = Vec::with_capacity(long.0.len() + 1);
            let mut carry = 0u64;
            for (k, &l) in long.0.iter().enumerate() {
                let v = l as u64 + short.0.get(k).copied().unwrap_or(0) as u64 + carry;
                out.push(v as u32);
                carry = v >> 32;
            }
            if carry != 0 {
                out.push(carry as u32);
            }
            Big(out)
        }

        /// `self - other`; `self` must be at least `other`.
        fn sub(&self, other: &Big) -> Big {
            let mut out = Vec::with_capacity(self.0.len());
            let mut borrow = 0i64;
            for (k, &l) in self.0.iter().enumerate() {
                let mut v = l as i64 - other.0.get(k).copied().unwrap_or(0) as i64 - borrow;
                borrow = (v < 0) as i64;
                if v < 0 {
                    v += 1 << 32;
                }
                out.push(v as u32);
            }
            let mut b = Big(out);
            b.trim();
            b
        }

        fn to_decimal(&self) -> String {
            if self.is_zero() {
                return "0".to_string();
            }
            let mut n = self.clone();
            let mut chunks = Vec::new();
            while !n.is_zero() {
                chunks.push(n.div_rem(1_000_000_000));
            }
            let mut out = String::with_capacity(chunks.len() * 9);
            let mut rest = chunks.iter().rev();
            if let Some(first) = rest.next() {
                let _ = write!(out, "{first}");
            }
            for chunk in rest {
                let _ = write!(out, "{chunk:09}");
            }
            out
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn sum(a: &str, b: &str) -> String {
            let value = |s: &str| match parse(s.as_bytes()) {
                Some(Parsed::Finite(v)) => v,
                other => panic!("{s} parsed as {other:?}"),
            };
            value(a).add(value(b)).expect("finite").to_human_string()
        }

        #[test]
        fn addition_rounds_in_extended_precision() {
            assert_eq!(sum("10.5", "0.1"), "10.6");
            assert_eq!(sum("0.1", "0.2"), "0.3");
            assert_eq!(sum("1", "-1"), "0");
            assert_eq!(sum("17179869184", "1.5"), "17179869185.5");
            assert_eq!(sum("0", "0.33333333333333333333"), "0.33333333333333333");
            assert_eq!(sum("1e20", "1"), "100000000000000000000");
            assert_eq!(sum("0x10", "0x.8p1"), "17");
            assert_eq!(sum("-0.000000000000000001", "0"), "0");
        }

        #[test]
        fn parse_follows_string2ld() {
            for bad in
                ["", " 1", "1 ", "1e", "1e+", ".", "-", "0x", "0x1p", "nan", "-nan", "1e5000", "1e-5000", "1.2.3"]
            {
                assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
            }
            for inf in ["inf", "-INF", "+Infinity"] {
                assert_eq!(parse(inf.as_bytes()), Some(Parsed::Infinite), "{inf:?}");
            }
            for good in [".5", "5.", "+.5e1", "0e99999", "1E3", "0x1P-2", "4.9e-4950"] {
                assert!(matches!(parse(good.as_bytes()), Some(Parsed::Finite(_))), "{good:?}");
            }
        }

        #[test]
        fn formatting_is_fixed_point_with_17_decimals() {
            assert_eq!(LongDouble::from_i64(i64::MIN).to_human_string(), "-9223372036854775808");
            assert_eq!(sum("1e30", "0"), "1000000000000000000024696061952");
            assert_eq!(sum("1e-18", "0"), "0");
            assert_eq!(sum("5e-17", "0"), "0.00000000000000005");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::keyspace::{with_view, Scope};
    use crate::testing::each_store;
    use crate::testing::{arr, bulk, err, int, ok, TestClient};
    use resp::Frame;

    /// The absolute expiry of `key` in database 0, read straight from the store.
    fn expiry(c: &TestClient, key: &str) -> Option<i64> {
        let keys = [(0usize, key.as_bytes())];
        with_view(c.engine.store(), Scope::Keys { keys: &keys, write: false }, |kv| {
            kv.get(0, key.as_bytes()).map(|e| e.expire_at)
        })
    }

    fn now_ms() -> i64 {
        crate::clock::now_ms()
    }

    fn null() -> Frame {
        Frame::Null
    }

    #[test]
    fn append_preallocates_like_sds_so_an_append_loop_stays_linear() {
        let mut buf = b"0123456789".to_vec();
        super::reserve_greedy(&mut buf, 11);
        assert!(buf.capacity() >= 22, "twice what is needed below 1 MiB");
        let cap = buf.capacity();
        super::reserve_greedy(&mut buf, 12);
        assert_eq!(buf.capacity(), cap, "no reallocation while it fits");
        let mut big = vec![0u8; 2 << 20];
        super::reserve_greedy(&mut big, (2 << 20) + 1);
        assert!(big.capacity() > (3 << 20) && big.capacity() < (4 << 20), "1 MiB more above 1 MiB");
    }

    #[test]
    fn appended_and_ranged_strings_read_back_whole() {
        each_store(|c| {
            c.run(&["SET", "k", "abc"]);
            for _ in 0..100 {
                c.run(&["APPEND", "k", "0123456789"]);
            }
            assert_eq!(c.run(&["STRLEN", "k"]), int(1003));
            assert_eq!(c.run(&["GETRANGE", "k", "0", "12"]), bulk("abc0123456789"));
            assert_eq!(c.run(&["SETRANGE", "k", "1001", "XYZ"]), int(1004));
            assert_eq!(c.run(&["GETRANGE", "k", "998", "-1"]), bulk("567XYZ"));
        });
    }

    #[test]
    fn get_of_missing_key_is_nil() {
        each_store(|c| assert_eq!(c.run(&["GET", "nokey"]), null()));
    }

    #[test]
    fn set_then_get_returns_the_exact_bytes() {
        each_store(|c| {
            assert_eq!(c.run_bytes(&[b"SET", b"k", b"a\x00b\r\n"]), ok());
            assert_eq!(c.run(&["GET", "k"]), bulk("a\x00b\r\n"));
            for v in ["123", "-5", "007", "1.5", "", "9223372036854775808"] {
                assert_eq!(c.run(&["SET", "k", v]), ok());
                assert_eq!(c.run(&["GET", "k"]), bulk(v));
            }
        });
    }

    #[test]
    fn get_counts_keyspace_hits_and_misses() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            c.run(&["GET", "k"]);
            c.run(&["MGET", "k", "nokey", "k"]);
            let stats = &c.engine.stats;
            let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!((load(&stats.keyspace_hits), load(&stats.keyspace_misses)), (3, 1));
        });
    }

    #[test]
    fn expired_key_is_invisible() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v", "PX", "1"]), ok());
            std::thread::sleep(std::time::Duration::from_millis(5));
            assert_eq!(c.run(&["GET", "k"]), null());
            assert_eq!(c.run(&["STRLEN", "k"]), int(0));
            assert_eq!(c.run(&["SETNX", "k", "new"]), int(1));
        });
    }

    #[test]
    fn set_nx_sets_only_a_missing_key() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "1", "NX"]), ok());
            assert_eq!(c.run(&["SET", "k", "2", "nx"]), null());
            assert_eq!(c.run(&["GET", "k"]), bulk("1"));
        });
    }

    #[test]
    fn set_xx_sets_only_an_existing_key() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "1", "XX"]), null());
            assert_eq!(c.run(&["GET", "k"]), null());
            c.run(&["SET", "k", "1"]);
            assert_eq!(c.run(&["SET", "k", "2", "XX"]), ok());
            assert_eq!(c.run(&["GET", "k"]), bulk("2"));
        });
    }

    #[test]
    fn set_with_conflicting_options_is_a_syntax_error() {
        each_store(|c| {
            for opts in [
                &["NX", "XX"][..],
                &["EX", "10", "PX", "10"],
                &["EXAT", "10", "PXAT", "10"],
                &["KEEPTTL", "EX", "10"],
                &["EX", "10", "KEEPTTL"],
                &["EX"],
                &["PERSIST"],
                &["FOO"],
            ] {
                let mut cmd = vec!["SET", "k", "v"];
                cmd.extend_from_slice(opts);
                assert_eq!(c.run(&cmd), err("ERR syntax error"), "{opts:?}");
            }
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn set_repeated_option_is_allowed_and_the_last_expiry_wins() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v", "NX", "NX", "EX", "10", "EX", "1000"]), ok());
            let ttl = expiry(c, "k").expect("key") - now_ms();
            assert!(ttl > 990_000 && ttl <= 1_000_000, "{ttl}");
        });
    }

    #[test]
    fn set_expiry_options_set_the_absolute_expiry() {
        each_store(|c| {
            let before = now_ms();
            c.run(&["SET", "a", "v", "EX", "100"]);
            c.run(&["SET", "b", "v", "PX", "100"]);
            c.run(&["SET", "c", "v", "EXAT", "4000000000"]);
            c.run(&["SET", "d", "v", "PXAT", "4000000000123"]);
            let after = now_ms();
            let a = expiry(c, "a").expect("a");
            assert!(a >= before + 100_000 && a <= after + 100_000);
            let b = expiry(c, "b").expect("b");
            assert!(b >= before + 100 && b <= after + 100);
            assert_eq!(expiry(c, "c"), Some(4_000_000_000_000));
            assert_eq!(expiry(c, "d"), Some(4_000_000_000_123));
        });
    }

    #[test]
    fn set_rejects_invalid_expire_times() {
        each_store(|c| {
            for opts in [
                ["EX", "0"],
                ["EX", "-1"],
                ["PX", "0"],
                ["EXAT", "0"],
                ["PXAT", "-5"],
                ["EX", "9223372036854775"],
                ["PX", "9223372036854775807"],
            ] {
                let cmd = ["SET", "k", "v", opts[0], opts[1]];
                assert_eq!(c.run(&cmd), err("ERR invalid expire time in 'set' command"), "{opts:?}");
            }
            assert_eq!(c.run(&["SET", "k", "v", "EX", "1.5"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn set_with_pxat_in_the_past_leaves_no_key() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v", "PXAT", "1"]), ok());
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn set_clears_the_expiry_unless_keepttl() {
        each_store(|c| {
            c.run(&["SET", "k", "v", "EX", "100"]);
            let at = expiry(c, "k").expect("key");
            assert_eq!(c.run(&["SET", "k", "v2", "KEEPTTL"]), ok());
            assert_eq!(expiry(c, "k"), Some(at));
            assert_eq!(c.run(&["GET", "k"]), bulk("v2"));
            assert_eq!(c.run(&["SET", "k", "v3"]), ok());
            assert_eq!(expiry(c, "k"), Some(crate::value::NO_EXPIRY));
        });
    }

    #[test]
    fn set_keepttl_on_missing_key_sets_no_expiry() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v", "KEEPTTL"]), ok());
            assert_eq!(expiry(c, "k"), Some(crate::value::NO_EXPIRY));
        });
    }

    #[test]
    fn set_get_returns_the_old_value() {
        each_store(|c| {
            c.run(&["SET", "k", "old"]);
            assert_eq!(c.run(&["SET", "k", "new", "GET"]), bulk("old"));
            assert_eq!(c.run(&["GET", "k"]), bulk("new"));
        });
    }

    #[test]
    fn set_get_on_missing_key_returns_nil_and_sets() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v", "GET"]), null());
            assert_eq!(c.run(&["GET", "k"]), bulk("v"));
        });
    }

    #[test]
    fn set_nx_get_returns_the_old_value_without_setting() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "k", "v1", "NX", "GET"]), null());
            assert_eq!(c.run(&["SET", "k", "v2", "NX", "GET"]), bulk("v1"));
            assert_eq!(c.run(&["GET", "k"]), bulk("v1"));
            assert_eq!(c.run(&["SET", "x", "v", "XX", "GET"]), null());
            assert_eq!(c.run(&["GET", "x"]), null());
        });
    }

    #[test]
    fn set_checks_the_expiry_before_anything_else() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.run(&["SET", "k", "v2", "GET", "EX", "0"]), err("ERR invalid expire time in 'set' command"));
            assert_eq!(c.run(&["GET", "k"]), bulk("v"));
        });
    }

    #[test]
    fn setnx_replies_one_when_set_and_zero_when_not() {
        each_store(|c| {
            assert_eq!(c.run(&["SETNX", "k", "a"]), int(1));
            assert_eq!(c.run(&["SETNX", "k", "b"]), int(0));
            assert_eq!(c.run(&["GET", "k"]), bulk("a"));
        });
    }

    #[test]
    fn setex_and_psetex_set_value_and_expiry() {
        each_store(|c| {
            let before = now_ms();
            assert_eq!(c.run(&["SETEX", "a", "100", "va"]), ok());
            assert_eq!(c.run(&["PSETEX", "b", "100", "vb"]), ok());
            assert_eq!(c.run(&["GET", "a"]), bulk("va"));
            assert_eq!(c.run(&["GET", "b"]), bulk("vb"));
            assert!(expiry(c, "a").expect("a") >= before + 100_000);
            let b = expiry(c, "b").expect("b");
            assert!(b >= before + 100 && b < before + 100_000);
        });
    }

    #[test]
    fn setex_and_psetex_reject_non_positive_times() {
        each_store(|c| {
            assert_eq!(c.run(&["SETEX", "k", "0", "v"]), err("ERR invalid expire time in 'setex' command"));
            assert_eq!(c.run(&["PSETEX", "k", "-1", "v"]), err("ERR invalid expire time in 'psetex' command"));
            assert_eq!(c.run(&["SETEX", "k", "x", "v"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["SETEX", "k", "1"]), err("ERR wrong number of arguments for 'setex' command"));
        });
    }

    #[test]
    fn mget_returns_values_and_nils_in_order() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "c", "3"]);
            assert_eq!(c.run(&["MGET", "a", "b", "c", "a"]), arr(vec![bulk("1"), null(), bulk("3"), bulk("1")]));
        });
    }

    #[test]
    fn mset_sets_every_pair_and_the_last_duplicate_wins() {
        each_store(|c| {
            assert_eq!(c.run(&["MSET", "a", "1", "b", "2", "a", "3"]), ok());
            assert_eq!(c.run(&["MGET", "a", "b"]), arr(vec![bulk("3"), bulk("2")]));
        });
    }

    #[test]
    fn mset_clears_expiry() {
        each_store(|c| {
            c.run(&["SET", "a", "v", "EX", "100"]);
            c.run(&["MSET", "a", "w"]);
            assert_eq!(expiry(c, "a"), Some(crate::value::NO_EXPIRY));
        });
    }

    #[test]
    fn mset_with_a_missing_value_is_an_arity_error() {
        each_store(|c| {
            assert_eq!(c.run(&["MSET", "a", "1", "b"]), err("ERR wrong number of arguments for 'mset' command"));
            assert_eq!(c.run(&["MSETNX", "a", "1", "b"]), err("ERR wrong number of arguments for 'msetnx' command"));
            assert_eq!(c.run(&["MSET", "a"]), err("ERR wrong number of arguments for 'mset' command"));
            assert_eq!(c.run(&["GET", "a"]), null());
        });
    }

    #[test]
    fn msetnx_sets_nothing_if_any_key_exists() {
        each_store(|c| {
            assert_eq!(c.run(&["MSETNX", "a", "1", "b", "2"]), int(1));
            assert_eq!(c.run(&["MSETNX", "c", "3", "b", "4"]), int(0));
            assert_eq!(c.run(&["MGET", "a", "b", "c"]), arr(vec![bulk("1"), bulk("2"), null()]));
        });
    }

    #[test]
    fn getset_returns_the_old_value_and_clears_expiry() {
        each_store(|c| {
            assert_eq!(c.run(&["GETSET", "k", "a"]), null());
            c.run(&["SET", "k", "a", "EX", "100"]);
            assert_eq!(c.run(&["GETSET", "k", "b"]), bulk("a"));
            assert_eq!(c.run(&["GET", "k"]), bulk("b"));
            assert_eq!(expiry(c, "k"), Some(crate::value::NO_EXPIRY));
        });
    }

    #[test]
    fn getdel_returns_the_value_and_deletes_the_key() {
        each_store(|c| {
            assert_eq!(c.run(&["GETDEL", "k"]), null());
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.run(&["GETDEL", "k"]), bulk("v"));
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn getex_without_options_only_gets() {
        each_store(|c| {
            c.run(&["SET", "k", "v", "EX", "100"]);
            let at = expiry(c, "k");
            assert_eq!(c.run(&["GETEX", "k"]), bulk("v"));
            assert_eq!(expiry(c, "k"), at);
            assert_eq!(c.run(&["GETEX", "nokey"]), null());
        });
    }

    #[test]
    fn getex_sets_or_removes_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.run(&["GETEX", "k", "PXAT", "4000000000000"]), bulk("v"));
            assert_eq!(expiry(c, "k"), Some(4_000_000_000_000));
            let before = now_ms();
            assert_eq!(c.run(&["GETEX", "k", "EX", "100"]), bulk("v"));
            assert!(expiry(c, "k").expect("key") >= before + 100_000);
            assert_eq!(c.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
            assert_eq!(expiry(c, "k"), Some(crate::value::NO_EXPIRY));
        });
    }

    #[test]
    fn getex_with_a_time_in_the_past_deletes_the_key() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.run(&["GETEX", "k", "EXAT", "1"]), bulk("v"));
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn getex_checks_the_expiry_only_for_an_existing_key() {
        each_store(|c| {
            assert_eq!(c.run(&["GETEX", "nokey", "EX", "0"]), null());
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.run(&["GETEX", "k", "EX", "0"]), err("ERR invalid expire time in 'getex' command"));
            assert_eq!(c.run(&["GETEX", "k", "PX", "x"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn getex_rejects_set_options_and_conflicts() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            for opts in
                [&["KEEPTTL"][..], &["NX"], &["GET"], &["PERSIST", "EX", "10"], &["EX", "10", "PX", "10"], &["EX"]]
            {
                let mut cmd = vec!["GETEX", "k"];
                cmd.extend_from_slice(opts);
                assert_eq!(c.run(&cmd), err("ERR syntax error"), "{opts:?}");
            }
        });
    }

    #[test]
    fn incr_and_decr_create_a_missing_key() {
        each_store(|c| {
            assert_eq!(c.run(&["INCR", "a"]), int(1));
            assert_eq!(c.run(&["INCR", "a"]), int(2));
            assert_eq!(c.run(&["DECR", "b"]), int(-1));
            assert_eq!(c.run(&["GET", "a"]), bulk("2"));
        });
    }

    #[test]
    fn incrby_and_decrby_add_the_amount() {
        each_store(|c| {
            c.run(&["SET", "k", "10"]);
            assert_eq!(c.run(&["INCRBY", "k", "5"]), int(15));
            assert_eq!(c.run(&["DECRBY", "k", "20"]), int(-5));
            assert_eq!(c.run(&["INCRBY", "k", "-5"]), int(-10));
            assert_eq!(c.run(&["INCRBY", "k", "x"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn incr_keeps_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "1", "EX", "100"]);
            let at = expiry(c, "k");
            assert_eq!(c.run(&["INCR", "k"]), int(2));
            assert_eq!(expiry(c, "k"), at);
        });
    }

    #[test]
    fn incr_rejects_values_that_are_not_integers() {
        each_store(|c| {
            for v in ["abc", "1.5", " 1", "1 ", "01", "+1", "", "9223372036854775808"] {
                c.run(&["SET", "k", v]);
                assert_eq!(c.run(&["INCR", "k"]), err("ERR value is not an integer or out of range"), "{v:?}");
            }
        });
    }

    #[test]
    fn incr_past_the_i64_range_is_an_overflow_error() {
        each_store(|c| {
            c.run(&["SET", "k", "9223372036854775807"]);
            assert_eq!(c.run(&["INCR", "k"]), err("ERR increment or decrement would overflow"));
            c.run(&["SET", "k", "-9223372036854775808"]);
            assert_eq!(c.run(&["DECR", "k"]), err("ERR increment or decrement would overflow"));
            assert_eq!(c.run(&["GET", "k"]), bulk("-9223372036854775808"));
        });
    }

    #[test]
    fn decrby_of_i64_min_is_a_decrement_overflow() {
        each_store(|c| {
            assert_eq!(c.run(&["DECRBY", "k", "-9223372036854775808"]), err("ERR decrement would overflow"));
            assert_eq!(c.run(&["GET", "k"]), null());
        });
    }

    #[test]
    fn incrbyfloat_adds_in_long_double_precision() {
        each_store(|c| {
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "10.5"]), bulk("10.5"));
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "0.1"]), bulk("10.6"));
            assert_eq!(c.run(&["INCRBYFLOAT", "f", "0.1"]), bulk("0.1"));
            assert_eq!(c.run(&["INCRBYFLOAT", "f", "0.2"]), bulk("0.3"));
            c.run(&["SET", "i", "17179869184"]);
            assert_eq!(c.run(&["INCRBYFLOAT", "i", "1.5"]), bulk("17179869185.5"));
            assert_eq!(c.run(&["INCRBYFLOAT", "i", "5.0e3"]), bulk("17179874185.5"));
            assert_eq!(c.run(&["INCRBYFLOAT", "i", "-17179874185.5"]), bulk("0"));
            assert_eq!(c.run(&["GET", "i"]), bulk("0"));
        });
    }

    #[test]
    fn incrbyfloat_never_answers_negative_zero() {
        each_store(|c| {
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "0.024390243902439025"]), bulk("0.02439024390243902"));
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "-0.024390243902439025"]), bulk("0"));
            c.run(&["SET", "z", "-0"]);
            assert_eq!(c.run(&["INCRBYFLOAT", "z", "-0"]), bulk("0"));
        });
    }

    #[test]
    fn incrbyfloat_rejects_values_that_are_not_floats() {
        each_store(|c| {
            for v in [" 1", "1 ", "abc", "1e", "nan", ""] {
                c.run(&["SET", "k", v]);
                assert_eq!(c.run(&["INCRBYFLOAT", "k", "1"]), err("ERR value is not a valid float"), "{v:?}");
            }
            c.run(&["SET", "k", "1"]);
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "x"]), err("ERR value is not a valid float"));
            assert_eq!(c.run_bytes(&[b"SETRANGE", b"k", b"2", b"2"]), int(3));
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "1"]), err("ERR value is not a valid float"));
        });
    }

    #[test]
    fn incrbyfloat_rejects_infinite_results() {
        each_store(|c| {
            c.run(&["SET", "k", "0"]);
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "+inf"]), err("ERR increment would produce NaN or Infinity"));
            c.run(&["SET", "k", "1.1e4932"]);
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "1.1e4932"]), err("ERR increment would produce NaN or Infinity"));
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "1e5000"]), err("ERR value is not a valid float"));
            assert_eq!(c.run(&["GET", "k"]), bulk("1.1e4932"));
        });
    }

    #[test]
    fn incrbyfloat_keeps_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "1", "EX", "100"]);
            let at = expiry(c, "k");
            assert_eq!(c.run(&["INCRBYFLOAT", "k", "1.5"]), bulk("2.5"));
            assert_eq!(expiry(c, "k"), at);
        });
    }

    #[test]
    fn append_creates_and_extends() {
        each_store(|c| {
            assert_eq!(c.run(&["APPEND", "k", "hello"]), int(5));
            assert_eq!(c.run(&["APPEND", "k", " world"]), int(11));
            assert_eq!(c.run(&["GET", "k"]), bulk("hello world"));
            c.run(&["SET", "n", "12"]);
            assert_eq!(c.run(&["APPEND", "n", "3"]), int(3));
            assert_eq!(c.run(&["INCR", "n"]), int(124));
        });
    }

    #[test]
    fn append_keeps_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "a", "EX", "100"]);
            let at = expiry(c, "k");
            c.run(&["APPEND", "k", "b"]);
            assert_eq!(expiry(c, "k"), at);
        });
    }

    #[test]
    fn append_and_setrange_respect_proto_max_bulk_len() {
        each_store(|c| {
            c.engine.config.update(|cfg| cfg.proto_max_bulk_len = 10);
            let too_big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
            c.run(&["SET", "k", "12345"]);
            assert_eq!(c.run(&["APPEND", "k", "678901"]), too_big);
            assert_eq!(c.run(&["APPEND", "k", "67890"]), int(10));
            assert_eq!(c.run(&["SETRANGE", "k", "10", "x"]), too_big);
            assert_eq!(c.run(&["SETRANGE", "new", "8", "xyz"]), too_big);
            assert_eq!(c.run(&["SETRANGE", "new", "9223372036854775807", "xyz"]), too_big);
            assert_eq!(c.run(&["SETRANGE", "k", "9", "x"]), int(10));
        });
    }

    #[test]
    fn strlen_counts_bytes() {
        each_store(|c| {
            assert_eq!(c.run(&["STRLEN", "nokey"]), int(0));
            c.run(&["SET", "n", "-12345"]);
            assert_eq!(c.run(&["STRLEN", "n"]), int(6));
            c.run_bytes(&[b"SET", b"b", b"\xff\x00\xfe"]);
            assert_eq!(c.run(&["STRLEN", "b"]), int(3));
        });
    }

    #[test]
    fn getrange_takes_inclusive_and_negative_indexes() {
        each_store(|c| {
            c.run(&["SET", "k", "Hello World"]);
            for (start, end, want) in [
                ("0", "4", "Hello"),
                ("-5", "-1", "World"),
                ("0", "-1", "Hello World"),
                ("5", "100", " World"),
                ("-100", "2", "Hel"),
                ("-1", "-5", ""),
                ("-100", "-200", ""),
                ("-200", "-100", "H"),
                ("3", "2", ""),
                ("20", "30", ""),
                ("9223372036854775807", "-9223372036854775808", ""),
            ] {
                assert_eq!(c.run(&["GETRANGE", "k", start, end]), bulk(want), "{start} {end}");
            }
        });
    }

    #[test]
    fn getrange_of_missing_or_empty_string_is_empty() {
        each_store(|c| {
            assert_eq!(c.run(&["GETRANGE", "nokey", "0", "-1"]), bulk(""));
            c.run(&["SET", "e", ""]);
            assert_eq!(c.run(&["GETRANGE", "e", "0", "0"]), bulk(""));
            assert_eq!(c.run(&["GETRANGE", "e", "x", "0"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn getrange_of_an_integer_uses_its_digits() {
        each_store(|c| {
            c.run(&["SET", "n", "12345"]);
            assert_eq!(c.run(&["GETRANGE", "n", "1", "-2"]), bulk("234"));
        });
    }

    #[test]
    fn substr_is_getrange() {
        each_store(|c| {
            c.run(&["SET", "k", "hello"]);
            assert_eq!(c.run(&["SUBSTR", "k", "1", "3"]), bulk("ell"));
        });
    }

    #[test]
    fn setrange_pads_a_missing_key_with_zero_bytes() {
        each_store(|c| {
            assert_eq!(c.run(&["SETRANGE", "k", "3", "ab"]), int(5));
            assert_eq!(c.run(&["GET", "k"]), bulk("\x00\x00\x00ab"));
        });
    }

    #[test]
    fn setrange_overwrites_and_extends() {
        each_store(|c| {
            c.run(&["SET", "k", "Hello World"]);
            assert_eq!(c.run(&["SETRANGE", "k", "6", "Redis"]), int(11));
            assert_eq!(c.run(&["GET", "k"]), bulk("Hello Redis"));
            assert_eq!(c.run(&["SETRANGE", "k", "13", "!"]), int(14));
            assert_eq!(c.run(&["GET", "k"]), bulk("Hello Redis\x00\x00!"));
            c.run(&["SET", "n", "1234"]);
            assert_eq!(c.run(&["SETRANGE", "n", "1", "9"]), int(4));
            assert_eq!(c.run(&["INCR", "n"]), int(1935));
        });
    }

    #[test]
    fn setrange_with_an_empty_value_changes_nothing() {
        each_store(|c| {
            assert_eq!(c.run(&["SETRANGE", "k", "5", ""]), int(0));
            assert_eq!(c.run(&["GET", "k"]), null());
            c.run(&["SET", "k", "abc"]);
            assert_eq!(c.run(&["SETRANGE", "k", "10", ""]), int(3));
            assert_eq!(c.run(&["GET", "k"]), bulk("abc"));
        });
    }

    #[test]
    fn setrange_rejects_a_bad_offset() {
        each_store(|c| {
            assert_eq!(c.run(&["SETRANGE", "k", "-1", "x"]), err("ERR offset is out of range"));
            assert_eq!(c.run(&["SETRANGE", "k", "x", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(
                c.run(&["SETRANGE", "k", "536870912", "x"]),
                err("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
            );
        });
    }

    #[test]
    fn setrange_keeps_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "abc", "EX", "100"]);
            let at = expiry(c, "k");
            c.run(&["SETRANGE", "k", "1", "x"]);
            assert_eq!(expiry(c, "k"), at);
        });
    }

    #[test]
    fn lcs_returns_the_common_subsequence_or_its_length() {
        each_store(|c| {
            c.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
            assert_eq!(c.run(&["LCS", "a", "b"]), bulk("mytext"));
            assert_eq!(c.run(&["LCS", "a", "b", "LEN"]), int(6));
            assert_eq!(c.run(&["LCS", "a", "nokey"]), bulk(""));
            assert_eq!(c.run(&["LCS", "nokey", "nokey2", "LEN"]), int(0));
        });
    }

    #[test]
    fn lcs_idx_lists_matches_last_first() {
        each_store(|c| {
            c.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
            let range = |x: i64, y: i64| arr(vec![int(x), int(y)]);
            assert_eq!(
                c.run(&["LCS", "a", "b", "IDX"]),
                Frame::Map(vec![
                    (
                        bulk("matches"),
                        arr(vec![arr(vec![range(4, 7), range(5, 8)]), arr(vec![range(2, 3), range(0, 1)])])
                    ),
                    (bulk("len"), int(6)),
                ])
            );
            assert_eq!(
                c.run(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
                Frame::Map(vec![
                    (bulk("matches"), arr(vec![arr(vec![range(4, 7), range(5, 8), int(4)])])),
                    (bulk("len"), int(6)),
                ])
            );
            assert_eq!(
                c.run(&["LCS", "a", "nokey", "IDX"]),
                Frame::Map(vec![(bulk("matches"), arr(vec![])), (bulk("len"), int(0))])
            );
        });
    }

    #[test]
    fn lcs_rejects_bad_options() {
        each_store(|c| {
            c.run(&["MSET", "a", "x", "b", "y"]);
            assert_eq!(
                c.run(&["LCS", "a", "b", "LEN", "IDX"]),
                err("ERR If you want both the length and indexes, please just use IDX.")
            );
            assert_eq!(c.run(&["LCS", "a", "b", "MINMATCHLEN"]), err("ERR syntax error"));
            assert_eq!(
                c.run(&["LCS", "a", "b", "MINMATCHLEN", "x"]),
                err("ERR value is not an integer or out of range")
            );
            assert_eq!(c.run(&["LCS", "a", "b", "FOO"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn lcs_table_is_bounded_by_proto_max_bulk_len() {
        each_store(|c| {
            c.engine.config.update(|cfg| cfg.proto_max_bulk_len = 1024);
            c.run(&["MSET", "a", &"x".repeat(20), "b", &"x".repeat(20)]);
            assert_eq!(
                c.run(&["LCS", "a", "b"]),
                err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
            );
            c.run(&["MSET", "a", &"x".repeat(10), "b", &"x".repeat(10)]);
            assert_eq!(c.run(&["LCS", "a", "b", "LEN"]), int(10));
        });
    }

    #[test]
    fn wrong_arity_is_reported_with_the_command_name() {
        each_store(|c| {
            assert_eq!(c.run(&["GET"]), err("ERR wrong number of arguments for 'get' command"));
            assert_eq!(c.run(&["SET", "k"]), err("ERR wrong number of arguments for 'set' command"));
            assert_eq!(c.run(&["GETRANGE", "k", "0"]), err("ERR wrong number of arguments for 'getrange' command"));
            assert_eq!(c.run(&["LCS", "a"]), err("ERR wrong number of arguments for 'lcs' command"));
            assert_eq!(c.run(&["MGET"]), err("ERR wrong number of arguments for 'mget' command"));
        });
    }

    // ---- What the AOF logs ----

    #[test]
    fn set_with_an_expiry_is_logged_as_set_pxat_of_the_time_it_set() {
        each_store(|c| {
            for words in [
                &["SET", "k", "v", "EX", "100"][..],
                &["SET", "k", "v", "PX", "100000"],
                &["SET", "k", "v", "EXAT", "4102444800"],
                &["SET", "k", "v", "XX", "GET", "PXAT", "4102444800000"],
            ] {
                let log = c.logged(words);
                let at = expiry(c, "k").expect("expiry");
                assert_eq!(log, [format!("SET k v PXAT {at}")], "{words:?}");
            }
            assert_eq!(expiry(c, "k"), Some(4_102_444_800_000));
        });
    }

    #[test]
    fn setex_and_psetex_are_logged_as_set_pxat() {
        each_store(|c| {
            let before = now_ms();
            let log = c.logged(&["SETEX", "k", "100", "v"]);
            let at = expiry(c, "k").expect("expiry");
            assert!((before + 100_000..=now_ms() + 100_000).contains(&at));
            assert_eq!(log, [format!("SET k v PXAT {at}")]);
            let log = c.logged(&["PSETEX", "k", "5000", "w"]);
            assert_eq!(log, [format!("SET k w PXAT {}", expiry(c, "k").expect("expiry"))]);
        });
    }

    #[test]
    fn set_get_is_logged_without_get() {
        each_store(|c| {
            assert_eq!(c.logged(&["SET", "k", "v", "GET"]), ["SET k v"]);
            assert_eq!(c.logged(&["set", "k", "w", "get", "KEEPTTL", "GET"]), ["set k w KEEPTTL"]);
        });
    }

    #[test]
    fn set_that_nx_or_xx_stops_logs_nothing() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert!(c.logged(&["SET", "k", "w", "NX"]).is_empty());
            assert!(c.logged(&["SET", "k", "w", "NX", "GET", "EX", "10"]).is_empty());
            assert!(c.logged(&["SET", "missing", "w", "XX"]).is_empty());
            assert!(c.logged(&["SETNX", "k", "w"]).is_empty());
            assert_eq!(c.logged(&["SETNX", "new", "w"]), ["SETNX new w"]);
        });
    }

    #[test]
    fn getset_is_logged_as_set() {
        each_store(|c| {
            assert_eq!(c.logged(&["GETSET", "k", "v"]), ["SET k v"]);
        });
    }

    #[test]
    fn getdel_is_logged_as_del_or_unlink_when_user_deletes_are_lazy() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.logged(&["GETDEL", "k"]), ["DEL k"]);
            assert!(c.logged(&["GETDEL", "k"]).is_empty());
            c.run(&["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]);
            c.run(&["SET", "k", "v"]);
            assert_eq!(c.logged(&["GETDEL", "k"]), ["UNLINK k"]);
        });
    }

    #[test]
    fn getex_is_logged_as_what_it_did_to_the_expiry() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            assert!(c.logged(&["GETEX", "k"]).is_empty());
            assert!(c.logged(&["GETEX", "k", "PERSIST"]).is_empty(), "no expiry to remove");
            for words in
                [&["GETEX", "k", "EX", "100"][..], &["GETEX", "k", "PX", "100"], &["GETEX", "k", "EXAT", "4102444800"]]
            {
                let log = c.logged(words);
                assert_eq!(log, [format!("PEXPIREAT k {}", expiry(c, "k").expect("expiry"))], "{words:?}");
            }
            assert_eq!(c.logged(&["GETEX", "k", "PXAT", "4102444800001"]), ["PEXPIREAT k 4102444800001"]);
            assert_eq!(c.logged(&["GETEX", "k", "PERSIST"]), ["PERSIST k"]);
            assert_eq!(c.logged(&["GETEX", "k", "PXAT", "1"]), ["DEL k"]);
            assert_eq!(c.run(&["EXISTS", "k"]), int(0));
        });
    }

    #[test]
    fn incrbyfloat_is_logged_as_set_keepttl_of_its_result() {
        each_store(|c| {
            assert_eq!(c.logged(&["INCRBYFLOAT", "f", "0.1"]), ["SET f 0.1 KEEPTTL"]);
            assert_eq!(c.logged(&["INCRBYFLOAT", "f", "0.2"]), ["SET f 0.3 KEEPTTL"]);
            assert_eq!(c.logged(&["INCRBYFLOAT", "f", "1e3"]), ["SET f 1000.29999999999999999 KEEPTTL"]);
        });
    }

    #[test]
    fn setrange_of_nothing_logs_nothing() {
        each_store(|c| {
            c.run(&["SET", "k", "abc"]);
            assert!(c.logged(&["SETRANGE", "k", "1", ""]).is_empty());
            assert!(c.logged(&["SETRANGE", "missing", "1", ""]).is_empty());
            assert_eq!(c.logged(&["SETRANGE", "k", "1", "x"]), ["SETRANGE k 1 x"]);
        });
    }
}

//! Generic key commands (Redis's `db.c`, `expire.c` and `object.c`): DEL UNLINK EXISTS TYPE
//! KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE TOUCH, the EXPIRE and TTL families, PERSIST
//! and OBJECT; and the whole-database commands DBSIZE FLUSHDB FLUSHALL SWAPDB.
//!
//! Lookups follow Redis's flags: commands that only look at a key (EXISTS, TYPE, the TTL
//! family, OBJECT) use [`KeyView::peek`], which leaves the access time alone
//! (`LOOKUP_NOTOUCH`), so OBJECT IDLETIME still means "since the last real access"; read
//! lookups count keyspace hits and misses (recorded after the view, which may run twice).
//!
//! Expired keys are invisible everywhere. Views that may write delete them on sight like
//! Redis's lazy expiry; whole-database reads (KEYS, SCAN) run under read locks and only
//! filter them out, leaving the deletion to the next writer or the active expire cycle.
//!
//! The EXPIRE family logs the absolute time it set (`PEXPIREAT key ms [NX|XX|GT|LT]`, as
//! Redis 7.0 rewrites it), or `DEL key` when that time was already past, so a replay at any
//! later time gives the key the same expiry.

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::connection::{container, help_reply};
use crate::error;
use crate::glob::glob_match;
use crate::keyspace::Scope;
use crate::notify::class;
use crate::num::{i64_bytes, parse_i64};
use crate::value::{Entry, NO_EXPIRY};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, (1, -1, 1), Group::Generic, del),
    CommandSpec::new("unlink", -2, WRITE | FAST, (1, -1, 1), Group::Generic, del),
    CommandSpec::new("exists", -2, READONLY | FAST, (1, -1, 1), Group::Generic, exists),
    CommandSpec::new("type", 2, READONLY | FAST, (1, 1, 1), Group::Generic, type_),
    CommandSpec::new("keys", 2, READONLY, (0, 0, 0), Group::Generic, keys).with_acl(&["dangerous"]),
    CommandSpec::new("scan", -2, READONLY, (0, 0, 0), Group::Generic, scan),
    CommandSpec::new("randomkey", 1, READONLY, (0, 0, 0), Group::Generic, randomkey),
    CommandSpec::new("rename", 3, WRITE, (1, 2, 1), Group::Generic, rename),
    CommandSpec::new("renamenx", 3, WRITE | FAST, (1, 2, 1), Group::Generic, renamenx),
    CommandSpec::new("copy", -3, WRITE | DENYOOM, (1, 2, 1), Group::Generic, copy),
    CommandSpec::new("move", 3, WRITE | FAST, (1, 1, 1), Group::Generic, move_),
    CommandSpec::new("touch", -2, READONLY | FAST, (1, -1, 1), Group::Generic, touch),
    CommandSpec::new("expire", -3, WRITE | FAST, (1, 1, 1), Group::Generic, expire),
    CommandSpec::new("pexpire", -3, WRITE | FAST, (1, 1, 1), Group::Generic, pexpire),
    CommandSpec::new("expireat", -3, WRITE | FAST, (1, 1, 1), Group::Generic, expireat),
    CommandSpec::new("pexpireat", -3, WRITE | FAST, (1, 1, 1), Group::Generic, pexpireat),
    CommandSpec::new("ttl", 2, READONLY | FAST, (1, 1, 1), Group::Generic, ttl),
    CommandSpec::new("pttl", 2, READONLY | FAST, (1, 1, 1), Group::Generic, pttl),
    CommandSpec::new("expiretime", 2, READONLY | FAST, (1, 1, 1), Group::Generic, expiretime),
    CommandSpec::new("pexpiretime", 2, READONLY | FAST, (1, 1, 1), Group::Generic, pexpiretime),
    CommandSpec::new("persist", 2, WRITE | FAST, (1, 1, 1), Group::Generic, persist),
    CommandSpec::new("object", -2, 0, (0, 0, 0), Group::Generic, container).with_subcommands(OBJECT),
    // Redis files these four under the server group, with the keyspace ACL category.
    CommandSpec::new("dbsize", 1, READONLY | FAST, (0, 0, 0), Group::Server, dbsize).with_acl(&["read", "keyspace"]),
    CommandSpec::new("flushdb", -1, WRITE, (0, 0, 0), Group::Server, flushdb).with_acl(&["keyspace", "dangerous"]),
    CommandSpec::new("flushall", -1, WRITE, (0, 0, 0), Group::Server, flushall).with_acl(&["keyspace", "dangerous"]),
    CommandSpec::new("swapdb", 3, WRITE | FAST, (0, 0, 0), Group::Server, swapdb).with_acl(&["keyspace", "dangerous"]),
];

static OBJECT: &[CommandSpec] = &[
    CommandSpec::new("encoding", 3, READONLY, (2, 2, 1), Group::Generic, object_encoding),
    CommandSpec::new("freq", 3, READONLY, (2, 2, 1), Group::Generic, object_freq),
    CommandSpec::new("idletime", 3, READONLY, (2, 2, 1), Group::Generic, object_idletime),
    CommandSpec::new("refcount", 3, READONLY, (2, 2, 1), Group::Generic, object_refcount),
    CommandSpec::new("help", 2, LOADING | STALE, (0, 0, 0), Group::Generic, object_help),
];

/// SCAN's COUNT when none is given (Redis: 10).
const SCAN_DEFAULT_COUNT: usize = 10;

fn sameobject() -> Frame {
    Frame::error("ERR source and destination objects are the same")
}

/// DEL and UNLINK (Tandem frees values where they are dropped, so they are one command).
fn del(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = args.rest();
    let deleted: Vec<bool> = ctx.write_keys(keys, |kv, db| keys.iter().map(|k| kv.remove(db, k).is_some()).collect());
    for (key, _) in keys.iter().zip(&deleted).filter(|(_, &gone)| gone) {
        ctx.notify(class::GENERIC, "del", key);
    }
    Ok(Frame::Integer(deleted.iter().filter(|&&gone| gone).count() as i64))
}

/// EXISTS counts every argument, so a key named twice counts twice.
fn exists(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = args.rest();
    let found: Vec<bool> = ctx.read_keys(keys, |kv, db| keys.iter().map(|k| kv.peek(db, k).is_some()).collect());
    for &hit in &found {
        ctx.lookup(hit);
    }
    Ok(Frame::Integer(found.iter().filter(|&&hit| hit).count() as i64))
}

fn type_(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let name = ctx.read_key(key, |kv, db| kv.peek(db, key).map(|e| e.value.type_name()));
    ctx.lookup(name.is_some());
    Ok(Frame::simple(name.unwrap_or("none")))
}

/// Like Redis, the pattern `*` skips the matcher, which would not match the empty key.
pub(crate) fn pattern_filter(pattern: &Bytes) -> Option<&[u8]> {
    (&pattern[..] != b"*").then_some(&pattern[..])
}

fn keys(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let pattern = args.bytes()?;
    let pattern = pattern_filter(pattern);
    let found = ctx.db_view(false, |kv, db| {
        let now = kv.now();
        let mut found = Vec::new();
        kv.for_each(db, &mut |k, e| {
            if !e.is_expired(now) && pattern.is_none_or(|p| glob_match(p, k, false)) {
                found.push(Frame::Bulk(k.clone()));
            }
        });
        found
    });
    Ok(Frame::Array(found))
}

/// A SCAN cursor, accepted exactly where Redis's `strtoul` check accepts one: no leading
/// space, an optional sign (a negative cursor wraps, as in C), decimal digits up to the
/// first NUL byte, no overflow; an empty cursor is 0.
pub(crate) fn parse_cursor(arg: &[u8]) -> Result<u64, Frame> {
    let invalid = || Frame::error("ERR invalid cursor");
    let text = arg.split(|&b| b == 0).next().unwrap_or_default();
    if text.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match text[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.checked_mul(10).and_then(|v| v.checked_add((d - b'0') as u64)).ok_or_else(invalid)?;
    }
    Ok(if negative { value.wrapping_neg() } else { value })
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
fn scan(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let cursor = parse_cursor(args.bytes()?)?;
    let mut count = SCAN_DEFAULT_COUNT;
    let mut pattern: Option<Bytes> = None;
    let mut type_name: Option<Bytes> = None;
    while let Some(opt) = args.next() {
        // Every option takes a value; one without it is a syntax error, as in Redis.
        if args.is_empty() {
            return Err(error::syntax());
        }
        if opt.eq_ignore_ascii_case(b"count") {
            let n = args.i64()?;
            if n < 1 {
                return Err(error::syntax());
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt.eq_ignore_ascii_case(b"match") {
            let p = args.bytes()?;
            pattern = pattern_filter(p).is_some().then(|| p.clone());
        } else if opt.eq_ignore_ascii_case(b"type") {
            type_name = Some(args.bytes()?.clone());
        } else {
            return Err(error::syntax());
        }
    }
    let (next, found, type_hits, type_misses) = ctx.sweep_view(|kv, db| {
        let now = kv.now();
        let (mut found, mut hits, mut misses) = (Vec::new(), 0u64, 0u64);
        let next = kv.scan(db, cursor, count, &mut |k, e| {
            if pattern.as_ref().is_some_and(|p| !glob_match(p, k, false)) {
                return;
            }
            let expired = e.is_expired(now);
            if let Some(t) = &type_name {
                // Redis looks the key up to learn its type, which counts as a keyspace read.
                if expired {
                    misses += 1;
                } else {
                    hits += 1;
                }
                if !t.eq_ignore_ascii_case(e.value.type_name().as_bytes()) {
                    return;
                }
            }
            if !expired {
                found.push(Frame::Bulk(k.clone()));
            }
        });
        (next, found, hits, misses)
    });
    ctx.client.counts.lookups(type_hits, type_misses);
    Ok(Frame::Array(vec![Frame::bulk(next.to_string()), Frame::Array(found)]))
}

/// RANDOMKEY: a live random key. Like Redis's `dbRandomKey`, an expired key drawn is deleted
/// and another drawn. The first draw only reads (a sweep: it locks the one shard it draws
/// from); only if it hits an expired key does the command retry under write locks,
/// deleting as it goes (each retry removes a key, so the loop ends).
fn randomkey(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    enum Draw {
        Empty,
        Live(Bytes),
        Expired,
    }
    let first = ctx.sweep_view(|kv, db| match kv.random_key(db) {
        None => Draw::Empty,
        Some(k) if kv.peek(db, &k).is_some() => Draw::Live(k),
        Some(_) => Draw::Expired,
    });
    let key = match first {
        Draw::Empty => None,
        Draw::Live(k) => Some(k),
        Draw::Expired => ctx.db_view(true, |kv, db| {
            // Bounded by the keys there were: a store that kept returning an expired key it
            // does not delete would otherwise spin forever.
            for _ in 0..=kv.len(db) {
                let k = kv.random_key(db)?;
                if kv.peek(db, &k).is_some() {
                    return Some(k);
                }
            }
            None
        }),
    };
    Ok(key.map(Frame::Bulk).unwrap_or(Frame::Null))
}

fn rename(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    rename_generic(ctx, args, true)
}

/// RENAME and RENAMENX. The entry moves whole, so the TTL goes with it. Renaming a key to
/// itself succeeds (RENAMENX replies 0) but still needs the key to exist.
fn rename_generic(ctx: &mut Ctx<'_>, args: &Args, nx: bool) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let (done, not_done) = if nx { (Frame::Integer(1), Frame::Integer(0)) } else { (Frame::ok(), Frame::Integer(0)) };
    let keys = [src.clone(), dst.clone()];
    let (reply, renamed) = ctx.write_keys(&keys, |kv, db| {
        if kv.get(db, src).is_none() {
            return Err(error::no_such_key());
        }
        if src == dst {
            return Ok((if nx { not_done.clone() } else { done.clone() }, false));
        }
        if nx && kv.get(db, dst).is_some() {
            return Ok((not_done.clone(), false));
        }
        let entry = kv.remove(db, src).ok_or_else(error::no_such_key)?;
        kv.insert(db, dst.clone(), entry);
        Ok((done.clone(), true))
    })?;
    if renamed {
        ctx.notify(class::GENERIC, "rename_from", src);
        ctx.notify(class::GENERIC, "rename_to", dst);
    }
    Ok(reply)
}

/// An integer argument read like Redis's `getIntFromObjectOrReply` without a custom message.
fn int_arg(arg: &[u8]) -> Result<i64, Frame> {
    let n = parse_i64(arg).ok_or_else(error::not_integer)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(Frame::error("ERR value is out of range, value must between -2147483648 and 2147483647"));
    }
    Ok(n)
}

/// A database number that must exist.
fn db_arg(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, Frame> {
    let n = int_arg(arg)?;
    if n < 0 || n as usize >= ctx.engine.store().databases() {
        return Err(error::db_index_out_of_range());
    }
    Ok(n as usize)
}

/// COPY source destination [DB destination-db] [REPLACE]. The copy gets the source's TTL
/// and a fresh access time (it is a new object).
fn copy(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    while let Some(opt) = args.next() {
        if opt.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"db") && !args.is_empty() {
            dst_db = db_arg(ctx, args.bytes()?)?;
        } else {
            return Err(error::syntax());
        }
    }
    if src_db == dst_db && src == dst {
        return Err(sameobject());
    }
    let keys = [(src_db, &src[..]), (dst_db, &dst[..])];
    let (copied, hit) = ctx.view(Scope::Keys { keys: &keys, write: true }, |kv| {
        let Some(e) = kv.get(src_db, src) else { return (false, false) };
        let copy = Entry::with_expiry(e.value.clone(), e.expire_at);
        if !replace && kv.get(dst_db, dst).is_some() {
            return (false, true);
        }
        kv.insert(dst_db, dst.clone(), copy);
        (true, true)
    });
    ctx.lookup(hit);
    if copied {
        ctx.notify_in(dst_db, class::GENERIC, "copy_to", dst);
    }
    Ok(Frame::Integer(copied as i64))
}

/// MOVE key db: 0 if the key is missing or already exists in the target database.
fn move_(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let dst_db = db_arg(ctx, args.bytes()?)?;
    let src_db = ctx.db();
    if src_db == dst_db {
        return Err(sameobject());
    }
    let keys = [(src_db, &key[..]), (dst_db, &key[..])];
    let moved = ctx.view(Scope::Keys { keys: &keys, write: true }, |kv| {
        if kv.get(src_db, key).is_none() || kv.get(dst_db, key).is_some() {
            return false;
        }
        match kv.remove(src_db, key) {
            Some(entry) => {
                kv.insert(dst_db, key.clone(), entry);
                true
            }
            None => false,
        }
    });
    if moved {
        ctx.notify_in(src_db, class::GENERIC, "move_from", key);
        ctx.notify_in(dst_db, class::GENERIC, "move_to", key);
    }
    Ok(Frame::Integer(moved as i64))
}

/// TOUCH: counts existing keys, recording an access to each (unlike EXISTS).
fn touch(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = args.rest();
    let found: Vec<bool> = ctx.read_keys(keys, |kv, db| keys.iter().map(|k| kv.get(db, k).is_some()).collect());
    for &hit in &found {
        ctx.lookup(hit);
    }
    Ok(Frame::Integer(found.iter().filter(|&&hit| hit).count() as i64))
}

/// The NX/XX/GT/LT options of the EXPIRE family.
#[derive(Default)]
struct ExpireCondition {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl ExpireCondition {
    /// Parses the options the way Redis's `parseExtendedExpireArgumentsOrReply` does: an
    /// unknown word first, then the incompatible combinations.
    fn parse(opts: &[Bytes]) -> Result<ExpireCondition, Frame> {
        let mut c = ExpireCondition::default();
        for opt in opts {
            let flag = match opt.to_ascii_lowercase().as_slice() {
                b"nx" => &mut c.nx,
                b"xx" => &mut c.xx,
                b"gt" => &mut c.gt,
                b"lt" => &mut c.lt,
                _ => return Err(Frame::error(format!("ERR Unsupported option {}", error::sanitize(opt, opt.len())))),
            };
            *flag = true;
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(Frame::error("ERR NX and XX, GT or LT options at the same time are not compatible"));
        }
        if c.gt && c.lt {
            return Err(Frame::error("ERR GT and LT options at the same time are not compatible"));
        }
        Ok(c)
    }

    /// True if a key whose expiry is `current` ([`NO_EXPIRY`] for none, which GT and LT
    /// treat as infinite) may be given the expiry `when`.
    fn allows(&self, current: i64, when: i64) -> bool {
        let persistent = current == NO_EXPIRY;
        let refused = (self.nx && !persistent)
            || (self.xx && persistent)
            || (self.gt && (persistent || when <= current))
            || (self.lt && !persistent && when >= current);
        !refused
    }
}

/// How EXPIRE-family commands read their time argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireTime {
    RelativeSeconds,
    RelativeMillis,
    UnixSeconds,
    UnixMillis,
}

fn expire(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    expire_generic(ctx, args, "expire", ExpireTime::RelativeSeconds)
}

fn pexpire(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    expire_generic(ctx, args, "pexpire", ExpireTime::RelativeMillis)
}

fn expireat(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    expire_generic(ctx, args, "expireat", ExpireTime::UnixSeconds)
}

fn pexpireat(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    expire_generic(ctx, args, "pexpireat", ExpireTime::UnixMillis)
}

/// Redis's `expireGenericCommand`: options, then the number, then overflow checks, then the
/// key. A time already past deletes the key (and still replies 1).
fn expire_generic(ctx: &mut Ctx<'_>, args: &Args, name: &str, kind: ExpireTime) -> CommandResult {
    let key = args.bytes()?;
    let param = args.bytes()?;
    let options = args.rest();
    let cond = ExpireCondition::parse(options)?;
    let mut when = parse_i64(param).ok_or_else(error::not_integer)?;
    if matches!(kind, ExpireTime::RelativeSeconds | ExpireTime::UnixSeconds) {
        when = when.checked_mul(1000).ok_or_else(|| error::invalid_expire(name))?;
    }
    let relative = matches!(kind, ExpireTime::RelativeSeconds | ExpireTime::RelativeMillis);
    let done = ctx.write_key(key, |kv, db| {
        let now = kv.now();
        let when = if relative { when.checked_add(now).ok_or_else(|| error::invalid_expire(name))? } else { when };
        let Some(current) = kv.get(db, key).map(|e| e.expire_at) else { return Ok(None) };
        if !cond.allows(current, when) {
            return Ok(None);
        }
        if when <= now {
            kv.remove(db, key);
            Ok(Some(ExpireDone::Deleted))
        } else {
            kv.set_expiry(db, key, when);
            Ok(Some(ExpireDone::Expires(when)))
        }
    })?;
    match done {
        None => return Ok(Frame::Integer(0)),
        Some(ExpireDone::Deleted) => {
            ctx.notify(class::GENERIC, "del", key);
            ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
        }
        Some(ExpireDone::Expires(when)) => {
            ctx.notify(class::GENERIC, "expire", key);
            // PEXPIREAT already names the absolute time: it logs itself, as called.
            if kind != ExpireTime::UnixMillis {
                let mut argv = vec![Bytes::from_static(b"PEXPIREAT"), key.clone(), i64_bytes(when)];
                argv.extend(options.iter().cloned());
                ctx.propagate(argv);
            }
        }
    }
    Ok(Frame::Integer(1))
}

/// What an EXPIRE-family command did to an existing key.
#[derive(Clone, Copy)]
enum ExpireDone {
    /// The time was already past: the key is gone.
    Deleted,
    /// The key now expires at this unix-ms time.
    Expires(i64),
}

/// What the TTL family reports.
#[derive(Clone, Copy)]
enum TtlReply {
    RemainingSeconds,
    RemainingMillis,
    UnixSeconds,
    UnixMillis,
}

fn ttl(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    ttl_generic(ctx, args, TtlReply::RemainingSeconds)
}

fn pttl(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    ttl_generic(ctx, args, TtlReply::RemainingMillis)
}

fn expiretime(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    ttl_generic(ctx, args, TtlReply::UnixSeconds)
}

fn pexpiretime(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    ttl_generic(ctx, args, TtlReply::UnixMillis)
}

/// -2 for a missing key, -1 for one without expiry; seconds are rounded to nearest.
fn ttl_generic(ctx: &mut Ctx<'_>, args: &Args, kind: TtlReply) -> CommandResult {
    let key = args.bytes()?;
    let found = ctx.read_key(key, |kv, db| {
        let now = kv.now();
        kv.peek(db, key).map(|e| (e.expire_at, now))
    });
    ctx.lookup(found.is_some());
    let reply = match found {
        None => -2,
        Some((NO_EXPIRY, _)) => -1,
        Some((at, now)) => {
            let ms = match kind {
                TtlReply::RemainingSeconds | TtlReply::RemainingMillis => at - now,
                TtlReply::UnixSeconds | TtlReply::UnixMillis => at,
            }
            .max(0);
            match kind {
                TtlReply::RemainingMillis | TtlReply::UnixMillis => ms,
                // Wider arithmetic: an expiry near i64::MAX must not overflow the rounding.
                TtlReply::RemainingSeconds | TtlReply::UnixSeconds => ((ms as i128 + 500) / 1000) as i64,
            }
        }
    };
    Ok(Frame::Integer(reply))
}

fn persist(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let persisted = ctx.write_key(key, |kv, db| match kv.get(db, key) {
        Some(e) if e.has_expiry() => kv.set_expiry(db, key, NO_EXPIRY),
        _ => false,
    });
    if persisted {
        ctx.notify(class::GENERIC, "persist", key);
    }
    Ok(Frame::Integer(persisted as i64))
}

/// Looks up OBJECT's key without touching it and maps the entry; `None` if missing.
fn object_lookup<R>(ctx: &mut Ctx<'_>, args: &Args, f: impl Fn(&Entry) -> R) -> Result<Option<R>, Frame> {
    let key = args.bytes()?;
    let found = ctx.read_key(key, |kv, db| kv.peek(db, key).map(&f));
    ctx.lookup(found.is_some());
    Ok(found)
}

/// True when maxmemory-policy is an LFU one (`allkeys-lfu`, `volatile-lfu`).
fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    ctx.engine.config.read(|c| c.maxmemory_policy.ends_with("-lfu"))
}

fn object_encoding(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let encoding = object_lookup(ctx, args, |e| e.value.encoding())?;
    Ok(encoding.map(Frame::bulk).unwrap_or(Frame::Null))
}

/// Redis counts references to shared value objects (small integers reply 2147483647);
/// Tandem never shares a value between keys, so every value has exactly one reference.
fn object_refcount(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let found = object_lookup(ctx, args, |_| ())?;
    Ok(found.map(|()| Frame::Integer(1)).unwrap_or(Frame::Null))
}

fn object_idletime(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let Some(idle) = object_lookup(ctx, args, |e| e.idle_seconds())? else { return Ok(Frame::Null) };
    if lfu_policy(ctx) {
        return Err(Frame::error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching \
             between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    Ok(Frame::Integer(idle as i64))
}

/// The counter Redis gives a new key (`LFU_INIT_VAL`).
const LFU_INIT_VAL: u64 = 5;

/// Tandem keeps no LFU counters, so under an LFU policy FREQ reports what Redis would for a
/// key never read since it was written: the initial counter, decayed by one per idle minute
/// (the default `lfu-decay-time`).
fn object_freq(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let Some(idle) = object_lookup(ctx, args, |e| e.idle_seconds())? else { return Ok(Frame::Null) };
    if !lfu_policy(ctx) {
        return Err(Frame::error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when \
             switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    Ok(Frame::Integer(LFU_INIT_VAL.saturating_sub(idle / 60) as i64))
}

fn object_help(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(help_reply(
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    ))
}

/// DBSIZE counts keys that expired but were not collected yet, as Redis does.
fn dbsize(ctx: &mut Ctx<'_>, _: &Args) -> CommandResult {
    let n = ctx.sweep_view(|kv, db| kv.len(db));
    Ok(Frame::Integer(n as i64))
}

/// The optional `ASYNC|SYNC` of FLUSHDB and FLUSHALL. Tandem drops the old tables in place
/// either way, so the word is only validated.
fn flush_mode(args: &Args) -> Result<(), Frame> {
    match args.rest() {
        [] => Ok(()),
        [mode] if mode.eq_ignore_ascii_case(b"async") || mode.eq_ignore_ascii_case(b"sync") => Ok(()),
        _ => Err(error::syntax()),
    }
}

fn flushdb(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    flush_mode(args)?;
    ctx.db_view(true, |kv, db| kv.clear(db));
    Ok(Frame::ok())
}

fn flushall(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    flush_mode(args)?;
    ctx.view(Scope::All, |kv| {
        for db in 0..kv.databases() {
            kv.clear(db);
        }
    });
    Ok(Frame::ok())
}

/// SWAPDB index1 index2: every client sees the other database's contents at once.
fn swapdb(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let index = |arg: &Bytes, msg: &str| {
        parse_i64(arg).filter(|n| i32::try_from(*n).is_ok()).ok_or_else(|| Frame::error(msg.to_string()))
    };
    let a = index(args.bytes()?, "ERR invalid first DB index")?;
    let b = index(args.bytes()?, "ERR invalid second DB index")?;
    let databases = ctx.engine.store().databases() as i64;
    if !(0..databases).contains(&a) || !(0..databases).contains(&b) {
        return Err(error::db_index_out_of_range());
    }
    ctx.view(Scope::All, |kv| kv.swap(a as usize, b as usize));
    Ok(Frame::ok())
}

#[cfg(test)]
mod tests {
    use crate::testing::each_store;
    use crate::testing::sorted;
    use std::collections::HashSet;
    use std::time::Duration;

    use resp::Frame;

    use crate::testing::{arr, bulk, err, int, ok, TestClient, STORES};

    /// One SCAN call: (next cursor, keys).
    fn scan_step(c: &mut TestClient, words: &[&str]) -> (String, Vec<String>) {
        let Frame::Array(mut parts) = c.run(words) else { panic!("SCAN reply is not an array") };
        assert_eq!(parts.len(), 2);
        let keys = sorted(parts.pop().expect("keys"));
        let Some(Frame::Bulk(cursor)) = parts.pop() else { panic!("cursor is not a bulk") };
        (String::from_utf8_lossy(&cursor).into_owned(), keys)
    }

    fn sleep_ms(ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    #[test]
    fn del_deletes_existing_keys_and_counts_them() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "2"]);
            assert_eq!(c.run(&["DEL", "a", "b", "c", "a"]), int(2));
            assert_eq!(c.run(&["GET", "a"]), Frame::Null);
            assert_eq!(c.run(&["DEL", "a"]), int(0));
        });
    }

    #[test]
    fn unlink_deletes_like_del() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["UNLINK", "a", "b"]), int(1));
            assert_eq!(c.run(&["EXISTS", "a"]), int(0));
        });
    }

    #[test]
    fn exists_counts_every_argument_that_exists() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXISTS", "a", "a", "nope"]), int(2));
            assert_eq!(c.run(&["EXISTS", "nope"]), int(0));
        });
    }

    #[test]
    fn type_is_string_or_none() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["TYPE", "a"]), Frame::simple("string"));
            assert_eq!(c.run(&["TYPE", "nope"]), Frame::simple("none"));
        });
    }

    #[test]
    fn keys_returns_the_keys_matching_the_pattern() {
        each_store(|c| {
            for k in ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c"] {
                c.run(&["SET", k, "hello"]);
            }
            assert_eq!(sorted(c.run(&["KEYS", "foo*"])), ["foo_a", "foo_b", "foo_c"]);
            assert_eq!(sorted(c.run(&["KEYS", "*_[xy]"])), ["key_x", "key_y"]);
            assert_eq!(sorted(c.run(&["KEYS", "key_?"])), ["key_x", "key_y", "key_z"]);
            assert_eq!(sorted(c.run(&["KEYS", "[^k]*"])), ["foo_a", "foo_b", "foo_c"]);
            assert_eq!(sorted(c.run(&["KEYS", "*"])).len(), 6);
            assert_eq!(c.run(&["KEYS", "nomatch*"]), arr(vec![]));
        });
    }

    #[test]
    fn keys_star_includes_the_empty_key() {
        each_store(|c| {
            c.run(&["SET", "", "v"]);
            c.run(&["SET", "a", "v"]);
            assert_eq!(sorted(c.run(&["KEYS", "*"])), ["", "a"]);
            // Any other pattern goes through the matcher, which needs a byte to match.
            assert_eq!(sorted(c.run(&["KEYS", "**"])), ["a"]);
        });
    }

    #[test]
    fn keys_only_looks_at_the_selected_database() {
        each_store(|c| {
            c.run(&["SET", "a", "v"]);
            c.run(&["SELECT", "1"]);
            c.run(&["SET", "b", "v"]);
            assert_eq!(sorted(c.run(&["KEYS", "*"])), ["b"]);
        });
    }

    #[test]
    fn scan_returns_every_key_present_for_the_whole_iteration() {
        each_store(|c| {
            let stable: Vec<String> = (0..1000).map(|i| format!("stable:{i}")).collect();
            for k in &stable {
                c.run(&["SET", k, "v"]);
            }
            let mut doomed: Vec<String> = (0..300).map(|i| format!("doomed:{i}")).collect();
            for k in &doomed {
                c.run(&["SET", k, "v"]);
            }
            let mut seen = HashSet::new();
            let mut ever_existed: HashSet<String> = stable.iter().chain(&doomed).cloned().collect();
            let (mut cursor, mut added, mut calls) = ("0".to_string(), 0, 0);
            loop {
                let (next, keys) = scan_step(c, &["SCAN", &cursor, "COUNT", "7"]);
                seen.extend(keys);
                calls += 1;
                // Churn between calls: delete some keys, add new ones.
                for _ in 0..3 {
                    if let Some(k) = doomed.pop() {
                        assert_eq!(c.run(&["DEL", &k]), int(1));
                    }
                }
                for _ in 0..2 {
                    let k = format!("new:{added}");
                    added += 1;
                    c.run(&["SET", &k, "v"]);
                    ever_existed.insert(k);
                }
                cursor = next;
                if cursor == "0" {
                    break;
                }
                assert!(calls < 10_000, "SCAN does not terminate");
            }
            for k in &stable {
                assert!(seen.contains(k), "{k} was present throughout but never returned");
            }
            for k in &seen {
                assert!(ever_existed.contains(k), "{k} never existed");
            }
        });
    }

    #[test]
    fn scan_filters_by_match_and_type() {
        each_store(|c| {
            for i in 0..50 {
                c.run(&["SET", &format!("user:{i}"), "v"]);
                c.run(&["SET", &format!("item:{i}"), "v"]);
            }
            let mut found = Vec::new();
            let mut cursor = "0".to_string();
            loop {
                let (next, keys) =
                    scan_step(c, &["SCAN", &cursor, "MATCH", "user:1*", "TYPE", "STRING", "COUNT", "20"]);
                found.extend(keys);
                cursor = next;
                if cursor == "0" {
                    break;
                }
            }
            found.sort();
            let mut want: Vec<String> =
                (0..50).map(|i| format!("user:{i}")).filter(|k| k.starts_with("user:1")).collect();
            want.sort();
            assert_eq!(found, want);
            let (cursor, keys) = scan_step(c, &["SCAN", "0", "TYPE", "list", "COUNT", "1000"]);
            assert_eq!((cursor.as_str(), keys.len()), ("0", 0));
        });
    }

    #[test]
    fn scan_with_a_large_count_returns_everything_at_once() {
        each_store(|c| {
            for k in ["a", "b", "c"] {
                c.run(&["SET", k, "v"]);
            }
            assert_eq!(
                scan_step(c, &["SCAN", "0", "COUNT", "1000"]),
                ("0".to_string(), vec!["a".into(), "b".into(), "c".into()])
            );
        });
    }

    #[test]
    fn scan_rejects_a_cursor_that_is_not_a_number() {
        each_store(|c| {
            for bad in ["abc", " 1", "1x", "+", "-", "18446744073709551616", "0x10"] {
                assert_eq!(c.run(&["SCAN", bad]), err("ERR invalid cursor"), "cursor {bad:?}");
            }
        });
    }

    #[test]
    fn scan_accepts_the_cursors_strtoul_accepts() {
        each_store(|c| {
            c.run(&["SET", "a", "v"]);
            for good in ["", "+0", "0", "18446744073709551615", "-1"] {
                let reply = c.run(&["SCAN", good]);
                assert!(matches!(reply, Frame::Array(_)), "cursor {good:?}: {reply:?}");
            }
            assert_eq!(scan_step(c, &["SCAN", ""]), ("0".to_string(), vec!["a".to_string()]));
        });
    }

    #[test]
    fn scan_option_errors_match_redis() {
        each_store(|c| {
            assert_eq!(c.run(&["SCAN", "0", "COUNT", "0"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SCAN", "0", "COUNT", "-1"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SCAN", "0", "COUNT", "abc"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["SCAN", "0", "MATCH"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SCAN", "0", "TYPE"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SCAN", "0", "FOO", "bar"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SCAN"]), err("ERR wrong number of arguments for 'scan' command"));
        });
    }

    #[test]
    fn randomkey_is_null_on_an_empty_database() {
        each_store(|c| {
            assert_eq!(c.run(&["RANDOMKEY"]), Frame::Null);
        });
    }

    #[test]
    fn randomkey_returns_an_existing_key() {
        each_store(|c| {
            for k in ["a", "b", "c"] {
                c.run(&["SET", k, "v"]);
            }
            for _ in 0..20 {
                let Frame::Bulk(k) = c.run(&["RANDOMKEY"]) else { panic!("not a bulk") };
                assert!(["a", "b", "c"].contains(&std::str::from_utf8(&k).expect("utf8")));
            }
        });
    }

    #[test]
    fn randomkey_draws_every_key_of_a_small_database() {
        // Two keys, most likely in different shards: a draw that favoured one shard (or the
        // first non-empty one) would miss the other. Missing one by chance: 2 in 2^200.
        each_store(|c| {
            c.run(&["SET", "a", "v"]);
            c.run(&["SET", "b", "v"]);
            let mut seen = std::collections::HashSet::new();
            for _ in 0..200 {
                let Frame::Bulk(k) = c.run(&["RANDOMKEY"]) else { panic!("not a bulk") };
                seen.insert(k);
            }
            assert_eq!(seen.len(), 2);
        });
    }

    #[test]
    fn randomkey_skips_and_deletes_expired_keys() {
        each_store(|c| {
            for i in 0..20 {
                let k = format!("gone:{i}");
                c.run(&["SET", &k, "v"]);
                c.run(&["PEXPIRE", &k, "1"]);
            }
            c.run(&["SET", "live", "v"]);
            sleep_ms(5);
            for _ in 0..10 {
                assert_eq!(c.run(&["RANDOMKEY"]), bulk("live"));
            }
            c.run(&["DEL", "live"]);
            assert_eq!(c.run(&["RANDOMKEY"]), Frame::Null);
            assert_eq!(c.run(&["DBSIZE"]), int(0));
        });
    }

    #[test]
    fn rename_moves_the_value() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "2"]);
            assert_eq!(c.run(&["RENAME", "a", "b"]), ok());
            assert_eq!(c.run(&["GET", "b"]), bulk("1"));
            assert_eq!(c.run(&["EXISTS", "a"]), int(0));
        });
    }

    #[test]
    fn rename_keeps_the_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["EXPIRE", "a", "100"]);
            c.run(&["SET", "b", "2"]);
            assert_eq!(c.run(&["RENAME", "a", "b"]), ok());
            let Frame::Integer(ttl) = c.run(&["PTTL", "b"]) else { panic!("PTTL") };
            assert!(ttl > 99_000 && ttl <= 100_000, "ttl {ttl}");
        });
    }

    #[test]
    fn rename_of_a_missing_key_is_an_error() {
        each_store(|c| {
            assert_eq!(c.run(&["RENAME", "nope", "b"]), err("ERR no such key"));
            assert_eq!(c.run(&["RENAME", "nope", "nope"]), err("ERR no such key"));
            assert_eq!(c.run(&["RENAMENX", "nope", "nope"]), err("ERR no such key"));
        });
    }

    #[test]
    fn rename_to_the_same_key_leaves_it_alone() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["RENAME", "a", "a"]), ok());
            assert_eq!(c.run(&["RENAMENX", "a", "a"]), int(0));
            assert_eq!(c.run(&["GET", "a"]), bulk("1"));
        });
    }

    #[test]
    fn renamenx_refuses_an_existing_destination() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "2"]);
            assert_eq!(c.run(&["RENAMENX", "a", "b"]), int(0));
            assert_eq!(c.run(&["GET", "b"]), bulk("2"));
            assert_eq!(c.run(&["RENAMENX", "a", "c"]), int(1));
            assert_eq!(c.run(&["GET", "c"]), bulk("1"));
        });
    }

    #[test]
    fn copy_duplicates_a_key_across_databases_with_its_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["EXPIRE", "a", "100"]);
            assert_eq!(c.run(&["COPY", "a", "b", "DB", "3"]), int(1));
            assert_eq!(c.run(&["GET", "a"]), bulk("1"));
            c.run(&["SELECT", "3"]);
            assert_eq!(c.run(&["GET", "b"]), bulk("1"));
            let Frame::Integer(ttl) = c.run(&["TTL", "b"]) else { panic!("TTL") };
            assert!(ttl > 98 && ttl <= 100, "ttl {ttl}");
        });
    }

    #[test]
    fn copy_needs_replace_to_overwrite() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "2"]);
            assert_eq!(c.run(&["COPY", "a", "b"]), int(0));
            assert_eq!(c.run(&["GET", "b"]), bulk("2"));
            assert_eq!(c.run(&["COPY", "a", "b", "REPLACE"]), int(1));
            assert_eq!(c.run(&["GET", "b"]), bulk("1"));
            assert_eq!(c.run(&["COPY", "nope", "b", "REPLACE"]), int(0));
        });
    }

    #[test]
    fn copy_errors_match_redis() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            let same = err("ERR source and destination objects are the same");
            assert_eq!(c.run(&["COPY", "a", "a"]), same);
            assert_eq!(c.run(&["COPY", "a", "a", "DB", "0", "REPLACE"]), same);
            assert_eq!(c.run(&["COPY", "a", "b", "DB", "16"]), err("ERR DB index is out of range"));
            assert_eq!(c.run(&["COPY", "a", "b", "DB", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(
                c.run(&["COPY", "a", "b", "DB", "99999999999"]),
                err("ERR value is out of range, value must between -2147483648 and 2147483647")
            );
            assert_eq!(c.run(&["COPY", "a", "b", "DB"]), err("ERR syntax error"));
            assert_eq!(c.run(&["COPY", "a", "b", "FOO"]), err("ERR syntax error"));
            assert_eq!(c.run(&["COPY", "a", "a", "DB", "1"]), int(1));
        });
    }

    #[test]
    fn move_transfers_a_key_to_another_database() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["PEXPIRE", "a", "100000"]);
            assert_eq!(c.run(&["MOVE", "a", "1"]), int(1));
            assert_eq!(c.run(&["EXISTS", "a"]), int(0));
            c.run(&["SELECT", "1"]);
            assert_eq!(c.run(&["GET", "a"]), bulk("1"));
            let Frame::Integer(ttl) = c.run(&["PTTL", "a"]) else { panic!("PTTL") };
            assert!(ttl > 99_000, "ttl {ttl}");
        });
    }

    #[test]
    fn move_refuses_an_existing_target_or_missing_key() {
        each_store(|c| {
            c.run(&["SET", "a", "src"]);
            c.run(&["SELECT", "1"]);
            c.run(&["SET", "a", "dst"]);
            c.run(&["SELECT", "0"]);
            assert_eq!(c.run(&["MOVE", "a", "1"]), int(0));
            assert_eq!(c.run(&["GET", "a"]), bulk("src"));
            assert_eq!(c.run(&["MOVE", "nope", "1"]), int(0));
        });
    }

    #[test]
    fn move_errors_match_redis() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            let same = err("ERR source and destination objects are the same");
            assert_eq!(c.run(&["MOVE", "a", "0"]), same);
            assert_eq!(c.run(&["MOVE", "nope", "0"]), same);
            assert_eq!(c.run(&["MOVE", "a", "16"]), err("ERR DB index is out of range"));
            assert_eq!(c.run(&["MOVE", "a", "-1"]), err("ERR DB index is out of range"));
            assert_eq!(c.run(&["MOVE", "a", "x"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn touch_counts_existing_keys() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "1"]);
            assert_eq!(c.run(&["TOUCH", "a", "b", "c"]), int(2));
        });
    }

    #[test]
    fn ttl_is_minus_one_without_expiry_and_minus_two_when_missing() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
                assert_eq!(c.run(&[cmd, "a"]), int(-1), "{cmd}");
                assert_eq!(c.run(&[cmd, "nope"]), int(-2), "{cmd}");
            }
        });
    }

    #[test]
    fn expire_sets_a_ttl_in_seconds() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIRE", "a", "100"]), int(1));
            assert_eq!(c.run(&["TTL", "a"]), int(100));
            let Frame::Integer(ms) = c.run(&["PTTL", "a"]) else { panic!("PTTL") };
            assert!(ms > 99_000 && ms <= 100_000, "pttl {ms}");
            assert_eq!(c.run(&["EXPIRE", "nope", "100"]), int(0));
        });
    }

    #[test]
    fn expireat_and_expiretime_use_unix_time() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIREAT", "a", "4000000000"]), int(1));
            assert_eq!(c.run(&["EXPIRETIME", "a"]), int(4_000_000_000));
            assert_eq!(c.run(&["PEXPIRETIME", "a"]), int(4_000_000_000_000));
            assert_eq!(c.run(&["PEXPIREAT", "a", "4000000000499"]), int(1));
            assert_eq!(c.run(&["EXPIRETIME", "a"]), int(4_000_000_000));
            assert_eq!(c.run(&["PEXPIREAT", "a", "4000000000500"]), int(1));
            assert_eq!(c.run(&["EXPIRETIME", "a"]), int(4_000_000_001), "seconds round to nearest");
        });
    }

    #[test]
    fn expiretime_near_the_largest_time_does_not_overflow() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["PEXPIREAT", "a", "9223372036854775807"]), int(1));
            assert_eq!(c.run(&["PEXPIRETIME", "a"]), int(i64::MAX));
            assert_eq!(c.run(&["EXPIRETIME", "a"]), int(9_223_372_036_854_776));
        });
    }

    #[test]
    fn expire_nx_only_sets_a_missing_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIRE", "a", "100", "NX"]), int(1));
            assert_eq!(c.run(&["EXPIRE", "a", "200", "nx"]), int(0));
            assert_eq!(c.run(&["TTL", "a"]), int(100));
        });
    }

    #[test]
    fn expire_xx_only_changes_an_existing_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIRE", "a", "100", "XX"]), int(0));
            assert_eq!(c.run(&["TTL", "a"]), int(-1));
            c.run(&["EXPIRE", "a", "100"]);
            assert_eq!(c.run(&["EXPIRE", "a", "200", "XX"]), int(1));
            assert_eq!(c.run(&["TTL", "a"]), int(200));
        });
    }

    #[test]
    fn expire_gt_only_lengthens_and_treats_no_ttl_as_infinite() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIRE", "a", "100", "GT"]), int(0));
            c.run(&["EXPIRE", "a", "100"]);
            assert_eq!(c.run(&["EXPIRE", "a", "50", "GT"]), int(0));
            assert_eq!(c.run(&["EXPIRE", "a", "200", "GT"]), int(1));
            assert_eq!(c.run(&["TTL", "a"]), int(200));
        });
    }

    #[test]
    fn expire_lt_only_shortens_and_treats_no_ttl_as_infinite() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["EXPIRE", "a", "100", "LT"]), int(1));
            assert_eq!(c.run(&["EXPIRE", "a", "200", "LT"]), int(0));
            assert_eq!(c.run(&["EXPIRE", "a", "50", "XX", "LT"]), int(1));
            assert_eq!(c.run(&["TTL", "a"]), int(50));
        });
    }

    #[test]
    fn expire_option_errors_match_redis() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            let nx = err("ERR NX and XX, GT or LT options at the same time are not compatible");
            assert_eq!(c.run(&["EXPIRE", "a", "10", "NX", "XX"]), nx);
            assert_eq!(c.run(&["EXPIRE", "a", "10", "NX", "GT"]), nx);
            assert_eq!(c.run(&["EXPIRE", "a", "10", "lt", "nx"]), nx);
            let gtlt = err("ERR GT and LT options at the same time are not compatible");
            assert_eq!(c.run(&["EXPIRE", "a", "10", "GT", "LT"]), gtlt);
            assert_eq!(c.run(&["EXPIRE", "a", "10", "XX", "GT", "LT"]), gtlt);
            assert_eq!(c.run(&["EXPIRE", "a", "10", "foo"]), err("ERR Unsupported option foo"));
            // Options are checked before the number, as in Redis.
            assert_eq!(c.run(&["EXPIRE", "a", "abc", "NX", "XX"]), nx);
            assert_eq!(c.run(&["EXPIRE", "a", "abc"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["EXPIRE", "a", "10", "NX", "NX"]), int(1));
        });
    }

    #[test]
    fn expire_overflow_is_an_invalid_expire_time() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            for (cmd, n) in [
                ("EXPIRE", "9223372036854775807"),
                ("EXPIRE", "-9223372036854775807"),
                ("PEXPIRE", "9223372036854775807"),
                ("EXPIREAT", "9223372036854776"),
            ] {
                let want = format!("ERR invalid expire time in '{}' command", cmd.to_lowercase());
                assert_eq!(c.run(&[cmd, "a", n]), err(&want));
            }
            // Errors come before the key is looked at.
            assert_eq!(
                c.run(&["EXPIRE", "nope", "9223372036854775807"]),
                err("ERR invalid expire time in 'expire' command")
            );
            assert_eq!(c.run(&["TTL", "a"]), int(-1));
            assert_eq!(c.run(&["EXPIREAT", "a", "9223372036854775"]), int(1));
        });
    }

    #[test]
    fn expire_in_the_past_deletes_the_key() {
        each_store(|c| {
            for (cmd, t) in [("EXPIRE", "-1"), ("PEXPIRE", "0"), ("EXPIREAT", "1"), ("PEXPIREAT", "1000")] {
                c.run(&["SET", "a", "1"]);
                assert_eq!(c.run(&[cmd, "a", t]), int(1), "{cmd}");
                assert_eq!(c.run(&["EXISTS", "a"]), int(0), "{cmd}");
                assert_eq!(c.run(&["DBSIZE"]), int(0), "{cmd}");
            }
        });
    }

    #[test]
    fn persist_removes_the_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["PERSIST", "a"]), int(0));
            c.run(&["EXPIRE", "a", "100"]);
            assert_eq!(c.run(&["PERSIST", "a"]), int(1));
            assert_eq!(c.run(&["TTL", "a"]), int(-1));
            assert_eq!(c.run(&["PERSIST", "nope"]), int(0));
        });
    }

    #[test]
    fn set_clears_the_ttl() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["EXPIRE", "a", "100"]);
            c.run(&["SET", "a", "2"]);
            assert_eq!(c.run(&["TTL", "a"]), int(-1));
        });
    }

    #[test]
    fn keys_whose_expire_time_passed_are_gone() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "keep", "1"]);
            assert_eq!(c.run(&["PEXPIRE", "a", "1"]), int(1));
            sleep_ms(5);
            assert_eq!(c.run(&["GET", "a"]), Frame::Null);
            assert_eq!(c.run(&["EXISTS", "a"]), int(0));
            assert_eq!(c.run(&["TYPE", "a"]), Frame::simple("none"));
            assert_eq!(c.run(&["TTL", "a"]), int(-2));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "a"]), Frame::Null);
            assert_eq!(c.run(&["KEYS", "*"]), arr(vec![bulk("keep")]));
            assert_eq!(scan_step(c, &["SCAN", "0", "COUNT", "100"]).1, ["keep"]);
            assert_eq!(c.run(&["RENAME", "a", "b"]), err("ERR no such key"));
            assert_eq!(c.run(&["EXPIRE", "a", "100"]), int(0));
            assert_eq!(c.run(&["DEL", "a"]), int(0));
            assert_eq!(c.run(&["DBSIZE"]), int(1));
        });
    }

    #[test]
    fn object_encoding_reports_the_string_encoding() {
        each_store(|c| {
            c.run(&["SET", "int", "12345"]);
            c.run(&["SET", "big", "12345678901234567890"]);
            c.run(&["SET", "short", &"x".repeat(44)]);
            c.run(&["SET", "long", &"x".repeat(45)]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "int"]), bulk("int"));
            assert_eq!(c.run(&["OBJECT", "encoding", "big"]), bulk("embstr"));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "short"]), bulk("embstr"));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "long"]), bulk("raw"));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "nope"]), Frame::Null);
        });
    }

    #[test]
    fn object_refcount_is_one() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["OBJECT", "REFCOUNT", "a"]), int(1));
            assert_eq!(c.run(&["OBJECT", "REFCOUNT", "nope"]), Frame::Null);
        });
    }

    #[test]
    fn object_freq_needs_an_lfu_policy() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            assert_eq!(
                c.run(&["OBJECT", "FREQ", "a"]),
                err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that \
                     when switching between policies at runtime LRU and LFU data will take some time to adjust.")
            );
            assert_eq!(c.run(&["OBJECT", "FREQ", "nope"]), Frame::Null);
            c.engine.config.update(|v| v.maxmemory_policy = "allkeys-lfu".into());
            assert_eq!(c.run(&["OBJECT", "FREQ", "a"]), int(5));
            assert_eq!(
                c.run(&["OBJECT", "IDLETIME", "a"]),
                err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when \
                     switching between policies at runtime LRU and LFU data will take some time to adjust.")
            );
        });
    }

    #[test]
    fn object_idletime_is_reset_by_access_but_not_by_inspection() {
        let mut clients: Vec<TestClient> = STORES.iter().map(|s| TestClient::new(s)).collect();
        for c in &mut clients {
            c.run(&["SET", "a", "1"]);
            assert_eq!(c.run(&["OBJECT", "IDLETIME", "a"]), int(0));
            assert_eq!(c.run(&["OBJECT", "IDLETIME", "nope"]), Frame::Null);
        }
        sleep_ms(2100);
        for c in &mut clients {
            for look in [&["EXISTS", "a"][..], &["TYPE", "a"], &["TTL", "a"], &["OBJECT", "ENCODING", "a"]] {
                c.run(look);
            }
            let Frame::Integer(idle) = c.run(&["OBJECT", "IDLETIME", "a"]) else { panic!("IDLETIME") };
            assert!(idle >= 2, "store {}: idle {idle}", c.engine.store().name());
            assert_eq!(c.run(&["TOUCH", "a"]), int(1));
            let Frame::Integer(idle) = c.run(&["OBJECT", "IDLETIME", "a"]) else { panic!("IDLETIME") };
            assert!(idle < 2, "store {}: idle {idle}", c.engine.store().name());
        }
    }

    #[test]
    fn object_help_lists_the_subcommands() {
        each_store(|c| {
            let Frame::Array(lines) = c.run(&["OBJECT", "HELP"]) else { panic!("HELP") };
            assert_eq!(lines[0], Frame::simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
            assert_eq!(lines[1], Frame::simple("ENCODING <key>"));
            assert_eq!(lines.len(), 15);
        });
    }

    #[test]
    fn object_subcommand_errors_match_redis() {
        each_store(|c| {
            assert_eq!(c.run(&["OBJECT", "foo"]), err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
            assert_eq!(c.run(&["OBJECT"]), err("ERR wrong number of arguments for 'object' command"));
            assert_eq!(
                c.run(&["OBJECT", "ENCODING"]),
                err("ERR wrong number of arguments for 'object|encoding' command")
            );
            assert_eq!(c.run(&["OBJECT", "HELP", "x"]), err("ERR wrong number of arguments for 'object|help' command"));
        });
    }

    #[test]
    fn dbsize_counts_the_selected_database() {
        each_store(|c| {
            assert_eq!(c.run(&["DBSIZE"]), int(0));
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "1"]);
            assert_eq!(c.run(&["DBSIZE"]), int(2));
            c.run(&["SELECT", "1"]);
            assert_eq!(c.run(&["DBSIZE"]), int(0));
        });
    }

    #[test]
    fn flushdb_empties_only_the_selected_database() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SELECT", "1"]);
            c.run(&["SET", "b", "1"]);
            assert_eq!(c.run(&["FLUSHDB"]), ok());
            assert_eq!(c.run(&["DBSIZE"]), int(0));
            c.run(&["SELECT", "0"]);
            assert_eq!(c.run(&["DBSIZE"]), int(1));
            assert_eq!(c.run(&["FLUSHDB", "ASYNC"]), ok());
            assert_eq!(c.run(&["DBSIZE"]), int(0));
        });
    }

    #[test]
    fn flushall_empties_every_database() {
        each_store(|c| {
            c.run(&["SET", "a", "1"]);
            c.run(&["SELECT", "5"]);
            c.run(&["SET", "b", "1"]);
            assert_eq!(c.run(&["FLUSHALL", "sync"]), ok());
            assert_eq!(c.run(&["DBSIZE"]), int(0));
            c.run(&["SELECT", "0"]);
            assert_eq!(c.run(&["DBSIZE"]), int(0));
        });
    }

    #[test]
    fn flush_accepts_only_async_or_sync() {
        each_store(|c| {
            for cmd in ["FLUSHDB", "FLUSHALL"] {
                assert_eq!(c.run(&[cmd, "foo"]), err("ERR syntax error"));
                assert_eq!(c.run(&[cmd, "async", "x"]), err("ERR syntax error"));
            }
        });
    }

    #[test]
    fn swapdb_swaps_the_contents_of_two_databases() {
        each_store(|c| {
            c.run(&["SET", "a", "in0"]);
            c.run(&["EXPIRE", "a", "100"]);
            c.run(&["SELECT", "1"]);
            c.run(&["SET", "b", "in1"]);
            c.run(&["SELECT", "0"]);
            c.run(&["SET", "a2", "in0"]);
            c.run(&["SELECT", "1"]);
            assert_eq!(c.run(&["SWAPDB", "0", "1"]), ok());
            // The client stays on database 1, which now holds what 0 held.
            assert_eq!(c.run(&["DBSIZE"]), int(2));
            assert_eq!(c.run(&["GET", "a"]), bulk("in0"));
            assert_eq!(c.run(&["TTL", "a"]), int(100));
            assert_eq!(c.run(&["EXISTS", "b"]), int(0));
            c.run(&["SELECT", "0"]);
            assert_eq!(c.run(&["DBSIZE"]), int(1));
            assert_eq!(c.run(&["GET", "b"]), bulk("in1"));
            assert_eq!(c.run(&["SWAPDB", "0", "0"]), ok());
            assert_eq!(c.run(&["GET", "b"]), bulk("in1"));
        });
    }

    #[test]
    fn swapdb_errors_match_redis() {
        each_store(|c| {
            assert_eq!(c.run(&["SWAPDB", "a", "1"]), err("ERR invalid first DB index"));
            assert_eq!(c.run(&["SWAPDB", "1", "a"]), err("ERR invalid second DB index"));
            assert_eq!(c.run(&["SWAPDB", "99999999999", "a"]), err("ERR invalid first DB index"));
            assert_eq!(c.run(&["SWAPDB", "0", "99999999999"]), err("ERR invalid second DB index"));
            assert_eq!(c.run(&["SWAPDB", "1", "16"]), err("ERR DB index is out of range"));
            assert_eq!(c.run(&["SWAPDB", "-1", "0"]), err("ERR DB index is out of range"));
        });
    }

    #[test]
    fn arity_errors_name_the_command() {
        each_store(|c| {
            for (words, name) in [
                (&["DEL"][..], "del"),
                (&["KEYS", "a", "b"], "keys"),
                (&["EXPIRE", "k"], "expire"),
                (&["TTL"], "ttl"),
                (&["RENAME", "a"], "rename"),
                (&["DBSIZE", "x"], "dbsize"),
                (&["SWAPDB", "1"], "swapdb"),
                (&["PERSIST", "a", "b"], "persist"),
            ] {
                assert_eq!(c.run(words), err(&format!("ERR wrong number of arguments for '{name}' command")));
            }
        });
    }

    // ---- What the AOF logs ----

    /// The absolute expiry of `key` in database 0.
    fn expiry(c: &mut TestClient, key: &str) -> i64 {
        let Frame::Integer(at) = c.run(&["PEXPIRETIME", key]) else { panic!("PEXPIRETIME is not an integer") };
        at
    }

    #[test]
    fn the_expire_family_is_logged_as_pexpireat_of_the_time_it_set() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            for words in [&["EXPIRE", "k", "100"][..], &["PEXPIRE", "k", "200000"], &["EXPIREAT", "k", "4102444800"]] {
                let log = c.logged(words);
                assert_eq!(log, [format!("PEXPIREAT k {}", expiry(c, "k"))], "{words:?}");
            }
            assert_eq!(expiry(c, "k"), 4_102_444_800_000);
            // PEXPIREAT names the absolute time already: logged as called.
            assert_eq!(c.logged(&["pexpireat", "k", "4102444800001"]), ["pexpireat k 4102444800001"]);
        });
    }

    #[test]
    fn an_expire_condition_is_logged_with_it() {
        each_store(|c| {
            c.run(&["SET", "k", "v"]);
            let log = c.logged(&["EXPIRE", "k", "100", "nx"]);
            assert_eq!(log, [format!("PEXPIREAT k {} nx", expiry(c, "k"))]);
            let log = c.logged(&["EXPIRE", "k", "200", "GT"]);
            assert_eq!(log, [format!("PEXPIREAT k {} GT", expiry(c, "k"))]);
        });
    }

    #[test]
    fn an_expire_its_condition_refuses_logs_nothing() {
        each_store(|c| {
            c.run(&["SET", "k", "v", "EX", "100"]);
            assert!(c.logged(&["EXPIRE", "k", "10", "NX"]).is_empty());
            assert!(c.logged(&["EXPIRE", "k", "10", "GT"]).is_empty());
            assert!(c.logged(&["EXPIRE", "missing", "10"]).is_empty());
        });
    }

    #[test]
    fn an_expire_time_already_past_is_logged_as_del() {
        each_store(|c| {
            for words in
                [&["EXPIRE", "k", "-1"][..], &["PEXPIRE", "k", "0"], &["EXPIREAT", "k", "1"], &["PEXPIREAT", "k", "1"]]
            {
                c.run(&["SET", "k", "v"]);
                assert_eq!(c.logged(words), ["DEL k"], "{words:?}");
                assert_eq!(c.run(&["EXISTS", "k"]), int(0));
            }
        });
    }
}

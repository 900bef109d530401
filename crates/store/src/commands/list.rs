//! List commands, as Redis's `t_list.c`: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE
//! LINDEX LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP.
//!
//! Every command reads a key's value through [`as_list`] (or [`as_list_mut`]), so a key of
//! another type answers WRONGTYPE in one place. A list stored under a key is never empty: a
//! command that removes the last element deletes the key, and one that would create an empty
//! list creates nothing. Commands that change a list in place keep the key's expiry.
//!
//! The cores that pop and push ([`pop_from`], [`push_to`], [`lmove`], [`mpop`]) work on a
//! [`KeyView`] and build no reply, so the blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
//! BLMPOP) serve a woken client with exactly the code the plain forms run.
//!
//! **What the AOF logs.** A pop from one of several keys is logged as the pop it turned out
//! to be, as Redis 7.0 propagates it: LMPOP and BLMPOP as `LPOP|RPOP key n` (n: what was
//! taken), BLPOP/BRPOP as `LPOP|RPOP key`, BLMOVE as LMOVE and BRPOPLPUSH as RPOPLPUSH. A
//! woken blocked client re-runs its command, so it logs the same way. Writes that change
//! nothing (a pop of 0 elements, LREM or LTRIM removing none, LINSERT without its pivot)
//! log nothing.
//!
//! Arguments are checked in the order Redis checks them, which decides which error a request
//! with several faults gets: LRANGE, LTRIM and LREM parse their integers before looking at
//! the key, LINDEX and LSET look at the key first. Read lookups (LLEN LRANGE LINDEX LPOS)
//! count keyspace hits and misses as `lookupKeyRead` does; write lookups are not counted.

use bytes::Bytes;
use resp::Frame;

use crate::blocking::parse_timeout;
use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::typed::{typed, typed_mut};
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::types::list::{Element, End, List};
use crate::value::{Entry, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("lpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::List, lpush),
    CommandSpec::new("rpush", -3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::List, rpush),
    CommandSpec::new("lpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::List, lpushx),
    CommandSpec::new("rpushx", -3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::List, rpushx),
    CommandSpec::new("lpop", -2, WRITE | FAST, (1, 1, 1), Group::List, lpop),
    CommandSpec::new("rpop", -2, WRITE | FAST, (1, 1, 1), Group::List, rpop),
    CommandSpec::new("llen", 2, READONLY | FAST, (1, 1, 1), Group::List, llen),
    CommandSpec::new("lrange", 4, READONLY, (1, 1, 1), Group::List, lrange),
    CommandSpec::new("lindex", 3, READONLY, (1, 1, 1), Group::List, lindex),
    CommandSpec::new("lset", 4, WRITE | DENYOOM, (1, 1, 1), Group::List, lset),
    CommandSpec::new("linsert", 5, WRITE | DENYOOM, (1, 1, 1), Group::List, linsert),
    CommandSpec::new("lrem", 4, WRITE, (1, 1, 1), Group::List, lrem),
    CommandSpec::new("ltrim", 4, WRITE, (1, 1, 1), Group::List, ltrim),
    CommandSpec::new("lpos", -3, READONLY, (1, 1, 1), Group::List, lpos),
    CommandSpec::new("lmove", 5, WRITE | DENYOOM, (1, 2, 1), Group::List, lmove_command),
    CommandSpec::new("rpoplpush", 3, WRITE | DENYOOM, (1, 2, 1), Group::List, rpoplpush),
    CommandSpec::new("lmpop", -4, WRITE | MOVABLEKEYS, (0, 0, 0), Group::List, lmpop),
    CommandSpec::new("blpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), Group::List, blpop),
    CommandSpec::new("brpop", -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), Group::List, brpop),
    CommandSpec::new("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), Group::List, blmove),
    CommandSpec::new("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, (1, 2, 1), Group::List, brpoplpush),
    CommandSpec::new("blmpop", -5, WRITE | BLOCKING | MOVABLEKEYS, (0, 0, 0), Group::List, blmpop),
];

// ---- Reaching the list at a key ---------------------------------------------------------

/// The list held by `entry`: `None` for a missing key, WRONGTYPE for another type.
fn as_list(entry: Option<&Entry>) -> Result<Option<&List>, Frame> {
    typed(entry)
}

/// [`as_list`] for changing the list in place.
fn as_list_mut(value: Option<&mut Value>) -> Result<Option<&mut List>, Frame> {
    typed_mut(value)
}

/// Deletes `key` if its list has become empty, keeping the no-empty-lists invariant;
/// true if it did.
fn delete_if_empty(kv: &mut dyn KeyView, db: usize, key: &[u8]) -> bool {
    if matches!(kv.get_mut(db, key), Some(Value::List(l)) if l.is_empty()) {
        kv.remove(db, key);
        return true;
    }
    false
}

/// The keyspace events of a push to `end` (Redis's `lpush`/`rpush`).
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// Records a pop's keyspace events as Redis's `listElementsRemoved` does: `lpop`/`rpop`,
/// then `del` if the pop emptied the list.
fn notify_pop(ctx: &mut Ctx<'_>, key: &[u8], end: End, emptied: bool) {
    let event = match end {
        End::Left => "lpop",
        End::Right => "rpop",
    };
    ctx.notify(class::LIST, event, key);
    if emptied {
        ctx.notify(class::GENERIC, "del", key);
    }
}

/// Runs a read-only command on the list at `key`, counting the lookup as Redis does.
fn read_list(ctx: &mut Ctx<'_>, key: &[u8], f: impl Fn(Option<&List>) -> CommandResult) -> CommandResult {
    let (hit, reply) = ctx.read_key(key, |kv, db| {
        let entry = kv.get(db, key);
        (entry.is_some(), as_list(entry).and_then(&f))
    });
    ctx.lookup(hit);
    reply
}

/// List elements as an array of bulk strings.
fn element_array<'a>(items: impl Iterator<Item = Element<'a>>) -> Frame {
    Frame::Array(items.map(|e| Frame::Bulk(e.to_bytes())).collect())
}

/// Popped elements as an array of bulk strings.
fn bulk_array(items: Vec<Bytes>) -> Frame {
    Frame::Array(items.into_iter().map(Frame::Bulk).collect())
}

/// A `LEFT`/`RIGHT` argument; `ERR syntax error` otherwise.
fn end_arg(word: &[u8]) -> Result<End, Frame> {
    End::parse(word).ok_or_else(error::syntax)
}

/// An integer argument read like Redis's `getRangeLongFromObjectOrReply` with a custom
/// message: anything that is not an integer in `min..` answers `msg`.
fn int_at_least(arg: &[u8], min: i64, msg: &'static str) -> Result<i64, Frame> {
    match crate::num::parse_i64(arg) {
        Some(n) if n >= min => Ok(n),
        _ => Err(Frame::error(msg)),
    }
}

/// An i64 count as a usize (counts beyond the address space mean "all").
fn to_count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Resolves a possibly negative `index` against `len`: `None` if it is outside the list.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if index < 0 { len + index } else { index };
    (0..len).contains(&i).then_some(i as usize)
}

/// The indexes LRANGE and LTRIM cover for `start..=stop` (negative counting from the end),
/// clamped to the list as Redis does; empty when they cover nothing.
fn clamp_range(start: i64, stop: i64, len: usize) -> std::ops::Range<usize> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return 0..0;
    }
    start as usize..(stop.min(len - 1) + 1) as usize
}

// ---- Cores shared with the blocking forms --------------------------------------------------

/// Pushes `values` one by one at `end` of the list at `key`, creating it unless
/// `only_existing` (LPUSHX/RPUSHX); returns the new length (0 when nothing was there to push
/// to). The list copies the values: they are usually slices of a connection's read buffer.
pub(crate) fn push_to(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    end: End,
    values: &[Bytes],
    only_existing: bool,
) -> Result<usize, Frame> {
    match as_list_mut(kv.get_mut(db, key))? {
        Some(list) => {
            for v in values {
                list.push(end, v);
            }
            Ok(list.len())
        }
        None if only_existing || values.is_empty() => Ok(0),
        None => {
            let mut list = List::new();
            for v in values {
                list.push(end, v);
            }
            let len = list.len();
            kv.insert(db, key.clone(), Entry::new(Value::List(Box::new(list))));
            Ok(len)
        }
    }
}

/// What [`pop_from`] took from a list.
pub(crate) struct Popped {
    /// The elements, in pop order.
    pub items: Vec<Bytes>,
    /// True if the pop emptied the list, deleting its key.
    pub emptied: bool,
}

/// Pops up to `count` elements from `end` of the list at `key`, in pop order, deleting the key
/// if that empties it. `None` if there is no such key (a stored list is never empty); no
/// items when `count` is 0.
pub(crate) fn pop_from(
    kv: &mut dyn KeyView,
    db: usize,
    key: &[u8],
    end: End,
    count: usize,
) -> Result<Option<Popped>, Frame> {
    let Some(list) = as_list_mut(kv.get_mut(db, key))? else {
        return Ok(None);
    };
    let n = count.min(list.len());
    let mut items = Vec::with_capacity(n);
    items.extend(std::iter::from_fn(|| list.pop(end)).take(n));
    let emptied = delete_if_empty(kv, db, key);
    Ok(Some(Popped { items, emptied }))
}

/// Moves one element from the `from` end of the list at `src` to the `to` end of the list at
/// `dst` (which may be `src`), creating `dst` if needed; returns it and whether that emptied
/// (deleted) `src`, or `None` if `src` does not exist. A `dst` of another type is WRONGTYPE
/// and nothing moves.
pub(crate) fn lmove(
    kv: &mut dyn KeyView,
    db: usize,
    src: &[u8],
    dst: &Bytes,
    from: End,
    to: End,
) -> Result<Option<(Bytes, bool)>, Frame> {
    if as_list(kv.get(db, src))?.is_none() {
        return Ok(None);
    }
    as_list(kv.get(db, dst))?;
    let Some(value) = as_list_mut(kv.get_mut(db, src))?.and_then(|l| l.pop(from)) else {
        return Ok(None);
    };
    // Pushed before the emptiness check: when `src` is `dst`, the popped list refills.
    match as_list_mut(kv.get_mut(db, dst))? {
        Some(list) => list.push_owned(to, value.clone()),
        None => {
            let list: List = std::iter::once(value.clone()).collect();
            kv.insert(db, dst.clone(), Entry::new(Value::List(Box::new(list))));
        }
    }
    let emptied = delete_if_empty(kv, db, src);
    Ok(Some((value, emptied)))
}

/// LMPOP's core: pops up to `count` elements from `end` of the first non-empty list among
/// `keys`; returns that key and what was popped, or `None` if every key is missing. A key of
/// another type met before a list is WRONGTYPE.
pub(crate) fn mpop(
    kv: &mut dyn KeyView,
    db: usize,
    keys: &[Bytes],
    end: End,
    count: usize,
) -> Result<Option<(Bytes, Popped)>, Frame> {
    for key in keys {
        if let Some(popped) = pop_from(kv, db, key, end, count)? {
            return Ok(Some((key.clone(), popped)));
        }
    }
    Ok(None)
}

/// The pop a multi-key or blocking pop is logged as: `LPOP|RPOP key [count]`.
fn pop_effect(key: &Bytes, end: End, count: Option<usize>) -> Vec<Bytes> {
    let name: &'static [u8] = match end {
        End::Left => b"LPOP",
        End::Right => b"RPOP",
    };
    let mut argv = vec![Bytes::from_static(name), key.clone()];
    argv.extend(count.map(|n| crate::num::i64_bytes(n as i64)));
    argv
}

/// LMPOP's reply (`[key, [elements]]`, or the null array when nothing was popped), once
/// the pop's events are recorded and it is logged as `LPOP|RPOP key n`.
fn mpop_reply(ctx: &mut Ctx<'_>, popped: Option<(Bytes, Popped)>, end: End) -> Frame {
    match popped {
        Some((key, popped)) => {
            notify_pop(ctx, &key, end, popped.emptied);
            ctx.propagate(pop_effect(&key, end, Some(popped.items.len())));
            Frame::Array(vec![Frame::Bulk(key), bulk_array(popped.items)])
        }
        None => Frame::NullArray,
    }
}

// ---- Push and pop --------------------------------------------------------------------------

fn lpush(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    push_generic(ctx, args, End::Left, false)
}

fn rpush(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    push_generic(ctx, args, End::Right, false)
}

fn lpushx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    push_generic(ctx, args, End::Left, true)
}

fn rpushx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    push_generic(ctx, args, End::Right, true)
}

/// The four push commands: `key element [element ...]`, replying with the new length.
fn push_generic(ctx: &mut Ctx<'_>, args: &Args, end: End, only_existing: bool) -> CommandResult {
    let key = args.bytes()?;
    let values = args.rest();
    let len = ctx.write_key(key, |kv, db| push_to(kv, db, key, end, values, only_existing))?;
    if len > 0 {
        ctx.notify(class::LIST, push_event(end), key);
    }
    Ok(Frame::Integer(len as i64))
}

fn lpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    pop_generic(ctx, args, End::Left, "lpop")
}

fn rpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    pop_generic(ctx, args, End::Right, "rpop")
}

/// LPOP and RPOP: `key [count]`. Without a count the reply is one element or null; with one
/// (even 0) it is an array, or the null array for a missing key.
fn pop_generic(ctx: &mut Ctx<'_>, args: &Args, end: End, cmd: &str) -> CommandResult {
    if args.remaining() > 2 {
        return Err(error::wrong_arity(cmd));
    }
    let key = args.bytes()?;
    let count = match args.next() {
        Some(arg) => Some(to_count(int_at_least(arg, 0, "ERR value is out of range, must be positive")?)),
        None => None,
    };
    let popped = ctx.write_key(key, |kv, db| pop_from(kv, db, key, end, count.unwrap_or(1)))?;
    match popped.as_ref() {
        Some(p) if !p.items.is_empty() => notify_pop(ctx, key, end, p.emptied),
        // A count of 0 takes nothing, although the view handed the list out.
        _ => ctx.propagate_nothing(),
    }
    Ok(match (count, popped) {
        (None, Some(mut p)) => p.items.pop().map(Frame::Bulk).unwrap_or(Frame::Null),
        (None, None) => Frame::Null,
        (Some(_), Some(p)) => bulk_array(p.items),
        (Some(_), None) => Frame::NullArray,
    })
}

// ---- Reading -------------------------------------------------------------------------------

fn llen(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_list(ctx, key, |l| Ok(Frame::Integer(l.map_or(0, List::len) as i64)))
}

fn lrange(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let start = args.i64()?;
    let stop = args.i64()?;
    read_list(ctx, key, |l| {
        Ok(match l {
            Some(l) => element_array(l.range(clamp_range(start, stop, l.len()))),
            None => Frame::Array(Vec::new()),
        })
    })
}

/// LINDEX looks the key up before reading the index, so a missing key answers null even
/// when the index is not a number.
fn lindex(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let index = args.bytes()?;
    read_list(ctx, key, |l| {
        let Some(l) = l else { return Ok(Frame::Null) };
        let index = crate::num::parse_i64(index).ok_or_else(error::not_integer)?;
        Ok(resolve_index(index, l.len()).and_then(|i| l.get(i)).map_or(Frame::Null, |e| Frame::Bulk(e.to_bytes())))
    })
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let element = args.bytes()?;
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    while let Some(opt) = args.next() {
        // Every option takes a value; one without it is a syntax error, as in Redis.
        let Some(value) = args.next() else { return Err(error::syntax()) };
        if opt.eq_ignore_ascii_case(b"RANK") {
            rank = crate::num::parse_i64(value).ok_or_else(error::not_integer)?;
            if rank == 0 {
                return Err(Frame::error(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if opt.eq_ignore_ascii_case(b"COUNT") {
            count = Some(int_at_least(value, 0, "ERR COUNT can't be negative")?);
        } else if opt.eq_ignore_ascii_case(b"MAXLEN") {
            maxlen = int_at_least(value, 0, "ERR MAXLEN can't be negative")?;
        } else {
            return Err(error::syntax());
        }
    }
    read_list(ctx, key, |l| {
        let matches = l.map(|l| positions(l, element, rank, count, maxlen)).unwrap_or_default();
        Ok(match count {
            Some(_) => Frame::Array(matches.into_iter().map(|i| Frame::Integer(i as i64)).collect()),
            None => matches.first().map_or(Frame::Null, |&i| Frame::Integer(i as i64)),
        })
    })
}

/// The indexes LPOS reports, following Redis's loop arithmetic exactly: a negative `rank`
/// searches from the tail; matches before the `rank`-th are skipped; at most `count` are
/// returned (one without COUNT, all with COUNT 0); only `maxlen` elements are compared (all
/// for 0). `RANK -9223372036854775808` negates to itself in C, so every match counts and
/// COUNT never stops the search; the wrapping arithmetic reproduces that.
fn positions(list: &List, element: &[u8], rank: i64, count: Option<i64>, maxlen: i64) -> Vec<usize> {
    let from_tail = rank < 0;
    let rank = if from_tail { rank.wrapping_neg() } else { rank };
    let len = list.len();
    let limit = if maxlen == 0 { len } else { to_count(maxlen).min(len) };
    let candidates: Box<dyn Iterator<Item = (usize, Element<'_>)>> = if from_tail {
        Box::new(list.iter().enumerate().rev().take(limit))
    } else {
        Box::new(list.iter().enumerate().take(limit))
    };
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    for (index, item) in candidates {
        if *item != *element {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(index);
        match count {
            None => break,
            Some(count) if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count => break,
            Some(_) => {}
        }
    }
    found
}

// ---- Changing in place ---------------------------------------------------------------------

/// LSET looks the key up before reading the index, like LINDEX.
fn lset(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let index = args.bytes()?;
    let value = args.bytes()?;
    ctx.write_key(key, |kv, db| {
        let Some(l) = as_list_mut(kv.get_mut(db, key))? else { return Err(error::no_such_key()) };
        let index = crate::num::parse_i64(index).ok_or_else(error::not_integer)?;
        match resolve_index(index, l.len()) {
            Some(i) if l.set(i, value) => Ok(()),
            _ => Err(Frame::error("ERR index out of range")),
        }
    })?;
    ctx.notify(class::LIST, "lset", key);
    Ok(Frame::ok())
}

/// LINSERT key BEFORE|AFTER pivot element: the new length, 0 for a missing key, -1 when the
/// pivot is not in the list.
fn linsert(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let place = args.bytes()?;
    let after = if place.eq_ignore_ascii_case(b"after") {
        true
    } else if place.eq_ignore_ascii_case(b"before") {
        false
    } else {
        return Err(error::syntax());
    };
    let pivot = args.bytes()?;
    let value = args.bytes()?;
    let len = ctx.write_key(key, |kv, db| {
        let Some(l) = as_list_mut(kv.get_mut(db, key))? else { return Ok(0) };
        let Some(at) = l.position(pivot) else { return Ok(-1) };
        l.insert(at + after as usize, value);
        Ok(l.len() as i64)
    })?;
    if len > 0 {
        ctx.notify(class::LIST, "linsert", key);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(len))
}

/// LREM key count element: removes `count` matches from the head (negative: from the tail,
/// 0: all of them); replies how many went.
fn lrem(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let count = args.i64()?;
    let element = args.bytes()?;
    let from = if count < 0 { End::Right } else { End::Left };
    let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
    let (removed, emptied) = ctx.write_key(key, |kv, db| {
        let Some(l) = as_list_mut(kv.get_mut(db, key))? else { return Ok((0, false)) };
        let removed = l.remove_matching(element, limit, from);
        Ok((removed, delete_if_empty(kv, db, key)))
    })?;
    if removed > 0 {
        ctx.notify(class::LIST, "lrem", key);
        if emptied {
            ctx.notify(class::GENERIC, "del", key);
        }
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(removed as i64))
}

fn ltrim(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let start = args.i64()?;
    let stop = args.i64()?;
    // `None`: no list there; otherwise whether the trim removed anything, and emptied it.
    let trimmed = ctx.write_key(key, |kv, db| {
        let Some(l) = as_list_mut(kv.get_mut(db, key))? else { return Ok(None) };
        let before = l.len();
        l.trim(clamp_range(start, stop, before));
        let removed = l.len() < before;
        Ok(Some((removed, delete_if_empty(kv, db, key))))
    })?;
    // Redis notifies `ltrim` even when the range keeps every element, but logs only a change.
    if let Some((removed, emptied)) = trimmed {
        ctx.notify(class::LIST, "ltrim", key);
        if emptied {
            ctx.notify(class::GENERIC, "del", key);
        }
        if !removed {
            ctx.propagate_nothing();
        }
    }
    Ok(Frame::ok())
}

// ---- Between lists -------------------------------------------------------------------------

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove_command(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let from = end_arg(args.bytes()?)?;
    let to = end_arg(args.bytes()?)?;
    lmove_generic(ctx, src.clone(), dst.clone(), from, to)
}

/// RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT.
fn rpoplpush(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    lmove_generic(ctx, src.clone(), dst.clone(), End::Right, End::Left)
}

fn lmove_generic(ctx: &mut Ctx<'_>, src: Bytes, dst: Bytes, from: End, to: End) -> CommandResult {
    let keys = [src.clone(), dst.clone()];
    let moved = ctx.write_keys(&keys, |kv, db| lmove(kv, db, &src, &dst, from, to))?;
    Ok(moved.map_or(Frame::Null, |(value, emptied)| {
        notify_move(ctx, &src, &dst, from, to, emptied);
        Frame::Bulk(value)
    }))
}

/// Records LMOVE's events in Redis's order: the push to `dst`, then the pop from `src`
/// (and its `del` if that emptied it).
fn notify_move(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], from: End, to: End, emptied: bool) {
    ctx.notify(class::LIST, push_event(to), dst);
    notify_pop(ctx, src, from, emptied);
}

/// LMPOP's and BLMPOP's arguments after the timeout: `numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
fn mpop_args(args: &Args) -> Result<(Vec<Bytes>, End, usize), Frame> {
    let numkeys = int_at_least(args.bytes()?, 1, "ERR numkeys should be greater than 0")?;
    // The keys, then at least the direction.
    if to_count(numkeys) >= args.remaining() {
        return Err(error::syntax());
    }
    let keys: Vec<Bytes> = args.take(numkeys as usize).to_vec();
    let end = end_arg(args.bytes()?)?;
    let mut count = None;
    while let Some(opt) = args.next() {
        if count.is_none() && opt.eq_ignore_ascii_case(b"COUNT") && !args.is_empty() {
            count = Some(int_at_least(args.bytes()?, 1, "ERR count should be greater than 0")?);
        } else {
            return Err(error::syntax());
        }
    }
    let count = to_count(count.unwrap_or(1));
    Ok((keys, end, count))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let (keys, end, count) = mpop_args(args)?;
    let popped = ctx.write_keys(&keys, |kv, db| mpop(kv, db, &keys, end, count))?;
    Ok(mpop_reply(ctx, popped, end))
}

// ---- Blocking forms --------------------------------------------------------------------------
//
// Each tries its non-blocking core once; when every key is empty it asks to block (see
// `crate::blocking`) and is re-run, unchanged, when one of its keys may have become ready.

fn blpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    bpop(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    bpop(ctx, args, End::Right)
}

/// BLPOP/BRPOP `key [key ...] timeout`: `[key, element]` from the first non-empty list.
fn bpop(ctx: &mut Ctx<'_>, args: &Args, end: End) -> CommandResult {
    let mut keys: Vec<Bytes> = args.rest().to_vec();
    let timeout = parse_timeout(&keys.pop().unwrap_or_default())?;
    match ctx.write_keys(&keys, |kv, db| mpop(kv, db, &keys, end, 1))? {
        Some((key, mut popped)) => {
            notify_pop(ctx, &key, end, popped.emptied);
            ctx.propagate(pop_effect(&key, end, None));
            Ok(Frame::Array(vec![Frame::Bulk(key), Frame::Bulk(popped.items.remove(0))]))
        }
        None => Ok(ctx.block(keys, timeout, Frame::NullArray)),
    }
}

/// BLMOVE `source destination LEFT|RIGHT LEFT|RIGHT timeout`, logged as LMOVE.
fn blmove(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let (from_word, to_word) = (args.bytes()?, args.bytes()?);
    let (from, to) = (end_arg(from_word)?, end_arg(to_word)?);
    let timeout = parse_timeout(args.bytes()?)?;
    let logged_as = vec![Bytes::from_static(b"LMOVE"), src.clone(), dst.clone(), from_word.clone(), to_word.clone()];
    bmove(ctx, src.clone(), dst.clone(), from, to, timeout, logged_as)
}

/// BRPOPLPUSH `source destination timeout`: BLMOVE RIGHT LEFT, logged as RPOPLPUSH.
fn brpoplpush(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let timeout = parse_timeout(args.bytes()?)?;
    let logged_as = vec![Bytes::from_static(b"RPOPLPUSH"), src.clone(), dst.clone()];
    bmove(ctx, src.clone(), dst.clone(), End::Right, End::Left, timeout, logged_as)
}

/// The blocking move; `logged_as` is the non-blocking command it is logged as once it moves.
fn bmove(
    ctx: &mut Ctx<'_>,
    src: Bytes,
    dst: Bytes,
    from: End,
    to: End,
    timeout: std::time::Duration,
    logged_as: Vec<Bytes>,
) -> CommandResult {
    let keys = [src.clone(), dst.clone()];
    match ctx.write_keys(&keys, |kv, db| lmove(kv, db, &src, &dst, from, to))? {
        Some((value, emptied)) => {
            notify_move(ctx, &src, &dst, from, to, emptied);
            ctx.propagate(logged_as);
            Ok(Frame::Bulk(value))
        }
        None => Ok(ctx.block(vec![src], timeout, Frame::Null)),
    }
}

/// BLMPOP `timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
fn blmpop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let timeout = parse_timeout(args.bytes()?)?;
    let (keys, end, count) = mpop_args(args)?;
    match ctx.write_keys(&keys, |kv, db| mpop(kv, db, &keys, end, count))? {
        Some(popped) => Ok(mpop_reply(ctx, Some(popped), end)),
        None => Ok(ctx.block(keys, timeout, Frame::NullArray)),
    }
}

/// Test support for the blocking pops of lists and sorted sets: blocks a new client of
/// `c`'s engine on `blocking`, runs `push` from `c`, serves the blocked client the way a
/// server does after a wake-up ([`crate::session::Session::retry_blocked`]), and returns
/// what serving it logged, in [`crate::testing::TestClient::logged`]'s form.
#[cfg(test)]
pub(crate) fn logged_when_served_later(
    c: &mut crate::testing::TestClient,
    blocking: &[&str],
    push: &[&str],
) -> Vec<String> {
    use crate::blocking::BlockWaker;
    use crate::session::{Flow, Session};

    struct Unwoken;
    impl BlockWaker for Unwoken {
        fn wake(&self, _: u64) {}
    }
    let waiter = crate::testing::TestClient::on(c.engine.clone());
    let mut session = Session::new(waiter.client, usize::MAX, std::sync::Arc::new(Unwoken));
    session.query.extend_from_slice(format!("*{}\r\n", blocking.len()).as_bytes());
    for word in blocking {
        session.query.extend_from_slice(format!("${}\r\n{word}\r\n", word.len()).as_bytes());
    }
    assert_eq!(session.execute_requests(&c.engine, usize::MAX), Flow::Blocked, "{blocking:?} did not block");
    c.run(push);
    c.engine.persist.capture();
    assert!(session.retry_blocked(&c.engine), "{blocking:?} was not served by {push:?}");
    let words = |argv: &[Bytes]| argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>();
    let effects = c.engine.persist.take_captured();
    effects
        .iter()
        .map(|e| match e.db {
            0 => words(&e.argv).join(" "),
            db => format!("@{db} {}", words(&e.argv).join(" ")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::logged_when_served_later;
    use crate::testing::bulks;
    use crate::testing::{each_store, WRONGTYPE};
    use std::sync::atomic::Ordering;

    use crate::testing::{arr, bulk, err, int, ok, TestClient};
    use resp::Frame;

    fn ints(items: &[i64]) -> Frame {
        arr(items.iter().map(|&n| int(n)).collect())
    }

    fn all(c: &mut TestClient, key: &str) -> Frame {
        c.run(&["LRANGE", key, "0", "-1"])
    }

    fn exists(c: &mut TestClient, key: &str) -> Frame {
        c.run(&["EXISTS", key])
    }

    // ---- Push ----

    #[test]
    fn lpush_prepends_each_element_in_turn() {
        each_store(|c| {
            assert_eq!(c.run(&["LPUSH", "l", "a", "b", "c"]), int(3));
            assert_eq!(c.run(&["LPUSH", "l", "d"]), int(4));
            assert_eq!(all(c, "l"), bulks(&["d", "c", "b", "a"]));
        });
    }

    #[test]
    fn rpush_appends_each_element_in_turn() {
        each_store(|c| {
            assert_eq!(c.run(&["RPUSH", "l", "a", "b"]), int(2));
            assert_eq!(c.run(&["RPUSH", "l", "c"]), int(3));
            assert_eq!(all(c, "l"), bulks(&["a", "b", "c"]));
        });
    }

    #[test]
    fn push_keeps_binary_elements_exactly() {
        each_store(|c| {
            assert_eq!(c.run_bytes(&[b"RPUSH", b"l", b"a\x00b\r\n", b"", b"\xff"]), int(3));
            assert_eq!(all(c, "l"), arr(vec![bulk("a\x00b\r\n"), bulk(""), Frame::Bulk((&b"\xff"[..]).into())]));
        });
    }

    #[test]
    fn pushx_only_pushes_to_an_existing_list() {
        each_store(|c| {
            assert_eq!(c.run(&["LPUSHX", "l", "a"]), int(0));
            assert_eq!(c.run(&["RPUSHX", "l", "a", "b"]), int(0));
            assert_eq!(exists(c, "l"), int(0));
            c.run(&["RPUSH", "l", "x"]);
            assert_eq!(c.run(&["LPUSHX", "l", "a", "b"]), int(3));
            assert_eq!(c.run(&["RPUSHX", "l", "y", "z"]), int(5));
            assert_eq!(all(c, "l"), bulks(&["b", "a", "x", "y", "z"]));
        });
    }

    #[test]
    fn push_to_a_string_is_wrongtype() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            for cmd in ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"] {
                assert_eq!(c.run(&[cmd, "s", "a"]), err(WRONGTYPE), "{cmd}");
            }
            assert_eq!(c.run(&["GET", "s"]), bulk("x"));
        });
    }

    #[test]
    fn push_keeps_the_expiry() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            c.run(&["EXPIRE", "l", "100"]);
            c.run(&["RPUSH", "l", "b"]);
            assert_eq!(c.run(&["TTL", "l"]), int(100));
        });
    }

    #[test]
    fn a_list_has_type_list() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["TYPE", "l"]), Frame::simple("list"));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
        });
    }

    #[test]
    fn string_commands_on_a_list_are_wrongtype() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["GET", "l"]), err(WRONGTYPE));
            assert_eq!(c.run(&["APPEND", "l", "x"]), err(WRONGTYPE));
            assert_eq!(c.run(&["INCR", "l"]), err(WRONGTYPE));
        });
    }

    // ---- Pop ----

    #[test]
    fn pop_without_count_returns_one_element_or_null() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LPOP", "l"]), bulk("a"));
            assert_eq!(c.run(&["RPOP", "l"]), bulk("c"));
            assert_eq!(c.run(&["LPOP", "nokey"]), Frame::Null);
            assert_eq!(c.run(&["RPOP", "nokey"]), Frame::Null);
        });
    }

    #[test]
    fn pop_with_count_returns_an_array_in_pop_order() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c", "d", "e"]);
            assert_eq!(c.run(&["LPOP", "l", "2"]), bulks(&["a", "b"]));
            assert_eq!(c.run(&["RPOP", "l", "2"]), bulks(&["e", "d"]));
            assert_eq!(c.run(&["RPOP", "l", "10"]), bulks(&["c"]));
        });
    }

    #[test]
    fn pop_with_count_of_a_missing_key_is_the_null_array() {
        each_store(|c| {
            assert_eq!(c.run(&["LPOP", "nokey", "1"]), Frame::NullArray);
            assert_eq!(c.run(&["RPOP", "nokey", "0"]), Frame::NullArray);
        });
    }

    #[test]
    fn pop_with_count_zero_is_an_empty_array() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LPOP", "l", "0"]), arr(vec![]));
            assert_eq!(all(c, "l"), bulks(&["a"]));
        });
    }

    #[test]
    fn pop_rejects_a_negative_or_non_integer_count() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            for count in ["-1", "abc", "1.5"] {
                assert_eq!(c.run(&["LPOP", "l", count]), err("ERR value is out of range, must be positive"));
            }
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["RPOP", "s", "abc"]), err("ERR value is out of range, must be positive"));
        });
    }

    #[test]
    fn pop_with_two_counts_is_an_arity_error() {
        each_store(|c| {
            assert_eq!(c.run(&["LPOP", "l", "1", "2"]), err("ERR wrong number of arguments for 'lpop' command"));
            assert_eq!(c.run(&["RPOP", "l", "1", "2"]), err("ERR wrong number of arguments for 'rpop' command"));
        });
    }

    #[test]
    fn pop_of_a_string_is_wrongtype() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LPOP", "s"]), err(WRONGTYPE));
            assert_eq!(c.run(&["RPOP", "s", "0"]), err(WRONGTYPE));
        });
    }

    #[test]
    fn popping_the_last_element_deletes_the_key() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b"]);
            c.run(&["EXPIRE", "l", "100"]);
            assert_eq!(c.run(&["LPOP", "l"]), bulk("a"));
            assert_eq!(c.run(&["TTL", "l"]), int(100));
            assert_eq!(c.run(&["RPOP", "l"]), bulk("b"));
            assert_eq!(exists(c, "l"), int(0));
            c.run(&["RPUSH", "m", "a", "b"]);
            assert_eq!(c.run(&["RPOP", "m", "5"]), bulks(&["b", "a"]));
            assert_eq!(exists(c, "m"), int(0));
        });
    }

    // ---- LLEN LRANGE LINDEX ----

    #[test]
    fn llen_counts_elements() {
        each_store(|c| {
            assert_eq!(c.run(&["LLEN", "nokey"]), int(0));
            c.run(&["RPUSH", "l", "a", "b"]);
            assert_eq!(c.run(&["LLEN", "l"]), int(2));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LLEN", "s"]), err(WRONGTYPE));
        });
    }

    #[test]
    fn lrange_takes_inclusive_and_negative_indexes() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c", "d", "e"]);
            for (start, stop, want) in [
                ("0", "-1", &["a", "b", "c", "d", "e"][..]),
                ("1", "2", &["b", "c"]),
                ("-2", "-1", &["d", "e"]),
                ("-100", "1", &["a", "b"]),
                ("4", "100", &["e"]),
                ("5", "100", &[]),
                ("3", "1", &[]),
                ("-2", "-4", &[]),
                ("-9223372036854775808", "9223372036854775807", &["a", "b", "c", "d", "e"]),
            ] {
                assert_eq!(c.run(&["LRANGE", "l", start, stop]), bulks(want), "{start} {stop}");
            }
        });
    }

    #[test]
    fn lrange_parses_indexes_before_looking_at_the_key() {
        each_store(|c| {
            assert_eq!(c.run(&["LRANGE", "nokey", "0", "-1"]), arr(vec![]));
            assert_eq!(c.run(&["LRANGE", "nokey", "x", "0"]), err("ERR value is not an integer or out of range"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LRANGE", "s", "0", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["LRANGE", "s", "0", "1"]), err(WRONGTYPE));
        });
    }

    #[test]
    fn lindex_takes_negative_indexes() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LINDEX", "l", "0"]), bulk("a"));
            assert_eq!(c.run(&["LINDEX", "l", "-1"]), bulk("c"));
            assert_eq!(c.run(&["LINDEX", "l", "3"]), Frame::Null);
            assert_eq!(c.run(&["LINDEX", "l", "-4"]), Frame::Null);
            assert_eq!(c.run(&["LINDEX", "l", "-9223372036854775808"]), Frame::Null);
            assert_eq!(c.run(&["LINDEX", "l", "9223372036854775807"]), Frame::Null);
        });
    }

    #[test]
    fn lindex_looks_at_the_key_before_the_index() {
        each_store(|c| {
            assert_eq!(c.run(&["LINDEX", "nokey", "abc"]), Frame::Null);
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LINDEX", "s", "abc"]), err(WRONGTYPE));
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LINDEX", "l", "abc"]), err("ERR value is not an integer or out of range"));
        });
    }

    /// Keyspace (hits, misses) so far.
    fn lookups(c: &TestClient) -> (u64, u64) {
        let stats = &c.engine.stats;
        (stats.keyspace_hits.load(Ordering::Relaxed), stats.keyspace_misses.load(Ordering::Relaxed))
    }

    #[test]
    fn reads_count_keyspace_hits_and_misses_but_writes_do_not() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a"]);
            let before = lookups(c);
            c.run(&["LLEN", "l"]);
            c.run(&["LRANGE", "nokey", "0", "1"]);
            c.run(&["LINDEX", "l", "0"]);
            c.run(&["LPOS", "nokey", "a"]);
            c.run(&["RPUSH", "nokey2", "a"]);
            c.run(&["LPOP", "l"]);
            let after = lookups(c);
            assert_eq!((after.0 - before.0, after.1 - before.1), (2, 2));
        });
    }

    // ---- LSET LINSERT LREM LTRIM ----

    #[test]
    fn lset_replaces_an_element() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LSET", "l", "0", "x"]), ok());
            assert_eq!(c.run(&["LSET", "l", "-1", "z"]), ok());
            assert_eq!(all(c, "l"), bulks(&["x", "b", "z"]));
        });
    }

    #[test]
    fn lset_outside_the_list_is_index_out_of_range() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LSET", "l", "3", "x"]), err("ERR index out of range"));
            assert_eq!(c.run(&["LSET", "l", "-4", "x"]), err("ERR index out of range"));
            assert_eq!(all(c, "l"), bulks(&["a", "b", "c"]));
        });
    }

    #[test]
    fn lset_looks_at_the_key_before_the_index() {
        each_store(|c| {
            assert_eq!(c.run(&["LSET", "nokey", "0", "x"]), err("ERR no such key"));
            assert_eq!(c.run(&["LSET", "nokey", "abc", "x"]), err("ERR no such key"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LSET", "s", "abc", "x"]), err(WRONGTYPE));
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LSET", "l", "abc", "x"]), err("ERR value is not an integer or out of range"));
        });
    }

    #[test]
    fn linsert_places_the_element_next_to_the_first_pivot() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a"]);
            assert_eq!(c.run(&["LINSERT", "l", "BEFORE", "a", "x"]), int(4));
            assert_eq!(c.run(&["LINSERT", "l", "after", "a", "y"]), int(5));
            assert_eq!(c.run(&["LINSERT", "l", "After", "b", "z"]), int(6));
            assert_eq!(all(c, "l"), bulks(&["x", "a", "y", "b", "z", "a"]));
        });
    }

    #[test]
    fn linsert_without_the_pivot_or_the_key_changes_nothing() {
        each_store(|c| {
            assert_eq!(c.run(&["LINSERT", "nokey", "BEFORE", "a", "x"]), int(0));
            assert_eq!(exists(c, "nokey"), int(0));
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LINSERT", "l", "BEFORE", "zz", "x"]), int(-1));
            assert_eq!(all(c, "l"), bulks(&["a"]));
        });
    }

    #[test]
    fn linsert_checks_the_position_word_first() {
        each_store(|c| {
            assert_eq!(c.run(&["LINSERT", "nokey", "MIDDLE", "a", "x"]), err("ERR syntax error"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LINSERT", "s", "MIDDLE", "a", "x"]), err("ERR syntax error"));
            assert_eq!(c.run(&["LINSERT", "s", "BEFORE", "a", "x"]), err(WRONGTYPE));
        });
    }

    #[test]
    fn lrem_removes_from_the_head_the_tail_or_everywhere() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a", "a"]);
            assert_eq!(c.run(&["LREM", "l", "1", "a"]), int(1));
            assert_eq!(all(c, "l"), bulks(&["b", "a", "c", "a", "a"]));
            assert_eq!(c.run(&["LREM", "l", "-2", "a"]), int(2));
            assert_eq!(all(c, "l"), bulks(&["b", "a", "c"]));
            assert_eq!(c.run(&["RPUSH", "l", "a"]), int(4));
            assert_eq!(c.run(&["LREM", "l", "0", "a"]), int(2));
            assert_eq!(all(c, "l"), bulks(&["b", "c"]));
            assert_eq!(c.run(&["LREM", "l", "0", "zz"]), int(0));
        });
    }

    #[test]
    fn lrem_with_the_most_negative_count_removes_every_match() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a"]);
            assert_eq!(c.run(&["LREM", "l", "-9223372036854775808", "a"]), int(2));
            assert_eq!(all(c, "l"), bulks(&["b"]));
        });
    }

    #[test]
    fn lrem_of_every_element_deletes_the_key() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "a"]);
            assert_eq!(c.run(&["LREM", "l", "0", "a"]), int(2));
            assert_eq!(exists(c, "l"), int(0));
        });
    }

    #[test]
    fn lrem_parses_the_count_before_looking_at_the_key() {
        each_store(|c| {
            assert_eq!(c.run(&["LREM", "nokey", "0", "a"]), int(0));
            assert_eq!(c.run(&["LREM", "nokey", "x", "a"]), err("ERR value is not an integer or out of range"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LREM", "s", "0", "a"]), err(WRONGTYPE));
        });
    }

    #[test]
    fn ltrim_keeps_the_range() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c", "d", "e"]);
            assert_eq!(c.run(&["LTRIM", "l", "1", "-2"]), ok());
            assert_eq!(all(c, "l"), bulks(&["b", "c", "d"]));
            assert_eq!(c.run(&["LTRIM", "l", "-9223372036854775808", "9223372036854775807"]), ok());
            assert_eq!(all(c, "l"), bulks(&["b", "c", "d"]));
            assert_eq!(c.run(&["LTRIM", "l", "-2", "100"]), ok());
            assert_eq!(all(c, "l"), bulks(&["c", "d"]));
        });
    }

    #[test]
    fn ltrim_to_an_empty_range_deletes_the_key() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b"]);
            assert_eq!(c.run(&["LTRIM", "l", "5", "1"]), ok());
            assert_eq!(exists(c, "l"), int(0));
            c.run(&["RPUSH", "l", "a", "b"]);
            assert_eq!(c.run(&["LTRIM", "l", "2", "10"]), ok());
            assert_eq!(exists(c, "l"), int(0));
        });
    }

    #[test]
    fn ltrim_parses_indexes_before_looking_at_the_key() {
        each_store(|c| {
            assert_eq!(c.run(&["LTRIM", "nokey", "0", "1"]), ok());
            assert_eq!(c.run(&["LTRIM", "nokey", "x", "1"]), err("ERR value is not an integer or out of range"));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LTRIM", "s", "0", "1"]), err(WRONGTYPE));
        });
    }

    // ---- LPOS ----

    #[test]
    fn lpos_finds_the_first_match_or_null() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
            assert_eq!(c.run(&["LPOS", "l", "a"]), int(0));
            assert_eq!(c.run(&["LPOS", "l", "c"]), int(3));
            assert_eq!(c.run(&["LPOS", "l", "z"]), Frame::Null);
            assert_eq!(c.run(&["LPOS", "nokey", "a"]), Frame::Null);
        });
    }

    #[test]
    fn lpos_rank_skips_matches_and_negative_rank_searches_from_the_tail() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "2"]), int(2));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-1"]), int(4));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-3"]), int(0));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "4"]), Frame::Null);
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "9223372036854775807"]), Frame::Null);
        });
    }

    #[test]
    fn lpos_count_returns_an_array_of_matches() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
            assert_eq!(c.run(&["LPOS", "l", "a", "COUNT", "0"]), ints(&[0, 2, 4]));
            assert_eq!(c.run(&["LPOS", "l", "a", "COUNT", "2"]), ints(&[0, 2]));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "2", "COUNT", "0"]), ints(&[2, 4]));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-1", "COUNT", "2"]), ints(&[4, 2]));
            assert_eq!(c.run(&["LPOS", "l", "z", "COUNT", "0"]), arr(vec![]));
            assert_eq!(c.run(&["LPOS", "nokey", "a", "COUNT", "1"]), arr(vec![]));
        });
    }

    #[test]
    fn lpos_maxlen_limits_the_elements_compared() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
            assert_eq!(c.run(&["LPOS", "l", "a", "MAXLEN", "2", "COUNT", "0"]), ints(&[0]));
            assert_eq!(c.run(&["LPOS", "l", "c", "MAXLEN", "3"]), Frame::Null);
            assert_eq!(c.run(&["LPOS", "l", "c", "MAXLEN", "0"]), int(3));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "1", "COUNT", "0"]), ints(&[4]));
        });
    }

    #[test]
    fn lpos_most_negative_rank_behaves_like_redis() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-9223372036854775808"]), int(4));
            assert_eq!(c.run(&["LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "1"]), ints(&[4, 2, 0]));
        });
    }

    #[test]
    fn lpos_rejects_bad_options_before_looking_at_the_key() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            assert_eq!(
                c.run(&["LPOS", "s", "a", "RANK", "0"]),
                err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
            );
            assert_eq!(c.run(&["LPOS", "s", "a", "RANK", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["LPOS", "s", "a", "COUNT", "-1"]), err("ERR COUNT can't be negative"));
            assert_eq!(c.run(&["LPOS", "s", "a", "COUNT", "x"]), err("ERR COUNT can't be negative"));
            assert_eq!(c.run(&["LPOS", "s", "a", "MAXLEN", "-1"]), err("ERR MAXLEN can't be negative"));
            assert_eq!(c.run(&["LPOS", "s", "a", "RANK"]), err("ERR syntax error"));
            assert_eq!(c.run(&["LPOS", "s", "a", "FOO", "1"]), err("ERR syntax error"));
            assert_eq!(c.run(&["LPOS", "s", "a"]), err(WRONGTYPE));
        });
    }

    // ---- LMOVE RPOPLPUSH ----

    #[test]
    fn lmove_moves_between_the_given_ends() {
        each_store(|c| {
            c.run(&["RPUSH", "src", "a", "b", "c"]);
            c.run(&["RPUSH", "dst", "x"]);
            assert_eq!(c.run(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), bulk("a"));
            assert_eq!(c.run(&["LMOVE", "src", "dst", "right", "left"]), bulk("c"));
            assert_eq!(all(c, "src"), bulks(&["b"]));
            assert_eq!(all(c, "dst"), bulks(&["c", "x", "a"]));
        });
    }

    #[test]
    fn lmove_creates_the_destination_and_deletes_an_emptied_source() {
        each_store(|c| {
            c.run(&["RPUSH", "src", "a"]);
            assert_eq!(c.run(&["LMOVE", "src", "dst", "LEFT", "LEFT"]), bulk("a"));
            assert_eq!(exists(c, "src"), int(0));
            assert_eq!(all(c, "dst"), bulks(&["a"]));
        });
    }

    #[test]
    fn lmove_onto_the_same_list_rotates_it() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LMOVE", "l", "l", "LEFT", "RIGHT"]), bulk("a"));
            assert_eq!(all(c, "l"), bulks(&["b", "c", "a"]));
            c.run(&["RPUSH", "one", "x"]);
            assert_eq!(c.run(&["LMOVE", "one", "one", "RIGHT", "LEFT"]), bulk("x"));
            assert_eq!(all(c, "one"), bulks(&["x"]));
        });
    }

    #[test]
    fn lmove_of_a_missing_source_is_null() {
        each_store(|c| {
            assert_eq!(c.run(&["LMOVE", "nokey", "dst", "LEFT", "RIGHT"]), Frame::Null);
            assert_eq!(c.run(&["RPOPLPUSH", "nokey", "dst"]), Frame::Null);
            assert_eq!(exists(c, "dst"), int(0));
            c.run(&["SET", "s", "x"]);
            assert_eq!(c.run(&["LMOVE", "nokey", "s", "LEFT", "RIGHT"]), Frame::Null);
        });
    }

    #[test]
    fn lmove_with_a_wrong_type_moves_nothing() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LMOVE", "l", "s", "LEFT", "RIGHT"]), err(WRONGTYPE));
            assert_eq!(c.run(&["LMOVE", "s", "l", "LEFT", "RIGHT"]), err(WRONGTYPE));
            assert_eq!(c.run(&["RPOPLPUSH", "l", "s"]), err(WRONGTYPE));
            assert_eq!(all(c, "l"), bulks(&["a"]));
        });
    }

    #[test]
    fn lmove_checks_the_directions_first() {
        each_store(|c| {
            assert_eq!(c.run(&["LMOVE", "nokey", "dst", "UP", "RIGHT"]), err("ERR syntax error"));
            assert_eq!(c.run(&["LMOVE", "nokey", "dst", "LEFT", "DOWN"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn lmove_keeps_the_destination_expiry() {
        each_store(|c| {
            c.run(&["RPUSH", "src", "a", "b"]);
            c.run(&["RPUSH", "dst", "x"]);
            c.run(&["EXPIRE", "dst", "100"]);
            c.run(&["LMOVE", "src", "dst", "LEFT", "LEFT"]);
            assert_eq!(c.run(&["TTL", "dst"]), int(100));
        });
    }

    #[test]
    fn rpoplpush_moves_the_tail_to_the_head() {
        each_store(|c| {
            c.run(&["RPUSH", "src", "a", "b"]);
            c.run(&["RPUSH", "dst", "x"]);
            assert_eq!(c.run(&["RPOPLPUSH", "src", "dst"]), bulk("b"));
            assert_eq!(all(c, "dst"), bulks(&["b", "x"]));
            assert_eq!(c.run(&["RPOPLPUSH", "src", "src"]), bulk("a"));
            assert_eq!(all(c, "src"), bulks(&["a"]));
        });
    }

    // ---- LMPOP ----

    #[test]
    fn lmpop_pops_from_the_first_non_empty_list() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.run(&["LMPOP", "2", "nokey", "l", "LEFT"]), arr(vec![bulk("l"), bulks(&["a"])]));
            assert_eq!(
                c.run(&["LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "10"]),
                arr(vec![bulk("l"), bulks(&["c", "b"])])
            );
            assert_eq!(exists(c, "l"), int(0));
        });
    }

    #[test]
    fn lmpop_without_any_list_is_the_null_array() {
        each_store(|c| {
            assert_eq!(c.run(&["LMPOP", "2", "a", "b", "LEFT"]), Frame::NullArray);
        });
    }

    #[test]
    fn lmpop_stops_at_a_wrong_type_before_a_list() {
        each_store(|c| {
            c.run(&["SET", "s", "x"]);
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.run(&["LMPOP", "2", "s", "l", "LEFT"]), err(WRONGTYPE));
            assert_eq!(c.run(&["LMPOP", "2", "nokey", "s", "LEFT"]), err(WRONGTYPE));
            assert_eq!(c.run(&["LMPOP", "2", "l", "s", "LEFT"]), arr(vec![bulk("l"), bulks(&["a"])]));
        });
    }

    #[test]
    fn lmpop_rejects_bad_arguments() {
        each_store(|c| {
            let numkeys = err("ERR numkeys should be greater than 0");
            assert_eq!(c.run(&["LMPOP", "0", "l", "LEFT"]), numkeys);
            assert_eq!(c.run(&["LMPOP", "abc", "l", "LEFT"]), numkeys);
            assert_eq!(c.run(&["LMPOP", "-1", "l", "LEFT"]), numkeys);
            for bad in [
                &["LMPOP", "2", "l", "LEFT"][..],
                &["LMPOP", "9223372036854775807", "l", "LEFT"],
                &["LMPOP", "1", "l", "MIDDLE"],
                &["LMPOP", "1", "l", "LEFT", "COUNT"],
                &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"],
                &["LMPOP", "1", "l", "LEFT", "FOO"],
            ] {
                assert_eq!(c.run(bad), err("ERR syntax error"), "{bad:?}");
            }
            let count = err("ERR count should be greater than 0");
            assert_eq!(c.run(&["LMPOP", "1", "l", "LEFT", "COUNT", "0"]), count);
            assert_eq!(c.run(&["LMPOP", "1", "l", "LEFT", "COUNT", "abc"]), count);
        });
    }

    // ---- Arity ----

    #[test]
    fn wrong_arity_is_reported_with_the_command_name() {
        each_store(|c| {
            for (cmd, words) in [
                ("lpush", &["LPUSH", "l"][..]),
                ("rpushx", &["RPUSHX", "l"]),
                ("lpop", &["LPOP"]),
                ("llen", &["LLEN", "l", "x"]),
                ("lrange", &["LRANGE", "l", "0"]),
                ("lindex", &["LINDEX", "l"]),
                ("lset", &["LSET", "l", "0"]),
                ("linsert", &["LINSERT", "l", "BEFORE", "a"]),
                ("lrem", &["LREM", "l", "0"]),
                ("ltrim", &["LTRIM", "l", "0"]),
                ("lpos", &["LPOS", "l"]),
                ("lmove", &["LMOVE", "a", "b", "LEFT"]),
                ("rpoplpush", &["RPOPLPUSH", "a"]),
                ("lmpop", &["LMPOP", "1", "l"]),
            ] {
                assert_eq!(c.run(words), err(&format!("ERR wrong number of arguments for '{cmd}' command")));
            }
        });
    }

    // ---- What the AOF logs ----

    #[test]
    fn lmpop_is_logged_as_a_pop_of_what_it_took() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c"]);
            assert_eq!(c.logged(&["LMPOP", "2", "missing", "l", "LEFT"]), ["LPOP l 1"]);
            assert_eq!(c.logged(&["LMPOP", "1", "l", "RIGHT", "COUNT", "10"]), ["RPOP l 2"]);
            assert!(c.logged(&["LMPOP", "1", "l", "RIGHT"]).is_empty());
        });
    }

    #[test]
    fn blocking_pops_served_at_once_are_logged_as_their_plain_forms() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b", "c", "d", "e"]);
            assert_eq!(c.logged(&["BLPOP", "missing", "l", "0"]), ["LPOP l"]);
            assert_eq!(c.logged(&["BRPOP", "l", "0"]), ["RPOP l"]);
            assert_eq!(c.logged(&["BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"]), ["LPOP l 2"]);
            c.run(&["RPUSH", "l", "x", "y"]);
            assert_eq!(c.logged(&["BLMOVE", "l", "m", "left", "RIGHT", "0"]), ["LMOVE l m left RIGHT"]);
            assert_eq!(c.logged(&["BRPOPLPUSH", "l", "m", "0"]), ["RPOPLPUSH l m"]);
        });
    }

    #[test]
    fn blocking_pops_served_later_are_logged_as_their_plain_forms() {
        each_store(|c| {
            let cases: [(&[&str], &str); 5] = [
                (&["BLPOP", "q", "0"], "LPOP q"),
                (&["BRPOP", "other", "q", "0"], "RPOP q"),
                (&["BLMPOP", "0", "1", "q", "RIGHT", "COUNT", "5"], "RPOP q 2"),
                (&["BLMOVE", "q", "dst", "RIGHT", "LEFT", "0"], "LMOVE q dst RIGHT LEFT"),
                (&["BRPOPLPUSH", "q", "dst", "0"], "RPOPLPUSH q dst"),
            ];
            for (blocking, logged) in cases {
                c.run(&["DEL", "q"]);
                assert_eq!(logged_when_served_later(c, blocking, &["RPUSH", "q", "a", "b"]), [logged], "{blocking:?}");
            }
        });
    }

    #[test]
    fn a_blocking_pop_in_another_database_is_logged_there() {
        each_store(|c| {
            c.run(&["SELECT", "3"]);
            c.run(&["RPUSH", "l", "a"]);
            assert_eq!(c.logged(&["BLPOP", "l", "0"]), ["@3 LPOP l"]);
        });
    }

    #[test]
    fn list_writes_that_change_nothing_log_nothing() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "a", "b"]);
            assert!(c.logged(&["LPOP", "l", "0"]).is_empty());
            assert!(c.logged(&["LREM", "l", "0", "nope"]).is_empty());
            assert!(c.logged(&["LTRIM", "l", "0", "-1"]).is_empty());
            assert!(c.logged(&["LINSERT", "l", "BEFORE", "nope", "x"]).is_empty());
            assert!(c.logged(&["LPUSHX", "missing", "x"]).is_empty());
            assert_eq!(c.logged(&["LTRIM", "l", "0", "0"]), ["LTRIM l 0 0"]);
        });
    }
}

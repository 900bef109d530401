//! Set commands, as Redis's `t_set.c`: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
//! SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//!
//! Reads go through [`read_set`], which answers WRONGTYPE for a key of another type and
//! counts the keyspace hit or miss the way Redis's `lookupKeyRead` does; changes go through
//! [`update_set`], which creates a missing set when asked and deletes a set left empty, so
//! no empty set is ever stored. A changed set keeps its key's expiry; a `*STORE` result
//! replaces its destination (expiry included), or deletes it when the result is empty.
//!
//! The multi-key commands see all their keys in one view, so they are atomic. A view hands
//! out one value at a time, so they work the way Redis's do, one set at a time: first every
//! key is looked up and type-checked in order (a key of another type is WRONGTYPE even after
//! a missing key), then SINTER filters the smallest set's members through the others, SDIFF
//! filters the first set's members, and SUNION adds every set's members to a new set.
//! SINTER answers in the smallest set's order; the other results are new sets built as Redis
//! builds them, starting from an empty intset, so a result of integers is an intset (and
//! SUNION and SDIFF answer it in numeric order), as in Redis.
//!
//! SPOP picks at random, so it is logged to the AOF as the members it took, as Redis 7.0
//! propagates it: `SREM key member` for one, `SREM key m1 m2 ...` in batches of
//! [`SPOP_PROPAGATE_BATCH`] for a count, or `DEL key` when the count took the whole set.
//! SADD and SREM that change nothing log nothing.

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::hash::{random_count, random_positions};
use crate::commands::scan::scan_command;
use crate::commands::typed::{read_typed, typed, update_typed};
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::num::parse_i64;
use crate::types::set::Set;
use crate::value::{Entry, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Set, sadd),
    CommandSpec::new("srem", -3, WRITE | FAST, (1, 1, 1), Group::Set, srem),
    CommandSpec::new("smembers", 2, READONLY, (1, 1, 1), Group::Set, sinter),
    CommandSpec::new("sismember", 3, READONLY | FAST, (1, 1, 1), Group::Set, sismember),
    CommandSpec::new("smismember", -3, READONLY | FAST, (1, 1, 1), Group::Set, smismember),
    CommandSpec::new("scard", 2, READONLY | FAST, (1, 1, 1), Group::Set, scard),
    CommandSpec::new("spop", -2, WRITE | FAST, (1, 1, 1), Group::Set, spop),
    CommandSpec::new("srandmember", -2, READONLY, (1, 1, 1), Group::Set, srandmember),
    CommandSpec::new("smove", 4, WRITE | FAST, (1, 2, 1), Group::Set, smove),
    CommandSpec::new("sinter", -2, READONLY, (1, -1, 1), Group::Set, sinter),
    // The keys follow `numkeys`, so the table's (first, last, step) can't say where.
    CommandSpec::new("sintercard", -3, READONLY | MOVABLEKEYS, (0, 0, 0), Group::Set, sintercard),
    CommandSpec::new("sinterstore", -3, WRITE | DENYOOM, (1, -1, 1), Group::Set, sinterstore),
    CommandSpec::new("sunion", -2, READONLY, (1, -1, 1), Group::Set, sunion),
    CommandSpec::new("sunionstore", -3, WRITE | DENYOOM, (1, -1, 1), Group::Set, sunionstore),
    CommandSpec::new("sdiff", -2, READONLY, (1, -1, 1), Group::Set, sdiff),
    CommandSpec::new("sdiffstore", -3, WRITE | DENYOOM, (1, -1, 1), Group::Set, sdiffstore),
    CommandSpec::new("sscan", -3, READONLY, (1, 1, 1), Group::Set, sscan),
];

/// The set held by `entry`: `None` for a missing key, WRONGTYPE for another type.
fn as_set(entry: Option<&Entry>) -> Result<Option<&Set>, Frame> {
    typed(entry)
}

/// Runs a read-only command on the set at `key`, counting the lookup as Redis does.
fn read_set(ctx: &mut Ctx<'_>, key: &[u8], f: impl Fn(Option<&Set>) -> CommandResult) -> CommandResult {
    read_typed(ctx, key, f)
}

/// Runs `f` on the set at `key` to change it. A missing key is `Ok(None)` without calling
/// `f`, unless `create` is set: then `f` gets a new set, stored only if `f` leaves it
/// non-empty. A set that `f` empties is deleted with its key.
fn update_set<R>(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    create: bool,
    f: impl FnOnce(&mut Set) -> R,
) -> Result<Option<R>, Frame> {
    update_typed(kv, db, key, create, |s| Ok(f(s)))
}

/// `set-max-intset-entries`: the most members a set keeps as an intset.
fn max_intset(ctx: &Ctx<'_>) -> usize {
    let n = ctx.engine.config.read(|c| c.set_max_intset_entries);
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Records a removal's keyspace events: `event`, then `del` if it emptied the set.
fn notify_removal(ctx: &mut Ctx<'_>, event: &'static str, key: &[u8], emptied: bool) {
    ctx.notify(class::SET, event, key);
    if emptied {
        ctx.notify(class::GENERIC, "del", key);
    }
}

/// Members as a RESP3 set reply (an array in RESP2).
fn set_reply(members: impl IntoIterator<Item = Bytes>) -> Frame {
    Frame::Set(members.into_iter().map(Frame::Bulk).collect())
}

// ---- One set -----------------------------------------------------------------------------

fn sadd(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let members = args.rest();
    let max = max_intset(ctx);
    let added = ctx.write_key(key, |kv, db| {
        update_set(kv, db, key, true, |s| members.iter().filter(|m| s.insert(m, max)).count())
    })?;
    let added = added.unwrap_or(0);
    if added > 0 {
        ctx.notify(class::SET, "sadd", key);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(added as i64))
}

fn srem(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let members = args.rest();
    let removed = ctx.write_key(key, |kv, db| {
        update_set(kv, db, key, false, |s| (members.iter().filter(|m| s.remove(m)).count(), s.is_empty()))
    })?;
    let (removed, emptied) = removed.unwrap_or_default();
    if removed > 0 {
        notify_removal(ctx, "srem", key, emptied);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(removed as i64))
}

fn sismember(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let member = args.bytes()?;
    read_set(ctx, key, |s| Ok(Frame::Integer(s.is_some_and(|s| s.contains(member)) as i64)))
}

fn smismember(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let members = args.rest();
    read_set(ctx, key, |s| {
        Ok(Frame::Array(members.iter().map(|m| Frame::Integer(s.is_some_and(|s| s.contains(m)) as i64)).collect()))
    })
}

fn scard(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_set(ctx, key, |s| Ok(Frame::Integer(s.map_or(0, Set::len) as i64)))
}

/// How much bigger than the survivors SPOP's count must be for SPOP to rebuild the set from
/// its survivors rather than pop members one by one (Redis's `SPOP_MOVE_STRATEGY_MUL`).
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

/// The most members one logged `SREM` of SPOP names (Redis's batch size).
const SPOP_PROPAGATE_BATCH: usize = 1024;

/// SPOP key [count]
fn spop(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    if args.is_empty() {
        let popped = ctx.write_key(key, |kv, db| update_set(kv, db, key, false, |s| (s.pop_random(), s.is_empty())))?;
        let Some((Some(member), emptied)) = popped else { return Ok(Frame::Null) };
        notify_removal(ctx, "spop", key, emptied);
        ctx.propagate(vec![Bytes::from_static(b"SREM"), key.clone(), member.clone()]);
        return Ok(Frame::Bulk(member));
    }
    if args.remaining() > 1 {
        return Err(error::syntax());
    }
    let count = parse_i64(args.bytes()?)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| Frame::error("ERR value is out of range, must be positive"))?;
    let max = max_intset(ctx);
    let popped = ctx.write_key(key, |kv, db| {
        update_set(kv, db, key, false, |s| {
            let popped = pop_members(s, count, max);
            (popped, s.is_empty())
        })
    })?;
    let (popped, emptied) = popped.unwrap_or_default();
    if popped.is_empty() {
        // A count of 0 takes nothing, although the view handed the set out.
        ctx.propagate_nothing();
    } else {
        notify_removal(ctx, "spop", key, emptied);
        log_spop(ctx, key, &popped, emptied);
    }
    Ok(set_reply(popped))
}

/// Logs what SPOP with a count took: `DEL key` if it took the whole set (Redis's case of a
/// count at least the set's size), otherwise `SREM`s of the popped members.
fn log_spop(ctx: &mut Ctx<'_>, key: &Bytes, popped: &[Bytes], emptied: bool) {
    if emptied {
        ctx.propagate(vec![Bytes::from_static(b"DEL"), key.clone()]);
        return;
    }
    for batch in popped.chunks(SPOP_PROPAGATE_BATCH) {
        let mut argv = Vec::with_capacity(batch.len() + 2);
        argv.push(Bytes::from_static(b"SREM"));
        argv.push(key.clone());
        argv.extend_from_slice(batch);
        ctx.propagate(argv);
    }
}

/// SPOP's removal of `count` random members from `s`.
fn pop_members(s: &mut Set, count: usize, max_intset: usize) -> Vec<Bytes> {
    if count >= s.len() {
        // Everything: the set is left empty, so its key goes.
        return std::mem::take(s).iter().collect();
    }
    let remaining = s.len() - count;
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        return (0..count).filter_map(|_| s.pop_random()).collect();
    }
    // Popping most of the set, Redis draws the survivors into a new set instead and
    // answers what is left of the old one. The new set is built like any other, so
    // surviving integers make an intset again, which OBJECT ENCODING shows.
    let mut survivors = Set::default();
    for _ in 0..remaining {
        if let Some(m) = s.pop_random() {
            survivors.insert(&m, max_intset);
        }
    }
    std::mem::replace(s, survivors).iter().collect()
}

/// SRANDMEMBER key [count]. With a count the reply is an array even in RESP3 (a negative
/// count may repeat members), as in Redis 7.
fn srandmember(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    if args.is_empty() {
        return read_set(ctx, key, |s| Ok(s.and_then(Set::random).map(Frame::Bulk).unwrap_or(Frame::Null)));
    }
    if args.remaining() > 1 {
        return Err(error::syntax());
    }
    let count = random_count(args)?;
    read_set(ctx, key, |s| {
        let Some(s) = s else { return Ok(Frame::Array(Vec::new())) };
        let picks = random_positions(s.len(), count)?;
        Ok(Frame::Array(picks.into_iter().filter_map(|i| s.get_index(i)).map(Frame::Bulk).collect()))
    })
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
fn sscan(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    scan_command(
        ctx,
        args,
        |v| match v {
            Value::Set(s) => Some(&**s),
            _ => None,
        },
        |s, cursor, count, emit| s.scan(cursor, count, |m| emit(&m, None)),
    )
}

// ---- Several sets ------------------------------------------------------------------------

/// SMOVE source destination member. As in Redis: a missing source answers 0 before the
/// destination's type is looked at, and moving within one set only tells membership.
fn smove(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let src = args.bytes()?;
    let dst = args.bytes()?;
    let member = args.bytes()?;
    let max = max_intset(ctx);
    let keys = [src.clone(), dst.clone()];
    // `(emptied source, added to destination)` when the member moved between two sets.
    let (is_member, moved) = ctx.write_keys(&keys, |kv, db| {
        let Some(is_member) = as_set(kv.get(db, src))?.map(|s| s.contains(member)) else {
            return Ok((false, None));
        };
        as_set(kv.get(db, dst))?;
        if src == dst || !is_member {
            return Ok((is_member, None));
        }
        let emptied = update_set(kv, db, src, false, |s| s.remove(member) && s.is_empty())?;
        let added = update_set(kv, db, dst, true, |s| s.insert(member, max))?;
        Ok((true, Some((emptied == Some(true), added == Some(true)))))
    })?;
    if let Some((emptied, added)) = moved {
        notify_removal(ctx, "srem", src, emptied);
        if added {
            ctx.notify(class::SET, "sadd", dst);
        }
    }
    Ok(Frame::Integer(is_member as i64))
}

/// Key lookups made by a multi-key read, recorded after its view (which may run again).
#[derive(Default)]
struct Lookups {
    hits: u64,
    misses: u64,
}

impl Lookups {
    fn record(&self, ctx: &Ctx<'_>) {
        ctx.client.counts.lookups(self.hits, self.misses);
    }
}

/// Looks up every key in order as a set, as Redis's multi-key set commands do: the
/// cardinality of each (`None` for a missing key), or WRONGTYPE at the first key of another
/// type.
fn cardinalities(
    kv: &mut dyn KeyView,
    db: usize,
    keys: &[Bytes],
    lookups: &mut Lookups,
) -> Result<Vec<Option<usize>>, Frame> {
    let mut sizes = Vec::with_capacity(keys.len());
    for key in keys {
        let entry = kv.get(db, key);
        if entry.is_some() {
            lookups.hits += 1;
        } else {
            lookups.misses += 1;
        }
        sizes.push(as_set(entry)?.map(Set::len));
    }
    Ok(sizes)
}

/// Runs `f` on the set at `key`; `None` if there is no set there.
fn with_set<R>(kv: &mut dyn KeyView, db: usize, key: &[u8], f: impl FnOnce(&Set) -> R) -> Option<R> {
    match kv.get(db, key).map(|e| &e.value) {
        Some(Value::Set(s)) => Some(f(s)),
        _ => None,
    }
}

/// The members every set at `keys` has, in the order of the smallest set; empty if any key
/// is missing. `sizes` comes from [`cardinalities`].
fn intersection(kv: &mut dyn KeyView, db: usize, keys: &[Bytes], sizes: &[Option<usize>]) -> Vec<Bytes> {
    let Some(sizes) = sizes.iter().copied().collect::<Option<Vec<usize>>>() else { return Vec::new() };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let smallest = &keys[order[0]];
    let mut members: Vec<Bytes> = with_set(kv, db, smallest, |s| s.iter().collect()).unwrap_or_default();
    for &i in &order[1..] {
        if members.is_empty() {
            break;
        }
        if keys[i] != *smallest {
            with_set(kv, db, &keys[i], |s| members.retain(|m| s.contains(m)));
        }
    }
    members
}

/// Every member of the sets at `keys`, as a new set.
fn union(kv: &mut dyn KeyView, db: usize, keys: &[Bytes], max_intset: usize) -> Set {
    let mut out = Set::default();
    for key in keys {
        with_set(kv, db, key, |s| {
            for m in s.iter() {
                out.insert(&m, max_intset);
            }
        });
    }
    out
}

/// The members of the set at `keys[0]` that none of the others has, as a new set.
fn difference(kv: &mut dyn KeyView, db: usize, keys: &[Bytes], max_intset: usize) -> Set {
    let mut members: Vec<Bytes> = with_set(kv, db, &keys[0], |s| s.iter().collect()).unwrap_or_default();
    for key in &keys[1..] {
        if members.is_empty() {
            break;
        }
        if *key == keys[0] {
            members.clear();
        } else {
            with_set(kv, db, key, |s| members.retain(|m| !s.contains(m)));
        }
    }
    collect(members, max_intset)
}

fn collect(members: Vec<Bytes>, max_intset: usize) -> Set {
    let mut set = Set::default();
    for m in members {
        set.insert(&m, max_intset);
    }
    set
}

/// Which combination a multi-key set command computes.
#[derive(Clone, Copy)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

impl SetOp {
    /// The keyspace event of the STORE form.
    fn store_event(self) -> &'static str {
        match self {
            SetOp::Inter => "sinterstore",
            SetOp::Union => "sunionstore",
            SetOp::Diff => "sdiffstore",
        }
    }

    /// The members of the combination, in reply order.
    fn members(
        self,
        kv: &mut dyn KeyView,
        db: usize,
        keys: &[Bytes],
        max_intset: usize,
        lookups: &mut Lookups,
    ) -> Result<Vec<Bytes>, Frame> {
        let sizes = cardinalities(kv, db, keys, lookups)?;
        Ok(match self {
            SetOp::Inter => intersection(kv, db, keys, &sizes),
            SetOp::Union => union(kv, db, keys, max_intset).iter().collect(),
            SetOp::Diff => difference(kv, db, keys, max_intset).iter().collect(),
        })
    }

    /// The combination as a set.
    fn set(
        self,
        kv: &mut dyn KeyView,
        db: usize,
        keys: &[Bytes],
        max_intset: usize,
        lookups: &mut Lookups,
    ) -> Result<Set, Frame> {
        let sizes = cardinalities(kv, db, keys, lookups)?;
        Ok(match self {
            SetOp::Inter => collect(intersection(kv, db, keys, &sizes), max_intset),
            SetOp::Union => union(kv, db, keys, max_intset),
            SetOp::Diff => difference(kv, db, keys, max_intset),
        })
    }
}

/// SINTER, SUNION and SDIFF (and SMEMBERS, which is SINTER of one key): a set reply.
fn combine(ctx: &mut Ctx<'_>, args: &Args, op: SetOp) -> CommandResult {
    let keys = args.rest();
    let max = max_intset(ctx);
    let (lookups, members) = ctx.read_keys(keys, |kv, db| {
        let mut lookups = Lookups::default();
        let members = op.members(kv, db, keys, max, &mut lookups);
        (lookups, members)
    });
    lookups.record(ctx);
    Ok(set_reply(members?))
}

/// SINTERSTORE, SUNIONSTORE and SDIFFSTORE: the combination replaces the destination (an
/// empty one deletes it); the reply is its size.
fn combine_store(ctx: &mut Ctx<'_>, args: &Args, op: SetOp) -> CommandResult {
    let dst = args.bytes()?;
    let keys = args.rest();
    let max = max_intset(ctx);
    let mut all = Vec::with_capacity(keys.len() + 1);
    all.push(dst.clone());
    all.extend(keys.iter().cloned());
    // The stored size, and whether an empty result deleted an existing destination.
    let (lookups, stored) = ctx.write_keys(&all, |kv, db| {
        let mut lookups = Lookups::default();
        let stored = op.set(kv, db, keys, max, &mut lookups).map(|set| {
            let len = set.len();
            if len == 0 {
                return (0, kv.remove(db, dst).is_some());
            }
            kv.insert(db, dst.clone(), Entry::new(Value::Set(Box::new(set))));
            (len, false)
        });
        (lookups, stored)
    });
    lookups.record(ctx);
    let (len, deleted) = stored?;
    if len > 0 {
        ctx.notify(class::SET, op.store_event(), dst);
    } else if deleted {
        ctx.notify(class::GENERIC, "del", dst);
    }
    Ok(Frame::Integer(len as i64))
}

fn sinter(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, SetOp::Inter)
}

fn sunion(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, SetOp::Union)
}

fn sdiff(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine(ctx, args, SetOp::Diff)
}

fn sinterstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine_store(ctx, args, SetOp::Inter)
}

fn sunionstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine_store(ctx, args, SetOp::Union)
}

fn sdiffstore(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    combine_store(ctx, args, SetOp::Diff)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, at most `limit`
/// (0: no limit).
fn sintercard(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let numkeys = parse_i64(args.bytes()?)
        .filter(|&n| n >= 1)
        .ok_or_else(|| Frame::error("ERR numkeys should be greater than 0"))?;
    if numkeys as u64 > args.remaining() as u64 {
        return Err(Frame::error("ERR Number of keys can't be greater than number of args"));
    }
    let keys = args.take(numkeys as usize);
    let mut limit = 0;
    while let Some(option) = args.next() {
        if !option.eq_ignore_ascii_case(b"limit") || args.is_empty() {
            return Err(error::syntax());
        }
        limit = parse_i64(args.bytes()?)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Frame::error("ERR LIMIT can't be negative"))?;
    }
    let max = max_intset(ctx);
    let (lookups, members) = ctx.read_keys(keys, |kv, db| {
        let mut lookups = Lookups::default();
        let members = SetOp::Inter.members(kv, db, keys, max, &mut lookups);
        (lookups, members)
    });
    lookups.record(ctx);
    let n = members?.len();
    Ok(Frame::Integer(if limit > 0 { n.min(limit) } else { n } as i64))
}

#[cfg(test)]
mod tests {
    use crate::testing::{each_store, WRONGTYPE};
    use std::sync::atomic::Ordering;

    use crate::testing::{arr, bulk, err, int, TestClient};
    use resp::{Frame, Protocol};

    fn set(items: &[&str]) -> Frame {
        Frame::Set(items.iter().map(|s| bulk(s)).collect())
    }

    /// The strings of an array or set reply, sorted.
    fn sorted(reply: Frame) -> Vec<String> {
        let (Frame::Array(items) | Frame::Set(items)) = reply else { panic!("not an array or set: {reply:?}") };
        let mut out: Vec<String> = items
            .into_iter()
            .map(|f| match f {
                Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
                other => panic!("not a bulk string: {other:?}"),
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn sadd_counts_new_members() {
        each_store(|c| {
            assert_eq!(c.run(&["SADD", "s", "a", "b", "a"]), int(2));
            assert_eq!(c.run(&["SADD", "s", "b", "c"]), int(1));
            assert_eq!(c.run(&["SCARD", "s"]), int(3));
            assert_eq!(sorted(c.run(&["SMEMBERS", "s"])), ["a", "b", "c"]);
        });
    }

    #[test]
    fn members_are_binary_safe() {
        each_store(|c| {
            assert_eq!(c.run_bytes(&[b"SADD", b"s", b"\x00\xff", b""]), int(2));
            assert_eq!(c.run_bytes(&[b"SISMEMBER", b"s", b"\x00\xff"]), int(1));
            assert_eq!(c.run(&["SISMEMBER", "s", ""]), int(1));
        });
    }

    #[test]
    fn srem_counts_removed_members_and_deletes_an_emptied_set() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b", "1"]);
            assert_eq!(c.run(&["SREM", "s", "a", "x", "a"]), int(1));
            assert_eq!(c.run(&["SREM", "s", "b", "1"]), int(2));
            assert_eq!(c.run(&["EXISTS", "s"]), int(0));
            assert_eq!(c.run(&["SREM", "s", "b"]), int(0));
        });
    }

    #[test]
    fn reads_of_a_missing_set_are_empty() {
        each_store(|c| {
            assert_eq!(c.run(&["SMEMBERS", "nokey"]), set(&[]));
            assert_eq!(c.run(&["SCARD", "nokey"]), int(0));
            assert_eq!(c.run(&["SISMEMBER", "nokey", "a"]), int(0));
            assert_eq!(c.run(&["SMISMEMBER", "nokey", "a", "b"]), arr(vec![int(0), int(0)]));
            assert_eq!(c.run(&["SPOP", "nokey"]), Frame::Null);
            assert_eq!(c.run(&["SPOP", "nokey", "2"]), set(&[]));
            assert_eq!(c.run(&["SRANDMEMBER", "nokey"]), Frame::Null);
            assert_eq!(c.run(&["SRANDMEMBER", "nokey", "-2"]), arr(vec![]));
        });
    }

    #[test]
    fn smismember_answers_each_member() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "1"]);
            assert_eq!(c.run(&["SMISMEMBER", "s", "a", "b", "1", "01"]), arr(vec![int(1), int(0), int(1), int(0)]));
        });
    }

    #[test]
    fn every_set_command_answers_wrongtype_for_another_type() {
        each_store(|c| {
            c.run(&["SET", "str", "v"]);
            c.run(&["SADD", "s", "a"]);
            for cmd in [
                &["SADD", "str", "a"][..],
                &["SREM", "str", "a"],
                &["SMEMBERS", "str"],
                &["SISMEMBER", "str", "a"],
                &["SMISMEMBER", "str", "a"],
                &["SCARD", "str"],
                &["SPOP", "str"],
                &["SPOP", "str", "1"],
                &["SRANDMEMBER", "str"],
                &["SRANDMEMBER", "str", "1"],
                &["SMOVE", "str", "s", "a"],
                &["SMOVE", "s", "str", "a"],
                &["SINTER", "s", "str"],
                &["SINTERCARD", "2", "s", "str"],
                &["SINTERSTORE", "d", "s", "str"],
                &["SUNION", "s", "str"],
                &["SUNIONSTORE", "d", "s", "str"],
                &["SDIFF", "s", "str"],
                &["SDIFFSTORE", "d", "s", "str"],
                &["SSCAN", "str", "0"],
            ] {
                assert_eq!(c.run(cmd), err(WRONGTYPE), "{cmd:?}");
            }
            assert_eq!(c.run(&["GET", "str"]), bulk("v"));
            assert_eq!(c.run(&["EXISTS", "d"]), int(0));
        });
    }

    #[test]
    fn multi_key_commands_check_every_type_even_after_a_missing_key() {
        each_store(|c| {
            c.run(&["SET", "str", "v"]);
            for cmd in [
                &["SINTER", "nokey", "str"][..],
                &["SUNION", "nokey", "str"],
                &["SDIFF", "nokey", "str"],
                &["SINTERSTORE", "d", "nokey", "str"],
                &["SINTERCARD", "2", "nokey", "str"],
            ] {
                assert_eq!(c.run(cmd), err(WRONGTYPE), "{cmd:?}");
            }
        });
    }

    #[test]
    fn integer_sets_are_intsets_in_numeric_order() {
        each_store(|c| {
            c.run(&["SADD", "s", "3", "-1", "20"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
            assert_eq!(c.run(&["SMEMBERS", "s"]), set(&["-1", "3", "20"]));
            c.run(&["SADD", "s", "a"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
            c.run(&["SREM", "s", "a"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
            c.run(&["SADD", "t", "01"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "t"]), bulk("hashtable"));
        });
    }

    #[test]
    fn an_intset_over_set_max_intset_entries_becomes_a_hashtable() {
        each_store(|c| {
            c.engine.config.update(|cfg| cfg.set_max_intset_entries = 3);
            c.run(&["SADD", "s", "1", "2", "3"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
            c.run(&["SADD", "s", "4"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
            assert_eq!(c.run(&["SCARD", "s"]), int(4));
        });
    }

    #[test]
    fn set_changes_keep_the_expiry() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b", "c"]);
            c.run(&["EXPIRE", "s", "100"]);
            c.run(&["SADD", "s", "d"]);
            c.run(&["SREM", "s", "a"]);
            c.run(&["SPOP", "s"]);
            assert_eq!(c.run(&["TTL", "s"]), int(100));
        });
    }

    #[test]
    fn spop_removes_and_returns_a_member() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b"]);
            let first = c.run(&["SPOP", "s"]);
            let second = c.run(&["SPOP", "s"]);
            let mut got = sorted(arr(vec![first, second]));
            got.dedup();
            assert_eq!(got, ["a", "b"]);
            assert_eq!(c.run(&["EXISTS", "s"]), int(0));
        });
    }

    #[test]
    fn spop_with_count_removes_that_many() {
        each_store(|c| {
            for members in [&["1", "2", "3", "4", "5"][..], &["a", "b", "c", "d", "e"]] {
                let mut cmd = vec!["SADD", "s"];
                cmd.extend_from_slice(members);
                c.run(&cmd);
                let popped = sorted(c.run(&["SPOP", "s", "3"]));
                let left = sorted(c.run(&["SMEMBERS", "s"]));
                assert_eq!(popped.len(), 3);
                let mut all: Vec<String> = popped.into_iter().chain(left).collect();
                all.sort();
                assert_eq!(all, members);
                assert_eq!(c.run(&["SPOP", "s", "0"]), set(&[]));
                assert_eq!(sorted(c.run(&["SPOP", "s", "10"])).len(), 2);
                assert_eq!(c.run(&["EXISTS", "s"]), int(0));
            }
        });
    }

    #[test]
    fn spop_of_most_of_a_set_rebuilds_it_from_the_survivors() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "1", "2", "3", "4", "5", "6"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
            // Until only an integer survives: then the rebuilt set is an intset.
            loop {
                let popped = sorted(c.run(&["SPOP", "s", "6"]));
                assert_eq!(popped.len(), 6);
                let left = sorted(c.run(&["SMEMBERS", "s"]));
                if left != ["a"] {
                    assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
                    break;
                }
                assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
                c.run(&["DEL", "s"]);
                c.run(&["SADD", "s", "a", "1", "2", "3", "4", "5", "6"]);
            }
        });
    }

    #[test]
    fn spop_of_a_few_members_keeps_the_encoding() {
        each_store(|c| {
            c.run(&["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a"]);
            c.run(&["SREM", "s", "a"]);
            assert_eq!(sorted(c.run(&["SPOP", "s", "2"])).len(), 2);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
        });
    }

    #[test]
    fn spop_is_a_set_reply_in_resp3() {
        each_store(|c| {
            c.client.set_protocol(Protocol::Resp3);
            c.run(&["SADD", "s", "a"]);
            assert_eq!(c.run(&["SPOP", "s", "5"]), set(&["a"]));
        });
    }

    #[test]
    fn spop_argument_errors_match_redis() {
        each_store(|c| {
            c.run(&["SET", "str", "v"]);
            let positive = err("ERR value is out of range, must be positive");
            assert_eq!(c.run(&["SPOP", "nokey", "-1"]), positive);
            assert_eq!(c.run(&["SPOP", "nokey", "x"]), positive);
            assert_eq!(c.run(&["SPOP", "str", "-1"]), positive);
            assert_eq!(c.run(&["SPOP", "nokey", "x", "y"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn srandmember_does_not_remove() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b", "c"]);
            let one = c.run(&["SRANDMEMBER", "s"]);
            assert!([bulk("a"), bulk("b"), bulk("c")].contains(&one), "{one:?}");
            assert_eq!(c.run(&["SCARD", "s"]), int(3));
        });
    }

    #[test]
    fn srandmember_with_positive_count_answers_distinct_members() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b", "c", "d", "e"]);
            for _ in 0..20 {
                let got = sorted(c.run(&["SRANDMEMBER", "s", "3"]));
                assert_eq!(got.len(), 3);
                assert!(got.windows(2).all(|w| w[0] != w[1]), "{got:?}");
            }
            assert_eq!(sorted(c.run(&["SRANDMEMBER", "s", "10"])), ["a", "b", "c", "d", "e"]);
            assert_eq!(c.run(&["SRANDMEMBER", "s", "0"]), arr(vec![]));
        });
    }

    #[test]
    fn srandmember_with_negative_count_may_repeat_and_is_an_array_in_resp3() {
        each_store(|c| {
            c.client.set_protocol(Protocol::Resp3);
            c.run(&["SADD", "s", "7"]);
            assert_eq!(c.run(&["SRANDMEMBER", "s", "-3"]), arr(vec![bulk("7"), bulk("7"), bulk("7")]));
            assert_eq!(c.run(&["SRANDMEMBER", "s", "3"]), arr(vec![bulk("7")]));
        });
    }

    #[test]
    fn srandmember_argument_errors_match_redis() {
        each_store(|c| {
            assert_eq!(c.run(&["SRANDMEMBER", "nokey", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(
                c.run(&["SRANDMEMBER", "nokey", "-9223372036854775808"]),
                err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            );
            assert_eq!(c.run(&["SRANDMEMBER", "nokey", "1", "2"]), err("ERR syntax error"));
            c.run(&["SADD", "s", "a"]);
            let too_many = (-(super::super::hash::MAX_RANDOM_REPEATS as i64) - 1).to_string();
            assert_eq!(c.run(&["SRANDMEMBER", "s", &too_many]), err("ERR value is out of range"));
        });
    }

    #[test]
    fn smove_moves_a_member() {
        each_store(|c| {
            c.run(&["SADD", "src", "a", "b"]);
            assert_eq!(c.run(&["SMOVE", "src", "dst", "a"]), int(1));
            assert_eq!(c.run(&["SMEMBERS", "dst"]), set(&["a"]));
            assert_eq!(c.run(&["SMEMBERS", "src"]), set(&["b"]));
            assert_eq!(c.run(&["SMOVE", "src", "dst", "x"]), int(0));
            assert_eq!(c.run(&["SMOVE", "src", "dst", "b"]), int(1));
            assert_eq!(c.run(&["EXISTS", "src"]), int(0));
            assert_eq!(sorted(c.run(&["SMEMBERS", "dst"])), ["a", "b"]);
        });
    }

    #[test]
    fn smove_of_a_member_already_in_the_destination_still_removes_it() {
        each_store(|c| {
            c.run(&["SADD", "src", "a", "b"]);
            c.run(&["SADD", "dst", "a"]);
            assert_eq!(c.run(&["SMOVE", "src", "dst", "a"]), int(1));
            assert_eq!(c.run(&["SMEMBERS", "src"]), set(&["b"]));
            assert_eq!(c.run(&["SCARD", "dst"]), int(1));
        });
    }

    #[test]
    fn smove_checks_the_source_first_and_within_one_set_tells_membership() {
        each_store(|c| {
            c.run(&["SET", "str", "v"]);
            c.run(&["SADD", "s", "a"]);
            assert_eq!(c.run(&["SMOVE", "nokey", "str", "a"]), int(0));
            assert_eq!(c.run(&["SMOVE", "s", "s", "a"]), int(1));
            assert_eq!(c.run(&["SMOVE", "s", "s", "z"]), int(0));
            assert_eq!(c.run(&["SMEMBERS", "s"]), set(&["a"]));
        });
    }

    #[test]
    fn sinter_keeps_members_of_every_set() {
        each_store(|c| {
            c.run(&["SADD", "a", "1", "2", "3", "x"]);
            c.run(&["SADD", "b", "2", "3", "4", "x"]);
            c.run(&["SADD", "c", "3", "x", "y"]);
            assert_eq!(sorted(c.run(&["SINTER", "a", "b", "c"])), ["3", "x"]);
            assert_eq!(sorted(c.run(&["SINTER", "a", "a"])), ["1", "2", "3", "x"]);
            assert_eq!(c.run(&["SINTER", "a", "nokey"]), set(&[]));
        });
    }

    #[test]
    fn sunion_and_sdiff_combine_sets() {
        each_store(|c| {
            c.run(&["SADD", "a", "1", "2", "x"]);
            c.run(&["SADD", "b", "2", "3"]);
            assert_eq!(sorted(c.run(&["SUNION", "a", "b", "nokey"])), ["1", "2", "3", "x"]);
            assert_eq!(sorted(c.run(&["SDIFF", "a", "b", "nokey"])), ["1", "x"]);
            assert_eq!(c.run(&["SDIFF", "a", "a"]), set(&[]));
            assert_eq!(c.run(&["SDIFF", "nokey", "a"]), set(&[]));
        });
    }

    #[test]
    fn integer_results_come_back_in_numeric_order() {
        each_store(|c| {
            c.run(&["SADD", "a", "30", "1", "-5"]);
            c.run(&["SADD", "b", "2", "1"]);
            assert_eq!(c.run(&["SUNION", "a", "b"]), set(&["-5", "1", "2", "30"]));
            assert_eq!(c.run(&["SDIFF", "a", "b"]), set(&["-5", "30"]));
        });
    }

    #[test]
    fn store_commands_replace_the_destination() {
        each_store(|c| {
            c.run(&["SADD", "a", "1", "2", "x"]);
            c.run(&["SADD", "b", "2", "3"]);
            c.run(&["SET", "d", "string"]);
            c.run(&["EXPIRE", "d", "100"]);
            assert_eq!(c.run(&["SINTERSTORE", "d", "a", "b"]), int(1));
            assert_eq!(c.run(&["SMEMBERS", "d"]), set(&["2"]));
            assert_eq!(c.run(&["TTL", "d"]), int(-1));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "d"]), bulk("intset"));
            assert_eq!(c.run(&["SUNIONSTORE", "d", "a", "b"]), int(4));
            assert_eq!(c.run(&["OBJECT", "ENCODING", "d"]), bulk("hashtable"));
            assert_eq!(c.run(&["SDIFFSTORE", "d", "a", "b"]), int(2));
            assert_eq!(sorted(c.run(&["SMEMBERS", "d"])), ["1", "x"]);
        });
    }

    #[test]
    fn store_commands_may_name_the_destination_as_a_source() {
        each_store(|c| {
            c.run(&["SADD", "a", "1", "2"]);
            c.run(&["SADD", "b", "2", "3"]);
            assert_eq!(c.run(&["SUNIONSTORE", "a", "a", "b"]), int(3));
            assert_eq!(c.run(&["SMEMBERS", "a"]), set(&["1", "2", "3"]));
        });
    }

    #[test]
    fn an_empty_store_result_deletes_the_destination() {
        each_store(|c| {
            c.run(&["SADD", "a", "1"]);
            c.run(&["SADD", "b", "2"]);
            for cmd in
                [&["SINTERSTORE", "d", "a", "b"][..], &["SDIFFSTORE", "d", "a", "a"], &["SUNIONSTORE", "d", "x", "y"]]
            {
                c.run(&["SET", "d", "v"]);
                assert_eq!(c.run(cmd), int(0), "{cmd:?}");
                assert_eq!(c.run(&["EXISTS", "d"]), int(0), "{cmd:?}");
            }
            c.run(&["SET", "d", "v"]);
            assert_eq!(c.run(&["SINTERSTORE", "d", "a", "nokey"]), int(0));
            assert_eq!(c.run(&["EXISTS", "d"]), int(0));
        });
    }

    #[test]
    fn sintercard_counts_up_to_the_limit() {
        each_store(|c| {
            c.run(&["SADD", "a", "1", "2", "3", "x"]);
            c.run(&["SADD", "b", "1", "2", "3", "y"]);
            assert_eq!(c.run(&["SINTERCARD", "2", "a", "b"]), int(3));
            assert_eq!(c.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "2"]), int(2));
            assert_eq!(c.run(&["SINTERCARD", "2", "a", "b", "limit", "0"]), int(3));
            assert_eq!(c.run(&["SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "0"]), int(3));
            assert_eq!(c.run(&["SINTERCARD", "1", "a"]), int(4));
            assert_eq!(c.run(&["SINTERCARD", "2", "a", "nokey"]), int(0));
        });
    }

    #[test]
    fn sintercard_argument_errors_match_redis() {
        each_store(|c| {
            c.run(&["SADD", "s", "a"]);
            let numkeys = err("ERR numkeys should be greater than 0");
            for n in ["0", "-1", "x"] {
                assert_eq!(c.run(&["SINTERCARD", n, "s"]), numkeys, "{n}");
            }
            assert_eq!(
                c.run(&["SINTERCARD", "2", "s"]),
                err("ERR Number of keys can't be greater than number of args")
            );
            assert_eq!(c.run(&["SINTERCARD", "1", "s", "LIMIT"]), err("ERR syntax error"));
            assert_eq!(c.run(&["SINTERCARD", "1", "s", "FOO"]), err("ERR syntax error"));
            let negative = err("ERR LIMIT can't be negative");
            assert_eq!(c.run(&["SINTERCARD", "1", "s", "LIMIT", "-1"]), negative);
            assert_eq!(c.run(&["SINTERCARD", "1", "s", "LIMIT", "x"]), negative);
        });
    }

    #[test]
    fn smembers_and_combinations_are_set_replies_in_resp3() {
        each_store(|c| {
            c.client.set_protocol(Protocol::Resp3);
            c.run(&["SADD", "s", "a"]);
            assert_eq!(c.run(&["SMEMBERS", "s"]), set(&["a"]));
            assert_eq!(c.run(&["SUNION", "s"]), set(&["a"]));
            assert_eq!(c.run(&["SMEMBERS", "nokey"]), set(&[]));
        });
    }

    /// Scans `key` to the end with `COUNT count`, calling `between` after every step;
    /// returns every member seen (with repeats).
    fn full_sscan(
        c: &mut TestClient,
        key: &str,
        extra: &[&str],
        mut between: impl FnMut(&mut TestClient),
    ) -> Vec<String> {
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        for _ in 0..10_000 {
            let mut cmd = vec!["SSCAN", key, &cursor];
            cmd.extend_from_slice(extra);
            let Frame::Array(parts) = c.run(&cmd) else { panic!("not an array") };
            let [Frame::Bulk(next), items @ Frame::Array(_)] = &parts[..] else { panic!("bad SSCAN reply {parts:?}") };
            seen.extend(sorted(items.clone()));
            let next = String::from_utf8_lossy(next).into_owned();
            if next == "0" {
                return seen;
            }
            between(c);
            cursor = next;
        }
        panic!("SSCAN does not terminate");
    }

    #[test]
    fn sscan_returns_every_member_present_for_the_whole_iteration() {
        each_store(|c| {
            for i in 0..200 {
                c.run(&["SADD", "s", &format!("m{i}")]);
            }
            let mut step = 0;
            let seen = full_sscan(c, "s", &["COUNT", "7"], |c| {
                c.run(&["SREM", "s", &format!("m{step}"), &format!("m{}", 199 - step)]);
                c.run(&["SADD", "s", &format!("new{step}")]);
                step += 1;
            });
            assert!(step > 5, "the scan took several steps");
            for i in step..200 - step {
                assert!(seen.contains(&format!("m{i}")), "m{i} missed");
            }
        });
    }

    #[test]
    fn sscan_of_an_intset_answers_everything_at_once() {
        each_store(|c| {
            c.run(&["SADD", "s", "3", "1", "2"]);
            assert_eq!(
                c.run(&["SSCAN", "s", "0", "COUNT", "1"]),
                arr(vec![bulk("0"), arr(vec![bulk("1"), bulk("2"), bulk("3")])])
            );
        });
    }

    #[test]
    fn sscan_filters_by_match() {
        each_store(|c| {
            for i in 0..50 {
                c.run(&["SADD", "s", &format!("k{i}")]);
            }
            let mut seen = full_sscan(c, "s", &["MATCH", "k1*", "COUNT", "3"], |_| {});
            seen.sort();
            seen.dedup();
            let mut want: Vec<String> = (0..50).map(|i| format!("k{i}")).filter(|k| k.starts_with("k1")).collect();
            want.sort();
            assert_eq!(seen, want);
            assert_eq!(c.run(&["SSCAN", "nokey", "0"]), arr(vec![bulk("0"), arr(vec![])]));
        });
    }

    #[test]
    fn multi_key_reads_count_every_lookup() {
        each_store(|c| {
            c.run(&["SADD", "a", "1"]);
            let stats = |c: &TestClient| {
                let s = &c.engine.stats;
                (s.keyspace_hits.load(Ordering::Relaxed), s.keyspace_misses.load(Ordering::Relaxed))
            };
            let before = stats(c);
            c.run(&["SINTERSTORE", "d", "a", "nokey"]);
            c.run(&["SUNION", "a", "a", "nokey"]);
            c.run(&["SMOVE", "a", "b", "1"]);
            let after = stats(c);
            assert_eq!((after.0 - before.0, after.1 - before.1), (3, 2));
        });
    }

    #[test]
    fn wrong_arity_is_reported_with_the_command_name() {
        each_store(|c| {
            for (cmd, words) in [
                ("sadd", &["SADD", "s"][..]),
                ("smembers", &["SMEMBERS"]),
                ("smove", &["SMOVE", "a", "b"]),
                ("sintercard", &["SINTERCARD", "1"]),
                ("sinterstore", &["SINTERSTORE", "d"]),
                ("sscan", &["SSCAN", "s"]),
            ] {
                assert_eq!(c.run(words), err(&format!("ERR wrong number of arguments for '{cmd}' command")));
            }
        });
    }

    // ---- What the AOF logs ----

    /// The words of one logged command.
    fn words(logged: &str) -> Vec<&str> {
        logged.split(' ').collect()
    }

    #[test]
    fn spop_is_logged_as_srem_of_the_member_it_took() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b"]);
            let log = c.logged(&["SPOP", "s"]);
            let left = sorted(c.run(&["SMEMBERS", "s"]));
            let taken = if left == ["a"] { "b" } else { "a" };
            assert_eq!(log, [format!("SREM s {taken}")]);
            // Even the last member: SREM deletes the emptied set on replay.
            assert_eq!(c.logged(&["SPOP", "s"]), [format!("SREM s {}", left[0])]);
        });
    }

    #[test]
    fn spop_with_a_count_is_logged_as_srem_of_the_members_it_took() {
        each_store(|c| {
            c.run(&["SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
            for count in ["2", "7"] {
                let popped = sorted(c.run(&["SMEMBERS", "s"]));
                let log = c.logged(&["SPOP", "s", count]);
                let left = sorted(c.run(&["SMEMBERS", "s"]));
                assert_eq!(log.len(), 1, "{log:?}");
                let w = words(&log[0]);
                assert_eq!(w[..2], ["SREM", "s"]);
                let mut removed: Vec<String> = w[2..].iter().map(|m| m.to_string()).collect();
                removed.sort();
                let expected: Vec<String> = popped.into_iter().filter(|m| !left.contains(m)).collect();
                assert_eq!(removed, expected);
            }
        });
    }

    #[test]
    fn spop_of_many_members_is_logged_in_batches_of_1024() {
        each_store(|c| {
            let members: Vec<String> = (0..3000).map(|i| format!("m{i}")).collect();
            let mut cmd = vec!["SADD", "s"];
            cmd.extend(members.iter().map(String::as_str));
            c.run(&cmd);
            let log = c.logged(&["SPOP", "s", "2000"]);
            let sizes: Vec<usize> = log.iter().map(|l| words(l).len()).collect();
            assert_eq!(log[0], "MULTI");
            assert_eq!(sizes[1..3], [1024 + 2, 976 + 2]);
            assert_eq!(log[3], "EXEC");
            assert_eq!(c.run(&["SCARD", "s"]), int(1000));
        });
    }

    #[test]
    fn spop_of_the_whole_set_is_logged_as_del() {
        each_store(|c| {
            c.run(&["SADD", "s", "a", "b", "c"]);
            assert_eq!(c.logged(&["SPOP", "s", "3"]), ["DEL s"]);
            c.run(&["SADD", "s", "a", "b", "c"]);
            assert_eq!(c.logged(&["SPOP", "s", "10"]), ["DEL s"]);
        });
    }

    #[test]
    fn set_writes_that_change_nothing_log_nothing() {
        each_store(|c| {
            c.run(&["SADD", "s", "a"]);
            assert!(c.logged(&["SADD", "s", "a"]).is_empty());
            assert!(c.logged(&["SREM", "s", "nope"]).is_empty());
            assert!(c.logged(&["SPOP", "s", "0"]).is_empty());
            assert!(c.logged(&["SPOP", "missing"]).is_empty());
            assert!(c.logged(&["SMOVE", "s", "t", "nope"]).is_empty());
            assert_eq!(c.logged(&["SMOVE", "s", "t", "a"]), ["SMOVE s t a"]);
        });
    }
}

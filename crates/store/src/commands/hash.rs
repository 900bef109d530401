//! Hash commands, as Redis's `t_hash.c`: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN
//! HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
//!
//! Reads go through [`read_hash`], which answers WRONGTYPE for a key of another type and
//! counts the keyspace hit or miss the way Redis's `lookupKeyRead` does; changes go through
//! [`update_hash`], which creates a missing hash when asked and deletes a hash left empty, so
//! no empty hash is ever stored. A changed hash keeps its key's expiry.
//!
//! HINCRBYFLOAT computes in 80-bit extended precision like INCRBYFLOAT
//! (`commands::string::long_double`), because Redis does, and is logged to the AOF as the
//! value it produced (`HSET key field value`), as Redis 7.0 propagates it, so a replay cannot
//! differ in float precision or formatting. HSETNX and HDEL that change nothing log nothing.

use bytes::Bytes;
use resp::{Frame, Protocol};

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::scan::scan_command;
use crate::commands::string::long_double::{self, LongDouble, Parsed};
use crate::commands::typed::{read_typed, update_typed};
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::num::{i64_bytes, parse_i64};
use crate::types::hash::Hash;
use crate::value::Value;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Hash, hset),
    CommandSpec::new("hsetnx", 4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Hash, hsetnx),
    CommandSpec::new("hget", 3, READONLY | FAST, (1, 1, 1), Group::Hash, hget),
    CommandSpec::new("hmget", -3, READONLY | FAST, (1, 1, 1), Group::Hash, hmget),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Hash, hmset),
    CommandSpec::new("hdel", -3, WRITE | FAST, (1, 1, 1), Group::Hash, hdel),
    CommandSpec::new("hlen", 2, READONLY | FAST, (1, 1, 1), Group::Hash, hlen),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, (1, 1, 1), Group::Hash, hstrlen),
    CommandSpec::new("hexists", 3, READONLY | FAST, (1, 1, 1), Group::Hash, hexists),
    CommandSpec::new("hkeys", 2, READONLY, (1, 1, 1), Group::Hash, hkeys),
    CommandSpec::new("hvals", 2, READONLY, (1, 1, 1), Group::Hash, hvals),
    CommandSpec::new("hgetall", 2, READONLY, (1, 1, 1), Group::Hash, hgetall),
    CommandSpec::new("hincrby", 4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Hash, hincrby),
    CommandSpec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, (1, 1, 1), Group::Hash, hincrbyfloat),
    CommandSpec::new("hrandfield", -2, READONLY, (1, 1, 1), Group::Hash, hrandfield),
    CommandSpec::new("hscan", -3, READONLY, (1, 1, 1), Group::Hash, hscan),
];

/// The most elements HRANDFIELD and SRANDMEMBER (and ZRANDMEMBER) return for a negative
/// count, which may repeat elements and so is not bounded by the collection. Redis has no
/// limit and would build a reply of any size; Tandem refuses a larger count with Redis's
/// `ERR value is out of range` rather than exhaust memory building it.
pub const MAX_RANDOM_REPEATS: u64 = 1 << 22;

/// Runs a read-only command on the hash at `key`, counting the lookup as Redis does.
fn read_hash(ctx: &mut Ctx<'_>, key: &[u8], f: impl Fn(Option<&Hash>) -> CommandResult) -> CommandResult {
    read_typed(ctx, key, f)
}

/// Runs `f` on the hash at `key` to change it. A missing key is `Ok(None)` without calling
/// `f`, unless `create` is set: then `f` gets a new hash, stored only if `f` leaves it
/// non-empty. A hash that `f` empties is deleted with its key.
fn update_hash<R>(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    create: bool,
    f: impl FnOnce(&mut Hash) -> Result<R, Frame>,
) -> Result<Option<R>, Frame> {
    update_typed(kv, db, key, create, f)
}

// ---- Setting -----------------------------------------------------------------------------

fn hset(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let added = set_pairs(ctx, args, "hset")?;
    Ok(Frame::Integer(added as i64))
}

/// HMSET: HSET answering OK.
fn hmset(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    set_pairs(ctx, args, "hmset")?;
    Ok(Frame::ok())
}

/// Sets every `field value` pair after the key; returns how many fields are new. An odd
/// number of words is an arity error naming `cmd`.
fn set_pairs(ctx: &mut Ctx<'_>, args: &Args, cmd: &str) -> Result<usize, Frame> {
    let key = args.bytes()?;
    let pairs = args.rest();
    if !pairs.len().is_multiple_of(2) {
        return Err(error::wrong_arity(cmd));
    }
    let added = ctx.write_key(key, |kv, db| {
        update_hash(kv, db, key, true, |h| {
            let mut added = 0;
            for pair in pairs.chunks_exact(2) {
                added += h.insert(&pair[0], &pair[1]) as usize;
            }
            Ok(added)
        })
    })?;
    ctx.notify(class::HASH, "hset", key);
    Ok(added.unwrap_or(0))
}

fn hsetnx(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    let value = args.bytes()?;
    let set = ctx.write_key(key, |kv, db| {
        update_hash(kv, db, key, true, |h| Ok(!h.contains(field) && h.insert(field, value)))
    })?;
    let set = set.unwrap_or(false);
    if set {
        ctx.notify(class::HASH, "hset", key);
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(set as i64))
}

fn hdel(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let fields = args.rest();
    let deleted = ctx.write_key(key, |kv, db| {
        update_hash(kv, db, key, false, |h| Ok((fields.iter().filter(|f| h.remove(f)).count(), h.is_empty())))
    })?;
    let (deleted, emptied) = deleted.unwrap_or_default();
    if deleted > 0 {
        ctx.notify(class::HASH, "hdel", key);
        if emptied {
            ctx.notify(class::GENERIC, "del", key);
        }
    } else {
        ctx.propagate_nothing();
    }
    Ok(Frame::Integer(deleted as i64))
}

// ---- Reading -----------------------------------------------------------------------------

fn hget(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    read_hash(ctx, key, |h| Ok(value_or_null(h.and_then(|h| h.get(field)))))
}

fn hmget(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let fields = args.rest();
    read_hash(ctx, key, |h| Ok(Frame::Array(fields.iter().map(|f| value_or_null(h.and_then(|h| h.get(f)))).collect())))
}

fn value_or_null(value: Option<&[u8]>) -> Frame {
    value.map(Frame::bulk).unwrap_or(Frame::Null)
}

fn hlen(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_hash(ctx, key, |h| Ok(Frame::Integer(h.map_or(0, Hash::len) as i64)))
}

fn hstrlen(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    read_hash(ctx, key, |h| Ok(Frame::Integer(h.and_then(|h| h.get(field)).map_or(0, <[u8]>::len) as i64)))
}

fn hexists(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    read_hash(ctx, key, |h| Ok(Frame::Integer(h.is_some_and(|h| h.contains(field)) as i64)))
}

fn hkeys(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_hash(ctx, key, |h| {
        Ok(Frame::Array(h.into_iter().flat_map(|h| h.iter()).map(|(f, _)| Frame::bulk(f)).collect()))
    })
}

fn hvals(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_hash(ctx, key, |h| {
        Ok(Frame::Array(h.into_iter().flat_map(|h| h.iter()).map(|(_, v)| Frame::bulk(v)).collect()))
    })
}

/// HGETALL: a map in RESP3 (a flat array of field, value in RESP2).
fn hgetall(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    read_hash(ctx, key, |h| {
        Ok(Frame::Map(h.into_iter().flat_map(|h| h.iter()).map(|(f, v)| (Frame::bulk(f), Frame::bulk(v))).collect()))
    })
}

// ---- Counters ----------------------------------------------------------------------------

fn hincrby(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    let by = args.i64()?;
    let n = ctx.write_key(key, |kv, db| {
        update_hash(kv, db, key, true, |h| {
            let current = match h.get(field) {
                None => 0,
                Some(v) => parse_i64(v).ok_or_else(|| Frame::error("ERR hash value is not an integer"))?,
            };
            let n = current.checked_add(by).ok_or_else(error::overflow)?;
            h.insert(field, &i64_bytes(n));
            Ok(n)
        })
    })?;
    ctx.notify(class::HASH, "hincrby", key);
    Ok(Frame::Integer(n.unwrap_or_default()))
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    let field = args.bytes()?;
    let by = match long_double::parse(args.bytes()?) {
        Some(Parsed::Finite(v)) => v,
        Some(Parsed::Infinite) => return Err(Frame::error("ERR value is NaN or Infinity")),
        None => return Err(error::not_float()),
    };
    let text = ctx.write_key(key, |kv, db| {
        update_hash(kv, db, key, true, |h| {
            let current = match h.get(field).map(long_double::parse) {
                None => Some(LongDouble::ZERO),
                Some(Some(Parsed::Finite(v))) => Some(v),
                Some(Some(Parsed::Infinite)) => None,
                Some(None) => return Err(Frame::error("ERR hash value is not a float")),
            };
            let Some(sum) = current.and_then(|v| v.add(by)) else {
                return Err(Frame::error("ERR increment would produce NaN or Infinity"));
            };
            let text = Bytes::from(sum.to_human_string());
            h.insert(field, &text);
            Ok(text)
        })
    })?;
    let text = text.unwrap_or_default();
    ctx.notify(class::HASH, "hincrbyfloat", key);
    ctx.propagate(vec![Bytes::from_static(b"HSET"), key.clone(), field.clone(), text.clone()]);
    Ok(Frame::Bulk(text))
}

// ---- Random fields and scanning ----------------------------------------------------------

/// HRANDFIELD key [count [WITHVALUES]]
fn hrandfield(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let key = args.bytes()?;
    if args.is_empty() {
        return read_hash(ctx, key, |h| Ok(value_or_null(h.and_then(Hash::random).map(|(f, _)| f))));
    }
    let count = random_count(args)?;
    let with_values = match args.next() {
        None => false,
        Some(word) if word.eq_ignore_ascii_case(b"withvalues") && args.is_empty() => true,
        Some(_) => return Err(error::syntax()),
    };
    // Redis's own bound: the reply holds two elements per field.
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(Frame::error("ERR value is out of range"));
    }
    let nested = ctx.client.protocol == Protocol::Resp3;
    read_hash(ctx, key, |h| {
        let Some(h) = h else { return Ok(Frame::Array(Vec::new())) };
        let picks = random_positions(h.len(), count)?;
        let mut reply = Vec::with_capacity(picks.len() * if with_values && !nested { 2 } else { 1 });
        for (field, value) in picks.into_iter().filter_map(|i| h.get_index(i)) {
            let field = Frame::bulk(field);
            match (with_values, nested) {
                (false, _) => reply.push(field),
                (true, true) => reply.push(Frame::Array(vec![field, Frame::bulk(value)])),
                (true, false) => reply.extend([field, Frame::bulk(value)]),
            }
        }
        Ok(Frame::Array(reply))
    })
}

/// The count of HRANDFIELD and SRANDMEMBER: any i64 but `i64::MIN`, whose negation
/// overflows (Redis's range check, with its wording).
pub(crate) fn random_count(args: &Args) -> Result<i64, Frame> {
    let count = args.i64()?;
    if count == i64::MIN {
        return Err(Frame::error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    Ok(count)
}

/// The positions HRANDFIELD and SRANDMEMBER answer for `count` over a collection of `len`
/// elements, as Redis chooses them: a negative count picks `-count` positions independently
/// (repeats allowed; so does a count of 1), a count of at least `len` takes every position in
/// order, and any other count draws that many distinct positions.
pub(crate) fn random_positions(len: usize, count: i64) -> Result<Vec<usize>, Frame> {
    use rand::Rng;
    if count == 0 || len == 0 {
        return Ok(Vec::new());
    }
    let mut rng = rand::thread_rng();
    if count < 0 || count == 1 {
        let n = count.unsigned_abs();
        if n > MAX_RANDOM_REPEATS {
            return Err(Frame::error("ERR value is out of range"));
        }
        return Ok((0..n).map(|_| rng.gen_range(0..len)).collect());
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count >= len {
        return Ok((0..len).collect());
    }
    Ok(rand::seq::index::sample(&mut rng, len, count).into_vec())
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]: field, value pairs.
fn hscan(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    scan_command(
        ctx,
        args,
        |v| match v {
            Value::Hash(h) => Some(&**h),
            _ => None,
        },
        |h, cursor, count, emit| h.scan(cursor, count, |field, value| emit(field, Some(Bytes::copy_from_slice(value)))),
    )
}

#[cfg(test)]
mod tests {
    use crate::testing::{arr, bulk, err, int, ok, TestClient};
    use crate::testing::{bulks, sorted};
    use crate::testing::{each_store, WRONGTYPE};
    use resp::{Frame, Protocol};

    /// The field-value pairs of an HGETALL reply, sorted.
    fn pairs(reply: Frame) -> Vec<(String, String)> {
        let Frame::Map(items) = reply else { panic!("not a map: {reply:?}") };
        let text = |f: Frame| match f {
            Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("not a bulk string: {other:?}"),
        };
        let mut out: Vec<_> = items.into_iter().map(|(f, v)| (text(f), text(v))).collect();
        out.sort();
        out
    }

    fn owned_pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect()
    }

    fn resp3(c: &mut TestClient) {
        c.client.set_protocol(Protocol::Resp3);
    }

    #[test]
    fn hset_counts_new_fields_and_overwrites() {
        each_store(|c| {
            assert_eq!(c.run(&["HSET", "h", "a", "1", "b", "2"]), int(2));
            assert_eq!(c.run(&["HSET", "h", "a", "3", "c", "4"]), int(1));
            assert_eq!(c.run(&["HGET", "h", "a"]), bulk("3"));
            assert_eq!(c.run(&["HLEN", "h"]), int(3));
        });
    }

    #[test]
    fn hset_with_an_odd_number_of_words_is_an_arity_error() {
        each_store(|c| {
            assert_eq!(c.run(&["HSET", "h", "a"]), err("ERR wrong number of arguments for 'hset' command"));
            assert_eq!(c.run(&["HSET", "h", "a", "1", "b"]), err("ERR wrong number of arguments for 'hset' command"));
            assert_eq!(c.run(&["HMSET", "h", "a", "1", "b"]), err("ERR wrong number of arguments for 'hmset' command"));
            assert_eq!(c.run(&["EXISTS", "h"]), int(0));
        });
    }

    #[test]
    fn hmset_answers_ok() {
        each_store(|c| {
            assert_eq!(c.run(&["HMSET", "h", "a", "1", "b", "2"]), ok());
            assert_eq!(c.run(&["HMGET", "h", "a", "b", "c"]), arr(vec![bulk("1"), bulk("2"), Frame::Null]));
        });
    }

    #[test]
    fn hash_fields_and_values_are_binary_safe() {
        each_store(|c| {
            assert_eq!(c.run_bytes(&[b"HSET", b"h", b"\x00\xff", b"a\r\nb"]), int(1));
            assert_eq!(c.run_bytes(&[b"HGET", b"h", b"\x00\xff"]), Frame::Bulk(bytes::Bytes::from_static(b"a\r\nb")));
            assert_eq!(c.run(&["HSET", "h", "", ""]), int(1));
            assert_eq!(c.run(&["HEXISTS", "h", ""]), int(1));
        });
    }

    #[test]
    fn hsetnx_sets_only_a_missing_field() {
        each_store(|c| {
            assert_eq!(c.run(&["HSETNX", "h", "f", "1"]), int(1));
            assert_eq!(c.run(&["HSETNX", "h", "f", "2"]), int(0));
            assert_eq!(c.run(&["HGET", "h", "f"]), bulk("1"));
        });
    }

    #[test]
    fn hget_and_hmget_of_missing_answer_null() {
        each_store(|c| {
            assert_eq!(c.run(&["HGET", "nokey", "f"]), Frame::Null);
            assert_eq!(c.run(&["HMGET", "nokey", "f", "g"]), arr(vec![Frame::Null, Frame::Null]));
            c.run(&["HSET", "h", "f", "v"]);
            assert_eq!(c.run(&["HGET", "h", "nofield"]), Frame::Null);
        });
    }

    #[test]
    fn hdel_counts_removed_fields_and_deletes_an_emptied_hash() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1", "b", "2"]);
            assert_eq!(c.run(&["HDEL", "h", "a", "x", "a"]), int(1));
            assert_eq!(c.run(&["HDEL", "h", "b"]), int(1));
            assert_eq!(c.run(&["EXISTS", "h"]), int(0));
            assert_eq!(c.run(&["HDEL", "h", "b"]), int(0));
        });
    }

    #[test]
    fn hlen_hstrlen_and_hexists_of_missing_are_zero() {
        each_store(|c| {
            assert_eq!(c.run(&["HLEN", "nokey"]), int(0));
            assert_eq!(c.run(&["HSTRLEN", "nokey", "f"]), int(0));
            assert_eq!(c.run(&["HEXISTS", "nokey", "f"]), int(0));
        });
    }

    #[test]
    fn hstrlen_counts_value_bytes() {
        each_store(|c| {
            c.run(&["HSET", "h", "s", "hello", "n", "-123"]);
            assert_eq!(c.run(&["HSTRLEN", "h", "s"]), int(5));
            assert_eq!(c.run(&["HSTRLEN", "h", "n"]), int(4));
            assert_eq!(c.run(&["HSTRLEN", "h", "x"]), int(0));
        });
    }

    #[test]
    fn hkeys_hvals_and_hgetall_list_the_whole_hash() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
            assert_eq!(sorted(c.run(&["HKEYS", "h"])), ["a", "b", "c"]);
            assert_eq!(sorted(c.run(&["HVALS", "h"])), ["1", "2", "3"]);
            assert_eq!(pairs(c.run(&["HGETALL", "h"])), owned_pairs(&[("a", "1"), ("b", "2"), ("c", "3")]));
        });
    }

    #[test]
    fn hkeys_hvals_and_hgetall_of_missing_are_empty() {
        each_store(|c| {
            assert_eq!(c.run(&["HKEYS", "nokey"]), arr(vec![]));
            assert_eq!(c.run(&["HVALS", "nokey"]), arr(vec![]));
            assert_eq!(c.run(&["HGETALL", "nokey"]), Frame::Map(vec![]));
        });
    }

    #[test]
    fn every_hash_command_answers_wrongtype_for_another_type() {
        each_store(|c| {
            c.run(&["SET", "s", "v"]);
            for cmd in [
                &["HSET", "s", "f", "v"][..],
                &["HSETNX", "s", "f", "v"],
                &["HGET", "s", "f"],
                &["HMGET", "s", "f"],
                &["HMSET", "s", "f", "v"],
                &["HDEL", "s", "f"],
                &["HLEN", "s"],
                &["HSTRLEN", "s", "f"],
                &["HEXISTS", "s", "f"],
                &["HKEYS", "s"],
                &["HVALS", "s"],
                &["HGETALL", "s"],
                &["HINCRBY", "s", "f", "1"],
                &["HINCRBYFLOAT", "s", "f", "1"],
                &["HRANDFIELD", "s"],
                &["HRANDFIELD", "s", "0"],
                &["HSCAN", "s", "0"],
            ] {
                assert_eq!(c.run(cmd), err(WRONGTYPE), "{cmd:?}");
            }
            assert_eq!(c.run(&["GET", "s"]), bulk("v"));
        });
    }

    #[test]
    fn object_encoding_of_a_small_hash_is_listpack() {
        each_store(|c| {
            c.run(&["HSET", "h", "f", "v"]);
            assert_eq!(c.run(&["OBJECT", "ENCODING", "h"]), bulk("listpack"));
            assert_eq!(c.run(&["TYPE", "h"]), Frame::simple("hash"));
        });
    }

    #[test]
    fn hash_changes_keep_the_expiry() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1", "b", "2"]);
            c.run(&["EXPIRE", "h", "100"]);
            c.run(&["HSET", "h", "c", "3"]);
            c.run(&["HDEL", "h", "a"]);
            c.run(&["HINCRBY", "h", "b", "1"]);
            assert_eq!(c.run(&["TTL", "h"]), int(100));
        });
    }

    #[test]
    fn hgetall_is_a_map_in_resp3() {
        each_store(|c| {
            resp3(c);
            c.run(&["HSET", "h", "f", "v"]);
            assert_eq!(c.run(&["HGETALL", "h"]), Frame::Map(vec![(bulk("f"), bulk("v"))]));
        });
    }

    #[test]
    fn hincrby_adds_to_a_missing_or_integer_field() {
        each_store(|c| {
            assert_eq!(c.run(&["HINCRBY", "h", "f", "5"]), int(5));
            assert_eq!(c.run(&["HINCRBY", "h", "f", "-7"]), int(-2));
            assert_eq!(c.run(&["HGET", "h", "f"]), bulk("-2"));
        });
    }

    #[test]
    fn hincrby_rejects_non_integers_and_overflow() {
        each_store(|c| {
            c.run(&["HSET", "h", "s", "abc", "f", "1.5", "max", "9223372036854775807", "z", "01"]);
            let not_int = err("ERR hash value is not an integer");
            assert_eq!(c.run(&["HINCRBY", "h", "s", "1"]), not_int);
            assert_eq!(c.run(&["HINCRBY", "h", "f", "1"]), not_int);
            assert_eq!(c.run(&["HINCRBY", "h", "z", "1"]), not_int);
            assert_eq!(c.run(&["HINCRBY", "h", "max", "1"]), err("ERR increment or decrement would overflow"));
            assert_eq!(c.run(&["HINCRBY", "h", "s", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["HINCRBY", "h", "min", "-9223372036854775808"]), int(i64::MIN));
            assert_eq!(c.run(&["HINCRBY", "h", "min", "-1"]), err("ERR increment or decrement would overflow"));
        });
    }

    #[test]
    fn hincrby_checks_the_increment_before_the_type() {
        each_store(|c| {
            c.run(&["SET", "s", "v"]);
            assert_eq!(c.run(&["HINCRBY", "s", "f", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "s", "f", "x"]), err("ERR value is not a valid float"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "s", "f", "inf"]), err("ERR value is NaN or Infinity"));
        });
    }

    #[test]
    fn hincrbyfloat_adds_in_long_double_precision() {
        each_store(|c| {
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "f", "0.1"]), bulk("0.1"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "f", "0.2"]), bulk("0.3"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "f", "1e3"]), bulk("1000.29999999999999999"));
            c.run(&["HSET", "h", "g", "5.0e3"]);
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "g", "1"]), bulk("5001"));
            assert_eq!(c.run(&["HGET", "h", "g"]), bulk("5001"));
            assert_eq!(c.run(&["HINCRBY", "h", "g", "1"]), int(5002));
        });
    }

    #[test]
    fn hincrbyfloat_rejects_bad_values_and_infinite_results() {
        each_store(|c| {
            c.run(&["HSET", "h", "s", "abc", "inf", "inf", "big", "1.1e4932"]);
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "s", "1"]), err("ERR hash value is not a float"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "inf", "1"]), err("ERR increment would produce NaN or Infinity"));
            assert_eq!(
                c.run(&["HINCRBYFLOAT", "h", "big", "1.1e4932"]),
                err("ERR increment would produce NaN or Infinity")
            );
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "s", "-inf"]), err("ERR value is NaN or Infinity"));
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "s", "1e5000"]), err("ERR value is not a valid float"));
            assert_eq!(c.run(&["HGET", "h", "big"]), bulk("1.1e4932"));
        });
    }

    #[test]
    fn a_failed_increment_creates_no_key() {
        each_store(|c| {
            assert_eq!(c.run(&["HINCRBYFLOAT", "h", "f", "nan"]), err("ERR value is not a valid float"));
            assert_eq!(c.run(&["EXISTS", "h"]), int(0));
        });
    }

    #[test]
    fn hrandfield_without_count_answers_one_field_or_null() {
        each_store(|c| {
            assert_eq!(c.run(&["HRANDFIELD", "nokey"]), Frame::Null);
            c.run(&["HSET", "h", "a", "1", "b", "2"]);
            for _ in 0..20 {
                let reply = c.run(&["HRANDFIELD", "h"]);
                assert!(reply == bulk("a") || reply == bulk("b"), "{reply:?}");
            }
        });
    }

    #[test]
    fn hrandfield_with_positive_count_answers_distinct_fields() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"]);
            for _ in 0..20 {
                let got = sorted(c.run(&["HRANDFIELD", "h", "3"]));
                assert_eq!(got.len(), 3);
                assert!(got.windows(2).all(|w| w[0] != w[1]), "{got:?}");
            }
            assert_eq!(sorted(c.run(&["HRANDFIELD", "h", "10"])), ["a", "b", "c", "d"]);
            assert_eq!(c.run(&["HRANDFIELD", "h", "0"]), arr(vec![]));
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "3"]), arr(vec![]));
        });
    }

    #[test]
    fn hrandfield_with_negative_count_may_repeat() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1"]);
            assert_eq!(c.run(&["HRANDFIELD", "h", "-3"]), bulks(&["a", "a", "a"]));
            assert_eq!(c.run(&["HRANDFIELD", "h", "-2", "WITHVALUES"]), bulks(&["a", "1", "a", "1"]));
        });
    }

    #[test]
    fn hrandfield_withvalues_nests_pairs_in_resp3() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1"]);
            assert_eq!(c.run(&["HRANDFIELD", "h", "5", "withvalues"]), bulks(&["a", "1"]));
            resp3(c);
            assert_eq!(c.run(&["HRANDFIELD", "h", "5", "WITHVALUES"]), arr(vec![bulks(&["a", "1"])]));
            assert_eq!(
                c.run(&["HRANDFIELD", "h", "-2", "WITHVALUES"]),
                arr(vec![bulks(&["a", "1"]), bulks(&["a", "1"])])
            );
        });
    }

    #[test]
    fn hrandfield_argument_errors_match_redis() {
        each_store(|c| {
            c.run(&["SET", "s", "v"]);
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(
                c.run(&["HRANDFIELD", "nokey", "-9223372036854775808"]),
                err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
            );
            assert_eq!(c.run(&["HRANDFIELD", "s", "1", "foo"]), err("ERR syntax error"));
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "1", "WITHVALUES", "x"]), err("ERR syntax error"));
            let out_of_range = err("ERR value is out of range");
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "-4611686018427387904", "WITHVALUES"]), out_of_range);
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"]), out_of_range);
            assert_eq!(c.run(&["HRANDFIELD", "nokey", "-4611686018427387903", "WITHVALUES"]), arr(vec![]));
        });
    }

    #[test]
    fn hrandfield_refuses_more_repeats_than_the_limit() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1"]);
            let limit = super::MAX_RANDOM_REPEATS as i64;
            assert_eq!(c.run(&["HRANDFIELD", "h", &(-limit - 1).to_string()]), err("ERR value is out of range"));
        });
    }

    #[test]
    fn random_positions_allow_exactly_the_limit_of_repeats() {
        let limit = super::MAX_RANDOM_REPEATS as i64;
        assert_eq!(super::random_positions(3, -limit).map(|p| p.len() as i64), Ok(limit));
        assert!(super::random_positions(3, -limit - 1).is_err());
    }

    /// Scans `key` to the end with `COUNT count`, calling `between` after every step;
    /// returns every field seen (with repeats) and the number of calls.
    fn full_hscan(c: &mut TestClient, key: &str, count: &str, mut between: impl FnMut(&mut TestClient)) -> Vec<String> {
        let mut cursor = "0".to_string();
        let mut seen = Vec::new();
        for _ in 0..10_000 {
            let Frame::Array(parts) = c.run(&["HSCAN", key, &cursor, "COUNT", count]) else { panic!("not an array") };
            let [Frame::Bulk(next), Frame::Array(items)] = &parts[..] else { panic!("bad HSCAN reply {parts:?}") };
            assert_eq!(items.len() % 2, 0);
            for pair in items.chunks(2) {
                let (Frame::Bulk(f), Frame::Bulk(_)) = (&pair[0], &pair[1]) else { panic!("bad pair {pair:?}") };
                seen.push(String::from_utf8_lossy(f).into_owned());
            }
            cursor = String::from_utf8_lossy(next).into_owned();
            if cursor == "0" {
                return seen;
            }
            between(c);
        }
        panic!("HSCAN does not terminate");
    }

    #[test]
    fn hscan_returns_field_value_pairs() {
        each_store(|c| {
            c.run(&["HSET", "h", "a", "1"]);
            assert_eq!(c.run(&["HSCAN", "h", "0"]), arr(vec![bulk("0"), bulks(&["a", "1"])]));
            assert_eq!(c.run(&["HSCAN", "nokey", "0"]), arr(vec![bulk("0"), arr(vec![])]));
        });
    }

    #[test]
    fn hscan_of_a_small_hash_answers_in_insertion_order() {
        each_store(|c| {
            c.run(&["HSET", "h", "b", "1", "a", "2", "c", "3"]);
            assert_eq!(c.run(&["HSCAN", "h", "0"]), arr(vec![bulk("0"), bulks(&["b", "1", "a", "2", "c", "3"])]));
        });
    }

    #[test]
    fn hscan_returns_every_field_present_for_the_whole_iteration() {
        each_store(|c| {
            for i in 0..200 {
                c.run(&["HSET", "h", &format!("f{i}"), "v"]);
            }
            let mut step = 0;
            let seen = full_hscan(c, "h", "7", |c| {
                // Churn: delete fields (from both ends of the insertion order) and add new ones.
                c.run(&["HDEL", "h", &format!("f{step}"), &format!("f{}", 199 - step)]);
                c.run(&["HSET", "h", &format!("new{step}"), "v"]);
                step += 1;
            });
            for i in step..200 - step {
                assert!(seen.contains(&format!("f{i}")), "f{i} missed");
            }
        });
    }

    #[test]
    fn hscan_filters_by_match() {
        each_store(|c| {
            for i in 0..30 {
                c.run(&["HSET", "h", &format!("user:{i}"), "v", &format!("other:{i}"), "v"]);
            }
            let mut seen = full_hscan(c, "h", "1000", |_| {});
            assert_eq!(seen.len(), 60);
            let Frame::Array(parts) = c.run(&["HSCAN", "h", "0", "MATCH", "user:1*", "COUNT", "1000"]) else {
                panic!()
            };
            seen = sorted(parts[1].clone()).into_iter().filter(|s| s != "v").collect();
            let mut want: Vec<String> =
                (0..30).map(|i| format!("user:{i}")).filter(|s| s.starts_with("user:1")).collect();
            want.sort();
            assert_eq!(seen, want);
        });
    }

    #[test]
    fn hscan_checks_cursor_then_key_then_options() {
        each_store(|c| {
            c.run(&["SET", "s", "v"]);
            c.run(&["HSET", "h", "f", "v"]);
            assert_eq!(c.run(&["HSCAN", "nokey", "x"]), err("ERR invalid cursor"));
            assert_eq!(c.run(&["HSCAN", "nokey", "0", "COUNT", "0"]), arr(vec![bulk("0"), arr(vec![])]));
            assert_eq!(c.run(&["HSCAN", "s", "0", "COUNT", "0"]), err(WRONGTYPE));
            assert_eq!(c.run(&["HSCAN", "h", "0", "COUNT", "0"]), err("ERR syntax error"));
            assert_eq!(c.run(&["HSCAN", "h", "0", "COUNT", "x"]), err("ERR value is not an integer or out of range"));
            assert_eq!(c.run(&["HSCAN", "h", "0", "TYPE", "string"]), err("ERR syntax error"));
            assert_eq!(c.run(&["HSCAN", "h", "0", "MATCH"]), err("ERR syntax error"));
            assert_eq!(c.run(&["HSCAN", "h", "18446744073709551616"]), err("ERR invalid cursor"));
            assert_eq!(c.run(&["HSCAN", "h", "-1"]), arr(vec![bulk("0"), bulks(&["f", "v"])]));
        });
    }

    #[test]
    fn hash_reads_count_keyspace_hits_and_misses() {
        each_store(|c| {
            c.run(&["HSET", "h", "f", "v"]);
            let stats = &c.engine.stats;
            let before = (
                stats.keyspace_hits.load(std::sync::atomic::Ordering::Relaxed),
                stats.keyspace_misses.load(std::sync::atomic::Ordering::Relaxed),
            );
            c.run(&["HGET", "h", "f"]);
            c.run(&["HGET", "nokey", "f"]);
            c.run(&["HSCAN", "h", "0"]);
            c.run(&["HSET", "h", "g", "v"]);
            let stats = &c.engine.stats;
            let after = (
                stats.keyspace_hits.load(std::sync::atomic::Ordering::Relaxed),
                stats.keyspace_misses.load(std::sync::atomic::Ordering::Relaxed),
            );
            assert_eq!((after.0 - before.0, after.1 - before.1), (2, 1));
        });
    }

    #[test]
    fn wrong_arity_is_reported_with_the_command_name() {
        each_store(|c| {
            for (cmd, words) in [
                ("hset", &["HSET", "h", "f"][..]),
                ("hget", &["HGET", "h"]),
                ("hmget", &["HMGET", "h"]),
                ("hdel", &["HDEL", "h"]),
                ("hlen", &["HLEN"]),
                ("hincrby", &["HINCRBY", "h", "f"]),
                ("hrandfield", &["HRANDFIELD"]),
                ("hscan", &["HSCAN", "h"]),
            ] {
                assert_eq!(c.run(words), err(&format!("ERR wrong number of arguments for '{cmd}' command")));
            }
        });
    }

    // ---- What the AOF logs ----

    #[test]
    fn hincrbyfloat_is_logged_as_hset_of_its_result() {
        each_store(|c| {
            assert_eq!(c.logged(&["HINCRBYFLOAT", "h", "f", "0.1"]), ["HSET h f 0.1"]);
            assert_eq!(c.logged(&["HINCRBYFLOAT", "h", "f", "0.2"]), ["HSET h f 0.3"]);
            assert_eq!(c.logged(&["HINCRBYFLOAT", "h", "f", "1e3"]), ["HSET h f 1000.29999999999999999"]);
        });
    }

    #[test]
    fn hash_writes_that_change_nothing_log_nothing() {
        each_store(|c| {
            c.run(&["HSET", "h", "f", "1"]);
            assert!(c.logged(&["HSETNX", "h", "f", "2"]).is_empty());
            assert!(c.logged(&["HDEL", "h", "nope"]).is_empty());
            assert!(c.logged(&["HDEL", "missing", "f"]).is_empty());
            assert_eq!(c.logged(&["HSETNX", "h", "g", "2"]), ["HSETNX h g 2"]);
            assert_eq!(c.logged(&["HDEL", "h", "f", "nope"]), ["HDEL h f nope"]);
        });
    }
}

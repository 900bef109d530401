//! Replaying what commands log rebuilds what they did: random sequences of write commands
//! (strings with expiries and floats, lists with pops and moves, blocking pops, hashes, sets
//! with SPOP, sorted sets, key commands, SELECT, MULTI/EXEC) run on engine A while its effects
//! are captured; after every command, the effects it logged are replayed as plain requests
//! (selecting each effect's database) on engine B, over the other store, and both keyspaces
//! must then be identical in every database: keys, types, values and absolute expiries.
//!
//! This is what the AOF relies on: a command whose arguments would not replay to the same
//! data (a random SPOP, a relative EXPIRE, a float INCRBYFLOAT, a BLPOP that picked one of
//! its keys) must log what it actually did.
//!
//! Time cannot flake it: relative expiries are long (at least 1000 s) and absolute ones are
//! far in the future or long past (deleting at once), so no key expires while a case runs,
//! and B's expiries must equal A's to the millisecond because A logged absolute times.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use proptest::prelude::*;
use resp::Frame;
use store::command::Effect;
use store::keyspace::with_view;
use store::testing::{TestClient, STORES};
use store::value::{Value, NO_EXPIRY};
use store::Scope;

const KEYS: &[&str] = &["a", "b", "c", "d"];
const VALUES: &[&str] = &["v", "1", "-3", "2.5", "abc", "10"];
const MEMBERS: &[&str] = &["1", "2", "10", "x", "y", "z"];
const FLOATS: &[&str] = &["0.1", "-1.5", "3", "1e3", "0.333"];
/// The databases commands run in (of the 16 every engine has, all compared).
const DATABASES: u32 = 4;
/// 2100-01-01 in unix seconds: an absolute expiry no case outlives.
const FAR: u64 = 4_102_444_800;

fn w(s: &str) -> String {
    s.to_string()
}

fn pick(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(items).prop_map(String::from)
}

fn key() -> impl Strategy<Value = String> {
    pick(KEYS)
}

fn keys() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(key(), 1..3)
}

fn members() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(pick(MEMBERS), 1..5)
}

fn side() -> impl Strategy<Value = String> {
    pick(&["LEFT", "RIGHT"])
}

fn db() -> impl Strategy<Value = String> {
    (0..DATABASES).prop_map(|n| n.to_string())
}

/// Seconds far enough ahead that nothing expires during a case.
fn ttl_seconds() -> impl Strategy<Value = u64> {
    1000..100_000u64
}

/// An expiry option of SET or GETEX: relative (long), absolute (far ahead), or KEEPTTL.
fn set_expiry() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => Just(vec![]),
        2 => ttl_seconds().prop_map(|s| vec![w("EX"), s.to_string()]),
        1 => ttl_seconds().prop_map(|s| vec![w("PX"), (s * 1000).to_string()]),
        1 => (0..1000u64).prop_map(|d| vec![w("EXAT"), (FAR + d).to_string()]),
        1 => (0..1000u64).prop_map(|d| vec![w("PXAT"), ((FAR + d) * 1000).to_string()]),
        1 => Just(vec![w("KEEPTTL")]),
    ]
}

fn string_command() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        4 => (key(), pick(VALUES), set_expiry(), pick(&["", "NX", "XX"]), any::<bool>()).prop_map(
            |(k, v, expiry, cond, get)| {
                let mut cmd = vec![w("SET"), k, v];
                cmd.extend(expiry);
                cmd.extend((!cond.is_empty()).then_some(cond));
                cmd.extend(get.then(|| w("GET")));
                cmd
            }
        ),
        1 => (pick(&["SETEX", "PSETEX"]), key(), ttl_seconds(), pick(VALUES)).prop_map(|(cmd, k, s, v)| {
            let time = if cmd == "PSETEX" { s * 1000 } else { s };
            vec![cmd, k, time.to_string(), v]
        }),
        1 => (key(), pick(VALUES)).prop_map(|(k, v)| vec![w("GETSET"), k, v]),
        1 => key().prop_map(|k| vec![w("GETDEL"), k]),
        2 => (key(), prop_oneof![
            Just(vec![]),
            Just(vec![w("PERSIST")]),
            Just(vec![w("PXAT"), w("1")]),
            set_expiry().prop_filter("not KEEPTTL", |e| e.first().is_none_or(|o| o != "KEEPTTL")),
        ])
        .prop_map(|(k, opts)| [vec![w("GETEX"), k], opts].concat()),
        3 => (key(), pick(FLOATS)).prop_map(|(k, f)| vec![w("INCRBYFLOAT"), k, f]),
        1 => (key(), -5..5i64).prop_map(|(k, n)| vec![w("INCRBY"), k, n.to_string()]),
        1 => (key(), pick(VALUES)).prop_map(|(k, v)| vec![w("APPEND"), k, v]),
        1 => (key(), 0..4u32, pick(&["", "x", "yz"])).prop_map(|(k, at, v)| vec![w("SETRANGE"), k, at.to_string(), v]),
        1 => (key(), pick(VALUES), key(), pick(VALUES)).prop_map(|(k1, v1, k2, v2)| vec![w("MSET"), k1, v1, k2, v2]),
    ]
    .boxed()
}

fn list_command() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        4 => (pick(&["LPUSH", "RPUSH"]), key(), members()).prop_map(|(cmd, k, ms)| [vec![cmd, k], ms].concat()),
        2 => (pick(&["LPOP", "RPOP"]), key(), prop::option::of(0..4u32))
            .prop_map(|(cmd, k, n)| [vec![cmd, k], n.map(|n| n.to_string()).into_iter().collect()].concat()),
        2 => (key(), key(), side(), side()).prop_map(|(s, d, f, t)| vec![w("LMOVE"), s, d, f, t]),
        1 => (key(), key()).prop_map(|(s, d)| vec![w("RPOPLPUSH"), s, d]),
        2 => (keys(), side(), prop::option::of(1..4u32)).prop_map(|(ks, side, n)| {
            let mut cmd = vec![w("LMPOP"), ks.len().to_string()];
            cmd.extend(ks);
            cmd.push(side);
            cmd.extend(n.into_iter().flat_map(|n| [w("COUNT"), n.to_string()]));
            cmd
        }),
        // Blocking pops: those that find nothing block, which the harness treats as a timeout.
        3 => (pick(&["BLPOP", "BRPOP"]), keys()).prop_map(|(cmd, ks)| [vec![cmd], ks, vec![w("0")]].concat()),
        2 => (key(), key(), side(), side()).prop_map(|(s, d, f, t)| vec![w("BLMOVE"), s, d, f, t, w("0")]),
        1 => (key(), key()).prop_map(|(s, d)| vec![w("BRPOPLPUSH"), s, d, w("0")]),
        2 => (keys(), side(), 1..4u32).prop_map(|(ks, side, n)| {
            [vec![w("BLMPOP"), w("0"), ks.len().to_string()], ks, vec![side, w("COUNT"), n.to_string()]].concat()
        }),
        2 => (key(), -2..3i64, pick(MEMBERS), pick(&["LREM", "LTRIM", "LSET"])).prop_map(|(k, n, m, cmd)| {
            match cmd.as_str() {
                "LREM" => vec![cmd, k, n.to_string(), m],
                "LTRIM" => vec![cmd, k, n.to_string(), w("-1")],
                _ => vec![cmd, k, n.to_string(), m],
            }
        }),
    ]
    .boxed()
}

fn hash_command() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        3 => (key(), pick(MEMBERS), pick(VALUES)).prop_map(|(k, f, v)| vec![w("HSET"), k, f, v]),
        1 => (key(), pick(MEMBERS), pick(VALUES)).prop_map(|(k, f, v)| vec![w("HSETNX"), k, f, v]),
        1 => (key(), members()).prop_map(|(k, fs)| [vec![w("HDEL"), k], fs].concat()),
        1 => (key(), pick(MEMBERS), -3..4i64).prop_map(|(k, f, n)| vec![w("HINCRBY"), k, f, n.to_string()]),
        3 => (key(), pick(MEMBERS), pick(FLOATS)).prop_map(|(k, f, x)| vec![w("HINCRBYFLOAT"), k, f, x]),
    ]
    .boxed()
}

fn set_command() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        4 => (key(), members()).prop_map(|(k, ms)| [vec![w("SADD"), k], ms].concat()),
        1 => (key(), members()).prop_map(|(k, ms)| [vec![w("SREM"), k], ms].concat()),
        4 => (key(), prop::option::of(0..8u32))
            .prop_map(|(k, n)| [vec![w("SPOP"), k], n.map(|n| n.to_string()).into_iter().collect()].concat()),
        1 => (key(), key(), pick(MEMBERS)).prop_map(|(s, d, m)| vec![w("SMOVE"), s, d, m]),
        1 => (pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), key(), keys())
            .prop_map(|(cmd, d, ks)| [vec![cmd, d], ks].concat()),
    ]
    .boxed()
}

fn zset_command() -> BoxedStrategy<Vec<String>> {
    let score = || prop::sample::select(&["1", "2", "-0.5", "3.25", "10"][..]).prop_map(String::from);
    prop_oneof![
        4 => (key(), pick(&["", "NX", "XX", "GT", "LT", "CH"]), prop::collection::vec((score(), pick(MEMBERS)), 1..4))
            .prop_map(|(k, flag, pairs)| {
                let mut cmd = vec![w("ZADD"), k];
                cmd.extend((!flag.is_empty()).then_some(flag));
                cmd.extend(pairs.into_iter().flat_map(|(s, m)| [s, m]));
                cmd
            }),
        2 => (key(), pick(FLOATS), pick(MEMBERS)).prop_map(|(k, by, m)| vec![w("ZINCRBY"), k, by, m]),
        1 => (key(), members()).prop_map(|(k, ms)| [vec![w("ZREM"), k], ms].concat()),
        2 => (pick(&["ZPOPMIN", "ZPOPMAX"]), key(), prop::option::of(0..4u32))
            .prop_map(|(cmd, k, n)| [vec![cmd, k], n.map(|n| n.to_string()).into_iter().collect()].concat()),
        2 => (keys(), pick(&["MIN", "MAX"]), prop::option::of(1..4u32)).prop_map(|(ks, end, n)| {
            let mut cmd = vec![w("ZMPOP"), ks.len().to_string()];
            cmd.extend(ks);
            cmd.push(end);
            cmd.extend(n.into_iter().flat_map(|n| [w("COUNT"), n.to_string()]));
            cmd
        }),
        2 => (pick(&["BZPOPMIN", "BZPOPMAX"]), keys()).prop_map(|(cmd, ks)| [vec![cmd], ks, vec![w("0")]].concat()),
        1 => (keys(), pick(&["MIN", "MAX"]), 1..4u32).prop_map(|(ks, end, n)| {
            [vec![w("BZMPOP"), w("0"), ks.len().to_string()], ks, vec![end, w("COUNT"), n.to_string()]].concat()
        }),
        1 => (key(), score(), score()).prop_map(|(k, min, max)| vec![w("ZREMRANGEBYSCORE"), k, min, max]),
        1 => (key(), keys()).prop_map(|(d, ks)| [vec![w("ZUNIONSTORE"), d, ks.len().to_string()], ks].concat()),
    ]
    .boxed()
}

fn keys_command() -> BoxedStrategy<Vec<String>> {
    let condition = || pick(&["", "", "NX", "XX", "GT", "LT"]);
    let with = |mut cmd: Vec<String>, cond: String| {
        cmd.extend((!cond.is_empty()).then_some(cond));
        cmd
    };
    prop_oneof![
        3 => (pick(&["EXPIRE", "PEXPIRE"]), key(), ttl_seconds(), condition()).prop_map(move |(cmd, k, s, c)| {
            let time = if cmd == "PEXPIRE" { s * 1000 } else { s };
            with(vec![cmd, k, time.to_string()], c)
        }),
        2 => (pick(&["EXPIREAT", "PEXPIREAT"]), key(), 0..1000u64, condition()).prop_map(move |(cmd, k, d, c)| {
            let time = if cmd == "PEXPIREAT" { (FAR + d) * 1000 } else { FAR + d };
            with(vec![cmd, k, time.to_string()], c)
        }),
        // A time already past deletes the key.
        1 => (pick(&["EXPIRE", "PEXPIREAT"]), key()).prop_map(|(cmd, k)| {
            let time = if cmd == "EXPIRE" { "-1" } else { "1" };
            vec![cmd, k, w(time)]
        }),
        1 => key().prop_map(|k| vec![w("PERSIST"), k]),
        1 => (pick(&["RENAME", "RENAMENX"]), key(), key()).prop_map(|(cmd, s, d)| vec![cmd, s, d]),
        1 => (key(), key(), prop::option::of(db()), any::<bool>()).prop_map(|(s, d, db, replace)| {
            let mut cmd = vec![w("COPY"), s, d];
            cmd.extend(db.into_iter().flat_map(|n| [w("DB"), n]));
            cmd.extend(replace.then(|| w("REPLACE")));
            cmd
        }),
        1 => (key(), db()).prop_map(|(k, n)| vec![w("MOVE"), k, n]),
        1 => keys().prop_map(|ks| [vec![w("DEL")], ks].concat()),
        2 => db().prop_map(|n| vec![w("SELECT"), n]),
    ]
    .boxed()
}

fn command() -> BoxedStrategy<Vec<String>> {
    prop_oneof![
        3 => string_command(),
        3 => list_command(),
        2 => hash_command(),
        2 => set_command(),
        2 => zset_command(),
        3 => keys_command(),
    ]
    .boxed()
}

/// One step: a command, or several run as one transaction.
fn step() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop_oneof![
        8 => command().prop_map(|c| vec![c]),
        1 => prop::collection::vec(command(), 1..5).prop_map(|cmds| {
            [vec![vec![w("MULTI")]], cmds, vec![vec![w("EXEC")]]].concat()
        }),
    ]
}

/// A value as replay must reproduce it: its data, whatever the encoding (an INCRBYFLOAT
/// result stored raw reads back from `SET` as an integer).
#[derive(Debug, PartialEq)]
enum Data {
    Str(Bytes),
    List(Vec<Bytes>),
    Hash(BTreeMap<Bytes, Bytes>),
    Set(BTreeSet<Bytes>),
    /// Members with their scores' bits, in member order.
    ZSet(BTreeMap<Bytes, u64>),
    /// Streams (no command here makes one), by their debug form.
    Other(String),
}

impl Data {
    fn of(value: &Value) -> Data {
        match value {
            Value::Str(s) => Data::Str(s.to_bytes()),
            Value::List(l) => Data::List(l.iter().map(|e| e.to_bytes()).collect()),
            Value::Hash(h) => {
                Data::Hash(h.iter().map(|(f, v)| (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v))).collect())
            }
            Value::Set(s) => Data::Set(s.iter().collect()),
            Value::ZSet(z) => Data::ZSet(z.iter().map(|(m, s)| (Bytes::copy_from_slice(m), s.to_bits())).collect()),
            other => Data::Other(format!("{other:?}")),
        }
    }
}

/// Every live key of every database: (database, key) → (data, absolute expiry).
fn keyspace(c: &TestClient) -> BTreeMap<(usize, Bytes), (Data, i64)> {
    let store = c.engine.store();
    let mut out = BTreeMap::new();
    for db in 0..store.databases() {
        let live = with_view(store, Scope::Db { db, write: false }, |kv| {
            let now = kv.now();
            let mut live = Vec::new();
            kv.for_each(db, &mut |key, entry| {
                if entry.expire_at == NO_EXPIRY || entry.expire_at > now {
                    live.push(((db, key.clone()), (Data::of(&entry.value), entry.expire_at)));
                }
            });
            live
        });
        out.extend(live);
    }
    out
}

/// Replays `effects` on `b` as plain requests, selecting each one's database first.
fn replay(b: &mut TestClient, effects: &[Effect]) {
    for effect in effects {
        if effect.db != b.client.db {
            b.run(&["SELECT", &effect.db.to_string()]);
        }
        // The reply does not matter: an effect fails only where its command failed.
        b.engine.execute(&mut b.client, effect.argv.clone());
        assert!(b.client.block.is_none(), "replaying {effect:?} blocked");
    }
}

fn words(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| {
            let argv: Vec<String> = e.argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            format!("@{} {}", e.db, argv.join(" "))
        })
        .collect()
}

/// Commands a log must never hold, as Redis 7.0 never propagates them: their effect depends
/// on when they run (a relative expiry), on chance (SPOP), on float formatting, or on which
/// of several keys had data (the multi-key and blocking pops); GETDEL and GETSET log only
/// their write.
const NEVER_LOGGED: &[&str] = &[
    "EXPIRE",
    "PEXPIRE",
    "SETEX",
    "PSETEX",
    "GETEX",
    "GETDEL",
    "GETSET",
    "SPOP",
    "INCRBYFLOAT",
    "HINCRBYFLOAT",
    "LMPOP",
    "BLPOP",
    "BRPOP",
    "BLMOVE",
    "BRPOPLPUSH",
    "BLMPOP",
    "ZMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
];

/// Checks that `effect` replays the same whenever it is replayed: not one of
/// [`NEVER_LOGGED`], and no SET with a relative expiry (EX/PX) or a GET.
fn check_replayable(effect: &Effect) -> Result<(), TestCaseError> {
    let is = |word: &Bytes, name: &str| word.eq_ignore_ascii_case(name.as_bytes());
    let name = &effect.argv[0];
    prop_assert!(!NEVER_LOGGED.iter().any(|n| is(name, n)), "{effect:?} was logged as called");
    if is(name, "SET") {
        let relative = effect.argv[3..].iter().any(|w| is(w, "EX") || is(w, "PX") || is(w, "GET"));
        prop_assert!(!relative, "{effect:?} was logged as called");
    }
    Ok(())
}

/// Runs `steps` on a client of `a_store`, replaying after each one what it logged on a
/// client of `b_store`, and checks both keyspaces agree after every step.
fn check_replay(steps: &[Vec<Vec<String>>], a_store: &str, b_store: &str) -> Result<(), TestCaseError> {
    let mut a = TestClient::new(a_store);
    let mut b = TestClient::new(b_store);
    a.engine.persist.capture();
    for step in steps {
        // Commands that failed: one may be logged as called, since it replays to the same
        // failure (WRONGTYPE and the like) and changes nothing either way.
        let mut failed: Vec<Vec<Bytes>> = Vec::new();
        let as_argv = |cmd: &[String]| cmd.iter().map(|w| Bytes::from(w.clone())).collect::<Vec<_>>();
        for cmd in step {
            let request: Vec<&str> = cmd.iter().map(String::as_str).collect();
            let reply = a.run(&request);
            // A blocking command that found nothing would wait: treat it as timed out.
            a.client.block = None;
            if reply.is_error() {
                failed.push(as_argv(cmd));
            }
            if let (true, Frame::Array(replies)) = (cmd[0] == "EXEC", &reply) {
                let queued = &step[1..step.len() - 1];
                for (cmd, reply) in queued.iter().zip(replies) {
                    if reply.is_error() {
                        failed.push(as_argv(cmd));
                    }
                }
            }
        }
        let effects = a.engine.persist.take_captured();
        for effect in effects.iter().filter(|e| !failed.contains(&e.argv)) {
            check_replayable(effect)?;
        }
        replay(&mut b, &effects);
        let (left, right) = (keyspace(&a), keyspace(&b));
        prop_assert!(
            left == right,
            "after {step:?} ({a_store} → {b_store}), logged as {:?}:\nA: {left:?}\nB: {right:?}",
            words(&effects)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn replaying_the_logged_effects_rebuilds_the_same_keyspace(steps in prop::collection::vec(step(), 1..40)) {
        for (i, a_store) in STORES.iter().enumerate() {
            let b_store = STORES[(i + 1) % STORES.len()];
            check_replay(&steps, a_store, b_store)?;
        }
    }
}

#[test]
fn a_relative_expire_replays_to_the_same_absolute_expiry() {
    for store in STORES {
        let mut a = TestClient::new(store);
        let mut b = TestClient::new(store);
        a.engine.persist.capture();
        a.run(&["SET", "k", "v", "EX", "5000"]);
        a.run(&["SELECT", "2"]);
        a.run(&["SET", "j", "v"]);
        a.run(&["EXPIRE", "j", "7000"]);
        let effects = a.engine.persist.take_captured();
        // Replayed a little later, the absolute times still match to the millisecond.
        std::thread::sleep(std::time::Duration::from_millis(5));
        replay(&mut b, &effects);
        let (left, right) = (keyspace(&a), keyspace(&b));
        assert_eq!(left.len(), 2);
        assert!(left == right, "{left:?}\n{right:?}");
    }
}

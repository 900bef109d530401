//! Every store under threads: writes to one collection from many threads are never lost,
//! readers never see a multi-key write half-made, DBSIZE is exact while keys move between
//! shards and databases, and a key given a new expiry in place is not collected on its old
//! one. (The lock-free store changes collections in place under
//! per-stripe locks; these are the properties that design must keep.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use resp::Frame;

use crate::testing::{int, TestClient, STORES};

const WRITERS: usize = 4;
const ROUNDS: usize = 1500;

fn integer(reply: Frame) -> i64 {
    match reply {
        Frame::Integer(n) => n,
        Frame::Bulk(b) => std::str::from_utf8(&b).expect("utf8").parse().expect("integer"),
        other => panic!("not an integer: {other:?}"),
    }
}

/// Runs `writers` and `readers` (each given a client and its index) on threads over one
/// engine; readers run until every writer is done.
fn race(
    c: &TestClient,
    writers: usize,
    write: impl Fn(&mut TestClient, usize) + Sync,
    readers: usize,
    read: impl Fn(&mut TestClient) + Sync,
) {
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let readers: Vec<_> = (0..readers)
            .map(|_| {
                let mut r = TestClient::on(Arc::clone(&c.engine));
                let (done, read) = (&done, &read);
                s.spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        read(&mut r);
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..writers)
            .map(|i| {
                let mut w = TestClient::on(Arc::clone(&c.engine));
                let write = &write;
                s.spawn(move || write(&mut w, i))
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        done.store(true, Ordering::Release);
        for r in readers {
            r.join().expect("reader");
        }
    });
}

#[test]
fn increments_of_one_hash_field_from_many_threads_are_never_lost() {
    for store in STORES {
        let mut c = TestClient::new(store);
        c.run(&["HSET", "h", "n", "0"]);
        race(
            &c,
            WRITERS,
            |w, i| {
                for r in 0..ROUNDS {
                    w.run(&["HINCRBY", "h", "n", "1"]);
                    w.run(&["HSET", "h", &format!("f{i}-{r}"), "x"]);
                }
            },
            2,
            |r| {
                let n = integer(r.run(&["HGET", "h", "n"]));
                let len = integer(r.run(&["HLEN", "h"]));
                assert!((0..=(WRITERS * ROUNDS) as i64).contains(&n), "{store}: {n}");
                assert!(len >= 1, "{store}: {len}");
            },
        );
        assert_eq!(c.run(&["HGET", "h", "n"]), crate::testing::bulk(&(WRITERS * ROUNDS).to_string()), "{store}");
        assert_eq!(c.run(&["HLEN", "h"]), int((WRITERS * ROUNDS + 1) as i64), "{store}");
    }
}

/// How many members a SUNION/SINTER reply has (an array in RESP2, a set in RESP3).
fn members(reply: Frame) -> usize {
    match reply {
        Frame::Array(items) | Frame::Set(items) => items.len(),
        other => panic!("not a set of members: {other:?}"),
    }
}

#[test]
fn readers_never_see_a_move_between_two_sets_half_made() {
    const MEMBERS: usize = 64;
    for store in STORES {
        let mut c = TestClient::new(store);
        for m in 0..MEMBERS {
            c.run(&["SADD", if m % 2 == 0 { "a" } else { "b" }, &format!("m{m}")]);
        }
        race(
            &c,
            3,
            |w, i| {
                for r in 0..ROUNDS {
                    let m = format!("m{}", (r * 7 + i) % MEMBERS);
                    if i == 2 {
                        // Single-key writes, in place, on a set the readers do not check.
                        w.run(&["SADD", "other", &m]);
                        w.run(&["SREM", "other", &m]);
                    } else if r % 2 == 0 {
                        w.run(&["SMOVE", "a", "b", &m]);
                    } else {
                        w.run(&["SMOVE", "b", "a", &m]);
                    }
                }
            },
            2,
            |r| {
                assert!(members(r.run(&["SUNION", "a", "b", "other"])) >= MEMBERS, "{store}");
                assert_eq!(members(r.run(&["SUNION", "a", "b"])), MEMBERS, "{store}");
                assert_eq!(members(r.run(&["SINTER", "a", "b"])), 0, "{store}");
            },
        );
        assert_eq!(members(c.run(&["SUNION", "a", "b"])), MEMBERS, "{store}");
        assert_eq!(c.run(&["SCARD", "other"]), int(0), "{store}");
    }
}

#[test]
fn elements_moved_between_lists_by_many_threads_are_all_kept() {
    for store in STORES {
        let mut c = TestClient::new(store);
        race(
            &c,
            WRITERS,
            |w, i| {
                for r in 0..ROUNDS {
                    w.run(&["RPUSH", "src", &format!("{i}-{r}")]);
                    if r % 2 == 1 {
                        w.run(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]);
                    }
                }
            },
            2,
            |r| {
                // The sum of the lengths is checked at the end (the EXEC test below checks it
                // under movers); here, what readers see of the lists while they change.
                assert_ne!(r.run(&["TYPE", "src"]), Frame::Simple("string".into()));
                let Frame::Array(items) = r.run(&["LRANGE", "dst", "0", "3"]) else { panic!("LRANGE") };
                for item in items {
                    let Frame::Bulk(b) = item else { panic!("not a bulk string: {item:?}") };
                    let text = std::str::from_utf8(&b).expect("utf8");
                    assert!(
                        text.split_once('-')
                            .is_some_and(|(i, r)| i.parse::<usize>().is_ok() && r.parse::<usize>().is_ok()),
                        "{store}: {text}"
                    );
                }
            },
        );
        let src = integer(c.run(&["LLEN", "src"]));
        let dst = integer(c.run(&["LLEN", "dst"]));
        assert_eq!(src + dst, (WRITERS * ROUNDS) as i64, "{store}");
        assert_eq!(dst, (WRITERS * ROUNDS / 2) as i64, "{store}");
    }
}

#[test]
fn exec_reads_two_lists_consistently_while_threads_move_between_them() {
    for store in STORES {
        let mut c = TestClient::new(store);
        for i in 0..100 {
            c.run(&["RPUSH", "x", &i.to_string()]);
        }
        race(
            &c,
            2,
            |w, _| {
                for _ in 0..ROUNDS {
                    w.run(&["LMOVE", "x", "y", "LEFT", "RIGHT"]);
                    w.run(&["LMOVE", "y", "x", "LEFT", "RIGHT"]);
                }
            },
            2,
            |r| {
                r.run(&["MULTI"]);
                r.run(&["LLEN", "x"]);
                r.run(&["LLEN", "y"]);
                let Frame::Array(lens) = r.run(&["EXEC"]) else { panic!("EXEC") };
                let total: i64 = lens.into_iter().map(integer).sum();
                assert_eq!(total, 100, "{store}");
            },
        );
    }
}

#[test]
fn a_collection_given_no_expiry_in_place_is_not_collected_on_its_old_one() {
    for store in STORES {
        let mut c = TestClient::new(store);
        c.run(&["HSET", "h", "f", "v"]);
        c.run(&["SET", "s", "v"]);
        c.run(&["EXPIRE", "h", "100"]);
        c.run(&["EXPIRE", "s", "100"]);
        c.run(&["PERSIST", "h"]);
        c.run(&["PERSIST", "s"]);
        let store_ref = c.engine.store();
        let mut expired = Vec::new();
        let far = crate::clock::now_ms() + 1_000_000;
        for slot in 0..store_ref.expire_slots() {
            store_ref.expire_sample(0, slot, 20, far, &mut expired);
        }
        assert!(expired.is_empty(), "{store}: {expired:?}");
        assert_eq!(c.run(&["HGET", "h", "f"]), crate::testing::bulk("v"), "{store}");
        assert_eq!(c.run(&["TTL", "h"]), int(-1), "{store}");
    }
}

#[test]
fn a_key_turning_from_a_hash_into_a_string_in_place_is_read_whole() {
    // SET over a hash and APPENDs to the result change the lock-free store's record in place
    // (it was made for a collection, and stays read under its stripe's lock); readers that
    // took it for an immutable string would read it while it changes.
    for store in STORES {
        let c = TestClient::new(store);
        race(
            &c,
            1,
            |w, _| {
                for _ in 0..ROUNDS {
                    w.run(&["HSET", "k", "f", "v"]);
                    w.run(&["SET", "k", "s"]);
                    for _ in 0..3 {
                        w.run(&["APPEND", "k", "xxxxxxxxxxxxxxxxxxxxxxxx"]);
                    }
                    w.run(&["DEL", "k"]);
                }
            },
            2,
            |r| {
                match r.run(&["GET", "k"]) {
                    Frame::Null => {}
                    Frame::Error(e) => assert!(e.starts_with(b"WRONGTYPE"), "{store}: {e:?}"),
                    Frame::Bulk(b) => {
                        let text = std::str::from_utf8(&b).expect("utf8");
                        let tail = text.strip_prefix('s').unwrap_or_else(|| panic!("{store}: {text}"));
                        assert!(tail.len().is_multiple_of(24) && tail.bytes().all(|b| b == b'x'), "{store}: {text}");
                    }
                    other => panic!("{store}: {other:?}"),
                }
                match r.run(&["HGET", "k", "f"]) {
                    Frame::Null => {}
                    Frame::Error(e) => assert!(e.starts_with(b"WRONGTYPE"), "{store}: {e:?}"),
                    other => assert_eq!(other, crate::testing::bulk("v"), "{store}"),
                }
            },
        );
    }
}

/// SETs `{prefix}0` .. `{prefix}{n-1}` in the client's database.
fn set_keys(c: &mut TestClient, prefix: &str, n: usize) {
    for i in 0..n {
        c.run(&["SET", &format!("{prefix}{i}"), "v"]);
    }
}

#[test]
fn dbsize_is_exact_while_threads_rename_keys_between_shards() {
    // A RENAME empties one shard's slot and fills another's in one view; DBSIZE, which
    // reads a count rather than locking the shards, must never see the key in neither or
    // in both.
    for store in STORES {
        let mut c = TestClient::new(store);
        set_keys(&mut c, "k", WRITERS * 8);
        let expected = int((WRITERS * 8) as i64);
        race(
            &c,
            WRITERS,
            |w, i| {
                for round in 0..ROUNDS {
                    let k = format!("k{}", i * 8 + round % 8);
                    let moved = format!("{k}:moved");
                    w.run(&["RENAME", &k, &moved]);
                    w.run(&["RENAME", &moved, &k]);
                }
            },
            2,
            |r| assert_eq!(r.run(&["DBSIZE"]), expected, "{store}"),
        );
    }
}

#[test]
fn dbsize_sees_each_database_whole_while_another_thread_swaps_them() {
    for store in STORES {
        let mut c = TestClient::new(store);
        set_keys(&mut c, "a", 30);
        c.run(&["SELECT", "1"]);
        set_keys(&mut c, "b", 10);
        race(
            &c,
            1,
            |w, _| {
                for _ in 0..ROUNDS {
                    w.run(&["SWAPDB", "0", "1"]);
                }
            },
            2,
            |r| {
                let n = r.run(&["DBSIZE"]);
                assert!(n == int(30) || n == int(10), "{store}: {n:?}");
            },
        );
        c.run(&["SELECT", "0"]);
        // An even number of swaps: back where it started.
        assert_eq!(c.run(&["DBSIZE"]), int(30), "{store}");
    }
}

#[test]
fn scan_returns_every_key_present_throughout_while_threads_add_and_delete_others() {
    // SCAN's guarantee: a key present for the whole iteration is returned. A SCAN step now
    // locks one shard at a time, so writers run between (and during) its steps.
    for store in STORES {
        let mut c = TestClient::new(store);
        set_keys(&mut c, "stable", 200);
        race(
            &c,
            WRITERS,
            |w, i| {
                for round in 0..ROUNDS {
                    let k = format!("churn{i}:{}", round % 50);
                    w.run(&["SET", &k, "v"]);
                    if round % 3 == 0 {
                        w.run(&["DEL", &k]);
                    }
                }
            },
            1,
            |r| {
                let mut seen = std::collections::HashSet::new();
                let mut cursor = "0".to_string();
                loop {
                    let Frame::Array(reply) = r.run(&["SCAN", &cursor, "COUNT", "7"]) else { panic!("SCAN") };
                    let [Frame::Bulk(next), Frame::Array(keys)] = &reply[..] else { panic!("SCAN reply") };
                    for k in keys {
                        let Frame::Bulk(k) = k else { panic!("key") };
                        if k.starts_with(b"stable") {
                            seen.insert(k.clone());
                        }
                    }
                    cursor = std::str::from_utf8(next).expect("cursor").to_string();
                    if cursor == "0" {
                        break;
                    }
                }
                assert_eq!(seen.len(), 200, "{store}");
            },
        );
    }
}

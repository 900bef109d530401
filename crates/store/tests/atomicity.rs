//! Concurrency: many threads on shared keys through the command layer, on every store.
//! No increment is lost, APPEND never loses a piece, RENAME never duplicates or loses a
//! value, and MSET is all-or-nothing as seen by MGET.

use std::sync::Arc;
use std::thread;

use resp::Frame;
use store::testing::{TestClient, STORES};

const THREADS: usize = 8;
const ROUNDS: usize = 500;

fn engine_of(store: &str) -> Arc<store::Engine> {
    TestClient::new(store).engine
}

#[test]
fn concurrent_incr_loses_no_increment() {
    for store in STORES {
        let engine = engine_of(store);
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let e = engine.clone();
                thread::spawn(move || {
                    let mut c = TestClient::on(e);
                    for _ in 0..ROUNDS {
                        assert!(matches!(c.run(&["INCR", "counter"]), Frame::Integer(_)));
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let mut c = TestClient::on(engine);
        assert_eq!(c.run(&["GET", "counter"]), Frame::bulk((THREADS * ROUNDS).to_string()), "store {store}");
    }
}

#[test]
fn concurrent_append_keeps_every_piece() {
    for store in STORES {
        let engine = engine_of(store);
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let e = engine.clone();
                thread::spawn(move || {
                    let mut c = TestClient::on(e);
                    let piece = ((b'a' + t as u8) as char).to_string();
                    for _ in 0..ROUNDS {
                        c.run(&["APPEND", "log", &piece]);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let mut c = TestClient::on(engine);
        let Frame::Bulk(v) = c.run(&["GET", "log"]) else { panic!("no log") };
        assert_eq!(v.len(), THREADS * ROUNDS, "store {store}");
        for t in 0..THREADS {
            let ch = b'a' + t as u8;
            assert_eq!(v.iter().filter(|&&b| b == ch).count(), ROUNDS, "store {store}");
        }
    }
}

#[test]
fn mset_is_all_or_nothing_for_mget() {
    for store in STORES {
        let engine = engine_of(store);
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let e = engine.clone();
                thread::spawn(move || {
                    let mut c = TestClient::on(e);
                    for i in 0..ROUNDS {
                        let v = format!("{t}-{i}");
                        assert_eq!(c.run(&["MSET", "k1", &v, "k2", &v, "k3", &v]), Frame::ok());
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let e = engine.clone();
                thread::spawn(move || {
                    let mut c = TestClient::on(e);
                    for _ in 0..ROUNDS {
                        let Frame::Array(vals) = c.run(&["MGET", "k1", "k2", "k3"]) else { panic!("MGET") };
                        assert!(vals.windows(2).all(|w| w[0] == w[1]), "MGET saw a half-applied MSET: {vals:?}");
                    }
                })
            })
            .collect();
        for t in writers.into_iter().chain(readers) {
            t.join().unwrap();
        }
    }
}

#[test]
fn rename_ping_pong_never_loses_or_duplicates_the_value() {
    for store in STORES {
        let engine = engine_of(store);
        TestClient::on(engine.clone()).run(&["SET", "left", "token"]);
        let movers: Vec<_> = [("left", "right"), ("right", "left")]
            .into_iter()
            .map(|(from, to)| {
                let e = engine.clone();
                thread::spawn(move || {
                    let mut c = TestClient::on(e);
                    for _ in 0..ROUNDS {
                        let r = c.run(&["RENAME", from, to]);
                        assert!(r == Frame::ok() || r == Frame::error("ERR no such key"), "{r:?}");
                    }
                })
            })
            .collect();
        let checker = {
            let e = engine.clone();
            thread::spawn(move || {
                let mut c = TestClient::on(e);
                for _ in 0..ROUNDS {
                    let n = c.run(&["EXISTS", "left", "right"]);
                    assert_eq!(n, Frame::Integer(1), "the token must be in exactly one place");
                }
            })
        };
        for t in movers.into_iter().chain([checker]) {
            t.join().unwrap();
        }
    }
}

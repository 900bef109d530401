//! [`crate::keyspace::Store::snapshot`] for every store: a snapshot yields the keyspace as
//! it was when it began, whatever writers do while it is read.

use std::collections::BTreeMap;

use crate::keyspace::Snapshot;
use crate::testing::{each_store, TestClient};

/// Every key of `db` in the snapshot with its value as a string (strings) or its TYPE.
fn contents(snap: &mut dyn Snapshot, db: usize) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    snap.visit_db(db, &mut |k, e| {
        let v = match &e.value {
            crate::value::Value::Str(s) => String::from_utf8_lossy(&s.to_bytes()).into_owned(),
            crate::value::Value::Hash(h) => format!("hash:{}", h.len()),
            other => other.type_name().to_string(),
        };
        out.insert(String::from_utf8_lossy(k).into_owned(), v);
        Ok(())
    })
    .expect("visit");
    out
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn a_snapshot_sees_the_keyspace_as_it_was_when_it_began() {
    each_store(|c| {
        c.run(&["SET", "a", "1"]);
        c.run(&["SET", "b", "2"]);
        c.run(&["HSET", "h", "f1", "v", "f2", "v"]);
        c.run(&["SELECT", "3"]);
        c.run(&["SET", "in3", "x"]);
        c.run(&["SELECT", "0"]);
        let engine = c.engine.clone();
        let mut snap = engine.store().snapshot();
        assert_eq!(snap.sizes()[0], (3, 0));
        assert_eq!(snap.sizes()[3], (1, 0));
        c.run(&["SET", "a", "changed"]);
        c.run(&["DEL", "b"]);
        c.run(&["SET", "new", "1"]);
        c.run(&["HSET", "h", "f3", "v"]);
        c.run(&["FLUSHDB"]);
        c.run(&["SWAPDB", "0", "3"]);
        assert_eq!(contents(&mut *snap, 0), expected(&[("a", "1"), ("b", "2"), ("h", "hash:2")]));
        assert_eq!(contents(&mut *snap, 3), expected(&[("in3", "x")]));
        drop(snap);
        // Writers after the snapshot ended change the live keyspace as usual.
        assert_eq!(c.run(&["GET", "in3"]), crate::testing::bulk("x"));
    });
}

#[test]
fn a_new_snapshot_can_begin_after_the_last_one_ended() {
    each_store(|c| {
        c.run(&["SET", "a", "1"]);
        let engine = c.engine.clone();
        drop(engine.store().snapshot());
        c.run(&["SET", "a", "2"]);
        let mut snap = engine.store().snapshot();
        assert_eq!(contents(&mut *snap, 0), expected(&[("a", "2")]));
    });
}

#[test]
fn writers_on_other_threads_keep_running_while_a_snapshot_is_read() {
    for store in crate::testing::STORES {
        let mut c = TestClient::new(store);
        for i in 0..2000 {
            c.run(&["SET", &format!("k{i}"), "0"]);
        }
        c.run(&["HSET", "h", "f", "0"]);
        let engine = c.engine.clone();
        let mut snap = engine.store().snapshot();
        let writer = std::thread::spawn({
            let engine = engine.clone();
            move || {
                let mut w = TestClient::on(engine);
                for i in 0..2000 {
                    w.run(&["SET", &format!("k{i}"), "1"]);
                    w.run(&["HSET", "h", &format!("f{i}"), "1"]);
                }
            }
        });
        let seen = contents(&mut *snap, 0);
        writer.join().expect("writer");
        assert_eq!(seen.len(), 2001, "{store}");
        assert!(seen.iter().filter(|(k, _)| k.starts_with('k')).all(|(_, v)| v == "0"), "{store}");
        assert_eq!(seen["h"], "hash:1", "{store}");
        drop(snap);
        assert_eq!(c.run(&["HLEN", "h"]), crate::testing::int(2001), "{store}");
    }
}

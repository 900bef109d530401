//! Checks an engine's keyspace against what real Redis answered for the same data: the
//! `dump.expected.json` files next to the Redis fixtures in `tests/fixtures/` (see their
//! README). Used after loading an RDB and after replaying an AOF, so it reads the engine,
//! not any loader's output.
//!
//! The JSON maps database → key → `{type, pexpiretime, value, [groups]}`, where `value` is
//! what Redis replied: GET, LRANGE, SMEMBERS (sorted), HGETALL (as a map), ZRANGE WITHSCORES
//! (`[[member, score]]`), XRANGE (`[[id, [field, value, ...]]]`), and `groups` is XINFO
//! GROUPS. Bytes that are not UTF-8 appear as `{"hex": "..."}`. OBJECT ENCODING
//! (`redis_encoding`) is not compared: Tandem reports its own encodings.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::engine::Engine;
use crate::keyspace::{with_view, Scope};
use crate::types::stream::{Stream, ENTRIES_READ_UNKNOWN};
use crate::value::{Entry, Value};

/// Asserts that every database of `engine` holds exactly the keys of `expected_json`, each
/// with the expected type, absolute expiry and value (streams: entries and, per consumer
/// group, its consumer count, pending count, last delivered ID and entries-read).
pub fn assert_matches_expected(engine: &Engine, expected_json: &str) {
    let expected: Json = serde_json::from_str(expected_json).expect("the expected JSON parses");
    let dbs = expected.as_object().expect("the expected JSON is an object of databases");
    let store = engine.store();
    for name in dbs.keys() {
        let db: usize = name.parse().expect("database names are numbers");
        assert!(db < store.databases(), "expected database {db} does not exist in the engine");
    }
    for db in 0..store.databases() {
        let keys = dbs.get(&db.to_string()).map(|k| k.as_object().expect("a database is an object of keys"));
        let expected_len = keys.map_or(0, |k| k.len());
        let len = with_view(store, Scope::Db { db, write: false }, |kv| kv.len(db));
        assert_eq!(len, expected_len, "number of keys in database {db}");
        for (key, spec) in keys.into_iter().flatten() {
            let entry = with_view(store, Scope::Db { db, write: false }, |kv| kv.get(db, key.as_bytes()).cloned());
            let entry = entry.unwrap_or_else(|| panic!("database {db}: key {key:?} is missing"));
            check_key(db, key, &entry, spec);
        }
    }
}

fn check_key(db: usize, key: &str, entry: &Entry, spec: &Json) {
    let at = format!("database {db}, key {key:?}");
    assert_eq!(entry.value.type_name(), spec["type"].as_str().expect("type is a string"), "{at}: type");
    let pexpiretime = spec["pexpiretime"].as_i64().expect("pexpiretime is an integer");
    // PEXPIRETIME answers -1 for a key without expiry, which is also NO_EXPIRY.
    assert_eq!(entry.expire_at, pexpiretime, "{at}: PEXPIRETIME");
    let value = &spec["value"];
    match &entry.value {
        Value::Str(s) => assert_eq!(s.to_bytes(), bytes(value), "{at}: GET"),
        Value::List(list) => {
            let got: Vec<Vec<u8>> = list.iter().map(|e| e.to_vec()).collect();
            assert_eq!(got, byte_list(value), "{at}: LRANGE");
        }
        Value::Set(set) => {
            let mut got: Vec<Vec<u8>> = set.iter().map(|m| m.to_vec()).collect();
            let mut want = byte_list(value);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{at}: SMEMBERS");
        }
        Value::Hash(hash) => {
            let got: BTreeMap<Vec<u8>, Vec<u8>> = hash.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
            let want: BTreeMap<Vec<u8>, Vec<u8>> = value
                .as_object()
                .expect("a hash is an object")
                .iter()
                .map(|(f, v)| (f.as_bytes().to_vec(), bytes(v)))
                .collect();
            assert_eq!(got, want, "{at}: HGETALL");
        }
        Value::ZSet(zset) => {
            let got: Vec<(Vec<u8>, f64)> = zset.iter().map(|(m, s)| (m.to_vec(), s)).collect();
            let want: Vec<(Vec<u8>, f64)> = array(value)
                .iter()
                .map(|pair| {
                    let score = bytes(&pair[1]);
                    let score = crate::num::parse_f64(&score).expect("scores are numbers");
                    (bytes(&pair[0]), score)
                })
                .collect();
            assert_eq!(got, want, "{at}: ZRANGE WITHSCORES");
        }
        Value::Stream(stream) => check_stream(&at, stream, value, &spec["groups"]),
    }
}

fn check_stream(at: &str, stream: &Stream, entries: &Json, groups: &Json) {
    let got: Vec<(String, Vec<Vec<u8>>)> = stream
        .entries
        .iter()
        .map(|(id, fields)| (id.to_string(), fields.iter().map(|f| f.to_vec()).collect()))
        .collect();
    let want: Vec<(String, Vec<Vec<u8>>)> = array(entries)
        .iter()
        .map(|e| (e[0].as_str().expect("an ID is a string").to_string(), byte_list(&e[1])))
        .collect();
    assert_eq!(got, want, "{at}: XRANGE");

    let groups = if groups.is_null() { &[][..] } else { array(groups) };
    assert_eq!(stream.groups.len(), groups.len(), "{at}: number of consumer groups");
    for info in groups {
        // XINFO GROUPS replies with a flat [name, value, name, value, ...] per group.
        let fields: BTreeMap<&str, &Json> =
            array(info).chunks(2).map(|kv| (kv[0].as_str().expect("XINFO field names are strings"), &kv[1])).collect();
        let name = fields["name"].as_str().expect("group name is a string");
        let group =
            stream.groups.get(name.as_bytes()).unwrap_or_else(|| panic!("{at}: consumer group {name:?} is missing"));
        let at = format!("{at}, group {name:?}");
        assert_eq!(group.consumers.len() as u64, fields["consumers"].as_u64().expect("a count"), "{at}: consumers");
        assert_eq!(group.pel.len() as u64, fields["pending"].as_u64().expect("a count"), "{at}: pending");
        assert_eq!(
            group.last_id.to_string(),
            fields["last-delivered-id"].as_str().expect("an ID"),
            "{at}: last-delivered-id"
        );
        // Redis answers nil when entries-read is unknown.
        let entries_read = fields.get("entries-read").and_then(|v| v.as_i64()).unwrap_or(ENTRIES_READ_UNKNOWN);
        assert_eq!(group.entries_read, entries_read, "{at}: entries-read");
    }
}

fn array(v: &Json) -> &[Json] {
    v.as_array().map(Vec::as_slice).unwrap_or_else(|| panic!("expected an array, got {v}"))
}

/// A JSON string, or `{"hex": "..."}` for bytes that are not UTF-8.
fn bytes(v: &Json) -> Vec<u8> {
    if let Some(s) = v.as_str() {
        return s.as_bytes().to_vec();
    }
    let hex = v["hex"].as_str().unwrap_or_else(|| panic!("expected a string or {{\"hex\": ...}}, got {v}"));
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits")).collect()
}

fn byte_list(v: &Json) -> Vec<Vec<u8>> {
    array(v).iter().map(bytes).collect()
}

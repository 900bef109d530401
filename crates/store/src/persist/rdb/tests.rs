//! Tests of the RDB codec as a whole: real Redis 7.0.15 files, hand-built files in every
//! older encoding, round trips of every value type, and corrupt input.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use proptest::prelude::*;

use super::listpack::ListpackBuilder;
use super::ziplist::{encode as legacy, encode_intset};
use super::*;
use crate::keyspace::Scope;
use crate::testing::{fixture::assert_matches_expected, TestClient, STORES};
use crate::types::{
    hash::Hash,
    list::List,
    set::Set,
    stream::{Consumer, ConsumerGroup, PendingEntry, Stream, StreamId, ENTRIES_READ_UNKNOWN},
    zset::ZSet,
};
use crate::value::{Entry, Value, NO_EXPIRY};

const FIXTURE_RDB: &[u8] = include_bytes!("../../../../../tests/fixtures/redis-7.0.15/dump.rdb");
const FIXTURE_JSON: &str = include_str!("../../../../../tests/fixtures/redis-7.0.15/dump.expected.json");
const FIXTURE_AOF_BASE: &[u8] =
    include_bytes!("../../../../../tests/fixtures/redis-7.0.15/appendonlydir/appendonly.aof.1.base.rdb");

/// "Now" for loading: after every expiry the tests mean to be past, before 2100.
const NOW: i64 = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn load_keys(file: &[u8]) -> Result<(Vec<LoadedKey>, LoadSummary), RdbError> {
    let mut keys = Vec::new();
    let summary = load(&mut &file[..], NOW, &mut |k| {
        keys.push(k);
        Ok(())
    })?;
    Ok((keys, summary))
}

/// The only key of `file`.
fn load_one(file: &[u8]) -> Value {
    let (mut keys, _) = load_keys(file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keys.len(), 1, "one key");
    keys.remove(0).entry.value
}

type Keyspace = Vec<(usize, Bytes, Entry)>;

fn write_file(keys: &Keyspace, opts: WriteOptions) -> Vec<u8> {
    let mut by_db: BTreeMap<usize, Vec<(&Bytes, &Entry)>> = BTreeMap::new();
    for (db, key, entry) in keys {
        by_db.entry(*db).or_default().push((key, entry));
    }
    let mut w = RdbWriter::new(Vec::new(), opts).expect("header");
    for (db, keys) in by_db {
        let expires = keys.iter().filter(|(_, e)| e.has_expiry()).count() as u64;
        w.select_db(db, keys.len() as u64, expires).expect("select");
        for (key, entry) in keys {
            w.write_key(key, entry).expect("key");
        }
    }
    let written = w.bytes_written();
    let out = w.finish().expect("finish");
    assert_eq!(out.len() as u64, written + 9, "bytes_written counts everything before the trailer");
    out
}

fn round_trip(keys: &Keyspace, opts: WriteOptions) -> Keyspace {
    let file = write_file(keys, opts);
    let (loaded, summary) = load_keys(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.version, RDB_VERSION);
    assert_eq!(summary.keys_loaded, loaded.len() as u64);
    loaded.into_iter().map(|k| (k.db, k.key, k.entry)).collect()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn string(s: &[u8]) -> Value {
    Value::string(Bytes::copy_from_slice(s))
}

fn list<S: AsRef<[u8]>>(items: &[S]) -> Value {
    Value::List(Box::new(items.iter().map(|s| Bytes::copy_from_slice(s.as_ref())).collect::<List>()))
}

fn set<S: AsRef<[u8]>>(items: &[S]) -> Value {
    let mut set = Set::default();
    for m in items {
        set.insert(m.as_ref(), 512);
    }
    Value::Set(Box::new(set))
}

fn hash<S: AsRef<[u8]>>(pairs: &[(S, S)]) -> Value {
    let mut hash = Hash::default();
    for (f, v) in pairs {
        hash.insert(f.as_ref(), v.as_ref());
    }
    Value::Hash(Box::new(hash))
}

fn zset<S: AsRef<[u8]>>(pairs: &[(S, f64)]) -> Value {
    Value::ZSet(Box::new(pairs.iter().map(|(m, s)| (Bytes::copy_from_slice(m.as_ref()), *s)).collect::<ZSet>()))
}

/// A hand-built RDB file, for encodings and opcodes Tandem's writer does not produce.
struct RawFile(Vec<u8>);

impl RawFile {
    fn new(version: u16) -> RawFile {
        RawFile(format!("REDIS{version:04}").into_bytes())
    }

    fn byte(mut self, b: u8) -> Self {
        self.0.push(b);
        self
    }

    fn bytes(mut self, data: &[u8]) -> Self {
        self.0.extend_from_slice(data);
        self
    }

    fn len(self, n: u64) -> Self {
        match n {
            0..=63 => self.byte(n as u8),
            64..=16383 => self.bytes(&[0x40 | (n >> 8) as u8, n as u8]),
            _ if n <= u32::MAX as u64 => self.byte(0x80).bytes(&(n as u32).to_be_bytes()),
            _ => self.byte(0x81).bytes(&n.to_be_bytes()),
        }
    }

    fn string(self, s: &[u8]) -> Self {
        self.len(s.len() as u64).bytes(s)
    }

    /// An LZF-compressed string.
    fn lzf(self, s: &[u8]) -> Self {
        let c = ::lzf::compress(s).expect("compressible");
        self.byte(0xC3).len(c.len() as u64).len(s.len() as u64).bytes(&c)
    }

    fn key(self, kind: u8, key: &str) -> Self {
        self.byte(kind).string(key.as_bytes())
    }

    /// EOF and, from version 5, the checksum.
    fn finish(self) -> Vec<u8> {
        let version: u16 = std::str::from_utf8(&self.0[5..9]).ok().and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut out = self.byte(opcode::EOF).0;
        if version >= 5 {
            let crc = CRC64.checksum(&out);
            out.extend_from_slice(&crc.to_le_bytes());
        }
        out
    }
}

fn listpack<S: AsRef<[u8]>>(items: &[S]) -> Vec<u8> {
    let mut lp = ListpackBuilder::new();
    for i in items {
        lp.push(i.as_ref());
    }
    lp.finish().expect("small")
}

fn ziplist<S: AsRef<[u8]>>(items: &[S]) -> Vec<u8> {
    legacy::ziplist(&items.iter().map(|s| s.as_ref()).collect::<Vec<_>>())
}

/// Inserts a loaded key into an engine's keyspace, as a server loading a file does.
fn insert(engine: &crate::Engine, k: LoadedKey) {
    let keys = [(k.db, &k.key[..])];
    engine.store().view(Scope::Keys { keys: &keys, write: true }, &mut |kv| {
        kv.insert(k.db, k.key.clone(), k.entry.clone());
    });
}

// ---------------------------------------------------------------------------------------
// Real Redis 7.0.15 files
// ---------------------------------------------------------------------------------------

#[test]
fn redis_7_0_15_dump_loads_into_every_store_as_redis_answers() {
    for store in STORES {
        let engine = TestClient::new(store).engine;
        let summary = load(&mut &FIXTURE_RDB[..], crate::clock::now_ms(), &mut |k| {
            insert(&engine, k);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{store}: {e}"));
        assert_eq!(summary.version, 10);
        assert_eq!(summary.keys_loaded, 20);
        assert_eq!(summary.expired_skipped, 0);
        assert!(summary.aux.contains(&(b("redis-ver"), b("7.0.15"))), "{:?}", summary.aux);
        assert!(summary.aux.contains(&(b("aof-base"), b("0"))));
        assert_matches_expected(&engine, FIXTURE_JSON);
    }
}

#[test]
fn redis_7_0_15_aof_preamble_stops_right_after_the_checksum() {
    let commands = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";
    let mut file = FIXTURE_AOF_BASE.to_vec();
    file.extend_from_slice(commands);
    let mut input = &file[..];
    let summary = load(&mut input, NOW, &mut |_| Ok(())).expect("valid preamble");
    assert_eq!(input, commands, "the commands after the RDB are left unread");
    assert!(summary.aux.contains(&(b("aof-base"), b("1"))));
    assert_eq!(summary.keys_loaded, 0);
}

/// Writing what Redis wrote gives Redis's bytes, wherever Tandem picks the encoding Redis
/// picked: strings, lists (same node boundaries), intsets and streams.
#[test]
fn writer_reproduces_redis_bytes_for_the_encodings_it_shares() {
    let (keys, _) = load_keys(FIXTURE_RDB).expect("fixture loads");
    let shared = [
        "str:int",
        "str:short",
        "str:negint",
        "str:empty",
        "str:binary",
        "list:small",
        "list:big",
        "set:ints",
        "stream:1",
        "db3:list",
        "db3:key",
    ];
    let opts = WriteOptions::default();
    let header_len = RdbWriter::new(Vec::new(), opts).expect("header").bytes_written() as usize;
    for name in shared {
        let k = keys.iter().find(|k| k.key == name.as_bytes()).unwrap_or_else(|| panic!("{name} in fixture"));
        let mut w = RdbWriter::new(Vec::new(), opts).expect("header");
        w.write_key(&k.key, &k.entry).expect("write");
        let end = w.bytes_written() as usize;
        let ours = &w.finish().expect("finish")[header_len..end];
        // The key's bytes in Redis's file start at its type byte, just before the key.
        let mut needle = vec![ours[0], name.len() as u8];
        needle.extend_from_slice(name.as_bytes());
        let at = FIXTURE_RDB.windows(needle.len()).position(|w| w == needle).expect("key in fixture");
        assert_eq!(hex(ours), hex(&FIXTURE_RDB[at..at + ours.len()]), "{name}");
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn writer_header_matches_redis_aux_fields() {
    let file = write_file(&vec![], WriteOptions { aof_base: true, ..WriteOptions::default() });
    // "REDIS0010", then redis-ver and redis-bits exactly as Redis 7.0.15 writes them.
    assert!(file.starts_with(&FIXTURE_RDB[..0x2A]), "{}", hex(&file[..0x2A]));
    let (_, summary) = load_keys(&file).expect("loads");
    let names: Vec<&[u8]> = summary.aux.iter().map(|(k, _)| &k[..]).collect();
    assert_eq!(names, [&b"redis-ver"[..], b"redis-bits", b"ctime", b"used-mem", b"aof-base"]);
    assert_eq!(summary.aux[4].1, b("1"));
}

/// DUMP payloads of Redis's own test suite (`tests/unit/type/stream-cgroups.tcl`, "Loading
/// from legacy ... persistence"): type byte, value, RDB version (2 bytes), CRC (8 bytes).
fn from_dump_payload(payload: &[u8], key: &str) -> Vec<u8> {
    let value = &payload[1..payload.len() - 10];
    RawFile::new(9).key(payload[0], key).bytes(value).finish()
}

#[test]
fn stream_from_redis_5_dump_loads_with_derived_metadata() {
    // XADD x 1-0..6-0 data a..f, XDEL x 3-0, XGROUP CREATE x g1 0, XGROUP CREATE x g2 0,
    // XREADGROUP GROUP g1 c11 COUNT 4 STREAMS x >, XTRIM x MAXLEN = 2. The node listpack is
    // LZF-compressed and still holds the trimmed entries flagged as deleted.
    const PAYLOAD: &[u8] = b"\x0F\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xC3\x40\x4A\x40\x57\x16\x57\x00\x00\x00\x23\x00\x02\x01\x04\x01\x01\x01\x84\x64\x61\x74\x61\x05\x00\x01\x03\x01\x00\x20\x01\x03\x81\x61\x02\x04\x20\x0A\x00\x01\x40\x0A\x00\x62\x60\x0A\x00\x02\x40\x0A\x00\x63\x60\x0A\x40\x22\x01\x81\x64\x20\x0A\x40\x39\x20\x0A\x00\x65\x60\x0A\x00\x05\x40\x0A\x00\x66\x20\x0A\x00\xFF\x02\x06\x00\x02\x02\x67\x31\x05\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x01\x03\x63\x31\x31\x3E\xF7\x83\x43\x7A\x01\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x02\x67\x32\x00\x00\x00\x00\x09\x00\x3D\x52\xEF\x68\x67\x52\x1D\xFA";
    let Value::Stream(s) = load_one(&from_dump_payload(PAYLOAD, "x")) else { panic!("a stream") };
    let ids: Vec<String> = s.entries.keys().map(|id| id.to_string()).collect();
    assert_eq!(ids, ["5-0", "6-0"]);
    assert_eq!(s.entries[&StreamId::new(6, 0)], vec![b("data"), b("f")]);
    assert_eq!((s.last_id, s.first_id, s.max_deleted_id), (StreamId::new(6, 0), StreamId::new(5, 0), StreamId::MIN));
    assert_eq!(s.entries_added, 2);
    // Redis's test expects entries-read 1 for g1 and 0 for g2 after this load.
    let g1 = &s.groups[&b"g1"[..]];
    assert_eq!((g1.last_id, g1.entries_read), (StreamId::new(5, 0), 1));
    assert_eq!(g1.pel.len(), 4);
    assert!(g1.pel.values().all(|p| p.consumer == b("c11") && p.delivery_count == 1));
    assert_eq!(g1.consumers[&b"c11"[..]].pending.len(), 4);
    let g2 = &s.groups[&b"g2"[..]];
    assert_eq!((g2.last_id, g2.entries_read, g2.pel.len(), g2.consumers.len()), (StreamId::MIN, 0, 0, 0));
}

#[test]
fn stream_from_redis_7_dump_loads_with_stored_metadata() {
    // XGROUP CREATE x g $ MKSTREAM, XADD x 1-1 f v, XREADGROUP GROUP g Alice STREAMS x >.
    const PAYLOAD: &[u8] = b"\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x1D\x1D\x00\x00\x00\x0A\x00\x01\x01\x00\x01\x01\x01\x81\x66\x02\x00\x01\x02\x01\x00\x01\x00\x01\x81\x76\x02\x04\x01\xFF\x01\x01\x01\x01\x01\x00\x00\x01\x01\x01\x67\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xF5\x5A\x71\xC7\x84\x01\x00\x00\x01\x01\x05\x41\x6C\x69\x63\x65\xF5\x5A\x71\xC7\x84\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x0B\x00\xA7\xA9\x14\xA5\x27\xFF\x9B\x9B";
    let Value::Stream(s) = load_one(&from_dump_payload(PAYLOAD, "x")) else { panic!("a stream") };
    let one = StreamId::new(1, 1);
    assert_eq!(s.entries.iter().collect::<Vec<_>>(), vec![(&one, &vec![b("f"), b("v")])]);
    assert_eq!((s.last_id, s.first_id, s.max_deleted_id, s.entries_added), (one, one, StreamId::MIN, 1));
    let g = &s.groups[&b"g"[..]];
    assert_eq!((g.last_id, g.entries_read), (one, 1));
    let nack = &g.pel[&one];
    assert_eq!((&nack.consumer[..], nack.delivery_count), (&b"Alice"[..], 1));
    let alice = &g.consumers[&b"Alice"[..]];
    assert_eq!(alice.seen_time, nack.delivery_time);
    assert_eq!(alice.active_time, -1, "type 19 does not store active-time");
    assert_eq!(alice.pending, BTreeSet::from([one]));
}

// ---------------------------------------------------------------------------------------
// Older encodings and opcodes, hand-built
// ---------------------------------------------------------------------------------------

/// Keys in every encoding Redis 7.0.15 loads but Tandem does not write (RDB version 10),
/// with the values they stand for. The interop check fed this file to Redis 7.0.15 too.
fn legacy_file() -> (Vec<u8>, Vec<(&'static str, Value)>) {
    let long = "L".repeat(300);
    let zipmap = legacy::zipmap(&[(b"f1", b"v1"), (b"n", b"12"), (b"long", long.as_bytes())], 2);
    let file = RawFile::new(10)
        .byte(opcode::AUX)
        .string(b"redis-ver")
        .string(b"2.4.0")
        .byte(opcode::SELECTDB)
        .len(0)
        .byte(opcode::RESIZEDB)
        .len(15)
        .len(1)
        .key(kind::LIST, "list:plain")
        .len(3)
        .string(b"a")
        .bytes(&[0xC0, 0xF6]) // int8 -10
        .lzf(&long.as_bytes()[..100])
        .key(kind::SET, "set:plain")
        .len(3)
        .string(b"x")
        .bytes(&[0xC1, 0x39, 0x30]) // int16 12345
        .string(b"")
        .key(kind::ZSET, "zset:strscores")
        .len(4)
        .string(b"a")
        .string(b"1.5")
        .string(b"b")
        .byte(254) // +inf
        .string(b"c")
        .byte(255) // -inf
        .string(b"d")
        .string(b"-2")
        .key(kind::HASH, "hash:plain")
        .len(2)
        .string(b"f")
        .string(b"v")
        .string(b"n")
        .bytes(&[0xC2, 0x15, 0xCD, 0x5B, 0x07]) // int32 123456789
        .key(kind::HASH_ZIPMAP, "hash:zipmap")
        .string(&zipmap)
        .key(kind::LIST_ZIPLIST, "list:ziplist")
        .string(&ziplist(&["a", "-1", "300", "70000", "5000000000", &long]))
        .key(kind::SET_INTSET, "set:intset64")
        .string(&encode_intset(&[i64::MIN, -1, 5_000_000_000]))
        .key(kind::ZSET_ZIPLIST, "zset:ziplist")
        .string(&ziplist(&["m3", "-inf", "m1", "1", "m2", "2.5"]))
        .key(kind::HASH_ZIPLIST, "hash:ziplist")
        .string(&ziplist(&["f1", "v1", "f2", "2"]))
        .key(kind::LIST_QUICKLIST, "list:quicklist")
        .len(2)
        .string(&ziplist(&["q1", "q2"]))
        .lzf(&ziplist(&["q3", "q3", "q3", "q3", "q3", "q3", "q3", "q3", "q3", "q3"]))
        .key(kind::HASH_LISTPACK, "hash:listpack")
        .string(&listpack(&["a", "1", "b", "two"]))
        .key(kind::ZSET_LISTPACK, "zset:listpack")
        .string(&listpack(&["x", "-1", "y", "0.25"]))
        .byte(opcode::EXPIRETIME_MS)
        .bytes(&4_102_444_800_000i64.to_le_bytes())
        .byte(opcode::IDLE)
        .len(30)
        .key(kind::LIST_QUICKLIST_2, "list:quicklist2")
        .len(3)
        .len(container::PACKED)
        .string(&listpack(&["p1", "7"]))
        .len(container::PLAIN)
        .string(long.as_bytes())
        .len(container::PACKED)
        .string(&listpack(&["p3"]))
        .byte(opcode::FREQ)
        .byte(5)
        .key(kind::STRING, "str:lzf")
        .lzf(long.as_bytes())
        .finish();
    let q3 = ["q3"; 10];
    let expected = vec![
        ("list:plain", list(&["a", "-10", &long[..100]])),
        ("set:plain", set(&["x", "12345", ""])),
        ("zset:strscores", zset(&[("a", 1.5), ("b", f64::INFINITY), ("c", f64::NEG_INFINITY), ("d", -2.0)])),
        ("hash:plain", hash(&[("f", "v"), ("n", "123456789")])),
        ("hash:zipmap", hash(&[("f1", "v1"), ("n", "12"), ("long", &long)])),
        ("list:ziplist", list(&["a", "-1", "300", "70000", "5000000000", &long])),
        ("set:intset64", set(&["-9223372036854775808", "-1", "5000000000"])),
        ("zset:ziplist", zset(&[("m3", f64::NEG_INFINITY), ("m1", 1.0), ("m2", 2.5)])),
        ("hash:ziplist", hash(&[("f1", "v1"), ("f2", "2")])),
        ("list:quicklist", list(&[&["q1", "q2"][..], &q3[..]].concat())),
        ("hash:listpack", hash(&[("a", "1"), ("b", "two")])),
        ("zset:listpack", zset(&[("x", -1.0), ("y", 0.25)])),
        ("list:quicklist2", list(&["p1", "7", &long, "p3"])),
        ("str:lzf", string(long.as_bytes())),
    ];
    (file, expected)
}

#[test]
fn every_older_encoding_loads() {
    let (file, expected) = legacy_file();
    let (keys, summary) = load_keys(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.aux, vec![(b("redis-ver"), b("2.4.0"))]);
    let got: Vec<(String, Value)> =
        keys.iter().map(|k| (String::from_utf8_lossy(&k.key).into_owned(), k.entry.value.clone())).collect();
    let want: Vec<(String, Value)> = expected.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    assert_eq!(got, want);
    let expiring: Vec<_> =
        keys.iter().filter(|k| k.entry.has_expiry()).map(|k| (&k.key[..], k.entry.expire_at)).collect();
    assert_eq!(expiring, vec![(&b"list:quicklist2"[..], 4_102_444_800_000)]);
}

#[test]
fn redis_7_2_set_listpack_and_stream_active_time_load() {
    let id = StreamId::new(1_700_000_000_000, 0);
    let mut raw_id = id.ms.to_be_bytes().to_vec();
    raw_id.extend_from_slice(&id.seq.to_be_bytes());
    let node = listpack(&["1", "0", "1", "f", "0", "2", "0", "0", "v", "4"]);
    let file = RawFile::new(11)
        .byte(opcode::SELECTDB)
        .len(2)
        .key(kind::SET_LISTPACK, "set:listpack")
        .string(&listpack(&["a", "1", "-5"]))
        .key(kind::STREAM_LISTPACKS_3, "stream:v3")
        .len(1)
        .string(&raw_id)
        .string(&node)
        .len(1) // length
        .len(id.ms)
        .len(0) // last id
        .len(id.ms)
        .len(0) // first id
        .len(0)
        .len(0) // max deleted
        .len(1) // entries added
        .len(1) // groups
        .string(b"g")
        .len(id.ms)
        .len(0)
        .len(1) // entries read
        .len(1)
        .bytes(&raw_id)
        .bytes(&111i64.to_le_bytes())
        .len(3)
        .len(1)
        .string(b"bob")
        .bytes(&222i64.to_le_bytes())
        .bytes(&333i64.to_le_bytes())
        .len(1)
        .bytes(&raw_id)
        .finish();
    let (keys, summary) = load_keys(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.version, 11);
    assert!(keys.iter().all(|k| k.db == 2));
    assert_eq!(keys[0].entry.value, set(&["a", "1", "-5"]));
    let Value::Stream(s) = &keys[1].entry.value else { panic!("a stream") };
    assert_eq!(s.entries[&id], vec![b("f"), b("v")]);
    let g = &s.groups[&b"g"[..]];
    assert_eq!(g.pel[&id], PendingEntry { consumer: b("bob"), delivery_time: 111, delivery_count: 3 });
    let bob = &g.consumers[&b"bob"[..]];
    assert_eq!((bob.seen_time, bob.active_time), (222, 333));
}

#[test]
fn version_3_file_has_no_checksum_and_second_expiries() {
    let file = RawFile::new(3)
        .byte(opcode::SELECTDB)
        .len(0)
        .byte(opcode::EXPIRETIME)
        .bytes(&2_000_000_000i32.to_le_bytes())
        .key(kind::STRING, "later")
        .string(b"v")
        .byte(opcode::EXPIRETIME)
        .bytes(&1_000_000_000i32.to_le_bytes())
        .key(kind::STRING, "past")
        .string(b"v")
        .finish();
    let mut input = &file[..];
    let mut keys = Vec::new();
    let summary = load(&mut input, NOW, &mut |k| {
        keys.push(k);
        Ok(())
    })
    .expect("valid");
    assert!(input.is_empty());
    assert_eq!((summary.keys_loaded, summary.expired_skipped), (1, 1));
    assert_eq!(&keys[0].key[..], b"later");
    assert_eq!(keys[0].entry.expire_at, 2_000_000_000_000);
}

#[test]
fn expired_keys_are_skipped_and_counted() {
    let keys: Keyspace = vec![
        (0, b("gone"), Entry::with_expiry(string(b"x"), NOW - 1)),
        (0, b("exactly-now"), Entry::with_expiry(string(b"x"), NOW)),
        (0, b("stays"), Entry::with_expiry(string(b"x"), NOW + 1)),
    ];
    let (loaded, summary) = load_keys(&write_file(&keys, WriteOptions::default())).expect("valid");
    assert_eq!((summary.keys_loaded, summary.expired_skipped), (1, 2));
    assert_eq!(&loaded[0].key[..], b"stays");
}

#[test]
fn empty_collections_are_skipped_like_redis() {
    let file = RawFile::new(10)
        .key(kind::LIST, "l")
        .len(0)
        .key(kind::HASH_LISTPACK, "h")
        .string(&listpack::<&str>(&[]))
        .key(kind::LIST_QUICKLIST_2, "q")
        .len(1)
        .len(container::PACKED)
        .string(&listpack::<&str>(&[]))
        .key(kind::STRING, "s")
        .string(b"")
        .finish();
    let (keys, summary) = load_keys(&file).expect("valid");
    assert_eq!(summary.keys_loaded, 1);
    assert_eq!(&keys[0].key[..], b"s");
}

#[test]
fn sink_errors_stop_loading_with_the_key_offset() {
    let keys: Keyspace = vec![(0, b("a"), Entry::new(string(b"1"))), (9, b("b"), Entry::new(string(b"2")))];
    let file = write_file(&keys, WriteOptions::default());
    let err =
        load(&mut &file[..], NOW, &mut |k| if k.db < 4 { Ok(()) } else { Err("DB index is out of range".into()) })
            .expect_err("refused");
    assert_eq!(err.message, "DB index is out of range");
    assert_eq!(file[err.offset as usize], kind::STRING, "offset of the key's type byte");
}

// ---------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------

fn sample_stream() -> Stream {
    let mut s = Stream::default();
    for i in 0..250u64 {
        let id = StreamId::new(1_700_000_000_000 + i / 3, i % 3);
        let n = i.to_string();
        let fields: Vec<&str> = if i % 7 == 0 { vec!["other", &n, "x", ""] } else { vec!["temp", &n, "unit", "C"] };
        s.entries.insert(id, fields.into_iter().map(b).collect());
    }
    let ids: Vec<StreamId> = s.entries.keys().copied().collect();
    s.first_id = ids[0];
    s.last_id = StreamId::new(1_700_000_000_500, 7);
    s.max_deleted_id = StreamId::new(1_699_999_999_999, 3);
    s.entries_added = 300;
    let pending = |consumer: &str, time: i64, count: u64| PendingEntry {
        consumer: b(consumer),
        delivery_time: time,
        delivery_count: count,
    };
    let mut g1 = ConsumerGroup { last_id: ids[10], entries_read: 42, ..ConsumerGroup::default() };
    g1.pel.insert(ids[3], pending("alice", 1_700_000_000_123, 1));
    g1.pel.insert(ids[7], pending("bob", 1_700_000_000_456, 2));
    g1.pel.insert(ids[9], pending("alice", 1_700_000_000_789, 300));
    // active-time is not stored by STREAM_LISTPACKS_2, so it reads back as -1.
    g1.consumers.insert(
        b("alice"),
        Consumer { seen_time: 1_700_000_001_000, active_time: -1, pending: BTreeSet::from([ids[3], ids[9]]) },
    );
    g1.consumers.insert(
        b("bob"),
        Consumer { seen_time: 1_700_000_002_000, active_time: -1, pending: BTreeSet::from([ids[7]]) },
    );
    g1.consumers.insert(b("carol"), Consumer { seen_time: 5, active_time: -1, pending: BTreeSet::new() });
    s.groups.insert(b("g1"), g1);
    s.groups.insert(b("empty"), ConsumerGroup { entries_read: ENTRIES_READ_UNKNOWN, ..ConsumerGroup::default() });
    s
}

fn every_type() -> Keyspace {
    let binary: Vec<u8> = (0..=255).collect();
    let big_list: Vec<String> =
        (0..10_000).map(|i| if i % 3 == 0 { i.to_string() } else { format!("item-{i}") }).collect();
    let mut huge_element_list: Vec<String> = vec!["small".into(); 10];
    huge_element_list.insert(5, "H".repeat(100_000));
    let ints: Vec<String> = (0..400).map(|i| (i * 1_000_003 - 77).to_string()).collect();
    let members: Vec<String> = (0..2_000).map(|i| format!("member:{i}")).collect();
    let pairs: Vec<(String, String)> = (0..1_000).map(|i| (format!("field-{i}"), "v".repeat(i % 50))).collect();
    let scored: Vec<(String, f64)> = (0..1_000).map(|i| (format!("m{i}"), i as f64 / 7.0 - 50.0)).collect();
    let mut empty_stream = Stream::default();
    empty_stream.groups.insert(b("waiting"), ConsumerGroup::default());
    let entry = |v: Value| Entry::new(v);
    vec![
        (0, b("str:empty"), entry(string(b""))),
        (0, b("str:short"), entry(string(b"hello"))),
        (0, b("str:int8"), entry(string(b"-100"))),
        (0, b("str:int32"), entry(string(b"2000000000"))),
        (0, b("str:int64"), entry(string(b"-9223372036854775808"))),
        (0, b("str:not-canonical"), entry(string(b"007"))),
        (0, b("str:binary"), entry(string(&binary))),
        (0, b("str:compressible"), entry(string("abc".repeat(1000).as_bytes()))),
        (0, b("str:21"), entry(string(b"aaaaaaaaaaaaaaaaaaaaa"))),
        (0, b("str:ttl"), Entry::with_expiry(string(b"later"), 4_102_444_800_123)),
        (0, Bytes::from_static(b"\x00binary\xffkey"), entry(string(b"k"))),
        (0, b("list:small"), entry(list(&["a", "b", "1", "-2"]))),
        (0, b("list:big"), entry(list(&big_list))),
        (0, b("list:huge-element"), entry(list(&huge_element_list))),
        (0, b("set:intset"), entry(set(&["3", "-1", "100000", "-9223372036854775808"]))),
        (0, b("set:ints"), entry(set(&ints))),
        (0, b("set:strings"), entry(set(&members))),
        (0, b("hash:small"), Entry::with_expiry(hash(&[("f", "v"), ("n", "1")]), 4_102_444_800_000)),
        (0, b("hash:big"), entry(hash(&pairs.iter().map(|(f, v)| (f.as_str(), v.as_str())).collect::<Vec<_>>()))),
        (
            0,
            b("zset:small"),
            entry(zset(&[("inf", f64::INFINITY), ("-inf", f64::NEG_INFINITY), ("neg0", -0.0), ("third", 1.0 / 3.0)])),
        ),
        (0, b("zset:big"), entry(zset(&scored))),
        (0, b("stream"), Entry::with_expiry(Value::Stream(Box::new(sample_stream())), 4_102_444_800_000)),
        (0, b("stream:empty"), entry(Value::Stream(Box::new(empty_stream)))),
        (5, b("db5"), entry(list(&["x"]))),
        (15, b("db15"), entry(string(b"last"))),
    ]
}

#[test]
fn every_type_round_trips_with_every_option() {
    let keys = every_type();
    for compress in [true, false] {
        for checksum in [true, false] {
            let opts = WriteOptions { compress, checksum, aof_base: false };
            let back = round_trip(&keys, opts);
            assert_eq!(back.len(), keys.len());
            for (want, got) in keys.iter().zip(&back) {
                assert_eq!(got, want, "{opts:?}: {:?}", want.1);
            }
        }
    }
}

#[test]
fn writer_encodes_strings_like_redis() {
    let value_bytes = |s: &[u8], compress: bool| {
        let opts = WriteOptions { compress, ..WriteOptions::default() };
        let header = RdbWriter::new(Vec::new(), opts).expect("h").bytes_written() as usize;
        let mut w = RdbWriter::new(Vec::new(), opts).expect("h");
        w.write_key(b"k", &Entry::new(Value::Str(crate::value::RString::raw(s)))).expect("w");
        let end = w.bytes_written() as usize;
        // Skip the type byte and the key ("\x01k").
        w.finish().expect("f")[header + 3..end].to_vec()
    };
    assert_eq!(value_bytes(b"12", true), [0xC0, 12]);
    assert_eq!(value_bytes(b"-32768", true), [0xC1, 0x00, 0x80]);
    assert_eq!(value_bytes(b"2147483647", true), [0xC2, 0xFF, 0xFF, 0xFF, 0x7F]);
    assert_eq!(value_bytes(b"2147483648", true), b"\x0a2147483648");
    assert_eq!(value_bytes(b"012", true), b"\x03012");
    let twenty = [b'a'; 20];
    assert_eq!(value_bytes(&twenty, true)[0], 20, "20 bytes are never compressed");
    assert_eq!(value_bytes(&[b'a'; 21], true)[0], 0xC3, "21 compressible bytes are");
    assert_eq!(value_bytes(&[b'a'; 21], false)[0], 21, "unless compression is off");
    let incompressible: Vec<u8> = (0..=255).collect();
    assert_eq!(value_bytes(&incompressible, true)[..2], [0x41, 0x00], "raw when LZF saves nothing");
}

#[test]
fn checksum_off_writes_zero_and_loads() {
    let keys: Keyspace = vec![(0, b("k"), Entry::new(string(b"v")))];
    let file = write_file(&keys, WriteOptions { checksum: false, ..WriteOptions::default() });
    assert_eq!(file[file.len() - 8..], [0; 8]);
    assert_eq!(round_trip(&keys, WriteOptions { checksum: false, ..WriteOptions::default() }), keys);
}

fn arb_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..40),
        (1usize..200, any::<u8>()).prop_map(|(n, c)| vec![c; n]),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_bytes().prop_map(|s| string(&s)),
        proptest::collection::vec(arb_bytes(), 1..60).prop_map(|v| list(&v)),
        proptest::collection::vec(arb_bytes(), 1..60).prop_map(|v| set(&v)),
        proptest::collection::vec((arb_bytes(), arb_bytes()), 1..60).prop_map(|v| hash(&v)),
        proptest::collection::vec((arb_bytes(), -1e12f64..1e12), 1..60).prop_map(|v| zset(&v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_values_round_trip(values in proptest::collection::vec((arb_bytes(), arb_value(), any::<bool>()), 1..8)) {
        let mut seen = BTreeSet::new();
        let keys: Keyspace = values
            .into_iter()
            .filter(|(k, _, _)| seen.insert(k.clone()))
            .map(|(k, v, ttl)| (0, Bytes::from(k), Entry::with_expiry(v, if ttl { NOW + 1 } else { NO_EXPIRY })))
            .collect();
        for compress in [true, false] {
            let back = round_trip(&keys, WriteOptions { compress, ..WriteOptions::default() });
            prop_assert_eq!(&back, &keys);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Corrupt input
// ---------------------------------------------------------------------------------------

fn small_file() -> Vec<u8> {
    let mut stream = sample_stream();
    stream.entries = stream.entries.into_iter().take(12).collect();
    let keys: Keyspace = vec![
        (0, b("s"), Entry::with_expiry(string(b"value"), 4_102_444_800_000)),
        (0, b("n"), Entry::new(string(b"123"))),
        (0, b("c"), Entry::new(string("xyz".repeat(20).as_bytes()))),
        (0, b("l"), Entry::new(list(&["a", "1", "b"]))),
        (1, b("i"), Entry::new(set(&["1", "2"]))),
        (1, b("t"), Entry::new(set(&["a", "b"]))),
        (1, b("h"), Entry::new(hash(&[("f", "v")]))),
        (1, b("z"), Entry::new(zset(&[("m", 1.5)]))),
        (2, b("x"), Entry::new(Value::Stream(Box::new(stream)))),
    ];
    write_file(&keys, WriteOptions::default())
}

#[test]
fn every_truncation_is_an_error() {
    let file = small_file();
    assert!(load_keys(&file).is_ok());
    for cut in 0..file.len() {
        let err = load_keys(&file[..cut]).err().unwrap_or_else(|| panic!("prefix of {cut} bytes loaded"));
        assert!(err.offset <= cut as u64, "{err} for a prefix of {cut} bytes");
    }
}

#[test]
fn every_flipped_byte_is_an_error() {
    let file = small_file();
    for at in 0..file.len() {
        let mut bad = file.clone();
        bad[at] ^= 0xFF;
        assert!(load_keys(&bad).is_err(), "flipping byte {at} went unnoticed");
    }
}

#[test]
fn a_flipped_data_byte_is_a_checksum_error_naming_the_trailer() {
    let mut file = small_file();
    let at = file.windows(5).position(|w| w == b"value").expect("the string is stored raw");
    file[at] = b'V';
    let err = load_keys(&file).expect_err("corrupt");
    assert!(err.message.contains("checksum mismatch"), "{err}");
    assert_eq!(err.offset, file.len() as u64 - 8);
    assert!(err.to_string().ends_with(&format!("at offset {}", file.len() - 8)), "{err}");
}

#[test]
fn unknown_versions_are_refused() {
    for (header, needle) in [
        (&b"REDIS0099"[..], "version 99"),
        (b"REDIS0012", "version 12"),
        (b"REDIS0000", "version 0"),
        (b"REDIS00x9", "not a number"),
        (b"RODIS0010", "not an RDB file"),
    ] {
        let mut file = header.to_vec();
        file.push(opcode::EOF);
        file.extend_from_slice(&[0; 8]);
        let err = load_keys(&file).expect_err("refused");
        assert!(err.message.contains(needle), "{header:?}: {err}");
    }
}

#[test]
fn modules_and_functions_are_clear_errors() {
    let module = RawFile::new(10).key(kind::MODULE_2, "m").len(1).finish();
    assert!(load_keys(&module).unwrap_err().message.contains("modules are not supported"));
    let aux = RawFile::new(10).byte(opcode::MODULE_AUX).len(1).finish();
    assert!(load_keys(&aux).unwrap_err().message.contains("modules are not supported"));
    let function = RawFile::new(10).byte(opcode::FUNCTION2).string(b"#!lua name=lib\n").finish();
    let err = load_keys(&function).unwrap_err();
    assert!(err.message.contains("functions are not supported"));
    assert_eq!(err.offset, 9);
    let unknown = RawFile::new(10).key(42, "k").finish();
    assert!(load_keys(&unknown).unwrap_err().message.contains("unknown value type 42"));
}

#[test]
fn lying_lengths_fail_without_huge_allocations() {
    // Each claims far more than the file holds; each must fail fast, at the end of the data.
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("string", RawFile::new(10).key(kind::STRING, "k").len(1 << 62).bytes(b"abc").finish()),
        ("list", RawFile::new(10).key(kind::LIST, "k").len(u64::MAX).string(b"a").finish()),
        ("zset", RawFile::new(10).key(kind::ZSET_2, "k").len(1 << 40).finish()),
        ("lzf", RawFile::new(10).key(kind::STRING, "k").byte(0xC3).len(3).len(1 << 50).bytes(b"\x02abc").finish()),
        ("stream nodes", RawFile::new(10).key(kind::STREAM_LISTPACKS_2, "k").len(1 << 60).finish()),
        ("quicklist", RawFile::new(10).key(kind::LIST_QUICKLIST_2, "k").len(1 << 33).len(2).len(1 << 31).finish()),
    ];
    for (name, file) in cases {
        let err = load_keys(&file).expect_err(name);
        assert!(err.offset <= file.len() as u64, "{name}: {err}");
    }
}

#[test]
fn packed_structures_that_lie_are_errors_at_their_offset() {
    let mut lp = listpack(&["f", "v"]);
    lp[0] += 1; // header claims one byte more than the string holds
    let file = RawFile::new(10).key(kind::HASH_LISTPACK, "k").string(&lp).finish();
    let err = load_keys(&file).unwrap_err();
    assert!(err.message.contains("listpack header says"), "{err}");
    assert_eq!(err.offset, 9 + 3, "the listpack string starts after the type byte and key");

    let odd = RawFile::new(10).key(kind::HASH_LISTPACK, "k").string(&listpack(&["f", "v", "g"])).finish();
    assert!(load_keys(&odd).unwrap_err().message.contains("odd number"));
    let dup = RawFile::new(10).key(kind::SET, "k").len(2).string(b"a").string(b"a").finish();
    assert!(load_keys(&dup).unwrap_err().message.contains("duplicate set member"));
    let nan = RawFile::new(10).key(kind::ZSET, "k").len(1).string(b"m").byte(253).finish();
    assert!(load_keys(&nan).unwrap_err().message.contains("not a number"));
    let node = RawFile::new(10).key(kind::LIST_QUICKLIST_2, "k").len(1).len(3).string(b"x").finish();
    assert!(load_keys(&node).unwrap_err().message.contains("container 3"));
    let intset = RawFile::new(10).key(kind::SET_INTSET, "k").string(&encode_intset(&[3, 2])).finish();
    assert!(load_keys(&intset).unwrap_err().message.contains("sorted"));
}

#[test]
fn inconsistent_streams_are_errors() {
    // Well-formed files whose consumer PELs disagree with their group's PEL.
    let mut stream = sample_stream();
    let g1 = stream.groups.get_mut(&b"g1"[..]).expect("g1");
    let stray = StreamId::new(1, 1);
    g1.consumers[0].pending.insert(stray);
    let stray_file =
        write_file(&vec![(0, b("s"), Entry::new(Value::Stream(Box::new(stream))))], WriteOptions::default());
    assert!(load_keys(&stray_file).unwrap_err().message.contains("not found in the group's PEL"));

    let mut orphan = sample_stream();
    for c in orphan.groups[0].consumers.values_mut() {
        c.pending.clear();
    }
    let orphan_file =
        write_file(&vec![(0, b("s"), Entry::new(Value::Stream(Box::new(orphan))))], WriteOptions::default());
    assert!(load_keys(&orphan_file).unwrap_err().message.contains("without a consumer"));
}

// ---------------------------------------------------------------------------------------
// Interop with real Redis (by hand, not part of `cargo test`)
// ---------------------------------------------------------------------------------------

/// Writes `tandem-all-types.rdb` (every type, written by [`RdbWriter`]) and
/// `tandem-legacy.rdb` (the hand-built older encodings of [`legacy_file`]) into
/// `$RDB_INTEROP_DIR`, plus the expected values as text, for checking with
/// `redis-check-rdb` and `redis-server`:
///
/// ```text
/// RDB_INTEROP_DIR=/tmp/rdb cargo test -p store persist::rdb::tests::write_interop_files -- --ignored
/// ```
#[test]
#[ignore = "writes files for a manual check against real Redis"]
fn write_interop_files() {
    let dir = std::path::PathBuf::from(std::env::var("RDB_INTEROP_DIR").expect("set RDB_INTEROP_DIR"));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("tandem-all-types.rdb"), write_file(&every_type(), WriteOptions::default()))
        .expect("write");
    let (legacy, expected) = legacy_file();
    std::fs::write(dir.join("tandem-legacy.rdb"), legacy).expect("write");
    let text: String = expected.iter().map(|(k, v)| format!("{k} {v:?}\n")).collect();
    std::fs::write(dir.join("tandem-legacy.expected.txt"), text).expect("write");
}

/// Loads `$RDB_INTEROP_DIR/redis-resaved.rdb`, which Redis wrote with SAVE after loading
/// `tandem-all-types.rdb`, and checks it holds what Tandem wrote: Redis's own encodings of
/// Tandem's data read back as the same values.
#[test]
#[ignore = "reads a file written by real Redis during a manual check"]
fn read_interop_file_resaved_by_redis() {
    let dir = std::path::PathBuf::from(std::env::var("RDB_INTEROP_DIR").expect("set RDB_INTEROP_DIR"));
    let file = std::fs::read(dir.join("redis-resaved.rdb")).expect("read");
    let (loaded, summary) = load_keys(&file).unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.aux.contains(&(b("redis-ver"), b("7.0.15"))));
    let mut want = every_type();
    // Redis keeps a small sorted set as a listpack, which stores -0 as "0" (see types::zset).
    for (_, key, entry) in want.iter_mut() {
        if &key[..] == b"zset:small" {
            if let Value::ZSet(z) = &mut entry.value {
                z.insert(b"neg0", 0.0);
            }
        }
    }
    let got: BTreeMap<(usize, Bytes), Entry> = loaded.into_iter().map(|k| ((k.db, k.key), k.entry)).collect();
    let want: BTreeMap<(usize, Bytes), Entry> = want.into_iter().map(|(db, k, e)| ((db, k), e)).collect();
    assert_eq!(got.len(), want.len());
    for (key, entry) in &want {
        assert_eq!(got.get(key), Some(entry), "{key:?}");
    }
}

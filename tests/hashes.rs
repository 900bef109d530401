//! Hash commands end to end: HSET/HMSET/HSETNX, HGET/HMGET, HGETALL/HKEYS/HVALS in RESP2 and
//! RESP3, HDEL, HLEN/HSTRLEN/HEXISTS, HINCRBY/HINCRBYFLOAT, HRANDFIELD with every count,
//! HSCAN, WRONGTYPE and a 10,000-field hash, with Redis's exact replies and errors.

use std::collections::{HashMap, HashSet};

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// Every field and value an HSCAN iteration returns, following the cursor until it is 0.
fn hscan_all(c: &mut RawConn, key: &str, options: &[&str]) -> Vec<(String, String)> {
    let mut cursor = "0".to_string();
    let mut pairs = Vec::new();
    for _ in 0..100_000 {
        let mut words = vec!["HSCAN", key, &cursor];
        words.extend_from_slice(options);
        let Frame::Array(reply) = c.cmd(&words) else { panic!("HSCAN replies with an array") };
        assert_eq!(reply.len(), 2, "HSCAN replies with a cursor and a batch");
        let batch = texts(reply[1].clone());
        assert_eq!(batch.len() % 2, 0, "HSCAN returns field-value pairs");
        pairs.extend(batch.chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        cursor = text(&reply[0]);
        if cursor == "0" {
            return pairs;
        }
    }
    panic!("HSCAN did not finish its iteration");
}

server_test!(hset_sets_several_fields_and_counts_the_new_ones, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HSET", "h", "a", "10", "c", "3"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), Frame::bulk("10"));
    assert_eq!(c.cmd(&["HGET", "h", "nope"]), Frame::Null);
    assert_eq!(c.cmd(&["HGET", "missing", "a"]), Frame::Null);
    assert_eq!(
        c.cmd(&["HMGET", "h", "a", "nope", "c"]),
        Frame::Array(vec![Frame::bulk("10"), Frame::Null, Frame::bulk("3")])
    );
    assert_eq!(c.cmd(&["HMGET", "missing", "a", "b"]), Frame::Array(vec![Frame::Null, Frame::Null]));
    assert_eq!(c.cmd(&["HMSET", "h", "d", "4", "a", "11"]), Frame::ok());
    assert_eq!(c.cmd(&["HLEN", "h"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["HGET", "h", "a"]), Frame::bulk("11"));
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b"]), Frame::error("ERR wrong number of arguments for 'hset' command"));
    assert_eq!(c.cmd(&["HMSET", "h", "a"]), Frame::error("ERR wrong number of arguments for 'hmset' command"));
    // Fields and values are binary-safe, and may be empty.
    c.send_cmd(&[b"HSET", b"bin", b"f\r\n\0", b"v\0\r\n", b"", b""]);
    assert_eq!(c.read_frame(), Frame::Integer(2));
    c.send_cmd(&[b"HGET", b"bin", b"f\r\n\0"]);
    assert_eq!(c.read_frame(), Frame::bulk(b"v\0\r\n"));
    assert_eq!(c.cmd(&["HGET", "bin", ""]), Frame::bulk(""));
});

server_test!(hsetnx_sets_only_a_missing_field, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSETNX", "h", "f", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HSETNX", "h", "f", "b"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HGET", "h", "f"]), Frame::bulk("a"));
    assert_eq!(c.cmd(&["HSETNX", "h", "g", "b"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HLEN", "h"]), Frame::Integer(2));
});

server_test!(a_hash_is_a_listpack_until_it_outgrows_redis_limits, |srv| {
    let mut c = srv.raw();
    let encoding = |c: &mut RawConn, key: &str| c.cmd(&["OBJECT", "ENCODING", key]);
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["TYPE", "h"]), Frame::simple("hash"));
    assert_eq!(encoding(&mut c, "h"), Frame::bulk("listpack"));
    let long = "x".repeat(65);
    assert_eq!(c.cmd(&["HSET", "h", "f", &long]), Frame::Integer(0));
    assert_eq!(encoding(&mut c, "h"), Frame::bulk("hashtable"), "a 65-byte value");
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), Frame::Integer(0));
    assert_eq!(encoding(&mut c, "h"), Frame::bulk("hashtable"), "a hash never converts back");
    assert_eq!(c.cmd(&["HSET", "k", &long, "v"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "k"), Frame::bulk("hashtable"), "a 65-byte field");
    for i in 1..=512 {
        c.cmd(&["HSET", "w", &format!("f{i}"), "v"]);
    }
    assert_eq!(encoding(&mut c, "w"), Frame::bulk("listpack"));
    assert_eq!(c.cmd(&["HSET", "w", "extra", "v"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "w"), Frame::bulk("hashtable"));
    assert_eq!(c.cmd(&["HLEN", "w"]), Frame::Integer(513));
    assert_eq!(c.cmd(&["HGET", "w", "f1"]), Frame::bulk("v"));
});

server_test!(hgetall_is_a_flat_array_in_resp2_and_a_map_in_resp3, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), Frame::Integer(2));
    expect_reply(&mut c, &["HGETALL", "h"], b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect_reply(&mut c, &["HGETALL", "missing"], b"*0\r\n");
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["HGETALL", "h"], b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    expect_reply(&mut c, &["HGETALL", "missing"], b"%0\r\n");
    // Fields, values and HMGET stay arrays; a missing field is RESP3's null.
    expect_reply(&mut c, &["HKEYS", "h"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    expect_reply(&mut c, &["HVALS", "h"], b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect_reply(&mut c, &["HMGET", "h", "a", "nope"], b"*2\r\n$1\r\n1\r\n_\r\n");
    expect_reply(&mut c, &["HGET", "h", "nope"], b"_\r\n");
});

server_test!(hkeys_and_hvals_list_fields_and_values_in_the_same_order, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["HKEYS", "h"]), bulks(&["a", "b", "c", "d"]));
    assert_eq!(c.cmd(&["HVALS", "h"]), bulks(&["1", "2", "3", "4"]));
    assert_eq!(c.cmd(&["HDEL", "h", "b"]), Frame::Integer(1));
    let keys = texts(c.cmd(&["HKEYS", "h"]));
    let vals = texts(c.cmd(&["HVALS", "h"]));
    let Frame::Array(all) = c.cmd(&["HGETALL", "h"]) else { panic!("HGETALL replies with an array") };
    let all: Vec<String> = all.iter().map(text).collect();
    let pairs: Vec<(String, String)> = all.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    assert_eq!(pairs, keys.iter().cloned().zip(vals.iter().cloned()).collect::<Vec<_>>());
    assert_eq!(sorted(keys), ["a", "c", "d"]);
    assert_eq!(c.cmd(&["HKEYS", "missing"]), bulks(&[]));
    assert_eq!(c.cmd(&["HVALS", "missing"]), bulks(&[]));
});

server_test!(hdel_removes_fields_and_removing_the_last_deletes_the_key, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["HDEL", "h", "a", "nope", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HDEL", "h", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HDEL", "missing", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HLEN", "h"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HDEL", "h", "b", "c"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["EXISTS", "h"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HDEL", "h"]), Frame::error("ERR wrong number of arguments for 'hdel' command"));
});

server_test!(hlen_hstrlen_and_hexists_describe_fields, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "s", "héllo", "n", "-12"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HLEN", "h"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HLEN", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HSTRLEN", "h", "s"]), Frame::Integer(6));
    assert_eq!(c.cmd(&["HSTRLEN", "h", "n"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["HSTRLEN", "h", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HSTRLEN", "missing", "f"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HEXISTS", "h", "s"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HEXISTS", "h", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HEXISTS", "missing", "s"]), Frame::Integer(0));
});

server_test!(hincrby_adds_to_an_integer_field_and_refuses_to_overflow, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "5"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "-12"]), Frame::Integer(-7));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), Frame::bulk("-7"));
    assert_eq!(c.cmd(&["HSET", "h", "s", "str", "big", "9223372036854775807"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HINCRBY", "h", "s", "1"]), Frame::error("ERR hash value is not an integer"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "big", "1"]), Frame::error("ERR increment or decrement would overflow"));
    assert_eq!(c.cmd(&["HGET", "h", "big"]), Frame::bulk("9223372036854775807"));
    assert_eq!(c.cmd(&["HINCRBY", "h", "n", "x"]), Frame::error("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), Frame::bulk("-7"));
});

server_test!(hincrbyfloat_adds_in_long_double_precision, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "10.5"]), Frame::bulk("10.5"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "0.1"]), Frame::bulk("10.6"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "-5.6"]), Frame::bulk("5"));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), Frame::bulk("5"));
    assert_eq!(c.cmd(&["HSET", "h", "e", "5.0e3", "big", "9223372036854775807", "s", "str"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "e", "2.0e2"]), Frame::bulk("5200"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "big", "1"]), Frame::bulk("9223372036854775808"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "s", "1"]), Frame::error("ERR hash value is not a float"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "x"]), Frame::error("ERR value is not a valid float"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "nan"]), Frame::error("ERR value is not a valid float"));
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "n", "inf"]), Frame::error("ERR value is NaN or Infinity"));
    assert_eq!(c.cmd(&["HGET", "h", "n"]), Frame::bulk("5"));
    // The reply is a bulk string in RESP3 too, as the stored value is.
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["HINCRBYFLOAT", "h", "n", "1.25"], b"$4\r\n6.25\r\n");
});

server_test!(hrandfield_picks_distinct_fields_for_a_positive_count, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]), Frame::Integer(5));
    let fields: HashSet<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
    for _ in 0..20 {
        let one = text(&c.cmd(&["HRANDFIELD", "h"]));
        assert!(fields.contains(&one), "{one}");
        let three = texts(c.cmd(&["HRANDFIELD", "h", "3"]));
        assert_eq!(three.len(), 3);
        assert_eq!(three.iter().collect::<HashSet<_>>().len(), 3, "distinct: {three:?}");
        assert!(three.iter().all(|f| fields.contains(f)), "{three:?}");
    }
    // A count of at least the size returns every field once.
    assert_eq!(sorted(texts(c.cmd(&["HRANDFIELD", "h", "5"]))), ["a", "b", "c", "d", "e"]);
    assert_eq!(sorted(texts(c.cmd(&["HRANDFIELD", "h", "100"]))), ["a", "b", "c", "d", "e"]);
    // WITHVALUES pairs each field with its own value.
    let pairs = texts(c.cmd(&["HRANDFIELD", "h", "4", "WITHVALUES"]));
    assert_eq!(pairs.len(), 8);
    for p in pairs.chunks(2) {
        assert_eq!(c.cmd(&["HGET", "h", &p[0]]), Frame::bulk(&p[1]));
    }
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0"]), bulks(&[]));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0", "WITHVALUES"]), bulks(&[]));
    assert_eq!(c.cmd(&["HRANDFIELD", "missing"]), Frame::Null);
    assert_eq!(c.cmd(&["HRANDFIELD", "missing", "3"]), bulks(&[]));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "x"]), Frame::error("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "1", "FOO"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "1", "WITHVALUES", "WITHVALUES"]), Frame::error("ERR syntax error"));
});

server_test!(hrandfield_with_a_negative_count_may_repeat_fields, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), Frame::Integer(2));
    let many = texts(c.cmd(&["HRANDFIELD", "h", "-50"]));
    assert_eq!(many.len(), 50);
    assert!(many.iter().all(|f| f == "a" || f == "b"), "{many:?}");
    let pairs = texts(c.cmd(&["HRANDFIELD", "h", "-10", "WITHVALUES"]));
    assert_eq!(pairs.len(), 20);
    for p in pairs.chunks(2) {
        assert!(matches!((p[0].as_str(), p[1].as_str()), ("a", "1") | ("b", "2")), "{p:?}");
    }
    assert_eq!(c.cmd(&["HSET", "one", "f", "v"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HRANDFIELD", "one", "-3"]), bulks(&["f", "f", "f"]));
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "-9223372036854775808"]),
        Frame::error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        c.cmd(&["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"]),
        Frame::error("ERR value is out of range")
    );
});

server_test!(hrandfield_withvalues_nests_pairs_in_resp3, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), Frame::Integer(1));
    expect_reply(&mut c, &["HRANDFIELD", "h", "1", "WITHVALUES"], b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    expect_reply(
        &mut c,
        &["HRANDFIELD", "h", "-2", "WITHVALUES"],
        b"*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["HRANDFIELD", "h", "1", "WITHVALUES"], b"*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    expect_reply(&mut c, &["HRANDFIELD", "h", "5", "WITHVALUES"], b"*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    expect_reply(
        &mut c,
        &["HRANDFIELD", "h", "-2", "WITHVALUES"],
        b"*2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    expect_reply(&mut c, &["HRANDFIELD", "h", "0", "WITHVALUES"], b"*0\r\n");
    expect_reply(&mut c, &["HRANDFIELD", "h", "2"], b"*1\r\n$1\r\nf\r\n");
    expect_reply(&mut c, &["HRANDFIELD", "missing"], b"_\r\n");
});

server_test!(hscan_iterates_every_field_and_filters_with_match, |srv| {
    let mut c = srv.raw();
    let sets: Vec<Vec<String>> =
        (0..1000).map(|i| vec!["HSET".into(), "h".into(), format!("field:{i}"), format!("value:{i}")]).collect();
    assert!(pipeline(&mut c, &sets).iter().all(|r| *r == Frame::Integer(1)));
    let pairs = hscan_all(&mut c, "h", &["COUNT", "17"]);
    let found: HashMap<String, String> = pairs.into_iter().collect();
    assert_eq!(found.len(), 1000);
    assert!((0..1000).all(|i| found.get(&format!("field:{i}")) == Some(&format!("value:{i}"))));
    let matched: HashSet<String> =
        hscan_all(&mut c, "h", &["MATCH", "field:1?", "COUNT", "50"]).into_iter().map(|(f, _)| f).collect();
    assert_eq!(matched, (10..20).map(|i| format!("field:{i}")).collect::<HashSet<_>>());
    // A small hash and a missing key.
    assert_eq!(c.cmd(&["HSET", "small", "f", "v"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HSCAN", "small", "0"]), Frame::Array(vec![Frame::bulk("0"), bulks(&["f", "v"])]));
    assert_eq!(c.cmd(&["HSCAN", "missing", "0"]), Frame::Array(vec![Frame::bulk("0"), bulks(&[])]));
    assert_eq!(c.cmd(&["HSCAN", "h", "x"]), Frame::error("ERR invalid cursor"));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "COUNT", "0"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["HSCAN", "h", "0", "FOO"]), Frame::error("ERR syntax error"));
});

server_test!(a_hash_changed_in_place_keeps_its_ttl, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["HSET", "h", "a", "1", "b", "2"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["EXPIRE", "h", "100"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HSET", "h", "c", "3"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["HINCRBY", "h", "a", "1"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["HDEL", "h", "b"]), Frame::Integer(1));
    let Frame::Integer(ttl) = c.cmd(&["TTL", "h"]) else { panic!("TTL is an integer") };
    assert!((90..=100).contains(&ttl), "TTL after changes: {ttl}");
});

server_test!(hash_commands_on_another_type_are_wrongtype, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "s", "v"]), Frame::ok());
    for cmd in [
        &["HSET", "s", "f", "v"][..],
        &["HSETNX", "s", "f", "v"],
        &["HMSET", "s", "f", "v"],
        &["HGET", "s", "f"],
        &["HMGET", "s", "f"],
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
        &["HRANDFIELD", "s", "2", "WITHVALUES"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(c.cmd(cmd), Frame::error(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(c.cmd(&["GET", "s"]), Frame::bulk("v"));
    assert_eq!(c.cmd(&["HSET", "h", "f", "v"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["GET", "h"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["LPUSH", "h", "x"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["INCR", "h"]), Frame::error(WRONGTYPE));
});

/// Commands of `BATCH` fields each: under `--store=lockfree` every write copies the whole
/// value (copy-on-write), so 10,000 one-field writes to one hash would cost O(N²).
const BATCH: usize = 100;

server_test!(a_hash_of_ten_thousand_fields_set_in_one_pipeline_keeps_every_field, |srv| {
    const N: usize = 10_000;
    let mut c = srv.raw();
    let value = |i: usize| format!("value-{i}-{}", "v".repeat(i % 70));
    let sets: Vec<Vec<String>> = (0..N)
        .step_by(BATCH)
        .map(|start| {
            let mut words = vec!["HSET".to_string(), "big".to_string()];
            for i in start..start + BATCH {
                words.extend([format!("f{i}"), value(i)]);
            }
            words
        })
        .collect();
    let replies = pipeline(&mut c, &sets);
    assert!(replies.iter().all(|r| *r == Frame::Integer(BATCH as i64)), "every HSET adds its fields");
    assert_eq!(c.cmd(&["HLEN", "big"]), Frame::Integer(N as i64));
    assert_eq!(c.cmd(&["HGET", "big", "f0"]), Frame::bulk(value(0)));
    assert_eq!(c.cmd(&["HGET", "big", "f9999"]), Frame::bulk(value(9999)));
    assert_eq!(c.cmd(&["HSTRLEN", "big", "f69"]), Frame::Integer(value(69).len() as i64));
    let Frame::Array(all) = c.cmd(&["HGETALL", "big"]) else { panic!("HGETALL replies with an array") };
    assert_eq!(all.len(), 2 * N);
    let scanned: HashMap<String, String> = hscan_all(&mut c, "big", &["COUNT", "100"]).into_iter().collect();
    assert_eq!(scanned.len(), N);
    assert!((0..N).all(|i| scanned.get(&format!("f{i}")) == Some(&value(i))));
    // Delete every even field in a second pipeline.
    let dels: Vec<Vec<String>> = (0..N)
        .step_by(2 * BATCH)
        .map(|start| {
            let mut words = vec!["HDEL".to_string(), "big".to_string()];
            words.extend((start..start + 2 * BATCH).step_by(2).map(|i| format!("f{i}")));
            words
        })
        .collect();
    assert!(pipeline(&mut c, &dels).iter().all(|r| *r == Frame::Integer(BATCH as i64)));
    assert_eq!(c.cmd(&["HLEN", "big"]), Frame::Integer(N as i64 / 2));
    assert_eq!(c.cmd(&["HEXISTS", "big", "f5000"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["HEXISTS", "big", "f5001"]), Frame::Integer(1));
    let left: HashSet<String> = hscan_all(&mut c, "big", &[]).into_iter().map(|(f, _)| f).collect();
    assert_eq!(left, (1..N).step_by(2).map(|i| format!("f{i}")).collect::<HashSet<_>>());
    let sample = texts(c.cmd(&["HRANDFIELD", "big", "100"]));
    assert_eq!(sample.iter().collect::<HashSet<_>>().len(), 100);
    assert!(sample.iter().all(|f| left.contains(f)));
});

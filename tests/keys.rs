//! Generic key commands: DEL/UNLINK, EXISTS, TOUCH, TYPE, KEYS, SCAN, RENAME/RENAMENX,
//! COPY, MOVE, the EXPIRE family with TTL/PTTL/EXPIRETIME and PERSIST, OBJECT ENCODING,
//! SWAPDB, FLUSHDB/FLUSHALL, DBSIZE and RANDOMKEY, with Redis's exact replies and errors.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::Value;
use tandem_suite::helpers::*;
use tandem_suite::server_test;

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

server_test!(del_removes_keys_and_counts_the_removed, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("a").arg(1).arg("b").arg(2).arg("c").arg(3).query(&mut con).unwrap();
    assert_eq!(redis::cmd("DEL").arg("a").arg("b").arg("missing").arg("a").query::<i64>(&mut con).unwrap(), 2);
    assert_eq!(redis::cmd("GET").arg("a").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(redis::cmd("GET").arg("c").query::<String>(&mut con).unwrap(), "3");
    assert_eq!(redis::cmd("DEL").arg("missing").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("UNLINK").arg("c").arg("missing").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(exists_counts_every_argument_that_exists, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("a").arg(1).arg("b").arg(2).query(&mut con).unwrap();
    assert_eq!(redis::cmd("EXISTS").arg("a").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("EXISTS").arg("a").arg("a").arg("b").arg("missing").query::<i64>(&mut con).unwrap(), 3);
    assert_eq!(redis::cmd("EXISTS").arg("missing").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("TOUCH").arg("a").arg("a").arg("missing").query::<i64>(&mut con).unwrap(), 2);
});

server_test!(type_names_the_kind_of_value, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("s").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("TYPE").arg("s").query::<Value>(&mut con).unwrap(), Value::SimpleString("string".into()));
    assert_eq!(redis::cmd("TYPE").arg("missing").query::<Value>(&mut con).unwrap(), Value::SimpleString("none".into()));
});

server_test!(keys_returns_the_keys_matching_a_glob, |srv| {
    let mut con = srv.client();
    for k in ["hello", "hallo", "hxllo", "hllo", "heeello", "h[a]llo", "other"] {
        let _: () = redis::cmd("SET").arg(k).arg(1).query(&mut con).unwrap();
    }
    let keys = |con: &mut redis::Connection, pattern: &str| -> Vec<String> {
        let mut keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query(con).unwrap();
        keys.sort();
        keys
    };
    assert_eq!(keys(&mut con, "h?llo"), ["hallo", "hello", "hxllo"]);
    assert_eq!(keys(&mut con, "h*llo"), ["h[a]llo", "hallo", "heeello", "hello", "hllo", "hxllo"]);
    assert_eq!(keys(&mut con, "h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(keys(&mut con, "h[^e]llo"), ["hallo", "hxllo"]);
    assert_eq!(keys(&mut con, "h[a-b]llo"), ["hallo"]);
    assert_eq!(keys(&mut con, "h\\[a\\]llo"), ["h[a]llo"]);
    assert_eq!(keys(&mut con, "*").len(), 7);
    assert_eq!(keys(&mut con, "nomatch*"), Vec::<String>::new());
});

server_test!(scan_iterates_over_every_key, |srv| {
    let mut con = srv.client();
    let mut expected = HashSet::new();
    for chunk in (0..1000).collect::<Vec<_>>().chunks(100) {
        let mut mset = redis::cmd("MSET");
        for i in chunk {
            mset.arg(format!("key:{i}")).arg(i);
            expected.insert(format!("key:{i}"));
        }
        let _: () = mset.query(&mut con).unwrap();
    }
    let mut seen = HashSet::new();
    let mut cursor = "0".to_string();
    for round in 0.. {
        assert!(round < 10_000, "SCAN did not finish");
        let (next, keys): (String, Vec<String>) =
            redis::cmd("SCAN").arg(&cursor).arg("COUNT").arg(10).query(&mut con).unwrap();
        seen.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen, expected);
});

server_test!(scan_filters_by_match_and_type, |srv| {
    let mut con = srv.client();
    for i in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("{}:{i}", if i % 4 == 0 { "even" } else { "odd" }))
            .arg(i)
            .query(&mut con)
            .unwrap();
    }
    let scan_all = |con: &mut redis::Connection, extra: &[&str]| -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        for round in 0.. {
            assert!(round < 10_000, "SCAN did not finish");
            let (next, keys): (String, Vec<String>) = redis::cmd("SCAN").arg(&cursor).arg(extra).query(con).unwrap();
            seen.extend(keys);
            cursor = next;
            if cursor == "0" {
                return seen;
            }
        }
        unreachable!()
    };
    let evens = scan_all(&mut con, &["MATCH", "even:*", "COUNT", "7"]);
    assert_eq!(evens, (0..200).step_by(4).map(|i| format!("even:{i}")).collect::<HashSet<_>>());
    assert_eq!(scan_all(&mut con, &["TYPE", "string"]).len(), 200);
    assert_eq!(scan_all(&mut con, &["TYPE", "list"]).len(), 0);
});

server_test!(scan_rejects_bad_arguments, |srv| {
    let mut con = srv.client();
    assert_eq!(error_of(redis::cmd("SCAN").arg("abc"), &mut con), "ERR invalid cursor");
    assert_eq!(error_of(redis::cmd("SCAN").arg(0).arg("COUNT").arg(0), &mut con), "ERR syntax error");
    assert_eq!(
        error_of(redis::cmd("SCAN").arg(0).arg("COUNT").arg("abc"), &mut con),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(error_of(redis::cmd("SCAN").arg(0).arg("MATCH"), &mut con), "ERR syntax error");
    assert_eq!(error_of(redis::cmd("SCAN").arg(0).arg("FOO").arg("bar"), &mut con), "ERR syntax error");
});

server_test!(scan_of_an_empty_database_ends_at_once, |srv| {
    let mut con = srv.client();
    assert_eq!(
        redis::cmd("SCAN").arg(0).query::<Value>(&mut con).unwrap(),
        Value::Array(vec![Value::BulkString(b"0".to_vec()), Value::Array(vec![])])
    );
});

server_test!(rename_moves_the_value_and_its_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("a").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("b").arg("old").query(&mut con).unwrap();
    assert_eq!(redis::cmd("RENAME").arg("a").arg("b").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("EXISTS").arg("a").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("b").query::<String>(&mut con).unwrap(), "v");
    let ttl: i64 = redis::cmd("TTL").arg("b").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after RENAME: {ttl}");
    // Renaming a key onto itself is fine.
    assert_eq!(redis::cmd("RENAME").arg("b").arg("b").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("GET").arg("b").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(error_of(redis::cmd("RENAME").arg("missing").arg("x"), &mut con), "ERR no such key");
});

server_test!(renamenx_renames_only_onto_a_missing_key, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("a").arg(1).arg("b").arg(2).query(&mut con).unwrap();
    assert_eq!(redis::cmd("RENAMENX").arg("a").arg("b").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("a").query::<String>(&mut con).unwrap(), "1");
    assert_eq!(redis::cmd("RENAMENX").arg("a").arg("c").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("GET").arg("c").query::<String>(&mut con).unwrap(), "1");
    assert_eq!(redis::cmd("EXISTS").arg("a").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(error_of(redis::cmd("RENAMENX").arg("missing").arg("x"), &mut con), "ERR no such key");
});

server_test!(copy_duplicates_a_key_with_its_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("src").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("COPY").arg("src").arg("dst").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("GET").arg("dst").query::<String>(&mut con).unwrap(), "v");
    let ttl: i64 = redis::cmd("TTL").arg("dst").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL of the copy: {ttl}");
    // The copy is independent of the source.
    let _: () = redis::cmd("APPEND").arg("dst").arg("2").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("src").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(redis::cmd("COPY").arg("missing").arg("dst").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(copy_replaces_only_with_replace, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("src").arg("new").arg("dst").arg("old").query(&mut con).unwrap();
    assert_eq!(redis::cmd("COPY").arg("src").arg("dst").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("dst").query::<String>(&mut con).unwrap(), "old");
    assert_eq!(redis::cmd("COPY").arg("src").arg("dst").arg("REPLACE").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("GET").arg("dst").query::<String>(&mut con).unwrap(), "new");
    assert_eq!(redis::cmd("TTL").arg("dst").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(
        error_of(redis::cmd("COPY").arg("src").arg("src"), &mut con),
        "ERR source and destination objects are the same"
    );
    assert_eq!(error_of(redis::cmd("COPY").arg("src").arg("x").arg("FOO"), &mut con), "ERR syntax error");
});

server_test!(copy_db_copies_into_another_database, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("COPY").arg("k").arg("k").arg("DB").arg(1).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "v");
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(
        error_of(redis::cmd("COPY").arg("k").arg("x").arg("DB").arg(99), &mut con),
        "ERR DB index is out of range"
    );
    assert_eq!(
        error_of(redis::cmd("COPY").arg("k").arg("x").arg("DB").arg("abc"), &mut con),
        "ERR value is not an integer or out of range"
    );
});

server_test!(move_transfers_a_key_to_another_database, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("MOVE").arg("k").arg(1).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("MOVE").arg("k").arg(1).query::<i64>(&mut con).unwrap(), 0);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "v");
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after MOVE: {ttl}");
    // Not moved when the target database already has the key.
    let _: () = redis::cmd("SELECT").arg(0).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("k").arg("other").query(&mut con).unwrap();
    assert_eq!(redis::cmd("MOVE").arg("k").arg(1).query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "other");
    assert_eq!(
        error_of(redis::cmd("MOVE").arg("k").arg(0), &mut con),
        "ERR source and destination objects are the same"
    );
    assert_eq!(error_of(redis::cmd("MOVE").arg("k").arg(16), &mut con), "ERR DB index is out of range");
});

server_test!(ttl_and_pttl_report_missing_and_persistent_keys, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("TTL").arg("missing").query::<i64>(&mut con).unwrap(), -2);
    assert_eq!(redis::cmd("PTTL").arg("missing").query::<i64>(&mut con).unwrap(), -2);
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("PTTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("EXPIRETIME").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("PEXPIRETIME").arg("missing").query::<i64>(&mut con).unwrap(), -2);
});

server_test!(expire_family_sets_relative_and_absolute_ttls, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("EXPIRE").arg("k").arg(100).query::<i64>(&mut con).unwrap(), 1);
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after EXPIRE 100: {ttl}");
    assert_eq!(redis::cmd("PEXPIRE").arg("k").arg(50_000).query::<i64>(&mut con).unwrap(), 1);
    let pttl: i64 = redis::cmd("PTTL").arg("k").query(&mut con).unwrap();
    assert!((40_000..=50_000).contains(&pttl), "PTTL after PEXPIRE 50000: {pttl}");
    let at = unix_secs() + 200;
    assert_eq!(redis::cmd("EXPIREAT").arg("k").arg(at).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("EXPIRETIME").arg("k").query::<u64>(&mut con).unwrap(), at);
    assert_eq!(redis::cmd("PEXPIRETIME").arg("k").query::<u64>(&mut con).unwrap(), at * 1000);
    assert_eq!(redis::cmd("PEXPIREAT").arg("k").arg(at * 1000 + 500).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("PEXPIRETIME").arg("k").query::<u64>(&mut con).unwrap(), at * 1000 + 500);
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((190..=201).contains(&ttl), "TTL after PEXPIREAT now+200s: {ttl}");
    // Missing keys get no TTL.
    assert_eq!(redis::cmd("EXPIRE").arg("missing").arg(100).query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("EXISTS").arg("missing").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(expire_in_the_past_deletes_the_key, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("a").arg(1).arg("b").arg(2).arg("c").arg(3).query(&mut con).unwrap();
    assert_eq!(redis::cmd("EXPIRE").arg("a").arg(0).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("PEXPIRE").arg("b").arg(-5).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("EXPIREAT").arg("c").arg(1).query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("EXISTS").arg("a").arg("b").arg("c").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(expire_options_nx_xx_gt_lt_condition_the_change, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let expire = |con: &mut redis::Connection, secs: i64, opt: &str| -> i64 {
        redis::cmd("EXPIRE").arg("k").arg(secs).arg(opt).query(con).unwrap()
    };
    // No TTL yet: XX and GT refuse (no TTL counts as infinite), NX and LT accept.
    assert_eq!(expire(&mut con, 100, "XX"), 0);
    assert_eq!(expire(&mut con, 100, "GT"), 0);
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(expire(&mut con, 100, "NX"), 1);
    assert_eq!(expire(&mut con, 200, "NX"), 0);
    assert_eq!(expire(&mut con, 200, "XX"), 1);
    assert_eq!(expire(&mut con, 50, "GT"), 0);
    assert_eq!(expire(&mut con, 500, "GT"), 1);
    assert_eq!(expire(&mut con, 600, "LT"), 0);
    assert_eq!(expire(&mut con, 300, "lt"), 1);
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((290..=300).contains(&ttl), "TTL after the options: {ttl}");
    let _: () = redis::cmd("PERSIST").arg("k").query(&mut con).unwrap();
    assert_eq!(expire(&mut con, 100, "LT"), 1);
});

server_test!(expire_rejects_bad_arguments, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(
        error_of(redis::cmd("EXPIRE").arg("k").arg(10).arg("NX").arg("XX"), &mut con),
        "ERR NX and XX, GT or LT options at the same time are not compatible"
    );
    assert_eq!(
        error_of(redis::cmd("EXPIRE").arg("k").arg(10).arg("GT").arg("LT"), &mut con),
        "ERR GT and LT options at the same time are not compatible"
    );
    assert_eq!(error_of(redis::cmd("EXPIRE").arg("k").arg(10).arg("FOO"), &mut con), "ERR Unsupported option FOO");
    assert_eq!(
        error_of(redis::cmd("EXPIRE").arg("k").arg("abc"), &mut con),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
});

server_test!(persist_removes_the_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("PERSIST").arg("k").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("PERSIST").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("PERSIST").arg("missing").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(object_encoding_reports_int_embstr_and_raw, |srv| {
    let mut con = srv.client();
    let encoding = |con: &mut redis::Connection, key: &str| -> Value {
        redis::cmd("OBJECT").arg("ENCODING").arg(key).query(con).unwrap()
    };
    let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
    let _: () = redis::cmd("SET").arg("int").arg(12345).query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "int"), bulk("int"));
    let _: () = redis::cmd("SET").arg("padded").arg("012").query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "padded"), bulk("embstr"));
    let _: () = redis::cmd("SET").arg("short").arg("x".repeat(44)).query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "short"), bulk("embstr"));
    let _: () = redis::cmd("SET").arg("long").arg("x".repeat(45)).query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "long"), bulk("raw"));
    let _: () = redis::cmd("INCR").arg("counter").query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "counter"), bulk("int"));
    // Edited in place, a string is `raw` whatever its length (as in Redis).
    let _: () = redis::cmd("APPEND").arg("short").arg("y").query(&mut con).unwrap();
    let _: () = redis::cmd("APPEND").arg("int").arg("6").query(&mut con).unwrap();
    let _: () = redis::cmd("SETRANGE").arg("ranged").arg(2).arg("xy").query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "short"), bulk("raw"));
    assert_eq!(encoding(&mut con, "int"), bulk("raw"));
    assert_eq!(encoding(&mut con, "ranged"), bulk("raw"));
    let _: () = redis::cmd("INCRBYFLOAT").arg("float").arg("1.5").query(&mut con).unwrap();
    assert_eq!(encoding(&mut con, "float"), bulk("embstr"));
    assert_eq!(encoding(&mut con, "missing"), Value::Nil);
    assert_eq!(
        error_of(redis::cmd("OBJECT").arg("NOPE").arg("int"), &mut con),
        "ERR unknown subcommand 'NOPE'. Try OBJECT HELP."
    );
});

server_test!(swapdb_exchanges_two_databases, |srv| {
    let mut con = srv.client();
    let mut other = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("zero").query(&mut con).unwrap();
    let _: () = redis::cmd("SELECT").arg(1).query(&mut other).unwrap();
    let _: () = redis::cmd("MSET").arg("k").arg("one").arg("only1").arg("x").query(&mut other).unwrap();
    assert_eq!(redis::cmd("SWAPDB").arg(0).arg(1).query::<Value>(&mut con).unwrap(), Value::Okay);
    // Connections stay on their database number and see the swapped contents.
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "one");
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 2);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut other).unwrap(), "zero");
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut other).unwrap(), 1);
    assert_eq!(redis::cmd("SWAPDB").arg(2).arg(2).query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(error_of(redis::cmd("SWAPDB").arg(0).arg(16), &mut con), "ERR DB index is out of range");
    assert_eq!(error_of(redis::cmd("SWAPDB").arg("abc").arg(0), &mut con), "ERR invalid first DB index");
    assert_eq!(error_of(redis::cmd("SWAPDB").arg(0).arg("abc"), &mut con), "ERR invalid second DB index");
});

server_test!(flushdb_empties_only_the_selected_database, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("MSET").arg("a").arg(1).arg("b").arg(2).query(&mut con).unwrap();
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("c").arg(3).query(&mut con).unwrap();
    let _: () = redis::cmd("SELECT").arg(0).query(&mut con).unwrap();
    assert_eq!(redis::cmd("FLUSHDB").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("FLUSHDB").arg("ASYNC").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("FLUSHDB").arg("SYNC").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(error_of(redis::cmd("FLUSHDB").arg("FOO"), &mut con), "ERR syntax error");
});

server_test!(flushall_empties_every_database, |srv| {
    let mut con = srv.client();
    for db in [0, 3, 15] {
        let _: () = redis::cmd("SELECT").arg(db).query(&mut con).unwrap();
        let _: () = redis::cmd("SET").arg("k").arg(db).arg("EX").arg(100).query(&mut con).unwrap();
        let _: () = redis::cmd("SET").arg("p").arg(db).query(&mut con).unwrap();
    }
    assert_eq!(redis::cmd("FLUSHALL").query::<Value>(&mut con).unwrap(), Value::Okay);
    for db in [0, 3, 15] {
        let _: () = redis::cmd("SELECT").arg(db).query(&mut con).unwrap();
        assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0, "database {db}");
        assert_eq!(redis::cmd("GET").arg("p").query::<Value>(&mut con).unwrap(), Value::Nil);
    }
    assert_eq!(redis::cmd("FLUSHALL").arg("ASYNC").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(error_of(redis::cmd("FLUSHALL").arg("FOO"), &mut con), "ERR syntax error");
});

server_test!(dbsize_counts_the_keys_of_the_selected_database, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
    for i in 0..25 {
        let _: () = redis::cmd("SET").arg(format!("k{i}")).arg(i).query(&mut con).unwrap();
    }
    let _: () = redis::cmd("SET").arg("k0").arg("again").query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 25);
    let _: () = redis::cmd("DEL").arg("k0").arg("k1").query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 23);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(error_of(redis::cmd("DBSIZE").arg("x"), &mut con), "ERR wrong number of arguments for 'dbsize' command");
});

server_test!(randomkey_returns_an_existing_key_or_nil, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("RANDOMKEY").query::<Value>(&mut con).unwrap(), Value::Nil);
    let keys: HashSet<String> = (0..10).map(|i| format!("k{i}")).collect();
    for k in &keys {
        let _: () = redis::cmd("SET").arg(k).arg(1).query(&mut con).unwrap();
    }
    for _ in 0..20 {
        let k: String = redis::cmd("RANDOMKEY").query(&mut con).unwrap();
        assert!(keys.contains(&k), "RANDOMKEY returned {k:?}");
    }
    let _: () = redis::cmd("FLUSHDB").query(&mut con).unwrap();
    assert_eq!(redis::cmd("RANDOMKEY").query::<Value>(&mut con).unwrap(), Value::Nil);
});

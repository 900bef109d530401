//! String commands: GET and SET with every option, the INCR family, MSET/MGET/MSETNX,
//! APPEND, GETRANGE/SETRANGE, STRLEN and the SET variants (SETNX, SETEX, PSETEX, GETSET,
//! GETDEL, GETEX), with Redis's exact replies and errors.

use std::time::{SystemTime, UNIX_EPOCH};

use redis::Value;
use tandem_suite::helpers::*;
use tandem_suite::server_test;

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

server_test!(get_of_a_missing_key_is_nil, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("GET").arg("missing").query::<Value>(&mut con).unwrap(), Value::Nil);
});

server_test!(set_then_get_returns_the_exact_bytes, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SET").arg("k").arg("hello").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("GET").arg("k").query::<Value>(&mut con).unwrap(), Value::BulkString(b"hello".to_vec()));
    // Binary-safe, including CR/LF and NUL.
    let binary: Vec<u8> = (0..=255u8).chain(*b"\r\n\0").collect();
    let _: () = redis::cmd("SET").arg(&binary[..]).arg(&binary[..]).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg(&binary[..]).query::<Vec<u8>>(&mut con).unwrap(), binary);
    // Integer-looking values come back as written.
    for v in ["12", "-7", "007", "1.0", " 3", "9223372036854775808", "-0"] {
        let _: () = redis::cmd("SET").arg("n").arg(v).query(&mut con).unwrap();
        assert_eq!(redis::cmd("GET").arg("n").query::<String>(&mut con).unwrap(), v);
    }
    // Empty values and large values.
    let _: () = redis::cmd("SET").arg("empty").arg("").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("empty").query::<Value>(&mut con).unwrap(), Value::BulkString(vec![]));
    let big = vec![b'x'; 1 << 20];
    let _: () = redis::cmd("SET").arg("big").arg(&big[..]).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("big").query::<Vec<u8>>(&mut con).unwrap(), big);
});

server_test!(set_overwrites_and_clears_the_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v1").arg("EX").arg(100).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("k").arg("v2").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "v2");
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
});

server_test!(set_nx_only_sets_a_missing_key, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SET").arg("k").arg("a").arg("NX").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("SET").arg("k").arg("b").arg("nx").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "a");
});

server_test!(set_xx_only_sets_an_existing_key, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SET").arg("k").arg("a").arg("XX").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    let _: () = redis::cmd("SET").arg("k").arg("a").query(&mut con).unwrap();
    assert_eq!(redis::cmd("SET").arg("k").arg("b").arg("XX").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "b");
});

server_test!(set_get_returns_the_previous_value, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SET").arg("k").arg("a").arg("GET").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(
        redis::cmd("SET").arg("k").arg("b").arg("GET").query::<Value>(&mut con).unwrap(),
        Value::BulkString(b"a".to_vec())
    );
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "b");
    // With NX the old value is returned and nothing is set (Redis 7).
    assert_eq!(
        redis::cmd("SET").arg("k").arg("c").arg("NX").arg("GET").query::<Value>(&mut con).unwrap(),
        Value::BulkString(b"b".to_vec())
    );
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "b");
    // With XX on a missing key: nil, nothing set.
    assert_eq!(
        redis::cmd("SET").arg("other").arg("c").arg("XX").arg("GET").query::<Value>(&mut con).unwrap(),
        Value::Nil
    );
    assert_eq!(redis::cmd("EXISTS").arg("other").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(set_with_ex_px_exat_pxat_sets_a_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("ex").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("ex").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after EX 100: {ttl}");
    let _: () = redis::cmd("SET").arg("px").arg("v").arg("PX").arg(100_000).query(&mut con).unwrap();
    let pttl: i64 = redis::cmd("PTTL").arg("px").query(&mut con).unwrap();
    assert!((90_000..=100_000).contains(&pttl), "PTTL after PX 100000: {pttl}");
    let at = unix_secs() + 100;
    let _: () = redis::cmd("SET").arg("exat").arg("v").arg("EXAT").arg(at).query(&mut con).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("exat").query(&mut con).unwrap();
    assert!((90..=101).contains(&ttl), "TTL after EXAT now+100: {ttl}");
    let _: () = redis::cmd("SET").arg("pxat").arg("v").arg("PXAT").arg(at * 1000).query(&mut con).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("pxat").query(&mut con).unwrap();
    assert!((90..=101).contains(&ttl), "TTL after PXAT now+100s: {ttl}");
    assert_eq!(redis::cmd("GET").arg("pxat").query::<String>(&mut con).unwrap(), "v");
});

server_test!(set_with_exat_in_the_past_deletes_the_key, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("old").query(&mut con).unwrap();
    assert_eq!(redis::cmd("SET").arg("k").arg("v").arg("EXAT").arg(1).query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("k").query::<Value>(&mut con).unwrap(), Value::Nil);
});

server_test!(set_keepttl_keeps_the_existing_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("a").arg("EX").arg(100).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("k").arg("b").arg("KEEPTTL").query(&mut con).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after KEEPTTL: {ttl}");
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "b");
});

server_test!(set_rejects_invalid_option_combinations, |srv| {
    let mut con = srv.client();
    let syntax = "ERR syntax error";
    assert_eq!(error_of(redis::cmd("SET").arg("k").arg("v").arg("NX").arg("XX"), &mut con), syntax);
    assert_eq!(error_of(redis::cmd("SET").arg("k").arg("v").arg("EX").arg(10).arg("PX").arg(10), &mut con), syntax);
    assert_eq!(error_of(redis::cmd("SET").arg("k").arg("v").arg("KEEPTTL").arg("EX").arg(10), &mut con), syntax);
    assert_eq!(error_of(redis::cmd("SET").arg("k").arg("v").arg("EX"), &mut con), syntax);
    assert_eq!(error_of(redis::cmd("SET").arg("k").arg("v").arg("FOO"), &mut con), syntax);
    assert_eq!(
        error_of(redis::cmd("SET").arg("k").arg("v").arg("EX").arg("abc"), &mut con),
        "ERR value is not an integer or out of range"
    );
    for (opt, n) in [("EX", "0"), ("EX", "-1"), ("PX", "0"), ("EXAT", "0"), ("EX", "9999999999999999")] {
        assert_eq!(
            error_of(redis::cmd("SET").arg("k").arg("v").arg(opt).arg(n), &mut con),
            "ERR invalid expire time in 'set' command",
            "SET k v {opt} {n}"
        );
    }
    // Nothing was set by the failed commands.
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(incr_and_decr_treat_a_missing_key_as_zero, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("INCR").arg("a").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("INCR").arg("a").query::<i64>(&mut con).unwrap(), 2);
    assert_eq!(redis::cmd("DECR").arg("b").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("INCRBY").arg("c").arg(10).query::<i64>(&mut con).unwrap(), 10);
    assert_eq!(redis::cmd("INCRBY").arg("c").arg(-15).query::<i64>(&mut con).unwrap(), -5);
    assert_eq!(redis::cmd("DECRBY").arg("d").arg(7).query::<i64>(&mut con).unwrap(), -7);
    assert_eq!(redis::cmd("GET").arg("c").query::<String>(&mut con).unwrap(), "-5");
    let _: () = redis::cmd("SET").arg("e").arg("41").query(&mut con).unwrap();
    assert_eq!(redis::cmd("INCR").arg("e").query::<i64>(&mut con).unwrap(), 42);
    assert_eq!(redis::cmd("GET").arg("e").query::<String>(&mut con).unwrap(), "42");
});

server_test!(incr_rejects_values_that_are_not_integers, |srv| {
    let mut con = srv.client();
    for v in ["abc", "1.5", " 1", "1 ", "", "9223372036854775808", "0x10"] {
        let _: () = redis::cmd("SET").arg("k").arg(v).query(&mut con).unwrap();
        assert_eq!(
            error_of(redis::cmd("INCR").arg("k"), &mut con),
            "ERR value is not an integer or out of range",
            "INCR of {v:?}"
        );
        assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), v);
    }
    assert_eq!(
        error_of(redis::cmd("INCRBY").arg("n").arg("abc"), &mut con),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(
        error_of(redis::cmd("DECRBY").arg("n").arg("1.0"), &mut con),
        "ERR value is not an integer or out of range"
    );
});

server_test!(incr_past_the_i64_range_is_an_overflow_error, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("max").arg(i64::MAX).query(&mut con).unwrap();
    assert_eq!(error_of(redis::cmd("INCR").arg("max"), &mut con), "ERR increment or decrement would overflow");
    assert_eq!(redis::cmd("GET").arg("max").query::<i64>(&mut con).unwrap(), i64::MAX);
    let _: () = redis::cmd("SET").arg("min").arg(i64::MIN).query(&mut con).unwrap();
    assert_eq!(error_of(redis::cmd("DECR").arg("min"), &mut con), "ERR increment or decrement would overflow");
    assert_eq!(
        error_of(redis::cmd("INCRBY").arg("min").arg(-1), &mut con),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(redis::cmd("INCRBY").arg("min").arg(i64::MAX).query::<i64>(&mut con).unwrap(), -1);
    // DECRBY cannot negate i64::MIN.
    assert_eq!(error_of(redis::cmd("DECRBY").arg("x").arg(i64::MIN), &mut con), "ERR decrement would overflow");
});

server_test!(incr_keeps_the_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg(1).arg("EX").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("INCR").arg("k").query::<i64>(&mut con).unwrap(), 2);
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after INCR: {ttl}");
});

server_test!(incrbyfloat_adds_and_formats_like_redis, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("f").arg("3.0e2").query::<String>(&mut con).unwrap(), "300");
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("f").arg("1.5").query::<String>(&mut con).unwrap(), "301.5");
    assert_eq!(redis::cmd("GET").arg("f").query::<String>(&mut con).unwrap(), "301.5");
    let _: () = redis::cmd("SET").arg("g").arg("10.50").query(&mut con).unwrap();
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("g").arg("0.1").query::<String>(&mut con).unwrap(), "10.6");
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("g").arg("-10.6").query::<String>(&mut con).unwrap(), "0");
    let _: () = redis::cmd("SET").arg("h").arg("1e3").query(&mut con).unwrap();
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("h").arg("0").query::<String>(&mut con).unwrap(), "1000");
    let _: () = redis::cmd("SET").arg("i").arg(5).query(&mut con).unwrap();
    assert_eq!(redis::cmd("INCRBYFLOAT").arg("i").arg("-0.5").query::<String>(&mut con).unwrap(), "4.5");
});

server_test!(incrbyfloat_rejects_invalid_floats, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("s").arg("abc").query(&mut con).unwrap();
    assert_eq!(error_of(redis::cmd("INCRBYFLOAT").arg("s").arg(1), &mut con), "ERR value is not a valid float");
    let _: () = redis::cmd("SET").arg("sp").arg(" 1").query(&mut con).unwrap();
    assert_eq!(error_of(redis::cmd("INCRBYFLOAT").arg("sp").arg(1), &mut con), "ERR value is not a valid float");
    assert_eq!(error_of(redis::cmd("INCRBYFLOAT").arg("n").arg("abc"), &mut con), "ERR value is not a valid float");
    let _: () = redis::cmd("SET").arg("one").arg(1).query(&mut con).unwrap();
    assert_eq!(
        error_of(redis::cmd("INCRBYFLOAT").arg("one").arg("inf"), &mut con),
        "ERR increment would produce NaN or Infinity"
    );
    assert_eq!(redis::cmd("GET").arg("one").query::<String>(&mut con).unwrap(), "1");
});

server_test!(mset_sets_every_pair_and_mget_reads_them_in_order, |srv| {
    let mut con = srv.client();
    assert_eq!(
        redis::cmd("MSET").arg("a").arg("1").arg("b").arg("2").arg("c").arg("3").query::<Value>(&mut con).unwrap(),
        Value::Okay
    );
    assert_eq!(
        redis::cmd("MGET").arg("a").arg("missing").arg("c").arg("b").arg("a").query::<Value>(&mut con).unwrap(),
        Value::Array(vec![
            Value::BulkString(b"1".to_vec()),
            Value::Nil,
            Value::BulkString(b"3".to_vec()),
            Value::BulkString(b"2".to_vec()),
            Value::BulkString(b"1".to_vec()),
        ])
    );
    // A repeated key: the last value wins.
    let _: () = redis::cmd("MSET").arg("d").arg("x").arg("d").arg("y").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GET").arg("d").query::<String>(&mut con).unwrap(), "y");
});

server_test!(mset_clears_existing_ttls, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("a").arg("1").arg("EX").arg(100).query(&mut con).unwrap();
    let _: () = redis::cmd("MSET").arg("a").arg("2").query(&mut con).unwrap();
    assert_eq!(redis::cmd("TTL").arg("a").query::<i64>(&mut con).unwrap(), -1);
});

server_test!(mset_with_an_odd_number_of_arguments_is_an_arity_error, |srv| {
    let mut con = srv.client();
    let arity = "ERR wrong number of arguments for 'mset' command";
    assert_eq!(error_of(redis::cmd("MSET").arg("a"), &mut con), arity);
    assert_eq!(error_of(redis::cmd("MSET").arg("a").arg("1").arg("b"), &mut con), arity);
    assert_eq!(redis::cmd("EXISTS").arg("a").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(error_of(&redis::cmd("MGET"), &mut con), "ERR wrong number of arguments for 'mget' command");
});

server_test!(msetnx_sets_all_or_nothing, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("MSETNX").arg("a").arg("1").arg("b").arg("2").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("MSETNX").arg("c").arg("3").arg("a").arg("9").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(
        redis::cmd("MGET").arg("a").arg("b").arg("c").query::<Vec<Option<String>>>(&mut con).unwrap(),
        vec![Some("1".to_string()), Some("2".to_string()), None]
    );
});

server_test!(append_extends_or_creates_and_returns_the_length, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("APPEND").arg("k").arg("Hello").query::<i64>(&mut con).unwrap(), 5);
    assert_eq!(redis::cmd("APPEND").arg("k").arg(" World").query::<i64>(&mut con).unwrap(), 11);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "Hello World");
    assert_eq!(redis::cmd("APPEND").arg("k").arg("").query::<i64>(&mut con).unwrap(), 11);
    // Appending to an integer value appends to its decimal text.
    let _: () = redis::cmd("SET").arg("n").arg(10).query(&mut con).unwrap();
    assert_eq!(redis::cmd("APPEND").arg("n").arg("5").query::<i64>(&mut con).unwrap(), 3);
    assert_eq!(redis::cmd("GET").arg("n").query::<String>(&mut con).unwrap(), "105");
    assert_eq!(redis::cmd("INCR").arg("n").query::<i64>(&mut con).unwrap(), 106);
});

server_test!(append_keeps_the_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("a").arg("EX").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("APPEND").arg("k").arg("b").query::<i64>(&mut con).unwrap(), 2);
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after APPEND: {ttl}");
});

server_test!(getrange_clamps_and_accepts_negative_indexes, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("s").arg("Hello World").query(&mut con).unwrap();
    let range = |con: &mut redis::Connection, start: i64, end: i64| -> String {
        redis::cmd("GETRANGE").arg("s").arg(start).arg(end).query(con).unwrap()
    };
    assert_eq!(range(&mut con, 0, 4), "Hello");
    assert_eq!(range(&mut con, -5, -1), "World");
    assert_eq!(range(&mut con, 0, -1), "Hello World");
    assert_eq!(range(&mut con, 0, 100), "Hello World");
    assert_eq!(range(&mut con, -100, 2), "Hel");
    assert_eq!(range(&mut con, 5, 2), "");
    assert_eq!(range(&mut con, 100, 200), "");
    assert_eq!(range(&mut con, -1, -5), "");
    assert_eq!(
        redis::cmd("GETRANGE").arg("missing").arg(0).arg(-1).query::<Value>(&mut con).unwrap(),
        Value::BulkString(vec![])
    );
    let _: () = redis::cmd("SET").arg("n").arg(12345).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GETRANGE").arg("n").arg(1).arg(3).query::<String>(&mut con).unwrap(), "234");
    assert_eq!(
        error_of(redis::cmd("GETRANGE").arg("s").arg("a").arg("b"), &mut con),
        "ERR value is not an integer or out of range"
    );
});

server_test!(setrange_overwrites_and_pads_with_zero_bytes, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("s").arg("Hello World").query(&mut con).unwrap();
    assert_eq!(redis::cmd("SETRANGE").arg("s").arg(6).arg("Redis").query::<i64>(&mut con).unwrap(), 11);
    assert_eq!(redis::cmd("GET").arg("s").query::<String>(&mut con).unwrap(), "Hello Redis");
    assert_eq!(redis::cmd("SETRANGE").arg("s").arg(9).arg("dish!").query::<i64>(&mut con).unwrap(), 14);
    assert_eq!(redis::cmd("GET").arg("s").query::<String>(&mut con).unwrap(), "Hello Reddish!");
    assert_eq!(redis::cmd("SETRANGE").arg("new").arg(5).arg("x").query::<i64>(&mut con).unwrap(), 6);
    assert_eq!(redis::cmd("GET").arg("new").query::<Vec<u8>>(&mut con).unwrap(), b"\0\0\0\0\0x".to_vec());
    // An empty write to a missing key creates nothing.
    assert_eq!(redis::cmd("SETRANGE").arg("none").arg(0).arg("").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("EXISTS").arg("none").query::<i64>(&mut con).unwrap(), 0);
    // An empty write past the end of an existing key changes nothing.
    assert_eq!(redis::cmd("SETRANGE").arg("s").arg(100).arg("").query::<i64>(&mut con).unwrap(), 14);
    let _: () = redis::cmd("SET").arg("n").arg(12345).query(&mut con).unwrap();
    assert_eq!(redis::cmd("SETRANGE").arg("n").arg(1).arg("x").query::<i64>(&mut con).unwrap(), 5);
    assert_eq!(redis::cmd("GET").arg("n").query::<String>(&mut con).unwrap(), "1x345");
});

server_test!(setrange_rejects_bad_offsets, |srv| {
    let mut con = srv.client();
    assert_eq!(error_of(redis::cmd("SETRANGE").arg("s").arg(-1).arg("x"), &mut con), "ERR offset is out of range");
    assert_eq!(
        error_of(redis::cmd("SETRANGE").arg("s").arg(536_870_912).arg("x"), &mut con),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(redis::cmd("EXISTS").arg("s").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(strlen_counts_bytes, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("s").arg("héllo").query(&mut con).unwrap();
    assert_eq!(redis::cmd("STRLEN").arg("s").query::<i64>(&mut con).unwrap(), 6);
    let _: () = redis::cmd("SET").arg("n").arg(-1234).query(&mut con).unwrap();
    assert_eq!(redis::cmd("STRLEN").arg("n").query::<i64>(&mut con).unwrap(), 5);
    assert_eq!(redis::cmd("STRLEN").arg("missing").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(setnx_sets_only_a_missing_key, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SETNX").arg("k").arg("a").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("SETNX").arg("k").arg("b").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "a");
});

server_test!(setex_and_psetex_set_a_value_with_a_ttl, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("SETEX").arg("a").arg(100).arg("v").query::<Value>(&mut con).unwrap(), Value::Okay);
    let ttl: i64 = redis::cmd("TTL").arg("a").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after SETEX 100: {ttl}");
    assert_eq!(redis::cmd("PSETEX").arg("b").arg(100_000).arg("v").query::<Value>(&mut con).unwrap(), Value::Okay);
    let pttl: i64 = redis::cmd("PTTL").arg("b").query(&mut con).unwrap();
    assert!((90_000..=100_000).contains(&pttl), "PTTL after PSETEX 100000: {pttl}");
    assert_eq!(redis::cmd("GET").arg("b").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(
        error_of(redis::cmd("SETEX").arg("c").arg(0).arg("v"), &mut con),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        error_of(redis::cmd("PSETEX").arg("c").arg(-5).arg("v"), &mut con),
        "ERR invalid expire time in 'psetex' command"
    );
    assert_eq!(
        error_of(redis::cmd("SETEX").arg("c").arg("x").arg("v"), &mut con),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(redis::cmd("EXISTS").arg("c").query::<i64>(&mut con).unwrap(), 0);
});

server_test!(getset_returns_the_old_value_and_clears_the_ttl, |srv| {
    let mut con = srv.client();
    assert_eq!(redis::cmd("GETSET").arg("k").arg("a").query::<Value>(&mut con).unwrap(), Value::Nil);
    let _: () = redis::cmd("EXPIRE").arg("k").arg(100).query(&mut con).unwrap();
    assert_eq!(redis::cmd("GETSET").arg("k").arg("b").query::<String>(&mut con).unwrap(), "a");
    assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap(), "b");
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
});

server_test!(getdel_returns_the_value_and_deletes_the_key, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GETDEL").arg("k").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GETDEL").arg("k").query::<Value>(&mut con).unwrap(), Value::Nil);
});

server_test!(getex_reads_and_changes_the_ttl, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("GETEX").arg("k").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("GETEX").arg("k").arg("EX").arg(100).query::<String>(&mut con).unwrap(), "v");
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((90..=100).contains(&ttl), "TTL after GETEX EX 100: {ttl}");
    assert_eq!(redis::cmd("GETEX").arg("k").arg("PX").arg(200_000).query::<String>(&mut con).unwrap(), "v");
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
    assert!((190..=200).contains(&ttl), "TTL after GETEX PX 200000: {ttl}");
    assert_eq!(redis::cmd("GETEX").arg("k").arg("PERSIST").query::<String>(&mut con).unwrap(), "v");
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -1);
    assert_eq!(redis::cmd("GETEX").arg("k").arg("EXAT").arg(1).query::<String>(&mut con).unwrap(), "v");
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("GETEX").arg("missing").query::<Value>(&mut con).unwrap(), Value::Nil);
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(
        error_of(redis::cmd("GETEX").arg("k").arg("EX").arg(0), &mut con),
        "ERR invalid expire time in 'getex' command"
    );
    assert_eq!(error_of(redis::cmd("GETEX").arg("k").arg("PERSIST").arg("EX").arg(10), &mut con), "ERR syntax error");
});

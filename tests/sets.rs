//! Set commands end to end: SADD/SREM/SCARD, SMEMBERS in RESP2 and RESP3, SISMEMBER and
//! SMISMEMBER, the intset → hashtable change, SINTER/SUNION/SDIFF and their STORE forms,
//! SINTERCARD, SMOVE, SPOP and SRANDMEMBER with every count, SSCAN, WRONGTYPE and a
//! 10,000-member set, with Redis's exact replies and errors.

use std::collections::HashSet;

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// A set's members, sorted (a hashtable set answers in no particular order).
fn members(c: &mut RawConn, key: &str) -> Vec<String> {
    sorted(texts(c.cmd(&["SMEMBERS", key])))
}

fn encoding(c: &mut RawConn, key: &str) -> Frame {
    c.cmd(&["OBJECT", "ENCODING", key])
}

/// Every member an SSCAN iteration returns, following the cursor until it is 0.
fn sscan_all(c: &mut RawConn, key: &str, options: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut found = Vec::new();
    for _ in 0..100_000 {
        let mut words = vec!["SSCAN", key, &cursor];
        words.extend_from_slice(options);
        let Frame::Array(reply) = c.cmd(&words) else { panic!("SSCAN replies with an array") };
        assert_eq!(reply.len(), 2, "SSCAN replies with a cursor and a batch");
        found.extend(texts(reply[1].clone()));
        cursor = text(&reply[0]);
        if cursor == "0" {
            return found;
        }
    }
    panic!("SSCAN did not finish its iteration");
}

server_test!(sadd_adds_only_new_members_and_srem_removes_them, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b", "a"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SADD", "s", "b", "c"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SCARD", "s"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SCARD", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["TYPE", "s"]), Frame::simple("set"));
    assert_eq!(members(&mut c, "s"), ["a", "b", "c"]);
    assert_eq!(c.cmd(&["SREM", "s", "a", "nope", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SREM", "missing", "a"]), Frame::Integer(0));
    assert_eq!(members(&mut c, "s"), ["b", "c"]);
    // Removing the last member deletes the key.
    assert_eq!(c.cmd(&["SREM", "s", "b", "c"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["EXISTS", "s"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SADD", "s"]), Frame::error("ERR wrong number of arguments for 'sadd' command"));
    // Members are binary-safe.
    c.send_cmd(&[b"SADD", b"bin", b"a\r\n\0", b""]);
    assert_eq!(c.read_frame(), Frame::Integer(2));
    c.send_cmd(&[b"SISMEMBER", b"bin", b"a\r\n\0"]);
    assert_eq!(c.read_frame(), Frame::Integer(1));
    assert_eq!(c.cmd(&["SISMEMBER", "bin", ""]), Frame::Integer(1));
});

server_test!(smembers_is_an_array_in_resp2_and_a_set_in_resp3, |srv| {
    let mut c = srv.raw();
    // An intset answers in numeric order, whatever the insertion order.
    assert_eq!(c.cmd(&["SADD", "s", "3", "-1", "20", "3"]), Frame::Integer(3));
    expect_reply(&mut c, &["SMEMBERS", "s"], b"*3\r\n$2\r\n-1\r\n$1\r\n3\r\n$2\r\n20\r\n");
    expect_reply(&mut c, &["SMEMBERS", "missing"], b"*0\r\n");
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["SMEMBERS", "s"], b"~3\r\n$2\r\n-1\r\n$1\r\n3\r\n$2\r\n20\r\n");
    expect_reply(&mut c, &["SMEMBERS", "missing"], b"~0\r\n");
    expect_reply(&mut c, &["SINTER", "s", "s"], b"~3\r\n$2\r\n-1\r\n$1\r\n3\r\n$2\r\n20\r\n");
    expect_reply(&mut c, &["SUNION", "missing"], b"~0\r\n");
    expect_reply(&mut c, &["SDIFF", "missing", "s"], b"~0\r\n");
    // SMISMEMBER stays an array of integers.
    expect_reply(&mut c, &["SMISMEMBER", "s", "3", "4"], b"*2\r\n:1\r\n:0\r\n");
});

server_test!(sismember_and_smismember_test_membership, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "s", "a", "1"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SISMEMBER", "s", "01"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SISMEMBER", "missing", "a"]), Frame::Integer(0));
    assert_eq!(
        c.cmd(&["SMISMEMBER", "s", "a", "b", "1"]),
        Frame::Array(vec![Frame::Integer(1), Frame::Integer(0), Frame::Integer(1)])
    );
    assert_eq!(c.cmd(&["SMISMEMBER", "missing", "a"]), Frame::Array(vec![Frame::Integer(0)]));
    assert_eq!(c.cmd(&["SMISMEMBER", "s"]), Frame::error("ERR wrong number of arguments for 'smismember' command"));
});

server_test!(an_integer_set_is_an_intset_until_a_member_or_its_size_breaks_the_rules, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "s", "1", "2", "-9223372036854775808", "9223372036854775807"]), Frame::Integer(4));
    assert_eq!(encoding(&mut c, "s"), Frame::bulk("intset"));
    assert_eq!(c.cmd(&["SADD", "s", "a"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "s"), Frame::bulk("hashtable"));
    // Never back, even when only integers are left.
    assert_eq!(c.cmd(&["SREM", "s", "a"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "s"), Frame::bulk("hashtable"));
    // Only the canonical decimal form of an i64 is an integer.
    for odd in ["01", "+1", "-0", "1.0", " 1", "9223372036854775808"] {
        c.cmd(&["DEL", "t"]);
        assert_eq!(c.cmd(&["SADD", "t", "1"]), Frame::Integer(1));
        assert_eq!(c.cmd(&["SADD", "t", odd]), Frame::Integer(1), "{odd:?} is a new member");
        assert_eq!(encoding(&mut c, "t"), Frame::bulk("hashtable"), "after adding {odd:?}");
        assert_eq!(members(&mut c, "t"), sorted(vec!["1".to_string(), odd.to_string()]));
    }
    // set-max-intset-entries (512) integers stay an intset; one more converts it.
    let mut words: Vec<String> = vec!["SADD".into(), "n".into()];
    words.extend((0..512).map(|i| (i * 3).to_string()));
    let words_ref: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&words_ref), Frame::Integer(512));
    assert_eq!(encoding(&mut c, "n"), Frame::bulk("intset"));
    assert_eq!(c.cmd(&["SADD", "n", "1"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "n"), Frame::bulk("hashtable"));
    assert_eq!(c.cmd(&["SCARD", "n"]), Frame::Integer(513));
    assert_eq!(c.cmd(&["SISMEMBER", "n", "1533"]), Frame::Integer(1));
});

server_test!(sinter_sunion_and_sdiff_combine_sets, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "a", "x", "y", "z", "w"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SADD", "b", "z", "w", "v"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SADD", "c", "w", "u"]), Frame::Integer(2));
    assert_eq!(sorted(texts(c.cmd(&["SINTER", "a", "b"]))), ["w", "z"]);
    assert_eq!(sorted(texts(c.cmd(&["SINTER", "a", "b", "c"]))), ["w"]);
    assert_eq!(sorted(texts(c.cmd(&["SUNION", "a", "b", "c"]))), ["u", "v", "w", "x", "y", "z"]);
    assert_eq!(sorted(texts(c.cmd(&["SDIFF", "a", "b"]))), ["x", "y"]);
    assert_eq!(sorted(texts(c.cmd(&["SDIFF", "a", "b", "c"]))), ["x", "y"]);
    assert_eq!(sorted(texts(c.cmd(&["SDIFF", "a", "missing"]))), ["w", "x", "y", "z"]);
    assert_eq!(c.cmd(&["SINTER", "a", "missing"]), bulks(&[]));
    assert_eq!(c.cmd(&["SUNION", "missing"]), bulks(&[]));
    assert_eq!(c.cmd(&["SDIFF", "missing", "a"]), bulks(&[]));
    assert_eq!(sorted(texts(c.cmd(&["SUNION", "missing", "c"]))), ["u", "w"]);
    // Results made of integers come back in numeric order.
    assert_eq!(c.cmd(&["SADD", "i", "10", "2", "7"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SADD", "j", "7", "1"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SUNION", "i", "j"]), bulks(&["1", "2", "7", "10"]));
    assert_eq!(c.cmd(&["SDIFF", "i", "j"]), bulks(&["2", "10"]));
    // Every key is type-checked, even after a missing one.
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SINTER", "missing", "str"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["SUNION", "a", "str"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["SDIFF", "missing", "str"]), Frame::error(WRONGTYPE));
});

server_test!(store_forms_replace_the_destination_and_an_empty_result_deletes_it, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "a", "1", "2", "3", "4"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SADD", "b", "3", "4", "5"]), Frame::Integer(3));
    // The destination may hold another type, and loses its expiry.
    assert_eq!(c.cmd(&["SET", "d", "old", "EX", "100"]), Frame::ok());
    assert_eq!(c.cmd(&["SUNIONSTORE", "d", "a", "b"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["TYPE", "d"]), Frame::simple("set"));
    assert_eq!(c.cmd(&["TTL", "d"]), Frame::Integer(-1));
    assert_eq!(c.cmd(&["SMEMBERS", "d"]), bulks(&["1", "2", "3", "4", "5"]));
    assert_eq!(encoding(&mut c, "d"), Frame::bulk("intset"));
    assert_eq!(c.cmd(&["SINTERSTORE", "d", "a", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SMEMBERS", "d"]), bulks(&["3", "4"]));
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "a", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SMEMBERS", "d"]), bulks(&["1", "2"]));
    // The destination may also be a source.
    assert_eq!(c.cmd(&["SDIFFSTORE", "a", "a", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SMEMBERS", "a"]), bulks(&["1", "2"]));
    assert_eq!(c.cmd(&["SADD", "e", "x", "y"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SUNIONSTORE", "e", "e", "a"]), Frame::Integer(4));
    assert_eq!(members(&mut c, "e"), ["1", "2", "x", "y"]);
    assert_eq!(encoding(&mut c, "e"), Frame::bulk("hashtable"));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["SINTERSTORE", "d", "a", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SET", "d", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SDIFFSTORE", "d", "a", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
    // A source of another type fails the command and leaves the destination alone.
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SUNIONSTORE", "e", "a", "str"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["SCARD", "e"]), Frame::Integer(4));
});

server_test!(sintercard_counts_the_intersection_up_to_a_limit, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "a", "1", "2", "3", "4", "x"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["SADD", "b", "2", "3", "4", "x", "y"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "2"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "limit", "10"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "b", "LIMIT", "0"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "a", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SINTERCARD", "0", "a"]), Frame::error("ERR numkeys should be greater than 0"));
    assert_eq!(
        c.cmd(&["SINTERCARD", "3", "a", "b"]),
        Frame::error("ERR Number of keys can't be greater than number of args")
    );
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT", "-1"]), Frame::error("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "LIMIT", "x"]), Frame::error("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["SINTERCARD", "1", "a", "FOO", "1"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SINTERCARD", "2", "missing", "str"]), Frame::error(WRONGTYPE));
});

server_test!(smove_moves_a_member_from_one_set_to_another, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "src", "a", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["SADD", "dst", "b"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SMOVE", "src", "dst", "a"]), Frame::Integer(1));
    assert_eq!(members(&mut c, "src"), ["b"]);
    assert_eq!(members(&mut c, "dst"), ["a", "b"]);
    // A member already in the destination still leaves the source.
    assert_eq!(c.cmd(&["SMOVE", "src", "dst", "b"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["EXISTS", "src"]), Frame::Integer(0));
    assert_eq!(members(&mut c, "dst"), ["a", "b"]);
    assert_eq!(c.cmd(&["SMOVE", "dst", "dst", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SMOVE", "dst", "dst", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SMOVE", "dst", "new", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SMOVE", "missing", "dst", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "new"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SMOVE", "dst", "new", "a"]), Frame::Integer(1));
    assert_eq!(members(&mut c, "new"), ["a"]);
    // A destination of another type refuses the move; the source keeps the member.
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SMOVE", "dst", "str", "b"]), Frame::error(WRONGTYPE));
    assert_eq!(members(&mut c, "dst"), ["b"]);
});

server_test!(spop_removes_random_members_and_the_last_one_deletes_the_key, |srv| {
    let mut c = srv.raw();
    let all = ["a", "b", "c", "d", "e"];
    assert_eq!(c.cmd(&["SADD", "s", "a", "b", "c", "d", "e"]), Frame::Integer(5));
    let one = text(&c.cmd(&["SPOP", "s"]));
    assert!(all.contains(&one.as_str()), "{one}");
    let two = texts(c.cmd(&["SPOP", "s", "2"]));
    assert_eq!(two.len(), 2);
    assert!(!two.contains(&one) && two[0] != two[1], "{one} then {two:?}");
    assert_eq!(c.cmd(&["SCARD", "s"]), Frame::Integer(2));
    let rest = texts(c.cmd(&["SPOP", "s", "10"]));
    let mut popped: Vec<String> = [vec![one], two, rest].concat();
    popped.sort();
    assert_eq!(popped, all);
    assert_eq!(c.cmd(&["EXISTS", "s"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SPOP", "missing"]), Frame::Null);
    assert_eq!(c.cmd(&["SPOP", "missing", "3"]), bulks(&[]));
    assert_eq!(c.cmd(&["SADD", "s", "x"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SPOP", "s", "0"]), bulks(&[]));
    assert_eq!(c.cmd(&["SPOP", "s", "-1"]), Frame::error("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["SPOP", "s", "x"]), Frame::error("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["SPOP", "s", "1", "2"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["SCARD", "s"]), Frame::Integer(1));
    // With a count the reply is a set in RESP3.
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["SPOP", "s", "0"], b"~0\r\n");
    expect_reply(&mut c, &["SPOP", "s", "5"], b"~1\r\n$1\r\nx\r\n");
    expect_reply(&mut c, &["SPOP", "missing", "2"], b"~0\r\n");
    expect_reply(&mut c, &["SPOP", "missing"], b"_\r\n");
});

server_test!(srandmember_returns_distinct_members_for_a_positive_count_and_repeats_for_a_negative, |srv| {
    let mut c = srv.raw();
    let all: HashSet<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
    assert_eq!(c.cmd(&["SADD", "s", "a", "b", "c", "d", "e"]), Frame::Integer(5));
    for _ in 0..20 {
        assert!(all.contains(&text(&c.cmd(&["SRANDMEMBER", "s"]))));
        let three = texts(c.cmd(&["SRANDMEMBER", "s", "3"]));
        assert_eq!(three.iter().collect::<HashSet<_>>().len(), 3, "distinct: {three:?}");
        assert!(three.iter().all(|m| all.contains(m)), "{three:?}");
    }
    assert_eq!(texts(c.cmd(&["SRANDMEMBER", "s", "5"])).into_iter().collect::<HashSet<_>>(), all);
    assert_eq!(texts(c.cmd(&["SRANDMEMBER", "s", "50"])).into_iter().collect::<HashSet<_>>(), all);
    let many = texts(c.cmd(&["SRANDMEMBER", "s", "-40"]));
    assert_eq!(many.len(), 40);
    assert!(many.iter().all(|m| all.contains(m)), "{many:?}");
    // Nothing is removed.
    assert_eq!(c.cmd(&["SCARD", "s"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["SADD", "one", "x"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SRANDMEMBER", "one", "-3"]), bulks(&["x", "x", "x"]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "0"]), bulks(&[]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "missing"]), Frame::Null);
    assert_eq!(c.cmd(&["SRANDMEMBER", "missing", "3"]), bulks(&[]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "missing", "-3"]), bulks(&[]));
    assert_eq!(c.cmd(&["SRANDMEMBER", "s", "x"]), Frame::error("ERR value is not an integer or out of range"));
    assert_eq!(
        c.cmd(&["SRANDMEMBER", "s", "-9223372036854775808"]),
        Frame::error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["SRANDMEMBER", "one", "-2"], b"*2\r\n$1\r\nx\r\n$1\r\nx\r\n");
    expect_reply(&mut c, &["SRANDMEMBER", "one", "0"], b"*0\r\n");
    expect_reply(&mut c, &["SRANDMEMBER", "missing"], b"_\r\n");
});

server_test!(sscan_iterates_every_member_and_filters_with_match, |srv| {
    let mut c = srv.raw();
    let mut words: Vec<String> = vec!["SADD".into(), "s".into()];
    words.extend((0..1000).map(|i| format!("member:{i}")));
    let words_ref: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&words_ref), Frame::Integer(1000));
    let found = sscan_all(&mut c, "s", &["COUNT", "13"]);
    let distinct: HashSet<String> = found.iter().cloned().collect();
    assert_eq!(distinct, (0..1000).map(|i| format!("member:{i}")).collect::<HashSet<_>>());
    let matched: HashSet<String> = sscan_all(&mut c, "s", &["MATCH", "member:99*"]).into_iter().collect();
    assert_eq!(
        matched,
        [
            "member:99",
            "member:990",
            "member:991",
            "member:992",
            "member:993",
            "member:994",
            "member:995",
            "member:996",
            "member:997",
            "member:998",
            "member:999"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<HashSet<_>>()
    );
    // An intset comes back whole, with cursor 0.
    assert_eq!(c.cmd(&["SADD", "i", "3", "1", "2"]), Frame::Integer(3));
    let Frame::Array(reply) = c.cmd(&["SSCAN", "i", "0", "COUNT", "1"]) else { panic!("SSCAN replies with an array") };
    assert_eq!(reply[0], Frame::bulk("0"));
    assert_eq!(sorted(texts(reply[1].clone())), ["1", "2", "3"]);
    assert_eq!(c.cmd(&["SSCAN", "missing", "0"]), Frame::Array(vec![Frame::bulk("0"), bulks(&[])]));
    assert_eq!(c.cmd(&["SSCAN", "s", "x"]), Frame::error("ERR invalid cursor"));
    assert_eq!(c.cmd(&["SSCAN", "s", "0", "COUNT", "0"]), Frame::error("ERR syntax error"));
});

server_test!(set_commands_on_another_type_are_wrongtype, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["SADD", "s", "a"]), Frame::Integer(1));
    for cmd in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "-2"],
        &["SMOVE", "str", "s", "a"],
        &["SINTER", "s", "str"],
        &["SINTERCARD", "2", "s", "str"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SUNION", "str", "s"],
        &["SUNIONSTORE", "d", "str"],
        &["SDIFF", "s", "str"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SSCAN", "str", "0"],
    ] {
        assert_eq!(c.cmd(cmd), Frame::error(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["GET", "s"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["HSET", "s", "f", "v"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["ZADD", "s", "1", "a"]), Frame::error(WRONGTYPE));
});

server_test!(a_set_changed_in_place_keeps_its_ttl, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SADD", "s", "1", "2", "3"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["EXPIRE", "s", "100"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SADD", "s", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SREM", "s", "1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SMOVE", "s", "other", "2"]), Frame::Integer(1));
    let Frame::Integer(ttl) = c.cmd(&["TTL", "s"]) else { panic!("TTL is an integer") };
    assert!((90..=100).contains(&ttl), "TTL after changes: {ttl}");
    assert_eq!(c.cmd(&["TTL", "other"]), Frame::Integer(-1));
});

/// Members per SADD/SREM: under `--store=lockfree` every write copies the whole value
/// (copy-on-write), so 10,000 one-member writes to one set would cost O(N²).
const BATCH: usize = 100;

server_test!(a_set_of_ten_thousand_members_added_in_one_pipeline_keeps_every_member, |srv| {
    const N: usize = 10_000;
    let mut c = srv.raw();
    let batches = |cmd: &str, key: &str, members: Vec<String>| -> Vec<Vec<String>> {
        members.chunks(BATCH).map(|chunk| [vec![cmd.to_string(), key.to_string()], chunk.to_vec()].concat()).collect()
    };
    // Integers: the set starts as an intset and turns into a hashtable on the way.
    let adds = batches("SADD", "big", (0..N).map(|i| (i * 7).to_string()).collect());
    let replies = pipeline(&mut c, &adds);
    assert!(replies.iter().all(|r| *r == Frame::Integer(BATCH as i64)), "every SADD adds its members");
    assert_eq!(c.cmd(&["SCARD", "big"]), Frame::Integer(N as i64));
    assert_eq!(encoding(&mut c, "big"), Frame::bulk("hashtable"));
    assert_eq!(c.cmd(&["SISMEMBER", "big", "69993"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SISMEMBER", "big", "69994"]), Frame::Integer(0));
    let scanned: HashSet<String> = sscan_all(&mut c, "big", &["COUNT", "100"]).into_iter().collect();
    assert_eq!(scanned, (0..N).map(|i| (i * 7).to_string()).collect::<HashSet<_>>());
    let Frame::Array(all) = c.cmd(&["SMEMBERS", "big"]) else { panic!("SMEMBERS replies with an array") };
    assert_eq!(all.len(), N);
    // Against a second big set: multiples of 7 and of 5 meet at multiples of 35.
    let fives = batches("SADD", "fives", (0..N).map(|i| (i * 5).to_string()).collect());
    assert!(pipeline(&mut c, &fives).iter().all(|r| *r == Frame::Integer(BATCH as i64)));
    let common = (0..N * 5).step_by(35).count() as i64;
    assert_eq!(c.cmd(&["SINTERCARD", "2", "big", "fives"]), Frame::Integer(common));
    assert_eq!(c.cmd(&["SINTERCARD", "2", "big", "fives", "LIMIT", "10"]), Frame::Integer(10));
    assert_eq!(c.cmd(&["SINTERSTORE", "both", "big", "fives"]), Frame::Integer(common));
    assert_eq!(c.cmd(&["SUNIONSTORE", "either", "big", "fives"]), Frame::Integer(2 * N as i64 - common));
    // Remove every even multiple in a second pipeline, then pop the rest.
    let rems = batches("SREM", "big", (0..N).step_by(2).map(|i| (i * 7).to_string()).collect());
    assert!(pipeline(&mut c, &rems).iter().all(|r| *r == Frame::Integer(BATCH as i64)));
    assert_eq!(c.cmd(&["SCARD", "big"]), Frame::Integer(N as i64 / 2));
    let popped: HashSet<String> = texts(c.cmd(&["SPOP", "big", "20000"])).into_iter().collect();
    assert_eq!(popped, (1..N).step_by(2).map(|i| (i * 7).to_string()).collect::<HashSet<_>>());
    assert_eq!(c.cmd(&["EXISTS", "big"]), Frame::Integer(0));
});

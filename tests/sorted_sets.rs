//! Sorted set commands end to end: ZADD with every option, ZINCRBY, ZSCORE/ZMSCORE and how
//! scores are formatted (Redis 7.2's shortest round-trip doubles), infinite scores and NaN,
//! the ZRANGE family by rank, score and lex, ZRANGESTORE, ZRANK/ZREVRANK WITHSCORE, ZCOUNT and
//! ZLEXCOUNT, ZREM and ZREMRANGEBY*, ZUNION/ZINTER/ZDIFF and their STORE forms with WEIGHTS
//! and AGGREGATE, ZINTERCARD, ZPOPMIN/ZPOPMAX, ZMPOP, ZRANDMEMBER, ZSCAN, the RESP3 shapes of
//! scored replies, WRONGTYPE and a 10,000-member sorted set, with Redis's exact replies.

use std::collections::{HashMap, HashSet};

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_A_FLOAT: &str = "ERR value is not a valid float";

/// Members and scores, flat as RESP2 writes them.
fn scored(c: &mut RawConn, key: &str) -> Frame {
    c.cmd(&["ZRANGE", key, "0", "-1", "WITHSCORES"])
}

/// Every member and score a ZSCAN iteration returns, following the cursor until it is 0.
fn zscan_all(c: &mut RawConn, key: &str, options: &[&str]) -> Vec<(String, String)> {
    let mut cursor = "0".to_string();
    let mut pairs = Vec::new();
    for _ in 0..100_000 {
        let mut words = vec!["ZSCAN", key, &cursor];
        words.extend_from_slice(options);
        let Frame::Array(reply) = c.cmd(&words) else { panic!("ZSCAN replies with an array") };
        assert_eq!(reply.len(), 2, "ZSCAN replies with a cursor and a batch");
        let batch = texts(reply[1].clone());
        assert_eq!(batch.len() % 2, 0, "ZSCAN returns member-score pairs");
        pairs.extend(batch.chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        cursor = text(&reply[0]);
        if cursor == "0" {
            return pairs;
        }
    }
    panic!("ZSCAN did not finish its iteration");
}

server_test!(zadd_adds_members_updates_scores_and_counts_the_new_ones, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZADD", "z", "10", "a", "4", "d"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZCARD", "z"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZCARD", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["TYPE", "z"]), Frame::simple("zset"));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), bulks(&["b", "c", "d", "a"]));
    // Equal scores order by member bytes.
    assert_eq!(c.cmd(&["ZADD", "t", "0", "b", "0", "a", "0", "c", "-1", "z"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZRANGE", "t", "0", "-1"]), bulks(&["z", "a", "b", "c"]));
    // Scores are read as C's strtod reads them.
    assert_eq!(c.cmd(&["ZADD", "n", "0x10", "hex", "1e2", "exp", "-.5", "frac"]), Frame::Integer(3));
    assert_eq!(scored(&mut c, "n"), bulks(&["frac", "-0.5", "hex", "16", "exp", "100"]));
    assert_eq!(c.cmd(&["ZADD", "z", "1"]), Frame::error("ERR wrong number of arguments for 'zadd' command"));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZADD", "z", "FOO", "1", "a"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZADD", "z", "x", "a"]), Frame::error(NOT_A_FLOAT));
    assert_eq!(c.cmd(&["ZADD", "z", "1e400", "a"]), Frame::error(NOT_A_FLOAT));
    assert_eq!(c.cmd(&["ZCARD", "z"]), Frame::Integer(4));
});

server_test!(a_sorted_set_is_a_listpack_until_it_outgrows_redis_limits, |srv| {
    let mut c = srv.raw();
    let encoding = |c: &mut RawConn, key: &str| c.cmd(&["OBJECT", "ENCODING", key]);
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "z"), Frame::bulk("listpack"));
    let (longest, too_long) = ("x".repeat(64), "y".repeat(65));
    assert_eq!(c.cmd(&["ZADD", "z", "2", &longest]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "z"), Frame::bulk("listpack"));
    assert_eq!(c.cmd(&["ZADD", "z", "3", &too_long]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "z"), Frame::bulk("skiplist"));
    assert_eq!(c.cmd(&["ZREM", "z", &too_long]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "z"), Frame::bulk("skiplist"), "a sorted set never converts back");
    for i in 1..=128 {
        c.cmd(&["ZADD", "w", &i.to_string(), &format!("m{i}")]);
    }
    assert_eq!(encoding(&mut c, "w"), Frame::bulk("listpack"));
    assert_eq!(c.cmd(&["ZADD", "w", "0", "extra"]), Frame::Integer(1));
    assert_eq!(encoding(&mut c, "w"), Frame::bulk("skiplist"));
    assert_eq!(c.cmd(&["ZRANGE", "w", "0", "1"]), Frame::Array(vec![Frame::bulk("extra"), Frame::bulk("m1")]));
});

server_test!(zadd_nx_and_xx_add_only_new_or_only_existing_members, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "10", "a", "10", "e"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "20", "a", "20", "f"]), Frame::Integer(1));
    assert_eq!(scored(&mut c, "z"), bulks(&["b", "2", "a", "10", "f", "20"]));
    assert_eq!(c.cmd(&["ZADD", "missing", "XX", "1", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "missing"]), Frame::Integer(0));
});

server_test!(zadd_gt_and_lt_move_scores_one_way_and_ch_counts_changes, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZADD", "z", "CH", "1", "a", "5", "b", "0", "d"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "CH", "0", "a", "20", "b"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZADD", "z", "LT", "CH", "0", "a", "50", "b"]), Frame::Integer(1));
    assert_eq!(scored(&mut c, "z"), bulks(&["a", "0", "d", "0", "c", "3", "b", "20"]));
    // GT and LT only hold back updates: new members are still added.
    assert_eq!(c.cmd(&["ZADD", "g", "GT", "5", "new"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZADD", "g", "GT", "CH", "6", "new", "1", "other"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZADD", "g", "LT", "7", "new"]), Frame::Integer(0));
    assert_eq!(scored(&mut c, "g"), bulks(&["other", "1", "new", "6"]));
    assert_eq!(c.cmd(&["ZADD", "g", "XX", "GT", "CH", "9", "new", "9", "absent"]), Frame::Integer(1));
    assert_eq!(scored(&mut c, "g"), bulks(&["other", "1", "new", "9"]));
});

server_test!(zadd_refuses_incompatible_options_with_redis_errors, |srv| {
    let mut c = srv.raw();
    assert_eq!(
        c.cmd(&["ZADD", "z", "NX", "XX", "1", "a"]),
        Frame::error("ERR XX and NX options at the same time are not compatible")
    );
    let gt_lt_nx = Frame::error("ERR GT, LT, and/or NX options at the same time are not compatible");
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "GT", "1", "a"]), gt_lt_nx);
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "LT", "1", "a"]), gt_lt_nx);
    assert_eq!(c.cmd(&["ZADD", "z", "LT", "NX", "1", "a"]), gt_lt_nx);
    assert_eq!(
        c.cmd(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
        Frame::error("ERR INCR option supports a single increment-element pair")
    );
    assert_eq!(c.cmd(&["EXISTS", "z"]), Frame::Integer(0));
});

server_test!(zadd_incr_replies_with_the_new_score_or_nil_when_held_back, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "1.5", "a"]), Frame::bulk("1.5"));
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "2.5", "a"]), Frame::bulk("4"));
    assert_eq!(c.cmd(&["ZADD", "z", "XX", "INCR", "1", "nope"]), Frame::Null);
    assert_eq!(c.cmd(&["ZADD", "z", "NX", "INCR", "1", "a"]), Frame::Null);
    assert_eq!(c.cmd(&["ZADD", "z", "GT", "INCR", "-1", "a"]), Frame::Null);
    assert_eq!(c.cmd(&["ZADD", "z", "LT", "INCR", "-1", "a"]), Frame::bulk("3"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), Frame::bulk("3"));
    assert_eq!(c.cmd(&["EXISTS", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-0.5", "a"]), Frame::bulk("2.5"));
    assert_eq!(c.cmd(&["ZINCRBY", "new", "1.5", "m"]), Frame::bulk("1.5"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "x", "a"]), Frame::error(NOT_A_FLOAT));
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["ZADD", "z", "INCR", "1", "a"], b",3.5\r\n");
    expect_reply(&mut c, &["ZADD", "z", "NX", "INCR", "1", "a"], b"_\r\n");
    expect_reply(&mut c, &["ZINCRBY", "z", "1", "a"], b",4.5\r\n");
});

server_test!(scores_are_formatted_as_the_shortest_round_trip_double, |srv| {
    let mut c = srv.raw();
    let cases = [
        ("1.1", "1.1"),
        ("0.1", "0.1"),
        ("3.0", "3"),
        ("-2.5", "-2.5"),
        ("1e300", "1e+300"),
        ("1.5e-7", "1.5e-7"),
        ("0.00001", "0.00001"),
        ("123456789.125", "123456789.125"),
        ("4611686018427387904", "4611686018427387904"),
        ("1e20", "1e+20"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("inf", "inf"),
        ("-inf", "-inf"),
    ];
    for (i, (score, _)) in cases.iter().enumerate() {
        assert_eq!(c.cmd(&["ZADD", "z", score, &format!("m{i}")]), Frame::Integer(1), "ZADD {score}");
    }
    for (i, (score, shown)) in cases.iter().enumerate() {
        assert_eq!(c.cmd(&["ZSCORE", "z", &format!("m{i}")]), Frame::bulk(shown), "ZSCORE of {score}");
    }
    // Sums show their exact binary result, not the decimal one.
    assert_eq!(c.cmd(&["ZADD", "s", "0.1", "m"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZINCRBY", "s", "0.2", "m"]), Frame::bulk("0.30000000000000004"));
    assert_eq!(
        c.cmd(&["ZMSCORE", "z", "m0", "nope", "m4"]),
        Frame::Array(vec![Frame::bulk("1.1"), Frame::Null, Frame::bulk("1e+300"),])
    );
    expect_reply(&mut c, &["ZSCORE", "z", "m0"], b"$3\r\n1.1\r\n");
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["ZSCORE", "z", "m0"], b",1.1\r\n");
    expect_reply(&mut c, &["ZSCORE", "z", "m2"], b",3\r\n");
    expect_reply(&mut c, &["ZSCORE", "z", "m4"], b",1e+300\r\n");
    expect_reply(&mut c, &["ZSCORE", "z", "m12"], b",inf\r\n");
    expect_reply(&mut c, &["ZSCORE", "z", "m13"], b",-inf\r\n");
    expect_reply(&mut c, &["ZSCORE", "z", "nope"], b"_\r\n");
    expect_reply(&mut c, &["ZMSCORE", "z", "m5", "nope"], b"*2\r\n,1.5e-7\r\n_\r\n");
});

server_test!(infinite_scores_are_allowed_and_nan_is_refused, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "inf", "top", "-inf", "bottom", "+inf", "also", "0", "mid"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), bulks(&["bottom", "mid", "also", "top"]));
    assert_eq!(c.cmd(&["ZSCORE", "z", "top"]), Frame::bulk("inf"));
    assert_eq!(c.cmd(&["ZSCORE", "z", "bottom"]), Frame::bulk("-inf"));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "-inf", "+inf"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(-inf", "(+inf"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZADD", "z", "nan", "x"]), Frame::error(NOT_A_FLOAT));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "nan", "mid"]), Frame::error(NOT_A_FLOAT));
    // inf + -inf is NaN: refused, and the score is left as it was.
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-inf", "top"]), Frame::error("ERR resulting score is not a number (NaN)"));
    assert_eq!(
        c.cmd(&["ZADD", "z", "INCR", "inf", "bottom"]),
        Frame::error("ERR resulting score is not a number (NaN)")
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "top"]), Frame::bulk("inf"));
    assert_eq!(c.cmd(&["ZINCRBY", "z", "inf", "mid"]), Frame::bulk("inf"));
    assert_eq!(c.cmd(&["ZCARD", "z"]), Frame::Integer(4));
});

server_test!(zrange_by_rank_takes_negative_indexes_and_rev, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["ZRANGE", "z", "1", "2"]), bulks(&["b", "c"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "-2", "-1"]), bulks(&["d", "e"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "-100", "0"]), bulks(&["a"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "3", "100"]), bulks(&["d", "e"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "3", "1"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "REV"]), bulks(&["e", "d", "c", "b", "a"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "1", "REV", "WITHSCORES"]), bulks(&["e", "5", "d", "4"]));
    assert_eq!(c.cmd(&["ZREVRANGE", "z", "0", "1", "WITHSCORES"]), bulks(&["e", "5", "d", "4"]));
    assert_eq!(c.cmd(&["ZRANGE", "missing", "0", "-1"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "x", "1"]), Frame::error("ERR value is not an integer or out of range"));
});

server_test!(zrange_byscore_takes_exclusive_bounds_infinities_and_a_limit, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["ZRANGE", "z", "(1", "3", "BYSCORE"]), bulks(&["b", "c"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV"]), bulks(&["c", "b"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "2"]), bulks(&["b", "c"]));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2", "WITHSCORES"]),
        bulks(&["e", "5", "d", "4"])
    );
    assert_eq!(c.cmd(&["ZRANGE", "z", "1", "3", "BYSCORE", "LIMIT", "0", "-1"]), bulks(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["ZRANGE", "z", "5", "1", "BYSCORE"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "(1", "(1"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "2", "4", "WITHSCORES", "LIMIT", "1", "1"]), bulks(&["c", "3"]));
    assert_eq!(c.cmd(&["ZREVRANGEBYSCORE", "z", "4", "2"]), bulks(&["d", "c", "b"]));
    assert_eq!(c.cmd(&["ZCOUNT", "z", "(1", "3"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZCOUNT", "missing", "0", "1"]), Frame::Integer(0));
    let not_float = Frame::error("ERR min or max is not a float");
    assert_eq!(c.cmd(&["ZRANGE", "z", "x", "1", "BYSCORE"]), not_float);
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "1", "x"]), not_float);
    assert_eq!(c.cmd(&["ZCOUNT", "z", "x", "3"]), not_float);
    assert_eq!(c.cmd(&["ZRANGEBYSCORE", "z", "0", "10", "LIMIT", "1"]), Frame::error("ERR syntax error"));
});

server_test!(zrange_bylex_takes_inclusive_and_exclusive_bounds, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["ZRANGE", "l", "[b", "(d", "BYLEX"]), bulks(&["b", "c"]));
    assert_eq!(c.cmd(&["ZRANGE", "l", "(d", "[b", "BYLEX", "REV"]), bulks(&["c", "b"]));
    assert_eq!(c.cmd(&["ZRANGE", "l", "-", "+", "BYLEX", "LIMIT", "2", "10"]), bulks(&["c", "d", "e"]));
    assert_eq!(c.cmd(&["ZRANGEBYLEX", "l", "-", "(c"]), bulks(&["a", "b"]));
    assert_eq!(c.cmd(&["ZREVRANGEBYLEX", "l", "+", "[c"]), bulks(&["e", "d", "c"]));
    assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "[b", "+"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "+", "-"]), Frame::Integer(0));
    let bad = Frame::error("ERR min or max not valid string range item");
    assert_eq!(c.cmd(&["ZLEXCOUNT", "l", "b", "+"]), bad);
    assert_eq!(c.cmd(&["ZRANGE", "l", "a", "b", "BYLEX"]), bad);
    assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "l", "[a", "(c"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZRANGE", "l", "0", "-1"]), bulks(&["c", "d", "e"]));
});

server_test!(zrange_refuses_options_that_do_not_go_together, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), Frame::Integer(2));
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
        Frame::error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    );
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
        Frame::error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    );
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1", "FOO"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"]), Frame::error("ERR syntax error"));
});

server_test!(zrangestore_stores_a_range_and_an_empty_one_deletes_the_destination, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["SET", "dst", "old"]), Frame::ok());
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "1", "3"]), Frame::Integer(3));
    assert_eq!(scored(&mut c, "dst"), bulks(&["b", "2", "c", "3", "d", "4"]));
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "(4", "+inf", "BYSCORE"]), Frame::Integer(1));
    assert_eq!(scored(&mut c, "dst"), bulks(&["e", "5"]));
    assert_eq!(
        c.cmd(&["ZRANGESTORE", "dst", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "2"]),
        Frame::Integer(2)
    );
    assert_eq!(scored(&mut c, "dst"), bulks(&["d", "4", "e", "5"]));
    assert_eq!(c.cmd(&["ZRANGESTORE", "dst", "z", "10", "20"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), Frame::Integer(0));
});

server_test!(zrank_and_zrevrank_give_the_rank_and_with_withscore_the_score, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2.5", "b", "3", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZRANK", "z", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZRANK", "z", "c"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZREVRANK", "z", "c"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZRANK", "z", "nope"]), Frame::Null);
    assert_eq!(c.cmd(&["ZRANK", "missing", "a"]), Frame::Null);
    expect_reply(&mut c, &["ZRANK", "z", "b", "WITHSCORE"], b"*2\r\n:1\r\n$3\r\n2.5\r\n");
    expect_reply(&mut c, &["ZREVRANK", "z", "a", "withscore"], b"*2\r\n:2\r\n$1\r\n1\r\n");
    expect_reply(&mut c, &["ZRANK", "z", "nope", "WITHSCORE"], b"*-1\r\n");
    assert_eq!(c.cmd(&["ZRANK", "z", "a", "WITHSCORES"]), Frame::error("ERR syntax error"));
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["ZRANK", "z", "b", "WITHSCORE"], b"*2\r\n:1\r\n,2.5\r\n");
    expect_reply(&mut c, &["ZRANK", "z", "nope", "WITHSCORE"], b"_\r\n");
    expect_reply(&mut c, &["ZRANK", "z", "nope"], b"_\r\n");
});

server_test!(zrem_and_zremrangeby_remove_members_and_an_empty_set_is_deleted, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZREM", "z", "a", "nope", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZREM", "missing", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZREM", "z", "b"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["EXISTS", "z"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "0", "1"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "(3", "4"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZRANGE", "z", "0", "-1"]), bulks(&["c", "e"]));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "-1", "-1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["EXISTS", "z"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "z", "x", "1"]), Frame::error("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["ZREMRANGEBYSCORE", "z", "x", "1"]), Frame::error("ERR min or max is not a float"));
    assert_eq!(c.cmd(&["ZREMRANGEBYLEX", "z", "x", "y"]), Frame::error("ERR min or max not valid string range item"));
});

server_test!(zunionstore_and_zinterstore_combine_with_weights_and_aggregate, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZADD", "b", "10", "y", "20", "z", "30", "w"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b"]), Frame::Integer(4));
    assert_eq!(scored(&mut c, "d"), bulks(&["x", "1", "y", "12", "z", "23", "w", "30"]));
    assert_eq!(
        c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX"]),
        Frame::Integer(4)
    );
    assert_eq!(scored(&mut c, "d"), bulks(&["x", "2", "y", "5", "z", "10", "w", "15"]));
    assert_eq!(c.cmd(&["ZINTERSTORE", "d", "2", "a", "b", "AGGREGATE", "MIN"]), Frame::Integer(2));
    assert_eq!(scored(&mut c, "d"), bulks(&["y", "2", "z", "3"]));
    assert_eq!(c.cmd(&["ZINTERSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "-1"]), Frame::Integer(2));
    assert_eq!(scored(&mut c, "d"), bulks(&["z", "-17", "y", "-8"]));
    assert_eq!(c.cmd(&["ZDIFFSTORE", "d", "2", "a", "b"]), Frame::Integer(1));
    assert_eq!(scored(&mut c, "d"), bulks(&["x", "1"]));
    // A plain set counts as scores of 1.
    assert_eq!(c.cmd(&["SADD", "s", "y", "q"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "s"]), Frame::Integer(4));
    assert_eq!(scored(&mut c, "d"), bulks(&["q", "1", "x", "1", "y", "3", "z", "3"]));
    // inf × 0 and inf + -inf are NaN, which Redis turns into 0.
    assert_eq!(c.cmd(&["ZADD", "i", "inf", "m"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZADD", "j", "inf", "m"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "i", "j", "WEIGHTS", "0", "1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZSCORE", "d", "m"]), Frame::bulk("inf"));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "i", "j", "WEIGHTS", "1", "-1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZSCORE", "d", "m"]), Frame::bulk("0"));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["ZINTERSTORE", "d", "2", "a", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZDIFFSTORE", "a", "2", "a", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "a"]), Frame::Integer(0));
});

server_test!(set_operations_refuse_bad_arguments_with_redis_errors, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "a", "1", "x"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZADD", "b", "1", "x"]), Frame::Integer(1));
    assert_eq!(
        c.cmd(&["ZUNIONSTORE", "d", "0", "a"]),
        Frame::error("ERR at least 1 input key is needed for 'zunionstore' command")
    );
    assert_eq!(c.cmd(&["ZUNION", "0", "a"]), Frame::error("ERR at least 1 input key is needed for 'zunion' command"));
    assert_eq!(
        c.cmd(&["ZINTERCARD", "0", "a"]),
        Frame::error("ERR at least 1 input key is needed for 'zintercard' command")
    );
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "3", "a", "b"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1"]), Frame::error("ERR syntax error"));
    assert_eq!(
        c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "x"]),
        Frame::error("ERR weight value is not a float")
    );
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "AVG"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZDIFFSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "1"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZDIFF", "2", "a", "b", "AGGREGATE", "MIN"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZINTERCARD", "1", "a", "LIMIT", "-1"]), Frame::error("ERR LIMIT can't be negative"));
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["ZUNIONSTORE", "d", "2", "a", "str"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
});

server_test!(zunion_zinter_zdiff_and_zintercard_reply_without_storing, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZADD", "b", "10", "y", "20", "z", "30", "w"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["ZUNION", "2", "a", "b", "WITHSCORES"]), bulks(&["x", "1", "y", "12", "z", "23", "w", "30"]));
    assert_eq!(c.cmd(&["ZINTER", "2", "a", "b"]), bulks(&["y", "z"]));
    assert_eq!(c.cmd(&["ZINTER", "2", "a", "b", "WEIGHTS", "3", "1", "WITHSCORES"]), bulks(&["y", "16", "z", "29"]));
    assert_eq!(c.cmd(&["ZDIFF", "2", "b", "a", "WITHSCORES"]), bulks(&["w", "30"]));
    assert_eq!(c.cmd(&["ZINTER", "2", "a", "missing", "WITHSCORES"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "b"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["ZINTERCARD", "2", "a", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "missing"]), Frame::Integer(0));
});

server_test!(zpopmin_and_zpopmax_pop_in_score_order, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["ZPOPMIN", "z"]), bulks(&["a", "1"]));
    assert_eq!(c.cmd(&["ZPOPMAX", "z"]), bulks(&["d", "4"]));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "0"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZPOPMAX", "z", "5"]), bulks(&["c", "3", "b", "2"]));
    assert_eq!(c.cmd(&["EXISTS", "z"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["ZPOPMIN", "missing"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZPOPMIN", "missing", "2"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZPOPMIN", "z", "-1"]), Frame::error("ERR value is out of range, must be positive"));
    // RESP3 nests pairs only when a count is given.
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2.5", "b", "3", "c"]), Frame::Integer(3));
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["ZPOPMIN", "z"], b"*2\r\n$1\r\na\r\n,1\r\n");
    expect_reply(&mut c, &["ZPOPMIN", "z", "1"], b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
    expect_reply(&mut c, &["ZPOPMAX", "z", "0"], b"*0\r\n");
    expect_reply(&mut c, &["ZPOPMIN", "missing"], b"*0\r\n");
});

server_test!(zmpop_pops_from_the_first_non_empty_sorted_set, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]), Frame::Integer(3));
    expect_reply(
        &mut c,
        &["ZMPOP", "2", "missing", "z", "MIN"],
        b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    expect_reply(
        &mut c,
        &["ZMPOP", "1", "z", "MAX", "COUNT", "5"],
        b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    assert_eq!(c.cmd(&["EXISTS", "z"]), Frame::Integer(0));
    expect_reply(&mut c, &["ZMPOP", "1", "z", "MIN"], b"*-1\r\n");
    assert_eq!(c.cmd(&["ZMPOP", "0", "z", "MIN"]), Frame::error("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["ZMPOP", "1", "z", "MIDDLE"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]), Frame::error("ERR count should be greater than 0"));
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["ZMPOP", "2", "missing", "str", "MIN"]), Frame::error(WRONGTYPE));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["ZADD", "z", "1.5", "a"]), Frame::Integer(1));
    expect_reply(&mut c, &["ZMPOP", "1", "z", "MAX"], b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n");
    expect_reply(&mut c, &["ZMPOP", "1", "z", "MAX"], b"_\r\n");
});

server_test!(withscores_replies_are_flat_in_resp2_and_nested_pairs_in_resp3, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2.5", "b"]), Frame::Integer(2));
    expect_reply(
        &mut c,
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n",
    );
    c.cmd(&["HELLO", "3"]);
    expect_reply(
        &mut c,
        &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n",
    );
    expect_reply(&mut c, &["ZRANGE", "z", "0", "-1"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    expect_reply(&mut c, &["ZRANGEBYSCORE", "z", "1", "2", "WITHSCORES"], b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
    expect_reply(&mut c, &["ZREVRANGE", "z", "0", "0", "WITHSCORES"], b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n");
    expect_reply(
        &mut c,
        &["ZUNION", "1", "z", "WITHSCORES"],
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n",
    );
    expect_reply(&mut c, &["ZRANGE", "missing", "0", "-1", "WITHSCORES"], b"*0\r\n");
    // ZSCAN keeps its flat array of strings.
    expect_reply(
        &mut c,
        &["ZSCAN", "z", "0"],
        b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n",
    );
});

server_test!(zrandmember_picks_distinct_members_for_a_positive_count_and_repeats_for_a_negative, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]), Frame::Integer(5));
    let scores: HashMap<&str, &str> = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")].into();
    for _ in 0..20 {
        assert!(scores.contains_key(text(&c.cmd(&["ZRANDMEMBER", "z"])).as_str()));
        let three = texts(c.cmd(&["ZRANDMEMBER", "z", "3"]));
        assert_eq!(three.iter().collect::<HashSet<_>>().len(), 3, "distinct: {three:?}");
    }
    let mut all = texts(c.cmd(&["ZRANDMEMBER", "z", "10"]));
    all.sort();
    assert_eq!(all, ["a", "b", "c", "d", "e"]);
    let pairs = texts(c.cmd(&["ZRANDMEMBER", "z", "-30", "WITHSCORES"]));
    assert_eq!(pairs.len(), 60);
    for p in pairs.chunks(2) {
        assert_eq!(scores.get(p[0].as_str()), Some(&p[1].as_str()), "{p:?}");
    }
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "0"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "missing"]), Frame::Null);
    assert_eq!(c.cmd(&["ZRANDMEMBER", "missing", "2"]), bulks(&[]));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "x"]), Frame::error("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["ZRANDMEMBER", "z", "1", "FOO"]), Frame::error("ERR syntax error"));
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", "-9223372036854775808"]),
        Frame::error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
    );
    assert_eq!(
        c.cmd(&["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"]),
        Frame::error("ERR value is out of range")
    );
    assert_eq!(c.cmd(&["ZADD", "one", "1.5", "m"]), Frame::Integer(1));
    expect_reply(
        &mut c,
        &["ZRANDMEMBER", "one", "-2", "WITHSCORES"],
        b"*4\r\n$1\r\nm\r\n$3\r\n1.5\r\n$1\r\nm\r\n$3\r\n1.5\r\n",
    );
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["ZRANDMEMBER", "one", "1", "WITHSCORES"], b"*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n");
    expect_reply(
        &mut c,
        &["ZRANDMEMBER", "one", "-2", "WITHSCORES"],
        b"*2\r\n*2\r\n$1\r\nm\r\n,1.5\r\n*2\r\n$1\r\nm\r\n,1.5\r\n",
    );
    expect_reply(&mut c, &["ZRANDMEMBER", "one", "1"], b"*1\r\n$1\r\nm\r\n");
    expect_reply(&mut c, &["ZRANDMEMBER", "missing"], b"_\r\n");
});

server_test!(zscan_iterates_every_member_with_its_score, |srv| {
    let mut c = srv.raw();
    let mut words: Vec<String> = vec!["ZADD".into(), "z".into()];
    for i in 0..1000 {
        words.extend([format!("{}.5", i), format!("member:{i}")]);
    }
    let words_ref: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(c.cmd(&words_ref), Frame::Integer(1000));
    let found: HashMap<String, String> = zscan_all(&mut c, "z", &["COUNT", "11"]).into_iter().collect();
    assert_eq!(found.len(), 1000);
    assert!((0..1000).all(|i| found.get(&format!("member:{i}")) == Some(&format!("{i}.5"))));
    let matched: HashSet<String> =
        zscan_all(&mut c, "z", &["MATCH", "member:5?"]).into_iter().map(|(m, _)| m).collect();
    assert_eq!(matched, (50..60).map(|i| format!("member:{i}")).collect::<HashSet<_>>());
    assert_eq!(c.cmd(&["ZSCAN", "missing", "0"]), Frame::Array(vec![Frame::bulk("0"), bulks(&[])]));
    assert_eq!(c.cmd(&["ZSCAN", "z", "x"]), Frame::error("ERR invalid cursor"));
    assert_eq!(c.cmd(&["ZSCAN", "z", "0", "COUNT", "0"]), Frame::error("ERR syntax error"));
});

server_test!(sorted_set_commands_on_another_type_are_wrongtype, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["ZADD", "z", "1", "a"]), Frame::Integer(1));
    for cmd in [
        &["ZADD", "str", "1", "a"][..],
        &["ZINCRBY", "str", "1", "a"],
        &["ZSCORE", "str", "a"],
        &["ZMSCORE", "str", "a"],
        &["ZCARD", "str"],
        &["ZCOUNT", "str", "0", "1"],
        &["ZLEXCOUNT", "str", "-", "+"],
        &["ZRANK", "str", "a"],
        &["ZREVRANK", "str", "a"],
        &["ZRANGE", "str", "0", "-1"],
        &["ZRANGEBYSCORE", "str", "0", "1"],
        &["ZRANGEBYLEX", "str", "-", "+"],
        &["ZRANGESTORE", "d", "str", "0", "-1"],
        &["ZREM", "str", "a"],
        &["ZREMRANGEBYRANK", "str", "0", "1"],
        &["ZREMRANGEBYSCORE", "str", "0", "1"],
        &["ZPOPMIN", "str"],
        &["ZPOPMAX", "str", "2"],
        &["ZRANDMEMBER", "str"],
        &["ZUNION", "2", "z", "str"],
        &["ZINTER", "2", "z", "str"],
        &["ZDIFF", "2", "z", "str"],
        &["ZINTERCARD", "2", "z", "str"],
        &["ZSCAN", "str", "0"],
    ] {
        assert_eq!(c.cmd(cmd), Frame::error(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(c.cmd(&["EXISTS", "d"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["GET", "z"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["SADD", "z", "a"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["LPUSH", "z", "a"]), Frame::error(WRONGTYPE));
});

/// Members per ZADD/ZREM: under `--store=lockfree` every write copies the whole value
/// (copy-on-write), so 10,000 one-member writes to one sorted set would cost O(N²).
const BATCH: usize = 100;

server_test!(a_sorted_set_of_ten_thousand_members_added_in_one_pipeline_keeps_its_order, |srv| {
    const N: usize = 10_000;
    let mut c = srv.raw();
    // Member i has score (i * 7919) mod N, a permutation of 0..N, so insertion order is
    // not score order.
    let score = |i: usize| (i * 7919) % N;
    let member = |i: usize| format!("member-{i:05}");
    let adds: Vec<Vec<String>> = (0..N)
        .step_by(BATCH)
        .map(|start| {
            let mut words = vec!["ZADD".to_string(), "big".to_string()];
            for i in start..start + BATCH {
                words.extend([score(i).to_string(), member(i)]);
            }
            words
        })
        .collect();
    let replies = pipeline(&mut c, &adds);
    assert!(replies.iter().all(|r| *r == Frame::Integer(BATCH as i64)), "every ZADD adds its members");
    assert_eq!(c.cmd(&["ZCARD", "big"]), Frame::Integer(N as i64));
    // by_score[s] is the member with score s.
    let mut by_score = vec![String::new(); N];
    for i in 0..N {
        by_score[score(i)] = member(i);
    }
    let Frame::Array(all) = c.cmd(&["ZRANGE", "big", "0", "-1"]) else { panic!("ZRANGE replies with an array") };
    assert_eq!(all, by_score.iter().map(Frame::bulk).collect::<Vec<_>>());
    assert_eq!(
        c.cmd(&["ZRANGE", "big", "5000", "5001", "WITHSCORES"]),
        Frame::Array(vec![
            Frame::bulk(&by_score[5000]),
            Frame::bulk("5000"),
            Frame::bulk(&by_score[5001]),
            Frame::bulk("5001")
        ])
    );
    assert_eq!(c.cmd(&["ZRANK", "big", &member(1234)]), Frame::Integer(score(1234) as i64));
    assert_eq!(c.cmd(&["ZREVRANK", "big", &member(1234)]), Frame::Integer((N - 1 - score(1234)) as i64));
    assert_eq!(c.cmd(&["ZCOUNT", "big", "(100", "200"]), Frame::Integer(100));
    assert_eq!(
        c.cmd(&["ZRANGE", "big", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", "0", "3"]),
        bulks(&[&by_score[N - 1], &by_score[N - 2], &by_score[N - 3]])
    );
    let scanned: HashMap<String, String> = zscan_all(&mut c, "big", &["COUNT", "100"]).into_iter().collect();
    assert_eq!(scanned.len(), N);
    assert!((0..N).all(|i| scanned.get(&member(i)) == Some(&score(i).to_string())));
    // Remove the even scores in a second pipeline, then pop from both ends.
    let rems: Vec<Vec<String>> = (0..N)
        .step_by(2 * BATCH)
        .map(|start| {
            let mut words = vec!["ZREM".to_string(), "big".to_string()];
            words.extend((start..start + 2 * BATCH).step_by(2).map(|s| by_score[s].clone()));
            words
        })
        .collect();
    assert!(pipeline(&mut c, &rems).iter().all(|r| *r == Frame::Integer(BATCH as i64)));
    assert_eq!(c.cmd(&["ZCARD", "big"]), Frame::Integer(N as i64 / 2));
    assert_eq!(c.cmd(&["ZPOPMIN", "big"]), bulks(&[&by_score[1], "1"]));
    assert_eq!(c.cmd(&["ZPOPMAX", "big"]), bulks(&[&by_score[N - 1], &(N - 1).to_string()]));
    assert_eq!(c.cmd(&["ZREMRANGEBYRANK", "big", "0", "-1"]), Frame::Integer(N as i64 / 2 - 2));
    assert_eq!(c.cmd(&["EXISTS", "big"]), Frame::Integer(0));
});

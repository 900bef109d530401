//! List commands end to end: LPUSH/RPUSH and their X forms, LPOP/RPOP with and without a
//! count, LRANGE/LINDEX/LSET with negative indexes, LINSERT, LREM, LTRIM, LPOS with its
//! options, LMOVE/RPOPLPUSH, LMPOP, WRONGTYPE, a 10,000-element list, and SORT (which sorts
//! lists, sets and sorted sets and stores lists), with Redis's exact replies and errors.

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";

fn ints(items: &[i64]) -> Frame {
    Frame::Array(items.iter().map(|&n| Frame::Integer(n)).collect())
}

fn list(c: &mut RawConn, key: &str) -> Frame {
    c.cmd(&["LRANGE", key, "0", "-1"])
}

server_test!(lpush_prepends_and_rpush_appends_each_element_in_turn, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["LPUSH", "l", "a", "b", "c"]), Frame::Integer(3));
    assert_eq!(list(&mut c, "l"), bulks(&["c", "b", "a"]));
    assert_eq!(c.cmd(&["RPUSH", "l", "x", "y"]), Frame::Integer(5));
    assert_eq!(list(&mut c, "l"), bulks(&["c", "b", "a", "x", "y"]));
    assert_eq!(c.cmd(&["LLEN", "l"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["LLEN", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["TYPE", "l"]), Frame::simple("list"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "l"]), Frame::bulk("quicklist"));
    // Elements are binary-safe.
    c.send_cmd(&[b"RPUSH", b"bin", b"a\r\nb\0c", b""]);
    assert_eq!(c.read_frame(), Frame::Integer(2));
    assert_eq!(list(&mut c, "bin"), Frame::Array(vec![Frame::bulk(b"a\r\nb\0c"), Frame::bulk(b"")]));
    assert_eq!(c.cmd(&["LPUSH", "l"]), Frame::error("ERR wrong number of arguments for 'lpush' command"));
});

server_test!(pushx_pushes_only_onto_an_existing_list, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["LPUSHX", "l", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["RPUSHX", "l", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "l"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["RPUSH", "l", "m"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["LPUSHX", "l", "b", "a"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["RPUSHX", "l", "y", "z"]), Frame::Integer(5));
    assert_eq!(list(&mut c, "l"), bulks(&["a", "b", "m", "y", "z"]));
});

server_test!(push_keeps_the_ttl_of_the_list, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["EXPIRE", "l", "100"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["LPUSH", "l", "b"]), Frame::Integer(2));
    let Frame::Integer(ttl) = c.cmd(&["TTL", "l"]) else { panic!("TTL is an integer") };
    assert!((90..=100).contains(&ttl), "TTL after LPUSH: {ttl}");
});

server_test!(lrange_takes_inclusive_negative_and_out_of_range_indexes, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "0", "1", "2", "3", "4", "5"]), Frame::Integer(6));
    let range = |c: &mut RawConn, start: &str, stop: &str| c.cmd(&["LRANGE", "l", start, stop]);
    assert_eq!(range(&mut c, "0", "2"), bulks(&["0", "1", "2"]));
    assert_eq!(range(&mut c, "-3", "-1"), bulks(&["3", "4", "5"]));
    assert_eq!(range(&mut c, "-100", "1"), bulks(&["0", "1"]));
    assert_eq!(range(&mut c, "4", "100"), bulks(&["4", "5"]));
    assert_eq!(range(&mut c, "3", "3"), bulks(&["3"]));
    assert_eq!(range(&mut c, "3", "2"), bulks(&[]));
    assert_eq!(range(&mut c, "6", "10"), bulks(&[]));
    assert_eq!(range(&mut c, "-1", "-3"), bulks(&[]));
    assert_eq!(c.cmd(&["LRANGE", "missing", "0", "-1"]), bulks(&[]));
    assert_eq!(range(&mut c, "a", "1"), Frame::error(NOT_AN_INTEGER));
    assert_eq!(c.cmd(&["LRANGE", "missing", "0", "x"]), Frame::error(NOT_AN_INTEGER));
});

server_test!(lindex_and_lset_address_elements_from_either_end, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["LINDEX", "l", "0"]), Frame::bulk("a"));
    assert_eq!(c.cmd(&["LINDEX", "l", "-1"]), Frame::bulk("c"));
    assert_eq!(c.cmd(&["LINDEX", "l", "-3"]), Frame::bulk("a"));
    assert_eq!(c.cmd(&["LINDEX", "l", "3"]), Frame::Null);
    assert_eq!(c.cmd(&["LINDEX", "l", "-4"]), Frame::Null);
    assert_eq!(c.cmd(&["LINDEX", "missing", "0"]), Frame::Null);
    assert_eq!(c.cmd(&["LINDEX", "l", "x"]), Frame::error(NOT_AN_INTEGER));
    assert_eq!(c.cmd(&["LSET", "l", "1", "B"]), Frame::ok());
    assert_eq!(c.cmd(&["LSET", "l", "-1", "C"]), Frame::ok());
    assert_eq!(list(&mut c, "l"), bulks(&["a", "B", "C"]));
    assert_eq!(c.cmd(&["LSET", "l", "3", "x"]), Frame::error("ERR index out of range"));
    assert_eq!(c.cmd(&["LSET", "l", "-4", "x"]), Frame::error("ERR index out of range"));
    assert_eq!(c.cmd(&["LSET", "missing", "0", "x"]), Frame::error("ERR no such key"));
    assert_eq!(c.cmd(&["EXISTS", "missing"]), Frame::Integer(0));
});

server_test!(linsert_places_an_element_next_to_the_first_pivot, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "p", "b", "p"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["LINSERT", "l", "BEFORE", "p", "x"]), Frame::Integer(5));
    assert_eq!(c.cmd(&["LINSERT", "l", "after", "p", "y"]), Frame::Integer(6));
    assert_eq!(list(&mut c, "l"), bulks(&["a", "x", "p", "y", "b", "p"]));
    assert_eq!(c.cmd(&["LINSERT", "l", "BEFORE", "nope", "z"]), Frame::Integer(-1));
    assert_eq!(c.cmd(&["LINSERT", "missing", "BEFORE", "a", "z"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "missing"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["LINSERT", "l", "MIDDLE", "a", "z"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["LLEN", "l"]), Frame::Integer(6));
});

server_test!(lrem_removes_from_the_head_the_tail_or_everywhere, |srv| {
    let mut c = srv.raw();
    let fill = |c: &mut RawConn| {
        c.cmd(&["DEL", "l"]);
        assert_eq!(c.cmd(&["RPUSH", "l", "x", "a", "x", "b", "x", "c", "x"]), Frame::Integer(7));
    };
    fill(&mut c);
    assert_eq!(c.cmd(&["LREM", "l", "2", "x"]), Frame::Integer(2));
    assert_eq!(list(&mut c, "l"), bulks(&["a", "b", "x", "c", "x"]));
    fill(&mut c);
    assert_eq!(c.cmd(&["LREM", "l", "-3", "x"]), Frame::Integer(3));
    assert_eq!(list(&mut c, "l"), bulks(&["x", "a", "b", "c"]));
    fill(&mut c);
    assert_eq!(c.cmd(&["LREM", "l", "0", "x"]), Frame::Integer(4));
    assert_eq!(list(&mut c, "l"), bulks(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["LREM", "l", "0", "nope"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["LREM", "missing", "0", "a"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["LREM", "l", "x", "a"]), Frame::error(NOT_AN_INTEGER));
    // Removing every element deletes the key.
    assert_eq!(c.cmd(&["RPUSH", "same", "v", "v"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["LREM", "same", "0", "v"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["EXISTS", "same"]), Frame::Integer(0));
});

server_test!(ltrim_keeps_a_range_and_an_empty_range_deletes_the_key, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "0", "1", "2", "3", "4", "5"]), Frame::Integer(6));
    assert_eq!(c.cmd(&["LTRIM", "l", "1", "-2"]), Frame::ok());
    assert_eq!(list(&mut c, "l"), bulks(&["1", "2", "3", "4"]));
    assert_eq!(c.cmd(&["LTRIM", "l", "-100", "100"]), Frame::ok());
    assert_eq!(list(&mut c, "l"), bulks(&["1", "2", "3", "4"]));
    assert_eq!(c.cmd(&["LTRIM", "l", "0", "x"]), Frame::error(NOT_AN_INTEGER));
    assert_eq!(c.cmd(&["LTRIM", "l", "3", "1"]), Frame::ok());
    assert_eq!(c.cmd(&["EXISTS", "l"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["LTRIM", "missing", "0", "1"]), Frame::ok());
    assert_eq!(c.cmd(&["EXISTS", "missing"]), Frame::Integer(0));
});

server_test!(lpos_finds_matches_with_rank_count_and_maxlen, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c", "d", "1", "2", "3", "4", "3", "3", "3"]), Frame::Integer(11));
    assert_eq!(c.cmd(&["LPOS", "l", "3"]), Frame::Integer(6));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "2"]), Frame::Integer(8));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "-1"]), Frame::Integer(10));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "5"]), Frame::Null);
    assert_eq!(c.cmd(&["LPOS", "l", "3", "COUNT", "2"]), ints(&[6, 8]));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "COUNT", "0"]), ints(&[6, 8, 9, 10]));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "COUNT", "0", "RANK", "2"]), ints(&[8, 9, 10]));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "-1", "COUNT", "2"]), ints(&[10, 9]));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "COUNT", "0", "MAXLEN", "8"]), ints(&[6]));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "-1", "MAXLEN", "1"]), Frame::Integer(10));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "-9223372036854775808"]), Frame::Integer(10));
    // No match: a null without COUNT, an empty array with it.
    assert_eq!(c.cmd(&["LPOS", "l", "x"]), Frame::Null);
    assert_eq!(c.cmd(&["LPOS", "l", "x", "COUNT", "0"]), ints(&[]));
    assert_eq!(c.cmd(&["LPOS", "missing", "x"]), Frame::Null);
    assert_eq!(c.cmd(&["LPOS", "missing", "x", "COUNT", "1"]), ints(&[]));
    assert_eq!(
        c.cmd(&["LPOS", "l", "3", "RANK", "0"]),
        Frame::error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
             or use negative to start from the end of the list"
        )
    );
    assert_eq!(c.cmd(&["LPOS", "l", "3", "COUNT", "-1"]), Frame::error("ERR COUNT can't be negative"));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "MAXLEN", "-1"]), Frame::error("ERR MAXLEN can't be negative"));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "RANK", "9223372036854775808"]), Frame::error(NOT_AN_INTEGER));
    assert_eq!(c.cmd(&["LPOS", "l", "3", "FOO"]), Frame::error("ERR syntax error"));
});

server_test!(pop_without_a_count_replies_with_one_element_or_null, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["LPOP", "l"]), Frame::bulk("a"));
    assert_eq!(c.cmd(&["RPOP", "l"]), Frame::bulk("c"));
    assert_eq!(c.cmd(&["LPOP", "missing"]), Frame::Null);
    expect_reply(&mut c, &["RPOP", "missing"], b"$-1\r\n");
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["LPOP", "missing"], b"_\r\n");
});

server_test!(pop_with_a_count_replies_with_an_array_in_pop_order, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "a", "b", "c", "d", "e"]), Frame::Integer(5));
    expect_reply(&mut c, &["LPOP", "l", "2"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_eq!(c.cmd(&["RPOP", "l", "2"]), bulks(&["e", "d"]));
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), bulks(&[]));
    // A count past the end pops everything, and the empty list is deleted.
    assert_eq!(c.cmd(&["RPOP", "l", "10"]), bulks(&["c"]));
    assert_eq!(c.cmd(&["EXISTS", "l"]), Frame::Integer(0));
    // A missing key is the null array, whatever the count.
    expect_reply(&mut c, &["LPOP", "missing", "2"], b"*-1\r\n");
    expect_reply(&mut c, &["RPOP", "missing", "0"], b"*-1\r\n");
    assert_eq!(c.cmd(&["LPOP", "l", "-1"]), Frame::error("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["LPOP", "l", "x"]), Frame::error("ERR value is out of range, must be positive"));
    assert_eq!(c.cmd(&["LPOP", "l", "1", "2"]), Frame::error("ERR wrong number of arguments for 'lpop' command"));
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["LPOP", "missing", "2"], b"_\r\n");
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), Frame::Integer(1));
    expect_reply(&mut c, &["LPOP", "l", "0"], b"*0\r\n");
});

server_test!(popping_the_last_element_deletes_the_key, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "only"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["RPOP", "l"]), Frame::bulk("only"));
    assert_eq!(c.cmd(&["EXISTS", "l"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["TYPE", "l"]), Frame::simple("none"));
    // The key can then hold another type.
    assert_eq!(c.cmd(&["SET", "l", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["GET", "l"]), Frame::bulk("v"));
});

server_test!(lmove_moves_between_ends_and_rotates_a_single_list, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "src", "a", "b", "c"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), Frame::bulk("a"));
    assert_eq!(c.cmd(&["LMOVE", "src", "dst", "right", "left"]), Frame::bulk("c"));
    assert_eq!(list(&mut c, "src"), bulks(&["b"]));
    assert_eq!(list(&mut c, "dst"), bulks(&["c", "a"]));
    assert_eq!(c.cmd(&["RPOPLPUSH", "src", "dst"]), Frame::bulk("b"));
    assert_eq!(c.cmd(&["EXISTS", "src"]), Frame::Integer(0));
    assert_eq!(list(&mut c, "dst"), bulks(&["b", "c", "a"]));
    // Source and destination the same: a rotation.
    assert_eq!(c.cmd(&["LMOVE", "dst", "dst", "RIGHT", "LEFT"]), Frame::bulk("a"));
    assert_eq!(list(&mut c, "dst"), bulks(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["LMOVE", "missing", "dst", "LEFT", "LEFT"]), Frame::Null);
    assert_eq!(c.cmd(&["RPOPLPUSH", "missing", "dst"]), Frame::Null);
    assert_eq!(c.cmd(&["LMOVE", "dst", "x", "UP", "LEFT"]), Frame::error("ERR syntax error"));
    // A destination of another type fails the move and leaves the source as it was.
    assert_eq!(c.cmd(&["SET", "str", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["LMOVE", "dst", "str", "LEFT", "LEFT"]), Frame::error(WRONGTYPE));
    assert_eq!(list(&mut c, "dst"), bulks(&["a", "b", "c"]));
    c.cmd(&["HELLO", "3"]);
    expect_reply(&mut c, &["LMOVE", "missing", "dst", "LEFT", "LEFT"], b"_\r\n");
});

server_test!(lmpop_pops_from_the_first_non_empty_list, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "b", "x", "y", "z"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["LMPOP", "2", "a", "b", "LEFT"]), Frame::Array(vec![Frame::bulk("b"), bulks(&["x"])]));
    expect_reply(
        &mut c,
        &["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"],
        b"*2\r\n$1\r\nb\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n",
    );
    assert_eq!(c.cmd(&["EXISTS", "b"]), Frame::Integer(0));
    expect_reply(&mut c, &["LMPOP", "2", "a", "b", "LEFT"], b"*-1\r\n");
    assert_eq!(c.cmd(&["LMPOP", "0", "a", "LEFT"]), Frame::error("ERR numkeys should be greater than 0"));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "LEFT", "COUNT", "0"]), Frame::error("ERR count should be greater than 0"));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "MIDDLE"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["LMPOP", "3", "a", "LEFT"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["LMPOP", "1", "a", "LEFT", "COUNT", "2", "COUNT", "3"]), Frame::error("ERR syntax error"));
    // Every key is type-checked until one has elements, even after a missing one.
    assert_eq!(c.cmd(&["SET", "s", "v"]), Frame::ok());
    assert_eq!(c.cmd(&["LMPOP", "2", "missing", "s", "LEFT"]), Frame::error(WRONGTYPE));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["RPUSH", "c", "1", "2"]), Frame::Integer(2));
    expect_reply(&mut c, &["LMPOP", "1", "c", "LEFT", "COUNT", "2"], b"*2\r\n$1\r\nc\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    expect_reply(&mut c, &["LMPOP", "1", "c", "LEFT"], b"_\r\n");
});

server_test!(list_commands_on_another_type_are_wrongtype, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "s", "v"]), Frame::ok());
    for cmd in [
        &["LPUSH", "s", "a"][..],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LINDEX", "s", "x"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
    ] {
        assert_eq!(c.cmd(cmd), Frame::error(WRONGTYPE), "{cmd:?}");
    }
    assert_eq!(c.cmd(&["GET", "s"]), Frame::bulk("v"));
    // And string commands on a list.
    assert_eq!(c.cmd(&["RPUSH", "l", "a"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["GET", "l"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["APPEND", "l", "x"]), Frame::error(WRONGTYPE));
    assert_eq!(c.cmd(&["SADD", "l", "x"]), Frame::error(WRONGTYPE));
});

server_test!(a_list_of_ten_thousand_elements_pushed_in_one_pipeline_keeps_every_element, |srv| {
    const N: usize = 10_000;
    let mut c = srv.raw();
    let element = |i: usize| format!("element-{i:05}-{}", "x".repeat(i % 50));
    let pushes: Vec<Vec<String>> = (0..N).map(|i| vec!["RPUSH".into(), "big".into(), element(i)]).collect();
    let replies = pipeline(&mut c, &pushes);
    assert_eq!(replies, (1..=N as i64).map(Frame::Integer).collect::<Vec<_>>());
    assert_eq!(c.cmd(&["LLEN", "big"]), Frame::Integer(N as i64));
    assert_eq!(c.cmd(&["LINDEX", "big", "5000"]), Frame::bulk(element(5000)));
    assert_eq!(c.cmd(&["LINDEX", "big", "-1"]), Frame::bulk(element(N - 1)));
    let Frame::Array(all) = list(&mut c, "big") else { panic!("LRANGE replies with an array") };
    assert_eq!(all, (0..N).map(|i| Frame::bulk(element(i))).collect::<Vec<_>>());
    assert_eq!(
        c.cmd(&["LRANGE", "big", "4998", "5001"]),
        Frame::Array((4998..=5001).map(|i| Frame::bulk(element(i))).collect())
    );
    assert_eq!(c.cmd(&["LPOS", "big", &element(7777)]), Frame::Integer(7777));
    // Changes in the middle of the big list.
    assert_eq!(c.cmd(&["LINSERT", "big", "AFTER", &element(4999), "middle"]), Frame::Integer(N as i64 + 1));
    assert_eq!(c.cmd(&["LINDEX", "big", "5000"]), Frame::bulk("middle"));
    assert_eq!(c.cmd(&["LSET", "big", "5000", "changed"]), Frame::ok());
    assert_eq!(c.cmd(&["LREM", "big", "0", "changed"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["LTRIM", "big", "100", "-101"]), Frame::ok());
    assert_eq!(c.cmd(&["LLEN", "big"]), Frame::Integer(N as i64 - 200));
    assert_eq!(c.cmd(&["LINDEX", "big", "0"]), Frame::bulk(element(100)));
    assert_eq!(c.cmd(&["LINDEX", "big", "-1"]), Frame::bulk(element(N - 101)));
    let Frame::Array(popped) = c.cmd(&["RPOP", "big", "20000"]) else { panic!("RPOP with a count") };
    assert_eq!(popped.len(), N - 200);
    assert_eq!(popped[0], Frame::bulk(element(N - 101)));
    assert_eq!(c.cmd(&["EXISTS", "big"]), Frame::Integer(0));
});

server_test!(sort_orders_numbers_or_bytes_in_either_direction_with_a_limit, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "3", "1", "2", "10"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SORT", "l"]), bulks(&["1", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "l", "DESC"]), bulks(&["10", "3", "2", "1"]));
    assert_eq!(c.cmd(&["SORT", "l", "ALPHA"]), bulks(&["1", "10", "2", "3"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1", "2"]), bulks(&["2", "3"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "0", "-1"]), bulks(&["1", "2", "3", "10"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "-1", "2"]), bulks(&["1", "2"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "5", "10"]), bulks(&[]));
    assert_eq!(c.cmd(&["SORT_RO", "l", "DESC", "LIMIT", "0", "2"]), bulks(&["10", "3"]));
    assert_eq!(c.cmd(&["SORT", "missing"]), bulks(&[]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "1"]), Frame::error("ERR syntax error"));
    assert_eq!(c.cmd(&["RPUSH", "words", "x", "1", "y"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SORT", "words"]), Frame::error("ERR One or more scores can't be converted into double"));
    assert_eq!(c.cmd(&["SORT", "words", "ALPHA"]), bulks(&["1", "x", "y"]));
    // Sets and sorted sets sort too; BY nosort keeps a sorted set's order.
    assert_eq!(c.cmd(&["SADD", "s", "5", "3", "9"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SORT", "s"]), bulks(&["3", "5", "9"]));
    assert_eq!(c.cmd(&["ZADD", "z", "3", "c", "1", "a", "2", "b"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["SORT", "z", "ALPHA", "DESC"]), bulks(&["c", "b", "a"]));
    assert_eq!(c.cmd(&["SORT", "z", "BY", "nosort"]), bulks(&["a", "b", "c"]));
    assert_eq!(c.cmd(&["SORT", "z", "BY", "nosort", "DESC"]), bulks(&["c", "b", "a"]));
    assert_eq!(c.cmd(&["SET", "str", "x"]), Frame::ok());
    assert_eq!(c.cmd(&["SORT", "str"]), Frame::error(WRONGTYPE));
});

server_test!(sort_by_and_get_read_other_keys_and_hash_fields, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "3", "1", "2", "10"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["MSET", "weight_3", "1", "weight_1", "30", "weight_2", "20", "weight_10", "5"]), Frame::ok());
    assert_eq!(c.cmd(&["SORT", "l", "BY", "weight_*"]), bulks(&["3", "10", "2", "1"]));
    assert_eq!(c.cmd(&["MSET", "data_3", "three", "data_1", "one", "data_2", "two"]), Frame::ok());
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "weight_*", "GET", "#", "GET", "data_*"]),
        Frame::Array(vec![
            Frame::bulk("3"),
            Frame::bulk("three"),
            Frame::bulk("10"),
            Frame::Null,
            Frame::bulk("2"),
            Frame::bulk("two"),
            Frame::bulk("1"),
            Frame::bulk("one"),
        ])
    );
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "weight_*", "GET", "data_*", "LIMIT", "0", "2", "DESC"]),
        bulks(&["one", "two"])
    );
    for (key, n) in [("h_1", "9"), ("h_2", "8"), ("h_3", "7")] {
        assert_eq!(c.cmd(&["HSET", key, "n", n]), Frame::Integer(1));
    }
    // A missing weight sorts as 0; a missing field reads as nil.
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "h_*->n", "GET", "h_*->n", "GET", "#"]),
        Frame::Array(vec![
            Frame::Null,
            Frame::bulk("10"),
            Frame::bulk("7"),
            Frame::bulk("3"),
            Frame::bulk("8"),
            Frame::bulk("2"),
            Frame::bulk("9"),
            Frame::bulk("1"),
        ])
    );
    assert_eq!(c.cmd(&["SORT", "l", "BY", "nosort"]), bulks(&["3", "1", "2", "10"]));
});

server_test!(sort_store_replaces_the_destination_with_a_list, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "l", "3", "1", "2", "10"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["SET", "dst", "old"]), Frame::ok());
    assert_eq!(c.cmd(&["EXPIRE", "dst", "100"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["SORT", "l", "DESC", "STORE", "dst"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["TYPE", "dst"]), Frame::simple("list"));
    assert_eq!(c.cmd(&["TTL", "dst"]), Frame::Integer(-1));
    assert_eq!(list(&mut c, "dst"), bulks(&["10", "3", "2", "1"]));
    assert_eq!(c.cmd(&["SORT", "l", "LIMIT", "0", "2", "STORE", "l"]), Frame::Integer(2));
    assert_eq!(list(&mut c, "l"), bulks(&["1", "2"]));
    // An empty result deletes the destination.
    assert_eq!(c.cmd(&["SORT", "missing", "STORE", "dst"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["EXISTS", "dst"]), Frame::Integer(0));
    assert_eq!(c.cmd(&["SORT_RO", "l", "STORE", "dst"]), Frame::error("ERR syntax error"));
});

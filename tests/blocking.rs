//! Blocking commands in every mode × store: who is served, in what order, and what happens
//! on timeout, CLIENT UNBLOCK and disconnect.

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

fn pair(k: &str, v: &str) -> Frame {
    Frame::Array(vec![bulk(k), bulk(v)])
}

/// Sends a command without reading its reply (the client blocks).
fn send(conn: &mut RawConn, words: &[&str]) {
    let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    conn.send_cmd(&words);
}

server_test!(blpop_returns_at_once_when_a_list_has_elements, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "b", "x", "y"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["BLPOP", "a", "b", "0"]), pair("b", "x"));
    assert_eq!(c.cmd(&["BRPOP", "a", "b", "0"]), pair("b", "y"));
    assert_eq!(c.cmd(&["EXISTS", "b"]), Frame::Integer(0));
});

server_test!(clients_blocked_on_one_key_are_served_in_arrival_order, |srv| {
    let mut first = srv.raw();
    let mut second = srv.raw();
    let mut third = srv.raw();
    send(&mut first, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 1);
    send(&mut second, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 2);
    send(&mut third, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 3);
    let mut pusher = srv.raw();
    assert_eq!(pusher.cmd(&["RPUSH", "q", "1", "2"]), Frame::Integer(2));
    assert_eq!(first.read_frame(), pair("q", "1"));
    assert_eq!(second.read_frame(), pair("q", "2"));
    wait_blocked(srv, 1);
    assert_eq!(pusher.cmd(&["LPUSH", "q", "3"]), Frame::Integer(1));
    assert_eq!(third.read_frame(), pair("q", "3"));
    wait_blocked(srv, 0);
    assert_eq!(pusher.cmd(&["EXISTS", "q"]), Frame::Integer(0));
});

server_test!(a_client_blocked_on_several_keys_is_served_by_whichever_gets_data, |srv| {
    let mut waiter = srv.raw();
    send(&mut waiter, &["BRPOP", "k1", "k2", "k3", "0"]);
    wait_blocked(srv, 1);
    let mut pusher = srv.raw();
    assert_eq!(pusher.cmd(&["RPUSH", "k3", "v"]), Frame::Integer(1));
    assert_eq!(waiter.read_frame(), pair("k3", "v"));
    wait_blocked(srv, 0);
});

server_test!(blmove_chains_pass_an_element_along, |srv| {
    let mut a_to_b = srv.raw();
    let mut b_to_c = srv.raw();
    send(&mut a_to_b, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"]);
    wait_blocked(srv, 1);
    send(&mut b_to_c, &["BRPOPLPUSH", "b", "c", "0"]);
    wait_blocked(srv, 2);
    let mut pusher = srv.raw();
    assert_eq!(pusher.cmd(&["LPUSH", "a", "token"]), Frame::Integer(1));
    assert_eq!(a_to_b.read_frame(), bulk("token"));
    assert_eq!(b_to_c.read_frame(), bulk("token"));
    wait_blocked(srv, 0);
    assert_eq!(pusher.cmd(&["LRANGE", "c", "0", "-1"]), Frame::Array(vec![bulk("token")]));
    assert_eq!(pusher.cmd(&["EXISTS", "a", "b"]), Frame::Integer(0));
});

server_test!(a_timeout_replies_the_null_redis_sends, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["BLPOP", "nothing", "0.05"]), Frame::NullArray);
    assert_eq!(c.cmd(&["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0.05"]), Frame::Null);
    assert_eq!(c.cmd(&["BZPOPMIN", "nothing", "0.05"]), Frame::NullArray);
    assert_eq!(c.cmd(&["BLMPOP", "0.05", "1", "nothing", "LEFT"]), Frame::NullArray);
    // RESP3 sends its one null for both.
    c.cmd(&["HELLO", "3"]);
    c.send(b"*3\r\n$5\r\nBLPOP\r\n$7\r\nnothing\r\n$4\r\n0.05\r\n");
    c.expect(b"_\r\n");
    wait_blocked(srv, 0);
});

server_test!(bad_timeouts_are_refused, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["BLPOP", "k", "-1"]), Frame::error("ERR timeout is negative"));
    assert_eq!(c.cmd(&["BLPOP", "k", "abc"]), Frame::error("ERR timeout is not a float or out of range"));
    assert_eq!(c.cmd(&["SET", "s", "x"]), Frame::ok());
    assert_eq!(
        c.cmd(&["BLPOP", "s", "0"]),
        Frame::error("WRONGTYPE Operation against a key holding the wrong kind of value")
    );
});

server_test!(a_client_that_disconnects_while_blocked_loses_nothing, |srv| {
    let mut gone = srv.raw();
    send(&mut gone, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 1);
    drop(gone);
    wait_blocked(srv, 0);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["RPUSH", "q", "kept"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["LRANGE", "q", "0", "-1"]), Frame::Array(vec![bulk("kept")]));
});

server_test!(client_unblock_ends_a_wait_with_timeout_or_error, |srv| {
    let mut waiter = srv.raw();
    let Frame::Integer(id) = waiter.cmd(&["CLIENT", "ID"]) else { panic!("CLIENT ID") };
    let id = id.to_string();
    let mut admin = srv.raw();
    send(&mut waiter, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), Frame::Integer(1));
    assert_eq!(waiter.read_frame(), Frame::NullArray);
    send(&mut waiter, &["BLPOP", "q", "0"]);
    wait_blocked(srv, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]), Frame::Integer(1));
    assert_eq!(waiter.read_frame(), Frame::error("UNBLOCKED client unblocked via CLIENT UNBLOCK"));
    wait_blocked(srv, 0);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id]), Frame::Integer(0));
});

server_test!(requests_pipelined_behind_a_blocked_command_wait_for_it, |srv| {
    let mut waiter = srv.raw();
    waiter.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n");
    wait_blocked(srv, 1);
    let mut pusher = srv.raw();
    assert_eq!(pusher.cmd(&["RPUSH", "q", "v"]), Frame::Integer(1));
    assert_eq!(waiter.read_frame(), pair("q", "v"));
    assert_eq!(waiter.read_frame(), Frame::simple("PONG"));
});

server_test!(bzpopmin_is_served_by_a_later_zadd, |srv| {
    let mut waiter = srv.raw();
    send(&mut waiter, &["BZPOPMIN", "z", "0"]);
    wait_blocked(srv, 1);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["ZADD", "z", "2", "b", "1", "a"]), Frame::Integer(2));
    assert_eq!(waiter.read_frame(), Frame::Array(vec![bulk("z"), bulk("a"), bulk("1")]));
    assert_eq!(c.cmd(&["ZCARD", "z"]), Frame::Integer(1));
});

//! Keyspace notifications in every mode × store, as `redis-cli --csv psubscribe '__key*__:*'`
//! sees them against Redis 7.0: each write's events on the keyspace then the keyevent
//! channel, in command order, and `expired` once the server's expiry deletes a key.

use tandem_suite::{server_test, Frame, RawConn};

const PATTERN: &str = "__key*__:*";

/// A raw connection subscribed to every keyspace channel.
fn subscriber(srv: &tandem_suite::TestServer) -> RawConn {
    let mut sub = srv.raw();
    sub.send_cmd(&[b"PSUBSCRIBE", PATTERN.as_bytes()]);
    assert_eq!(
        sub.read_frame(),
        Frame::Array(vec![Frame::bulk("psubscribe"), Frame::bulk(PATTERN), Frame::Integer(1)])
    );
    sub
}

/// The two pmessages one event publishes: on `__keyspace@0__:<key>`, then on
/// `__keyevent@0__:<event>`.
fn event(event: &str, key: &str) -> [Frame; 2] {
    let pmessage = |channel: String, message: &str| {
        Frame::Array(vec![Frame::bulk("pmessage"), Frame::bulk(PATTERN), Frame::bulk(channel), Frame::bulk(message)])
    };
    [pmessage(format!("__keyspace@0__:{key}"), event), pmessage(format!("__keyevent@0__:{event}"), key)]
}

/// Reads the frames `events` publish, in order.
fn expect_events(sub: &mut RawConn, events: &[(&str, &str)]) {
    for &(name, key) in events {
        for expected in event(name, key) {
            assert_eq!(sub.read_frame(), expected, "waiting for {name} {key}");
        }
    }
}

server_test!(
    writes_of_each_type_then_expiry_publish_their_events_in_order,
    |cfg| {
        cfg.notify_keyspace_events = "AKE".into();
    },
    |srv| {
        let mut sub = subscriber(srv);
        let mut c = srv.raw();
        for cmd in [
            &["SET", "k", "v"][..],
            &["LPUSH", "l", "a", "b"],
            &["HSET", "h", "f", "v"],
            &["SADD", "s", "m"],
            &["ZADD", "z", "1", "m"],
            &["DEL", "l", "nokey", "h", "s", "z"],
            &["PEXPIRE", "k", "20"],
        ] {
            assert!(!c.cmd(cmd).is_error(), "{cmd:?}");
        }
        expect_events(
            &mut sub,
            &[
                ("set", "k"),
                ("lpush", "l"),
                ("hset", "h"),
                ("sadd", "s"),
                ("zadd", "z"),
                ("del", "l"),
                ("del", "h"),
                ("del", "s"),
                ("del", "z"),
                ("expire", "k"),
            ],
        );
        // Nothing touches `k` again: the active expire cycle deletes it.
        expect_events(&mut sub, &[("expired", "k")]);
        assert_eq!(c.cmd(&["EXISTS", "k"]), Frame::Integer(0));
    }
);

server_test!(
    a_blocked_pop_served_later_publishes_after_the_push_that_served_it,
    |cfg| {
        cfg.notify_keyspace_events = "KEA".into();
    },
    |srv| {
        let mut sub = subscriber(srv);
        let mut blocked = srv.raw();
        blocked.send_cmd(&[b"BLPOP", b"l", b"0"]);
        // Wait until the server has parked it.
        let mut c = srv.raw();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !info_blocked(&mut c) {
            assert!(std::time::Instant::now() < deadline, "BLPOP never blocked");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(c.cmd(&["RPUSH", "l", "a"]), Frame::Integer(1));
        assert_eq!(blocked.read_frame(), Frame::Array(vec![Frame::bulk("l"), Frame::bulk("a")]));
        expect_events(&mut sub, &[("rpush", "l"), ("lpop", "l"), ("del", "l")]);
    }
);

/// True once INFO reports a blocked client.
fn info_blocked(c: &mut RawConn) -> bool {
    match c.cmd(&["INFO", "clients"]) {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).contains("blocked_clients:1"),
        other => panic!("INFO answered {other:?}"),
    }
}

server_test!(notifications_are_off_by_default, |srv| {
    let mut sub = subscriber(srv);
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "k", "v"]), Frame::ok());
    // A message published after the SET arrives first: the SET published nothing.
    assert_eq!(c.cmd(&["PUBLISH", "__keyspace@0__:marker", "x"]), Frame::Integer(1));
    assert_eq!(
        sub.read_frame(),
        Frame::Array(vec![
            Frame::bulk("pmessage"),
            Frame::bulk(PATTERN),
            Frame::bulk("__keyspace@0__:marker"),
            Frame::bulk("x")
        ])
    );
});

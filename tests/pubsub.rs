//! Pub/Sub in every mode × store: delivery, patterns, RESP2 and RESP3 shapes, the RESP2
//! subscribed context, introspection, and a subscriber that stops reading.

use std::time::{Duration, Instant};

use store::config::OutputLimit;
use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

fn push(items: Vec<Frame>) -> Frame {
    Frame::Array(items)
}

fn subscribe(c: &mut RawConn, words: &[&str]) {
    let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    c.send_cmd(&words);
}

server_test!(a_subscriber_gets_every_message_of_one_publisher_in_order, |srv| {
    let mut sub = srv.raw();
    subscribe(&mut sub, &["SUBSCRIBE", "news"]);
    assert_eq!(sub.read_frame(), push(vec![bulk("subscribe"), bulk("news"), Frame::Integer(1)]));
    let mut publisher = srv.raw();
    for i in 0..200 {
        assert_eq!(publisher.cmd(&["PUBLISH", "news", &i.to_string()]), Frame::Integer(1));
    }
    for i in 0..200 {
        assert_eq!(sub.read_frame(), push(vec![bulk("message"), bulk("news"), bulk(&i.to_string())]));
    }
    assert_eq!(publisher.cmd(&["PUBLISH", "elsewhere", "x"]), Frame::Integer(0));
});

server_test!(overlapping_patterns_each_deliver_a_pmessage, |srv| {
    let mut sub = srv.raw();
    subscribe(&mut sub, &["PSUBSCRIBE", "a*", "*b", "zzz"]);
    for (i, p) in ["a*", "*b", "zzz"].iter().enumerate() {
        assert_eq!(sub.read_frame(), push(vec![bulk("psubscribe"), bulk(p), Frame::Integer(i as i64 + 1)]));
    }
    let mut publisher = srv.raw();
    assert_eq!(publisher.cmd(&["PUBLISH", "ab", "hi"]), Frame::Integer(2));
    let mut got = vec![sub.read_frame(), sub.read_frame()];
    got.sort_by_key(|f| format!("{f:?}"));
    assert_eq!(
        got,
        vec![
            push(vec![bulk("pmessage"), bulk("*b"), bulk("ab"), bulk("hi")]),
            push(vec![bulk("pmessage"), bulk("a*"), bulk("ab"), bulk("hi")]),
        ]
    );
});

server_test!(unsubscribe_all_acknowledges_each_channel_then_allows_commands, |srv| {
    let mut sub = srv.raw();
    subscribe(&mut sub, &["SUBSCRIBE", "a", "b"]);
    sub.read_frame();
    sub.read_frame();
    subscribe(&mut sub, &["UNSUBSCRIBE"]);
    let mut acks = vec![sub.read_frame(), sub.read_frame()];
    acks.sort_by_key(|f| format!("{f:?}"));
    let counts: Vec<Frame> = acks
        .iter()
        .map(|f| match f {
            Frame::Array(items) => items[2].clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(counts.contains(&Frame::Integer(0)) && counts.contains(&Frame::Integer(1)), "{acks:?}");
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), push(vec![bulk("unsubscribe"), Frame::Null, Frame::Integer(0)]));
    assert_eq!(sub.cmd(&["SET", "k", "v"]), Frame::ok());
});

server_test!(resp2_subscribers_may_only_send_subscription_commands, |srv| {
    let mut sub = srv.raw();
    subscribe(&mut sub, &["SUBSCRIBE", "a"]);
    sub.read_frame();
    assert_eq!(
        sub.cmd(&["GET", "k"]),
        Frame::error(
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
             this context"
        )
    );
    assert_eq!(sub.cmd(&["PING"]), push(vec![bulk("pong"), bulk("")]));
    assert_eq!(sub.cmd(&["RESET"]), Frame::simple("RESET"));
    assert_eq!(sub.cmd(&["GET", "k"]), Frame::Null);
});

server_test!(resp3_subscribers_get_push_frames_and_may_send_any_command, |srv| {
    let mut sub = srv.raw();
    sub.cmd(&["HELLO", "3"]);
    sub.send(b"*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nc\r\n");
    sub.expect(b">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
    let mut publisher = srv.raw();
    assert_eq!(publisher.cmd(&["PUBLISH", "c", "m"]), Frame::Integer(1));
    sub.expect(b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n");
    sub.send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    sub.expect(b"_\r\n");
});

server_test!(pubsub_introspection_counts_subscribers, |srv| {
    let mut sub = srv.raw();
    subscribe(&mut sub, &["SUBSCRIBE", "x", "y"]);
    sub.read_frame();
    sub.read_frame();
    subscribe(&mut sub, &["PSUBSCRIBE", "p*"]);
    sub.read_frame();
    subscribe(&mut sub, &["SSUBSCRIBE", "s"]);
    assert_eq!(sub.read_frame(), push(vec![bulk("ssubscribe"), bulk("s"), Frame::Integer(1)]));
    let mut c = srv.raw();
    assert_eq!(
        c.cmd(&["PUBSUB", "NUMSUB", "x", "none"]),
        Frame::Array(vec![bulk("x"), Frame::Integer(1), bulk("none"), Frame::Integer(0)])
    );
    assert_eq!(c.cmd(&["PUBSUB", "NUMPAT"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["PUBSUB", "CHANNELS", "x*"]), Frame::Array(vec![bulk("x")]));
    assert_eq!(c.cmd(&["PUBSUB", "SHARDCHANNELS"]), Frame::Array(vec![bulk("s")]));
    assert_eq!(c.cmd(&["SPUBLISH", "s", "m"]), Frame::Integer(1));
    assert_eq!(sub.read_frame(), push(vec![bulk("smessage"), bulk("s"), bulk("m")]));
    let (Frame::Verbatim { text, .. } | Frame::Bulk(text)) = c.cmd(&["CLIENT", "LIST"]) else { panic!() };
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("flags=P") && text.contains("sub=2 psub=1 ssub=1"), "{text}");
    drop(sub);
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.cmd(&["PUBSUB", "NUMPAT"]) != Frame::Integer(0) {
        assert!(Instant::now() < deadline, "a closed subscriber must leave the registry");
        std::thread::sleep(Duration::from_millis(10));
    }
});

server_test!(
    a_subscriber_that_stops_reading_is_disconnected_while_the_publisher_goes_on,
    |cfg| {
        cfg.output_limit_pubsub = OutputLimit { hard: 256 * 1024, soft: 0, soft_seconds: 0 };
    },
    |srv| {
        let mut sub = srv.raw();
        subscribe(&mut sub, &["SUBSCRIBE", "firehose"]);
        sub.read_frame();
        let mut publisher = srv.raw();
        let payload = "x".repeat(16 * 1024);
        // 32 MB in all: far more than socket buffers and the 256 KB limit can absorb.
        let mut delivered = 0;
        for _ in 0..2048 {
            let Frame::Integer(n) = publisher.cmd(&["PUBLISH", "firehose", &payload]) else { panic!() };
            delivered += n;
        }
        assert!(delivered < 2048, "the subscriber must have been cut off");
        assert_eq!(publisher.cmd(&["PING"]), Frame::simple("PONG"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while publisher.cmd(&["PUBSUB", "NUMSUB", "firehose"])
            != Frame::Array(vec![bulk("firehose"), Frame::Integer(0)])
        {
            assert!(Instant::now() < deadline, "the slow subscriber must be disconnected");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(sub.closed_by_server());
    }
);

//! Streams end to end: XADD and the range reads, trimming, consumer groups (delivery,
//! pending entries, acknowledgement, claiming, XINFO bookkeeping), and blocking XREAD and
//! XREADGROUP woken by another client's XADD, in every mode × store, with Redis's replies.

use std::time::Duration;

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn, TestServer};

/// Sends a command without reading its reply (the client blocks).
fn send(conn: &mut RawConn, words: &[&str]) {
    let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
    conn.send_cmd(&words);
}

/// `[id, [field, value, ...]]`.
fn entry(id: &str, fields: &[&str]) -> Frame {
    Frame::Array(vec![bulk(id), bulks(fields)])
}

/// XREAD's reply for one stream: `[[key, [entry, ...]]]`.
fn read_reply(key: &str, entries: Vec<Frame>) -> Frame {
    Frame::Array(vec![Frame::Array(vec![bulk(key), Frame::Array(entries)])])
}

/// The value of `name` in a flat RESP2 map reply (XINFO's replies).
fn field(reply: &Frame, name: &str) -> Frame {
    let Frame::Array(items) = reply else { panic!("expected an array, got {reply:?}") };
    items.chunks(2).find(|p| p[0] == bulk(name)).map(|p| p[1].clone()).unwrap_or_else(|| panic!("no field {name}"))
}

/// XINFO GROUPS's entry for the first group.
fn first_group(c: &mut RawConn, key: &str) -> Frame {
    let Frame::Array(groups) = c.cmd(&["XINFO", "GROUPS", key]) else { panic!("XINFO GROUPS replies with an array") };
    groups[0].clone()
}

server_test!(xadd_appends_entries_read_back_in_order, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["XADD", "s", "1-1", "name", "ada", "lang", "en"]), bulk("1-1"));
    assert_eq!(c.cmd(&["XADD", "s", "1-*", "name", "bob"]), bulk("1-2"));
    assert_eq!(c.cmd(&["XADD", "s", "2", "name", "cy"]), bulk("2-0"));
    assert_eq!(c.cmd(&["XLEN", "s"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["TYPE", "s"]), Frame::simple("stream"));
    assert_eq!(
        c.cmd(&["XRANGE", "s", "-", "+"]),
        Frame::Array(vec![
            entry("1-1", &["name", "ada", "lang", "en"]),
            entry("1-2", &["name", "bob"]),
            entry("2-0", &["name", "cy"]),
        ])
    );
    assert_eq!(
        c.cmd(&["XREVRANGE", "s", "+", "(1-1", "COUNT", "1"]),
        Frame::Array(vec![entry("2-0", &["name", "cy"])])
    );
    assert_eq!(
        c.cmd(&["XADD", "s", "2-0", "f", "v"]),
        Frame::error("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    );
    let Frame::Bulk(id) = c.cmd(&["XADD", "s", "*", "f", "v"]) else { panic!("XADD replies with the ID") };
    assert!(id.ends_with(b"-0"), "{id:?}");
});

server_test!(range_reads_answer_with_redis_bytes, |srv| {
    let mut c = srv.raw();
    c.cmd(&["XADD", "s", "1-0", "f", "v"]);
    expect_reply(&mut c, &["XRANGE", "s", "-", "+"], b"*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    expect_reply(&mut c, &["XRANGE", "s", "-", "+", "COUNT", "0"], b"*-1\r\n");
    expect_reply(&mut c, &["XREAD", "STREAMS", "s", "$"], b"*-1\r\n");
    c.cmd(&["HELLO", "3"]);
    expect_reply(
        &mut c,
        &["XREAD", "STREAMS", "s", "0"],
        b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
    expect_reply(&mut c, &["XREAD", "STREAMS", "s", "$"], b"_\r\n");
});

server_test!(trimming_keeps_the_stream_counters, |srv| {
    let mut c = srv.raw();
    for i in 1..=10 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "7"]), Frame::Integer(3));
    assert_eq!(c.cmd(&["XTRIM", "s", "MINID", "=", "6"]), Frame::Integer(2));
    assert_eq!(c.cmd(&["XDEL", "s", "8-0", "99-0"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["XADD", "s", "MAXLEN", "4", "11-0", "f", "v"]), bulk("11-0"));
    let info = c.cmd(&["XINFO", "STREAM", "s"]);
    assert_eq!(field(&info, "length"), Frame::Integer(4));
    assert_eq!(field(&info, "entries-added"), Frame::Integer(11));
    assert_eq!(field(&info, "max-deleted-entry-id"), bulk("8-0"));
    assert_eq!(field(&info, "recorded-first-entry-id"), bulk("7-0"));
    assert_eq!(field(&info, "last-generated-id"), bulk("11-0"));
    assert_eq!(field(&info, "first-entry"), entry("7-0", &["f", "v"]));
    assert_eq!(c.cmd(&["XTRIM", "s", "MAXLEN", "0"]), Frame::Integer(4));
    assert_eq!(c.cmd(&["EXISTS", "s"]), Frame::Integer(1));
    assert_eq!(field(&c.cmd(&["XINFO", "STREAM", "s"]), "recorded-first-entry-id"), bulk("0-0"));
});

server_test!(approximate_trimming_removes_whole_nodes, |srv| {
    let mut c = srv.raw();
    let commands: Vec<Vec<String>> = (0..1000)
        .map(|j| {
            ["XADD", "s", "MAXLEN", "~", "555", "*", "xitem", &j.to_string()].iter().map(|w| w.to_string()).collect()
        })
        .collect();
    pipeline(&mut c, &commands);
    // What Redis's own test expects with 100 entries per node.
    assert_eq!(c.cmd(&["XLEN", "s"]), Frame::Integer(600));
});

server_test!(errors_match_redis, |srv| {
    let mut c = srv.raw();
    c.cmd(&["SET", "str", "x"]);
    c.cmd(&["XADD", "s", "1-0", "f", "v"]);
    let con = &mut srv.client();
    let invalid = "ERR Invalid stream ID specified as stream command argument";
    assert_eq!(error_of(redis::cmd("XADD").arg("s").arg("1-2-3").arg("f").arg("v"), con), invalid);
    assert_eq!(
        error_of(redis::cmd("XADD").arg("s").arg("*").arg("f"), con),
        "ERR wrong number of arguments for 'xadd' command"
    );
    assert_eq!(
        error_of(redis::cmd("XRANGE").arg("str").arg("-").arg("+"), con),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
    assert_eq!(
        error_of(redis::cmd("XREAD").arg("STREAMS").arg("s").arg("t").arg("0"), con),
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
    );
    assert_eq!(
        error_of(redis::cmd("XGROUP").arg("CREATE").arg("nokey").arg("g").arg("$"), con),
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
    );
    assert_eq!(error_of(redis::cmd("XINFO").arg("STREAM").arg("nokey"), con), "ERR no such key");
    assert_eq!(
        error_of(redis::cmd("XREADGROUP").arg("GROUP").arg("g").arg("c").arg("STREAMS").arg("s").arg(">"), con),
        "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"
    );
});

server_test!(consumer_group_delivers_each_entry_once_and_tracks_it, |srv| {
    let mut c = srv.raw();
    for i in 1..=4 {
        c.cmd(&["XADD", "jobs", &format!("{i}-0"), "n", &i.to_string()]);
    }
    assert_eq!(c.cmd(&["XGROUP", "CREATE", "jobs", "workers", "0"]), Frame::ok());
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "workers", "alice", "COUNT", "2", "STREAMS", "jobs", ">"]),
        read_reply("jobs", vec![entry("1-0", &["n", "1"]), entry("2-0", &["n", "2"])])
    );
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "workers", "bob", "STREAMS", "jobs", ">"]),
        read_reply("jobs", vec![entry("3-0", &["n", "3"]), entry("4-0", &["n", "4"])])
    );
    assert_eq!(c.cmd(&["XREADGROUP", "GROUP", "workers", "bob", "STREAMS", "jobs", ">"]), Frame::NullArray);
    assert_eq!(
        c.cmd(&["XPENDING", "jobs", "workers"]),
        Frame::Array(vec![
            Frame::Integer(4),
            bulk("1-0"),
            bulk("4-0"),
            Frame::Array(vec![bulks(&["alice", "2"]), bulks(&["bob", "2"])]),
        ])
    );
    assert_eq!(c.cmd(&["XACK", "jobs", "workers", "1-0", "3-0", "3-0"]), Frame::Integer(2));
    // Bob's history is what he still owes.
    assert_eq!(
        c.cmd(&["XREADGROUP", "GROUP", "workers", "bob", "STREAMS", "jobs", "0"]),
        read_reply("jobs", vec![entry("4-0", &["n", "4"])])
    );
    // Alice's unacknowledged entry goes to carol.
    assert_eq!(
        c.cmd(&["XCLAIM", "jobs", "workers", "carol", "0", "2-0"]),
        Frame::Array(vec![entry("2-0", &["n", "2"])])
    );
    let Frame::Array(rows) = c.cmd(&["XPENDING", "jobs", "workers", "-", "+", "10"]) else { panic!("XPENDING rows") };
    let owners: Vec<(Frame, Frame, Frame)> = rows
        .into_iter()
        .map(|r| match r {
            Frame::Array(r) => (r[0].clone(), r[1].clone(), r[3].clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        owners,
        vec![(bulk("2-0"), bulk("carol"), Frame::Integer(2)), (bulk("4-0"), bulk("bob"), Frame::Integer(2)),]
    );
    let group = first_group(&mut c, "jobs");
    assert_eq!(field(&group, "consumers"), Frame::Integer(3));
    assert_eq!(field(&group, "pending"), Frame::Integer(2));
    assert_eq!(field(&group, "last-delivered-id"), bulk("4-0"));
    assert_eq!(field(&group, "entries-read"), Frame::Integer(4));
    assert_eq!(field(&group, "lag"), Frame::Integer(0));
    let Frame::Array(consumers) = c.cmd(&["XINFO", "CONSUMERS", "jobs", "workers"]) else { panic!("consumers") };
    let names: Vec<Frame> = consumers.iter().map(|c| field(c, "name")).collect();
    assert_eq!(names, vec![bulk("alice"), bulk("bob"), bulk("carol")]);
    assert_eq!(field(&consumers[0], "pending"), Frame::Integer(0));
});

server_test!(lag_and_entries_read_follow_deletions_as_redis_70, |srv| {
    let mut c = srv.raw();
    for i in 1..=5 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]);
    let state = |c: &mut RawConn| {
        let g = first_group(c, "s");
        (field(&g, "entries-read"), field(&g, "lag"))
    };
    assert_eq!(state(&mut c), (Frame::Null, Frame::Integer(5)));
    c.cmd(&["XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">"]);
    assert_eq!(state(&mut c), (Frame::Integer(2), Frame::Integer(3)));
    c.cmd(&["XDEL", "s", "4-0"]);
    assert_eq!(state(&mut c), (Frame::Integer(2), Frame::Null));
    c.cmd(&["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]);
    assert_eq!(state(&mut c), (Frame::Integer(5), Frame::Integer(0)));
    assert_eq!(c.cmd(&["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"]), Frame::ok());
    assert_eq!(state(&mut c), (Frame::Integer(0), Frame::Null));
});

server_test!(xautoclaim_pages_through_idle_entries, |srv| {
    let mut c = srv.raw();
    for i in 1..=5 {
        c.cmd(&["XADD", "s", &format!("{i}-0"), "f", "v"]);
    }
    c.cmd(&["XGROUP", "CREATE", "s", "g", "0"]);
    c.cmd(&["XREADGROUP", "GROUP", "g", "gone", "STREAMS", "s", ">"]);
    c.cmd(&["XDEL", "s", "2-0"]);
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "new", "0", "0", "COUNT", "2", "JUSTID"]),
        Frame::Array(vec![bulk("3-0"), bulks(&["1-0"]), bulks(&["2-0"])])
    );
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "new", "0", "3-0", "JUSTID"]),
        Frame::Array(vec![bulk("0-0"), bulks(&["3-0", "4-0", "5-0"]), Frame::Array(vec![])])
    );
    assert_eq!(
        c.cmd(&["XAUTOCLAIM", "s", "g", "new", "3600000", "0"]),
        Frame::Array(vec![bulk("0-0"), Frame::Array(vec![]), Frame::Array(vec![])])
    );
    assert_eq!(c.cmd(&["XGROUP", "DELCONSUMER", "s", "g", "new"]), Frame::Integer(4));
});

server_test!(xread_block_is_woken_by_an_xadd_from_another_client, |srv| {
    let mut reader = srv.raw();
    let mut writer = srv.raw();
    writer.cmd(&["XADD", "s", "1-0", "old", "x"]);
    send(&mut reader, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    wait_blocked(srv, 1);
    assert_eq!(writer.cmd(&["XADD", "s", "2-0", "new", "y"]), bulk("2-0"));
    assert_eq!(reader.read_frame(), read_reply("s", vec![entry("2-0", &["new", "y"])]));
    wait_blocked(srv, 0);
});

server_test!(xread_block_waits_for_a_stream_that_does_not_exist_yet, |srv| {
    let mut reader = srv.raw();
    let mut writer = srv.raw();
    send(&mut reader, &["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "$", "$"]);
    wait_blocked(srv, 1);
    // A write to another key serves nothing.
    writer.cmd(&["SET", "unrelated", "v"]);
    writer.cmd(&["XADD", "b", "5-0", "f", "v"]);
    assert_eq!(reader.read_frame(), read_reply("b", vec![entry("5-0", &["f", "v"])]));
});

server_test!(every_reader_blocked_on_a_stream_gets_the_new_entry, |srv| {
    let mut readers: Vec<RawConn> = (0..3).map(|_| srv.raw()).collect();
    for (i, r) in readers.iter_mut().enumerate() {
        send(r, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
        wait_blocked(srv, i + 1);
    }
    let mut writer = srv.raw();
    writer.cmd(&["XADD", "s", "7-0", "f", "v"]);
    for r in &mut readers {
        assert_eq!(r.read_frame(), read_reply("s", vec![entry("7-0", &["f", "v"])]));
    }
    wait_blocked(srv, 0);
});

server_test!(xread_block_times_out_with_a_null_array, |srv| {
    let mut c = srv.raw();
    c.cmd(&["XADD", "s", "1-0", "f", "v"]);
    expect_reply(&mut c, &["XREAD", "BLOCK", "50", "STREAMS", "s", "$"], b"*-1\r\n");
    expect_reply(
        &mut c,
        &["XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "nokey", ">"],
        b"-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option\r\n",
    );
    c.cmd(&["XGROUP", "CREATE", "s", "g", "$"]);
    expect_reply(&mut c, &["XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "s", ">"], b"*-1\r\n");
    wait_blocked(srv, 0);
    // The consumer was created by the call that blocked, as Redis does.
    assert_eq!(field(&first_group(&mut c, "s"), "consumers"), Frame::Integer(1));
});

server_test!(xreadgroup_block_is_served_by_an_xadd_and_records_the_delivery, |srv| {
    let mut worker = srv.raw();
    let mut producer = srv.raw();
    producer.cmd(&["XGROUP", "CREATE", "jobs", "g", "$", "MKSTREAM"]);
    send(&mut worker, &["XREADGROUP", "GROUP", "g", "w1", "COUNT", "10", "BLOCK", "0", "STREAMS", "jobs", ">"]);
    wait_blocked(srv, 1);
    assert_eq!(producer.cmd(&["XADD", "jobs", "1-0", "task", "a"]), bulk("1-0"));
    assert_eq!(worker.read_frame(), read_reply("jobs", vec![entry("1-0", &["task", "a"])]));
    wait_blocked(srv, 0);
    assert_eq!(
        producer.cmd(&["XPENDING", "jobs", "g"]),
        Frame::Array(vec![Frame::Integer(1), bulk("1-0"), bulk("1-0"), Frame::Array(vec![bulks(&["w1", "1"])])])
    );
    assert_eq!(field(&first_group(&mut producer, "jobs"), "last-delivered-id"), bulk("1-0"));
});

server_test!(workers_blocked_on_one_group_share_the_entries, |srv| {
    let mut w1 = srv.raw();
    let mut w2 = srv.raw();
    let mut producer = srv.raw();
    producer.cmd(&["XGROUP", "CREATE", "jobs", "g", "$", "MKSTREAM"]);
    send(&mut w1, &["XREADGROUP", "GROUP", "g", "w1", "COUNT", "1", "BLOCK", "0", "STREAMS", "jobs", ">"]);
    wait_blocked(srv, 1);
    send(&mut w2, &["XREADGROUP", "GROUP", "g", "w2", "COUNT", "1", "BLOCK", "0", "STREAMS", "jobs", ">"]);
    wait_blocked(srv, 2);
    producer.cmd(&["XADD", "jobs", "1-0", "task", "a"]);
    assert_eq!(w1.read_frame(), read_reply("jobs", vec![entry("1-0", &["task", "a"])]));
    wait_blocked(srv, 1);
    producer.cmd(&["XADD", "jobs", "2-0", "task", "b"]);
    assert_eq!(w2.read_frame(), read_reply("jobs", vec![entry("2-0", &["task", "b"])]));
    wait_blocked(srv, 0);
});

server_test!(a_blocked_xreadgroup_learns_its_stream_or_group_is_gone, |srv| {
    let mut worker = srv.raw();
    let mut admin = srv.raw();
    admin.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    send(&mut worker, &["XREADGROUP", "GROUP", "g", "w", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(srv, 1);
    assert_eq!(admin.cmd(&["XGROUP", "DESTROY", "s", "g"]), Frame::Integer(1));
    assert_eq!(
        worker.read_frame(),
        Frame::error("NOGROUP the consumer group this client was blocked on no longer exists")
    );
    admin.cmd(&["XGROUP", "CREATE", "s", "g", "$"]);
    send(&mut worker, &["XREADGROUP", "GROUP", "g", "w", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(srv, 1);
    assert_eq!(admin.cmd(&["DEL", "s"]), Frame::Integer(1));
    assert_eq!(worker.read_frame(), Frame::error("UNBLOCKED the stream key no longer exists"));
    wait_blocked(srv, 0);
});

server_test!(a_write_that_adds_nothing_leaves_readers_blocked, |srv| {
    let mut reader = srv.raw();
    let mut writer = srv.raw();
    writer.cmd(&["XADD", "s", "1-0", "f", "v"]);
    writer.cmd(&["XGROUP", "CREATE", "s", "g", "$"]);
    send(&mut reader, &["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]);
    wait_blocked(srv, 1);
    writer.cmd(&["XDEL", "s", "1-0"]);
    writer.cmd(&["XGROUP", "CREATECONSUMER", "s", "g", "other"]);
    std::thread::sleep(Duration::from_millis(50));
    wait_blocked(srv, 1);
    writer.cmd(&["XADD", "s", "2-0", "f", "v"]);
    assert_eq!(reader.read_frame(), read_reply("s", vec![entry("2-0", &["f", "v"])]));
});

server_test!(client_unblock_ends_a_stream_wait, |srv| {
    let mut reader = srv.raw();
    let Frame::Integer(id) = reader.cmd(&["CLIENT", "ID"]) else { panic!("CLIENT ID") };
    let mut admin = srv.raw();
    send(&mut reader, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    wait_blocked(srv, 1);
    assert_eq!(admin.cmd(&["CLIENT", "UNBLOCK", &id.to_string()]), Frame::Integer(1));
    assert_eq!(reader.read_frame(), Frame::NullArray);
});

/// Redis serves every client blocked on a stream key that has data for it: a reader that
/// cannot be served (waiting for a later ID, or a consumer of a group that was just served)
/// must not hold up the readers behind it until the next write.
#[test]
fn readers_behind_one_that_cannot_be_served_are_still_woken() {
    for (mode, store) in tandem_suite::COMBINATIONS {
        let srv = TestServer::start(*mode, store);
        let mut future = srv.raw();
        let mut now = srv.raw();
        send(&mut future, &["XREAD", "BLOCK", "0", "STREAMS", "s", "99999999999999-0"]);
        wait_blocked(&srv, 1);
        send(&mut now, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
        wait_blocked(&srv, 2);
        srv.raw().cmd(&["XADD", "s", "1-0", "f", "v"]);
        assert_eq!(now.read_frame(), read_reply("s", vec![entry("1-0", &["f", "v"])]));
    }
}

//! MULTI/EXEC and WATCH in every mode × store: queuing errors, WATCH invalidation, EXEC's
//! atomicity against concurrent clients, and how transactions meet blocked clients.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tandem_suite::helpers::*;
use tandem_suite::{server_test, Frame, RawConn};

/// Writer and reader threads of the concurrency tests, and rounds per writer.
const WRITERS: usize = 4;
const READERS: usize = 2;
const ROUNDS: usize = 300;

fn ok() -> Frame {
    Frame::ok()
}

fn queued() -> Frame {
    Frame::simple("QUEUED")
}

/// MULTI, `commands` (each answered `+QUEUED`), EXEC: returns EXEC's reply.
fn transaction(c: &mut RawConn, commands: &[&[&str]]) -> Frame {
    assert_eq!(c.cmd(&["MULTI"]), ok());
    for words in commands {
        assert_eq!(c.cmd(words), queued(), "{words:?}");
    }
    c.cmd(&["EXEC"])
}

fn int_of(f: &Frame) -> i64 {
    match f {
        Frame::Bulk(b) => std::str::from_utf8(b).ok().and_then(|s| s.parse().ok()).expect("an integer"),
        Frame::Null => 0,
        other => panic!("not an integer bulk: {other:?}"),
    }
}

server_test!(a_command_refused_while_queuing_makes_exec_abort, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), queued());
    assert_eq!(c.cmd(&["NOSUCH"]), Frame::error("ERR unknown command 'NOSUCH', with args beginning with: "));
    assert_eq!(c.cmd(&["GET"]), Frame::error("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["EXEC"]), Frame::error("EXECABORT Transaction discarded because of previous errors."));
    assert_eq!(c.cmd(&["EXISTS", "k"]), Frame::Integer(0));
    // Runtime errors, by contrast, are replies in place.
    let reply = transaction(&mut c, &[&["SET", "k", "1"], &["LPUSH", "k", "x"], &["INCR", "k"]]);
    assert_eq!(
        reply,
        Frame::Array(vec![
            ok(),
            Frame::error("WRONGTYPE Operation against a key holding the wrong kind of value"),
            Frame::Integer(2),
        ])
    );
});

server_test!(watch_is_invalidated_by_another_clients_write, |srv| {
    let mut c = srv.raw();
    let mut other = srv.raw();
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(other.cmd(&["INCR", "k"]), Frame::Integer(1));
    assert_eq!(transaction(&mut c, &[&["SET", "k", "mine"]]), Frame::NullArray);
    assert_eq!(c.cmd(&["GET", "k"]), bulk("1"));
    // Unmodified, it runs; RESP3 gets its own null when it does not.
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(transaction(&mut c, &[&["SET", "k", "mine"]]), Frame::Array(vec![ok()]));
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(other.cmd(&["DEL", "k"]), Frame::Integer(1));
    assert_eq!(c.cmd(&["MULTI"]), ok());
    assert_eq!(c.cmd(&["PING"]), queued());
    c.send(b"*1\r\n$4\r\nEXEC\r\n");
    c.expect(b"_\r\n");
});

server_test!(watch_is_invalidated_by_expiry, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["SET", "k", "v", "PX", "50"]), ok());
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(transaction(&mut c, &[&["PING"]]), Frame::NullArray);
});

server_test!(watch_is_invalidated_by_flushall_only_for_keys_that_exist, |srv| {
    let mut c = srv.raw();
    let mut other = srv.raw();
    assert_eq!(c.cmd(&["WATCH", "missing"]), ok());
    assert_eq!(other.cmd(&["FLUSHALL"]), ok());
    assert_eq!(transaction(&mut c, &[&["PING"]]), Frame::Array(vec![Frame::simple("PONG")]));
    assert_eq!(c.cmd(&["SET", "k", "v"]), ok());
    assert_eq!(c.cmd(&["WATCH", "k"]), ok());
    assert_eq!(other.cmd(&["FLUSHALL"]), ok());
    assert_eq!(transaction(&mut c, &[&["PING"]]), Frame::NullArray);
});

server_test!(no_reader_sees_a_transaction_half_applied, |srv| {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                s.spawn(|| {
                    let mut c = srv.raw();
                    let mut reads = 0;
                    while !done.load(Ordering::Relaxed) {
                        let Frame::Array(v) = c.cmd(&["MGET", "a", "b"]) else { panic!("MGET reply") };
                        assert_eq!(int_of(&v[0]), int_of(&v[1]), "a transaction seen half-applied");
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                s.spawn(|| {
                    let mut c = srv.raw();
                    for _ in 0..ROUNDS {
                        let reply = transaction(&mut c, &[&["INCR", "a"], &["INCR", "b"]]);
                        let Frame::Array(v) = reply else { panic!("EXEC reply {reply:?}") };
                        assert_eq!(v[0], v[1]);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().expect("reader") > 0);
        }
    });
    let total = (WRITERS * ROUNDS).to_string();
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["MGET", "a", "b"]), Frame::Array(vec![bulk(&total), bulk(&total)]));
});

server_test!(watch_based_increments_lose_no_update, |srv| {
    // The optimistic-locking pattern WATCH exists for: every increment lands exactly once,
    // however the clients interleave.
    std::thread::scope(|s| {
        for _ in 0..WRITERS {
            s.spawn(|| {
                let mut c = srv.raw();
                let mut done = 0;
                while done < ROUNDS / 3 {
                    assert_eq!(c.cmd(&["WATCH", "counter"]), ok());
                    let next = int_of(&c.cmd(&["GET", "counter"])) + 1;
                    let reply = transaction(&mut c, &[&["SET", "counter", &next.to_string()]]);
                    if reply != Frame::NullArray {
                        assert_eq!(reply, Frame::Array(vec![ok()]));
                        done += 1;
                    }
                }
            });
        }
    });
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["GET", "counter"]), bulk(&(WRITERS * (ROUNDS / 3)).to_string()));
});

server_test!(a_push_inside_multi_wakes_a_blocked_client_after_exec_with_the_final_state, |srv| {
    let mut waiter = srv.raw();
    waiter.send_cmd(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(srv, 1);
    let mut c = srv.raw();
    // Pushed and emptied again within one transaction: nothing to serve at its end.
    let reply = transaction(&mut c, &[&["RPUSH", "q", "gone"], &["DEL", "q"]]);
    assert_eq!(reply, Frame::Array(vec![Frame::Integer(1), Frame::Integer(1)]));
    std::thread::sleep(Duration::from_millis(50));
    wait_blocked(srv, 1);
    // The waiter sees only what is left when EXEC ends.
    let reply = transaction(&mut c, &[&["RPUSH", "q", "first", "last"], &["LPOP", "q"]]);
    assert_eq!(reply, Frame::Array(vec![Frame::Integer(2), bulk("first")]));
    assert_eq!(waiter.read_frame(), Frame::Array(vec![bulk("q"), bulk("last")]));
    wait_blocked(srv, 0);
    assert_eq!(c.cmd(&["EXISTS", "q"]), Frame::Integer(0));
});

server_test!(blocking_commands_inside_multi_return_at_once, |srv| {
    let mut c = srv.raw();
    let reply = transaction(
        &mut c,
        &[&["BLPOP", "nothing", "0"], &["BLMOVE", "nothing", "x", "LEFT", "LEFT", "0"], &["BZPOPMIN", "nothing", "0"]],
    );
    assert_eq!(reply, Frame::Array(vec![Frame::NullArray, Frame::Null, Frame::NullArray]));
    wait_blocked(srv, 0);
    assert_eq!(c.cmd(&["PING"]), Frame::simple("PONG"));
});

server_test!(a_client_that_disconnects_leaves_no_watch_behind, |srv| {
    let mut c = srv.raw();
    assert_eq!(c.cmd(&["WATCH", "a", "b"]), ok());
    assert!(!srv.engine.watches.is_empty());
    drop(c);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !srv.engine.watches.is_empty() {
        assert!(Instant::now() < deadline, "the closed client still watches");
        std::thread::sleep(Duration::from_millis(5));
    }
});

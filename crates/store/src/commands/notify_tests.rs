//! Keyspace notifications (`notify-keyspace-events`) as a subscriber sees them: the events
//! each command family publishes, with Redis 7.0's names, classes and order, the class
//! filters, and `expired` from lazy and active expiry. One client writes; another, on the
//! same engine, is subscribed to `__key*__:*` and has its mailbox read back.

use std::time::Duration;

use resp::Frame;

use crate::testing::{TestClient, STORES};

/// A writer and a subscriber to every keyspace channel, on one engine with `flags` set.
fn clients(store: &str, flags: &str) -> (TestClient, TestClient) {
    let mut writer = TestClient::new(store);
    let mut sub = TestClient::on(writer.engine.clone());
    assert_eq!(writer.run(&["CONFIG", "SET", "notify-keyspace-events", flags]), Frame::ok());
    sub.run(&["PSUBSCRIBE", "__key*__:*"]);
    mail(&mut sub); // The subscription's acknowledgement.
    (writer, sub)
}

/// Runs `test` with a writer and a subscriber over every store, all events on.
fn each_store(test: impl Fn(&mut TestClient, &mut TestClient)) {
    for store in STORES {
        let (mut writer, mut sub) = clients(store, "KEA");
        test(&mut writer, &mut sub);
    }
}

/// Text of a bulk string.
fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("expected a bulk string, got {other:?}"),
    }
}

/// The `(channel, message)` of each pmessage waiting in the subscriber's mailbox, in order.
fn mail(sub: &mut TestClient) -> Vec<(String, String)> {
    let mut buf = Vec::new();
    sub.client.subs.mailbox.as_ref().expect("subscribed").drain_into(&mut buf);
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((frame, used)) = resp::parse_frame(&buf[at..]).expect("valid RESP") {
        at += used;
        let Frame::Array(items) = frame else { panic!("expected an array, got {frame:?}") };
        if text(&items[0]) == "pmessage" {
            assert_eq!(text(&items[1]), "__key*__:*");
            out.push((text(&items[2]), text(&items[3])));
        }
    }
    assert_eq!(at, buf.len(), "a partial frame in the mailbox");
    out
}

/// The keyevent messages waiting, as `event key` whatever the database (each also had its
/// keyspace twin, which [`keyspace_and_keyevent_messages_carry_event_and_key`] checks).
fn events(sub: &mut TestClient) -> Vec<String> {
    let all = mail(sub);
    let keyevents: Vec<String> = all
        .iter()
        .filter_map(|(channel, key)| {
            let (_, event) = channel.strip_prefix("__keyevent@")?.split_once("__:")?;
            Some(format!("{event} {key}"))
        })
        .collect();
    assert_eq!(keyevents.len() * 2, all.len(), "each event on both channels: {all:?}");
    keyevents
}

/// Runs each command of `commands` as words split on spaces.
fn run_all(c: &mut TestClient, commands: &[&str]) {
    for cmd in commands {
        let words: Vec<&str> = cmd.split(' ').collect();
        let reply = c.run(&words);
        assert!(!reply.is_error(), "{cmd}: {reply:?}");
    }
}

#[test]
fn keyspace_and_keyevent_messages_carry_event_and_key() {
    each_store(|w, sub| {
        w.run(&["SET", "k", "v"]);
        assert_eq!(
            mail(sub),
            vec![
                ("__keyspace@0__:k".to_string(), "set".to_string()),
                ("__keyevent@0__:set".to_string(), "k".to_string()),
            ]
        );
    });
}

#[test]
fn events_name_the_database_of_the_key() {
    each_store(|w, sub| {
        w.run(&["SELECT", "3"]);
        w.run(&["LPUSH", "l", "a"]);
        assert_eq!(
            mail(sub),
            vec![
                ("__keyspace@3__:l".to_string(), "lpush".to_string()),
                ("__keyevent@3__:lpush".to_string(), "l".to_string()),
            ]
        );
    });
}

#[test]
fn nothing_is_published_while_notifications_are_off() {
    for store in STORES {
        let (mut w, mut sub) = clients(store, "");
        run_all(&mut w, &["SET k v", "LPUSH l a", "DEL k l", "SET e v PX 1"]);
        assert!(w.client.events.is_empty());
        std::thread::sleep(Duration::from_millis(5));
        w.engine.active_expire_cycle(Duration::from_secs(1));
        assert_eq!(mail(&mut sub), vec![]);
    }
}

#[test]
fn class_flags_filter_events() {
    for store in STORES {
        // K$: string events on the keyspace channel only.
        let (mut w, mut sub) = clients(store, "K$");
        run_all(&mut w, &["SET k v", "EXPIRE k 100", "LPUSH l a", "APPEND k x"]);
        assert_eq!(
            mail(&mut sub),
            vec![
                ("__keyspace@0__:k".to_string(), "set".to_string()),
                ("__keyspace@0__:k".to_string(), "append".to_string()),
            ]
        );
        // Eg: generic events on the keyevent channel only.
        let (mut w, mut sub) = clients(store, "Eg");
        run_all(&mut w, &["SET k v", "EXPIRE k 100", "LPUSH l a", "DEL l"]);
        assert_eq!(
            mail(&mut sub),
            vec![
                ("__keyevent@0__:expire".to_string(), "k".to_string()),
                ("__keyevent@0__:del".to_string(), "l".to_string()),
            ]
        );
        // A class without K or E publishes nothing.
        let (mut w, mut sub) = clients(store, "A");
        run_all(&mut w, &["SET k v"]);
        assert_eq!(mail(&mut sub), vec![]);
    }
}

#[test]
fn string_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "SET s 1 PX 100000",
                "SET s 1 KEEPTTL",
                "SET s 2 NX",
                "SETEX s 10 v",
                "GETSET s v",
                "GETDEL s",
                "GETDEL s",
                "SET s v",
                "GETEX s EX 100",
                "GETEX s PERSIST",
                "GETEX s PERSIST",
                "GETEX s PXAT 1",
                "MSET a 1 b 2 a 3",
                "MSETNX a 1 c 2",
                "INCR n",
                "DECRBY n 3",
                "INCRBYFLOAT n 1.5",
                "APPEND n x",
                "SETRANGE n 0 ",
                "SETRANGE q 0 ",
                "SETRANGE n 0 z",
            ],
        );
        assert_eq!(
            events(sub),
            [
                "set s",
                "expire s",
                "set s",
                "set s",
                "expire s",
                "set s",
                "del s",
                "set s",
                "expire s",
                "persist s",
                "del s",
                "set a",
                "set b",
                "set a",
                "incrby n",
                "incrby n",
                "incrbyfloat n",
                "append n",
                "setrange n",
            ]
        );
    });
}

#[test]
fn generic_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "SET a 1",
                "SET b 1",
                "DEL a zz b a",
                "SET n 1",
                "EXPIRE n 100",
                "EXPIRE n 100 NX",
                "PERSIST n",
                "PERSIST n",
                "PEXPIRE n 0",
                "SET n 1",
                "RENAME n m",
                "RENAME m m",
                "SET o 1",
                "RENAME m o",
                "RENAMENX o o",
                "MOVE o 1",
                "SET p 1",
                "COPY p q",
                "COPY p q",
                "UNLINK p q",
                "FLUSHDB",
            ],
        );
        assert_eq!(
            events(sub),
            [
                "set a",
                "set b",
                "del a",
                "del b",
                "set n",
                "expire n",
                "persist n",
                "del n",
                "set n",
                "rename_from n",
                "rename_to m",
                "set o",
                "rename_from m",
                "rename_to o",
                "move_from o",
                "move_to o",
                "set p",
                "copy_to q",
                "del p",
                "del q",
            ]
        );
    });
}

#[test]
fn move_and_copy_notify_the_target_database() {
    each_store(|w, sub| {
        run_all(w, &["SET k v", "COPY k c DB 2", "MOVE k 1"]);
        let channels: Vec<String> = mail(sub).into_iter().map(|(c, m)| format!("{c} {m}")).collect();
        assert_eq!(
            channels,
            [
                "__keyspace@0__:k set",
                "__keyevent@0__:set k",
                "__keyspace@2__:c copy_to",
                "__keyevent@2__:copy_to c",
                "__keyspace@0__:k move_from",
                "__keyevent@0__:move_from k",
                "__keyspace@1__:k move_to",
                "__keyevent@1__:move_to k",
            ]
        );
    });
}

#[test]
fn list_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "LPUSHX l a",
                "RPUSH l a b c d e",
                "LPUSH l z",
                "LINSERT l BEFORE nope x",
                "LINSERT l BEFORE a x",
                "LSET l 0 y",
                "LREM l 0 nope",
                "LREM l 1 y",
                "LTRIM l 0 100",
                "LPOP l 0",
                "LPOP l 2",
                "RPOP l 1",
                "LMPOP 1 l LEFT COUNT 10",
                "RPUSH l a",
                "RPOPLPUSH l l",
                "LMOVE l l2 RIGHT LEFT",
                "LTRIM l2 1 0",
            ],
        );
        assert_eq!(
            events(sub),
            [
                "rpush l",
                "lpush l",
                "linsert l",
                "lset l",
                "lrem l",
                "ltrim l",
                "lpop l",
                "rpop l",
                "lpop l",
                "del l",
                "rpush l",
                "lpush l",
                "rpop l",
                "lpush l2",
                "rpop l",
                "del l",
                "ltrim l2",
                "del l2",
            ]
        );
    });
}

#[test]
fn blocking_pops_served_at_once_notify_like_their_plain_forms() {
    each_store(|w, sub| {
        run_all(w, &["RPUSH l a b", "BLPOP l 0", "BLMOVE l l2 LEFT RIGHT 0", "ZADD z 1 m", "BZPOPMIN z 0"]);
        assert_eq!(events(sub), ["rpush l", "lpop l", "rpush l2", "lpop l", "del l", "zadd z", "zpopmin z", "del z"]);
    });
}

#[test]
fn hash_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "HSET h a 1",
                "HSET h a 1",
                "HMSET h b 2",
                "HSETNX h a 1",
                "HSETNX h c 1",
                "HINCRBY h a 1",
                "HINCRBYFLOAT h a 1",
                "HDEL h zz",
                "HDEL h a b",
                "HDEL h c",
            ],
        );
        assert_eq!(
            events(sub),
            ["hset h", "hset h", "hset h", "hset h", "hincrby h", "hincrbyfloat h", "hdel h", "hdel h", "del h"]
        );
    });
}

#[test]
fn set_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "SADD s a b c",
                "SADD s a",
                "SREM s zz",
                "SREM s a",
                "SMOVE s s2 b",
                "SMOVE s s2 zz",
                "SMOVE s s c",
                "SPOP s",
                "SADD s a b c",
                "SPOP s 0",
                "SPOP s 1",
                "SPOP s 5",
                "SADD x 1",
                "SINTERSTORE d x",
                "SINTERSTORE d x nokey",
                "SUNIONSTORE d x",
                "SDIFFSTORE d x x",
                "SDIFFSTORE d x x",
            ],
        );
        assert_eq!(
            events(sub),
            [
                "sadd s",
                "srem s",
                "srem s",
                "sadd s2",
                "spop s",
                "del s",
                "sadd s",
                "spop s",
                "spop s",
                "del s",
                "sadd x",
                "sinterstore d",
                "del d",
                "sunionstore d",
                "del d",
            ]
        );
    });
}

#[test]
fn sorted_set_commands() {
    each_store(|w, sub| {
        run_all(
            w,
            &[
                "ZADD z 1 a 2 b 3 c 4 d",
                "ZADD z 1 a",
                "ZADD z XX 5 nope",
                "ZADD z INCR 1 a",
                "ZINCRBY z 0 a",
                "ZINCRBY z 1 e",
                "ZREM z nope",
                "ZREM z e",
                "ZREMRANGEBYRANK z 0 0",
                "ZREMRANGEBYSCORE z 3 3",
                "ZREMRANGEBYLEX z - +",
                "ZADD z 1 a 2 b 3 c",
                "ZPOPMIN z 0",
                "ZPOPMAX z",
                "ZMPOP 1 z MIN COUNT 1",
                "ZRANGESTORE d z 0 -1",
                "ZRANGESTORE d z 5 6",
                "ZRANGESTORE d z 5 6",
                "ZUNIONSTORE u 1 z",
                "ZINTERSTORE u 2 z nokey",
                "ZDIFFSTORE u 1 z",
                "ZPOPMIN z 5",
            ],
        );
        assert_eq!(
            events(sub),
            [
                "zadd z",
                "zincr z",
                "zincr z",
                "zrem z",
                "zremrangebyrank z",
                "zremrangebyscore z",
                "zremrangebylex z",
                "del z",
                "zadd z",
                "zpopmax z",
                "zpopmin z",
                "zrangestore d",
                "del d",
                "zunionstore u",
                "del u",
                "zdiffstore u",
                "zpopmin z",
                "del z",
            ]
        );
    });
}

#[test]
fn sort_store_notifies_sortstore_or_del() {
    each_store(|w, sub| {
        run_all(w, &["SORT nokey STORE d", "RPUSH src 3 1 2", "SORT src STORE d", "SORT nokey STORE d"]);
        assert_eq!(events(sub), ["rpush src", "sortstore d", "del d"]);
    });
}

#[test]
fn failed_and_refused_writes_notify_nothing() {
    each_store(|w, sub| {
        run_all(w, &["SET s x"]);
        mail(sub);
        for cmd in [&["LPUSH", "s", "a"][..], &["INCR", "s"], &["SADD", "s", "a"], &["HSET", "s", "f", "v"]] {
            assert!(w.run(cmd).is_error());
        }
        w.run(&["SET", "s", "y", "NX"]);
        w.run(&["EXPIRE", "missing", "10"]);
        assert_eq!(events(sub), Vec::<String>::new());
    });
}

#[test]
fn lazy_expiry_publishes_expired_before_the_command_events() {
    each_store(|w, sub| {
        run_all(w, &["SET k v PX 1", "SET gone v PX 1"]);
        std::thread::sleep(Duration::from_millis(5));
        mail(sub);
        // The write finds `k` expired, deletes it, then sets it anew.
        run_all(w, &["SET k new", "DEL gone"]);
        assert_eq!(events(sub), ["expired k", "set k", "expired gone"]);
    });
}

#[test]
fn active_expiry_publishes_expired() {
    each_store(|w, sub| {
        run_all(w, &["SELECT 2", "SET k v PX 1"]);
        std::thread::sleep(Duration::from_millis(5));
        mail(sub);
        assert_eq!(w.engine.active_expire_cycle(Duration::from_secs(1)), 1);
        assert_eq!(
            mail(sub),
            vec![
                ("__keyspace@2__:k".to_string(), "expired".to_string()),
                ("__keyevent@2__:expired".to_string(), "k".to_string()),
            ]
        );
    });
}

#[test]
fn expired_has_its_own_class() {
    for store in STORES {
        let (mut w, mut sub) = clients(store, "Ex");
        run_all(&mut w, &["SET k v PX 1"]);
        std::thread::sleep(Duration::from_millis(5));
        run_all(&mut w, &["SET k v"]);
        assert_eq!(mail(&mut sub), vec![("__keyevent@0__:expired".to_string(), "k".to_string())]);
    }
}

//! Key expiry: expired keys are invisible to every command as soon as their time has
//! passed (lazy expiry), untouched expired keys are deleted by the background cycle
//! (active expiry), and TTL/PTTL/EXPIRETIME report with Redis's precision and rounding.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Value;
use tandem_suite::server_test;

/// How long to sleep so that a key with a 1 ms TTL has surely expired.
const PAST_EXPIRY: Duration = Duration::from_millis(100);

fn dbsize(con: &mut redis::Connection) -> i64 {
    redis::cmd("DBSIZE").query(con).unwrap()
}

server_test!(expired_key_reads_as_missing, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(redis::cmd("PEXPIRE").arg("k").arg(1).query::<i64>(&mut con).unwrap(), 1);
    std::thread::sleep(PAST_EXPIRY);
    assert_eq!(redis::cmd("GET").arg("k").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(redis::cmd("EXISTS").arg("k").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("TTL").arg("k").query::<i64>(&mut con).unwrap(), -2);
    assert_eq!(redis::cmd("PTTL").arg("k").query::<i64>(&mut con).unwrap(), -2);
    assert_eq!(redis::cmd("TYPE").arg("k").query::<String>(&mut con).unwrap(), "none");
});

server_test!(expired_keys_are_invisible_to_every_command, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("live").arg("1").query(&mut con).unwrap();
    for k in ["a", "b", "c", "d", "e", "f", "g"] {
        let _: () = redis::cmd("SET").arg(k).arg("5").arg("PX").arg(1).query(&mut con).unwrap();
    }
    std::thread::sleep(PAST_EXPIRY);
    assert_eq!(
        redis::cmd("MGET").arg("a").arg("live").query::<Vec<Option<String>>>(&mut con).unwrap(),
        vec![None, Some("1".to_string())]
    );
    assert_eq!(redis::cmd("KEYS").arg("*").query::<Vec<String>>(&mut con).unwrap(), vec!["live".to_string()]);
    let mut scanned = Vec::new();
    let mut cursor = "0".to_string();
    for round in 0.. {
        assert!(round < 1000, "SCAN did not finish");
        let (next, keys): (String, Vec<String>) = redis::cmd("SCAN").arg(&cursor).query(&mut con).unwrap();
        scanned.extend(keys);
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(scanned, vec!["live".to_string()]);
    assert_eq!(redis::cmd("RANDOMKEY").query::<String>(&mut con).unwrap(), "live");
    // Writes start from an empty key.
    assert_eq!(redis::cmd("INCR").arg("a").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("APPEND").arg("b").arg("x").query::<i64>(&mut con).unwrap(), 1);
    assert_eq!(redis::cmd("SET").arg("c").arg("new").arg("NX").query::<Value>(&mut con).unwrap(), Value::Okay);
    assert_eq!(redis::cmd("STRLEN").arg("d").query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("EXPIRE").arg("e").arg(100).query::<i64>(&mut con).unwrap(), 0);
    assert_eq!(redis::cmd("DEL").arg("f").query::<i64>(&mut con).unwrap(), 0);
    let rename = redis::cmd("RENAME").arg("g").arg("h").query::<Value>(&mut con).expect_err("RENAME of an expired key");
    assert_eq!(rename.detail(), Some("no such key"));
    // Only the keys written since are left.
    let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c", "live"]);
    assert_eq!(redis::cmd("TTL").arg("a").query::<i64>(&mut con).unwrap(), -1);
});

server_test!(active_expiry_deletes_untouched_keys, |cfg| { cfg.hz = 100 }, |srv| {
    let mut con = srv.client();
    for db in [0, 7] {
        let _: () = redis::cmd("SELECT").arg(db).query(&mut con).unwrap();
        let mut pipe = redis::pipe();
        for i in 0..200 {
            pipe.cmd("SET").arg(format!("volatile:{i}")).arg(i).arg("PX").arg(1).ignore();
        }
        for i in 0..10 {
            pipe.cmd("SET").arg(format!("persistent:{i}")).arg(i).ignore();
        }
        let _: () = pipe.query(&mut con).unwrap();
    }
    // Only DBSIZE from now on: it does not touch keys, so only the background cycle can
    // delete them.
    for db in [0, 7] {
        let _: () = redis::cmd("SELECT").arg(db).query(&mut con).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut size = dbsize(&mut con);
        while size > 10 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            size = dbsize(&mut con);
        }
        assert_eq!(size, 10, "database {db}: expired keys left after 10 s");
    }
    // Every one of them was deleted by expiry (not merely hidden from DBSIZE).
    let info: String = redis::cmd("INFO").arg("stats").query(&mut con).unwrap();
    let expired = info.lines().find_map(|l| l.strip_prefix("expired_keys:")).expect("INFO stats has expired_keys");
    assert_eq!(expired.trim(), "400");
});

server_test!(ttl_rounds_the_remaining_milliseconds_to_seconds, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").arg("PX").arg(100_000).query(&mut con).unwrap();
    for _ in 0..5 {
        let before: i64 = redis::cmd("PTTL").arg("k").query(&mut con).unwrap();
        let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
        let after: i64 = redis::cmd("PTTL").arg("k").query(&mut con).unwrap();
        assert!(0 < after && after <= before && before <= 100_000, "PTTL went {before} then {after}");
        // Redis replies (ms + 500) / 1000.
        assert!(
            (after + 500) / 1000 <= ttl && ttl <= (before + 500) / 1000,
            "TTL {ttl} between PTTL {before} and {after}"
        );
    }
    let _: () = redis::cmd("SET").arg("sec").arg("v").arg("EX").arg(100).query(&mut con).unwrap();
    let pttl: i64 = redis::cmd("PTTL").arg("sec").query(&mut con).unwrap();
    assert!(90_000 < pttl && pttl <= 100_000, "PTTL after EX 100: {pttl}");
});

server_test!(expiretime_reports_the_absolute_deadline_exactly, |srv| {
    let mut con = srv.client();
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_millis() as i64;
    let at = (now_ms / 1000 + 100) * 1000 + 600;
    let _: () = redis::cmd("SET").arg("k").arg("v").arg("PXAT").arg(at).query(&mut con).unwrap();
    assert_eq!(redis::cmd("PEXPIRETIME").arg("k").query::<i64>(&mut con).unwrap(), at);
    // Seconds are rounded like TTL: (ms + 500) / 1000.
    assert_eq!(redis::cmd("EXPIRETIME").arg("k").query::<i64>(&mut con).unwrap(), (at + 500) / 1000);
    let _: () = redis::cmd("EXPIREAT").arg("k").arg(at / 1000).query(&mut con).unwrap();
    assert_eq!(redis::cmd("PEXPIRETIME").arg("k").query::<i64>(&mut con).unwrap(), at / 1000 * 1000);
});

server_test!(millisecond_ttl_expires_after_milliseconds, |srv| {
    let mut con = srv.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").arg("PX").arg(50).query(&mut con).unwrap();
    let _: () = redis::cmd("SET").arg("long").arg("v").arg("PX").arg(600_000).query(&mut con).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(redis::cmd("GET").arg("k").query::<Value>(&mut con).unwrap(), Value::Nil);
    assert_eq!(redis::cmd("GET").arg("long").query::<String>(&mut con).unwrap(), "v");
});

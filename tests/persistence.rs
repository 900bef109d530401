//! Persistence as a user sees it: SAVE/BGSAVE and the AOF keep every type with its TTL
//! across a restart, BGSAVE and BGREWRITEAOF run while clients are served, CONFIG SET
//! appendonly turns the AOF on at run time, SHUTDOWN saves and stops, and files written by
//! real Redis 7.0 load. Every test runs in every mode × store; "restart" stops the server
//! without a final save (like a crash after the last reply) and starts a new one on the
//! same directory.

use std::path::Path;
use std::time::{Duration, Instant};

use redis::Value;
use tandem_suite::{server_test, Frame, TestServer};

fn cmd<T: redis::FromRedisValue>(con: &mut redis::Connection, words: &[&str]) -> T {
    let mut c = redis::cmd(words[0]);
    for w in &words[1..] {
        c.arg(*w);
    }
    c.query(con).unwrap_or_else(|e| panic!("{words:?}: {e}"))
}

/// One field of INFO persistence.
fn info_field(con: &mut redis::Connection, name: &str) -> String {
    let info: String = cmd(con, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("INFO persistence has no {name}:\n{info}"))
}

/// Waits (bounded) until INFO field `name` reads `value`.
fn wait_info(con: &mut redis::Connection, name: &str, value: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while info_field(con, name) != value {
        assert!(Instant::now() < deadline, "INFO {name} never became {value}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn data_dir(srv: &TestServer) -> std::path::PathBuf {
    srv.engine.config.read(|c| Path::new(&c.dir).to_path_buf())
}

/// Writes one key of every type, two with a TTL, one that expires at once.
fn write_every_type(con: &mut redis::Connection) {
    let _: () = cmd(con, &["SET", "str", "hello"]);
    let _: () = cmd(con, &["SET", "int", "-12345"]);
    let _: () = cmd(con, &["SET", "ttl", "v", "EX", "1000"]);
    let _: () = cmd(con, &["SET", "gone", "v", "PX", "50"]);
    let _: i64 = cmd(con, &["RPUSH", "list", "a", "b", "c"]);
    let _: i64 = cmd(con, &["HSET", "hash", "f1", "v1", "f2", "v2"]);
    let _: bool = cmd(con, &["EXPIRE", "hash", "2000"]);
    let _: i64 = cmd(con, &["SADD", "ints", "3", "1", "2"]);
    let _: i64 = cmd(con, &["SADD", "strs", "x", "y"]);
    let _: i64 = cmd(con, &["ZADD", "zset", "1.5", "a", "-inf", "b"]);
    let _: String = cmd(con, &["XADD", "stream", "1-1", "f", "v"]);
    let _: String = cmd(con, &["XADD", "stream", "2-0", "g", "w"]);
    let _: () = cmd(con, &["XGROUP", "CREATE", "stream", "grp", "0"]);
    let _: Value = cmd(con, &["XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">"]);
    let _: () = cmd(con, &["SELECT", "5"]);
    let _: () = cmd(con, &["SET", "in5", "five"]);
    let _: () = cmd(con, &["SELECT", "0"]);
}

/// Checks what [`write_every_type`] wrote, after a restart.
fn check_every_type(con: &mut redis::Connection) {
    assert_eq!(cmd::<String>(con, &["GET", "str"]), "hello");
    assert_eq!(cmd::<String>(con, &["GET", "int"]), "-12345");
    let ttl: i64 = cmd(con, &["TTL", "ttl"]);
    assert!((900..=1000).contains(&ttl), "ttl {ttl}");
    let ttl: i64 = cmd(con, &["TTL", "hash"]);
    assert!((1900..=2000).contains(&ttl), "hash ttl {ttl}");
    assert_eq!(cmd::<i64>(con, &["EXISTS", "gone"]), 0, "a key that expired while down is gone");
    assert_eq!(cmd::<Vec<String>>(con, &["LRANGE", "list", "0", "-1"]), ["a", "b", "c"]);
    assert_eq!(cmd::<Vec<String>>(con, &["HGETALL", "hash"]), ["f1", "v1", "f2", "v2"]);
    assert_eq!(cmd::<Vec<String>>(con, &["SORT", "ints"]), ["1", "2", "3"]);
    assert_eq!(cmd::<Vec<String>>(con, &["SORT", "strs", "ALPHA"]), ["x", "y"]);
    assert_eq!(cmd::<Vec<String>>(con, &["ZRANGE", "zset", "0", "-1", "WITHSCORES"]), ["b", "-inf", "a", "1.5"]);
    assert_eq!(cmd::<i64>(con, &["TTL", "str"]), -1);
    assert_eq!(cmd::<i64>(con, &["XLEN", "stream"]), 2);
    // One entry delivered to alice and not acknowledged: [count, first, last, [[alice, 1]]].
    let pending: Value = cmd(con, &["XPENDING", "stream", "grp"]);
    let Value::Array(items) = pending else { panic!("XPENDING replied {pending:?}") };
    assert_eq!(items[0], Value::Int(1));
    assert_eq!(items[1], Value::BulkString(b"1-1".to_vec()));
    let _: () = cmd(con, &["SELECT", "5"]);
    assert_eq!(cmd::<String>(con, &["GET", "in5"]), "five");
    let _: () = cmd(con, &["SELECT", "0"]);
}

server_test!(save_then_restart_keeps_every_type_with_its_ttl, |srv| {
    let mut con = srv.client();
    write_every_type(&mut con);
    assert_eq!(cmd::<String>(&mut con, &["SAVE"]), "OK");
    assert!(data_dir(srv).join("dump.rdb").exists());
    std::thread::sleep(Duration::from_millis(100));
    let again = srv.restart(|_| {});
    check_every_type(&mut again.client());
});

server_test!(bgsave_saves_in_the_background_and_lastsave_moves, |srv| {
    let mut con = srv.client();
    let before: i64 = cmd(&mut con, &["LASTSAVE"]);
    write_every_type(&mut con);
    assert_ne!(info_field(&mut con, "rdb_changes_since_last_save"), "0");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(cmd::<String>(&mut con, &["BGSAVE"]), "Background saving started");
    wait_info(&mut con, "rdb_bgsave_in_progress", "0");
    assert_eq!(info_field(&mut con, "rdb_last_bgsave_status"), "ok");
    assert_eq!(info_field(&mut con, "rdb_changes_since_last_save"), "0");
    assert_eq!(info_field(&mut con, "rdb_saves"), "1");
    assert!(cmd::<i64>(&mut con, &["LASTSAVE"]) > before);
    std::thread::sleep(Duration::from_millis(100));
    let again = srv.restart(|_| {});
    check_every_type(&mut again.client());
});

server_test!(bgsave_schedule_and_errors_are_redis_s, |srv| {
    let mut con = srv.client();
    let e = redis::cmd("BGSAVE").arg("NOW").query::<Value>(&mut con).unwrap_err();
    assert_eq!(e.to_string(), "An error was signalled by the server - ResponseError: syntax error");
    let ok: String = cmd(&mut con, &["BGSAVE", "SCHEDULE"]);
    assert_eq!(ok, "Background saving started");
    wait_info(&mut con, "rdb_bgsave_in_progress", "0");
});

server_test!(save_points_trigger_a_background_save, |cfg| { cfg.save = "1 3".into() }, |srv| {
    let mut con = srv.client();
    for i in 0..3 {
        let _: () = cmd(&mut con, &["SET", &format!("k{i}"), "v"]);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while info_field(&mut con, "rdb_saves") == "0" {
        assert!(Instant::now() < deadline, "no save after 3 changes with `save 1 3`");
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_info(&mut con, "rdb_bgsave_in_progress", "0");
    let again = srv.restart(|_| {});
    assert_eq!(cmd::<i64>(&mut again.client(), &["DBSIZE"]), 3);
});

server_test!(bgsave_keeps_serving_clients_while_it_writes, |srv| {
    let mut con = srv.client();
    let keys = 100_000;
    for chunk in 0..keys / 1000 {
        let mut pipe = redis::pipe();
        for i in chunk * 1000..(chunk + 1) * 1000 {
            pipe.cmd("SET").arg(format!("key:{i}")).arg("xxxxxxxxxxxxxxxxxxxxxxxx").ignore();
        }
        let _: () = pipe.query(&mut con).unwrap();
    }
    assert_eq!(cmd::<String>(&mut con, &["BGSAVE"]), "Background saving started");
    // Clients are served meanwhile: writes during the save land, and are not in the file.
    let mut other = srv.client();
    let mut served = 0;
    while info_field(&mut con, "rdb_bgsave_in_progress") == "1" || served == 0 {
        let _: () = cmd(&mut other, &["SET", &format!("during:{served}"), "1"]);
        assert_eq!(cmd::<String>(&mut other, &["PING"]), "PONG");
        served += 1;
    }
    assert_eq!(info_field(&mut con, "rdb_last_bgsave_status"), "ok");
    let again = srv.restart(|_| {});
    let mut con = again.client();
    let size: i64 = cmd(&mut con, &["DBSIZE"]);
    assert!(size >= keys as i64 && size <= keys as i64 + served, "{size}");
    assert_eq!(cmd::<String>(&mut con, &["GET", "key:99999"]), "xxxxxxxxxxxxxxxxxxxxxxxx");
});

server_test!(the_aof_replays_every_write_after_a_restart, |cfg| { cfg.appendonly = true }, |srv| {
    let mut con = srv.client();
    write_every_type(&mut con);
    let _: i64 = cmd(&mut con, &["INCR", "counter"]);
    let _: i64 = cmd(&mut con, &["INCRBY", "counter", "41"]);
    let _: String = cmd(&mut con, &["INCRBYFLOAT", "float", "1.5"]);
    let _: Vec<String> = cmd(&mut con, &["SPOP", "strs", "1"]);
    let _: bool = cmd(&mut con, &["EXPIRE", "str", "500"]);
    let _: () = cmd(&mut con, &["MULTI"]);
    let _: () = cmd(&mut con, &["SET", "tx1", "a"]);
    let _: () = cmd(&mut con, &["SET", "tx2", "b"]);
    let _: Value = cmd(&mut con, &["EXEC"]);
    let spop_left: Vec<String> = cmd(&mut con, &["SMEMBERS", "strs"]);
    let again = srv.restart(|_| {});
    let mut con = again.client();
    assert_eq!(cmd::<String>(&mut con, &["GET", "counter"]), "42");
    assert_eq!(cmd::<String>(&mut con, &["GET", "float"]), "1.5");
    assert_eq!(cmd::<Vec<String>>(&mut con, &["SMEMBERS", "strs"]), spop_left);
    let ttl: i64 = cmd(&mut con, &["TTL", "str"]);
    assert!((400..=500).contains(&ttl), "{ttl}");
    assert_eq!(cmd::<Vec<String>>(&mut con, &["MGET", "tx1", "tx2"]), ["a", "b"]);
    assert_eq!(cmd::<String>(&mut con, &["GET", "int"]), "-12345");
    assert_eq!(cmd::<Vec<String>>(&mut con, &["LRANGE", "list", "0", "-1"]), ["a", "b", "c"]);
    assert_eq!(info_field(&mut con, "aof_enabled"), "1");
});

/// The names of the AOF directory's files, sorted.
fn aof_files(srv: &TestServer) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data_dir(srv).join("appendonlydir"))
        .expect("the AOF directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

server_test!(bgrewriteaof_compacts_the_log_and_keeps_the_data, |cfg| { cfg.appendonly = true }, |srv| {
    let mut con = srv.client();
    wait_info(&mut con, "aof_rewrite_in_progress", "0");
    for _ in 0..500 {
        let _: i64 = cmd(&mut con, &["INCR", "counter"]);
    }
    let _: i64 = cmd(&mut con, &["RPUSH", "list", "a", "b"]);
    let incr = data_dir(srv).join("appendonlydir");
    let size_before: u64 = std::fs::read_dir(&incr).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert_eq!(cmd::<String>(&mut con, &["BGREWRITEAOF"]), "Background append only file rewriting started");
    wait_info(&mut con, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut con, "aof_last_bgrewrite_status"), "ok");
    let _: i64 = cmd(&mut con, &["INCR", "counter"]);
    let files = aof_files(srv);
    assert_eq!(files.iter().filter(|f| f.ends_with(".base.rdb")).count(), 1, "{files:?}");
    assert_eq!(files.iter().filter(|f| f.ends_with(".incr.aof")).count(), 1, "{files:?}");
    let size_after: u64 = std::fs::read_dir(&incr).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(size_after < size_before, "{size_after} >= {size_before}");
    let again = srv.restart(|_| {});
    let mut con = again.client();
    assert_eq!(cmd::<String>(&mut con, &["GET", "counter"]), "501");
    assert_eq!(cmd::<Vec<String>>(&mut con, &["LRANGE", "list", "0", "-1"]), ["a", "b"]);
});

/// INCRs `counter` until INFO counts one more AOF rewrite than before; returns how many.
fn incr_until_rewritten(con: &mut redis::Connection) -> i64 {
    wait_info(con, "aof_rewrite_in_progress", "0");
    let _: () = cmd(con, &["CONFIG", "SET", "auto-aof-rewrite-min-size", "4kb"]);
    let rewrites: u64 = info_field(con, "aof_rewrites").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut n = 0;
    while info_field(con, "aof_rewrites").parse::<u64>().unwrap() == rewrites {
        assert!(Instant::now() < deadline, "no automatic rewrite after {n} INCRs");
        for _ in 0..100 {
            let _: i64 = cmd(con, &["INCR", "counter"]);
            n += 1;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    wait_info(con, "aof_rewrite_in_progress", "0");
    n
}

server_test!(the_aof_is_rewritten_automatically_when_it_doubles, |cfg| { cfg.appendonly = true }, |srv| {
    let n = incr_until_rewritten(&mut srv.client());
    let again = srv.restart(|_| {});
    assert_eq!(cmd::<i64>(&mut again.client(), &["GET", "counter"]), n);
});

server_test!(the_aof_loaded_at_start_is_rewritten_automatically_too, |cfg| { cfg.appendonly = true }, |srv| {
    let mut con = srv.client();
    wait_info(&mut con, "aof_rewrite_in_progress", "0");
    for _ in 0..100 {
        let _: i64 = cmd(&mut con, &["INCR", "counter"]);
    }
    // The restarted server appends to the incremental file it loaded, and counts it.
    let again = srv.restart(|_| {});
    let n = incr_until_rewritten(&mut again.client());
    let third = again.restart(|_| {});
    assert_eq!(cmd::<i64>(&mut third.client(), &["GET", "counter"]), n + 100);
});

server_test!(config_set_appendonly_yes_starts_the_aof_at_run_time, |srv| {
    let mut con = srv.client();
    let _: () = cmd(&mut con, &["SET", "before", "1"]);
    assert_eq!(info_field(&mut con, "aof_enabled"), "0");
    let _: () = cmd(&mut con, &["CONFIG", "SET", "appendonly", "yes"]);
    wait_info(&mut con, "aof_rewrite_in_progress", "0");
    assert_eq!(info_field(&mut con, "aof_enabled"), "1");
    let _: () = cmd(&mut con, &["SET", "after", "2"]);
    let again = srv.restart(|c| c.appendonly = true);
    let mut con = again.client();
    assert_eq!(cmd::<Vec<String>>(&mut con, &["MGET", "before", "after"]), ["1", "2"]);
    // And off again: nothing more is logged.
    let _: () = cmd(&mut con, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut con, "aof_enabled"), "0");
    let _: () = cmd(&mut con, &["SET", "unlogged", "3"]);
    let third = again.restart(|c| c.appendonly = true);
    assert_eq!(cmd::<i64>(&mut third.client(), &["EXISTS", "unlogged"]), 0);
});

server_test!(shutdown_save_writes_the_rdb_and_stops_the_server, |srv| {
    let mut con = srv.client();
    write_every_type(&mut con);
    let mut raw = srv.raw();
    raw.send(b"SHUTDOWN SAVE\r\n");
    // No reply: the connection closes once the server has saved.
    let mut buf = [0u8; 16];
    let n = std::io::Read::read(&mut raw.stream, &mut buf).unwrap_or(0);
    assert_eq!(n, 0, "SHUTDOWN replied {:?}", &buf[..n]);
    srv.wait_stopped();
    assert!(data_dir(srv).join("dump.rdb").exists());
    std::thread::sleep(Duration::from_millis(100));
    let again = srv.restart(|_| {});
    check_every_type(&mut again.client());
});

server_test!(shutdown_nosave_writes_nothing, |cfg| { cfg.save = "3600 1".into() }, |srv| {
    let mut con = srv.client();
    let _: () = cmd(&mut con, &["SET", "k", "v"]);
    let mut raw = srv.raw();
    raw.send(b"SHUTDOWN NOSAVE\r\n");
    let mut buf = [0u8; 16];
    assert_eq!(std::io::Read::read(&mut raw.stream, &mut buf).unwrap_or(0), 0);
    srv.wait_stopped();
    assert!(!data_dir(srv).join("dump.rdb").exists());
});

server_test!(shutdown_arguments_are_checked_like_redis, |srv| {
    let mut con = srv.client();
    for (args, message) in [
        (&["SHUTDOWN", "ABORT"][..], "No shutdown in progress."),
        (&["SHUTDOWN", "SAVE", "NOSAVE"][..], "syntax error"),
        (&["SHUTDOWN", "LATER"][..], "syntax error"),
        (&["SHUTDOWN", "ABORT", "NOW"][..], "syntax error"),
    ] {
        let mut c = redis::cmd(args[0]);
        for a in &args[1..] {
            c.arg(*a);
        }
        let err = c.query::<Value>(&mut con).unwrap_err();
        assert!(err.to_string().ends_with(message), "{args:?}: {err}");
    }
    assert_eq!(cmd::<String>(&mut con, &["PING"]), "PONG");
});

server_test!(info_persistence_has_redis_s_fields, |srv| {
    let mut con = srv.client();
    for name in [
        "loading",
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
        "rdb_last_save_time",
        "rdb_last_bgsave_status",
        "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec",
        "aof_enabled",
        "aof_rewrite_in_progress",
        "aof_rewrite_scheduled",
        "aof_last_rewrite_time_sec",
        "aof_current_rewrite_time_sec",
        "aof_last_bgrewrite_status",
        "aof_last_write_status",
    ] {
        info_field(&mut con, name);
    }
    let _: () = cmd(&mut con, &["SET", "a", "1"]);
    let _: () = cmd(&mut con, &["MSET", "b", "1", "c", "2"]);
    assert_eq!(info_field(&mut con, "rdb_changes_since_last_save"), "3");
});

/// Copies a fixture produced by real Redis 7.0.15 into `dir`.
fn copy_fixture(name: &str, dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/redis-7.0.15").join(name);
    if src.is_dir() {
        let dst = dir.join(name);
        std::fs::create_dir_all(&dst).unwrap();
        for e in std::fs::read_dir(&src).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    } else {
        std::fs::copy(&src, dir.join(name)).unwrap();
    }
}

/// Spot checks of the fixture's data (the full comparison with `dump.expected.json` is a
/// unit test of the loaders).
fn check_redis_fixture(con: &mut redis::Connection) {
    assert_eq!(cmd::<String>(con, &["GET", "str:short"]), "hello");
    assert_eq!(cmd::<i64>(con, &["LLEN", "list:big"]), 1000);
    assert_eq!(cmd::<i64>(con, &["HLEN", "hash:big"]), 600);
    assert_eq!(cmd::<i64>(con, &["ZCARD", "zset:big"]), 300);
    assert_eq!(cmd::<i64>(con, &["PEXPIRETIME", "str:ttl"]), 4102444800000);
    assert_eq!(cmd::<String>(con, &["TYPE", "stream:1"]), "stream");
    let _: () = cmd(con, &["SELECT", "3"]);
    assert_eq!(cmd::<i64>(con, &["EXISTS", "db3:key"]), 1);
    let _: () = cmd(con, &["SELECT", "0"]);
}

server_test!(a_dump_rdb_written_by_redis_7_loads, |srv| {
    let dir = data_dir(srv);
    copy_fixture("dump.rdb", &dir);
    let again = srv.restart(|_| {});
    check_redis_fixture(&mut again.client());
});

server_test!(an_aof_directory_written_by_redis_7_loads, |srv| {
    let dir = data_dir(srv);
    copy_fixture("appendonlydir", &dir);
    let again = srv.restart(|c| c.appendonly = true);
    let mut con = again.client();
    check_redis_fixture(&mut con);
    // Tandem appends to it, and reads back what it appended.
    let _: () = cmd(&mut con, &["SET", "tandem", "was here"]);
    let third = again.restart(|_| {});
    let mut con = third.client();
    assert_eq!(cmd::<String>(&mut con, &["GET", "tandem"]), "was here");
    check_redis_fixture(&mut con);
});

// Changes counted by pipelined fast commands reach `rdb_changes_since_last_save` before
// a command behind them reads it (one each, as in Redis).
server_test!(pipelined_changes_are_counted_before_info_persistence, |srv| {
    let mut c = srv.raw();
    c.send(b"SAVE\r\nSET a 1\r\nRPUSH l x\r\nINCR n\r\nINFO persistence\r\n");
    for _ in 0..4 {
        c.read_frame();
    }
    let Frame::Bulk(info) = c.read_frame() else { panic!("INFO must reply with a bulk string") };
    let info = String::from_utf8(info.to_vec()).expect("utf-8");
    assert!(info.contains("rdb_changes_since_last_save:3\r\n"), "{info}");
});

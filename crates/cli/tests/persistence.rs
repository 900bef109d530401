//! Persistence through the real binary: `kill -9` under a write load loses no acknowledged
//! write (`appendfsync always`), SIGTERM writes the final RDB that the next start loads, and
//! a damaged RDB stops the server from starting over it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::TANDEM;

const COMBINATIONS: &[(&str, &str)] =
    &[("eventloop", "mutex"), ("eventloop", "lockfree"), ("threaded", "mutex"), ("threaded", "lockfree")];

/// A fresh directory for one test's data.
fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tandem-cli-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the data directory");
    dir
}

/// A running `tandem` process and the address it serves.
struct Tandem {
    child: Child,
    addr: String,
}

impl Tandem {
    /// Starts `tandem` with `config` (redis.conf lines) and `--dir dir`, on a free port.
    fn start(mode: &str, store: &str, dir: &Path, config: &str) -> Tandem {
        let conf = dir.join("tandem.conf");
        std::fs::write(&conf, config).expect("write the config file");
        let common::Started { child, addr, mut log, .. } = common::start(&[
            conf.as_os_str(),
            "--mode".as_ref(),
            mode.as_ref(),
            "--store".as_ref(),
            store.as_ref(),
            "--dir".as_ref(),
            dir.as_os_str(),
        ]);
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        Tandem { child, addr }
    }

    fn connect(&self) -> Conn {
        Conn::new(&self.addr)
    }

    fn kill9(mut self) {
        // SAFETY: signalling the child we spawned.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    fn terminate(mut self) -> Option<i32> {
        // SAFETY: signalling the child we spawned.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        self.child.wait().expect("wait").code()
    }
}

impl Drop for Tandem {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal RESP client: enough for status, integer and bulk replies.
struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    fn new(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        Conn { stream: BufReader::new(stream) }
    }

    /// Sends a command; its reply line (`+OK`, `:3`, `$5` then the bulk), or `None` once the
    /// connection is gone.
    fn call(&mut self, words: &[&str]) -> Option<String> {
        let mut out = format!("*{}\r\n", words.len());
        for w in words {
            out.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
        self.stream.get_mut().write_all(out.as_bytes()).ok()?;
        let mut line = String::new();
        if self.stream.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if let Some(len) = line.strip_prefix('$') {
            let len: i64 = len.parse().ok()?;
            if len < 0 {
                return Some("(nil)".into());
            }
            let mut bulk = vec![0; len as usize + 2];
            self.stream.read_exact(&mut bulk).ok()?;
            return Some(String::from_utf8_lossy(&bulk[..len as usize]).into_owned());
        }
        Some(line)
    }
}

/// `kill -9` at random moments under a write load, then restart: every write a client got
/// a reply for is there. Several rounds on the same data, every mode × store.
#[test]
fn no_acknowledged_write_is_lost_to_kill_9_with_appendfsync_always() {
    const ROUNDS: usize = 4;
    const WRITERS: usize = 3;
    for &(mode, store) in COMBINATIONS {
        let dir = data_dir(&format!("kill9-{mode}-{store}"));
        let config = "appendonly yes\nappendfsync always\nsave \"\"\n";
        // Per writer: the highest counter value acknowledged so far.
        let mut acked = [0i64; WRITERS];
        for round in 0..ROUNDS {
            let server = Tandem::start(mode, store, &dir, config);
            // What the last round acknowledged survived the kill.
            let mut check = server.connect();
            for (w, slot) in acked.iter_mut().enumerate() {
                let n = *slot;
                let got: i64 = check.call(&["GET", &format!("counter:{w}")]).map_or(0, |v| v.parse().unwrap_or(0));
                assert!(got >= n, "{mode}/{store} round {round}: counter:{w} is {got}, {n} was acknowledged");
                // At most the one write in flight at the kill may have landed unacknowledged.
                assert!(got <= n + 1, "{mode}/{store} round {round}: counter:{w} is {got}, only {n} written");
                if n > 0 {
                    let key = format!("key:{w}:{n}");
                    assert_eq!(check.call(&["GET", &key]).as_deref(), Some(n.to_string().as_str()), "{key}");
                }
                *slot = got;
            }
            let stop = Arc::new(AtomicBool::new(false));
            let writers: Vec<_> = (0..WRITERS)
                .map(|w| {
                    let addr = server.addr.clone();
                    let stop = stop.clone();
                    let start = acked[w];
                    std::thread::spawn(move || {
                        let mut con = Conn::new(&addr);
                        let mut last = start;
                        while !stop.load(Ordering::Relaxed) {
                            // SET first, then INCR: an acknowledged counter value n means
                            // key:w:n was acknowledged before it.
                            let key = format!("key:{w}:{}", last + 1);
                            if con.call(&["SET", &key, &(last + 1).to_string()]).as_deref() != Some("+OK") {
                                break;
                            }
                            match con.call(&["INCR", &format!("counter:{w}")]) {
                                Some(reply) if reply.starts_with(':') => last = reply[1..].parse().expect("integer"),
                                _ => break,
                            }
                        }
                        last
                    })
                })
                .collect();
            std::thread::sleep(Duration::from_millis(100 + rand_below(300)));
            server.kill9();
            stop.store(true, Ordering::Relaxed);
            for (w, t) in writers.into_iter().enumerate() {
                acked[w] = t.join().expect("writer");
            }
            assert!(acked.iter().any(|&n| n > 0), "{mode}/{store}: no write was acknowledged before the kill");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A small random number without a dependency: the clock's nanoseconds.
fn rand_below(n: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    u64::from(nanos) % n
}

/// SIGTERM with save points configured writes dump.rdb; the next start loads it.
#[test]
fn sigterm_saves_the_rdb_and_the_next_start_loads_it() {
    for &(mode, store) in COMBINATIONS {
        let dir = data_dir(&format!("sigterm-{mode}-{store}"));
        let server = Tandem::start(mode, store, &dir, "save 3600 1\n");
        let mut con = server.connect();
        assert_eq!(con.call(&["SET", "k", "v"]).as_deref(), Some("+OK"));
        assert_eq!(con.call(&["RPUSH", "l", "a", "b"]).as_deref(), Some(":2"));
        assert_eq!(server.terminate(), Some(0), "{mode}/{store}");
        assert!(dir.join("dump.rdb").exists(), "{mode}/{store}: no dump.rdb after SIGTERM");
        let server = Tandem::start(mode, store, &dir, "save 3600 1\n");
        let mut con = server.connect();
        assert_eq!(con.call(&["GET", "k"]).as_deref(), Some("v"), "{mode}/{store}");
        assert_eq!(con.call(&["LLEN", "l"]).as_deref(), Some(":2"), "{mode}/{store}");
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A truncated dump.rdb: the server names the file and offset and exits non-zero instead
/// of starting empty over the user's data.
#[test]
fn a_damaged_rdb_refuses_to_load_and_the_server_exits_1() {
    let dir = data_dir("damaged");
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/redis-7.0.15/dump.rdb");
    let bytes = std::fs::read(good).expect("the fixture");
    std::fs::write(dir.join("dump.rdb"), &bytes[..bytes.len() / 2]).expect("write");
    let out = Command::new(TANDEM)
        .args(["--dir"])
        .arg(&dir)
        .env("TANDEM_PORT", "0")
        .env_remove("RUST_LOG")
        .output()
        .expect("run tandem");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("dump.rdb") && log.contains("offset"), "{log}");
    assert!(!log.contains("Ready to accept connections"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

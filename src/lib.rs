//! Test harness: starts Tandem servers in-process on ephemeral loopback ports, in every
//! mode × store combination, and gives tests a raw socket or a `redis` client to them.
//!
//! Every integration test is written once with [`server_test!`], which expands it into one
//! `#[test]` per combination (`<name>::eventloop_mutex`, ...), so a failure names the
//! combination and combinations run in parallel.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use bytes::Bytes;
pub use resp::Frame;
use store::{Config, ConfigValues, Engine, Mode};

/// Every combination the suite runs against.
pub const COMBINATIONS: &[(Mode, &str)] = &[
    (Mode::EventLoop, "mutex"),
    (Mode::EventLoop, "lockfree"),
    (Mode::Threaded, "mutex"),
    (Mode::Threaded, "lockfree"),
];

enum Handle {
    EventLoop(server_eventloop::ServerHandle),
    Threaded(server_threaded::ServerHandle),
}

/// A running server; shut down and joined on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub engine: Arc<Engine>,
    pub mode: Mode,
    pub store: &'static str,
    handle: Handle,
    thread: parking_lot::Mutex<Option<JoinHandle<std::io::Result<()>>>>,
    /// The temporary `dir` the harness made (removed on drop); `None` if the test chose one.
    owned_dir: Option<std::path::PathBuf>,
}

impl TestServer {
    /// Starts a server of `mode` over `store` with default configuration.
    pub fn start(mode: Mode, store: &'static str) -> TestServer {
        TestServer::start_with(mode, store, |_| {})
    }

    /// Starts a server after `configure` adjusts its configuration. By default it saves
    /// nothing (`save ""`) and its `dir` is a fresh temporary directory; a test of
    /// persistence sets both, and a server started again on the same `dir` loads what the
    /// last one left there.
    pub fn start_with(mode: Mode, store: &'static str, configure: impl FnOnce(&mut ConfigValues)) -> TestServer {
        let default_dir = temp_dir("server").to_string_lossy().into_owned();
        let mut values = ConfigValues {
            mode,
            store: store.to_string(),
            port: 0,
            save: String::new(),
            dir: default_dir.clone(),
            ..ConfigValues::default()
        };
        configure(&mut values);
        let owned_dir = if values.dir == default_dir {
            Some(std::path::PathBuf::from(&default_dir))
        } else {
            let _ = std::fs::remove_dir(&default_dir);
            None
        };
        let databases = values.databases;
        let engine = Engine::new(Config::new(values), store::open_store(store, databases).expect("store"));
        store::persist::load_at_start(&engine).expect("load the data directory");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (handle, thread) = match mode {
            Mode::EventLoop => {
                let server = server_eventloop::Server::from_listener(engine.clone(), listener).expect("server");
                let handle = Handle::EventLoop(server.handle());
                (handle, std::thread::Builder::new().name("eventloop".into()).spawn(move || server.run()))
            }
            Mode::Threaded => {
                let server = server_threaded::Server::from_listener(engine.clone(), listener).expect("server");
                let handle = Handle::Threaded(server.handle());
                (handle, std::thread::Builder::new().name("threaded".into()).spawn(move || server.run()))
            }
        };
        TestServer {
            addr,
            engine,
            mode,
            store,
            handle,
            thread: parking_lot::Mutex::new(Some(thread.expect("spawn"))),
            owned_dir,
        }
    }

    /// A `redis` crate connection.
    pub fn client(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://{}/", self.addr)).expect("client");
        client.get_connection_with_timeout(Duration::from_secs(10)).expect("connect")
    }

    /// A raw socket connection.
    pub fn raw(&self) -> RawConn {
        RawConn::connect(self.addr)
    }

    /// Stops the server and waits for it (no final save: like a crash after the last
    /// acknowledged write, for the data directory).
    pub fn stop(&self) {
        match &self.handle {
            Handle::EventLoop(h) => h.shutdown(),
            Handle::Threaded(h) => h.shutdown(),
        }
        if let Some(t) = self.thread.lock().take() {
            t.join().expect("server thread panicked").expect("server run failed");
        }
        // A background save or rewrite would go on writing into the directory the next
        // server loads (in a real process, exiting ends it).
        while self.engine.persist.snapshot_busy() {
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the server to stop by itself (after SHUTDOWN).
    pub fn wait_stopped(&self) {
        if let Some(t) = self.thread.lock().take() {
            t.join().expect("server thread panicked").expect("server run failed");
        }
    }

    /// Stops this server and starts another of the same mode and store on the same data
    /// directory with the same persistence settings, then `configure`d: a restart.
    pub fn restart(&self, configure: impl FnOnce(&mut ConfigValues)) -> TestServer {
        self.stop();
        let old = self.engine.config.get();
        TestServer::start_with(self.mode, self.store, |c| {
            c.dir = old.dir.clone();
            c.dbfilename = old.dbfilename.clone();
            c.save = old.save.clone();
            c.appendonly = old.appendonly;
            c.appendfsync = old.appendfsync.clone();
            configure(c);
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(t) = self.thread.lock().take() {
            match &self.handle {
                Handle::EventLoop(h) => h.shutdown(),
                Handle::Threaded(h) => h.shutdown(),
            }
            let _ = t.join();
        }
        if let Some(dir) = &self.owned_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A new empty directory under the system's temporary directory, unique to this process
/// and call. Tests remove what they made when they pass; a failed test's files stay as
/// evidence.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tandem-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// A plain TCP connection speaking raw RESP bytes.
pub struct RawConn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

/// How long a raw read waits before a test fails (generous: CI machines are slow).
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

impl RawConn {
    pub fn connect(addr: SocketAddr) -> RawConn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(READ_TIMEOUT)).expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        RawConn { stream, buf: Vec::new() }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends a command as a RESP multibulk.
    pub fn send_cmd(&mut self, words: &[&[u8]]) {
        let mut out = format!("*{}\r\n", words.len()).into_bytes();
        for w in words {
            out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
            out.extend_from_slice(w);
            out.extend_from_slice(b"\r\n");
        }
        self.send(&out);
    }

    /// Sends a command and reads its reply.
    pub fn cmd(&mut self, words: &[&str]) -> Frame {
        let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        self.send_cmd(&words);
        self.read_frame()
    }

    /// Reads one complete reply frame.
    pub fn read_frame(&mut self) -> Frame {
        loop {
            if let Some((frame, used)) = resp::parse_frame(&self.buf).expect("server sent invalid RESP") {
                self.buf.drain(..used);
                return frame;
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "connection closed while waiting for a reply");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads exactly `expected.len()` bytes and compares them.
    pub fn expect(&mut self, expected: &[u8]) {
        let deadline = Instant::now() + READ_TIMEOUT;
        while self.buf.len() < expected.len() && Instant::now() < deadline {
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "connection closed; got so far {:?}", String::from_utf8_lossy(&self.buf));
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let got: Vec<u8> = self.buf.drain(..expected.len().min(self.buf.len())).collect();
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(expected));
    }

    /// True once the server has closed the connection (reads until EOF, discarding data).
    pub fn closed_by_server(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

/// Expands a test body into one `#[test]` per mode × store combination. The body gets
/// `srv: &TestServer`.
#[macro_export]
macro_rules! server_test {
    ($name:ident, |$srv:ident| $body:block) => {
        $crate::server_test!($name, |_cfg| {}, |$srv| $body);
    };
    ($name:ident, |$cfg:ident| $configure:block, |$srv:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($srv: &$crate::TestServer) $body
            fn configure($cfg: &mut store::ConfigValues) $configure
            #[test]
            fn eventloop_mutex() {
                body(&$crate::TestServer::start_with(store::Mode::EventLoop, "mutex", configure));
            }
            #[test]
            fn eventloop_lockfree() {
                body(&$crate::TestServer::start_with(store::Mode::EventLoop, "lockfree", configure));
            }
            #[test]
            fn threaded_mutex() {
                body(&$crate::TestServer::start_with(store::Mode::Threaded, "mutex", configure));
            }
            #[test]
            fn threaded_lockfree() {
                body(&$crate::TestServer::start_with(store::Mode::Threaded, "lockfree", configure));
            }
        }
    };
}

/// Small helpers the integration tests share.
pub mod helpers {
    use std::io::Write;
    use std::time::{Duration, Instant};

    use super::{Frame, RawConn, TestServer};

    /// Sends every command in one write (from a second thread, so that neither side can stall
    /// on a full socket buffer) and reads all their replies.
    pub fn pipeline(c: &mut RawConn, commands: &[Vec<String>]) -> Vec<Frame> {
        let mut bytes = Vec::new();
        for words in commands {
            bytes.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
            for w in words {
                bytes.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
            }
        }
        let mut writer = c.stream.try_clone().expect("clone the stream");
        let sender = std::thread::spawn(move || writer.write_all(&bytes));
        let replies = commands.iter().map(|_| c.read_frame()).collect();
        sender.join().expect("writer thread").expect("write the pipeline");
        replies
    }

    /// Sends a command and compares its reply byte for byte.
    pub fn expect_reply(c: &mut RawConn, words: &[&str], reply: &[u8]) {
        let words: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        c.send_cmd(&words);
        c.expect(reply);
    }

    pub fn bulks(items: &[&str]) -> Frame {
        Frame::Array(items.iter().map(Frame::bulk).collect())
    }

    pub fn texts(frame: Frame) -> Vec<String> {
        match frame {
            Frame::Array(items) => items.iter().map(text).collect(),
            other => panic!("expected an array, got {other:?}"),
        }
    }

    pub fn text(frame: &Frame) -> String {
        match frame {
            Frame::Bulk(b) => String::from_utf8(b.to_vec()).expect("utf-8"),
            other => panic!("expected a bulk string, got {other:?}"),
        }
    }

    pub fn sorted(mut items: Vec<String>) -> Vec<String> {
        items.sort();
        items
    }

    pub fn bulk(s: &str) -> Frame {
        Frame::bulk(s)
    }

    /// Waits (bounded) until the server reports `n` blocked clients.
    pub fn wait_blocked(srv: &TestServer, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if srv.engine.blocked.len() == n {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("expected {n} blocked clients, have {}", srv.engine.blocked.len());
    }

    /// The exact error line of a command that must fail (`ERR syntax error`).
    pub fn error_of(cmd: &redis::Cmd, con: &mut redis::Connection) -> String {
        let err = cmd.query::<redis::Value>(con).expect_err("expected an error reply");
        format!("{} {}", err.code().unwrap_or("?"), err.detail().unwrap_or(""))
    }
}

//! The event-loop server through real sockets: framing, pipelining, protocol errors, limits,
//! timeouts, CLIENT KILL and shutdown. Each test starts its own server on an ephemeral port.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use server_eventloop::{Server, ServerHandle, REPLY_PAUSE_BOUND};
use store::config::OutputLimit;
use store::{Config, ConfigValues, Engine};

/// How long any single wait may take before a test fails: generous, so slow machines pass.
const PATIENCE: Duration = Duration::from_secs(20);

struct Running {
    engine: Arc<Engine>,
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    fn start(values: ConfigValues) -> Running {
        let store = store::open_store("mutex", 16).expect("store");
        let engine = Engine::new(Config::new(ConfigValues { port: 0, ..values }), store);
        let server = Server::bind(engine.clone()).expect("bind");
        let addr = server.local_addr();
        let handle = server.handle();
        let thread = std::thread::spawn(move || server.run());
        Running { engine, addr, handle, thread: Some(thread) }
    }

    fn default() -> Running {
        Running::start(ConfigValues::default())
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(PATIENCE)).expect("timeout");
        s.set_write_timeout(Some(PATIENCE)).expect("timeout");
        s.set_nodelay(true).expect("nodelay");
        s
    }

    /// A connection the server has registered (it answered a PING).
    fn client(&self) -> TcpStream {
        let mut s = self.connect();
        roundtrip(&mut s, &cmd(&["PING"]), b"+PONG\r\n");
        s
    }

    fn stat(&self, counter: impl Fn(&store::engine::Stats) -> &AtomicU64) -> u64 {
        counter(&self.engine.stats).load(Ordering::Relaxed)
    }

    fn stop(mut self) -> io::Result<()> {
        self.handle.shutdown();
        self.thread.take().expect("running").join().expect("server thread panicked")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.handle.shutdown();
            let _ = thread.join();
        }
    }
}

/// A request as a RESP multibulk.
fn cmd(words: &[&str]) -> Vec<u8> {
    cmd_bytes(&words.iter().map(|w| w.as_bytes()).collect::<Vec<_>>())
}

fn cmd_bytes(words: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn send(s: &mut TcpStream, data: &[u8]) {
    s.write_all(data).expect("write");
}

/// Reads exactly `want.len()` bytes and checks they are `want`.
fn expect(s: &mut TcpStream, want: &[u8]) {
    let mut got = vec![0; want.len()];
    s.read_exact(&mut got).expect("read reply");
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(want));
}

fn roundtrip(s: &mut TcpStream, request: &[u8], want: &[u8]) {
    send(s, request);
    expect(s, want);
}

/// The server closes the connection: the next read sees end of stream (or a reset).
fn expect_closed(s: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => panic!("expected the connection to close, got {:?}", String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => panic!("expected the connection to close, got {e}"),
        }
    }
}

/// Reads and discards until the server closes the connection.
fn drain_until_closed(s: &mut TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => panic!("expected the connection to close, got {e}"),
        }
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn bulk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

#[test]
fn ping_is_answered_with_pong() {
    let server = Running::default();
    let mut c = server.connect();
    roundtrip(&mut c, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn bind_stores_the_ephemeral_port_in_the_engine() {
    let server = Running::default();
    assert_ne!(server.addr.port(), 0);
    assert_eq!(server.engine.port.load(Ordering::Relaxed), server.addr.port());
}

#[test]
fn from_listener_serves_an_already_bound_socket() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let engine = Engine::new(
        Config::new(ConfigValues { port: 0, ..Default::default() }),
        store::open_store("mutex", 16).expect("store"),
    );
    let server = Server::from_listener(engine.clone(), listener).expect("server");
    assert_eq!(server.local_addr(), addr);
    assert_eq!(engine.port.load(Ordering::Relaxed), addr.port());
    let handle = server.handle();
    let thread = std::thread::spawn(move || server.run());
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(PATIENCE)).expect("timeout");
    roundtrip(&mut c, &cmd(&["PING"]), b"+PONG\r\n");
    handle.shutdown();
    thread.join().expect("join").expect("run");
}

#[test]
fn pipelined_requests_in_one_write_are_answered_in_order() {
    let server = Running::default();
    let mut c = server.connect();
    let mut requests = Vec::new();
    let mut replies = Vec::new();
    for i in 0..1000 {
        let word = i.to_string();
        requests.extend(cmd(&["ECHO", &word]));
        replies.extend(bulk(word.as_bytes()));
    }
    roundtrip(&mut c, &requests, &replies);
}

#[test]
fn inline_requests_are_split_like_redis() {
    let server = Running::default();
    let mut c = server.connect();
    roundtrip(&mut c, b"PING\r\n", b"+PONG\r\n");
    roundtrip(&mut c, b"set a \"b c\"\n", b"+OK\r\n");
    roundtrip(&mut c, b"GET a\r\n", b"$3\r\nb c\r\n");
}

#[test]
fn request_arriving_byte_by_byte_is_answered_once_complete() {
    let server = Running::default();
    let mut c = server.connect();
    for byte in cmd(&["SET", "key", "hello"]) {
        send(&mut c, &[byte]);
    }
    expect(&mut c, b"+OK\r\n");
    for byte in b"GET key\r\n" {
        send(&mut c, &[*byte]);
    }
    expect(&mut c, b"$5\r\nhello\r\n");
}

#[test]
fn protocol_error_is_replied_then_the_connection_closes() {
    let server = Running::default();
    let mut bystander = server.client();
    let mut c = server.connect();
    roundtrip(&mut c, b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n");
    expect_closed(&mut c);
    roundtrip(&mut bystander, &cmd(&["PING"]), b"+PONG\r\n");
    wait_until("the bad client is unregistered", || server.engine.clients.len() == 1);
}

#[test]
fn requests_before_a_protocol_error_are_answered_and_those_after_are_not() {
    let server = Running::default();
    let mut c = server.connect();
    let mut batch = cmd(&["SET", "before", "1"]);
    batch.extend_from_slice(b"*abc\r\n");
    batch.extend(cmd(&["SET", "after", "1"]));
    roundtrip(&mut c, &batch, b"+OK\r\n-ERR Protocol error: invalid multibulk length\r\n");
    expect_closed(&mut c);
    let mut other = server.client();
    roundtrip(&mut other, &cmd(&["EXISTS", "before", "after"]), b":1\r\n");
}

#[test]
fn bulk_longer_than_proto_max_bulk_len_is_a_protocol_error() {
    let server = Running::default();
    let mut c = server.connect();
    roundtrip(&mut c, b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n");
    expect_closed(&mut c);

    let server = Running::start(ConfigValues { proto_max_bulk_len: 1000, ..Default::default() });
    let mut c = server.connect();
    roundtrip(&mut c, &cmd(&["ECHO", &"x".repeat(1000)]), &bulk("x".repeat(1000).as_bytes()));
    roundtrip(&mut c, b"*2\r\n$4\r\nECHO\r\n$1001\r\n", b"-ERR Protocol error: invalid bulk length\r\n");
    expect_closed(&mut c);
}

#[test]
fn maxclients_refuses_the_extra_connection() {
    let server = Running::start(ConfigValues { maxclients: 2, ..Default::default() });
    let mut first = server.client();
    let mut second = server.client();
    let mut third = server.connect();
    expect(&mut third, b"-ERR max number of clients reached\r\n");
    expect_closed(&mut third);
    assert_eq!(server.stat(|s| &s.rejected_connections), 1);
    assert_eq!(server.stat(|s| &s.connections_received), 2);
    roundtrip(&mut second, &cmd(&["PING"]), b"+PONG\r\n");

    roundtrip(&mut first, &cmd(&["QUIT"]), b"+OK\r\n");
    expect_closed(&mut first);
    wait_until("the first client is unregistered", || server.engine.clients.len() == 1);
    let mut fourth = server.connect();
    roundtrip(&mut fourth, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn idle_client_is_closed_after_timeout() {
    let server = Running::start(ConfigValues { timeout: 1, ..Default::default() });
    let mut c = server.client();
    expect_closed(&mut c);
    wait_until("the idle client is unregistered", || server.engine.clients.is_empty());
}

#[test]
fn quit_replies_ok_and_closes_without_running_what_follows() {
    let server = Running::default();
    let mut c = server.connect();
    let mut batch = cmd(&["QUIT"]);
    batch.extend(cmd(&["SET", "after", "1"]));
    roundtrip(&mut c, &batch, b"+OK\r\n");
    expect_closed(&mut c);
    let mut other = server.client();
    roundtrip(&mut other, &cmd(&["EXISTS", "after"]), b":0\r\n");
}

#[test]
fn half_closed_client_still_gets_its_replies() {
    let server = Running::default();
    let mut c = server.connect();
    send(&mut c, &cmd(&["PING"]));
    c.shutdown(Shutdown::Write).expect("shutdown");
    expect(&mut c, b"+PONG\r\n");
    expect_closed(&mut c);
}

#[test]
fn client_kill_from_another_client_closes_it() {
    let server = Running::default();
    let mut victim = server.connect();
    send(&mut victim, &cmd(&["CLIENT", "ID"]));
    let mut reply = [0u8; 64];
    let n = victim.read(&mut reply).expect("read");
    let id = std::str::from_utf8(&reply[1..n - 2]).expect("utf8").to_string();
    let mut killer = server.client();
    roundtrip(&mut killer, &cmd(&["CLIENT", "KILL", "ID", &id]), b":1\r\n");
    expect_closed(&mut victim);
    wait_until("the victim is unregistered", || server.engine.clients.len() == 1);
    roundtrip(&mut killer, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn client_reply_off_and_skip_silence_replies() {
    let server = Running::default();
    let mut c = server.connect();
    let mut batch = cmd(&["CLIENT", "REPLY", "SKIP"]);
    batch.extend(cmd(&["ECHO", "skipped"]));
    batch.extend(cmd(&["ECHO", "one"]));
    batch.extend(cmd(&["CLIENT", "REPLY", "OFF"]));
    batch.extend(cmd(&["ECHO", "off"]));
    batch.extend(cmd(&["CLIENT", "REPLY", "ON"]));
    batch.extend(cmd(&["ECHO", "two"]));
    roundtrip(&mut c, &batch, b"$3\r\none\r\n+OK\r\n$3\r\ntwo\r\n");
}

#[test]
fn hello_3_switches_the_connection_to_resp3() {
    let server = Running::default();
    let mut c = server.connect();
    send(&mut c, &cmd(&["HELLO", "3"]));
    let mut first = [0u8; 1];
    c.read_exact(&mut first).expect("read");
    assert_eq!(first[0], b'%', "HELLO 3 replies with a RESP3 map");
}

#[test]
fn large_values_round_trip() {
    let server = Running::default();
    let mut c = server.connect();
    let value: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    roundtrip(&mut c, &cmd_bytes(&[b"SET", b"big", &value]), b"+OK\r\n");
    roundtrip(&mut c, &cmd(&["GET", "big"]), &bulk(&value));
}

#[test]
fn network_bytes_are_counted() {
    let server = Running::default();
    let mut c = server.connect();
    roundtrip(&mut c, b"PING\r\n", b"+PONG\r\n");
    // The server counts a write after making it, so the counter may trail the reply a little.
    wait_until("output is counted", || server.stat(|s| &s.net_output_bytes) >= 7);
    assert!(server.stat(|s| &s.net_input_bytes) >= 6);
}

#[test]
fn partial_request_is_published_as_qbuf() {
    let server = Running::default();
    let mut c = server.connect();
    send(&mut c, b"*2\r\n$4\r\nECHO\r\n$10\r\nabc");
    wait_until("the client is registered", || server.engine.clients.len() == 1);
    let info = server.engine.clients.all().pop().expect("client");
    wait_until("qbuf shows the partial argument", || info.details().qbuf == 3);
    roundtrip(&mut c, b"defghij\r\n", b"$10\r\nabcdefghij\r\n");
}

#[test]
fn query_buffer_limit_disconnects_the_client() {
    let server = Running::start(ConfigValues { client_query_buffer_limit: 1024 * 1024, ..Default::default() });
    let mut c = server.connect();
    send(&mut c, b"*2\r\n$4\r\nECHO\r\n$10000000\r\n");
    // The server may close while we are still writing.
    let _ = c.write_all(&vec![b'x'; 2 * 1024 * 1024]);
    drain_until_closed(&mut c);
    assert_eq!(server.stat(|s| &s.client_query_buffer_limit_disconnections), 1);
    let mut other = server.client();
    roundtrip(&mut other, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn output_buffer_hard_limit_disconnects_a_client_that_does_not_read() {
    let limit = OutputLimit { hard: 1024 * 1024, soft: 0, soft_seconds: 0 };
    let server = Running::start(ConfigValues { output_limit_normal: limit, ..Default::default() });
    let mut c = server.connect();
    let value = vec![b'v'; 100 * 1024];
    roundtrip(&mut c, &cmd_bytes(&[b"SET", b"v", &value]), b"+OK\r\n");
    // 40 MB of replies: more than the kernel buffers hold, so the excess stays unsent.
    let gets: Vec<u8> = (0..400).flat_map(|_| cmd(&["GET", "v"])).collect();
    send(&mut c, &gets);
    wait_until("the client is disconnected", || server.stat(|s| &s.client_output_buffer_limit_disconnections) == 1);
    drain_until_closed(&mut c);
    let mut other = server.client();
    roundtrip(&mut other, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn client_that_never_reads_is_paused_with_bounded_replies() {
    let server = Running::default();
    let mut setter = server.client();
    let value = vec![b'v'; 1024 * 1024];
    roundtrip(&mut setter, &cmd_bytes(&[b"SET", b"v", &value]), b"+OK\r\n");

    let mut greedy = server.connect();
    greedy.set_write_timeout(Some(Duration::from_secs(2))).expect("timeout");
    let batch: Vec<u8> = (0..100).flat_map(|_| cmd(&["GET", "v"])).collect();
    let mut written = 0usize;
    // The server stops reading once the unsent replies pass the bound, so the writes block.
    loop {
        match greedy.write(&batch) {
            Ok(n) => written += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) => panic!("write failed: {e}"),
        }
        assert!(written < 1024 * 1024 * 1024, "the server never stopped reading");
    }
    let info = server.engine.clients.all().into_iter().max_by_key(|c| c.id).expect("client");
    let details = info.details();
    let unsent = details.obl + details.omem;
    assert!(unsent > 0 && unsent <= REPLY_PAUSE_BOUND + value.len() + 64, "unsent replies: {unsent}");

    roundtrip(&mut setter, &cmd(&["PING"]), b"+PONG\r\n");
    drop(greedy);
    wait_until("the greedy client is closed", || server.engine.clients.len() == 1);
}

#[test]
fn paused_client_resumes_once_it_reads() {
    let server = Running::default();
    let mut c = server.connect();
    let value = vec![b'v'; 4 * 1024 * 1024];
    roundtrip(&mut c, &cmd_bytes(&[b"SET", b"v", &value]), b"+OK\r\n");
    // 30 × 4 MB = 120 MB of replies, written before any is read: the server pauses at the
    // bound, then executes the rest as the replies drain.
    let gets: Vec<u8> = (0..30).flat_map(|_| cmd(&["GET", "v"])).collect();
    let writer = {
        let mut w = c.try_clone().expect("clone");
        std::thread::spawn(move || w.write_all(&gets).expect("write"))
    };
    let reply = bulk(&value);
    let mut got = vec![0; reply.len()];
    for _ in 0..30 {
        c.read_exact(&mut got).expect("read");
        assert!(got == reply);
    }
    writer.join().expect("writer");
    roundtrip(&mut c, &cmd(&["PING"]), b"+PONG\r\n");
}

#[test]
fn many_connections_are_served() {
    let server = Running::default();
    let mut clients: Vec<TcpStream> = (0..2000).map(|_| server.connect()).collect();
    for c in &mut clients {
        send(c, b"PING\r\n");
    }
    for c in &mut clients {
        expect(c, b"+PONG\r\n");
    }
    assert_eq!(server.engine.clients.len(), 2000);
}

#[test]
fn shutdown_through_the_handle_returns_from_run() {
    let server = Running::default();
    let mut c = server.client();
    let addr = server.addr;
    server.stop().expect("run returns Ok");
    expect_closed(&mut c);
    assert!(TcpStream::connect(addr).is_err(), "the listener is closed");
}

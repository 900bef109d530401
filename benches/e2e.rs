//! End to end: a server of each mode × store, started in-process on loopback, under one
//! fixed pipelined workload, all four in one benchmark group so criterion's report shows
//! them side by side.
//!
//! [`CLIENTS`] client threads, each with its own connection, send batches of
//! [`DEPTH`] pipelined commands (SET and GET alternating, random keys out of [`KEYS`]
//! preloaded ones) and read every reply before sending the next batch. One criterion
//! iteration is one batch; the reported time is wall-clock per batch over all clients
//! together, and the throughput is in commands per second.
//!
//! Client threads and server threads share the machine's cores, so on a small machine
//! this measures the whole system (client parsing included), not the server alone.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tandem_suite::{TestServer, COMBINATIONS};

/// Concurrent client connections, one thread each.
const CLIENTS: usize = 4;
/// Commands per pipelined batch.
const DEPTH: usize = 16;
/// Keys preloaded (every GET hits).
const KEYS: usize = 10_000;
/// Distinct batches each client cycles through.
const BATCHES: usize = 64;
/// Every value, so every GET reply has the same bytes.
const VALUE: &[u8] = b"value-0123456789";

fn command(out: &mut Vec<u8>, words: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
    for w in words {
        out.extend_from_slice(format!("${}\r\n", w.len()).as_bytes());
        out.extend_from_slice(w);
        out.extend_from_slice(b"\r\n");
    }
}

fn key(i: usize) -> Vec<u8> {
    format!("key:{i:08}").into_bytes()
}

/// The replies to one batch: `+OK` for each SET, the value for each GET.
fn batch_reply() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..DEPTH {
        if i % 2 == 0 {
            out.extend_from_slice(b"+OK\r\n");
        } else {
            out.extend_from_slice(format!("${}\r\n", VALUE.len()).as_bytes());
            out.extend_from_slice(VALUE);
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// One client: its connection and the batches it sends, cycled through.
struct Client {
    stream: TcpStream,
    batches: Vec<Vec<u8>>,
    next: usize,
    reply: Vec<u8>,
}

impl Client {
    fn connect(server: &TestServer, seed: u64) -> Client {
        let stream = TcpStream::connect(server.addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        // A small LCG is plenty to scatter keys; the sequence is the same on every run.
        let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next_key = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            key((state >> 33) as usize % KEYS)
        };
        let batches = (0..BATCHES)
            .map(|_| {
                let mut batch = Vec::new();
                for i in 0..DEPTH {
                    if i % 2 == 0 {
                        command(&mut batch, &[b"SET", &next_key(), VALUE]);
                    } else {
                        command(&mut batch, &[b"GET", &next_key()]);
                    }
                }
                batch
            })
            .collect();
        Client { stream, batches, next: 0, reply: vec![0; batch_reply().len()] }
    }

    /// Sends `count` batches one after the other, each after the previous one's replies.
    fn run(&mut self, count: u64, expected: &[u8]) {
        for _ in 0..count {
            self.stream.write_all(&self.batches[self.next]).expect("write");
            self.next = (self.next + 1) % self.batches.len();
            self.stream.read_exact(&mut self.reply).expect("read");
            assert_eq!(self.reply, expected, "unexpected reply");
        }
    }
}

/// Sets every key to [`VALUE`], pipelining a thousand SETs at a time.
fn preload(server: &TestServer) {
    let mut conn = server.raw();
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(1000) {
        let mut out = Vec::new();
        for &i in chunk {
            command(&mut out, &[b"SET", &key(i), VALUE]);
        }
        conn.send(&out);
        conn.expect(&b"+OK\r\n".repeat(chunk.len()));
    }
}

/// Runs `total` batches split evenly across `clients`, one thread each; returns the time
/// from the moment all threads are ready to the moment the last finishes.
fn run_parallel(clients: &mut [Client], total: u64, expected: &[u8]) -> Duration {
    let n = clients.len() as u64;
    let barrier = Barrier::new(clients.len());
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .enumerate()
            .map(|(i, c)| {
                let count = total / n + u64::from((i as u64) < total % n);
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    c.run(count, expected);
                    (start, Instant::now())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client panicked")).collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("a client");
    let end = spans.iter().map(|s| s.1).max().expect("a client");
    end - start
}

fn pipelined(c: &mut Criterion) {
    let expected = batch_reply();
    let mut group = c.benchmark_group(format!("e2e/{CLIENTS}clients_x_{DEPTH}pipelined"));
    group
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20)
        .throughput(Throughput::Elements(DEPTH as u64));
    for &(mode, store) in COMBINATIONS {
        let server = TestServer::start(mode, store);
        preload(&server);
        let mut clients: Vec<Client> = (0..CLIENTS).map(|i| Client::connect(&server, i as u64 + 1)).collect();
        group.bench_function(format!("{}/{store}", mode.name()), |b| {
            b.iter_custom(|iters| run_parallel(&mut clients, iters, &expected))
        });
        // Connections close before the server shuts down, so it has nobody to wait for.
        drop(clients);
        drop(server);
    }
    group.finish();
}

criterion_group!(benches, pipelined);
criterion_main!(benches);

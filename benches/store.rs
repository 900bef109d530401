//! The two stores under concurrent load, without a server: `mutex` against `lockfree`, with
//! 1, 2, 4 and 8 threads each driving its own client through [`Engine::execute`].
//!
//! Every benchmark runs a mix of GET (reads) and SET/INCR (writes, half each) over
//! [`KEYS`] preloaded keys, 90/10 or 50/50 read/write, with keys drawn uniformly or from a
//! Zipf distribution (s = [`ZIPF_S`], as YCSB), so a few hot keys take most operations.
//! Each thread replays a pregenerated trace, so sampling costs nothing inside the timing.
//!
//! The reported time is wall-clock per operation over all threads together (the inverse
//! of total throughput): with perfect scaling it halves as threads double. Threads beyond
//! the machine's cores only add contention for the CPUs themselves.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use resp::Frame;
use store::testing::TestClient;
use store::{Config, ConfigValues, Engine};

/// Keys in the keyspace, all present before the timing starts.
const KEYS: usize = 100_000;
/// Zipf exponent; 0.99 is YCSB's default skew.
const ZIPF_S: f64 = 0.99;
/// Operations in one thread's trace (replayed cyclically).
const TRACE_LEN: usize = 1 << 16;
const THREADS: &[usize] = &[1, 2, 4, 8];
/// Value SET writes: numeric, so INCR on a key SET wrote still succeeds.
const VALUE: &[u8] = b"1000000";

#[derive(Clone, Copy)]
enum Op {
    Get,
    Set,
    Incr,
}

#[derive(Clone, Copy)]
enum Keys {
    Uniform,
    Zipf,
}

impl Keys {
    fn name(self) -> &'static str {
        match self {
            Keys::Uniform => "uniform",
            Keys::Zipf => "zipf",
        }
    }
}

/// SplitMix64: a tiny, good-enough generator for building traces deterministically.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Zipf over ranks `0..n` by inverting the cumulative distribution (binary search).
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for rank in 1..=n {
            sum += 1.0 / (rank as f64).powf(s);
            cdf.push(sum);
        }
        for p in &mut cdf {
            *p /= sum;
        }
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut SplitMix) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&p| p < u).min(self.cdf.len() - 1)
    }
}

/// One thread's share of the work: its client, its own copy of the key names and its trace.
///
/// Key names live in one buffer per thread and each argument is a slice of it, as a
/// server's arguments are slices of the connection's query buffer: cloning one touches a
/// reference count hot in this thread's cache, never one shared with other threads.
struct Worker {
    client: TestClient,
    names: Bytes,
    trace: Vec<(Op, u32)>,
    next: usize,
}

impl Worker {
    fn run(&mut self, ops: u64) {
        for _ in 0..ops {
            let (op, key) = self.trace[self.next];
            self.next = (self.next + 1) % self.trace.len();
            let start = key as usize * KEY_LEN;
            let key = self.names.slice(start..start + KEY_LEN);
            let argv = match op {
                Op::Get => vec![Bytes::from_static(b"GET"), key],
                Op::Set => vec![Bytes::from_static(b"SET"), key, Bytes::from_static(VALUE)],
                Op::Incr => vec![Bytes::from_static(b"INCR"), key],
            };
            let reply = self.client.engine.execute(&mut self.client.client, argv);
            debug_assert!(!reply.is_error(), "{reply:?}");
            std::hint::black_box(reply);
        }
    }
}

/// Length of every key name (`key:00000042`).
const KEY_LEN: usize = 12;

fn key_name(i: usize) -> String {
    format!("key:{i:08}")
}

/// Every key name, back to back, [`KEY_LEN`] bytes each.
fn key_names() -> Bytes {
    let names: String = (0..KEYS).map(key_name).collect();
    assert_eq!(names.len(), KEYS * KEY_LEN);
    Bytes::from(names)
}

/// A fresh engine over `store` with every key set to [`VALUE`].
fn loaded_engine(store: &str) -> Arc<Engine> {
    let engine = Engine::new(Config::new(ConfigValues::default()), store::open_store(store, 16).expect("store"));
    let mut client = TestClient::on(engine.clone());
    for i in 0..KEYS {
        let key = Bytes::from(key_name(i));
        let reply =
            engine.execute(&mut client.client, vec![Bytes::from_static(b"SET"), key, Bytes::from_static(VALUE)]);
        assert_eq!(reply, Frame::ok());
    }
    engine
}

fn workers(engine: &Arc<Engine>, threads: usize, read_percent: usize, keys: Keys, zipf: &Zipf) -> Vec<Worker> {
    (0..threads)
        .map(|t| {
            let mut rng = SplitMix(0x7a4d_e300 ^ ((t as u64) << 32));
            let trace = (0..TRACE_LEN)
                .map(|_| {
                    let key = match keys {
                        Keys::Uniform => rng.below(KEYS),
                        Keys::Zipf => zipf.sample(&mut rng),
                    };
                    let op = if rng.below(100) < read_percent {
                        Op::Get
                    } else if rng.below(2) == 0 {
                        Op::Set
                    } else {
                        Op::Incr
                    };
                    (op, key as u32)
                })
                .collect();
            Worker { client: TestClient::on(engine.clone()), names: key_names(), trace, next: 0 }
        })
        .collect()
}

/// Runs `total` operations split evenly across `workers`, one thread each, and returns the
/// wall-clock time from the moment all threads are ready to the moment the last finishes.
fn run_parallel(workers: &mut [Worker], total: u64) -> Duration {
    let n = workers.len() as u64;
    let barrier = Barrier::new(workers.len());
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter_mut()
            .enumerate()
            .map(|(i, w)| {
                let ops = total / n + u64::from((i as u64) < total % n);
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    w.run(ops);
                    (start, Instant::now())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker panicked")).collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("a worker");
    let end = spans.iter().map(|s| s.1).max().expect("a worker");
    end - start
}

/// A loaded engine per store, shared by every benchmark (writes keep every value numeric).
fn engines() -> Vec<(&'static str, Arc<Engine>)> {
    store::STORE_NAMES.iter().map(|&name| (name, loaded_engine(name))).collect()
}

fn mixes(c: &mut Criterion, engines: &[(&'static str, Arc<Engine>)]) {
    let zipf = Zipf::new(KEYS, ZIPF_S);
    for keys in [Keys::Uniform, Keys::Zipf] {
        for read_percent in [90, 50] {
            let name = format!("store/{}/{}r{}w", keys.name(), read_percent, 100 - read_percent);
            let mut group = c.benchmark_group(name);
            group
                .measurement_time(Duration::from_millis(1500))
                .warm_up_time(Duration::from_millis(300))
                .sample_size(10)
                .throughput(Throughput::Elements(1));
            for (store, engine) in engines {
                for &threads in THREADS {
                    let mut workers = workers(engine, threads, read_percent, keys, &zipf);
                    group.bench_function(BenchmarkId::new(*store, format!("{threads}t")), |b| {
                        b.iter_custom(|iters| run_parallel(&mut workers, iters))
                    });
                }
            }
            group.finish();
        }
    }
}

/// One command at a time on one thread: the uncontended cost of each command per store.
fn single_commands(c: &mut Criterion, engines: &[(&'static str, Arc<Engine>)]) {
    let mut group = c.benchmark_group("store/single");
    group
        .measurement_time(Duration::from_millis(1500))
        .warm_up_time(Duration::from_millis(300))
        .sample_size(10)
        .throughput(Throughput::Elements(1));
    let zipf = Zipf::new(KEYS, ZIPF_S);
    for (store, engine) in engines {
        for (op, name) in [(Op::Get, "GET"), (Op::Set, "SET"), (Op::Incr, "INCR")] {
            let mut worker = workers(engine, 1, 100, Keys::Uniform, &zipf).pop().expect("a worker");
            for step in &mut worker.trace {
                step.0 = op;
            }
            group.bench_function(BenchmarkId::new(*store, name), |b| {
                b.iter_custom(|iters| run_parallel(std::slice::from_mut(&mut worker), iters))
            });
        }
    }
    group.finish();
}

fn all(c: &mut Criterion) {
    let engines = engines();
    single_commands(c, &engines);
    mixes(c, &engines);
}

criterion_group!(benches, all);
criterion_main!(benches);

//! Tandem's load client (`cargo xtask load`, and `cargo xtask bench --client tandem`): one
//! thread and one blocking connection per client, each sending batches of `pipeline`
//! requests and reading their replies. A request's latency runs from the write of its batch
//! to the parse of its reply (as redis-benchmark measures it) and goes into an HDR
//! histogram per thread, merged at the end. Every reply is checked: error replies and
//! replies of the wrong type are counted as errors.
//!
//! Bounds: clients and pipeline depth are capped by the flags' ranges; every socket read
//! and write has `IO_TIMEOUT`; the whole run has a deadline; Ctrl-C stops it.

use std::io::IsTerminal;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::command::BenchCommand;
use crate::connection::Connection;
use crate::{interrupt, Failure};

/// The longest a client waits on one read or write before the run fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// Latencies above this (one minute, in ns) are recorded as this.
const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// `cargo xtask load`: drive one server with Tandem's load client.
#[derive(Args, Debug)]
pub struct LoadArgs {
    /// Server host.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port.
    #[arg(long)]
    port: u16,
    /// Parallel connections, one thread each.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    clients: u64,
    /// Requests per command, over all clients.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    requests: u64,
    /// Requests each client sends before reading their replies.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pipeline: u64,
    /// Commands to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "ping,set,get")]
    command: Vec<BenchCommand>,
    /// Random keys and members are drawn below this (redis-benchmark's -r).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    keyspace: u64,
    /// Seconds one command's run may take before it is stopped and fails.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
}

/// One run: one command against one server.
#[derive(Clone, Debug)]
pub struct LoadSpec {
    pub addr: SocketAddr,
    pub command: BenchCommand,
    pub clients: u64,
    pub requests: u64,
    pub pipeline: u64,
    pub keyspace: u64,
    /// The whole run must finish within this.
    pub deadline: Duration,
    /// Shown before the progress line; no progress line when `None` or stderr is not a terminal.
    pub progress: Option<String>,
}

/// What one run measured.
pub struct LoadReport {
    pub completed: u64,
    pub errors: u64,
    /// The first error reply (or unexpected reply), for the message.
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Per-request latency in nanoseconds.
    pub latency: Histogram<u64>,
}

impl LoadReport {
    pub fn requests_per_sec(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at `quantile` (0..=1) in milliseconds.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1e6
    }
}

/// What one client thread hands back.
struct ClientOutcome {
    latency: Histogram<u64>,
    errors: u64,
    first_error: Option<String>,
    /// Why the client stopped early (connection lost, timeout), if it did.
    failure: Option<String>,
    /// When it sent its first batch and read its last reply: the run's elapsed time spans
    /// the clients' work, not the thread start-up nor the monitor's polling.
    first_sent: Option<Instant>,
    last_read: Option<Instant>,
}

/// State the client threads share.
struct Shared {
    /// Requests claimed so far (may overshoot `requests` by a batch per client).
    claimed: AtomicU64,
    /// Replies read so far.
    completed: AtomicU64,
    /// Set to stop every client: failure, deadline or Ctrl-C.
    stop: AtomicBool,
}

fn new_histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).map_err(|e| format!("cannot create a histogram: {e:?}"))
}

/// Runs `spec` to completion. `Err` when the run could not complete (cannot connect, a
/// connection failed or timed out, the deadline passed, Ctrl-C); error replies do not
/// fail it but are counted in the report.
pub fn run_load(spec: &LoadSpec) -> Result<LoadReport, String> {
    let mut connections = Vec::new();
    let mut sockets = Vec::new();
    for _ in 0..spec.clients {
        interrupt::check()?;
        let connection = Connection::connect(spec.addr, IO_TIMEOUT)?;
        sockets.push(connection.shutdown_handle()?);
        connections.push(connection);
    }
    let shared = Shared { claimed: AtomicU64::new(0), completed: AtomicU64::new(0), stop: AtomicBool::new(false) };
    let show_progress = spec.progress.is_some() && std::io::stderr().is_terminal();
    let started = Instant::now();
    let (outcomes, stopped_by) = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        let mut stopped_by = None;
        for (i, connection) in connections.into_iter().enumerate() {
            let shared = &shared;
            let spawned = std::thread::Builder::new()
                .name(format!("load-client-{i}"))
                .stack_size(256 << 10)
                .spawn_scoped(scope, move || client(spec, i as u64, connection, shared));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    shared.stop.store(true, Ordering::Relaxed);
                    stopped_by = Some(format!("cannot start client thread {i}: {e}"));
                    break;
                }
            }
        }
        let mut last_progress = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
            if stopped_by.is_none() {
                if interrupt::requested() {
                    stopped_by = Some("interrupted".to_string());
                } else if started.elapsed() > spec.deadline {
                    stopped_by = Some(format!(
                        "did not finish within {}s ({} of {} requests done)",
                        spec.deadline.as_secs(),
                        shared.completed.load(Ordering::Relaxed),
                        spec.requests
                    ));
                }
                if stopped_by.is_some() {
                    shared.stop.store(true, Ordering::Relaxed);
                    for socket in &sockets {
                        let _ = socket.shutdown(Shutdown::Both);
                    }
                }
            }
            if show_progress && last_progress.elapsed() >= Duration::from_millis(200) {
                last_progress = Instant::now();
                let done = shared.completed.load(Ordering::Relaxed);
                let label = spec.progress.as_deref().unwrap_or("");
                progress_line(label, done, spec.requests, started.elapsed());
            }
        }
        if show_progress {
            eprint!("\r\x1b[2K");
        }
        let outcomes: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a client thread panicked".to_string())))
            .collect();
        (outcomes, stopped_by)
    });
    if let Some(why) = stopped_by {
        return Err(why);
    }
    let mut report =
        LoadReport { completed: 0, errors: 0, first_error: None, elapsed: Duration::ZERO, latency: new_histogram()? };
    let (mut first, mut last) = (None::<Instant>, None::<Instant>);
    for outcome in outcomes {
        let outcome = outcome?;
        if let Some(failure) = outcome.failure {
            return Err(failure);
        }
        if let Some(t) = outcome.first_sent {
            first = Some(first.map_or(t, |f| f.min(t)));
        }
        last = last.max(outcome.last_read);
        report.errors += outcome.errors;
        if report.first_error.is_none() {
            report.first_error = outcome.first_error;
        }
        report.latency.add(&outcome.latency).map_err(|e| format!("cannot merge histograms: {e:?}"))?;
    }
    report.completed = shared.completed.load(Ordering::Relaxed);
    if let (Some(first), Some(last)) = (first, last) {
        report.elapsed = last.saturating_duration_since(first);
    }
    Ok(report)
}

/// One client's loop: claim a batch, send it, read and time its replies, until all
/// requests are claimed or the run is stopped.
fn client(spec: &LoadSpec, id: u64, mut connection: Connection, shared: &Shared) -> Result<ClientOutcome, String> {
    let mut rng = StdRng::seed_from_u64(0x7a4d_e3b1 ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut outcome = ClientOutcome {
        latency: new_histogram()?,
        errors: 0,
        first_error: None,
        failure: None,
        first_sent: None,
        last_read: None,
    };
    let mut batch = Vec::new();
    while !shared.stop.load(Ordering::Relaxed) {
        let first = shared.claimed.fetch_add(spec.pipeline, Ordering::Relaxed);
        if first >= spec.requests {
            break;
        }
        let n = spec.pipeline.min(spec.requests - first);
        batch.clear();
        for _ in 0..n {
            spec.command.write_request(&mut batch, &mut rng, spec.keyspace);
        }
        let sent = Instant::now();
        outcome.first_sent.get_or_insert(sent);
        let result = connection.send(&batch).and_then(|()| {
            for _ in 0..n {
                let reply = connection.read_reply()?;
                let nanos = u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX);
                outcome.latency.saturating_record(nanos.max(1));
                if let Err(e) = spec.command.check_reply(&reply) {
                    outcome.errors += 1;
                    outcome.first_error.get_or_insert(e);
                }
                shared.completed.fetch_add(1, Ordering::Relaxed);
            }
            outcome.last_read = Some(Instant::now());
            Ok(())
        });
        if let Err(e) = result {
            outcome.failure = Some(e);
            shared.stop.store(true, Ordering::Relaxed);
            break;
        }
    }
    Ok(outcome)
}

fn progress_line(label: &str, done: u64, total: u64, elapsed: Duration) {
    const WIDTH: u64 = 30;
    let filled = (done.min(total) * WIDTH).checked_div(total).unwrap_or(0) as usize;
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    eprint!(
        "\r\x1b[2K{label} [{}{}] {done}/{total} {rate:.0} req/s",
        "#".repeat(filled),
        "-".repeat(WIDTH as usize - filled)
    );
}

/// `cargo xtask load`.
pub fn run_cli(args: LoadArgs) -> Result<(), Failure> {
    let target = format!("{}:{}", args.host, args.port);
    let addr = target
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {target}: {e}"))?
        .next()
        .ok_or_else(|| format!("{target} resolves to no address"))?;
    let mut errors = 0;
    for command in args.command {
        let spec = LoadSpec {
            addr,
            command,
            clients: args.clients,
            requests: args.requests,
            pipeline: args.pipeline,
            keyspace: args.keyspace,
            deadline: Duration::from_secs(args.timeout),
            progress: Some(command.name().to_string()),
        };
        let report = run_load(&spec).map_err(|e| format!("{}: {e}", command.name()))?;
        println!(
            "{}: {:.0} requests/s, p50 {:.3} ms, p99 {:.3} ms ({} requests, {} clients, pipeline {}, {} errors)",
            command.name(),
            report.requests_per_sec(),
            report.latency_ms(0.50),
            report.latency_ms(0.99),
            report.completed,
            spec.clients,
            spec.pipeline,
            report.errors
        );
        if let Some(e) = &report.first_error {
            println!("  first error: {e}");
        }
        errors += report.errors;
    }
    if errors > 0 {
        return Err(Failure::Failed(format!("the server answered {errors} requests with errors")));
    }
    Ok(())
}

//! `cargo xtask bench`: how Tandem compares with Redis on this machine.
//!
//! 1. `cargo build --release -p tandem`.
//! 2. Throughput: for each server (redis-server when installed, then every `--mode` ×
//!    `--store` of `target/release/tandem`), start it on a free loopback port, wait for PING,
//!    run every command at every pipeline depth with the same load client, stop it.
//! 3. Memory: start each server again, load `--keys` keys, read RSS and `used_memory`.
//! 4. Print one table per measure, write `target/bench/{results,memory}.csv` and
//!    `target/bench/throughput.svg`. Exit 1 if anything failed or any server answered
//!    with an error.
//!
//! Servers run with their working directory under `target/bench/data` and log to
//! `target/bench/logs/<server>.log`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use crate::command::BenchCommand;
use crate::load::{run_load, LoadSpec};
use crate::memory::measure;
use crate::redis_benchmark::{BenchmarkError, BenchmarkSpec};
use crate::report::{Measurement, MemoryResult, Outcome, Results};
use crate::server::{capture, find_on_path, ChildGuard, ServerPaths, ServerProcess, Target};
use crate::{chart, interrupt, Failure};

/// Defaults for a full run, and for `--quick`.
const FULL: Defaults = Defaults { requests: 100_000, rounds: 3, clients: 50, keys: 1_000_000, timeout: 300 };
const QUICK: Defaults = Defaults { requests: 2_000, rounds: 1, clients: 10, keys: 10_000, timeout: 60 };

struct Defaults {
    requests: u64,
    rounds: u64,
    clients: u64,
    keys: u64,
    timeout: u64,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A tiny run for CI: 2,000 requests, 10 clients, 10,000 keys (flags given win).
    #[arg(long)]
    quick: bool,
    /// Requests per command at pipeline depth 1; depth P runs P times as many, so every
    /// row lasts long enough to measure [default: 100000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Rounds over every server; each row is the median round [default: 3, --quick 1].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=99))]
    rounds: Option<u64>,
    /// Parallel client connections [default: 50].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    clients: Option<u64>,
    /// Keys loaded for the memory measure; 0 skips it [default: 1000000].
    #[arg(long)]
    keys: Option<u64>,
    /// Pipeline depths, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16", value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pipelines: Vec<u64>,
    /// Commands to measure, comma-separated [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    commands: Vec<BenchCommand>,
    /// Tandem modes to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "eventloop,threaded")]
    modes: Vec<ModeArg>,
    /// Tandem stores to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "mutex,lockfree")]
    stores: Vec<StoreArg>,
    /// The load client: redis-benchmark, Tandem's own, or redis-benchmark when installed.
    #[arg(long, value_enum, default_value = "auto")]
    client: ClientArg,
    /// Random keys and members are drawn below this (redis-benchmark's -r).
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    keyspace: u64,
    /// Seconds one measurement may take before it fails [default: 300, --quick 60].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: Option<u64>,
    /// Leave redis-server out even when it is installed.
    #[arg(long)]
    no_redis: bool,
    /// Use target/release/tandem as it is instead of building it first.
    #[arg(long)]
    no_build: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ModeArg {
    Eventloop,
    Threaded,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum StoreArg {
    Mutex,
    Lockfree,
}

#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum ClientArg {
    Auto,
    Tandem,
    RedisBenchmark,
}

/// The load client chosen.
enum Client {
    Tandem,
    RedisBenchmark(PathBuf),
}

/// What every measurement shares.
struct Plan {
    client: Client,
    commands: Vec<BenchCommand>,
    pipelines: Vec<u64>,
    clients: u64,
    requests: u64,
    rounds: u64,
    keyspace: u64,
    keys: u64,
    timeout: Duration,
    logs: PathBuf,
}

const INSTALL_REDIS: &str =
    "install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)";

pub fn run(args: BenchArgs) -> Result<(), Failure> {
    let defaults = if args.quick { QUICK } else { FULL };
    let root = workspace_root()?;
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let out_dir = target_dir.join("bench");
    let paths = ServerPaths {
        tandem: target_dir.join("release").join(format!("tandem{}", std::env::consts::EXE_SUFFIX)),
        redis_server: if args.no_redis { None } else { find_on_path("redis-server") },
        logs: out_dir.join("logs"),
        data: out_dir.join("data"),
    };
    for dir in [&paths.logs, &paths.data] {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if !args.no_build {
        build(&root)?;
    }
    if !paths.tandem.is_file() {
        return Err(Failure::Failed(format!("{} does not exist; run without --no-build", paths.tandem.display())));
    }
    if paths.redis_server.is_none() && !args.no_redis {
        eprintln!("xtask: redis-server is not on PATH, so there is no Redis to compare with; {INSTALL_REDIS}");
    }
    let redis_benchmark = find_on_path("redis-benchmark");
    let client = match (args.client, redis_benchmark) {
        (ClientArg::Tandem, _) | (ClientArg::Auto, None) => Client::Tandem,
        (ClientArg::RedisBenchmark | ClientArg::Auto, Some(path)) => Client::RedisBenchmark(path),
        (ClientArg::RedisBenchmark, None) => {
            return Err(Failure::Failed(format!(
                "redis-benchmark is not on PATH: {INSTALL_REDIS}, or use --client tandem"
            )));
        }
    };
    let mut targets = Vec::new();
    if let Some(redis) = &paths.redis_server {
        let version = capture(Command::new(redis).arg("--version"), "redis-server --version", Duration::from_secs(10))?;
        targets.push(Target { kind: crate::server::ServerKind::Redis, label: redis_label(&version) });
    }
    for mode in dedup(&args.modes) {
        for store in dedup(&args.stores) {
            let mode = if mode == ModeArg::Eventloop { "eventloop" } else { "threaded" };
            let store = if store == StoreArg::Mutex { "mutex" } else { "lockfree" };
            targets.push(Target::tandem(mode, store));
        }
    }
    let plan = Plan {
        client,
        commands: if args.commands.is_empty() { BenchCommand::ALL.to_vec() } else { dedup(&args.commands) },
        pipelines: dedup(&args.pipelines),
        clients: args.clients.unwrap_or(defaults.clients),
        requests: args.requests.unwrap_or(defaults.requests),
        rounds: args.rounds.unwrap_or(defaults.rounds),
        keyspace: args.keyspace,
        keys: args.keys.unwrap_or(defaults.keys),
        timeout: Duration::from_secs(args.timeout.unwrap_or(defaults.timeout)),
        logs: paths.logs.clone(),
    };
    let client_name = match &plan.client {
        Client::Tandem => "tandem (cargo xtask load)".to_string(),
        Client::RedisBenchmark(_) => "redis-benchmark".to_string(),
    };
    let memory_plan = if plan.keys > 0 { format!("memory with {} keys", plan.keys) } else { "no memory".into() };
    eprintln!(
        "xtask: benchmarking {} servers with {client_name}: {} round(s) of {} requests (times P) × {} commands × P={:?}, \
         {} clients; {memory_plan}",
        targets.len(),
        plan.rounds,
        plan.requests,
        plan.commands.len(),
        plan.pipelines,
        plan.clients,
    );
    let started = Instant::now();
    let mut results = Results {
        client: client_name,
        clients: plan.clients,
        requests: plan.requests,
        rounds: plan.rounds,
        measurements: Vec::new(),
        memory: Vec::new(),
    };
    let mut rounds = Vec::new();
    for round in 1..=plan.rounds {
        if plan.rounds > 1 {
            eprintln!("xtask: round {round} of {}", plan.rounds);
        }
        let mut measurements = Vec::new();
        for target in &targets {
            throughput(target, &paths, &plan, &mut measurements)?;
        }
        rounds.push(measurements);
    }
    results.measurements = crate::report::median_of_rounds(rounds);
    if plan.keys > 0 {
        for target in &targets {
            let outcome = memory(target, &paths, &plan);
            interrupt::check()?;
            results.memory.push(MemoryResult { target: target.clone(), keys: plan.keys, outcome });
        }
    }
    println!();
    println!("{}", results.throughput_table());
    let memory_table = results.memory_table();
    if !memory_table.is_empty() {
        println!("{memory_table}");
    }
    if paths.redis_server.is_none() {
        if args.no_redis {
            println!("vs Redis: n/a, left out by --no-redis.");
        } else {
            println!("vs Redis: n/a, redis-server is not installed ({INSTALL_REDIS}).");
        }
    }
    let files = [out_dir.join("results.csv"), out_dir.join("memory.csv"), out_dir.join("throughput.svg")];
    results.write_results_csv(&files[0])?;
    let mut written = vec![&files[0]];
    if !results.memory.is_empty() {
        results.write_memory_csv(&files[1])?;
        written.push(&files[1]);
    } else if files[1].exists() {
        // Not measured this time: a previous run's file would pass for this run's.
        std::fs::remove_file(&files[1]).map_err(|e| format!("cannot remove {}: {e}", files[1].display()))?;
    }
    chart::write_throughput_svg(&results, &files[2])?;
    written.push(&files[2]);
    let shown: Vec<String> = written.iter().map(|p| relative(p, &root)).collect();
    println!(
        "Wrote {} (server logs in {}) in {:.0?}.",
        shown.join(", "),
        relative(&paths.logs, &root),
        started.elapsed()
    );
    let problems = results.problems();
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("xtask: {p}");
        }
        return Err(Failure::Failed(format!("{} measurements failed or got error replies", problems.len())));
    }
    Ok(())
}

/// Runs every command at every depth against a fresh `target`.
fn throughput(target: &Target, paths: &ServerPaths, plan: &Plan, out: &mut Vec<Measurement>) -> Result<(), String> {
    let started = Instant::now();
    let mut server = match ServerProcess::start(target, paths) {
        Ok(s) => Some(s),
        Err(e) => {
            interrupt::check()?;
            eprintln!("xtask: {e}");
            None
        }
    };
    let runs = plan.pipelines.len() * plan.commands.len();
    let mut done = 0;
    for &pipeline in &plan.pipelines {
        for &command in &plan.commands {
            done += 1;
            let outcome = match server.as_mut().map(|s| s.check_alive().map(|()| &*s)) {
                None => Outcome::Failed(format!("{} did not start", target.label)),
                Some(Err(e)) => Outcome::Failed(e),
                Some(Ok(server)) => {
                    let progress = format!("[{done}/{runs}] {} {} P={pipeline}", target.label, command.name());
                    let cpu = CpuMeter::start(server.pid());
                    let mut outcome = measure_one(server, command, pipeline, plan, progress);
                    if let Outcome::Measured { server_cpu, .. } = &mut outcome {
                        *server_cpu = cpu.percent();
                    }
                    outcome
                }
            };
            interrupt::check()?;
            out.push(Measurement { target: target.clone(), command, pipeline, outcome });
        }
    }
    let mut note = String::new();
    if let Some(mut s) = server {
        if let Err(e) = s.check_alive() {
            note = format!(": {e}");
        }
        s.stop();
    }
    eprintln!("xtask: {}: {runs} measurements in {:.1?}{note}", target.label, started.elapsed());
    Ok(())
}

fn measure_one(server: &ServerProcess, command: BenchCommand, pipeline: u64, plan: &Plan, progress: String) -> Outcome {
    match &plan.client {
        Client::Tandem => {
            let spec = LoadSpec {
                addr: server.addr,
                command,
                clients: plan.clients,
                requests: crate::report::requests_at(plan.requests, pipeline),
                pipeline,
                keyspace: plan.keyspace,
                deadline: plan.timeout,
                progress: Some(progress),
            };
            match run_load(&spec) {
                Ok(r) => Outcome::Measured {
                    requests_per_sec: r.requests_per_sec(),
                    p50_ms: Some(r.latency_ms(0.50)),
                    p99_ms: Some(r.latency_ms(0.99)),
                    errors: r.errors,
                    first_error: r.first_error,
                    server_cpu: None,
                },
                Err(e) => Outcome::Failed(e),
            }
        }
        Client::RedisBenchmark(binary) => {
            let spec = BenchmarkSpec {
                binary,
                addr: server.addr,
                command,
                clients: plan.clients,
                requests: crate::report::requests_at(plan.requests, pipeline),
                pipeline,
                keyspace: plan.keyspace,
                deadline: plan.timeout,
                logs: &plan.logs,
            };
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprint!("\r\x1b[2K{progress}");
            }
            let result = crate::redis_benchmark::run(&spec);
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprint!("\r\x1b[2K");
            }
            match result {
                Ok(r) => Outcome::Measured {
                    requests_per_sec: r.requests_per_sec,
                    p50_ms: r.p50_ms,
                    p99_ms: r.p99_ms,
                    errors: 0,
                    first_error: None,
                    server_cpu: None,
                },
                // redis-benchmark stops at the first error reply, so there is no measure.
                Err(BenchmarkError::Server(e)) => Outcome::Failed(format!("error reply: {e}")),
                Err(BenchmarkError::Failed(e)) => Outcome::Failed(e),
            }
        }
    }
}

/// A server's CPU time over a stretch of wall time, from `/proc/<pid>/stat` (Linux; on other
/// systems [`CpuMeter::percent`] is `None`). It includes the server's system time: at
/// pipeline depth 1 most of a server's work is the kernel's socket calls.
struct CpuMeter {
    pid: u32,
    cpu_ticks: Option<u64>,
    started: Instant,
}

impl CpuMeter {
    fn start(pid: u32) -> CpuMeter {
        CpuMeter { pid, cpu_ticks: cpu_ticks(pid), started: Instant::now() }
    }

    fn percent(&self) -> Option<f64> {
        let used = cpu_ticks(self.pid)?.checked_sub(self.cpu_ticks?)?;
        // SAFETY: sysconf only reads a system constant.
        let ticks_per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        let wall = self.started.elapsed().as_secs_f64();
        (ticks_per_sec > 0 && wall > 0.0).then(|| used as f64 / ticks_per_sec as f64 / wall * 100.0)
    }
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Memory per key on a fresh `target`.
fn memory(target: &Target, paths: &ServerPaths, plan: &Plan) -> Result<crate::memory::MemoryUsage, String> {
    let started = Instant::now();
    let server = ServerProcess::start(target, paths)?;
    let usage = measure(&server, plan.keys, plan.timeout);
    server.stop();
    eprintln!("xtask: {}: memory with {} keys in {:.1?}", target.label, plan.keys, started.elapsed());
    usage
}

/// `cargo build --release -p tandem`, in the foreground (Ctrl-C reaches cargo too).
fn build(root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("xtask: cargo build --release -p tandem");
    let mut command = Command::new(cargo);
    command.args(["build", "--release", "-p", "tandem"]).current_dir(root).stdin(Stdio::null());
    let mut child = ChildGuard::spawn(&mut command, "cargo build", false)?;
    let status = child.wait(None)?;
    if !status.success() {
        return Err(format!("cargo build --release -p tandem failed ({status})"));
    }
    Ok(())
}

/// The workspace root: the xtask package's parent directory.
fn workspace_root() -> Result<PathBuf, String> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot find the workspace root above xtask/".to_string())
}

/// "redis 7.0.15" from `redis-server --version` ("Redis server v=7.0.15 sha=...").
fn redis_label(version: &str) -> String {
    match version.split_whitespace().find_map(|w| w.strip_prefix("v=")) {
        Some(v) => format!("redis {v}"),
        None => "redis".to_string(),
    }
}

fn dedup<T: Copy + PartialEq>(items: &[T]) -> Vec<T> {
    let mut out = Vec::new();
    for &item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redis_label_carries_its_version() {
        let v = "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n";
        assert_eq!(redis_label(v), "redis 7.0.15");
        assert_eq!(redis_label("something else"), "redis");
    }

    #[test]
    fn filters_keep_their_first_order_without_repeats() {
        assert_eq!(dedup(&[16, 1, 16]), [16, 1]);
    }
}

//! Driving a server with `redis-benchmark` (`--client redis-benchmark`): one invocation per
//! command and pipeline depth, `--csv` output parsed by column name. redis-benchmark 7.x
//! reports p50/p99 there; older versions report only requests/s, and latency shows as n/a.
//! A version whose `-t` lacks a test is given the command line instead (see
//! `BenchCommand::template`). redis-benchmark exits on the first error reply, printing
//! `Error from server: ...`; that is reported as the server's error.

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::command::BenchCommand;
use crate::server::ChildGuard;

/// One redis-benchmark run.
pub struct BenchmarkSpec<'a> {
    pub binary: &'a Path,
    pub addr: SocketAddr,
    pub command: BenchCommand,
    pub clients: u64,
    pub requests: u64,
    pub pipeline: u64,
    pub keyspace: u64,
    pub deadline: Duration,
    /// Where redis-benchmark's stdout and stderr are kept.
    pub logs: &'a Path,
}

/// What redis-benchmark measured.
#[derive(Debug, PartialEq)]
pub struct BenchmarkResult {
    pub requests_per_sec: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// Why a run produced no result.
#[derive(Debug)]
pub enum BenchmarkError {
    /// The server answered a request with this error.
    Server(String),
    /// redis-benchmark failed or timed out, or its output made no sense.
    Failed(String),
}

/// Runs redis-benchmark for one command, falling back to the command line when this
/// redis-benchmark's `-t` does not know the test.
pub fn run(spec: &BenchmarkSpec) -> Result<BenchmarkResult, BenchmarkError> {
    if let Some(result) = run_once(spec, &["-t", spec.command.benchmark_test()])? {
        return Ok(result);
    }
    run_once(spec, spec.command.template())?
        .ok_or_else(|| BenchmarkError::Failed(format!("redis-benchmark printed no result for {}", spec.command.name())))
}

fn run_once(spec: &BenchmarkSpec, what: &[&str]) -> Result<Option<BenchmarkResult>, BenchmarkError> {
    let failed = BenchmarkError::Failed;
    let out_path = spec.logs.join("redis-benchmark.out");
    let err_path = spec.logs.join("redis-benchmark.err");
    let create = |p: &Path| File::create(p).map_err(|e| failed(format!("cannot create {}: {e}", p.display())));
    let mut command = Command::new(spec.binary);
    command
        .args(["-h", &spec.addr.ip().to_string(), "-p", &spec.addr.port().to_string()])
        .args(["-c", &spec.clients.to_string(), "-n", &spec.requests.to_string()])
        .args(["-P", &spec.pipeline.to_string(), "-r", &spec.keyspace.to_string(), "--csv"])
        .args(what)
        .stdin(Stdio::null())
        .stdout(create(&out_path)?)
        .stderr(create(&err_path)?);
    let mut child = ChildGuard::spawn(&mut command, "redis-benchmark", true).map_err(failed)?;
    let status = child.wait(Some(Instant::now() + spec.deadline)).map_err(|e| {
        if e.ends_with("did not finish in time") {
            failed(format!("redis-benchmark did not finish within {}s", spec.deadline.as_secs()))
        } else {
            failed(e)
        }
    })?;
    drop(child);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let (stdout, stderr) = (read(&out_path), read(&err_path));
    if let Some(line) = stderr.lines().chain(stdout.lines()).find(|l| l.starts_with("Error from server")) {
        let text = line.split_once(": ").map_or(line, |(_, text)| text);
        return Err(BenchmarkError::Server(text.to_string()));
    }
    if !status.success() {
        let detail = stderr.lines().chain(stdout.lines()).last().unwrap_or("no output");
        return Err(failed(format!("redis-benchmark failed ({status}): {detail}")));
    }
    parse_csv(&stdout).map_err(failed)
}

/// The first result row of redis-benchmark's `--csv` output; `None` when it has none.
pub fn parse_csv(text: &str) -> Result<Option<BenchmarkResult>, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| l.starts_with('"'));
    let Some(header) = lines.next() else {
        return Ok(None);
    };
    let header = split_csv_line(header);
    let column = |name: &str| header.iter().position(|h| h == name);
    let rps_at = column("rps").ok_or_else(|| format!("redis-benchmark's CSV has no rps column: {header:?}"))?;
    let Some(row) = lines.next() else {
        return Ok(None);
    };
    let row = split_csv_line(row);
    let number = |at: Option<usize>| at.and_then(|i| row.get(i)).and_then(|v| v.parse::<f64>().ok());
    let requests_per_sec =
        number(Some(rps_at)).ok_or_else(|| format!("redis-benchmark's CSV row has no valid rps: {row:?}"))?;
    Ok(Some(BenchmarkResult {
        requests_per_sec,
        p50_ms: number(column("p50_latency_ms")),
        p99_ms: number(column("p99_latency_ms")),
    }))
}

/// Splits one line of double-quoted CSV fields (`""` is a quote inside a field).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_7_csv_gives_rps_and_percentiles() {
        let text = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\
                    \"p99_latency_ms\",\"max_latency_ms\"\n\
                    \"MSET (10 keys)\",\"37037.04\",\"0.219\",\"0.048\",\"0.207\",\"0.415\",\"0.511\",\"0.631\"\n";
        let r = parse_csv(text).unwrap().unwrap();
        assert_eq!(r, BenchmarkResult { requests_per_sec: 37037.04, p50_ms: Some(0.207), p99_ms: Some(0.511) });
    }

    #[test]
    fn older_csv_without_percentiles_gives_rps_only() {
        let r = parse_csv("\"test\",\"rps\"\n\"SET\",\"1000.5\"\n").unwrap().unwrap();
        assert_eq!(r, BenchmarkResult { requests_per_sec: 1000.5, p50_ms: None, p99_ms: None });
    }

    #[test]
    fn a_header_without_rows_is_no_result() {
        assert_eq!(parse_csv("\"test\",\"rps\"\n").unwrap(), None);
        assert_eq!(parse_csv("").unwrap(), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_csv("\"test\",\"x\"\n\"SET\",\"1\"\n").is_err());
        assert!(parse_csv("\"test\",\"rps\"\n\"SET\",\"fast\"\n").is_err());
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_quotes() {
        assert_eq!(split_csv_line("\"a,b\",\"c\"\"d\",\"\""), ["a,b", "c\"d", ""]);
    }
}

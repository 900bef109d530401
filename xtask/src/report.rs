//! The benchmark's results and how they are shown: the throughput table and the memory
//! table on stdout, each row compared with Redis's row for the same command and pipeline
//! depth, and the same data as CSV (`results.csv`, `memory.csv`).

use std::fmt::Write as _;
use std::path::Path;

use crate::command::BenchCommand;
use crate::memory::MemoryUsage;
use crate::server::{ServerKind, Target};

/// One command at one pipeline depth against one server.
pub struct Measurement {
    pub target: Target,
    pub command: BenchCommand,
    pub pipeline: u64,
    pub outcome: Outcome,
}

pub enum Outcome {
    Measured {
        requests_per_sec: f64,
        p50_ms: Option<f64>,
        p99_ms: Option<f64>,
        /// Error (or wrong-type) replies the client counted.
        errors: u64,
        /// The server's CPU time over the wall time of the measurement, in percent (100 is
        /// one core busy): well under 100 for a single-threaded server means the load
        /// client, not the server, set the pace. `None` where it cannot be read.
        server_cpu: Option<f64>,
        first_error: Option<String>,
    },
    /// No result: why.
    Failed(String),
}

/// Memory per key for one server.
pub struct MemoryResult {
    pub target: Target,
    pub keys: u64,
    pub outcome: Result<MemoryUsage, String>,
}

/// Requests one row sends at `pipeline` depth: `requests` per batch slot, so a row at P=16
/// sends as many batches as one at P=1 and lasts about as long, rather than a twentieth of a
/// second where a server answers two million requests a second.
pub fn requests_at(requests: u64, pipeline: u64) -> u64 {
    requests.saturating_mul(pipeline)
}

/// Everything one `cargo xtask bench` measured.
pub struct Results {
    pub client: String,
    pub clients: u64,
    /// Requests per row at pipeline depth 1; a row at depth P sent P times as many.
    pub requests: u64,
    /// Each row is the median (by requests/s) of this many measurements.
    pub rounds: u64,
    pub measurements: Vec<Measurement>,
    pub memory: Vec<MemoryResult>,
}

/// One row per server, command and depth out of several rounds of the same measurements:
/// the round with the median requests/s (its latencies and CPU with it), or the first
/// failure if any round failed. Rounds run one after another over every server, so a burst
/// of noise on a shared machine lands in one round of each row rather than in one server.
pub fn median_of_rounds(rounds: Vec<Vec<Measurement>>) -> Vec<Measurement> {
    let mut rows: Vec<Vec<Measurement>> = Vec::new();
    for m in rounds.into_iter().flatten() {
        let same = |r: &&mut Vec<Measurement>| {
            r[0].target.label == m.target.label && r[0].command == m.command && r[0].pipeline == m.pipeline
        };
        match rows.iter_mut().find(|r| same(r)) {
            Some(row) => row.push(m),
            None => rows.push(vec![m]),
        }
    }
    rows.into_iter()
        .map(|mut row| {
            if let Some(failed) = row.iter().position(|m| m.requests_per_sec().is_none()) {
                return row.swap_remove(failed);
            }
            row.sort_by(|a, b| a.requests_per_sec().partial_cmp(&b.requests_per_sec()).expect("rates are not NaN"));
            let middle = row.len() / 2;
            row.swap_remove(middle)
        })
        .collect()
}

impl Measurement {
    pub fn requests_per_sec(&self) -> Option<f64> {
        match self.outcome {
            Outcome::Measured { requests_per_sec, .. } => Some(requests_per_sec),
            Outcome::Failed(_) => None,
        }
    }
}

impl Results {
    /// Redis's requests/s for the same command and pipeline depth.
    fn redis_rps(&self, command: BenchCommand, pipeline: u64) -> Option<f64> {
        self.measurements
            .iter()
            .find(|m| m.target.is_redis() && m.command == command && m.pipeline == pipeline)
            .and_then(Measurement::requests_per_sec)
    }

    fn ratio(&self, m: &Measurement) -> Option<f64> {
        let redis = self.redis_rps(m.command, m.pipeline)?;
        m.requests_per_sec().filter(|_| redis > 0.0).map(|r| r / redis)
    }

    fn redis_rss_per_key(&self) -> Option<f64> {
        self.memory.iter().find(|r| r.target.is_redis())?.outcome.as_ref().ok()?.rss_per_key(self.keys())
    }

    fn keys(&self) -> u64 {
        self.memory.first().map_or(0, |r| r.keys)
    }

    /// Throughput rows in table order: by command, then pipeline depth, then server.
    fn rows(&self) -> Vec<&Measurement> {
        let mut rows: Vec<&Measurement> = self.measurements.iter().collect();
        let command_at = |c: BenchCommand| BenchCommand::ALL.iter().position(|&x| x == c);
        rows.sort_by_key(|m| (command_at(m.command), m.pipeline));
        rows
    }

    /// The throughput table.
    pub fn throughput_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Throughput and latency ({} clients, {} requests per row times P, median of {} round(s), load client: {})",
            self.clients, self.requests, self.rounds, self.client
        );
        let width = self.measurements.iter().map(|m| m.target.label.len()).max().unwrap_or(6).max(6);
        let header = format!(
            "{:<7} {:>3}  {:<width$} {:>12} {:>9} {:>9} {:>9} {:>8}",
            "command", "P", "server", "requests/s", "p50 ms", "p99 ms", "vs Redis", "srv CPU"
        );
        let _ = writeln!(out, "{header}");
        let _ = writeln!(out, "{}", "-".repeat(header.len()));
        let mut previous = None;
        for m in self.rows() {
            let group = (m.command, m.pipeline);
            let (name, p) = if previous == Some(group) {
                (String::new(), String::new())
            } else {
                if previous.is_some() {
                    let _ = writeln!(out);
                }
                (m.command.name().to_string(), m.pipeline.to_string())
            };
            previous = Some(group);
            let label = &m.target.label;
            match &m.outcome {
                Outcome::Measured { requests_per_sec, p50_ms, p99_ms, errors, server_cpu, .. } => {
                    let _ = write!(
                        out,
                        "{name:<7} {p:>3}  {label:<width$} {requests_per_sec:>12.0} {:>9} {:>9} {:>9} {:>8}",
                        ms(*p50_ms),
                        ms(*p99_ms),
                        ratio(self.ratio(m)),
                        server_cpu.map_or("-".to_string(), |c| format!("{c:.0}%"))
                    );
                    if *errors > 0 {
                        let _ = write!(out, "  ({errors} errors)");
                    }
                    let _ = writeln!(out);
                }
                Outcome::Failed(_) => {
                    let _ = writeln!(out, "{name:<7} {p:>3}  {label:<width$} {:>12}", "FAILED");
                }
            }
        }
        out
    }

    /// The memory table; empty when memory was not measured.
    pub fn memory_table(&self) -> String {
        if self.memory.is_empty() {
            return String::new();
        }
        let keys = self.keys();
        let mut out = String::new();
        let _ = writeln!(out, "Memory after SET of {keys} keys with 10-byte values (growth over the empty server)");
        let width = self.memory.iter().map(|m| m.target.label.len()).max().unwrap_or(6).max(6);
        let header = format!(
            "{:<width$} {:>11} {:>11} {:>10} {:>17} {:>9}",
            "server", "RSS before", "RSS after", "RSS B/key", "used_memory B/key", "vs Redis"
        );
        let _ = writeln!(out, "{header}");
        let _ = writeln!(out, "{}", "-".repeat(header.len()));
        let redis = self.redis_rss_per_key();
        for r in &self.memory {
            let label = &r.target.label;
            match &r.outcome {
                Ok(u) => {
                    let per_key = u.rss_per_key(keys);
                    let vs = match (per_key, redis) {
                        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                        _ => None,
                    };
                    let _ = writeln!(
                        out,
                        "{label:<width$} {:>11} {:>11} {:>10} {:>17} {:>9}",
                        mib(u.rss_before),
                        mib(u.rss_after),
                        num(per_key),
                        num(u.used_per_key(keys)),
                        ratio(vs)
                    );
                }
                Err(_) => {
                    let _ = writeln!(out, "{label:<width$} {:>11}", "FAILED");
                }
            }
        }
        out
    }

    /// Every failure and error, one line each; empty when there were none.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for m in &self.measurements {
            let what = format!("{} {} P={}", m.target.label, m.command.name(), m.pipeline);
            match &m.outcome {
                Outcome::Failed(why) => problems.push(format!("{what}: {why}")),
                Outcome::Measured { errors, first_error, .. } if *errors > 0 => problems.push(format!(
                    "{what}: {errors} error replies, the first: {}",
                    first_error.as_deref().unwrap_or("?")
                )),
                Outcome::Measured { .. } => {}
            }
        }
        for r in &self.memory {
            if let Err(why) = &r.outcome {
                problems.push(format!("{} memory: {why}", r.target.label));
            }
        }
        problems
    }

    /// `results.csv`: one row per server, command and pipeline depth.
    pub fn write_results_csv(&self, path: &Path) -> Result<(), String> {
        let mut out = String::from(
            "server,mode,store,client,command,pipeline,clients,requests,rounds,requests_per_sec,p50_ms,p99_ms,errors,vs_redis,\
             server_cpu_percent,failure\n",
        );
        for m in self.rows() {
            let (mode, store) = mode_store(&m.target);
            let (rps, p50, p99, errors, cpu, failure) = match &m.outcome {
                Outcome::Measured { requests_per_sec, p50_ms, p99_ms, errors, server_cpu, .. } => (
                    format!("{requests_per_sec:.1}"),
                    opt(*p50_ms, 3),
                    opt(*p99_ms, 3),
                    errors.to_string(),
                    opt(*server_cpu, 1),
                    String::new(),
                ),
                Outcome::Failed(why) => {
                    (String::new(), String::new(), String::new(), String::new(), String::new(), why.clone())
                }
            };
            let fields = [
                m.target.label.clone(),
                mode,
                store,
                self.client.clone(),
                m.command.name().to_string(),
                m.pipeline.to_string(),
                self.clients.to_string(),
                requests_at(self.requests, m.pipeline).to_string(),
                self.rounds.to_string(),
                rps,
                p50,
                p99,
                errors,
                opt(self.ratio(m), 3),
                cpu,
                failure,
            ];
            push_csv_row(&mut out, &fields);
        }
        write(path, &out)
    }

    /// `memory.csv`: one row per server.
    pub fn write_memory_csv(&self, path: &Path) -> Result<(), String> {
        let mut out = String::from(
            "server,mode,store,keys,rss_before,rss_after,rss_bytes_per_key,used_memory_before,used_memory_after,\
             used_memory_bytes_per_key,rss_vs_redis,failure\n",
        );
        let redis = self.redis_rss_per_key();
        for r in &self.memory {
            let (mode, store) = mode_store(&r.target);
            let int = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            let fields = match &r.outcome {
                Ok(u) => {
                    let per_key = u.rss_per_key(r.keys);
                    let vs = per_key.zip(redis).filter(|(_, b)| *b > 0.0).map(|(a, b)| a / b);
                    [
                        r.target.label.clone(),
                        mode,
                        store,
                        r.keys.to_string(),
                        int(u.rss_before),
                        int(u.rss_after),
                        opt(per_key, 1),
                        int(u.used_before),
                        int(u.used_after),
                        opt(u.used_per_key(r.keys), 1),
                        opt(vs, 3),
                        String::new(),
                    ]
                }
                Err(why) => {
                    let mut f: [String; 12] = Default::default();
                    f[0] = r.target.label.clone();
                    (f[1], f[2], f[3], f[11]) = (mode, store, r.keys.to_string(), why.clone());
                    f
                }
            };
            push_csv_row(&mut out, &fields);
        }
        write(path, &out)
    }
}

fn mode_store(target: &Target) -> (String, String) {
    match &target.kind {
        ServerKind::Tandem { mode, store } => (mode.to_string(), store.to_string()),
        ServerKind::Redis => (String::new(), String::new()),
    }
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.3}"))
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.2}x"))
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.1}"))
}

fn mib(v: Option<u64>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{:.1} MiB", v as f64 / (1 << 20) as f64))
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_default()
}

fn push_csv_row(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\"").replace(['\n', '\r'], " "))
            } else {
                f.clone()
            }
        })
        .collect();
    out.push_str(&quoted.join(","));
    out.push('\n');
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(target: Target, command: BenchCommand, pipeline: u64, rps: f64) -> Measurement {
        let outcome = Outcome::Measured {
            requests_per_sec: rps,
            p50_ms: Some(0.1),
            p99_ms: None,
            errors: 0,
            first_error: None,
            server_cpu: Some(50.0),
        };
        Measurement { target, command, pipeline, outcome }
    }

    fn redis() -> Target {
        Target { kind: ServerKind::Redis, label: "redis 7".to_string() }
    }

    fn results(measurements: Vec<Measurement>) -> Results {
        Results { client: "tandem".into(), clients: 1, requests: 1, rounds: 1, measurements, memory: Vec::new() }
    }

    #[test]
    fn rows_compare_with_redis_at_the_same_command_and_depth() {
        let r = results(vec![
            measured(redis(), BenchCommand::Set, 1, 100.0),
            measured(redis(), BenchCommand::Set, 16, 1000.0),
            measured(Target::tandem("eventloop", "mutex"), BenchCommand::Set, 16, 500.0),
        ]);
        assert_eq!(r.ratio(&r.measurements[2]), Some(0.5));
        let table = r.throughput_table();
        assert!(table.contains("0.50x"), "{table}");
        assert!(table.contains("n/a"), "{table}");
    }

    #[test]
    fn rounds_combine_into_their_median_row_and_keep_failures() {
        let set = |rps| measured(redis(), BenchCommand::Set, 1, rps);
        let get = |rps| measured(redis(), BenchCommand::Get, 1, rps);
        let failed = Measurement {
            target: redis(),
            command: BenchCommand::Get,
            pipeline: 1,
            outcome: Outcome::Failed("x".into()),
        };
        let rows =
            median_of_rounds(vec![vec![set(300.0), get(1.0)], vec![set(100.0), failed], vec![set(200.0), get(2.0)]]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].requests_per_sec(), Some(200.0));
        assert_eq!(rows[1].requests_per_sec(), None, "a failed round is not hidden by the others");
    }

    #[test]
    fn without_redis_ratios_are_not_available() {
        let r = results(vec![measured(Target::tandem("threaded", "lockfree"), BenchCommand::Get, 1, 10.0)]);
        assert_eq!(r.ratio(&r.measurements[0]), None);
        assert!(r.problems().is_empty());
    }

    #[test]
    fn csv_fields_with_commas_are_quoted() {
        let mut out = String::new();
        push_csv_row(&mut out, &["a".into(), "b,c".into(), "say \"hi\"".into()]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\"\n");
    }
}

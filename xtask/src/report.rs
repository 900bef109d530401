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

/// Everything one `cargo xtask bench` measured.
pub struct Results {
    pub client: String,
    pub clients: u64,
    pub requests: u64,
    pub measurements: Vec<Measurement>,
    pub memory: Vec<MemoryResult>,
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
            "Throughput and latency ({} clients, {} requests per row, load client: {})",
            self.clients, self.requests, self.client
        );
        let width = self.measurements.iter().map(|m| m.target.label.len()).max().unwrap_or(6).max(6);
        let header = format!(
            "{:<7} {:>3}  {:<width$} {:>12} {:>9} {:>9} {:>9}",
            "command", "P", "server", "requests/s", "p50 ms", "p99 ms", "vs Redis"
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
                Outcome::Measured { requests_per_sec, p50_ms, p99_ms, errors, .. } => {
                    let _ = write!(
                        out,
                        "{name:<7} {p:>3}  {label:<width$} {requests_per_sec:>12.0} {:>9} {:>9} {:>9}",
                        ms(*p50_ms),
                        ms(*p99_ms),
                        ratio(self.ratio(m))
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
            "server,mode,store,client,command,pipeline,clients,requests,requests_per_sec,p50_ms,p99_ms,errors,vs_redis,failure\n",
        );
        for m in self.rows() {
            let (mode, store) = mode_store(&m.target);
            let (rps, p50, p99, errors, failure) = match &m.outcome {
                Outcome::Measured { requests_per_sec, p50_ms, p99_ms, errors, .. } => (
                    format!("{requests_per_sec:.1}"),
                    opt(*p50_ms, 3),
                    opt(*p99_ms, 3),
                    errors.to_string(),
                    String::new(),
                ),
                Outcome::Failed(why) => (String::new(), String::new(), String::new(), String::new(), why.clone()),
            };
            let fields = [
                m.target.label.clone(),
                mode,
                store,
                self.client.clone(),
                m.command.name().to_string(),
                m.pipeline.to_string(),
                self.clients.to_string(),
                self.requests.to_string(),
                rps,
                p50,
                p99,
                errors,
                opt(self.ratio(m), 3),
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
        let outcome =
            Outcome::Measured { requests_per_sec: rps, p50_ms: Some(0.1), p99_ms: None, errors: 0, first_error: None };
        Measurement { target, command, pipeline, outcome }
    }

    fn redis() -> Target {
        Target { kind: ServerKind::Redis, label: "redis 7".to_string() }
    }

    fn results(measurements: Vec<Measurement>) -> Results {
        Results { client: "tandem".into(), clients: 1, requests: 1, measurements, memory: Vec::new() }
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

//! `cargo xtask`: Tandem's project automation, a Rust binary instead of shell scripts
//! (the alias lives in `.cargo/config.toml`).
//!
//! - `cargo xtask bench` builds the release binary, starts every `--mode` × `--store` and,
//!   when installed, a real `redis-server`, drives each with the same load client, and
//!   prints one comparison table (plus CSV files and an SVG chart under `target/bench/`).
//! - `cargo xtask load` is Tandem's own load client, usable against any Redis-protocol
//!   server, so the comparison needs no Redis tools.
//!
//! Exit status: 0 on success; 1 when anything failed or any server answered with an error;
//! 2 for bad flags (clap); 130 after Ctrl-C. Every server the xtask started is stopped on
//! every one of those paths.

mod bench;
mod chart;
mod command;
mod connection;
mod interrupt;
mod load;
mod memory;
mod redis_benchmark;
mod report;
mod server;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "cargo xtask", about = "Tandem's project automation", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Compare every mode × store of Tandem with redis-server: throughput, latency, memory.
    Bench(bench::BenchArgs),
    /// Drive one server with Tandem's load client and print requests/s and latency.
    Load(load::LoadArgs),
}

/// How a task ended, beyond success: the message is printed on stderr.
pub enum Failure {
    /// Something went wrong; the run's results (if any) were still reported.
    Failed(String),
    /// The user pressed Ctrl-C (or the xtask got SIGTERM).
    Interrupted,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        if interrupt::requested() {
            Failure::Interrupted
        } else {
            Failure::Failed(message)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = interrupt::install() {
        eprintln!("xtask: cannot install the Ctrl-C handler: {e}");
        return ExitCode::FAILURE;
    }
    let result = match cli.task {
        Task::Bench(args) => bench::run(args),
        Task::Load(args) => load::run_cli(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Failed(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
        Err(Failure::Interrupted) => {
            eprintln!("xtask: interrupted; every server it started has been stopped");
            ExitCode::from(130)
        }
    }
}

//! `tandem`: the server binary. Reads the configuration (defaults < config file < flags),
//! sets up logging, raises the open files limit, builds the [`store::Engine`] over the
//! chosen store and runs the chosen server until SHUTDOWN, SIGINT or SIGTERM.
//!
//! Exit status: 0 after a clean shutdown; 1 for a configuration error (its message on
//! stderr) or a server that cannot start (in the log).

mod args;
mod limits;
mod logging;
mod serve;

use std::process::ExitCode;

use clap::Parser;
use store::{Config, Engine};
use tracing::{error, info, warn};

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let mut values = match cli.config() {
        Ok(v) => v,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(message) = logging::init(&values) {
        eprintln!("{message}");
        return ExitCode::FAILURE;
    }
    info!(
        "Tandem {} starting: mode={} store={} port={} pid={}",
        env!("CARGO_PKG_VERSION"),
        values.mode.name(),
        values.store,
        values.port,
        std::process::id()
    );
    if let Some(file) = &values.config_file {
        info!("Configuration loaded from {}", file.display());
    }
    if values.daemonize {
        warn!("daemonize is not supported: Tandem stays in the foreground");
    }
    match limits::raise_open_files(values.maxclients as u64) {
        Ok(maxclients) => values.maxclients = maxclients as usize,
        Err(message) => {
            error!("{message}");
            return ExitCode::FAILURE;
        }
    }
    let store = match store::open_store(&values.store, values.databases) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("tandem: {message}");
            return ExitCode::FAILURE;
        }
    };
    let pidfile = values.pidfile.clone();
    let engine = Engine::new(Config::new(values), store);
    if !pidfile.is_empty() {
        if let Err(e) = std::fs::write(&pidfile, format!("{}\n", std::process::id())) {
            warn!("Failed to write PID file {pidfile}: {e}");
        }
    }
    if let Err(message) = store::persist::load_at_start(&engine) {
        error!("{message}");
        error!("Refusing to start over unreadable data: fix or move the file, then restart.");
        return ExitCode::FAILURE;
    }
    let result = serve::run(engine);
    if !pidfile.is_empty() {
        let _ = std::fs::remove_file(&pidfile);
    }
    match result {
        Ok(()) => {
            info!("Tandem is now ready to exit, bye bye...");
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("Server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

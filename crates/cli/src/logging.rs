//! Logging: tracing to stdout, or to `logfile` when set, at the verbosity of `loglevel`
//! (`RUST_LOG` overrides it with a tracing filter). Colours only on a terminal.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::sync::Mutex;

use store::ConfigValues;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::EnvFilter;

/// The tracing level for a Redis `loglevel`.
pub fn level(loglevel: &str) -> &'static str {
    match loglevel {
        "debug" => "trace",
        "verbose" => "debug",
        "warning" => "warn",
        _ => "info",
    }
}

/// Installs the global subscriber. The error is Redis's text for a log file it cannot open.
pub fn init(config: &ConfigValues) -> Result<(), String> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level(&config.loglevel)));
    let (writer, ansi) = if config.logfile.is_empty() {
        (BoxMakeWriter::new(std::io::stdout), std::io::stdout().is_terminal())
    } else {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&config.logfile)
            .map_err(|e| format!("Can't open the log file: {e}"))?;
        (BoxMakeWriter::new(Mutex::new(file)), false)
    };
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi).init();
    Ok(())
}

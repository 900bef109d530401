//! The command line: `tandem [CONFIG-FILE] [--flag value ...]`, and how it combines with
//! the config file. Precedence: defaults < config file < flags. Every flag is a redis.conf
//! directive applied through the same parameter table as the file and CONFIG SET, so a
//! value is checked (and refused with the same text) wherever it comes from.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use store::ConfigValues;

/// Tandem: a Redis-compatible in-memory data server with two architectures.
#[derive(Parser, Debug)]
#[command(name = "tandem", version, about, max_term_width = 100)]
pub struct Cli {
    /// A redis.conf-style configuration file; flags override what it sets.
    #[arg(value_name = "CONFIG-FILE")]
    pub config_file: Option<PathBuf>,

    /// Architecture: one event loop thread, or one thread per client.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    /// Keyspace implementation.
    #[arg(long, value_enum, value_name = "STORE")]
    pub store: Option<StoreArg>,

    /// Scheduling policy of the threaded mode's client threads: batch (a woken thread
    /// waits for the running one instead of preempting it) or other [default: batch].
    #[arg(long, value_parser = ["batch", "other"], value_name = "POLICY")]
    pub client_thread_policy: Option<String>,

    /// TCP port to listen on [default: 6379].
    #[arg(long, env = "TANDEM_PORT", value_name = "N")]
    pub port: Option<u16>,

    /// Addresses to listen on [default: 127.0.0.1].
    #[arg(long, num_args = 1.., value_name = "ADDR")]
    pub bind: Option<Vec<String>>,

    /// Most clients connected at once [default: 10000].
    #[arg(long, value_name = "N")]
    pub maxclients: Option<u64>,

    /// Number of databases [default: 16].
    #[arg(long, value_name = "N")]
    pub databases: Option<u64>,

    /// Close a client idle this many seconds; 0 never [default: 0].
    #[arg(long, value_name = "N")]
    pub timeout: Option<u64>,

    /// Background task frequency, 1 to 500 [default: 10].
    #[arg(long, value_name = "N")]
    pub hz: Option<u64>,

    /// Log verbosity [default: notice].
    #[arg(long, value_parser = ["debug", "verbose", "notice", "warning"], value_name = "LEVEL")]
    pub loglevel: Option<String>,

    /// Directory for RDB files [default: .].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<String>,

    /// RDB file name [default: dump.rdb].
    #[arg(long, value_name = "FILE")]
    pub dbfilename: Option<String>,

    /// RDB save points, "<seconds> <changes> ..."; "" saves only on SAVE/BGSAVE
    /// [default: "3600 1 300 100 60 10000"].
    #[arg(long, value_name = "POINTS", allow_hyphen_values = true)]
    pub save: Option<String>,

    /// Log every write to the append-only file (yes|no) [default: no].
    #[arg(long, value_name = "YES|NO")]
    pub appendonly: Option<String>,

    /// When the AOF is fsynced (always|everysec|no) [default: everysec].
    #[arg(long, value_name = "POLICY")]
    pub appendfsync: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
    #[value(name = "eventloop")]
    EventLoop,
    #[value(name = "threaded")]
    Threaded,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StoreArg {
    #[value(name = "mutex")]
    Mutex,
    #[value(name = "lockfree")]
    LockFree,
}

impl Cli {
    /// The flags given, as redis.conf directives.
    fn directives(&self) -> Vec<(&'static str, Vec<String>)> {
        let mut out = Vec::new();
        let mut one = |name: &'static str, value: Option<String>| {
            if let Some(v) = value {
                out.push((name, vec![v]));
            }
        };
        one("mode", self.mode.map(|m| m.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()));
        one("store", self.store.map(|s| s.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()));
        one("client-thread-policy", self.client_thread_policy.clone());
        one("port", self.port.map(|n| n.to_string()));
        one("maxclients", self.maxclients.map(|n| n.to_string()));
        one("databases", self.databases.map(|n| n.to_string()));
        one("timeout", self.timeout.map(|n| n.to_string()));
        one("hz", self.hz.map(|n| n.to_string()));
        one("loglevel", self.loglevel.clone());
        one("dir", self.dir.clone());
        one("dbfilename", self.dbfilename.clone());
        one("appendonly", self.appendonly.clone());
        one("appendfsync", self.appendfsync.clone());
        if let Some(points) = &self.save {
            // Like `save` in a config file: pairs of words, or "" for none.
            let words: Vec<String> = points.split_whitespace().map(str::to_string).collect();
            out.push(("save", if words.is_empty() { vec![String::new()] } else { words }));
        }
        if let Some(addrs) = &self.bind {
            out.push(("bind", addrs.clone()));
        }
        out
    }

    /// The configuration: defaults, then the config file, then the flags. The error is
    /// the message to print before exiting.
    pub fn config(&self) -> Result<ConfigValues, String> {
        let mut values = match &self.config_file {
            Some(path) => ConfigValues::from_file(path).map_err(|e| e.to_string())?,
            None => ConfigValues::default(),
        };
        for (name, args) in self.directives() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            values
                .apply_directive(name, &args)
                .map_err(|why| format!("tandem: invalid --{name} '{}': {why}", args.join(" ")))?;
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("tandem").chain(args.iter().copied())).expect("parse")
    }

    #[test]
    fn persistence_flags_set_their_directives() {
        let cli = parse(&["--save", "", "--appendonly", "yes", "--appendfsync", "always"]);
        let c = cli.config().expect("config");
        assert_eq!((c.save.as_str(), c.appendonly, c.appendfsync.as_str()), ("", true, "always"));
        let c = parse(&["--save", "60 10 300 1"]).config().expect("config");
        assert_eq!(c.save, "60 10 300 1");
        assert!(parse(&["--appendfsync", "sometimes"]).config().is_err());
    }

    #[test]
    fn flags_override_defaults() {
        let v =
            parse(&["--mode=threaded", "--port", "7000", "--bind", "127.0.0.1", "::1", "--hz", "50"]).config().unwrap();
        assert_eq!(v.mode, store::Mode::Threaded);
        assert_eq!(v.port, 7000);
        assert_eq!(v.bind, ["127.0.0.1", "::1"]);
        assert_eq!(v.hz, 50);
    }

    #[test]
    fn flags_are_checked_like_config_set() {
        let e = parse(&["--maxclients", "0"]).config().unwrap_err();
        assert_eq!(e, "tandem: invalid --maxclients '0': argument must be between 1 and 4294967295 inclusive");
    }

    #[test]
    fn flags_override_the_config_file() {
        let path = std::env::temp_dir().join(format!("tandem-cli-args-{}.conf", std::process::id()));
        std::fs::write(&path, "port 7001\ntimeout 9\n").unwrap();
        let v = parse(&[path.to_str().unwrap(), "--port", "7002"]).config();
        std::fs::remove_file(&path).unwrap();
        let v = v.unwrap();
        assert_eq!((v.port, v.timeout), (7002, 9));
    }
}

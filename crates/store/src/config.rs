//! Server configuration: the parameters Tandem has, with redis.conf names, defaults and
//! limits; read by the servers, changed by CONFIG SET and the config file.

use parking_lot::RwLock;

/// Which architecture serves connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    EventLoop,
    Threaded,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::EventLoop => "eventloop",
            Mode::Threaded => "threaded",
        }
    }
}

/// One `client-output-buffer-limit` class: disconnect past `hard` bytes, or past `soft`
/// bytes for longer than `soft_seconds`. 0 means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// The current value of every parameter. Servers take a copy (`Config::get`) when they
/// need several; CONFIG SET replaces values under the lock.
#[derive(Clone, Debug)]
pub struct ConfigValues {
    pub mode: Mode,
    /// `--store`: "mutex" or "lockfree".
    pub store: String,
    pub port: u16,
    pub bind: Vec<String>,
    pub databases: usize,
    pub maxclients: usize,
    /// Close a client idle this many seconds (0 = never).
    pub timeout: u64,
    pub client_query_buffer_limit: u64,
    pub proto_max_bulk_len: u64,
    pub output_limit_normal: OutputLimit,
    pub output_limit_pubsub: OutputLimit,
    pub output_limit_replica: OutputLimit,
    /// Background task frequency (active expiry runs `hz` times a second).
    pub hz: u64,
    pub tcp_backlog: u32,
    pub tcp_keepalive: u64,
    pub loglevel: String,
    pub logfile: String,
    pub pidfile: String,
    pub daemonize: bool,
    pub dir: String,
    pub dbfilename: String,
    pub save: String,
    pub appendonly: bool,
    pub maxmemory: u64,
    pub maxmemory_policy: String,
    pub protected_mode: bool,
    pub lazyfree_lazy_user_del: bool,
}

impl Default for ConfigValues {
    fn default() -> Self {
        ConfigValues {
            mode: Mode::EventLoop,
            store: "mutex".into(),
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            databases: 16,
            maxclients: 10000,
            timeout: 0,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            proto_max_bulk_len: 512 * 1024 * 1024,
            output_limit_normal: OutputLimit { hard: 0, soft: 0, soft_seconds: 0 },
            output_limit_pubsub: OutputLimit { hard: 32 << 20, soft: 8 << 20, soft_seconds: 60 },
            output_limit_replica: OutputLimit { hard: 256 << 20, soft: 64 << 20, soft_seconds: 60 },
            hz: 10,
            tcp_backlog: 511,
            tcp_keepalive: 300,
            loglevel: "notice".into(),
            logfile: String::new(),
            pidfile: String::new(),
            daemonize: false,
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            save: "3600 1 300 100 60 10000".into(),
            appendonly: false,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            protected_mode: true,
            lazyfree_lazy_user_del: false,
        }
    }
}

/// The live configuration.
#[derive(Default)]
pub struct Config {
    values: RwLock<ConfigValues>,
}

impl Config {
    pub fn new(values: ConfigValues) -> Config {
        Config { values: RwLock::new(values) }
    }

    /// A copy of every value.
    pub fn get(&self) -> ConfigValues {
        self.values.read().clone()
    }

    /// Reads one or more values without copying the rest.
    pub fn read<R>(&self, f: impl FnOnce(&ConfigValues) -> R) -> R {
        f(&self.values.read())
    }

    /// Changes values.
    pub fn update<R>(&self, f: impl FnOnce(&mut ConfigValues) -> R) -> R {
        f(&mut self.values.write())
    }
}

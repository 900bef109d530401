//! Server configuration: the parameters Tandem has, with redis.conf names, defaults and
//! limits; read by the servers, changed by CONFIG SET and the config file.
//!
//! [`ConfigValues`] holds the typed values the rest of the server reads. [`PARAMS`] is the
//! declarative table over it, one [`Param`] per redis.conf directive: its name (and
//! alias), whether CONFIG SET may change it, and its [`Kind`], which knows how Redis parses,
//! validates and formats a value of that type (Redis's `standardConfig` table in config.c).
//! CONFIG GET/SET, the config file and the command line all go through this table, so a
//! value is validated by one piece of code with Redis's error texts wherever it comes from.
//!
//! Some parameters are kept for compatibility only (clients and tools set them); the
//! subsystem that honours a parameter reads it from here.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

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

    /// The mode named `name` (`eventloop` or `threaded`, ASCII case-insensitive).
    pub fn from_name(name: &str) -> Option<Mode> {
        if name.eq_ignore_ascii_case("eventloop") {
            Some(Mode::EventLoop)
        } else if name.eq_ignore_ascii_case("threaded") {
            Some(Mode::Threaded)
        } else {
            None
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
    /// Linux scheduling policy of the threaded mode's client threads: "batch"
    /// (`SCHED_BATCH`: a woken thread does not preempt the running one) or "other" (the
    /// default policy, `SCHED_OTHER`). See ARCHITECTURE.md, "what makes each mode fast or slow".
    pub client_thread_policy: String,
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
    /// Background task frequency (active expiry runs `hz` times a second); kept within
    /// 1..=500 as Redis does.
    pub hz: u64,
    pub tcp_backlog: u32,
    pub tcp_keepalive: u64,
    pub loglevel: String,
    pub logfile: String,
    pub pidfile: String,
    pub daemonize: bool,
    /// Where RDB files go. CONFIG SET and the config file store it as an absolute path
    /// (Redis `chdir`s there; Tandem keeps its working directory).
    pub dir: String,
    pub dbfilename: String,
    /// Snapshot points as Redis formats them ("3600 1 300 100"); see [`ConfigValues::save_points`].
    pub save: String,
    pub appendonly: bool,
    /// `always`, `everysec` or `no`: when the AOF is fsynced.
    pub appendfsync: String,
    /// Base name of the AOF files (`appendonly.aof` → `appendonly.aof.1.base.rdb`, ...).
    pub appendfilename: String,
    /// The AOF directory, inside `dir`.
    pub appenddirname: String,
    /// Load an AOF whose last command is cut short (truncating it) instead of refusing.
    pub aof_load_truncated: bool,
    /// Write the AOF base file as an RDB (else as commands).
    pub aof_use_rdb_preamble: bool,
    /// Rewrite the AOF when it grew this many percent past its size after the last rewrite
    /// (0 = never automatically) ...
    pub auto_aof_rewrite_percentage: u64,
    /// ... and is at least this big.
    pub auto_aof_rewrite_min_size: u64,
    /// Compress strings in RDB files with LZF.
    pub rdbcompression: bool,
    /// Write (and check) the RDB CRC-64 trailer.
    pub rdbchecksum: bool,
    /// Refuse writes while the last background save failed, as Redis does.
    pub stop_writes_on_bgsave_error: bool,
    pub maxmemory: u64,
    pub maxmemory_policy: String,
    /// `notify-keyspace-events`, in canonical flag order ("" = off).
    pub notify_keyspace_events: String,
    pub protected_mode: bool,
    pub lazyfree_lazy_user_del: bool,
    /// Whether CONFIG SET may change protected parameters (`dir`, `dbfilename`): "no",
    /// "yes" or "local" (only from loopback clients).
    pub enable_protected_configs: String,
    pub hash_max_listpack_entries: u64,
    pub hash_max_listpack_value: u64,
    pub list_max_listpack_size: i64,
    pub set_max_intset_entries: u64,
    pub zset_max_listpack_entries: u64,
    pub zset_max_listpack_value: u64,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: u64,
    /// The file the configuration was read from, if any (CONFIG REWRITE); absolute.
    pub config_file: Option<PathBuf>,
}

impl Default for ConfigValues {
    fn default() -> Self {
        ConfigValues {
            mode: Mode::EventLoop,
            store: "mutex".into(),
            client_thread_policy: "batch".into(),
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
            appendfsync: "everysec".into(),
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            notify_keyspace_events: String::new(),
            protected_mode: true,
            lazyfree_lazy_user_del: false,
            enable_protected_configs: "no".into(),
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            list_max_listpack_size: -2,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            config_file: None,
        }
    }
}

/// How a parameter may change while the server runs (Redis's config flags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// CONFIG SET changes it.
    Runtime,
    /// Only the config file and the command line set it.
    Immutable,
    /// CONFIG SET changes it only where `enable-protected-configs` allows.
    Protected,
}

/// A parameter's type: how a value is parsed, validated and formatted, and the accessors
/// into [`ConfigValues`] where it lives.
pub enum Kind {
    /// `yes`/`no` (ASCII case-insensitive).
    Bool { get: fn(&ConfigValues) -> bool, set: fn(&mut ConfigValues, bool) },
    /// A decimal integer (`string2ll` rules) within `min..=max`.
    Integer { min: i128, max: i128, get: fn(&ConfigValues) -> i128, set: fn(&mut ConfigValues, i128) },
    /// A byte count with an optional unit (`1gb`, `512mb`, `100k`: see [`parse_memory`])
    /// within `min..=max`; formatted as plain bytes.
    Memory { min: i128, max: i128, get: fn(&ConfigValues) -> i128, set: fn(&mut ConfigValues, i128) },
    /// One of `values` (ASCII case-insensitive); stored and formatted as listed.
    Enum { values: &'static [&'static str], get: fn(&ConfigValues) -> &str, set: fn(&mut ConfigValues, &'static str) },
    /// Any string `check` accepts.
    String {
        check: fn(&str) -> Result<String, String>,
        get: fn(&ConfigValues) -> String,
        set: fn(&mut ConfigValues, String),
    },
    /// Several arguments (`save 3600 1 300 100`); CONFIG SET splits its value on spaces.
    Multi { set: fn(&mut ConfigValues, &[&str]) -> Result<(), String>, get: fn(&ConfigValues) -> String },
}

/// One parameter of the table.
pub struct Param {
    pub name: &'static str,
    /// A second name that reads and writes the same value (`hash-max-ziplist-entries`).
    pub alias: Option<&'static str>,
    pub change: Change,
    pub kind: Kind,
}

impl Param {
    const fn new(name: &'static str, change: Change, kind: Kind) -> Param {
        Param { name, alias: None, change, kind }
    }

    const fn alias(mut self, alias: &'static str) -> Param {
        self.alias = Some(alias);
        self
    }

    /// The value as CONFIG GET shows it.
    pub fn format(&self, c: &ConfigValues) -> String {
        match &self.kind {
            Kind::Bool { get, .. } => (if get(c) { "yes" } else { "no" }).to_string(),
            Kind::Integer { get, .. } | Kind::Memory { get, .. } => get(c).to_string(),
            Kind::Enum { get, .. } => get(c).to_string(),
            Kind::String { get, .. } => get(c),
            Kind::Multi { get, .. } => get(c),
        }
    }

    /// Sets the value from its arguments (one, except for [`Kind::Multi`]); the error is
    /// Redis's reason text, without the CONFIG SET or config file framing.
    pub fn apply(&self, c: &mut ConfigValues, args: &[&str]) -> Result<(), String> {
        if let Kind::Multi { set, .. } = &self.kind {
            return set(c, args);
        }
        let [value] = args else {
            return Err("wrong number of arguments".to_string());
        };
        match &self.kind {
            Kind::Bool { set, .. } => match yes_no(value) {
                Some(b) => set(c, b),
                None => return Err("argument must be 'yes' or 'no'".to_string()),
            },
            Kind::Integer { min, max, set, .. } => {
                let v = crate::num::parse_i64(value.as_bytes())
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                set(c, in_bounds(v as i128, *min, *max)?);
            }
            Kind::Memory { min, max, set, .. } => {
                let v = parse_memory(value).ok_or_else(|| "argument must be a memory value".to_string())?;
                set(c, in_bounds(v as i128, *min, *max)?);
            }
            Kind::Enum { values, set, .. } => match values.iter().find(|v| v.eq_ignore_ascii_case(value)) {
                Some(v) => set(c, v),
                None => return Err(format!("argument(s) must be one of the following: {}", values.join(", "))),
            },
            Kind::String { check, set, .. } => set(c, check(value)?),
            Kind::Multi { .. } => unreachable!("handled above"),
        }
        Ok(())
    }

    /// True for parameters that take several arguments.
    pub fn is_multi(&self) -> bool {
        matches!(self.kind, Kind::Multi { .. })
    }
}

fn in_bounds(v: i128, min: i128, max: i128) -> Result<i128, String> {
    if v < min || v > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(v)
}

/// Redis's `yesnotoi`.
fn yes_no(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// Parses a memory size the way Redis's `memtoull` does: decimal digits, then an optional
/// unit — `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`, `gb`, ASCII case-insensitive.
/// No sign, no spaces, no fractions. Like the C original, an empty number is 0 ("" and
/// "k" are 0), a number too large saturates and the multiplication wraps.
pub fn parse_memory(s: &str) -> Option<u64> {
    let digits_end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(digits_end);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.len() >= 128 {
        return None;
    }
    let value =
        digits.bytes().try_fold(0u64, |v, d| v.checked_mul(10)?.checked_add(u64::from(d - b'0'))).unwrap_or(u64::MAX);
    Some(value.wrapping_mul(mul))
}

/// C's `strtoll(s, &end, 10)` with `*end == '\0'` required, as Redis checks `save` and
/// `client-output-buffer-limit` numbers: leading whitespace and a sign are allowed, the
/// empty string is 0, overflow saturates.
fn c_strtoll(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Some(0);
    }
    let mut i = b.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count();
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &b[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().try_fold(0i128, |v, d| {
        let v = v * 10 + i128::from(d - b'0');
        (v <= i128::from(u64::MAX)).then_some(v)
    });
    let v = magnitude.unwrap_or(i128::from(u64::MAX));
    let v = if neg { -v } else { v };
    Some(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// The absolute form of `dir`, as Redis reports the working directory it `chdir`ed to.
fn absolute_dir(dir: &str) -> String {
    std::fs::canonicalize(dir).map(|p| p.to_string_lossy().into_owned()).unwrap_or_else(|_| dir.to_string())
}

/// The message of an OS error without Rust's " (os error N)" suffix, like C's `strerror`.
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `dir` must name a directory (Redis reports `chdir`'s error); stored absolute.
fn check_dir(value: &str) -> Result<String, String> {
    let path = std::fs::canonicalize(value).map_err(|e| strerror(&e))?;
    if !path.is_dir() {
        return Err("Not a directory".to_string());
    }
    Ok(path.to_string_lossy().into_owned())
}

fn check_dbfilename(value: &str) -> Result<String, String> {
    if value.contains('/') || value.contains('\\') {
        return Err("dbfilename can't be a path, just a filename".to_string());
    }
    Ok(value.to_string())
}

/// `appendfilename` names a file inside the AOF directory, as in Redis.
fn check_aof_file(value: &str) -> Result<String, String> {
    if value.contains('/') || value.contains('\\') || value.is_empty() {
        return Err("appendfilename can't be a path, just a filename".to_string());
    }
    Ok(value.to_string())
}

/// `appenddirname` names a directory inside `dir`, as in Redis.
fn check_aof_dir(value: &str) -> Result<String, String> {
    if value.contains('/') || value.contains('\\') || value.is_empty() {
        return Err("appenddirname can't be a path, just a dirname".to_string());
    }
    Ok(value.to_string())
}

fn any_string(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

/// Most bind addresses a server listens on (Redis's `CONFIG_BINDADDR_MAX`).
pub const BIND_MAX: usize = 16;

fn set_bind(c: &mut ConfigValues, args: &[&str]) -> Result<(), String> {
    if args.len() > BIND_MAX {
        return Err("Too many bind addresses specified.".to_string());
    }
    // A single empty argument means no address at all.
    let args = if args == [""] { &[][..] } else { args };
    c.bind = args.iter().map(|a| a.to_string()).collect();
    Ok(())
}

fn set_save(c: &mut ConfigValues, args: &[&str]) -> Result<(), String> {
    // A single empty argument means no snapshot points.
    let args = if args == [""] { &[][..] } else { args };
    let invalid = || "Invalid save parameters".to_string();
    let pairs = args.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(invalid());
    }
    let mut points = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let seconds = c_strtoll(pair[0]).filter(|&s| s >= 1).ok_or_else(invalid)?;
        let changes = c_strtoll(pair[1]).filter(|&n| n >= 0).ok_or_else(invalid)?;
        points.push(format!("{seconds} {changes}"));
    }
    c.save = points.join(" ");
    Ok(())
}

/// The client classes of `client-output-buffer-limit`, in the order CONFIG GET lists them.
const OUTPUT_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

fn output_limit(c: &mut ConfigValues, class: usize) -> &mut OutputLimit {
    match class {
        0 => &mut c.output_limit_normal,
        1 => &mut c.output_limit_replica,
        _ => &mut c.output_limit_pubsub,
    }
}

fn set_output_limits(c: &mut ConfigValues, args: &[&str]) -> Result<(), String> {
    let groups = args.chunks_exact(4);
    if !groups.remainder().is_empty() {
        return Err("Wrong number of arguments in buffer limit configuration.".to_string());
    }
    // Validate every class before changing any, so a bad one rejects the whole value.
    let mut parsed = Vec::with_capacity(groups.len());
    for group in groups {
        let class = match group[0].to_ascii_lowercase().as_str() {
            "normal" => 0,
            "slave" | "replica" => 1,
            "pubsub" => 2,
            _ => return Err("Invalid client class specified in buffer limit configuration.".to_string()),
        };
        let limit = match (parse_memory(group[1]), parse_memory(group[2]), c_strtoll(group[3])) {
            (Some(hard), Some(soft), Some(secs)) if secs >= 0 => OutputLimit { hard, soft, soft_seconds: secs as u64 },
            _ => return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string()),
        };
        parsed.push((class, limit));
    }
    for (class, limit) in parsed {
        *output_limit(c, class) = limit;
    }
    Ok(())
}

fn format_output_limits(c: &ConfigValues) -> String {
    let limits = [c.output_limit_normal, c.output_limit_replica, c.output_limit_pubsub];
    OUTPUT_CLASSES
        .iter()
        .zip(limits)
        .map(|(name, l)| format!("{name} {} {} {}", l.hard, l.soft, l.soft_seconds))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A [`Kind`] over one field of [`ConfigValues`].
macro_rules! field {
    (bool $f:ident) => {
        Kind::Bool { get: |c| c.$f, set: |c, v| c.$f = v }
    };
    (int $f:ident, $min:expr, $max:expr) => {
        Kind::Integer { min: $min as i128, max: $max as i128, get: |c| c.$f as i128, set: |c, v| c.$f = v as _ }
    };
    (memory $f:ident, $min:expr, $max:expr) => {
        Kind::Memory { min: $min as i128, max: $max as i128, get: |c| c.$f as i128, set: |c, v| c.$f = v as _ }
    };
    (enum $f:ident, $values:expr) => {
        Kind::Enum { values: $values, get: |c| c.$f.as_str(), set: |c, v| c.$f = v.to_string() }
    };
    (string $f:ident, $check:expr) => {
        Kind::String { check: $check, get: |c| c.$f.clone(), set: |c, v| c.$f = v }
    };
}

const INT_MAX: i64 = i32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;

use Change::{Immutable, Protected, Runtime};

/// Every parameter, with Redis 7's names, aliases, types, limits and mutability (Tandem
/// makes `port` and `bind` immutable: its servers bind once).
pub static PARAMS: &[Param] = &[
    // Tandem's own.
    Param::new(
        "mode",
        Immutable,
        Kind::Enum {
            values: &["eventloop", "threaded"],
            get: |c| c.mode.name(),
            set: |c, v| c.mode = Mode::from_name(v).unwrap_or(Mode::EventLoop),
        },
    ),
    Param::new("store", Immutable, field!(enum store, &["mutex", "lockfree"])),
    Param::new("client-thread-policy", Immutable, field!(enum client_thread_policy, &["batch", "other"])),
    // Network and clients.
    Param::new("port", Immutable, field!(int port, 0, 65535)),
    Param::new("bind", Immutable, Kind::Multi { set: set_bind, get: |c| c.bind.join(" ") }),
    Param::new("tcp-backlog", Immutable, field!(int tcp_backlog, 0, INT_MAX)),
    Param::new("tcp-keepalive", Runtime, field!(int tcp_keepalive, 0, INT_MAX)),
    Param::new("protected-mode", Runtime, field!(bool protected_mode)),
    Param::new("maxclients", Runtime, field!(int maxclients, 1, u32::MAX)),
    Param::new("timeout", Runtime, field!(int timeout, 0, INT_MAX)),
    Param::new("client-query-buffer-limit", Runtime, field!(memory client_query_buffer_limit, 1024 * 1024, LONG_MAX)),
    Param::new("proto-max-bulk-len", Runtime, field!(memory proto_max_bulk_len, 1024 * 1024, LONG_MAX)),
    Param::new(
        "client-output-buffer-limit",
        Runtime,
        Kind::Multi { set: set_output_limits, get: format_output_limits },
    ),
    // Server.
    Param::new("databases", Immutable, field!(int databases, 1, INT_MAX)),
    Param::new(
        "hz",
        Runtime,
        // Any value is accepted and kept within 1..=500, as Redis's `updateHZ`.
        Kind::Integer {
            min: 0,
            max: INT_MAX as i128,
            get: |c| c.hz as i128,
            set: |c, v| c.hz = v.clamp(1, 500) as u64,
        },
    ),
    Param::new("daemonize", Immutable, field!(bool daemonize)),
    Param::new("pidfile", Immutable, field!(string pidfile, any_string)),
    Param::new("loglevel", Runtime, field!(enum loglevel, &["debug", "verbose", "notice", "warning"])),
    Param::new("logfile", Immutable, field!(string logfile, any_string)),
    Param::new("enable-protected-configs", Immutable, field!(enum enable_protected_configs, &["no", "yes", "local"])),
    // Persistence.
    Param::new(
        "dir",
        Protected,
        Kind::String { check: check_dir, get: |c| absolute_dir(&c.dir), set: |c, v| c.dir = v },
    ),
    Param::new("dbfilename", Protected, field!(string dbfilename, check_dbfilename)),
    Param::new("save", Runtime, Kind::Multi { set: set_save, get: |c| c.save.clone() }),
    Param::new("appendonly", Runtime, field!(bool appendonly)),
    Param::new("appendfsync", Runtime, field!(enum appendfsync, &["always", "everysec", "no"])),
    Param::new("appendfilename", Immutable, field!(string appendfilename, check_aof_file)),
    Param::new("appenddirname", Immutable, field!(string appenddirname, check_aof_dir)),
    Param::new("aof-load-truncated", Runtime, field!(bool aof_load_truncated)),
    Param::new("aof-use-rdb-preamble", Runtime, field!(bool aof_use_rdb_preamble)),
    Param::new("auto-aof-rewrite-percentage", Runtime, field!(int auto_aof_rewrite_percentage, 0, INT_MAX)),
    Param::new("auto-aof-rewrite-min-size", Runtime, field!(memory auto_aof_rewrite_min_size, 0, LONG_MAX)),
    Param::new("rdbcompression", Runtime, field!(bool rdbcompression)),
    Param::new("rdbchecksum", Immutable, field!(bool rdbchecksum)),
    Param::new("stop-writes-on-bgsave-error", Runtime, field!(bool stop_writes_on_bgsave_error)),
    Param::new(
        "notify-keyspace-events",
        Runtime,
        Kind::String {
            check: |v| crate::notify::check_flags(v),
            get: |c| c.notify_keyspace_events.clone(),
            set: |c, v| c.notify_keyspace_events = v,
        },
    ),
    // Memory.
    Param::new("maxmemory", Runtime, field!(memory maxmemory, 0, u64::MAX)),
    Param::new(
        "maxmemory-policy",
        Runtime,
        field!(
            enum maxmemory_policy,
            &[
                "volatile-lru",
                "volatile-lfu",
                "volatile-random",
                "volatile-ttl",
                "allkeys-lru",
                "allkeys-lfu",
                "allkeys-random",
                "noeviction",
            ]
        ),
    ),
    Param::new("lazyfree-lazy-user-del", Runtime, field!(bool lazyfree_lazy_user_del)),
    // Value encodings.
    Param::new("hash-max-listpack-entries", Runtime, field!(int hash_max_listpack_entries, 0, LONG_MAX))
        .alias("hash-max-ziplist-entries"),
    Param::new("hash-max-listpack-value", Runtime, field!(memory hash_max_listpack_value, 0, LONG_MAX))
        .alias("hash-max-ziplist-value"),
    Param::new("list-max-listpack-size", Runtime, field!(int list_max_listpack_size, i32::MIN, INT_MAX))
        .alias("list-max-ziplist-size"),
    Param::new("set-max-intset-entries", Runtime, field!(int set_max_intset_entries, 0, LONG_MAX)),
    Param::new("zset-max-listpack-entries", Runtime, field!(int zset_max_listpack_entries, 0, LONG_MAX))
        .alias("zset-max-ziplist-entries"),
    Param::new("zset-max-listpack-value", Runtime, field!(memory zset_max_listpack_value, 0, LONG_MAX))
        .alias("zset-max-ziplist-value"),
    // Slow log.
    Param::new("slowlog-log-slower-than", Runtime, field!(int slowlog_log_slower_than, -1, LONG_MAX)),
    Param::new("slowlog-max-len", Runtime, field!(int slowlog_max_len, 0, LONG_MAX)),
];

/// The parameter named `name` (its name or alias, ASCII case-insensitive), with the name
/// it was found under.
pub fn lookup(name: &str) -> Option<(&'static Param, &'static str)> {
    PARAMS.iter().find_map(|p| {
        if p.name.eq_ignore_ascii_case(name) {
            Some((p, p.name))
        } else {
            p.alias.filter(|a| a.eq_ignore_ascii_case(name)).map(|a| (p, a))
        }
    })
}

/// Every name CONFIG GET patterns match against: names and aliases.
fn all_names() -> impl Iterator<Item = (&'static Param, &'static str)> {
    PARAMS.iter().flat_map(|p| std::iter::once((p, p.name)).chain(p.alias.map(|a| (p, a))))
}

impl ConfigValues {
    /// Defaults overridden by the config file at `path` (redis.conf syntax).
    pub fn from_file(path: impl AsRef<Path>) -> Result<ConfigValues, ConfigFileError> {
        let mut values = ConfigValues::default();
        values.load_file(path)?;
        Ok(values)
    }

    /// Applies the config file at `path` over these values.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<(), ConfigFileError> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| ConfigFileError {
            path: path.to_path_buf(),
            line: None,
            message: strerror(&e),
        })?;
        self.load_str(&String::from_utf8_lossy(&text), path)?;
        self.config_file = Some(std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
        Ok(())
    }

    /// Applies redis.conf text over these values, as Redis's `loadServerConfigFromString`:
    /// one directive per line, `#` comments, arguments split like `redis-cli` (quotes,
    /// escapes), directive names case-insensitive. The first `save` line replaces the
    /// default snapshot points and later ones add to them. `path` names the file in errors.
    pub fn load_str(&mut self, text: &str, path: &Path) -> Result<(), ConfigFileError> {
        let mut save_seen = false;
        for (i, line) in text.split('\n').enumerate() {
            let line = line.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |message: String| ConfigFileError {
                path: path.to_path_buf(),
                line: Some((i + 1, line.to_string())),
                message,
            };
            let argv = resp::split_args(&bytes::Bytes::copy_from_slice(line.as_bytes()))
                .map_err(|_| fail("Unbalanced quotes in configuration line".to_string()))?;
            let argv: Vec<String> = argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            let Some((name, args)) = argv.split_first() else { continue };
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            let earlier_save;
            if name.eq_ignore_ascii_case("save") {
                if save_seen {
                    earlier_save = self.save.clone();
                    let more = if args == [""] { vec![] } else { std::mem::take(&mut args) };
                    args = earlier_save.split_whitespace().chain(more).collect();
                }
                save_seen = true;
            }
            self.apply_directive(name, &args).map_err(fail)?;
        }
        Ok(())
    }

    /// Applies one directive (`maxmemory 1gb`) as the config file and the command line do:
    /// immutable parameters included. The error is Redis's reason text.
    pub fn apply_directive(&mut self, name: &str, args: &[&str]) -> Result<(), String> {
        let Some((param, _)) = lookup(name) else {
            return Err("Bad directive or wrong number of arguments".to_string());
        };
        param.apply(self, args)
    }

    /// The `save` points as (seconds, changes) pairs.
    pub fn save_points(&self) -> Vec<(i64, i64)> {
        let n: Vec<i64> = self.save.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        n.chunks_exact(2).map(|p| (p[0], p[1])).collect()
    }
}

/// A config file Tandem could not use. Displays like Redis's fatal config error, naming
/// the file: `*** FATAL CONFIG FILE ERROR (Tandem 0.1.0) ***`, the file and line, the line
/// itself after `>>>`, and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFileError {
    pub path: PathBuf,
    /// The 1-based line number and the line's text; `None` when the file could not be read.
    pub line: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.line {
            Some((n, text)) => write!(
                f,
                "*** FATAL CONFIG FILE ERROR (Tandem {}) ***\nReading the configuration file {}, at line {n}\n>>> '{text}'\n{}",
                env!("CARGO_PKG_VERSION"),
                self.path.display(),
                self.message
            ),
            None => write!(f, "Fatal error, can't open config file '{}': {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigFileError {}

/// The live configuration.
pub struct Config {
    values: RwLock<ConfigValues>,
    hot: HotValues,
}

/// Copies of the values the request path reads for every command or every turn, so that
/// reading one is a relaxed atomic load rather than a round trip through the `RwLock`.
/// Every write to the values ([`Config::update`], [`Config::set_from`]) refreshes them
/// before it releases the lock.
#[derive(Default)]
struct HotValues {
    /// `notify-keyspace-events` is not empty.
    notifications_on: AtomicBool,
    client_query_buffer_limit: AtomicU64,
    /// `client-output-buffer-limit` normal and pubsub: hard, soft, soft seconds.
    output_limit_normal: [AtomicU64; 3],
    output_limit_pubsub: [AtomicU64; 3],
}

impl HotValues {
    fn refresh(&self, c: &ConfigValues) {
        self.notifications_on.store(!c.notify_keyspace_events.is_empty(), Ordering::Release);
        self.client_query_buffer_limit.store(c.client_query_buffer_limit, Ordering::Release);
        for (slots, limit) in
            [(&self.output_limit_normal, c.output_limit_normal), (&self.output_limit_pubsub, c.output_limit_pubsub)]
        {
            slots[0].store(limit.hard, Ordering::Release);
            slots[1].store(limit.soft, Ordering::Release);
            slots[2].store(limit.soft_seconds, Ordering::Release);
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config::new(ConfigValues::default())
    }
}

impl Config {
    pub fn new(values: ConfigValues) -> Config {
        let hot = HotValues::default();
        hot.refresh(&values);
        Config { values: RwLock::new(values), hot }
    }

    /// True if `notify-keyspace-events` enables anything (no lock taken).
    pub fn notifications_on(&self) -> bool {
        self.hot.notifications_on.load(Ordering::Acquire)
    }

    /// `client-query-buffer-limit` (no lock taken).
    pub fn client_query_buffer_limit(&self) -> u64 {
        self.hot.client_query_buffer_limit.load(Ordering::Acquire)
    }

    /// `client-output-buffer-limit` of the pubsub class or the normal one (no lock taken).
    pub fn output_limit(&self, pubsub: bool) -> OutputLimit {
        let slots = if pubsub { &self.hot.output_limit_pubsub } else { &self.hot.output_limit_normal };
        OutputLimit {
            hard: slots[0].load(Ordering::Acquire),
            soft: slots[1].load(Ordering::Acquire),
            soft_seconds: slots[2].load(Ordering::Acquire),
        }
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
        let mut values = self.values.write();
        let r = f(&mut values);
        self.hot.refresh(&values);
        r
    }

    /// CONFIG GET of one pattern: see [`Config::get_matching_any`].
    pub fn get_matching(&self, pattern: &str) -> Vec<(String, String)> {
        self.get_matching_any(&[pattern])
    }

    /// CONFIG GET: (name, value) for every parameter a pattern names, each once (names
    /// compared ASCII case-insensitively), in the order found. A pattern without `*`, `?`
    /// or `[` is an exact name or alias and is answered under the name as given; a glob
    /// matches names and aliases case-insensitively.
    pub fn get_matching_any(&self, patterns: &[&str]) -> Vec<(String, String)> {
        let values = self.values.read();
        let mut out: Vec<(String, String)> = Vec::new();
        let add = |out: &mut Vec<(String, String)>, name: &str, p: &Param| {
            if !out.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                out.push((name.to_string(), p.format(&values)));
            }
        };
        for pattern in patterns {
            if !pattern.contains(['*', '?', '[']) {
                if let Some((p, _)) = lookup(pattern) {
                    add(&mut out, pattern, p);
                }
                continue;
            }
            for (p, name) in all_names() {
                if crate::glob::glob_match(pattern.as_bytes(), name.as_bytes(), true) {
                    add(&mut out, name, p);
                }
            }
        }
        out
    }

    /// CONFIG SET from a trusted (local) caller: see [`Config::set_from`].
    pub fn set(&self, pairs: &[(&str, &str)]) -> Result<(), String> {
        self.set_from(pairs, true)
    }

    /// CONFIG SET name value [name value ...], all or nothing, with Redis 7's checks and
    /// error replies (the full text, `ERR ...`): every name is looked up first (unknown
    /// names, immutable or protected parameters and duplicates fail before any value is
    /// parsed), then every value is parsed into a copy that replaces the live values only
    /// if all succeed. `local` says whether the client is on a loopback address, for
    /// `enable-protected-configs local`. Multi-argument values are split on single spaces.
    pub fn set_from(&self, pairs: &[(&str, &str)], local: bool) -> Result<(), String> {
        let mut values = self.values.write();
        let protected_allowed = match values.enable_protected_configs.as_str() {
            "yes" => true,
            "local" => local,
            _ => false,
        };
        let mut unknown = None;
        let mut refused = None;
        let mut found: Vec<(&Param, &str, &str)> = Vec::with_capacity(pairs.len());
        for &(name, value) in pairs {
            let Some((param, key)) = lookup(name) else {
                if unknown.is_none() && refused.is_none() {
                    unknown = Some(name);
                }
                continue;
            };
            if unknown.is_some() || refused.is_some() {
                continue;
            }
            if param.change == Change::Immutable {
                refused = Some((name, "can't set immutable config"));
            } else if param.change == Change::Protected && !protected_allowed {
                refused = Some((name, "can't set protected config"));
            } else if found.iter().any(|&(_, k, _)| k == key) {
                refused = Some((name, "duplicate parameter"));
            }
            found.push((param, key, value));
        }
        if let Some(name) = unknown {
            return Err(format!("ERR Unknown option or number of arguments for CONFIG SET - '{}'", one_line(name)));
        }
        if let Some((name, why)) = refused {
            return Err(set_failed(name, why));
        }
        let mut next = values.clone();
        for (param, key, value) in found {
            let args: Vec<&str> = match (param.is_multi(), value.is_empty()) {
                (true, true) => vec![],
                (true, false) => value.split(' ').collect(),
                (false, _) => vec![value],
            };
            param.apply(&mut next, &args).map_err(|why| set_failed(key, &why))?;
        }
        *values = next;
        self.hot.refresh(&values);
        Ok(())
    }
}

fn set_failed(name: &str, why: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{}') - {why}", one_line(name))
}

/// A client-supplied name made safe for a one-line error reply.
fn one_line(s: &str) -> String {
    crate::error::sanitize(s.as_bytes(), usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(config: &Config, name: &str) -> String {
        let found = config.get_matching(name);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        found[0].1.clone()
    }

    fn config() -> Config {
        Config::new(ConfigValues::default())
    }

    fn load(text: &str) -> Result<ConfigValues, ConfigFileError> {
        let mut v = ConfigValues::default();
        v.load_str(text, Path::new("/etc/tandem.conf")).map(|_| v)
    }

    #[test]
    fn memory_units_parse_as_redis_memtoull() {
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("100b"), Some(100));
        assert_eq!(parse_memory("1k"), Some(1000));
        assert_eq!(parse_memory("1kb"), Some(1024));
        assert_eq!(parse_memory("2m"), Some(2_000_000));
        assert_eq!(parse_memory("512mb"), Some(512 << 20));
        assert_eq!(parse_memory("1g"), Some(1_000_000_000));
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("5gB"), Some(5 << 30));
        assert_eq!(parse_memory("1K"), Some(1000));
    }

    #[test]
    fn memory_values_reject_signs_spaces_fractions_and_unknown_units() {
        for bad in ["-1", " 5", "5 ", "+5", "1.5mb", "1tb", "10x", "kbb"] {
            assert_eq!(parse_memory(bad), None, "{bad}");
        }
    }

    #[test]
    fn memory_edge_cases_follow_the_c_original() {
        assert_eq!(parse_memory(""), Some(0));
        assert_eq!(parse_memory("k"), Some(0));
        assert_eq!(parse_memory("99999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_memory("18446744073709551615gb"), Some(18446744072635809792));
    }

    #[test]
    fn defaults_format_like_redis() {
        let c = config();
        assert_eq!(get(&c, "maxclients"), "10000");
        assert_eq!(get(&c, "save"), "3600 1 300 100 60 10000");
        assert_eq!(
            get(&c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert_eq!(get(&c, "protected-mode"), "yes");
        assert_eq!(get(&c, "proto-max-bulk-len"), "536870912");
        assert_eq!(get(&c, "bind"), "127.0.0.1");
        assert_eq!(get(&c, "mode"), "eventloop");
        assert_eq!(get(&c, "store"), "mutex");
        assert_eq!(get(&c, "client-thread-policy"), "batch");
        assert_eq!(get(&c, "list-max-listpack-size"), "-2");
    }

    #[test]
    fn every_parameter_formats_a_value_it_accepts_back() {
        let mut v = ConfigValues::default();
        for p in PARAMS {
            let text = p.format(&v);
            let args: Vec<&str> = if p.is_multi() { text.split(' ').collect() } else { vec![&text] };
            p.apply(&mut v, &args).unwrap_or_else(|e| panic!("{} {text:?}: {e}", p.name));
            assert_eq!(p.format(&v), text, "{}", p.name);
        }
    }

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let names: Vec<&str> = all_names().map(|(_, n)| n).collect();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(*n, n.to_ascii_lowercase());
            assert!(!names[..i].contains(n), "duplicate {n}");
        }
    }

    #[test]
    fn get_answers_under_the_name_as_given() {
        let c = config();
        assert_eq!(c.get_matching("MAXCLIENTS"), vec![("MAXCLIENTS".to_string(), "10000".to_string())]);
        assert!(c.get_matching("nosuch").is_empty());
    }

    #[test]
    fn get_of_several_names_lists_each_once() {
        let c = config();
        let found = c.get_matching_any(&["maxclients", "MaxClients", "timeout"]);
        assert_eq!(found, vec![("maxclients".into(), "10000".into()), ("timeout".into(), "0".into())]);
    }

    #[test]
    fn patterns_match_names_and_aliases() {
        let c = config();
        let names: Vec<String> = c.get_matching("hash-max-*-entries").into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["hash-max-listpack-entries", "hash-max-ziplist-entries"]);
        assert_eq!(c.get_matching("*").len(), all_names().count());
        assert_eq!(c.get_matching_any(&["maxclients", "MAXCLIENT?"]).len(), 1);
    }

    #[test]
    fn set_then_get() {
        let c = config();
        c.set(&[("maxclients", "50"), ("maxmemory", "1gb"), ("protected-mode", "NO")]).unwrap();
        assert_eq!(get(&c, "maxclients"), "50");
        assert_eq!(get(&c, "maxmemory"), "1073741824");
        assert_eq!(get(&c, "protected-mode"), "no");
        assert_eq!(c.read(|v| v.maxclients), 50);
    }

    #[test]
    fn aliases_read_and_write_the_same_value() {
        let c = config();
        c.set(&[("hash-max-ziplist-entries", "100")]).unwrap();
        assert_eq!(get(&c, "hash-max-listpack-entries"), "100");
        assert_eq!(get(&c, "hash-max-ziplist-entries"), "100");
    }

    #[test]
    fn set_out_of_range_names_the_bounds() {
        let c = config();
        assert_eq!(
            c.set(&[("maxclients", "0")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive".into())
        );
        assert_eq!(
            c.set(&[("maxclients", "abc")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer".into())
        );
        assert_eq!(
            c.set(&[("MAXMEMORY", "-1")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
                .into())
        );
        assert_eq!(
            c.set(&[("proto-max-bulk-len", "1")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive".into())
        );
    }

    #[test]
    fn set_rejects_bad_bools_and_enums() {
        let c = config();
        assert_eq!(
            c.set(&[("protected-mode", "maybe")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'".into())
        );
        assert_eq!(
            c.set(&[("loglevel", "loud")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning".into())
        );
        c.set(&[("maxmemory-policy", "ALLKEYS-LRU")]).unwrap();
        assert_eq!(get(&c, "maxmemory-policy"), "allkeys-lru");
    }

    #[test]
    fn set_unknown_parameter() {
        assert_eq!(
            config().set(&[("maxclients", "10"), ("foo", "bar")]),
            Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
        );
    }

    #[test]
    fn immutable_parameters_cannot_be_set() {
        for name in ["port", "bind", "databases", "daemonize", "mode", "store", "client-thread-policy"] {
            assert_eq!(
                config().set(&[(name, "1")]),
                Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config"
                ))
            );
        }
    }

    #[test]
    fn protected_parameters_need_enable_protected_configs() {
        let c = config();
        assert_eq!(
            c.set(&[("dbfilename", "x.rdb")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config".into())
        );
        c.update(|v| v.enable_protected_configs = "local".into());
        assert!(c.set_from(&[("dbfilename", "x.rdb")], false).is_err());
        c.set_from(&[("dbfilename", "x.rdb")], true).unwrap();
        assert_eq!(get(&c, "dbfilename"), "x.rdb");
        assert_eq!(
            c.set(&[("dbfilename", "a/x.rdb")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename".into())
        );
    }

    #[test]
    fn dir_must_exist_and_is_reported_absolute() {
        let c = config();
        c.update(|v| v.enable_protected_configs = "yes".into());
        let tmp = std::env::temp_dir();
        c.set(&[("dir", tmp.to_str().unwrap())]).unwrap();
        assert_eq!(get(&c, "dir"), std::fs::canonicalize(&tmp).unwrap().to_str().unwrap());
        assert_eq!(
            c.set(&[("dir", "/no/such/dir")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory".into())
        );
    }

    #[test]
    fn duplicate_parameter_is_refused() {
        assert_eq!(
            config().set(&[("maxmemory", "10"), ("MAXMEMORY", "20")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter".into())
        );
    }

    #[test]
    fn set_errors_take_redis_precedence() {
        // An unknown name beats a later bad value; an immutable one found first beats a later unknown one.
        assert_eq!(
            config().set(&[("maxclients", "0"), ("foo", "bar")]),
            Err("ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into())
        );
        assert_eq!(
            config().set(&[("daemonize", "yes"), ("foo", "bar")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".into())
        );
        assert_eq!(
            config().set(&[("maxclients", "0"), ("daemonize", "yes")]),
            Err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config".into())
        );
    }

    #[test]
    fn set_is_all_or_nothing() {
        let c = config();
        assert!(c.set(&[("maxclients", "50"), ("timeout", "-1")]).is_err());
        assert_eq!(get(&c, "maxclients"), "10000");
    }

    #[test]
    fn hz_is_kept_between_1_and_500() {
        let c = config();
        c.set(&[("hz", "100000")]).unwrap();
        assert_eq!(get(&c, "hz"), "500");
        c.set(&[("hz", "0")]).unwrap();
        assert_eq!(get(&c, "hz"), "1");
    }

    #[test]
    fn save_parses_pairs_and_formats_them_normalized() {
        let c = config();
        c.set(&[("save", "100 1 50 2")]).unwrap();
        assert_eq!(get(&c, "save"), "100 1 50 2");
        assert_eq!(c.read(|v| v.save_points()), vec![(100, 1), (50, 2)]);
        c.set(&[("save", "")]).unwrap();
        assert_eq!(get(&c, "save"), "");
        assert!(c.read(|v| v.save_points()).is_empty());
        for bad in ["1 2 3", "0 1", "10 x", "10 -1", "100  1", " 300 1"] {
            assert_eq!(
                c.set(&[("save", bad)]),
                Err("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters".into()),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn output_buffer_limits_set_named_classes_only() {
        let c = config();
        c.set(&[("client-output-buffer-limit", "slave 1mb 2mb 3")]).unwrap();
        assert_eq!(
            get(&c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60"
        );
        c.set(&[("client-output-buffer-limit", "replica 1k 2k 3 PUBSUB 1 2 3")]).unwrap();
        assert_eq!(get(&c, "client-output-buffer-limit"), "normal 0 0 0 slave 1000 2000 3 pubsub 1 2 3");
        assert_eq!(c.read(|v| v.output_limit_replica), OutputLimit { hard: 1000, soft: 2000, soft_seconds: 3 });
    }

    #[test]
    fn output_buffer_limit_errors() {
        let c = config();
        let err = |why: &str| {
            Err(format!("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - {why}"))
        };
        assert_eq!(
            c.set(&[("client-output-buffer-limit", "master 1 2 3")]),
            err("Invalid client class specified in buffer limit configuration.")
        );
        assert_eq!(
            c.set(&[("client-output-buffer-limit", "normal 1 2")]),
            err("Wrong number of arguments in buffer limit configuration.")
        );
        assert_eq!(
            c.set(&[("client-output-buffer-limit", "normal 1 2 -3")]),
            err("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
        );
        // A bad class rejects the whole value.
        assert!(c.set(&[("client-output-buffer-limit", "normal 1 2 3 pubsub x 2 3")]).is_err());
        assert_eq!(c.read(|v| v.output_limit_normal), OutputLimit { hard: 0, soft: 0, soft_seconds: 0 });
    }

    #[test]
    fn bind_takes_several_addresses() {
        let mut v = ConfigValues::default();
        v.apply_directive("bind", &["127.0.0.1", "::1"]).unwrap();
        assert_eq!(v.bind, ["127.0.0.1", "::1"]);
        let many = ["a"; 17];
        assert_eq!(v.apply_directive("bind", &many), Err("Too many bind addresses specified.".into()));
    }

    #[test]
    fn config_file_sets_values() {
        let v = load(
            "# a comment\n\n  port 7000  \nMAXMEMORY 100mb\nbind 127.0.0.1 \"::1\"\nmode threaded\n\
             logfile \"\"\nclient-output-buffer-limit normal 1 2 3\ndbfilename 'my dump.rdb'\n",
        )
        .unwrap();
        assert_eq!(v.port, 7000);
        assert_eq!(v.maxmemory, 100 << 20);
        assert_eq!(v.bind, ["127.0.0.1", "::1"]);
        assert_eq!(v.mode, Mode::Threaded);
        assert_eq!(v.output_limit_normal, OutputLimit { hard: 1, soft: 2, soft_seconds: 3 });
        assert_eq!(v.dbfilename, "my dump.rdb");
    }

    #[test]
    fn config_file_save_lines_accumulate() {
        assert_eq!(load("save 900 1\nsave 300 10\n").unwrap().save, "900 1 300 10");
        assert_eq!(load("save \"\"\n").unwrap().save, "");
        assert_eq!(load("port 1\n").unwrap().save, "3600 1 300 100 60 10000");
    }

    #[test]
    fn config_file_unknown_directive_names_file_line_and_text() {
        let e = load("port 7000\nfoo bar\n").unwrap_err();
        assert_eq!(e.line, Some((2, "foo bar".to_string())));
        assert_eq!(e.message, "Bad directive or wrong number of arguments");
        let shown = e.to_string();
        assert!(shown.starts_with("*** FATAL CONFIG FILE ERROR (Tandem "), "{shown}");
        assert!(
            shown.contains("Reading the configuration file /etc/tandem.conf, at line 2\n>>> 'foo bar'\n"),
            "{shown}"
        );
        assert!(shown.ends_with("Bad directive or wrong number of arguments"), "{shown}");
    }

    #[test]
    fn config_file_value_errors() {
        let cases = [
            ("maxclients 0", "argument must be between 1 and 4294967295 inclusive"),
            ("maxclients", "wrong number of arguments"),
            ("maxclients 1 2", "wrong number of arguments"),
            ("save \"1 2", "Unbalanced quotes in configuration line"),
            ("daemonize maybe", "argument must be 'yes' or 'no'"),
            ("save 1", "Invalid save parameters"),
            ("client-output-buffer-limit normal 1 2", "Wrong number of arguments in buffer limit configuration."),
            ("maxmemory -1", "argument must be a memory value"),
        ];
        for (text, why) in cases {
            let e = load(&format!("\n{text}\n")).unwrap_err();
            assert_eq!((e.line, e.message.as_str()), (Some((2, text.to_string())), why));
        }
    }

    #[test]
    fn config_file_can_set_immutable_parameters() {
        let v = load("databases 4\ndaemonize no\nstore mutex\n").unwrap();
        assert_eq!(v.databases, 4);
    }

    #[test]
    fn unreadable_config_file() {
        let e = ConfigValues::from_file("/no/such/tandem.conf").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Fatal error, can't open config file '/no/such/tandem.conf': No such file or directory"
        );
    }

    #[test]
    fn from_file_remembers_the_file() {
        let path = std::env::temp_dir().join(format!("tandem-config-test-{}.conf", std::process::id()));
        std::fs::write(&path, "timeout 5\n").unwrap();
        let v = ConfigValues::from_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(v.timeout, 5);
        assert_eq!(v.config_file.as_deref(), Some(path.as_path()));
    }
}

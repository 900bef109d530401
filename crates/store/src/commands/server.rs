//! Server commands: COMMAND (and its subcommands), INFO and TIME.
//!
//! COMMAND is derived from data only: the command table ([`crate::command::table`]) gives
//! names, arity, flags, first/last/step and ACL categories, and [`super::docs`] gives key
//! specifications, tips and everything COMMAND DOCS returns. Nothing here lists commands by
//! hand, so a command added to its module's `COMMANDS` (and documented) shows up everywhere.
//!
//! INFO writes Redis's `# Section\r\nfield:value\r\n` text. Fields Tandem has no counterpart
//! for yet (replication offsets, fork statistics, ...) are reported with Redis's idle values
//! so that tools parsing INFO find every field they expect.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use resp::Frame;

use super::connection::{help_reply, text_reply, REDIS_VERSION};
use super::docs::{self, arg_flags, key_flags, ArgDoc, ArgType, BeginSearch, FindKeys, KeySpec};
use crate::command::flags::*;
use crate::command::{table, Args, CommandResult, CommandSpec, Ctx, Group};
use crate::error;
use crate::keyspace::Scope;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("command", -1, LOADING | STALE, (0, 0, 0), Group::Server, command_all)
        .with_subcommands(COMMAND)
        .with_acl(&["connection"]),
    CommandSpec::new("info", -1, LOADING | STALE, (0, 0, 0), Group::Server, info).with_acl(&["dangerous"]),
    CommandSpec::new("time", 1, LOADING | STALE | FAST, (0, 0, 0), Group::Server, time),
];

static COMMAND: &[CommandSpec] = &[
    CommandSpec::new("count", 2, LOADING | STALE, (0, 0, 0), Group::Server, command_count).with_acl(&["connection"]),
    CommandSpec::new("docs", -2, LOADING | STALE, (0, 0, 0), Group::Server, command_docs).with_acl(&["connection"]),
    CommandSpec::new("getkeys", -4, LOADING | STALE, (0, 0, 0), Group::Server, command_getkeys)
        .with_acl(&["connection"]),
    CommandSpec::new("getkeysandflags", -4, LOADING | STALE, (0, 0, 0), Group::Server, command_getkeysandflags)
        .with_acl(&["connection"]),
    CommandSpec::new("help", 2, LOADING | STALE, (0, 0, 0), Group::Server, command_help).with_acl(&["connection"]),
    CommandSpec::new("info", -2, LOADING | STALE, (0, 0, 0), Group::Server, command_info).with_acl(&["connection"]),
    CommandSpec::new("list", -2, LOADING | STALE, (0, 0, 0), Group::Server, command_list).with_acl(&["connection"]),
];

/// ACL categories in Redis's order, which COMMAND INFO lists them in; also the categories
/// `COMMAND LIST FILTERBY ACLCAT` knows.
const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// A bulk string of static text (no copy).
fn text(s: &'static str) -> Frame {
    Frame::Bulk(Bytes::from_static(s.as_bytes()))
}

/// A status reply of static text, as Redis writes flag names.
fn status(s: &'static str) -> Frame {
    Frame::Simple(Bytes::from_static(s.as_bytes()))
}

fn map(entries: Vec<(&'static str, Frame)>) -> Frame {
    Frame::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

/// The full name of a subcommand (`client|list`) or of a top-level command.
fn full_name(container: Option<&CommandSpec>, spec: &CommandSpec) -> String {
    match container {
        Some(c) => format!("{}|{}", c.name, spec.name),
        None => spec.name.to_string(),
    }
}

/// A command found by name: its container (for subcommands) and its spec.
type Found = (Option<&'static CommandSpec>, &'static CommandSpec);

/// Finds a command by full name, `get` or `client|list` (case-insensitive), as Redis's
/// `lookupCommandBySds`.
fn find_command(name: &[u8]) -> Option<Found> {
    let mut parts = name.split(|&b| b == b'|');
    let base = table::lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((None, base)),
        (Some(sub), None) => base.subcommand(sub).map(|s| (Some(base), s)),
        (Some(_), Some(_)) => None,
    }
}

/// ACL categories of `spec` in Redis's order.
fn categories(spec: &CommandSpec) -> Vec<&'static str> {
    let mut cats = spec.acl_categories();
    // Redis's containers (CLIENT, CONFIG, OBJECT) have no category of their own: only their
    // subcommands belong to the group's category.
    if !spec.subcommands.is_empty() {
        if let Some(g) = spec.group.acl_category() {
            if !spec.acl_extra.contains(&g) {
                cats.retain(|c| *c != g);
            }
        }
    }
    cats.sort_by_key(|c| ACL_CATEGORIES.iter().position(|x| x == c).unwrap_or(usize::MAX));
    cats
}

/// The flag names COMMAND INFO shows. Redis hides `may_replicate`.
fn command_flags(spec: &CommandSpec) -> Frame {
    Frame::Set(
        NAMES.iter().filter(|(bit, _)| spec.has(*bit) && *bit != MAY_REPLICATE).map(|(_, name)| status(name)).collect(),
    )
}

fn key_flag_names(flags: u16) -> Frame {
    Frame::Set(key_flags::NAMES.iter().filter(|(bit, _)| flags & bit != 0).map(|(_, name)| status(name)).collect())
}

fn key_spec_frame(k: &KeySpec) -> Frame {
    let mut m = Vec::new();
    if let Some(notes) = k.notes {
        m.push(("notes", text(notes)));
    }
    m.push(("flags", key_flag_names(k.flags)));
    let begin = match k.begin {
        BeginSearch::Index(pos) => {
            map(vec![("type", text("index")), ("spec", map(vec![("index", Frame::Integer(pos.into()))]))])
        }
        BeginSearch::Keyword { keyword, startfrom } => map(vec![
            ("type", text("keyword")),
            ("spec", map(vec![("keyword", text(keyword)), ("startfrom", Frame::Integer(startfrom.into()))])),
        ]),
        BeginSearch::Unknown => map(vec![("type", text("unknown")), ("spec", map(vec![]))]),
    };
    m.push(("begin_search", begin));
    let find = match k.find {
        FindKeys::Range { lastkey, keystep, limit } => map(vec![
            ("type", text("range")),
            (
                "spec",
                map(vec![
                    ("lastkey", Frame::Integer(lastkey.into())),
                    ("keystep", Frame::Integer(keystep.into())),
                    ("limit", Frame::Integer(limit.into())),
                ]),
            ),
        ]),
        FindKeys::Keynum { keynumidx, firstkey, keystep } => map(vec![
            ("type", text("keynum")),
            (
                "spec",
                map(vec![
                    ("keynumidx", Frame::Integer(keynumidx.into())),
                    ("firstkey", Frame::Integer(firstkey.into())),
                    ("keystep", Frame::Integer(keystep.into())),
                ]),
            ),
        ]),
        FindKeys::Unknown => map(vec![("type", text("unknown")), ("spec", map(vec![]))]),
    };
    m.push(("find_keys", find));
    map(m)
}

/// One COMMAND INFO entry: name, arity, flags, first key, last key, step, ACL categories,
/// tips, key specs, subcommands.
fn info_entry(container: Option<&CommandSpec>, spec: &CommandSpec) -> Frame {
    let name = full_name(container, spec);
    let doc = docs::doc(&name);
    let subcommands = if spec.subcommands.is_empty() {
        Frame::Set(vec![])
    } else {
        Frame::Array(spec.subcommands.iter().map(|s| info_entry(Some(spec), s)).collect())
    };
    Frame::Array(vec![
        Frame::Bulk(Bytes::from(name)),
        Frame::Integer(spec.arity.into()),
        command_flags(spec),
        Frame::Integer(spec.first_key.into()),
        Frame::Integer(spec.last_key.into()),
        Frame::Integer(spec.key_step.into()),
        Frame::Set(categories(spec).into_iter().map(|c| Frame::Simple(Bytes::from(format!("@{c}")))).collect()),
        Frame::Set(doc.map(|d| d.tips.iter().map(|t| text(t)).collect()).unwrap_or_default()),
        Frame::Set(doc.map(|d| d.key_specs.iter().map(key_spec_frame).collect()).unwrap_or_default()),
        subcommands,
    ])
}

fn args_frame(args: &[ArgDoc]) -> Frame {
    Frame::Array(
        args.iter()
            .map(|a| {
                let mut m = vec![("name", text(a.name)), ("type", text(a.kind.name()))];
                if let Some(d) = a.display {
                    m.push(("display_text", text(d)));
                }
                if let ArgType::Key(spec) = a.kind {
                    m.push(("key_spec_index", Frame::Integer(spec.into())));
                }
                for (field, value) in [
                    ("token", a.token),
                    ("summary", a.summary),
                    ("since", a.since),
                    ("deprecated_since", a.deprecated_since),
                ] {
                    if let Some(v) = value {
                        m.push((field, text(v)));
                    }
                }
                if a.flags != 0 {
                    let names = arg_flags::NAMES.iter().filter(|(bit, _)| a.has(*bit)).map(|(_, n)| status(n));
                    m.push(("flags", Frame::Set(names.collect())));
                }
                if matches!(a.kind, ArgType::Oneof | ArgType::Block) {
                    m.push(("arguments", args_frame(a.args)));
                }
                map(m)
            })
            .collect(),
    )
}

/// One COMMAND DOCS value: summary, since, group, complexity, doc flags, deprecation,
/// history, arguments and subcommands, each only when there is something to say.
fn doc_entry(container: Option<&CommandSpec>, spec: &CommandSpec) -> Frame {
    let name = full_name(container, spec);
    let mut m = Vec::new();
    match docs::doc(&name) {
        Some(d) => {
            m.push(("summary", text(d.summary)));
            m.push(("since", text(d.since)));
            m.push(("group", text(d.group)));
            m.push(("complexity", text(d.complexity)));
            let mut doc_flags = Vec::new();
            if d.deprecated.is_some() {
                doc_flags.push(status("deprecated"));
            }
            if d.syscmd {
                doc_flags.push(status("syscmd"));
            }
            if !doc_flags.is_empty() {
                m.push(("doc_flags", Frame::Set(doc_flags)));
            }
            if let Some((since, replaced_by)) = d.deprecated {
                m.push(("deprecated_since", text(since)));
                m.push(("replaced_by", text(replaced_by)));
            }
            if !d.history.is_empty() {
                let entries = d.history.iter().map(|(v, what)| Frame::Array(vec![text(v), text(what)]));
                m.push(("history", Frame::Set(entries.collect())));
            }
            if !d.args.is_empty() {
                m.push(("arguments", args_frame(d.args)));
            }
        }
        None => m.push(("group", text(spec.group.name()))),
    }
    if !spec.subcommands.is_empty() {
        let subs = spec
            .subcommands
            .iter()
            .map(|s| (Frame::Bulk(Bytes::from(full_name(Some(spec), s))), doc_entry(Some(spec), s)));
        m.push(("subcommands", Frame::Map(subs.collect())));
    }
    map(m)
}

/// COMMAND alone: the INFO entry of every command.
fn command_all(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(Frame::Array(table::all().map(|c| info_entry(None, c)).collect()))
}

fn command_count(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(Frame::Integer(table::all().count() as i64))
}

fn command_info(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    if args.is_empty() {
        return command_all(ctx, args);
    }
    let entries = args.rest().iter().map(|name| match find_command(name) {
        Some((container, spec)) => info_entry(container, spec),
        None => Frame::Null,
    });
    Ok(Frame::Array(entries.collect()))
}

fn command_docs(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    if args.is_empty() {
        let all = table::all().map(|c| (text(c.name), doc_entry(None, c)));
        return Ok(Frame::Map(all.collect()));
    }
    let found =
        args.rest().iter().filter_map(|name| find_command(name)).map(|(container, spec)| {
            (Frame::Bulk(Bytes::from(full_name(container, spec))), doc_entry(container, spec))
        });
    Ok(Frame::Map(found.collect()))
}

/// Which commands COMMAND LIST reports.
enum ListFilter {
    All,
    Module,
    AclCategory(Option<&'static str>),
    Pattern(Bytes),
}

impl ListFilter {
    fn keeps(&self, spec: &CommandSpec, full: &str) -> bool {
        match self {
            ListFilter::All => true,
            // Tandem has no modules.
            ListFilter::Module => false,
            ListFilter::AclCategory(cat) => cat.is_some_and(|c| categories(spec).contains(&c)),
            ListFilter::Pattern(p) => crate::glob::glob_match(p, full.as_bytes(), true),
        }
    }
}

fn command_list(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let filter = if args.is_empty() {
        ListFilter::All
    } else {
        if args.remaining() != 3 || !args.eat("FILTERBY") {
            return Err(error::syntax());
        }
        let kind = args.bytes()?;
        let value = args.bytes()?;
        if kind.eq_ignore_ascii_case(b"MODULE") {
            ListFilter::Module
        } else if kind.eq_ignore_ascii_case(b"ACLCAT") {
            let cat = ACL_CATEGORIES.iter().find(|c| c.as_bytes().eq_ignore_ascii_case(value)).copied();
            ListFilter::AclCategory(cat)
        } else if kind.eq_ignore_ascii_case(b"PATTERN") {
            ListFilter::Pattern(value.clone())
        } else {
            return Err(error::syntax());
        }
    };
    let mut names = Vec::new();
    for c in table::all() {
        if filter.keeps(c, c.name) {
            names.push(text(c.name));
        }
        for s in c.subcommands {
            let full = full_name(Some(c), s);
            if filter.keeps(s, &full) {
                names.push(Frame::Bulk(Bytes::from(full)));
            }
        }
    }
    Ok(Frame::Array(names))
}

fn command_getkeys(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = request_keys(args.rest())?;
    Ok(Frame::Array(keys.into_iter().map(|(key, _)| Frame::Bulk(key)).collect()))
}

fn command_getkeysandflags(_: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let keys = request_keys(args.rest())?;
    Ok(Frame::Array(
        keys.into_iter().map(|(key, flags)| Frame::Array(vec![Frame::Bulk(key), key_flag_names(flags)])).collect(),
    ))
}

/// The keys of the request `argv` and their key-spec flags, with COMMAND GETKEYS's errors.
fn request_keys(argv: &[Bytes]) -> Result<Vec<(Bytes, u16)>, Frame> {
    let invalid = || Frame::error("ERR Invalid command specified");
    let base = argv.first().and_then(|name| table::lookup(name)).ok_or_else(invalid)?;
    let (spec, full) = match argv.get(1) {
        Some(sub) if !base.subcommands.is_empty() => {
            let s = base.subcommand(sub).ok_or_else(invalid)?;
            (s, full_name(Some(base), s))
        }
        _ => (base, base.name.to_string()),
    };
    let specs = docs::doc(&full).map(|d| d.key_specs).unwrap_or_default();
    let has_keys =
        if specs.is_empty() { spec.first_key > 0 } else { specs.iter().any(|k| k.flags & key_flags::NOT_KEY == 0) };
    if !has_keys {
        return Err(Frame::error("ERR The command has no key arguments"));
    }
    if !spec.arity_ok(argv.len()) {
        return Err(Frame::error("ERR Invalid number of arguments specified for command"));
    }
    let positions = if specs.is_empty() {
        keys_from_range(spec, argv.len())
    } else {
        keys_from_specs(specs, argv).unwrap_or_default()
    };
    if positions.is_empty() {
        return if spec.has(NO_MANDATORY_KEYS) {
            Ok(vec![])
        } else {
            Err(Frame::error("ERR Invalid arguments specified for command"))
        };
    }
    let variable = variable_key_flags(&full, argv);
    Ok(positions.into_iter().map(|(i, flags)| (argv[i].clone(), variable.unwrap_or(flags))).collect())
}

/// Key positions from the table's (first, last, step), for commands without key specs.
fn keys_from_range(spec: &CommandSpec, argc: usize) -> Vec<(usize, u16)> {
    let argc = argc as i64;
    let first = i64::from(spec.first_key);
    let last = if spec.last_key < 0 { argc + i64::from(spec.last_key) } else { i64::from(spec.last_key) };
    let step = usize::try_from(spec.key_step).unwrap_or(1).max(1);
    if first <= 0 || last < first {
        return vec![];
    }
    (first..=last.min(argc - 1)).step_by(step).map(|i| (i as usize, 0)).collect()
}

/// Key positions (in `argv`, the command name at 0) and flags found through key specs, the
/// way Redis's `getKeysUsingKeySpecs` finds them; `None` if the arguments do not fit a spec.
fn keys_from_specs(specs: &[KeySpec], argv: &[Bytes]) -> Option<Vec<(usize, u16)>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs {
        if spec.flags & key_flags::NOT_KEY != 0 {
            continue;
        }
        let mut first = match spec.begin {
            BeginSearch::Index(pos) => i64::from(pos),
            BeginSearch::Keyword { keyword, startfrom } => {
                let startfrom = i64::from(startfrom);
                let (start, end) = if startfrom > 0 { (startfrom, argc - 1) } else { (argc + startfrom, 1) };
                let found = keyword_position(argv, keyword, start, end);
                match found {
                    Some(i) => i + 1,
                    // The keyword is optional: no keys from this spec.
                    None => continue,
                }
            }
            BeginSearch::Unknown => return None,
        };
        let (last, step) = match spec.find {
            FindKeys::Range { lastkey, keystep, limit } => {
                let (lastkey, limit) = (i64::from(lastkey), i64::from(limit));
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, keystep)
            }
            FindKeys::Keynum { keynumidx, firstkey, keystep } => {
                if i64::from(keynumidx) >= argc - first {
                    return None;
                }
                let numkeys = crate::num::parse_i64(&argv[(first + i64::from(keynumidx)) as usize])?;
                if numkeys < 0 {
                    return None;
                }
                first += i64::from(firstkey);
                (first + numkeys - 1, keystep)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let step = usize::try_from(step).unwrap_or(1).max(1);
        for i in (first..=last).step_by(step) {
            if i >= argc {
                // Only variadic commands get here (Redis panics for the others; the
                // `key_specs_agree_with_first_last_step_of_the_table` test keeps them apart).
                continue;
            }
            keys.push((i as usize, spec.flags));
        }
    }
    Some(keys)
}

/// Position of the first argument equal to `keyword` from `start` towards `end` (exclusive),
/// as Redis's keyword search for key specs.
fn keyword_position(argv: &[Bytes], keyword: &str, start: i64, end: i64) -> Option<i64> {
    let argc = argv.len() as i64;
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            return None;
        }
        if argv[i as usize].eq_ignore_ascii_case(keyword.as_bytes()) {
            return Some(i);
        }
        i = if start <= end { i + 1 } else { i - 1 };
    }
    None
}

/// The real key flags of commands whose key spec says `variable_flags` (Redis's
/// `setGetKeys`): SET reads the old value only with GET.
fn variable_key_flags(full: &str, argv: &[Bytes]) -> Option<u16> {
    use key_flags::*;
    match full {
        "set" if argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"GET")) => Some(RW | ACCESS | UPDATE),
        "set" => Some(OW | UPDATE),
        _ => None,
    }
}

fn command_help(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    Ok(help_reply(
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    ))
}

fn time(_: &mut Ctx<'_>, _: &Args) -> CommandResult {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Ok(Frame::Array(vec![
        Frame::Bulk(Bytes::from(now.as_secs().to_string())),
        Frame::Bulk(Bytes::from(now.subsec_micros().to_string())),
    ]))
}

/// INFO sections in the order Redis writes them. Plain INFO, `default`, `all` and
/// `everything` all mean every one of them (Tandem has no module or per-command sections).
const INFO_SECTIONS: &[&str] = &["server", "clients", "memory", "persistence", "stats", "replication", "keyspace"];

fn info(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    let mut wanted: Vec<&'static str> = Vec::new();
    if args.is_empty() {
        wanted.extend(INFO_SECTIONS);
    }
    for a in args.rest() {
        if [&b"default"[..], b"all", b"everything"].iter().any(|w| a.eq_ignore_ascii_case(w)) {
            wanted.extend(INFO_SECTIONS);
        } else if let Some(s) = INFO_SECTIONS.iter().find(|s| s.as_bytes().eq_ignore_ascii_case(a)) {
            wanted.push(s);
        }
    }
    let mut out = InfoText::default();
    for section in INFO_SECTIONS.iter().filter(|s| wanted.contains(s)) {
        out.header(section);
        match *section {
            "server" => server_section(ctx, &mut out),
            "clients" => clients_section(ctx, &mut out),
            "memory" => memory_section(ctx, &mut out),
            "persistence" => persistence_section(ctx, &mut out),
            "stats" => stats_section(ctx, &mut out),
            "replication" => replication_section(&mut out),
            _ => keyspace_section(ctx, &mut out),
        }
    }
    Ok(text_reply(out.0))
}

/// INFO's text: `# Section` headers, `field:value` lines, CRLF line ends, a blank line
/// between sections.
#[derive(Default)]
struct InfoText(String);

impl InfoText {
    fn header(&mut self, section: &str) {
        if !self.0.is_empty() {
            self.0.push_str("\r\n");
        }
        self.0.push_str("# ");
        self.0.push_str(&section[..1].to_ascii_uppercase());
        self.0.push_str(&section[1..]);
        self.0.push_str("\r\n");
    }

    fn field(&mut self, name: &str, value: impl std::fmt::Display) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(self.0, "{name}:{value}\r\n");
    }
}

fn server_section(ctx: &Ctx<'_>, out: &mut InfoText) {
    let engine = ctx.engine;
    let (mode, hz, config_file) = engine.config.read(|c| (c.mode.name(), c.hz, c.config_file.clone()));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let uptime = engine.started.elapsed().as_secs();
    out.field("redis_version", REDIS_VERSION);
    out.field("tandem_version", env!("CARGO_PKG_VERSION"));
    out.field("tandem_mode", mode);
    out.field("tandem_store", engine.store().name());
    out.field("redis_git_sha1", "00000000");
    out.field("redis_git_dirty", 0);
    out.field("redis_mode", "standalone");
    out.field("os", os_name());
    out.field("arch_bits", usize::BITS);
    out.field("process_id", std::process::id());
    out.field("process_supervised", "no");
    out.field("run_id", &engine.run_id);
    out.field("tcp_port", engine.port.load(Ordering::Relaxed));
    out.field("server_time_usec", now.as_micros());
    out.field("uptime_in_seconds", uptime);
    out.field("uptime_in_days", uptime / 86400);
    out.field("hz", hz);
    out.field("configured_hz", hz);
    out.field("executable", std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default());
    out.field("config_file", config_file.map(|p| p.display().to_string()).unwrap_or_default());
    out.field("io_threads_active", 0);
}

/// `Linux 6.1.0 x86_64`, as Redis prints `uname` (sysname release machine).
fn os_name() -> String {
    let read = |path: &str| std::fs::read_to_string(path).map(|s| s.trim().to_string()).ok();
    let sysname = read("/proc/sys/kernel/ostype").unwrap_or_else(|| std::env::consts::OS.to_string());
    let release = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{sysname} {release} {}", std::env::consts::ARCH)
}

fn clients_section(ctx: &Ctx<'_>, out: &mut InfoText) {
    let engine = ctx.engine;
    out.field("connected_clients", engine.clients.len());
    out.field("cluster_connections", 0);
    out.field("maxclients", engine.config.read(|c| c.maxclients));
    out.field("client_recent_max_input_buffer", 0);
    out.field("client_recent_max_output_buffer", 0);
    out.field("blocked_clients", ctx.engine.blocked.len());
    out.field("tracking_clients", 0);
    out.field("clients_in_timeout_table", 0);
}

/// The largest `used_memory` INFO has reported.
static PEAK_MEMORY: AtomicU64 = AtomicU64::new(0);

/// Resident set size of the process, from `/proc/self/statm` (0 where there is none).
fn rss_bytes() -> u64 {
    // statm counts pages; Tandem assumes the 4 KiB pages of every platform it runs on.
    const PAGE: u64 = 4096;
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).map_or(0, |pages| pages * PAGE)
}

/// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`, ...
fn human_bytes(n: u64) -> String {
    const UNITS: &[(u64, &str)] = &[(1 << 50, "P"), (1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")];
    for &(size, unit) in UNITS {
        if n >= size {
            return format!("{:.2}{unit}", n as f64 / size as f64);
        }
    }
    format!("{n}B")
}

fn memory_section(ctx: &Ctx<'_>, out: &mut InfoText) {
    // Tandem has no allocator accounting yet: used_memory is the process RSS, so it includes
    // code and allocator overhead that Redis's used_memory does not.
    let rss = rss_bytes();
    let used = rss;
    let peak = PEAK_MEMORY.fetch_max(used, Ordering::Relaxed).max(used);
    let (maxmemory, policy) = ctx.engine.config.read(|c| (c.maxmemory, c.maxmemory_policy.clone()));
    out.field("used_memory", used);
    out.field("used_memory_human", human_bytes(used));
    out.field("used_memory_rss", rss);
    out.field("used_memory_rss_human", human_bytes(rss));
    out.field("used_memory_peak", peak);
    out.field("used_memory_peak_human", human_bytes(peak));
    out.field("maxmemory", maxmemory);
    out.field("maxmemory_human", human_bytes(maxmemory));
    out.field("maxmemory_policy", policy);
    out.field("mem_allocator", "libc");
}

/// RDB and AOF state, with Redis's field names (fork-related fields report 0: Tandem's
/// snapshots do not fork).
fn persistence_section(ctx: &Ctx<'_>, out: &mut InfoText) {
    use std::sync::atomic::Ordering::Relaxed;
    let p = &ctx.engine.persist;
    let now = crate::clock::now_ms();
    let secs_since = |ms: i64| (now - ms) / 1000;
    for name in ["loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age"] {
        out.field(name, 0);
    }
    out.field("current_fork_perc", "0.00");
    let saving = p.rdb.in_progress.load(Relaxed);
    let (processed, total) =
        if saving { (p.rdb.keys_processed.load(Relaxed), p.rdb.keys_total.load(Relaxed)) } else { (0, 0) };
    out.field("current_save_keys_processed", processed);
    out.field("current_save_keys_total", total);
    out.field("rdb_changes_since_last_save", p.dirty());
    out.field("rdb_bgsave_in_progress", u8::from(saving));
    out.field("rdb_last_save_time", p.rdb.last_save_ms.load(Relaxed) / 1000);
    out.field("rdb_last_bgsave_status", if p.rdb.last_ok.load(Relaxed) { "ok" } else { "err" });
    out.field("rdb_last_bgsave_time_sec", p.rdb.last_duration_s.load(Relaxed));
    out.field("rdb_current_bgsave_time_sec", if saving { secs_since(p.rdb.started_ms.load(Relaxed)) } else { -1 });
    out.field("rdb_saves", p.rdb.saves.load(Relaxed));
    out.field("rdb_last_cow_size", 0);
    let rewriting = p.aof_rewrite_running();
    out.field("aof_enabled", u8::from(p.aof_on()));
    out.field("aof_rewrite_in_progress", u8::from(rewriting));
    out.field("aof_rewrite_scheduled", u8::from(p.aof.scheduled.load(Relaxed)));
    out.field("aof_last_rewrite_time_sec", p.aof.last_duration_s.load(Relaxed));
    out.field("aof_current_rewrite_time_sec", if rewriting { secs_since(p.aof.started_ms.load(Relaxed)) } else { -1 });
    out.field("aof_last_bgrewrite_status", if p.aof.last_ok.load(Relaxed) { "ok" } else { "err" });
    out.field("aof_rewrites", p.aof.rewrites.load(Relaxed));
    let status = p.aof_status();
    let write_ok = status.as_ref().is_none_or(|(_, err)| err.is_none());
    out.field("aof_last_write_status", if write_ok { "ok" } else { "err" });
    out.field("aof_last_cow_size", 0);
    out.field("module_fork_in_progress", 0);
    out.field("module_fork_last_cow_size", 0);
    if let (Some((current, base)), Some((buffered, _))) = (p.aof_sizes(), status) {
        out.field("aof_current_size", current);
        out.field("aof_base_size", base);
        out.field("aof_pending_rewrite", 0);
        out.field("aof_buffer_length", buffered);
        out.field("aof_pending_bio_fsync", 0);
        out.field("aof_delayed_fsync", 0);
    }
}

fn stats_section(ctx: &Ctx<'_>, out: &mut InfoText) {
    let engine = ctx.engine;
    let s = &engine.stats;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    out.field("total_connections_received", get(&s.connections_received));
    out.field("total_commands_processed", get(&s.commands));
    // Not sampled yet (Redis samples it in its cron).
    out.field("instantaneous_ops_per_sec", 0);
    out.field("total_net_input_bytes", get(&s.net_input_bytes));
    out.field("total_net_output_bytes", get(&s.net_output_bytes));
    out.field("total_net_repl_input_bytes", 0);
    out.field("total_net_repl_output_bytes", 0);
    out.field("instantaneous_input_kbps", "0.00");
    out.field("instantaneous_output_kbps", "0.00");
    out.field("rejected_connections", get(&s.rejected_connections));
    out.field("sync_full", 0);
    out.field("sync_partial_ok", 0);
    out.field("sync_partial_err", 0);
    out.field("expired_keys", engine.store().expired_count());
    out.field("expired_stale_perc", format!("{:.2}", get(&s.expired_stale_perc) as f64 / 100.0));
    out.field("expired_time_cap_reached_count", 0);
    out.field("evicted_keys", 0);
    out.field("evicted_clients", 0);
    out.field("keyspace_hits", get(&s.keyspace_hits));
    out.field("keyspace_misses", get(&s.keyspace_misses));
    let (channels, patterns, shard_channels) = ctx.engine.pubsub.counts();
    out.field("pubsub_channels", channels);
    out.field("pubsub_patterns", patterns);
    out.field("pubsubshard_channels", shard_channels);
    out.field("latest_fork_usec", 0);
    out.field("total_forks", 0);
    out.field("total_error_replies", 0);
    out.field("client_query_buffer_limit_disconnections", get(&s.client_query_buffer_limit_disconnections));
    out.field("client_output_buffer_limit_disconnections", get(&s.client_output_buffer_limit_disconnections));
}

/// Tandem is always a master without replicas.
fn replication_section(out: &mut InfoText) {
    out.field("role", "master");
    out.field("connected_slaves", 0);
    out.field("master_failover_state", "no-failover");
    out.field("master_repl_offset", 0);
    out.field("second_repl_offset", -1);
    out.field("repl_backlog_active", 0);
    out.field("repl_backlog_size", 1048576);
    out.field("repl_backlog_first_byte_offset", 0);
    out.field("repl_backlog_histlen", 0);
}

/// `db0:keys=N,expires=M,avg_ttl=0` for every non-empty database.
fn keyspace_section(ctx: &mut Ctx<'_>, out: &mut InfoText) {
    for db in 0..ctx.engine.store().databases() {
        let (keys, expires) = ctx.view(Scope::Sweep { db }, |kv| (kv.len(db), kv.expires_len(db)));
        if keys > 0 {
            out.field(&format!("db{db}"), format_args!("keys={keys},expires={expires},avg_ttl=0"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::with_view;
    use crate::testing::{arr, bulk, err, int, TestClient, STORES};

    fn client() -> TestClient {
        TestClient::new(STORES[0])
    }

    fn statuses(names: &[&'static str]) -> Frame {
        Frame::Set(names.iter().map(|n| status(n)).collect())
    }

    fn pairs(entries: Vec<(&'static str, Frame)>) -> Frame {
        map(entries)
    }

    /// The text of an INFO reply.
    fn info_text(f: Frame) -> String {
        match f {
            Frame::Verbatim { format, text } => {
                assert_eq!(&format, b"txt");
                String::from_utf8(text.to_vec()).expect("utf-8")
            }
            other => panic!("INFO replied {other:?}"),
        }
    }

    #[test]
    fn command_count_is_the_number_of_top_level_commands() {
        let mut c = client();
        assert_eq!(c.run(&["COMMAND", "COUNT"]), int(table::all().count() as i64));
    }

    #[test]
    fn command_alone_describes_every_command() {
        let mut c = client();
        let Frame::Array(entries) = c.run(&["COMMAND"]) else { panic!("not an array") };
        assert_eq!(entries.len(), table::all().count());
        let names: Vec<Frame> = table::all().map(|s| bulk(s.name)).collect();
        let got: Vec<Frame> = entries
            .into_iter()
            .map(|e| match e {
                Frame::Array(mut fields) => fields.swap_remove(0),
                other => panic!("entry {other:?}"),
            })
            .collect();
        assert_eq!(got, names);
    }

    #[test]
    fn command_info_get_has_redis_shape_and_values() {
        let mut c = client();
        let key_spec = pairs(vec![
            ("flags", statuses(&["RO", "access"])),
            ("begin_search", pairs(vec![("type", text("index")), ("spec", pairs(vec![("index", int(1))]))])),
            (
                "find_keys",
                pairs(vec![
                    ("type", text("range")),
                    ("spec", pairs(vec![("lastkey", int(0)), ("keystep", int(1)), ("limit", int(0))])),
                ]),
            ),
        ]);
        let get = arr(vec![
            bulk("get"),
            int(2),
            statuses(&["readonly", "fast"]),
            int(1),
            int(1),
            int(1),
            statuses(&["@read", "@string", "@fast"]),
            Frame::Set(vec![]),
            Frame::Set(vec![key_spec]),
            Frame::Set(vec![]),
        ]);
        assert_eq!(c.run(&["COMMAND", "INFO", "get"]), arr(vec![get.clone()]));
        assert_eq!(c.run(&["command", "info", "GET", "nosuchcommand"]), arr(vec![get, Frame::Null]));
    }

    #[test]
    fn command_info_names_subcommands_by_full_name() {
        let mut c = client();
        let Frame::Array(entries) = c.run(&["COMMAND", "INFO", "client|list", "client|nosuch", "get|x"]) else {
            panic!("not an array")
        };
        let Frame::Array(fields) = &entries[0] else { panic!("no entry for client|list") };
        assert_eq!(fields[0], bulk("client|list"));
        assert_eq!(fields[6], statuses(&["@admin", "@slow", "@dangerous", "@connection"]));
        assert_eq!(&entries[1..], &[Frame::Null, Frame::Null]);
    }

    #[test]
    fn containers_have_only_their_flag_categories_and_list_their_subcommands() {
        let mut c = client();
        let Frame::Array(entries) = c.run(&["COMMAND", "INFO", "client", "command"]) else { panic!("not an array") };
        let Frame::Array(client) = &entries[0] else { panic!("no client entry") };
        assert_eq!(client[6], statuses(&["@slow"]));
        let Frame::Array(subs) = &client[9] else { panic!("client has no subcommand array") };
        assert_eq!(subs.len(), table::lookup(b"client").map_or(0, |s| s.subcommands.len()));
        let Frame::Array(command) = &entries[1] else { panic!("no command entry") };
        assert_eq!(command[6], statuses(&["@slow", "@connection"]));
    }

    #[test]
    fn command_docs_get_has_summary_and_key_argument() {
        let mut c = client();
        let expected = Frame::Map(vec![(
            bulk("get"),
            pairs(vec![
                ("summary", text("Get the value of a key")),
                ("since", text("1.0.0")),
                ("group", text("string")),
                ("complexity", text("O(1)")),
                (
                    "arguments",
                    arr(vec![pairs(vec![("name", text("key")), ("type", text("key")), ("key_spec_index", int(0))])]),
                ),
            ]),
        )]);
        assert_eq!(c.run(&["COMMAND", "DOCS", "get", "nosuchcommand"]), expected);
    }

    #[test]
    fn command_docs_nests_arguments_and_flags() {
        let mut c = client();
        let Frame::Map(docs) = c.run(&["COMMAND", "DOCS", "set"]) else { panic!("not a map") };
        let Frame::Map(fields) = &docs[0].1 else { panic!("no docs for set") };
        let args = fields.iter().find(|(k, _)| *k == bulk("arguments")).map(|(_, v)| v.clone());
        let Some(Frame::Array(args)) = args else { panic!("set has no arguments") };
        let condition = pairs(vec![
            ("name", text("condition")),
            ("type", text("oneof")),
            ("since", text("2.6.12")),
            ("flags", statuses(&["optional"])),
            (
                "arguments",
                arr(vec![
                    pairs(vec![("name", text("nx")), ("type", text("pure-token")), ("token", text("NX"))]),
                    pairs(vec![("name", text("xx")), ("type", text("pure-token")), ("token", text("XX"))]),
                ]),
            ),
        ]);
        assert_eq!(args[2], condition);
    }

    #[test]
    fn command_docs_of_a_container_maps_its_subcommands() {
        let mut c = client();
        let Frame::Map(docs) = c.run(&["COMMAND", "DOCS", "client"]) else { panic!("not a map") };
        let Frame::Map(fields) = &docs[0].1 else { panic!("no docs for client") };
        let subs = fields.iter().find(|(k, _)| *k == bulk("subcommands")).map(|(_, v)| v.clone());
        let Some(Frame::Map(subs)) = subs else { panic!("client has no subcommands") };
        assert!(subs.iter().any(|(k, _)| *k == bulk("client|list")));
    }

    #[test]
    fn command_docs_without_names_documents_every_command() {
        let mut c = client();
        let Frame::Map(docs) = c.run(&["COMMAND", "DOCS"]) else { panic!("not a map") };
        assert_eq!(docs.len(), table::all().count());
    }

    #[test]
    fn command_getkeys_finds_keys_through_key_specs() {
        let mut c = client();
        assert_eq!(c.run(&["COMMAND", "GETKEYS", "set", "a", "b"]), arr(vec![bulk("a")]));
        assert_eq!(c.run(&["COMMAND", "GETKEYS", "SET", "a", "b", "EX", "10"]), arr(vec![bulk("a")]));
    }

    #[test]
    fn command_getkeysandflags_reports_set_flags_by_get_option() {
        let mut c = client();
        assert_eq!(
            c.run(&["COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"]),
            arr(vec![arr(vec![bulk("a"), statuses(&["OW", "update"])])])
        );
        assert_eq!(
            c.run(&["COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "get"]),
            arr(vec![arr(vec![bulk("a"), statuses(&["RW", "access", "update"])])])
        );
    }

    #[test]
    fn command_getkeys_errors_match_redis() {
        let mut c = client();
        assert_eq!(c.run(&["COMMAND", "GETKEYS", "nosuch", "a"]), err("ERR Invalid command specified"));
        assert_eq!(c.run(&["COMMAND", "GETKEYS", "ping", "a"]), err("ERR The command has no key arguments"));
        assert_eq!(
            c.run(&["COMMAND", "GETKEYS", "get", "a", "b"]),
            err("ERR Invalid number of arguments specified for command")
        );
        assert_eq!(
            c.run(&["COMMAND", "GETKEYS", "get"]),
            err("ERR wrong number of arguments for 'command|getkeys' command")
        );
    }

    /// Builds `n` arguments after `name` and compares keys from specs with (first, last, step).
    fn legacy_and_spec_keys(
        container: Option<&CommandSpec>,
        spec: &CommandSpec,
        extra: usize,
    ) -> Option<(Vec<usize>, Vec<usize>)> {
        let name = full_name(container, spec);
        let doc = docs::doc(&name)?;
        let simple = doc
            .key_specs
            .iter()
            .all(|k| matches!(k.begin, BeginSearch::Index(_)) && matches!(k.find, FindKeys::Range { limit: 0, .. }));
        // Shard channels are "keys" only for cluster routing (NOT_KEY): the table lists them
        // in first/last/step as Redis does, but GETKEYS leaves them out.
        let all_not_keys = doc.key_specs.iter().all(|k| k.flags & key_flags::NOT_KEY != 0);
        if doc.key_specs.is_empty() || !simple || all_not_keys {
            return None;
        }
        let argc = spec.arity.unsigned_abs() as usize + extra;
        let mut argv: Vec<Bytes> = name.split('|').map(|w| Bytes::copy_from_slice(w.as_bytes())).collect();
        while argv.len() < argc {
            argv.push(Bytes::from(format!("k{}", argv.len())));
        }
        let specs = keys_from_specs(doc.key_specs, &argv)?;
        Some((keys_from_range(spec, argc).into_iter().map(|k| k.0).collect(), specs.into_iter().map(|k| k.0).collect()))
    }

    #[test]
    fn key_specs_agree_with_first_last_step_of_the_table() {
        for c in table::all() {
            let variants: Vec<(Option<&CommandSpec>, &CommandSpec)> =
                std::iter::once((None, c)).chain(c.subcommands.iter().map(|s| (Some(c), s))).collect();
            for (container, spec) in variants {
                // Variadic commands are checked with one more pair of arguments too.
                for extra in [0, if spec.arity < 0 { 2 } else { 0 }] {
                    if let Some((legacy, specs)) = legacy_and_spec_keys(container, spec, extra) {
                        assert_eq!(legacy, specs, "keys of {}", full_name(container, spec));
                    }
                }
            }
        }
    }

    #[test]
    fn command_list_names_commands_and_subcommands() {
        let mut c = client();
        let Frame::Array(names) = c.run(&["COMMAND", "LIST"]) else { panic!("not an array") };
        let expected = table::all().map(|s| 1 + s.subcommands.len()).sum::<usize>();
        assert_eq!(names.len(), expected);
        assert!(names.contains(&bulk("get")));
        assert!(names.contains(&bulk("client|list")));
    }

    #[test]
    fn command_list_filters_by_acl_category_pattern_and_module() {
        let mut c = client();
        let Frame::Array(names) = c.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"]) else { panic!() };
        assert!(names.contains(&bulk("get")));
        assert!(!names.contains(&bulk("ping")));
        assert_eq!(c.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]), arr(vec![]));
        let Frame::Array(names) = c.run(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|L*"]) else { panic!() };
        assert_eq!(names, vec![bulk("client|list")]);
        assert_eq!(c.run(&["COMMAND", "LIST", "FILTERBY", "MODULE", "m"]), arr(vec![]));
        assert_eq!(c.run(&["COMMAND", "LIST", "FILTERBY"]), err("ERR syntax error"));
        assert_eq!(c.run(&["COMMAND", "LIST", "FILTERBY", "COLOR", "red"]), err("ERR syntax error"));
    }

    #[test]
    fn command_help_starts_with_the_usage_line() {
        let mut c = client();
        let Frame::Array(lines) = c.run(&["COMMAND", "HELP"]) else { panic!("not an array") };
        assert_eq!(lines[0], Frame::simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
        assert_eq!(lines[1], Frame::simple("(no subcommand)"));
    }

    #[test]
    fn info_lists_sections_in_redis_order() {
        let mut c = client();
        let text = info_text(c.run(&["INFO"]));
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("# ")).collect();
        assert_eq!(
            headers,
            ["# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# Keyspace"]
        );
        assert!(text.contains("\r\n\r\n# Clients\r\n"));
        assert!(text.ends_with("\r\n") && !text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn info_server_reports_versions_and_port() {
        let mut c = client();
        let text = info_text(c.run(&["info", "SERVER"]));
        assert!(text.starts_with("# Server\r\nredis_version:"));
        assert!(text.contains(&format!("redis_version:{REDIS_VERSION}\r\n")));
        assert!(text.contains(&format!("tandem_version:{}\r\n", env!("CARGO_PKG_VERSION"))));
        assert!(text.contains("tandem_mode:eventloop\r\n"));
        assert!(text.contains(&format!("tandem_store:{}\r\n", STORES[0])));
        assert!(text.contains("tcp_port:6379\r\n"));
        assert!(!text.contains("# Clients"));
    }

    #[test]
    fn info_keyspace_lists_non_empty_databases() {
        for store in STORES {
            let mut c = TestClient::new(store);
            assert_eq!(info_text(c.run(&["INFO", "keyspace"])), "# Keyspace\r\n");
            c.run(&["SET", "a", "1"]);
            c.run(&["SET", "b", "2"]);
            c.run(&["SELECT", "3"]);
            c.run(&["SET", "c", "3"]);
            let at = crate::clock::now_ms() + 100_000;
            with_view(c.engine.store(), Scope::Db { db: 0, write: true }, |kv| kv.set_expiry(0, b"a", at));
            assert_eq!(
                info_text(c.run(&["INFO", "keyspace"])),
                "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n",
                "store {store}"
            );
        }
    }

    #[test]
    fn info_of_unknown_sections_is_empty() {
        let mut c = client();
        assert_eq!(info_text(c.run(&["INFO", "nosuchsection"])), "");
    }

    #[test]
    fn info_sections_combine_without_repeating() {
        let mut c = client();
        let text = info_text(c.run(&["INFO", "stats", "clients", "clients"]));
        assert!(text.starts_with("# Clients\r\nconnected_clients:1\r\n"));
        assert_eq!(text.matches("# Clients").count(), 1);
        assert!(text.contains("\r\n\r\n# Stats\r\n"));
    }

    #[test]
    fn human_bytes_matches_redis() {
        assert_eq!(human_bytes(512), "512B");
        assert_eq!(human_bytes(1536), "1.50K");
        assert_eq!(human_bytes(3 << 20), "3.00M");
        assert_eq!(human_bytes(0), "0B");
    }

    #[test]
    fn time_is_seconds_and_microseconds() {
        let mut c = client();
        let Frame::Array(parts) = c.run(&["TIME"]) else { panic!("not an array") };
        let nums: Vec<i64> = parts
            .iter()
            .map(|p| match p {
                Frame::Bulk(b) => std::str::from_utf8(b).expect("utf-8").parse().expect("number"),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(nums.len(), 2);
        assert!((nums[0] * 1000 - crate::clock::now_ms()).abs() < 5000);
        assert!((0..1_000_000).contains(&nums[1]));
    }
}

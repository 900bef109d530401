//! The command table: [`CommandSpec`] for every command, as data. Each type's module
//! (`commands/string.rs`, ...) declares its own `COMMANDS` slice next to the
//! implementations; this file only gathers them. Arity checks, COMMAND INFO/LIST/COUNT and
//! ACL categories are all derived from these specs; COMMAND DOCS adds `commands::docs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{flags, Handler};
use crate::commands;

/// The command group, as COMMAND DOCS reports it; also gives an ACL category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Generic,
    String,
    List,
    Set,
    SortedSet,
    Hash,
    Stream,
    Pubsub,
    Transactions,
    Connection,
    Server,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Stream => "stream",
            Group::Pubsub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
        }
    }

    /// The ACL category the group implies (`@keyspace` for generic key commands).
    pub fn acl_category(self) -> Option<&'static str> {
        match self {
            Group::Generic => Some("keyspace"),
            Group::String => Some("string"),
            Group::List => Some("list"),
            Group::Set => Some("set"),
            Group::SortedSet => Some("sortedset"),
            Group::Hash => Some("hash"),
            Group::Stream => Some("stream"),
            Group::Pubsub => Some("pubsub"),
            Group::Transactions => Some("transaction"),
            Group::Connection => Some("connection"),
            Group::Server => None,
        }
    }
}

/// One command (or subcommand): name, arity (negative = at least), flags, key positions
/// (first, last, step: 1-based, last -1 = to the end, 0 = no keys), group, implementation.
pub struct CommandSpec {
    pub name: &'static str,
    pub arity: i32,
    pub flags: u32,
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub group: Group,
    pub handler: Handler,
    pub subcommands: &'static [CommandSpec],
    /// Extra ACL categories beyond those implied by flags and group (e.g. `dangerous`).
    pub acl_extra: &'static [&'static str],
}

impl CommandSpec {
    /// A command; `keys` is (first, last, step).
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        keys: (i32, i32, i32),
        group: Group,
        handler: Handler,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            first_key: keys.0,
            last_key: keys.1,
            key_step: keys.2,
            group,
            handler,
            subcommands: &[],
            acl_extra: &[],
        }
    }

    /// The same spec with subcommands (the container's handler is never called).
    pub const fn with_subcommands(mut self, subs: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subs;
        self
    }

    /// The same spec with extra ACL categories.
    pub const fn with_acl(mut self, cats: &'static [&'static str]) -> CommandSpec {
        self.acl_extra = cats;
        self
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// True if a request of `argc` words (name included) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The subcommand named `name` (case-insensitive).
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands.iter().find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// ACL categories, derived the way Redis derives them from flags and group.
    pub fn acl_categories(&self) -> Vec<&'static str> {
        let mut cats = Vec::new();
        if self.has(flags::WRITE) {
            cats.push("write");
        }
        if self.has(flags::READONLY) && self.group != Group::Server && self.group != Group::Connection {
            cats.push("read");
        }
        if self.has(flags::ADMIN) {
            cats.push("admin");
            cats.push("dangerous");
        }
        if self.has(flags::PUBSUB) {
            cats.push("pubsub");
        }
        if self.has(flags::FAST) {
            cats.push("fast");
        }
        if self.has(flags::BLOCKING) {
            cats.push("blocking");
        }
        if !self.has(flags::FAST) {
            cats.push("slow");
        }
        if let Some(c) = self.group.acl_category() {
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        for c in self.acl_extra {
            if !cats.contains(c) {
                cats.push(c);
            }
        }
        cats
    }
}

/// Every top-level command, gathered from each group's module.
pub static COMMANDS: &[&[CommandSpec]] = &[
    commands::connection::COMMANDS,
    commands::server::COMMANDS,
    commands::config::COMMANDS,
    commands::keys::COMMANDS,
    commands::string::COMMANDS,
    commands::list::COMMANDS,
    commands::hash::COMMANDS,
    commands::set::COMMANDS,
    commands::zset::COMMANDS,
    commands::stream::COMMANDS,
    commands::pubsub::COMMANDS,
    commands::sort::COMMANDS,
    commands::transaction::COMMANDS,
    commands::persistence::COMMANDS,
];

/// Iterates every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    COMMANDS.iter().flat_map(|g| g.iter())
}

/// Finds a top-level command by name (ASCII case-insensitive). Runs for every request, so
/// the index hashes with ahash rather than the (DoS-resistant, slower) default SipHash: its
/// keys are the fixed command names, not client data.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    static INDEX: OnceLock<HashMap<&'static [u8], &'static CommandSpec, ahash::RandomState>> = OnceLock::new();
    let index = INDEX.get_or_init(|| all().map(|c| (c.name.as_bytes(), c)).collect());
    if name.len() > 32 {
        return None;
    }
    // A pipeline sends one command over and over, spelled the same way each time.
    if let Some(spec) = LAST_FOUND.with(|last| last.get().filter(|l| l.matches(name)).map(|l| l.spec)) {
        return Some(spec);
    }
    let mut buf = [0u8; 32];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let spec = index.get(&lower[..]).copied()?;
    if name.len() <= LAST_FOUND_LEN {
        let mut spelled = [0; LAST_FOUND_LEN];
        spelled[..name.len()].copy_from_slice(name);
        LAST_FOUND.with(|last| last.set(Some(Found { spelled, len: name.len() as u8, spec })));
    }
    Some(spec)
}

/// Longest name [`lookup`] remembers.
const LAST_FOUND_LEN: usize = 16;

/// The last name [`lookup`] found on a thread, as the client spelled it.
#[derive(Clone, Copy)]
struct Found {
    spelled: [u8; LAST_FOUND_LEN],
    len: u8,
    spec: &'static CommandSpec,
}

impl Found {
    fn matches(&self, name: &[u8]) -> bool {
        self.spelled.get(..usize::from(self.len)) == Some(name)
    }
}

thread_local! {
    static LAST_FOUND: std::cell::Cell<Option<Found>> = const { std::cell::Cell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for c in all() {
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert!(seen.insert(c.name), "duplicate command {}", c.name);
            for s in c.subcommands {
                assert_eq!(s.name, s.name.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup(b"PiNg").map(|c| c.name), Some("ping"));
        assert!(lookup(b"nosuchcommand").is_none());
    }
}

//! Command documentation: what COMMAND DOCS reports (summary, since, group, complexity,
//! history, the argument tree) and the parts of COMMAND INFO that the table in
//! [`crate::command::table`] does not hold (key specifications and tips).
//!
//! The data is Redis 7's (`src/commands/*.json`, as a Redis 7.0 server reports it through
//! COMMAND DOCS and COMMAND INFO, plus the 7.2+ additions Tandem implements: CLIENT SETINFO,
//! CLIENT KILL MAXAGE, ZRANK WITHSCORE), written as [`CommandDoc`] values built with the `const fn` helpers
//! below, so one entry reads like its JSON file:
//!
//! ```text
//! CommandDoc::new("get", "string", "1.0.0", "O(1)", "Get the value of a key")
//!     .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
//!     .args(&[key("key", 0)])
//! ```
//!
//! Subcommands are documented under their full name (`"client|list"`), and a container's
//! own entry (`"client"`) carries only its summary. Every command in the table needs an
//! entry here (a test checks it): redis-cli 7 builds its interactive hints from these
//! argument trees, so they must describe what the command really accepts.

use self::arg_flags::*;
use self::key_flags::*;

/// Documentation of one command or subcommand.
#[derive(Debug)]
pub struct CommandDoc {
    /// Full name, lowercase: `"get"`, `"client|list"`.
    pub name: &'static str,
    /// Redis's group name (`"string"`, `"generic"`, `"connection"`, `"server"`, ...).
    pub group: &'static str,
    /// The Redis version that introduced the command.
    pub since: &'static str,
    pub complexity: &'static str,
    pub summary: &'static str,
    /// Set for deprecated commands: (deprecated since, replaced by).
    pub deprecated: Option<(&'static str, &'static str)>,
    /// A system command (the `syscmd` doc flag): not meant to be called by users.
    pub syscmd: bool,
    /// (version, what changed), oldest first.
    pub history: &'static [(&'static str, &'static str)],
    /// Hints for clients and proxies, such as `nondeterministic_output`.
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpec],
    pub args: &'static [ArgDoc],
}

impl CommandDoc {
    pub const fn new(
        name: &'static str,
        group: &'static str,
        since: &'static str,
        complexity: &'static str,
        summary: &'static str,
    ) -> CommandDoc {
        CommandDoc {
            name,
            group,
            since,
            complexity,
            summary,
            deprecated: None,
            syscmd: false,
            history: &[],
            tips: &[],
            key_specs: &[],
            args: &[],
        }
    }

    const fn deprecated(mut self, since: &'static str, replaced_by: &'static str) -> CommandDoc {
        self.deprecated = Some((since, replaced_by));
        self
    }

    #[allow(dead_code)]
    const fn syscmd(mut self) -> CommandDoc {
        self.syscmd = true;
        self
    }

    const fn history(mut self, history: &'static [(&'static str, &'static str)]) -> CommandDoc {
        self.history = history;
        self
    }

    const fn tips(mut self, tips: &'static [&'static str]) -> CommandDoc {
        self.tips = tips;
        self
    }

    const fn keys(mut self, specs: &'static [KeySpec]) -> CommandDoc {
        self.key_specs = specs;
        self
    }

    const fn args(mut self, args: &'static [ArgDoc]) -> CommandDoc {
        self.args = args;
        self
    }
}

/// Key specification flags, as COMMAND INFO names them (see Redis's "key specs" docs).
pub mod key_flags {
    /// Read-only access to the key's value.
    pub const RO: u16 = 1 << 0;
    /// Read-write access.
    pub const RW: u16 = 1 << 1;
    /// Overwrite: the value is replaced without being read.
    pub const OW: u16 = 1 << 2;
    /// The key is removed.
    pub const RM: u16 = 1 << 3;
    /// User data of the value is returned or copied out.
    pub const ACCESS: u16 = 1 << 4;
    pub const UPDATE: u16 = 1 << 5;
    pub const INSERT: u16 = 1 << 6;
    pub const DELETE: u16 = 1 << 7;
    /// Not really a key (e.g. a channel): skipped by COMMAND GETKEYS.
    pub const NOT_KEY: u16 = 1 << 8;
    /// The spec may miss keys: fall back to a command-specific key finder.
    pub const INCOMPLETE: u16 = 1 << 9;
    /// The flags depend on the arguments (SET with or without GET).
    pub const VARIABLE_FLAGS: u16 = 1 << 10;

    /// Flag bits and their names, in Redis's order.
    pub const NAMES: &[(u16, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where the keys of one key specification are: a start (`begin`) and how to find the
/// keys from there (`find`).
#[derive(Debug)]
pub struct KeySpec {
    pub flags: u16,
    pub notes: Option<&'static str>,
    pub begin: BeginSearch,
    pub find: FindKeys,
}

/// Where the search for keys starts.
#[derive(Debug, Clone, Copy)]
pub enum BeginSearch {
    /// At a fixed argument index (1 = first argument after the name).
    Index(i32),
    /// After the first argument equal to `keyword`, searching from `startfrom` (negative:
    /// backwards from the end).
    Keyword {
        keyword: &'static str,
        startfrom: i32,
    },
    Unknown,
}

/// Which arguments from the start are keys.
#[derive(Debug, Clone, Copy)]
pub enum FindKeys {
    /// Keys up to `lastkey` (relative to the start; negative counts from the end), every
    /// `keystep`; `limit` > 1 stops at 1/limit of the remaining arguments.
    Range {
        lastkey: i32,
        keystep: i32,
        limit: i32,
    },
    /// The argument at `keynumidx` (relative to the start) holds the number of keys, which
    /// begin at `firstkey` (relative to the start), every `keystep`.
    Keynum {
        keynumidx: i32,
        firstkey: i32,
        keystep: i32,
    },
    Unknown,
}

impl KeySpec {
    /// Keys start at argument `pos`; call `range` or `keynum` next.
    const fn index(pos: i32, flags: u16) -> KeySpec {
        KeySpec { flags, notes: None, begin: BeginSearch::Index(pos), find: FindKeys::Unknown }
    }

    /// Keys start after `keyword`, searched from `startfrom`.
    #[allow(dead_code)]
    const fn keyword(keyword: &'static str, startfrom: i32, flags: u16) -> KeySpec {
        KeySpec { flags, notes: None, begin: BeginSearch::Keyword { keyword, startfrom }, find: FindKeys::Unknown }
    }

    const fn range(mut self, lastkey: i32, keystep: i32, limit: i32) -> KeySpec {
        self.find = FindKeys::Range { lastkey, keystep, limit };
        self
    }

    const fn keynum(mut self, keynumidx: i32, firstkey: i32, keystep: i32) -> KeySpec {
        self.find = FindKeys::Keynum { keynumidx, firstkey, keystep };
        self
    }

    const fn notes(mut self, notes: &'static str) -> KeySpec {
        self.notes = Some(notes);
        self
    }
}

/// The type of an argument, as COMMAND DOCS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    String,
    Integer,
    Double,
    /// A key; the index of the key spec that finds it.
    Key(u32),
    Pattern,
    UnixTime,
    /// A fixed word (its `token`), no value.
    PureToken,
    /// Exactly one of the nested arguments.
    Oneof,
    /// All the nested arguments, in order.
    Block,
}

impl ArgType {
    pub fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key(_) => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::Oneof => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// Argument flags, as COMMAND DOCS names them.
pub mod arg_flags {
    pub const OPTIONAL: u8 = 1 << 0;
    pub const MULTIPLE: u8 = 1 << 1;
    /// With `MULTIPLE`: the token is repeated before each value.
    pub const MULTIPLE_TOKEN: u8 = 1 << 2;

    pub const NAMES: &[(u8, &str)] =
        &[(OPTIONAL, "optional"), (MULTIPLE, "multiple"), (MULTIPLE_TOKEN, "multiple_token")];
}

/// One argument of a command (or a group of them: `Oneof`, `Block`).
#[derive(Debug)]
pub struct ArgDoc {
    pub name: &'static str,
    pub kind: ArgType,
    /// The word that introduces the argument (`EX` in `EX seconds`).
    pub token: Option<&'static str>,
    pub summary: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    /// What hints show instead of `name` (Redis 7.2's `display_text`).
    pub display: Option<&'static str>,
    pub flags: u8,
    /// The nested arguments of `Oneof` and `Block`.
    pub args: &'static [ArgDoc],
}

impl ArgDoc {
    const fn new(name: &'static str, kind: ArgType) -> ArgDoc {
        ArgDoc {
            name,
            kind,
            token: None,
            summary: None,
            since: None,
            deprecated_since: None,
            display: None,
            flags: 0,
            args: &[],
        }
    }

    const fn token(mut self, token: &'static str) -> ArgDoc {
        self.token = Some(token);
        self
    }

    #[allow(dead_code)]
    const fn summary(mut self, summary: &'static str) -> ArgDoc {
        self.summary = Some(summary);
        self
    }

    const fn since(mut self, version: &'static str) -> ArgDoc {
        self.since = Some(version);
        self
    }

    const fn deprecated_since(mut self, version: &'static str) -> ArgDoc {
        self.deprecated_since = Some(version);
        self
    }

    #[allow(dead_code)]
    const fn display(mut self, text: &'static str) -> ArgDoc {
        self.display = Some(text);
        self
    }

    const fn optional(mut self) -> ArgDoc {
        self.flags |= OPTIONAL;
        self
    }

    const fn multiple(mut self) -> ArgDoc {
        self.flags |= MULTIPLE;
        self
    }

    #[allow(dead_code)]
    const fn multiple_token(mut self) -> ArgDoc {
        self.flags |= MULTIPLE_TOKEN;
        self
    }

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

const fn string(name: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::String)
}

const fn integer(name: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::Integer)
}

const fn double(name: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::Double)
}

/// A key found by key spec number `spec`.
const fn key(name: &'static str, spec: u32) -> ArgDoc {
    ArgDoc::new(name, ArgType::Key(spec))
}

const fn pattern(name: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::Pattern)
}

const fn unix_time(name: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::UnixTime)
}

const fn pure_token(name: &'static str, token: &'static str) -> ArgDoc {
    ArgDoc::new(name, ArgType::PureToken).token(token)
}

const fn oneof(name: &'static str, args: &'static [ArgDoc]) -> ArgDoc {
    let mut a = ArgDoc::new(name, ArgType::Oneof);
    a.args = args;
    a
}

const fn block(name: &'static str, args: &'static [ArgDoc]) -> ArgDoc {
    let mut a = ArgDoc::new(name, ArgType::Block);
    a.args = args;
    a
}

/// The documentation of `full_name` (lowercase; subcommands as `"client|list"`).
pub fn doc(full_name: &str) -> Option<&'static CommandDoc> {
    all().find(|d| d.name == full_name)
}

/// Every documented command and subcommand.
pub fn all() -> impl Iterator<Item = &'static CommandDoc> {
    [STRING, GENERIC, CONNECTION, SERVER, LIST, SET, SORTED_SET, HASH, STREAM, PUBSUB, TRANSACTIONS]
        .into_iter()
        .flatten()
}

#[rustfmt::skip]
static STRING: &[CommandDoc] = &[
    CommandDoc::new("get", "string", "1.0.0", "O(1)", "Get the value of a key")
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("set", "string", "1.0.0", "O(1)", "Set the string value of a key")
        .history(&[
            ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
            ("6.0.0", "Added the `KEEPTTL` option."),
            ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
            ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
        ])
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE | VARIABLE_FLAGS).range(0, 1, 0).notes("RW and ACCESS due to the optional `GET` argument"),
        ])
        .args(&[
            key("key", 0),
            string("value"),
            oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).since("2.6.12").optional(),
            pure_token("get", "GET").since("6.2.0").optional(),
            oneof("expiration", &[
                integer("seconds").token("EX").since("2.6.12"),
                integer("milliseconds").token("PX").since("2.6.12"),
                unix_time("unix-time-seconds").token("EXAT").since("6.2.0"),
                unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"),
                pure_token("keepttl", "KEEPTTL").since("6.0.0"),
            ]).optional(),
        ]),
    CommandDoc::new("setnx", "string", "1.0.0", "O(1)", "Set the value of a key, only if the key does not exist")
        .keys(&[KeySpec::index(1, OW | INSERT).range(0, 1, 0)])
        .args(&[key("key", 0), string("value")]),
    CommandDoc::new("setex", "string", "2.0.0", "O(1)", "Set the value and expiration of a key")
        .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), integer("seconds"), string("value")]),
    CommandDoc::new("psetex", "string", "2.6.0", "O(1)", "Set the value and expiration in milliseconds of a key")
        .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), integer("milliseconds"), string("value")]),
    CommandDoc::new(
        "mget",
        "string",
        "1.0.0",
        "O(N) where N is the number of keys to retrieve.",
        "Get the values of all the given keys",
    )
    .tips(&["request_policy:multi_shard"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "mset",
        "string",
        "1.0.1",
        "O(N) where N is the number of keys to set.",
        "Set multiple keys to multiple values",
    )
    .tips(&["request_policy:multi_shard", "response_policy:all_succeeded"])
    .keys(&[KeySpec::index(1, OW | UPDATE).range(-1, 2, 0)])
    .args(&[block("key_value", &[key("key", 0), string("value")]).multiple()]),
    CommandDoc::new(
        "msetnx",
        "string",
        "1.0.1",
        "O(N) where N is the number of keys to set.",
        "Set multiple keys to multiple values, only if none of the keys exist",
    )
    .tips(&["request_policy:multi_shard", "response_policy:agg_min"])
    .keys(&[KeySpec::index(1, OW | INSERT).range(-1, 2, 0)])
    .args(&[block("key_value", &[key("key", 0), string("value")]).multiple()]),
    CommandDoc::new("getset", "string", "1.0.0", "O(1)", "Set the string value of a key and return its old value")
        .deprecated("6.2.0", "`SET` with the `!GET` argument")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), string("value")]),
    CommandDoc::new("getdel", "string", "6.2.0", "O(1)", "Get the value of a key and delete the key")
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("getex", "string", "6.2.0", "O(1)", "Get the value of a key and optionally set its expiration")
        .keys(&[
            KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0).notes("RW and UPDATE because it changes the TTL"),
        ])
        .args(&[
            key("key", 0),
            oneof("expiration", &[
                integer("seconds").token("EX"),
                integer("milliseconds").token("PX"),
                unix_time("unix-time-seconds").token("EXAT"),
                unix_time("unix-time-milliseconds").token("PXAT"),
                pure_token("persist", "PERSIST"),
            ]).optional(),
        ]),
    CommandDoc::new("incr", "string", "1.0.0", "O(1)", "Increment the integer value of a key by one")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("decr", "string", "1.0.0", "O(1)", "Decrement the integer value of a key by one")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("incrby", "string", "1.0.0", "O(1)", "Increment the integer value of a key by the given amount")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), integer("increment")]),
    CommandDoc::new("decrby", "string", "1.0.0", "O(1)", "Decrement the integer value of a key by the given number")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), integer("decrement")]),
    CommandDoc::new("incrbyfloat", "string", "2.6.0", "O(1)", "Increment the float value of a key by the given amount")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), double("increment")]),
    CommandDoc::new(
        "append",
        "string",
        "2.0.0",
        "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
        "Append a value to a key",
    )
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("value")]),
    CommandDoc::new("strlen", "string", "2.2.0", "O(1)", "Get the length of the value stored in a key")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "getrange",
        "string",
        "2.4.0",
        "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        "Get a substring of the string stored at a key",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("end")]),
    CommandDoc::new(
        "setrange",
        "string",
        "2.2.0",
        "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
        "Overwrite part of a string at key starting at the specified offset",
    )
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("offset"), string("value")]),
    CommandDoc::new(
        "substr",
        "string",
        "1.0.0",
        "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.",
        "Get a substring of the string stored at a key",
    )
    .deprecated("2.0.0", "`GETRANGE`")
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("end")]),
    CommandDoc::new(
        "lcs",
        "string",
        "7.0.0",
        "O(N*M) where N and M are the lengths of s1 and s2, respectively",
        "Find longest common substring",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(1, 1, 0)])
    .args(&[
        key("key1", 0),
        key("key2", 0),
        pure_token("len", "LEN").optional(),
        pure_token("idx", "IDX").optional(),
        integer("len").token("MINMATCHLEN").optional(),
        pure_token("withmatchlen", "WITHMATCHLEN").optional(),
    ]),
];

/// SORT's and SORT_RO's arguments (SORT's alone end with STORE).
const SORT_ARGS: &[ArgDoc] = &[
    key("key", 0),
    pattern("pattern").token("BY").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    pattern("pattern").token("GET").optional().multiple().multiple_token(),
    oneof("order", &[pure_token("asc", "ASC"), pure_token("desc", "DESC")]).optional(),
    pure_token("sorting", "ALPHA").optional(),
    key("destination", 2).token("STORE").optional(),
];
const SORT_RO_ARGS: &[ArgDoc] = SORT_ARGS.split_at(SORT_ARGS.len() - 1).0;
const SORT_BY_GET_NOTES: &str = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const SORT_STORE_NOTES: &str =
    "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

#[rustfmt::skip]
static GENERIC: &[CommandDoc] = &[
    CommandDoc::new(
        "del",
        "generic",
        "1.0.0",
        "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).",
        "Delete a key",
    )
    .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
    .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "unlink",
        "generic",
        "4.0.0",
        "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.",
        "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
    )
    .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
    .keys(&[KeySpec::index(1, RM | DELETE).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "exists",
        "generic",
        "1.0.0",
        "O(N) where N is the number of keys to check.",
        "Determine if a key exists",
    )
    .history(&[("3.0.3", "Accepts multiple `key` arguments.")])
    .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
    .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new("type", "generic", "1.0.0", "O(1)", "Determine the type stored at key")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "keys",
        "generic",
        "1.0.0",
        "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
        "Find all keys matching the given pattern",
    )
    .tips(&["request_policy:all_shards", "nondeterministic_output_order"])
    .args(&[pattern("pattern")]),
    CommandDoc::new(
        "scan",
        "generic",
        "2.8.0",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
        "Incrementally iterate the keys space",
    )
    .history(&[("6.0.0", "Added the `TYPE` subcommand.")])
    .tips(&["nondeterministic_output", "request_policy:special"])
    .args(&[
        integer("cursor"),
        pattern("pattern").token("MATCH").optional(),
        integer("count").token("COUNT").optional(),
        string("type").token("TYPE").since("6.0.0").optional(),
    ]),
    CommandDoc::new("randomkey", "generic", "1.0.0", "O(1)", "Return a random key from the keyspace")
        .tips(&["request_policy:all_shards", "nondeterministic_output"]),
    CommandDoc::new("rename", "generic", "1.0.0", "O(1)", "Rename a key")
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, OW | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), key("newkey", 1)]),
    CommandDoc::new("renamenx", "generic", "1.0.0", "O(1)", "Rename a key, only if the new key does not exist")
        .history(&[("3.2.0", "The command no longer returns an error when source and destination names are the same.")])
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, OW | INSERT).range(0, 1, 0)])
        .args(&[key("key", 0), key("newkey", 1)]),
    CommandDoc::new(
        "copy",
        "generic",
        "6.2.0",
        "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
        "Copy a key",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0), KeySpec::index(2, OW | UPDATE).range(0, 1, 0)])
    .args(&[
        key("source", 0),
        key("destination", 1),
        integer("destination-db").token("DB").optional(),
        pure_token("replace", "REPLACE").optional(),
    ]),
    CommandDoc::new("move", "generic", "1.0.0", "O(1)", "Move a key to another database")
        .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0), integer("db")]),
    CommandDoc::new(
        "sort",
        "generic",
        "1.0.0",
        "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        "Sort the elements in a list, set or sorted set",
    )
    .keys(&[
        KeySpec::index(1, RO | ACCESS).range(0, 1, 0),
        KeySpec { flags: RO | ACCESS, notes: Some(SORT_BY_GET_NOTES), begin: BeginSearch::Unknown, find: FindKeys::Unknown },
        KeySpec { flags: OW | UPDATE, notes: Some(SORT_STORE_NOTES), begin: BeginSearch::Unknown, find: FindKeys::Unknown },
    ])
    .args(SORT_ARGS),
    CommandDoc::new(
        "sort_ro",
        "generic",
        "7.0.0",
        "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
        "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
    )
    .keys(&[
        KeySpec::index(1, RO | ACCESS).range(0, 1, 0),
        KeySpec { flags: RO | ACCESS, notes: Some(SORT_BY_GET_NOTES), begin: BeginSearch::Unknown, find: FindKeys::Unknown },
    ])
    .args(SORT_RO_ARGS),
    CommandDoc::new(
        "touch",
        "generic",
        "3.2.1",
        "O(N) where N is the number of keys that will be touched.",
        "Alters the last access time of a key(s). Returns the number of existing keys specified.",
    )
    .tips(&["request_policy:multi_shard", "response_policy:agg_sum"])
    .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new("expire", "generic", "1.0.0", "O(1)", "Set a key's time to live in seconds")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
        .args(&[
            key("key", 0),
            integer("seconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    CommandDoc::new("pexpire", "generic", "2.6.0", "O(1)", "Set a key's time to live in milliseconds")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
        .args(&[
            key("key", 0),
            integer("milliseconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    CommandDoc::new("expireat", "generic", "1.2.0", "O(1)", "Set the expiration for a key as a UNIX timestamp")
        .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
        .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
        .args(&[
            key("key", 0),
            unix_time("unix-time-seconds"),
            oneof("condition", &[
                pure_token("nx", "NX"),
                pure_token("xx", "XX"),
                pure_token("gt", "GT"),
                pure_token("lt", "LT"),
            ]).since("7.0.0").optional(),
        ]),
    CommandDoc::new(
        "pexpireat",
        "generic",
        "2.6.0",
        "O(1)",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
    )
    .history(&[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")])
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        unix_time("unix-time-milliseconds"),
        oneof("condition", &[
            pure_token("nx", "NX"),
            pure_token("xx", "XX"),
            pure_token("gt", "GT"),
            pure_token("lt", "LT"),
        ]).since("7.0.0").optional(),
    ]),
    CommandDoc::new("ttl", "generic", "1.0.0", "O(1)", "Get the time to live for a key in seconds")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("pttl", "generic", "2.6.0", "O(1)", "Get the time to live for a key in milliseconds")
        .history(&[("2.8.0", "Added the -2 reply.")])
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("expiretime", "generic", "7.0.0", "O(1)", "Get the expiration Unix timestamp for a key")
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "pexpiretime",
        "generic",
        "7.0.0",
        "O(1)",
        "Get the expiration Unix timestamp for a key in milliseconds",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0)]),
    CommandDoc::new("persist", "generic", "2.2.0", "O(1)", "Remove the expiration from a key")
        .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "object",
        "generic",
        "2.2.3",
        "Depends on subcommand.",
        "A container for object introspection commands",
    ),
    CommandDoc::new("object|encoding", "generic", "2.2.3", "O(1)", "Inspect the internal encoding of a Redis object")
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "object|freq",
        "generic",
        "4.0.0",
        "O(1)",
        "Get the logarithmic access frequency counter of a Redis object",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(2, RO).range(0, 1, 0)])
    .args(&[key("key", 0)]),
    CommandDoc::new(
        "object|idletime",
        "generic",
        "2.2.3",
        "O(1)",
        "Get the time since a Redis object was last accessed",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(2, RO).range(0, 1, 0)])
    .args(&[key("key", 0)]),
    CommandDoc::new(
        "object|refcount",
        "generic",
        "2.2.3",
        "O(1)",
        "Get the number of references to the value of the key",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(2, RO).range(0, 1, 0)])
    .args(&[key("key", 0)]),
    CommandDoc::new("object|help", "generic", "6.2.0", "O(1)", "Show helpful text about the different subcommands"),
];

#[rustfmt::skip]
static CONNECTION: &[CommandDoc] = &[
    CommandDoc::new("ping", "connection", "1.0.0", "O(1)", "Ping the server")
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .args(&[string("message").optional()]),
    CommandDoc::new("echo", "connection", "1.0.0", "O(1)", "Echo the given string")
        .args(&[string("message")]),
    CommandDoc::new("quit", "connection", "1.0.0", "O(1)", "Close the connection"),
    CommandDoc::new("hello", "connection", "6.0.0", "O(1)", "Handshake with Redis")
        .history(&[
            ("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."),
        ])
        .args(&[
            block("arguments", &[
                integer("protover"),
                block("username_password", &[string("username"), string("password")]).token("AUTH").optional(),
                string("clientname").token("SETNAME").optional(),
            ]).optional(),
        ]),
    CommandDoc::new("select", "connection", "1.0.0", "O(1)", "Change the selected database for the current connection")
        .args(&[integer("index")]),
    CommandDoc::new("reset", "connection", "6.2.0", "O(1)", "Reset the connection"),
    CommandDoc::new(
        "client",
        "connection",
        "2.4.0",
        "Depends on subcommand.",
        "A container for client connection commands",
    ),
    CommandDoc::new("client|id", "connection", "5.0.0", "O(1)", "Returns the client ID for the current connection"),
    CommandDoc::new("client|setname", "connection", "2.6.9", "O(1)", "Set the current connection name")
        .args(&[string("connection-name")]),
    CommandDoc::new("client|getname", "connection", "2.6.9", "O(1)", "Get the current connection name"),
    CommandDoc::new(
        "client|list",
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "Get the list of client connections",
    )
    .history(&[
        ("2.8.12", "Added unique client `id` field."),
        ("5.0.0", "Added optional `TYPE` filter."),
        ("6.0.0", "Added `user` field."),
        ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
        ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
        ("7.0.3", "Added `ssub` field."),
        ("7.2.0", "Added `lib-name` and `lib-ver` fields."),
    ])
    .tips(&["nondeterministic_output"])
    .args(&[
        oneof("normal_master_replica_pubsub", &[
            pure_token("normal", "NORMAL"),
            pure_token("master", "MASTER"),
            pure_token("replica", "REPLICA"),
            pure_token("pubsub", "PUBSUB"),
        ]).token("TYPE").since("5.0.0").optional(),
        block("id", &[integer("client-id").multiple()]).token("ID").since("6.2.0").optional(),
    ]),
    CommandDoc::new(
        "client|info",
        "connection",
        "6.2.0",
        "O(1)",
        "Returns information about the current client connection.",
    )
    .tips(&["nondeterministic_output"]),
    CommandDoc::new(
        "client|kill",
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "Kill the connection of a client",
    )
    .history(&[
        ("2.8.12", "Added new filter format."),
        ("2.8.12", "`ID` option."),
        ("3.2.0", "Added `master` type in for `TYPE` option."),
        ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
        ("6.2.0", "`LADDR` option."),
        ("7.4.0", "`MAXAGE` option."),
    ])
    .args(&[
        oneof("filter", &[
            string("ip:port").deprecated_since("2.8.12"),
            oneof("new-format", &[
                integer("client-id").token("ID").since("2.8.12").optional(),
                oneof("normal_master_slave_pubsub", &[
                    pure_token("normal", "NORMAL"),
                    pure_token("master", "MASTER").since("3.2.0"),
                    pure_token("slave", "SLAVE"),
                    pure_token("replica", "REPLICA").since("5.0.0"),
                    pure_token("pubsub", "PUBSUB"),
                ]).token("TYPE").since("2.8.12").optional(),
                string("username").token("USER").optional(),
                string("ip:port").token("ADDR").optional(),
                string("ip:port").token("LADDR").since("6.2.0").optional(),
                string("yes/no").token("SKIPME").optional(),
                integer("maxage").token("MAXAGE").since("7.4.0").optional(),
            ]).multiple(),
        ]),
    ]),
    CommandDoc::new("client|reply", "connection", "3.2.0", "O(1)", "Instruct the server whether to reply to commands")
        .args(&[oneof("on_off_skip", &[pure_token("on", "ON"), pure_token("off", "OFF"), pure_token("skip", "SKIP")])]),
    CommandDoc::new(
        "client|setinfo",
        "connection",
        "7.2.0",
        "O(1)",
        "Sets information specific to the client or connection.",
    )
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
    .args(&[oneof("attr", &[string("libname").token("LIB-NAME"), string("libver").token("LIB-VER")])]),
    CommandDoc::new(
        "client|unblock",
        "connection",
        "5.0.0",
        "O(log N) where N is the number of client connections",
        "Unblock a client blocked in a blocking command from a different connection",
    )
    .args(&[
        integer("client-id"),
        oneof("unblock-type", &[pure_token("timeout", "TIMEOUT"), pure_token("error", "ERROR")]).optional(),
    ]),
    CommandDoc::new("client|help", "connection", "5.0.0", "O(1)", "Show helpful text about the different subcommands"),
];

#[rustfmt::skip]
static SERVER: &[CommandDoc] = &[
    CommandDoc::new(
        "swapdb",
        "server",
        "4.0.0",
        "O(N) where N is the count of clients watching or blocking on keys from both databases.",
        "Swaps two Redis databases",
    )
    .args(&[integer("index1"), integer("index2")]),
    CommandDoc::new("dbsize", "server", "1.0.0", "O(1)", "Return the number of keys in the selected database")
        .tips(&["request_policy:all_shards", "response_policy:agg_sum"]),
    CommandDoc::new(
        "flushdb",
        "server",
        "1.0.0",
        "O(N) where N is the number of keys in the selected database",
        "Remove all keys from the current database",
    )
    .history(&[
        ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
        ("6.2.0", "Added the `SYNC` flushing mode modifier."),
    ])
    .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
    .args(&[
        oneof("async", &[
            pure_token("async", "ASYNC").since("4.0.0"),
            pure_token("sync", "SYNC").since("6.2.0"),
        ]).optional(),
    ]),
    CommandDoc::new(
        "flushall",
        "server",
        "1.0.0",
        "O(N) where N is the total number of keys in all databases",
        "Remove all keys from all databases",
    )
    .history(&[
        ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
        ("6.2.0", "Added the `SYNC` flushing mode modifier."),
    ])
    .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
    .args(&[
        oneof("async", &[
            pure_token("async", "ASYNC").since("4.0.0"),
            pure_token("sync", "SYNC").since("6.2.0"),
        ]).optional(),
    ]),
    CommandDoc::new("info", "server", "1.0.0", "O(1)", "Get information and statistics about the server")
        .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .args(&[string("section").optional().multiple()]),
    CommandDoc::new(
        "config",
        "server",
        "2.0.0",
        "Depends on subcommand.",
        "A container for server configuration commands",
    ),
    CommandDoc::new(
        "config|get",
        "server",
        "2.0.0",
        "O(N) when N is the number of configuration parameters provided",
        "Get the values of configuration parameters",
    )
    .history(&[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")])
    .args(&[block("parameter", &[string("parameter")]).multiple()]),
    CommandDoc::new(
        "config|set",
        "server",
        "2.0.0",
        "O(N) when N is the number of configuration parameters provided",
        "Set configuration parameters to the given values",
    )
    .history(&[("7.0.0", "Added the ability to set multiple parameters in one call.")])
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"])
    .args(&[block("parameter_value", &[string("parameter"), string("value")]).multiple()]),
    CommandDoc::new("config|resetstat", "server", "2.0.0", "O(1)", "Reset the stats returned by INFO"),
    CommandDoc::new(
        "config|rewrite",
        "server",
        "2.8.0",
        "O(1)",
        "Rewrite the configuration file with the in memory configuration",
    ),
    CommandDoc::new("config|help", "server", "5.0.0", "O(1)", "Show helpful text about the different subcommands"),
    CommandDoc::new(
        "command",
        "server",
        "2.8.13",
        "O(N) where N is the total number of Redis commands",
        "Get array of Redis command details",
    )
    .tips(&["nondeterministic_output_order"]),
    CommandDoc::new("command|count", "server", "2.8.13", "O(1)", "Get total number of Redis commands"),
    CommandDoc::new(
        "command|docs",
        "server",
        "7.0.0",
        "O(N) where N is the number of commands to look up",
        "Get array of specific Redis command documentation",
    )
    .tips(&["nondeterministic_output_order"])
    .args(&[string("command-name").optional().multiple()]),
    CommandDoc::new(
        "command|getkeys",
        "server",
        "2.8.13",
        "O(N) where N is the number of arguments to the command",
        "Extract keys given a full Redis command",
    ),
    CommandDoc::new(
        "command|getkeysandflags",
        "server",
        "7.0.0",
        "O(N) where N is the number of arguments to the command",
        "Extract keys and access flags given a full Redis command",
    ),
    CommandDoc::new("command|help", "server", "5.0.0", "O(1)", "Show helpful text about the different subcommands"),
    CommandDoc::new(
        "command|info",
        "server",
        "2.8.13",
        "O(N) where N is the number of commands to look up",
        "Get array of specific Redis command details, or all when no argument is given.",
    )
    .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
    .tips(&["nondeterministic_output_order"])
    .args(&[string("command-name").optional().multiple()]),
    CommandDoc::new(
        "command|list",
        "server",
        "7.0.0",
        "O(N) where N is the total number of Redis commands",
        "Get an array of Redis command names",
    )
    .tips(&["nondeterministic_output_order"])
    .args(&[
        oneof("filterby", &[
            string("module-name").token("MODULE"),
            string("category").token("ACLCAT"),
            pattern("pattern").token("PATTERN"),
        ]).token("FILTERBY").optional(),
    ]),
    CommandDoc::new("time", "server", "2.6.0", "O(1)", "Return the current server time")
        .tips(&["nondeterministic_output"]),
    CommandDoc::new("save", "server", "1.0.0", "O(N) where N is the total number of keys in all databases", "Synchronously save the dataset to disk"),
    CommandDoc::new("bgsave", "server", "1.0.0", "O(1)", "Asynchronously save the dataset to disk")
        .history(&[("3.2.2", "Added the `SCHEDULE` option.")])
        .args(&[pure_token("schedule", "SCHEDULE").since("3.2.2").optional()]),
    CommandDoc::new("lastsave", "server", "1.0.0", "O(1)", "Get the UNIX time stamp of the last successful save to disk")
        .tips(&["nondeterministic_output"]),
    CommandDoc::new("bgrewriteaof", "server", "1.0.0", "O(1)", "Asynchronously rewrite the append-only file"),
    CommandDoc::new(
        "shutdown",
        "server",
        "1.0.0",
        "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
        "Synchronously save the dataset to disk and then shut down the server",
    )
    .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
    .args(&[
        oneof("nosave-save", &[
            pure_token("nosave", "NOSAVE"),
            pure_token("save", "SAVE"),
        ]).optional(),
        pure_token("now", "NOW").since("7.0.0").optional(),
        pure_token("force", "FORCE").since("7.0.0").optional(),
        pure_token("abort", "ABORT").since("7.0.0").optional(),
    ]),
];

#[rustfmt::skip]
static LIST: &[CommandDoc] = &[
    CommandDoc::new(
        "blmove",
        "list",
        "6.2.0",
        "O(1)",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
    .args(&[
        key("source", 0),
        key("destination", 1),
        oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        double("timeout"),
    ]),
    CommandDoc::new(
        "blmpop",
        "list",
        "7.0.0",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "Pop elements from a list, or block until one is available",
    )
    .keys(&[KeySpec::index(2, RW | ACCESS | DELETE).keynum(0, 1, 1)])
    .args(&[
        double("timeout"),
        integer("numkeys"),
        key("key", 0).multiple(),
        oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "blpop",
        "list",
        "2.0.0",
        "O(N) where N is the number of provided keys.",
        "Remove and get the first element in a list, or block until one is available",
    )
    .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
    .args(&[key("key", 0).multiple(), double("timeout")]),
    CommandDoc::new(
        "brpop",
        "list",
        "2.0.0",
        "O(N) where N is the number of provided keys.",
        "Remove and get the last element in a list, or block until one is available",
    )
    .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
    .args(&[key("key", 0).multiple(), double("timeout")]),
    CommandDoc::new(
        "brpoplpush",
        "list",
        "2.2.0",
        "O(1)",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
    )
    .deprecated("6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments")
    .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
    .args(&[key("source", 0), key("destination", 1), double("timeout")]),
    CommandDoc::new(
        "lindex",
        "list",
        "1.0.0",
        "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
        "Get an element from a list by its index",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("index")]),
    CommandDoc::new(
        "linsert",
        "list",
        "2.2.0",
        "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
        "Insert an element before or after another element in a list",
    )
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        oneof("where", &[pure_token("before", "BEFORE"), pure_token("after", "AFTER")]),
        string("pivot"),
        string("element"),
    ]),
    CommandDoc::new("llen", "list", "1.0.0", "O(1)", "Get the length of a list")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "lmove",
        "list",
        "6.2.0",
        "O(1)",
        "Pop an element from a list, push it to another list and return it",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
    .args(&[
        key("source", 0),
        key("destination", 1),
        oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    ]),
    CommandDoc::new(
        "lmpop",
        "list",
        "7.0.0",
        "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
        "Pop elements from a list",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)])
    .args(&[
        integer("numkeys"),
        key("key", 0).multiple(),
        oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "lpop",
        "list",
        "1.0.0",
        "O(N) where N is the number of elements returned",
        "Remove and get the first elements in a list",
    )
    .history(&[("6.2.0", "Added the `count` argument.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").since("6.2.0").optional()]),
    CommandDoc::new(
        "lpos",
        "list",
        "6.0.6",
        "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
        "Return the index of matching elements on a list",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("element"),
        integer("rank").token("RANK").optional(),
        integer("num-matches").token("COUNT").optional(),
        integer("len").token("MAXLEN").optional(),
    ]),
    CommandDoc::new(
        "lpush",
        "list",
        "1.0.0",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Prepend one or multiple elements to a list",
    )
    .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("element").multiple()]),
    CommandDoc::new(
        "lpushx",
        "list",
        "2.2.0",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Prepend an element to a list, only if the list exists",
    )
    .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("element").multiple()]),
    CommandDoc::new(
        "lrange",
        "list",
        "1.0.0",
        "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
        "Get a range of elements from a list",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("stop")]),
    CommandDoc::new(
        "lrem",
        "list",
        "1.0.0",
        "O(N+M) where N is the length of the list and M is the number of elements removed.",
        "Remove elements from a list",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count"), string("element")]),
    CommandDoc::new(
        "lset",
        "list",
        "1.0.0",
        "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
        "Set the value of an element in a list by its index",
    )
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("index"), string("element")]),
    CommandDoc::new(
        "ltrim",
        "list",
        "1.0.0",
        "O(N) where N is the number of elements to be removed by the operation.",
        "Trim a list to the specified range",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("stop")]),
    CommandDoc::new(
        "rpop",
        "list",
        "1.0.0",
        "O(N) where N is the number of elements returned",
        "Remove and get the last elements in a list",
    )
    .history(&[("6.2.0", "Added the `count` argument.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").since("6.2.0").optional()]),
    CommandDoc::new(
        "rpoplpush",
        "list",
        "1.2.0",
        "O(1)",
        "Remove the last element in a list, prepend it to another list and return it",
    )
    .deprecated("6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments")
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
    .args(&[key("source", 0), key("destination", 1)]),
    CommandDoc::new(
        "rpush",
        "list",
        "1.0.0",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Append one or multiple elements to a list",
    )
    .history(&[("2.4.0", "Accepts multiple `element` arguments.")])
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("element").multiple()]),
    CommandDoc::new(
        "rpushx",
        "list",
        "2.2.0",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Append an element to a list, only if the list exists",
    )
    .history(&[("4.0.0", "Accepts multiple `element` arguments.")])
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("element").multiple()]),
];

#[rustfmt::skip]
static SET: &[CommandDoc] = &[
    CommandDoc::new(
        "sadd",
        "set",
        "1.0.0",
        "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
        "Add one or more members to a set",
    )
    .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("member").multiple()]),
    CommandDoc::new("scard", "set", "1.0.0", "O(1)", "Get the number of members in a set")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "sdiff",
        "set",
        "1.0.0",
        "O(N) where N is the total number of elements in all given sets.",
        "Subtract multiple sets",
    )
    .tips(&["nondeterministic_output_order"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "sdiffstore",
        "set",
        "1.0.0",
        "O(N) where N is the total number of elements in all given sets.",
        "Subtract multiple sets and store the resulting set in a key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("destination", 0), key("key", 1).multiple()]),
    CommandDoc::new(
        "sinter",
        "set",
        "1.0.0",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "Intersect multiple sets",
    )
    .tips(&["nondeterministic_output_order"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "sintercard",
        "set",
        "7.0.0",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "Intersect multiple sets and return the cardinality of the result",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()]),
    CommandDoc::new(
        "sinterstore",
        "set",
        "1.0.0",
        "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.",
        "Intersect multiple sets and store the resulting set in a key",
    )
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("destination", 0), key("key", 1).multiple()]),
    CommandDoc::new("sismember", "set", "1.0.0", "O(1)", "Determine if a given value is a member of a set")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0), string("member")]),
    CommandDoc::new("smembers", "set", "1.0.0", "O(N) where N is the set cardinality.", "Get all the members in a set")
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "smismember",
        "set",
        "6.2.0",
        "O(N) where N is the number of elements being checked for membership",
        "Returns the membership associated with the given elements for a set",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("member").multiple()]),
    CommandDoc::new("smove", "set", "1.0.0", "O(1)", "Move a member from one set to another")
        .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0), KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
        .args(&[key("source", 0), key("destination", 1), string("member")]),
    CommandDoc::new(
        "spop",
        "set",
        "1.0.0",
        "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
        "Remove and return one or multiple random members from a set",
    )
    .history(&[("3.2.0", "Added the `count` argument.")])
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").since("3.2.0").optional()]),
    CommandDoc::new(
        "srandmember",
        "set",
        "1.0.0",
        "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
        "Get one or multiple random members from a set",
    )
    .history(&[("2.6.0", "Added the optional `count` argument.")])
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").since("2.6.0").optional()]),
    CommandDoc::new(
        "srem",
        "set",
        "1.0.0",
        "O(N) where N is the number of members to be removed.",
        "Remove one or more members from a set",
    )
    .history(&[("2.4.0", "Accepts multiple `member` arguments.")])
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("member").multiple()]),
    CommandDoc::new(
        "sscan",
        "set",
        "2.8.0",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Incrementally iterate Set elements",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        integer("cursor"),
        pattern("pattern").token("MATCH").optional(),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "sunion",
        "set",
        "1.0.0",
        "O(N) where N is the total number of elements in all given sets.",
        "Add multiple sets",
    )
    .tips(&["nondeterministic_output_order"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
    CommandDoc::new(
        "sunionstore",
        "set",
        "1.0.0",
        "O(N) where N is the total number of elements in all given sets.",
        "Add multiple sets and store the resulting set in a key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).range(-1, 1, 0)])
    .args(&[key("destination", 0), key("key", 1).multiple()]),
];

#[rustfmt::skip]
static SORTED_SET: &[CommandDoc] = &[
    CommandDoc::new(
        "bzmpop",
        "sorted-set",
        "7.0.0",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return members with scores in a sorted set or block until one is available",
    )
    .keys(&[KeySpec::index(2, RW | ACCESS | DELETE).keynum(0, 1, 1)])
    .args(&[
        double("timeout"),
        integer("numkeys"),
        key("key", 0).multiple(),
        oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "bzpopmax",
        "sorted-set",
        "5.0.0",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
    )
    .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
    .args(&[key("key", 0).multiple(), double("timeout")]),
    CommandDoc::new(
        "bzpopmin",
        "sorted-set",
        "5.0.0",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
    )
    .history(&[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")])
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(-2, 1, 0)])
    .args(&[key("key", 0).multiple(), double("timeout")]),
    CommandDoc::new(
        "zadd",
        "sorted-set",
        "1.2.0",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "Add one or more members to a sorted set, or update its score if it already exists",
    )
    .history(&[
        ("2.4.0", "Accepts multiple elements."),
        ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
        ("6.2.0", "Added the `GT` and `LT` options."),
    ])
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).since("3.0.2").optional(),
        oneof("comparison", &[pure_token("gt", "GT"), pure_token("lt", "LT")]).since("6.2.0").optional(),
        pure_token("change", "CH").since("3.0.2").optional(),
        pure_token("increment", "INCR").since("3.0.2").optional(),
        block("score_member", &[double("score"), string("member")]).multiple(),
    ]),
    CommandDoc::new("zcard", "sorted-set", "1.2.0", "O(1)", "Get the number of members in a sorted set")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "zcount",
        "sorted-set",
        "2.0.0",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "Count the members in a sorted set with scores within the given values",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), double("min"), double("max")]),
    CommandDoc::new(
        "zdiff",
        "sorted-set",
        "6.2.0",
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "Subtract multiple sorted sets",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[integer("numkeys"), key("key", 0).multiple(), pure_token("withscores", "WITHSCORES").optional()]),
    CommandDoc::new(
        "zdiffstore",
        "sorted-set",
        "6.2.0",
        "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[key("destination", 0), integer("numkeys"), key("key", 1).multiple()]),
    CommandDoc::new(
        "zincrby",
        "sorted-set",
        "1.2.0",
        "O(log(N)) where N is the number of elements in the sorted set.",
        "Increment the score of a member in a sorted set",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("increment"), string("member")]),
    CommandDoc::new(
        "zinter",
        "sorted-set",
        "6.2.0",
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "Intersect multiple sorted sets",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[
        integer("numkeys"),
        key("key", 0).multiple(),
        integer("weight").token("WEIGHTS").optional().multiple(),
        oneof("aggregate", &[
            pure_token("sum", "SUM"),
            pure_token("min", "MIN"),
            pure_token("max", "MAX"),
        ]).token("AGGREGATE").optional(),
        pure_token("withscores", "WITHSCORES").optional(),
    ]),
    CommandDoc::new(
        "zintercard",
        "sorted-set",
        "7.0.0",
        "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
        "Intersect multiple sorted sets and return the cardinality of the result",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()]),
    CommandDoc::new(
        "zinterstore",
        "sorted-set",
        "2.0.0",
        "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[
        key("destination", 0),
        integer("numkeys"),
        key("key", 1).multiple(),
        integer("weight").token("WEIGHTS").optional().multiple(),
        oneof("aggregate", &[
            pure_token("sum", "SUM"),
            pure_token("min", "MIN"),
            pure_token("max", "MAX"),
        ]).token("AGGREGATE").optional(),
    ]),
    CommandDoc::new(
        "zlexcount",
        "sorted-set",
        "2.8.9",
        "O(log(N)) with N being the number of elements in the sorted set.",
        "Count the number of members in a sorted set between a given lexicographical range",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("min"), string("max")]),
    CommandDoc::new(
        "zmpop",
        "sorted-set",
        "7.0.0",
        "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return members with scores in a sorted set",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).keynum(0, 1, 1)])
    .args(&[
        integer("numkeys"),
        key("key", 0).multiple(),
        oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "zmscore",
        "sorted-set",
        "6.2.0",
        "O(N) where N is the number of members being requested.",
        "Get the score associated with the given members in a sorted set",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("member").multiple()]),
    CommandDoc::new(
        "zpopmax",
        "sorted-set",
        "5.0.0",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return members with the highest scores in a sorted set",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").optional()]),
    CommandDoc::new(
        "zpopmin",
        "sorted-set",
        "5.0.0",
        "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.",
        "Remove and return members with the lowest scores in a sorted set",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("count").optional()]),
    CommandDoc::new(
        "zrandmember",
        "sorted-set",
        "6.2.0",
        "O(N) where N is the number of elements returned",
        "Get one or multiple random elements from a sorted set",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        block("options", &[integer("count"), pure_token("withscores", "WITHSCORES").optional()]).optional(),
    ]),
    CommandDoc::new(
        "zrange",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "Return a range of members in a sorted set",
    )
    .history(&[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("start"),
        string("stop"),
        oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")]).since("6.2.0").optional(),
        pure_token("rev", "REV").since("6.2.0").optional(),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").since("6.2.0").optional(),
        pure_token("withscores", "WITHSCORES").optional(),
    ]),
    CommandDoc::new(
        "zrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Return a range of members in a sorted set, by lexicographical range",
    )
    .deprecated("6.2.0", "`ZRANGE` with the `BYLEX` argument")
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("min"),
        string("max"),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    ]),
    CommandDoc::new(
        "zrangebyscore",
        "sorted-set",
        "1.0.5",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Return a range of members in a sorted set, by score",
    )
    .deprecated("6.2.0", "`ZRANGE` with the `BYSCORE` argument")
    .history(&[("2.0.0", "Added the `WITHSCORES` modifier.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        double("min"),
        double("max"),
        pure_token("withscores", "WITHSCORES").since("2.0.0").optional(),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    ]),
    CommandDoc::new(
        "zrangestore",
        "sorted-set",
        "6.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
        "Store a range of members from sorted set into another key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("dst", 0),
        key("src", 1),
        string("min"),
        string("max"),
        oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")]).optional(),
        pure_token("rev", "REV").optional(),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    ]),
    CommandDoc::new("zrank", "sorted-set", "2.0.0", "O(log(N))", "Determine the index of a member in a sorted set")
        .history(&[("7.2.0", "Added the optional `WITHSCORE` argument.")])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0), string("member"), pure_token("withscore", "WITHSCORE").since("7.2.0").optional()]),
    CommandDoc::new(
        "zrem",
        "sorted-set",
        "1.2.0",
        "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
        "Remove one or more members from a sorted set",
    )
    .history(&[("2.4.0", "Accepts multiple elements.")])
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("member").multiple()]),
    CommandDoc::new(
        "zremrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove all members in a sorted set between the given lexicographical range",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("min"), string("max")]),
    CommandDoc::new(
        "zremrangebyrank",
        "sorted-set",
        "2.0.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove all members in a sorted set within the given indexes",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("stop")]),
    CommandDoc::new(
        "zremrangebyscore",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.",
        "Remove all members in a sorted set within the given scores",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), double("min"), double("max")]),
    CommandDoc::new(
        "zrevrange",
        "sorted-set",
        "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
    )
    .deprecated("6.2.0", "`ZRANGE` with the `REV` argument")
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), integer("start"), integer("stop"), pure_token("withscores", "WITHSCORES").optional()]),
    CommandDoc::new(
        "zrevrangebylex",
        "sorted-set",
        "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
    )
    .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments")
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("max"),
        string("min"),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    ]),
    CommandDoc::new(
        "zrevrangebyscore",
        "sorted-set",
        "2.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
    )
    .deprecated("6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments")
    .history(&[("2.1.6", "`min` and `max` can be exclusive.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        double("max"),
        double("min"),
        pure_token("withscores", "WITHSCORES").optional(),
        block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    ]),
    CommandDoc::new(
        "zrevrank",
        "sorted-set",
        "2.0.0",
        "O(log(N))",
        "Determine the index of a member in a sorted set, with scores ordered from high to low",
    )
    .history(&[("7.2.0", "Added the optional `WITHSCORE` argument.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("member"), pure_token("withscore", "WITHSCORE").since("7.2.0").optional()]),
    CommandDoc::new(
        "zscan",
        "sorted-set",
        "2.8.0",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Incrementally iterate sorted sets elements and associated scores",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        integer("cursor"),
        pattern("pattern").token("MATCH").optional(),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "zscore",
        "sorted-set",
        "1.2.0",
        "O(1)",
        "Get the score associated with the given member in a sorted set",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("member")]),
    CommandDoc::new(
        "zunion",
        "sorted-set",
        "6.2.0",
        "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "Add multiple sorted sets",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[
        integer("numkeys"),
        key("key", 0).multiple(),
        integer("weight").token("WEIGHTS").optional().multiple(),
        oneof("aggregate", &[
            pure_token("sum", "SUM"),
            pure_token("min", "MIN"),
            pure_token("max", "MAX"),
        ]).token("AGGREGATE").optional(),
        pure_token("withscores", "WITHSCORES").optional(),
    ]),
    CommandDoc::new(
        "zunionstore",
        "sorted-set",
        "2.0.0",
        "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
        "Add multiple sorted sets and store the resulting sorted set in a new key",
    )
    .keys(&[KeySpec::index(1, OW | UPDATE).range(0, 1, 0), KeySpec::index(2, RO | ACCESS).keynum(0, 1, 1)])
    .args(&[
        key("destination", 0),
        integer("numkeys"),
        key("key", 1).multiple(),
        integer("weight").token("WEIGHTS").optional().multiple(),
        oneof("aggregate", &[
            pure_token("sum", "SUM"),
            pure_token("min", "MIN"),
            pure_token("max", "MAX"),
        ]).token("AGGREGATE").optional(),
    ]),
];

#[rustfmt::skip]
static HASH: &[CommandDoc] = &[
    CommandDoc::new(
        "hdel",
        "hash",
        "2.0.0",
        "O(N) where N is the number of fields to be removed.",
        "Delete one or more hash fields",
    )
    .history(&[("2.4.0", "Accepts multiple `field` arguments.")])
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("field").multiple()]),
    CommandDoc::new("hexists", "hash", "2.0.0", "O(1)", "Determine if a hash field exists")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0), string("field")]),
    CommandDoc::new("hget", "hash", "2.0.0", "O(1)", "Get the value of a hash field")
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0), string("field")]),
    CommandDoc::new(
        "hgetall",
        "hash",
        "2.0.0",
        "O(N) where N is the size of the hash.",
        "Get all the fields and values in a hash",
    )
    .tips(&["nondeterministic_output_order"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0)]),
    CommandDoc::new(
        "hincrby",
        "hash",
        "2.0.0",
        "O(1)",
        "Increment the integer value of a hash field by the given number",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), string("field"), integer("increment")]),
    CommandDoc::new(
        "hincrbyfloat",
        "hash",
        "2.6.0",
        "O(1)",
        "Increment the float value of a hash field by the given amount",
    )
    .keys(&[KeySpec::index(1, RW | ACCESS | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), string("field"), double("increment")]),
    CommandDoc::new("hkeys", "hash", "2.0.0", "O(N) where N is the size of the hash.", "Get all the fields in a hash")
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("hlen", "hash", "2.0.0", "O(1)", "Get the number of fields in a hash")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "hmget",
        "hash",
        "2.0.0",
        "O(N) where N is the number of fields being requested.",
        "Get the values of all the given hash fields",
    )
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("field").multiple()]),
    CommandDoc::new(
        "hmset",
        "hash",
        "2.0.0",
        "O(N) where N is the number of fields being set.",
        "Set multiple hash fields to multiple values",
    )
    .deprecated("4.0.0", "`HSET` with multiple field-value pairs")
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), block("field_value", &[string("field"), string("value")]).multiple()]),
    CommandDoc::new(
        "hrandfield",
        "hash",
        "6.2.0",
        "O(N) where N is the number of fields returned",
        "Get one or multiple random fields from a hash",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        block("options", &[integer("count"), pure_token("withvalues", "WITHVALUES").optional()]).optional(),
    ]),
    CommandDoc::new(
        "hscan",
        "hash",
        "2.8.0",
        "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
        "Incrementally iterate hash fields and associated values",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        integer("cursor"),
        pattern("pattern").token("MATCH").optional(),
        integer("count").token("COUNT").optional(),
    ]),
    CommandDoc::new(
        "hset",
        "hash",
        "2.0.0",
        "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
        "Set the string value of a hash field",
    )
    .history(&[("4.0.0", "Accepts multiple `field` and `value` arguments.")])
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), block("field_value", &[string("field"), string("value")]).multiple()]),
    CommandDoc::new(
        "hsetnx",
        "hash",
        "2.0.0",
        "O(1)",
        "Set the value of a hash field, only if the field does not exist",
    )
    .keys(&[KeySpec::index(1, RW | INSERT).range(0, 1, 0)])
    .args(&[key("key", 0), string("field"), string("value")]),
    CommandDoc::new("hstrlen", "hash", "3.2.0", "O(1)", "Get the length of the value of a hash field")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0), string("field")]),
    CommandDoc::new("hvals", "hash", "2.0.0", "O(N) where N is the size of the hash.", "Get all the values in a hash")
        .tips(&["nondeterministic_output_order"])
        .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
];

#[rustfmt::skip]
static PUBSUB: &[CommandDoc] = &[
    CommandDoc::new(
        "psubscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of patterns the client is already subscribed to.",
        "Listen for messages published to channels matching the given patterns",
    )
    .args(&[block("pattern", &[pattern("pattern")]).multiple()]),
    CommandDoc::new(
        "publish",
        "pubsub",
        "2.0.0",
        "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
        "Post a message to a channel",
    )
    .args(&[string("channel"), string("message")]),
    CommandDoc::new("pubsub", "pubsub", "2.8.0", "Depends on subcommand.", "A container for Pub/Sub commands"),
    CommandDoc::new(
        "pubsub|channels",
        "pubsub",
        "2.8.0",
        "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
        "List active channels",
    )
    .args(&[pattern("pattern").optional()]),
    CommandDoc::new("pubsub|help", "pubsub", "6.2.0", "O(1)", "Show helpful text about the different subcommands"),
    CommandDoc::new(
        "pubsub|numpat",
        "pubsub",
        "2.8.0",
        "O(1)",
        "Get the count of unique patterns pattern subscriptions",
    ),
    CommandDoc::new(
        "pubsub|numsub",
        "pubsub",
        "2.8.0",
        "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
        "Get the count of subscribers for channels",
    )
    .args(&[string("channel").optional().multiple()]),
    CommandDoc::new(
        "pubsub|shardchannels",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
        "List active shard channels",
    )
    .args(&[pattern("pattern").optional()]),
    CommandDoc::new(
        "pubsub|shardnumsub",
        "pubsub",
        "7.0.0",
        "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
        "Get the count of subscribers for shard channels",
    )
    .args(&[string("shardchannel").optional().multiple()]),
    CommandDoc::new(
        "punsubscribe",
        "pubsub",
        "2.0.0",
        "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
        "Stop listening for messages posted to channels matching the given patterns",
    )
    .args(&[pattern("pattern").optional().multiple()]),
    CommandDoc::new(
        "spublish",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of clients subscribed to the receiving shard channel.",
        "Post a message to a shard channel",
    )
    .keys(&[KeySpec::index(1, NOT_KEY).range(0, 1, 0)])
    .args(&[string("shardchannel"), string("message")]),
    CommandDoc::new(
        "ssubscribe",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of shard channels to subscribe to.",
        "Listen for messages published to the given shard channels",
    )
    .keys(&[KeySpec::index(1, NOT_KEY).range(-1, 1, 0)])
    .args(&[string("shardchannel").multiple()]),
    CommandDoc::new(
        "subscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of channels to subscribe to.",
        "Listen for messages published to the given channels",
    )
    .args(&[string("channel").multiple()]),
    CommandDoc::new(
        "sunsubscribe",
        "pubsub",
        "7.0.0",
        "O(N) where N is the number of clients already subscribed to a shard channel.",
        "Stop listening for messages posted to the given shard channels",
    )
    .keys(&[KeySpec::index(1, NOT_KEY).range(-1, 1, 0)])
    .args(&[string("shardchannel").optional().multiple()]),
    CommandDoc::new(
        "unsubscribe",
        "pubsub",
        "2.0.0",
        "O(N) where N is the number of clients already subscribed to a channel.",
        "Stop listening for messages posted to the given channels",
    )
    .args(&[string("channel").optional().multiple()]),
];

#[rustfmt::skip]
static TRANSACTIONS: &[CommandDoc] = &[
    CommandDoc::new(
        "discard",
        "transactions",
        "2.0.0",
        "O(N), when N is the number of queued commands",
        "Discard all commands issued after MULTI",
    ),
    CommandDoc::new(
        "exec",
        "transactions",
        "1.2.0",
        "Depends on commands in the transaction",
        "Execute all commands issued after MULTI",
    ),
    CommandDoc::new("multi", "transactions", "1.2.0", "O(1)", "Mark the start of a transaction block"),
    CommandDoc::new("unwatch", "transactions", "2.2.0", "O(1)", "Forget about all watched keys"),
    CommandDoc::new(
        "watch",
        "transactions",
        "2.2.0",
        "O(1) for every key.",
        "Watch the given keys to determine execution of the MULTI/EXEC block",
    )
    .keys(&[KeySpec::index(1, RO).range(-1, 1, 0)])
    .args(&[key("key", 0).multiple()]),
];

#[rustfmt::skip]
static STREAM: &[CommandDoc] = &[
    CommandDoc::new(
        "xack",
        "stream",
        "5.0.0",
        "O(1) for each message ID processed.",
        "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.",
    )
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[key("key", 0), string("group"), string("id").multiple()]),
    CommandDoc::new(
        "xadd",
        "stream",
        "5.0.0",
        "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.",
        "Appends a new entry to a stream",
    )
    .history(&[
        ("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
        ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
    ])
    .tips(&["nondeterministic_output"])
    .keys(&[
        KeySpec::index(1, RW | UPDATE).range(0, 1, 0).notes("UPDATE instead of INSERT because of the optional trimming feature"),
    ])
    .args(&[
        key("key", 0),
        pure_token("nomkstream", "NOMKSTREAM").since("6.2.0").optional(),
        block("trim", &[
            oneof("strategy", &[pure_token("maxlen", "MAXLEN"), pure_token("minid", "MINID").since("6.2.0")]),
            oneof("operator", &[pure_token("equal", "="), pure_token("approximately", "~")]).optional(),
            string("threshold"),
            integer("count").token("LIMIT").since("6.2.0").optional(),
        ]).optional(),
        oneof("id_or_auto", &[pure_token("auto_id", "*"), string("id")]),
        block("field_value", &[string("field"), string("value")]).multiple(),
    ]),
    CommandDoc::new(
        "xautoclaim",
        "stream",
        "6.2.0",
        "O(1) if COUNT is small.",
        "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.",
    )
    .history(&[
        ("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL"),
    ])
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("group"),
        string("consumer"),
        string("min-idle-time"),
        string("start"),
        integer("count").token("COUNT").optional(),
        pure_token("justid", "JUSTID").optional(),
    ]),
    CommandDoc::new(
        "xclaim",
        "stream",
        "5.0.0",
        "O(log N) with N being the number of messages in the PEL of the consumer group.",
        "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.",
    )
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("group"),
        string("consumer"),
        string("min-idle-time"),
        string("id").multiple(),
        integer("ms").token("IDLE").optional(),
        unix_time("unix-time-milliseconds").token("TIME").optional(),
        integer("count").token("RETRYCOUNT").optional(),
        pure_token("force", "FORCE").optional(),
        pure_token("justid", "JUSTID").optional(),
        string("id").token("LASTID").optional(),
    ]),
    CommandDoc::new(
        "xdel",
        "stream",
        "5.0.0",
        "O(1) for each single item to delete in the stream, regardless of the stream size.",
        "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.",
    )
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("id").multiple()]),
    CommandDoc::new("xgroup", "stream", "5.0.0", "Depends on subcommand.", "A container for consumer groups commands"),
    CommandDoc::new("xgroup|create", "stream", "5.0.0", "O(1)", "Create a consumer group.")
        .history(&[("7.0.0", "Added the `entries_read` named argument.")])
        .keys(&[KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
        .args(&[
            key("key", 0),
            string("groupname"),
            oneof("id", &[string("id"), pure_token("new_id", "$")]),
            pure_token("mkstream", "MKSTREAM").optional(),
            integer("entries_read").token("ENTRIESREAD").optional(),
        ]),
    CommandDoc::new("xgroup|createconsumer", "stream", "6.2.0", "O(1)", "Create a consumer in a consumer group.")
        .keys(&[KeySpec::index(2, RW | INSERT).range(0, 1, 0)])
        .args(&[key("key", 0), string("groupname"), string("consumername")]),
    CommandDoc::new("xgroup|delconsumer", "stream", "5.0.0", "O(1)", "Delete a consumer from a consumer group.")
        .keys(&[KeySpec::index(2, RW | DELETE).range(0, 1, 0)])
        .args(&[key("key", 0), string("groupname"), string("consumername")]),
    CommandDoc::new(
        "xgroup|destroy",
        "stream",
        "5.0.0",
        "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        "Destroy a consumer group.",
    )
    .keys(&[KeySpec::index(2, RW | DELETE).range(0, 1, 0)])
    .args(&[key("key", 0), string("groupname")]),
    CommandDoc::new("xgroup|help", "stream", "5.0.0", "O(1)", "Show helpful text about the different subcommands"),
    CommandDoc::new(
        "xgroup|setid",
        "stream",
        "5.0.0",
        "O(1)",
        "Set a consumer group to an arbitrary last delivered ID value.",
    )
    .history(&[("7.0.0", "Added the optional `entries_read` argument.")])
    .keys(&[KeySpec::index(2, RW | UPDATE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("groupname"),
        oneof("id", &[string("id"), pure_token("new_id", "$")]),
        integer("entries_read").token("ENTRIESREAD").optional(),
    ]),
    CommandDoc::new(
        "xinfo",
        "stream",
        "5.0.0",
        "Depends on subcommand.",
        "A container for stream introspection commands",
    ),
    CommandDoc::new("xinfo|consumers", "stream", "5.0.0", "O(1)", "List the consumers in a consumer group")
        .tips(&["nondeterministic_output"])
        .keys(&[KeySpec::index(2, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0), string("groupname")]),
    CommandDoc::new("xinfo|groups", "stream", "5.0.0", "O(1)", "List the consumer groups of a stream")
        .history(&[("7.0.0", "Added the `entries-read` and `lag` fields")])
        .keys(&[KeySpec::index(2, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new("xinfo|help", "stream", "5.0.0", "O(1)", "Show helpful text about the different subcommands"),
    CommandDoc::new("xinfo|stream", "stream", "5.0.0", "O(1)", "Get information about a stream")
        .history(&[
            ("6.0.0", "Added the `FULL` modifier."),
            ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields"),
        ])
        .keys(&[KeySpec::index(2, RO | ACCESS).range(0, 1, 0)])
        .args(&[key("key", 0), block("full", &[integer("count").token("COUNT").optional()]).token("FULL").optional()]),
    CommandDoc::new("xlen", "stream", "5.0.0", "O(1)", "Return the number of entries in a stream")
        .keys(&[KeySpec::index(1, RO).range(0, 1, 0)])
        .args(&[key("key", 0)]),
    CommandDoc::new(
        "xpending",
        "stream",
        "5.0.0",
        "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.",
        "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.",
    )
    .history(&[("6.2.0", "Added the `IDLE` option and exclusive range intervals.")])
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        string("group"),
        block("filters", &[
            integer("min-idle-time").token("IDLE").since("6.2.0").optional(),
            string("start"),
            string("end"),
            integer("count"),
            string("consumer").optional(),
        ]).optional(),
    ]),
    CommandDoc::new(
        "xrange",
        "stream",
        "5.0.0",
        "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "Return a range of elements in a stream, with IDs matching the specified IDs interval",
    )
    .history(&[("6.2.0", "Added exclusive ranges.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("start"), string("end"), integer("count").token("COUNT").optional()]),
    CommandDoc::new(
        "xread",
        "stream",
        "5.0.0",
        "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.",
        "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.",
    )
    .keys(&[KeySpec::keyword("STREAMS", 1, RO | ACCESS).range(-1, 1, 2)])
    .args(&[
        integer("count").token("COUNT").optional(),
        integer("milliseconds").token("BLOCK").optional(),
        block("streams", &[key("key", 0).multiple(), string("id").multiple()]).token("STREAMS"),
    ]),
    CommandDoc::new(
        "xreadgroup",
        "stream",
        "5.0.0",
        "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.",
        "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.",
    )
    .keys(&[KeySpec::keyword("STREAMS", 4, RO | ACCESS).range(-1, 1, 2)])
    .args(&[
        block("group_consumer", &[string("group"), string("consumer")]).token("GROUP"),
        integer("count").token("COUNT").optional(),
        integer("milliseconds").token("BLOCK").optional(),
        pure_token("noack", "NOACK").optional(),
        block("streams", &[key("key", 0).multiple(), string("id").multiple()]).token("STREAMS"),
    ]),
    CommandDoc::new(
        "xrevrange",
        "stream",
        "5.0.0",
        "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).",
        "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE",
    )
    .history(&[("6.2.0", "Added exclusive ranges.")])
    .keys(&[KeySpec::index(1, RO | ACCESS).range(0, 1, 0)])
    .args(&[key("key", 0), string("end"), string("start"), integer("count").token("COUNT").optional()]),
    CommandDoc::new("xsetid", "stream", "5.0.0", "O(1)", "An internal command for replicating stream values")
        .history(&[("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")])
        .keys(&[KeySpec::index(1, RW | UPDATE).range(0, 1, 0)])
        .args(&[
            key("key", 0),
            string("last-id"),
            integer("entries_added").token("ENTRIESADDED").since("7.0.0").optional(),
            string("max_deleted_entry_id").token("MAXDELETEDID").since("7.0.0").optional(),
        ]),
    CommandDoc::new(
        "xtrim",
        "stream",
        "5.0.0",
        "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.",
        "Trims the stream to (approximately if '~' is passed) a certain size",
    )
    .history(&[("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")])
    .tips(&["nondeterministic_output"])
    .keys(&[KeySpec::index(1, RW | DELETE).range(0, 1, 0)])
    .args(&[
        key("key", 0),
        block("trim", &[
            oneof("strategy", &[pure_token("maxlen", "MAXLEN"), pure_token("minid", "MINID").since("6.2.0")]),
            oneof("operator", &[pure_token("equal", "="), pure_token("approximately", "~")]).optional(),
            string("threshold"),
            integer("count").token("LIMIT").since("6.2.0").optional(),
        ]),
    ]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::table;

    /// Table commands allowed to lack documentation for now (none: keep it that way).
    const UNDOCUMENTED: &[&str] = &[];

    /// Every command and subcommand in the table, by full name.
    fn table_names() -> Vec<String> {
        let mut names = Vec::new();
        for c in table::all() {
            names.push(c.name.to_string());
            for s in c.subcommands {
                names.push(format!("{}|{}", c.name, s.name));
            }
        }
        names
    }

    #[test]
    fn every_table_command_is_documented() {
        let missing: Vec<String> =
            table_names().into_iter().filter(|n| doc(n).is_none() && !UNDOCUMENTED.contains(&n.as_str())).collect();
        assert!(missing.is_empty(), "commands without an entry in commands/docs.rs: {missing:?}");
    }

    #[test]
    fn names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for d in all() {
            assert_eq!(d.name, d.name.to_ascii_lowercase());
            assert!(seen.insert(d.name), "{} documented twice", d.name);
        }
    }

    #[test]
    fn groups_match_the_table() {
        for c in table::all() {
            if let Some(d) = doc(c.name) {
                assert_eq!(d.group, c.group.name(), "group of {}", c.name);
            }
        }
    }

    fn check_args(cmd: &CommandDoc, args: &[ArgDoc]) {
        for a in args {
            match a.kind {
                ArgType::Key(spec) => {
                    assert!(
                        (spec as usize) < cmd.key_specs.len(),
                        "{}: key {} has no key spec {spec}",
                        cmd.name,
                        a.name
                    )
                }
                ArgType::PureToken => assert!(a.token.is_some(), "{}: pure token {} has no token", cmd.name, a.name),
                ArgType::Oneof => assert!(a.args.len() >= 2, "{}: {} offers fewer than two choices", cmd.name, a.name),
                ArgType::Block => assert!(!a.args.is_empty(), "{}: {} is an empty block", cmd.name, a.name),
                _ => {}
            }
            if !matches!(a.kind, ArgType::Oneof | ArgType::Block) {
                assert!(a.args.is_empty(), "{}: only oneof and block nest arguments", cmd.name);
            }
            if let Some(t) = a.token {
                assert_eq!(t, t.to_ascii_uppercase(), "{}: tokens are uppercase", cmd.name);
            }
            check_args(cmd, a.args);
        }
    }

    #[test]
    fn argument_trees_are_well_formed() {
        for d in all() {
            check_args(d, d.args);
        }
    }

    #[test]
    fn subcommand_docs_belong_to_a_documented_container() {
        for d in all() {
            if let Some((container, _)) = d.name.split_once('|') {
                assert!(doc(container).is_some(), "{} has no container entry", d.name);
            }
        }
    }
}

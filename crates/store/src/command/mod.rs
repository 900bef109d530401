//! The command layer: a declarative table of every command ([`CommandSpec`]), the cursor
//! arguments are read through ([`Args`]), the context a command runs in ([`Ctx`]), and the
//! dispatcher that checks name and arity before calling the one implementation.
//!
//! Architecture invariant: commands see the keyspace only through [`Ctx`] views, and the
//! connection only through [`ClientState`]; they never know which server or store runs them.

mod args;
pub mod table;

use bytes::Bytes;
use resp::Frame;

pub use args::Args;
pub use table::{lookup, CommandSpec, Group, COMMANDS};

use crate::client::ClientState;
use crate::engine::Engine;
use crate::keyspace::{with_view, KeyView, Scope};

/// What a command returns: its reply, or an error reply (so `?` works on argument parsing).
pub type CommandResult = Result<Frame, Frame>;

/// A command implementation.
pub type Handler = fn(&mut Ctx<'_>, &mut Args) -> CommandResult;

/// Command flags, as COMMAND INFO lists them.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const MOVABLEKEYS: u32 = 1 << 15;
    pub const ALLOW_BUSY: u32 = 1 << 16;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 17;

    /// Flag bits and the names COMMAND replies with, in Redis's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Everything a command can reach while it runs.
pub struct Ctx<'a> {
    pub engine: &'a Engine,
    pub client: &'a mut ClientState,
    /// The view a transaction already holds (EXEC): nested views reuse it instead of locking.
    held: Option<&'a mut dyn KeyView>,
}

impl<'a> Ctx<'a> {
    pub fn new(engine: &'a Engine, client: &'a mut ClientState) -> Ctx<'a> {
        Ctx { engine, client, held: None }
    }

    /// A context whose views all go through `held` (used while a transaction holds `Scope::All`).
    pub fn within(engine: &'a Engine, client: &'a mut ClientState, held: &'a mut dyn KeyView) -> Ctx<'a> {
        Ctx { engine, client, held: Some(held) }
    }

    /// The client's selected database.
    pub fn db(&self) -> usize {
        self.client.db
    }

    /// Runs `f` over `scope` (see [`crate::keyspace::Store::view`]: `f` may run more than once).
    pub fn view<R>(&mut self, scope: Scope<'_>, mut f: impl FnMut(&mut dyn KeyView) -> R) -> R {
        match self.held.as_deref_mut() {
            Some(v) => f(v),
            None => with_view(self.engine.store(), scope, f),
        }
    }

    /// Reads one key of the selected database.
    pub fn read_key<R>(&mut self, key: &[u8], f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        self.key_view(key, false, f)
    }

    /// Reads and may change one key of the selected database.
    pub fn write_key<R>(&mut self, key: &[u8], f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        self.key_view(key, true, f)
    }

    fn key_view<R>(&mut self, key: &[u8], write: bool, mut f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        let db = self.db();
        let keys = [(db, key)];
        self.view(Scope::Keys { keys: &keys, write }, |kv| f(kv, db))
    }

    /// Reads several keys of the selected database atomically.
    pub fn read_keys<R>(&mut self, keys: &[Bytes], f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        self.keys_view(keys, false, f)
    }

    /// Reads and may change several keys of the selected database atomically.
    pub fn write_keys<R>(&mut self, keys: &[Bytes], f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        self.keys_view(keys, true, f)
    }

    fn keys_view<R>(&mut self, keys: &[Bytes], write: bool, mut f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        let db = self.db();
        let pairs: Vec<(usize, &[u8])> = keys.iter().map(|k| (db, &k[..])).collect();
        self.view(Scope::Keys { keys: &pairs, write }, |kv| f(kv, db))
    }

    /// Asks to block on `keys` of the selected database (see `crate::blocking`). The returned
    /// frame is not sent: the session parks the client and sends the command's reply once it
    /// is served, or `timeout_reply` when `timeout` (zero: none) passes.
    pub fn block(&mut self, keys: Vec<Bytes>, timeout: std::time::Duration, timeout_reply: Frame) -> Frame {
        let db = self.db();
        self.client.block = Some(crate::blocking::BlockRequest::new(db, keys, timeout, timeout_reply.clone()));
        timeout_reply
    }

    /// The whole selected database.
    pub fn db_view<R>(&mut self, write: bool, mut f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        let db = self.db();
        self.view(Scope::Db { db, write }, |kv| f(kv, db))
    }
}

/// Looks up and runs one request. Checks the name, the subcommand and the arity the way
/// Redis does, with Redis's error texts.
pub fn dispatch(engine: &Engine, client: &mut ClientState, argv: Vec<Bytes>) -> Frame {
    let Some(spec) = lookup(&argv[0]) else {
        return crate::error::unknown_command(&argv);
    };
    let container = spec;
    // A container whose arity allows it alone (COMMAND) runs its own handler without a subcommand.
    let (spec, skip) = if spec.subcommands.is_empty() || (argv.len() == 1 && spec.arity_ok(1)) {
        (spec, 1)
    } else {
        if argv.len() < 2 {
            return crate::error::wrong_arity(spec.name);
        }
        match spec.subcommand(&argv[1]) {
            Some(sub) => (sub, 2),
            None => return crate::error::unknown_subcommand(spec.name, &argv[1]),
        }
    };
    if !spec.arity_ok(argv.len()) {
        let name = if skip == 2 { format!("{}|{}", container.name, spec.name) } else { spec.name.to_string() };
        return crate::error::wrong_arity(&name);
    }
    if client.protocol == resp::Protocol::Resp2
        && client.subs.total() > 0
        && !crate::commands::pubsub::allowed_while_subscribed(container.name)
    {
        return Frame::error(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in \
             this context",
            if skip == 2 { format!("{}|{}", container.name, spec.name) } else { spec.name.to_string() }
        ));
    }
    engine.stats.command_called();
    client.info.update_details(|d| {
        d.last_cmd = container.name;
        d.last_sub = (skip == 2).then_some(spec.name);
    });
    let mut args = Args::new(argv, skip);
    let mut ctx = Ctx::new(engine, client);
    let reply = match (spec.handler)(&mut ctx, &mut args) {
        Ok(f) | Err(f) => f,
    };
    if spec.has(flags::WRITE) && !engine.blocked.is_empty() && client.block.is_none() {
        // Any key a write command touched may now serve a blocked client. (A command that
        // is about to block wrote nothing; signalling its keys would wake its own queue.)
        for key in crate::commands::server::request_key_names(args.argv()) {
            engine.blocked.signal_ready(client.db, &key);
        }
    }
    if let Some(req) = client.block.as_mut() {
        req.argv = args.into_argv();
    }
    reply
}

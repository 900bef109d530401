//! The command layer: a declarative table of every command ([`CommandSpec`]), the cursor
//! arguments are read through ([`Args`]), the context a command runs in ([`Ctx`]), and the
//! dispatcher that checks name and arity before calling the one implementation.
//!
//! Architecture invariant: commands see the keyspace only through [`Ctx`] views, and the
//! connection only through [`ClientState`]; they never know which server or store runs them.

mod args;
pub mod table;
mod tally;

use bytes::Bytes;
use resp::Frame;

pub use args::Args;
pub use table::{lookup, CommandSpec, Group, COMMANDS};

use crate::batch::Batch;
use crate::client::ClientState;
use crate::commands::transaction;
use crate::engine::Engine;
use crate::keyspace::{with_view, KeyView, Scope};
use crate::watch::{Modifications, Recorder};
use tally::Tally;

/// What a command returns: its reply, or an error reply (so `?` works on argument parsing).
pub type CommandResult = Result<Frame, Frame>;

/// A command implementation.
pub type Handler = fn(&mut Ctx<'_>, &Args) -> CommandResult;

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
    /// What the command's own views changed, while anyone watches or is blocked (see `crate::watch`).
    modified: Modifications,
    /// What the command logs to the AOF instead of its own arguments (see [`Ctx::propagate`]).
    effects: Option<Vec<Effect>>,
    /// Changes the command's views made (see `tally`).
    dirty: u64,
}

/// One command as the AOF logs it: the database it runs in and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub db: usize,
    pub argv: Vec<Bytes>,
}

impl Effect {
    /// `DEL key`, as expiry is logged.
    pub fn del(db: usize, key: Bytes) -> Effect {
        Effect { db, argv: vec![Bytes::from_static(b"DEL"), key] }
    }
}

impl<'a> Ctx<'a> {
    /// Counts a key lookup by a read command (INFO's `keyspace_hits` / `keyspace_misses`).
    pub fn lookup(&self, hit: bool) {
        self.client.counts.lookups(hit as u64, !hit as u64);
    }

    pub fn new(engine: &'a Engine, client: &'a mut ClientState) -> Ctx<'a> {
        Ctx { engine, client, held: None, modified: Modifications::default(), effects: None, dirty: 0 }
    }

    /// A context whose views all go through `held` (used while a transaction holds `Scope::All`).
    pub fn within(engine: &'a Engine, client: &'a mut ClientState, held: &'a mut dyn KeyView) -> Ctx<'a> {
        Ctx { engine, client, held: Some(held), modified: Modifications::default(), effects: None, dirty: 0 }
    }

    /// True while the command runs as part of EXEC (its views reuse the transaction's).
    pub fn in_exec(&self) -> bool {
        self.held.is_some()
    }

    /// The client's selected database.
    pub fn db(&self) -> usize {
        self.client.db
    }

    /// Runs `f` over `scope` (see [`crate::keyspace::Store::view`]: `f` may run more than once).
    pub fn view<R>(&mut self, scope: Scope<'_>, mut f: impl FnMut(&mut dyn KeyView) -> R) -> R {
        let writes = scope.writes();
        if let Some(v) = self.held.as_deref_mut() {
            let mut tally = Tally::new(v);
            let reply = f(&mut tally);
            self.dirty += tally.changes;
            return reply;
        }
        if !writes {
            return with_view(self.engine.store(), scope, f);
        }
        let (engine, modified) = (self.engine, &mut self.modified);
        let mut changes = 0;
        let reply = with_view(engine.store(), scope, |kv| {
            // Only the last run counts: reset what an abandoned run recorded.
            let mut tally = Tally::new(kv);
            // Decided inside the view: WATCH registers under `Scope::All`, so it is wholly
            // before this view (and seen here) or wholly after it.
            let reply = if engine.watches.is_empty() && engine.blocked.is_empty() {
                f(&mut tally)
            } else {
                let mut recorder = Recorder::new(&mut tally, &engine.watches);
                let reply = f(&mut recorder);
                let mut changed = recorder.take();
                engine.watches.mark(&mut changed);
                modified.merge(changed);
                reply
            };
            changes = tally.changes;
            reply
        });
        self.dirty += changes;
        reply
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
        if self.in_exec() {
            // Inside EXEC a blocking command acts as its non-blocking form, as in Redis.
            return timeout_reply;
        }
        let db = self.db();
        self.client.block = Some(crate::blocking::BlockRequest::new(db, keys, timeout, timeout_reply.clone()));
        timeout_reply
    }

    /// Says that `key` of the selected database, changed in place, may now serve a blocked
    /// client (Redis's `signalKeyAsReady`): new stream entries, a destroyed group. Keys a
    /// command creates, replaces or deletes wake their waiters without this.
    pub fn key_ready(&mut self, key: &[u8]) {
        let db = self.db();
        self.modified.ready.push((db, Bytes::copy_from_slice(key)));
    }

    /// Records a keyspace event (`notify-keyspace-events`) for `key` of the selected
    /// database; published after the command. Call it after the view, once per change.
    pub fn notify(&mut self, class: u16, event: &'static str, key: &[u8]) {
        let db = self.db();
        self.notify_in(db, class, event, key);
    }

    /// [`Ctx::notify`] for a key of another database (MOVE, COPY ... DB).
    pub fn notify_in(&mut self, db: usize, class: u16, event: &'static str, key: &[u8]) {
        if self.engine.notifications_on() {
            let key = Bytes::copy_from_slice(key);
            self.client.events.push(crate::notify::KeyEvent { class, event, db, key });
        }
    }

    /// Logs `argv` (run in the selected database) to the AOF in place of the command's own
    /// arguments. By default a write command that changed something is logged as it was
    /// called; a command whose arguments would not replay to the same data — a relative
    /// time (EXPIRE → PEXPIREAT), a random pick (SPOP → SREM), a float (INCRBYFLOAT → SET) —
    /// says what it did instead. Call it once per command to log, in order, after the view.
    pub fn propagate(&mut self, argv: Vec<Bytes>) {
        let db = self.db();
        self.propagate_in(db, argv);
    }

    /// [`Ctx::propagate`] for a command that runs in another database.
    pub fn propagate_in(&mut self, db: usize, argv: Vec<Bytes>) {
        self.effects.get_or_insert_with(Vec::new).push(Effect { db, argv });
    }

    /// Logs nothing for this call, although its view may have written (a no-op the
    /// command can recognise, such as SET ... NX on an existing key).
    pub fn propagate_nothing(&mut self) {
        self.effects.get_or_insert_with(Vec::new);
    }

    /// What [`Ctx::propagate`] recorded: `None` if the command logs its own arguments.
    pub fn effects(&self) -> Option<&[Effect]> {
        self.effects.as_deref()
    }

    /// The whole selected database.
    pub fn db_view<R>(&mut self, write: bool, mut f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        let db = self.db();
        self.view(Scope::Db { db, write }, |kv| f(kv, db))
    }

    /// The whole selected database, read a part at a time ([`Scope::Sweep`]).
    pub fn sweep_view<R>(&mut self, mut f: impl FnMut(&mut dyn KeyView, usize) -> R) -> R {
        let db = self.db();
        self.view(Scope::Sweep { db }, |kv| f(kv, db))
    }
}

/// A request's command as the table resolves it.
#[derive(Clone, Copy)]
pub struct Resolved {
    /// The top-level command (`client` for `CLIENT LIST`).
    pub container: &'static CommandSpec,
    /// What runs: the subcommand's spec, or the container's own.
    pub spec: &'static CommandSpec,
    /// Words naming the command (2 for a subcommand).
    pub skip: usize,
}

impl Resolved {
    /// `client|list`, or `get`.
    pub fn full_name(&self) -> String {
        if self.skip == 2 {
            format!("{}|{}", self.container.name, self.spec.name)
        } else {
            self.spec.name.to_string()
        }
    }
}

/// Finds the command of `argv` and checks its subcommand and arity the way Redis does,
/// with Redis's error texts.
pub fn resolve(argv: &[Bytes]) -> Result<Resolved, Frame> {
    let Some(spec) = lookup(&argv[0]) else {
        return Err(crate::error::unknown_command(argv));
    };
    let container = spec;
    // A container whose arity allows it alone (COMMAND) runs its own handler without a subcommand.
    let (spec, skip) = if spec.subcommands.is_empty() || (argv.len() == 1 && spec.arity_ok(1)) {
        (spec, 1)
    } else {
        if argv.len() < 2 {
            return Err(crate::error::wrong_arity(spec.name));
        }
        match spec.subcommand(&argv[1]) {
            Some(sub) => (sub, 2),
            None => return Err(crate::error::unknown_subcommand(spec.name, &argv[1])),
        }
    };
    let cmd = Resolved { container, spec, skip };
    if !spec.arity_ok(argv.len()) {
        return Err(crate::error::wrong_arity(&cmd.full_name()));
    }
    Ok(cmd)
}

/// Looks up and runs one request: refuses what Redis refuses (unknown command, arity, a
/// RESP2 subscriber's commands), queues it while the client is in MULTI, or runs it.
pub fn dispatch(engine: &Engine, client: &mut ClientState, argv: Vec<Bytes>) -> Frame {
    let refused = match resolve(&argv) {
        Ok(cmd)
            if client.protocol == resp::Protocol::Resp2
                && client.subs.total() > 0
                && !crate::commands::pubsub::allowed_while_subscribed(cmd.container.name) =>
        {
            Frame::error(format!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed \
                 in this context",
                cmd.full_name()
            ))
        }
        Ok(cmd) if transaction::queues(client, &cmd) => return transaction::queue(engine, client, cmd, argv),
        Ok(cmd) => {
            client.show_command(cmd.container.name, (cmd.skip == 2).then_some(cmd.spec.name));
            let (reply, mut modified) = call(engine, client, None, cmd, argv);
            let succeeded = !reply.is_error();
            engine.watches.settle(&mut modified, succeeded);
            // Any key a command changed may now serve a blocked client.
            modified.wake_blocked(&engine.blocked, succeeded);
            return reply;
        }
        Err(e) => e,
    };
    transaction::refused(engine, client, &argv, refused)
}

/// True for commands that may change the keyspace: they hold the persistence write gate
/// and their effects are logged. EXEC writes through the commands it runs.
fn may_write(cmd: &Resolved) -> bool {
    cmd.spec.flags & flags::WRITE != 0 || cmd.spec.name == "exec"
}

/// Runs a resolved command — through `held` inside EXEC, through its own views otherwise —
/// and returns its reply and what its own views changed. Logs its effects (see
/// `crate::persist`): a command inside EXEC adds them to the client's transaction, which
/// EXEC logs wrapped in MULTI/EXEC.
pub(crate) fn call(
    engine: &Engine,
    client: &mut ClientState,
    held: Option<&mut dyn KeyView>,
    cmd: Resolved,
    argv: Vec<Bytes>,
) -> (Frame, Modifications) {
    client.counts.command();
    let fast = cmd.spec.flags & flags::FAST != 0;
    if !fast || !Batch::active() {
        // What the batch counted so far is in before a command that may read it (INFO,
        // SAVE) runs; outside a batch nothing waits.
        engine.add_counts(&client.counts);
    }
    let in_exec = held.is_some();
    let writes = may_write(&cmd);
    let _gate = (writes && !in_exec).then(|| engine.persist.write_gate());
    if _gate.is_some() && engine.shutdown.load(std::sync::atomic::Ordering::SeqCst) {
        // The final save is done: a write now would be acknowledged and lost.
        return (Frame::error("ERR Server is shutting down"), Modifications::default());
    }
    if let Some(refusal) = (writes && !in_exec).then(|| engine.persist.refuse_writes(&engine.config)).flatten() {
        return (Frame::error(refusal), Modifications::default());
    }
    let db = client.db;
    let args = Args::new(argv, cmd.skip);
    let mut ctx = match held {
        Some(view) => Ctx::within(engine, client, view),
        None => Ctx::new(engine, client),
    };
    let reply = match (cmd.spec.handler)(&mut ctx, &args) {
        Ok(f) | Err(f) => f,
    };
    if !fast {
        // It may have run long: the next view reads the clock again.
        Batch::stale();
    }
    let modified = std::mem::take(&mut ctx.modified);
    let (dirty, effects) = (ctx.dirty, ctx.effects.take());
    let argv = args.into_argv();
    // Keys the command's lookups expired come first, as Redis notifies (and logs) them on
    // lookup. Only writers collect them: reads never delete, and a reader collecting a
    // writer's keys would log their DEL outside the writer's place in the log.
    let expired = if writes { engine.take_lazily_expired() } else { Vec::new() };
    engine.expired_keys(&expired);
    if !client.events.is_empty() {
        engine.publish_key_events(&mut client.events);
    }
    if writes && engine.persist.propagating() {
        let mut log: Vec<Effect> = expired.iter().map(|(db, key)| Effect::del(*db, key.clone())).collect();
        // A failed command changed nothing (data commands fail before they write), though
        // the tally may have seen it take a key for writing (LPUSH on a string).
        if dirty > 0 && !reply.is_error() {
            match effects {
                Some(effects) => log.extend(effects),
                None => log.push(Effect { db, argv: argv.clone() }),
            }
        }
        if in_exec {
            client.exec_effects.extend(log);
        } else {
            log.append(&mut client.exec_effects);
            engine.persist.propagate_command(log);
        }
    }
    if dirty > 0 && !reply.is_error() {
        client.counts.dirty(dirty);
    }
    if !Batch::active() {
        engine.add_counts(&client.counts);
    }
    match client.block.as_mut() {
        // A command that blocked re-runs as called, unless it said otherwise (XREAD's `$`).
        Some(req) if req.argv.is_empty() => req.argv = argv,
        _ => client.spent_argv = Some(argv),
    }
    (reply, modified)
}

//! Connection-level state shared by both servers: [`ClientState`] (owned by the connection)
//! and [`ClientRegistry`] (every connected client, for CLIENT LIST/KILL and INFO).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use resp::Protocol;

use crate::clock::now_ms;

/// How a server closes one of its connections from another context (CLIENT KILL).
pub trait ClientCloser: Send + Sync {
    /// Asks the connection to close as soon as it can; must not block.
    fn close(&self);
}

/// What other clients may see of a connection (CLIENT LIST, CLIENT KILL, INFO clients).
/// The owning connection publishes into it; others only read and request a kill.
pub struct ClientInfo {
    pub id: u64,
    pub addr: SocketAddr,
    pub laddr: SocketAddr,
    pub fd: i64,
    pub created_ms: i64,
    last_interaction_ms: AtomicU64,
    db: AtomicUsize,
    resp: AtomicUsize,
    details: Mutex<ClientDetails>,
    killed: AtomicBool,
    closer: Mutex<Option<Box<dyn ClientCloser>>>,
    /// Commands queued by MULTI (-1: not in MULTI) and their approximate size, as CLIENT
    /// LIST's `multi=` and `multi-mem=` show them.
    multi: AtomicI64,
    multi_mem: AtomicUsize,
    /// Set when a key this client WATCHes was modified (CLIENT LIST flag `d`); written by
    /// `crate::watch`, which marks watchers from other clients' commands.
    watch_dirty: AtomicBool,
}

/// The parts of [`ClientInfo`] that are not single words.
#[derive(Default, Clone)]
pub struct ClientDetails {
    pub name: Option<Bytes>,
    /// Last command and subcommand, as CLIENT LIST's `cmd=` shows them (`client|list`).
    pub last_cmd: &'static str,
    pub last_sub: Option<&'static str>,
    pub qbuf: usize,
    pub qbuf_free: usize,
    pub obl: usize,
    pub omem: usize,
    /// Subscribed channels, patterns and shard channels (CLIENT LIST `sub` `psub` `ssub`).
    pub sub: usize,
    pub psub: usize,
    pub ssub: usize,
}

impl ClientDetails {
    /// True while the client is subscribed to anything (Pub/Sub clients are exempt from the
    /// idle timeout, like Redis).
    pub fn subscribed(&self) -> bool {
        self.sub + self.psub + self.ssub > 0
    }
}

impl ClientInfo {
    pub fn killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Marks the client killed and asks its server to close it.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        if let Some(c) = self.closer.lock().as_ref() {
            c.close();
        }
    }

    pub fn set_closer(&self, closer: Box<dyn ClientCloser>) {
        *self.closer.lock() = Some(closer);
    }

    pub fn db(&self) -> usize {
        self.db.load(Ordering::Relaxed)
    }

    pub fn name(&self) -> Option<Bytes> {
        self.details.lock().name.clone()
    }

    pub fn details(&self) -> ClientDetails {
        self.details.lock().clone()
    }

    pub fn update_details(&self, f: impl FnOnce(&mut ClientDetails)) {
        f(&mut self.details.lock());
    }

    pub fn idle_ms(&self) -> i64 {
        now_ms() - self.last_interaction_ms.load(Ordering::Relaxed) as i64
    }

    pub fn touch(&self) {
        self.last_interaction_ms.store(now_ms() as u64, Ordering::Relaxed);
    }

    pub fn protocol(&self) -> usize {
        self.resp.load(Ordering::Relaxed)
    }

    /// Commands queued by MULTI, or `None` outside MULTI.
    pub fn multi(&self) -> Option<usize> {
        usize::try_from(self.multi.load(Ordering::Relaxed)).ok()
    }

    pub fn multi_mem(&self) -> usize {
        self.multi_mem.load(Ordering::Relaxed)
    }

    /// Publishes the MULTI queue's length (`None`: not in MULTI) and size.
    pub fn set_multi(&self, queued: Option<usize>, mem: usize) {
        self.multi.store(queued.map_or(-1, |n| n as i64), Ordering::Relaxed);
        self.multi_mem.store(mem, Ordering::Relaxed);
    }

    /// True once a key this client WATCHes was modified: its EXEC will fail.
    pub fn watch_dirty(&self) -> bool {
        self.watch_dirty.load(Ordering::Acquire)
    }

    pub(crate) fn set_watch_dirty(&self, dirty: bool) {
        self.watch_dirty.store(dirty, Ordering::Release);
    }
}

/// State of one connection that commands read and change: selected database, name,
/// protocol, flags. Owned by the connection's server; one type for both servers.
pub struct ClientState {
    pub id: u64,
    pub db: usize,
    pub protocol: Protocol,
    /// Set by QUIT, protocol errors and CLIENT KILL of oneself: close after the reply is written.
    pub close_after_reply: bool,
    /// Set by `CLIENT REPLY OFF|SKIP`: replies are computed but not sent.
    pub reply_mode: ReplyMode,
    /// Set by a blocking command that found nothing to serve (see `crate::blocking`).
    pub block: Option<crate::blocking::BlockRequest>,
    /// Set by MULTI: the commands queued for EXEC (see `commands::transaction`).
    pub multi: Option<crate::commands::transaction::Multi>,
    /// Channels, patterns and shard channels this client is subscribed to, and its mailbox.
    pub subs: crate::pubsub::Subscriptions,
    /// How this client's server is told of new mail (see `crate::pubsub`).
    pub notify: std::sync::Arc<dyn crate::pubsub::Notify>,
    /// Set by a command whose reply went to the mailbox instead (SUBSCRIBE's acknowledgements).
    pub reply_sent: bool,
    /// Keyspace events the running command recorded (`Ctx::notify`), published after it.
    pub events: Vec<crate::notify::KeyEvent>,
    /// The client replaying an AOF at startup: commands accept what Redis writes to its AOF
    /// but refuses from clients (Redis's `mustObeyClient`).
    pub replaying: bool,
    /// Effects of the commands EXEC has run so far, logged together when it ends.
    pub exec_effects: Vec<crate::command::Effect>,
    pub info: Arc<ClientInfo>,
    /// The command and subcommand last published as CLIENT LIST's `cmd=`.
    shown_command: (&'static str, Option<&'static str>),
    /// The argument vector of the last command run, when nothing kept it: the session hands
    /// it back to its parser for the next request (`RequestParser::recycle`).
    pub spent_argv: Option<Vec<Bytes>>,
    /// What this client's commands counted for INFO and the save points, not yet added to
    /// the engine's counters.
    pub counts: crate::engine::Counts,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// Skip the reply of the next command only.
    Skip,
}

impl ClientState {
    /// Publishes the command about to run as CLIENT LIST's `cmd=` (`client|list`). Takes
    /// the details lock only when it differs from the last one, so a pipeline of one
    /// command takes it once.
    pub fn show_command(&mut self, name: &'static str, sub: Option<&'static str>) {
        if self.shown_command != (name, sub) {
            self.shown_command = (name, sub);
            self.info.update_details(|d| (d.last_cmd, d.last_sub) = (name, sub));
        }
    }

    pub fn select(&mut self, db: usize) {
        self.db = db;
        self.info.db.store(db, Ordering::Relaxed);
    }

    pub fn set_protocol(&mut self, p: Protocol) {
        self.protocol = p;
        if let Some(mb) = &self.subs.mailbox {
            mb.set_protocol(p);
        }
        self.info.resp.store(if p == Protocol::Resp3 { 3 } else { 2 }, Ordering::Relaxed);
    }

    pub fn name(&self) -> Option<Bytes> {
        self.info.name()
    }

    pub fn set_name(&mut self, name: Option<Bytes>) {
        self.info.update_details(|d| d.name = name);
    }
}

/// Every connected client. Bounded by `maxclients`: `register` refuses past it.
#[derive(Default)]
pub struct ClientRegistry {
    clients: Mutex<BTreeMap<u64, Arc<ClientInfo>>>,
    next_id: AtomicU64,
}

/// Why a client could not be registered.
#[derive(Debug, PartialEq, Eq)]
pub enum RegisterError {
    MaxClients,
}

impl RegisterError {
    /// The reply a refused client gets before it is closed.
    pub const MAX_CLIENTS_REPLY: &'static [u8] = b"-ERR max number of clients reached\r\n";
}

impl ClientRegistry {
    /// Registers a new connection, unless `maxclients` are already connected.
    pub fn register(
        &self,
        addr: SocketAddr,
        laddr: SocketAddr,
        fd: i64,
        maxclients: usize,
    ) -> Result<ClientState, RegisterError> {
        let mut clients = self.clients.lock();
        if clients.len() >= maxclients {
            return Err(RegisterError::MaxClients);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let now = now_ms();
        let info = Arc::new(ClientInfo {
            id,
            addr,
            laddr,
            fd,
            created_ms: now,
            last_interaction_ms: AtomicU64::new(now as u64),
            db: AtomicUsize::new(0),
            resp: AtomicUsize::new(2),
            details: Mutex::new(ClientDetails::default()),
            killed: AtomicBool::new(false),
            closer: Mutex::new(None),
            multi: AtomicI64::new(-1),
            multi_mem: AtomicUsize::new(0),
            watch_dirty: AtomicBool::new(false),
        });
        clients.insert(id, info.clone());
        Ok(ClientState {
            id,
            db: 0,
            protocol: Protocol::Resp2,
            close_after_reply: false,
            reply_mode: ReplyMode::On,
            block: None,
            multi: None,
            subs: Default::default(),
            notify: std::sync::Arc::new(crate::pubsub::NoNotify),
            reply_sent: false,
            events: Vec::new(),
            replaying: false,
            exec_effects: Vec::new(),
            info,
            shown_command: ("", None),
            spent_argv: None,
            counts: Default::default(),
        })
    }

    /// CLIENT KILL: the client leaves the registry at once (it is no longer listed and can't
    /// be killed twice) and its server is asked to close it.
    pub fn kill(&self, id: u64) -> bool {
        let Some(info) = self.clients.lock().remove(&id) else { return false };
        info.kill();
        true
    }

    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    pub fn len(&self) -> usize {
        self.clients.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientInfo>> {
        self.clients.lock().get(&id).cloned()
    }

    /// All clients, in id order.
    pub fn all(&self) -> Vec<Arc<ClientInfo>> {
        self.clients.lock().values().cloned().collect()
    }
}

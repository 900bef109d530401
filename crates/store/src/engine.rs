//! [`Engine`]: what both servers share — the store, the configuration, the client
//! registry, statistics — and the entry points they call: `execute` for a request and
//! `active_expire_cycle` for the periodic expiry.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use resp::Frame;

use crate::blocking::BlockedClients;
use crate::client::{ClientRegistry, ClientState};
use crate::clock::now_ms;
use crate::config::Config;
use crate::keyspace::Store;

/// Counters INFO reports. Relaxed atomics: they are statistics, not synchronization.
#[derive(Default)]
pub struct Stats {
    pub commands: AtomicU64,
    pub connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub keyspace_hits: AtomicU64,
    pub keyspace_misses: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub expired_stale_perc: AtomicU64,
    pub client_query_buffer_limit_disconnections: AtomicU64,
    pub client_output_buffer_limit_disconnections: AtomicU64,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&self) {
        for c in [
            &self.commands,
            &self.connections_received,
            &self.rejected_connections,
            &self.keyspace_hits,
            &self.keyspace_misses,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.client_query_buffer_limit_disconnections,
            &self.client_output_buffer_limit_disconnections,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// What one client's commands counted that the shared counters have not got yet: they
/// are added once per batch of pipelined requests, or before a command that may read them
/// (see `crate::batch`).
#[derive(Default, Debug)]
pub struct Counts {
    commands: Cell<u64>,
    dirty: Cell<u64>,
    hits: Cell<u64>,
    misses: Cell<u64>,
}

impl Counts {
    pub fn command(&self) {
        self.commands.set(self.commands.get() + 1);
    }

    /// `n` changes (Redis's `dirty`).
    pub fn dirty(&self, n: u64) {
        self.dirty.set(self.dirty.get() + n);
    }

    /// Key lookups by read commands.
    pub fn lookups(&self, hits: u64, misses: u64) {
        self.hits.set(self.hits.get() + hits);
        self.misses.set(self.misses.get() + misses);
    }
}

/// Keys sampled per slot per round of the active expire cycle (Redis: 20).
pub const EXPIRE_SAMPLE: usize = 20;
/// A slot is sampled again while more than this percentage of its sample had expired.
pub const EXPIRE_REPEAT_PERCENT: usize = 25;

/// Shared state of a running server and the entry points its servers call.
pub struct Engine {
    store: Box<dyn Store>,
    pub config: Config,
    pub clients: ClientRegistry,
    /// Clients blocked on keys (BLPOP and friends).
    pub blocked: BlockedClients,
    /// Pub/Sub subscriptions.
    pub pubsub: crate::pubsub::PubSub,
    /// Keys clients WATCH (see `crate::watch`).
    pub watches: crate::watch::WatchedKeys,
    pub stats: Stats,
    pub started: Instant,
    pub started_ms: i64,
    /// 40 hex characters, new at every start (INFO `run_id`).
    pub run_id: String,
    /// The port actually bound (the configured one may be 0 for "any").
    pub port: AtomicU16,
    /// Set by SHUTDOWN or a signal: servers stop accepting and exit their loops.
    pub shutdown: AtomicBool,
    /// RDB and AOF state (see `crate::persist`).
    pub persist: crate::persist::Persistence,
    /// Where the active expire cycle resumes: (database * slots + slot).
    expire_cursor: AtomicUsize,
    /// This engine's own `Arc`, for background jobs (BGSAVE) started from a command.
    me: std::sync::Weak<Engine>,
    /// How the running server is told to stop (set by the server when it starts).
    stopper: parking_lot::Mutex<Option<Box<dyn Fn() + Send + Sync>>>,
}

impl Engine {
    pub fn new(config: Config, store: Box<dyn Store>) -> std::sync::Arc<Engine> {
        let run_id = (0..40).map(|_| format!("{:x}", rand::random::<u8>() & 0xf)).collect();
        let port = config.read(|c| c.port);
        std::sync::Arc::new_cyclic(|me| Engine {
            me: me.clone(),
            stopper: parking_lot::Mutex::new(None),
            store,
            config,
            clients: ClientRegistry::default(),
            blocked: BlockedClients::default(),
            pubsub: crate::pubsub::PubSub::default(),
            watches: crate::watch::WatchedKeys::default(),
            stats: Stats::default(),
            started: Instant::now(),
            started_ms: now_ms(),
            run_id,
            port: AtomicU16::new(port),
            shutdown: AtomicBool::new(false),
            persist: Default::default(),
            expire_cursor: AtomicUsize::new(0),
        })
    }

    /// Called by a server when it starts: how SHUTDOWN stops it (`None` when it stopped,
    /// which also breaks the cycle engine → stopper → server handle → engine).
    pub fn set_stopper(&self, stop: Option<Box<dyn Fn() + Send + Sync>>) {
        *self.stopper.lock() = stop;
    }

    /// Everything a shutdown does before the servers stop, as Redis's `prepareForShutdown`:
    /// waits for write commands in flight and refuses new ones, flushes and fsyncs the AOF,
    /// writes the final RDB when save points are configured (or SAVE was given, and not
    /// NOSAVE), then tells the server to stop. On failure (without FORCE) nothing stops.
    pub fn prepare_shutdown(&self, opts: crate::persist::ShutdownOptions) -> Result<(), String> {
        // The store's snapshot first (a save or rewrite in flight finishes: a thread cannot be
        // killed like Redis's child), then the write gate: in that order, a rewrite waiting
        // for the gate while holding the snapshot cannot deadlock with us.
        while !self.persist.claim_snapshot() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let result = self.shutdown_with_snapshot(opts);
        self.persist.release_snapshot();
        result
    }

    fn shutdown_with_snapshot(&self, opts: crate::persist::ShutdownOptions) -> Result<(), String> {
        let _writers = self.persist.exclusive();
        if self.shutdown.load(Ordering::SeqCst) {
            return Ok(());
        }
        tracing::info!("User requested shutdown...");
        if let Err(e) = self.persist.aof_flush_for_shutdown() {
            tracing::warn!("Error flushing the AOF on shutdown: {e}");
            if !opts.force {
                return Err(e);
            }
        }
        let points = self.config.read(|c| !c.save_points().is_empty());
        if opts.save || (points && !opts.nosave) {
            tracing::info!("Saving the final RDB snapshot before exiting.");
            if let Err(e) = crate::persist::rdb_file::save_claimed(self) {
                if !opts.force {
                    tracing::warn!("Error trying to save the DB, can't exit.");
                    return Err(e);
                }
            }
        }
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(stop) = self.stopper.lock().as_ref() {
            stop();
        }
        Ok(())
    }

    /// The periodic background work both servers run `hz` times a second: active expiry,
    /// save points, AOF housekeeping.
    pub fn cron(&self) {
        self.active_expire_cycle(self.expire_budget());
        crate::persist::rdb_file::cron(self);
        crate::persist::aof_file::cron(self);
    }

    /// The `Arc` this engine lives in.
    pub fn arc(&self) -> std::sync::Arc<Engine> {
        self.me.upgrade().expect("an engine lives in the Arc Engine::new made")
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// True if `notify-keyspace-events` enables anything (commands skip recording otherwise).
    pub fn notifications_on(&self) -> bool {
        self.config.notifications_on()
    }

    /// Publishes recorded keyspace events the way Redis's `notifyKeyspaceEvent` does:
    /// `__keyspace@<db>__:<key>` carries the event name, `__keyevent@<db>__:<event>` the key.
    pub fn publish_key_events(&self, events: &mut Vec<crate::notify::KeyEvent>) {
        use crate::notify::class;
        let (flags, limit) = self
            .config
            .read(|c| (crate::notify::parse_flags(&c.notify_keyspace_events).unwrap_or(0), c.output_limit_pubsub));
        for e in events.drain(..) {
            if flags & e.class == 0 {
                continue;
            }
            let event = Bytes::from_static(e.event.as_bytes());
            if flags & class::KEYSPACE != 0 {
                let mut channel = format!("__keyspace@{}__:", e.db).into_bytes();
                channel.extend_from_slice(&e.key);
                self.pubsub.publish(&Bytes::from(channel), &event, false, limit);
            }
            if flags & class::KEYEVENT != 0 {
                let channel = Bytes::from(format!("__keyevent@{}__:{}", e.db, e.event));
                self.pubsub.publish(&channel, &e.key, false, limit);
            }
        }
    }

    /// Publishes `expired` events for keys expiry deleted (lazily or actively).
    pub fn expired_keys(&self, keys: &[(usize, Bytes)]) {
        if keys.is_empty() || !self.notifications_on() {
            return;
        }
        let mut events = keys
            .iter()
            .map(|(db, key)| crate::notify::KeyEvent {
                class: crate::notify::class::EXPIRED,
                event: "expired",
                db: *db,
                key: key.clone(),
            })
            .collect();
        self.publish_key_events(&mut events);
    }

    /// Adds what a client counted to the shared counters (see [`Counts`]).
    pub fn add_counts(&self, counts: &Counts) {
        for (pending, shared) in [
            (&counts.commands, &self.stats.commands),
            (&counts.hits, &self.stats.keyspace_hits),
            (&counts.misses, &self.stats.keyspace_misses),
        ] {
            let n = pending.take();
            if n > 0 {
                shared.fetch_add(n, Ordering::Relaxed);
            }
        }
        let dirty = counts.dirty.take();
        if dirty > 0 {
            self.persist.add_dirty(dirty);
        }
    }

    /// The keys lazy expiry deleted since the last call; the dispatcher takes them after
    /// every write command (and publishes and logs them), so what the store holds stays short.
    pub fn take_lazily_expired(&self) -> Vec<(usize, Bytes)> {
        let mut keys = Vec::new();
        self.store.take_lazily_expired(&mut keys);
        keys
    }

    /// Removes what engine-wide registries hold for a closing client.
    pub fn forget_client(&self, client: &mut ClientState) {
        self.watches.unwatch(client.id);
        if client.subs.total() > 0 {
            self.pubsub.forget(client.id, &client.subs);
            client.subs = Default::default();
            client.info.update_details(|d| (d.sub, d.psub, d.ssub) = (0, 0, 0));
        }
    }

    /// Runs one request for `client` and returns its reply.
    pub fn execute(&self, client: &mut ClientState, argv: Vec<Bytes>) -> Frame {
        crate::command::dispatch(self, client, argv)
    }

    /// One run of the active expire cycle, like Redis's `activeExpireCycle`: walks every
    /// slot of every database, sampling [`EXPIRE_SAMPLE`] keys with an expiry and deleting
    /// the expired ones, repeating a slot while more than [`EXPIRE_REPEAT_PERCENT`]% of its
    /// sample had expired, and stops at `budget` (resuming there next time). Returns the
    /// number of keys it deleted.
    pub fn active_expire_cycle(&self, budget: Duration) -> usize {
        let start = Instant::now();
        let store = self.store();
        let slots = store.expire_slots();
        let total = store.databases() * slots;
        let mut cursor = self.expire_cursor.load(Ordering::Relaxed) % total.max(1);
        let mut deleted = 0;
        let mut expired = Vec::new();
        for _ in 0..total {
            let (db, slot) = (cursor / slots, cursor % slots);
            loop {
                expired.clear();
                let sampled = {
                    // A deletion is a write: it takes its place in the AOF like one.
                    let _gate = self.persist.write_gate();
                    let sampled = store.expire_sample(db, slot, EXPIRE_SAMPLE, now_ms(), &mut expired);
                    if !expired.is_empty() && self.persist.propagating() {
                        for key in &expired {
                            self.persist.propagate_command(vec![crate::command::Effect::del(db, key.clone())]);
                        }
                    }
                    sampled
                };
                deleted += expired.len();
                if !expired.is_empty() && self.notifications_on() {
                    let keys: Vec<(usize, Bytes)> = expired.iter().map(|k| (db, k.clone())).collect();
                    self.expired_keys(&keys);
                }
                if sampled == 0 || expired.len() * 100 <= sampled * EXPIRE_REPEAT_PERCENT {
                    break;
                }
                if start.elapsed() >= budget {
                    break;
                }
            }
            cursor = (cursor + 1) % total;
            if start.elapsed() >= budget {
                break;
            }
        }
        self.expire_cursor.store(cursor, Ordering::Relaxed);
        deleted
    }

    /// How long one active expire cycle may run: 25% of the time between two cycles, as Redis.
    pub fn expire_budget(&self) -> Duration {
        let hz = self.config.read(|c| c.hz).clamp(1, 500);
        Duration::from_micros(1_000_000 / hz / 4)
    }

    /// Time between two runs of the background tasks (`hz`).
    pub fn cron_interval(&self) -> Duration {
        let hz = self.config.read(|c| c.hz).clamp(1, 500);
        Duration::from_micros(1_000_000 / hz)
    }
}

//! Persistence: Redis-format RDB snapshots ([`rdb`]) and the multi-part append-only file
//! ([`aof`]), and [`Persistence`], the engine's part of both: the change counter, the order
//! in which effects reach the AOF, and the state INFO persistence reports.
//!
//! **Effects and their order.** A write command that changed something is logged as its
//! effect (`Ctx::propagate`, by default its own arguments) after it ran. In threaded mode two
//! clients write concurrently, and the log must list their effects in the order they took
//! effect — `SET k a` then `SET k b` replayed the other way round gives the wrong value. So
//! while the AOF is on, every write command holds [`Persistence::write_gate`] exclusively
//! from before it runs until its effect is appended: writers are serialised (as in Redis,
//! where the AOF is written by one thread anyway), readers are not. While the AOF is off,
//! writers hold the gate's shared side — an uncontended read lock — so that turning the AOF
//! on, or starting a rewrite, can wait for every writer in flight and switch files at one
//! instant that is both the snapshot point and the start of the new log.

pub mod aof;
pub mod aof_file;
pub mod rdb;
pub mod rdb_file;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::command::Effect;

/// Loads the data at startup, as Redis's `loadDataFromDisk`: with `appendonly yes` the AOF
/// only (an RDB beside it is ignored, as in Redis), else `dir/dbfilename` if it exists.
/// The error names the file and the offset; the server must then exit rather than start
/// empty over the user's data.
pub fn load_at_start(engine: &crate::engine::Engine) -> Result<(), String> {
    if engine.config.read(|c| c.appendonly) {
        aof_file::load_and_open(engine)?;
    } else {
        rdb_file::load(engine, &rdb_file::rdb_path(engine))?;
        engine.persist.saved(engine.persist.dirty());
    }
    Ok(())
}

/// SHUTDOWN's options (signals use the defaults).
#[derive(Clone, Copy, Debug, Default)]
pub struct ShutdownOptions {
    /// Skip the final save even if save points are configured.
    pub nosave: bool,
    /// Save even if no save point is configured.
    pub save: bool,
    /// Do not wait for lagging replicas (Tandem has none: accepted, no effect).
    pub now: bool,
    /// Shut down even if the final save or the AOF flush failed.
    pub force: bool,
}

/// What a write command holds while it runs (see the module documentation).
pub enum WriteGate<'a> {
    /// AOF off: many writers at once.
    Shared(#[allow(dead_code)] RwLockReadGuard<'a, ()>),
    /// AOF on: one writer at a time, until its effect is appended.
    Ordered(#[allow(dead_code)] RwLockWriteGuard<'a, ()>),
}

/// RDB state, as INFO persistence reports it.
pub struct RdbState {
    /// A SAVE or BGSAVE is writing (`rdb_bgsave_in_progress`).
    pub in_progress: AtomicBool,
    /// BGSAVE SCHEDULE asked while an AOF rewrite ran.
    pub scheduled: AtomicBool,
    /// Unix ms of the last successful save (or of the start) — `rdb_last_save_time`.
    pub last_save_ms: AtomicI64,
    /// Unix ms of the last attempt, successful or not.
    pub last_try_ms: AtomicI64,
    pub last_ok: AtomicBool,
    /// Seconds the last save took (-1: none yet).
    pub last_duration_s: AtomicI64,
    /// Unix ms the running save started.
    pub started_ms: AtomicI64,
    pub saves: AtomicU64,
    pub keys_total: AtomicU64,
    pub keys_processed: AtomicU64,
}

impl Default for RdbState {
    fn default() -> Self {
        let now = crate::clock::now_ms();
        RdbState {
            in_progress: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            last_save_ms: AtomicI64::new(now),
            last_try_ms: AtomicI64::new(now),
            last_ok: AtomicBool::new(true),
            last_duration_s: AtomicI64::new(-1),
            started_ms: AtomicI64::new(0),
            saves: AtomicU64::new(0),
            keys_total: AtomicU64::new(0),
            keys_processed: AtomicU64::new(0),
        }
    }
}

/// AOF rewrite state, as INFO persistence reports it.
pub struct AofState {
    pub rewriting: AtomicBool,
    /// BGREWRITEAOF asked while a save ran.
    pub scheduled: AtomicBool,
    pub last_ok: AtomicBool,
    pub last_duration_s: AtomicI64,
    pub started_ms: AtomicI64,
    pub rewrites: AtomicU64,
}

impl Default for AofState {
    fn default() -> Self {
        AofState {
            rewriting: AtomicBool::new(false),
            scheduled: AtomicBool::new(false),
            last_ok: AtomicBool::new(true),
            last_duration_s: AtomicI64::new(-1),
            started_ms: AtomicI64::new(0),
            rewrites: AtomicU64::new(0),
        }
    }
}

/// A number unique within this process (temporary file names).
pub(crate) fn unique() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// fsyncs a directory so a rename in it survives a crash (best effort: not every
/// filesystem allows it).
pub(crate) fn sync_dir(dir: &std::path::Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The engine's persistence state.
#[derive(Default)]
pub struct Persistence {
    pub rdb: RdbState,
    pub aof: AofState,
    /// The open AOF while `appendonly` is on.
    open: Mutex<Option<aof_file::OpenAof>>,
    /// Taken by whoever holds the store's one snapshot (a save or a rewrite).
    snapshot_busy: AtomicBool,
    /// Changes since the last successful save (`rdb_changes_since_last_save`).
    dirty: AtomicU64,
    gate: RwLock<()>,
    aof_on: AtomicBool,
    /// Effects recorded for tests (`capture`), in order.
    captured: Mutex<Option<Vec<Effect>>>,
    capturing: AtomicBool,
}

impl Persistence {
    /// Taken by a write command before it runs; held until its effect is propagated.
    pub fn write_gate(&self) -> WriteGate<'_> {
        loop {
            let on = self.aof_on.load(Ordering::Acquire);
            let gate = if on { WriteGate::Ordered(self.gate.write()) } else { WriteGate::Shared(self.gate.read()) };
            // Changed while we waited: take the other side.
            if self.aof_on.load(Ordering::Acquire) == on {
                return gate;
            }
        }
    }

    /// Waits for every write command in flight and keeps new ones out while held (turning
    /// the AOF on, starting a rewrite, the final save of a shutdown).
    pub fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.gate.write()
    }

    /// Counts `n` changes (Redis's `server.dirty`).
    pub fn add_dirty(&self, n: u64) {
        self.dirty.fetch_add(n, Ordering::Relaxed);
    }

    /// Changes since the last successful save.
    pub fn dirty(&self) -> u64 {
        self.dirty.load(Ordering::Relaxed)
    }

    /// A save that began when `dirty_before` changes were counted succeeded: those are on
    /// disk now (changes made while it ran still count).
    pub fn saved(&self, dirty_before: u64) {
        let _ = self.dirty.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |d| Some(d.saturating_sub(dirty_before)));
        self.rdb.last_save_ms.store(crate::clock::now_ms(), Ordering::Relaxed);
    }

    /// True while an AOF rewrite runs.
    pub fn aof_rewrite_running(&self) -> bool {
        self.aof.rewriting.load(Ordering::Acquire)
    }

    /// Claims the store's snapshot for a save or rewrite; false if one is running.
    pub fn claim_snapshot(&self) -> bool {
        self.snapshot_busy.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    pub fn release_snapshot(&self) {
        self.snapshot_busy.store(false, Ordering::Release);
    }

    pub fn snapshot_busy(&self) -> bool {
        self.snapshot_busy.load(Ordering::Acquire)
    }

    /// True while effects are appended to an AOF.
    pub fn aof_on(&self) -> bool {
        self.aof_on.load(Ordering::Acquire)
    }

    /// Starts appending to `open` (called with the write gate held exclusively, or before
    /// serving).
    pub(crate) fn install_aof(&self, open: aof_file::OpenAof) {
        *self.open.lock() = Some(open);
        self.aof_on.store(true, Ordering::Release);
    }

    /// Stops appending; returns the AOF that was open.
    pub(crate) fn remove_aof(&self) -> Option<aof_file::OpenAof> {
        self.aof_on.store(false, Ordering::Release);
        self.open.lock().take()
    }

    pub(crate) fn aof_log(&self) -> Option<std::sync::Arc<aof::AppendLog>> {
        self.open.lock().as_ref().map(|o| o.log.clone())
    }

    /// A rewrite installed a base of `size` bytes.
    pub(crate) fn aof_rewritten(&self, size: u64) {
        if let Some(o) = self.open.lock().as_mut() {
            o.base_size = size;
        }
    }

    /// (current AOF size, base size) while the AOF is open.
    pub fn aof_sizes(&self) -> Option<(u64, u64)> {
        self.open.lock().as_ref().map(|o| {
            // The incremental file being appended to: what it held when opened (or switched
            // to) plus what was written to it and is still buffered.
            let incr = o.log.current_size() + o.log.buffered() as u64;
            (o.base_size + incr, o.base_size)
        })
    }

    /// INFO's view of the open AOF: (buffered bytes, last write error).
    pub fn aof_status(&self) -> Option<(usize, Option<String>)> {
        self.open.lock().as_ref().map(|o| (o.log.buffered(), o.log.last_error()))
    }

    /// Writes (and fsyncs) everything appended: before a shutdown.
    pub fn aof_flush_for_shutdown(&self) -> Result<(), String> {
        match self.aof_log() {
            Some(log) => log.flush(true).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Called by a session before it sends the replies of the commands it ran: their
    /// effects reach the file first (`write`), and with `appendfsync always` the disk
    /// (`fsync`), so no client hears of a write the AOF could lose. Group commit: a
    /// session whose bytes another already wrote returns at once.
    pub fn before_reply(&self, config: &crate::config::Config) {
        if !self.aof_on() {
            return;
        }
        if let Some(log) = self.aof_log() {
            let always = config.read(|c| c.appendfsync == "always");
            if let Err(e) = log.flush(always) {
                tracing::warn!("Error writing to the AOF: {e}");
            }
        }
    }

    /// Why write commands are refused now, if they are (Redis's `-MISCONF`).
    pub fn refuse_writes(&self, config: &crate::config::Config) -> Option<String> {
        if !self.rdb.last_ok.load(Ordering::Relaxed)
            && config.read(|c| c.stop_writes_on_bgsave_error && !c.save_points().is_empty())
        {
            return Some(
                "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. \
                 Commands that may modify the data set are disabled, because this instance is configured to report \
                 errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check \
                 the Redis logs for details about the RDB error."
                    .to_string(),
            );
        }
        if self.aof_on() {
            if let Some(e) = self.aof_log().and_then(|l| l.last_error()) {
                return Some(format!("MISCONF Errors writing to the AOF file: {e}"));
            }
        }
        None
    }

    /// True while effects must be propagated (the AOF is on, or a test captures them).
    pub fn propagating(&self) -> bool {
        self.aof_on.load(Ordering::Relaxed) || self.capturing.load(Ordering::Relaxed)
    }

    /// Logs the effects of one command: several (a transaction, or keys it expired first)
    /// are wrapped in MULTI/EXEC so replay applies them together.
    pub fn propagate_command(&self, mut effects: Vec<Effect>) {
        if effects.len() > 1 {
            let db = effects[0].db;
            effects.insert(0, Effect { db, argv: vec![bytes::Bytes::from_static(b"MULTI")] });
            effects.push(Effect { db, argv: vec![bytes::Bytes::from_static(b"EXEC")] });
        }
        if effects.is_empty() {
            return;
        }
        if self.aof_on() {
            if let Some(open) = self.open.lock().as_ref() {
                for e in &effects {
                    // A failed write stays buffered and is retried; the error refuses
                    // further writes until then (`refuse_writes`).
                    let _ = open.log.append(e.db, &e.argv);
                }
            }
        }
        if let Some(log) = self.captured.lock().as_mut() {
            log.extend_from_slice(&effects);
        }
    }

    /// Starts recording propagated effects in memory (tests of what commands log).
    pub fn capture(&self) {
        *self.captured.lock() = Some(Vec::new());
        self.capturing.store(true, Ordering::Relaxed);
    }

    /// The effects recorded since [`Persistence::capture`] or the last call.
    pub fn take_captured(&self) -> Vec<Effect> {
        self.captured.lock().as_mut().map(std::mem::take).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{each_store, TestClient};

    #[test]
    fn a_write_that_changed_something_is_logged_as_called() {
        each_store(|c| {
            assert_eq!(c.logged(&["SET", "k", "v"]), ["SET k v"]);
            assert_eq!(c.logged(&["DEL", "k"]), ["DEL k"]);
        });
    }

    #[test]
    fn reads_and_writes_that_change_nothing_are_not_logged() {
        each_store(|c| {
            assert!(c.logged(&["GET", "k"]).is_empty());
            assert!(c.logged(&["DEL", "missing"]).is_empty());
            assert!(c.logged(&["EXPIRE", "missing", "10"]).is_empty());
        });
    }

    #[test]
    fn a_write_in_another_database_is_logged_there() {
        each_store(|c| {
            c.run(&["SELECT", "2"]);
            assert_eq!(c.logged(&["LPUSH", "l", "a"]), ["@2 LPUSH l a"]);
        });
    }

    #[test]
    fn a_transaction_is_logged_as_multi_exec_with_its_writes() {
        each_store(|c| {
            c.run(&["MULTI"]);
            c.run(&["SET", "a", "1"]);
            c.run(&["GET", "a"]);
            c.run(&["INCR", "a"]);
            assert_eq!(c.logged(&["EXEC"]), ["MULTI", "SET a 1", "INCR a", "EXEC"]);
        });
    }

    #[test]
    fn a_key_expired_on_access_by_a_write_is_logged_as_del_first() {
        each_store(|c| {
            c.run(&["SET", "k", "v", "PX", "1"]);
            std::thread::sleep(std::time::Duration::from_millis(5));
            let log = c.logged(&["LPUSH", "k", "a"]);
            assert_eq!(log, ["MULTI", "DEL k", "LPUSH k a", "EXEC"]);
        });
    }

    #[test]
    fn a_replaying_client_accepts_the_exact_trim_with_limit_that_redis_logs() {
        each_store(|c| {
            c.run(&["XADD", "s", "1-1", "f", "v"]);
            c.run(&["XADD", "s", "2-1", "f", "v"]);
            let refused = c.run(&["XTRIM", "s", "MAXLEN", "=", "1", "LIMIT", "10"]);
            assert!(refused.is_error());
            c.client.replaying = true;
            assert_eq!(c.run(&["XTRIM", "s", "MAXLEN", "=", "1", "LIMIT", "10"]), crate::testing::int(1));
            assert_eq!(c.run(&["XLEN", "s"]), crate::testing::int(1));
        });
    }

    #[test]
    fn a_failed_write_is_not_logged() {
        each_store(|c| {
            c.run(&["SET", "s", "v"]);
            assert!(c.logged(&["LPUSH", "s", "a"]).is_empty());
        });
    }

    #[test]
    fn changes_are_counted_for_save_points() {
        let mut c = TestClient::new("mutex");
        let before = c.engine.persist.dirty();
        c.run(&["MSET", "a", "1", "b", "2"]);
        c.run(&["GET", "a"]);
        assert_eq!(c.engine.persist.dirty() - before, 2);
    }
}

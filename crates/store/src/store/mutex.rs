//! `--store=mutex`: every database split into [`SHARDS`] shards, each behind a
//! `parking_lot::RwLock`. A view locks the shards its scope touches in one global order
//! (database, then shard index), so two views can never wait on each other in a cycle.
//! Reads take shared locks, writes exclusive ones.
//!
//! **The gate.** Every view also holds the store's [`ViewGate`] (a reader-writer lock
//! whose read side is spread over cache lines by thread, so readers on different cores do
//! not share a line): shared for a key, database or sweep view, exclusive for
//! [`Scope::All`]. Holding it exclusively, an all-database view (EXEC, FLUSHALL, SWAPDB)
//! has the keyspace to itself without locking the `databases × SHARDS` shards up front; it
//! locks only the shards it touches, as it touches them (in any order: no one else holds
//! one). With many shards that is the difference between a transaction that locks one
//! shard and one that locks thousands.
//!
//! **Counts.** Each shard's length is mirrored in `lens`, and each database's key count in
//! `counts`; a view that changed a shard's length updates both when its closure is done,
//! while it still holds its locks, adding its net change to each database once. So the
//! count changes in one step per view, and DBSIZE reads it exactly without a lock, and
//! RANDOMKEY picks a shard in proportion to its size without locking the others.
//!
//! **Sweeps** ([`Scope::Sweep`]: SCAN, RANDOMKEY, DBSIZE, INFO keyspace) lock one shard at
//! a time, read-only, dropping it before locking the next (two read locks held at once, in
//! an order other than the global one, could wait on a writer that waits on them).
//!
//! **Snapshots** (BGSAVE, AOF rewrite) copy shards lazily, one at a time, so no one waits for
//! more than one shard's copy: beginning a snapshot holds the gate exclusively for an
//! instant to mark the snapshot point (no view is open then); afterwards the saver copies each shard under its read lock
//! and writes the copy out unlocked, and a writer that gets to a shard first copies it
//! before its first change (copy-before-write). Either way the copy is the shard as it was
//! at the snapshot point. Extra memory: the shards copied and not yet written out.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use crossbeam_utils::CachePadded;
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::gate::ViewGate;
use super::shard::Shard;
use super::{KeyHash, SHARDS};
use crate::batch::view_now_ms;
use crate::keyspace::{KeyView, Scope, Snapshot, Store};
use crate::value::{Entry, Value};

pub struct MutexStore {
    /// `dbs * SHARDS` shards, database-major.
    shards: Box<[RwLock<Shard>]>,
    /// Per shard, its length when no view that changed it is open (see the module docs).
    lens: Box<[AtomicUsize]>,
    /// Per database, its number of keys, changed once per view (see the module docs).
    counts: Box<[CachePadded<AtomicUsize>]>,
    /// Shared by every view but [`Scope::All`]'s, which holds it exclusively.
    gate: ViewGate,
    databases: usize,
    expired: AtomicU64,
    lazily_expired: crate::keyspace::LazyExpired,
    /// The snapshot in progress, if any; `snapshotting` lets writers skip the lock.
    snapshot: Mutex<Option<Arc<ShardCopies>>>,
    snapshotting: AtomicBool,
}

/// Per shard, during a snapshot: its copy as of the snapshot point, once someone made it.
struct ShardCopies {
    shards: Box<[Mutex<ShardCopy>]>,
}

enum ShardCopy {
    /// Unchanged since the snapshot point: the shard itself is the copy.
    Unchanged,
    /// Copied by a writer before its change, waiting for the saver.
    Copied(Vec<(Bytes, Entry)>),
    /// Handed to the saver.
    Taken,
}

impl MutexStore {
    pub fn new(databases: usize) -> MutexStore {
        let shards = (0..databases * SHARDS).map(|_| RwLock::new(Shard::default())).collect();
        MutexStore {
            shards,
            lens: (0..databases * SHARDS).map(|_| AtomicUsize::new(0)).collect(),
            counts: (0..databases).map(|_| CachePadded::new(AtomicUsize::new(0))).collect(),
            gate: ViewGate::default(),
            databases,
            expired: AtomicU64::new(0),
            lazily_expired: Default::default(),
            snapshot: Mutex::new(None),
            snapshotting: AtomicBool::new(false),
        }
    }

    /// Copy-before-write: called with shard `idx` write-locked, before anything changes it.
    fn before_write(&self, idx: usize, shard: &Shard) {
        if !self.snapshotting.load(Ordering::Acquire) {
            return;
        }
        let Some(copies) = self.snapshot.lock().clone() else { return };
        let mut copy = copies.shards[idx].lock();
        if matches!(*copy, ShardCopy::Unchanged) {
            *copy = ShardCopy::Copied(shard.entries());
        }
    }

    fn index(db: usize, shard: usize) -> usize {
        db * SHARDS + shard
    }

    /// Locks shard `idx`: exclusively, after its copy-before-write, for a view that may write.
    fn lock(&self, idx: usize, write: bool) -> Guard<'_> {
        if write {
            let g = self.shards[idx].write();
            self.before_write(idx, &g);
            Guard::Write(g)
        } else {
            Guard::Read(self.shards[idx].read())
        }
    }

    /// Locks every shard `scope` touches, in the one global lock order (ascending index),
    /// and says how the view reaches the shards outside that set.
    fn lock_scope(&self, scope: Scope<'_>) -> (Guards<'_>, Reach) {
        let mut indices: Vec<usize> = match scope {
            Scope::Keys { keys: &[(db, key)], write } => {
                let idx = MutexStore::index(db, KeyHash::new(key).shard());
                return (Guards::One([(idx, self.lock(idx, write))]), Reach::Locked);
            }
            Scope::Keys { keys, .. } => {
                keys.iter().map(|(db, k)| MutexStore::index(*db, KeyHash::new(k).shard())).collect()
            }
            Scope::Db { db, .. } => (MutexStore::index(db, 0)..MutexStore::index(db + 1, 0)).collect(),
            Scope::Sweep { .. } => return (Guards::Many(Vec::new()), Reach::Sweep),
            Scope::All => return (Guards::Many(Vec::new()), Reach::OnDemand),
        };
        indices.sort_unstable();
        indices.dedup();
        let write = scope.writes();
        (Guards::Many(indices.into_iter().map(|i| (i, self.lock(i, write))).collect()), Reach::Locked)
    }

    /// Brings `lens` and `counts` up to date with the shards a view wrote, while it still
    /// holds them: one addition per database it changed.
    fn settle<'s>(&self, written: impl IntoIterator<Item = (usize, &'s Shard)>) {
        let mut pending: Option<(usize, usize)> = None;
        for (idx, shard) in written {
            let (now, before) = (shard.len(), self.lens[idx].load(Ordering::Relaxed));
            if now == before {
                continue;
            }
            self.lens[idx].store(now, Ordering::Relaxed);
            // Two's complement: adding `now - before` wraps to a subtraction when negative.
            let delta = now.wrapping_sub(before);
            let db = idx / SHARDS;
            match &mut pending {
                Some((d, sum)) if *d == db => *sum = sum.wrapping_add(delta),
                _ => {
                    if let Some((d, sum)) = pending {
                        self.counts[d].fetch_add(sum, Ordering::Relaxed);
                    }
                    pending = Some((db, delta));
                }
            }
        }
        if let Some((d, sum)) = pending {
            self.counts[d].fetch_add(sum, Ordering::Relaxed);
        }
    }
}

/// How a view reaches a shard it has not locked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reach {
    /// It does not: its scope's shards were all locked when it opened.
    Locked,
    /// Locks it, exclusively, and keeps it (the gate is held exclusively: `Scope::All`).
    OnDemand,
    /// Drops the shard it holds and locks this one for reading (`Scope::Sweep`).
    Sweep,
}

enum Guard<'a> {
    Read(RwLockReadGuard<'a, Shard>),
    Write(RwLockWriteGuard<'a, Shard>),
}

impl Guard<'_> {
    fn shard(&self) -> &Shard {
        match self {
            Guard::Read(g) => g,
            Guard::Write(g) => g,
        }
    }

    fn shard_mut(&mut self) -> &mut Shard {
        match self {
            Guard::Read(_) => panic!("write through a read-only view: the command's flags are wrong"),
            Guard::Write(g) => g,
        }
    }
}

/// Most keys of one view whose lookups [`MutexView::prefetch`] starts together.
const PREFETCH_MAX: usize = 32;

/// A view's guards with their shard indices, sorted by index. Inline for the common
/// one-key view, so that a single-key command allocates nothing to lock its shard.
enum Guards<'a> {
    One([(usize, Guard<'a>); 1]),
    Many(Vec<(usize, Guard<'a>)>),
}

impl<'a> std::ops::Deref for Guards<'a> {
    type Target = [(usize, Guard<'a>)];

    fn deref(&self) -> &Self::Target {
        match self {
            Guards::One(g) => g,
            Guards::Many(g) => g,
        }
    }
}

impl std::ops::DerefMut for Guards<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Guards::One(g) => g,
            Guards::Many(g) => g,
        }
    }
}

/// A view holding the locks of its scope, sorted by shard index.
struct MutexView<'a> {
    store: &'a MutexStore,
    guards: Guards<'a>,
    reach: Reach,
    write: bool,
    now: i64,
    /// Keys this view deleted because they had expired.
    expired: Vec<(usize, Bytes)>,
    databases: usize,
}

impl<'a> MutexView<'a> {
    fn slot(&mut self, db: usize, key: KeyHash<'_>) -> &mut Guard<'a> {
        self.shard_guard(MutexStore::index(db, key.shard()))
    }

    /// The guard of shard `idx`, locking it if the view's [`Reach`] allows.
    fn shard_guard(&mut self, idx: usize) -> &mut Guard<'a> {
        let pos = match self.guards.binary_search_by_key(&idx, |(i, _)| *i) {
            Ok(pos) => pos,
            Err(pos) => match self.reach {
                Reach::Locked => panic!("key outside the view's scope: the command's key specification is wrong"),
                Reach::OnDemand => {
                    let guard = self.store.lock(idx, true);
                    match &mut self.guards {
                        Guards::Many(guards) => guards.insert(pos, (idx, guard)),
                        Guards::One(_) => unreachable!("an on-demand view starts with no guards"),
                    }
                    pos
                }
                Reach::Sweep => {
                    // Unlock the shard held before locking the next (see the module docs).
                    self.guards = Guards::Many(Vec::new());
                    self.guards = Guards::One([(idx, self.store.lock(idx, false))]);
                    0
                }
            },
        };
        &mut self.guards[pos].1
    }

    /// Shard `shard` of database `db`, read-only.
    fn shard(&mut self, db: usize, shard: usize) -> &Shard {
        self.shard_guard(MutexStore::index(db, shard)).shard()
    }

    /// Starts loading the index slots, records and string values of (up to
    /// [`PREFETCH_MAX`] of) `keys` in three passes over them, so that their cache misses
    /// overlap: on a keyspace larger than the caches a lookup is mostly waiting for memory,
    /// and a multi-key command (or a batch of pipelined commands, see
    /// `Session::prefetch_keys`) would otherwise wait for each key in turn.
    fn prefetch(&mut self, keys: &[(usize, &[u8])]) {
        let mut hashed: [Option<(usize, KeyHash<'_>)>; PREFETCH_MAX] = [None; PREFETCH_MAX];
        for (h, &(db, key)) in hashed.iter_mut().zip(keys) {
            *h = Some((db, KeyHash::new(key)));
        }
        let hashed = || hashed.iter().map_while(|h| *h);
        for (db, key) in hashed() {
            self.slot(db, key).shard().prefetch(key);
        }
        for (db, key) in hashed() {
            self.slot(db, key).shard().prefetch_record(key);
        }
        for (db, key) in hashed() {
            self.slot(db, key).shard().prefetch_value(key);
        }
    }

    /// The guards of database `db`, in shard order, to write through. Panics unless the
    /// scope covers it.
    fn db_guards(&mut self, db: usize) -> &mut [(usize, Guard<'a>)] {
        assert!(self.reach != Reach::Sweep, "a sweep cannot write");
        if self.reach == Reach::OnDemand {
            for shard in 0..SHARDS {
                self.shard_guard(MutexStore::index(db, shard));
            }
        }
        let lo = MutexStore::index(db, 0);
        let start = self.guards.partition_point(|(i, _)| *i < lo);
        let end = self.guards.partition_point(|(i, _)| *i < lo + SHARDS);
        assert!(end - start == SHARDS, "database {db} outside the view's scope");
        &mut self.guards[start..end]
    }

    /// Lazily expires `key` when the view may write; returns the guard either way.
    fn live_slot(&mut self, db: usize, key: KeyHash<'_>) -> &mut Guard<'a> {
        let (write, now) = (self.write, self.now);
        let mut expired = false;
        {
            let g = self.slot(db, key);
            if write {
                expired = g.shard_mut().expire_if_needed(key, now);
            }
        }
        if expired {
            self.expired.push((db, Bytes::copy_from_slice(key.bytes)));
        }
        self.slot(db, key)
    }
}

impl KeyView for MutexView<'_> {
    fn now(&self) -> i64 {
        self.now
    }

    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        let key = KeyHash::new(key);
        self.live_slot(db, key).shard().get_live(key, now)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        let key = KeyHash::new(key);
        self.live_slot(db, key).shard().peek_live(key, now)
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        let now = self.now;
        let key = KeyHash::new(key);
        self.live_slot(db, key).shard_mut().get_mut(key, now)
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) {
        let key = KeyHash::new(&key);
        self.live_slot(db, key).shard_mut().insert(key, entry);
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        let key = KeyHash::new(key);
        self.live_slot(db, key).shard_mut().remove(key)
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        let key = KeyHash::new(key);
        self.live_slot(db, key).shard_mut().set_expiry(key, at)
    }

    fn len(&mut self, db: usize) -> usize {
        if self.reach == Reach::Sweep {
            return self.store.counts[db].load(Ordering::Relaxed);
        }
        (0..SHARDS).map(|s| self.shard(db, s).len()).sum()
    }

    fn expires_len(&mut self, db: usize) -> usize {
        (0..SHARDS).map(|s| self.shard(db, s).expires_len()).sum()
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        // Cursor layout: low bits the shard, high bits one past the next position to visit
        // in that shard (0 = start the shard from its top).
        const SHARD_BITS: u32 = SHARDS.trailing_zeros();
        let mut shard = (cursor & (SHARDS as u64 - 1)) as usize;
        let mut top = (cursor >> SHARD_BITS) as usize;
        if shard >= SHARDS {
            return 0;
        }
        let mut budget = count.max(1);
        loop {
            let s = self.shard(db, shard);
            let start = if top == 0 { s.len() } else { top.min(s.len()) };
            let next = s.scan_down(start, budget, visit);
            budget -= (start - next).min(budget);
            if next > 0 {
                return ((next as u64) << SHARD_BITS) | shard as u64;
            }
            shard += 1;
            top = 0;
            if shard == SHARDS {
                return 0;
            }
            if budget == 0 {
                return shard as u64;
            }
        }
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        for s in 0..SHARDS {
            self.shard(db, s).for_each(visit);
        }
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        // Pick a shard in proportion to its size, then a key within it. A sweep weighs
        // the shards by their mirrored lengths, locking only the one it picks; if a writer
        // emptied that one in between, it draws again (and after a few misses walks the
        // shards in order, so an emptying database cannot keep it drawing).
        let tries = if self.reach == Reach::Sweep { 4 } else { 1 };
        for _ in 0..tries {
            let sizes: Vec<usize> = if self.reach == Reach::Sweep {
                let lo = MutexStore::index(db, 0);
                self.store.lens[lo..lo + SHARDS].iter().map(|n| n.load(Ordering::Relaxed)).collect()
            } else {
                (0..SHARDS).map(|s| self.shard(db, s).len()).collect()
            };
            let total: usize = sizes.iter().sum();
            if total == 0 {
                return None;
            }
            let mut r = rand::Rng::gen_range(&mut rand::thread_rng(), 0..total);
            let mut shard = 0;
            while r >= sizes[shard] {
                r -= sizes[shard];
                shard += 1;
            }
            if let Some(key) = self.shard(db, shard).random_key() {
                return Some(key);
            }
        }
        (0..SHARDS).find_map(|s| self.shard(db, s).random_key())
    }

    fn clear(&mut self, db: usize) -> usize {
        self.db_guards(db).iter_mut().map(|(_, g)| g.shard_mut().clear()).sum()
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        self.db_guards(a);
        self.db_guards(b);
        for s in 0..SHARDS {
            let (ia, ib) = (MutexStore::index(a, s), MutexStore::index(b, s));
            let (lo, hi) = (ia.min(ib), ia.max(ib));
            let pos_lo = self.guards.binary_search_by_key(&lo, |(i, _)| *i).expect("swap needs Scope::All");
            let pos_hi = self.guards.binary_search_by_key(&hi, |(i, _)| *i).expect("swap needs Scope::All");
            let (left, right) = self.guards.split_at_mut(pos_hi);
            std::mem::swap(left[pos_lo].1.shard_mut(), right[0].1.shard_mut());
        }
    }

    fn databases(&self) -> usize {
        self.databases
    }
}

impl Store for MutexStore {
    fn name(&self) -> &'static str {
        "mutex"
    }

    fn lock_free_reads(&self) -> bool {
        false
    }

    fn databases(&self) -> usize {
        self.databases
    }

    fn view(&self, scope: Scope<'_>, f: &mut dyn FnMut(&mut dyn KeyView)) {
        // Declared before the view, so dropped after it: the gate outlives the shard locks.
        let (_shared, _exclusive) = match scope {
            Scope::All => (None, Some(self.gate.exclusive())),
            _ => (Some(self.gate.shared()), None),
        };
        let (guards, reach) = self.lock_scope(scope);
        let mut view = MutexView {
            store: self,
            guards,
            reach,
            write: scope.writes(),
            now: view_now_ms(),
            expired: Vec::new(),
            databases: self.databases,
        };
        if let Scope::Keys { keys, .. } = scope {
            if keys.len() > 1 {
                view.prefetch(keys);
            }
        }
        crate::value::at_view_time(view.now, || f(&mut view));
        if view.write {
            self.settle(view.guards.iter().filter_map(|(i, g)| match g {
                Guard::Write(shard) => Some((*i, &**shard)),
                Guard::Read(_) => None,
            }));
        }
        drop(view.guards);
        if !view.expired.is_empty() {
            self.expired.fetch_add(view.expired.len() as u64, Ordering::Relaxed);
            self.lazily_expired.record(&mut view.expired);
        }
    }

    fn expire_slots(&self) -> usize {
        SHARDS
    }

    fn expire_sample(&self, db: usize, slot: usize, count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize {
        if self.counts[db].load(Ordering::Relaxed) == 0 {
            return 0;
        }
        let before = expired.len();
        let idx = MutexStore::index(db, slot);
        let _gate = self.gate.shared();
        let mut shard = self.shards[idx].write();
        if shard.expires_len() == 0 {
            return 0;
        }
        self.before_write(idx, &shard);
        let sampled = shard.expire_sample(count, now, expired);
        self.settle([(idx, &*shard)]);
        self.expired.fetch_add((expired.len() - before) as u64, Ordering::Relaxed);
        sampled
    }

    fn expired_count(&self) -> u64 {
        self.expired.load(Ordering::Relaxed)
    }

    fn take_lazily_expired(&self, out: &mut Vec<(usize, Bytes)>) {
        self.lazily_expired.take(out);
    }

    fn snapshot(&self) -> Box<dyn Snapshot + Send + '_> {
        // The snapshot point: the gate held exclusively, so each writer is wholly before it
        // (in the copy) or wholly after it (and copies its shard first).
        let gate = self.gate.exclusive();
        let sizes = (0..self.databases)
            .map(|db| {
                let shards = &self.shards[MutexStore::index(db, 0)..MutexStore::index(db + 1, 0)];
                let keys = self.counts[db].load(Ordering::Relaxed) as u64;
                let expires = shards.iter().map(|s| s.read().expires_len() as u64).sum();
                (keys, expires)
            })
            .collect();
        let copies = Arc::new(ShardCopies {
            shards: (0..self.shards.len()).map(|_| Mutex::new(ShardCopy::Unchanged)).collect(),
        });
        let mut slot = self.snapshot.lock();
        assert!(slot.is_none(), "one snapshot at a time");
        *slot = Some(copies.clone());
        self.snapshotting.store(true, Ordering::Release);
        drop(slot);
        drop(gate);
        Box::new(MutexSnapshot { store: self, copies, sizes })
    }
}

/// A snapshot of the mutex store: each shard copied when the saver reaches it, or earlier
/// by a writer (see the module documentation).
struct MutexSnapshot<'a> {
    store: &'a MutexStore,
    copies: Arc<ShardCopies>,
    sizes: Vec<(u64, u64)>,
}

impl Snapshot for MutexSnapshot<'_> {
    fn sizes(&self) -> &[(u64, u64)] {
        &self.sizes
    }

    fn visit_db(
        &mut self,
        db: usize,
        visit: &mut dyn FnMut(&Bytes, &Entry) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for idx in MutexStore::index(db, 0)..MutexStore::index(db + 1, 0) {
            let entries = {
                // Shard lock, then its copy slot: the order writers take them in.
                let shard = self.store.shards[idx].read();
                let mut copy = self.copies.shards[idx].lock();
                match std::mem::replace(&mut *copy, ShardCopy::Taken) {
                    ShardCopy::Unchanged => shard.entries(),
                    ShardCopy::Copied(entries) => entries,
                    ShardCopy::Taken => Vec::new(),
                }
            };
            for (key, entry) in &entries {
                visit(key, entry)?;
            }
        }
        Ok(())
    }
}

impl Drop for MutexSnapshot<'_> {
    fn drop(&mut self) {
        let mut slot = self.store.snapshot.lock();
        self.store.snapshotting.store(false, Ordering::Release);
        *slot = None;
    }
}

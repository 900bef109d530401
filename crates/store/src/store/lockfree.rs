//! `--store=lockfree`: each database is a lock-free skip list (`crossbeam_skiplist::SkipMap`)
//! from key to a [`KeySlot`]: an atomic pointer (`arc_swap::ArcSwapOption`) to an immutable
//! `Arc<Entry>` snapshot. A key's node is inserted once and its slot is then swapped by
//! compare-and-swap; a deleted slot is *dead* (null) for good and its node is unlinked, so
//! a later write of the key inserts a fresh node. (Replacing nodes instead is not atomic:
//! the skip list unlinks the old node before linking the new one, and a writer that looked
//! in between would see the key absent and overwrite it — a lost update.)
//!
//! What is lock-free, and where a lock remains:
//! - **Reads of single or several keys** take no lock. They load each key's current
//!   snapshot and validate against a sequence counter (a seqlock) bumped by multi-key
//!   writers, re-running when one ran concurrently, so a read never sees a multi-key write
//!   (MSET, RENAME, EXEC) half-applied. While such a writer is active they wait for it.
//! - **Single-key writes** are copy-on-write plus compare-and-swap: the command runs on a
//!   private copy and the new snapshot replaces the old one only if the key still holds the
//!   snapshot it started from; otherwise the command re-runs. They also hold the shared side
//!   of a gate (`parking_lot::RwLock<()>`, one atomic add) so that multi-key writers can
//!   exclude them — that gate is the lock that remains on the write path.
//! - **Multi-key writes, whole-database operations and `Scope::All`** (MSET, RENAME,
//!   FLUSHDB, SWAPDB, EXEC) take the gate exclusively and bump the sequence counter, so
//!   they are atomic against both writers and readers.
//! - **Writes to a key holding a collection** (hash, set, sorted set, list) take the gate
//!   exclusively too: copying a big collection on every write would make building it
//!   quadratic, so such a write takes the snapshot out of its slot, waits for readers that
//!   loaded it to let go, and changes it in place (`LockFreeView::own`). Collection writes
//!   are therefore serialised store-wide — the price of keeping them O(1)/O(log n). Whole-database reads (KEYS, SCAN,
//!   DBSIZE) take the gate's shared side.
//!
//! **Snapshots** (BGSAVE, AOF rewrite) copy the keyspace lazily, one hash segment at a time
//! (keys are ordered by hash, so a segment is a contiguous range of the skip list), the way
//! the mutex store copies shards: beginning a snapshot takes the gate exclusively for an
//! instant to mark the snapshot point; the saver then copies each segment's snapshot
//! pointers (`Arc<Entry>` clones — no value is copied) under that segment's mutex, and a
//! writer about to change a segment the saver has not reached copies it first
//! (copy-before-write). Values are immutable once published, so the copied pointers are the
//! keyspace at the snapshot point. The one exception is a collection write, which normally
//! takes its value out of the slot to change it in place (`own`): while a snapshot still
//! holds that value, the writer copies it instead (once; the copy is its own afterwards).
//!
//! Keys are ordered by (64-bit hash, bytes), so a SCAN cursor is simply the hash of the
//! next key to visit: every key present for the whole iteration is visited, whatever is
//! inserted or deleted meanwhile. A random key is the first key at or after a random hash.

use std::borrow::Borrow;
use std::cmp::Ordering as CmpOrdering;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use crossbeam_skiplist::SkipMap;
use parking_lot::RwLock;

use crate::clock::now_ms;
use crate::keyspace::{KeyView, Scope, Store};
use crate::value::{Entry, Value, NO_EXPIRY};

/// A key with its hash, ordered by (hash, bytes).
#[derive(Clone, Debug)]
struct HKey {
    hash: u64,
    key: Bytes,
}

/// What lookups compare with: an owned [`HKey`] or a borrowed probe.
trait KeyParts {
    fn parts(&self) -> (u64, &[u8]);
}

impl KeyParts for HKey {
    fn parts(&self) -> (u64, &[u8]) {
        (self.hash, &self.key)
    }
}

struct Probe<'a>(u64, &'a [u8]);

impl KeyParts for Probe<'_> {
    fn parts(&self) -> (u64, &[u8]) {
        (self.0, self.1)
    }
}

impl<'a> Borrow<dyn KeyParts + 'a> for HKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}
impl Eq for dyn KeyParts + '_ {}
impl PartialOrd for dyn KeyParts + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for dyn KeyParts + '_ {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.parts().cmp(&other.parts())
    }
}
impl PartialEq for HKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}
impl Eq for HKey {}
impl PartialOrd for HKey {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for HKey {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.parts().cmp(&other.parts())
    }
}

/// The key's position in the order; never 0, so cursor 0 can mean "start".
fn key_hash(key: &[u8]) -> u64 {
    static STATE: ahash::RandomState = ahash::RandomState::with_seeds(0x6c6f, 0x636b, 0x6672, 0x6565);
    STATE.hash_one(key).max(1)
}

/// A key's node value: its current snapshot (`None` once the key is deleted; a dead slot is
/// never revived) and which `create` call made the node.
struct KeySlot {
    value: ArcSwapOption<Entry>,
    creator: u64,
}

/// Numbers the nodes `Db::create` inserts, so it can tell its own node from a rival's.
static NEXT_CREATOR: AtomicU64 = AtomicU64::new(0);

type MapEntry<'a> = crossbeam_skiplist::map::Entry<'a, HKey, KeySlot>;

/// Hash segments a database is split into for snapshots (a power of two).
const SNAPSHOT_SEGMENTS: usize = 256;

fn segment_of(hash: u64) -> usize {
    (hash >> (64 - SNAPSHOT_SEGMENTS.trailing_zeros())) as usize
}

/// One segment's copy during a snapshot.
enum SegmentCopy {
    /// Unchanged since the snapshot point: the skip list itself is the copy.
    Unchanged,
    /// Copied by a writer before its change, waiting for the saver.
    Copied(Vec<(Bytes, Arc<Entry>)>),
    /// Handed to the saver.
    Taken,
}

struct Db {
    map: SkipMap<HKey, KeySlot>,
    /// Keys that may have an expiry (a superset: the sampler drops stale ones).
    expires: SkipMap<HKey, ()>,
    /// True while a snapshot of this database is being read.
    snapshotting: std::sync::atomic::AtomicBool,
    copies: Box<[parking_lot::Mutex<SegmentCopy>]>,
}

impl Default for Db {
    fn default() -> Self {
        Db {
            map: SkipMap::new(),
            expires: SkipMap::new(),
            snapshotting: Default::default(),
            copies: (0..SNAPSHOT_SEGMENTS).map(|_| parking_lot::Mutex::new(SegmentCopy::Unchanged)).collect(),
        }
    }
}

impl Db {
    /// Copy-before-write: called before anything changes the segment of `hash`.
    fn before_write(&self, hash: u64) {
        if !self.snapshotting.load(Ordering::Acquire) {
            return;
        }
        let seg = segment_of(hash);
        let mut copy = self.copies[seg].lock();
        if matches!(*copy, SegmentCopy::Unchanged) {
            *copy = SegmentCopy::Copied(self.segment_entries(seg));
        }
    }

    /// Copy-before-write for every segment (FLUSHDB).
    fn before_write_all(&self) {
        if self.snapshotting.load(Ordering::Acquire) {
            for seg in 0..SNAPSHOT_SEGMENTS {
                self.before_write((seg as u64) << (64 - SNAPSHOT_SEGMENTS.trailing_zeros()));
            }
        }
    }

    /// The live entries of segment `seg`, as snapshot pointers.
    fn segment_entries(&self, seg: usize) -> Vec<(Bytes, Arc<Entry>)> {
        let start = ((seg as u64) << (64 - SNAPSHOT_SEGMENTS.trailing_zeros())).max(1);
        let mut out = Vec::new();
        let mut next = self.live_at_or_after(start);
        while let Some((e, v)) = next {
            if segment_of(e.key().hash) != seg {
                break;
            }
            out.push((e.key().key.clone(), v));
            next = next_live(e);
        }
        out
    }

    fn node(&self, key: &[u8]) -> Option<MapEntry<'_>> {
        let probe = Probe(key_hash(key), key);
        self.map.get(&probe as &dyn KeyParts)
    }

    fn load(&self, key: &[u8]) -> Option<Arc<Entry>> {
        self.node(key).and_then(|n| n.value().value.load_full())
    }

    /// The first live entry at or after `hash`, with its snapshot.
    fn live_at_or_after(&self, hash: u64) -> Option<(MapEntry<'_>, Arc<Entry>)> {
        let probe = Probe(hash, &[]);
        let first = self.map.lower_bound(Bound::Included(&probe as &dyn KeyParts))?;
        match first.value().value.load_full() {
            Some(v) => Some((first, v)),
            None => next_live(first),
        }
    }

    /// Every live entry, in order.
    fn live(&self) -> impl Iterator<Item = (MapEntry<'_>, Arc<Entry>)> {
        self.map.iter().filter_map(|e| {
            let v = e.value().value.load_full()?;
            Some((e, v))
        })
    }

    /// Kills the slot of `node` if it still holds `expected`; unlinks the node. True on success.
    fn kill(&self, node: &MapEntry<'_>, expected: &Arc<Entry>) -> bool {
        self.before_write(node.key().hash);
        let prev = node.value().value.compare_and_swap(expected, None);
        if prev.as_ref().is_some_and(|p| Arc::ptr_eq(p, expected)) {
            node.remove();
            true
        } else {
            false
        }
    }

    /// Installs `entry` at a key that is absent (no node, or a dead one). False if a live
    /// node appeared meanwhile.
    fn create(&self, hkey: HKey, entry: Arc<Entry>) -> bool {
        self.before_write(hkey.hash);
        loop {
            // Success is judged by node identity, not by the slot's content: a writer may
            // already have swapped our fresh node's value by the time we look.
            let creator = NEXT_CREATOR.fetch_add(1, Ordering::Relaxed);
            let fresh = KeySlot { value: ArcSwapOption::from(Some(entry.clone())), creator };
            let placed = self.map.compare_insert(hkey.clone(), fresh, |cur| cur.value.load().is_none());
            if placed.value().creator == creator {
                return true;
            }
            if placed.value().value.load().is_some() {
                return false;
            }
            // A dead node that was not replaced yet (its deleter is unlinking it): retry.
            std::hint::spin_loop();
        }
    }
}

pub struct LockFreeStore {
    dbs: Box<[Db]>,
    /// Logical database → physical slot in `dbs` (SWAPDB swaps two of these).
    db_index: Box<[AtomicUsize]>,
    /// Shared by single-key writers, exclusive for multi-key writers.
    gate: RwLock<()>,
    /// Odd while a multi-key writer is applying changes.
    seq: AtomicU64,
    expired: AtomicU64,
    lazily_expired: crate::keyspace::LazyExpired,
    /// True while a snapshot holds values (see `own`).
    snapshotting: std::sync::atomic::AtomicBool,
}

impl LockFreeStore {
    pub fn new(databases: usize) -> LockFreeStore {
        LockFreeStore {
            dbs: (0..databases).map(|_| Db::default()).collect(),
            db_index: (0..databases).map(AtomicUsize::new).collect(),
            gate: RwLock::new(()),
            seq: AtomicU64::new(0),
            expired: AtomicU64::new(0),
            lazily_expired: Default::default(),
            snapshotting: Default::default(),
        }
    }

    fn db(&self, db: usize) -> &Db {
        &self.dbs[self.db_index[db].load(Ordering::Acquire)]
    }

    /// Runs a read-only closure under seqlock validation, re-running it when a multi-key
    /// writer was active meanwhile.
    fn read_validated(&self, scope_write: bool, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let mut spins = 0u32;
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 1 {
                backoff(&mut spins);
                continue;
            }
            let mut view = LockFreeView::new(self, Mode::Read);
            debug_assert!(!scope_write);
            f(&mut view);
            std::sync::atomic::fence(Ordering::Acquire);
            if self.seq.load(Ordering::Acquire) == before {
                return;
            }
            backoff(&mut spins);
        }
    }
}

impl LockFreeStore {
    /// Runs `f` holding the gate exclusively, with the sequence counter odd.
    fn view_exclusive(&self, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let _gate = self.gate.write();
        self.seq.fetch_add(1, Ordering::AcqRel);
        let mut view = LockFreeView::new(self, Mode::Exclusive);
        f(&mut view);
        view.commit_exclusive();
        self.seq.fetch_add(1, Ordering::AcqRel);
        self.note_expired(&mut view.expired);
    }

    /// Counts and logs keys a committed view deleted because they had expired.
    fn note_expired(&self, keys: &mut Vec<(usize, Bytes)>) {
        self.expired.fetch_add(keys.len() as u64, Ordering::Relaxed);
        self.lazily_expired.record(keys);
    }
}

fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 64 {
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No gate: validated by the caller's seqlock loop. Nothing may be written.
    Read,
    /// Shared gate: one key, committed by compare-and-swap.
    SingleWrite,
    /// Shared gate, whole-database reads (KEYS, SCAN, DBSIZE).
    SharedDb,
    /// Exclusive gate: anything, committed directly.
    Exclusive,
}

/// A key's state inside a view: the snapshot it started from and, once written, its new
/// state (`Some(None)` = deleted).
struct Slot {
    db: usize,
    key: Bytes,
    orig: Option<Arc<Entry>>,
    new: Option<Option<Entry>>,
}

impl Slot {
    fn current(&self) -> Option<&Entry> {
        match &self.new {
            Some(n) => n.as_ref(),
            None => self.orig.as_deref(),
        }
    }
}

struct LockFreeView<'a> {
    store: &'a LockFreeStore,
    mode: Mode,
    now: i64,
    slots: Vec<Slot>,
    /// Keys this view deleted because they had expired (counted once it commits).
    expired: Vec<(usize, Bytes)>,
    /// Set when a shared-path write met a collection: re-run exclusively (see `own`).
    escalate: bool,
}

impl<'a> LockFreeView<'a> {
    fn new(store: &'a LockFreeStore, mode: Mode) -> Self {
        LockFreeView { store, mode, now: now_ms(), slots: Vec::new(), expired: Vec::new(), escalate: false }
    }

    fn writable(&self) -> bool {
        matches!(self.mode, Mode::SingleWrite | Mode::Exclusive)
    }

    /// The slot of `key`, loading its snapshot on first use; lazily expires it when writable.
    fn slot(&mut self, db: usize, key: &[u8]) -> &mut Slot {
        let pos = match self.slots.iter().position(|s| s.db == db && s.key[..] == *key) {
            Some(p) => p,
            None => {
                let orig = self.store.db(db).load(key);
                // An owned copy: the key may be stored, and `key` may be a slice of a read buffer.
                let mut slot = Slot { db, key: Bytes::copy_from_slice(key), orig, new: None };
                if self.writable() && slot.orig.as_ref().is_some_and(|e| e.is_expired(self.now)) {
                    slot.new = Some(None);
                    self.expired.push((db, slot.key.clone()));
                }
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        &mut self.slots[pos]
    }

    fn require_write(&self) {
        assert!(self.writable(), "write through a read-only view: the command's flags are wrong");
    }

    fn require_db_scope(&self) {
        assert!(
            matches!(self.mode, Mode::SharedDb | Mode::Exclusive),
            "whole-database operation outside Scope::Db/All"
        );
    }

    /// Applies every changed slot directly (exclusive gate held: no concurrent writers).
    fn commit_exclusive(&mut self) {
        for slot in self.slots.drain(..) {
            if let Some(new) = slot.new {
                apply(self.store.db(slot.db), slot.key, new);
            }
        }
    }

    /// Commits the single changed slot by compare-and-swap. False on conflict.
    fn commit_cas(&mut self) -> bool {
        debug_assert!(self.slots.len() <= 1);
        let Some(slot) = self.slots.pop() else { return true };
        let Some(new) = slot.new else { return true };
        let db = self.store.db(slot.db);
        let hkey = HKey { hash: key_hash(&slot.key), key: slot.key };
        let has_expiry = new.as_ref().is_some_and(|e| e.has_expiry());
        let ok = match (slot.orig, new) {
            (None, None) => db.load(&hkey.key).is_none(),
            (None, Some(entry)) => db.create(hkey.clone(), Arc::new(entry)),
            (Some(orig), new) => match db.map.get(&hkey as &dyn KeyParts) {
                None => false,
                Some(node) => match new {
                    None => db.kill(&node, &orig),
                    Some(entry) => {
                        db.before_write(hkey.hash);
                        let prev = node.value().value.compare_and_swap(&orig, Some(Arc::new(entry)));
                        prev.as_ref().is_some_and(|p| Arc::ptr_eq(p, &orig))
                    }
                },
            },
        };
        if ok && has_expiry {
            db.expires.insert(hkey, ());
        }
        ok
    }
}

/// The first live entry after `e`.
fn next_live(e: MapEntry<'_>) -> Option<(MapEntry<'_>, Arc<Entry>)> {
    let mut after = e.next();
    while let Some(a) = after {
        if let Some(v) = a.value().value.load_full() {
            return Some((a, v));
        }
        after = a.next();
    }
    None
}

/// Writes `new` at `key` unconditionally (exclusive gate held: no concurrent writers).
fn apply(db: &Db, key: Bytes, new: Option<Entry>) {
    let hkey = HKey { hash: key_hash(&key), key };
    db.before_write(hkey.hash);
    let node = db.map.get(&hkey as &dyn KeyParts);
    match new {
        Some(entry) => {
            let has_expiry = entry.has_expiry();
            match node {
                Some(n) if n.value().value.load().is_some() => n.value().value.store(Some(Arc::new(entry))),
                _ => {
                    let creator = NEXT_CREATOR.fetch_add(1, Ordering::Relaxed);
                    db.map.insert(hkey.clone(), KeySlot { value: ArcSwapOption::from(Some(Arc::new(entry))), creator });
                }
            }
            if has_expiry {
                db.expires.insert(hkey, ());
            }
        }
        None => {
            if let Some(n) = node {
                n.value().value.store(None);
                n.remove();
            }
        }
    }
}

impl KeyView for LockFreeView<'_> {
    fn now(&self) -> i64 {
        self.now
    }

    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        let e = self.slot(db, key).current()?;
        if e.is_expired(now) {
            return None;
        }
        e.touch();
        Some(e)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        self.slot(db, key).current().filter(|e| !e.is_expired(now))
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.require_write();
        self.own(db, key);
        match &mut self.slot(db, key).new {
            Some(Some(e)) => Some(&mut e.value),
            _ => None,
        }
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) -> Option<Entry> {
        self.require_write();
        self.own(db, &key);
        self.slot(db, &key).new.replace(Some(entry)).flatten()
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.require_write();
        self.own(db, key);
        self.slot(db, key).new.replace(None).flatten()
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        self.require_write();
        self.own(db, key);
        match &mut self.slot(db, key).new {
            Some(Some(e)) => {
                e.expire_at = at;
                true
            }
            _ => false,
        }
    }

    fn len(&mut self, db: usize) -> usize {
        self.require_db_scope();
        self.commit_pending();
        self.store.db(db).map.len()
    }

    fn expires_len(&mut self, db: usize) -> usize {
        self.require_db_scope();
        self.commit_pending();
        self.store.db(db).live().filter(|(_, v)| v.expire_at != NO_EXPIRY).count()
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        self.require_db_scope();
        self.commit_pending();
        let d = self.store.db(db);
        let mut next = d.live_at_or_after(cursor);
        let mut n = 0;
        while let Some((e, v)) = next {
            if n == count.max(1) {
                return e.key().hash;
            }
            visit(&e.key().key, &v);
            n += 1;
            next = next_live(e);
        }
        0
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        self.require_db_scope();
        self.commit_pending();
        for (e, v) in self.store.db(db).live() {
            visit(&e.key().key, &v);
        }
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        self.require_db_scope();
        self.commit_pending();
        let d = self.store.db(db);
        let (e, _) = d.live_at_or_after(rand::random::<u64>().max(1)).or_else(|| d.live_at_or_after(0))?;
        Some(e.key().key.clone())
    }

    fn clear(&mut self, db: usize) -> usize {
        assert!(self.mode == Mode::Exclusive, "clear needs an exclusive scope");
        self.slots.retain(|s| s.db != db);
        self.commit_exclusive();
        let d = self.store.db(db);
        d.before_write_all();
        let n = d.map.len();
        d.map.clear();
        d.expires.clear();
        n
    }

    fn swap(&mut self, a: usize, b: usize) {
        assert!(self.mode == Mode::Exclusive, "swap needs Scope::All");
        self.commit_exclusive();
        let ia = self.store.db_index[a].load(Ordering::Acquire);
        let ib = self.store.db_index[b].load(Ordering::Acquire);
        self.store.db_index[a].store(ib, Ordering::Release);
        self.store.db_index[b].store(ia, Ordering::Release);
    }

    fn databases(&self) -> usize {
        self.store.dbs.len()
    }
}

impl LockFreeView<'_> {
    /// Gives the view its own, writable copy of `key`'s live entry (in `slot.new`), once.
    ///
    /// A shared view copies the snapshot (copy-on-write, committed by CAS). An exclusive
    /// view holding a collection takes the snapshot itself instead: no other writer runs, so
    /// it empties the key's slot, waits for readers that loaded the snapshot before to drop
    /// it (they are re-run anyway: the sequence counter is odd), and then owns the entry
    /// outright — a write to a big hash costs what the write costs, not a copy of the hash.
    fn own(&mut self, db: usize, key: &[u8]) {
        let (now, exclusive) = (self.now, self.mode == Mode::Exclusive);
        let store = self.store;
        let slot = self.slot(db, key);
        if slot.new.is_some() {
            return;
        }
        let live = slot.orig.as_deref().is_some_and(|e| !e.is_expired(now));
        let collection = slot.orig.as_deref().is_some_and(|e| !matches!(e.value, Value::Str(_)));
        if live && collection && !exclusive {
            // The key became a collection after `view` chose the shared path: copying it
            // could cost a full copy per write, so this run is abandoned (its result is
            // never committed) and `view` re-runs the command exclusively.
            slot.new = Some(None);
            self.escalate = true;
            return;
        }
        if !(live && exclusive && collection) {
            slot.new = Some(slot.orig.as_deref().filter(|e| !e.is_expired(now)).cloned());
            return;
        }
        let node = store.db(db).node(key).expect("an exclusive view's snapshot stays in the map");
        store.db(db).before_write(node.key().hash);
        let taken = node.value().value.swap(None);
        debug_assert!(taken.as_ref().zip(slot.orig.as_ref()).is_some_and(|(a, b)| Arc::ptr_eq(a, b)));
        // Our own `orig` is one reference; `taken` another.
        slot.orig = None;
        let mut arc = taken.expect("an exclusive view's snapshot is live");
        let mut spins = 0;
        let entry = loop {
            match Arc::try_unwrap(arc) {
                Ok(entry) => break entry,
                // Readers let go within a moment; a snapshot may hold it for the whole save.
                Err(shared) if spins > 64 && store.snapshotting.load(Ordering::Acquire) => break (*shared).clone(),
                Err(shared) => {
                    arc = shared;
                    backoff(&mut spins);
                }
            }
        };
        slot.new = Some(Some(entry));
    }

    /// In an exclusive view, applies buffered writes before a whole-database operation reads the maps.
    fn commit_pending(&mut self) {
        if self.mode == Mode::Exclusive {
            self.commit_exclusive();
        }
    }
}

impl Store for LockFreeStore {
    fn name(&self) -> &'static str {
        "lockfree"
    }

    fn databases(&self) -> usize {
        self.dbs.len()
    }

    fn view(&self, scope: Scope<'_>, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let exclusive = match scope {
            Scope::Keys { write: false, .. } => {
                self.read_validated(false, f);
                return;
            }
            // Several keys, or one holding a collection (see `LockFreeView::own`): exclusive.
            Scope::Keys { keys, write: true } => {
                keys.iter().any(|k| *k != keys[0])
                    || keys
                        .first()
                        .is_some_and(|(db, k)| self.db(*db).load(k).is_some_and(|e| !matches!(e.value, Value::Str(_))))
            }
            Scope::Db { write, .. } => write,
            Scope::All => true,
        };
        if exclusive {
            self.view_exclusive(f);
            return;
        }
        if let Scope::Db { .. } = scope {
            let _gate = self.gate.read();
            let mut view = LockFreeView::new(self, Mode::SharedDb);
            f(&mut view);
            return;
        }
        // One key, written: copy-on-write and compare-and-swap, re-running on conflict.
        let gate = self.gate.read();
        let mut spins = 0;
        loop {
            let mut view = LockFreeView::new(self, Mode::SingleWrite);
            f(&mut view);
            if view.escalate {
                drop(view);
                drop(gate);
                self.view_exclusive(f);
                return;
            }
            let mut expired = std::mem::take(&mut view.expired);
            if view.commit_cas() {
                self.note_expired(&mut expired);
                return;
            }
            backoff(&mut spins);
        }
    }

    fn expire_slots(&self) -> usize {
        1
    }

    fn expire_sample(&self, db: usize, _slot: usize, count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize {
        let _gate = self.gate.read();
        let d = self.db(db);
        let mut sampled = 0;
        for _ in 0..count {
            let probe = Probe(rand::random::<u64>().max(1), &[]);
            let Some(idx) =
                d.expires.lower_bound(Bound::Included(&probe as &dyn KeyParts)).or_else(|| d.expires.front())
            else {
                break;
            };
            sampled += 1;
            let hkey = idx.key();
            let node = d.map.get(hkey as &dyn KeyParts);
            let snapshot = node.as_ref().and_then(|n| n.value().value.load_full());
            match (node, snapshot) {
                (Some(node), Some(v)) if v.is_expired(now) => {
                    if d.kill(&node, &v) {
                        self.expired.fetch_add(1, Ordering::Relaxed);
                        expired.push(hkey.key.clone());
                    }
                    idx.remove();
                }
                (_, Some(v)) if v.has_expiry() => {}
                _ => {
                    // Stale index entry; re-add if a writer gave the key an expiry meanwhile.
                    idx.remove();
                    if d.load(&hkey.key).is_some_and(|e| e.has_expiry()) {
                        d.expires.insert(hkey.clone(), ());
                    }
                }
            }
        }
        sampled
    }

    fn expired_count(&self) -> u64 {
        self.expired.load(Ordering::Relaxed)
    }

    fn take_lazily_expired(&self, out: &mut Vec<(usize, Bytes)>) {
        self.lazily_expired.take(out);
    }

    fn snapshot(&self) -> Box<dyn crate::keyspace::Snapshot + Send + '_> {
        // The snapshot point: no writer in flight (they hold the gate's shared side), and
        // every later one sees `snapshotting` and copies before it writes.
        let _gate = self.gate.write();
        assert!(!self.snapshotting.swap(true, Ordering::AcqRel), "one snapshot at a time");
        let physical: Vec<usize> = self.db_index.iter().map(|i| i.load(Ordering::Acquire)).collect();
        let sizes =
            physical.iter().map(|&p| (self.dbs[p].map.len() as u64, self.dbs[p].expires.len() as u64)).collect();
        for db in self.dbs.iter() {
            for copy in db.copies.iter() {
                *copy.lock() = SegmentCopy::Unchanged;
            }
            db.snapshotting.store(true, Ordering::Release);
        }
        Box::new(LockFreeSnapshot { store: self, physical, sizes })
    }
}

/// A snapshot of the lock-free store: segments copied when the saver reaches them, or
/// earlier by a writer (see the module documentation). Sizes are the skip lists' lengths
/// at the snapshot point, dead nodes included (they are only hints).
struct LockFreeSnapshot<'a> {
    store: &'a LockFreeStore,
    /// The physical database behind each logical one at the snapshot point (SWAPDB later
    /// only swaps the mapping, so the snapshot follows the data).
    physical: Vec<usize>,
    sizes: Vec<(u64, u64)>,
}

impl crate::keyspace::Snapshot for LockFreeSnapshot<'_> {
    fn sizes(&self) -> &[(u64, u64)] {
        &self.sizes
    }

    fn visit_db(
        &mut self,
        db: usize,
        visit: &mut dyn FnMut(&Bytes, &Entry) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let d = &self.store.dbs[self.physical[db]];
        for seg in 0..SNAPSHOT_SEGMENTS {
            let entries = {
                let mut copy = d.copies[seg].lock();
                match std::mem::replace(&mut *copy, SegmentCopy::Taken) {
                    SegmentCopy::Unchanged => d.segment_entries(seg),
                    SegmentCopy::Copied(entries) => entries,
                    SegmentCopy::Taken => Vec::new(),
                }
            };
            // Each value is dropped once written, so writers stop copying what was saved.
            for (key, entry) in entries {
                visit(&key, &entry)?;
            }
        }
        Ok(())
    }
}

impl Drop for LockFreeSnapshot<'_> {
    fn drop(&mut self) {
        for db in self.store.dbs.iter() {
            db.snapshotting.store(false, Ordering::Release);
            for copy in db.copies.iter() {
                *copy.lock() = SegmentCopy::Unchanged;
            }
        }
        self.store.snapshotting.store(false, Ordering::Release);
    }
}

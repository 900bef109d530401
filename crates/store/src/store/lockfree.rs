//! `--store=lockfree`: each database is a lock-free hash trie ([`HashTrie`], keyed by the
//! key's 64-bit hash) of immutable [`Record`]s — the key and its `Entry` in one `Arc`. A
//! write publishes a new record by compare-and-swap on the trie slot that holds the key;
//! a delete swaps the record out. A record, once replaced or deleted, is never put back:
//! every write makes a fresh one, so a writer comparing against the record it started from
//! cannot be fooled by a delete-then-recreate (the trie's analogue of "a dead slot is never
//! revived"). See `hash_trie` for why the trie itself is lock-free.
//!
//! What is lock-free, and where a lock remains:
//! - **Reads of single or several keys** take no lock. They load each key's current
//!   record and validate against a sequence counter (a seqlock) bumped by multi-key
//!   writers, re-running when one ran concurrently, so a read never sees a multi-key write
//!   (MSET, RENAME, EXEC) half-applied. While such a writer is active they wait for it.
//! - **Single-key writes** are copy-on-write plus compare-and-swap: the command runs on a
//!   private copy and the new record replaces the old one only if the key still holds the
//!   record it started from; otherwise the command re-runs. They also hold the shared side
//!   of a gate (`parking_lot::RwLock<()>`, one atomic add) so that multi-key writers can
//!   exclude them — that gate is the lock that remains on the write path.
//! - **Multi-key writes, whole-database operations and `Scope::All`** (MSET, RENAME,
//!   FLUSHDB, SWAPDB, EXEC) take the gate exclusively and bump the sequence counter, so
//!   they are atomic against both writers and readers.
//! - **Writes to a key holding a collection** (hash, set, sorted set, list) take the gate
//!   exclusively too: copying a big collection on every write would make building it
//!   quadratic, so such a write takes the record out of the trie, waits for readers that
//!   loaded it to let go (and for the epoch to pass, so no reader can still pick it up),
//!   and changes the entry in place (`LockFreeView::own`). Collection writes are therefore
//!   serialised store-wide — the price of keeping them O(1)/O(log n). Whole-database reads
//!   (KEYS, SCAN, DBSIZE) take the gate's shared side.
//!
//! **Snapshots** (BGSAVE, AOF rewrite) copy the keyspace lazily, one hash segment at a time
//! (the trie is ordered by hash, so a segment is a contiguous range of it), the way the
//! mutex store copies shards: beginning a snapshot takes the gate exclusively for an
//! instant to mark the snapshot point; the saver then copies each segment's record
//! pointers (`Arc<Record>` clones — no value is copied) under that segment's mutex, and a
//! writer about to change a segment the saver has not reached copies it first
//! (copy-before-write). Records are immutable once published, so the copied pointers are
//! the keyspace at the snapshot point. The one exception is a collection write, which
//! normally takes its value out of the trie to change it in place (`own`): while a snapshot
//! still holds that value, the writer copies it instead (once; the copy is its own
//! afterwards).
//!
//! Keys are ordered by (64-bit hash, bytes), so a SCAN cursor is simply the hash of the
//! next key to visit: every key present for the whole iteration is visited, whatever is
//! inserted or deleted meanwhile (keys sharing a full hash are returned in one call, so a
//! cursor never points into the middle of them). A random key is the first key at or after
//! a random hash.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::hash_trie::{self, HashTrie, TrieItem};
use crate::clock::now_ms;
use crate::compact::CompactBytes;
use crate::keyspace::{KeyView, Scope, Store};
use crate::value::{Entry, Value, NO_EXPIRY};

/// The key's position in the order; never 0, so cursor 0 can mean "start".
fn key_hash(key: &[u8]) -> u64 {
    static STATE: ahash::RandomState = ahash::RandomState::with_seeds(0x6c6f, 0x636b, 0x6672, 0x6565);
    STATE.hash_one(key).max(1)
}

/// A key and its entry, published as one immutable `Arc` (one allocation per key).
struct Record {
    hash: u64,
    key: CompactBytes,
    entry: Entry,
}

impl Record {
    /// `hash` is `key_hash(key)`, which every caller has computed already to find the slot.
    fn new(hash: u64, key: &[u8], entry: Entry) -> Arc<Record> {
        debug_assert_eq!(hash, key_hash(key));
        Arc::new(Record { hash, key: CompactBytes::from(key), entry })
    }
}

impl TrieItem for Record {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        self.key.as_slice()
    }
}

/// An entry of the expiry index: a key that may have an expiry.
struct ExpiryKey {
    hash: u64,
    key: CompactBytes,
}

impl TrieItem for ExpiryKey {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        self.key.as_slice()
    }
}

/// Hash segments a database is split into for snapshots (a power of two).
const SNAPSHOT_SEGMENTS: usize = 256;

fn segment_of(hash: u64) -> usize {
    (hash >> (64 - SNAPSHOT_SEGMENTS.trailing_zeros())) as usize
}

/// One segment's copy during a snapshot.
enum SegmentCopy {
    /// Unchanged since the snapshot point: the trie itself is the copy.
    Unchanged,
    /// Copied by a writer before its change, waiting for the saver.
    Copied(Vec<Arc<Record>>),
    /// Handed to the saver.
    Taken,
}

struct Db {
    map: HashTrie<Record>,
    /// Keys that may have an expiry (a superset: the sampler drops stale ones).
    expires: HashTrie<ExpiryKey>,
    /// True while a snapshot of this database is being read.
    snapshotting: AtomicBool,
    copies: Box<[parking_lot::Mutex<SegmentCopy>]>,
}

impl Default for Db {
    fn default() -> Self {
        Db {
            map: HashTrie::new(),
            expires: HashTrie::new(),
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
            *copy = SegmentCopy::Copied(self.segment_records(seg));
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

    /// The records of segment `seg`.
    fn segment_records(&self, seg: usize) -> Vec<Arc<Record>> {
        let start = (seg as u64) << (64 - SNAPSHOT_SEGMENTS.trailing_zeros());
        let mut out = Vec::new();
        let _ = self.map.walk_from(start, &mut |r| {
            if segment_of(r.hash) != seg {
                return ControlFlow::Break(());
            }
            out.push(Arc::clone(r));
            ControlFlow::Continue(())
        });
        out
    }

    fn load(&self, key: &[u8]) -> Option<Arc<Record>> {
        self.map.get(key_hash(key), key)
    }

    /// Deletes `key` if it still holds `expected`. True on success.
    fn kill(&self, expected: &Arc<Record>) -> bool {
        self.before_write(expected.hash);
        self.map.compare_exchange(expected.hash, expected.key.as_slice(), Some(expected), None)
    }

    /// Notes that `key` may have an expiry.
    fn index_expiry(&self, hash: u64, key: &[u8]) {
        // Most writes with an expiry rewrite a key that has one already.
        if self.expires.get(hash, key).is_some() {
            return;
        }
        let entry = Arc::new(ExpiryKey { hash, key: CompactBytes::from(key) });
        let _ = self.expires.replace(hash, key, Some(entry), |cur| cur.is_none());
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
    snapshotting: AtomicBool,
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

    /// Starts loading the trie paths and records of `keys` together (see
    /// [`hash_trie::prefetch_paths`]); a multi-key view, or the session's read view over a
    /// pipelined batch, then finds them in cache.
    fn prefetch(&self, keys: &[(usize, &[u8])]) {
        hash_trie::prefetch_paths(keys.iter().map(|&(db, key)| (&self.db(db).map, key_hash(key))));
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

/// A key's state inside a view: the record it started from and, once written, its new
/// state (`Some(None)` = deleted).
struct Slot {
    db: usize,
    key: Bytes,
    orig: Option<Arc<Record>>,
    new: Option<Option<Entry>>,
}

impl Slot {
    fn orig_entry(&self) -> Option<&Entry> {
        self.orig.as_deref().map(|r| &r.entry)
    }

    fn current(&self) -> Option<&Entry> {
        match &self.new {
            Some(n) => n.as_ref(),
            None => self.orig_entry(),
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
                if self.writable() && slot.orig_entry().is_some_and(|e| e.is_expired(self.now)) {
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
                apply(self.store.db(slot.db), &slot.key, new);
            }
        }
    }

    /// Commits the single changed slot by compare-and-swap. False on conflict.
    fn commit_cas(&mut self) -> bool {
        debug_assert!(self.slots.len() <= 1);
        let Some(slot) = self.slots.pop() else { return true };
        let Some(new) = slot.new else { return true };
        let db = self.store.db(slot.db);
        let hash = key_hash(&slot.key);
        let has_expiry = new.as_ref().is_some_and(|e| e.has_expiry());
        db.before_write(hash);
        let new = new.map(|entry| Record::new(hash, &slot.key, entry));
        let ok = db.map.compare_exchange(hash, &slot.key, slot.orig.as_ref(), new);
        if ok && has_expiry {
            db.index_expiry(hash, &slot.key);
        }
        ok
    }
}

/// Writes `new` at `key` unconditionally (exclusive gate held: no concurrent writers).
fn apply(db: &Db, key: &[u8], new: Option<Entry>) {
    let hash = key_hash(key);
    db.before_write(hash);
    match new {
        Some(entry) => {
            let has_expiry = entry.has_expiry();
            db.map.insert(Record::new(hash, key, entry));
            if has_expiry {
                db.index_expiry(hash, key);
            }
        }
        None => {
            db.map.remove(hash, key);
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
        let mut n = 0;
        let _ = self.store.db(db).map.walk_from(0, &mut |r| {
            n += usize::from(r.entry.expire_at != NO_EXPIRY);
            ControlFlow::Continue(())
        });
        n
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        self.require_db_scope();
        self.commit_pending();
        let (mut n, mut last_hash, mut next) = (0, 0, 0);
        let _ = self.store.db(db).map.walk_from(cursor, &mut |r| {
            // Stop only between hashes: the cursor is a hash, so a call that stopped inside a
            // group of keys sharing one would return the same group forever.
            if n >= count.max(1) && r.hash != last_hash {
                next = r.hash;
                return ControlFlow::Break(());
            }
            visit(&r.key.to_bytes(), &r.entry);
            (n, last_hash) = (n + 1, r.hash);
            ControlFlow::Continue(())
        });
        next
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        self.require_db_scope();
        self.commit_pending();
        let _ = self.store.db(db).map.walk_from(0, &mut |r| {
            visit(&r.key.to_bytes(), &r.entry);
            ControlFlow::Continue(())
        });
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        self.require_db_scope();
        self.commit_pending();
        let d = self.store.db(db);
        if d.map.is_empty() {
            return None;
        }
        let r = d.map.first_from(rand::random::<u64>()).or_else(|| d.map.first_from(0))?;
        Some(r.key.to_bytes())
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
        let live = slot.orig_entry().is_some_and(|e| !e.is_expired(now));
        let collection = slot.orig_entry().is_some_and(|e| !matches!(e.value, Value::Str(_)));
        if live && collection && !exclusive {
            // The key became a collection after `view` chose the shared path: copying it
            // could cost a full copy per write, so this run is abandoned (its result is
            // never committed) and `view` re-runs the command exclusively.
            slot.new = Some(None);
            self.escalate = true;
            return;
        }
        if !(live && exclusive && collection) {
            slot.new = Some(slot.orig_entry().filter(|e| !e.is_expired(now)).cloned());
            return;
        }
        let d = store.db(db);
        let hash = key_hash(key);
        d.before_write(hash);
        let taken = d.map.remove(hash, key);
        debug_assert!(taken.as_ref().zip(slot.orig.as_ref()).is_some_and(|(a, b)| Arc::ptr_eq(a, b)));
        // Our own `orig` is one reference; `taken` another; the trie's is released once the
        // epoch advances (after which no reader can pick the record up any more).
        slot.orig = None;
        let mut arc = taken.expect("an exclusive view's record is live");
        let mut spins = 0;
        let entry = loop {
            match Arc::try_unwrap(arc) {
                Ok(record) => break record.entry,
                // Readers let go within a moment; a snapshot may hold it for the whole save.
                Err(shared) if spins > 64 && store.snapshotting.load(Ordering::Acquire) => break shared.entry.clone(),
                Err(shared) => {
                    arc = shared;
                    hash_trie::help_reclaim();
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
        if let Scope::Keys { keys, .. } = scope {
            if keys.len() > 1 {
                self.prefetch(keys);
            }
        }
        let exclusive = match scope {
            Scope::Keys { write: false, .. } => {
                self.read_validated(false, f);
                return;
            }
            // Several keys, or one holding a collection (see `LockFreeView::own`): exclusive.
            Scope::Keys { keys, write: true } => {
                keys.iter().any(|k| *k != keys[0])
                    || keys.first().is_some_and(|(db, k)| {
                        self.db(*db).load(k).is_some_and(|r| !matches!(r.entry.value, Value::Str(_)))
                    })
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
            let Some(idx) = d.expires.first_from(rand::random::<u64>()).or_else(|| d.expires.first_from(0)) else {
                break;
            };
            sampled += 1;
            let key = idx.key.as_slice();
            match d.map.get(idx.hash, key) {
                Some(r) if r.entry.is_expired(now) => {
                    if d.kill(&r) {
                        self.expired.fetch_add(1, Ordering::Relaxed);
                        expired.push(idx.key.to_bytes());
                    }
                    d.expires.compare_exchange(idx.hash, key, Some(&idx), None);
                }
                Some(r) if r.entry.has_expiry() => {}
                _ => {
                    // Stale index entry; re-add if a writer gave the key an expiry meanwhile.
                    d.expires.compare_exchange(idx.hash, key, Some(&idx), None);
                    if d.load(key).is_some_and(|r| r.entry.has_expiry()) {
                        d.index_expiry(idx.hash, key);
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
/// earlier by a writer (see the module documentation). Sizes are the tries' lengths at the
/// snapshot point (the expiry index's is a superset: they are only hints).
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
                    SegmentCopy::Unchanged => d.segment_records(seg),
                    SegmentCopy::Copied(entries) => entries,
                    SegmentCopy::Taken => Vec::new(),
                }
            };
            // Each value is dropped once written, so writers stop copying what was saved.
            for record in entries {
                visit(&record.key.to_bytes(), &record.entry)?;
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

//! `--store=lockfree`: each database is a lock-free hash trie ([`HashTrie`], keyed by the
//! key's 64-bit hash) of immutable [`Record`]s — the key and its `Entry` in one `Arc`. A
//! write publishes a new record by compare-and-swap on the trie slot that holds the key;
//! a delete swaps the record out. A record, once replaced or deleted, is never put back:
//! every write makes a fresh one, so a writer comparing against the record it started from
//! cannot be fooled by a delete-then-recreate (the trie's analogue of "a dead slot is never
//! revived"). See `hash_trie` for why the trie itself is lock-free.
//!
//! What is lock-free, and where a lock remains:
//! - **Reads of single or several keys** take no lock (but a collection's record lock; see
//!   below). They load each key's current
//!   record and validate against a sequence counter (a seqlock) bumped by multi-key
//!   writers, re-running when one ran concurrently, so a read never sees a multi-key write
//!   (MSET, RENAME, EXEC) half-applied. While such a writer is active they wait for it.
//! - **Single-key writes of strings** are copy-on-write plus compare-and-swap: the command runs on a
//!   private copy and the new record replaces the old one only if the key still holds the
//!   record it started from; otherwise the command re-runs. They also hold the shared side
//!   of a gate (`parking_lot::RwLock<()>`, one atomic add) so that multi-key writers can
//!   exclude them — that gate is the lock that remains on the write path.
//! - **Multi-key writes, whole-database operations and `Scope::All`** (MSET, RENAME,
//!   FLUSHDB, SWAPDB, EXEC) take the gate exclusively and bump the sequence counter, so
//!   they are atomic against both writers and readers.
//! - **Collections** (hash, set, sorted set, list, stream) are the other exception to
//!   "records are immutable": copying a big collection on every write would make building
//!   it quadratic, so a collection's record is changed in place, under a reader-writer lock
//!   of the key's stripe of the hash space ([`RecordLocks`]; 1024 stripes, so writers of
//!   different keys rarely meet). Writers hold it exclusively (a single-key write still
//!   takes only the gate's shared side), readers of that record hold it shared; string
//!   records are still read with no lock at all. Whole-database reads (KEYS, SCAN, DBSIZE)
//!   take the gate's shared side.
//!
//! **Snapshots** (BGSAVE, AOF rewrite) copy the keyspace lazily, one hash segment at a time
//! (the trie is ordered by hash, so a segment is a contiguous range of it), the way the
//! mutex store copies shards: beginning a snapshot takes the gate exclusively for an
//! instant to mark the snapshot point; the saver then copies each segment's record
//! pointers (`Arc<Record>` clones — no value is copied) under that segment's mutex, and a
//! writer about to change a segment the saver has not reached copies it first
//! (copy-before-write). Records are immutable once published, so the copied pointers are
//! the keyspace at the snapshot point. The one exception is a collection write, which
//! changes its record in place (`own`): while a snapshot may still hold that record, the
//! writer publishes a copy in its place and changes the copy (once; the copy is its own
//! afterwards). The saver reads a collection under its stripe's shared lock.
//!
//! Keys are ordered by (64-bit hash, bytes), so a SCAN cursor is simply the hash of the
//! next key to visit: every key present for the whole iteration is visited, whatever is
//! inserted or deleted meanwhile (keys sharing a full hash are returned in one call, so a
//! cursor never points into the middle of them). A random key is the first key at or after
//! a random hash.

use std::cell::{Cell, UnsafeCell};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use triomphe::Arc;

use bytes::Bytes;
use crossbeam_utils::CachePadded;
use parking_lot::lock_api::RawRwLock as _;
use parking_lot::{RawRwLock, RwLock};

use super::hash_trie::{self, HashTrie, TrieItem};
use crate::batch::view_now_ms;
use crate::compact::{CompactBytes, FlaggedBytes};
use crate::keyspace::{KeyView, Scope, Store};
use crate::value::{Entry, RString, Value};

/// The key's position in the order: never 0, so cursor 0 can mean "start".
fn key_hash(key: &[u8]) -> u64 {
    static STATE: ahash::RandomState = ahash::RandomState::with_seeds(0x6c6f, 0x636b, 0x6672, 0x6565);
    STATE.hash_one(key).max(1)
}

/// A key and its entry, published as one immutable `Arc`: one allocation per key of 72
/// bytes (80 with malloc's header), because nothing else is in it. The `Arc` is a
/// `triomphe::Arc`, whose header is one count and no weak count; the key's hash is not
/// kept (the trie's leaves hold it, and the few who need it from a record, such as SCAN,
/// recompute it); and the one fixed bit a record needs rides in its key's spare byte.
///
/// A record holding a string is never changed once published. A record holding a
/// collection (hash, list, set, sorted set, stream) is changed in place, under its key's
/// [`RecordLocks`] stripe held exclusively, and read under that stripe held shared: copying
/// a big collection on every write would make building it quadratic. Which of the two a
/// record is, is fixed when it is made and kept in the key's flag, so a reader knows
/// whether to lock before it looks at the entry. It is in the key because the entry is behind
/// an `UnsafeCell` that a writer of an in-place record borrows mutably, so a bit a reader
/// checks before locking cannot live there.
struct Record {
    /// The key, flagged for a record read and written under its stripe's lock.
    key: FlaggedBytes,
    entry: UnsafeCell<Entry>,
}

const _: () = assert!(std::mem::size_of::<Record>() == 64);

// SAFETY: the entry of a record whose `is_locked_kind` is false is never written after the
// record is published; one whose `is_locked_kind` is true is written only by a holder of
// its stripe's exclusive lock and read only under that lock (shared or exclusive). Every
// `entry`/`entry_mut` call site states which it holds.
unsafe impl Sync for Record {}
unsafe impl Send for Record {}

impl Record {
    /// `hash` is `key_hash(key)`, which every caller has computed already to find the slot.
    fn new(hash: u64, key: &[u8], entry: Entry) -> Arc<Record> {
        debug_assert_eq!(hash, key_hash(key));
        let locked = !matches!(entry.value, Value::Str(_));
        Self::tagged(locked, key, entry)
    }

    /// A record of the in-place kind whatever its value (a copy of one whose value a
    /// command turned into a string stays that kind).
    fn in_place(hash: u64, key: &[u8], entry: Entry) -> Arc<Record> {
        debug_assert_eq!(hash, key_hash(key));
        Self::tagged(true, key, entry)
    }

    fn tagged(locked: bool, key: &[u8], entry: Entry) -> Arc<Record> {
        Arc::new(Record { key: FlaggedBytes::new(key, locked), entry: UnsafeCell::new(entry) })
    }

    /// `key_hash` of the key, computed (records do not keep it).
    fn hash(&self) -> u64 {
        key_hash(self.key.as_slice())
    }

    /// True if the entry is changed in place and read under the key's stripe lock.
    fn is_locked_kind(&self) -> bool {
        self.key.flag()
    }

    /// The entry.
    ///
    /// # Safety
    /// If `is_locked_kind`, the caller holds the key's stripe lock (either side) while the
    /// reference lives.
    unsafe fn entry(&self) -> &Entry {
        &*self.entry.get()
    }

    /// The entry, to change in place.
    ///
    /// # Safety
    /// `is_locked_kind`, and the caller holds the key's stripe lock exclusively and no
    /// other reference to the entry while the result lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn entry_mut(&self) -> &mut Entry {
        debug_assert!(self.is_locked_kind());
        &mut *self.entry.get()
    }
}

impl TrieItem for Record {
    fn hash(&self) -> u64 {
        Record::hash(self)
    }
    fn key(&self) -> &[u8] {
        self.key.as_slice()
    }
}

/// Stripes of the hash space the record locks are spread over (a power of two).
const RECORD_LOCK_STRIPES: usize = 1024;

/// The locks of in-place records (see [`Record`]): one reader-writer lock per stripe of the
/// hash space rather than one per record, which would cost every key 8 bytes. Keys sharing a
/// stripe share a lock; a view remembers which stripes it holds, so it never takes one
/// twice.
///
/// Deadlock freedom rests on one rule: nobody waits for a stripe while holding another,
/// except an exclusive view (which holds the gate exclusively, so every other holder is a
/// reader that never waits while it holds one, or the saver, which holds one at a time).
/// A read view that already holds a stripe only *tries* the next and, failing, starts
/// over.
struct RecordLocks {
    stripes: Box<[CachePadded<RawRwLock>]>,
}

impl RecordLocks {
    fn new() -> RecordLocks {
        RecordLocks { stripes: (0..RECORD_LOCK_STRIPES).map(|_| CachePadded::new(RawRwLock::INIT)).collect() }
    }

    fn stripe(hash: u64) -> usize {
        hash as usize & (RECORD_LOCK_STRIPES - 1)
    }

    fn get(&self, stripe: usize) -> &RawRwLock {
        &self.stripes[stripe]
    }

    /// Runs `f` with `record`'s entry, under its stripe's shared lock if it is an in-place
    /// record. For callers that hold no stripe.
    fn read<R>(&self, record: &Record, f: impl FnOnce(&Entry) -> R) -> R {
        self.with(record, false, f)
    }

    /// Like [`read`](Self::read), with the stripe held exclusively: `f` may replace or
    /// delete the record (not change its entry).
    fn write<R>(&self, record: &Record, f: impl FnOnce(&Entry) -> R) -> R {
        self.with(record, true, f)
    }

    fn with<R>(&self, record: &Record, exclusive: bool, f: impl FnOnce(&Entry) -> R) -> R {
        if !record.is_locked_kind() {
            // SAFETY: a string record's entry is immutable.
            return f(unsafe { record.entry() });
        }
        let stripe = Self::stripe(record.hash());
        let lock = self.get(stripe);
        if exclusive {
            lock.lock_exclusive();
        } else {
            lock.lock_shared();
        }
        // SAFETY: the stripe is held until `f` returns.
        let out = f(unsafe { record.entry() });
        // SAFETY: taken above, on this side.
        unsafe { self.unlock(stripe, exclusive) };
        out
    }

    /// Releases `stripe`, held exclusively or shared as `exclusive` says.
    ///
    /// # Safety
    /// The caller took it on that side and has not released it.
    unsafe fn unlock(&self, stripe: usize, exclusive: bool) {
        let lock = self.get(stripe);
        if exclusive {
            lock.unlock_exclusive();
        } else {
            lock.unlock_shared();
        }
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
            if segment_of(r.hash()) != seg {
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

    /// Deletes `key` if it still holds `expected`. True on success. The caller holds the
    /// key's stripe exclusively if `expected` is an in-place record.
    fn kill(&self, expected: &Arc<Record>) -> bool {
        let hash = expected.hash();
        self.before_write(hash);
        self.map.compare_exchange(hash, expected.key.as_slice(), Some(expected), None)
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
    locks: RecordLocks,
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
            locks: RecordLocks::new(),
        }
    }

    fn db(&self, db: usize) -> &Db {
        &self.dbs[self.db_index[db].load(Ordering::Acquire)]
    }

    /// Runs a read-only closure under seqlock validation, re-running it when a multi-key
    /// writer was active meanwhile, or when it could not take a record lock it needed
    /// without waiting while holding another (see [`RecordLocks`]).
    fn read_validated(&self, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let mut spins = 0u32;
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 1 {
                backoff(&mut spins);
                continue;
            }
            let mut view = LockFreeView::new(self, Mode::Read);
            view.run(f);
            std::sync::atomic::fence(Ordering::Acquire);
            if let Some(stripe) = view.conflict {
                drop(view);
                // Wait for the writer holding it, holding nothing ourselves, then start over.
                let lock = self.locks.get(stripe);
                lock.lock_shared();
                // SAFETY: taken on the line above.
                unsafe { lock.unlock_shared() };
                continue;
            }
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
        view.run(f);
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

    /// Deletes `record` if it has expired and is still its key's record; true if it did.
    /// An in-place record may have been given a new expiry in place, so it is checked again
    /// under its stripe, which every writer of it holds.
    fn kill_if_expired(&self, d: &Db, record: &Arc<Record>, now: i64) -> bool {
        self.locks.write(record, |entry| entry.is_expired(now) && d.kill(record))
    }

    /// Counts and logs keys a committed view deleted because they had expired.
    fn note_expired(&self, keys: &mut Vec<(usize, Bytes)>) {
        // Nearly always nothing: no locked add of 0 on a counter every writer shares.
        if keys.is_empty() {
            return;
        }
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
/// state (`Some(None)` = deleted), unless the view changes that record in place.
struct Slot {
    db: usize,
    /// A copy (the key may be stored, and the caller's may be a slice of a read buffer);
    /// inline when short, so most views allocate nothing for it.
    key: CompactBytes,
    /// `key_hash(key)`.
    hash: u64,
    orig: Option<Arc<Record>>,
    new: Option<Option<Entry>>,
    /// `orig` is an in-place record that this (writable) view changes directly.
    in_place: bool,
}

impl Slot {
    fn orig_entry(&self) -> Option<&Entry> {
        // SAFETY: a view holds the stripe of every in-place record it loads until it is
        // dropped (`LockFreeView::load`), and a slot lives no longer than its view.
        self.orig.as_deref().map(|r| unsafe { r.entry() })
    }

    fn current(&self) -> Option<&Entry> {
        match &self.new {
            Some(n) => n.as_ref(),
            None => self.orig_entry(),
        }
    }

    fn in_place_entry(&mut self) -> &mut Entry {
        debug_assert!(self.in_place);
        let record = self.orig.as_deref().expect("an in-place slot has a record");
        // SAFETY: `in_place` is set only by a writable view, which holds the stripe
        // exclusively; `&mut self` makes this the view's only reference to the entry.
        unsafe { record.entry_mut() }
    }

    /// Commits an in-place slot: its changes are in the record already, and only an expiry
    /// needs indexing.
    fn commit_in_place(&self, d: &Db) {
        debug_assert!(self.in_place);
        if self.orig_entry().is_some_and(Entry::has_expiry) {
            d.index_expiry(self.hash, self.key.as_slice());
        }
    }

    /// Turns an in-place slot into an ordinary one by moving its entry out of the record,
    /// for a delete, which hands the entry back: the record is then unpublished at
    /// commit, and nobody reads it after that (readers re-load once they hold the stripe).
    fn detach(&mut self) {
        if self.in_place {
            let entry = std::mem::replace(self.in_place_entry(), Entry::new(Value::Str(RString::Int(0))));
            self.new = Some(Some(entry));
            self.in_place = false;
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
    /// Stripes of [`RecordLocks`] this view holds until it is dropped: exclusively if it is
    /// writable, shared otherwise.
    held: Vec<usize>,
    /// A stripe a read view needed while holding another and found taken: this run is void,
    /// and `read_validated` starts over (see [`RecordLocks`]).
    conflict: Option<usize>,
}

thread_local! {
    /// The slot vector of this thread's last view, emptied: the next view reuses it, so a
    /// view allocates nothing for its slots (one malloc and free a command less).
    static SPARE_SLOTS: Cell<Vec<Slot>> = const { Cell::new(Vec::new()) };
}

/// The most slots a view's vector may keep for the next view (an EXEC over many keys
/// gives back a vector of this size at most).
const SPARE_SLOTS_MAX: usize = 64;

impl<'a> LockFreeView<'a> {
    fn new(store: &'a LockFreeStore, mode: Mode) -> Self {
        LockFreeView {
            store,
            mode,
            now: view_now_ms(),
            slots: SPARE_SLOTS.try_with(Cell::take).unwrap_or_default(),
            expired: Vec::new(),
            held: Vec::new(),
            conflict: None,
        }
    }

    fn writable(&self) -> bool {
        matches!(self.mode, Mode::SingleWrite | Mode::Exclusive)
    }

    /// Runs a command's closure over this view, at the view's time (entries it makes are
    /// stamped with it: the clock is read once per view).
    fn run(&mut self, f: &mut dyn FnMut(&mut dyn KeyView)) {
        crate::value::at_view_time(self.now, || f(self));
    }

    /// The slot of `key`, loading its record on first use; lazily expires it when writable.
    fn slot(&mut self, db: usize, key: &[u8]) -> &mut Slot {
        let pos = match self.slots.iter().position(|s| s.db == db && s.key.as_slice() == key) {
            Some(p) => p,
            None => {
                let hash = key_hash(key);
                let orig = self.load(db, key, hash);
                let mut slot = Slot { db, key: CompactBytes::from(key), hash, orig, new: None, in_place: false };
                if self.writable() && slot.orig_entry().is_some_and(|e| e.is_expired(self.now)) {
                    slot.new = Some(None);
                    self.expired.push((db, slot.key.to_bytes()));
                }
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        &mut self.slots[pos]
    }

    /// The key's current record, with its stripe held if it is an in-place record; `None`
    /// also when a read view met a conflict (its run is void anyway).
    fn load(&mut self, db: usize, key: &[u8], hash: u64) -> Option<Arc<Record>> {
        let d = self.store.db(db);
        let mut record = d.map.get(hash, key);
        // Once its stripe is held, an in-place record stays the key's record: whoever
        // replaces or deletes one holds the stripe exclusively first. So re-load under it.
        while record.as_ref().is_some_and(|r| r.is_locked_kind()) {
            let stripe = RecordLocks::stripe(hash);
            if self.held.contains(&stripe) {
                break;
            }
            if !self.lock_stripe(stripe) {
                return None;
            }
            record = d.map.get(hash, key);
        }
        record
    }

    /// Takes `stripe` for the rest of the view: exclusively if writable, shared otherwise.
    /// A read view that holds a stripe already only tries, and on failure records the
    /// conflict and returns false (see [`RecordLocks`] for why).
    fn lock_stripe(&mut self, stripe: usize) -> bool {
        let lock = self.store.locks.get(stripe);
        match self.mode {
            Mode::SingleWrite | Mode::Exclusive => lock.lock_exclusive(),
            Mode::Read if !self.held.is_empty() => {
                if !lock.try_lock_shared() {
                    self.conflict = Some(stripe);
                    return false;
                }
            }
            // A whole-database view holds the gate's shared side, so every writer it could
            // wait for holds a single stripe and waits for nothing.
            Mode::Read | Mode::SharedDb => lock.lock_shared(),
        }
        self.held.push(stripe);
        true
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
            let d = self.store.db(slot.db);
            if slot.in_place {
                slot.commit_in_place(d);
            } else if let Some(new) = slot.new {
                apply(d, slot.hash, slot.key.as_slice(), new);
            }
        }
    }

    /// Commits the single changed slot by compare-and-swap. False on conflict (never for
    /// an in-place record: its stripe is held, so it is still the key's record).
    fn commit_cas(&mut self) -> bool {
        debug_assert!(self.slots.len() <= 1);
        let Some(slot) = self.slots.pop() else { return true };
        let db = self.store.db(slot.db);
        if slot.in_place {
            slot.commit_in_place(db);
            return true;
        }
        let (hash, key) = (slot.hash, slot.key.as_slice());
        let Some(new) = slot.new else { return true };
        let has_expiry = new.as_ref().is_some_and(|e| e.has_expiry());
        db.before_write(hash);
        let locked_kind = slot.orig.as_ref().is_some_and(|r| r.is_locked_kind());
        let new = new.map(|entry| Record::new(hash, key, entry));
        let ok = db.map.compare_exchange(hash, key, slot.orig.as_ref(), new);
        debug_assert!(ok || !locked_kind, "an in-place record changed under its held stripe");
        if ok && has_expiry {
            db.index_expiry(hash, key);
        }
        ok
    }

    /// Runs `f` with the entry of `record`, met by a whole-database walk: under its stripe's
    /// shared lock, unless this view holds that stripe already.
    fn walked<R>(held: &[usize], locks: &RecordLocks, record: &Record, f: impl FnOnce(&Entry) -> R) -> R {
        if record.is_locked_kind() && held.contains(&RecordLocks::stripe(record.hash())) {
            // SAFETY: this view holds the stripe (and so nobody else writes the entry).
            return f(unsafe { record.entry() });
        }
        locks.read(record, f)
    }
}

impl Drop for LockFreeView<'_> {
    fn drop(&mut self) {
        let exclusive = self.writable();
        for &stripe in &self.held {
            // SAFETY: `lock_stripe` took it once, on this side, for this view.
            unsafe { self.store.locks.unlock(stripe, exclusive) };
        }
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        if slots.capacity() <= SPARE_SLOTS_MAX {
            // (Not during the thread's exit, when the thread-local may be gone.)
            let _ = SPARE_SLOTS.try_with(|spare| spare.set(slots));
        }
    }
}

/// Writes `new` at `key` unconditionally (exclusive gate held: no concurrent writers).
fn apply(db: &Db, hash: u64, key: &[u8], new: Option<Entry>) {
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
        e.touch_at(now);
        Some(e)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        self.slot(db, key).current().filter(|e| !e.is_expired(now))
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.require_write();
        self.own(db, key);
        let slot = self.slot(db, key);
        if slot.in_place {
            return Some(&mut slot.in_place_entry().value);
        }
        match &mut slot.new {
            Some(Some(e)) => Some(&mut e.value),
            _ => None,
        }
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) {
        self.require_write();
        // No `own`: the old record is replaced whole at commit (which does the snapshot's
        // copy-before-write), never changed, so neither a copy of a string nor a snapshot
        // copy of an in-place record is needed. In-place changes this view already made
        // go with the record it replaces.
        let slot = self.slot(db, &key);
        slot.in_place = false;
        slot.new = Some(Some(entry));
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.require_write();
        self.own(db, key);
        let slot = self.slot(db, key);
        slot.detach();
        slot.new.replace(None).flatten()
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        self.require_write();
        self.own(db, key);
        let slot = self.slot(db, key);
        if slot.in_place {
            slot.in_place_entry().expire_at = at;
            return true;
        }
        match &mut slot.new {
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
        let (held, locks) = (&self.held, &self.store.locks);
        let mut n = 0;
        let _ = self.store.db(db).map.walk_from(0, &mut |r| {
            n += usize::from(Self::walked(held, locks, r, Entry::has_expiry));
            ControlFlow::Continue(())
        });
        n
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        self.require_db_scope();
        self.commit_pending();
        let (held, locks) = (&self.held, &self.store.locks);
        let (mut n, mut last_hash, mut next) = (0, 0, 0);
        let _ = self.store.db(db).map.walk_from(cursor, &mut |r| {
            // Stop only between hashes: the cursor is a hash, so a call that stopped inside a
            // group of keys sharing one would return the same group forever.
            let hash = r.hash();
            if n >= count.max(1) && hash != last_hash {
                next = hash;
                return ControlFlow::Break(());
            }
            Self::walked(held, locks, r, |e| visit(&r.key.to_bytes(), e));
            (n, last_hash) = (n + 1, hash);
            ControlFlow::Continue(())
        });
        next
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        self.require_db_scope();
        self.commit_pending();
        let (held, locks) = (&self.held, &self.store.locks);
        let _ = self.store.db(db).map.walk_from(0, &mut |r| {
            Self::walked(held, locks, r, |e| visit(&r.key.to_bytes(), e));
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
    /// Makes `key`'s live entry writable through the slot, once.
    ///
    /// A string is copied (copy-on-write, committed by CAS or directly). An in-place record
    /// is changed where it is: the view holds its stripe exclusively, so no reader sees the
    /// change half-made, and a write to a big hash costs what the write costs, not a copy
    /// of the hash. While a snapshot may still hold the record, the view first publishes a
    /// copy in its place and changes that (once: the copy is nobody else's).
    fn own(&mut self, db: usize, key: &[u8]) {
        let (now, store, mode) = (self.now, self.store, self.mode);
        let slot = self.slot(db, key);
        if slot.new.is_some() || slot.in_place {
            return;
        }
        let Some(record) = slot.orig.as_ref().filter(|r| r.is_locked_kind()) else {
            slot.new = Some(slot.orig_entry().filter(|e| !e.is_expired(now)).cloned());
            return;
        };
        // (An expired record was marked deleted when the slot was loaded.)
        let (d, hash) = (store.db(db), slot.hash);
        d.before_write(hash);
        // The trie's reference and ours; any other may be the snapshot's.
        if store.snapshotting.load(Ordering::Acquire) && Arc::count(record) > 2 {
            // SAFETY: a writable view holds the stripe of every in-place record it loaded.
            let copy = Record::in_place(hash, key, unsafe { record.entry() }.clone());
            if mode == Mode::Exclusive {
                d.map.insert(Arc::clone(&copy));
            } else {
                let ok = d.map.compare_exchange(hash, key, Some(record), Some(Arc::clone(&copy)));
                assert!(ok, "an in-place record changed under its held stripe");
            }
            slot.orig = Some(copy);
        }
        slot.in_place = true;
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

    fn lock_free_reads(&self) -> bool {
        // A read view of strings validates a seqlock instead of locking; one that meets a
        // collection takes its record lock only while `f` runs, and prefetching runs none.
        true
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
                self.read_validated(f);
                return;
            }
            // Several keys written: exclusive, so the write is atomic.
            Scope::Keys { keys, write: true } => keys.iter().any(|k| *k != keys[0]),
            // A whole database or everything: exclusive exactly when it may write.
            scope => scope.writes(),
        };
        if exclusive {
            self.view_exclusive(f);
            return;
        }
        if let Scope::Db { .. } | Scope::Sweep { .. } = scope {
            let _gate = self.gate.read();
            let mut view = LockFreeView::new(self, Mode::SharedDb);
            view.run(f);
            return;
        }
        // One key, written: in place under its stripe (a collection), or copy-on-write and
        // compare-and-swap, re-running on conflict (a string).
        let _gate = self.gate.read();
        let mut spins = 0;
        loop {
            let mut view = LockFreeView::new(self, Mode::SingleWrite);
            view.run(f);
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
            if let Some(r) = d.map.get(idx.hash, key) {
                if self.kill_if_expired(d, &r, now) {
                    self.expired.fetch_add(1, Ordering::Relaxed);
                    expired.push(idx.key.to_bytes());
                }
            }
            let has_expiry = || d.load(key).is_some_and(|r| self.locks.read(&r, Entry::has_expiry));
            if !has_expiry() {
                // Expired or stale: drop the index entry, then re-add it if a writer gave the
                // key an expiry meanwhile.
                d.expires.compare_exchange(idx.hash, key, Some(&idx), None);
                if has_expiry() {
                    d.index_expiry(idx.hash, key);
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
            // Each value is dropped once written, so writers stop copying what was saved. An
            // in-place record's stripe is held while it is written: its writers wait (or, if
            // they began after the snapshot point, already changed a copy).
            for record in entries {
                self.store.locks.read(&record, |entry| visit(&record.key.to_bytes(), entry))?;
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

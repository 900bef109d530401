//! `--store=mutex`: every database split into [`SHARDS`] shards, each behind a
//! `parking_lot::RwLock`. A view locks the shards its scope touches in one global order
//! (database, then shard index), so two views can never wait on each other in a cycle.
//! Reads take shared locks, writes exclusive ones.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::shard::Shard;
use super::{shard_of, SHARDS};
use crate::clock::now_ms;
use crate::keyspace::{KeyView, Scope, Store};
use crate::value::{Entry, Value};

pub struct MutexStore {
    /// `dbs * SHARDS` shards, database-major.
    shards: Box<[RwLock<Shard>]>,
    databases: usize,
    expired: AtomicU64,
    lazily_expired: crate::keyspace::LazyExpired,
}

impl MutexStore {
    pub fn new(databases: usize) -> MutexStore {
        let shards = (0..databases * SHARDS).map(|_| RwLock::new(Shard::default())).collect();
        MutexStore { shards, databases, expired: AtomicU64::new(0), lazily_expired: Default::default() }
    }

    fn index(db: usize, shard: usize) -> usize {
        db * SHARDS + shard
    }
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

/// A view holding the locks of its scope, sorted by shard index.
struct MutexView<'a> {
    guards: Vec<(usize, Guard<'a>)>,
    write: bool,
    now: i64,
    /// Keys this view deleted because they had expired.
    expired: Vec<(usize, Bytes)>,
    databases: usize,
}

impl<'a> MutexView<'a> {
    fn slot(&mut self, db: usize, key: &[u8]) -> &mut Guard<'a> {
        let idx = MutexStore::index(db, shard_of(key));
        match self.guards.binary_search_by_key(&idx, |(i, _)| *i) {
            Ok(pos) => &mut self.guards[pos].1,
            Err(_) => panic!("key outside the view's scope: the command's key specification is wrong"),
        }
    }

    /// The guards of database `db`, in shard order. Panics unless the scope covers it.
    fn db_guards(&mut self, db: usize) -> &mut [(usize, Guard<'a>)] {
        let lo = MutexStore::index(db, 0);
        let start = self.guards.partition_point(|(i, _)| *i < lo);
        let end = self.guards.partition_point(|(i, _)| *i < lo + SHARDS);
        assert!(end - start == SHARDS, "database {db} outside the view's scope");
        &mut self.guards[start..end]
    }

    /// Lazily expires `key` when the view may write; returns the guard either way.
    fn live_slot(&mut self, db: usize, key: &[u8]) -> &mut Guard<'a> {
        let (write, now) = (self.write, self.now);
        let mut expired = false;
        {
            let g = self.slot(db, key);
            if write {
                expired = g.shard_mut().expire_if_needed(key, now);
            }
        }
        if expired {
            self.expired.push((db, Bytes::copy_from_slice(key)));
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
        self.live_slot(db, key).shard().get_live(key, now)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        let now = self.now;
        self.live_slot(db, key).shard().peek_live(key, now)
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.live_slot(db, key).shard_mut().get_mut(key)
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) -> Option<Entry> {
        self.live_slot(db, &key).shard_mut().insert(key, entry)
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.live_slot(db, key).shard_mut().remove(key)
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        self.live_slot(db, key).shard_mut().set_expiry(key, at)
    }

    fn len(&mut self, db: usize) -> usize {
        self.db_guards(db).iter().map(|(_, g)| g.shard().len()).sum()
    }

    fn expires_len(&mut self, db: usize) -> usize {
        self.db_guards(db).iter().map(|(_, g)| g.shard().expires_len()).sum()
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        // Cursor layout: low bits the shard, high bits one past the next position to visit
        // in that shard (0 = start the shard from its top).
        const SHARD_BITS: u32 = SHARDS.trailing_zeros();
        let mut shard = (cursor & (SHARDS as u64 - 1)) as usize;
        let mut top = (cursor >> SHARD_BITS) as usize;
        let guards = self.db_guards(db);
        if shard >= SHARDS {
            return 0;
        }
        let mut budget = count.max(1);
        loop {
            let s = guards[shard].1.shard();
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
        for (_, g) in self.db_guards(db).iter() {
            g.shard().for_each(visit);
        }
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        let guards = self.db_guards(db);
        let total: usize = guards.iter().map(|(_, g)| g.shard().len()).sum();
        if total == 0 {
            return None;
        }
        // Pick a shard in proportion to its size, then a key within it.
        let mut r = rand::Rng::gen_range(&mut rand::thread_rng(), 0..total);
        for (_, g) in guards.iter() {
            let n = g.shard().len();
            if r < n {
                return g.shard().random_key();
            }
            r -= n;
        }
        None
    }

    fn clear(&mut self, db: usize) -> usize {
        self.db_guards(db).iter_mut().map(|(_, g)| g.shard_mut().clear()).sum()
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
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

    fn databases(&self) -> usize {
        self.databases
    }

    fn view(&self, scope: Scope<'_>, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let (mut indices, write): (Vec<usize>, bool) = match scope {
            Scope::Keys { keys, write } => {
                (keys.iter().map(|(db, k)| MutexStore::index(*db, shard_of(k))).collect(), write)
            }
            Scope::Db { db, write } => ((MutexStore::index(db, 0)..MutexStore::index(db + 1, 0)).collect(), write),
            Scope::All => ((0..self.shards.len()).collect(), true),
        };
        // One global lock order: ascending shard index.
        indices.sort_unstable();
        indices.dedup();
        let guards = indices
            .into_iter()
            .map(|i| {
                let g = if write { Guard::Write(self.shards[i].write()) } else { Guard::Read(self.shards[i].read()) };
                (i, g)
            })
            .collect();
        let mut view = MutexView { guards, write, now: now_ms(), expired: Vec::new(), databases: self.databases };
        f(&mut view);
        if !view.expired.is_empty() {
            self.expired.fetch_add(view.expired.len() as u64, Ordering::Relaxed);
            self.lazily_expired.record(&mut view.expired);
        }
    }

    fn expire_slots(&self) -> usize {
        SHARDS
    }

    fn expire_sample(&self, db: usize, slot: usize, count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize {
        let before = expired.len();
        let sampled = self.shards[MutexStore::index(db, slot)].write().expire_sample(count, now, expired);
        self.expired.fetch_add((expired.len() - before) as u64, Ordering::Relaxed);
        sampled
    }

    fn expired_count(&self) -> u64 {
        self.expired.load(Ordering::Relaxed)
    }

    fn take_lazily_expired(&self, out: &mut Vec<(usize, Bytes)>) {
        self.lazily_expired.take(out);
    }
}

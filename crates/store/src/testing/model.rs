//! [`ModelStore`]: the plainest possible [`Store`] — every database a `BTreeMap` behind one
//! mutex — used as the reference that the real stores are compared against.

use std::collections::BTreeMap;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::clock::now_ms;
use crate::keyspace::{KeyView, Scope, Store};
use crate::value::{Entry, Value, NO_EXPIRY};

pub struct ModelStore {
    dbs: Mutex<Vec<BTreeMap<Bytes, Entry>>>,
}

impl ModelStore {
    pub fn new(databases: usize) -> ModelStore {
        ModelStore { dbs: Mutex::new(vec![BTreeMap::new(); databases]) }
    }
}

struct ModelView<'a> {
    dbs: &'a mut Vec<BTreeMap<Bytes, Entry>>,
    now: i64,
    write: bool,
}

impl ModelView<'_> {
    fn live(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        let expired = self.dbs[db].get(key).is_some_and(|e| e.is_expired(self.now));
        if expired {
            if self.write {
                self.dbs[db].remove(key);
            }
            return None;
        }
        self.dbs[db].get_mut(key)
    }
}

impl KeyView for ModelView<'_> {
    fn now(&self) -> i64 {
        self.now
    }
    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.live(db, key).map(|e| &*e)
    }
    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.live(db, key).map(|e| &mut e.value)
    }
    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) {
        self.dbs[db].insert(key, entry);
    }
    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        self.live(db, key)?;
        self.dbs[db].remove(key)
    }
    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        match self.live(db, key) {
            Some(e) => {
                e.expire_at = at;
                true
            }
            None => false,
        }
    }
    fn len(&mut self, db: usize) -> usize {
        self.dbs[db].len()
    }
    fn expires_len(&mut self, db: usize) -> usize {
        self.dbs[db].values().filter(|e| e.expire_at != NO_EXPIRY).count()
    }
    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        let keys: Vec<_> = self.dbs[db].iter().skip(cursor as usize).take(count.max(1)).collect();
        let n = keys.len();
        for (k, e) in keys {
            visit(k, e);
        }
        let next = cursor as usize + n;
        if next >= self.dbs[db].len() {
            0
        } else {
            next as u64
        }
    }
    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        for (k, e) in &self.dbs[db] {
            visit(k, e);
        }
    }
    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        self.dbs[db].keys().next().cloned()
    }
    fn clear(&mut self, db: usize) -> usize {
        std::mem::take(&mut self.dbs[db]).len()
    }
    fn swap(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }
    fn databases(&self) -> usize {
        self.dbs.len()
    }
}

impl Store for ModelStore {
    fn name(&self) -> &'static str {
        "model"
    }
    fn databases(&self) -> usize {
        self.dbs.lock().len()
    }
    fn lock_free_reads(&self) -> bool {
        false
    }
    fn view(&self, scope: Scope<'_>, f: &mut dyn FnMut(&mut dyn KeyView)) {
        let write = scope.writes();
        let mut dbs = self.dbs.lock();
        f(&mut ModelView { dbs: &mut dbs, now: now_ms(), write });
    }
    fn expire_slots(&self) -> usize {
        1
    }
    fn expire_sample(&self, db: usize, _slot: usize, _count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize {
        let mut dbs = self.dbs.lock();
        let n = dbs[db].len();
        dbs[db].retain(|k, e| {
            let gone = e.is_expired(now);
            if gone {
                expired.push(k.clone());
            }
            !gone
        });
        n
    }
    fn expired_count(&self) -> u64 {
        0
    }
    fn snapshot(&self) -> Box<dyn crate::keyspace::Snapshot + Send + '_> {
        // The reference store simply copies everything under its one lock.
        let dbs: Vec<Vec<(Bytes, Entry)>> =
            self.dbs.lock().iter().map(|db| db.iter().map(|(k, e)| (k.clone(), e.clone())).collect()).collect();
        Box::new(CopiedSnapshot::new(dbs))
    }
}

/// A snapshot that is a full copy.
pub struct CopiedSnapshot {
    sizes: Vec<(u64, u64)>,
    dbs: Vec<Vec<(Bytes, Entry)>>,
}

impl CopiedSnapshot {
    pub fn new(dbs: Vec<Vec<(Bytes, Entry)>>) -> CopiedSnapshot {
        let sizes =
            dbs.iter().map(|d| (d.len() as u64, d.iter().filter(|(_, e)| e.has_expiry()).count() as u64)).collect();
        CopiedSnapshot { sizes, dbs }
    }
}

impl crate::keyspace::Snapshot for CopiedSnapshot {
    fn sizes(&self) -> &[(u64, u64)] {
        &self.sizes
    }

    fn visit_db(
        &mut self,
        db: usize,
        visit: &mut dyn FnMut(&Bytes, &Entry) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for (k, e) in std::mem::take(&mut self.dbs[db]) {
            visit(&k, &e)?;
        }
        Ok(())
    }
}

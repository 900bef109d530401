//! [`Tally`]: counts the changes a write command makes through its view — Redis's
//! `server.dirty`. The count decides whether the command is logged to the AOF at all and
//! feeds `save <seconds> <changes>` points and INFO `rdb_changes_since_last_save`.
//!
//! A key handed out by `get_mut` counts as one change whether or not the command then
//! changes it (SADD of a member already there): the view cannot tell. That over-counts a
//! little and logs such a no-op command, which replays as the same no-op.

use bytes::Bytes;

use crate::keyspace::KeyView;
use crate::value::{Entry, Value};

pub struct Tally<'v> {
    inner: &'v mut dyn KeyView,
    pub changes: u64,
}

impl<'v> Tally<'v> {
    pub fn new(inner: &'v mut dyn KeyView) -> Tally<'v> {
        Tally { inner, changes: 0 }
    }
}

impl KeyView for Tally<'_> {
    fn now(&self) -> i64 {
        self.inner.now()
    }

    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.inner.get(db, key)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.inner.peek(db, key)
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        let value = self.inner.get_mut(db, key);
        if value.is_some() {
            self.changes += 1;
        }
        value
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) {
        self.changes += 1;
        self.inner.insert(db, key, entry);
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        let old = self.inner.remove(db, key);
        self.changes += u64::from(old.is_some());
        old
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        let done = self.inner.set_expiry(db, key, at);
        self.changes += u64::from(done);
        done
    }

    fn len(&mut self, db: usize) -> usize {
        self.inner.len(db)
    }

    fn expires_len(&mut self, db: usize) -> usize {
        self.inner.expires_len(db)
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        self.inner.scan(db, cursor, count, visit)
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        self.inner.for_each(db, visit)
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        self.inner.random_key(db)
    }

    fn clear(&mut self, db: usize) -> usize {
        let n = self.inner.clear(db);
        // FLUSHDB of an empty database is still a change Redis propagates.
        self.changes += (n as u64).max(1);
        n
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.changes += 1;
        self.inner.swap(a, b)
    }

    fn databases(&self) -> usize {
        self.inner.databases()
    }
}

//! [`Shard`]: one slice of a database's keys with its expiry index. Single-threaded; the
//! stores wrap shards in whatever concurrency control they use.
//!
//! Keys live in an `IndexMap` so that a random key is an O(1) pick (RANDOMKEY, the active
//! expire cycle) and SCAN can walk positions: iterating positions from the top down while
//! deletions use `swap_remove` (which moves the *last* entry into the hole) never moves an
//! unvisited entry into the visited region, so every key present for a whole SCAN is seen.

use bytes::Bytes;
use indexmap::{IndexMap, IndexSet};
use rand::Rng;

use crate::value::{Entry, Value, NO_EXPIRY};

type Hasher = ahash::RandomState;

#[derive(Default, Debug)]
pub struct Shard {
    map: IndexMap<Bytes, Entry, Hasher>,
    /// Keys that have an expiry: what the active expire cycle samples.
    expires: IndexSet<Bytes, Hasher>,
}

impl Shard {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The live entry at `key`, with its access time updated.
    pub fn get_live(&self, key: &[u8], now: i64) -> Option<&Entry> {
        let e = self.map.get(key)?;
        if e.is_expired(now) {
            return None;
        }
        e.touch();
        Some(e)
    }

    /// The live entry at `key`, leaving its access time alone.
    pub fn peek_live(&self, key: &[u8], now: i64) -> Option<&Entry> {
        self.map.get(key).filter(|e| !e.is_expired(now))
    }

    /// Deletes `key` if it has expired; returns true if it did.
    pub fn expire_if_needed(&mut self, key: &[u8], now: i64) -> bool {
        match self.map.get(key) {
            Some(e) if e.is_expired(now) => {
                self.remove(key);
                true
            }
            _ => false,
        }
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Value> {
        self.map.get_mut(key).map(|e| {
            e.touch();
            &mut e.value
        })
    }

    pub fn insert(&mut self, key: Bytes, entry: Entry) -> Option<Entry> {
        let has_expiry = entry.has_expiry();
        let (key, old) = match self.map.get_full_mut(&key[..]) {
            Some((_, k, slot)) => (k.clone(), Some(std::mem::replace(slot, entry))),
            None => {
                // A new key gets its own allocation (see `value::owned`).
                let key = crate::value::owned(key);
                self.map.insert(key.clone(), entry);
                (key, None)
            }
        };
        if has_expiry {
            self.expires.insert(key);
        } else if old.as_ref().is_some_and(|e| e.has_expiry()) {
            self.expires.swap_remove(&key[..]);
        }
        old
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.map.swap_remove(key)?;
        if e.has_expiry() {
            self.expires.swap_remove(key);
        }
        Some(e)
    }

    pub fn set_expiry(&mut self, key: &[u8], at: i64) -> bool {
        let Some((_, k, e)) = self.map.get_full_mut(key) else { return false };
        if at == NO_EXPIRY {
            if e.has_expiry() {
                self.expires.swap_remove(key);
            }
        } else if !e.has_expiry() {
            self.expires.insert(k.clone());
        }
        e.expire_at = at;
        true
    }

    pub fn clear(&mut self) -> usize {
        let n = self.map.len();
        // Replace rather than clear so a huge table's memory goes back too.
        self.map = IndexMap::default();
        self.expires = IndexSet::default();
        n
    }

    pub fn for_each(&self, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        for (k, e) in &self.map {
            visit(k, e);
        }
    }

    /// Visits entries from position `top - 1` downwards, at most `count` of them; returns
    /// the position to continue from (0 = this shard is done). `top` is clamped to the length.
    pub fn scan_down(&self, top: usize, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> usize {
        let mut pos = top.min(self.map.len());
        let mut n = 0;
        while pos > 0 && n < count {
            pos -= 1;
            if let Some((k, e)) = self.map.get_index(pos) {
                visit(k, e);
            }
            n += 1;
        }
        pos
    }

    pub fn random_key(&self) -> Option<Bytes> {
        if self.map.is_empty() {
            return None;
        }
        let i = rand::thread_rng().gen_range(0..self.map.len());
        self.map.get_index(i).map(|(k, _)| k.clone())
    }

    /// Samples up to `count` keys with an expiry; deletes the expired ones into `expired`.
    pub fn expire_sample(&mut self, count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize {
        let n = count.min(self.expires.len());
        let mut rng = rand::thread_rng();
        for _ in 0..n {
            if self.expires.is_empty() {
                break;
            }
            let i = rng.gen_range(0..self.expires.len());
            let Some(key) = self.expires.get_index(i).cloned() else { break };
            match self.map.get(&key[..]) {
                Some(e) if e.is_expired(now) => {
                    self.remove(&key);
                    expired.push(key);
                }
                Some(e) if e.has_expiry() => {}
                // Out of date index entry: the key was persisted or deleted.
                _ => {
                    self.expires.swap_remove_index(i);
                }
            }
        }
        n
    }
}

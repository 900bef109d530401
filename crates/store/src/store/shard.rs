//! [`Shard`]: one slice of a database's keys with its expiry index. Single-threaded; the
//! stores wrap shards in whatever concurrency control they use.
//!
//! Keys live in a vector of records, so that a random key is an O(1) pick (RANDOMKEY, the
//! active expire cycle) and SCAN can walk positions: iterating positions from the top down
//! while deletions use `swap_remove` (which moves the *last* record into the hole) never
//! moves an unvisited record into the visited region, so every key present for a whole SCAN
//! is seen. An [`Index`] finds a key's position.
//!
//! The layout is chosen for a keyspace much bigger than the CPU caches, where a command's
//! cost is mostly the cache misses of its lookup: a lookup reads one index slot (which
//! holds part of the key's hash, so a slot of another key is almost never followed) and
//! one record, where a short key is stored inline ([`Key`]) and compared without following
//! a pointer. And because the index is ours, [`Shard::prefetch`] can start those reads for
//! a batch of keys at once, so that their misses overlap instead of following each other.

use bytes::Bytes;
use indexmap::IndexSet;
use rand::Rng;

use super::KeyHash;
use crate::compact::CompactBytes as Key;
use crate::prefetch::prefetch;
use crate::value::{Entry, Value, NO_EXPIRY};

type Hasher = ahash::RandomState;

/// One key and its entry.
#[derive(Debug)]
struct Record {
    key: Key,
    entry: Entry,
}

/// Where each key's record is: open addressing with linear probing over `u64` slots. A slot
/// is 0 (empty) or `tag << 32 | (position + 1)`, where `tag` is the high half of the key's
/// hash ([`KeyHash::tag`]) and the key's home slot is `tag & mask`. Probing compares tags
/// first, so it reads only the record of a key whose 32 hash bits match. Kept at most
/// [`Index::MAX_LOAD`] full; deletion shifts the following slots back (no tombstones), so a
/// probe never runs longer than the cluster it starts in.
#[derive(Default, Debug)]
struct Index {
    slots: Box<[u64]>,
    used: usize,
}

impl Index {
    /// Most slots in use, as a fraction: 7/10.
    const MAX_LOAD: (usize, usize) = (7, 10);
    const MIN_SLOTS: usize = 8;

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn position(slot: u64) -> usize {
        (slot as u32 - 1) as usize
    }

    fn tag(slot: u64) -> u32 {
        (slot >> 32) as u32
    }

    fn slot(tag: u32, position: usize) -> u64 {
        let position = u32::try_from(position + 1).expect("a shard holds fewer than 2^32 keys");
        (u64::from(tag) << 32) | u64::from(position)
    }

    /// The slot holding the position `is` accepts among those tagged `tag`.
    fn find(&self, tag: u32, mut is: impl FnMut(usize) -> bool) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.mask();
        let mut i = tag as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if Index::tag(s) == tag && is(Index::position(s)) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Records that the key tagged `tag` is at `position` (it must not be indexed yet).
    fn insert(&mut self, tag: u32, position: usize) {
        let (num, den) = Index::MAX_LOAD;
        if (self.used + 1) * den > self.slots.len() * num {
            self.grow();
        }
        self.put(Index::slot(tag, position));
        self.used += 1;
    }

    /// Stores `slot` in the first free slot from its home.
    fn put(&mut self, slot: u64) {
        let mask = self.mask();
        let mut i = Index::tag(slot) as usize & mask;
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(Index::MIN_SLOTS);
        assert!(size <= 1 << 32, "a shard's index holds at most 2^32 slots");
        let old = std::mem::replace(&mut self.slots, vec![0; size].into_boxed_slice());
        // The tag is the home: no key is hashed again.
        for s in old.iter().copied().filter(|&s| s != 0) {
            self.put(s);
        }
    }

    /// Empties slot `i`, moving back the slots after it that may now sit closer to their home.
    fn remove(&mut self, mut i: usize) {
        let mask = self.mask();
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let s = self.slots[j];
            if s == 0 {
                break;
            }
            let home = Index::tag(s) as usize & mask;
            // `s` may fill the hole when the hole lies between its home and where it is.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(i) & mask) {
                self.slots[i] = s;
                i = j;
            }
        }
        self.slots[i] = 0;
        self.used -= 1;
    }

    /// Points slot `i` at `position` instead.
    fn repoint(&mut self, i: usize, position: usize) {
        self.slots[i] = Index::slot(Index::tag(self.slots[i]), position);
    }

    /// Asks the CPU to start loading the home slot of `tag`.
    fn prefetch(&self, tag: u32) {
        if !self.slots.is_empty() {
            prefetch(&self.slots[tag as usize & self.mask()]);
        }
    }
}

#[derive(Default, Debug)]
pub struct Shard {
    records: Vec<Record>,
    index: Index,
    /// Keys that have an expiry: what the active expire cycle samples.
    expires: IndexSet<Key, Hasher>,
}

impl Shard {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// A copy of every entry (for a snapshot).
    pub fn entries(&self) -> Vec<(Bytes, Entry)> {
        self.records.iter().map(|r| (r.key.to_bytes(), r.entry.clone())).collect()
    }

    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The index slot and position of `key`'s record.
    fn find(&self, key: KeyHash<'_>) -> Option<(usize, usize)> {
        let mut found = 0;
        let slot = self.index.find(key.tag(), |p| {
            found = p;
            self.records[p].key.as_slice() == key.bytes
        })?;
        Some((slot, found))
    }

    fn entry(&self, key: KeyHash<'_>) -> Option<&Entry> {
        self.find(key).map(|(_, p)| &self.records[p].entry)
    }

    fn entry_mut(&mut self, key: KeyHash<'_>) -> Option<&mut Entry> {
        self.find(key).map(|(_, p)| &mut self.records[p].entry)
    }

    /// First step of a lookup of `key`, for a batch of keys: starts loading its index slot.
    /// Call [`Shard::prefetch_record`] for the batch next, then look the keys up.
    pub fn prefetch(&self, key: KeyHash<'_>) {
        self.index.prefetch(key.tag());
    }

    /// Second step (see [`Shard::prefetch`]): reads the key's probe run (the slots its first
    /// step loaded) and starts loading the record of the slot whose tag matches.
    pub fn prefetch_record(&self, key: KeyHash<'_>) {
        if let Some(slot) = self.index.find(key.tag(), |_| true) {
            if let Some(r) = self.records.get(Index::position(self.index.slots[slot])) {
                prefetch(r);
            }
        }
    }

    /// Third step (see [`Shard::prefetch`]): finds the record, by now in cache, and starts
    /// loading the bytes of its string value, which a read will copy into its reply.
    pub fn prefetch_value(&self, key: KeyHash<'_>) {
        if let Some(Entry { value: Value::Str(crate::value::RString::Raw(b)), .. }) = self.entry(key) {
            if let Some(first) = b.first() {
                prefetch(first);
            }
        }
    }

    /// The live entry at `key`, with its access time updated.
    pub fn get_live(&self, key: KeyHash<'_>, now: i64) -> Option<&Entry> {
        let e = self.entry(key)?;
        if e.is_expired(now) {
            return None;
        }
        e.touch_at(now);
        Some(e)
    }

    /// The live entry at `key`, leaving its access time alone.
    pub fn peek_live(&self, key: KeyHash<'_>, now: i64) -> Option<&Entry> {
        self.entry(key).filter(|e| !e.is_expired(now))
    }

    /// Deletes `key` if it has expired; returns true if it did.
    pub fn expire_if_needed(&mut self, key: KeyHash<'_>, now: i64) -> bool {
        match self.entry(key) {
            Some(e) if e.is_expired(now) => {
                self.remove(key);
                true
            }
            _ => false,
        }
    }

    /// The entry's value at `key`, with its access time set to `now`.
    pub fn get_mut(&mut self, key: KeyHash<'_>, now: i64) -> Option<&mut Value> {
        self.entry_mut(key).map(|e| {
            e.touch_at(now);
            &mut e.value
        })
    }

    pub fn insert(&mut self, key: KeyHash<'_>, entry: Entry) -> Option<Entry> {
        let has_expiry = entry.has_expiry();
        let old = match self.entry_mut(key) {
            Some(slot) => Some(std::mem::replace(slot, entry)),
            None => {
                // The key is copied out of the request (see `value::owned`).
                self.index.insert(key.tag(), self.records.len());
                self.records.push(Record { key: Key::from(key.bytes), entry });
                None
            }
        };
        if has_expiry {
            if !self.expires.contains(key.bytes) {
                self.expires.insert(Key::from(key.bytes));
            }
        } else if old.as_ref().is_some_and(|e| e.has_expiry()) {
            self.expires.swap_remove(key.bytes);
        }
        old
    }

    pub fn remove(&mut self, key: KeyHash<'_>) -> Option<Entry> {
        let (slot, position) = self.find(key)?;
        self.index.remove(slot);
        let last = self.records.len() - 1;
        let removed = self.records.swap_remove(position);
        if position != last {
            // The last record moved into the hole: point its slot at its new position.
            let moved = KeyHash::new(self.records[position].key.as_slice());
            let slot = self.index.find(moved.tag(), |p| p == last).expect("every record is indexed");
            self.index.repoint(slot, position);
        }
        if removed.entry.has_expiry() {
            self.expires.swap_remove(key.bytes);
        }
        Some(removed.entry)
    }

    pub fn set_expiry(&mut self, key: KeyHash<'_>, at: i64) -> bool {
        let Some((_, position)) = self.find(key) else { return false };
        let Record { key: k, entry: e } = &mut self.records[position];
        if at == NO_EXPIRY {
            if e.has_expiry() {
                self.expires.swap_remove(key.bytes);
            }
        } else if !e.has_expiry() {
            self.expires.insert(k.clone());
        }
        e.expire_at = at;
        true
    }

    pub fn clear(&mut self) -> usize {
        let n = self.records.len();
        // Replace rather than clear so a huge table's memory goes back too.
        *self = Shard::default();
        n
    }

    pub fn for_each(&self, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        for r in &self.records {
            visit(&r.key.to_bytes(), &r.entry);
        }
    }

    /// Visits entries from position `top - 1` downwards, at most `count` of them; returns
    /// the position to continue from (0 = this shard is done). `top` is clamped to the length.
    pub fn scan_down(&self, top: usize, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> usize {
        let mut pos = top.min(self.records.len());
        let mut n = 0;
        while pos > 0 && n < count {
            pos -= 1;
            let r = &self.records[pos];
            visit(&r.key.to_bytes(), &r.entry);
            n += 1;
        }
        pos
    }

    pub fn random_key(&self) -> Option<Bytes> {
        if self.records.is_empty() {
            return None;
        }
        let i = rand::thread_rng().gen_range(0..self.records.len());
        Some(self.records[i].key.to_bytes())
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
            let Some(key) = self.expires.get_index(i).map(Key::to_bytes) else { break };
            let hashed = KeyHash::new(&key);
            match self.entry(hashed) {
                Some(e) if e.is_expired(now) => {
                    self.remove(hashed);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn k(key: &[u8]) -> KeyHash<'_> {
        KeyHash::new(key)
    }

    /// Every key is found at the position of its record, and the index counts them all.
    fn check(shard: &Shard) {
        assert_eq!(shard.index.used, shard.records.len());
        for (p, r) in shard.records.iter().enumerate() {
            let (_, found) = shard.find(k(r.key.as_slice())).expect("indexed");
            assert_eq!(found, p);
        }
    }

    #[test]
    fn keys_longer_than_the_inline_limit_live_on_the_heap() {
        let long = vec![b'x'; crate::compact::INLINE_LEN + 1];
        assert!(matches!(Key::from(&long[..]), Key::Heap(_)));
        assert!(matches!(Key::from(&long[..crate::compact::INLINE_LEN]), Key::Inline { .. }));
        let mut shard = Shard::default();
        shard.insert(k(&long), Entry::new(Value::string(Bytes::from_static(b"v"))));
        assert!(shard.peek_live(k(&long), 0).is_some());
        assert!(shard.peek_live(k(&long[..crate::compact::INLINE_LEN]), 0).is_none());
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16),
        Remove(u16),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u16..300).prop_map(Op::Insert),
            4 => (0u16..300).prop_map(Op::Remove),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        /// Inserts and removes (which move the last record and shift probe clusters back)
        /// keep the shard equal to a map, and every record reachable through the index.
        #[test]
        fn shard_behaves_as_a_map(ops in proptest::collection::vec(op(), 1..400)) {
            let mut shard = Shard::default();
            let mut model: HashMap<Vec<u8>, i64> = HashMap::new();
            for (n, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Insert(i) => {
                        let key = format!("key:{i}").into_bytes();
                        let old = shard.insert(k(&key), Entry::new(Value::Str(crate::value::RString::Int(n as i64))));
                        prop_assert_eq!(old.is_some(), model.insert(key, n as i64).is_some());
                    }
                    Op::Remove(i) => {
                        let key = format!("key:{i}").into_bytes();
                        prop_assert_eq!(shard.remove(k(&key)).is_some(), model.remove(&key).is_some());
                    }
                    Op::Clear => {
                        prop_assert_eq!(shard.clear(), model.len());
                        model.clear();
                    }
                }
                check(&shard);
                prop_assert_eq!(shard.len(), model.len());
            }
            for (key, n) in &model {
                let e = shard.peek_live(k(key), 0).expect("present");
                prop_assert_eq!(&e.value, &Value::Str(crate::value::RString::Int(*n)));
            }
        }
    }
}

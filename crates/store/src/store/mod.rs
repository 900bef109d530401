//! Store implementations behind [`crate::keyspace::Store`].

mod gate;
mod hash_trie;
pub mod lockfree;
pub mod mutex;
mod shard;

pub use lockfree::LockFreeStore;
pub use mutex::MutexStore;

/// Number of shards per database. A power of two; enough that threads working on
/// different keys rarely meet on one lock: an MSET of ten keys locks ten shards, and at 32
/// shards one such writer preempted while holding them stopped most others (threaded MSET
/// at P=16: 136–139k requests/s at 32 shards, 204–227k at 256, Redis 173–220k). What locks
/// a whole database pays for each shard, so only what must be one atomic picture does (KEYS,
/// FLUSHDB, SORT ... BY); EXEC and DBSIZE lock none up front (see `mutex`'s module docs).
pub const SHARDS: usize = 256;

/// A key with its hash, computed once per access: the low bits pick the key's shard, the
/// high half ([`KeyHash::tag`]) finds it in the shard's index. Seeded at random once per
/// process: stable for the life of the store (SCAN cursors encode shard numbers), yet
/// unknown to clients, so they cannot choose keys that all collide.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyHash<'k> {
    pub bytes: &'k [u8],
    hash: u64,
}

impl<'k> KeyHash<'k> {
    pub fn new(bytes: &'k [u8]) -> KeyHash<'k> {
        static STATE: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
        KeyHash { bytes, hash: STATE.get_or_init(ahash::RandomState::new).hash_one(bytes) }
    }

    /// The key's shard, below [`SHARDS`].
    pub fn shard(&self) -> usize {
        self.hash as usize & (SHARDS - 1)
    }

    /// The hash bits a shard's index uses (independent of the shard bits).
    pub fn tag(&self) -> u32 {
        (self.hash >> 32) as u32
    }
}

#[cfg(test)]
mod concurrency_tests;
#[cfg(test)]
mod snapshot_tests;

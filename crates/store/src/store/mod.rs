//! Store implementations behind [`crate::keyspace::Store`].

mod hash_trie;
pub mod lockfree;
pub mod mutex;
mod shard;

pub use lockfree::LockFreeStore;
pub use mutex::MutexStore;

/// Number of shards per database. A power of two; enough that threads working on
/// different keys rarely meet on one lock, few enough that `Scope::All` (EXEC, FLUSHALL)
/// takes them all quickly.
pub const SHARDS: usize = 32;

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

//! Store implementations behind [`crate::keyspace::Store`].

pub mod lockfree;
pub mod mutex;
mod shard;

pub use lockfree::LockFreeStore;
pub use mutex::MutexStore;

/// Number of shards per database. A power of two; enough that threads working on
/// different keys rarely meet on one lock, few enough that `Scope::All` (EXEC, FLUSHALL)
/// takes them all quickly.
pub const SHARDS: usize = 32;

/// The hasher that picks a key's shard. Fixed seeds: shard choice must be stable for
/// the life of the store (and SCAN cursors encode shard numbers).
pub(crate) fn shard_of(key: &[u8]) -> usize {
    static STATE: ahash::RandomState = ahash::RandomState::with_seeds(0x7a6e, 0x64656d, 0x74616e, 0x2032);
    (STATE.hash_one(key) as usize) & (SHARDS - 1)
}

//! Collection value types: their data structures and invariants, independent of commands.

pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;

use std::hash::BuildHasher;
use std::sync::OnceLock;

/// The hasher of every collection's table (hash fields, set members, sorted-set members):
/// ahash keyed once per process. `ahash::RandomState` is 32 bytes of keys stored in every
/// table; this one is zero-sized, which is 32 bytes less per hash, set and sorted set (a
/// small collection is a few hundred bytes in all). The keys stay random per process, so
/// a client still cannot choose members that collide.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableHasher;

impl BuildHasher for TableHasher {
    type Hasher = ahash::AHasher;

    fn build_hasher(&self) -> ahash::AHasher {
        static KEYS: OnceLock<ahash::RandomState> = OnceLock::new();
        KEYS.get_or_init(ahash::RandomState::new).build_hasher()
    }
}

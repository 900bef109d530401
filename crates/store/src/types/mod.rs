//! Collection value types: their data structures and invariants, independent of commands.

pub mod hash;
pub mod list;
pub mod set;
pub mod stream;
pub mod zset;

/// Makes room for one more element in a compact collection's vector (a small hash or
/// sorted set, an intset): exactly one slot while it is tiny, then an eighth more, so that
/// no more than an eighth of it is ever empty and building it copies each element a
/// bounded number of times (a slot at a time would copy it once per later insert).
pub(crate) fn reserve_one<T>(v: &mut Vec<T>) {
    v.reserve_exact((v.len() / 8).max(1));
}

/// Gives back the room a compact collection's vector no longer needs once it is less than
/// half full (after a removal).
pub(crate) fn release_spare<T>(v: &mut Vec<T>) {
    if v.capacity() > 4 && v.len() * 2 < v.capacity() {
        v.shrink_to_fit();
    }
}

/// Where the entry keyed `key` is in a compact collection's vector of (key, _) pairs
/// (a small hash's fields, a small sorted set's members): a linear search, as Redis
/// searches a listpack.
pub(crate) fn position_of<T>(v: &[(crate::compact::CompactBytes, T)], key: &[u8]) -> Option<usize> {
    v.iter().position(|(k, _)| k.as_slice() == key)
}

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

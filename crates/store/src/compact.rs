//! [`CompactBytes`]: an immutable byte string that keeps short contents inline.
//!
//! Most keys, set members, hash fields and small string values are short ("user:1000",
//! "element:000000012345", "xxx"). Holding them as `Bytes` costs 32 bytes of handle plus a
//! heap allocation (at least 32 bytes with glibc's malloc) each, and a cache miss to reach the
//! bytes. A `CompactBytes` is 24 bytes: up to [`INLINE_LEN`] bytes live inside it, longer
//! ones in an exact-size allocation of their own. So a short string costs no allocation and
//! is compared without following a pointer, and an enum holding a `CompactBytes` can keep its
//! tag in the spare bits of `CompactBytes`'s own (a `Value` holding one is still 24 bytes).
//!
//! It hashes, compares and orders exactly as `[u8]` does, so hash tables of `CompactBytes`
//! are looked up with a `&[u8]` and sorted collections order members bytewise.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Longest byte string kept inline (the size of a `CompactBytes` is this plus two bytes of
/// length and tag, rounded to its 8-byte alignment).
pub const INLINE_LEN: usize = 22;

#[derive(Clone)]
pub enum CompactBytes {
    Inline { len: u8, bytes: [u8; INLINE_LEN] },
    Heap(Box<[u8]>),
}

impl CompactBytes {
    pub const EMPTY: CompactBytes = CompactBytes::Inline { len: 0, bytes: [0; INLINE_LEN] };

    pub fn as_slice(&self) -> &[u8] {
        match self {
            CompactBytes::Inline { len, bytes } => &bytes[..usize::from(*len)],
            CompactBytes::Heap(b) => b,
        }
    }

    /// The contents as `Bytes` (a copy: what callers keep must not borrow the owner).
    pub fn to_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self.as_slice())
    }

    /// Heap bytes this value owns beyond its own 24 (for memory accounting).
    pub fn heap_size(&self) -> usize {
        match self {
            CompactBytes::Inline { .. } => 0,
            CompactBytes::Heap(b) => b.len(),
        }
    }
}

impl Default for CompactBytes {
    fn default() -> CompactBytes {
        CompactBytes::EMPTY
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(data: &[u8]) -> CompactBytes {
        if data.len() <= INLINE_LEN {
            let mut bytes = [0; INLINE_LEN];
            bytes[..data.len()].copy_from_slice(data);
            CompactBytes::Inline { len: data.len() as u8, bytes }
        } else {
            CompactBytes::Heap(data.into())
        }
    }
}

impl<const N: usize> From<&[u8; N]> for CompactBytes {
    fn from(data: &[u8; N]) -> CompactBytes {
        CompactBytes::from(&data[..])
    }
}

impl From<&Bytes> for CompactBytes {
    fn from(data: &Bytes) -> CompactBytes {
        CompactBytes::from(&data[..])
    }
}

impl From<Bytes> for CompactBytes {
    fn from(data: Bytes) -> CompactBytes {
        CompactBytes::from(&data[..])
    }
}

impl From<Vec<u8>> for CompactBytes {
    fn from(data: Vec<u8>) -> CompactBytes {
        if data.len() <= INLINE_LEN {
            CompactBytes::from(&data[..])
        } else {
            CompactBytes::Heap(data.into_boxed_slice())
        }
    }
}

impl Deref for CompactBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for CompactBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Exactly as `[u8]` hashes, so a `&[u8]` finds its `CompactBytes`.
        self.as_slice().hash(state);
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &CompactBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

impl PartialEq<[u8]> for CompactBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &CompactBytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    fn cmp(&self, other: &CompactBytes) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl std::fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.as_slice().escape_ascii())
    }
}

/// A [`CompactBytes`] with one flag beside the bytes, in the same 24 bytes: up to
/// [`FLAGGED_INLINE_LEN`] bytes (one fewer than `CompactBytes`) live inline, the flag in a
/// byte both layouts leave spare. For an owner that must keep one fixed bit next to a key
/// and has no room for another word (the lock-free store's records: see `Record`).
#[derive(Clone)]
pub enum FlaggedBytes {
    Inline { flag: bool, len: u8, bytes: [u8; FLAGGED_INLINE_LEN] },
    Heap { flag: bool, bytes: Box<[u8]> },
}

/// Longest byte string a [`FlaggedBytes`] keeps inline.
pub const FLAGGED_INLINE_LEN: usize = INLINE_LEN - 1;

const _: () = assert!(std::mem::size_of::<FlaggedBytes>() == std::mem::size_of::<CompactBytes>());

impl FlaggedBytes {
    pub fn new(data: &[u8], flag: bool) -> FlaggedBytes {
        if data.len() <= FLAGGED_INLINE_LEN {
            let mut bytes = [0; FLAGGED_INLINE_LEN];
            bytes[..data.len()].copy_from_slice(data);
            FlaggedBytes::Inline { flag, len: data.len() as u8, bytes }
        } else {
            FlaggedBytes::Heap { flag, bytes: data.into() }
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        match self {
            FlaggedBytes::Inline { len, bytes, .. } => &bytes[..usize::from(*len)],
            FlaggedBytes::Heap { bytes, .. } => bytes,
        }
    }

    pub fn flag(&self) -> bool {
        match self {
            FlaggedBytes::Inline { flag, .. } | FlaggedBytes::Heap { flag, .. } => *flag,
        }
    }

    /// The contents as `Bytes` (a copy).
    pub fn to_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self.as_slice())
    }
}

impl std::fmt::Debug for FlaggedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\" (flag {})", self.as_slice().escape_ascii(), self.flag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_24_bytes_and_an_enum_around_it_needs_no_more() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        assert_eq!(std::mem::size_of::<Option<CompactBytes>>(), 24);
    }

    #[test]
    fn short_contents_are_inline_and_long_ones_on_the_heap() {
        let short = CompactBytes::from(&b"element:000000012345"[..]);
        assert!(matches!(short, CompactBytes::Inline { .. }));
        assert_eq!(&short[..], b"element:000000012345");
        let edge = CompactBytes::from(&[7u8; INLINE_LEN][..]);
        assert!(matches!(edge, CompactBytes::Inline { .. }));
        let long = CompactBytes::from(vec![7u8; INLINE_LEN + 1]);
        assert!(matches!(long, CompactBytes::Heap(_)));
        assert_eq!(long.len(), INLINE_LEN + 1);
        assert_eq!(CompactBytes::EMPTY.len(), 0);
    }

    #[test]
    fn flagged_bytes_keep_their_flag_and_bytes_inline_or_not() {
        for len in [0, 1, FLAGGED_INLINE_LEN, FLAGGED_INLINE_LEN + 1, 300] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for flag in [false, true] {
                let b = FlaggedBytes::new(&data, flag);
                assert_eq!(b.as_slice(), &data[..]);
                assert_eq!(b.flag(), flag);
                assert_eq!(matches!(b, FlaggedBytes::Inline { .. }), len <= FLAGGED_INLINE_LEN);
                assert_eq!(b.clone().to_bytes(), data);
            }
        }
    }

    #[test]
    fn hashes_compares_and_orders_as_its_bytes() {
        use std::collections::HashSet;
        let set: HashSet<CompactBytes> = [&b"a"[..], &[b'z'; 40][..]].into_iter().map(CompactBytes::from).collect();
        assert!(set.contains(&b"a"[..]));
        assert!(set.contains(&[b'z'; 40][..]));
        assert!(!set.contains(&b"b"[..]));
        let ordered = [&b""[..], b"\0", b"ab", &[b'b'; 30]].map(CompactBytes::from);
        assert!(ordered.windows(2).all(|w| w[0] < w[1]), "{ordered:?}");
    }
}

//! The hash value type: a map from field to value, both byte strings.
//!
//! Fields live in an `IndexMap` (a hash table over a vector of entries), which gives the
//! hash commands two things a plain hash map does not:
//!
//! - a uniformly random field in O(1) (HRANDFIELD): pick a position;
//! - a cursor scan (HSCAN) that returns every field present for the whole iteration, without
//!   keeping any state between calls: [`scan_positions`] walks positions from the top down,
//!   and removal uses `swap_remove`, which moves only the *last* entry into the hole. The
//!   last entry is either already visited (so at worst it is returned twice, which SCAN
//!   allows) or, when the walk is above the end, unvisited and moved to another unvisited
//!   position. New fields are appended, and changing a value keeps its position.
//!
//! Encoding: like Redis, a small hash is one packed array and a large one a table. Up to
//! [`SMALL_ENTRIES`] fields whose fields and values are at most [`SMALL_VALUE`] bytes
//! (Redis's default `hash-max-listpack-entries` and `-value`) live in one vector of pairs in
//! insertion order, searched linearly, which OBJECT ENCODING reports as `listpack`; HSCAN
//! returns such a hash whole in one step, as Redis scans a listpack, and removal keeps the
//! order of the rest. A hash that outgrows it moves to the `IndexMap` for good
//! (`hashtable`). A one-field hash was 389 bytes as a table against Redis's 122. The limits
//! are fixed: CONFIG accepts `hash-max-listpack-*` but they do not move them.
//!
//! Fields and values are stored as [`CompactBytes`], copies of the bytes handed in (usually
//! slices of a connection's read buffer, which a stored slice would keep alive). A field or
//! value of up to 22 bytes lives inside its table entry, so a lookup compares it without
//! following a pointer and storing it allocates nothing.

use indexmap::IndexMap;
use rand::Rng;

use crate::compact::CompactBytes;

type Hasher = super::TableHasher;

/// Most fields of a hash kept as one vector (Redis's `hash-max-listpack-entries`).
pub const SMALL_ENTRIES: usize = 512;
/// Longest field or value a hash kept as one vector may hold (`hash-max-listpack-value`).
pub const SMALL_VALUE: usize = 64;

/// A hash value. Never empty while stored under a key: commands delete the key instead.
#[derive(Clone, Debug)]
pub struct Hash {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// At most [`SMALL_ENTRIES`] pairs of at most [`SMALL_VALUE`] bytes each, in insertion order.
    Small(Vec<(CompactBytes, CompactBytes)>),
    Large(Box<IndexMap<CompactBytes, CompactBytes, Hasher>>),
}

impl Default for Hash {
    fn default() -> Hash {
        Hash { repr: Repr::Small(Vec::new()) }
    }
}

impl Hash {
    /// An empty hash in the large representation from the start (tests run both).
    #[doc(hidden)]
    pub fn new_large() -> Hash {
        Hash { repr: Repr::Large(Box::default()) }
    }

    /// The encoding OBJECT ENCODING reports (see the module documentation).
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Small(_) => "listpack",
            Repr::Large(_) => "hashtable",
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(v) => v.len(),
            Repr::Large(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Small(v) => super::position_of(v, field).map(|i| v[i].1.as_slice()),
            Repr::Large(m) => m.get(field).map(CompactBytes::as_slice),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Sets `field` to `value`, keeping the field's position if it exists. Returns true if
    /// the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        if field.len() > SMALL_VALUE || value.len() > SMALL_VALUE {
            self.grow();
        }
        match &mut self.repr {
            Repr::Small(v) => match super::position_of(v, field) {
                Some(i) => {
                    v[i].1 = CompactBytes::from(value);
                    false
                }
                None if v.len() < SMALL_ENTRIES => {
                    super::reserve_one(v);
                    v.push((CompactBytes::from(field), CompactBytes::from(value)));
                    true
                }
                None => {
                    self.grow();
                    self.insert(field, value)
                }
            },
            Repr::Large(m) => {
                // One lookup; an existing field keeps its stored copy and its position.
                let (_, old) = m.insert_full(CompactBytes::from(field), CompactBytes::from(value));
                old.is_none()
            }
        }
    }

    /// Moves a small hash to the table, for good, keeping the fields' order.
    fn grow(&mut self) {
        let Repr::Small(v) = &mut self.repr else { return };
        let map = std::mem::take(v).into_iter().collect();
        self.repr = Repr::Large(Box::new(map));
    }

    /// Removes `field`; returns true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Small(v) => {
                let Some(i) = super::position_of(v, field) else { return false };
                v.remove(i);
                super::release_spare(v);
                true
            }
            Repr::Large(m) => m.swap_remove(field).is_some(),
        }
    }

    /// Every field and value, in position order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let (small, large) = match &self.repr {
            Repr::Small(v) => (Some(v.iter().map(|(f, v)| (f, v))), None),
            Repr::Large(m) => (None, Some(m.iter())),
        };
        small.into_iter().flatten().chain(large.into_iter().flatten()).map(|(f, v)| (f.as_slice(), v.as_slice()))
    }

    /// A uniformly random field and its value; `None` if the hash is empty.
    pub fn random(&self) -> Option<(&[u8], &[u8])> {
        if self.is_empty() {
            return None;
        }
        self.get_index(rand::thread_rng().gen_range(0..self.len()))
    }

    /// The field and value at `position` (`0..len()`).
    pub fn get_index(&self, position: usize) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Small(v) => v.get(position).map(|(f, v)| (f.as_slice(), v.as_slice())),
            Repr::Large(m) => m.get_index(position).map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }

    /// One step of HSCAN: visits about `count` fields from `cursor` (see [`scan_positions`]);
    /// a small hash is visited whole in one step, as Redis scans a listpack.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Small(v) => {
                for (field, value) in v {
                    visit(field, value);
                }
                0
            }
            Repr::Large(m) => scan_positions(m.len(), cursor, count, |i| {
                if let Some((field, value)) = m.get_index(i) {
                    visit(field, value);
                }
            }),
        }
    }
}

/// Hashes are equal when they map the same fields to the same values, in any order.
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(f) == Some(v))
    }
}

/// One step of a cursor walk over positions `0..len` from the top down, for collections
/// whose removals only ever move the last element (`swap_remove`; see the module
/// documentation for why that makes the walk see every element present throughout).
///
/// Cursor 0 starts at the top; any other cursor continues below that position (clamped to
/// `len`, for a collection that shrank). Visits at most `count` positions and returns the
/// cursor to continue from, 0 when the walk is complete.
///
/// Each step takes the `count` positions below the cursor but visits them in ascending
/// order, so a collection that fits in one step comes back in insertion order (as Redis's
/// small listpack-encoded hashes and sorted sets do).
pub fn scan_positions(len: usize, cursor: u64, count: usize, visit: impl FnMut(usize)) -> u64 {
    let top = match cursor {
        0 => len,
        c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
    };
    let bottom = top.saturating_sub(count);
    (bottom..top).for_each(visit);
    bottom as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&str, &str)]) -> Hash {
        let mut h = Hash::default();
        for (f, v) in pairs {
            h.insert(f.as_bytes(), v.as_bytes());
        }
        h
    }

    #[test]
    fn insert_reports_new_fields_and_overwrites_values() {
        let mut h = Hash::default();
        assert!(h.insert(b"f", b"1"));
        assert!(!h.insert(b"f", b"2"));
        assert_eq!(h.get(b"f"), Some(&b"2"[..]));
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn stored_bytes_do_not_share_the_caller_buffer() {
        let buffer = [b'f'; 40];
        let mut h = Hash::default();
        h.insert(&buffer[..30], &buffer[30..]);
        let (f, v) = h.iter().next().expect("one field");
        assert_ne!(f.as_ptr(), buffer.as_ptr());
        assert_ne!(v.as_ptr(), buffer[30..].as_ptr());
        assert_eq!((f.len(), v.len()), (30, 10));
    }

    #[test]
    fn a_small_hash_grows_past_512_fields_or_a_65_byte_field_or_value_and_stays_grown() {
        let mut h = Hash::default();
        for i in 0..SMALL_ENTRIES {
            h.insert(format!("f{i}").as_bytes(), b"v");
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.insert(b"f0", b"new value"), "an existing field is no new field");
        assert_eq!(h.encoding(), "listpack");
        assert!(h.insert(b"one-more", b"v"));
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), SMALL_ENTRIES + 1);
        assert_eq!(h.iter().next(), Some((&b"f0"[..], &b"new value"[..])), "order is kept");
        for i in 0..SMALL_ENTRIES {
            h.remove(format!("f{i}").as_bytes());
        }
        assert_eq!(h.encoding(), "hashtable", "a hash never shrinks back");

        let long = [b'x'; SMALL_VALUE + 1];
        let mut h = hash(&[("a", "1")]);
        h.insert(b"a", &long[..SMALL_VALUE]);
        assert_eq!(h.encoding(), "listpack");
        h.insert(b"a", &long);
        assert_eq!(h.encoding(), "hashtable", "a long value, even for an existing field");
        let mut h = hash(&[("a", "1")]);
        h.insert(&long, b"1");
        assert_eq!(h.encoding(), "hashtable", "a long field");
        assert_eq!(h.get(&long), Some(&b"1"[..]));
    }

    #[test]
    fn a_small_hash_keeps_insertion_order_through_removals_and_scans_whole() {
        let mut h = hash(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]);
        h.remove(b"b");
        let fields: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, [&b"a"[..], b"c", b"d"]);
        let mut seen = Vec::new();
        assert_eq!(h.scan(0, 1, |f, _| seen.push(f.to_vec())), 0);
        assert_eq!(seen, [b"a".to_vec(), b"c".to_vec(), b"d".to_vec()]);
    }

    #[test]
    fn equality_ignores_order() {
        let a = hash(&[("a", "1"), ("b", "2")]);
        let b = hash(&[("b", "2"), ("a", "1")]);
        assert_eq!(a, b);
        assert_ne!(a, hash(&[("a", "1"), ("b", "3")]));
        assert_ne!(a, hash(&[("a", "1")]));
        let mut large = Hash::new_large();
        large.insert(b"b", b"2");
        large.insert(b"a", b"1");
        assert_eq!(large, a);
    }

    #[test]
    fn scan_positions_walks_down_in_steps() {
        let mut seen = Vec::new();
        let next = scan_positions(5, 0, 2, |i| seen.push(i));
        assert_eq!((next, &seen[..]), (3, &[3, 4][..]));
        let next = scan_positions(5, next, 2, |i| seen.push(i));
        let next = scan_positions(5, next, 2, |i| seen.push(i));
        assert_eq!((next, &seen[..]), (0, &[3, 4, 1, 2, 0][..]));
        assert_eq!(scan_positions(2, 100, 10, |_| {}), 0, "a cursor past the end is clamped");
    }

    #[test]
    fn scan_sees_every_field_present_throughout_despite_removals() {
        let mut h = Hash::new_large();
        for i in 0..100 {
            h.insert(i.to_string().as_bytes(), b"");
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut removed = 0;
        loop {
            cursor = h.scan(cursor, 7, |f, _| {
                seen.insert(f.to_vec());
            });
            // Remove fields below and above the cursor between steps.
            for victim in [removed * 2, 99 - removed * 2] {
                h.remove(victim.to_string().as_bytes());
            }
            removed += 1;
            if cursor == 0 {
                break;
            }
        }
        for (f, _) in h.iter() {
            assert!(seen.contains(f), "{f:?} was present throughout but not returned");
        }
    }
}

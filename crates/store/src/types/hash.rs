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
//! OBJECT ENCODING reports `hashtable` for every hash. Redis keeps small hashes in a
//! `listpack` (one packed buffer searched linearly); Tandem has no such structure, so it
//! says what it has rather than borrow the name.
//!
//! Fields and values are stored as [`CompactBytes`], copies of the bytes handed in (usually
//! slices of a connection's read buffer, which a stored slice would keep alive). A field or
//! value of up to 22 bytes lives inside its table entry, so a lookup compares it without
//! following a pointer and storing it allocates nothing.

use indexmap::IndexMap;
use rand::Rng;

use crate::compact::CompactBytes;

type Hasher = super::TableHasher;

/// A hash value. Never empty while stored under a key: commands delete the key instead.
#[derive(Clone, Debug, Default)]
pub struct Hash {
    map: IndexMap<CompactBytes, CompactBytes, Hasher>,
}

impl Hash {
    /// The encoding OBJECT ENCODING reports (see the module documentation).
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.map.get(field).map(CompactBytes::as_slice)
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.map.contains_key(field)
    }

    /// Sets `field` to `value`, keeping the field's position if it exists. Returns true if
    /// the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        // One lookup; an existing field keeps its stored copy and its position.
        let (_, old) = self.map.insert_full(CompactBytes::from(field), CompactBytes::from(value));
        old.is_none()
    }

    /// Removes `field`; returns true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        self.map.swap_remove(field).is_some()
    }

    /// Every field and value, in position order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.map.iter().map(|(f, v)| (f.as_slice(), v.as_slice()))
    }

    /// A uniformly random field and its value; `None` if the hash is empty.
    pub fn random(&self) -> Option<(&[u8], &[u8])> {
        if self.map.is_empty() {
            return None;
        }
        self.get_index(rand::thread_rng().gen_range(0..self.map.len()))
    }

    /// The field and value at `position` (`0..len()`).
    pub fn get_index(&self, position: usize) -> Option<(&[u8], &[u8])> {
        self.map.get_index(position).map(|(f, v)| (f.as_slice(), v.as_slice()))
    }

    /// One step of HSCAN: visits about `count` fields from `cursor` (see [`scan_positions`]).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], &[u8])) -> u64 {
        scan_positions(self.map.len(), cursor, count, |i| {
            if let Some((field, value)) = self.get_index(i) {
                visit(field, value);
            }
        })
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
    fn equality_ignores_order() {
        let a = hash(&[("a", "1"), ("b", "2")]);
        let b = hash(&[("b", "2"), ("a", "1")]);
        assert_eq!(a, b);
        assert_ne!(a, hash(&[("a", "1"), ("b", "3")]));
        assert_ne!(a, hash(&[("a", "1")]));
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
        let mut h = Hash::default();
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

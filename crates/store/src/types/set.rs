//! The set value type: a set of distinct byte strings, in one of two representations, as in
//! Redis 7.0:
//!
//! - **intset** while every member is an integer (the canonical decimal form of an i64, as
//!   `string2ll` accepts it) and there are at most `set-max-intset-entries` of them: a sorted
//!   `Vec<i64>` searched by bisection. That is Redis's intset, minus its choice of 16-, 32- or
//!   64-bit slots, so OBJECT ENCODING reports `intset`. Members come back in numeric order
//!   (SMEMBERS of `3 1 2` is `1 2 3`, as in Redis).
//! - **hashtable** otherwise: an `IndexSet` (a hash table over a vector of members), reported
//!   as `hashtable`. A set converts once, on the insert that breaks the intset rules, and
//!   never back (nor does Redis's).
//!
//! Both give a uniformly random member in O(1) (SPOP, SRANDMEMBER): pick a position. SSCAN
//! returns a whole intset at once with cursor 0, as Redis does, since inserting into a sorted
//! vector moves members across any cursor position; a hashtable is walked by
//! [`scan_positions`], which sees every member present for the whole iteration because
//! removal uses `swap_remove` (see `types::hash`).
//!
//! Hashtable members are stored as [`CompactBytes`], copies of the bytes handed in (usually
//! slices of a connection's read buffer): a member of up to 22 bytes lives inside the table
//! entry, so a lookup compares it without following a pointer and adding it allocates
//! nothing. Members handed out are `Bytes` copies (or integers formatted as decimal).

use bytes::Bytes;
use indexmap::IndexSet;
use rand::Rng;

use super::hash::scan_positions;
use crate::compact::CompactBytes;
use crate::num::{i64_bytes, parse_i64};

type Hasher = super::TableHasher;

/// A set value. Never empty while stored under a key: commands delete the key instead.
#[derive(Clone, Debug)]
pub struct Set {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    /// Sorted and distinct, in an allocation of exactly their size.
    Ints(Vec<i64>),
    Table(IndexSet<CompactBytes, Hasher>),
}

/// An empty intset: what Redis creates for a set whose first member is still to come.
impl Default for Set {
    fn default() -> Set {
        Set { repr: Repr::Ints(Vec::new()) }
    }
}

impl Set {
    /// The encoding OBJECT ENCODING reports (see the module documentation).
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Ints(_) => "intset",
            Repr::Table(_) => "hashtable",
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(v) => v.len(),
            Repr::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(v) => parse_i64(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Repr::Table(t) => t.contains(member),
        }
    }

    /// Adds `member`; returns true if it was not there. An intset becomes a hashtable when
    /// `member` is not an integer, or when it would hold more than `max_intset` members.
    pub fn insert(&mut self, member: &[u8], max_intset: usize) -> bool {
        let v = match &mut self.repr {
            Repr::Table(t) => return t.insert(CompactBytes::from(member)),
            Repr::Ints(v) => v,
        };
        let Some(n) = parse_i64(member) else {
            self.convert();
            return self.insert(member, max_intset);
        };
        let Err(at) = v.binary_search(&n) else { return false };
        super::reserve_one(v);
        v.insert(at, n);
        if v.len() > max_intset {
            self.convert();
        }
        true
    }

    /// Removes `member`; returns true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(v) => match parse_i64(member).map(|n| v.binary_search(&n)) {
                Some(Ok(at)) => {
                    v.remove(at);
                    true
                }
                _ => false,
            },
            Repr::Table(t) => t.swap_remove(member),
        }
    }

    /// The member at `position` (`0..len()`).
    pub fn get_index(&self, position: usize) -> Option<Bytes> {
        match &self.repr {
            Repr::Ints(v) => v.get(position).map(|&n| i64_bytes(n)),
            Repr::Table(t) => t.get_index(position).map(CompactBytes::to_bytes),
        }
    }

    /// A uniformly random member; `None` if the set is empty.
    pub fn random(&self) -> Option<Bytes> {
        self.get_index(self.random_position()?)
    }

    /// Removes and returns a uniformly random member; `None` if the set is empty.
    pub fn pop_random(&mut self) -> Option<Bytes> {
        let position = self.random_position()?;
        match &mut self.repr {
            Repr::Ints(v) => Some(i64_bytes(v.remove(position))),
            Repr::Table(t) => t.swap_remove_index(position).map(|m| m.to_bytes()),
        }
    }

    fn random_position(&self) -> Option<usize> {
        let len = self.len();
        (len > 0).then(|| rand::thread_rng().gen_range(0..len))
    }

    /// Every member: numeric order for an intset, position order for a hashtable.
    pub fn iter(&self) -> Members<'_> {
        match &self.repr {
            Repr::Ints(v) => Members::Ints(v.iter()),
            Repr::Table(t) => Members::Table(t.iter()),
        }
    }

    /// One step of SSCAN: visits about `count` members from `cursor` and returns the cursor
    /// to continue from, 0 when done. An intset is visited whole (see the module docs).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(Bytes)) -> u64 {
        match &self.repr {
            Repr::Ints(v) => {
                v.iter().for_each(|&n| visit(i64_bytes(n)));
                0
            }
            Repr::Table(t) => scan_positions(t.len(), cursor, count, |i| {
                if let Some(m) = t.get_index(i) {
                    visit(m.to_bytes());
                }
            }),
        }
    }

    /// Turns an intset into a hashtable of the same members, in the same order.
    fn convert(&mut self) {
        if let Repr::Ints(v) = &self.repr {
            let table = v.iter().map(|&n| CompactBytes::from(&i64_bytes(n))).collect();
            self.repr = Repr::Table(table);
        }
    }
}

/// Sets are equal when they have the same members, whatever their order or encoding.
impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        match (&self.repr, &other.repr) {
            (Repr::Ints(a), Repr::Ints(b)) => a == b,
            _ => self.len() == other.len() && self.iter().all(|m| other.contains(&m)),
        }
    }
}

/// The members of a [`Set`], as [`Set::iter`] yields them (integers formatted as decimal).
pub enum Members<'a> {
    Ints(std::slice::Iter<'a, i64>),
    Table(indexmap::set::Iter<'a, CompactBytes>),
}

impl Iterator for Members<'_> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        match self {
            Members::Ints(it) => it.next().map(|&n| i64_bytes(n)),
            Members::Table(it) => it.next().map(CompactBytes::to_bytes),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Members::Ints(it) => it.size_hint(),
            Members::Table(it) => it.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(members: &[&str], max_intset: usize) -> Set {
        let mut s = Set::default();
        for m in members {
            s.insert(m.as_bytes(), max_intset);
        }
        s
    }

    fn members(s: &Set) -> Vec<String> {
        s.iter().map(|m| String::from_utf8_lossy(&m).into_owned()).collect()
    }

    #[test]
    fn integers_make_a_sorted_intset() {
        let s = set(&["3", "-1", "2", "3"], 512);
        assert_eq!(s.encoding(), "intset");
        assert_eq!(members(&s), ["-1", "2", "3"]);
        assert!(s.contains(b"2"));
        assert!(!s.contains(b"02"), "02 is not the integer 2's canonical form");
    }

    #[test]
    fn a_non_integer_member_converts_to_a_hashtable() {
        for odd in ["a", "01", "-0", "+1", " 1", "9223372036854775808"] {
            let mut s = set(&["1", "2"], 512);
            assert!(s.insert(odd.as_bytes(), 512));
            assert_eq!(s.encoding(), "hashtable", "{odd:?}");
            assert!(s.contains(odd.as_bytes()) && s.contains(b"1") && s.contains(b"2"));
            assert_eq!(s.len(), 3);
        }
    }

    #[test]
    fn too_many_integers_convert_to_a_hashtable() {
        let s = set(&["1", "2", "3"], 3);
        assert_eq!(s.encoding(), "intset");
        let mut s = s;
        s.insert(b"4", 3);
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn a_hashtable_never_converts_back() {
        let mut s = set(&["1", "a"], 512);
        assert!(s.remove(b"a"));
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn equality_ignores_order_and_encoding() {
        let ints = set(&["1", "2"], 512);
        let table = set(&["2", "1"], 0);
        assert_eq!(table.encoding(), "hashtable");
        assert_eq!(ints, table);
        assert_ne!(ints, set(&["1", "3"], 512));
    }

    #[test]
    fn pop_random_empties_the_set_member_by_member() {
        for max_intset in [512, 0] {
            let mut s = set(&["1", "2", "3"], max_intset);
            let mut popped: Vec<Bytes> = std::iter::from_fn(|| s.pop_random()).collect();
            popped.sort();
            assert_eq!(popped, [&b"1"[..], b"2", b"3"]);
            assert!(s.is_empty());
        }
    }

    #[test]
    fn an_intset_scans_whole() {
        let s = set(&["1", "2", "3"], 512);
        let mut seen = Vec::new();
        assert_eq!(s.scan(0, 1, |m| seen.push(m)), 0);
        assert_eq!(seen.len(), 3);
    }
}

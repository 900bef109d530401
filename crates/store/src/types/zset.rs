//! The sorted set value type: members ordered by score, then by member bytes.
//!
//! Like Redis's `zset` (`t_zset.c`), a [`ZSet`] keeps every member twice:
//! - a hash table member → score, for O(1) ZSCORE and membership tests. It is an
//!   `IndexMap` whose removals `swap_remove`, exactly like `types::hash`, so that ZSCAN can
//!   walk positions with `scan_positions` (seeing every member present for the whole scan)
//!   and ZRANDMEMBER picks a uniformly random member in O(1);
//! - an order of (score, member) entries with subtree counts, for O(log N) insert, delete,
//!   rank, access by rank, and the first position of a score or lexical range, then O(1)
//!   per step in either direction.
//!
//! Redis keeps that order in a skiplist; Tandem keeps it in an order-statistic B+tree
//! ([`tree`]), because a score change (what ZADD on a large set mostly is) is two descents,
//! and a B+tree descent misses the cache a few times where a skiplist's misses at almost
//! every step. See the `tree` module for its shape and invariants.
//!
//! Encoding: like Redis, a small sorted set is one packed array and a large one the hash plus
//! the order. Up to [`SMALL_ENTRIES`] members of up to [`SMALL_MEMBER`] bytes (Redis's
//! default `zset-max-listpack-entries` and `-value`) live in one vector of (member, score)
//! in rank order, searched linearly by member and by binary search by rank or range, which
//! OBJECT ENCODING reports as `listpack`; a set that outgrows it moves to the hash and tree
//! for good (`skiplist`), as Redis's does. A one-member set was 725 bytes in the hash and
//! tree (empty tables, leaf arenas) against Redis's 105. The limits are fixed: CONFIG
//! accepts `zset-max-listpack-*` but they do not move them.
//!
//! Scores are never NaN (the command layer rejects NaN before it gets here). `-0` and `0`
//! compare equal, as they do in Redis, so they tie and the member decides the order; a
//! stored `-0` stays `-0`, as in Redis's skiplist encoding (its listpack reads it back as 0).
//!
//! Members are stored as [`CompactBytes`], copies of the bytes handed in (usually slices of
//! a connection's read buffer, which a stored slice would keep alive). The hash table and
//! the tree each hold one: a member of up to 22 bytes lives inside the table entry and the
//! tree's leaf (no allocation, no pointer to follow when comparing), a longer one costs an
//! allocation in each.

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use indexmap::IndexMap;

use super::hash::scan_positions;
use crate::compact::CompactBytes;

mod tree;

use tree::Tree;

/// Most children of an inner node of the order; a leaf holds up to twice as many entries
/// (64 scores are 8 cache lines, searched in 6 steps).
const FANOUT: usize = 32;

/// Most members of a sorted set kept as one vector (Redis's `zset-max-listpack-entries`).
pub const SMALL_ENTRIES: usize = 128;
/// Longest member a sorted set kept as one vector may hold (`zset-max-listpack-value`).
pub const SMALL_MEMBER: usize = 64;

/// A sorted set value. See the module documentation.
#[derive(Clone)]
pub struct ZSet {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// At most [`SMALL_ENTRIES`] members of at most [`SMALL_MEMBER`] bytes, in rank order.
    Small(Vec<(CompactBytes, f64)>),
    Large(Box<Large>),
}

/// A large sorted set: the hash member → score and the order (see the module docs).
#[derive(Clone, Default)]
struct Large {
    scores: IndexMap<CompactBytes, f64, super::TableHasher>,
    order: Tree<FANOUT>,
}

impl Default for ZSet {
    fn default() -> ZSet {
        ZSet { repr: Repr::Small(Vec::new()) }
    }
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// An empty set in the large representation from the start (tests run both).
    #[doc(hidden)]
    pub fn new_large() -> ZSet {
        ZSet { repr: Repr::Large(Box::default()) }
    }

    /// The encoding OBJECT ENCODING reports (see the module documentation).
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Small(_) => "listpack",
            Repr::Large(_) => "skiplist",
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(v) => v.len(),
            Repr::Large(l) => l.scores.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `member`: O(1) in a large set, a scan of at most [`SMALL_ENTRIES`] in a
    /// small one.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Small(v) => super::position_of(v, member).map(|i| v[i].1),
            Repr::Large(l) => l.scores.get(member).copied(),
        }
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.score(member).is_some()
    }

    /// Sets the score of `member`, adding it if it is new (as a copy of its bytes); returns
    /// the score it had. Setting a score equal to the current one changes nothing.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        debug_assert!(!score.is_nan(), "a sorted set score is never NaN");
        let Repr::Small(v) = &mut self.repr else { return self.large_insert(member, score) };
        match super::position_of(v, member) {
            // Equal scores include 0 over -0: the stored -0 stays (see the module docs).
            Some(i) if v[i].1 == score => Some(v[i].1),
            Some(i) => {
                let (stored, old) = v.remove(i);
                let at = v.partition_point(|(m, s)| tree::before(*s, m, score, member));
                v.insert(at, (stored, score));
                Some(old)
            }
            None if v.len() < SMALL_ENTRIES && member.len() <= SMALL_MEMBER => {
                let at = v.partition_point(|(m, s)| tree::before(*s, m, score, member));
                super::reserve_one(v);
                v.insert(at, (CompactBytes::from(member), score));
                None
            }
            None => {
                self.grow();
                self.large_insert(member, score)
            }
        }
    }

    /// Moves a small set to the large representation, for good.
    fn grow(&mut self) {
        let Repr::Small(v) = &mut self.repr else { return };
        let mut large = Large::default();
        for (member, score) in std::mem::take(v) {
            large.scores.insert(member.clone(), score);
            large.order.insert(score, member);
        }
        self.repr = Repr::Large(Box::new(large));
    }

    fn large_insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        let Repr::Large(l) = &mut self.repr else { unreachable!("large_insert on a small set") };
        // One hash lookup whether the member is new or not.
        let (index, old) = l.scores.insert_full(CompactBytes::from(member), score);
        match old {
            None => l.order.insert(score, CompactBytes::from(member)),
            // Equal scores include 0 over -0: the stored -0 stays (see the module docs).
            Some(old) if old == score => l.scores[index] = old,
            Some(old) => {
                let stored = l.order.remove(old, member);
                debug_assert!(stored.is_some(), "hash and tree disagree");
                l.order.insert(score, stored.unwrap_or_else(|| CompactBytes::from(member)));
            }
        }
        old
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Small(v) => {
                let (_, score) = v.remove(super::position_of(v, member)?);
                super::release_spare(v);
                Some(score)
            }
            Repr::Large(l) => {
                let (member, score) = l.scores.swap_remove_entry(member)?;
                let removed = l.order.remove(score, &member);
                debug_assert!(removed.is_some(), "hash and tree disagree");
                l.after_removal();
                Some(score)
            }
        }
    }

    /// The 0-based position of `member` in ascending order, in O(log N) (large) or a scan
    /// (small).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Small(v) => super::position_of(v, member),
            Repr::Large(l) => l.order.rank(*l.scores.get(member)?, member),
        }
    }

    /// The member at 0-based position `rank` in ascending order, in O(log N).
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Small(v) => v.get(rank).map(|(m, s)| (m.as_slice(), *s)),
            Repr::Large(l) => l.order.get(rank),
        }
    }

    /// The member at `position` of the hash table (not a rank; in a small set it is the
    /// rank): with a random position, a uniformly random member in O(1).
    pub fn get_index(&self, position: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Small(_) => self.get(position),
            Repr::Large(l) => l.scores.get_index(position).map(|(m, s)| (m.as_slice(), *s)),
        }
    }

    /// One step of ZSCAN: visits about `count` members from `cursor` (see
    /// `types::hash::scan_positions`) and returns the cursor to continue from, 0 when done.
    /// A small set is visited whole in one step, as Redis scans a listpack.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Small(v) => {
                for (member, score) in v {
                    visit(member, *score);
                }
                0
            }
            Repr::Large(l) => scan_positions(l.scores.len(), cursor, count, |i| {
                if let Some((member, score)) = l.scores.get_index(i) {
                    visit(member, *score);
                }
            }),
        }
    }

    /// The lowest-ranked member.
    pub fn first(&self) -> Option<(&[u8], f64)> {
        self.iter().next()
    }

    /// The highest-ranked member.
    pub fn last(&self) -> Option<(&[u8], f64)> {
        self.iter().next_back()
    }

    /// Every member in ascending order (`.rev()` for descending).
    pub fn iter(&self) -> Iter<'_> {
        self.range(0..self.len())
    }

    /// The members at positions `ranks` in ascending order (`.rev()` walks them from the
    /// end), clamped to the set. Finding the ends is O(log N); each step is O(1).
    pub fn range(&self, ranks: Range<usize>) -> Iter<'_> {
        match &self.repr {
            Repr::Small(v) => {
                let end = ranks.end.min(v.len());
                let start = ranks.start.min(end);
                Iter(IterRepr::Small(v[start..end].iter()))
            }
            Repr::Large(l) => Iter(IterRepr::Large(l.order.range(ranks.start, ranks.end))),
        }
    }

    /// How many members from the start satisfy `holds(score, member)`, which must hold
    /// for a prefix of the order, in O(log N).
    fn count_while(&self, holds: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Small(v) => v.partition_point(|(m, s)| holds(*s, m)),
            Repr::Large(l) => l.order.count_while(holds),
        }
    }

    /// The positions of the members whose score is within `range`, in O(log N).
    pub fn score_ranks(&self, range: &ScoreRange) -> Range<usize> {
        if range.is_empty() {
            return 0..0;
        }
        let start = self.count_while(|score, _| !range.above_min(score));
        let end = self.count_while(|score, _| range.below_max(score));
        start..end.max(start)
    }

    /// The positions of the members within the lexical `range`, in O(log N). Meaningful
    /// when all members have the same score (as in Redis, the result is otherwise
    /// unspecified).
    pub fn lex_ranks(&self, range: &LexRange) -> Range<usize> {
        if range.is_empty() {
            return 0..0;
        }
        let start = self.count_while(|_, member| !range.above_min(member));
        let end = self.count_while(|_, member| range.below_max(member));
        start..end.max(start)
    }

    /// Removes the members at positions `ranks`, returning how many were removed, in
    /// O(log N + M) for M removed.
    pub fn remove_range(&mut self, ranks: Range<usize>) -> usize {
        match &mut self.repr {
            Repr::Small(v) => {
                let end = ranks.end.min(v.len());
                let start = ranks.start.min(end);
                v.drain(start..end);
                super::release_spare(v);
                end - start
            }
            Repr::Large(l) => {
                // The tree clamps `ranks` to the set.
                let scores = &mut l.scores;
                let removed = l.order.remove_ranks(ranks.start, ranks.end, |member| {
                    scores.swap_remove(&member[..]);
                });
                if removed > 0 {
                    l.after_removal();
                }
                removed
            }
        }
    }

    /// Removes and returns the lowest-ranked member.
    pub fn pop_first(&mut self) -> Option<(Bytes, f64)> {
        let (member, score) = self.first().map(|(m, s)| (Bytes::copy_from_slice(m), s))?;
        self.remove(&member);
        Some((member, score))
    }

    /// Removes and returns the highest-ranked member.
    pub fn pop_last(&mut self) -> Option<(Bytes, f64)> {
        let (member, score) = self.last().map(|(m, s)| (Bytes::copy_from_slice(m), s))?;
        self.remove(&member);
        Some((member, score))
    }

    /// Checks every structural invariant (a small set's order and limits; the tree's, and
    /// hash and tree agreeing), panicking on the first violation. For tests; O(N · levels).
    #[doc(hidden)]
    pub fn assert_consistent(&self) {
        match &self.repr {
            Repr::Small(v) => {
                assert!(v.len() <= SMALL_ENTRIES, "small set of {} members", v.len());
                for pair in v.windows(2) {
                    let ((m1, s1), (m2, s2)) = (&pair[0], &pair[1]);
                    assert!(tree::before(*s1, m1, *s2, m2), "order broken at {m2:?}");
                }
                assert!(v.iter().all(|(m, _)| m.len() <= SMALL_MEMBER), "a long member in a small set");
            }
            Repr::Large(l) => {
                l.order.assert_consistent();
                assert_eq!(l.order.len(), l.scores.len(), "tree and hash sizes differ");
                for (member, score) in self.iter() {
                    assert_eq!(
                        l.scores.get(member).map(|s| s.to_bits()),
                        Some(score.to_bits()),
                        "hash disagrees on {member:?}"
                    );
                }
            }
        }
    }

    /// The hash table's capacity (large sets; 0 for small ones). For tests.
    #[cfg(test)]
    fn table_capacity(&self) -> usize {
        match &self.repr {
            Repr::Small(_) => 0,
            Repr::Large(l) => l.scores.capacity(),
        }
    }
}

impl Large {
    /// Releases memory a shrinking set no longer needs (after every removal).
    fn after_removal(&mut self) {
        let capacity = self.scores.capacity();
        if capacity > 64 && self.scores.len() * 8 < capacity {
            self.scores.shrink_to_fit();
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.iter().all(|(m, s)| other.score(m) == Some(s))
    }
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<M: AsRef<[u8]>> FromIterator<(M, f64)> for ZSet {
    fn from_iter<I: IntoIterator<Item = (M, f64)>>(iter: I) -> ZSet {
        let mut z = ZSet::new();
        for (member, score) in iter {
            z.insert(member.as_ref(), score);
        }
        z
    }
}

/// An inclusive or exclusive score interval, as ZRANGEBYSCORE's `min max` (`(1.5` is
/// exclusive, `-inf`/`+inf` are the ends).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// True if no score can be within the range (Redis's `zslIsInRange` first test).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }

    /// True if `score` is not below the range.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// True if `score` is not above the range.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }

    pub fn contains(&self, score: f64) -> bool {
        self.above_min(score) && self.below_max(score)
    }
}

/// One end of a lexical range, as ZRANGEBYLEX takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Lowest,
    /// `+`: above every member.
    Highest,
    /// `[member`
    Inclusive(Bytes),
    /// `(member`
    Exclusive(Bytes),
}

/// A lexical interval of members (`[a (c`, `- +`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    /// True if no member can be within the range (Redis's `zslIsInLexRange` first test:
    /// `-` and `+` are exclusive ends, so `- -` and `+ +` are empty too).
    pub fn is_empty(&self) -> bool {
        use std::cmp::Ordering::*;
        use LexBound::*;
        let (order, exclusive) = match (&self.min, &self.max) {
            (Lowest, Lowest) | (Highest, Highest) => (Equal, true),
            (Lowest, _) | (_, Highest) => (Less, false),
            (Highest, _) | (_, Lowest) => (Greater, false),
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => {
                (a.cmp(b), matches!(self.min, Exclusive(_)) || matches!(self.max, Exclusive(_)))
            }
        };
        order == Greater || (order == Equal && exclusive)
    }

    /// True if `member` is not below the range.
    pub fn above_min(&self, member: &[u8]) -> bool {
        match &self.min {
            LexBound::Lowest => true,
            LexBound::Highest => false,
            LexBound::Inclusive(m) => member >= &m[..],
            LexBound::Exclusive(m) => member > &m[..],
        }
    }

    /// True if `member` is not above the range.
    pub fn below_max(&self, member: &[u8]) -> bool {
        match &self.max {
            LexBound::Lowest => false,
            LexBound::Highest => true,
            LexBound::Inclusive(m) => member <= &m[..],
            LexBound::Exclusive(m) => member < &m[..],
        }
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.above_min(member) && self.below_max(member)
    }
}

/// Members with their scores, in order, from either end ([`ZSet::range`], [`ZSet::iter`]).
pub struct Iter<'a>(IterRepr<'a>);

enum IterRepr<'a> {
    Small(std::slice::Iter<'a, (CompactBytes, f64)>),
    Large(tree::Iter<'a, FANOUT>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(it) => it.next().map(|(m, s)| (m.as_slice(), *s)),
            IterRepr::Large(it) => it.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Small(it) => it.size_hint(),
            IterRepr::Large(it) => it.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(it) => it.next_back().map(|(m, s)| (m.as_slice(), *s)),
            IterRepr::Large(it) => it.next_back(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn members(z: &ZSet) -> Vec<(String, f64)> {
        z.iter().map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s)).collect()
    }

    #[test]
    fn orders_by_score_then_member() {
        let mut z = ZSet::new();
        z.insert(&b("b"), 1.0);
        z.insert(&b("a"), 1.0);
        z.insert(&b("c"), 0.5);
        z.insert(&b("d"), f64::NEG_INFINITY);
        assert_eq!(
            members(&z),
            [("d".into(), f64::NEG_INFINITY), ("c".into(), 0.5), ("a".into(), 1.0), ("b".into(), 1.0)]
        );
        z.assert_consistent();
    }

    #[test]
    fn insert_returns_the_previous_score_and_moves_the_member() {
        let mut z = ZSet::new();
        assert_eq!(z.insert(&b("a"), 1.0), None);
        assert_eq!(z.insert(&b("b"), 2.0), None);
        assert_eq!(z.insert(&b("a"), 3.0), Some(1.0));
        assert_eq!(z.rank(b"a"), Some(1));
        assert_eq!(z.score(b"a"), Some(3.0));
        z.assert_consistent();
    }

    #[test]
    fn rank_and_get_agree_on_large_sets() {
        let mut z = ZSet::new();
        for i in 0..2000 {
            z.insert(format!("m{i:05}").as_bytes(), (i % 100) as f64);
        }
        z.assert_consistent();
        for rank in [0, 1, 999, 1999] {
            let (m, _) = z.get(rank).map(|(m, s)| (m.to_vec(), s)).unwrap();
            assert_eq!(z.rank(&m), Some(rank));
        }
        assert_eq!(z.get(2000), None);
    }

    #[test]
    fn ranges_walk_both_ways() {
        let z: ZSet = (0..10).map(|i| (Bytes::from(format!("{i}")), i as f64)).collect();
        let fwd: Vec<f64> = z.range(2..5).map(|(_, s)| s).collect();
        assert_eq!(fwd, [2.0, 3.0, 4.0]);
        let rev: Vec<f64> = z.range(2..5).rev().map(|(_, s)| s).collect();
        assert_eq!(rev, [4.0, 3.0, 2.0]);
        assert_eq!(z.range(8..100).len(), 2);
        assert_eq!(z.range(5..5).len(), 0);
    }

    #[test]
    fn score_ranks_honour_exclusive_ends() {
        let z: ZSet = (0..10).map(|i| (Bytes::from(format!("{i}")), i as f64)).collect();
        let r = |min, max, min_exclusive, max_exclusive| {
            z.score_ranks(&ScoreRange { min, max, min_exclusive, max_exclusive })
        };
        assert_eq!(r(2.0, 4.0, false, false), 2..5);
        assert_eq!(r(2.0, 4.0, true, true), 3..4);
        assert_eq!(r(f64::NEG_INFINITY, f64::INFINITY, false, false), 0..10);
        assert_eq!(r(4.0, 2.0, false, false), 0..0);
        assert_eq!(r(3.0, 3.0, true, false), 0..0);
        assert_eq!(r(20.0, 30.0, false, false).len(), 0);
    }

    #[test]
    fn lex_ranks_follow_bound_kinds() {
        let z: ZSet = ["a", "b", "c", "d"].iter().map(|m| (b(m), 0.0)).collect();
        let r = |min, max| z.lex_ranks(&LexRange { min, max });
        use LexBound::*;
        assert_eq!(r(Lowest, Highest), 0..4);
        assert_eq!(r(Inclusive(b("b")), Exclusive(b("d"))), 1..3);
        assert_eq!(r(Exclusive(b("b")), Inclusive(b("d"))), 2..4);
        assert_eq!(r(Highest, Lowest).len(), 0);
        assert_eq!(r(Lowest, Lowest).len(), 0);
        assert_eq!(r(Inclusive(b("c")), Exclusive(b("c"))).len(), 0);
    }

    #[test]
    fn remove_range_deletes_from_both_views() {
        let mut z: ZSet = (0..100).map(|i| (Bytes::from(format!("{i:03}")), i as f64)).collect();
        assert_eq!(z.remove_range(10..20), 10);
        assert_eq!(z.len(), 90);
        assert_eq!(z.score(b"015"), None);
        assert_eq!(z.get(10).map(|(_, s)| s), Some(20.0));
        z.assert_consistent();
    }

    #[test]
    fn pops_take_from_either_end() {
        let mut z: ZSet = [("a", 1.0), ("b", 2.0), ("c", 3.0)].iter().map(|(m, s)| (b(m), *s)).collect();
        assert_eq!(z.pop_first(), Some((b("a"), 1.0)));
        assert_eq!(z.pop_last(), Some((b("c"), 3.0)));
        assert_eq!(z.len(), 1);
        z.assert_consistent();
    }

    #[test]
    fn memory_follows_a_shrinking_set() {
        let mut z: ZSet = (0..1000).map(|i| (Bytes::from(format!("{i:04}")), i as f64)).collect();
        for i in 0..900 {
            z.remove(format!("{i:04}").as_bytes());
        }
        z.assert_consistent();
        assert!(z.table_capacity() < 1000, "hash capacity {}", z.table_capacity());
        assert_eq!(z.first().map(|(m, _)| m.to_vec()), Some(b"0900".to_vec()));
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        let mut z = ZSet::new();
        z.insert(&b("b"), -0.0);
        z.insert(&b("a"), 0.0);
        assert_eq!(z.rank(b"a"), Some(0));
        // Setting 0 over -0 is no change (as in Redis, the stored -0 stays).
        assert_eq!(z.insert(&b("b"), 0.0), Some(-0.0));
        assert!(z.score(b"b").unwrap().is_sign_negative());
    }

    #[test]
    fn equality_ignores_layout() {
        let a: ZSet = [("x", 1.0), ("y", 2.0)].iter().map(|(m, s)| (b(m), *s)).collect();
        let mut bz: ZSet = [("y", 2.0), ("z", 0.0), ("x", 1.0)].iter().map(|(m, s)| (b(m), *s)).collect();
        bz.remove(b"z");
        assert_eq!(a, bz);
        assert_eq!(a.clone(), a);
        assert_eq!(a.encoding(), "listpack");
        let mut large = ZSet::new_large();
        large.insert(b"y", 2.0);
        large.insert(b"x", 1.0);
        assert_eq!(large.encoding(), "skiplist");
        assert_eq!(large, a);
    }

    #[test]
    fn a_small_set_grows_past_128_members_or_a_65_byte_member_and_stays_grown() {
        let mut z: ZSet = (0..SMALL_ENTRIES).map(|i| (b(&format!("m{i:03}")), i as f64)).collect();
        assert_eq!(z.encoding(), "listpack");
        z.insert(b"m000", -1.0);
        assert_eq!(z.encoding(), "listpack", "a new score for a member is no new member");
        z.insert(b"one-more", 0.5);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.len(), SMALL_ENTRIES + 1);
        assert_eq!(z.rank(b"one-more"), Some(1));
        z.assert_consistent();
        z.remove_range(0..SMALL_ENTRIES);
        assert_eq!(z.encoding(), "skiplist", "a set never shrinks back");

        let mut z = ZSet::new();
        z.insert(&[b'x'; SMALL_MEMBER], 1.0);
        assert_eq!(z.encoding(), "listpack");
        z.insert(&[b'y'; SMALL_MEMBER + 1], 2.0);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.get(1).map(|(m, _)| m.len()), Some(SMALL_MEMBER + 1));
        z.assert_consistent();
    }

    #[test]
    fn a_small_set_is_scanned_whole_in_one_step() {
        let z: ZSet = (0..50).map(|i| (b(&format!("m{i:02}")), i as f64)).collect();
        let mut seen = Vec::new();
        assert_eq!(z.scan(0, 5, |m, _| seen.push(m.to_vec())), 0);
        assert_eq!(seen.len(), 50);
    }
}

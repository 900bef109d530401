//! The sorted set value type: members ordered by score, then by member bytes.
//!
//! Like Redis's `zset` (`t_zset.c`), a [`ZSet`] keeps every member twice:
//! - a hash table member → score, for O(1) ZSCORE and membership tests. It is an
//!   `IndexMap` whose removals `swap_remove`, exactly like `types::hash`, so that ZSCAN can
//!   walk positions with `scan_positions` (seeing every member present for the whole scan)
//!   and ZRANDMEMBER picks a uniformly random member in O(1);
//! - a skiplist ordered by (score, member), with *spans* on every link (how many nodes the
//!   link jumps over), for O(log N) insert, delete, rank, access by rank, and the first
//!   position of a score or lexical range, then O(1) per step in either direction.
//!
//! The skiplist is a port of Redis's `zskiplist` (William Pugh's skiplist with spans and a
//! backward link at level 0) in safe Rust: nodes live in an arena (parallel vectors, see
//! below) and link to each other by index. Slots freed by deletions are reused, and when more than half of the
//! arena is free it is compacted in one O(N) pass, so memory follows the live size.
//!
//! Encoding: Redis stores small sorted sets as a `listpack` and converts them to a
//! `skiplist` past `zset-max-listpack-entries`/`-value`. Tandem has one representation,
//! this skiplist, for every size, so OBJECT ENCODING truthfully reports `skiplist` even for
//! a sorted set Redis would report as `listpack`.
//!
//! Scores are never NaN (the command layer rejects NaN before it gets here). `-0` and `0`
//! compare equal, as they do in Redis, so they tie and the member decides the order; a
//! stored `-0` stays `-0`, as in Redis's skiplist encoding (its listpack reads it back as 0).
//!
//! Members are stored as [`CompactBytes`], copies of the bytes handed in (usually slices of
//! a connection's read buffer, which a stored slice would keep alive). The hash table and
//! the skiplist each hold one: a member of up to 22 bytes lives inside the table entry and
//! the skiplist's member slot (no allocation, no pointer to follow when comparing), a
//! longer one costs an allocation in each.
//!
//! Node layout, for one cache miss per step of a descent (what ZADD on a large set costs):
//! what a descent reads of a node — its first [`INLINE_LEVELS`] links, score, backward link
//! and level count — is one 64-byte line; the member and the links of the rare taller node
//! (1 in 64) live in vectors beside it. Every link also holds a copy of the score of the
//! node it leads to, so deciding *not* to step along a link reads only the current node;
//! the next node is read when the descent steps onto it, or to compare members when the
//! scores tie. Insert, delete and score updates keep those copies equal to the scores
//! (`assert_consistent` checks it). A descent also prefetches the node one level down
//! from each node it visits, where it goes next if it stops there.
//!
//! Bounds: links are `u32` indexes, so a sorted set holds fewer than `u32::MAX` members;
//! levels are at most [`MAX_LEVEL`] (Redis's `ZSKIPLIST_MAXLEVEL`).

use std::fmt;
use std::ops::Range;

use bytes::Bytes;
use indexmap::IndexMap;

use super::hash::scan_positions;
use crate::compact::CompactBytes;
use crate::prefetch::prefetch;

/// The most levels a skiplist node has (Redis: 32, enough for 2^64 elements at p = 1/4).
pub const MAX_LEVEL: usize = 32;

/// A sorted set value. See the module documentation.
#[derive(Clone, Default)]
pub struct ZSet {
    scores: IndexMap<CompactBytes, f64, ahash::RandomState>,
    order: SkipList,
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// The encoding OBJECT ENCODING reports (see the module documentation).
    pub fn encoding(&self) -> &'static str {
        "skiplist"
    }

    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The score of `member`, in O(1).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.scores.contains_key(member)
    }

    /// Sets the score of `member`, adding it if it is new (as a copy of its bytes); returns
    /// the score it had. Setting a score equal to the current one changes nothing.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Option<f64> {
        debug_assert!(!score.is_nan(), "a sorted set score is never NaN");
        // One hash lookup whether the member is new or not.
        let (index, old) = self.scores.insert_full(CompactBytes::from(member), score);
        match old {
            None => self.order.insert(CompactBytes::from(member), score),
            // Equal scores include 0 over -0: the stored -0 stays (see the module docs).
            Some(old) if old == score => self.scores[index] = old,
            Some(old) => self.order.update_score(old, member, score),
        }
        old
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (member, score) = self.scores.swap_remove_entry(member)?;
        let removed = self.order.remove(score, &member);
        debug_assert!(removed.is_some(), "hash and skiplist disagree");
        self.after_removal();
        Some(score)
    }

    /// The 0-based position of `member` in ascending order, in O(log N).
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        self.order.rank(score, member)
    }

    /// The member at 0-based position `rank` in ascending order, in O(log N).
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        let i = self.order.at_rank(rank)?;
        Some((self.order.member(i), self.order.node(i).score))
    }

    /// The member at `position` of the hash table (not a rank): with a random position, a
    /// uniformly random member in O(1).
    pub fn get_index(&self, position: usize) -> Option<(&[u8], f64)> {
        self.scores.get_index(position).map(|(m, s)| (m.as_slice(), *s))
    }

    /// One step of ZSCAN: visits about `count` members from `cursor` (see
    /// `types::hash::scan_positions`) and returns the cursor to continue from, 0 when done.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        scan_positions(self.scores.len(), cursor, count, |i| {
            if let Some((member, score)) = self.scores.get_index(i) {
                visit(member, *score);
            }
        })
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
        let end = ranks.end.min(self.len());
        if ranks.start >= end {
            return Iter { list: &self.order, front: NIL, back: NIL, remaining: 0 };
        }
        let front = self.order.at_rank(ranks.start).unwrap_or(NIL);
        let back = self.order.at_rank(end - 1).unwrap_or(NIL);
        Iter { list: &self.order, front, back, remaining: end - ranks.start }
    }

    /// The positions of the members whose score is within `range`, in O(log N).
    pub fn score_ranks(&self, range: &ScoreRange) -> Range<usize> {
        if range.is_empty() {
            return 0..0;
        }
        let start = self.order.count_while(|score, _| !range.above_min(score));
        let end = self.order.count_while(|score, _| range.below_max(score));
        start..end.max(start)
    }

    /// The positions of the members within the lexical `range`, in O(log N). Meaningful
    /// when all members have the same score (as in Redis, the result is otherwise
    /// unspecified).
    pub fn lex_ranks(&self, range: &LexRange) -> Range<usize> {
        if range.is_empty() {
            return 0..0;
        }
        let start = self.order.count_while(|_, member| !range.above_min(member));
        let end = self.order.count_while(|_, member| range.below_max(member));
        start..end.max(start)
    }

    /// Removes the members at positions `ranks`, returning how many were removed, in
    /// O(log N + M) for M removed.
    pub fn remove_range(&mut self, ranks: Range<usize>) -> usize {
        let end = ranks.end.min(self.len());
        if ranks.start >= end {
            return 0;
        }
        let scores = &mut self.scores;
        let removed = self.order.remove_ranks(ranks.start, end, |member| {
            scores.swap_remove(&member[..]);
        });
        self.after_removal();
        removed
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

    /// Releases memory a shrinking set no longer needs (after every removal).
    fn after_removal(&mut self) {
        self.order.compact_if_sparse();
        let capacity = self.scores.capacity();
        if capacity > 64 && self.scores.len() * 8 < capacity {
            self.scores.shrink_to_fit();
        }
    }

    /// Checks every structural invariant (spans, links, order, hash and skiplist agreeing),
    /// panicking on the first violation. For tests; O(N · levels).
    #[doc(hidden)]
    pub fn assert_consistent(&self) {
        self.order.assert_consistent();
        assert_eq!(self.order.len, self.scores.len(), "skiplist and hash sizes differ");
        for (member, score) in self.iter() {
            assert_eq!(
                self.scores.get(member).map(|s| s.to_bits()),
                Some(score.to_bits()),
                "hash disagrees on {member:?}"
            );
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.scores.iter().all(|(m, s)| other.scores.get(m) == Some(s))
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
pub struct Iter<'a> {
    list: &'a SkipList,
    front: u32,
    back: u32,
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (node, member) = (self.list.node(self.front), self.list.member(self.front));
        self.front = node.low[0].next;
        Some((member, node.score))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (node, member) = (self.list.node(self.back), self.list.member(self.back));
        self.back = node.backward;
        Some((member, node.score))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ---- The skiplist ----------------------------------------------------------------------

/// The arena index of the head node, which holds no member and has every level.
const HEAD: u32 = 0;
/// "No node": the end of a level, or the head's backward link.
const NIL: u32 = u32::MAX;
/// Freed arena slots below this many are never worth a compaction.
const COMPACT_MIN_FREE: usize = 64;
/// Levels a node keeps inline (63 nodes in 64 have no more); a taller node keeps the
/// others in [`SkipList::high`].
const INLINE_LEVELS: usize = 3;

/// One forward link of a node: where it goes, how many level-0 steps it jumps over, and the
/// score of the node it goes to (a copy, so a descent can decide not to step along it
/// without reading that node). The span of a link to NIL counts the nodes after its node
/// (Redis keeps it that way); its score is meaningless.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Link {
    next: u32,
    span: u32,
    score: f64,
}

/// A link to NIL, as a new node's links start.
const END: Link = Link { next: NIL, span: 0, score: 0.0 };

/// What a descent reads of a node: exactly one cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Node {
    /// Levels `0..INLINE_LEVELS` (those below `level`).
    low: [Link; INLINE_LEVELS],
    score: f64,
    /// The previous node at level 0 (NIL for the first).
    backward: u32,
    /// How many levels this node has.
    level: u32,
}

impl Node {
    fn new(score: f64, level: usize) -> Node {
        Node { low: [END; INLINE_LEVELS], score, backward: NIL, level: level as u32 }
    }
}

/// For each level, the last node before a position and that node's 1-based rank.
type Path = ([u32; MAX_LEVEL], [usize; MAX_LEVEL]);

/// The skiplist's nodes live in an arena of three parallel vectors indexed by node: the
/// part every descent reads ([`Node`], one cache line), the member (read on a score tie and
/// when a member is handed out) and the levels above [`INLINE_LEVELS`] (most nodes have
/// none; the few that do are on every descent's way, so those stay cached).
#[derive(Clone, Debug)]
struct SkipList {
    /// `nodes[HEAD]` is the head; freed slots hold an empty node and are listed in `free`.
    nodes: Vec<Node>,
    members: Vec<CompactBytes>,
    /// Levels `INLINE_LEVELS..level` of each node (empty, and not allocated, for most).
    high: Vec<Box<[Link]>>,
    free: Vec<u32>,
    tail: u32,
    len: usize,
    /// Levels in use (at least 1).
    level: usize,
    /// xorshift64* state for node levels (they need to be random, not unpredictable).
    rng: u64,
}

impl Default for SkipList {
    fn default() -> SkipList {
        SkipList {
            nodes: vec![Node::new(0.0, MAX_LEVEL)],
            members: vec![CompactBytes::EMPTY],
            high: vec![high_levels(MAX_LEVEL)],
            free: Vec::new(),
            tail: NIL,
            len: 0,
            level: 1,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

/// The links of a new node of `level` levels above [`INLINE_LEVELS`].
fn high_levels(level: usize) -> Box<[Link]> {
    vec![END; level.saturating_sub(INLINE_LEVELS)].into_boxed_slice()
}

impl SkipList {
    fn node(&self, i: u32) -> &Node {
        &self.nodes[i as usize]
    }

    fn node_mut(&mut self, i: u32) -> &mut Node {
        &mut self.nodes[i as usize]
    }

    fn member(&self, i: u32) -> &CompactBytes {
        &self.members[i as usize]
    }

    fn link(&self, i: u32, level: usize) -> Link {
        match level.checked_sub(INLINE_LEVELS) {
            None => self.nodes[i as usize].low[level],
            Some(high) => self.high[i as usize][high],
        }
    }

    fn link_mut(&mut self, i: u32, level: usize) -> &mut Link {
        match level.checked_sub(INLINE_LEVELS) {
            None => &mut self.nodes[i as usize].low[level],
            Some(high) => &mut self.high[i as usize][high],
        }
    }

    /// True if node `x` sorts before (`score`, `member`).
    fn before(&self, x: u32, score: f64, member: &[u8]) -> bool {
        let s = self.node(x).score;
        s < score || (s == score && &self.member(x)[..] < member)
    }

    /// True if `l` leads to a node that sorts before (`score`, `member`). The link's copy of
    /// the score decides unless it ties; only then is the node read.
    fn leads_before(&self, l: Link, score: f64, member: &[u8]) -> bool {
        l.next != NIL && (l.score < score || (l.score == score && &self.member(l.next)[..] < member))
    }

    /// True if `l` leads to a node that sorts before or at (`score`, `member`).
    fn leads_not_after(&self, l: Link, score: f64, member: &[u8]) -> bool {
        l.next != NIL && (l.score < score || (l.score == score && &self.member(l.next)[..] <= member))
    }

    /// Starts loading the node that `x` links to one level below `level`: where a descent
    /// goes next if it stops at `x` on this level, so its miss overlaps the steps along
    /// this level instead of following them.
    #[inline(always)]
    fn prefetch_below(&self, x: u32, level: usize) {
        if let Some(below) = level.checked_sub(1) {
            if let Some(node) = self.nodes.get(self.link(x, below).next as usize) {
                prefetch(node);
            }
        }
    }

    /// A level between 1 and [`MAX_LEVEL`]: each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let bits = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (1 + bits.leading_zeros() as usize / 2).min(MAX_LEVEL)
    }

    /// The path to the position of (`score`, `member`): the last node before it per level.
    fn path(&self, score: f64, member: &[u8]) -> Path {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.link(x, i);
                self.prefetch_below(x, i);
                if !self.leads_before(l, score, member) {
                    break;
                }
                rank[i] += l.span as usize;
                x = l.next;
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Puts a node of `level` levels for (`score`, `member`) in a free slot of the arena.
    fn alloc(&mut self, member: CompactBytes, score: f64, level: usize) -> u32 {
        let node = Node::new(score, level);
        if let Some(i) = self.free.pop() {
            self.nodes[i as usize] = node;
            self.members[i as usize] = member;
            self.high[i as usize] = high_levels(level);
            return i;
        }
        let i = self.nodes.len();
        assert!(i < NIL as usize, "a sorted set holds fewer than u32::MAX members");
        self.nodes.push(node);
        self.members.push(member);
        self.high.push(high_levels(level));
        i as u32
    }

    /// Frees the slot of an unlinked node, returning its member.
    fn release(&mut self, i: u32) -> CompactBytes {
        self.nodes[i as usize] = Node::new(0.0, 0);
        self.high[i as usize] = Box::default();
        self.free.push(i);
        std::mem::take(&mut self.members[i as usize])
    }

    /// Links a new node for (`score`, `member`), which must not be in the list (Redis's
    /// `zslInsert`).
    fn insert(&mut self, member: CompactBytes, score: f64) {
        let (mut update, mut rank) = self.path(score, &member);
        let level = self.random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.link_mut(HEAD, i).span = self.len as u32;
            }
            self.level = level;
        }
        let x = self.alloc(member, score, level);
        for i in 0..level {
            let before = self.link(update[i], i);
            let crossed = (rank[0] - rank[i]) as u32;
            *self.link_mut(x, i) = Link { span: before.span - crossed, ..before };
            *self.link_mut(update[i], i) = Link { next: x, span: crossed + 1, score };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.link_mut(u, i).span += 1;
        }
        self.node_mut(x).backward = if update[0] == HEAD { NIL } else { update[0] };
        match self.link(x, 0).next {
            NIL => self.tail = x,
            next => self.node_mut(next).backward = x,
        }
        self.len += 1;
    }

    /// Unlinks node `x`, whose predecessors per level are `update` (Redis's `zslDeleteNode`).
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let before = self.link(u, i);
            if before.next == x {
                let after = self.link(x, i);
                *self.link_mut(u, i) = Link { span: before.span + after.span - 1, ..after };
            } else {
                self.link_mut(u, i).span -= 1;
            }
        }
        let backward = self.node(x).backward;
        match self.link(x, 0).next {
            NIL => self.tail = backward,
            next => self.node_mut(next).backward = backward,
        }
        while self.level > 1 && self.link(HEAD, self.level - 1).next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// Removes (`score`, `member`), returning the stored member bytes.
    fn remove(&mut self, score: f64, member: &[u8]) -> Option<CompactBytes> {
        let (update, _) = self.path(score, member);
        let x = self.link(update[0], 0).next;
        if x == NIL || self.node(x).score != score || *self.member(x) != *member {
            return None;
        }
        self.unlink(x, &update);
        Some(self.release(x))
    }

    /// Moves `member` from score `old` to `new` (Redis's `zslUpdateScore`): in place when
    /// the node stays between its neighbours, otherwise by unlinking and reinserting.
    fn update_score(&mut self, old: f64, member: &[u8], new: f64) {
        let (update, _) = self.path(old, member);
        let x = self.link(update[0], 0).next;
        debug_assert!(x != NIL && self.node(x).score == old && *self.member(x) == *member);
        let (backward, next) = (self.node(x).backward, self.link(x, 0));
        if (backward == NIL || self.node(backward).score < new) && (next.next == NIL || next.score > new) {
            self.node_mut(x).score = new;
            // Every link into `x` starts at one of its predecessors on the path.
            for (i, &u) in update.iter().enumerate().take(self.node(x).level as usize) {
                debug_assert_eq!(self.link(u, i).next, x);
                self.link_mut(u, i).score = new;
            }
            return;
        }
        self.unlink(x, &update);
        let member = self.release(x);
        self.insert(member, new);
    }

    /// The 0-based rank of (`score`, `member`) (Redis's `zslGetRank`, minus one).
    fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if !self.leads_not_after(l, score, member) {
                    break;
                }
                rank += l.span as usize;
                x = l.next;
            }
            if x != HEAD && self.node(x).score == score && *self.member(x) == *member {
                return Some(rank - 1);
            }
        }
        None
    }

    /// The node at 0-based `rank` (Redis's `zslGetElementByRank`).
    fn at_rank(&self, rank: usize) -> Option<u32> {
        if rank >= self.len {
            return None;
        }
        let target = rank + 1;
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL || traversed + l.span as usize > target {
                    break;
                }
                traversed += l.span as usize;
                x = l.next;
            }
            if traversed == target {
                return Some(x);
            }
        }
        None
    }

    /// How many nodes from the start satisfy `pred(score, member)`, which must hold for a
    /// prefix of the list and fail for the rest (the skiplist descent of
    /// `zslFirstInRange`). The score comes from the link, so a predicate on the score alone
    /// never reads the node.
    fn count_while(&self, pred: impl Fn(f64, &CompactBytes) -> bool) -> usize {
        let mut x = HEAD;
        let mut count = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL || !pred(l.score, self.member(l.next)) {
                    break;
                }
                count += l.span as usize;
                x = l.next;
            }
        }
        count
    }

    /// Removes the nodes at 0-based ranks `start..end`, passing each member to `removed`
    /// (Redis's `zslDeleteRangeByRank`). Returns how many were removed.
    fn remove_ranks(&mut self, start: usize, end: usize, mut removed: impl FnMut(CompactBytes)) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        let mut traversed = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL || traversed + l.span as usize > start {
                    break;
                }
                traversed += l.span as usize;
                x = l.next;
            }
            update[i] = x;
        }
        let mut x = self.link(x, 0).next;
        let mut count = 0;
        while x != NIL && start + count < end {
            let next = self.link(x, 0).next;
            self.unlink(x, &update);
            removed(self.release(x));
            count += 1;
            x = next;
        }
        count
    }

    /// Compacts the arena in one O(N) pass when most of it is free slots, renumbering the
    /// nodes in list order (so a walk also gets better locality).
    fn compact_if_sparse(&mut self) {
        if self.free.len() < COMPACT_MIN_FREE || self.free.len() < self.len {
            return;
        }
        let mut renumber = vec![NIL; self.nodes.len()];
        let mut order = Vec::with_capacity(self.len + 1);
        let mut x = HEAD;
        while x != NIL {
            renumber[x as usize] = order.len() as u32;
            order.push(x);
            x = self.link(x, 0).next;
        }
        let remap = |i: u32| if i == NIL { NIL } else { renumber[i as usize] };
        let (mut members, mut high) = (std::mem::take(&mut self.members), std::mem::take(&mut self.high));
        self.members = order.iter().map(|&i| std::mem::take(&mut members[i as usize])).collect();
        self.high = order.iter().map(|&i| std::mem::take(&mut high[i as usize])).collect();
        self.nodes = order.iter().map(|&i| self.nodes[i as usize]).collect();
        for (node, high) in self.nodes.iter_mut().zip(self.high.iter_mut()) {
            node.backward = remap(node.backward);
            for l in node.low.iter_mut().chain(high.iter_mut()) {
                l.next = remap(l.next);
            }
        }
        self.tail = remap(self.tail);
        self.free = Vec::new();
    }

    /// See [`ZSet::assert_consistent`].
    fn assert_consistent(&self) {
        assert!(self.level >= 1 && self.level <= MAX_LEVEL);
        assert_eq!(self.nodes.len(), self.len + 1 + self.free.len(), "arena slots leak");
        assert_eq!((self.members.len(), self.high.len()), (self.nodes.len(), self.nodes.len()), "parallel arena");
        // Level 0: order, backward links, tail, length.
        let mut ranks = vec![usize::MAX; self.nodes.len()];
        ranks[HEAD as usize] = 0;
        let (mut x, mut prev, mut n) = (self.link(HEAD, 0).next, NIL, 0usize);
        while x != NIL {
            n += 1;
            ranks[x as usize] = n;
            let node = self.node(x);
            assert_eq!(node.backward, prev, "backward link of rank {n}");
            assert!(node.level as usize <= self.level, "node above the list's level");
            assert_eq!(self.high[x as usize].len(), (node.level as usize).saturating_sub(INLINE_LEVELS), "levels");
            if prev != NIL {
                assert!(self.before(prev, node.score, self.member(x)), "order broken at rank {n}");
            }
            prev = x;
            x = node.low[0].next;
        }
        assert_eq!(n, self.len, "length");
        assert_eq!(self.tail, prev, "tail");
        // Every level: links go forward, spans count the level-0 steps they jump and scores
        // are those of the nodes they go to.
        for i in 0..self.level {
            let mut x = HEAD;
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    assert_eq!(l.span as usize, self.len - ranks[x as usize], "span to the end at level {i}");
                    break;
                }
                assert!(ranks[l.next as usize] != usize::MAX, "link to a freed slot");
                assert_eq!(ranks[l.next as usize] - ranks[x as usize], l.span as usize, "span at level {i}");
                assert_eq!(l.score.to_bits(), self.node(l.next).score.to_bits(), "score copy at level {i}");
                x = l.next;
            }
        }
        for i in self.level..MAX_LEVEL {
            assert_eq!(self.link(HEAD, i).next, NIL, "head links above the level");
        }
    }
}

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
    fn what_a_descent_reads_of_a_node_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Node>(), 64);
        assert_eq!(std::mem::align_of::<Node>(), 64);
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
    fn arena_is_compacted_after_mass_removal() {
        let mut z: ZSet = (0..1000).map(|i| (Bytes::from(format!("{i:04}")), i as f64)).collect();
        for i in 0..900 {
            z.remove(format!("{i:04}").as_bytes());
        }
        z.assert_consistent();
        assert!(z.order.nodes.len() <= 2 * z.len() + COMPACT_MIN_FREE + 1, "{} slots", z.order.nodes.len());
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
        assert_eq!(a.encoding(), "skiplist");
    }
}

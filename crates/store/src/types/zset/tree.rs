//! The order of a sorted set: an order-statistic B+tree of (score, member) entries.
//!
//! Why a B+tree and not Redis's skiplist: ZADD on a large set is two descents (remove the
//! member at its old score, insert it at the new one), and a skiplist descent misses the
//! cache at nearly every step — about one miss per level, ~17 levels at 100,000 members.
//! A B+tree node holds many entries, so a descent reads 3–4 nodes and misses the cache
//! once or twice per node. It also takes about half the memory per member (no links).
//!
//! Shape:
//! - **Leaves** hold up to `2 * B` entries in order, scores and members in two vectors, so a
//!   binary search reads a few cache lines of scores and a member only where scores tie.
//!   Leaves are linked both ways, for iteration from any rank in either direction.
//! - **Inner nodes** hold up to `B` children, each child's entry count (what makes rank
//!   and access by rank O(log N)), and between two children a separator key: every entry
//!   of the left child sorts before it, every entry of the right child at or after it. A
//!   separator is a copy of a key that was the right child's first when it was set; the
//!   entry may since have gone, and the rule above still holds.
//! - Nodes live in two arenas (vectors) and refer to each other by index. Freed slots are
//!   reused; once most slots are free the tree is rebuilt in order, so memory follows the
//!   live size.
//!
//! Balance: a split keeps both halves at least half full, except when a key is appended
//! at the right edge (scores that only grow, such as timestamps): the full node stays full
//! and the new entry starts a node of its own, so such sets fill their leaves completely.
//! After a removal, a node with fewer than a quarter of its capacity (leaves) or fewer
//! than two children (inner nodes, `B / 4` for the real fanout) merges with a sibling, or
//! shares with it evenly when both would not fit in one.
//!
//! Invariants ([`Tree::assert_consistent`] checks them all): entries in strictly ascending
//! (score, member) order; the separators' rule above; counts equal to the entries below;
//! all leaves at the same depth; no empty leaf but an empty root; every inner node but the
//! root has at least two children, the root too unless the tree is a single leaf; the
//! leaf links and `first`/`last` follow the order.
//!
//! Bounds: indexes and counts are `u32`, so a set holds fewer than `u32::MAX` members.

use crate::compact::CompactBytes;

/// "No node": the end of the leaf chain in either direction.
const NIL: u32 = u32::MAX;
/// Freed arena slots below this many are never worth a rebuild.
const REBUILD_MIN_FREE: usize = 32;

/// True if (`s1`, `m1`) sorts before (`s2`, `m2`): by score, then by member bytes. Scores
/// are never NaN, and -0 ties with 0.
#[inline]
pub(super) fn before(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

/// The first index in `0..n` where `holds` is false; `holds` must be true for a prefix.
#[inline]
fn partition(n: usize, holds: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if holds(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Two distinct elements of one slice, both mutable.
fn two_mut<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    assert_ne!(a, b);
    if a < b {
        let (lo, hi) = v.split_at_mut(b);
        (&mut lo[a], &mut hi[0])
    } else {
        let (lo, hi) = v.split_at_mut(a);
        (&mut hi[0], &mut lo[b])
    }
}

#[derive(Clone, Debug)]
struct Leaf {
    scores: Vec<f64>,
    members: Vec<CompactBytes>,
    prev: u32,
    next: u32,
}

impl Leaf {
    fn new() -> Leaf {
        Leaf { scores: Vec::new(), members: Vec::new(), prev: NIL, next: NIL }
    }

    fn len(&self) -> usize {
        self.scores.len()
    }

    /// How many entries sort before (`score`, `member`).
    fn lower_bound(&self, score: f64, member: &[u8]) -> usize {
        partition(self.len(), |i| before(self.scores[i], &self.members[i], score, member))
    }

    fn holds_at(&self, i: usize, score: f64, member: &[u8]) -> bool {
        i < self.len() && self.scores[i] == score && self.members[i][..] == *member
    }
}

#[derive(Clone, Debug)]
struct Inner<const B: usize> {
    /// Children in use; separators in use are one fewer.
    len: usize,
    children: [u32; B],
    counts: [u32; B],
    sep_scores: [f64; B],
    sep_members: [CompactBytes; B],
}

impl<const B: usize> Inner<B> {
    fn new() -> Inner<B> {
        Inner {
            len: 0,
            children: [NIL; B],
            counts: [0; B],
            sep_scores: [0.0; B],
            sep_members: std::array::from_fn(|_| CompactBytes::EMPTY),
        }
    }

    /// The child whose range holds (`score`, `member`): how many separators are at or
    /// before it.
    fn child_for(&self, score: f64, member: &[u8]) -> usize {
        partition(self.len - 1, |j| !before(score, member, self.sep_scores[j], &self.sep_members[j]))
    }

    /// The child holding the entry at `rank` (below this node's total), and that entry's
    /// rank within the child.
    fn child_at(&self, mut rank: usize) -> (usize, usize) {
        let mut i = 0;
        while rank >= self.counts[i] as usize {
            rank -= self.counts[i] as usize;
            i += 1;
        }
        (i, rank)
    }

    /// Entries in the children before child `i`.
    fn count_before(&self, i: usize) -> usize {
        self.counts[..i].iter().map(|&c| c as usize).sum()
    }

    fn total(&self) -> usize {
        self.count_before(self.len)
    }

    /// Puts `child` (with `count` entries, none before `sep`) at position `i` ≥ 1, with
    /// `sep` as the separator before it. The node must not be full.
    fn insert_child(&mut self, i: usize, sep: (f64, CompactBytes), child: u32, count: u32) {
        let n = self.len;
        debug_assert!(i >= 1 && i <= n && n < B);
        self.children.copy_within(i..n, i + 1);
        self.counts.copy_within(i..n, i + 1);
        self.sep_scores.copy_within(i - 1..n - 1, i);
        self.sep_members[i - 1..n].rotate_right(1);
        (self.sep_scores[i - 1], self.sep_members[i - 1]) = sep;
        self.children[i] = child;
        self.counts[i] = count;
        self.len += 1;
    }

    /// Drops child `i` ≥ 1 and the separator before it.
    fn remove_child(&mut self, i: usize) {
        let n = self.len;
        debug_assert!(i >= 1 && i < n);
        self.children.copy_within(i + 1..n, i);
        self.counts.copy_within(i + 1..n, i);
        self.sep_scores.copy_within(i..n - 1, i - 1);
        self.sep_members[i - 1..n - 1].rotate_left(1);
        self.sep_members[n - 2] = CompactBytes::EMPTY;
        self.len -= 1;
    }

    fn take_separator(&mut self, j: usize) -> (f64, CompactBytes) {
        (self.sep_scores[j], std::mem::take(&mut self.sep_members[j]))
    }
}

/// A node split off by an insertion, for its parent to adopt: the separator before it,
/// where it is, and how many entries it holds.
struct Split {
    sep: (f64, CompactBytes),
    node: u32,
    count: u32,
}

/// Where a removal starts: at a key (nothing is removed if it is absent), or at a rank.
#[derive(Clone, Copy)]
enum Start<'a> {
    Key(f64, &'a [u8]),
    Rank(usize),
}

/// Entries (score, member) in order, with O(log N) insert, remove, rank and access by rank.
/// `B` is the most children of an inner node; a leaf holds up to `2 * B` entries.
#[derive(Clone, Debug)]
pub(super) struct Tree<const B: usize> {
    leaves: Vec<Leaf>,
    inners: Vec<Inner<B>>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    /// A leaf when `height` is 0, else an inner node.
    root: u32,
    /// Inner levels above the leaves.
    height: usize,
    len: usize,
    first: u32,
    last: u32,
}

impl<const B: usize> Default for Tree<B> {
    fn default() -> Tree<B> {
        Tree {
            leaves: vec![Leaf::new()],
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
            first: 0,
            last: 0,
        }
    }
}

impl<const B: usize> Tree<B> {
    const LEAF_CAP: usize = 2 * B;
    const LEAF_MIN: usize = if B / 2 > 1 { B / 2 } else { 1 };
    const INNER_MIN: usize = if B / 4 > 2 { B / 4 } else { 2 };

    pub fn len(&self) -> usize {
        self.len
    }

    fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        if let Some(i) = self.free_leaves.pop() {
            self.leaves[i as usize] = leaf;
            return i;
        }
        self.leaves.push(leaf);
        (self.leaves.len() - 1) as u32
    }

    fn alloc_inner(&mut self, inner: Inner<B>) -> u32 {
        if let Some(i) = self.free_inners.pop() {
            self.inners[i as usize] = inner;
            return i;
        }
        self.inners.push(inner);
        (self.inners.len() - 1) as u32
    }

    fn free_leaf(&mut self, i: u32) {
        self.leaves[i as usize] = Leaf::new();
        self.free_leaves.push(i);
    }

    fn free_inner(&mut self, i: u32) {
        self.inners[i as usize].sep_members = std::array::from_fn(|_| CompactBytes::EMPTY);
        self.inners[i as usize].len = 0;
        self.free_inners.push(i);
    }

    // ---- Insertion ---------------------------------------------------------------------

    /// Adds (`score`, `member`), which must not be in the tree.
    pub fn insert(&mut self, score: f64, member: CompactBytes) {
        assert!(self.len < u32::MAX as usize - 1, "a sorted set holds fewer than u32::MAX members");
        if let Some(split) = self.insert_below(self.root, self.height, score, member, true) {
            let mut root = Inner::new();
            root.len = 1;
            root.children[0] = self.root;
            root.counts[0] = (self.len + 1) as u32 - split.count;
            root.insert_child(1, split.sep, split.node, split.count);
            self.root = self.alloc_inner(root);
            self.height += 1;
        }
        self.len += 1;
    }

    /// Inserts into the subtree at `node`; `right_edge` if it is the last node of its level.
    fn insert_below(
        &mut self,
        node: u32,
        height: usize,
        score: f64,
        member: CompactBytes,
        right_edge: bool,
    ) -> Option<Split> {
        if height == 0 {
            return self.insert_in_leaf(node, score, member, right_edge);
        }
        let inner = &mut self.inners[node as usize];
        let i = inner.child_for(score, &member);
        inner.counts[i] += 1;
        let (child, right_edge) = (inner.children[i], right_edge && i + 1 == inner.len);
        let split = self.insert_below(child, height - 1, score, member, right_edge)?;
        self.inners[node as usize].counts[i] -= split.count;
        self.adopt(node, i + 1, split, right_edge)
    }

    fn insert_in_leaf(&mut self, id: u32, score: f64, member: CompactBytes, right_edge: bool) -> Option<Split> {
        let leaf = &mut self.leaves[id as usize];
        let i = leaf.lower_bound(score, &member);
        if leaf.len() < Self::LEAF_CAP {
            leaf.scores.insert(i, score);
            leaf.members.insert(i, member);
            return None;
        }
        let mid = if right_edge && i == Self::LEAF_CAP { i } else { Self::LEAF_CAP / 2 };
        let mut right = Leaf {
            scores: leaf.scores.split_off(mid),
            members: leaf.members.split_off(mid),
            prev: id,
            next: leaf.next,
        };
        let target = if i < mid { leaf } else { &mut right };
        let at = if i < mid { i } else { i - mid };
        target.scores.insert(at, score);
        target.members.insert(at, member);
        let sep = (right.scores[0], right.members[0].clone());
        let count = right.len() as u32;
        let next = right.next;
        let rid = self.alloc_leaf(right);
        self.leaves[id as usize].next = rid;
        match next {
            NIL => self.last = rid,
            next => self.leaves[next as usize].prev = rid,
        }
        Some(Split { sep, node: rid, count })
    }

    /// Puts `split` at position `i` of inner `node`, splitting `node` when it is full.
    fn adopt(&mut self, node: u32, i: usize, split: Split, right_edge: bool) -> Option<Split> {
        let inner = &mut self.inners[node as usize];
        if inner.len < B {
            inner.insert_child(i, split.sep, split.node, split.count);
            return None;
        }
        // Appending at the right edge, the node keeps all it has but its last child, which
        // starts the next node with the new one (two children, the least an inner node has).
        let mid = if right_edge && i == B { B - 1 } else { B / 2 };
        let mut right = Inner::new();
        let promoted = inner.take_separator(mid - 1);
        right.len = B - mid;
        right.children[..B - mid].copy_from_slice(&inner.children[mid..]);
        right.counts[..B - mid].copy_from_slice(&inner.counts[mid..]);
        right.sep_scores[..B - mid - 1].copy_from_slice(&inner.sep_scores[mid..B - 1]);
        for j in mid..B - 1 {
            right.sep_members[j - mid] = std::mem::take(&mut inner.sep_members[j]);
        }
        inner.len = mid;
        if i <= mid {
            inner.insert_child(i, split.sep, split.node, split.count);
        } else {
            right.insert_child(i - mid, split.sep, split.node, split.count);
        }
        let count = right.total() as u32;
        Some(Split { sep: promoted, node: self.alloc_inner(right), count })
    }

    // ---- Removal -----------------------------------------------------------------------

    /// Removes (`score`, `member`), returning the stored member.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> Option<CompactBytes> {
        let mut removed = None;
        let n = self.remove_run(Start::Key(score, member), 1, &mut |m| removed = Some(m));
        debug_assert_eq!(n, usize::from(removed.is_some()));
        removed
    }

    /// Removes the entries at 0-based ranks `start..end` (clamped to the tree), passing
    /// each member to `removed` in order. Returns how many were removed.
    pub fn remove_ranks(&mut self, start: usize, end: usize, mut removed: impl FnMut(CompactBytes)) -> usize {
        let end = end.min(self.len);
        let mut done = 0;
        while start + done < end {
            // Each run is the rest of one leaf, at least one entry.
            done += self.remove_run(Start::Rank(start), end - start - done, &mut removed);
        }
        done
    }

    /// Removes up to `n` consecutive entries from `start`, within one leaf; returns how many.
    fn remove_run(&mut self, start: Start<'_>, n: usize, removed: &mut impl FnMut(CompactBytes)) -> usize {
        let count = self.remove_below(self.root, self.height, start, n, removed);
        self.len -= count;
        while self.height > 0 && self.inners[self.root as usize].len == 1 {
            let child = self.inners[self.root as usize].children[0];
            self.free_inner(self.root);
            self.root = child;
            self.height -= 1;
        }
        if count > 0 {
            self.rebuild_if_sparse();
        }
        count
    }

    fn remove_below(
        &mut self,
        node: u32,
        height: usize,
        start: Start<'_>,
        n: usize,
        removed: &mut impl FnMut(CompactBytes),
    ) -> usize {
        if height == 0 {
            let leaf = &mut self.leaves[node as usize];
            let i = match start {
                Start::Rank(r) => r,
                Start::Key(score, member) => {
                    let i = leaf.lower_bound(score, member);
                    if !leaf.holds_at(i, score, member) {
                        return 0;
                    }
                    i
                }
            };
            let k = n.min(leaf.len() - i);
            leaf.scores.drain(i..i + k);
            leaf.members.drain(i..i + k).for_each(&mut *removed);
            return k;
        }
        let inner = &self.inners[node as usize];
        let (i, start) = match start {
            Start::Key(score, member) => (inner.child_for(score, member), start),
            Start::Rank(r) => {
                let (i, r) = inner.child_at(r);
                (i, Start::Rank(r))
            }
        };
        let k = self.remove_below(inner.children[i], height - 1, start, n, removed);
        if k > 0 {
            self.inners[node as usize].counts[i] -= k as u32;
            self.rebalance(node, i, height - 1);
        }
        k
    }

    /// Restores the minimum size of child `i` of `parent` (at `height`), merging it with a
    /// sibling or sharing a sibling's entries with it.
    fn rebalance(&mut self, parent: u32, i: usize, height: usize) {
        let p = &self.inners[parent as usize];
        let (size, min, cap) = match height {
            0 => (self.leaves[p.children[i] as usize].len(), Self::LEAF_MIN, Self::LEAF_CAP),
            _ => (self.inners[p.children[i] as usize].len, Self::INNER_MIN, B),
        };
        if size >= min {
            return;
        }
        // Every inner node has two children or more: a sibling exists.
        let l = if i + 1 < p.len { i } else { i - 1 };
        let (a, b) = (p.children[l] as usize, p.children[l + 1] as usize);
        let total = match height {
            0 => self.leaves[a].len() + self.leaves[b].len(),
            _ => self.inners[a].len + self.inners[b].len,
        };
        match (height, total <= cap) {
            (0, true) => self.merge_leaves(parent, l),
            (0, false) => self.share_leaves(parent, l),
            (_, true) => self.merge_inners(parent, l),
            (_, false) => self.share_inners(parent, l),
        }
    }

    /// Moves every entry of leaf child `l + 1` into child `l` and frees it.
    fn merge_leaves(&mut self, parent: u32, l: usize) {
        let p = &mut self.inners[parent as usize];
        let (a, b) = (p.children[l], p.children[l + 1]);
        p.counts[l] += p.counts[l + 1];
        p.remove_child(l + 1);
        let (left, right) = two_mut(&mut self.leaves, a as usize, b as usize);
        left.scores.append(&mut right.scores);
        left.members.append(&mut right.members);
        left.next = right.next;
        match left.next {
            NIL => self.last = a,
            next => self.leaves[next as usize].prev = a,
        }
        self.free_leaf(b);
    }

    /// Evens out the entries of leaf children `l` and `l + 1`.
    fn share_leaves(&mut self, parent: u32, l: usize) {
        let p = &mut self.inners[parent as usize];
        let (a, b) = (p.children[l] as usize, p.children[l + 1] as usize);
        let (left, right) = two_mut(&mut self.leaves, a, b);
        let half = (left.len() + right.len()) / 2;
        if left.len() > half {
            let scores = left.scores.split_off(half);
            let members = left.members.split_off(half);
            right.scores.splice(0..0, scores);
            right.members.splice(0..0, members);
        } else {
            let k = half - left.len();
            left.scores.extend(right.scores.drain(..k));
            left.members.extend(right.members.drain(..k));
        }
        p.counts[l] = left.len() as u32;
        p.counts[l + 1] = right.len() as u32;
        p.sep_scores[l] = right.scores[0];
        p.sep_members[l] = right.members[0].clone();
    }

    /// Moves every child of inner child `l + 1` into child `l` and frees it.
    fn merge_inners(&mut self, parent: u32, l: usize) {
        let p = &mut self.inners[parent as usize];
        let (a, b) = (p.children[l] as usize, p.children[l + 1] as usize);
        let sep = p.take_separator(l);
        p.counts[l] += p.counts[l + 1];
        p.remove_child(l + 1);
        let (left, right) = two_mut(&mut self.inners, a, b);
        let (na, nb) = (left.len, right.len);
        (left.sep_scores[na - 1], left.sep_members[na - 1]) = sep;
        left.children[na..na + nb].copy_from_slice(&right.children[..nb]);
        left.counts[na..na + nb].copy_from_slice(&right.counts[..nb]);
        left.sep_scores[na..na + nb - 1].copy_from_slice(&right.sep_scores[..nb - 1]);
        for j in 0..nb - 1 {
            left.sep_members[na + j] = std::mem::take(&mut right.sep_members[j]);
        }
        left.len = na + nb;
        self.free_inner(b as u32);
    }

    /// Evens out the children of inner children `l` and `l + 1`, rotating separators
    /// through the parent.
    fn share_inners(&mut self, parent: u32, l: usize) {
        let (a, b) = {
            let p = &self.inners[parent as usize];
            (p.children[l] as usize, p.children[l + 1] as usize)
        };
        let sep = self.inners[parent as usize].take_separator(l);
        let (left, right) = two_mut(&mut self.inners, a, b);
        let (na, nb) = (left.len, right.len);
        let half = (na + nb) / 2;
        let new_sep = if na < half {
            // The first k children of the right move to the end of the left.
            let k = half - na;
            (left.sep_scores[na - 1], left.sep_members[na - 1]) = sep;
            left.children[na..na + k].copy_from_slice(&right.children[..k]);
            left.counts[na..na + k].copy_from_slice(&right.counts[..k]);
            left.sep_scores[na..na + k - 1].copy_from_slice(&right.sep_scores[..k - 1]);
            for j in 0..k - 1 {
                left.sep_members[na + j] = std::mem::take(&mut right.sep_members[j]);
            }
            let new_sep = right.take_separator(k - 1);
            right.children.copy_within(k..nb, 0);
            right.counts.copy_within(k..nb, 0);
            right.sep_scores.copy_within(k..nb - 1, 0);
            right.sep_members[..nb - 1].rotate_left(k);
            left.len = na + k;
            right.len = nb - k;
            new_sep
        } else {
            // The last k children of the left move to the front of the right.
            let k = na - half;
            right.children.copy_within(0..nb, k);
            right.counts.copy_within(0..nb, k);
            right.sep_scores.copy_within(0..nb - 1, k);
            right.sep_members[..nb - 1 + k].rotate_right(k);
            right.children[..k].copy_from_slice(&left.children[na - k..na]);
            right.counts[..k].copy_from_slice(&left.counts[na - k..na]);
            (right.sep_scores[k - 1], right.sep_members[k - 1]) = sep;
            right.sep_scores[..k - 1].copy_from_slice(&left.sep_scores[na - k..na - 1]);
            for j in 0..k - 1 {
                right.sep_members[j] = std::mem::take(&mut left.sep_members[na - k + j]);
            }
            let new_sep = left.take_separator(na - k - 1);
            left.len = na - k;
            right.len = nb + k;
            new_sep
        };
        let (ca, cb) = (left.total() as u32, right.total() as u32);
        let p = &mut self.inners[parent as usize];
        (p.sep_scores[l], p.sep_members[l]) = new_sep;
        (p.counts[l], p.counts[l + 1]) = (ca, cb);
    }

    /// Rebuilds the tree in order once most arena slots are free, so a set that shrank
    /// gives its memory back.
    fn rebuild_if_sparse(&mut self) {
        let free = self.free_leaves.len() + self.free_inners.len();
        let used = self.leaves.len() + self.inners.len() - free;
        if free < REBUILD_MIN_FREE || free < used {
            return;
        }
        let mut fresh = Tree::default();
        let mut x = self.first;
        while x != NIL {
            let leaf = std::mem::replace(&mut self.leaves[x as usize], Leaf::new());
            for (score, member) in leaf.scores.into_iter().zip(leaf.members) {
                fresh.insert(score, member);
            }
            x = leaf.next;
        }
        *self = fresh;
    }

    // ---- Lookups -----------------------------------------------------------------------

    /// The 0-based rank of (`score`, `member`), if present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let (mut node, mut rank) = (self.root, 0);
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let i = inner.child_for(score, member);
            rank += inner.count_before(i);
            node = inner.children[i];
        }
        let leaf = &self.leaves[node as usize];
        let i = leaf.lower_bound(score, member);
        leaf.holds_at(i, score, member).then_some(rank + i)
    }

    /// The leaf and index of the entry at `rank`, which must be below `len`.
    fn position(&self, mut rank: usize) -> (u32, usize) {
        debug_assert!(rank < self.len);
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let (i, within) = inner.child_at(rank);
            (node, rank) = (inner.children[i], within);
        }
        (node, rank)
    }

    /// The entry at 0-based `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        if rank >= self.len {
            return None;
        }
        let (leaf, i) = self.position(rank);
        let leaf = &self.leaves[leaf as usize];
        Some((&leaf.members[i], leaf.scores[i]))
    }

    /// How many entries from the start satisfy `holds(score, member)`, which must be true
    /// for a prefix of the order and false for the rest (as "below a range's start" is).
    /// A separator is tested like an entry: it sorts after every entry on its left and at
    /// or before every entry on its right, so the predicate picks the child to descend.
    pub fn count_while(&self, holds: impl Fn(f64, &[u8]) -> bool) -> usize {
        let (mut node, mut count) = (self.root, 0);
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let i = partition(inner.len - 1, |j| holds(inner.sep_scores[j], &inner.sep_members[j]));
            count += inner.count_before(i);
            node = inner.children[i];
        }
        let leaf = &self.leaves[node as usize];
        count + partition(leaf.len(), |i| holds(leaf.scores[i], &leaf.members[i]))
    }

    /// The entries at ranks `start..end` (clamped), walkable from either end.
    pub fn range(&self, start: usize, end: usize) -> Iter<'_, B> {
        let end = end.min(self.len);
        if start >= end {
            return Iter { tree: self, front: (NIL, 0), back: (NIL, 0), remaining: 0 };
        }
        Iter { tree: self, front: self.position(start), back: self.position(end - 1), remaining: end - start }
    }

    /// Checks every invariant in the module documentation, panicking on the first broken
    /// one. For tests; O(N).
    pub fn assert_consistent(&self) {
        let mut leaves = Vec::new();
        let count = self.check_node(self.root, self.height, None, None, true, &mut leaves);
        assert_eq!(count, self.len, "length");
        if self.height > 0 {
            assert!(self.inners[self.root as usize].len >= 2, "a root with one child");
        }
        assert_eq!(self.first, leaves[0], "first leaf");
        assert_eq!(self.last, *leaves.last().unwrap(), "last leaf");
        for (k, &x) in leaves.iter().enumerate() {
            let leaf = &self.leaves[x as usize];
            assert_eq!(leaf.prev, if k == 0 { NIL } else { leaves[k - 1] }, "prev link");
            assert_eq!(leaf.next, leaves.get(k + 1).copied().unwrap_or(NIL), "next link");
        }
        let mut prev: Option<(f64, &[u8])> = None;
        for (member, score) in self.range(0, self.len) {
            if let Some((s, m)) = prev {
                assert!(before(s, m, score, member), "order broken at {member:?}");
            }
            prev = Some((score, member));
        }
        let used = self.leaves.len() + self.inners.len() - self.free_leaves.len() - self.free_inners.len();
        assert_eq!(used, leaves.len() + self.count_inners(self.root, self.height), "arena slots leak");
    }

    /// Checks the subtree at `node`, whose keys must be at or after `low` and before
    /// `high`; appends its leaves in order; returns its entry count.
    fn check_node(
        &self,
        node: u32,
        height: usize,
        low: Option<(f64, &[u8])>,
        high: Option<(f64, &[u8])>,
        is_root: bool,
        leaves: &mut Vec<u32>,
    ) -> usize {
        let in_bounds = |s: f64, m: &[u8]| {
            low.is_none_or(|(ls, lm)| !before(s, m, ls, lm)) && high.is_none_or(|(hs, hm)| before(s, m, hs, hm))
        };
        if height == 0 {
            let leaf = &self.leaves[node as usize];
            assert_eq!(leaf.scores.len(), leaf.members.len(), "leaf vectors");
            assert!(leaf.len() <= Self::LEAF_CAP, "leaf over capacity");
            assert!(is_root || leaf.len() > 0, "an empty leaf");
            for (s, m) in leaf.scores.iter().zip(&leaf.members) {
                assert!(in_bounds(*s, m), "entry {m:?} outside its separators");
            }
            leaves.push(node);
            return leaf.len();
        }
        let inner = &self.inners[node as usize];
        assert!(inner.len >= 2 || is_root, "an inner node with one child");
        let mut total = 0;
        for i in 0..inner.len {
            let lo = if i == 0 { low } else { Some((inner.sep_scores[i - 1], &inner.sep_members[i - 1][..])) };
            let hi = if i + 1 == inner.len { high } else { Some((inner.sep_scores[i], &inner.sep_members[i][..])) };
            let n = self.check_node(inner.children[i], height - 1, lo, hi, false, leaves);
            assert_eq!(inner.counts[i] as usize, n, "count of child {i}");
            total += n;
        }
        for j in inner.len.saturating_sub(1)..B {
            assert!(inner.sep_members[j].is_empty(), "a stale separator member");
        }
        total
    }

    fn count_inners(&self, node: u32, height: usize) -> usize {
        if height == 0 {
            return 0;
        }
        let inner = &self.inners[node as usize];
        1 + inner.children[..inner.len].iter().map(|&c| self.count_inners(c, height - 1)).sum::<usize>()
    }

    #[cfg(test)]
    fn arena_slots(&self) -> usize {
        self.leaves.len() + self.inners.len()
    }
}

/// Entries with their scores, in order, from either end.
pub struct Iter<'a, const B: usize> {
    tree: &'a Tree<B>,
    front: (u32, usize),
    back: (u32, usize),
    remaining: usize,
}

impl<'a, const B: usize> Iterator for Iter<'a, B> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (x, i) = self.front;
        let leaf = &self.tree.leaves[x as usize];
        self.front = if i + 1 < leaf.len() { (x, i + 1) } else { (leaf.next, 0) };
        Some((&leaf.members[i], leaf.scores[i]))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<const B: usize> DoubleEndedIterator for Iter<'_, B> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let (x, i) = self.back;
        let leaf = &self.tree.leaves[x as usize];
        if i > 0 {
            self.back = (x, i - 1);
        } else if self.remaining > 0 {
            self.back = (leaf.prev, self.tree.leaves[leaf.prev as usize].len() - 1);
        }
        Some((&leaf.members[i], leaf.scores[i]))
    }
}

impl<const B: usize> ExactSizeIterator for Iter<'_, B> {}

#[cfg(test)]
mod tests;

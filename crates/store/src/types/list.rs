//! The list value type: a quicklist, Redis's own list structure — a deque of nodes, each
//! packing many small elements back to back in one buffer.
//!
//! Why not one `VecDeque<Bytes>`: every element would cost a 32-byte handle plus an
//! allocation of its own (several times the size of a typical small element), and cloning
//! the list — which the lock-free store does on *every* write, since it is copy-on-write —
//! would touch every element, making a push O(n). Here:
//!
//! - A [`Node`] is either *packed* (elements < [`PLAIN_MIN`] bytes stored contiguously, with
//!   a 2-byte end offset each, at most [`NODE_BYTES`] in all: Redis's default
//!   `list-max-listpack-size -2`) or *plain* (one large element in a buffer of its own, so it
//!   moves between lists without being copied, like Redis 7's plain nodes).
//! - Nodes sit behind `Arc`s: cloning a list copies only the node pointers, and a change
//!   copies (`Arc::make_mut`) only the one node it touches, which is bounded in size.
//!   `triomphe`'s `Arc` (no weak count): its `make_mut` learns that a node is unshared from
//!   a plain load, where `std`'s takes a locked compare-and-swap on every push and pop. So push
//!   and pop at either end are O(1) in a locked store and O(nodes) under copy-on-write.
//! - Length is kept, so LLEN is O(1). Reaching index `i` walks the nodes from the nearer end
//!   (O(n / elements-per-node), as in Redis), then indexes within the node in O(1).
//!
//! OBJECT ENCODING therefore reports `quicklist`, which is what Redis 7.0 reports for every
//! list (Redis 7.2 says `listpack` for lists of a single small node; Tandem follows 7.0).
//! `list-max-listpack-size` and `list-compress-depth` are not consulted: nodes always use the
//! default size and are never compressed.
//!
//! Invariants (checked by `check` in tests): no node is empty; a packed node holds only
//! elements shorter than [`PLAIN_MIN`] and fits in [`NODE_BYTES`]; a plain node holds one
//! element; `len` is the sum of the node lengths. Kept by the command layer, not by this
//! type: a list stored under a key is never empty.

use std::collections::VecDeque;
use std::ops::{Deref, Range};

use bytes::Bytes;
use triomphe::Arc;

/// What OBJECT ENCODING reports for every list (see the module documentation).
pub const ENCODING: &str = "quicklist";

/// The most bytes a packed node holds, counting [`ENTRY_OVERHEAD`] per element (Redis's
/// `list-max-listpack-size -2`: 8 KiB). Small enough that the u16 end offsets always fit.
pub const NODE_BYTES: usize = 8192;

/// Bookkeeping bytes per packed element: its u16 end offset.
const ENTRY_OVERHEAD: usize = 2;

/// Elements at least this long get a plain node of their own.
pub const PLAIN_MIN: usize = NODE_BYTES / 4;

/// One end of a list: `Left` is the head (index 0), `Right` the tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

impl End {
    /// `LEFT` or `RIGHT`, ASCII case-insensitive, as LMOVE and LMPOP take them.
    pub fn parse(word: &[u8]) -> Option<End> {
        if word.eq_ignore_ascii_case(b"left") {
            Some(End::Left)
        } else if word.eq_ignore_ascii_case(b"right") {
            Some(End::Right)
        } else {
            None
        }
    }
}

/// An element of a list, borrowed: dereferences to its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Element<'a> {
    bytes: &'a [u8],
    /// The buffer of a plain node's element, which `to_bytes` shares instead of copying.
    shared: Option<&'a Bytes>,
}

impl<'a> Element<'a> {
    fn new(bytes: &'a [u8]) -> Element<'a> {
        Element { bytes, shared: None }
    }

    /// The element as an owned buffer: shared with the list for a large element, copied
    /// for a small one.
    pub fn to_bytes(&self) -> Bytes {
        match self.shared {
            Some(b) => b.clone(),
            None => Bytes::copy_from_slice(self.bytes),
        }
    }
}

impl Deref for Element<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.bytes
    }
}

/// Small elements back to back in `data[head..]`: element `i` is `data[start(i)..ends[i]]`,
/// where element 0 starts at `head`. The room before `head` lets an element join at the front
/// without moving the others, so a push or pop at either end moves no other element (a
/// front push that finds no room moves the node's bytes once, making room for as many more).
#[derive(Clone, Debug, Default)]
struct Packed {
    data: Vec<u8>,
    ends: VecDeque<u16>,
    head: u16,
}

impl Packed {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Bytes of the elements.
    fn used(&self) -> usize {
        self.data.len() - usize::from(self.head)
    }

    /// Bytes used, as counted against [`NODE_BYTES`].
    fn size(&self) -> usize {
        self.used() + ENTRY_OVERHEAD * self.ends.len()
    }

    /// True if an element of `len` bytes can join.
    fn fits(&self, len: usize) -> bool {
        len < PLAIN_MIN && self.size() + len + ENTRY_OVERHEAD <= NODE_BYTES
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 {
            usize::from(self.head)
        } else {
            usize::from(self.ends[i - 1])
        }
    }

    fn get(&self, i: usize) -> &[u8] {
        &self.data[self.start(i)..usize::from(self.ends[i])]
    }

    /// The capacity for `extra` more bytes: double what is used, but never past what a full
    /// node needs, so a full node wastes little.
    fn grown(&self, extra: usize) -> usize {
        let need = self.used() + extra;
        (self.used() * 2).clamp(need, NODE_BYTES.max(need))
    }

    /// Appends `v`, which must fit.
    fn push_back(&mut self, v: &[u8]) {
        if self.data.len() + v.len() > self.data.capacity() {
            if usize::from(self.head) >= self.used() {
                // The room front pops left (a queue's) is as big as the elements: move them
                // to the front instead of growing, so the buffer stays within a node's size
                // and its u16 offsets within range.
                let head = self.head;
                self.data.drain(..usize::from(head));
                for end in &mut self.ends {
                    *end -= head;
                }
                self.head = 0;
            }
            if self.data.len() + v.len() > self.data.capacity() {
                let target = usize::from(self.head) + self.grown(v.len());
                self.data.reserve_exact(target - self.data.len());
            }
        }
        self.data.extend_from_slice(v);
        self.ends.push_back(self.data.len() as u16);
    }

    /// Prepends `v`, which must fit.
    fn push_front(&mut self, v: &[u8]) {
        if usize::from(self.head) < v.len() {
            // Room for `v` and as many bytes again as the elements use (within a full node).
            let room = self.grown(v.len()) - self.used();
            let mut data = Vec::with_capacity(room + self.used());
            data.resize(room, 0);
            data.extend_from_slice(&self.data[usize::from(self.head)..]);
            let shift = room - usize::from(self.head);
            for end in &mut self.ends {
                *end += shift as u16;
            }
            (self.data, self.head) = (data, room as u16);
        }
        let end = self.head;
        self.head -= v.len() as u16;
        self.data[usize::from(self.head)..usize::from(end)].copy_from_slice(v);
        self.ends.push_front(end);
    }

    fn pop_back(&mut self) -> Option<Bytes> {
        self.ends.pop_back()?;
        let start = self.ends.back().map_or(usize::from(self.head), |&e| usize::from(e));
        let v = Bytes::copy_from_slice(&self.data[start..]);
        self.data.truncate(start);
        Some(v)
    }

    fn pop_front(&mut self) -> Option<Bytes> {
        let end = self.ends.pop_front()?;
        let v = Bytes::copy_from_slice(&self.data[usize::from(self.head)..usize::from(end)]);
        self.head = end;
        Some(v)
    }
}

/// A node of the quicklist (see the module documentation).
#[derive(Clone, Debug)]
enum Node {
    Packed(Packed),
    Plain(Bytes),
}

impl Node {
    fn len(&self) -> usize {
        match self {
            Node::Packed(p) => p.len(),
            Node::Plain(_) => 1,
        }
    }

    fn get(&self, i: usize) -> Element<'_> {
        match self {
            Node::Packed(p) => Element::new(p.get(i)),
            Node::Plain(b) => Element { bytes: b, shared: Some(b) },
        }
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = Element<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// Packs `elements` into as few nodes as a greedy fill gives.
fn pack<'a>(elements: impl IntoIterator<Item = Element<'a>>) -> Vec<Arc<Node>> {
    let mut nodes = Vec::new();
    let mut packed = Packed::default();
    for e in elements {
        if e.len() >= PLAIN_MIN {
            if packed.len() > 0 {
                nodes.push(Arc::new(Node::Packed(std::mem::take(&mut packed))));
            }
            nodes.push(Arc::new(Node::Plain(e.to_bytes())));
            continue;
        }
        if !packed.fits(e.len()) {
            nodes.push(Arc::new(Node::Packed(std::mem::take(&mut packed))));
        }
        packed.push_back(&e);
    }
    if packed.len() > 0 {
        nodes.push(Arc::new(Node::Packed(packed)));
    }
    nodes
}

/// A list value (see the module documentation).
#[derive(Clone, Default)]
pub struct List {
    nodes: VecDeque<Arc<Node>>,
    len: usize,
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    /// The encoding OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        ENCODING
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a copy of `value` at `end`.
    pub fn push(&mut self, end: End, value: &[u8]) {
        if value.len() >= PLAIN_MIN {
            self.push_node(end, Node::Plain(Bytes::copy_from_slice(value)));
            return;
        }
        let node = match end {
            End::Left => self.nodes.front_mut(),
            End::Right => self.nodes.back_mut(),
        };
        if let Some(node) = node.filter(|n| matches!(&***n, Node::Packed(p) if p.fits(value.len()))) {
            if let Node::Packed(p) = Arc::make_mut(node) {
                match end {
                    End::Left => p.push_front(value),
                    End::Right => p.push_back(value),
                }
                self.len += 1;
                return;
            }
        }
        let mut p = Packed::default();
        p.push_back(value);
        self.push_node(end, Node::Packed(p));
    }

    /// Adds `value` at `end` without copying it when it is large: `value` must already be an
    /// owned buffer (one popped from a list), never a slice of a connection's read buffer.
    pub fn push_owned(&mut self, end: End, value: Bytes) {
        if value.len() >= PLAIN_MIN {
            self.push_node(end, Node::Plain(value));
        } else {
            self.push(end, &value);
        }
    }

    fn push_node(&mut self, end: End, node: Node) {
        self.len += node.len();
        match end {
            End::Left => self.nodes.push_front(Arc::new(node)),
            End::Right => self.nodes.push_back(Arc::new(node)),
        }
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Bytes> {
        let node = match end {
            End::Left => self.nodes.front_mut(),
            End::Right => self.nodes.back_mut(),
        }?;
        let (value, emptied) = match Arc::make_mut(node) {
            Node::Plain(b) => (std::mem::take(b), true),
            Node::Packed(p) => {
                let v = match end {
                    End::Left => p.pop_front(),
                    End::Right => p.pop_back(),
                };
                (v?, p.len() == 0)
            }
        };
        if emptied {
            match end {
                End::Left => self.nodes.pop_front(),
                End::Right => self.nodes.pop_back(),
            };
        }
        self.len -= 1;
        Some(value)
    }

    /// The node holding `index` and the index within it, walking from the nearer end;
    /// `(nodes.len(), 0)` for `index == len`.
    fn locate(&self, index: usize) -> (usize, usize) {
        if index < self.len / 2 {
            let mut i = index;
            for (ni, node) in self.nodes.iter().enumerate() {
                if i < node.len() {
                    return (ni, i);
                }
                i -= node.len();
            }
        } else if index < self.len {
            let mut from_back = self.len - index;
            for (ni, node) in self.nodes.iter().enumerate().rev() {
                if from_back <= node.len() {
                    return (ni, node.len() - from_back);
                }
                from_back -= node.len();
            }
        }
        (self.nodes.len(), 0)
    }

    /// The element at `index` (0 is the head).
    pub fn get(&self, index: usize) -> Option<Element<'_>> {
        if index >= self.len {
            return None;
        }
        let (ni, i) = self.locate(index);
        Some(self.nodes[ni].get(i))
    }

    /// Replaces node `ni` with `nodes`.
    fn replace_node(&mut self, ni: usize, nodes: Vec<Arc<Node>>) {
        let old = self.nodes.remove(ni).map_or(0, |n| n.len());
        self.len = self.len - old + nodes.iter().map(|n| n.len()).sum::<usize>();
        for (k, node) in nodes.into_iter().enumerate() {
            self.nodes.insert(ni + k, node);
        }
    }

    /// Replaces the element at `index` with a copy of `value`; false (and no change) if there
    /// is none.
    pub fn set(&mut self, index: usize, value: &[u8]) -> bool {
        if index >= self.len {
            return false;
        }
        let (ni, i) = self.locate(index);
        let node = &self.nodes[ni];
        let rebuilt = pack(node.iter().enumerate().map(|(k, e)| if k == i { Element::new(value) } else { e }));
        self.replace_node(ni, rebuilt);
        true
    }

    /// Inserts a copy of `value` so that it ends up at `index` (`len()` appends).
    ///
    /// # Panics
    /// If `index > len()`.
    pub fn insert(&mut self, index: usize, value: &[u8]) {
        assert!(index <= self.len, "insertion index {index} out of bounds (len {})", self.len);
        if index == 0 {
            return self.push(End::Left, value);
        }
        if index == self.len {
            return self.push(End::Right, value);
        }
        let (ni, i) = self.locate(index);
        let node = &self.nodes[ni];
        let rebuilt = pack(node.iter().take(i).chain(std::iter::once(Element::new(value))).chain(node.iter().skip(i)));
        self.replace_node(ni, rebuilt);
    }

    /// The elements from head to tail.
    pub fn iter(&self) -> Iter<'_> {
        self.range(0..self.len)
    }

    /// The elements whose indexes are in `range`, from head to tail.
    ///
    /// # Panics
    /// If the range is decreasing or reaches past the end of the list.
    pub fn range(&self, range: Range<usize>) -> Iter<'_> {
        assert!(range.start <= range.end && range.end <= self.len, "range {range:?} out of bounds (len {})", self.len);
        Iter {
            nodes: &self.nodes,
            front: self.locate(range.start),
            back: self.locate(range.end),
            remaining: range.len(),
        }
    }

    /// The index of the first element equal to `value`, searching from the head.
    pub fn position(&self, value: &[u8]) -> Option<usize> {
        self.iter().position(|e| *e == *value)
    }

    /// Removes up to `limit` elements equal to `value`, the ones nearest `from` first;
    /// returns how many were removed. Only nodes holding a removed element are rebuilt.
    pub fn remove_matching(&mut self, value: &[u8], limit: usize, from: End) -> usize {
        let mut left = limit;
        let mut doomed: Vec<Option<Vec<bool>>> = vec![None; self.nodes.len()];
        let order: Box<dyn Iterator<Item = usize>> = match from {
            End::Left => Box::new(0..self.nodes.len()),
            End::Right => Box::new((0..self.nodes.len()).rev()),
        };
        for ni in order {
            if left == 0 {
                break;
            }
            let node = &self.nodes[ni];
            let within: Box<dyn Iterator<Item = usize>> = match from {
                End::Left => Box::new(0..node.len()),
                End::Right => Box::new((0..node.len()).rev()),
            };
            for i in within {
                if left == 0 {
                    break;
                }
                if *node.get(i) == *value {
                    doomed[ni].get_or_insert_with(|| vec![false; node.len()])[i] = true;
                    left -= 1;
                }
            }
        }
        let removed = limit - left;
        if removed == 0 {
            return 0;
        }
        let old = std::mem::take(&mut self.nodes);
        for (node, doomed) in old.into_iter().zip(doomed) {
            match doomed {
                None => self.nodes.push_back(node),
                Some(doomed) => self.nodes.extend(pack(node.iter().zip(doomed).filter(|(_, d)| !d).map(|(e, _)| e))),
            }
        }
        self.len -= removed;
        removed
    }

    /// Keeps only the elements whose indexes are in `keep` (clamped to the list, so an empty
    /// or out-of-bounds range keeps what it covers, possibly nothing).
    pub fn trim(&mut self, keep: Range<usize>) {
        let end = keep.end.min(self.len);
        let start = keep.start.min(end);
        self.drop_from(End::Right, self.len - end);
        self.drop_from(End::Left, start);
    }

    /// Removes `n` elements at `end`: whole nodes, then part of the one that remains.
    fn drop_from(&mut self, end: End, mut n: usize) {
        while n > 0 {
            let (ni, node_len) = match end {
                End::Left => (0, self.nodes.front().map_or(0, |node| node.len())),
                End::Right => (self.nodes.len().saturating_sub(1), self.nodes.back().map_or(0, |node| node.len())),
            };
            if node_len == 0 {
                return;
            }
            if node_len <= n {
                self.replace_node(ni, Vec::new());
                n -= node_len;
                continue;
            }
            let node = &self.nodes[ni];
            let rebuilt = match end {
                End::Left => pack(node.iter().skip(n)),
                End::Right => pack(node.iter().take(node_len - n)),
            };
            self.replace_node(ni, rebuilt);
            n = 0;
        }
    }

    /// Asserts the structural invariants (see the module documentation).
    #[cfg(test)]
    fn check(&self) {
        let mut total = 0;
        for node in &self.nodes {
            assert!(node.len() > 0, "empty node");
            if let Node::Packed(p) = &**node {
                assert!(p.size() <= NODE_BYTES, "oversized node");
                assert!((1..p.len()).all(|i| p.ends[i - 1] <= p.ends[i]));
                assert!(p.ends.front().is_none_or(|&e| e >= p.head));
                assert_eq!(p.ends.back().map_or(usize::from(p.head), |&e| usize::from(e)), p.data.len());
                assert!((0..p.len()).all(|i| p.get(i).len() < PLAIN_MIN), "large element in a packed node");
            }
            total += node.len();
        }
        assert_eq!(total, self.len);
    }
}

/// Lists are equal when their elements are, however they are split into nodes.
impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len == other.len && self.iter().zip(other.iter()).all(|(a, b)| *a == *b)
    }
}

/// The elements, however they are split into nodes.
impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|e| e.to_bytes())).finish()
    }
}

impl FromIterator<Bytes> for List {
    fn from_iter<I: IntoIterator<Item = Bytes>>(iter: I) -> List {
        let mut list = List::new();
        for v in iter {
            list.push_owned(End::Right, v);
        }
        list
    }
}

/// An iterator over a range of a list's elements, from either end.
pub struct Iter<'a> {
    nodes: &'a VecDeque<Arc<Node>>,
    /// Position of the next element from the front: (node, index within it).
    front: (usize, usize),
    /// Position just after the next element from the back.
    back: (usize, usize),
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let (ni, i) = self.front;
        let node = &self.nodes[ni];
        self.front = if i + 1 < node.len() { (ni, i + 1) } else { (ni + 1, 0) };
        self.remaining -= 1;
        Some(node.get(i))
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
        let (mut ni, mut i) = self.back;
        if i == 0 {
            ni -= 1;
            i = self.nodes[ni].len();
        }
        i -= 1;
        self.back = (ni, i);
        self.remaining -= 1;
        Some(self.nodes[ni].get(i))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(items: &[&str]) -> List {
        items.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn items(l: &List) -> Vec<String> {
        l.iter().map(|b| String::from_utf8_lossy(&b).into_owned()).collect()
    }

    #[test]
    fn push_and_pop_work_at_both_ends() {
        let mut l = List::new();
        l.push(End::Left, b"b");
        l.push(End::Left, b"a");
        l.push(End::Right, b"c");
        assert_eq!(items(&l), ["a", "b", "c"]);
        assert_eq!(l.pop(End::Right).as_deref(), Some(&b"c"[..]));
        assert_eq!(l.pop(End::Left).as_deref(), Some(&b"a"[..]));
        assert_eq!(l.len(), 1);
        assert_eq!(l.pop(End::Left).as_deref(), Some(&b"b"[..]));
        assert_eq!(l.pop(End::Left), None);
        assert!(l.is_empty());
        l.check();
    }

    /// A queue (RPUSH, LPOP) that never empties keeps using one node: the room its pops
    /// leave at the front is taken back, and the node's offsets never overflow.
    #[test]
    fn a_queue_that_never_empties_reuses_its_node() {
        let mut l = list(&["0", "1", "2"]);
        for i in 3..100_000 {
            l.push(End::Right, i.to_string().as_bytes());
            let expected = (i - 3).to_string();
            assert_eq!(l.pop(End::Left).as_deref(), Some(expected.as_bytes()));
        }
        assert_eq!(items(&l), ["99997", "99998", "99999"]);
        l.check();
        let Node::Packed(p) = &*l.nodes[0] else { panic!("a packed node") };
        assert!(p.data.capacity() <= NODE_BYTES, "capacity {}", p.data.capacity());
    }

    #[test]
    fn get_and_set_address_elements_from_the_head() {
        let mut l = list(&["a", "b", "c"]);
        assert_eq!(l.get(1).as_deref(), Some(&b"b"[..]));
        assert!(l.get(3).is_none());
        assert!(l.set(2, b"z"));
        assert!(!l.set(3, b"y"));
        assert_eq!(items(&l), ["a", "b", "z"]);
    }

    #[test]
    fn insert_places_the_value_at_the_index() {
        let mut l = list(&["a", "c"]);
        l.insert(1, b"b");
        l.insert(3, b"d");
        l.insert(0, b"_");
        assert_eq!(items(&l), ["_", "a", "b", "c", "d"]);
    }

    #[test]
    fn position_finds_the_first_match() {
        let l = list(&["a", "b", "a"]);
        assert_eq!(l.position(b"a"), Some(0));
        assert_eq!(l.position(b"b"), Some(1));
        assert_eq!(l.position(b"x"), None);
    }

    #[test]
    fn remove_matching_starts_at_the_given_end() {
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.remove_matching(b"a", 1, End::Right), 1);
        assert_eq!(items(&l), ["a", "b", "a", "c"]);
        assert_eq!(l.remove_matching(b"a", 1, End::Left), 1);
        assert_eq!(items(&l), ["b", "a", "c"]);
        assert_eq!(l.remove_matching(b"x", usize::MAX, End::Left), 0);
        assert_eq!(l.remove_matching(b"a", usize::MAX, End::Left), 1);
        assert_eq!(items(&l), ["b", "c"]);
    }

    #[test]
    fn trim_keeps_the_range() {
        let mut l = list(&["a", "b", "c", "d"]);
        l.trim(1..3);
        assert_eq!(items(&l), ["b", "c"]);
        l.trim(1..10);
        assert_eq!(items(&l), ["c"]);
        l.trim(5..7);
        assert!(l.is_empty());
        l.check();
    }

    #[test]
    fn range_yields_the_covered_elements_from_either_end() {
        let l = list(&["a", "b", "c", "d"]);
        let got: Vec<Vec<u8>> = l.range(1..3).map(|b| b.to_vec()).collect();
        assert_eq!(got, [b"b".to_vec(), b"c".to_vec()]);
        let back: Vec<Vec<u8>> = l.range(1..4).rev().map(|b| b.to_vec()).collect();
        assert_eq!(back, [b"d".to_vec(), b"c".to_vec(), b"b".to_vec()]);
        assert_eq!(l.range(2..2).count(), 0);
    }

    #[test]
    fn encoding_is_quicklist_as_in_redis_7_0() {
        assert_eq!(List::new().encoding(), "quicklist");
    }

    #[test]
    fn small_elements_share_nodes_and_large_ones_get_their_own() {
        let mut l = List::new();
        for _ in 0..1000 {
            l.push(End::Right, b"0123456789");
        }
        // 12 bytes each in 8 KiB nodes: 682 per node.
        assert_eq!(l.nodes.len(), 2);
        l.push(End::Right, &vec![b'x'; PLAIN_MIN]);
        assert!(matches!(&**l.nodes.back().expect("node"), Node::Plain(_)));
        assert_eq!(l.nodes.len(), 3);
        l.check();
    }

    #[test]
    fn a_large_element_is_shared_not_copied_when_popped_and_pushed() {
        let big = Bytes::from(vec![b'x'; PLAIN_MIN * 2]);
        let mut l = List::new();
        l.push_owned(End::Left, big.clone());
        let popped = l.pop(End::Right).expect("element");
        assert_eq!(popped.as_ptr(), big.as_ptr());
        assert_eq!(l.iter().count(), 0);
    }

    #[test]
    fn a_clone_shares_nodes_until_one_side_changes() {
        let mut a = List::new();
        for i in 0..5000 {
            a.push(End::Right, format!("{i}").as_bytes());
        }
        assert!(a.nodes.len() >= 3);
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.nodes[0], &b.nodes[0]));
        a.push(End::Right, b"new");
        a.set(0, b"changed");
        assert_eq!(b.get(0).as_deref(), Some(&b"0"[..]));
        assert_eq!(b.len(), 5000);
        assert!(a.nodes.iter().any(|n| Arc::ptr_eq(n, &b.nodes[1])), "untouched nodes stay shared");
        a.check();
        b.check();
    }

    #[test]
    fn debug_shows_the_elements() {
        assert_eq!(format!("{:?}", list(&["a", "b"])), r#"[b"a", b"b"]"#);
    }

    #[test]
    fn equality_ignores_how_elements_are_split_into_nodes() {
        let mut a = List::new();
        let mut b = List::new();
        for i in 0..1000 {
            a.push(End::Right, format!("{i}").as_bytes());
        }
        for i in (0..1000).rev() {
            b.push(End::Left, format!("{i}").as_bytes());
        }
        b.remove_matching(b"500", 1, End::Left);
        b.insert(500, b"500");
        assert_eq!(a, b);
        b.set(0, b"x");
        assert_ne!(a, b);
    }

    /// One operation of the model test.
    #[derive(Clone, Debug)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool),
        Set(usize, Vec<u8>),
        Insert(usize, Vec<u8>),
        Remove(Vec<u8>, usize, bool),
        Trim(usize, usize),
        Range(usize, usize),
    }

    /// Element sizes that fill nodes quickly and cross the plain-node threshold.
    fn element() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => (0u8..3, 0usize..400).prop_map(|(b, n)| vec![b'a' + b; n]),
            1 => (0u8..2, PLAIN_MIN - 1..PLAIN_MIN + 2).prop_map(|(b, n)| vec![b'a' + b; n]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<bool>(), element()).prop_map(|(l, v)| Op::Push(l, v)),
            3 => any::<bool>().prop_map(Op::Pop),
            1 => (0usize..200, element()).prop_map(|(i, v)| Op::Set(i, v)),
            1 => (0usize..200, element()).prop_map(|(i, v)| Op::Insert(i, v)),
            1 => (element(), 0usize..4, any::<bool>()).prop_map(|(v, n, l)| Op::Remove(v, n, l)),
            1 => (0usize..100, 0usize..200).prop_map(|(a, b)| Op::Trim(a, b)),
            1 => (0usize..200, 0usize..200).prop_map(|(a, b)| Op::Range(a, b)),
        ]
    }

    fn end(left: bool) -> End {
        if left {
            End::Left
        } else {
            End::Right
        }
    }

    proptest! {
        #[test]
        fn behaves_like_a_vecdeque(ops in prop::collection::vec(op(), 1..300)) {
            let mut list = List::new();
            let mut model: VecDeque<Vec<u8>> = VecDeque::new();
            for op in ops {
                let before = list.clone();
                let model_before = model.clone();
                match op {
                    Op::Push(left, v) => {
                        list.push(end(left), &v);
                        if left { model.push_front(v) } else { model.push_back(v) }
                    }
                    Op::Pop(left) => {
                        let got = list.pop(end(left)).map(|b| b.to_vec());
                        let want = if left { model.pop_front() } else { model.pop_back() };
                        prop_assert_eq!(got, want);
                    }
                    Op::Set(i, v) => {
                        let ok = list.set(i, &v);
                        prop_assert_eq!(ok, i < model.len());
                        if ok { model[i] = v; }
                    }
                    Op::Insert(i, v) => {
                        let i = i.min(model.len());
                        list.insert(i, &v);
                        model.insert(i, v);
                    }
                    Op::Remove(v, n, left) => {
                        let limit = if n == 0 { usize::MAX } else { n };
                        let mut doomed: Vec<usize> = (0..model.len()).filter(|&i| model[i] == v).collect();
                        if !left { doomed.reverse(); }
                        doomed.truncate(limit);
                        prop_assert_eq!(list.remove_matching(&v, limit, end(left)), doomed.len());
                        let mut i = 0;
                        model.retain(|_| { i += 1; !doomed.contains(&(i - 1)) });
                    }
                    Op::Trim(start, len) => {
                        list.trim(start..start + len);
                        let end = (start + len).min(model.len());
                        let start = start.min(end);
                        model = model.range(start..end).cloned().collect();
                    }
                    Op::Range(a, b) => {
                        let (a, b) = (a.min(b).min(model.len()), b.max(a).min(model.len()));
                        let got: Vec<Vec<u8>> = list.range(a..b).map(|e| e.to_vec()).collect();
                        let want: Vec<Vec<u8>> = model.range(a..b).cloned().collect();
                        prop_assert_eq!(got, want);
                        let back: Vec<Vec<u8>> = list.range(a..b).rev().map(|e| e.to_vec()).collect();
                        let want_back: Vec<Vec<u8>> = model.range(a..b).rev().cloned().collect();
                        prop_assert_eq!(back, want_back);
                    }
                }
                list.check();
                prop_assert_eq!(list.len(), model.len());
                let got: Vec<Vec<u8>> = list.iter().map(|e| e.to_vec()).collect();
                prop_assert_eq!(&got, &Vec::from(model.clone()));
                for (i, want) in model.iter().enumerate() {
                    prop_assert_eq!(list.get(i).map(|e| e.to_vec()), Some(want.clone()));
                }
                // A clone taken before the change is untouched by it.
                before.check();
                let kept: Vec<Vec<u8>> = before.iter().map(|e| e.to_vec()).collect();
                prop_assert_eq!(kept, Vec::from(model_before));
            }
        }
    }
}

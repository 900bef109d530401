//! [`HashTrie`]: a lock-free map from (64-bit hash, key) to an immutable `Arc<T>`, the index
//! behind `--store=lockfree`.
//!
//! **Shape.** A trie over the bits of the hash: a root of [`ROOT_FANOUT`] slots indexed by the
//! hash's top [`ROOT_BITS`] bits, then inner nodes of [`FANOUT`] slots, each level indexed by
//! the next [`BITS`] bits. A slot is one atomic word holding one of:
//! - nothing;
//! - an *item* (`Arc<T>`, the only key in this part of the hash space);
//! - a *bucket*: the items of two or more keys with the very same 64-bit hash, as an
//!   immutable list sorted by key;
//! - an *inner node*.
//!
//! A lookup follows inner nodes down the hash's bits until it reaches an item or bucket — about
//! log16(n / 65536) + 2 pointer hops for n keys, instead of a skip list's ~log2(n) key
//! comparisons. Children are visited in index order, so an in-order walk yields items in
//! (hash, key) order: a SCAN cursor or a snapshot segment is a hash, and "every item at or
//! after hash h" is a walk from h's path.
//!
//! **Why it is lock-free.** Every change is one compare-and-swap on one slot:
//! - insert into an empty slot: nothing → item;
//! - replace or delete: item → item', item → nothing; a bucket → a new bucket (or the one
//!   remaining item);
//! - a second key arriving at a slot with an item (or bucket) of a different hash: the slot is
//!   replaced by a new inner node holding (its own reference to) the old content one level
//!   down; the insert then retries one level lower. Same hash: the slot becomes a bucket.
//!
//! Items and buckets are immutable once published, and an inner node, once linked, is never
//! unlinked (only [`HashTrie::clear`] drops whole subtrees). So a writer that read a slot can
//! decide everything from that one word: if its compare-and-swap succeeds nothing changed in
//! between, and a writer never changes a node that has left the trie (which would lose its
//! write). A failed compare-and-swap means another thread's succeeded, so some operation
//! always completes. Empty inner nodes stay: with a random hash they are reused by the next
//! keys that land there, and their number is bounded by the keys the trie ever held.
//!
//! **Reclamation.** Replaced items, buckets and inner nodes are freed through
//! `crossbeam_epoch`: a reader pins the current epoch while it follows pointers, and whatever a
//! writer unlinks is only released once every thread pinned at that time has unpinned. The
//! same rule makes comparing words safe from ABA: while a writer is pinned, nothing it read can
//! be freed and its address reused. Each slot (and each bucket) owns one strong reference to
//! the items it holds; an item that moves (into a bucket or a new inner node) is cloned there,
//! and the old slot's reference is released with the old word.
//!
//! **Sparse walks.** A bitmap over the root marks the slots that ever held something (set just
//! before the compare-and-swap that fills an empty root slot, cleared only by
//! [`HashTrie::clear`]), so a walk over a small or empty trie reads 1024 words instead of
//! 65536 slots: SCAN, RANDOMKEY and snapshots of the 15 unused databases cost next to nothing.
//!
//! A removed item's reference count still includes the trie's released reference until the
//! epoch advances (`help_reclaim` lets it, in tests): a caller cannot count on owning an
//! item outright soon after removing it.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicIsize, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crossbeam_epoch::{self as epoch, Guard};

use crate::prefetch::prefetch;

/// What a [`HashTrie`] holds: something that knows its key and that key's hash.
pub trait TrieItem: Send + Sync + 'static {
    fn hash(&self) -> u64;
    fn key(&self) -> &[u8];
}

/// Hash bits indexing the root: 65536 slots (512 KiB of address space, allocated zeroed so
/// the kernel maps only the pages keys land on), so the top four levels of every path are one
/// array: a million keys are ~16 per root slot, reached in one or two more hops.
pub const ROOT_BITS: u32 = 16;
pub const ROOT_FANOUT: usize = 1 << ROOT_BITS;
/// Hash bits per level below the root.
pub const BITS: u32 = 4;
pub const FANOUT: usize = 1 << BITS;
/// The deepest level: by then all 64 bits are used, so only equal hashes share a slot.
const MAX_LEVEL: u32 = (64 - ROOT_BITS) / BITS;
const _: () = assert!((64 - ROOT_BITS).is_multiple_of(BITS));

const TAG_MASK: usize = 0b11;
const TAG_ITEM: usize = 0;
const TAG_INNER: usize = 1;
const TAG_BUCKET: usize = 2;

fn root_index(hash: u64) -> usize {
    (hash >> (64 - ROOT_BITS)) as usize
}

/// The slot of `hash` in an inner node at `level` (the root is level 0).
fn child_index(hash: u64, level: u32) -> usize {
    debug_assert!((1..=MAX_LEVEL).contains(&level));
    ((hash >> (64 - ROOT_BITS - BITS * level)) as usize) & (FANOUT - 1)
}

struct Inner {
    children: [AtomicUsize; FANOUT],
}

/// Items whose keys share one full hash, sorted by key; at least two.
struct Bucket<T> {
    hash: u64,
    items: Vec<Arc<T>>,
}

/// A slot's word, decoded. The references live as long as the caller stays pinned.
enum Node<'g, T> {
    Empty,
    Item(*const T),
    Inner(&'g Inner),
    Bucket(&'g Bucket<T>),
}

impl<T> Clone for Node<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Node<'_, T> {}

/// Decodes a slot word.
///
/// # Safety
/// `word` was read from a slot of a `HashTrie<T>` while `_guard` is pinned.
unsafe fn decode<T>(word: usize, _guard: &Guard) -> Node<'_, T> {
    let ptr = word & !TAG_MASK;
    if ptr == 0 {
        return Node::Empty;
    }
    match word & TAG_MASK {
        TAG_ITEM => Node::Item(ptr as *const T),
        TAG_INNER => Node::Inner(&*(ptr as *const Inner)),
        _ => Node::Bucket(&*(ptr as *const Bucket<T>)),
    }
}

/// Borrows an item's `Arc` without touching its count.
///
/// # Safety
/// `ptr` came from `Arc::into_raw` and a reference to it is held while the result lives.
unsafe fn borrow_item<T>(ptr: *const T) -> ManuallyDrop<Arc<T>> {
    ManuallyDrop::new(Arc::from_raw(ptr))
}

fn item_word<T>(item: Arc<T>) -> usize {
    let word = Arc::into_raw(item) as usize;
    debug_assert_eq!(word & TAG_MASK, 0, "items are aligned to at least 4 bytes");
    word | TAG_ITEM
}

fn bucket_word<T>(bucket: Bucket<T>) -> usize {
    debug_assert!(bucket.items.len() >= 2);
    Box::into_raw(Box::new(bucket)) as usize | TAG_BUCKET
}

/// Releases what a word owns (recursively for inner nodes).
///
/// # Safety
/// The word is owned by the caller: never published, or unlinked and no longer reachable by
/// any thread (after an epoch, or with `&mut` access to the trie).
unsafe fn drop_word<T>(word: usize) {
    let ptr = word & !TAG_MASK;
    if ptr == 0 {
        return;
    }
    match word & TAG_MASK {
        TAG_ITEM => drop(Arc::from_raw(ptr as *const T)),
        TAG_INNER => {
            let inner = Box::from_raw(ptr as *mut Inner);
            for child in &inner.children {
                drop_word::<T>(child.load(Ordering::Relaxed));
            }
        }
        _ => drop(Box::from_raw(ptr as *mut Bucket<T>)),
    }
}

/// Frees `word` once no pinned thread can still be reading it.
///
/// # Safety
/// `word` was just unlinked from the trie by the caller's successful compare-and-swap.
unsafe fn retire<T: TrieItem>(guard: &Guard, word: usize) {
    if word & !TAG_MASK != 0 {
        guard.defer_unchecked(move || drop_word::<T>(word));
    }
}

/// A copy of `word` (an item or bucket) with its own references, for a new inner node.
///
/// # Safety
/// As for [`decode`].
unsafe fn clone_leaf<T>(word: usize, guard: &Guard) -> usize {
    match decode::<T>(word, guard) {
        Node::Item(ptr) => item_word(Arc::clone(&borrow_item(ptr))),
        Node::Bucket(b) => bucket_word(Bucket { hash: b.hash, items: b.items.clone() }),
        Node::Empty | Node::Inner(_) => unreachable!("only items and buckets are pushed down"),
    }
}

/// Lets deferred frees run: the trie's references to removed items are released only once the
/// epoch advances. Call it while waiting for an item to become unique.
#[cfg(test)]
pub fn help_reclaim() {
    epoch::pin().flush();
}

/// A lock-free map from (hash, key) to `Arc<T>`, walked in (hash, key) order. See the module
/// documentation.
pub struct HashTrie<T: TrieItem> {
    root: Box<[AtomicUsize]>,
    /// One bit per root slot: set if the slot may hold something (see "Sparse walks").
    occupied: Box<[AtomicU64]>,
    /// Items held; may be briefly off (and negative) while writers race, exact when quiet.
    len: AtomicIsize,
    _items: PhantomData<Arc<T>>,
}

impl<T: TrieItem> Default for HashTrie<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TrieItem> HashTrie<T> {
    pub fn new() -> Self {
        const { assert!(std::mem::align_of::<T>() > TAG_MASK, "tags live in an item pointer's low bits") };
        // SAFETY: zero bytes are a valid `AtomicUsize` (an empty slot).
        let root = unsafe { Box::<[AtomicUsize]>::new_zeroed_slice(ROOT_FANOUT).assume_init() };
        let occupied = (0..ROOT_FANOUT / 64).map(|_| AtomicU64::new(0)).collect();
        HashTrie { root, occupied, len: AtomicIsize::new(0), _items: PhantomData }
    }

    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed).max(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item of `key` (whose hash is `hash`).
    pub fn get(&self, hash: u64, key: &[u8]) -> Option<Arc<T>> {
        let guard = &epoch::pin();
        let mut level = 0;
        let mut slot = &self.root[root_index(hash)];
        loop {
            // SAFETY: a slot of this trie, read while pinned.
            match unsafe { decode::<T>(slot.load(Ordering::Acquire), guard) } {
                Node::Empty => return None,
                Node::Inner(inner) => {
                    level += 1;
                    slot = &inner.children[child_index(hash, level)];
                }
                Node::Item(ptr) => {
                    // SAFETY: the slot holds a reference, released only after we unpin.
                    let item = unsafe { borrow_item(ptr) };
                    return (item.hash() == hash && item.key() == key).then(|| Arc::clone(&item));
                }
                Node::Bucket(b) => {
                    return if b.hash == hash { b.items.iter().find(|i| i.key() == key).cloned() } else { None };
                }
            }
        }
    }

    /// Replaces the item of `key` by `new` (`None` deletes) if `accept` agrees, given the
    /// current item; atomically. `Ok(previous)` on success, `Err(new)` when `accept` refused.
    /// `accept` may be called more than once (once per attempt).
    pub fn replace(
        &self,
        hash: u64,
        key: &[u8],
        new: Option<Arc<T>>,
        mut accept: impl FnMut(Option<&Arc<T>>) -> bool,
    ) -> Result<Option<Arc<T>>, Option<Arc<T>>> {
        debug_assert!(new.as_ref().is_none_or(|n| n.hash() == hash && n.key() == key));
        let guard = &epoch::pin();
        let mut level = 0;
        let mut slot = &self.root[root_index(hash)];
        loop {
            let word = slot.load(Ordering::Acquire);
            // SAFETY: a slot of this trie, read while pinned.
            let node = unsafe { decode::<T>(word, guard) };
            // What the slot holds for `key`, and what it holds besides.
            let current = match node {
                Node::Inner(inner) => {
                    level += 1;
                    slot = &inner.children[child_index(hash, level)];
                    continue;
                }
                Node::Empty => None,
                // SAFETY: the slot holds a reference, released only after we unpin.
                Node::Item(ptr) => {
                    let item = unsafe { borrow_item(ptr) };
                    (item.hash() == hash && item.key() == key).then_some(item)
                }
                Node::Bucket(b) => {
                    (b.hash == hash)
                        .then(|| b.items.iter().find(|i| i.key() == key))
                        .flatten()
                        // SAFETY: the bucket holds a reference, released only after we unpin.
                        .map(|i| unsafe { borrow_item(Arc::as_ptr(i)) })
                }
            };
            if !accept(current.as_deref()) {
                return Err(new);
            }
            let leaf_hash = match node {
                // SAFETY: as above.
                Node::Item(ptr) => unsafe { (*ptr).hash() },
                Node::Bucket(b) => b.hash,
                Node::Empty | Node::Inner(_) => hash,
            };
            let mut split = false;
            let replacement = match (node, &new) {
                // Deleting an absent key: nothing to change.
                (Node::Empty, None) => return Ok(None),
                (_, None) if current.is_none() => return Ok(None),
                (Node::Empty, Some(n)) => {
                    if level == 0 {
                        // Before the slot is filled, so a walk that can see the item sees the bit.
                        let i = root_index(hash);
                        self.occupied[i / 64].fetch_or(1 << (i % 64), Ordering::SeqCst);
                    }
                    item_word(Arc::clone(n))
                }
                (Node::Item(_), None) => 0,
                (Node::Item(_), Some(n)) if current.is_some() => item_word(Arc::clone(n)),
                (Node::Bucket(b), _) if b.hash == hash => {
                    let mut items: Vec<Arc<T>> = b.items.iter().filter(|i| i.key() != key).cloned().collect();
                    if let Some(n) = &new {
                        let at = items.partition_point(|i| i.key() < key);
                        items.insert(at, Arc::clone(n));
                    }
                    if items.len() == 1 {
                        item_word(items.pop().expect("one item"))
                    } else {
                        bucket_word(Bucket { hash, items })
                    }
                }
                // Another key with the same hash: the two become a bucket.
                (Node::Item(ptr), Some(n)) if leaf_hash == hash => {
                    // SAFETY: the slot holds a reference, released only after we unpin.
                    let other = Arc::clone(&*unsafe { borrow_item(ptr) });
                    let items = if other.key() < key { vec![other, Arc::clone(n)] } else { vec![Arc::clone(n), other] };
                    bucket_word(Bucket { hash, items })
                }
                (Node::Inner(_), _) => unreachable!("inner nodes are descended into"),
                // Another hash in this slot: push it one level down and try again there.
                (Node::Item(_) | Node::Bucket(_), _) => {
                    assert!(level < MAX_LEVEL, "different hashes part before the last level");
                    let inner = Inner { children: Default::default() };
                    // SAFETY: `word` is an item or bucket read while pinned.
                    let leaf = unsafe { clone_leaf::<T>(word, guard) };
                    inner.children[child_index(leaf_hash, level + 1)].store(leaf, Ordering::Relaxed);
                    split = true;
                    Box::into_raw(Box::new(inner)) as usize | TAG_INNER
                }
            };
            match slot.compare_exchange(word, replacement, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    let previous = current.as_deref().cloned();
                    // SAFETY: our compare-and-swap unlinked `word`.
                    unsafe { retire::<T>(guard, word) };
                    if split {
                        continue;
                    }
                    let delta = new.is_some() as isize - previous.is_some() as isize;
                    if delta != 0 {
                        self.len.fetch_add(delta, Ordering::Relaxed);
                    }
                    return Ok(previous);
                }
                // SAFETY: `replacement` was never published.
                Err(_) => unsafe { drop_word::<T>(replacement) },
            }
        }
    }

    /// Sets the item of its key to `item`, returning the previous one.
    pub fn insert(&self, item: Arc<T>) -> Option<Arc<T>> {
        let (hash, key) = (item.hash(), item.key().to_vec());
        self.replace(hash, &key, Some(item), |_| true).unwrap_or_else(|_| unreachable!("accepts everything"))
    }

    /// Deletes the item of `key`, returning it.
    pub fn remove(&self, hash: u64, key: &[u8]) -> Option<Arc<T>> {
        self.replace(hash, key, None, |_| true).unwrap_or_else(|_| unreachable!("accepts everything"))
    }

    /// Replaces the item of `key` by `new` if it is still `expected` (the same `Arc`; `None`:
    /// absent). True on success.
    pub fn compare_exchange(&self, hash: u64, key: &[u8], expected: Option<&Arc<T>>, new: Option<Arc<T>>) -> bool {
        let same = |cur: Option<&Arc<T>>| match (cur, expected) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        self.replace(hash, key, new, same).is_ok()
    }

    /// Calls `visit` with every item whose hash is at least `start`, in (hash, key) order,
    /// until it breaks. Items present for the whole walk are visited once; others at most once.
    pub fn walk_from(&self, start: u64, visit: &mut dyn FnMut(&Arc<T>) -> ControlFlow<()>) -> ControlFlow<()> {
        let guard = &epoch::pin();
        let first = root_index(start);
        for w in first / 64..self.occupied.len() {
            let mut bits = self.occupied[w].load(Ordering::SeqCst);
            if w == first / 64 {
                bits &= u64::MAX << (first % 64);
            }
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let bound = (i == first).then_some(start);
                // SAFETY: a slot of this trie, read while pinned.
                unsafe { walk_word::<T>(self.root[i].load(Ordering::Acquire), 0, bound, visit, guard)? };
            }
        }
        ControlFlow::Continue(())
    }

    /// The first item at or after `hash`, if any.
    pub fn first_from(&self, hash: u64) -> Option<Arc<T>> {
        let mut found = None;
        let _ = self.walk_from(hash, &mut |item| {
            found = Some(Arc::clone(item));
            ControlFlow::Break(())
        });
        found
    }

    /// Empties the trie. Concurrent readers are safe; writers must not run meanwhile (a write
    /// into a subtree being dropped would be lost), which the caller guarantees.
    pub fn clear(&self) {
        let guard = &epoch::pin();
        let words: Vec<usize> =
            self.root.iter().map(|s| s.swap(0, Ordering::AcqRel)).filter(|w| w & !TAG_MASK != 0).collect();
        self.len.store(0, Ordering::Relaxed);
        for bits in self.occupied.iter() {
            bits.store(0, Ordering::SeqCst);
        }
        // SAFETY: the words were unlinked above; freed once no reader can hold them.
        unsafe {
            guard.defer_unchecked(move || {
                for word in words {
                    drop_word::<T>(word);
                }
            })
        };
    }
}

/// Most lookups [`prefetch_paths`] overlaps at once.
pub const PREFETCH_MAX: usize = 32;

/// Starts loading the paths of several lookups (each a trie and a hash) together, one level
/// per pass, so their cache misses overlap instead of following each other: a batch of
/// pipelined commands (see `Session::prefetch_keys`) or a multi-key command then finds its
/// root slots, inner nodes and items in cache. A hint only: it changes nothing.
pub fn prefetch_paths<'t, T: TrieItem>(targets: impl Iterator<Item = (&'t HashTrie<T>, u64)>) {
    let mut hashes = [0u64; PREFETCH_MAX];
    let mut at: [Option<&AtomicUsize>; PREFETCH_MAX] = [None; PREFETCH_MAX];
    let mut n = 0;
    for ((trie, hash), (h, at)) in targets.zip(hashes.iter_mut().zip(&mut at)) {
        let slot = &trie.root[root_index(hash)];
        prefetch(slot);
        (*h, *at, n) = (hash, Some(slot), n + 1);
    }
    let guard = &epoch::pin();
    for level in 1..=MAX_LEVEL {
        let mut deeper = false;
        for (hash, at) in hashes[..n].iter().zip(&mut at) {
            let Some(slot) = at.take() else { continue };
            // SAFETY: a slot of a trie, read while pinned (so what it points to stays).
            match unsafe { decode::<T>(slot.load(Ordering::Acquire), guard) } {
                Node::Empty => {}
                // SAFETY: as above.
                Node::Item(ptr) => prefetch(unsafe { &*ptr }),
                Node::Bucket(b) => prefetch(b),
                Node::Inner(inner) => {
                    let child = &inner.children[child_index(*hash, level)];
                    prefetch(child);
                    *at = Some(child);
                    deeper = true;
                }
            }
        }
        if !deeper {
            break;
        }
    }
}

/// The in-order walk of one slot's word at `level`. `bound`: the walk's start hash while on its
/// path (subtrees before it are skipped; items in the one it lies in are filtered).
///
/// # Safety
/// As for [`decode`].
unsafe fn walk_word<T>(
    word: usize,
    level: u32,
    bound: Option<u64>,
    visit: &mut dyn FnMut(&Arc<T>) -> ControlFlow<()>,
    guard: &Guard,
) -> ControlFlow<()>
where
    T: TrieItem,
{
    let wanted = |hash: u64| bound.is_none_or(|start| hash >= start);
    match decode::<T>(word, guard) {
        Node::Empty => {}
        Node::Item(ptr) => {
            let item = borrow_item(ptr);
            if wanted(item.hash()) {
                visit(&item)?;
            }
        }
        Node::Bucket(b) => {
            if wanted(b.hash) {
                for item in &b.items {
                    visit(item)?;
                }
            }
        }
        Node::Inner(inner) => {
            let first = bound.map_or(0, |start| child_index(start, level + 1));
            for (i, child) in inner.children.iter().enumerate().skip(first) {
                let bound = bound.filter(|_| i == first);
                walk_word::<T>(child.load(Ordering::Acquire), level + 1, bound, visit, guard)?;
            }
        }
    }
    ControlFlow::Continue(())
}

impl<T: TrieItem> Drop for HashTrie<T> {
    fn drop(&mut self) {
        for slot in self.root.iter() {
            // SAFETY: `&mut self`: no other thread can reach the trie.
            unsafe { drop_word::<T>(slot.load(Ordering::Relaxed)) };
        }
    }
}

#[cfg(test)]
mod tests;

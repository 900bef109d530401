//! [`HashTrie`]: a lock-free map from (64-bit hash, key) to an immutable `Arc<T>`, the index
//! behind `--store=lockfree`.
//!
//! **Shape.** A trie over the bits of the hash: a root of [`ROOT_FANOUT`] slots indexed by the
//! hash's top [`ROOT_BITS`] bits, then inner nodes of [`FANOUT`] slots, each level indexed by
//! the next [`BITS`] bits. A slot is one atomic word holding one of:
//! - nothing;
//! - an *item* (`Arc<T>`, the only key in this part of the hash space);
//! - a *leaf*: two or more items of this part of the hash space, at most `LEAF` of them
//!   ([`LEAF_MAX`] by default; any number at the last level, where they share the whole
//!   hash), as one immutable allocation of their item pointers sorted by (hash, key), each
//!   pointer word carrying 16 bits of its item's hash (see [`Leaf`]);
//! - an *inner node*.
//!
//! A lookup follows inner nodes down the hash's bits until it reaches an item or a leaf, whose
//! words' hash bits say which item (if any) to read. With a million keys the root's slots hold
//! leaves of ~15 items: two hops and a scan of two cache lines of words before the item,
//! and ~9 bytes of index per key (inner nodes of 16 slots over one or two keys each, the
//! trie's shape before leaves, cost ~50; leaves with a whole 8-byte hash beside each pointer,
//! ~17). Children are visited in index order and leaves are sorted, so an in-order walk yields
//! items in (hash, key) order: a SCAN cursor or a snapshot segment is a hash, and "every item
//! at or after hash h" is a walk from h's path.
//!
//! **Why it is lock-free.** Every change is one compare-and-swap on one word. Giving a key
//! that is in a leaf a new item swaps the item in the leaf's slot for it. Any other change
//! swaps the slot holding the key's items from the word the writer read to one it built
//! from it: the items with the change applied, as nothing, one item, one leaf, or — when a
//! leaf would grow past `LEAF` — a new inner node whose slots hold those items one level
//! down (and so on while they still crowd one slot). A leaf's hashes and keys never change,
//! and a leaf being replaced first freezes its item slots (see [`Leaf`]), so no item swap is
//! lost in a leaf that has left the trie; an inner node, once linked, is never unlinked (only
//! [`HashTrie::clear`] drops whole subtrees). So a writer that read a slot can decide
//! everything from what it read: if its compare-and-swap succeeds nothing changed in
//! between, and a writer never changes a node that has left the trie (which would lose its
//! write). A failed compare-and-swap means another thread's succeeded (or froze the leaf,
//! which the next try then replaces itself), so some operation always completes. Empty inner nodes stay: with a random hash they are reused by the next
//! keys that land there, and their number is bounded by the keys the trie ever held.
//!
//! **Ownership and reclamation.** The trie holds one reference to each item. A change that
//! carries items from the old word to the new one moves those references with them (no
//! count is touched: another key's item is never written by a change to this one); the
//! replaced or deleted item's reference and the old leaf's memory are released through
//! `crossbeam_epoch`: a reader pins the current epoch while it follows pointers, and whatever
//! a writer unlinks is only released once every thread pinned at that time has unpinned. The
//! same rule makes comparing words safe from ABA: while a writer is pinned, nothing it read can
//! be freed and its address reused.
//!
//! **Sparse walks.** A bitmap over the root marks the slots that ever held something (set just
//! before the compare-and-swap that fills an empty root slot, cleared only by
//! [`HashTrie::clear`]), so a walk over a small or empty trie reads 1024 words instead of
//! 65536 slots: SCAN, RANDOMKEY and snapshots of the 15 unused databases cost next to nothing.
//!
//! A removed item's reference count still includes the trie's released reference until the
//! epoch advances (`help_reclaim` lets it, in tests): a caller cannot count on owning an
//! item outright soon after removing it.

use std::alloc::{self, Layout};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicIsize, AtomicU64, AtomicUsize, Ordering};

use crossbeam_epoch::{self as epoch, Guard};
use triomphe::Arc;

use crate::prefetch::prefetch;

/// What a [`HashTrie`] holds: something that knows its key and that key's hash.
pub trait TrieItem: Send + Sync + 'static {
    /// A function of the key alone (so equal keys mean equal hashes). The trie asks for it
    /// only where its leaves do not hold it already: for an item alone in a slot, and for
    /// an item inserted with [`HashTrie::insert`]; so an item may compute it rather than
    /// store it.
    fn hash(&self) -> u64;
    fn key(&self) -> &[u8];
}

/// Hash bits indexing the root: 65536 slots (512 KiB of address space, allocated zeroed so
/// the kernel maps only the pages keys land on), so the top four levels of every path are one
/// array: a million keys are ~16 per root slot, one leaf each.
pub const ROOT_BITS: u32 = 16;
pub const ROOT_FANOUT: usize = 1 << ROOT_BITS;
/// Hash bits per level below the root.
pub const BITS: u32 = 4;
pub const FANOUT: usize = 1 << BITS;
/// The deepest level: by then all 64 bits are used, so only equal hashes share a slot.
const MAX_LEVEL: u32 = (64 - ROOT_BITS) / BITS;
const _: () = assert!((64 - ROOT_BITS).is_multiple_of(BITS));
/// Most items a leaf above the last level holds. Adding or removing a key copies its slot's
/// leaf, so this bounds that copy (16 bytes an item); a million keys fill root leaves to ~15,
/// ten million split them into inner nodes of 16 leaves of ~10.
pub const LEAF_MAX: usize = 32;

const TAG_MASK: usize = 0b11;
const TAG_ITEM: usize = 0;
const TAG_INNER: usize = 1;
const TAG_LEAF: usize = 2;

fn root_index(hash: u64) -> usize {
    (hash >> (64 - ROOT_BITS)) as usize
}

/// The slot of `hash` in an inner node at `level` (the root is level 0).
fn child_index(hash: u64, level: u32) -> usize {
    debug_assert!((1..=MAX_LEVEL).contains(&level));
    ((hash >> (64 - ROOT_BITS - BITS * level)) as usize) & (FANOUT - 1)
}

#[derive(Default)]
struct Inner {
    children: [AtomicUsize; FANOUT],
}

/// Bit 0 of a leaf's item slot: the leaf is being replaced, and this slot may no longer
/// change (see [`Leaf`]).
const FROZEN: usize = 1;

/// Where a leaf's item slot keeps its item's [`frag`]: the top 16 bits of the word, which no
/// user-space pointer uses (Linux hands out addresses below 2^47 on x86-64, and below 2^48
/// on 64-bit ARM, unless a program asks for higher ones; `leaf_word` checks).
const FRAG_SHIFT: u32 = 48;
/// The item pointer in a leaf's item slot.
const PTR_MASK: usize = ((1 << FRAG_SHIFT) - 1) & !FROZEN;
/// Levels whose child index lies within the frag (below them, a split reads whole hashes).
const FRAG_LEVELS: u32 = 16 / BITS;
const _: () = assert!(usize::BITS == 64 && 16 % BITS == 0);

/// The 16 hash bits below the root's: with the root slot they lie under, the top 32 bits of
/// an item's hash. A leaf keeps them (in its item slots) instead of whole hashes.
fn frag(hash: u64) -> u16 {
    (hash >> (64 - ROOT_BITS - 16)) as u16
}

/// The item-slot word of `item`, whose frag is `frag`.
fn item_word<T>(frag: u16, item: *const T) -> usize {
    let ptr = item as usize;
    assert!(ptr & !PTR_MASK == 0, "an item address above 2^48 cannot share a word with its hash");
    usize::from(frag) << FRAG_SHIFT | ptr
}

/// A published leaf, read in place: `len` item slots after a one-word length, in one
/// allocation of [`leaf_layout`]. An item slot is the trie's reference to an item, with the
/// item's [`frag`] in its top bits: all of a leaf's items lie under one root slot, so the
/// frags order them by the top 32 bits of their hashes, and a lookup scans one array of
/// words (8 bytes a key) without touching an item until its frag matches. Items whose top
/// 32 bits are equal (some 116 pairs among a million random keys), and the splits of leaves
/// past level [`FRAG_LEVELS`], are ordered by their whole hashes, which [`TrieItem::hash`]
/// gives.
///
/// The frags and keys of a leaf never change, but an item slot does: replacing the item of
/// a key already there is one compare-and-swap on its slot, with no new leaf (a `SET` of an
/// existing key allocates nothing here). Any other change builds a new leaf (or inner node)
/// from this one's items and swaps it into the parent slot; so that no item-slot swap lands
/// in a leaf after its items were copied out (and is lost), the replacing writer first sets
/// [`FROZEN`] in every item slot, and then copies the values it froze: an item-slot swap
/// either happened before the freeze (and is copied) or fails on the frozen bit (and its
/// writer starts over, replacing the leaf itself if it is still linked).
struct Leaf<'g, T> {
    slots: &'g [AtomicUsize],
    _items: PhantomData<&'g T>,
}

impl<T> Clone for Leaf<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Leaf<'_, T> {}

impl<T> Leaf<'_, T> {
    /// The item in slot `i` (frozen or not).
    fn item(&self, i: usize) -> *const T {
        (self.slots[i].load(Ordering::Acquire) & PTR_MASK) as *const T
    }

    /// The frag of slot `i`'s item (fixed for the slot's life).
    fn frag(&self, i: usize) -> u16 {
        (self.slots[i].load(Ordering::Relaxed) >> FRAG_SHIFT) as u16
    }

    /// The frag and the item of slot `i`, from one load.
    fn entry(&self, i: usize) -> (u16, *const T) {
        let word = self.slots[i].load(Ordering::Acquire);
        ((word >> FRAG_SHIFT) as u16, (word & PTR_MASK) as *const T)
    }

    /// Freezes every item slot: from now on the leaf's items are fixed.
    fn freeze(&self) {
        for slot in self.slots {
            slot.fetch_or(FROZEN, Ordering::AcqRel);
        }
    }
}

/// A leaf of `len` items: a length word, then the item slots, each 8 bytes.
fn leaf_layout(len: usize) -> Layout {
    Layout::array::<u64>(1 + len).expect("a leaf's size fits in memory")
}

/// Decodes a leaf pointer.
///
/// # Safety
/// `ptr` is a leaf's allocation that stays allocated for `'g`.
unsafe fn leaf<'g, T>(ptr: *const u64) -> Leaf<'g, T> {
    let len = *ptr as usize;
    let slots = std::slice::from_raw_parts(ptr.add(1).cast::<AtomicUsize>(), len);
    Leaf { slots, _items: PhantomData }
}

/// Allocates a leaf of `len` items, the `i`th (with its frag) from `entry(i)`, and returns
/// its word.
fn leaf_word<T>(len: usize, entry: &dyn Fn(usize) -> (u16, *const T)) -> usize {
    debug_assert!(len >= 2);
    let layout = leaf_layout(len);
    // SAFETY: the layout is not zero-sized; every word written lies inside it.
    unsafe {
        let ptr = alloc::alloc(layout).cast::<u64>();
        if ptr.is_null() {
            alloc::handle_alloc_error(layout);
        }
        ptr.write(len as u64);
        let slots = ptr.add(1).cast::<AtomicUsize>();
        for i in 0..len {
            let (frag, item) = entry(i);
            slots.add(i).write(AtomicUsize::new(item_word(frag, item)));
        }
        ptr as usize | TAG_LEAF
    }
}

/// A slot's word, decoded. The references live as long as the caller stays pinned.
enum Node<'g, T> {
    Empty,
    Item(*const T),
    Inner(&'g Inner),
    Leaf(Leaf<'g, T>),
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
        _ => Node::Leaf(leaf(ptr as *const u64)),
    }
}

/// Borrows an item's `Arc` without touching its count.
///
/// # Safety
/// `ptr` came from `Arc::into_raw` and a reference to it is held while the result lives.
unsafe fn borrow_item<T>(ptr: *const T) -> ManuallyDrop<Arc<T>> {
    ManuallyDrop::new(Arc::from_raw(ptr))
}

/// A new reference to an item.
///
/// # Safety
/// As for [`borrow_item`].
unsafe fn clone_item<T>(ptr: *const T) -> Arc<T> {
    Arc::clone(&borrow_item(ptr))
}

/// The items a slot holds that is not an inner node, sorted by (hash, key).
enum Items<'g, T> {
    None,
    /// An item alone in its slot, and its hash.
    Lone(u64, *const T),
    Leaf(Leaf<'g, T>),
}

impl<T> Clone for Items<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Items<'_, T> {}

impl<T: TrieItem> Items<'_, T> {
    fn len(&self) -> usize {
        match self {
            Items::None => 0,
            Items::Lone(..) => 1,
            Items::Leaf(l) => l.slots.len(),
        }
    }

    /// The frag and the item of item `i`.
    fn entry(&self, i: usize) -> (u16, *const T) {
        match self {
            Items::None => unreachable!("no items"),
            Items::Lone(hash, item) => (frag(*hash), *item),
            Items::Leaf(l) => l.entry(i),
        }
    }

    fn item(&self, i: usize) -> *const T {
        match self {
            Items::None => unreachable!("no items"),
            Items::Lone(_, item) => *item,
            Items::Leaf(l) => l.item(i),
        }
    }
}

/// Where `(hash, key)` is or would go among a slot's sorted items: its index, and whether
/// the item there is that key's.
///
/// # Safety
/// The items are the caller's to read (read while pinned).
unsafe fn locate<T: TrieItem>(items: &Items<'_, T>, hash: u64, key: &[u8]) -> (usize, bool) {
    let wanted = frag(hash);
    let check = |i: usize, f: u16, item: *const T| -> Option<(usize, bool)> {
        // The items share the root slot's bits with `hash`: the frags order the top 32.
        match f.cmp(&wanted) {
            std::cmp::Ordering::Less => return None,
            std::cmp::Ordering::Greater => return Some((i, false)),
            std::cmp::Ordering::Equal => {}
        }
        let item = &*item;
        if item.key() == key {
            // (Equal keys have equal hashes.)
            return Some((i, true));
        }
        // Another key with the same top 32 bits: by the whole hash, then the key.
        ((item.hash(), item.key()) > (hash, key)).then_some((i, false))
    };
    match items {
        Items::None => (0, false),
        Items::Lone(h, item) => check(0, frag(*h), *item).unwrap_or((1, false)),
        Items::Leaf(l) => {
            for i in 0..l.slots.len() {
                let (f, item) = l.entry(i);
                if let Some(found) = check(i, f, item) {
                    return found;
                }
            }
            (l.slots.len(), false)
        }
    }
}

/// The child slot at `level` of an item whose frag is `frag`.
///
/// # Safety
/// `item` is the caller's to read (read while pinned), when `level` is past the frag's.
unsafe fn child_of<T: TrieItem>(frag: u16, item: *const T, level: u32) -> usize {
    if level <= FRAG_LEVELS {
        child_index(u64::from(frag) << (64 - ROOT_BITS - 16), level)
    } else {
        child_index((*item).hash(), level)
    }
}

/// The word holding `len` sorted items (the `i`th, with its frag, from `entry(i)`) in a slot
/// at `level`: nothing, the item, a leaf, or an inner node spreading them one level down.
/// The items' references move into it.
///
/// # Safety
/// The items are the caller's to read (read while pinned, or owned).
unsafe fn build<T: TrieItem>(len: usize, entry: &dyn Fn(usize) -> (u16, *const T), level: u32, most: usize) -> usize {
    match len {
        0 => 0,
        1 => entry(0).1 as usize | TAG_ITEM,
        _ if len <= most || level == MAX_LEVEL => leaf_word(len, entry),
        _ => {
            let inner = Inner::default();
            let mut start = 0;
            while start < len {
                let child = |i: usize| {
                    let (frag, item) = entry(i);
                    child_of(frag, item, level + 1)
                };
                let index = child(start);
                let end = (start + 1..len).find(|&i| child(i) != index).unwrap_or(len);
                let word = build(end - start, &|i| entry(start + i), level + 1, most);
                inner.children[index].store(word, Ordering::Relaxed);
                start = end;
            }
            Box::into_raw(Box::new(inner)) as usize | TAG_INNER
        }
    }
}

/// Frees the leaves and inner nodes of `word`, not its items (whose references moved on).
///
/// # Safety
/// The word is owned by the caller: never published, or unlinked and no longer reachable by
/// any thread.
unsafe fn free_nodes<T>(word: usize) {
    let ptr = word & !TAG_MASK;
    if ptr == 0 {
        return;
    }
    match word & TAG_MASK {
        TAG_ITEM => {}
        TAG_INNER => {
            let inner = Box::from_raw(ptr as *mut Inner);
            for child in &inner.children {
                free_nodes::<T>(child.load(Ordering::Relaxed));
            }
        }
        _ => {
            let len = leaf::<T>(ptr as *const u64).slots.len();
            alloc::dealloc(ptr as *mut u8, leaf_layout(len));
        }
    }
}

/// Releases what a word owns: its items' references, and its nodes.
///
/// # Safety
/// As for [`free_nodes`].
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
        _ => {
            let l = leaf::<T>(ptr as *const u64);
            for i in 0..l.slots.len() {
                drop(Arc::from_raw(l.item(i)));
            }
            free_nodes::<T>(word);
        }
    }
}

/// Lets deferred frees run: the trie's references to removed items are released only once the
/// epoch advances. Call it while waiting for an item to become unique.
#[cfg(test)]
pub fn help_reclaim() {
    epoch::pin().flush();
}

/// A lock-free map from (hash, key) to `Arc<T>`, walked in (hash, key) order. See the module
/// documentation. `LEAF`: the most items a leaf above the last level holds (tests make it
/// small to split often).
pub struct HashTrie<T: TrieItem, const LEAF: usize = LEAF_MAX> {
    root: Box<[AtomicUsize]>,
    /// One bit per root slot: set if the slot may hold something (see "Sparse walks").
    occupied: Box<[AtomicU64]>,
    /// Items held; may be briefly off (and negative) while writers race, exact when quiet.
    len: AtomicIsize,
    _items: PhantomData<Arc<T>>,
}

impl<T: TrieItem, const LEAF: usize> Default for HashTrie<T, LEAF> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: TrieItem, const LEAF: usize> HashTrie<T, LEAF> {
    pub fn new() -> Self {
        const { assert!(std::mem::align_of::<T>() > TAG_MASK, "tags live in an item pointer's low bits") };
        const { assert!(LEAF >= 2, "a leaf holds two items or more") };
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
            // SAFETY: a slot of this trie, read while pinned; what it references is released
            // only after we unpin.
            unsafe {
                match decode::<T>(slot.load(Ordering::Acquire), guard) {
                    Node::Empty => return None,
                    Node::Inner(inner) => {
                        level += 1;
                        slot = &inner.children[child_index(hash, level)];
                    }
                    Node::Item(ptr) => {
                        let item = borrow_item(ptr);
                        // Equal keys have equal hashes.
                        return (item.key() == key).then(|| Arc::clone(&item));
                    }
                    Node::Leaf(l) => {
                        let (at, found) = locate(&Items::Leaf(l), hash, key);
                        return found.then(|| clone_item(l.item(at)));
                    }
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
            let items = match unsafe { decode::<T>(word, guard) } {
                Node::Inner(inner) => {
                    level += 1;
                    slot = &inner.children[child_index(hash, level)];
                    continue;
                }
                Node::Empty => Items::None,
                // SAFETY: the slot holds a reference, released only after we unpin.
                Node::Item(ptr) => Items::Lone(unsafe { (*ptr).hash() }, ptr),
                Node::Leaf(l) => Items::Leaf(l),
            };
            // SAFETY: as above, for every item of the slot.
            let (at, found) = unsafe { locate(&items, hash, key) };
            let current = found.then(|| items.item(at));
            // SAFETY: as above.
            if !accept(current.map(|item| unsafe { borrow_item(item) }).as_deref()) {
                return Err(new);
            }
            if !found && new.is_none() {
                return Ok(None);
            }
            let added = new.as_ref().map(|n| Arc::into_raw(Arc::clone(n)));
            // SAFETY (the blocks below): the items read are referenced by the slot's word,
            // released only after we unpin; `added` is ours until published.
            if let (Items::Leaf(l), Some(old), Some(item)) = (items, current, added) {
                // A new item for a key in a leaf: swap it into the key's slot.
                let frag = l.frag(at);
                let (expected, swapped_in) = (item_word(frag, old), item_word(frag, item));
                match l.slots[at].compare_exchange(expected, swapped_in, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => {
                        let previous = unsafe { clone_item(old) };
                        // SAFETY: our swap unlinked the trie's reference to `old`.
                        unsafe { guard.defer_unchecked(move || drop(Arc::from_raw(old))) };
                        return Ok(Some(previous));
                    }
                    Err(now) if now != expected | FROZEN => {
                        // Another writer swapped it first: decide again on its item.
                        drop(unsafe { Arc::from_raw(item) });
                        continue;
                    }
                    // Frozen with `old` in it: the leaf is being replaced; replace it here too.
                    Err(_) => {}
                }
            }
            if let Items::Leaf(l) = items {
                l.freeze();
                if current.is_some_and(|old| l.item(at) != old) {
                    // A swap landed before the freeze: decide again on its item.
                    if let Some(item) = added {
                        drop(unsafe { Arc::from_raw(item) });
                    }
                    continue;
                }
            }
            // The slot's items with `key`'s replaced, removed or inserted at `at`.
            let skip = usize::from(found);
            let len = items.len() - skip + usize::from(added.is_some());
            let entry = |i: usize| match added {
                Some(item) if i == at => (frag(hash), item),
                Some(_) if i > at => items.entry(i - 1 + skip),
                None if i >= at => items.entry(i + skip),
                _ => items.entry(i),
            };
            // SAFETY: the items are referenced by the slot's word (read while pinned), or
            // `added`, ours.
            let replacement = unsafe { build(len, &entry, level, LEAF) };
            if level == 0 && word == 0 {
                // Before the slot is filled, so a walk that can see the item sees the bit.
                let i = root_index(hash);
                self.occupied[i / 64].fetch_or(1 << (i % 64), Ordering::SeqCst);
            }
            match slot.compare_exchange(word, replacement, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    let previous = current.map(|item| unsafe { clone_item(item) });
                    let removed = current.map(|item| item as usize);
                    // SAFETY: our compare-and-swap unlinked `word`, whose other items moved
                    // into `replacement`, and `removed`, the trie's reference to the old item.
                    unsafe {
                        guard.defer_unchecked(move || {
                            free_nodes::<T>(word);
                            if let Some(item) = removed {
                                drop(Arc::from_raw(item as *const T));
                            }
                        })
                    };
                    let delta = isize::from(added.is_some()) - isize::from(found);
                    if delta != 0 {
                        self.len.fetch_add(delta, Ordering::Relaxed);
                    }
                    return Ok(previous);
                }
                Err(_) => {
                    // SAFETY: `replacement` was never published; of its items only `added` is
                    // not another word's.
                    unsafe {
                        free_nodes::<T>(replacement);
                        if let Some(item) = added {
                            drop(Arc::from_raw(item));
                        }
                    }
                }
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

/// Where one lookup of [`prefetch_paths`] has got to.
enum Step<'g, T> {
    Done,
    /// A slot whose line was prefetched, to read next pass.
    Slot(&'g AtomicUsize),
    /// A leaf whose hashes were prefetched, to find the item in next pass.
    Leaf(Leaf<'g, T>),
}

impl<T> Clone for Step<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Step<'_, T> {}

/// Starts loading the paths of several lookups (each a trie and a hash) together, one level
/// per pass, so their cache misses overlap instead of following each other: a batch of
/// pipelined commands (see `Session::prefetch_keys`) or a multi-key command then finds its
/// root slots, inner nodes, leaves and items in cache. A hint only: it changes nothing.
pub fn prefetch_paths<'t, T: TrieItem, const LEAF: usize>(targets: impl Iterator<Item = (&'t HashTrie<T, LEAF>, u64)>) {
    let mut hashes = [0u64; PREFETCH_MAX];
    let mut steps = [Step::Done; PREFETCH_MAX];
    let mut n = 0;
    for ((trie, hash), (h, step)) in targets.zip(hashes.iter_mut().zip(&mut steps)) {
        let slot = &trie.root[root_index(hash)];
        prefetch(slot);
        (*h, *step, n) = (hash, Step::Slot(slot), n + 1);
    }
    let guard = &epoch::pin();
    // One pass per level, and one to reach the items of the last leaves.
    for level in 1..=MAX_LEVEL + 1 {
        let mut more = false;
        for (&hash, step) in hashes[..n].iter().zip(&mut steps) {
            let next = match *step {
                Step::Done => continue,
                // SAFETY: a slot of a trie, read while pinned (so what it points to stays).
                Step::Slot(slot) => match unsafe { decode::<T>(slot.load(Ordering::Acquire), guard) } {
                    Node::Empty => Step::Done,
                    Node::Item(ptr) => {
                        // SAFETY: as above.
                        prefetch(unsafe { &*ptr });
                        Step::Done
                    }
                    Node::Leaf(l) => {
                        prefetch(&l.slots[0]);
                        Step::Leaf(l)
                    }
                    Node::Inner(inner) if level <= MAX_LEVEL => {
                        let child = &inner.children[child_index(hash, level)];
                        prefetch(child);
                        Step::Slot(child)
                    }
                    Node::Inner(_) => Step::Done,
                },
                Step::Leaf(l) => {
                    if let Some(i) = (0..l.slots.len()).position(|i| l.frag(i) == frag(hash)) {
                        // SAFETY: a leaf read while pinned holds a reference to its items.
                        prefetch(unsafe { &*l.item(i) });
                    }
                    Step::Done
                }
            };
            more |= !matches!(next, Step::Done);
            *step = next;
        }
        if !more {
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
        Node::Leaf(l) => {
            // On the start's path the leaf's items share its root slot: their frags order them
            // against the start but for those with its top 32 bits.
            let start_frag = bound.map(frag);
            for i in 0..l.slots.len() {
                let (item_frag, item) = l.entry(i);
                let at_or_after = match start_frag.map(|f| item_frag.cmp(&f)) {
                    None | Some(std::cmp::Ordering::Greater) => true,
                    Some(std::cmp::Ordering::Less) => false,
                    Some(std::cmp::Ordering::Equal) => wanted((*item).hash()),
                };
                if at_or_after {
                    visit(&borrow_item(item))?;
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

impl<T: TrieItem, const LEAF: usize> Drop for HashTrie<T, LEAF> {
    fn drop(&mut self) {
        for slot in self.root.iter() {
            // SAFETY: `&mut self`: no other thread can reach the trie.
            unsafe { drop_word::<T>(slot.load(Ordering::Relaxed)) };
        }
    }
}

#[cfg(test)]
mod tests;

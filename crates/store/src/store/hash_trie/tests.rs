//! [`HashTrie`] against a model `BTreeMap`, with hashes chosen by the tests so that leaf
//! splits, deep paths and full 64-bit collisions are common (the model test's leaves hold
//! at most 4 items), plus a bounded multithreaded stress test.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use proptest::prelude::*;
use triomphe::Arc;

use super::*;

#[derive(Debug)]
struct Item {
    hash: u64,
    key: Vec<u8>,
    value: u32,
}

impl TrieItem for Item {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        &self.key
    }
}

fn item(hash: u64, key: &str, value: u32) -> Arc<Item> {
    Arc::new(Item { hash, key: key.as_bytes().to_vec(), value })
}

fn all<const L: usize>(trie: &HashTrie<Item, L>, start: u64) -> Vec<(u64, Vec<u8>, u32)> {
    let mut out = Vec::new();
    let _ = trie.walk_from(start, &mut |i| {
        out.push((i.hash, i.key.clone(), i.value));
        ControlFlow::Continue(())
    });
    out
}

#[test]
fn a_key_is_found_after_insert_and_gone_after_remove() {
    let trie: HashTrie<Item> = HashTrie::new();
    assert!(trie.insert(item(7, "a", 1)).is_none());
    assert_eq!(trie.get(7, b"a").map(|i| i.value), Some(1));
    // (A hash is a function of its key, so a key is never looked up under another hash.)
    assert!(trie.get(7, b"b").is_none());
    assert!(trie.get(8, b"b").is_none());
    assert_eq!(trie.insert(item(7, "a", 2)).map(|i| i.value), Some(1));
    assert_eq!(trie.len(), 1);
    assert_eq!(trie.remove(7, b"a").map(|i| i.value), Some(2));
    assert!(trie.get(7, b"a").is_none());
    assert!(trie.is_empty());
}

#[test]
fn hashes_sharing_all_but_the_last_bits_split_down_to_the_last_level() {
    let trie: HashTrie<Item> = HashTrie::new();
    trie.insert(item(0xabcd_0000_0000_0000, "a", 1));
    trie.insert(item(0xabcd_0000_0000_0001, "b", 2));
    trie.insert(item(0xabcd_0000_0000_0010, "c", 3));
    assert_eq!(trie.get(0xabcd_0000_0000_0001, b"b").map(|i| i.value), Some(2));
    let keys: Vec<Vec<u8>> = all(&trie, 0).into_iter().map(|(_, k, _)| k).collect();
    assert_eq!(keys, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    assert_eq!(trie.remove(0xabcd_0000_0000_0000, b"a").map(|i| i.value), Some(1));
    assert_eq!(all(&trie, 0).len(), 2);
}

#[test]
fn keys_with_the_same_full_hash_share_a_leaf_ordered_by_key() {
    let trie: HashTrie<Item> = HashTrie::new();
    trie.insert(item(42, "z", 1));
    trie.insert(item(42, "a", 2));
    trie.insert(item(42, "m", 3));
    trie.insert(item(43, "other", 4));
    assert_eq!(
        all(&trie, 0),
        [(42, b"a".to_vec(), 2), (42, b"m".to_vec(), 3), (42, b"z".to_vec(), 1), (43, b"other".to_vec(), 4)]
    );
    assert_eq!(trie.remove(42, b"m").map(|i| i.value), Some(3));
    assert_eq!(trie.remove(42, b"z").map(|i| i.value), Some(1));
    // The bucket's last key is a plain item again.
    assert_eq!(trie.get(42, b"a").map(|i| i.value), Some(2));
    assert!(trie.remove(42, b"nope").is_none());
    assert_eq!(trie.len(), 2);
}

#[test]
fn compare_exchange_succeeds_only_against_the_current_item() {
    let trie: HashTrie<Item> = HashTrie::new();
    let first = item(5, "k", 1);
    assert!(!trie.compare_exchange(5, b"k", Some(&first), Some(item(5, "k", 9))));
    assert!(trie.compare_exchange(5, b"k", None, Some(first.clone())));
    assert!(!trie.compare_exchange(5, b"k", None, Some(item(5, "k", 9))));
    let stale = item(5, "k", 1);
    assert!(!trie.compare_exchange(5, b"k", Some(&stale), None));
    assert!(trie.compare_exchange(5, b"k", Some(&first), Some(item(5, "k", 2))));
    assert_eq!(trie.get(5, b"k").map(|i| i.value), Some(2));
}

/// Keys crowding one root slot: its leaf fills up to `LEAF_MAX`, splits into an inner node of
/// leaves, and every key stays reachable, in order, through inserts and removals.
#[test]
fn a_full_leaf_splits_one_level_down_and_keeps_every_key() {
    let trie: HashTrie<Item> = HashTrie::new();
    let hash = |i: u64| 0x7777_0000_0000_0000 | i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16;
    let n = 10 * LEAF_MAX as u64;
    for i in 0..n {
        assert!(trie.insert(item(hash(i), &format!("k{i}"), i as u32)).is_none());
    }
    assert_eq!(trie.len(), n as usize);
    let mut expected: Vec<(u64, Vec<u8>, u32)> =
        (0..n).map(|i| (hash(i), format!("k{i}").into_bytes(), i as u32)).collect();
    expected.sort();
    assert_eq!(all(&trie, 0), expected);
    for i in (0..n).step_by(2) {
        assert_eq!(trie.remove(hash(i), format!("k{i}").as_bytes()).map(|it| it.value), Some(i as u32));
    }
    for i in 0..n {
        assert_eq!(trie.get(hash(i), format!("k{i}").as_bytes()).map(|it| it.value), (i % 2 == 1).then_some(i as u32));
    }
    expected.retain(|(_, _, v)| v % 2 == 1);
    assert_eq!(all(&trie, 0), expected);
}

/// At the last level a leaf is not limited: only keys of one full hash share it.
#[test]
fn more_keys_than_a_leaf_holds_can_share_one_full_hash() {
    let trie: HashTrie<Item> = HashTrie::new();
    for i in 0..2 * LEAF_MAX as u32 {
        trie.insert(item(99, &format!("{i:03}"), i));
    }
    let values: Vec<u32> = all(&trie, 0).into_iter().map(|(_, _, v)| v).collect();
    assert_eq!(values, (0..2 * LEAF_MAX as u32).collect::<Vec<_>>());
    assert_eq!(trie.get(99, b"017").map(|i| i.value), Some(17));
}

#[test]
fn a_walk_starts_at_the_first_hash_at_or_after_its_start() {
    let trie: HashTrie<Item> = HashTrie::new();
    for h in [1u64, 1 << 40, 1 << 52, 3 << 60, u64::MAX] {
        trie.insert(item(h, "k", 0));
    }
    let hashes = |start| all(&trie, start).into_iter().map(|(h, _, _)| h).collect::<Vec<_>>();
    assert_eq!(hashes(0), [1, 1 << 40, 1 << 52, 3 << 60, u64::MAX]);
    assert_eq!(hashes(2), [1 << 40, 1 << 52, 3 << 60, u64::MAX]);
    assert_eq!(hashes(1 << 52), [1 << 52, 3 << 60, u64::MAX]);
    assert_eq!(hashes((1 << 52) + 1), [3 << 60, u64::MAX]);
    assert_eq!(trie.first_from(u64::MAX).map(|i| i.hash), Some(u64::MAX));
    trie.clear();
    assert!(trie.first_from(0).is_none());
    assert!(trie.is_empty());
}

#[test]
fn a_removed_item_becomes_unique_once_the_epoch_advances() {
    let trie: HashTrie<Item> = HashTrie::new();
    trie.insert(item(9, "k", 1));
    let mut taken = trie.remove(9, b"k").expect("present");
    let mut tries = 0;
    let inner = loop {
        match Arc::try_unwrap(taken) {
            Ok(inner) => break inner,
            Err(shared) => {
                taken = shared;
                tries += 1;
                assert!(tries < 1_000_000, "the trie's reference was never released");
                help_reclaim();
            }
        }
    };
    assert_eq!(inner.value, 1);
}

/// An item that counts the live items of its test.
struct Counted {
    hash: u64,
    key: Vec<u8>,
    live: std::sync::Arc<std::sync::atomic::AtomicIsize>,
}

impl TrieItem for Counted {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &[u8] {
        &self.key
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Items move between leaves, split into inner nodes and get replaced and removed; once the
/// trie is gone and the epoch has advanced, every item has been dropped exactly once.
#[test]
fn every_item_is_released_once_through_splits_replacements_and_removals() {
    let live = std::sync::Arc::new(std::sync::atomic::AtomicIsize::new(0));
    let counted = |hash: u64, key: String| {
        live.fetch_add(1, Ordering::SeqCst);
        Arc::new(Counted { hash, key: key.into_bytes(), live: std::sync::Arc::clone(&live) })
    };
    {
        let trie = HashTrie::<Counted, 4>::new();
        // Hashes in one root slot, some equal in full.
        let hash = |i: u64| 0x1234_0000_0000_0000 | (i % 23).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16;
        for i in 0..120 {
            trie.insert(counted(hash(i), format!("k{i}")));
        }
        for i in (0..120).step_by(3) {
            trie.insert(counted(hash(i), format!("k{i}")));
        }
        for i in (0..120).step_by(4) {
            trie.remove(hash(i), format!("k{i}").as_bytes());
        }
        assert_eq!(trie.len(), 90);
    }
    for _ in 0..1_000_000 {
        if live.load(Ordering::SeqCst) == 0 {
            break;
        }
        help_reclaim();
    }
    assert_eq!(live.load(Ordering::SeqCst), 0);
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    Remove(u8),
    CasFromCurrent(u8, u32),
    CasFromAbsent(u8, u32),
    Walk(u64),
}

/// Hashes from a few values sharing long prefixes, so keys collide fully or part late.
fn hash_of(key: u8, hashes: &[u64]) -> u64 {
    hashes[usize::from(key) % hashes.len()]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (0u8..40).prop_map(Op::Remove),
        2 => (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::CasFromCurrent(k, v)),
        1 => (0u8..40, any::<u32>()).prop_map(|(k, v)| Op::CasFromAbsent(k, v)),
        1 => any::<u64>().prop_map(Op::Walk),
    ]
}

fn hashes() -> impl Strategy<Value = Vec<u64>> {
    let prefix = any::<u64>();
    (prefix, prop::collection::vec((0u32..64, any::<u64>()), 1..12)).prop_map(|(prefix, tails)| {
        // Each hash is the prefix with its low `bits` bits replaced.
        tails.into_iter().map(|(bits, tail)| (prefix & !((1u64 << bits) - 1)) | (tail & ((1u64 << bits) - 1))).collect()
    })
}

proptest! {
    #[test]
    fn the_trie_behaves_like_an_ordered_map(hashes in hashes(), ops in prop::collection::vec(op(), 1..200)) {
        let trie = HashTrie::<Item, 4>::new();
        let mut model: BTreeMap<(u64, Vec<u8>), u32> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => {
                    let (h, key) = (hash_of(k, &hashes), k.to_string());
                    let prev = trie.insert(item(h, &key, v)).map(|i| i.value);
                    prop_assert_eq!(prev, model.insert((h, key.into_bytes()), v));
                }
                Op::Remove(k) => {
                    let (h, key) = (hash_of(k, &hashes), k.to_string());
                    let prev = trie.remove(h, key.as_bytes()).map(|i| i.value);
                    prop_assert_eq!(prev, model.remove(&(h, key.into_bytes())));
                }
                Op::CasFromCurrent(k, v) => {
                    let (h, key) = (hash_of(k, &hashes), k.to_string());
                    let current = trie.get(h, key.as_bytes());
                    let new = (v % 3 != 0).then(|| item(h, &key, v));
                    prop_assert!(trie.compare_exchange(h, key.as_bytes(), current.as_ref(), new));
                    if v % 3 != 0 { model.insert((h, key.into_bytes()), v); } else { model.remove(&(h, key.into_bytes())); }
                }
                Op::CasFromAbsent(k, v) => {
                    let (h, key) = (hash_of(k, &hashes), k.to_string());
                    let ok = trie.compare_exchange(h, key.as_bytes(), None, Some(item(h, &key, v)));
                    let absent = !model.contains_key(&(h, key.clone().into_bytes()));
                    prop_assert_eq!(ok, absent);
                    if ok { model.insert((h, key.into_bytes()), v); }
                }
                Op::Walk(start) => {
                    let expected: Vec<(u64, Vec<u8>, u32)> =
                        model.range((start, Vec::new())..).map(|((h, k), v)| (*h, k.clone(), *v)).collect();
                    prop_assert_eq!(all(&trie, start), expected);
                }
            }
            prop_assert_eq!(trie.len(), model.len());
        }
        let expected: Vec<(u64, Vec<u8>, u32)> = model.iter().map(|((h, k), v)| (*h, k.clone(), *v)).collect();
        prop_assert_eq!(all(&trie, 0), expected);
        for ((h, k), v) in &model {
            prop_assert_eq!(trie.get(*h, k).map(|i| i.value), Some(*v));
        }
    }
}

/// Threads increment counters by compare-and-swap on keys that share leaves and split
/// paths (an increment swaps the counter's item in its leaf slot), while they also insert
/// and delete keys of their own in those very leaves (each replacing the leaf, after
/// freezing its slots) and next to them, and a reader walks. No increment may be lost, and
/// each thread's own keys end as it left them.
#[test]
fn concurrent_compare_and_swap_increments_are_never_lost() {
    const THREADS: usize = 4;
    const ROUNDS: u32 = if cfg!(miri) { 40 } else { 20_000 };
    const COUNTERS: u64 = 8;
    // Counter hashes share their top 60 bits and collide fully in pairs; half the private
    // keys share those full hashes (and leaves), the other half their path.
    let counter_hash = |c: u64| 0x5555_5555_5555_5550 | (c / 2);
    let trie: Arc<HashTrie<Item, 4>> = Arc::new(HashTrie::new());
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let trie = Arc::clone(&trie);
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    let c = u64::from(round) % COUNTERS;
                    let (h, key) = (counter_hash(c), format!("counter{c}"));
                    loop {
                        let cur = trie.get(h, key.as_bytes());
                        let next = cur.as_ref().map_or(1, |i| i.value + 1);
                        if trie.compare_exchange(h, key.as_bytes(), cur.as_ref(), Some(item(h, &key, next))) {
                            break;
                        }
                    }
                    // A private key next to the counters: inserted, then deleted every other round.
                    let slot = round / 2 % 16;
                    let own = format!("own{t}-{slot}");
                    let own_hash = if slot % 2 == 0 {
                        counter_hash(u64::from(slot / 2) % COUNTERS)
                    } else {
                        0x5555_5555_5555_5500 | u64::from(slot) << 4 | t as u64
                    };
                    if round % 2 == 0 {
                        trie.insert(item(own_hash, &own, round));
                    } else {
                        assert!(trie.remove(own_hash, own.as_bytes()).is_some());
                    }
                }
            })
        })
        .collect();
    let walker = {
        let trie = Arc::clone(&trie);
        std::thread::spawn(move || {
            for _ in 0..if cfg!(miri) { 4 } else { 200 } {
                let mut last = (0, Vec::new());
                let _ = trie.walk_from(0, &mut |i| {
                    let at = (i.hash, i.key.clone());
                    assert!(at > last, "walks are in (hash, key) order");
                    last = at;
                    ControlFlow::Continue(())
                });
            }
        })
    };
    for w in workers {
        w.join().expect("worker");
    }
    walker.join().expect("walker");
    let total: u32 =
        (0..COUNTERS).map(|c| trie.get(counter_hash(c), format!("counter{c}").as_bytes()).map_or(0, |i| i.value)).sum();
    assert_eq!(total, THREADS as u32 * ROUNDS);
    // Every thread ended on an odd round: all its own keys are deleted.
    assert_eq!(trie.len(), COUNTERS as usize);
}

#[test]
fn prefetching_paths_of_every_shape_changes_nothing() {
    let trie: HashTrie<Item> = HashTrie::new();
    // An item alone in its root slot, a deep split, a leaf of one hash, and an empty slot.
    trie.insert(item(0x1000_0000_0000_0000, "alone", 1));
    trie.insert(item(0xabcd_0000_0000_0000, "a", 2));
    trie.insert(item(0xabcd_0000_0000_0001, "b", 3));
    trie.insert(item(0x5555_0000_0000_0000, "x", 4));
    trie.insert(item(0x5555_0000_0000_0000, "y", 5));
    let before = all(&trie, 0);
    let hashes = [0x1000_0000_0000_0000, 0xabcd_0000_0000_0001, 0x5555_0000_0000_0000, 0x7777_0000_0000_0000];
    // More lookups than one batch takes: the rest are left alone.
    prefetch_paths((0..PREFETCH_MAX + 8).map(|i| (&trie, hashes[i % hashes.len()])));
    prefetch_paths(std::iter::empty::<(&HashTrie<Item>, u64)>());
    assert_eq!(all(&trie, 0), before);
    assert_eq!(trie.get(0xabcd_0000_0000_0001, b"b").map(|i| i.value), Some(3));
}

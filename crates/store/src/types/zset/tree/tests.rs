//! The B+tree against a `BTreeMap` model, at a fanout small enough (4 children, 8 entries
//! per leaf) that a few hundred entries take it through every split, merge, share and
//! rebuild; and at the real fanout for the append-at-the-edge fill.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

type Small = Tree<4>;

fn m(i: u32) -> CompactBytes {
    CompactBytes::from(format!("m{i:04}").as_bytes())
}

fn entries<const B: usize>(t: &Tree<B>) -> Vec<(f64, Vec<u8>)> {
    t.range(0, t.len()).map(|(m, s)| (s, m.to_vec())).collect()
}

#[test]
fn keeps_entries_in_score_then_member_order() {
    let mut t = Small::default();
    for (i, s) in [(1, 2.0), (2, 1.0), (3, 2.0), (4, f64::NEG_INFINITY), (5, 0.5)] {
        t.insert(s, m(i));
    }
    let order: Vec<f64> = t.range(0, 10).map(|(_, s)| s).collect();
    assert_eq!(order, [f64::NEG_INFINITY, 0.5, 1.0, 2.0, 2.0]);
    assert_eq!(t.get(3).map(|(m, _)| m.to_vec()), Some(b"m0001".to_vec()));
    t.assert_consistent();
}

#[test]
fn rank_and_get_agree_through_several_levels() {
    let mut t = Small::default();
    for i in 0..500 {
        t.insert(f64::from(i * 7919 % 500), m(i));
    }
    t.assert_consistent();
    assert!(t.height >= 3, "height {}", t.height);
    for rank in 0..500 {
        let (member, score) = t.get(rank).map(|(m, s)| (m.to_vec(), s)).unwrap();
        assert_eq!(t.rank(score, &member), Some(rank));
    }
    assert_eq!(t.get(500), None);
    assert_eq!(t.rank(1.0, b"absent"), None);
}

#[test]
fn removing_everything_leaves_an_empty_leaf_root() {
    let mut t = Small::default();
    for i in 0..300 {
        t.insert(f64::from(i), m(i));
    }
    for i in (0..300).rev().step_by(2).chain((0..300).step_by(2)) {
        assert_eq!(t.remove(f64::from(i), &m(i)), Some(m(i)), "entry {i}");
        t.assert_consistent();
    }
    assert_eq!((t.len(), t.height), (0, 0));
    assert_eq!(t.remove(1.0, &m(1)), None);
    assert_eq!(t.range(0, 10).count(), 0);
}

#[test]
fn a_removal_needs_the_exact_score_and_member() {
    let mut t = Small::default();
    t.insert(1.0, m(1));
    assert_eq!(t.remove(2.0, &m(1)), None);
    assert_eq!(t.remove(1.0, &m(2)), None);
    assert_eq!(t.len(), 1);
    // -0 and 0 tie: either finds the entry.
    t.insert(-0.0, m(3));
    assert_eq!(t.rank(0.0, &m(3)), Some(0));
    assert_eq!(t.remove(0.0, &m(3)), Some(m(3)));
}

#[test]
fn appending_at_the_right_edge_fills_leaves() {
    let mut t = Tree::<32>::default();
    for i in 0..64 * 100 {
        t.insert(f64::from(i), m(i));
    }
    t.assert_consistent();
    // 100 full leaves and the inner nodes above them; an even split would leave 200.
    assert!(t.leaves.len() <= 101, "{} leaves", t.leaves.len());
}

#[test]
fn shrinking_gives_arena_slots_back() {
    let mut t = Small::default();
    for i in 0..2000 {
        t.insert(f64::from(i % 97), m(i));
    }
    let full = t.arena_slots();
    assert_eq!(t.remove_ranks(5, 1995, |_| {}), 1990);
    t.assert_consistent();
    assert!(t.arena_slots() < full / 10, "{} of {full} slots", t.arena_slots());
    assert_eq!(t.len(), 10);
}

#[test]
fn count_while_finds_range_starts_across_leaves() {
    let mut t = Small::default();
    for i in 0..200 {
        t.insert(f64::from(i / 10), m(i));
    }
    assert_eq!(t.count_while(|s, _| s < 5.0), 50);
    assert_eq!(t.count_while(|s, _| s <= 5.0), 60);
    assert_eq!(t.count_while(|_, _| true), 200);
    assert_eq!(t.count_while(|_, _| false), 0);
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    Remove(u32),
    RemoveRanks(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..40u8, 0..400u32).prop_map(|(s, i)| Op::Insert(s, i)),
        3 => (0..400u32).prop_map(Op::Remove),
        1 => (0..300usize, 0..40usize).prop_map(|(start, n)| Op::RemoveRanks(start, start + n)),
    ]
}

proptest! {
    #[test]
    fn behaves_like_an_ordered_map(ops in prop::collection::vec(op(), 1..600)) {
        let mut t = Small::default();
        // (score, member) → (); scores are small integers, so `i64` orders them exactly.
        let mut model: BTreeMap<(i64, Vec<u8>), ()> = BTreeMap::new();
        let mut scores: BTreeMap<u32, u8> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Insert(s, i) => {
                    // A member is in the tree once: a new score moves it.
                    if let Some(old) = scores.insert(i, s) {
                        prop_assert_eq!(t.remove(f64::from(old), &m(i)), Some(m(i)));
                        model.remove(&(i64::from(old), m(i).to_vec()));
                    }
                    t.insert(f64::from(s), m(i));
                    model.insert((i64::from(s), m(i).to_vec()), ());
                }
                Op::Remove(i) => match scores.remove(&i) {
                    Some(s) => {
                        prop_assert_eq!(t.remove(f64::from(s), &m(i)), Some(m(i)));
                        model.remove(&(i64::from(s), m(i).to_vec()));
                    }
                    None => prop_assert_eq!(t.remove(f64::from(i % 40), &m(i)), None),
                },
                Op::RemoveRanks(start, end) => {
                    let doomed: Vec<_> = model.keys().skip(start).take(end.saturating_sub(start)).cloned().collect();
                    let mut removed = Vec::new();
                    let n = t.remove_ranks(start, end, |member| removed.push(member.to_vec()));
                    prop_assert_eq!(n, doomed.len());
                    prop_assert_eq!(&removed, &doomed.iter().map(|(_, mm)| mm.clone()).collect::<Vec<_>>());
                    for key in doomed {
                        let i: u32 = std::str::from_utf8(&key.1[1..]).unwrap().parse().unwrap();
                        scores.remove(&i);
                        model.remove(&key);
                    }
                }
            }
            t.assert_consistent();
            let want: Vec<(f64, Vec<u8>)> = model.keys().map(|(s, mm)| (*s as f64, mm.clone())).collect();
            prop_assert_eq!(entries(&t), want.clone());
            let back: Vec<(f64, Vec<u8>)> = t.range(0, t.len()).rev().map(|(mm, s)| (s, mm.to_vec())).collect();
            prop_assert!(back.iter().eq(want.iter().rev()));
            for (rank, (s, mm)) in want.iter().enumerate() {
                prop_assert_eq!(t.rank(*s, mm), Some(rank));
            }
            for (lo, hi) in [(0usize, 3usize), (want.len() / 3, want.len() / 2 + 5), (want.len().saturating_sub(4), want.len() + 2)] {
                let got: Vec<(f64, Vec<u8>)> = t.range(lo, hi).map(|(mm, s)| (s, mm.to_vec())).collect();
                let expect: Vec<(f64, Vec<u8>)> = want.iter().skip(lo).take(hi.saturating_sub(lo)).cloned().collect();
                prop_assert_eq!(&got, &expect);
                let got_back: Vec<(f64, Vec<u8>)> = t.range(lo, hi).rev().map(|(mm, s)| (s, mm.to_vec())).collect();
                prop_assert!(got_back.iter().eq(expect.iter().rev()));
            }
            for bound in [0.0, 7.0, 20.5, 39.0, 100.0] {
                prop_assert_eq!(t.count_while(|s, _| s < bound), want.iter().filter(|(s, _)| *s < bound).count());
            }
        }
    }
}

#[test]
fn random_removals_keep_every_invariant() {
    // Inner nodes fill up under random inserts, so removals meet full siblings and share
    // children with them rather than merge.
    let mut t = Small::default();
    let n = 3000u32;
    // A permutation of 0..n (1777 is prime to 3000).
    let order = |i: u32| i * 1777 % n;
    for i in 0..n {
        t.insert(f64::from(order(i) % 50), m(order(i)));
    }
    t.assert_consistent();
    for i in 0..n {
        let x = order(i.wrapping_mul(7) % n);
        assert_eq!(t.remove(f64::from(x % 50), &m(x)), Some(m(x)));
        if i % 16 == 0 {
            t.assert_consistent();
        }
    }
    assert_eq!(t.len(), 0);
    t.assert_consistent();
}

//! Model-based test of the sorted set structure: random operation sequences run against
//! `ZSet` and against a `BTreeSet<(score, member)>` + `HashMap<member, score>` model must
//! agree on every observation (scores, ranks, access by rank, rank/score/lex ranges,
//! removals), and the structure's internal invariants must hold after every step, in both
//! of its forms (the small vector, and the hash with the tree) and across the change.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use bytes::Bytes;
use proptest::prelude::*;
use store::types::zset::{LexBound, LexRange, ScoreRange, ZSet};

/// A score with the total order the model needs (the pool has no NaN and no -0).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Score(f64);
impl Eq for Score {}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

const SCORES: &[f64] = &[f64::NEG_INFINITY, -2.5, -1.0, 0.0, 1.0, 1.5, 2.0, 1e300, f64::INFINITY];

#[derive(Default)]
struct Model {
    order: BTreeSet<(Score, Bytes)>,
    scores: HashMap<Bytes, f64>,
}

impl Model {
    fn insert(&mut self, member: Bytes, score: f64) -> Option<f64> {
        let old = self.scores.insert(member.clone(), score);
        if let Some(old) = old {
            self.order.remove(&(Score(old), member.clone()));
        }
        self.order.insert((Score(score), member));
        old
    }

    fn remove(&mut self, member: &Bytes) -> Option<f64> {
        let old = self.scores.remove(member)?;
        self.order.remove(&(Score(old), member.clone()));
        Some(old)
    }

    fn sorted(&self) -> Vec<(Bytes, f64)> {
        self.order.iter().map(|(s, m)| (m.clone(), s.0)).collect()
    }

    fn remove_ranks(&mut self, ranks: Range<usize>) -> usize {
        let doomed: Vec<Bytes> = self
            .sorted()
            .into_iter()
            .skip(ranks.start)
            .take(ranks.end.saturating_sub(ranks.start))
            .map(|(m, _)| m)
            .collect();
        for m in &doomed {
            self.remove(m);
        }
        doomed.len()
    }

    /// The ranks of the elements satisfying `pred` (which the tests make a contiguous run).
    fn ranks_where(&self, pred: impl Fn(&Bytes, f64) -> bool) -> Range<usize> {
        let hits: Vec<usize> =
            self.sorted().iter().enumerate().filter(|(_, (m, s))| pred(m, *s)).map(|(i, _)| i).collect();
        match (hits.first(), hits.last()) {
            (Some(&a), Some(&b)) => a..b + 1,
            _ => 0..0,
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, usize),
    Remove(u8),
    RemoveRanks(usize, usize),
    PopFirst,
    PopLast,
    RemoveScoreRange(ScoreRange),
    RemoveLexRange(LexRange),
    Observe(ScoreRange, LexRange, usize, usize),
}

/// Member `i`; every third one too long to be kept inline (`CompactBytes`), and member 39
/// too long for a small set, so that adding it moves a small set to the large form.
fn member(i: u8) -> Bytes {
    let padding = match i {
        39 => "-".repeat(70),
        _ if i.is_multiple_of(3) => "-".repeat(24),
        _ => String::new(),
    };
    Bytes::from(format!("m{i:02}{padding}"))
}

fn score_range() -> impl Strategy<Value = ScoreRange> {
    (0..SCORES.len(), 0..SCORES.len(), any::<bool>(), any::<bool>()).prop_map(|(a, b, min_exclusive, max_exclusive)| {
        ScoreRange { min: SCORES[a], max: SCORES[b], min_exclusive, max_exclusive }
    })
}

fn lex_bound() -> impl Strategy<Value = LexBound> {
    prop_oneof![
        Just(LexBound::Lowest),
        Just(LexBound::Highest),
        (0u8..40).prop_map(|i| LexBound::Inclusive(member(i))),
        (0u8..40).prop_map(|i| LexBound::Exclusive(member(i))),
    ]
}

fn lex_range() -> impl Strategy<Value = LexRange> {
    (lex_bound(), lex_bound()).prop_map(|(min, max)| LexRange { min, max })
}

/// Operations over 40 members; `same_score` makes every insert use score 0 (the only case
/// in which lexical ranges are defined).
fn op(same_score: bool) -> impl Strategy<Value = Op> {
    let score = if same_score { Just(3usize).boxed() } else { (0..SCORES.len()).boxed() };
    prop_oneof![
        6 => (0u8..40, score).prop_map(|(m, s)| Op::Insert(m, s)),
        2 => (0u8..40).prop_map(Op::Remove),
        1 => (0usize..45, 0usize..45).prop_map(|(a, b)| Op::RemoveRanks(a, b)),
        1 => Just(Op::PopFirst),
        1 => Just(Op::PopLast),
        1 => score_range().prop_map(Op::RemoveScoreRange),
        1 => lex_range().prop_map(Op::RemoveLexRange),
        3 => (score_range(), lex_range(), 0usize..45, 0usize..45).prop_map(|(s, l, a, b)| Op::Observe(s, l, a, b)),
    ]
}

fn check_everything(z: &ZSet, m: &Model, same_score: bool, observe: Option<(&ScoreRange, &LexRange, usize, usize)>) {
    z.assert_consistent();
    let sorted = m.sorted();
    assert_eq!(z.len(), sorted.len());
    let got: Vec<(Bytes, f64)> = z.iter().map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect();
    assert_eq!(got, sorted);
    let rev: Vec<(Bytes, f64)> = z.iter().rev().map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect();
    assert_eq!(rev, sorted.iter().rev().cloned().collect::<Vec<_>>());
    for (rank, (member, score)) in sorted.iter().enumerate() {
        assert_eq!(z.score(member), Some(*score));
        assert_eq!(z.rank(member), Some(rank));
        assert_eq!(z.get(rank).map(|(m, s)| (Bytes::copy_from_slice(m), s)), Some((member.clone(), *score)));
    }
    assert_eq!(z.get(sorted.len()), None);
    assert_eq!(z.rank(b"absent"), None);
    let Some((srange, lrange, a, b)) = observe else { return };
    let want: Vec<(Bytes, f64)> = sorted.iter().skip(a).take(b.saturating_sub(a)).cloned().collect();
    let got: Vec<(Bytes, f64)> = z.range(a..b).map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect();
    assert_eq!(got, want, "range {a}..{b}");
    let got_rev: Vec<(Bytes, f64)> = z.range(a..b).rev().map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect();
    assert_eq!(got_rev, want.iter().rev().cloned().collect::<Vec<_>>());
    let want = m.ranks_where(|_, s| srange.contains(s));
    let got = z.score_ranks(srange);
    assert_eq!(got.len(), want.len(), "score range {srange:?}");
    if !want.is_empty() {
        assert_eq!(got, want, "score range {srange:?}");
    }
    if same_score {
        let want = m.ranks_where(|member, _| lrange.contains(member));
        let got = z.lex_ranks(lrange);
        assert_eq!(got.len(), want.len(), "lex range {lrange:?}");
        if !want.is_empty() {
            assert_eq!(got, want, "lex range {lrange:?}");
        }
    }
}

/// Runs `ops` on a set that starts small (and may grow) and on one that starts large.
fn run(ops: Vec<Op>, same_score: bool) {
    run_on(ZSet::new(), ops.clone(), same_score);
    run_on(ZSet::new_large(), ops, same_score);
}

fn run_on(mut z: ZSet, ops: Vec<Op>, same_score: bool) {
    let mut m = Model::default();
    for op in ops {
        let mut observe = None;
        match &op {
            Op::Insert(i, s) => {
                let score = SCORES[*s];
                assert_eq!(z.insert(&member(*i), score), m.insert(member(*i), score), "{op:?}");
            }
            Op::Remove(i) => assert_eq!(z.remove(&member(*i)), m.remove(&member(*i)), "{op:?}"),
            Op::RemoveRanks(a, b) => assert_eq!(z.remove_range(*a..*b), m.remove_ranks(*a..*b), "{op:?}"),
            Op::PopFirst => {
                let want = m.sorted().first().cloned();
                if let Some((member, _)) = &want {
                    m.remove(member);
                }
                assert_eq!(z.pop_first(), want);
            }
            Op::PopLast => {
                let want = m.sorted().last().cloned();
                if let Some((member, _)) = &want {
                    m.remove(member);
                }
                assert_eq!(z.pop_last(), want);
            }
            Op::RemoveScoreRange(r) => {
                let ranks = m.ranks_where(|_, s| r.contains(s));
                assert_eq!(z.remove_range(z.score_ranks(r)), m.remove_ranks(ranks), "{op:?}");
            }
            Op::RemoveLexRange(r) if same_score => {
                let ranks = m.ranks_where(|member, _| r.contains(member));
                assert_eq!(z.remove_range(z.lex_ranks(r)), m.remove_ranks(ranks), "{op:?}");
            }
            Op::RemoveLexRange(_) => {}
            Op::Observe(s, l, a, b) => observe = Some((s, l, *a, *b)),
        }
        check_everything(&z, &m, same_score, observe);
    }
    let copy = z.clone();
    assert_eq!(copy, z);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn zset_agrees_with_the_model(ops in prop::collection::vec(op(false), 1..200)) {
        run(ops, false);
    }

    #[test]
    fn zset_agrees_with_the_model_on_lexical_ranges(ops in prop::collection::vec(op(true), 1..200)) {
        run(ops, true);
    }
}

/// Thousands of members, enough for many levels and for arena compaction to kick in.
#[test]
fn large_sets_stay_consistent_through_growth_and_shrinkage() {
    let mut z = ZSet::new();
    let mut m = Model::default();
    let mut x: u64 = 12345;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20_000 {
        let i = next() % 5000;
        let score = (next() % 200) as f64 - 100.0;
        let member = Bytes::from(format!("k{i}"));
        assert_eq!(z.insert(&member, score), m.insert(member, score));
    }
    z.assert_consistent();
    while z.len() > 10 {
        let i = next() % 5000;
        let member = Bytes::from(format!("k{i}"));
        assert_eq!(z.remove(&member), m.remove(&member));
        if next() % 50 == 0 {
            let n = z.len();
            let (a, b) = ((next() as usize) % n, (next() as usize) % n);
            assert_eq!(z.remove_range(a..b), m.remove_ranks(a..b));
        }
    }
    check_everything(&z, &m, false, None);
}

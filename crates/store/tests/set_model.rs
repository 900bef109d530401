//! Model-based test of the set commands: random sequences of set commands (with a few
//! string and key commands mixed in, for WRONGTYPE and deletion) run against every store and
//! against a model of each key as a `HashSet<String>`; every reply must agree.
//!
//! Replies whose order Redis leaves unspecified (SMEMBERS, SINTER, SUNION, SDIFF, SSCAN) are
//! sorted before comparing. SPOP and SRANDMEMBER are random, so the model checks their replies
//! instead of predicting them (size, membership, distinctness for a positive count) and then
//! applies what SPOP reports, which is why each store runs against a model of its own.
//!
//! The model also tracks Redis 7.0's set encoding, and every key's OBJECT ENCODING is compared
//! after every step: a set is an intset while every member it ever had is an integer (and
//! there are at most 512), except that results (`*STORE`, SMOVE's new destination, and SPOP's
//! rebuilt survivors) start as a new set.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use resp::Frame;
use store::testing::{TestClient, STORES};

const KEYS: &[&str] = &["a", "b", "c"];
const MEMBERS: &[&str] = &["1", "2", "10", "-3", "x", "y", ""];
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// `set-max-intset-entries`' default; the test's sets never reach it.
const MAX_INTSET: usize = 512;
/// Redis's `SPOP_MOVE_STRATEGY_MUL`: SPOP rebuilds the set from its survivors when the count
/// is at least this many times their number.
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(String::from)
}

fn keys() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(key(), 1..4)
}

fn member() -> impl Strategy<Value = String> {
    prop::sample::select(MEMBERS).prop_map(String::from)
}

fn members() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(member(), 1..5)
}

/// One command as words.
fn command() -> impl Strategy<Value = Vec<String>> {
    let w = |s: &str| s.to_string();
    let one_key = prop::sample::select(&["SMEMBERS", "SCARD", "OBJECT ENCODING", "EXISTS", "TYPE", "DEL"][..]);
    let combine = prop::sample::select(&["SINTER", "SUNION", "SDIFF"][..]);
    let store = prop::sample::select(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"][..]);
    prop_oneof![
        8 => (key(), members()).prop_map(move |(k, ms)| [vec![w("SADD"), k], ms].concat()),
        4 => (key(), members()).prop_map(move |(k, ms)| [vec![w("SREM"), k], ms].concat()),
        2 => (prop::sample::select(&["SISMEMBER", "SMISMEMBER"][..]), key(), members()).prop_map(
            move |(cmd, k, ms)| {
                let ms = if cmd == "SISMEMBER" { ms[..1].to_vec() } else { ms };
                [vec![w(cmd), k], ms].concat()
            }
        ),
        3 => (one_key, key()).prop_map(move |(cmd, k)| {
            let mut words: Vec<String> = cmd.split(' ').map(String::from).collect();
            words.push(k);
            words
        }),
        3 => (key(), prop::option::of(0i64..8)).prop_map(move |(k, n)| {
            let mut words = vec![w("SPOP"), k];
            words.extend(n.map(|n| n.to_string()));
            words
        }),
        2 => (key(), prop::option::of(-5i64..8)).prop_map(move |(k, n)| {
            let mut words = vec![w("SRANDMEMBER"), k];
            words.extend(n.map(|n| n.to_string()));
            words
        }),
        3 => (key(), key(), member()).prop_map(move |(s, d, m)| vec![w("SMOVE"), s, d, m]),
        3 => (combine, keys()).prop_map(move |(cmd, ks)| [vec![w(cmd)], ks].concat()),
        3 => (store, key(), keys()).prop_map(move |(cmd, d, ks)| [vec![w(cmd), d], ks].concat()),
        2 => (keys(), prop::option::of(0i64..4)).prop_map(move |(ks, limit)| {
            let mut words = vec![w("SINTERCARD"), ks.len().to_string()];
            words.extend(ks);
            if let Some(l) = limit {
                words.extend([w("LIMIT"), l.to_string()]);
            }
            words
        }),
        1 => key().prop_map(move |k| vec![w("SSCAN"), k, w("0"), w("COUNT"), w("1000")]),
        1 => (key(), member()).prop_map(move |(k, v)| vec![w("SET"), k, v]),
    ]
}

/// A set in the model: its members, and whether Redis would keep it as an intset.
#[derive(Clone, Debug)]
struct ModelSet {
    members: HashSet<String>,
    intset: bool,
}

impl ModelSet {
    fn new() -> ModelSet {
        ModelSet { members: HashSet::new(), intset: true }
    }

    fn from_members<'a>(members: impl IntoIterator<Item = &'a String>) -> ModelSet {
        let mut s = ModelSet::new();
        for m in members {
            s.insert(m);
        }
        s
    }

    fn insert(&mut self, m: &str) -> bool {
        let canonical_int = m.parse::<i64>().is_ok_and(|n| n.to_string() == m);
        let added = self.members.insert(m.to_string());
        if !canonical_int || self.members.len() > MAX_INTSET {
            self.intset = false;
        }
        added
    }
}

/// A key's value in the model.
#[derive(Clone, Debug)]
enum Val {
    Str(String),
    Set(ModelSet),
}

/// The whole keyspace of the model (one database).
#[derive(Default)]
struct Model {
    keys: HashMap<String, Val>,
}

fn bulk(s: &str) -> Frame {
    Frame::bulk(s)
}

fn bulks<'a>(items: impl IntoIterator<Item = &'a String>) -> Vec<Frame> {
    items.into_iter().map(|s| bulk(s)).collect()
}

fn error(s: &str) -> Frame {
    Frame::error(s)
}

/// A reply the model rejects, with the reason: it fails the comparison, showing why.
fn invalid(why: String) -> Frame {
    Frame::error(format!("model rejects the reply: {why}"))
}

/// The strings of an array or set reply.
fn strings(reply: &Frame) -> Option<Vec<String>> {
    let (Frame::Array(items) | Frame::Set(items)) = reply else { return None };
    items
        .iter()
        .map(|f| match f {
            Frame::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        })
        .collect()
}

impl Model {
    /// The set at `key`: `Ok(None)` if missing, `Err` (WRONGTYPE) for a string.
    fn set(&self, key: &str) -> Result<Option<&ModelSet>, Frame> {
        match self.keys.get(key) {
            None => Ok(None),
            Some(Val::Str(_)) => Err(error(WRONGTYPE)),
            Some(Val::Set(s)) => Ok(Some(s)),
        }
    }

    fn members(&self, key: &str) -> Result<HashSet<String>, Frame> {
        Ok(self.set(key)?.map(|s| s.members.clone()).unwrap_or_default())
    }

    /// The set at `key` for changing, created if missing.
    fn set_mut(&mut self, key: &str) -> Result<&mut ModelSet, Frame> {
        self.set(key)?;
        match self.keys.entry(key.to_string()).or_insert_with(|| Val::Set(ModelSet::new())) {
            Val::Set(s) => Ok(s),
            Val::Str(_) => unreachable!("checked above"),
        }
    }

    /// Stores `result` at `key`, or deletes `key` if it is empty; answers its size.
    fn store(&mut self, key: &str, result: ModelSet) -> Frame {
        let len = result.members.len();
        if len == 0 {
            self.keys.remove(key);
        } else {
            self.keys.insert(key.into(), Val::Set(result));
        }
        Frame::Integer(len as i64)
    }

    fn drop_empty_sets(&mut self) {
        self.keys.retain(|_, v| !matches!(v, Val::Set(s) if s.members.is_empty()));
    }

    /// The reply the model expects to `words`, given the store's reply `got` (used only to
    /// check a random reply, which it cannot predict).
    fn run(&mut self, words: &[String], got: &Frame) -> Frame {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let reply = match self.exec(&w, got) {
            Ok(f) | Err(f) => f,
        };
        self.drop_empty_sets();
        reply
    }

    /// Every key is looked up and type-checked before anything is computed.
    fn sets(&self, keys: &[&str]) -> Result<Vec<Option<HashSet<String>>>, Frame> {
        keys.iter().map(|k| Ok(self.set(k)?.map(|s| s.members.clone()))).collect()
    }

    fn combine(&self, op: &str, keys: &[&str]) -> Result<Vec<String>, Frame> {
        let sets = self.sets(keys)?;
        let mut result: Vec<String> = match op {
            "SINTER" => {
                if sets.iter().any(Option::is_none) {
                    Vec::new()
                } else {
                    let all: Vec<HashSet<String>> = sets.into_iter().flatten().collect();
                    all[0].iter().filter(|m| all.iter().all(|s| s.contains(*m))).cloned().collect()
                }
            }
            "SUNION" => sets.into_iter().flatten().flatten().collect::<HashSet<_>>().into_iter().collect(),
            "SDIFF" => {
                let first = sets[0].clone().unwrap_or_default();
                first.into_iter().filter(|m| sets[1..].iter().flatten().all(|s| !s.contains(m))).collect()
            }
            other => panic!("not a combination: {other}"),
        };
        result.sort();
        Ok(result)
    }

    fn exec(&mut self, w: &[&str], got: &Frame) -> Result<Frame, Frame> {
        Ok(match w[0] {
            "SADD" => {
                let s = self.set_mut(w[1])?;
                Frame::Integer(w[2..].iter().filter(|m| s.insert(m)).count() as i64)
            }
            "SREM" => {
                let Some(_) = self.set(w[1])? else { return Ok(Frame::Integer(0)) };
                let s = self.set_mut(w[1])?;
                Frame::Integer(w[2..].iter().filter(|m| s.members.remove(**m)).count() as i64)
            }
            "SMEMBERS" => Frame::Set(bulks(&self.members(w[1])?)),
            "SCARD" => Frame::Integer(self.members(w[1])?.len() as i64),
            "SISMEMBER" => Frame::Integer(self.members(w[1])?.contains(w[2]) as i64),
            "SMISMEMBER" => {
                let s = self.members(w[1])?;
                Frame::Array(w[2..].iter().map(|m| Frame::Integer(s.contains(*m) as i64)).collect())
            }
            "SSCAN" => Frame::Array(vec![bulk("0"), Frame::Array(bulks(&self.members(w[1])?))]),
            "SPOP" => return self.check_spop(w, got),
            "SRANDMEMBER" => return self.check_srandmember(w, got),
            "SMOVE" => {
                let Some(src) = self.set(w[1])? else { return Ok(Frame::Integer(0)) };
                let is_member = src.members.contains(w[3]);
                self.set(w[2])?;
                if w[1] == w[2] || !is_member {
                    return Ok(Frame::Integer(is_member as i64));
                }
                self.set_mut(w[1])?.members.remove(w[3]);
                self.set_mut(w[2])?.insert(w[3]);
                Frame::Integer(1)
            }
            "SINTER" | "SUNION" | "SDIFF" => Frame::Set(bulks(&self.combine(w[0], &w[1..])?)),
            "SINTERSTORE" | "SUNIONSTORE" | "SDIFFSTORE" => {
                let result = self.combine(w[0].trim_end_matches("STORE"), &w[2..])?;
                self.store(w[1], ModelSet::from_members(&result))
            }
            "SINTERCARD" => {
                let n: usize = w[1].parse().expect("generated numkeys");
                let n_result = self.combine("SINTER", &w[2..2 + n])?.len();
                let limit = w.get(3 + n).map_or(0, |l| l.parse::<usize>().expect("generated limit"));
                Frame::Integer(if limit > 0 { n_result.min(limit) } else { n_result } as i64)
            }
            "OBJECT" => match self.keys.get(w[2]) {
                None => Frame::Null,
                Some(Val::Str(v)) => {
                    bulk(if v.parse::<i64>().is_ok_and(|n| n.to_string() == *v) { "int" } else { "embstr" })
                }
                Some(Val::Set(s)) => bulk(if s.intset { "intset" } else { "hashtable" }),
            },
            "SET" => {
                self.keys.insert(w[1].into(), Val::Str(w[2].into()));
                Frame::ok()
            }
            "DEL" => Frame::Integer(self.keys.remove(w[1]).is_some() as i64),
            "EXISTS" => Frame::Integer(self.keys.contains_key(w[1]) as i64),
            "TYPE" => Frame::simple(match self.keys.get(w[1]) {
                None => "none",
                Some(Val::Str(_)) => "string",
                Some(Val::Set(_)) => "set",
            }),
            other => panic!("unmodelled command {other}"),
        })
    }

    /// Checks a random SPOP reply against the set and removes what it reports.
    fn check_spop(&mut self, w: &[&str], got: &Frame) -> Result<Frame, Frame> {
        let Some(set) = self.set(w[1])?.cloned() else {
            return Ok(if w.len() == 2 { Frame::Null } else { Frame::Set(Vec::new()) });
        };
        let popped = match (w.get(2), got) {
            (None, Frame::Bulk(b)) => vec![String::from_utf8_lossy(b).into_owned()],
            (Some(_), Frame::Set(_)) => strings(got).unwrap_or_default(),
            _ => return Ok(invalid(format!("{got:?} is not an SPOP reply"))),
        };
        let count = w.get(2).map_or(1, |n| n.parse::<usize>().expect("generated count"));
        let distinct: HashSet<&String> = popped.iter().collect();
        if popped.len() != count.min(set.members.len()) || distinct.len() != popped.len() {
            return Ok(invalid(format!("popped {popped:?} for count {count}")));
        }
        if let Some(m) = popped.iter().find(|m| !set.members.contains(*m)) {
            return Ok(invalid(format!("popped {m:?}, not a member")));
        }
        let survivors: Vec<String> = set.members.iter().filter(|m| !distinct.contains(m)).cloned().collect();
        let rebuilt = w.len() == 3 && !survivors.is_empty() && survivors.len() * SPOP_MOVE_STRATEGY_MUL <= count;
        let s = self.set_mut(w[1])?;
        if rebuilt {
            *s = ModelSet::from_members(&survivors);
        } else {
            s.members.retain(|m| !distinct.contains(m));
        }
        Ok(got.clone())
    }

    /// Checks a random SRANDMEMBER reply against the set.
    fn check_srandmember(&self, w: &[&str], got: &Frame) -> Result<Frame, Frame> {
        let set = self.members(w[1])?;
        let Some(count) = w.get(2).map(|n| n.parse::<i64>().expect("generated count")) else {
            let valid = match got {
                Frame::Null => set.is_empty(),
                Frame::Bulk(b) => set.contains(&*String::from_utf8_lossy(b)),
                _ => false,
            };
            return Ok(if valid { got.clone() } else { invalid(format!("{got:?} is not a member")) });
        };
        let Some(picked) = strings(got).filter(|_| matches!(got, Frame::Array(_))) else {
            return Ok(invalid(format!("{got:?} is not an array of members")));
        };
        let want = if count >= 0 {
            (count as usize).min(set.len())
        } else if set.is_empty() {
            0
        } else {
            count.unsigned_abs() as usize
        };
        let distinct: HashSet<&String> = picked.iter().collect();
        if picked.len() != want || (count > 0 && distinct.len() != picked.len()) {
            return Ok(invalid(format!("picked {picked:?} for count {count}")));
        }
        if let Some(m) = picked.iter().find(|m| !set.contains(*m)) {
            return Ok(invalid(format!("picked {m:?}, not a member")));
        }
        Ok(got.clone())
    }
}

/// The reply with unspecified orders made canonical: the member lists sorted.
fn normalize(words: &[String], reply: Frame) -> Frame {
    let sort = |mut items: Vec<Frame>| {
        items.sort_by_key(|f| format!("{f:?}"));
        items
    };
    match (words[0].as_str(), reply) {
        ("SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "SPOP", Frame::Set(items)) => Frame::Set(sort(items)),
        ("SRANDMEMBER", Frame::Array(items)) => Frame::Array(sort(items)),
        ("SSCAN", Frame::Array(mut parts)) if parts.len() == 2 => {
            if let Frame::Array(items) = &mut parts[1] {
                *items = sort(std::mem::take(items));
            }
            Frame::Array(parts)
        }
        (_, reply) => reply,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_store_replies_like_the_hashset_model(cmds in prop::collection::vec(command(), 1..80)) {
        for store in STORES {
            let mut model = Model::default();
            let mut client = TestClient::new(store);
            for words in &cmds {
                let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                let got = client.run(&refs);
                let expected = model.run(words, &got);
                prop_assert_eq!(
                    normalize(words, got), normalize(words, expected), "store {} diverged on {:?}", store, words
                );
                // Every key's encoding, after every step.
                for key in KEYS {
                    let encoding = ["OBJECT", "ENCODING", key].map(String::from);
                    let got = client.run(&["OBJECT", "ENCODING", key]);
                    prop_assert_eq!(&got, &model.run(&encoding, &got), "store {} encoding of {} after {:?}", store, key, words);
                }
            }
        }
    }
}

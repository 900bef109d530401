//! Model-based test of the list commands: random sequences of list commands (with a few
//! string and key commands mixed in, for WRONGTYPE and deletion) run against every store and
//! against a model of each key as a plain `Vec`; every reply must be identical.
//!
//! The model is written from Redis's documented semantics, independently of the command
//! layer's code: index arithmetic is done in i128 so it cannot share an overflow bug.

use std::collections::HashMap;

use proptest::prelude::*;
use resp::Frame;
use store::testing::{TestClient, STORES};

const KEYS: &[&str] = &["a", "b", "c"];
const VALUES: &[&str] = &["x", "y", "z", ""];
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(String::from)
}

fn value() -> impl Strategy<Value = String> {
    prop::sample::select(VALUES).prop_map(String::from)
}

fn values() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(value(), 1..4)
}

fn end() -> impl Strategy<Value = String> {
    prop::sample::select(&["LEFT", "RIGHT", "left"][..]).prop_map(String::from)
}

fn index() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -7i64..7, 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

/// LPOS's options, in a random order.
fn lpos_options() -> impl Strategy<Value = Vec<String>> {
    let rank = prop_oneof![(-4i64..4).prop_filter("RANK 0 is an error", |&r| r != 0), Just(i64::MIN)];
    (prop::option::of(rank), prop::option::of(0i64..4), prop::option::of(0i64..6), any::<bool>()).prop_map(
        |(rank, count, maxlen, reversed)| {
            let mut opts: Vec<Vec<String>> = Vec::new();
            if let Some(r) = rank {
                opts.push(vec!["RANK".into(), r.to_string()]);
            }
            if let Some(c) = count {
                opts.push(vec!["COUNT".into(), c.to_string()]);
            }
            if let Some(m) = maxlen {
                opts.push(vec!["MAXLEN".into(), m.to_string()]);
            }
            if reversed {
                opts.reverse();
            }
            opts.concat()
        },
    )
}

/// One command as words.
fn command() -> impl Strategy<Value = Vec<String>> {
    let w = |s: &str| s.to_string();
    let push = prop::sample::select(&["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"][..]);
    let pop = prop::sample::select(&["LPOP", "RPOP"][..]);
    prop_oneof![
        6 => (push, key(), values()).prop_map(move |(cmd, k, vs)| [vec![w(cmd), k], vs].concat()),
        3 => (pop, key(), prop::option::of(0i64..4)).prop_map(move |(cmd, k, n)| {
            let mut words = vec![w(cmd), k];
            words.extend(n.map(|n| n.to_string()));
            words
        }),
        1 => key().prop_map(move |k| vec![w("LLEN"), k]),
        2 => (key(), index(), index()).prop_map(move |(k, a, b)| vec![w("LRANGE"), k, a.to_string(), b.to_string()]),
        1 => (key(), index()).prop_map(move |(k, i)| vec![w("LINDEX"), k, i.to_string()]),
        1 => (key(), index(), value()).prop_map(move |(k, i, v)| vec![w("LSET"), k, i.to_string(), v]),
        1 => (key(), prop::sample::select(&["BEFORE", "AFTER"][..]), value(), value())
            .prop_map(move |(k, place, p, v)| vec![w("LINSERT"), k, w(place), p, v]),
        1 => (key(), -3i64..4, value()).prop_map(move |(k, n, v)| vec![w("LREM"), k, n.to_string(), v]),
        1 => (key(), index(), index()).prop_map(move |(k, a, b)| vec![w("LTRIM"), k, a.to_string(), b.to_string()]),
        2 => (key(), value(), lpos_options()).prop_map(move |(k, v, opts)| [vec![w("LPOS"), k, v], opts].concat()),
        2 => (key(), key(), end(), end()).prop_map(move |(s, d, f, t)| vec![w("LMOVE"), s, d, f, t]),
        1 => (key(), key()).prop_map(move |(s, d)| vec![w("RPOPLPUSH"), s, d]),
        2 => (prop::collection::vec(key(), 1..4), end(), prop::option::of(1i64..4)).prop_map(move |(ks, e, n)| {
            let mut words = vec![w("LMPOP"), ks.len().to_string()];
            words.extend(ks);
            words.push(e);
            if let Some(n) = n {
                words.extend([w("COUNT"), n.to_string()]);
            }
            words
        }),
        1 => (key(), value()).prop_map(move |(k, v)| vec![w("SET"), k, v]),
        1 => key().prop_map(move |k| vec![w("DEL"), k]),
        1 => key().prop_map(move |k| vec![w("EXISTS"), k]),
        1 => key().prop_map(move |k| vec![w("TYPE"), k]),
    ]
}

/// A key's value in the model.
#[derive(Clone, Debug)]
enum Val {
    Str,
    List(Vec<String>),
}

/// The whole keyspace of the model (one database).
#[derive(Default)]
struct Model {
    keys: HashMap<String, Val>,
}

fn bulk(s: &str) -> Frame {
    Frame::bulk(s)
}

fn bulks<'a>(items: impl IntoIterator<Item = &'a String>) -> Frame {
    Frame::Array(items.into_iter().map(|s| bulk(s)).collect())
}

fn wrongtype() -> Frame {
    Frame::error(WRONGTYPE)
}

fn int(s: &str) -> i64 {
    s.parse().expect("generated integer")
}

/// The indexes `start..=stop` cover in a list of `len` (negative from the end), clamped.
fn range(len: usize, start: i64, stop: i64) -> std::ops::Range<usize> {
    let len = len as i128;
    let resolve = |i: i64| if i < 0 { len + i as i128 } else { i as i128 };
    let first = resolve(start).max(0);
    let last = resolve(stop).min(len - 1);
    if first > last {
        0..0
    } else {
        first as usize..last as usize + 1
    }
}

/// A possibly negative index into a list of `len`.
fn at(len: usize, i: i64) -> Option<usize> {
    let i = if i < 0 { len as i128 + i as i128 } else { i as i128 };
    (0..len as i128).contains(&i).then_some(i as usize)
}

impl Model {
    /// The list at `key`: `Ok(None)` if missing, `Err` (WRONGTYPE) for a string.
    fn list(&mut self, key: &str) -> Result<Option<&mut Vec<String>>, Frame> {
        match self.keys.get_mut(key) {
            None => Ok(None),
            Some(Val::Str) => Err(wrongtype()),
            Some(Val::List(l)) => Ok(Some(l)),
        }
    }

    fn drop_if_empty(&mut self, key: &str) {
        if matches!(self.keys.get(key), Some(Val::List(l)) if l.is_empty()) {
            self.keys.remove(key);
        }
    }

    fn pop(&mut self, key: &str, left: bool) -> Option<String> {
        let Ok(Some(l)) = self.list(key) else { return None };
        let v = if left { Some(l.remove(0)) } else { l.pop() };
        self.drop_if_empty(key);
        v
    }

    fn run(&mut self, words: &[String]) -> Frame {
        match self.exec(words) {
            Ok(f) | Err(f) => f,
        }
    }

    fn exec(&mut self, words: &[String]) -> Result<Frame, Frame> {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        match w[0] {
            "LPUSH" | "RPUSH" | "LPUSHX" | "RPUSHX" => {
                let exists = self.list(w[1])?.is_some();
                if w[0].ends_with('X') && !exists {
                    return Ok(Frame::Integer(0));
                }
                let Val::List(l) = self.keys.entry(w[1].into()).or_insert(Val::List(Vec::new())) else {
                    unreachable!()
                };
                for v in &w[2..] {
                    if w[0].starts_with('L') {
                        l.insert(0, v.to_string());
                    } else {
                        l.push(v.to_string());
                    }
                }
                Ok(Frame::Integer(l.len() as i64))
            }
            "LPOP" | "RPOP" => {
                let left = w[0] == "LPOP";
                let exists = self.list(w[1])?.is_some();
                match w.get(2) {
                    None => Ok(self.pop(w[1], left).map_or(Frame::Null, |v| bulk(&v))),
                    Some(_) if !exists => Ok(Frame::NullArray),
                    Some(n) => {
                        let popped: Vec<String> = (0..int(n)).map_while(|_| self.pop(w[1], left)).collect();
                        Ok(bulks(&popped))
                    }
                }
            }
            "LLEN" => Ok(Frame::Integer(self.list(w[1])?.map_or(0, |l| l.len()) as i64)),
            "LRANGE" => Ok(match self.list(w[1])? {
                None => Frame::Array(vec![]),
                Some(l) => bulks(&l[range(l.len(), int(w[2]), int(w[3]))]),
            }),
            "LINDEX" => {
                let l = self.list(w[1])?.cloned().unwrap_or_default();
                Ok(at(l.len(), int(w[2])).map_or(Frame::Null, |i| bulk(&l[i])))
            }
            "LSET" => {
                let l = self.list(w[1])?.ok_or_else(|| Frame::error("ERR no such key"))?;
                let i = at(l.len(), int(w[2])).ok_or_else(|| Frame::error("ERR index out of range"))?;
                l[i] = w[3].to_string();
                Ok(Frame::ok())
            }
            "LINSERT" => {
                let Some(l) = self.list(w[1])? else { return Ok(Frame::Integer(0)) };
                let Some(p) = l.iter().position(|e| e == w[3]) else { return Ok(Frame::Integer(-1)) };
                l.insert(if w[2] == "AFTER" { p + 1 } else { p }, w[4].to_string());
                Ok(Frame::Integer(l.len() as i64))
            }
            "LREM" => {
                let Some(l) = self.list(w[1])? else { return Ok(Frame::Integer(0)) };
                let n = int(w[2]);
                let limit = if n == 0 { usize::MAX } else { n.unsigned_abs() as usize };
                let mut order: Vec<usize> = (0..l.len()).collect();
                if n < 0 {
                    order.reverse();
                }
                let doomed: Vec<usize> = order.into_iter().filter(|&i| l[i] == w[3]).take(limit).collect();
                let mut i = 0;
                l.retain(|_| {
                    i += 1;
                    !doomed.contains(&(i - 1))
                });
                self.drop_if_empty(w[1]);
                Ok(Frame::Integer(doomed.len() as i64))
            }
            "LTRIM" => {
                if let Some(l) = self.list(w[1])? {
                    let keep = range(l.len(), int(w[2]), int(w[3]));
                    *l = l[keep].to_vec();
                    self.drop_if_empty(w[1]);
                }
                Ok(Frame::ok())
            }
            "LPOS" => self.lpos(&w),
            "LMOVE" | "RPOPLPUSH" => {
                let (from_left, to_left) = match w[0] {
                    "LMOVE" => (w[3].eq_ignore_ascii_case("left"), w[4].eq_ignore_ascii_case("left")),
                    _ => (false, true),
                };
                if self.list(w[1])?.is_none() {
                    return Ok(Frame::Null);
                }
                self.list(w[2])?;
                let v = self.pop(w[1], from_left).expect("a stored list is not empty");
                let Val::List(l) = self.keys.entry(w[2].into()).or_insert(Val::List(Vec::new())) else {
                    unreachable!()
                };
                if to_left {
                    l.insert(0, v.clone());
                } else {
                    l.push(v.clone());
                }
                Ok(bulk(&v))
            }
            "LMPOP" => {
                let n = int(w[1]) as usize;
                let keys = &w[2..2 + n];
                let left = w[2 + n].eq_ignore_ascii_case("left");
                let count = w.get(4 + n).map_or(1, |c| int(c));
                for &k in keys {
                    if self.list(k)?.is_none() {
                        continue;
                    }
                    let popped: Vec<String> = (0..count).map_while(|_| self.pop(k, left)).collect();
                    return Ok(Frame::Array(vec![bulk(k), bulks(&popped)]));
                }
                Ok(Frame::NullArray)
            }
            "SET" => {
                self.keys.insert(w[1].into(), Val::Str);
                Ok(Frame::ok())
            }
            "DEL" => Ok(Frame::Integer(self.keys.remove(w[1]).is_some() as i64)),
            "EXISTS" => Ok(Frame::Integer(self.keys.contains_key(w[1]) as i64)),
            "TYPE" => Ok(Frame::simple(match self.keys.get(w[1]) {
                None => "none",
                Some(Val::Str) => "string",
                Some(Val::List(_)) => "list",
            })),
            other => panic!("the model does not know {other}"),
        }
    }

    /// LPOS as documented: a negative RANK searches from the tail and skips `|rank| - 1`
    /// matches (`i64::MIN` skips none, and then, as in Redis, COUNT stops nothing); COUNT 0
    /// means all matches; MAXLEN 0 means the whole list.
    fn lpos(&mut self, w: &[&str]) -> Result<Frame, Frame> {
        let (mut rank, mut count, mut maxlen) = (1i64, None, 0usize);
        for opt in w[3..].chunks(2) {
            match opt[0] {
                "RANK" => rank = int(opt[1]),
                "COUNT" => count = Some(int(opt[1]) as usize),
                "MAXLEN" => maxlen = int(opt[1]) as usize,
                other => panic!("unknown LPOS option {other}"),
            }
        }
        let l = self.list(w[1])?.cloned().unwrap_or_default();
        let mut order: Vec<usize> = (0..l.len()).collect();
        if rank < 0 {
            order.reverse();
        }
        if maxlen > 0 {
            order.truncate(maxlen);
        }
        let skip = if rank == i64::MIN { 0 } else { rank.unsigned_abs() as usize - 1 };
        let take = match count {
            _ if rank == i64::MIN && count.is_some() => usize::MAX,
            Some(0) => usize::MAX,
            Some(n) => n,
            None => 1,
        };
        let found: Vec<usize> = order.into_iter().filter(|&i| l[i] == w[2]).skip(skip).take(take).collect();
        Ok(match count {
            Some(_) => Frame::Array(found.iter().map(|&i| Frame::Integer(i as i64)).collect()),
            None => found.first().map_or(Frame::Null, |&i| Frame::Integer(i as i64)),
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn list_commands_on_every_store_reply_like_a_vec_model(cmds in prop::collection::vec(command(), 1..80)) {
        let mut model = Model::default();
        let mut stores: Vec<TestClient> = STORES.iter().map(|s| TestClient::new(s)).collect();
        for words in &cmds {
            let refs: Vec<&str> = words.iter().map(|s| s.as_str()).collect();
            let expected = model.run(words);
            for (name, client) in STORES.iter().zip(stores.iter_mut()) {
                let got = client.run(&refs);
                prop_assert_eq!(&got, &expected, "store {} diverged on {:?}", name, words);
            }
        }
    }
}

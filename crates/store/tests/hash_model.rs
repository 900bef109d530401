//! Model-based test of the hash commands: random sequences of hash commands (with a few
//! string and key commands mixed in, for WRONGTYPE and deletion) run against every store and
//! against a model of each key as a `HashMap<String, String>`; every reply must agree.
//!
//! Replies whose order Redis leaves unspecified (HKEYS, HVALS, HGETALL, HSCAN) are sorted
//! before comparing. HRANDFIELD's replies are random, so the model checks them instead of
//! predicting them: their size, that they are fields (and values) of the hash, and that a
//! positive count gives distinct fields.
//!
//! HINCRBYFLOAT's arithmetic is modelled exactly: every number the test makes is a multiple
//! of 1/2, which the model keeps as an i128 count of halves, rounded to the 64-bit mantissa
//! of Redis's `long double` after each addition.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use resp::Frame;
use store::testing::{TestClient, STORES};

const KEYS: &[&str] = &["a", "b", "c"];
const FIELDS: &[&str] = &["f", "g", "h", ""];
/// The last is longer than a small hash may hold (65 bytes): setting it moves the hash to
/// its large form, so both forms and the change between them are exercised.
const VALUES: &[&str] =
    &["1", "10", "-5", "abc", "", "3.5", "a-value-longer-than-a-small-hash-holds-its-65-bytes-make-it-big!!"];
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(String::from)
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(FIELDS).prop_map(String::from)
}

fn value() -> impl Strategy<Value = String> {
    prop::sample::select(VALUES).prop_map(String::from)
}

fn fields() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(field(), 1..4)
}

fn pairs() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((field(), value()), 1..4).prop_map(|ps| ps.into_iter().flat_map(|(f, v)| [f, v]).collect())
}

fn increment() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -3i64..4, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
}

/// One command as words.
fn command() -> impl Strategy<Value = Vec<String>> {
    let w = |s: &str| s.to_string();
    let listing = prop::sample::select(&["HKEYS", "HVALS", "HGETALL", "HLEN"][..]);
    let field_read = prop::sample::select(&["HGET", "HEXISTS", "HSTRLEN"][..]);
    prop_oneof![
        6 => (prop::sample::select(&["HSET", "HMSET"][..]), key(), pairs())
            .prop_map(move |(cmd, k, ps)| [vec![w(cmd), k], ps].concat()),
        2 => (key(), field(), value()).prop_map(move |(k, f, v)| vec![w("HSETNX"), k, f, v]),
        3 => (field_read, key(), field()).prop_map(move |(cmd, k, f)| vec![w(cmd), k, f]),
        1 => (key(), fields()).prop_map(move |(k, fs)| [vec![w("HMGET"), k], fs].concat()),
        3 => (key(), fields()).prop_map(move |(k, fs)| [vec![w("HDEL"), k], fs].concat()),
        2 => (listing, key()).prop_map(move |(cmd, k)| vec![w(cmd), k]),
        3 => (key(), field(), increment()).prop_map(move |(k, f, n)| vec![w("HINCRBY"), k, f, n.to_string()]),
        3 => (key(), field(), prop::sample::select(&["0.5", "-1.5", "2", "1e1"][..]))
            .prop_map(move |(k, f, n)| vec![w("HINCRBYFLOAT"), k, f, w(n)]),
        2 => (key(), prop::option::of((-5i64..6, any::<bool>()))).prop_map(move |(k, count)| {
            let mut words = vec![w("HRANDFIELD"), k];
            if let Some((n, with_values)) = count {
                words.push(n.to_string());
                if with_values {
                    words.push(w("WITHVALUES"));
                }
            }
            words
        }),
        1 => key().prop_map(move |k| vec![w("HSCAN"), k, w("0"), w("COUNT"), w("1000")]),
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
    Hash(HashMap<String, String>),
}

/// The whole keyspace of the model (one database).
#[derive(Default)]
struct Model {
    keys: HashMap<String, Val>,
}

fn bulk(s: &str) -> Frame {
    Frame::bulk(s)
}

fn error(s: &str) -> Frame {
    Frame::error(s)
}

/// A reply the model rejects, with the reason: it fails the comparison, showing why.
fn invalid(why: String) -> Frame {
    Frame::error(format!("model rejects the reply: {why}"))
}

/// A number of halves rounded to what x87 `long double` holds (a 64-bit mantissa), ties to
/// even: the only rounding the test's numbers ever need.
fn round_to_long_double(halves: i128) -> i128 {
    let magnitude = halves.unsigned_abs();
    let bits = 128 - magnitude.leading_zeros();
    if bits <= 64 {
        return halves;
    }
    let shift = bits - 64;
    let (kept, rest, half) = (magnitude >> shift, magnitude & ((1 << shift) - 1), 1u128 << (shift - 1));
    let kept = if rest > half || (rest == half && kept & 1 == 1) { kept + 1 } else { kept };
    let rounded = (kept << shift) as i128;
    if halves < 0 {
        -rounded
    } else {
        rounded
    }
}

/// A decimal the test made (an integer, `x.5`, or `1e1`) as a number of halves.
fn parse_halves(s: &str) -> Option<i128> {
    if s == "1e1" {
        return Some(20);
    }
    let (negative, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let extra = match frac {
        "" => 0,
        "5" => 1,
        other => panic!("the test never makes the fraction .{other}"),
    };
    let halves = int.parse::<i128>().ok()? * 2 + extra;
    Some(if negative { -halves } else { halves })
}

/// Redis's human-friendly `long double` formatting of a number of halves.
fn format_halves(halves: i128) -> String {
    let sign = if halves < 0 { "-" } else { "" };
    let magnitude = halves.unsigned_abs();
    let fraction = if magnitude % 2 == 1 { ".5" } else { "" };
    format!("{sign}{}{fraction}", magnitude / 2)
}

impl Model {
    /// The hash at `key`: `Ok(None)` if missing, `Err` (WRONGTYPE) for a string.
    fn hash(&self, key: &str) -> Result<Option<&HashMap<String, String>>, Frame> {
        match self.keys.get(key) {
            None => Ok(None),
            Some(Val::Str) => Err(error(WRONGTYPE)),
            Some(Val::Hash(h)) => Ok(Some(h)),
        }
    }

    /// The hash at `key` for changing, created if missing.
    fn hash_mut(&mut self, key: &str) -> Result<&mut HashMap<String, String>, Frame> {
        self.hash(key)?;
        match self.keys.entry(key.to_string()).or_insert_with(|| Val::Hash(HashMap::new())) {
            Val::Hash(h) => Ok(h),
            Val::Str => unreachable!("checked above"),
        }
    }

    fn drop_if_empty(&mut self, key: &str) {
        if matches!(self.keys.get(key), Some(Val::Hash(h)) if h.is_empty()) {
            self.keys.remove(key);
        }
    }

    /// The reply the model expects to `words`, given the store's reply `got` (used only to
    /// check a random reply, which it cannot predict).
    fn run(&mut self, words: &[String], got: &Frame) -> Frame {
        let w: Vec<&str> = words.iter().map(String::as_str).collect();
        let reply = match self.exec(&w, got) {
            Ok(f) | Err(f) => f,
        };
        if let Some(key) = w.get(1) {
            self.drop_if_empty(key);
        }
        reply
    }

    fn exec(&mut self, w: &[&str], got: &Frame) -> Result<Frame, Frame> {
        let key = w[1];
        let field_or = |h: Option<&HashMap<String, String>>, f: &str| h.and_then(|h| h.get(f)).cloned();
        Ok(match w[0] {
            "HSET" | "HMSET" => {
                let h = self.hash_mut(key)?;
                let added = w[2..].chunks(2).filter(|p| h.insert(p[0].into(), p[1].into()).is_none()).count();
                if w[0] == "HSET" {
                    Frame::Integer(added as i64)
                } else {
                    Frame::ok()
                }
            }
            "HSETNX" => {
                let h = self.hash_mut(key)?;
                let new = !h.contains_key(w[2]);
                if new {
                    h.insert(w[2].into(), w[3].into());
                }
                Frame::Integer(new as i64)
            }
            "HGET" => field_or(self.hash(key)?, w[2]).map_or(Frame::Null, |v| bulk(&v)),
            "HEXISTS" => Frame::Integer(field_or(self.hash(key)?, w[2]).is_some() as i64),
            "HSTRLEN" => Frame::Integer(field_or(self.hash(key)?, w[2]).map_or(0, |v| v.len()) as i64),
            "HMGET" => {
                let h = self.hash(key)?;
                Frame::Array(w[2..].iter().map(|f| field_or(h, f).map_or(Frame::Null, |v| bulk(&v))).collect())
            }
            "HDEL" => {
                let Some(_) = self.hash(key)? else { return Ok(Frame::Integer(0)) };
                let h = self.hash_mut(key)?;
                Frame::Integer(w[2..].iter().filter(|f| h.remove(**f).is_some()).count() as i64)
            }
            "HLEN" => Frame::Integer(self.hash(key)?.map_or(0, |h| h.len()) as i64),
            "HKEYS" => Frame::Array(self.hash(key)?.into_iter().flatten().map(|(f, _)| bulk(f)).collect()),
            "HVALS" => Frame::Array(self.hash(key)?.into_iter().flatten().map(|(_, v)| bulk(v)).collect()),
            "HGETALL" => Frame::Map(self.hash(key)?.into_iter().flatten().map(|(f, v)| (bulk(f), bulk(v))).collect()),
            "HSCAN" => {
                let items = self.hash(key)?.into_iter().flatten().flat_map(|(f, v)| [bulk(f), bulk(v)]).collect();
                Frame::Array(vec![bulk("0"), Frame::Array(items)])
            }
            "HINCRBY" => {
                let by: i64 = w[3].parse().expect("generated integer");
                let h = self.hash_mut(key)?;
                let current = match h.get(w[2]) {
                    None => 0,
                    Some(v) => v.parse::<i64>().map_err(|_| error("ERR hash value is not an integer"))?,
                };
                let n = current.checked_add(by).ok_or_else(|| error("ERR increment or decrement would overflow"))?;
                h.insert(w[2].into(), n.to_string());
                Frame::Integer(n)
            }
            "HINCRBYFLOAT" => {
                let by = parse_halves(w[3]).expect("generated increment");
                let h = self.hash_mut(key)?;
                let current = match h.get(w[2]) {
                    None => 0,
                    Some(v) => parse_halves(v).ok_or_else(|| error("ERR hash value is not a float"))?,
                };
                let text = format_halves(round_to_long_double(current + by));
                h.insert(w[2].into(), text.clone());
                bulk(&text)
            }
            "HRANDFIELD" => return self.check_hrandfield(w, got),
            "SET" => {
                self.keys.insert(key.into(), Val::Str);
                Frame::ok()
            }
            "DEL" => Frame::Integer(self.keys.remove(key).is_some() as i64),
            "EXISTS" => Frame::Integer(self.keys.contains_key(key) as i64),
            "TYPE" => Frame::simple(match self.keys.get(key) {
                None => "none",
                Some(Val::Str) => "string",
                Some(Val::Hash(_)) => "hash",
            }),
            other => panic!("unmodelled command {other}"),
        })
    }

    /// Checks a random HRANDFIELD reply against the hash; answers the reply if it is valid.
    fn check_hrandfield(&self, w: &[&str], got: &Frame) -> Result<Frame, Frame> {
        let h = self.hash(w[1])?;
        let Some(count) = w.get(2).map(|n| n.parse::<i64>().expect("generated count")) else {
            let valid = match (h, got) {
                (None, Frame::Null) => true,
                (Some(h), Frame::Bulk(f)) => h.contains_key(&*String::from_utf8_lossy(f)),
                _ => false,
            };
            return Ok(if valid { got.clone() } else { invalid(format!("{got:?} is not a field")) });
        };
        let with_values = w.len() == 4;
        let Frame::Array(items) = got else { return Ok(invalid(format!("{got:?} is not an array"))) };
        let len = h.map_or(0, |h| h.len());
        let want = if count >= 0 {
            (count as usize).min(len)
        } else if len == 0 {
            0
        } else {
            count.unsigned_abs() as usize
        };
        let per = if with_values { 2 } else { 1 };
        if items.len() != want * per {
            return Ok(invalid(format!("{} elements, expected {}", items.len(), want * per)));
        }
        let text = |f: &Frame| match f {
            Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        };
        let mut seen = HashSet::new();
        for chunk in items.chunks(per) {
            let field = text(&chunk[0]);
            let Some(value) = h.and_then(|h| h.get(&field)) else {
                return Ok(invalid(format!("{field:?} is not a field")));
            };
            if with_values && text(&chunk[1]) != *value {
                return Ok(invalid(format!("wrong value for {field:?}")));
            }
            if !seen.insert(field.clone()) && count > 0 {
                return Ok(invalid(format!("{field:?} repeated for a positive count")));
            }
        }
        Ok(got.clone())
    }
}

/// The reply with unspecified orders made canonical: HKEYS, HVALS and HGETALL sorted, and
/// HSCAN's field-value pairs sorted by field.
fn normalize(words: &[String], reply: Frame) -> Frame {
    let sort = |mut items: Vec<Frame>| {
        items.sort_by_key(|f| format!("{f:?}"));
        items
    };
    match (words[0].as_str(), reply) {
        ("HKEYS" | "HVALS", Frame::Array(items)) => Frame::Array(sort(items)),
        ("HGETALL", Frame::Map(mut pairs)) => {
            pairs.sort_by_key(|p| format!("{p:?}"));
            Frame::Map(pairs)
        }
        ("HSCAN", Frame::Array(mut parts)) if parts.len() == 2 => {
            if let Frame::Array(items) = &mut parts[1] {
                let mut pairs: Vec<Vec<Frame>> = items.chunks(2).map(<[Frame]>::to_vec).collect();
                pairs.sort_by_key(|p| format!("{p:?}"));
                *items = pairs.concat();
            }
            Frame::Array(parts)
        }
        (_, reply) => reply,
    }
}

#[test]
fn long_double_rounding_keeps_64_significant_bits() {
    assert_eq!(round_to_long_double(7), 7);
    let max = i64::MAX as i128 * 2; // i64::MAX in halves: 64 significant bits, exact.
    assert_eq!(round_to_long_double(max), max);
    assert_eq!(round_to_long_double(max + 1), max + 1, "i64::MAX + 0.5 still fits");
    let big = 1i128 << 64; // 2^63 in halves: 65 significant bits once a half is added.
    assert_eq!(round_to_long_double(big + 1), big, "a tie rounds to even");
    assert_eq!(round_to_long_double(big + 3), big + 4, "a tie rounds to even");
    assert_eq!(format_halves(round_to_long_double(-3)), "-1.5");
    assert_eq!(format_halves(0), "0");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_store_replies_like_the_hashmap_model(cmds in prop::collection::vec(command(), 1..80)) {
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
            }
        }
    }
}

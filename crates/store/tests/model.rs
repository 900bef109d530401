//! Model-based test: random command sequences run against every store implementation
//! and against the reference `ModelStore` must give identical replies, step by step.

use proptest::prelude::*;
use resp::Frame;
use store::testing::{TestClient, STORES};

const KEYS: &[&str] = &["a", "b", "c", "{a}x"];
const VALUES: &[&str] = &["1", "10", "-5", "abc", "", "9223372036854775807", "3.5"];

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(String::from)
}

fn value() -> impl Strategy<Value = String> {
    prop::sample::select(VALUES).prop_map(String::from)
}

/// One command as words.
fn command() -> impl Strategy<Value = Vec<String>> {
    let w = |s: &str| s.to_string();
    prop_oneof![
        (key(), value()).prop_map(move |(k, v)| vec![w("SET"), k, v]),
        (key(), value(), prop::sample::select(&["NX", "XX", "GET", "KEEPTTL"][..])).prop_map(move |(k, v, o)| vec![
            w("SET"),
            k,
            v,
            w(o)
        ]),
        key().prop_map(move |k| vec![w("GET"), k]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("DEL"), k, k2]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("EXISTS"), k, k2]),
        key().prop_map(move |k| vec![w("INCR"), k]),
        key().prop_map(move |k| vec![w("DECR"), k]),
        (key(), -100i64..100).prop_map(move |(k, n)| vec![w("INCRBY"), k, n.to_string()]),
        (key(), value()).prop_map(move |(k, v)| vec![w("APPEND"), k, v]),
        key().prop_map(move |k| vec![w("STRLEN"), k]),
        (key(), value(), key(), value()).prop_map(move |(k, v, k2, v2)| vec![w("MSET"), k, v, k2, v2]),
        (key(), value(), key(), value()).prop_map(move |(k, v, k2, v2)| vec![w("MSETNX"), k, v, k2, v2]),
        (key(), key(), key()).prop_map(move |(k, k2, k3)| vec![w("MGET"), k, k2, k3]),
        (key(), value()).prop_map(move |(k, v)| vec![w("GETSET"), k, v]),
        key().prop_map(move |k| vec![w("GETDEL"), k]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("RENAME"), k, k2]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("RENAMENX"), k, k2]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("COPY"), k, k2, w("REPLACE")]),
        (key(), key()).prop_map(move |(k, k2)| vec![w("COPY"), k, k2, w("DB"), w("1")]),
        key().prop_map(move |k| vec![w("MOVE"), k, w("1")]),
        (0..2u8).prop_map(move |d| vec![w("SELECT"), d.to_string()]),
        Just(vec![w("SWAPDB"), w("0"), w("1")]),
        Just(vec![w("FLUSHDB")]),
        Just(vec![w("DBSIZE")]),
        key().prop_map(move |k| vec![w("TYPE"), k]),
        Just(vec![w("KEYS"), w("*")]),
        key().prop_map(move |k| vec![w("EXPIRE"), k, w("1000")]),
        key().prop_map(move |k| vec![w("PERSIST"), k]),
        (key(), 0i64..5, value()).prop_map(move |(k, o, v)| vec![w("SETRANGE"), k, o.to_string(), v]),
        (key(), -3i64..3, -3i64..3).prop_map(move |(k, a, b)| vec![w("GETRANGE"), k, a.to_string(), b.to_string()]),
        key().prop_map(move |k| vec![w("OBJECT"), w("ENCODING"), k]),
    ]
}

/// Replies whose order is unspecified are sorted before comparing.
fn normalize(words: &[String], reply: Frame) -> Frame {
    match reply {
        Frame::Array(mut items) if words[0] == "KEYS" => {
            items.sort_by_key(|f| format!("{f:?}"));
            Frame::Array(items)
        }
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_store_replies_like_the_model(cmds in prop::collection::vec(command(), 1..60)) {
        let mut model = TestClient::new("model");
        let mut stores: Vec<TestClient> = STORES.iter().map(|s| TestClient::new(s)).collect();
        for words in &cmds {
            let refs: Vec<&str> = words.iter().map(|s| s.as_str()).collect();
            let expected = normalize(words, model.run(&refs));
            for (name, client) in STORES.iter().zip(stores.iter_mut()) {
                let got = normalize(words, client.run(&refs));
                prop_assert_eq!(&got, &expected, "store {} diverged on {:?}", name, words);
            }
        }
    }
}

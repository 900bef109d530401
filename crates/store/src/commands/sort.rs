//! SORT and SORT_RO, as Redis's `sort.c`: sort the elements of a list, set or sorted set
//! numerically or (ALPHA) by bytes, optionally by the values of other keys (`BY pattern`),
//! replying with the elements or with other keys' values (`GET pattern`), a window of them
//! (`LIMIT offset count`), in either order (ASC/DESC), or storing the result as a list
//! (`STORE destination`, SORT only).
//!
//! Patterns name other keys by substituting the element for the first `*` (`weight_*`);
//! `key->field` reads a field of a hash; `GET #` is the element itself. A BY pattern with
//! no `*` (conventionally `nosort`) skips sorting: lists and sorted sets keep their own
//! order (DESC reverses it), sets their iteration order, except with STORE, where a set is
//! sorted ALPHA so that the stored result does not depend on hashing.
//!
//! Keys named by patterns can be anywhere in the database, so a SORT with BY or GET
//! patterns runs over a view of the whole database; without them it touches only its key
//! and destination. Numbers are read with C's `strtod` and its range errors (a value that
//! is not one is `One or more scores can't be converted into double`); ties between equal
//! numbers fall back to comparing the elements, as in Redis.

use std::cmp::Ordering;

use bytes::Bytes;
use resp::Frame;

use crate::command::flags::*;
use crate::command::{Args, CommandResult, CommandSpec, Ctx, Group};
use crate::commands::zset::strtod;
use crate::error;
use crate::keyspace::KeyView;
use crate::notify::class;
use crate::types::list::List;
use crate::value::{Entry, Value};

/// SORT's ACL categories beyond those its flags imply (Redis's `sort.json`).
const SORT_ACL: &[&str] = &["set", "sortedset", "list", "dangerous"];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, WRITE | DENYOOM | MOVABLEKEYS, (1, 1, 1), Group::Generic, sort).with_acl(SORT_ACL),
    CommandSpec::new("sort_ro", -2, READONLY | MOVABLEKEYS, (1, 1, 1), Group::Generic, sort_ro).with_acl(SORT_ACL),
];

fn sort(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    sort_generic(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, args: &Args) -> CommandResult {
    sort_generic(ctx, args, true)
}

/// The options of a SORT.
#[derive(Clone, Debug, Default)]
struct SortOptions {
    desc: bool,
    alpha: bool,
    /// LIMIT offset count (count -1: to the end).
    offset: i64,
    count: i64,
    by: Option<Bytes>,
    /// A BY pattern without `*` was given: don't sort.
    dont_sort: bool,
    gets: Vec<Bytes>,
    store: Option<Bytes>,
}

impl SortOptions {
    /// Reads the options in Redis's order; STORE only when not `readonly` (SORT_RO).
    fn parse(args: &Args, readonly: bool) -> Result<SortOptions, Frame> {
        let mut o = SortOptions { count: -1, ..SortOptions::default() };
        while let Some(opt) = args.next() {
            let is = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
            let left = args.remaining();
            if is("asc") {
                o.desc = false;
            } else if is("desc") {
                o.desc = true;
            } else if is("alpha") {
                o.alpha = true;
            } else if is("limit") && left >= 2 {
                o.offset = args.i64()?;
                o.count = args.i64()?;
            } else if !readonly && is("store") && left >= 1 {
                o.store = Some(args.bytes()?.clone());
            } else if is("by") && left >= 1 {
                let pattern = args.bytes()?;
                // Once a constant BY is seen, nothing is sorted (a later BY doesn't undo it).
                o.dont_sort |= !c_str(pattern).contains(&b'*');
                o.by = Some(pattern.clone());
            } else if is("get") && left >= 1 {
                o.gets.push(args.bytes()?.clone());
            } else {
                return Err(error::syntax());
            }
        }
        Ok(o)
    }

    /// True if the command reads keys named by patterns (so it needs the whole database).
    fn uses_patterns(&self) -> bool {
        let named = |p: &Bytes| c_str(p).contains(&b'*');
        self.by.as_ref().is_some_and(|p| !self.dont_sort && named(p)) || self.gets.iter().any(named)
    }
}

/// The bytes before the first NUL: what Redis's C string functions see of an argument.
fn c_str(s: &[u8]) -> &[u8] {
    s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n])
}

/// Keyspace hits and misses of the lookups a SORT makes.
#[derive(Default)]
struct Lookups {
    hits: u64,
    misses: u64,
}

/// The value a pattern names for `element` (Redis's `lookupKeyByPattern`): `#` is the
/// element; otherwise the first `*` is replaced by it and the key read as a string, or with
/// `->field` after the `*`, that field of the hash at the key. `None` when the pattern has
/// no `*`, or the key is missing or of another type.
fn lookup_by_pattern(
    kv: &mut dyn KeyView,
    db: usize,
    pattern: &[u8],
    element: &Bytes,
    counted: &mut Lookups,
) -> Option<Bytes> {
    let text = c_str(pattern);
    if text == b"#" {
        return Some(element.clone());
    }
    let star = text.iter().position(|&b| b == b'*')?;
    let arrow = text[star + 1..].windows(2).position(|w| w == b"->").map(|i| star + 1 + i);
    let field = arrow.filter(|&a| a + 2 < text.len()).map(|a| &pattern[a + 2..]);
    let key_end = field.map_or(pattern.len(), |f| pattern.len() - f.len() - 2);
    let mut key = Vec::with_capacity(key_end + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let Some(entry) = kv.get(db, &key) else {
        counted.misses += 1;
        return None;
    };
    counted.hits += 1;
    match (&entry.value, field) {
        (Value::Hash(h), Some(field)) => h.get(field).map(Bytes::copy_from_slice),
        (Value::Str(s), None) => Some(s.to_bytes()),
        _ => None,
    }
}

/// The elements of the value to sort, with what each sorts by.
struct Item {
    element: Bytes,
    score: f64,
    /// ALPHA's comparison value when sorting BY a pattern (`None`: the key is missing).
    by_value: Option<Bytes>,
}

/// Redis's `sortCompare`.
fn compare(a: &Item, b: &Item, o: &SortOptions) -> Ordering {
    let order = if !o.alpha {
        a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.element.cmp(&b.element))
    } else if o.by.is_some() {
        // A missing BY value sorts first.
        a.by_value.cmp(&b.by_value)
    } else {
        a.element.cmp(&b.element)
    };
    if o.desc {
        order.reverse()
    } else {
        order
    }
}

/// Redis's LIMIT arithmetic over `len` elements: the inclusive window `start..=end`
/// (empty when `end < start`).
fn window(len: usize, offset: i64, count: i64) -> (i64, i64) {
    let n = len as i64;
    let mut start = offset.clamp(0, n);
    let count = count.clamp(-1, n);
    let mut end = if count < 0 { n - 1 } else { start + count - 1 };
    if start >= n {
        start = n - 1;
        end = n - 2;
    }
    (start, end.min(n - 1))
}

/// What a SORT produces before it is replied or stored.
enum Sorted {
    /// One value per element and GET pattern (`None`: the pattern found nothing).
    Values(Vec<Option<Bytes>>),
    /// A BY value was not a number.
    NotANumber,
}

/// Runs the SORT inside its view: reads the key, orders its elements, applies LIMIT and the
/// GET patterns. WRONGTYPE if the key is not a list, set or sorted set.
fn run_sort(
    kv: &mut dyn KeyView,
    db: usize,
    key: &Bytes,
    o: &SortOptions,
    counted: &mut Lookups,
) -> Result<Sorted, Frame> {
    let entry = kv.get(db, key);
    if entry.is_some() {
        counted.hits += 1;
    } else {
        counted.misses += 1;
    }
    let mut o = o.clone();
    let is_set = matches!(entry.map(|e| &e.value), Some(Value::Set(_)));
    if o.dont_sort && is_set && o.store.is_some() {
        // A stored result must not depend on the set's hash order: sort it ALPHA.
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    // Lists and sorted sets not sorted are read in their own order, the window applied
    // directly; everything else is loaded whole and sorted.
    let natural: Option<Vec<Bytes>> = match entry.map(|e| &e.value) {
        None => Some(Vec::new()),
        Some(Value::List(l)) if o.dont_sort => Some(natural_window(l.len(), &o, |r| list_range(l, r, o.desc))),
        Some(Value::ZSet(z)) if o.dont_sort => Some(natural_window(z.len(), &o, |r| {
            if o.desc {
                z.range(z.len() - r.end..z.len() - r.start).rev().map(|(m, _)| Bytes::copy_from_slice(m)).collect()
            } else {
                z.range(r).map(|(m, _)| Bytes::copy_from_slice(m)).collect()
            }
        })),
        Some(Value::List(_) | Value::ZSet(_) | Value::Set(_)) => None,
        Some(_) => return Err(error::wrong_type()),
    };
    let selected = match natural {
        Some(elements) => elements,
        None => {
            let elements: Vec<Bytes> = match kv.get(db, key).map(|e| &e.value) {
                Some(Value::List(l)) => l.iter().map(|e| e.to_bytes()).collect(),
                Some(Value::Set(s)) => s.iter().collect(),
                Some(Value::ZSet(z)) => z.iter().map(|(m, _)| Bytes::copy_from_slice(m)).collect(),
                _ => Vec::new(),
            };
            let mut items: Vec<Item> =
                elements.into_iter().map(|element| Item { element, score: 0.0, by_value: None }).collect();
            if !o.dont_sort {
                for item in &mut items {
                    let value = match &o.by {
                        Some(pattern) => match lookup_by_pattern(kv, db, pattern, &item.element, counted) {
                            Some(v) => v,
                            None => continue,
                        },
                        None => item.element.clone(),
                    };
                    if o.alpha {
                        if o.by.is_some() {
                            item.by_value = Some(value);
                        }
                    } else {
                        match sort_number(&value) {
                            Some(score) => item.score = score,
                            None => return Ok(Sorted::NotANumber),
                        }
                    }
                }
                items.sort_by(|a, b| compare(a, b, &o));
            }
            let (start, end) = window(items.len(), o.offset, o.count);
            if end < start {
                Vec::new()
            } else {
                items.drain(start as usize..=end as usize).map(|i| i.element).collect()
            }
        }
    };
    let mut values = Vec::with_capacity(selected.len() * o.gets.len().max(1));
    for element in selected {
        if o.gets.is_empty() {
            values.push(Some(element));
            continue;
        }
        for pattern in &o.gets {
            values.push(lookup_by_pattern(kv, db, pattern, &element, counted));
        }
    }
    Ok(Sorted::Values(values))
}

/// The window of a list or sorted set read in its own order: `read` gets the range of
/// positions (counted from the end when DESC) and returns those elements in reply order.
fn natural_window(len: usize, o: &SortOptions, read: impl Fn(std::ops::Range<usize>) -> Vec<Bytes>) -> Vec<Bytes> {
    let (start, end) = window(len, o.offset, o.count);
    if end < start {
        return Vec::new();
    }
    read(start as usize..end as usize + 1)
}

/// Elements of `list` at positions `r`, counted from the tail when `desc`.
fn list_range(list: &List, r: std::ops::Range<usize>, desc: bool) -> Vec<Bytes> {
    if desc {
        list.range(list.len() - r.end..list.len() - r.start).rev().map(|e| e.to_bytes()).collect()
    } else {
        list.range(r).map(|e| e.to_bytes()).collect()
    }
}

/// A value to sort numerically, read as SORT does: C's `strtod` on the string, an empty
/// one is 0, and anything left over, a range error or NaN make it no number.
fn sort_number(value: &[u8]) -> Option<f64> {
    let s = c_str(value);
    if s.is_empty() {
        return Some(0.0);
    }
    match strtod(s)? {
        (v, false) if !v.is_nan() => Some(v),
        _ => None,
    }
}

/// SORT and SORT_RO `key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]`.
fn sort_generic(ctx: &mut Ctx<'_>, args: &Args, readonly: bool) -> CommandResult {
    let key = args.bytes()?;
    let o = SortOptions::parse(args, readonly)?;
    let write = o.store.is_some();
    // Returns the reply, the lookups made, and the keyspace event of a STORE.
    let run = |kv: &mut dyn KeyView, db: usize| -> (CommandResult, Lookups, Option<(u16, &'static str)>) {
        let mut counted = Lookups::default();
        let sorted = match run_sort(kv, db, key, &o, &mut counted) {
            Ok(s) => s,
            Err(e) => return (Err(e), counted, None),
        };
        let values = match sorted {
            Sorted::Values(values) => values,
            Sorted::NotANumber => {
                return (Err(Frame::error("ERR One or more scores can't be converted into double")), counted, None)
            }
        };
        let Some(dst) = &o.store else {
            return (
                Ok(Frame::Array(values.into_iter().map(|v| v.map_or(Frame::Null, Frame::Bulk)).collect())),
                counted,
                None,
            );
        };
        let len = values.len();
        let event = if len == 0 {
            kv.remove(db, dst).map(|_| (class::GENERIC, "del"))
        } else {
            let list: List = values.into_iter().map(|v| v.unwrap_or_default()).collect();
            kv.insert(db, dst.clone(), Entry::new(Value::List(Box::new(list))));
            // Redis files `sortstore` under the list class.
            Some((class::LIST, "sortstore"))
        };
        (Ok(Frame::Integer(len as i64)), counted, event)
    };
    let (reply, counted, event) = if o.uses_patterns() {
        ctx.db_view(write, run)
    } else {
        let mut keys = vec![key.clone()];
        keys.extend(o.store.iter().cloned());
        if write {
            ctx.write_keys(&keys, run)
        } else {
            ctx.read_keys(&keys, run)
        }
    };
    ctx.client.counts.lookups(counted.hits, counted.misses);
    if let (Some((class, event)), Some(dst)) = (event, &o.store) {
        ctx.notify(class, event, dst);
    }
    reply
}

#[cfg(test)]
mod tests {
    use crate::testing::bulks;
    use crate::testing::each_store;
    use resp::Frame;

    use crate::testing::{arr, bulk, err, int, ok, TestClient};

    /// Bulks where `None` is a null.
    fn values(items: &[Option<&str>]) -> Frame {
        arr(items.iter().map(|s| s.map_or(Frame::Null, bulk)).collect())
    }

    fn not_a_number() -> Frame {
        err("ERR One or more scores can't be converted into double")
    }

    /// l = 3 1 2 10 -5 1.5
    fn numbers(c: &mut TestClient) {
        assert_eq!(c.run(&["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5"]), int(6));
    }

    #[test]
    fn sort_orders_numbers_either_way() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT", "l"]), bulks(&["-5", "1", "1.5", "2", "3", "10"]));
            assert_eq!(c.run(&["SORT", "l", "DESC"]), bulks(&["10", "3", "2", "1.5", "1", "-5"]));
            assert_eq!(c.run(&["SORT", "l", "DESC", "ASC"]), bulks(&["-5", "1", "1.5", "2", "3", "10"]));
        });
    }

    #[test]
    fn sort_alpha_orders_bytes() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT", "l", "ALPHA"]), bulks(&["-5", "1", "1.5", "10", "2", "3"]));
            assert_eq!(c.run(&["SORT", "l", "ALPHA", "DESC"]), bulks(&["3", "2", "10", "1.5", "1", "-5"]));
        });
    }

    #[test]
    fn sort_limit_takes_a_window_clamped_like_redis() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "1", "2"]), bulks(&["1", "1.5"]));
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "-5", "2"]), bulks(&["-5", "1"]));
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "2", "-1"]), bulks(&["1.5", "2", "3", "10"]));
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "2", "0"]), bulks(&[]));
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "10", "2"]), bulks(&[]));
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "4", "100"]), bulks(&["3", "10"]));
        });
    }

    #[test]
    fn sort_by_a_constant_keeps_the_list_order() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort"]), bulks(&["3", "1", "2", "10", "-5", "1.5"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort", "DESC"]), bulks(&["1.5", "-5", "10", "2", "1", "3"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort", "LIMIT", "1", "2"]), bulks(&["1", "2"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2"]), bulks(&["-5", "10"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort", "LIMIT", "6", "10"]), bulks(&[]));
            // A constant BY stops sorting even if a real pattern follows.
            assert_eq!(c.run(&["SORT", "l", "BY", "nosort", "BY", "w_*"]), bulks(&["3", "1", "2", "10", "-5", "1.5"]));
        });
    }

    #[test]
    fn sort_by_a_pattern_sorts_by_other_keys() {
        each_store(|c| {
            numbers(c);
            c.run(&["MSET", "w_3", "30", "w_1", "10", "w_2", "-2", "w_10", "5"]);
            // Missing weights count as 0; equal weights fall back to the elements.
            assert_eq!(c.run(&["SORT", "l", "BY", "w_*"]), bulks(&["2", "-5", "1.5", "10", "1", "3"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "w_*", "DESC"]), bulks(&["3", "1", "10", "1.5", "-5", "2"]));
            assert_eq!(c.run(&["SORT", "l", "BY", "w_*", "ALPHA"]), bulks(&["-5", "1.5", "2", "1", "3", "10"]));
        });
    }

    #[test]
    fn sort_by_a_pattern_that_is_not_a_number_is_an_error() {
        each_store(|c| {
            numbers(c);
            c.run(&["SET", "w_3", "x"]);
            assert_eq!(c.run(&["SORT", "l", "BY", "w_*"]), not_a_number());
            assert_eq!(c.run(&["SORT", "l", "BY", "w_*", "STORE", "dst"]), not_a_number());
            assert_eq!(c.run(&["EXISTS", "dst"]), int(0));
        });
    }

    #[test]
    fn sort_get_replies_other_keys_values() {
        each_store(|c| {
            numbers(c);
            c.run(&["MSET", "w_3", "30", "w_1", "10", "w_2", "-2", "w_10", "5"]);
            assert_eq!(
                c.run(&["SORT", "l", "BY", "nosort", "GET", "#", "GET", "w_*", "LIMIT", "0", "2"]),
                values(&[Some("3"), Some("30"), Some("1"), Some("10")])
            );
            assert_eq!(
                c.run(&["SORT", "l", "BY", "w_*", "LIMIT", "0", "3", "GET", "w_*", "GET", "nope"]),
                values(&[Some("-2"), None, None, None, None, None])
            );
            c.run(&["RPUSH", "w_-5", "a list"]);
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "0", "1", "GET", "w_*"]), values(&[None]));
        });
    }

    #[test]
    fn sort_patterns_read_hash_fields() {
        each_store(|c| {
            numbers(c);
            c.run(&["HSET", "h_3", "f", "3", "g", "c"]);
            c.run(&["HSET", "h_1", "f", "1", "g", "a"]);
            c.run(&["HSET", "h_2", "f", "2"]);
            assert_eq!(
                c.run(&["SORT", "l", "BY", "h_*->f", "DESC", "GET", "h_*->g"]),
                values(&[Some("c"), None, Some("a"), None, None, None])
            );
            // `->` with no field name is part of the key name.
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "0", "1", "GET", "h_*->"]), values(&[None]));
        });
    }

    #[test]
    fn sort_store_replaces_the_destination_with_a_list() {
        each_store(|c| {
            numbers(c);
            c.run(&["SET", "dst", "x", "EX", "100"]);
            assert_eq!(c.run(&["SORT", "l", "STORE", "dst"]), int(6));
            assert_eq!(c.run(&["TYPE", "dst"]), Frame::Simple("list".into()));
            assert_eq!(c.run(&["TTL", "dst"]), int(-1));
            assert_eq!(c.run(&["LRANGE", "dst", "0", "-1"]), bulks(&["-5", "1", "1.5", "2", "3", "10"]));
            c.run(&["SET", "w_3", "30"]);
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "0", "2", "GET", "w_*", "GET", "#", "STORE", "dst"]), int(4));
            assert_eq!(c.run(&["LRANGE", "dst", "0", "-1"]), bulks(&["", "-5", "", "1"]));
        });
    }

    #[test]
    fn sort_store_of_nothing_deletes_the_destination() {
        each_store(|c| {
            numbers(c);
            c.run(&["SET", "dst", "x"]);
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "100", "1", "STORE", "dst"]), int(0));
            assert_eq!(c.run(&["EXISTS", "dst"]), int(0));
            c.run(&["SET", "dst", "x"]);
            assert_eq!(c.run(&["SORT", "nokey", "STORE", "dst"]), int(0));
            assert_eq!(c.run(&["EXISTS", "dst"]), int(0));
        });
    }

    #[test]
    fn sort_ro_sorts_but_cannot_store() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT_RO", "l", "DESC", "LIMIT", "0", "2"]), bulks(&["10", "3"]));
            assert_eq!(c.run(&["SORT_RO", "l", "STORE", "dst"]), err("ERR syntax error"));
        });
    }

    #[test]
    fn sort_of_a_set_sorts_its_members() {
        each_store(|c| {
            c.run(&["SADD", "s", "5", "3", "9", "1"]);
            assert_eq!(c.run(&["SORT", "s"]), bulks(&["1", "3", "5", "9"]));
            assert_eq!(c.run(&["SORT", "s", "DESC"]), bulks(&["9", "5", "3", "1"]));
            c.run(&["SADD", "a", "b", "c", "a"]);
            assert_eq!(c.run(&["SORT", "a"]), not_a_number());
            assert_eq!(c.run(&["SORT", "a", "ALPHA"]), bulks(&["a", "b", "c"]));
        });
    }

    #[test]
    fn sort_store_of_an_unsorted_set_sorts_it_alpha() {
        each_store(|c| {
            c.run(&["SADD", "a", "b", "c", "a", "10", "9"]);
            assert_eq!(c.run(&["SORT", "a", "BY", "nosort", "STORE", "dst"]), int(5));
            assert_eq!(c.run(&["LRANGE", "dst", "0", "-1"]), bulks(&["10", "9", "a", "b", "c"]));
        });
    }

    #[test]
    fn sort_of_a_sorted_set_by_a_constant_keeps_score_order() {
        each_store(|c| {
            c.run(&["ZADD", "z", "3", "a", "1", "b", "2", "c"]);
            assert_eq!(c.run(&["SORT", "z", "BY", "nosort"]), bulks(&["b", "c", "a"]));
            assert_eq!(c.run(&["SORT", "z", "BY", "nosort", "DESC"]), bulks(&["a", "c", "b"]));
            assert_eq!(c.run(&["SORT", "z", "BY", "nosort", "LIMIT", "1", "1"]), bulks(&["c"]));
            assert_eq!(c.run(&["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "5"]), bulks(&["c", "b"]));
            assert_eq!(c.run(&["SORT", "z", "ALPHA"]), bulks(&["a", "b", "c"]));
            assert_eq!(c.run(&["SORT", "z"]), not_a_number());
        });
    }

    #[test]
    fn sort_reads_numbers_like_strtod() {
        each_store(|c| {
            c.run(&["RPUSH", "l", "0x10", " 3", "", "2"]);
            assert_eq!(c.run(&["SORT", "l"]), bulks(&["", "2", " 3", "0x10"]));
            for bad in ["4 ", "1e400", "1e-310", "nan", "abc"] {
                c.run(&["DEL", "b"]);
                c.run(&["RPUSH", "b", "1", bad]);
                assert_eq!(c.run(&["SORT", "b"]), not_a_number(), "{bad:?}");
            }
        });
    }

    #[test]
    fn sort_of_a_missing_key_is_empty() {
        each_store(|c| assert_eq!(c.run(&["SORT", "nokey", "BY", "w_*", "GET", "#"]), bulks(&[])));
    }

    #[test]
    fn sort_of_another_type_is_wrongtype() {
        each_store(|c| {
            assert_eq!(c.run(&["SET", "str", "x"]), ok());
            c.run(&["HSET", "h", "f", "v"]);
            let wrongtype = err("WRONGTYPE Operation against a key holding the wrong kind of value");
            assert_eq!(c.run(&["SORT", "str"]), wrongtype);
            assert_eq!(c.run(&["SORT_RO", "h", "ALPHA"]), wrongtype);
        });
    }

    #[test]
    fn sort_rejects_bad_options() {
        each_store(|c| {
            numbers(c);
            assert_eq!(c.run(&["SORT", "l", "LIMIT", "x", "1"]), err("ERR value is not an integer or out of range"));
            for opts in [&["LIMIT", "1"][..], &["FOO"], &["GET"], &["BY"], &["STORE"]] {
                let mut cmd = vec!["SORT", "l"];
                cmd.extend_from_slice(opts);
                assert_eq!(c.run(&cmd), err("ERR syntax error"), "{opts:?}");
            }
            assert_eq!(c.run(&["SORT"]), err("ERR wrong number of arguments for 'sort' command"));
        });
    }
}

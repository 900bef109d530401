//! Streams: an append-only log of entries ordered by [`StreamId`], each a list of
//! field-value pairs, with consumer groups that track delivery ([`ConsumerGroup`]).
//!
//! The model mirrors what Redis keeps (`t_stream.c`, `stream.h`) field for field, because
//! the RDB format stores exactly these fields and Tandem must write files Redis loads:
//! the last generated ID, the first entry's ID, the largest deleted ID, the count of
//! entries ever added, and per group its last delivered ID, `entries-read`, a pending
//! entries list (PEL) and its consumers with their own PELs.
//!
//! The methods keep that bookkeeping exactly as Redis 7.0 does, since the numbers are
//! visible (XINFO) and persisted:
//! - `entries_added` counts every append and is never decreased (only XSETID sets it);
//! - `first_id` is the first live entry, 0-0 once the stream is empty;
//! - `max_deleted_id` only grows through XDEL (trimming does not touch it; XSETID sets it);
//! - a group's `entries_read` follows `streamReplyWithRange`: incremented while it is valid
//!   and no deleted entry lies ahead, re-estimated otherwise
//!   ([`Stream::estimate_entries_read`], Redis's `streamEstimateDistanceFromFirstEverEntry`),
//!   and the lag XINFO reports comes from [`Stream::lag`].
//!
//! Redis stores entries in a radix tree of listpack *nodes*, and approximate trimming
//! (`MAXLEN ~`, `MINID ~`) only ever removes whole nodes. Tandem keeps a `BTreeMap`, so it
//! derives the node layout an append-only Redis stream would have with the default
//! `stream-node-max-entries 100` and `stream-node-max-bytes 4096` ([`Stream::node_sizes`]),
//! by estimating each listpack's size the way Redis encodes it. For a stream written by
//! appends only the boundaries match Redis's; after XDEL (whose tombstones Redis keeps in
//! its nodes) they may differ, which `~` allows.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use indexmap::IndexMap;

/// A stream entry ID: milliseconds and a sequence number, ordered numerically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID (`streamIncrID`); `None` after [`StreamId::MAX`].
    pub fn incr(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// The previous ID (`streamDecrID`); `None` before [`StreamId::MIN`].
    pub fn decr(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The ID as Redis writes it, `<ms>-<seq>`.
    pub fn to_bytes(self) -> Bytes {
        Bytes::from(self.to_string())
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// `entries-read` when it cannot be known (Redis's `SCG_INVALID_ENTRIES_READ`).
pub const ENTRIES_READ_UNKNOWN: i64 = -1;

/// Redis's default `stream-node-max-entries`: entries (live or deleted) per node.
pub const NODE_MAX_ENTRIES: usize = 100;

/// Redis's default `stream-node-max-bytes`: a node takes no new entry past this size.
pub const NODE_MAX_BYTES: usize = 4096;

/// One delivered-but-not-acknowledged entry of a group (Redis's `streamNACK`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// The consumer it was last delivered to.
    pub consumer: Bytes,
    /// Unix ms of the last delivery.
    pub delivery_time: i64,
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Consumer {
    /// Unix ms the consumer was last seen (any interaction).
    pub seen_time: i64,
    /// Unix ms of the consumer's last successful read/claim (Redis 7.2's `active-time`;
    /// -1 when never, or when loaded from a format that does not store it).
    pub active_time: i64,
    /// IDs pending for this consumer; each is also in the group's `pel`.
    pub pending: BTreeSet<StreamId>,
}

impl Consumer {
    /// A consumer created at `now` that has read nothing yet.
    pub fn new(now: i64) -> Consumer {
        Consumer { seen_time: now, active_time: -1, pending: BTreeSet::new() }
    }
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConsumerGroup {
    /// Last ID delivered to the group.
    pub last_id: StreamId,
    /// Logical count of entries the group has read, or [`ENTRIES_READ_UNKNOWN`].
    pub entries_read: i64,
    /// Every pending entry of the group.
    pub pel: BTreeMap<StreamId, PendingEntry>,
    /// Consumers in creation order.
    pub consumers: IndexMap<Bytes, Consumer>,
}

impl ConsumerGroup {
    pub fn new(last_id: StreamId, entries_read: i64) -> ConsumerGroup {
        ConsumerGroup { last_id, entries_read, pel: BTreeMap::new(), consumers: IndexMap::new() }
    }

    /// Creates consumer `name` seen at `now` unless it exists; true if it was created.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(Bytes::copy_from_slice(name), Consumer::new(now));
        true
    }

    /// Deletes consumer `name` and its pending entries; how many it had, `None` if it did
    /// not exist.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.shift_remove(name)?;
        for id in &consumer.pending {
            self.pel.remove(id);
        }
        Some(consumer.pending.len())
    }

    /// Acknowledges `id`: removes it from the group's and its consumer's PEL.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else { return false };
        if let Some(c) = self.consumers.get_mut(&nack.consumer) {
            c.pending.remove(&id);
        }
        true
    }

    /// Makes `consumer` (which must exist) the owner of pending entry `id`, creating the
    /// entry if it is not pending, with the given delivery time and count.
    pub fn assign(&mut self, id: StreamId, consumer: &Bytes, delivery_time: i64, delivery_count: u64) {
        // The consumer's own copy of its name, not the request's bytes.
        let name = match self.consumers.get_key_value(consumer) {
            Some((name, _)) => name.clone(),
            None => crate::value::owned(consumer.clone()),
        };
        let previous = self.pel.insert(id, PendingEntry { consumer: name, delivery_time, delivery_count });
        if let Some(old) = previous.filter(|old| old.consumer != *consumer) {
            if let Some(c) = self.consumers.get_mut(&old.consumer) {
                c.pending.remove(&id);
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pending.insert(id);
        }
    }
}

/// How XADD asks for the new entry's ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdRequest {
    /// `*`: the current time, or the last ID's successor.
    Auto,
    /// `<ms>-*`: this millisecond, with the next free sequence number.
    Ms(u64),
    /// `<ms>-<seq>`.
    Exact(StreamId),
}

/// Why XADD cannot add an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The last ID is [`StreamId::MAX`]: no ID is left.
    Exhausted,
    /// The ID is not greater than the last one.
    NotGreater,
}

/// What XADD and XTRIM trim by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimStrategy {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries with a smaller ID.
    MinId(StreamId),
}

/// A trim request: `approx` removes whole nodes only; `limit` (0: none) bounds the
/// entries removed, and only ever applies with `approx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trim {
    pub strategy: TrimStrategy,
    pub approx: bool,
    pub limit: u64,
}

/// A stream value.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Stream {
    /// The entries: field-value pairs, flattened (`[f1, v1, f2, v2, …]`).
    pub entries: BTreeMap<StreamId, Vec<Bytes>>,
    /// The last ID ever generated (entries may since have been deleted).
    pub last_id: StreamId,
    /// ID of the first entry (0-0 when empty), as XINFO reports `recorded-first-entry-id`.
    pub first_id: StreamId,
    /// Largest ID ever deleted (0-0 if none).
    pub max_deleted_id: StreamId,
    /// Entries ever added (XINFO `entries-added`).
    pub entries_added: u64,
    /// Consumer groups by name, in creation order.
    pub groups: IndexMap<Bytes, ConsumerGroup>,
}

impl Stream {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        "stream"
    }

    /// The ID the next entry gets (`streamAppendItem`'s choice, `now_ms` for `*`).
    pub fn next_id(&self, request: IdRequest, now_ms: u64) -> Result<StreamId, AddError> {
        if self.last_id == StreamId::MAX {
            return Err(AddError::Exhausted);
        }
        let id = match request {
            IdRequest::Auto if now_ms > self.last_id.ms => StreamId::new(now_ms, 0),
            IdRequest::Auto => self.last_id.incr().ok_or(AddError::Exhausted)?,
            IdRequest::Ms(ms) if ms == self.last_id.ms => {
                if self.last_id.seq == u64::MAX {
                    return Err(AddError::NotGreater);
                }
                StreamId::new(ms, self.last_id.seq + 1)
            }
            IdRequest::Ms(ms) => StreamId::new(ms, 0),
            IdRequest::Exact(id) => id,
        };
        if id <= self.last_id {
            return Err(AddError::NotGreater);
        }
        Ok(id)
    }

    /// Appends an entry with `id` (greater than `last_id`, see [`Stream::next_id`]).
    pub fn append(&mut self, id: StreamId, fields: Vec<Bytes>) {
        debug_assert!(id > self.last_id, "stream IDs only grow");
        let fields = fields.into_iter().map(crate::value::owned).collect();
        self.entries.insert(id, fields);
        self.entries_added += 1;
        self.last_id = id;
        if self.entries.len() == 1 {
            self.first_id = id;
        }
    }

    /// The ID of the last live entry (Redis's `streamLastValidID`).
    pub fn last_entry_id(&self) -> Option<StreamId> {
        self.entries.last_key_value().map(|(id, _)| *id)
    }

    /// Deletes the entries `ids` (XDEL); returns how many existed.
    pub fn delete(&mut self, ids: &[StreamId]) -> usize {
        let mut deleted = 0;
        for &id in ids {
            if self.entries.remove(&id).is_some() {
                self.max_deleted_id = self.max_deleted_id.max(id);
                deleted += 1;
            }
        }
        if deleted > 0 {
            self.refresh_first_id();
        }
        deleted
    }

    fn refresh_first_id(&mut self) {
        self.first_id = self.entries.first_key_value().map_or(StreamId::MIN, |(id, _)| *id);
    }

    /// Trims as XADD/XTRIM do (`streamTrim`); returns how many entries were removed.
    /// An exact trim removes entries from the head while the strategy says so; an
    /// approximate one removes whole nodes only, and no more than `limit` entries.
    pub fn trim(&mut self, trim: &Trim) -> usize {
        let mut deleted = 0usize;
        if trim.approx {
            loop {
                let Some((_, node)) = self.nodes_from_head().next() else { break };
                if trim.limit > 0 && (deleted + node) as u64 > trim.limit {
                    break;
                }
                let whole_node_goes = match trim.strategy {
                    TrimStrategy::MaxLen(max) => (self.len() - node) as u64 >= max,
                    TrimStrategy::MinId(min) => self.entries.keys().nth(node - 1).is_some_and(|last| *last < min),
                };
                if !whole_node_goes {
                    break;
                }
                for _ in 0..node {
                    self.entries.pop_first();
                }
                deleted += node;
            }
        } else {
            while let Some((&id, _)) = self.entries.first_key_value() {
                let goes = match trim.strategy {
                    TrimStrategy::MaxLen(max) => self.len() as u64 > max,
                    TrimStrategy::MinId(min) => id < min,
                };
                if !goes {
                    break;
                }
                self.entries.pop_first();
                deleted += 1;
            }
        }
        if deleted > 0 {
            self.refresh_first_id();
        }
        deleted
    }

    /// The number of entries in each node of the layout Redis would give these entries
    /// (see the module documentation), from the head.
    pub fn node_sizes(&self) -> Vec<usize> {
        self.nodes_from_head().map(|(_, len)| len).collect()
    }

    /// What XINFO STREAM reports of Redis's radix tree for this layout: the number of
    /// keys (one per node, keyed by its first ID) and of tree nodes.
    pub fn radix_tree_size(&self) -> (usize, usize) {
        let keys: Vec<[u8; 16]> = self.nodes_from_head().map(|(master, _)| radix_key(master)).collect();
        (keys.len(), radix_nodes(&keys, 0))
    }

    /// Each node of the layout: its first (master) ID and how many entries it holds.
    fn nodes_from_head(&self) -> impl Iterator<Item = (StreamId, usize)> + '_ {
        let mut entries = self.entries.iter().peekable();
        std::iter::from_fn(move || {
            let (&master, first) = entries.next()?;
            let master_fields: Vec<&Bytes> = first.iter().step_by(2).collect();
            let mut node = NodeEstimate::new(&master_fields);
            node.add(master, master, first, &master_fields);
            while let Some(&(&id, fields)) = entries.peek() {
                let incoming: usize = fields.iter().map(Bytes::len).sum();
                if node.bytes + incoming >= NODE_MAX_BYTES || node.count >= NODE_MAX_ENTRIES {
                    break;
                }
                node.add(master, id, fields, &master_fields);
                entries.next();
            }
            Some((master, node.count))
        })
    }

    /// True if an entry deleted by XDEL may lie at or after `start`
    /// (`streamRangeHasTombstones(s, start, NULL)` in Redis 7.0).
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            // The latest deletion is before the first entry.
            return false;
        }
        start <= self.max_deleted_id
    }

    /// The logical read counter of `id`: how many entries were added up to it, when that
    /// can be known, else [`ENTRIES_READ_UNKNOWN`] (`streamEstimateDistanceFromFirstEverEntry`).
    pub fn estimate_entries_read(&self, id: StreamId) -> i64 {
        let added = self.entries_added as i64;
        if added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        }
        if id > self.last_id {
            return ENTRIES_READ_UNKNOWN;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            // Nothing deleted after the first entry: positions are exact.
            if id < self.first_id {
                return added - self.len() as i64;
            }
            if id == self.first_id {
                return added - self.len() as i64 + 1;
            }
        }
        ENTRIES_READ_UNKNOWN
    }

    /// A group's `entries_read` after it is delivered `id` (beyond its last ID).
    pub fn entries_read_after(&self, entries_read: i64, id: StreamId) -> i64 {
        if entries_read != ENTRIES_READ_UNKNOWN && !self.has_tombstones_from(id) {
            entries_read + 1
        } else if self.entries_added > 0 {
            self.estimate_entries_read(id)
        } else {
            entries_read
        }
    }

    /// How many entries `group` has not read yet, if that can be known (XINFO `lag`).
    pub fn lag(&self, group: &ConsumerGroup) -> Option<i64> {
        let added = self.entries_added as i64;
        if added == 0 {
            return Some(0);
        }
        if group.entries_read != ENTRIES_READ_UNKNOWN && !self.has_tombstones_from(group.last_id) {
            return Some(added - group.entries_read);
        }
        match self.estimate_entries_read(group.last_id) {
            ENTRIES_READ_UNKNOWN => None,
            read => Some(added - read),
        }
    }

    /// Delivers to `consumer` of `group` (both must exist) up to `count` (0: all) entries
    /// after the group's last ID, as XREADGROUP `>` does: advances the group's last ID and
    /// `entries_read`, and unless `noack` makes each entry pending for the consumer
    /// (taking it from another consumer if an XGROUP SETID made it pending twice).
    pub fn deliver_new(
        &mut self,
        group: &[u8],
        consumer: &Bytes,
        count: usize,
        noack: bool,
        now: i64,
    ) -> Vec<Delivery> {
        let Some(g) = self.groups.get(group) else { return Vec::new() };
        let Some(start) = g.last_id.incr() else { return Vec::new() };
        let limit = if count == 0 { usize::MAX } else { count };
        let ids: Vec<StreamId> = self.entries.range(start..).take(limit).map(|(id, _)| *id).collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let entries_read = self.groups.get(group).map_or(ENTRIES_READ_UNKNOWN, |g| g.entries_read);
            let entries_read = self.entries_read_after(entries_read, id);
            let fields = self.entries.get(&id).cloned().unwrap_or_default();
            let Some(g) = self.groups.get_mut(group) else { break };
            g.entries_read = entries_read;
            g.last_id = id;
            if !noack {
                g.assign(id, consumer, now, 1);
                if let Some(c) = g.consumers.get_mut(consumer) {
                    c.active_time = now;
                }
            }
            out.push(Delivery { id, fields, last_id: id });
        }
        out
    }

    /// Entries pending for `consumer` of `group` from `start`, up to `count` (0: all), as
    /// XREADGROUP with an ID reads its history: each delivered again (delivery time now,
    /// count + 1), or `None` fields for an entry deleted since.
    pub fn deliver_history(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        start: StreamId,
        count: usize,
        now: i64,
    ) -> Vec<(StreamId, Option<Vec<Bytes>>)> {
        let Some(g) = self.groups.get_mut(group) else { return Vec::new() };
        let Some(c) = g.consumers.get(consumer) else { return Vec::new() };
        let limit = if count == 0 { usize::MAX } else { count };
        let ids: Vec<StreamId> = c.pending.range(start..).take(limit).copied().collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            match self.entries.get(&id) {
                Some(fields) => {
                    if let Some(nack) = g.pel.get_mut(&id) {
                        nack.delivery_time = now;
                        nack.delivery_count += 1;
                    }
                    out.push((id, Some(fields.clone())));
                }
                None => out.push((id, None)),
            }
        }
        out
    }
}

/// One entry XREADGROUP delivered: the group's last ID after it (what an XCLAIM ... LASTID
/// replaying the delivery sets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: StreamId,
    pub fields: Vec<Bytes>,
    pub last_id: StreamId,
}

/// An ID as Redis's radix tree keys it: 128 bits, big endian.
fn radix_key(id: StreamId) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&id.ms.to_be_bytes());
    key[8..].copy_from_slice(&id.seq.to_be_bytes());
    key
}

/// The nodes of a compressed radix tree (Redis's `rax`) holding the sorted, distinct
/// `keys` from byte `at` on: a run of bytes all keys share is one node, a byte where they
/// differ is a node branching to each group, and each key ends in a node of its own.
fn radix_nodes(keys: &[[u8; 16]], at: usize) -> usize {
    match keys {
        [] => 1,
        [_] if at == 16 => 1,
        [_] => 2,
        [first, ..] => {
            let shared = (at..16).take_while(|&i| keys.iter().all(|k| k[i] == first[i])).count();
            if shared > 0 {
                return 1 + radix_nodes(keys, at + shared);
            }
            1 + keys.chunk_by(|a, b| a[at] == b[at]).map(|group| radix_nodes(group, at + 1)).sum::<usize>()
        }
    }
}

/// A running estimate of one node's listpack size, as `streamAppendItem` builds it.
struct NodeEstimate {
    bytes: usize,
    count: usize,
}

impl NodeEstimate {
    /// A listpack holding only the master entry: count, deleted, field count, the fields,
    /// and the terminating 0, inside the 6-byte header and the end byte.
    fn new(master_fields: &[&Bytes]) -> NodeEstimate {
        let fields: usize = master_fields.iter().map(|f| lp_string_size(f)).sum();
        let bytes = 6 + 1 + lp_int_size(1) + lp_int_size(0) + lp_int_size(master_fields.len() as i64) + fields + 1 + 1;
        NodeEstimate { bytes, count: 0 }
    }

    /// Adds one entry: flags, ID deltas, the field count and fields unless they are the
    /// master's, the values, and the back-count.
    fn add(&mut self, master: StreamId, id: StreamId, fields: &[Bytes], master_fields: &[&Bytes]) {
        let n = fields.len() / 2;
        let same = n == master_fields.len() && fields.iter().step_by(2).zip(master_fields).all(|(a, b)| a == *b);
        let mut size = lp_int_size(2)
            + lp_int_size(id.ms.wrapping_sub(master.ms) as i64)
            + lp_int_size(id.seq.wrapping_sub(master.seq) as i64);
        if same {
            size += fields.iter().skip(1).step_by(2).map(|v| lp_string_size(v)).sum::<usize>();
            size += lp_int_size(n as i64 + 3);
        } else {
            size += lp_int_size(n as i64) + fields.iter().map(|f| lp_string_size(f)).sum::<usize>();
            size += lp_int_size(2 * n as i64 + 4);
        }
        self.bytes += size;
        self.count += 1;
    }
}

/// Bytes a listpack entry holding integer `v` takes (encoding + back-length).
fn lp_int_size(v: i64) -> usize {
    let enc = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    };
    enc + 1
}

/// Bytes a listpack entry holding `s` takes: as an integer if it is one, else length
/// header, data and back-length.
fn lp_string_size(s: &[u8]) -> usize {
    if let Some(v) = crate::num::parse_i64(s) {
        return lp_int_size(v);
    }
    let enc = match s.len() {
        0..=63 => 1 + s.len(),
        64..=4095 => 2 + s.len(),
        _ => 5 + s.len(),
    };
    let backlen = match enc {
        0..=127 => 1,
        128..=16_382 => 2,
        16_383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    enc + backlen
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn fields(items: &[&str]) -> Vec<Bytes> {
        items.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn stream_of(ids: impl IntoIterator<Item = StreamId>) -> Stream {
        let mut s = Stream::default();
        for i in ids {
            s.append(i, fields(&["f", "v"]));
        }
        s
    }

    #[test]
    fn ids_step_across_sequence_overflow() {
        assert_eq!(id(1, u64::MAX).incr(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(id(2, 0).decr(), Some(id(1, u64::MAX)));
        assert_eq!(StreamId::MIN.decr(), None);
        assert_eq!(id(5, 3).to_bytes(), Bytes::from_static(b"5-3"));
    }

    #[test]
    fn next_id_follows_xadd_rules() {
        let mut s = Stream::default();
        assert_eq!(s.next_id(IdRequest::Auto, 100), Ok(id(100, 0)));
        s.append(id(100, 0), fields(&["a", "1"]));
        assert_eq!(s.next_id(IdRequest::Auto, 50), Ok(id(100, 1)), "the clock going back reuses the last ms");
        assert_eq!(s.next_id(IdRequest::Ms(100), 0), Ok(id(100, 1)));
        assert_eq!(s.next_id(IdRequest::Ms(99), 0), Err(AddError::NotGreater));
        assert_eq!(s.next_id(IdRequest::Ms(101), 0), Ok(id(101, 0)));
        assert_eq!(s.next_id(IdRequest::Exact(id(100, 0)), 0), Err(AddError::NotGreater));
        s.append(id(u64::MAX, u64::MAX - 1), fields(&["a", "1"]));
        assert_eq!(s.next_id(IdRequest::Ms(u64::MAX), 0), Ok(StreamId::MAX));
        s.append(StreamId::MAX, fields(&["a", "1"]));
        assert_eq!(s.next_id(IdRequest::Auto, 0), Err(AddError::Exhausted));
        assert_eq!(s.next_id(IdRequest::Exact(id(1, 1)), 0), Err(AddError::Exhausted));
    }

    #[test]
    fn append_keeps_the_counters() {
        let mut s = stream_of([id(1, 0), id(2, 0)]);
        assert_eq!((s.entries_added, s.first_id, s.last_id), (2, id(1, 0), id(2, 0)));
        assert_eq!(s.delete(&[id(1, 0), id(2, 0)]), 2);
        assert_eq!((s.first_id, s.max_deleted_id, s.len()), (StreamId::MIN, id(2, 0), 0));
        s.append(id(3, 0), fields(&["f", "v"]));
        assert_eq!((s.entries_added, s.first_id), (3, id(3, 0)));
    }

    #[test]
    fn delete_moves_first_id_only_past_the_deleted_head() {
        let mut s = stream_of((1..=5).map(|i| id(i, 0)));
        assert_eq!(s.delete(&[id(3, 0), id(9, 0)]), 1);
        assert_eq!((s.first_id, s.max_deleted_id), (id(1, 0), id(3, 0)));
        assert_eq!(s.delete(&[id(1, 0)]), 1);
        assert_eq!((s.first_id, s.max_deleted_id), (id(2, 0), id(3, 0)));
    }

    #[test]
    fn exact_trims_remove_from_the_head() {
        let mut s = stream_of((1..=10).map(|i| id(i, 0)));
        let maxlen = Trim { strategy: TrimStrategy::MaxLen(7), approx: false, limit: 0 };
        assert_eq!(s.trim(&maxlen), 3);
        assert_eq!(s.first_id, id(4, 0));
        let minid = Trim { strategy: TrimStrategy::MinId(id(6, 0)), approx: false, limit: 0 };
        assert_eq!(s.trim(&minid), 2);
        assert_eq!((s.len(), s.first_id, s.max_deleted_id), (5, id(6, 0), StreamId::MIN));
        let all = Trim { strategy: TrimStrategy::MaxLen(0), approx: false, limit: 0 };
        assert_eq!(s.trim(&all), 5);
        assert_eq!((s.first_id, s.entries_added), (StreamId::MIN, 10));
    }

    #[test]
    fn approximate_trims_remove_whole_nodes_of_a_hundred_small_entries() {
        let mut s = Stream::default();
        for j in 0..1000u64 {
            s.append(id(1, j), fields(&["xitem", &j.to_string()]));
            s.trim(&Trim { strategy: TrimStrategy::MaxLen(555), approx: true, limit: 10_000 });
        }
        // Redis's own test expects exactly this.
        assert_eq!(s.len(), 600);
        let limited = Trim { strategy: TrimStrategy::MaxLen(0), approx: true, limit: 150 };
        assert_eq!(s.trim(&limited), 100);
        let too_small = Trim { strategy: TrimStrategy::MaxLen(0), approx: true, limit: 30 };
        assert_eq!(s.trim(&too_small), 0);
    }

    #[test]
    fn large_entries_fill_a_node_by_bytes() {
        let big = "x".repeat(100);
        let mut s = Stream::default();
        for j in 0..100u64 {
            s.append(id(1, j), fields(&["xitem", &big]));
        }
        // Redis 7.0 puts 36 of these in its first node.
        assert_eq!(s.node_sizes()[0], 36);
        let trim = Trim { strategy: TrimStrategy::MaxLen(50), approx: true, limit: 10_000 };
        assert_eq!(s.trim(&trim), 36);
    }

    #[test]
    fn radix_tree_size_matches_redis() {
        // (entries, ID step) and the keys and nodes Redis 7.0.15 reports for them.
        for (n, step, keys, nodes) in
            [(0, 1, 0, 1), (100, 1, 1, 2), (200, 1, 2, 6), (1000, 1, 10, 26), (1700, 100, 17, 39)]
        {
            let s = stream_of((0..n).map(|j| id(j * step + 1, 0)));
            assert_eq!(s.radix_tree_size(), (keys, nodes), "{n} entries");
        }
    }

    #[test]
    fn approximate_minid_needs_a_whole_node_below_the_id() {
        let mut s = stream_of((1..=150).map(|i| id(i, 0)));
        let trim = Trim { strategy: TrimStrategy::MinId(id(120, 0)), approx: true, limit: 0 };
        assert_eq!(s.trim(&trim), 100);
        assert_eq!(s.first_id, id(101, 0));
        assert_eq!(s.trim(&trim), 0);
    }

    #[test]
    fn entries_read_estimates_follow_redis() {
        let mut s = stream_of((1..=5).map(|i| id(i, 0)));
        assert_eq!(s.estimate_entries_read(id(5, 0)), 5);
        assert_eq!(s.estimate_entries_read(id(1, 0)), 1);
        assert_eq!(s.estimate_entries_read(id(0, 5)), 0);
        assert_eq!(s.estimate_entries_read(id(3, 0)), ENTRIES_READ_UNKNOWN);
        assert_eq!(s.estimate_entries_read(id(6, 0)), ENTRIES_READ_UNKNOWN);
        s.delete(&[id(1, 0), id(2, 0)]);
        // Deletions before the first entry leave the estimate exact.
        assert_eq!(s.estimate_entries_read(id(1, 0)), 2);
        assert_eq!(s.estimate_entries_read(id(3, 0)), 3);
        s.delete(&[id(4, 0)]);
        assert_eq!(s.estimate_entries_read(id(3, 0)), ENTRIES_READ_UNKNOWN);
    }

    #[test]
    fn lag_matches_redis_after_deletions() {
        // Values checked against Redis 7.0.15.
        let mut s = stream_of((1..=5).map(|i| id(i, 0)));
        s.delete(&[id(1, 0), id(2, 0)]);
        assert_eq!(s.lag(&ConsumerGroup::new(id(1, 0), 1)), Some(4));
        assert_eq!(s.lag(&ConsumerGroup::new(id(1, 0), ENTRIES_READ_UNKNOWN)), Some(3));
        assert_eq!(s.lag(&ConsumerGroup::new(id(4, 0), ENTRIES_READ_UNKNOWN)), None);
        s.trim(&Trim { strategy: TrimStrategy::MaxLen(0), approx: false, limit: 0 });
        assert_eq!(s.lag(&ConsumerGroup::new(id(1, 0), 1)), Some(4));
        assert_eq!(Stream::default().lag(&ConsumerGroup::new(StreamId::MAX, ENTRIES_READ_UNKNOWN)), Some(0));
    }

    #[test]
    fn deliveries_advance_the_group_and_fill_the_pels() {
        let mut s = stream_of((1..=3).map(|i| id(i, 0)));
        s.groups.insert(Bytes::from_static(b"g"), ConsumerGroup::new(StreamId::MIN, ENTRIES_READ_UNKNOWN));
        let alice = Bytes::from_static(b"alice");
        s.groups[0].create_consumer(&alice, 10);
        let got = s.deliver_new(b"g", &alice, 2, false, 20);
        assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [id(1, 0), id(2, 0)]);
        let g = &s.groups[0];
        assert_eq!((g.last_id, g.entries_read, g.pel.len()), (id(2, 0), 2, 2));
        assert_eq!(g.consumers[&alice].pending.len(), 2);
        assert_eq!(g.consumers[&alice].active_time, 20);
        let history = s.deliver_history(b"g", &alice, StreamId::MIN, 0, 30);
        assert_eq!(history.len(), 2);
        assert_eq!(s.groups[0].pel[&id(1, 0)].delivery_count, 2);
        assert!(s.groups[0].ack(id(1, 0)));
        assert!(!s.groups[0].ack(id(1, 0)));
        assert_eq!(s.groups[0].delete_consumer(&alice), Some(1));
        assert!(s.groups[0].pel.is_empty());
    }

    #[test]
    fn assign_moves_an_entry_between_consumers() {
        let mut g = ConsumerGroup::new(StreamId::MIN, 0);
        let (a, b) = (Bytes::from_static(b"a"), Bytes::from_static(b"b"));
        g.create_consumer(&a, 0);
        g.create_consumer(&b, 0);
        g.assign(id(1, 0), &a, 5, 1);
        g.assign(id(1, 0), &b, 6, 3);
        assert!(g.consumers[&a].pending.is_empty());
        assert_eq!(g.consumers[&b].pending.len(), 1);
        assert_eq!(g.pel[&id(1, 0)], PendingEntry { consumer: b.clone(), delivery_time: 6, delivery_count: 3 });
    }

    #[derive(Clone, Debug)]
    enum Op {
        Add(u8),
        Del(u8),
        TrimLen(u8, bool),
        TrimId(u8, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1u8..4).prop_map(Op::Add),
            1 => any::<u8>().prop_map(Op::Del),
            1 => (any::<u8>(), any::<bool>()).prop_map(|(n, a)| Op::TrimLen(n, a)),
            1 => (any::<u8>(), any::<bool>()).prop_map(|(n, a)| Op::TrimId(n, a)),
        ]
    }

    proptest! {
        /// The stream against a plain sorted vector: same entries and counters, exact trims
        /// remove exactly what they must, approximate ones at most that.
        #[test]
        fn stream_matches_a_vector_model(ops in proptest::collection::vec(op(), 1..200)) {
            let mut s = Stream::default();
            let mut model: Vec<u64> = Vec::new();
            let mut next = 1u64;
            let mut added = 0u64;
            for op in ops {
                match op {
                    Op::Add(n) => for _ in 0..n {
                        s.append(id(next, 0), fields(&["f", "v"]));
                        model.push(next);
                        next += 1;
                        added += 1;
                    },
                    Op::Del(k) => {
                        let victim = 1 + k as u64 % next;
                        let expect = model.iter().position(|&m| m == victim).map(|p| model.remove(p)).is_some();
                        prop_assert_eq!(s.delete(&[id(victim, 0)]), expect as usize);
                    }
                    Op::TrimLen(n, approx) => {
                        let n = n as u64 % 300;
                        let removed = s.trim(&Trim { strategy: TrimStrategy::MaxLen(n), approx, limit: 0 });
                        let must = (model.len() as u64).saturating_sub(n) as usize;
                        if approx { prop_assert!(removed <= must) } else { prop_assert_eq!(removed, must) }
                        model.drain(..removed);
                    }
                    Op::TrimId(k, approx) => {
                        let min = k as u64 % (next + 1);
                        let removed = s.trim(&Trim { strategy: TrimStrategy::MinId(id(min, 0)), approx, limit: 0 });
                        let must = model.iter().filter(|&&m| m < min).count();
                        if approx { prop_assert!(removed <= must) } else { prop_assert_eq!(removed, must) }
                        model.drain(..removed);
                    }
                }
                let ids: Vec<u64> = s.entries.keys().map(|i| i.ms).collect();
                prop_assert_eq!(&ids, &model);
                prop_assert_eq!(s.first_id, model.first().map_or(StreamId::MIN, |&m| id(m, 0)));
                prop_assert_eq!(s.entries_added, added);
            }
        }
    }
}

//! Streams in an RDB file (`RDB_TYPE_STREAM_LISTPACKS`, `_2` since 7.0, `_3` since 7.2).
//!
//! ```text
//! nodes:len  (master-id:16-byte string  listpack:string)...
//! length:len  last-id:len len
//! [_2+] first-id:len len  max-deleted-id:len len  entries-added:len
//! groups:len, each:
//!   name:string  last-id:len len  [_2+] entries-read:len (u64; -1 = unknown)
//!   pel:len (id:16 raw bytes  delivery-time:i64le  delivery-count:len)...
//!   consumers:len, each: name:string seen-time:i64le [_3] active-time:i64le
//!                        pel:len (id:16 raw bytes)...
//! ```
//!
//! IDs are 16 bytes big endian (ms then seq). Each node's listpack holds a *master entry*
//! (`count deleted num-fields field... 0`) and then entries relative to the node's master
//! ID: `flags ms-diff seq-diff [num-fields field value...|value...] lp-count`, where the
//! SAMEFIELDS flag means the entry has the master's fields (only values are stored) and
//! the DELETED flag marks an XDELed entry that is still in the listpack.
//!
//! Tandem writes `_2` (what Redis 7.0 loads), packing nodes the way Redis's defaults do
//! (`stream-node-max-entries 100`, `stream-node-max-bytes 4096`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Write};

use bytes::Bytes;
use indexmap::IndexMap;

use super::listpack::{self, Elem, ListpackBuilder};
use super::read::Source;
use super::write::RdbWriter;
use super::{kind, RdbError};
use crate::types::stream::{Consumer, ConsumerGroup, PendingEntry, Stream, StreamId, ENTRIES_READ_UNKNOWN};

/// Entry flags in a node listpack.
const FLAG_DELETED: i64 = 1;
const FLAG_SAMEFIELDS: i64 = 2;

/// Node limits Tandem writes with (Redis's defaults).
const NODE_MAX_ENTRIES: usize = 100;
const NODE_MAX_BYTES: usize = 4096;

fn decode_id(raw: &[u8; 16]) -> StreamId {
    let (ms, seq) = raw.split_at(8);
    let be = |b: &[u8]| b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64);
    StreamId::new(be(ms), be(seq))
}

fn encode_id(id: StreamId) -> [u8; 16] {
    let mut raw = [0u8; 16];
    raw[..8].copy_from_slice(&id.ms.to_be_bytes());
    raw[8..].copy_from_slice(&id.seq.to_be_bytes());
    raw
}

/// Reads a stream value of type `value_kind` (one of the three stream types).
pub(super) fn read(src: &mut Source<'_>, value_kind: u8) -> Result<Stream, RdbError> {
    let mut s = Stream::default();
    let mut last_read = None;
    for _ in 0..src.len()? {
        let at = src.offset();
        let key = src.string()?;
        let master = <[u8; 16]>::try_from(key.as_slice())
            .map(|raw| decode_id(&raw))
            .map_err(|_| RdbError::new(at, "stream node key is not a 16-byte ID"))?;
        src.blob(|lp| read_node(master, lp, &mut s.entries, &mut last_read))?;
    }
    let at = src.offset();
    let length = src.len()?;
    if length != s.entries.len() as u64 {
        return Err(RdbError::new(
            at,
            format!("stream length {length} does not match its {} entries", s.entries.len()),
        ));
    }
    s.last_id = read_id_lens(src)?;
    if value_kind >= kind::STREAM_LISTPACKS_2 {
        s.first_id = read_id_lens(src)?;
        s.max_deleted_id = read_id_lens(src)?;
        s.entries_added = src.len()?;
    } else {
        // Redis 7.0 derives these when loading an older stream, as below.
        s.first_id = s.entries.keys().next().copied().unwrap_or_default();
        s.max_deleted_id = StreamId::MIN;
        s.entries_added = length;
    }

    for _ in 0..src.len()? {
        let at = src.offset();
        let name = src.string_bytes()?;
        let last_id = read_id_lens(src)?;
        let entries_read = if value_kind >= kind::STREAM_LISTPACKS_2 {
            // Stored as a u64 length; -1 (unknown) arrives as u64::MAX.
            src.len()? as i64
        } else {
            estimate_entries_read(&s, last_id)
        };
        let mut group = ConsumerGroup { last_id, entries_read, ..ConsumerGroup::default() };
        for _ in 0..src.len()? {
            let at = src.offset();
            let id = decode_id(&src.array()?);
            let delivery_time = i64::from_le_bytes(src.array()?);
            let delivery_count = src.len()?;
            // The consumer is filled in from the consumers' own PELs below.
            let nack = PendingEntry { consumer: Bytes::new(), delivery_time, delivery_count };
            if group.pel.insert(id, nack).is_some() {
                return Err(RdbError::new(at, "duplicate entry in a consumer group's PEL"));
            }
        }
        let mut owned = HashSet::new();
        for _ in 0..src.len()? {
            let at = src.offset();
            let consumer_name = src.string_bytes()?;
            let seen_time = i64::from_le_bytes(src.array()?);
            let active_time =
                if value_kind >= kind::STREAM_LISTPACKS_3 { i64::from_le_bytes(src.array()?) } else { -1 };
            let mut pending = BTreeSet::new();
            for _ in 0..src.len()? {
                let at = src.offset();
                let id = decode_id(&src.array()?);
                let Some(nack) = group.pel.get_mut(&id) else {
                    return Err(RdbError::new(at, "consumer PEL entry not found in the group's PEL"));
                };
                if !owned.insert(id) {
                    return Err(RdbError::new(at, "PEL entry owned by more than one consumer"));
                }
                nack.consumer = consumer_name.clone();
                pending.insert(id);
            }
            let consumer = Consumer { seen_time, active_time, pending };
            if group.consumers.insert(consumer_name, consumer).is_some() {
                return Err(RdbError::new(at, "duplicate consumer in a consumer group"));
            }
        }
        if owned.len() != group.pel.len() {
            return Err(RdbError::new(at, "consumer group PEL entry without a consumer"));
        }
        if s.groups.insert(name, group).is_some() {
            return Err(RdbError::new(at, "duplicate consumer group"));
        }
    }
    Ok(s)
}

fn read_id_lens(src: &mut Source<'_>) -> Result<StreamId, RdbError> {
    Ok(StreamId::new(src.len()?, src.len()?))
}

/// Decodes one node listpack into `entries`, skipping deleted entries. `last` is the last ID
/// seen in earlier nodes: IDs must rise across the whole stream.
fn read_node(
    master: StreamId,
    lp: &[u8],
    entries: &mut BTreeMap<StreamId, Vec<Bytes>>,
    last: &mut Option<StreamId>,
) -> Result<(), String> {
    let elems = listpack::decode(lp)?;
    if elems.is_empty() {
        return Err("empty listpack in a stream".into());
    }
    let mut it = elems.into_iter();
    let int = |it: &mut std::vec::IntoIter<Elem<'_>>, what: &str| {
        it.next().and_then(Elem::as_int).ok_or_else(|| format!("stream node: missing or invalid {what}"))
    };
    let count = int(&mut it, "entry count")?;
    let deleted = int(&mut it, "deleted count")?;
    let master_fields: Vec<Bytes> = {
        let n = int(&mut it, "master field count")?;
        if n < 0 || n as usize > it.len() {
            return Err("stream node: master field count runs past the node".into());
        }
        it.by_ref().take(n as usize).map(Elem::to_bytes).collect()
    };
    if int(&mut it, "master entry terminator")? != 0 {
        return Err("stream node: master entry is not terminated by 0".into());
    }
    let (mut live, mut dead) = (0i64, 0i64);
    while it.len() > 0 {
        let flags = int(&mut it, "entry flags")?;
        let ms = master.ms.wrapping_add(int(&mut it, "entry ms-diff")? as u64);
        let seq = master.seq.wrapping_add(int(&mut it, "entry seq-diff")? as u64);
        let id = StreamId::new(ms, seq);
        let (fields, expected_count) = if flags & FLAG_SAMEFIELDS != 0 {
            if master_fields.len() > it.len() {
                return Err("stream node: entry values run past the node".into());
            }
            let fields =
                master_fields.iter().flat_map(|f| [f.clone(), it.next().map(Elem::to_bytes).unwrap_or_default()]);
            (fields.collect::<Vec<_>>(), master_fields.len() as i64 + 3)
        } else {
            let n = int(&mut it, "entry field count")?;
            if n < 0 || (n as usize).saturating_mul(2) > it.len() {
                return Err("stream node: entry fields run past the node".into());
            }
            (it.by_ref().take(2 * n as usize).map(Elem::to_bytes).collect(), 2 * n + 4)
        };
        if int(&mut it, "entry lp-count")? != expected_count {
            return Err("stream node: entry lp-count does not match the entry".into());
        }
        if last.is_some_and(|prev| id <= prev) {
            return Err(format!("stream node: entry {id} is not after the one before it"));
        }
        *last = Some(id);
        if flags & FLAG_DELETED != 0 {
            dead += 1;
        } else {
            live += 1;
            entries.insert(id, fields);
        }
    }
    if live != count || dead != deleted {
        return Err(format!(
            "stream node: master entry counts {count} live, {deleted} deleted; found {live} and {dead}"
        ));
    }
    Ok(())
}

/// `entries-read` for a group loaded from a format that does not store it
/// (`streamEstimateDistanceFromFirstEverEntry` in Redis 7.0).
fn estimate_entries_read(s: &Stream, id: StreamId) -> i64 {
    let added = s.entries_added as i64;
    if added == 0 {
        return 0;
    }
    if s.entries.is_empty() && id <= s.last_id {
        return added;
    }
    if id == s.last_id {
        return added;
    }
    if id > s.last_id {
        return ENTRIES_READ_UNKNOWN;
    }
    if s.max_deleted_id == StreamId::MIN || s.max_deleted_id < s.first_id {
        if id < s.first_id {
            return added - s.entries.len() as i64;
        }
        if id == s.first_id {
            return added - s.entries.len() as i64 + 1;
        }
    }
    ENTRIES_READ_UNKNOWN
}

/// Writes `s` as `RDB_TYPE_STREAM_LISTPACKS_2` (the type byte and key are already written).
pub(super) fn write<W: Write>(w: &mut RdbWriter<W>, s: &Stream) -> io::Result<()> {
    let nodes = encode_nodes(s)?;
    w.len(nodes.len() as u64)?;
    for (master, lp) in &nodes {
        w.string(&encode_id(*master))?;
        w.string(lp)?;
    }
    w.len(s.entries.len() as u64)?;
    for id in [s.last_id, s.first_id, s.max_deleted_id] {
        w.len(id.ms)?;
        w.len(id.seq)?;
    }
    w.len(s.entries_added)?;
    w.len(s.groups.len() as u64)?;
    for (name, group) in &s.groups {
        w.string(name)?;
        w.len(group.last_id.ms)?;
        w.len(group.last_id.seq)?;
        w.len(group.entries_read as u64)?;
        w.len(group.pel.len() as u64)?;
        for (id, nack) in &group.pel {
            w.raw(&encode_id(*id))?;
            w.raw(&nack.delivery_time.to_le_bytes())?;
            w.len(nack.delivery_count)?;
        }
        write_consumers(w, &group.consumers)?;
    }
    Ok(())
}

fn write_consumers<W: Write>(w: &mut RdbWriter<W>, consumers: &IndexMap<Bytes, Consumer>) -> io::Result<()> {
    w.len(consumers.len() as u64)?;
    for (name, consumer) in consumers {
        w.string(name)?;
        w.raw(&consumer.seen_time.to_le_bytes())?;
        w.len(consumer.pending.len() as u64)?;
        for id in &consumer.pending {
            w.raw(&encode_id(*id))?;
        }
    }
    Ok(())
}

/// Splits the entries into nodes and encodes each: (master ID, listpack).
fn encode_nodes(s: &Stream) -> io::Result<Vec<(StreamId, Vec<u8>)>> {
    let mut nodes = Vec::new();
    let mut chunk: Vec<(&StreamId, &Vec<Bytes>)> = Vec::new();
    let mut bytes = 0;
    for entry in &s.entries {
        if chunk.len() == NODE_MAX_ENTRIES || (!chunk.is_empty() && bytes >= NODE_MAX_BYTES) {
            nodes.push(encode_node(&chunk)?);
            chunk.clear();
            bytes = 0;
        }
        // Estimated size: each value plus a few bytes of encoding, and the entry's header.
        bytes += entry.1.iter().map(|f| f.len() + 2).sum::<usize>() + 8;
        chunk.push(entry);
    }
    if !chunk.is_empty() {
        nodes.push(encode_node(&chunk)?);
    }
    Ok(nodes)
}

/// One node: the first entry's ID is the master ID and its fields the master fields.
fn encode_node(chunk: &[(&StreamId, &Vec<Bytes>)]) -> io::Result<(StreamId, Vec<u8>)> {
    let Some(&(&master, first)) = chunk.first() else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty stream node"));
    };
    let master_fields: Vec<&Bytes> = first.iter().step_by(2).collect();
    let mut lp = ListpackBuilder::new();
    lp.push_int(chunk.len() as i64);
    lp.push_int(0);
    lp.push_int(master_fields.len() as i64);
    for f in &master_fields {
        lp.push(f);
    }
    lp.push_int(0);
    for &(id, fields) in chunk {
        debug_assert!(fields.len() % 2 == 0, "stream entries hold field-value pairs");
        let n = (fields.len() / 2) as i64;
        let same =
            n as usize == master_fields.len() && fields.iter().step_by(2).zip(&master_fields).all(|(a, b)| a == *b);
        lp.push_int(if same { FLAG_SAMEFIELDS } else { 0 });
        lp.push_int(id.ms.wrapping_sub(master.ms) as i64);
        lp.push_int(id.seq.wrapping_sub(master.seq) as i64);
        if same {
            for value in fields.iter().skip(1).step_by(2) {
                lp.push(value);
            }
            lp.push_int(n + 3);
        } else {
            lp.push_int(n);
            for item in fields {
                lp.push(item);
            }
            lp.push_int(2 * n + 4);
        }
    }
    Ok((master, lp.finish()?))
}

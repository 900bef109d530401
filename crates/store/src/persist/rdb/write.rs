//! Writing an RDB file: [`RdbWriter`].
//!
//! The writer produces version 10, as Redis 7.0 does, with encodings Redis 7.0 loads and
//! `redis-check-rdb` accepts:
//!
//! | value  | written as |
//! |--------|------------|
//! | string | `STRING`: int-encoded when it is an integer that fits 32 bits, LZF when `compress`, longer than 20 bytes and it saves at least 4 (Redis's `rdbSaveRawString`) |
//! | list   | `LIST_QUICKLIST_2`: listpack nodes filled as Redis fills them under its default `list-max-listpack-size -2` (8 KiB); elements of 1 GiB or more as plain nodes |
//! | set    | `SET_INTSET` when Tandem holds it as an intset, else `SET` |
//! | hash   | `HASH` |
//! | zset   | `ZSET_2` (binary double scores) |
//! | stream | `STREAM_LISTPACKS_2` (see `stream.rs`) |
//!
//! Redis converts the element-by-element encodings to its compact ones on load when they are
//! small enough, so the choice costs file size, not compatibility.

use std::io::{self, Write};
use std::ops::Range;

use super::listpack::{self, ListpackBuilder};
use super::{container, encoding, kind, opcode, stream, ziplist};
use super::{Digest, CRC64, RDB_VERSION};
use crate::types::{hash::Hash, list::List, set::Set, zset::ZSet};
use crate::value::{Entry, RString, Value};

/// The `redis-ver` AUX field. Tools display it and Redis only logs it; the file format is
/// Redis 7.0's, so it names the 7.0 release the format was checked against.
const AUX_REDIS_VER: &str = "7.0.15";

/// Bytes of listpack per quicklist node (Redis's default `list-max-listpack-size -2`).
const LIST_NODE_BYTES: usize = 8192;

/// Elements at least this long go in a plain node of their own (Redis's `packed_threshold`).
const LIST_PLAIN_MIN: usize = 1 << 30;

/// Strings longer than this are worth trying to compress (Redis's rule).
const COMPRESS_MIN: usize = 20;

/// What to write besides the data: the `rdbcompression`, `rdbchecksum` settings and whether
/// the file is an AOF base (the `aof-base` AUX field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOptions {
    pub compress: bool,
    pub checksum: bool,
    pub aof_base: bool,
}

/// Redis's defaults: `rdbcompression yes`, `rdbchecksum yes`, a plain snapshot.
impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { compress: true, checksum: true, aof_base: false }
    }
}

/// Writes one RDB file: [`RdbWriter::new`] writes the header, then for each database
/// [`select_db`](RdbWriter::select_db) and its keys with [`write_key`](RdbWriter::write_key),
/// and [`finish`](RdbWriter::finish) writes the trailer. Pass a buffered writer: values are
/// written in many small pieces.
pub struct RdbWriter<W: Write> {
    out: W,
    opts: WriteOptions,
    written: u64,
    digest: Digest,
}

impl<W: Write> RdbWriter<W> {
    /// Writes the header and the AUX fields Redis 7.0 writes: `redis-ver`, `redis-bits`,
    /// `ctime`, `used-mem` (0: Tandem does not track it) and `aof-base`.
    pub fn new(out: W, opts: WriteOptions) -> io::Result<Self> {
        let mut w = RdbWriter { out, opts, written: 0, digest: CRC64.digest() };
        w.raw(format!("REDIS{RDB_VERSION:04}").as_bytes())?;
        let ctime =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        w.aux(b"redis-ver", AUX_REDIS_VER.as_bytes())?;
        w.aux(b"redis-bits", itoa::Buffer::new().format(usize::BITS).as_bytes())?;
        w.aux(b"ctime", itoa::Buffer::new().format(ctime).as_bytes())?;
        w.aux(b"used-mem", b"0")?;
        w.aux(b"aof-base", if opts.aof_base { b"1" } else { b"0" })?;
        Ok(w)
    }

    fn aux(&mut self, name: &[u8], value: &[u8]) -> io::Result<()> {
        self.raw(&[opcode::AUX])?;
        self.string(name)?;
        self.string(value)
    }

    /// Starts database `db`, announcing how many keys and expiries follow (Redis sizes its
    /// hash tables from these; they are hints, not checked).
    pub fn select_db(&mut self, db: usize, keys: u64, expires: u64) -> io::Result<()> {
        self.raw(&[opcode::SELECTDB])?;
        self.len(db as u64)?;
        self.raw(&[opcode::RESIZEDB])?;
        self.len(keys)?;
        self.len(expires)
    }

    /// Writes one key: its expiry (`EXPIRETIME_MS`) if it has one, then type, key and value.
    pub fn write_key(&mut self, key: &[u8], entry: &Entry) -> io::Result<()> {
        if entry.has_expiry() {
            self.raw(&[opcode::EXPIRETIME_MS])?;
            self.raw(&entry.expire_at.to_le_bytes())?;
        }
        match &entry.value {
            Value::Str(s) => {
                self.header(kind::STRING, key)?;
                match s {
                    RString::Int(n) => self.int_string(*n),
                    RString::Raw(b) => self.string(b),
                }
            }
            Value::List(l) => {
                self.header(kind::LIST_QUICKLIST_2, key)?;
                self.list(l)
            }
            Value::Set(s) => self.set(key, s),
            Value::Hash(h) => {
                self.header(kind::HASH, key)?;
                self.hash(h)
            }
            Value::ZSet(z) => {
                self.header(kind::ZSET_2, key)?;
                self.zset(z)
            }
            Value::Stream(s) => {
                self.header(kind::STREAM_LISTPACKS_2, key)?;
                stream::write(self, s)
            }
        }
    }

    /// Writes the EOF opcode and the checksum (0 when checksums are off, as Redis does), and
    /// returns the output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.raw(&[opcode::EOF])?;
        let crc = if self.opts.checksum { self.digest.finalize() } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.written += 8;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    fn header(&mut self, value_kind: u8, key: &[u8]) -> io::Result<()> {
        self.raw(&[value_kind])?;
        self.string(key)
    }

    pub(super) fn raw(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_all(data)?;
        if self.opts.checksum {
            self.digest.update(data);
        }
        self.written += data.len() as u64;
        Ok(())
    }

    /// A length in Redis's encoding: 6 bits, 14 bits, or a marker and 32/64 bits big endian.
    pub(super) fn len(&mut self, n: u64) -> io::Result<()> {
        if n < 1 << 6 {
            self.raw(&[n as u8])
        } else if n < 1 << 14 {
            self.raw(&[0x40 | (n >> 8) as u8, n as u8])
        } else if n <= u32::MAX as u64 {
            self.raw(&[0x80])?;
            self.raw(&(n as u32).to_be_bytes())
        } else {
            self.raw(&[0x81])?;
            self.raw(&n.to_be_bytes())
        }
    }

    /// An integer in a string's int encoding, if it fits 32 bits (`rdbEncodeInteger`).
    fn encoded_int(&mut self, n: i64) -> io::Result<bool> {
        let enc = 0xC0;
        if let Ok(v) = i8::try_from(n) {
            self.raw(&[enc | encoding::INT8, v as u8])?;
        } else if let Ok(v) = i16::try_from(n) {
            self.raw(&[enc | encoding::INT16])?;
            self.raw(&v.to_le_bytes())?;
        } else if let Ok(v) = i32::try_from(n) {
            self.raw(&[enc | encoding::INT32])?;
            self.raw(&v.to_le_bytes())?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// An integer string value (`rdbSaveLongLongAsStringObject`).
    fn int_string(&mut self, n: i64) -> io::Result<()> {
        if self.encoded_int(n)? {
            return Ok(());
        }
        let mut buf = itoa::Buffer::new();
        let text = buf.format(n).as_bytes();
        self.len(text.len() as u64)?;
        self.raw(text)
    }

    /// A string, encoded as Redis's `rdbSaveRawString` would: as an integer when it is a
    /// short canonical one that fits 32 bits, LZF-compressed when that pays, else raw.
    pub(super) fn string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some(n) = crate::num::parse_i64_canonical(s) {
                if self.encoded_int(n)? {
                    return Ok(());
                }
            }
        }
        // Redis gives LZF `len - 4` bytes of output: compression must save 4 bytes.
        if self.opts.compress && s.len() > COMPRESS_MIN {
            if let Ok(compressed) = lzf::compress(s) {
                if compressed.len() <= s.len() - 4 {
                    return self.lzf_string(&compressed, s.len());
                }
            }
        }
        self.len(s.len() as u64)?;
        self.raw(s)
    }

    fn lzf_string(&mut self, compressed: &[u8], len: usize) -> io::Result<()> {
        self.raw(&[0xC0 | encoding::LZF])?;
        self.len(compressed.len() as u64)?;
        self.len(len as u64)?;
        self.raw(compressed)
    }

    fn list(&mut self, list: &List) -> io::Result<()> {
        let nodes = list_nodes(list, LIST_NODE_BYTES, LIST_PLAIN_MIN);
        self.len(nodes.len() as u64)?;
        for node in nodes {
            match node {
                ListNode::Plain(at) => {
                    self.len(container::PLAIN)?;
                    match list.get(at) {
                        Some(e) => self.string(&e)?,
                        None => return Err(io::Error::new(io::ErrorKind::InvalidInput, "list changed while writing")),
                    }
                }
                ListNode::Packed(range) => {
                    let mut lp = ListpackBuilder::new();
                    for e in list.range(range) {
                        lp.push(&e);
                    }
                    self.len(container::PACKED)?;
                    self.string(&lp.finish()?)?;
                }
            }
        }
        Ok(())
    }

    fn set(&mut self, key: &[u8], set: &Set) -> io::Result<()> {
        if set.encoding() == "intset" {
            let ints: Option<Vec<i64>> = set.iter().map(|m| crate::num::parse_i64(&m)).collect();
            if let Some(mut ints) = ints {
                ints.sort_unstable();
                self.header(kind::SET_INTSET, key)?;
                return self.string(&ziplist::encode_intset(&ints));
            }
        }
        self.header(kind::SET, key)?;
        self.len(set.len() as u64)?;
        for member in set.iter() {
            self.string(&member)?;
        }
        Ok(())
    }

    fn hash(&mut self, hash: &Hash) -> io::Result<()> {
        self.len(hash.len() as u64)?;
        for (field, value) in hash.iter() {
            self.string(field)?;
            self.string(value)?;
        }
        Ok(())
    }

    fn zset(&mut self, zset: &ZSet) -> io::Result<()> {
        self.len(zset.len() as u64)?;
        for (member, score) in zset.iter() {
            self.string(member)?;
            self.raw(&score.to_le_bytes())?;
        }
        Ok(())
    }
}

/// One quicklist node to write: a plain node holding the element at an index, or a listpack
/// of a range of elements.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ListNode {
    Plain(usize),
    Packed(Range<usize>),
}

/// Plans the quicklist nodes of `list` the way Redis 7.0 fills them when elements are pushed
/// (`_quicklistNodeAllowInsert`): an element joins the current node while the node's size
/// plus the element's length plus Redis's overhead estimate stays within `node_bytes`; an
/// element of `plain_min` bytes or more gets a plain node of its own. Planning first lets
/// the node count, which comes first in the file, be written without encoding the whole
/// list in memory.
fn list_nodes(list: &List, node_bytes: usize, plain_min: usize) -> Vec<ListNode> {
    /// An empty listpack: header and terminator.
    const EMPTY_NODE: usize = 7;
    let mut nodes = Vec::new();
    let (mut start, mut node_size) = (0, EMPTY_NODE);
    for (i, e) in list.iter().enumerate() {
        if e.len() >= plain_min {
            if i > start {
                nodes.push(ListNode::Packed(start..i));
            }
            nodes.push(ListNode::Plain(i));
            (start, node_size) = (i + 1, EMPTY_NODE);
            continue;
        }
        // Redis's estimate of the entry's overhead, from ziplist days.
        let overhead = if e.len() < 254 { 1 } else { 5 }
            + match e.len() {
                0..=63 => 1,
                64..=16383 => 2,
                _ => 5,
            };
        if i > start && node_size + e.len() + overhead > node_bytes {
            nodes.push(ListNode::Packed(start..i));
            (start, node_size) = (i, EMPTY_NODE);
        }
        node_size += listpack::entry_size(&e);
    }
    if list.len() > start {
        nodes.push(ListNode::Packed(start..list.len()));
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn list_nodes_split_by_size_and_give_big_elements_plain_nodes() {
        let list: List = ["a", "bb", "HUGE-ELEMENT", "c", "d", "e"].iter().map(|s| Bytes::from(*s)).collect();
        // A node starts at 7 bytes; adding an element of length n is allowed while
        // size + n + 2 <= limit, and then takes n + 2 bytes.
        let nodes = list_nodes(&list, 15, 10);
        let expected = [ListNode::Packed(0..2), ListNode::Plain(2), ListNode::Packed(3..5), ListNode::Packed(5..6)];
        assert_eq!(nodes, expected);
        assert_eq!(list_nodes(&list, 9, 100).len(), 6, "an element bigger than a node gets one of its own");
        assert_eq!(list_nodes(&List::new(), 8192, 100), vec![]);
    }
}

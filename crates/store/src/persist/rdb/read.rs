//! Reading an RDB file: [`load`] and the byte-level [`Source`] it reads through.
//!
//! Every length in a file is data, so nothing sized by one is trusted: strings are read in
//! bounded steps (memory grows only as bytes actually arrive), collections grow element by
//! element, pre-allocation is capped, and packed structures are decoded from a buffer that
//! has already been read in full, with every offset checked. A truncated or corrupt file is
//! an [`RdbError`] naming the offset, never a panic.

use std::io::{self, Read};

use bytes::Bytes;

use super::listpack::{self, Elem};
use super::{container, encoding, kind, opcode, stream, ziplist};
use super::{Digest, LoadSummary, LoadedKey, RdbError, CRC64, MAX_LOAD_VERSION};
use crate::types::{
    hash::Hash,
    list::{End, List},
    set::Set,
    zset::ZSet,
};
use crate::value::{Entry, RString, StringBytes, Value, NO_EXPIRY};

/// Bytes a string may reserve before its data has arrived: a lying length costs at most this.
const PREALLOC_BYTES: usize = 64 * 1024;

/// An LZF back-reference of 3 bytes expands to at most 264: a compressed string claiming more
/// than this ratio is lying, and is refused before its output buffer is allocated.
const LZF_MAX_RATIO: u64 = 88;

/// Sets built while loading switch from intset to hashtable past Redis's default
/// `set-max-intset-entries`: the loader sees no configuration, and the limit only decides
/// which representation (and OBJECT ENCODING) a set starts with.
const MAX_INTSET: usize = 512;

/// Reads one RDB from `input` (header, opcodes, keys, the EOF opcode and the CRC-64 trailer,
/// checked unless it is 0), calling `sink` per key. Keys whose expiry is `<= now_ms` are
/// skipped (counted). Stops right after the checksum, leaving `input` there (an AOF with an
/// RDB preamble continues with commands). Reads exactly the bytes it needs, so hand it a
/// buffered reader; a sink error stops loading and is returned with the key's offset.
///
/// Empty collections are skipped, as Redis 7.0 skips them.
pub fn load(
    input: &mut dyn Read,
    now_ms: i64,
    sink: &mut dyn FnMut(LoadedKey) -> Result<(), String>,
) -> Result<LoadSummary, RdbError> {
    let mut src = Source::new(input);
    let header: [u8; 9] = src.array()?;
    if &header[..5] != b"REDIS" {
        return Err(RdbError::new(0, "not an RDB file (no REDIS signature)"));
    }
    let version = std::str::from_utf8(&header[5..])
        .ok()
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<u16>().ok())
        .ok_or_else(|| RdbError::new(5, "RDB version is not a number"))?;
    if !(1..=MAX_LOAD_VERSION).contains(&version) {
        return Err(RdbError::new(
            5,
            format!("can't handle RDB format version {version} (this server reads 1 to {MAX_LOAD_VERSION})"),
        ));
    }

    let mut summary = LoadSummary { version, ..LoadSummary::default() };
    let mut db = 0usize;
    // An expiry applies to the key that follows it.
    let mut expire_at = NO_EXPIRY;
    loop {
        let at = src.offset();
        match src.u8()? {
            opcode::EOF => break,
            opcode::EXPIRETIME_MS => expire_at = i64::from_le_bytes(src.array()?),
            opcode::EXPIRETIME => expire_at = i32::from_le_bytes(src.array()?) as i64 * 1000,
            opcode::FREQ => {
                src.u8()?;
            }
            opcode::IDLE => {
                src.len()?;
            }
            opcode::AUX => {
                let name = src.string_bytes()?;
                let value = src.string_bytes()?;
                summary.aux.push((name, value));
            }
            opcode::RESIZEDB => {
                src.len()?;
                src.len()?;
            }
            opcode::SELECTDB => {
                db = usize::try_from(src.len()?).map_err(|_| RdbError::new(at, "database number too large"))?;
            }
            opcode::MODULE_AUX => {
                return Err(RdbError::new(at, "modules are not supported (the file holds module data)"))
            }
            opcode::FUNCTION2 | opcode::FUNCTION_PRE_GA => {
                return Err(RdbError::new(at, "functions are not supported (the file holds a function library)"))
            }
            value_kind => {
                let key = src.string_bytes()?;
                let value = read_value(&mut src, value_kind, at)?;
                let expiry = std::mem::replace(&mut expire_at, NO_EXPIRY);
                let Some(value) = value else { continue };
                if expiry != NO_EXPIRY && expiry <= now_ms {
                    summary.expired_skipped += 1;
                    continue;
                }
                sink(LoadedKey { db, key, entry: Entry::with_expiry(value, expiry) })
                    .map_err(|message| RdbError::new(at, message))?;
                summary.keys_loaded += 1;
            }
        }
    }

    // Versions before 5 end at the EOF opcode; later ones append the checksum.
    if version >= 5 {
        let computed = src.digest.clone().finalize();
        let at = src.offset();
        let stored = u64::from_le_bytes(src.array()?);
        if stored != 0 && stored != computed {
            return Err(RdbError::new(
                at,
                format!("RDB checksum mismatch (file says {stored:016x}, data hashes to {computed:016x})"),
            ));
        }
    }
    Ok(summary)
}

/// Reads one value of type `kind` (the key's type byte was at `at`). `None` for an empty
/// collection, which Redis skips.
fn read_value(src: &mut Source<'_>, value_kind: u8, at: u64) -> Result<Option<Value>, RdbError> {
    let value = match value_kind {
        kind::STRING => Value::Str(src.string_value()?),
        kind::LIST => {
            let mut list = List::new();
            for _ in 0..src.len()? {
                list.push_owned(End::Right, src.string_bytes()?);
            }
            Value::List(Box::new(list))
        }
        kind::SET => {
            let mut set = Set::default();
            for _ in 0..src.len()? {
                let at = src.offset();
                if !set.insert(&src.string_bytes()?, MAX_INTSET) {
                    return Err(RdbError::new(at, "duplicate set member"));
                }
            }
            Value::Set(Box::new(set))
        }
        kind::ZSET | kind::ZSET_2 => {
            let mut zset = ZSet::new();
            for _ in 0..src.len()? {
                let at = src.offset();
                let member = src.string_bytes()?;
                let score =
                    if value_kind == kind::ZSET_2 { f64::from_le_bytes(src.array()?) } else { src.string_f64()? };
                add_scored(&mut zset, &member, Some(score)).map_err(|m| RdbError::new(at, m))?;
            }
            Value::ZSet(Box::new(zset))
        }
        kind::HASH => {
            let mut hash = Hash::default();
            for _ in 0..src.len()? {
                let at = src.offset();
                let field = src.string_bytes()?;
                let value = src.string_bytes()?;
                if !hash.insert(&field, &value) {
                    return Err(RdbError::new(at, "duplicate hash field"));
                }
            }
            Value::Hash(Box::new(hash))
        }
        kind::HASH_ZIPMAP => Value::Hash(Box::new(src.blob(|b| {
            let pairs = ziplist::zipmap(b)?;
            hash_from(pairs.into_iter().map(|(f, v)| (Elem::Str(f), Elem::Str(v))))
        })?)),
        kind::HASH_ZIPLIST => Value::Hash(Box::new(src.blob(|b| hash_from(pairs(ziplist::ziplist(b)?)?))?)),
        kind::HASH_LISTPACK => Value::Hash(Box::new(src.blob(|b| hash_from(pairs(listpack::decode(b)?)?))?)),
        kind::ZSET_ZIPLIST => Value::ZSet(Box::new(src.blob(|b| zset_from(pairs(ziplist::ziplist(b)?)?))?)),
        kind::ZSET_LISTPACK => Value::ZSet(Box::new(src.blob(|b| zset_from(pairs(listpack::decode(b)?)?))?)),
        kind::SET_INTSET => {
            Value::Set(Box::new(src.blob(|b| set_from(ziplist::intset(b)?.into_iter().map(Elem::Int)))?))
        }
        kind::SET_LISTPACK => Value::Set(Box::new(src.blob(|b| set_from(listpack::decode(b)?.into_iter()))?)),
        kind::LIST_ZIPLIST => {
            let mut list = List::new();
            src.blob(|b| append(&mut list, ziplist::ziplist(b)?))?;
            Value::List(Box::new(list))
        }
        kind::LIST_QUICKLIST => {
            let mut list = List::new();
            for _ in 0..src.len()? {
                src.blob(|b| append(&mut list, ziplist::ziplist(b)?))?;
            }
            Value::List(Box::new(list))
        }
        kind::LIST_QUICKLIST_2 => {
            let mut list = List::new();
            for _ in 0..src.len()? {
                let at = src.offset();
                match src.len()? {
                    container::PLAIN => list.push_owned(End::Right, src.string_bytes()?),
                    // An empty node is skipped, as Redis does.
                    container::PACKED => src.blob(|b| append(&mut list, listpack::decode(b)?))?,
                    other => return Err(RdbError::new(at, format!("unknown quicklist node container {other}"))),
                }
            }
            Value::List(Box::new(list))
        }
        kind::STREAM_LISTPACKS | kind::STREAM_LISTPACKS_2 | kind::STREAM_LISTPACKS_3 => {
            Value::Stream(Box::new(stream::read(src, value_kind)?))
        }
        kind::MODULE_PRE_GA | kind::MODULE_2 => {
            return Err(RdbError::new(at, "modules are not supported (the file holds a module value)"))
        }
        other => return Err(RdbError::new(at, format!("unknown value type {other}"))),
    };
    let empty = match &value {
        Value::Str(_) | Value::Stream(_) => false,
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
    };
    Ok(if empty { None } else { Some(value) })
}

fn append(list: &mut List, elems: Vec<Elem<'_>>) -> Result<(), String> {
    for e in elems {
        match e {
            Elem::Str(s) => list.push(End::Right, s),
            Elem::Int(_) => list.push_owned(End::Right, e.to_bytes()),
        }
    }
    Ok(())
}

/// Consecutive elements as (field, value) pairs.
fn pairs(elems: Vec<Elem<'_>>) -> Result<impl Iterator<Item = (Elem<'_>, Elem<'_>)>, String> {
    if elems.len() % 2 == 1 {
        return Err(format!("packed map has an odd number of elements ({})", elems.len()));
    }
    let mut it = elems.into_iter();
    Ok(std::iter::from_fn(move || Some((it.next()?, it.next()?))))
}

fn hash_from<'a>(pairs: impl Iterator<Item = (Elem<'a>, Elem<'a>)>) -> Result<Hash, String> {
    let mut hash = Hash::default();
    for (field, value) in pairs {
        if !hash.insert(&field.to_bytes(), &value.to_bytes()) {
            return Err("duplicate hash field".into());
        }
    }
    Ok(hash)
}

fn zset_from<'a>(pairs: impl Iterator<Item = (Elem<'a>, Elem<'a>)>) -> Result<ZSet, String> {
    let mut zset = ZSet::new();
    for (member, score) in pairs {
        add_scored(&mut zset, &member.to_bytes(), score.as_score())?;
    }
    Ok(zset)
}

fn add_scored(zset: &mut ZSet, member: &[u8], score: Option<f64>) -> Result<(), String> {
    match score {
        Some(score) if !score.is_nan() => match zset.insert(member, score) {
            None => Ok(()),
            Some(_) => Err("duplicate sorted set member".into()),
        },
        _ => Err("sorted set score is not a number".into()),
    }
}

fn set_from<'a>(members: impl Iterator<Item = Elem<'a>>) -> Result<Set, String> {
    let mut set = Set::default();
    for m in members {
        if !set.insert(&m.to_bytes(), MAX_INTSET) {
            return Err("duplicate set member".into());
        }
    }
    Ok(set)
}

/// A string as the RDB stores it: an integer encoding, or bytes.
enum RawString {
    Int(i64),
    Bytes(Vec<u8>),
}

/// A length, or the string encoding that takes its place.
enum Length {
    Len(u64),
    Encoded(u8),
}

/// The input, with the offset read so far and the running CRC-64 of everything read.
pub(super) struct Source<'a> {
    input: &'a mut dyn Read,
    offset: u64,
    digest: Digest,
}

impl Read for Source<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.input.read(buf)?;
        self.digest.update(&buf[..n]);
        self.offset += n as u64;
        Ok(n)
    }
}

impl<'a> Source<'a> {
    fn new(input: &'a mut dyn Read) -> Source<'a> {
        Source { input, offset: 0, digest: CRC64.digest() }
    }

    /// Bytes consumed so far: the offset of whatever is read next.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    fn io_error(&self, e: io::Error) -> RdbError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            RdbError::new(self.offset, "unexpected end of file")
        } else {
            RdbError::new(self.offset, format!("read error: {e}"))
        }
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut buf = [0u8; N];
        match self.read_exact(&mut buf) {
            Ok(()) => Ok(buf),
            Err(e) => Err(self.io_error(e)),
        }
    }

    pub(super) fn u8(&mut self) -> Result<u8, RdbError> {
        Ok(self.array::<1>()?[0])
    }

    /// `n` bytes, reserving memory only as they arrive (see [`PREALLOC_BYTES`]).
    fn raw(&mut self, n: u64) -> Result<Vec<u8>, RdbError> {
        if n <= PREALLOC_BYTES as u64 {
            let mut buf = vec![0u8; n as usize];
            return match self.read_exact(&mut buf) {
                Ok(()) => Ok(buf),
                Err(e) => Err(self.io_error(e)),
            };
        }
        let mut buf = Vec::with_capacity(PREALLOC_BYTES);
        let result = self.by_ref().take(n).read_to_end(&mut buf);
        match result {
            Ok(got) if got as u64 == n => Ok(buf),
            Ok(_) => Err(RdbError::new(self.offset, "unexpected end of file")),
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn length_or_encoding(&mut self) -> Result<Length, RdbError> {
        let at = self.offset;
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => Length::Len((b & 0x3F) as u64),
            1 => Length::Len(((b & 0x3F) as u64) << 8 | self.u8()? as u64),
            2 => match b {
                0x80 => Length::Len(u32::from_be_bytes(self.array()?) as u64),
                0x81 => Length::Len(u64::from_be_bytes(self.array()?)),
                _ => return Err(RdbError::new(at, format!("unknown length encoding 0x{b:02x}"))),
            },
            _ => Length::Encoded(b & 0x3F),
        })
    }

    /// A length (element counts, IDs, database numbers).
    pub(super) fn len(&mut self) -> Result<u64, RdbError> {
        let at = self.offset;
        match self.length_or_encoding()? {
            Length::Len(n) => Ok(n),
            Length::Encoded(_) => Err(RdbError::new(at, "expected a length, found a string encoding")),
        }
    }

    fn raw_string(&mut self) -> Result<RawString, RdbError> {
        let at = self.offset;
        Ok(match self.length_or_encoding()? {
            Length::Len(n) => RawString::Bytes(self.raw(n)?),
            Length::Encoded(encoding::INT8) => RawString::Int(i8::from_le_bytes(self.array()?) as i64),
            Length::Encoded(encoding::INT16) => RawString::Int(i16::from_le_bytes(self.array()?) as i64),
            Length::Encoded(encoding::INT32) => RawString::Int(i32::from_le_bytes(self.array()?) as i64),
            Length::Encoded(encoding::LZF) => {
                let compressed_len = self.len()?;
                let len = self.len()?;
                let data = self.raw(compressed_len)?;
                let invalid = || RdbError::new(at, "invalid LZF compressed string");
                if data.is_empty() || len > compressed_len.saturating_mul(LZF_MAX_RATIO) {
                    return Err(invalid());
                }
                let len = usize::try_from(len).map_err(|_| invalid())?;
                match lzf::decompress(&data, len) {
                    Ok(out) if out.len() == len => RawString::Bytes(out),
                    _ => return Err(invalid()),
                }
            }
            Length::Encoded(other) => return Err(RdbError::new(at, format!("unknown string encoding {other}"))),
        })
    }

    /// A string in any encoding, as bytes.
    pub(super) fn string(&mut self) -> Result<Vec<u8>, RdbError> {
        Ok(match self.raw_string()? {
            RawString::Int(n) => itoa::Buffer::new().format(n).as_bytes().to_vec(),
            RawString::Bytes(b) => b,
        })
    }

    pub(super) fn string_bytes(&mut self) -> Result<Bytes, RdbError> {
        self.string().map(Bytes::from)
    }

    /// A string key's value, integer-encoded like [`RString::from_bytes`] would make it.
    fn string_value(&mut self) -> Result<RString, RdbError> {
        Ok(match self.raw_string()? {
            RawString::Int(n) => RString::Int(n),
            RawString::Bytes(b) => match crate::num::parse_i64_canonical(&b).filter(|_| b.len() <= 20) {
                Some(n) => RString::Int(n),
                None => RString::Raw(StringBytes::Fixed(b.into())),
            },
        })
    }

    /// A double as `RDB_TYPE_ZSET` stores it: a length byte (253 NaN, 254 +inf, 255 -inf)
    /// and that many ASCII bytes.
    fn string_f64(&mut self) -> Result<f64, RdbError> {
        let at = self.offset;
        Ok(match self.u8()? {
            253 => f64::NAN,
            254 => f64::INFINITY,
            255 => f64::NEG_INFINITY,
            n => {
                let text = self.raw(n as u64)?;
                crate::num::parse_f64(&text).ok_or_else(|| RdbError::new(at, "invalid double value"))?
            }
        })
    }

    /// Reads a string holding a packed structure and decodes it with `decode`; its errors
    /// are reported at the string's offset.
    pub(super) fn blob<T>(&mut self, decode: impl FnOnce(&[u8]) -> Result<T, String>) -> Result<T, RdbError> {
        let at = self.offset;
        let data = self.string()?;
        decode(&data).map_err(|message| RdbError::new(at, message))
    }
}

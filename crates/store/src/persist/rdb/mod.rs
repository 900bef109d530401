//! RDB files in Redis 7.0's format (version 10): reading every encoding Redis writes, writing files Redis loads.
//!
//! An RDB file is a header, a sequence of opcodes and keys, and a trailer:
//!
//! ```text
//! "REDIS0010"                       magic + 4-digit version
//! AUX name value ...                metadata (redis-ver, ctime, aof-base, ...)
//! SELECTDB n  RESIZEDB keys expires  then the database's keys:
//!   [EXPIRETIME_MS t] [IDLE/FREQ x] TYPE key value
//! EOF                               0xFF
//! CRC-64                            8 bytes, little endian, over everything before it (0 = unchecked)
//! ```
//!
//! Lengths use Redis's variable-size length encoding; strings are a length and bytes, or an
//! integer, or an LZF-compressed blob. Small collections are stored as one string holding a
//! packed structure (ziplist, zipmap, intset, listpack); big ones element by element.
//!
//! - [`load`] (`read.rs`) reads one file from any `Read`, handing each key to a sink. It
//!   accepts every version up to 11 (Redis 7.2) and every encoding those versions write,
//!   checks every length and offset against the data actually present, and stops right
//!   after the checksum (an AOF with an RDB preamble continues with commands).
//! - [`RdbWriter`] (`write.rs`) writes version 10 the way Redis 7.0 does, choosing the
//!   encodings Redis 7.0 loads: strings int-encoded or LZF-compressed by Redis's rules,
//!   lists as quicklists of listpacks, sets as intsets or plain sets, hashes and sorted
//!   sets element by element, streams as `STREAM_LISTPACKS_2`.
//! - `listpack.rs`, `ziplist.rs` (ziplist, zipmap, intset) and `stream.rs` decode and encode
//!   the packed structures: pure functions over byte slices that return a message on
//!   malformed input, to which the reader adds the file offset. LZF is the `lzf` crate.
//!
//! Nothing here touches the keyspace or a file name: callers own both.

mod listpack;
mod read;
mod stream;
mod write;
mod ziplist;

#[cfg(test)]
mod tests;

use bytes::Bytes;

use crate::value::Entry;

pub use read::load;
pub use write::{RdbWriter, WriteOptions};

/// The RDB version Tandem writes: Redis 7.0's.
pub const RDB_VERSION: u16 = 10;

/// The newest version [`load`] reads: Redis 7.2's (set listpacks, consumer active-time).
pub const MAX_LOAD_VERSION: u16 = 11;

/// A failure reading an RDB: what went wrong and the byte offset in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbError {
    pub offset: u64,
    pub message: String,
}

impl RdbError {
    pub fn new(offset: u64, message: impl Into<String>) -> RdbError {
        RdbError { offset, message: message.into() }
    }
}

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {}", self.message, self.offset)
    }
}

impl std::error::Error for RdbError {}

/// One key read from a file, with the database it belongs to.
#[derive(Debug)]
pub struct LoadedKey {
    pub db: usize,
    pub key: Bytes,
    pub entry: Entry,
}

/// What [`load`] found besides the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// Keys handed to the sink.
    pub keys_loaded: u64,
    /// Keys not handed over because their expiry had passed.
    pub expired_skipped: u64,
    /// The file's RDB version.
    pub version: u16,
    /// The AUX fields, in file order.
    pub aux: Vec<(Bytes, Bytes)>,
}

/// CRC-64/Jones as Redis computes it (`crc64.c`), table-driven 16 bytes at a time.
static CRC64: crc::Crc<u64, crc::Table<16>> = crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

type Digest = crc::Digest<'static, u64, crc::Table<16>>;

/// Opcodes: the byte before each item that is not a key.
mod opcode {
    /// Functions (Redis 7.0+).
    pub const FUNCTION2: u8 = 245;
    /// Functions as a 7.0 release candidate wrote them.
    pub const FUNCTION_PRE_GA: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    /// LRU idle time of the next key (seconds).
    pub const IDLE: u8 = 248;
    /// LFU counter of the next key.
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    /// Expiry of the next key in seconds (RDB < 3).
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// Value types: the byte before each key.
mod kind {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    /// Sorted set with scores as strings.
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    /// Sorted set with binary double scores.
    pub const ZSET_2: u8 = 5;
    pub const MODULE_PRE_GA: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    pub const SET_LISTPACK: u8 = 20;
    pub const STREAM_LISTPACKS_3: u8 = 21;
}

/// Quicklist node containers in `LIST_QUICKLIST_2`.
mod container {
    /// One element stored as is.
    pub const PLAIN: u64 = 1;
    /// A listpack of elements.
    pub const PACKED: u64 = 2;
}

/// String encodings (the low 6 bits of a length byte whose top bits are `11`).
mod encoding {
    pub const INT8: u8 = 0;
    pub const INT16: u8 = 1;
    pub const INT32: u8 = 2;
    pub const LZF: u8 = 3;
}

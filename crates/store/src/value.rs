//! Values stored under keys, and [`Entry`]: a value with its expiry and access time.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::Bytes;

use crate::compact::CompactBytes;
use crate::types::{hash::Hash, list::List, set::Set, stream::Stream, zset::ZSet};

/// A string value. Redis stores strings that look like integers as integers to save
/// memory and make INCR cheap; Tandem does the same (`OBJECT ENCODING` says `int`).
///
/// An `RString` is 24 bytes, and so is the [`Value`] holding it: a value of up to
/// [`crate::compact::INLINE_LEN`] bytes is stored inside it with no allocation (see
/// [`StringBytes`]), which is most of what a cache holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RString {
    Int(i64),
    Raw(StringBytes),
}

/// The bytes of a string that is not integer-encoded.
#[derive(Clone)]
pub enum StringBytes {
    /// As SET (or a load) made it: exactly its length, short ones inline.
    Fixed(CompactBytes),
    /// Edited by APPEND or SETRANGE: a buffer with room to grow, so that appending in a
    /// loop costs amortised O(1) per byte, as Redis's sds preallocation does.
    Growable(Box<Vec<u8>>),
}

impl std::ops::Deref for StringBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            StringBytes::Fixed(b) => b,
            StringBytes::Growable(v) => v,
        }
    }
}

impl PartialEq for StringBytes {
    fn eq(&self, other: &StringBytes) -> bool {
        self[..] == other[..]
    }
}

impl Eq for StringBytes {}

impl std::fmt::Debug for StringBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.escape_ascii())
    }
}

impl RString {
    /// Builds a string value, choosing the integer encoding when `data` is the canonical
    /// decimal form of an i64 (so GET returns exactly the bytes that were SET).
    ///
    /// The bytes are copied: arguments arrive as slices of a connection's read buffer, and a
    /// stored slice would keep that whole buffer alive for as long as the key lives.
    pub fn from_bytes(data: Bytes) -> RString {
        if data.len() <= 20 {
            if let Some(n) = crate::num::parse_i64_canonical(&data) {
                return RString::Int(n);
            }
        }
        RString::raw(&data)
    }

    /// A string holding exactly `data`, never integer-encoded (what INCRBYFLOAT stores).
    pub fn raw(data: &[u8]) -> RString {
        RString::Raw(StringBytes::Fixed(CompactBytes::from(data)))
    }

    /// A string that was edited in place and may grow again (APPEND, SETRANGE).
    pub fn growable(data: Vec<u8>) -> RString {
        RString::Raw(StringBytes::Growable(Box::new(data)))
    }

    /// The value's bytes, copied (a reply outlives any lock on the store).
    pub fn to_bytes(&self) -> Bytes {
        match self {
            RString::Int(n) => Bytes::copy_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
            RString::Raw(b) => Bytes::copy_from_slice(b),
        }
    }

    /// Takes the string out as a buffer to edit, leaving an empty string behind. A string
    /// that is growable already is handed over without a copy.
    pub fn take_growable(&mut self) -> Vec<u8> {
        match std::mem::replace(self, RString::Raw(StringBytes::Fixed(CompactBytes::EMPTY))) {
            RString::Int(n) => itoa::Buffer::new().format(n).as_bytes().to_vec(),
            RString::Raw(StringBytes::Fixed(b)) => b.to_vec(),
            RString::Raw(StringBytes::Growable(v)) => *v,
        }
    }

    /// Length in bytes, as STRLEN reports it.
    pub fn len(&self) -> usize {
        match self {
            RString::Int(n) => itoa::Buffer::new().format(*n).len(),
            RString::Raw(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as an integer, if it is one (INCR and friends).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            RString::Int(n) => Some(*n),
            RString::Raw(b) => crate::num::parse_i64(b),
        }
    }

    /// The encoding name OBJECT ENCODING reports: as Redis, `raw` once edited in place.
    pub fn encoding(&self) -> &'static str {
        match self {
            RString::Int(_) => "int",
            RString::Raw(StringBytes::Fixed(b)) if b.len() <= EMBSTR_MAX => "embstr",
            RString::Raw(_) => "raw",
        }
    }
}

/// `data` in an allocation of its own, for `Bytes` a value keeps (stream consumer and group
/// names): arguments are slices of a connection's read buffer, which a stored slice would
/// keep alive.
pub fn owned(data: Bytes) -> Bytes {
    Bytes::copy_from_slice(&data)
}

/// Strings up to this length are reported as `embstr`, like Redis, until edited in place.
pub const EMBSTR_MAX: usize = 44;

/// The value held by a key. Collections are boxed so that the common case, a string,
/// keeps `Value` (and every `Entry`) small.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(RString),
    List(Box<List>),
    Hash(Box<Hash>),
    Set(Box<Set>),
    ZSet(Box<ZSet>),
    Stream(Box<Stream>),
}

impl Value {
    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(s) => s.encoding(),
        }
    }

    pub fn string(data: Bytes) -> Value {
        Value::Str(RString::from_bytes(data))
    }
}

thread_local! {
    /// The access time of entries made on this thread now (see [`at_view_time`]).
    static VIEW_TIME: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `f` with the entries made on this thread stamped with `now` (unix ms) instead of a
/// fresh reading of the clock. A store runs a command's view with its time, so a command
/// reads the clock once however many entries it makes (as Redis caches its clock).
pub fn at_view_time<R>(now: i64, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            VIEW_TIME.with(|t| t.set(self.0));
        }
    }
    let _restore = Restore(VIEW_TIME.with(|t| t.replace(Some((now / 1000) as u32))));
    f()
}

/// Sentinel for "no expiry" in [`Entry::expire_at`].
pub const NO_EXPIRY: i64 = -1;

/// A key's value with its absolute expiry (unix ms, [`NO_EXPIRY`] if none) and the time it
/// was last accessed (seconds of [`crate::clock::lru_clock`]; atomic so reads under a shared
/// lock can update it, as OBJECT IDLETIME needs).
#[derive(Debug)]
pub struct Entry {
    pub value: Value,
    pub expire_at: i64,
    access: AtomicU32,
}

impl Entry {
    pub fn new(value: Value) -> Entry {
        Entry::with_expiry(value, NO_EXPIRY)
    }

    pub fn with_expiry(value: Value, expire_at: i64) -> Entry {
        let now = VIEW_TIME.with(Cell::get).unwrap_or_else(crate::clock::lru_clock);
        Entry { value, expire_at, access: AtomicU32::new(now) }
    }

    pub fn has_expiry(&self) -> bool {
        self.expire_at != NO_EXPIRY
    }

    /// True if the key has expired at `now` (unix ms). A key expires when its time is reached.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expire_at != NO_EXPIRY && self.expire_at <= now
    }

    /// Records an access at `now` (unix ms; a view's time, which spares reading the clock).
    pub fn touch_at(&self, now: i64) {
        self.access.store((now / 1000) as u32, Ordering::Relaxed);
    }

    /// Seconds since the last access.
    pub fn idle_seconds(&self) -> u64 {
        crate::clock::lru_clock().saturating_sub(self.access.load(Ordering::Relaxed)) as u64
    }
}

impl Clone for Entry {
    fn clone(&self) -> Self {
        Entry {
            value: self.value.clone(),
            expire_at: self.expire_at,
            access: AtomicU32::new(self.access.load(Ordering::Relaxed)),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.expire_at == other.expire_at
    }
}

//! Listpacks (Redis 5+, `listpack.c`): the packed sequence Redis 7 stores small hashes,
//! sorted sets, sets (7.2), quicklist nodes and stream nodes in.
//!
//! ```text
//! total-bytes:u32le  count:u16le (65535 = unknown)  entry...  0xFF
//! entry = encoding+data, then backlen (the size of encoding+data, 1-5 bytes, read backwards)
//! ```
//!
//! Encodings: `0xxxxxxx` 7-bit uint; `10xxxxxx` string up to 63 bytes; `110xxxxx` 13-bit int;
//! `1110xxxx` string up to 4095 bytes; `F0` string with a 32-bit length; `F1`/`F2`/`F3`/`F4`
//! 16/24/32/64-bit ints (little endian, two's complement).
//!
//! [`decode`] checks every size against the buffer (the header's total and count, each
//! entry's length and backlen, the terminator), so a corrupt listpack is an error, never a
//! panic or an out-of-bounds read. [`ListpackBuilder`] encodes like Redis: strings that are
//! canonical integers are stored as integers, in the smallest encoding.

use bytes::Bytes;

/// Header: total bytes (u32) and element count (u16).
const HEADER: usize = 6;
const END: u8 = 0xFF;
/// The count Redis writes when there are more elements than a u16 holds.
const COUNT_UNKNOWN: u16 = u16::MAX;

/// One element of a listpack or ziplist: Redis stores integer-looking strings as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// The element as the string it stands for (integers in decimal).
    pub fn to_bytes(self) -> Bytes {
        match self {
            Elem::Int(n) => crate::num::i64_bytes(n),
            Elem::Str(s) => Bytes::copy_from_slice(s),
        }
    }

    /// The element as an integer, if it is one (or a string that is one, as `lpGetInteger`
    /// accepts).
    pub fn as_int(self) -> Option<i64> {
        match self {
            Elem::Int(n) => Some(n),
            Elem::Str(s) => crate::num::parse_i64(s),
        }
    }

    /// The element as a sorted-set score (`zzlGetScore`); `None` if it is not a number.
    pub fn as_score(self) -> Option<f64> {
        match self {
            Elem::Int(n) => Some(n as f64),
            Elem::Str(s) => crate::num::parse_f64(s),
        }
    }
}

/// `bytes[at..at + len]`, or an error naming `what` when that runs past the end.
pub fn slice<'a>(bytes: &'a [u8], at: usize, len: usize, what: &str) -> Result<&'a [u8], String> {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| format!("{what} runs past the end of its {} bytes", bytes.len()))
}

/// Little-endian unsigned integer of `N` bytes at `at`.
fn uint_le<const N: usize>(bytes: &[u8], at: usize, what: &str) -> Result<u64, String> {
    let b = slice(bytes, at, N, what)?;
    Ok(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
}

/// Sign-extends the low `bits` bits of `v`.
fn sign_extend(v: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Decodes a whole listpack.
pub fn decode(lp: &[u8]) -> Result<Vec<Elem<'_>>, String> {
    if lp.len() < HEADER + 1 {
        return Err(format!("listpack of {} bytes is shorter than its header", lp.len()));
    }
    let total = uint_le::<4>(lp, 0, "listpack header")?;
    if total != lp.len() as u64 {
        return Err(format!("listpack header says {total} bytes but it has {}", lp.len()));
    }
    let count = uint_le::<2>(lp, 4, "listpack header")? as u16;
    // At most one element per two bytes, so this bounds the allocation by the data.
    let mut out = Vec::with_capacity((count as usize).min(lp.len() / 2));
    let mut at = HEADER;
    loop {
        let Some(&b) = lp.get(at) else {
            return Err("listpack has no terminator".into());
        };
        if b == END {
            if at + 1 != lp.len() {
                return Err(format!("listpack terminator at {at} is not its last byte"));
            }
            break;
        }
        let (elem, size) = decode_entry(lp, at)?;
        let backlen = slice(lp, at + size, backlen_size(size as u64), "listpack entry backlen")?;
        let mut expected = [0u8; 5];
        if backlen != encode_backlen(size as u64, &mut expected) {
            return Err(format!("listpack entry at {at} has a wrong backlen"));
        }
        out.push(elem);
        at += size + backlen.len();
    }
    if count != COUNT_UNKNOWN && count as usize != out.len() {
        return Err(format!("listpack header says {count} elements but it has {}", out.len()));
    }
    Ok(out)
}

/// The element at `at` and the size of its encoding and data (without the backlen).
fn decode_entry(lp: &[u8], at: usize) -> Result<(Elem<'_>, usize), String> {
    let what = "listpack entry";
    let b = lp[at];
    Ok(match b {
        0x00..=0x7F => (Elem::Int(b as i64), 1),
        0x80..=0xBF => {
            let len = (b & 0x3F) as usize;
            (Elem::Str(slice(lp, at + 1, len, what)?), 1 + len)
        }
        0xC0..=0xDF => {
            let low = slice(lp, at + 1, 1, what)?[0] as u64;
            (Elem::Int(sign_extend(((b & 0x1F) as u64) << 8 | low, 13)), 2)
        }
        0xE0..=0xEF => {
            let low = slice(lp, at + 1, 1, what)?[0] as usize;
            let len = ((b & 0x0F) as usize) << 8 | low;
            (Elem::Str(slice(lp, at + 2, len, what)?), 2 + len)
        }
        0xF0 => {
            let len = usize::try_from(uint_le::<4>(lp, at + 1, what)?).map_err(|_| "listpack string too long")?;
            (Elem::Str(slice(lp, at + 5, len, what)?), 5 + len)
        }
        0xF1 => (Elem::Int(sign_extend(uint_le::<2>(lp, at + 1, what)?, 16)), 3),
        0xF2 => (Elem::Int(sign_extend(uint_le::<3>(lp, at + 1, what)?, 24)), 4),
        0xF3 => (Elem::Int(sign_extend(uint_le::<4>(lp, at + 1, what)?, 32)), 5),
        0xF4 => (Elem::Int(uint_le::<8>(lp, at + 1, what)? as i64), 9),
        _ => return Err(format!("listpack entry at {at} has an invalid encoding byte 0x{b:02x}")),
    })
}

/// How many bytes the backlen of an entry of `size` bytes takes (`lpEncodeBacklen`).
fn backlen_size(size: u64) -> usize {
    match size {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// The backlen of an entry of `size` bytes: 7 bits per byte, most significant first, every
/// byte but the first flagged with the high bit, so it can be read from its last byte back.
fn encode_backlen(size: u64, buf: &mut [u8; 5]) -> &[u8] {
    let n = backlen_size(size);
    for (i, byte) in buf[..n].iter_mut().enumerate() {
        let group = ((size >> (7 * (n - 1 - i))) & 127) as u8;
        *byte = if i == 0 { group } else { group | 128 };
    }
    &buf[..n]
}

/// Encodes a listpack element by element, the way Redis's `lpAppend` does.
pub struct ListpackBuilder {
    buf: Vec<u8>,
    count: usize,
}

impl Default for ListpackBuilder {
    fn default() -> Self {
        ListpackBuilder { buf: vec![0; HEADER], count: 0 }
    }
}

impl ListpackBuilder {
    pub fn new() -> ListpackBuilder {
        ListpackBuilder::default()
    }

    /// Appends a string, as an integer when it is the canonical form of one.
    pub fn push(&mut self, s: &[u8]) {
        match crate::num::parse_i64_canonical(s) {
            Some(n) => self.push_int(n),
            None => self.push_str(s),
        }
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        match v {
            0..=127 => self.buf.push(v as u8),
            -4096..=4095 => {
                let u = (v as u64) & 0x1FFF;
                self.buf.extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
            }
            -32768..=32767 => {
                self.buf.push(0xF1);
                self.buf.extend_from_slice(&(v as i16).to_le_bytes());
            }
            -8388608..=8388607 => {
                self.buf.push(0xF2);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            -2147483648..=2147483647 => {
                self.buf.push(0xF3);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes());
            }
            _ => {
                self.buf.push(0xF4);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        self.end_entry(start);
    }

    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        match s.len() {
            0..=63 => self.buf.push(0x80 | s.len() as u8),
            64..=4095 => self.buf.extend_from_slice(&[0xE0 | (s.len() >> 8) as u8, s.len() as u8]),
            // Longer than u32::MAX cannot happen here: callers cap elements far below it, and
            // `finish` refuses a listpack past 4 GiB anyway.
            len => {
                self.buf.push(0xF0);
                self.buf.extend_from_slice(&(len as u32).to_le_bytes());
            }
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    fn end_entry(&mut self, start: usize) {
        let mut backlen = [0u8; 5];
        let size = (self.buf.len() - start) as u64;
        self.buf.extend_from_slice(encode_backlen(size, &mut backlen));
        self.count += 1;
    }

    /// The finished listpack, or an error if it would be too big for the format (its size
    /// is a u32).
    pub fn finish(mut self) -> std::io::Result<Vec<u8>> {
        self.buf.push(END);
        let total = u32::try_from(self.buf.len())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "listpack over 4 GiB"))?;
        let count = u16::try_from(self.count).unwrap_or(COUNT_UNKNOWN);
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        Ok(self.buf)
    }
}

/// The bytes `s` takes in a listpack (encoding, data and backlen), as [`ListpackBuilder::push`]
/// would store it: lets writers plan node boundaries before encoding.
pub fn entry_size(s: &[u8]) -> usize {
    let size = match crate::num::parse_i64_canonical(s) {
        Some(0..=127) => 1,
        Some(-4096..=4095) => 2,
        Some(-32768..=32767) => 3,
        Some(-8388608..=8388607) => 4,
        Some(-2147483648..=2147483647) => 5,
        Some(_) => 9,
        None if s.len() <= 63 => 1 + s.len(),
        None if s.len() <= 4095 => 2 + s.len(),
        None => 5 + s.len(),
    };
    size + backlen_size(size as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(items: &[&[u8]]) -> Vec<Bytes> {
        let mut b = ListpackBuilder::new();
        let mut planned = HEADER + 1;
        for i in items {
            b.push(i);
            planned += entry_size(i);
        }
        let lp = b.finish().expect("small");
        assert_eq!(lp.len(), planned, "entry_size agrees with the encoder");
        decode(&lp).expect("valid").into_iter().map(Elem::to_bytes).collect()
    }

    #[test]
    fn every_integer_width_and_string_length_round_trips() {
        let ints: Vec<String> = [
            0i64,
            1,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            32768,
            8388607,
            -8388608,
            8388608,
            i32::MAX as i64,
            i32::MIN as i64,
            i32::MAX as i64 + 1,
            i64::MAX,
            i64::MIN,
        ]
        .iter()
        .map(|n| n.to_string())
        .collect();
        let strings: Vec<Vec<u8>> = [0usize, 1, 63, 64, 4095, 4096, 70000].iter().map(|&n| vec![b'x'; n]).collect();
        let mut items: Vec<&[u8]> = ints.iter().map(|s| s.as_bytes()).collect();
        items.extend(strings.iter().map(|s| s.as_slice()));
        items.extend([&b"007"[..], b"-0", b"+1", b" 1", b"99999999999999999999"]);
        let got = roundtrip(&items);
        assert_eq!(got, items.iter().map(|s| Bytes::copy_from_slice(s)).collect::<Vec<_>>());
    }

    #[test]
    fn backlen_matches_redis_boundaries() {
        let mut buf = [0u8; 5];
        assert_eq!(encode_backlen(127, &mut buf), &[127]);
        assert_eq!(encode_backlen(128, &mut buf), &[1, 128]);
        assert_eq!(encode_backlen(16383, &mut buf), &[0, 255, 128 | 127]);
        assert_eq!(backlen_size(268435455), 5);
    }

    #[test]
    fn lying_sizes_are_errors() {
        let mut b = ListpackBuilder::new();
        b.push(b"hello");
        b.push(b"12");
        let lp = b.finish().expect("small");
        for cut in 0..lp.len() {
            assert!(decode(&lp[..cut]).is_err(), "prefix of {cut} bytes");
        }
        let mut wrong_count = lp.clone();
        wrong_count[4] = 3;
        assert!(decode(&wrong_count).unwrap_err().contains("3 elements"));
        let mut long_string = lp.clone();
        long_string[HEADER] = 0x80 | 60;
        assert!(decode(&long_string).is_err());
        let mut bad_encoding = lp;
        bad_encoding[HEADER] = 0xF9;
        assert!(decode(&bad_encoding).unwrap_err().contains("encoding"));
    }
}

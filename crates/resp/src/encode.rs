//! Serializer: writes a [`Frame`] as RESP2 or RESP3 bytes.
//!
//! This is the reply hot path, so it writes straight into the caller's output
//! buffer: integers go through `itoa`, doubles through a stack buffer, and no
//! frame allocates anything beyond the growth of `out`.
//!
//! RESP3-only types are downgraded for RESP2 clients the way Redis does it
//! (`addReplyDouble`, `addReplyMapLen`, `addReplyVerbatim`, ...): a double or a
//! big number becomes a bulk string, a boolean an integer, a map a flat array,
//! a set or a push an array, and an attribute disappears leaving its value.

use crate::{Frame, Protocol};

/// Appends `frame` to `out` in `proto`.
pub fn encode(frame: &Frame, proto: Protocol, out: &mut Vec<u8>) {
    match frame {
        Frame::Simple(s) => line(out, b'+', s),
        Frame::Error(e) => line(out, b'-', e),
        Frame::Integer(n) => integer(out, *n),
        Frame::Bulk(b) => bulk(out, b),
        Frame::Null => match proto {
            Protocol::Resp2 => out.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => out.extend_from_slice(b"_\r\n"),
        },
        Frame::NullArray => match proto {
            Protocol::Resp2 => out.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => out.extend_from_slice(b"_\r\n"),
        },
        Frame::Array(items) => aggregate(out, b'*', items, proto),
        Frame::Double(d) => {
            let mut digits = DoubleBuf::new();
            let text = digits.format(*d);
            match proto {
                Protocol::Resp2 => bulk(out, text),
                Protocol::Resp3 => line(out, b',', text),
            }
        }
        Frame::Boolean(b) => match proto {
            Protocol::Resp2 => out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" }),
            Protocol::Resp3 => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        },
        Frame::Map(pairs) => {
            match proto {
                Protocol::Resp2 => header(out, b'*', pairs.len() * 2),
                Protocol::Resp3 => header(out, b'%', pairs.len()),
            }
            pairs_body(out, pairs, proto);
        }
        Frame::Set(items) => {
            let prefix = if proto == Protocol::Resp3 { b'~' } else { b'*' };
            aggregate(out, prefix, items, proto);
        }
        Frame::Push(items) => {
            let prefix = if proto == Protocol::Resp3 { b'>' } else { b'*' };
            aggregate(out, prefix, items, proto);
        }
        Frame::Verbatim { format, text } => match proto {
            Protocol::Resp2 => bulk(out, text),
            Protocol::Resp3 => {
                // The declared length covers the `fmt:` prefix as well as the text.
                header(out, b'=', text.len() + 4);
                out.reserve(text.len() + 6);
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
        },
        Frame::BigNumber(n) => match proto {
            Protocol::Resp2 => bulk(out, n),
            Protocol::Resp3 => line(out, b'(', n),
        },
        Frame::Attribute { attrs, value } => {
            // RESP2 has no way to say "metadata about the next reply"; Redis drops it.
            if proto == Protocol::Resp3 {
                header(out, b'|', attrs.len());
                pairs_body(out, attrs, proto);
            }
            encode(value, proto, out);
        }
    }
}

/// Formats a double the way Redis replies with one (`inf`, `-inf`, `nan`, shortest round-trip digits otherwise).
///
/// This is Redis 7.2's `d2string`: `nan`, `inf`, `-inf`, `0` and `-0` are
/// spelled out; an integral value within ±2^62 is printed as an integer
/// (`3`, not `3.0`); anything else gets the shortest digits that round-trip,
/// laid out like Redis's bundled `fpconv_dtoa` (`0.1`, `0.00001`, `1.5e-7`,
/// `1e+20`; the exponent has no leading zeros).
pub fn format_double(d: f64, out: &mut Vec<u8>) {
    let mut digits = DoubleBuf::new();
    out.extend_from_slice(digits.format(d));
}

/// `<prefix><text>\r\n` for the line types (`+`, `-`, `,`, `(`).
#[inline]
fn line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    debug_assert!(!text.iter().any(|&b| b == b'\r' || b == b'\n'), "a RESP line must not contain CR or LF");
    out.reserve(text.len() + 3);
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

#[inline]
fn integer(out: &mut Vec<u8>, n: i64) {
    out.push(b':');
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `<prefix><n>\r\n`: a bulk length or an aggregate count.
#[inline]
fn header(out: &mut Vec<u8>, prefix: u8, n: usize) {
    out.push(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[inline]
fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    // One reservation for header, payload and trailer: a 20-digit length is the worst case.
    out.reserve(data.len() + 25);
    header(out, b'$', data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, prefix: u8, items: &[Frame], proto: Protocol) {
    header(out, prefix, items.len());
    for item in items {
        encode(item, proto, out);
    }
}

fn pairs_body(out: &mut Vec<u8>, pairs: &[(Frame, Frame)], proto: Protocol) {
    for (k, v) in pairs {
        encode(k, proto, out);
        encode(v, proto, out);
    }
}

/// Room for any formatted double (at most 24 bytes, `-1.2345678901234567e-308`)
/// plus the slack that lets digits be copied in fixed 24-byte blocks.
const DOUBLE_BUF_LEN: usize = 64;
/// Digit copies move this many bytes whatever the real count, so the compiler
/// emits a few plain moves instead of a `memcpy` call per piece.
const DIGIT_BLOCK: usize = 24;

/// A stack buffer a double is formatted into, so encoding one allocates nothing.
struct DoubleBuf {
    buf: [u8; DOUBLE_BUF_LEN],
    len: usize,
}

impl DoubleBuf {
    fn new() -> Self {
        DoubleBuf { buf: [0; DOUBLE_BUF_LEN], len: 0 }
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    /// Appends `count` bytes of `src` starting at `from` (by copying a whole block).
    fn block(&mut self, src: &[u8; 2 * DIGIT_BLOCK], from: usize, count: usize) {
        debug_assert!(count <= DIGIT_BLOCK && from <= DIGIT_BLOCK);
        self.buf[self.len..self.len + DIGIT_BLOCK].copy_from_slice(&src[from..from + DIGIT_BLOCK]);
        self.len += count;
    }

    fn format(&mut self, d: f64) -> &[u8] {
        self.len = 0;
        if d.is_nan() {
            return b"nan";
        }
        if d.is_infinite() {
            return if d < 0.0 { b"-inf" } else { b"inf" };
        }
        if d == 0.0 {
            return if d.is_sign_negative() { b"-0" } else { b"0" };
        }
        // Redis's double2ll: within ±2^62 every integral double converts to i64
        // exactly, and the integer printer is both faster and prettier.
        const INT_LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62
                                                            // (`as` truncates; a value in range converts back exactly iff it was integral.)
        let int = d as i64;
        if (-INT_LIMIT..=INT_LIMIT).contains(&d) && int as f64 == d {
            let mut ibuf = itoa::Buffer::new();
            let text = ibuf.format(int).as_bytes();
            self.buf[..text.len()].copy_from_slice(text);
            self.len = text.len();
            return &self.buf[..self.len];
        }
        self.shortest(d);
        &self.buf[..self.len]
    }

    /// Shortest round-trip digits, laid out by fpconv's `emit_digits` rules.
    fn shortest(&mut self, d: f64) {
        // ryu gives the shortest round-trip digits, in a layout of its own
        // (`1e20`, `0.0001`, `1.5e-7`, `123.45`); pull out digits and exponent.
        let mut ryu_buf = ryu::Buffer::new();
        let text = ryu_buf.format_finite(d).as_bytes();
        let (neg, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        // One pass for the decimal point and the exponent marker.
        let (mut point, mut e_at) = (None, text.len());
        for (i, &b) in text.iter().enumerate() {
            if b == b'.' {
                point = Some(i);
            } else if b == b'e' {
                e_at = i;
                break;
            }
        }
        let point = point.unwrap_or(e_at);
        let int_part = &text[..point];
        let frac_part = text.get(point + 1..e_at).unwrap_or_default();
        let exp_text = text.get(e_at + 1..).unwrap_or_default();

        // Significant digits, padded with zeros: copying past the last digit
        // then yields exactly the trailing zeros a plain integer needs. ryu
        // writes at most 17 significant digits, plus zeros before the point for
        // integers below 1e16, so 2 * 24 bytes hold any split of them.
        let mut digits = [b'0'; 2 * DIGIT_BLOCK];
        // Decimal exponent of the first significant digit.
        let mut exp10 = parse_exponent(exp_text) + int_part.len() as i32 - 1;
        let nd = if int_part == b"0" {
            // `0.000123`: each zero before the first significant digit lowers it a place.
            let zeros = frac_part.iter().take_while(|&&b| b == b'0').count();
            exp10 -= 1 + zeros as i32;
            let sig = &frac_part[zeros..];
            let n = sig.len().min(DIGIT_BLOCK);
            digits[..n].copy_from_slice(&sig[..n]);
            n
        } else {
            let i = int_part.len().min(DIGIT_BLOCK);
            let f = frac_part.len().min(DIGIT_BLOCK);
            digits[..i].copy_from_slice(&int_part[..i]);
            digits[i..i + f].copy_from_slice(&frac_part[..f]);
            i + f
        };
        let mut nd = nd.min(17);
        while nd > 1 && digits[nd - 1] == b'0' {
            nd -= 1;
        }
        if nd == 0 {
            // Unreachable for a finite non-zero double; keep the output well-formed anyway.
            self.push(b'0');
            return;
        }
        if neg {
            self.push(b'-');
        }
        let ndi = nd as i32;
        // fpconv works with value = digits * 10^k.
        let k = exp10 - (ndi - 1);
        let exp_abs = exp10.unsigned_abs();

        if k >= 0 && (exp_abs as i32) < ndi + 7 {
            // Plain integer: the digits then k (< 8) zeros, at most 24 bytes.
            self.block(&digits, 0, nd + k as usize);
            return;
        }
        if k < 0 && (k > -7 || exp_abs < 4) {
            let offset = ndi + k;
            if offset <= 0 {
                // Below 1: `0.`, then fewer than 7 zeros, then the digits.
                self.buf[self.len..self.len + 8].copy_from_slice(b"0.000000");
                self.len += 2 + (-offset) as usize;
                self.block(&digits, 0, nd);
            } else {
                let offset = offset as usize;
                self.block(&digits, 0, offset);
                self.push(b'.');
                self.block(&digits, offset, nd - offset);
            }
            return;
        }
        // Scientific: D[.DDD]e(+|-)X, the exponent without padding.
        self.push(digits[0]);
        if nd > 1 {
            self.push(b'.');
            self.block(&digits, 1, nd - 1);
        }
        self.push(b'e');
        self.push(if exp10 < 0 { b'-' } else { b'+' });
        // |exp10| <= 324: at most three digits.
        if exp_abs >= 100 {
            self.push(b'0' + (exp_abs / 100) as u8);
        }
        if exp_abs >= 10 {
            self.push(b'0' + (exp_abs / 10 % 10) as u8);
        }
        self.push(b'0' + (exp_abs % 10) as u8);
    }
}

/// The exponent after ryu's `e` (`-7`, `20`); none means 0.
fn parse_exponent(text: &[u8]) -> i32 {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |acc, &b| acc * 10 + i32::from(b.wrapping_sub(b'0') % 10));
    if neg {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn enc(frame: &Frame, proto: Protocol) -> Vec<u8> {
        let mut out = Vec::new();
        encode(frame, proto, &mut out);
        out
    }

    fn both(frame: Frame) -> (String, String) {
        let r2 = String::from_utf8(enc(&frame, Protocol::Resp2)).expect("utf8");
        let r3 = String::from_utf8(enc(&frame, Protocol::Resp3)).expect("utf8");
        (r2, r3)
    }

    fn fd(d: f64) -> String {
        let mut out = Vec::new();
        format_double(d, &mut out);
        String::from_utf8(out).expect("utf8")
    }

    fn b(s: &str) -> Frame {
        Frame::bulk(s)
    }

    #[test]
    fn simple_error_integer_bulk_are_the_same_in_both_protocols() {
        for f in [Frame::ok(), Frame::error("ERR x"), Frame::Integer(-42), b("foo"), b("")] {
            let (r2, r3) = both(f);
            assert_eq!(r2, r3);
        }
        assert_eq!(both(Frame::ok()).0, "+OK\r\n");
        assert_eq!(both(Frame::error("ERR syntax error")).0, "-ERR syntax error\r\n");
        assert_eq!(both(Frame::Integer(i64::MIN)).0, ":-9223372036854775808\r\n");
        assert_eq!(both(b("foo")).0, "$3\r\nfoo\r\n");
        assert_eq!(both(b("")).0, "$0\r\n\r\n");
    }

    #[test]
    fn nulls_are_dollar_and_star_minus_one_in_resp2_and_underscore_in_resp3() {
        assert_eq!(both(Frame::Null), ("$-1\r\n".into(), "_\r\n".into()));
        assert_eq!(both(Frame::NullArray), ("*-1\r\n".into(), "_\r\n".into()));
    }

    #[test]
    fn arrays_nest() {
        let f = Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![b("a")]), Frame::Null]);
        assert_eq!(both(f.clone()).0, "*3\r\n:1\r\n*1\r\n$1\r\na\r\n$-1\r\n");
        assert_eq!(both(f).1, "*3\r\n:1\r\n*1\r\n$1\r\na\r\n_\r\n");
        assert_eq!(both(Frame::Array(vec![])).0, "*0\r\n");
    }

    #[test]
    fn double_is_a_bulk_string_in_resp2_and_comma_in_resp3() {
        assert_eq!(both(Frame::Double(1.5)), ("$3\r\n1.5\r\n".into(), ",1.5\r\n".into()));
        assert_eq!(both(Frame::Double(f64::INFINITY)).1, ",inf\r\n");
        assert_eq!(both(Frame::Double(f64::NEG_INFINITY)).0, "$4\r\n-inf\r\n");
        assert_eq!(both(Frame::Double(f64::NAN)).1, ",nan\r\n");
    }

    #[test]
    fn boolean_is_integer_in_resp2() {
        assert_eq!(both(Frame::Boolean(true)), (":1\r\n".into(), "#t\r\n".into()));
        assert_eq!(both(Frame::Boolean(false)), (":0\r\n".into(), "#f\r\n".into()));
    }

    #[test]
    fn map_is_a_flat_array_in_resp2() {
        let f = Frame::Map(vec![(b("a"), Frame::Integer(1)), (b("b"), Frame::Boolean(true))]);
        let (r2, r3) = both(f);
        assert_eq!(r2, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n");
        assert_eq!(r3, "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n#t\r\n");
    }

    #[test]
    fn set_and_push_are_arrays_in_resp2() {
        assert_eq!(both(Frame::Set(vec![b("x")])), ("*1\r\n$1\r\nx\r\n".into(), "~1\r\n$1\r\nx\r\n".into()));
        assert_eq!(both(Frame::Push(vec![b("x")])), ("*1\r\n$1\r\nx\r\n".into(), ">1\r\n$1\r\nx\r\n".into()));
    }

    #[test]
    fn verbatim_length_counts_the_format_prefix() {
        let f = Frame::Verbatim { format: *b"txt", text: Bytes::from_static(b"Some string") };
        assert_eq!(both(f), ("$11\r\nSome string\r\n".into(), "=15\r\ntxt:Some string\r\n".into()));
    }

    #[test]
    fn big_number_is_a_bulk_string_in_resp2() {
        let f = Frame::BigNumber(Bytes::from_static(b"3492890328409238509324850943850943825024385"));
        let (r2, r3) = both(f);
        assert_eq!(r2, "$43\r\n3492890328409238509324850943850943825024385\r\n");
        assert_eq!(r3, "(3492890328409238509324850943850943825024385\r\n");
    }

    #[test]
    fn attribute_is_dropped_in_resp2() {
        let f = Frame::Attribute {
            attrs: vec![(Frame::simple("ttl"), Frame::Integer(3))],
            value: Box::new(Frame::Integer(7)),
        };
        assert_eq!(both(f), (":7\r\n".into(), "|1\r\n+ttl\r\n:3\r\n:7\r\n".into()));
    }

    #[test]
    fn encode_appends_to_existing_output() {
        let mut out = b"prefix".to_vec();
        encode(&Frame::Integer(1), Protocol::Resp2, &mut out);
        assert_eq!(out, b"prefix:1\r\n");
    }

    #[test]
    fn format_double_spells_out_special_values() {
        assert_eq!(fd(f64::INFINITY), "inf");
        assert_eq!(fd(f64::NEG_INFINITY), "-inf");
        assert_eq!(fd(f64::NAN), "nan");
        assert_eq!(fd(-f64::NAN), "nan");
        assert_eq!(fd(0.0), "0");
        assert_eq!(fd(-0.0), "-0");
    }

    #[test]
    fn format_double_prints_integral_values_without_a_point() {
        assert_eq!(fd(3.0), "3");
        assert_eq!(fd(-3.0), "-3");
        assert_eq!(fd(1e15), "1000000000000000");
        assert_eq!(fd(1e18), "1000000000000000000");
        assert_eq!(fd(4_611_686_018_427_387_904.0), "4611686018427387904");
        assert_eq!(fd(-4_611_686_018_427_387_904.0), "-4611686018427387904");
    }

    #[test]
    fn format_double_uses_shortest_round_trip_digits() {
        assert_eq!(fd(1.5), "1.5");
        assert_eq!(fd(0.1), "0.1");
        assert_eq!(fd(-0.1), "-0.1");
        assert_eq!(fd(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(fd(2.71), "2.71");
        assert_eq!(fd(123.0000000001), "123.0000000001");
        assert_eq!(fd(1234567.891), "1234567.891");
    }

    #[test]
    fn format_double_small_values_follow_fpconv_layout() {
        // Down to 1e-6 scale Redis 7.2 writes a plain decimal, then switches to an exponent.
        assert_eq!(fd(0.00001), "0.00001");
        assert_eq!(fd(0.000123), "0.000123");
        assert_eq!(fd(1e-7), "1e-7");
        assert_eq!(fd(1.5e-7), "1.5e-7");
        assert_eq!(fd(-2.5e-10), "-2.5e-10");
        assert_eq!(fd(5e-324), "5e-324");
        assert_eq!(fd(f64::MIN_POSITIVE), "2.2250738585072014e-308");
    }

    #[test]
    fn format_double_large_values_follow_fpconv_layout() {
        assert_eq!(fd(1e19), "1e+19");
        assert_eq!(fd(1e20), "1e+20");
        assert_eq!(fd(1.5e19), "1.5e+19");
        assert_eq!(fd(-1e100), "-1e+100");
        assert_eq!(fd(f64::MAX), "1.7976931348623157e+308");
        // Many significant digits keep the plain integer layout (fewer than 7 trailing zeros).
        assert_eq!(fd(12345678901234567890.0), "12345678901234567000");
    }

    #[test]
    fn format_double_output_parses_back_to_the_same_value() {
        for d in [0.1, 1.0 / 3.0, 2.0f64.powi(70), 1e-300, -7.25e-5, 6.02214076e23, 9.007199254740993e15] {
            let s = fd(d);
            assert_eq!(s.parse::<f64>().ok(), Some(d), "{s}");
        }
    }
}

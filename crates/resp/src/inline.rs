//! Inline command splitting (telnet/nc): see `parse`.
//!
//! An inline request is one text line (`SET k "hello world"`) that Redis splits
//! with `sdssplitargs` (sds.c). The rules, kept exactly because clients can
//! observe them:
//!
//! - arguments are separated by C `isspace` bytes (space, `\t`, `\n`, `\v`,
//!   `\f`, `\r`) — but only space, `\t`, `\n` and `\r` *end* an unquoted
//!   argument, so `a\vb` is one argument;
//! - `"double quotes"` understand `\n \r \t \b \a`, `\xHH` (two hex digits) and
//!   `\<any>` meaning that byte (so `\"` and `\\`);
//! - `'single quotes'` understand only `\'`;
//! - a quote may open in the middle of an argument (`foo"bar baz"` is
//!   `foobar baz`), but a closing quote must be followed by whitespace or the
//!   end of the line, and an unterminated quote is an error.
//!
//! Unlike the C original, a NUL byte is an ordinary byte here (C stops at it).

use bytes::Bytes;

use crate::ProtocolError;

/// C's `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Value of an ASCII hex digit; callers check `is_ascii_hexdigit` first.
fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

enum Quoting {
    None,
    Double,
    Single,
}

/// Splits one inline line (without its line terminator) into arguments.
/// A blank line gives no arguments.
///
/// Arguments without quotes are slices of `line` (no copy); quoted ones are
/// unescaped into their own allocation.
pub fn split_args(line: &Bytes) -> Result<Vec<Bytes>, ProtocolError> {
    let s: &[u8] = line;
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < s.len() && is_space(s[p]) {
            p += 1;
        }
        if p == s.len() {
            return Ok(args);
        }
        let start = p;
        // While `copied` is false the argument is a verbatim slice of the line;
        // once a quote appears, the bytes so far are copied into `v` and
        // unescaping continues there. (`Vec::new` does not allocate.)
        let mut v = Vec::new();
        let mut copied = false;
        let mut quoting = Quoting::None;
        let end = loop {
            let rest = &s[p..];
            match quoting {
                Quoting::None => match rest.first() {
                    None => break p,
                    Some(b' ' | b'\n' | b'\r' | b'\t') => {
                        let end = p;
                        p += 1;
                        break end;
                    }
                    Some(&q @ (b'"' | b'\'')) => {
                        if !copied {
                            v.extend_from_slice(&s[start..p]);
                            copied = true;
                        }
                        quoting = if q == b'"' { Quoting::Double } else { Quoting::Single };
                        p += 1;
                    }
                    Some(&b) => {
                        if copied {
                            v.push(b);
                        }
                        p += 1;
                    }
                },
                Quoting::Double => match rest {
                    [] => return Err(ProtocolError::UnbalancedQuotes),
                    [b'\\', b'x', h, l, ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                        v.push((hex_value(*h) << 4) | hex_value(*l));
                        p += 4;
                    }
                    [b'\\', c, ..] => {
                        v.push(match c {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => *other,
                        });
                        p += 2;
                    }
                    [b'"', after @ ..] => {
                        if after.first().is_some_and(|&b| !is_space(b)) {
                            return Err(ProtocolError::UnbalancedQuotes);
                        }
                        p += 1;
                        break p;
                    }
                    [b, ..] => {
                        v.push(*b);
                        p += 1;
                    }
                },
                Quoting::Single => match rest {
                    [] => return Err(ProtocolError::UnbalancedQuotes),
                    [b'\\', b'\'', ..] => {
                        v.push(b'\'');
                        p += 2;
                    }
                    [b'\'', after @ ..] => {
                        if after.first().is_some_and(|&b| !is_space(b)) {
                            return Err(ProtocolError::UnbalancedQuotes);
                        }
                        p += 1;
                        break p;
                    }
                    [b, ..] => {
                        v.push(*b);
                        p += 1;
                    }
                },
            }
        };
        args.push(if copied { Bytes::from(v) } else { line.slice(start..end) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
        split_args(&Bytes::copy_from_slice(line)).map(|args| args.into_iter().map(|a| a.to_vec()).collect())
    }

    fn ok(line: &str) -> Vec<String> {
        split(line.as_bytes())
            .unwrap_or_else(|e| panic!("{line:?}: {e}"))
            .into_iter()
            .map(|a| String::from_utf8(a).expect("utf8"))
            .collect()
    }

    #[test]
    fn splits_on_whitespace() {
        assert_eq!(ok("SET  k\tv "), ["SET", "k", "v"]);
        assert_eq!(ok("   "), Vec::<String>::new());
        assert_eq!(ok(""), Vec::<String>::new());
    }

    #[test]
    fn vertical_tab_and_form_feed_separate_only_between_arguments() {
        assert_eq!(ok("\x0b\x0cPING\x0b"), ["PING\x0b"]);
        assert_eq!(ok("a\x0cb c"), ["a\x0cb", "c"]);
    }

    #[test]
    fn double_quotes_group_and_unescape() {
        assert_eq!(ok(r#"SET k "hello world""#), ["SET", "k", "hello world"]);
        assert_eq!(ok(r#""a\nb\r\t\b\a""#), ["a\nb\r\t\x08\x07"]);
        assert_eq!(ok(r#""\"q\" \\ \z""#), ["\"q\" \\ z"]);
        assert_eq!(ok(r#""""#), [""]);
    }

    #[test]
    fn double_quotes_understand_hex_escapes() {
        assert_eq!(split(br#""\x41\x4a\xff\x00""#).unwrap(), vec![b"AJ\xff\x00".to_vec()]);
        // Not two hex digits: `\x` is just `x`.
        assert_eq!(ok(r#""\x4g""#), ["x4g"]);
        assert_eq!(ok(r#""\x4""#), ["x4"]);
    }

    #[test]
    fn single_quotes_only_unescape_the_quote() {
        assert_eq!(ok(r"'it\'s'"), ["it's"]);
        assert_eq!(ok(r"'a\nb'"), [r"a\nb"]);
        assert_eq!(ok(r#"'say "hi"'"#), [r#"say "hi""#]);
    }

    #[test]
    fn quotes_may_open_mid_argument() {
        assert_eq!(ok(r#"foo"bar baz" x"#), ["foobar baz", "x"]);
        assert_eq!(ok("a'b c'"), ["ab c"]);
    }

    #[test]
    fn closing_quote_must_be_followed_by_space_or_end() {
        assert_eq!(split(br#""foo"bar"#), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(split(br"'foo'bar"), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(ok("\"foo\"\x0bbar"), ["foo", "bar"]);
    }

    #[test]
    fn unterminated_quotes_are_an_error() {
        assert_eq!(split(br#"SET "k"#), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(split(br"SET 'k"), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(split(br#""abc\""#), Err(ProtocolError::UnbalancedQuotes));
        assert_eq!(split(br#""abc\"#), Err(ProtocolError::UnbalancedQuotes));
    }

    #[test]
    fn nul_is_an_ordinary_byte() {
        assert_eq!(split(b"a\0b c").unwrap(), vec![b"a\0b".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn unquoted_arguments_borrow_the_line() {
        let line = Bytes::from_static(b"GET key");
        let args = split_args(&line).unwrap();
        assert_eq!(args[1].as_ptr(), line[4..].as_ptr());
    }
}

//! Redis's error replies, word for word. Commands build errors only through these (or
//! `Frame::error` for one-off texts), so a text is fixed in one place.

use resp::Frame;

pub fn syntax() -> Frame {
    Frame::error("ERR syntax error")
}

pub fn wrong_type() -> Frame {
    Frame::error("WRONGTYPE Operation against a key holding the wrong kind of value")
}

pub fn not_integer() -> Frame {
    Frame::error("ERR value is not an integer or out of range")
}

pub fn not_float() -> Frame {
    Frame::error("ERR value is not a valid float")
}

pub fn overflow() -> Frame {
    Frame::error("ERR increment or decrement would overflow")
}

pub fn no_such_key() -> Frame {
    Frame::error("ERR no such key")
}

pub fn db_index_out_of_range() -> Frame {
    Frame::error("ERR DB index is out of range")
}

pub fn invalid_expire(cmd: &str) -> Frame {
    Frame::error(format!("ERR invalid expire time in '{cmd}' command"))
}

pub fn wrong_arity(cmd: &str) -> Frame {
    Frame::error(format!("ERR wrong number of arguments for '{cmd}' command"))
}

/// `ERR unknown command 'foo', with args beginning with: 'a' 'b' ` (Redis quotes at most
/// 128 bytes of each of the first arguments and keeps the trailing space).
pub fn unknown_command(argv: &[bytes::Bytes]) -> Frame {
    let name = argv.first().map(|a| sanitize(a, 128)).unwrap_or_default();
    let mut args = String::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push_str(&format!("'{}' ", sanitize(a, room)));
    }
    Frame::error(format!("ERR unknown command '{name}', with args beginning with: {args}"))
}

/// `ERR unknown subcommand 'foo'. Try CLIENT HELP.`
pub fn unknown_subcommand(container: &str, sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        sanitize(sub, 128),
        container.to_ascii_uppercase()
    ))
}

/// Text of a client-supplied string safe to put in an error line: at most `max` bytes,
/// and no CR/LF (Redis replaces them with spaces so the error stays one line).
pub fn sanitize(s: &[u8], max: usize) -> String {
    let s = &s[..s.len().min(max)];
    String::from_utf8_lossy(s).chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

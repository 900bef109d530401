//! Parsers: [`RequestParser`] for client requests (multibulk and inline),
//! [`parse_frame`] for any RESP2/RESP3 frame.
//!
//! `RequestParser` follows Redis's `processMultibulkBuffer` and
//! `processInlineBuffer` (networking.c) byte for byte where clients can tell the
//! difference: the same error texts, the same limits, the same leniency (a
//! header line ends at its first `\r` and the byte after it is skipped unread;
//! the two bytes after a bulk payload are skipped unread). It differs only in
//! being binary safe: Redis's `strchr` scans stop at a NUL byte, ours do not.
//!
//! The parser is incremental: between calls it remembers how many arguments are
//! left, the length of the bulk being read, and how far it already looked for
//! the end of the current header line, so a request that trickles in over many
//! reads is scanned once and a request with a million arguments is parsed in
//! linear time. Arguments are split off the caller's buffer without copying.
//!
//! `parse_frame` is the generic, stateless counterpart used by clients and tests;
//! it reparses from the start on every call and bounds nesting and
//! preallocation so hostile input cannot exhaust the stack or memory.

use bytes::{Buf, Bytes, BytesMut};

use crate::Frame;

/// Redis's `proto-max-bulk-len` default: 512 MB.
pub const PROTO_MAX_BULK_LEN_DEFAULT: usize = 512 * 1024 * 1024;
/// Longest inline request (and longest `*N`/`$N` header line) Redis accepts: 64 KB.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// Bulk arguments at least this long make the parser grow the buffer ahead of the
/// reads (Redis's `PROTO_MBULK_BIG_ARG`).
const PROTO_MBULK_BIG_ARG: usize = 32 * 1024;
/// Whatever the declared bulk length, the buffer is grown by at most
/// `max(current length, this)` per call: growth follows the bytes that actually
/// arrive (so a lying `$536870912` costs nothing) yet stays geometric (so a real
/// 512 MB argument is copied O(1) times on average).
const BULK_GROWTH_STEP: usize = 1024 * 1024;
/// Argument vectors are preallocated for at most this many arguments; a
/// `*2147483647` header must not reserve gigabytes.
const ARGV_PREALLOC_MAX: usize = 1024;

/// Deepest aggregate nesting `parse_frame` accepts.
pub const MAX_FRAME_DEPTH: usize = 512;
/// Aggregates are preallocated for at most this many elements, whatever they declare.
const FRAME_PREALLOC_MAX: usize = 128;

/// A protocol error. `Display` gives the exact text Redis replies with after `-ERR `,
/// e.g. `Protocol error: invalid bulk length`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    InvalidMultibulkLength,
    InvalidBulkLength,
    /// `expected '$', got 'x'`
    ExpectedDollar(u8),
    TooBigInlineRequest,
    TooBigMbulkCountString,
    TooBigBulkCountString,
    UnbalancedQuotes,
    /// A generic frame that does not parse (used by `parse_frame`).
    Invalid(&'static str),
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Protocol error: ")?;
        match self {
            ProtocolError::InvalidMultibulkLength => f.write_str("invalid multibulk length"),
            ProtocolError::InvalidBulkLength => f.write_str("invalid bulk length"),
            // Redis formats the byte with `%c`, i.e. raw, whatever it is.
            ProtocolError::ExpectedDollar(b) => write!(f, "expected '$', got '{}'", char::from(*b)),
            ProtocolError::TooBigInlineRequest => f.write_str("too big inline request"),
            ProtocolError::TooBigMbulkCountString => f.write_str("too big mbulk count string"),
            ProtocolError::TooBigBulkCountString => f.write_str("too big bulk count string"),
            ProtocolError::UnbalancedQuotes => f.write_str("unbalanced quotes in request"),
            ProtocolError::Invalid(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Incremental parser of client requests. Keeps its place between calls so a
/// request that arrives in many reads is scanned once.
///
/// The caller owns the buffer and may only append to it between calls; the
/// parser removes what it has parsed from the front.
#[derive(Debug)]
pub struct RequestParser {
    max_bulk_len: usize,
    /// Arguments still to read for the multibulk request in progress; 0 between requests.
    multibulk_left: usize,
    /// Length of the bulk argument being read, once its `$N` line is consumed.
    bulk_len: Option<usize>,
    /// Arguments of the multibulk request in progress.
    args: Vec<Bytes>,
    /// An emptied argument vector handed back by [`recycle`](Self::recycle): the next
    /// request's arguments go there, sparing an allocation per request.
    spare: Vec<Bytes>,
    /// How many bytes at the front of the buffer are known not to hold the
    /// terminator of the line being looked for (reset whenever bytes are consumed).
    scanned: usize,
    /// Bytes still missing for the bulk being read, as of the last `parse`.
    pending: Option<usize>,
}

impl RequestParser {
    pub fn new(max_bulk_len: usize) -> Self {
        RequestParser {
            max_bulk_len,
            multibulk_left: 0,
            bulk_len: None,
            args: Vec::new(),
            spare: Vec::new(),
            scanned: 0,
            pending: None,
        }
    }

    /// Takes back the argument vector of a request that is done with, for the next request
    /// to fill (its arguments are dropped now). Vectors bigger than a request's preallocation
    /// are let go.
    pub fn recycle(&mut self, mut args: Vec<Bytes>) {
        args.clear();
        if args.capacity() <= ARGV_PREALLOC_MAX && args.capacity() > self.spare.capacity() {
            self.spare = args;
        }
    }

    /// Takes the next complete request off the front of `buf`.
    /// `Ok(Some(args))`: a request (an empty `args` is never returned: empty requests are skipped);
    /// `Ok(None)`: need more bytes; `Err`: protocol error, the connection must be closed after replying.
    ///
    /// After an error the parser forgets the request in progress; what is left of
    /// `buf` is unspecified.
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        self.pending = None;
        let result = self.parse_request(buf);
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// Bytes still expected for the request in progress (a hint for read sizing), if known.
    ///
    /// This is what the bulk argument being read still lacks, its trailing CRLF
    /// included, as of the last call to `parse`; `None` when no bulk payload is
    /// being waited for.
    pub fn pending_bulk_len(&self) -> Option<usize> {
        self.pending
    }

    /// Looks ahead, consuming nothing, at the complete multibulk requests at the front of
    /// `buf`: calls `visit` with the first two words of each (the second empty when there is
    /// none), for at most `max` requests. Stops at anything that needs thought — a request
    /// already half parsed, an inline request, an incomplete or malformed one — and leaves it
    /// to [`RequestParser::parse`]. A hint for a caller preparing for the requests to come
    /// (Tandem's session prefetches the keys a pipelined batch will touch).
    pub fn peek_requests<'b>(&self, buf: &'b [u8], max: usize, mut visit: impl FnMut(&'b [u8], &'b [u8])) {
        if self.multibulk_left != 0 {
            return;
        }
        let mut pos = 0;
        for _ in 0..max {
            match self.peek_request(buf, pos, &mut visit) {
                Some(next) => pos = next,
                None => return,
            }
        }
    }

    /// One request for [`RequestParser::peek_requests`]: where the next one starts.
    fn peek_request<'b>(&self, buf: &'b [u8], pos: usize, visit: &mut impl FnMut(&'b [u8], &'b [u8])) -> Option<usize> {
        let (argc, mut pos) = peek_header(buf, pos, b'*')?;
        if argc < 1 {
            return None;
        }
        let mut words: [&'b [u8]; 2] = [&[], &[]];
        for i in 0..argc {
            let (len, start) = peek_header(buf, pos, b'$')?;
            let len = usize::try_from(len).ok().filter(|&l| l <= self.max_bulk_len)?;
            let end = start.checked_add(len)?;
            if end.checked_add(2)? > buf.len() {
                return None;
            }
            if let Some(word) = words.get_mut(usize::try_from(i).ok()?) {
                *word = &buf[start..end];
            }
            pos = end + 2;
        }
        visit(words[0], words[1]);
        Some(pos)
    }

    fn reset(&mut self) {
        self.multibulk_left = 0;
        self.bulk_len = None;
        self.args = Vec::new();
        self.scanned = 0;
        self.pending = None;
    }

    fn parse_request(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        loop {
            if self.multibulk_left == 0 {
                let Some(&first) = buf.first() else {
                    return Ok(None);
                };
                if first == b'*' {
                    match self.multibulk_header(buf)? {
                        None => return Ok(None),
                        // `*0` and negative counts are empty requests: consumed, then skipped.
                        Some(0) => continue,
                        Some(n) => {
                            self.multibulk_left = n;
                            let want = n.min(ARGV_PREALLOC_MAX);
                            self.args = if self.spare.capacity() >= want {
                                std::mem::take(&mut self.spare)
                            } else {
                                Vec::with_capacity(want)
                            };
                        }
                    }
                } else {
                    match self.inline_request(buf)? {
                        None => return Ok(None),
                        Some(args) if args.is_empty() => continue,
                        Some(args) => return Ok(Some(args)),
                    }
                }
            }
            return if self.bulk_arguments(buf)? { Ok(Some(std::mem::take(&mut self.args))) } else { Ok(None) };
        }
    }

    /// Finds `byte` in `buf`, resuming where the last unsuccessful search stopped.
    fn find(&mut self, buf: &[u8], byte: u8) -> Option<usize> {
        // `min` guards against a caller that shrank the buffer behind our back.
        let from = self.scanned.min(buf.len());
        match buf[from..].iter().position(|&b| b == byte) {
            Some(i) => {
                // Remember the hit so waiting for the byte after it is O(1).
                self.scanned = from + i;
                Some(from + i)
            }
            None => {
                self.scanned = buf.len();
                None
            }
        }
    }

    fn consume(&mut self, buf: &mut BytesMut, n: usize) {
        buf.advance(n);
        self.scanned = 0;
    }

    /// Reads `*<n>\r\n`; `Some(0)` for an empty request.
    fn multibulk_header(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, ProtocolError> {
        let Some(cr) = self.find(buf, b'\r') else {
            if buf.len() > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigMbulkCountString);
            }
            return Ok(None);
        };
        // Redis wants one more byte after the `\r` (the `\n`, not checked).
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        let n = string2ll(&buf[1..cr])
            .filter(|&n| n <= i64::from(i32::MAX))
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        self.consume(buf, cr + 2);
        // Non-positive counts are empty requests; the filter above bounds the cast.
        Ok(Some(usize::try_from(n).unwrap_or(0)))
    }

    /// Reads bulk arguments until the request is complete (`true`) or the buffer runs dry.
    fn bulk_arguments(&mut self, buf: &mut BytesMut) -> Result<bool, ProtocolError> {
        while self.multibulk_left > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => match self.bulk_header(buf)? {
                    Some(len) => len,
                    None => return Ok(false),
                },
            };
            let Some(needed) = len.checked_add(2) else {
                return Err(ProtocolError::InvalidBulkLength);
            };
            if buf.len() < needed {
                let missing = needed - buf.len();
                self.pending = Some(missing);
                if len >= PROTO_MBULK_BIG_ARG {
                    buf.reserve(missing.min(buf.len().max(BULK_GROWTH_STEP)));
                }
                return Ok(false);
            }
            // Zero copy: the argument shares the buffer's allocation.
            self.args.push(buf.split_to(len).freeze());
            // Redis skips the trailing CRLF without looking at it.
            self.consume(buf, 2);
            self.bulk_len = None;
            self.multibulk_left -= 1;
        }
        Ok(true)
    }

    /// Reads `$<len>\r\n`; `None` if the line is not all there yet.
    fn bulk_header(&mut self, buf: &mut BytesMut) -> Result<Option<usize>, ProtocolError> {
        let Some(cr) = self.find(buf, b'\r') else {
            if buf.len() > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigBulkCountString);
            }
            return Ok(None);
        };
        if cr + 2 > buf.len() {
            return Ok(None);
        }
        if buf[0] != b'$' {
            return Err(ProtocolError::ExpectedDollar(buf[0]));
        }
        let len = string2ll(&buf[1..cr])
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= self.max_bulk_len)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        self.consume(buf, cr + 2);
        self.bulk_len = Some(len);
        Ok(Some(len))
    }

    /// Reads one inline line; `Some(vec![])` for a blank line.
    fn inline_request(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let Some(nl) = self.find(buf, b'\n') else {
            if buf.len() > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            return Ok(None);
        };
        let end = if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
        let mut line = buf.split_to(nl + 1).freeze();
        self.scanned = 0;
        line.truncate(end);
        crate::inline::split_args(&line).map(Some)
    }
}

/// A `<prefix><n>\r\n` header at `pos` for [`RequestParser::peek_requests`]: `n` and where
/// the header ends. `None` unless it is all there and well formed.
fn peek_header(buf: &[u8], pos: usize, prefix: u8) -> Option<(i64, usize)> {
    /// `$` or `*`, 20 digits and a sign: no longer header is valid.
    const LONGEST: usize = 22;
    if buf.get(pos) != Some(&prefix) {
        return None;
    }
    let line = &buf[pos..buf.len().min(pos + LONGEST + 1)];
    let cr = line.iter().position(|&b| b == b'\r')?;
    if pos + cr + 2 > buf.len() {
        return None;
    }
    Some((string2ll(&line[1..cr])?, pos + cr + 2))
}

/// Redis's `string2ll`: a strict decimal i64. No sign but `-`, no leading zeros
/// (except `0` itself), no spaces, no `-0`, nothing empty, no overflow.
pub(crate) fn string2ll(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate as a negative number so i64::MIN is reachable.
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if neg {
        Some(v)
    } else {
        v.checked_neg()
    }
}

/// Parses one complete RESP2/RESP3 frame from the front of `buf`: `Ok(Some((frame, consumed)))`,
/// `Ok(None)` if more bytes are needed.
///
/// Accepts every RESP2 and RESP3 type; a RESP3 blob error (`!`) is returned as
/// [`Frame::Error`] and `_` as [`Frame::Null`]. Nesting deeper than
/// [`MAX_FRAME_DEPTH`] is an error.
pub fn parse_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
    FrameParser { buf }.parse()
}

/// Result of parsing at a position: the value and the position after it.
type Parsed<T> = Result<Option<(T, usize)>, ProtocolError>;

/// Propagates "need more bytes" the way `?` propagates errors.
macro_rules! need {
    ($e:expr) => {
        match $e? {
            Some(v) => v,
            None => return Ok(None),
        }
    };
}

/// An aggregate whose header has been read and whose elements are being read.
/// `parse_frame` keeps these on an explicit stack rather than recursing, so the
/// nesting limit is a policy and not a race against the caller's stack size.
enum Open {
    /// `*`, `~` or `>`; `left` elements still to read.
    List { kind: u8, items: Vec<Frame>, left: usize },
    /// `%` (`attribute: false`) or `|` (`attribute: true`); `left` pairs still
    /// to read, `key` holds a pair's key while its value is read.
    Pairs { attribute: bool, pairs: Vec<(Frame, Frame)>, key: Option<Frame>, left: usize },
    /// An attribute map is complete; the value it describes comes next.
    AttributeValue { attrs: Vec<(Frame, Frame)> },
}

/// One step of the parse: a whole frame, or the header of an aggregate that
/// still needs its elements.
enum Step {
    Done(Frame),
    Open(Open),
}

struct FrameParser<'a> {
    buf: &'a [u8],
}

impl<'a> FrameParser<'a> {
    fn parse(&self) -> Parsed<Frame> {
        let mut stack: Vec<Open> = Vec::new();
        let mut pos = 0;
        loop {
            let (step, next) = need!(self.step(pos));
            pos = next;
            let mut done = match step {
                Step::Done(frame) => frame,
                Step::Open(open) => {
                    if stack.len() >= MAX_FRAME_DEPTH {
                        return Err(ProtocolError::Invalid("nesting too deep"));
                    }
                    stack.push(open);
                    continue;
                }
            };
            // Hand the finished frame to its parent, closing every aggregate it completes.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(Some((done, pos)));
                };
                let completed = match top {
                    Open::List { kind, items, left } => {
                        items.push(done);
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        list_frame(*kind, std::mem::take(items))
                    }
                    Open::Pairs { attribute, pairs, key, left } => {
                        let Some(k) = key.take() else {
                            *key = Some(done);
                            break;
                        };
                        pairs.push((k, done));
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        let pairs = std::mem::take(pairs);
                        if *attribute {
                            // The attributed value is one level deeper than the attribute.
                            *top = Open::AttributeValue { attrs: pairs };
                            break;
                        }
                        Frame::Map(pairs)
                    }
                    Open::AttributeValue { attrs } => {
                        Frame::Attribute { attrs: std::mem::take(attrs), value: Box::new(done) }
                    }
                };
                stack.pop();
                done = completed;
            }
        }
    }

    /// Reads one frame, or just the header of an aggregate, at `pos`.
    fn step(&self, pos: usize) -> Parsed<Step> {
        let Some(&kind) = self.buf.get(pos) else {
            return Ok(None);
        };
        let pos = pos + 1;
        let (frame, next) = match kind {
            b'+' => {
                let (text, next) = need!(self.line(pos));
                (Frame::Simple(Bytes::copy_from_slice(text)), next)
            }
            b'-' => {
                let (text, next) = need!(self.line(pos));
                (Frame::Error(Bytes::copy_from_slice(text)), next)
            }
            b':' => {
                let (n, next) = need!(self.int_line(pos));
                (Frame::Integer(n), next)
            }
            b'$' => {
                let (len, next) = need!(self.int_line(pos));
                if len == -1 {
                    (Frame::Null, next)
                } else {
                    let (data, next) = need!(self.payload(next, len));
                    (Frame::Bulk(Bytes::copy_from_slice(data)), next)
                }
            }
            b'!' => {
                let (len, next) = need!(self.int_line(pos));
                let (data, next) = need!(self.payload(next, len));
                (Frame::Error(Bytes::copy_from_slice(data)), next)
            }
            b'=' => {
                let (len, next) = need!(self.int_line(pos));
                let (data, next) = need!(self.payload(next, len));
                match data {
                    [a, b, c, b':', text @ ..] => {
                        (Frame::Verbatim { format: [*a, *b, *c], text: Bytes::copy_from_slice(text) }, next)
                    }
                    _ => return Err(ProtocolError::Invalid("invalid verbatim string")),
                }
            }
            b'*' | b'~' | b'>' => {
                let (n, next) = need!(self.int_line(pos));
                if n == -1 && kind == b'*' {
                    (Frame::NullArray, next)
                } else {
                    let (left, cap) = self.count(n, next, 1)?;
                    if left == 0 {
                        (list_frame(kind, Vec::new()), next)
                    } else {
                        let open = Open::List { kind, items: Vec::with_capacity(cap), left };
                        return Ok(Some((Step::Open(open), next)));
                    }
                }
            }
            b'%' | b'|' => {
                let (n, next) = need!(self.int_line(pos));
                let (left, cap) = self.count(n, next, 2)?;
                let attribute = kind == b'|';
                let open = match (left, attribute) {
                    (0, false) => return Ok(Some((Step::Done(Frame::Map(Vec::new())), next))),
                    (0, true) => Open::AttributeValue { attrs: Vec::new() },
                    _ => Open::Pairs { attribute, pairs: Vec::with_capacity(cap), key: None, left },
                };
                return Ok(Some((Step::Open(open), next)));
            }
            b'_' => {
                let (rest, next) = need!(self.line(pos));
                if !rest.is_empty() {
                    return Err(ProtocolError::Invalid("invalid null"));
                }
                (Frame::Null, next)
            }
            b'#' => {
                let (text, next) = need!(self.line(pos));
                match text {
                    b"t" => (Frame::Boolean(true), next),
                    b"f" => (Frame::Boolean(false), next),
                    _ => return Err(ProtocolError::Invalid("invalid boolean")),
                }
            }
            b',' => {
                let (text, next) = need!(self.line(pos));
                let d = std::str::from_utf8(text)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                    .ok_or(ProtocolError::Invalid("invalid double"))?;
                (Frame::Double(d), next)
            }
            b'(' => {
                let (text, next) = need!(self.line(pos));
                let digits = text.strip_prefix(b"-").unwrap_or(text);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(ProtocolError::Invalid("invalid big number"));
                }
                (Frame::BigNumber(Bytes::copy_from_slice(text)), next)
            }
            _ => return Err(ProtocolError::Invalid("unknown frame type")),
        };
        Ok(Some((Step::Done(frame), next)))
    }

    /// The text up to the next CRLF, and the position after it.
    fn line(&self, pos: usize) -> Parsed<&'a [u8]> {
        let rest = self.buf.get(pos..).unwrap_or_default();
        let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
            return Ok(None);
        };
        match rest.get(cr + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some((&rest[..cr], pos + cr + 2))),
            Some(_) => Err(ProtocolError::Invalid("expected CRLF")),
        }
    }

    fn int_line(&self, pos: usize) -> Parsed<i64> {
        let (text, next) = need!(self.line(pos));
        let n = string2ll(text).ok_or(ProtocolError::Invalid("invalid integer"))?;
        Ok(Some((n, next)))
    }

    /// `len` bytes followed by CRLF.
    fn payload(&self, pos: usize, len: i64) -> Parsed<&'a [u8]> {
        let invalid = ProtocolError::Invalid("invalid bulk length");
        let len = usize::try_from(len).map_err(|_| invalid.clone())?;
        let end = pos.checked_add(len).ok_or(invalid.clone())?;
        let after = end.checked_add(2).ok_or(invalid)?;
        if self.buf.len() < after {
            return Ok(None);
        }
        if &self.buf[end..after] != b"\r\n" {
            return Err(ProtocolError::Invalid("expected CRLF"));
        }
        Ok(Some((&self.buf[pos..end], after)))
    }

    /// Validates an aggregate count of `per_item`-frame items starting at `pos`;
    /// returns it and how many items to preallocate room for.
    fn count(&self, n: i64, pos: usize, per_item: usize) -> Result<(usize, usize), ProtocolError> {
        let n = usize::try_from(n).map_err(|_| ProtocolError::Invalid("invalid aggregate length"))?;
        // Every frame takes at least 3 bytes (`_\r\n`), so the buffer bounds what
        // can really follow; a lying count must not allocate.
        let room = self.buf.len().saturating_sub(pos) / (3 * per_item);
        Ok((n, n.min(room).min(FRAME_PREALLOC_MAX)))
    }
}

fn list_frame(kind: u8, items: Vec<Frame>) -> Frame {
    match kind {
        b'~' => Frame::Set(items),
        b'>' => Frame::Push(items),
        _ => Frame::Array(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> RequestParser {
        RequestParser::new(PROTO_MAX_BULK_LEN_DEFAULT)
    }

    /// Feeds `input` in one piece and returns every request, or the first error.
    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = parser();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(args) = p.parse(&mut buf)? {
            out.push(args.iter().map(|a| a.to_vec()).collect());
        }
        Ok(out)
    }

    fn req(args: &[&str]) -> Vec<Vec<u8>> {
        args.iter().map(|a| a.as_bytes().to_vec()).collect()
    }

    fn err(input: &[u8]) -> ProtocolError {
        match parse_all(input) {
            Err(e) => e,
            Ok(reqs) => panic!("expected an error, got {reqs:?}"),
        }
    }

    #[test]
    fn error_texts_match_redis() {
        let cases = [
            (ProtocolError::InvalidMultibulkLength, "Protocol error: invalid multibulk length"),
            (ProtocolError::InvalidBulkLength, "Protocol error: invalid bulk length"),
            (ProtocolError::ExpectedDollar(b'x'), "Protocol error: expected '$', got 'x'"),
            (ProtocolError::TooBigInlineRequest, "Protocol error: too big inline request"),
            (ProtocolError::TooBigMbulkCountString, "Protocol error: too big mbulk count string"),
            (ProtocolError::TooBigBulkCountString, "Protocol error: too big bulk count string"),
            (ProtocolError::UnbalancedQuotes, "Protocol error: unbalanced quotes in request"),
            (ProtocolError::Invalid("nesting too deep"), "Protocol error: nesting too deep"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
    }

    /// What `peek_requests` shows of `buf`, as (first word, second word) pairs.
    fn peeked(p: &RequestParser, buf: &[u8], max: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        p.peek_requests(buf, max, |a, b| out.push((a.to_vec(), b.to_vec())));
        out
    }

    fn pair(a: &str, b: &str) -> (Vec<u8>, Vec<u8>) {
        (a.as_bytes().to_vec(), b.as_bytes().to_vec())
    }

    #[test]
    fn peek_shows_the_first_two_words_of_complete_requests() {
        let buf = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$2\r\nk2\r\n";
        assert_eq!(peeked(&parser(), buf, 10), vec![pair("SET", "k"), pair("PING", ""), pair("GET", "k2")]);
        assert_eq!(peeked(&parser(), buf, 2).len(), 2);
    }

    #[test]
    fn peek_stops_at_what_only_the_parser_may_judge() {
        let p = parser();
        // Incomplete: the value is cut short.
        assert_eq!(
            peeked(&p, b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv", 10),
            vec![pair("GET", "k")]
        );
        // Inline, malformed, empty.
        assert!(peeked(&p, b"PING\r\n", 10).is_empty());
        assert!(peeked(&p, b"*1\r\n$x\r\nPING\r\n", 10).is_empty());
        assert!(peeked(&p, b"*0\r\n*1\r\n$4\r\nPING\r\n", 10).is_empty());
        assert!(peeked(&p, b"*1\r\n$999999999999999999999999\r\n", 10).is_empty());
    }

    #[test]
    fn peek_looks_at_nothing_while_a_request_is_half_parsed() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        // The rest of the request happens to look like a request of its own.
        buf.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        assert!(peeked(&p, &buf, 10).is_empty());
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"42"), Some(42));
        assert_eq!(string2ll(b"-42"), Some(-42));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b""[..], b"-", b"-0", b"01", b"+1", b" 1", b"1 ", b"1a", b"9223372036854775808", b"0x10"] {
            assert_eq!(string2ll(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn multibulk_request() {
        assert_eq!(parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n").unwrap(), vec![req(&["GET", "k"])]);
    }

    #[test]
    fn multibulk_arguments_are_binary_safe() {
        let got = parse_all(b"*1\r\n$4\r\na\r\n\0\r\n").unwrap();
        assert_eq!(got, vec![vec![b"a\r\n\0".to_vec()]]);
    }

    #[test]
    fn pipelined_requests_come_out_one_per_call() {
        let got = parse_all(b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\nPING\r\n").unwrap();
        assert_eq!(got, vec![req(&["PING"]), req(&["PING"]), req(&["PING"])]);
    }

    #[test]
    fn a_recycled_argument_vector_takes_the_next_request() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"[..]);
        let first = p.parse(&mut buf).unwrap().unwrap();
        let storage = first.as_ptr();
        p.recycle(first);
        let second = p.parse(&mut buf).unwrap().unwrap();
        assert_eq!(second, req(&["GET", "k"]));
        assert_eq!(second.as_ptr(), storage, "the spare vector was reused");
        // Too big to keep: let go.
        p.recycle(Vec::with_capacity(ARGV_PREALLOC_MAX + 1));
        assert!(p.spare.capacity() <= ARGV_PREALLOC_MAX);
    }

    #[test]
    fn empty_and_negative_multibulk_counts_are_skipped() {
        let got = parse_all(b"*0\r\n*-1\r\n*-100\r\n*1\r\n$1\r\nx\r\n").unwrap();
        assert_eq!(got, vec![req(&["x"])]);
    }

    #[test]
    fn invalid_multibulk_lengths() {
        for input in [&b"*\r\n"[..], b"*x\r\n", b"*01\r\n", b"*-0\r\n", b"*+1\r\n", b"*2147483648\r\n", b"*1 \r\n"] {
            assert_eq!(err(input), ProtocolError::InvalidMultibulkLength, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn largest_multibulk_count_is_accepted_without_preallocating_it() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*2147483647\r\n$1\r\na\r\n"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        assert!(p.args.capacity() <= ARGV_PREALLOC_MAX);
        assert!(buf.is_empty());
    }

    #[test]
    fn invalid_bulk_lengths() {
        for input in [&b"*1\r\n$-1\r\n"[..], b"*1\r\n$\r\n", b"*1\r\n$x\r\n", b"*1\r\n$01\r\n", b"*1\r\n$536870913\r\n"]
        {
            assert_eq!(err(input), ProtocolError::InvalidBulkLength, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn bulk_length_limit_is_configurable_and_inclusive() {
        let mut p = RequestParser::new(3);
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nabc\r\n$4\r\nabcd\r\n"[..]);
        assert_eq!(p.parse(&mut buf), Err(ProtocolError::InvalidBulkLength));
        let mut p = RequestParser::new(3);
        let mut buf = BytesMut::from(&b"*1\r\n$3\r\nabc\r\n"[..]);
        assert_eq!(p.parse(&mut buf), Ok(Some(vec![Bytes::from_static(b"abc")])));
    }

    #[test]
    fn argument_without_dollar_is_an_error_naming_the_byte() {
        assert_eq!(err(b"*1\r\n:1\r\n"), ProtocolError::ExpectedDollar(b':'));
        assert_eq!(err(b"*2\r\n$1\r\na\r\nfoo\r\n"), ProtocolError::ExpectedDollar(b'f'));
    }

    #[test]
    fn expected_dollar_waits_for_the_whole_line_like_redis() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*1\r\nfoo"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        buf.extend_from_slice(b"\r\n");
        assert_eq!(p.parse(&mut buf), Err(ProtocolError::ExpectedDollar(b'f')));
    }

    #[test]
    fn header_line_needs_the_byte_after_cr() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*1\r"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        buf.extend_from_slice(b"\n$1\r");
        assert_eq!(p.parse(&mut buf), Ok(None));
        buf.extend_from_slice(b"\nx\r");
        assert_eq!(p.parse(&mut buf), Ok(None));
        buf.extend_from_slice(b"\n");
        assert_eq!(p.parse(&mut buf), Ok(Some(vec![Bytes::from_static(b"x")])));
    }

    #[test]
    fn crlf_after_headers_and_payloads_is_skipped_unchecked_like_redis() {
        assert_eq!(parse_all(b"*1\rX$1\rYaZZ").unwrap(), vec![req(&["a"])]);
    }

    #[test]
    fn too_big_mbulk_count_string() {
        let mut input = b"*".to_vec();
        input.resize(PROTO_INLINE_MAX_SIZE, b'1');
        let mut p = parser();
        let mut buf = BytesMut::from(&input[..]);
        assert_eq!(p.parse(&mut buf), Ok(None), "exactly the limit is still fine");
        buf.extend_from_slice(b"1");
        assert_eq!(p.parse(&mut buf), Err(ProtocolError::TooBigMbulkCountString));
    }

    #[test]
    fn too_big_bulk_count_string() {
        let mut input = b"*1\r\n$".to_vec();
        input.resize(4 + PROTO_INLINE_MAX_SIZE + 1, b'1');
        assert_eq!(err(&input), ProtocolError::TooBigBulkCountString);
    }

    #[test]
    fn a_long_header_line_that_does_end_is_judged_on_its_number() {
        let mut input = b"*".to_vec();
        input.resize(PROTO_INLINE_MAX_SIZE + 10, b'1');
        input.extend_from_slice(b"\r\n");
        assert_eq!(err(&input), ProtocolError::InvalidMultibulkLength);
    }

    #[test]
    fn request_split_byte_by_byte_parses_the_same() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nPING\r\n";
        let mut p = parser();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for &b in input.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(args) = p.parse(&mut buf).unwrap() {
                got.push(args);
            }
        }
        assert_eq!(
            got,
            vec![
                vec![Bytes::from_static(b"SET"), Bytes::from_static(b"key"), Bytes::from_static(b"value")],
                vec![Bytes::from_static(b"PING")],
            ]
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn pending_bulk_len_reports_what_the_current_argument_lacks() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nfoo\r\n$10\r\n0123"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        // 6 payload bytes and the CRLF are still missing.
        assert_eq!(p.pending_bulk_len(), Some(8));
        buf.extend_from_slice(b"456789\r\n");
        assert!(p.parse(&mut buf).unwrap().is_some());
        assert_eq!(p.pending_bulk_len(), None);
    }

    #[test]
    fn a_huge_declared_bulk_does_not_reserve_its_length() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*1\r\n$536870912\r\nabc"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        assert!(buf.capacity() <= 2 * BULK_GROWTH_STEP, "capacity {}", buf.capacity());
        assert_eq!(p.pending_bulk_len(), Some(536_870_912 + 2 - 3));
    }

    #[test]
    fn a_big_argument_arriving_in_chunks_is_assembled_whole() {
        let len = 3 * BULK_GROWTH_STEP + 17;
        let mut input = format!("*2\r\n$3\r\nSET\r\n${len}\r\n").into_bytes();
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n");
        let mut p = parser();
        let mut buf = BytesMut::new();
        let mut got = None;
        for chunk in input.chunks(16 * 1024) {
            buf.extend_from_slice(chunk);
            if let Some(args) = p.parse(&mut buf).unwrap() {
                got = Some(args);
            }
        }
        let args = got.expect("request complete");
        assert_eq!(args.len(), 2);
        assert_eq!(&args[1][..], &payload[..]);
    }

    #[test]
    fn many_arguments_parse_in_one_pass() {
        let n = 200_000;
        let mut input = format!("*{n}\r\n").into_bytes();
        for i in 0..n {
            let arg = i.to_string();
            input.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
        }
        let mut p = parser();
        let mut buf = BytesMut::new();
        let mut got = None;
        // Small reads: each call must only look at the new bytes.
        for chunk in input.chunks(1000) {
            buf.extend_from_slice(chunk);
            if let Some(args) = p.parse(&mut buf).unwrap() {
                got = Some(args);
            }
        }
        let args = got.expect("request complete");
        assert_eq!(args.len(), n);
        assert_eq!(&args[n - 1][..], (n - 1).to_string().as_bytes());
    }

    #[test]
    fn inline_request() {
        assert_eq!(parse_all(b"SET k v\r\n").unwrap(), vec![req(&["SET", "k", "v"])]);
        assert_eq!(parse_all(b"PING\n").unwrap(), vec![req(&["PING"])]);
    }

    #[test]
    fn inline_request_waits_for_newline() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"PING\r"[..]);
        assert_eq!(p.parse(&mut buf), Ok(None));
        buf.extend_from_slice(b"\n");
        assert_eq!(p.parse(&mut buf), Ok(Some(vec![Bytes::from_static(b"PING")])));
    }

    #[test]
    fn blank_inline_lines_are_skipped() {
        assert_eq!(parse_all(b"\r\n\n   \t\r\nPING\r\n").unwrap(), vec![req(&["PING"])]);
        assert_eq!(parse_all(b"\r\n \n").unwrap(), Vec::<Vec<Vec<u8>>>::new());
    }

    #[test]
    fn inline_unbalanced_quotes() {
        assert_eq!(err(b"SET \"k v\r\n"), ProtocolError::UnbalancedQuotes);
        assert_eq!(err(b"SET \"k\"v\r\n"), ProtocolError::UnbalancedQuotes);
    }

    #[test]
    fn too_big_inline_request() {
        let mut input = vec![b'a'; PROTO_INLINE_MAX_SIZE];
        let mut p = parser();
        let mut buf = BytesMut::from(&input[..]);
        assert_eq!(p.parse(&mut buf), Ok(None), "exactly the limit is still fine");
        input.push(b'a');
        let mut buf = BytesMut::from(&input[..]);
        assert_eq!(parser().parse(&mut buf), Err(ProtocolError::TooBigInlineRequest));
    }

    #[test]
    fn long_inline_line_with_newline_is_accepted() {
        let mut input = vec![b'a'; PROTO_INLINE_MAX_SIZE + 100];
        input.extend_from_slice(b"\r\n");
        let got = parse_all(&input).unwrap();
        assert_eq!(got[0][0].len(), PROTO_INLINE_MAX_SIZE + 100);
    }

    #[test]
    fn parser_recovers_cleanly_after_an_error() {
        let mut p = parser();
        let mut buf = BytesMut::from(&b"*1\r\n$x\r\n"[..]);
        assert!(p.parse(&mut buf).is_err());
        let mut buf = BytesMut::from(&b"PING\r\n"[..]);
        assert_eq!(p.parse(&mut buf), Ok(Some(vec![Bytes::from_static(b"PING")])));
    }

    fn frame(input: &[u8]) -> Frame {
        match parse_frame(input) {
            Ok(Some((f, used))) => {
                assert_eq!(used, input.len(), "consumed");
                f
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
        }
    }

    #[test]
    fn parse_frame_resp2_types() {
        assert_eq!(frame(b"+OK\r\n"), Frame::ok());
        assert_eq!(frame(b"-ERR bad\r\n"), Frame::error("ERR bad"));
        assert_eq!(frame(b":-7\r\n"), Frame::Integer(-7));
        assert_eq!(frame(b"$3\r\na\rb\r\n"), Frame::bulk("a\rb"));
        assert_eq!(frame(b"$0\r\n\r\n"), Frame::bulk(""));
        assert_eq!(frame(b"$-1\r\n"), Frame::Null);
        assert_eq!(frame(b"*-1\r\n"), Frame::NullArray);
        assert_eq!(frame(b"*2\r\n:1\r\n*0\r\n"), Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![])]));
    }

    #[test]
    fn parse_frame_resp3_types() {
        assert_eq!(frame(b"_\r\n"), Frame::Null);
        assert_eq!(frame(b",1.5\r\n"), Frame::Double(1.5));
        assert_eq!(frame(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
        assert_eq!(frame(b",1e+20\r\n"), Frame::Double(1e20));
        assert!(matches!(frame(b",nan\r\n"), Frame::Double(d) if d.is_nan()));
        assert_eq!(frame(b"#t\r\n"), Frame::Boolean(true));
        assert_eq!(frame(b"#f\r\n"), Frame::Boolean(false));
        assert_eq!(frame(b"%1\r\n+a\r\n:1\r\n"), Frame::Map(vec![(Frame::simple("a"), Frame::Integer(1))]));
        assert_eq!(frame(b"~1\r\n:1\r\n"), Frame::Set(vec![Frame::Integer(1)]));
        assert_eq!(frame(b">1\r\n:1\r\n"), Frame::Push(vec![Frame::Integer(1)]));
        assert_eq!(
            frame(b"=15\r\ntxt:Some string\r\n"),
            Frame::Verbatim { format: *b"txt", text: Bytes::from_static(b"Some string") }
        );
        assert_eq!(
            frame(b"(-123456789012345678901234567890\r\n"),
            Frame::BigNumber(Bytes::from_static(b"-123456789012345678901234567890"))
        );
        assert_eq!(frame(b"!9\r\nERR oops!\r\n"), Frame::error("ERR oops!"));
        assert_eq!(
            frame(b"|1\r\n+ttl\r\n:3\r\n:7\r\n"),
            Frame::Attribute {
                attrs: vec![(Frame::simple("ttl"), Frame::Integer(3))],
                value: Box::new(Frame::Integer(7))
            }
        );
    }

    #[test]
    fn parse_frame_reports_consumed_bytes_and_leaves_the_rest() {
        assert_eq!(parse_frame(b":1\r\n:2\r\n"), Ok(Some((Frame::Integer(1), 4))));
    }

    #[test]
    fn parse_frame_incomplete_input_needs_more() {
        let full = b"*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n#t\r\n";
        for end in 0..full.len() {
            assert_eq!(parse_frame(&full[..end]), Ok(None), "prefix of {end}");
        }
        assert!(parse_frame(full).unwrap().is_some());
    }

    #[test]
    fn parse_frame_rejects_malformed_frames() {
        for input in [
            &b"?\r\n"[..],
            b":1x\r\n",
            b"$-2\r\n",
            b"$3\r\nfooXY",
            b"*-2\r\n",
            b"%-1\r\n",
            b"#x\r\n",
            b",abc\r\n",
            b"(12a\r\n",
            b"=3\r\ntxt\r\n",
            b"+a\rb\r\n",
            b"_x\r\n",
        ] {
            assert!(parse_frame(input).is_err(), "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn parse_frame_bounds_nesting() {
        let nested = |depth: usize| {
            let mut v = b"*1\r\n".repeat(depth);
            v.extend_from_slice(b":1\r\n");
            v
        };
        assert!(matches!(parse_frame(&nested(MAX_FRAME_DEPTH)), Ok(Some(_))));
        assert_eq!(parse_frame(&nested(MAX_FRAME_DEPTH + 1)), Err(ProtocolError::Invalid("nesting too deep")));
        assert_eq!(parse_frame(&b"|0\r\n".repeat(10_000)), Err(ProtocolError::Invalid("nesting too deep")));
    }

    #[test]
    fn parse_frame_does_not_trust_declared_lengths() {
        // Would be gigabytes if preallocated; must just ask for more bytes.
        assert_eq!(parse_frame(b"*9223372036854775807\r\n:1\r\n"), Ok(None));
        assert_eq!(parse_frame(b"%4611686018427387904\r\n"), Ok(None));
        assert_eq!(parse_frame(b"$9223372036854775807\r\nabc"), Ok(None));
    }
}

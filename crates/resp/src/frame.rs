//! [`Frame`]: one RESP value, RESP2 and RESP3 types alike.

use bytes::Bytes;

/// One RESP value. Commands build replies as frames; the encoder writes them in
/// RESP2 or RESP3 (RESP3-only types are downgraded for RESP2 the way Redis does).
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+OK` — a status reply. Must not contain CR or LF.
    Simple(Bytes),
    /// `-ERR ...` — the full error text including its code (`ERR`, `WRONGTYPE`, ...).
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo` — a binary-safe string.
    Bulk(Bytes),
    /// The null bulk string: RESP2 `$-1`, RESP3 `_`.
    Null,
    /// The null array: RESP2 `*-1`, RESP3 `_`.
    NullArray,
    /// `*N` — an array.
    Array(Vec<Frame>),
    /// RESP3 `,1.5`; RESP2 writes it as a bulk string.
    Double(f64),
    /// RESP3 `#t`/`#f`; RESP2 writes `:1`/`:0`.
    Boolean(bool),
    /// RESP3 `%N`; RESP2 writes a flat array of 2N elements.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; RESP2 writes an array.
    Set(Vec<Frame>),
    /// RESP3 `>N` (out-of-band push); RESP2 writes an array.
    Push(Vec<Frame>),
    /// RESP3 `=N\r\ntxt:...`; RESP2 writes the text as a bulk string.
    Verbatim { format: [u8; 3], text: Bytes },
    /// RESP3 `(123...`; RESP2 writes it as a bulk string.
    BigNumber(Bytes),
    /// RESP3 `|N` attribute map that precedes `value`; RESP2 writes only the value.
    Attribute { attrs: Vec<(Frame, Frame)>, value: Box<Frame> },
}

impl Frame {
    /// `+OK`, the most common reply.
    pub fn ok() -> Frame {
        Frame::Simple(Bytes::from_static(b"OK"))
    }

    /// A status reply from static text.
    pub fn simple(s: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// An error reply; `msg` is the full text, e.g. `ERR syntax error`.
    pub fn error(msg: impl Into<String>) -> Frame {
        Frame::Error(Bytes::from(msg.into()))
    }

    /// A bulk string copied from `data`.
    pub fn bulk(data: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(data.as_ref()))
    }

    /// True for `Frame::Error`.
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}

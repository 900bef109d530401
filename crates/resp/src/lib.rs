//! RESP, the Redis serialization protocol: a streaming request parser, a generic
//! RESP2/RESP3 frame parser, and a serializer that writes a [`Frame`] in the
//! protocol version of the connection (`HELLO 2|3`).
//!
//! Architecture invariant: this crate knows nothing of commands, keys or
//! connections. It turns bytes into frames and frames into bytes.

mod encode;
mod frame;
mod inline;
mod parse;

pub use encode::{encode, format_double};
pub use frame::Frame;
pub use inline::split_args;
pub use parse::{
    parse_frame, ProtocolError, RequestParser, MAX_FRAME_DEPTH, PROTO_INLINE_MAX_SIZE, PROTO_MAX_BULK_LEN_DEFAULT,
};

/// The protocol version a connection speaks; chosen by `HELLO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

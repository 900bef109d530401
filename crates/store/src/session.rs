//! [`Session`]: the part of a connection both servers share — query buffer, request
//! parser, reply buffer and client state — and the one loop that turns buffered request
//! bytes into buffered reply bytes. Servers only move bytes between sockets and a session.

use std::time::Instant;

use bytes::BytesMut;
use resp::{Frame, RequestParser};

use crate::client::{ClientState, ReplyMode};
use crate::config::OutputLimit;
use crate::engine::{Engine, Stats};

/// Why a session must be closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// QUIT, or CLIENT KILL of oneself: close once the replies are written.
    Requested,
    /// A protocol error: its error reply is queued; close once it is written.
    ProtocolError,
    /// The query buffer grew past `client-query-buffer-limit`.
    QueryBufferLimit,
    /// The reply buffer grew past `client-output-buffer-limit`.
    OutputBufferLimit,
    /// CLIENT KILL from another client.
    Killed,
}

/// What a server should do after [`Session::process`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Write the replies and keep reading.
    Continue,
    /// Write the replies (best effort), then close.
    Close(CloseReason),
}

/// Read this much at a time from a socket unless a large bulk is known to be coming.
pub const READ_CHUNK: usize = 16 * 1024;

/// A reader stops reading requests from a client whose unsent replies exceed this, even
/// when `client-output-buffer-limit normal` is 0 (unlimited), until they drain: a client
/// that pipelines without reading can't make the server buffer without bound.
pub const REPLY_BACKPRESSURE: usize = 64 * 1024 * 1024;

pub struct Session {
    pub client: ClientState,
    parser: RequestParser,
    /// Bytes read but not yet parsed into complete requests.
    pub query: BytesMut,
    /// Encoded replies not yet written.
    pub reply: Vec<u8>,
    /// When the reply buffer first went over the soft output limit.
    soft_limit_since: Option<Instant>,
}

impl Session {
    pub fn new(client: ClientState, max_bulk_len: usize) -> Session {
        Session {
            client,
            parser: RequestParser::new(max_bulk_len),
            query: BytesMut::with_capacity(READ_CHUNK),
            reply: Vec::with_capacity(READ_CHUNK),
            soft_limit_since: None,
        }
    }

    /// How many bytes the next read should make room for.
    pub fn read_size(&self) -> usize {
        match self.parser.pending_bulk_len() {
            Some(n) if n > READ_CHUNK => n.min(1024 * 1024),
            _ => READ_CHUNK,
        }
    }

    /// Makes room for a read and returns the buffer to read into (`query`'s spare capacity).
    pub fn reserve_read(&mut self) {
        let want = self.read_size();
        if self.query.capacity() - self.query.len() < want {
            self.query.reserve(want);
        }
    }

    /// Parses and executes every complete request in the query buffer, appending each
    /// reply to the reply buffer in the client's protocol.
    pub fn process(&mut self, engine: &Engine) -> Flow {
        if self.client.info.killed() {
            return Flow::Close(CloseReason::Killed);
        }
        loop {
            match self.parser.parse(&mut self.query) {
                Ok(Some(argv)) => {
                    let frame = engine.execute(&mut self.client, argv);
                    self.push_reply(&frame);
                    if self.client.close_after_reply {
                        return Flow::Close(CloseReason::Requested);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    self.push_reply(&Frame::error(format!("ERR {e}")));
                    return Flow::Close(CloseReason::ProtocolError);
                }
            }
        }
        let limit = engine.config.read(|c| c.client_query_buffer_limit) as usize;
        if self.query.len() > limit {
            Stats::add(&engine.stats.client_query_buffer_limit_disconnections, 1);
            return Flow::Close(CloseReason::QueryBufferLimit);
        }
        Flow::Continue
    }

    /// Encodes `frame` into the reply buffer unless replies are switched off.
    pub fn push_reply(&mut self, frame: &Frame) {
        match self.client.reply_mode {
            ReplyMode::On => resp::encode(frame, self.client.protocol, &mut self.reply),
            ReplyMode::Off => {}
            ReplyMode::Skip => self.client.reply_mode = ReplyMode::On,
        }
    }

    /// True if the unsent replies break `limit` (hard, or soft for longer than its seconds).
    pub fn output_over_limit(&mut self, limit: OutputLimit) -> bool {
        let len = self.reply.len() as u64;
        if limit.hard > 0 && len > limit.hard {
            return true;
        }
        if limit.soft > 0 && len > limit.soft {
            let since = *self.soft_limit_since.get_or_insert_with(Instant::now);
            return since.elapsed().as_secs() >= limit.soft_seconds;
        }
        self.soft_limit_since = None;
        false
    }

    /// True while the client should not be read from (see [`REPLY_BACKPRESSURE`]).
    pub fn backpressured(&self) -> bool {
        self.reply.len() > REPLY_BACKPRESSURE
    }

    /// Publishes buffer sizes for CLIENT LIST.
    pub fn publish_sizes(&self) {
        let (qbuf, qfree, omem) = (self.query.len(), self.query.capacity() - self.query.len(), self.reply.len());
        self.client.info.update_details(|d| {
            d.qbuf = qbuf;
            d.qbuf_free = qfree;
            d.omem = omem;
            d.obl = omem.min(16 * 1024);
        });
    }
}

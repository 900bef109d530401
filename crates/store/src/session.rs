//! [`Session`]: the part of a connection both servers share — query buffer, request
//! parser, reply buffer, client state, blocked state — and the one loop that turns
//! buffered request bytes into buffered reply bytes. Servers only move bytes between a
//! socket and a session: they read into [`Session::query`], call
//! [`Session::execute_requests`], write [`Session::unsent`] and report it with
//! [`Session::consume`].
//!
//! Backpressure: while a client's unsent replies exceed [`Session::pause_at`], its requests
//! are not executed ([`Flow::Paused`]); they wait in the query buffer (and the socket) until
//! the client has read its replies. So a client that pipelines without reading costs at most
//! that much memory, whatever the output limits say.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use resp::{Frame, ProtocolError, RequestParser};

use crate::blocking::{BlockRequest, BlockWaker, UnblockReason};
use crate::client::{ClientState, ReplyMode};
use crate::config::OutputLimit;
use crate::engine::{Engine, Stats};

/// Bytes asked of the socket per read (Redis's `PROTO_IOBUF_LEN`).
pub const READ_CHUNK: usize = 16 * 1024;
/// Largest single read while the parser waits for a big bulk argument.
pub const BIG_READ_CHUNK: usize = 1024 * 1024;
/// Unsent reply bytes past which a client's requests wait (unless its hard output limit is
/// larger, so that limit still disconnects). Bounds a non-reading client's memory even when
/// `client-output-buffer-limit normal` is 0 (unlimited).
pub const REPLY_PAUSE_BOUND: usize = 64 * 1024 * 1024;
/// Reply buffer capacity kept after it drains; a bigger one is freed so one large reply
/// does not pin its memory for the life of the connection.
pub const REPLY_BUFFER_KEEP: usize = 64 * 1024;
/// Query buffer capacity kept once it is empty, for the same reason.
pub const QUERY_BUFFER_KEEP: usize = 64 * 1024;
/// Most pipelined requests whose keys are prefetched together (see `Session::prefetch_keys`).
pub const PREFETCH_BATCH: usize = 32;
/// Batches that skip the look ahead after one whose requests named fewer than two keys
/// to prefetch (see `Session::prefetch_keys`).
const PREFETCH_BACKOFF: u8 = 15;

/// Why a session must be closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// QUIT, or CLIENT KILL of oneself: close once the replies are written.
    Requested,
    /// A protocol error: its error reply is queued; close once it is written.
    Protocol(ProtocolError),
    /// The query buffer grew past `client-query-buffer-limit`.
    QueryBufferLimit(usize),
    /// The unsent replies grew past `client-output-buffer-limit`.
    OutputBufferLimit(usize),
    /// CLIENT KILL from another client.
    Killed,
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CloseReason::Requested => f.write_str("closed after reply (QUIT or CLIENT KILL)"),
            CloseReason::Protocol(e) => write!(f, "{e}"),
            CloseReason::QueryBufferLimit(n) => {
                write!(f, "query buffer of {n} bytes reached client-query-buffer-limit")
            }
            CloseReason::OutputBufferLimit(n) => {
                write!(f, "{n} unsent reply bytes reached client-output-buffer-limit")
            }
            CloseReason::Killed => f.write_str("killed by CLIENT KILL"),
        }
    }
}

/// What the server should do after [`Session::execute_requests`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Every complete request ran: write the replies and read more.
    Continue,
    /// The unsent replies are over the pause bound: write them, then call
    /// `execute_requests` again before reading more.
    Paused,
    /// The client waits on a blocking command (see [`Session::retry_blocked`]); its
    /// remaining requests wait in the query buffer.
    Blocked,
    /// Write the replies (best effort), then close.
    Close(CloseReason),
}

pub struct Session {
    pub client: ClientState,
    parser: RequestParser,
    /// Bytes read but not yet parsed into complete requests.
    pub query: BytesMut,
    /// Encoded replies; `reply[..sent]` is already written.
    reply: Vec<u8>,
    sent: usize,
    /// Set once a protocol error was replied: nothing more runs, and the connection closes
    /// when the error is written (Redis's CLIENT_CLOSE_AFTER_REPLY).
    protocol_error: Option<ProtocolError>,
    /// When the unsent replies first went over the soft output limit.
    soft_limit_since: Option<Instant>,
    /// The blocking command this client waits on, if any.
    blocked: Option<BlockRequest>,
    /// How the blocked-clients registry wakes this client.
    waker: Arc<dyn BlockWaker>,
    /// (qbuf, unsent) as last published to CLIENT LIST.
    published: (usize, usize),
    /// Whether a batch of pipelined requests prefetches its keys first (see
    /// [`Session::prefetch_keys`]).
    prefetch: bool,
    /// Batches left that skip the prefetch's look ahead: the last one found nothing to gain.
    prefetch_backoff: u8,
}

impl Session {
    pub fn new(client: ClientState, max_bulk_len: usize, waker: Arc<dyn BlockWaker>) -> Session {
        Session {
            client,
            parser: RequestParser::new(max_bulk_len),
            query: BytesMut::new(),
            reply: Vec::new(),
            sent: 0,
            protocol_error: None,
            soft_limit_since: None,
            blocked: None,
            waker,
            published: (0, 0),
            prefetch: false,
            prefetch_backoff: 0,
        }
    }

    /// Has each batch of pipelined requests prefetch the keys it names before it runs, so
    /// it does not wait for memory one key at a time. For a server that runs every client
    /// on one thread, or over a store with [`Store::lock_free_reads`]: with a thread per
    /// client over locked shards, the batch's extra read view over many shards costs more
    /// in lock contention than the prefetch saves.
    ///
    /// [`Store::lock_free_reads`]: crate::keyspace::Store::lock_free_reads
    pub fn with_prefetch(mut self) -> Session {
        self.prefetch = true;
        self
    }

    /// How many bytes the next read should ask for: [`READ_CHUNK`], or up to
    /// [`BIG_READ_CHUNK`] when the parser waits for a big bulk argument.
    pub fn read_size(&self) -> usize {
        match self.parser.pending_bulk_len() {
            Some(pending) if pending > READ_CHUNK => pending.min(BIG_READ_CHUNK),
            _ => READ_CHUNK,
        }
    }

    /// Reply bytes not yet written.
    pub fn unsent(&self) -> &[u8] {
        &self.reply[self.sent..]
    }

    pub fn unsent_len(&self) -> usize {
        self.reply.len() - self.sent
    }

    /// Records that the first `n` unsent bytes were written.
    pub fn consume(&mut self, n: usize) {
        self.sent += n;
        debug_assert!(self.sent <= self.reply.len());
        if self.sent == self.reply.len() {
            self.reply.clear();
            self.sent = 0;
            if self.reply.capacity() > REPLY_BUFFER_KEEP {
                self.reply = Vec::new();
            }
        } else if self.sent > self.reply.len() / 2 {
            // Compact once the written part is the larger one: each byte moves O(1) times.
            self.reply.drain(..self.sent);
            self.sent = 0;
        }
    }

    /// No more requests run: the connection closes once its replies are written.
    pub fn closing(&self) -> Option<CloseReason> {
        if let Some(e) = &self.protocol_error {
            return Some(CloseReason::Protocol(e.clone()));
        }
        self.client.close_after_reply.then_some(CloseReason::Requested)
    }

    /// Unsent reply bytes past which requests wait: [`REPLY_PAUSE_BOUND`], or the hard
    /// output limit when that is larger.
    pub fn pause_at(engine: &Engine) -> usize {
        let hard = engine.config.output_limit(false).hard;
        REPLY_PAUSE_BOUND.max(usize::try_from(hard).unwrap_or(usize::MAX))
    }

    /// Parses and executes the complete requests in the query buffer, appending their
    /// replies, until none is left ([`Flow::Continue`]), the unsent replies pass `pause_at`
    /// ([`Flow::Paused`]), a command blocks ([`Flow::Blocked`]), or the client is to be
    /// closed ([`Flow::Close`]).
    pub fn execute_requests(&mut self, engine: &Engine, pause_at: usize) -> Flow {
        let batch = crate::batch::Batch::start();
        let flow = self.execute_parsed(engine, pause_at);
        drop(batch);
        engine.add_counts(&self.client.counts);
        // The effects of what ran reach the AOF before any reply to it leaves.
        engine.persist.before_reply(&engine.config);
        flow
    }

    fn execute_parsed(&mut self, engine: &Engine, pause_at: usize) -> Flow {
        if self.client.info.killed() {
            return Flow::Close(CloseReason::Killed);
        }
        if let Some(reason) = self.mail_overflow() {
            return Flow::Close(reason);
        }
        if self.blocked.is_some() {
            return Flow::Blocked;
        }
        self.prefetch_keys(engine);
        loop {
            if let Some(reason) = self.closing() {
                return Flow::Close(reason);
            }
            if engine.shutdown.load(std::sync::atomic::Ordering::Relaxed) {
                return Flow::Continue;
            }
            if self.unsent_len() > pause_at {
                return Flow::Paused;
            }
            match self.parser.parse(&mut self.query) {
                Ok(Some(argv)) => {
                    let mode_before = self.client.reply_mode;
                    let reply = engine.execute(&mut self.client, argv);
                    if let Some(argv) = self.client.spent_argv.take() {
                        self.parser.recycle(argv);
                    }
                    if let Some(req) = self.client.block.take() {
                        engine.blocked.block(self.client.id, req.db, &req.keys, self.waker.clone());
                        self.blocked = Some(req);
                        // A write that committed between the command finding nothing and the
                        // registration above woke nobody (threaded mode): look once more,
                        // ourselves. Waking the first waiter instead would hand a stream
                        // reader a turn it passes on, racing the next write.
                        if !self.retry(engine, false) {
                            engine.blocked.settle(self.client.id);
                            return Flow::Blocked;
                        }
                        continue;
                    }
                    // Mail first: a message published before this command's reply (to a
                    // channel this client subscribed to, or its own SUBSCRIBE acknowledgements).
                    self.drain_mail();
                    if std::mem::take(&mut self.client.reply_sent) {
                        // The reply went through the mailbox.
                    } else if reply_wanted(&mut self.client, mode_before) {
                        // Encoded after the command ran: HELLO 3 answers in RESP3.
                        resp::encode(&reply, self.client.protocol, &mut self.reply);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    write_protocol_error(&e, &mut self.reply);
                    self.protocol_error = Some(e);
                }
            }
        }
        let limit = engine.config.client_query_buffer_limit();
        if self.query.len() as u64 > limit {
            Stats::add(&engine.stats.client_query_buffer_limit_disconnections, 1);
            return Flow::Close(CloseReason::QueryBufferLimit(self.query.len()));
        }
        if self.query.is_empty() && self.query.capacity() > QUERY_BUFFER_KEEP {
            self.query = BytesMut::new();
        }
        Flow::Continue
    }

    /// Before a batch of pipelined requests runs: one read view over the keys they name
    /// (first keys only, at most [`PREFETCH_BATCH`]), which the store uses to start loading
    /// them all at once (see `MutexView::prefetch`), so each command then finds its key in
    /// cache instead of waiting for memory in turn. A hint only: what it guesses wrong (a
    /// SELECT in the batch, a key at another position) costs a little time, nothing else.
    ///
    /// The look ahead parses the batch's headers a second time, 5-8% of a cheap command's
    /// time, for nothing when the batch names one key (a pipeline on one list) or is a
    /// single request. After such a batch the next [`PREFETCH_BACKOFF`] skip it, then one
    /// looks again.
    fn prefetch_keys(&mut self, engine: &Engine) {
        if !self.prefetch {
            return;
        }
        if self.prefetch_backoff > 0 {
            self.prefetch_backoff -= 1;
            return;
        }
        let db = self.client.db;
        let mut keys: [(usize, &[u8]); PREFETCH_BATCH] = [(db, &[]); PREFETCH_BATCH];
        let (mut n, mut seen) = (0, 0);
        self.parser.peek_requests(&self.query, PREFETCH_BATCH, |name, first| {
            seen += 1;
            // A key just named is in cache already (a pipeline on one list, hash, set...).
            let repeated = n > 0 && keys[n - 1].1 == first;
            if !first.is_empty() && !repeated && crate::command::lookup(name).is_some_and(|spec| spec.first_key == 1) {
                keys[n].1 = first;
                n += 1;
            }
        });
        if n > 1 {
            engine.store().view(crate::keyspace::Scope::Keys { keys: &keys[..n], write: false }, &mut |_| {});
        } else if seen > 0 {
            self.prefetch_backoff = PREFETCH_BACKOFF;
        }
    }

    /// Moves Pub/Sub messages waiting in the client's mailbox to the reply buffer (servers
    /// call this when the mailbox's `Notify` fires, then write).
    pub fn drain_mail(&mut self) {
        if let Some(mb) = &self.client.subs.mailbox {
            mb.drain_into(&mut self.reply);
        }
    }

    /// `Some` once the mailbox broke `client-output-buffer-limit pubsub`.
    pub fn mail_overflow(&self) -> Option<CloseReason> {
        let mb = self.client.subs.mailbox.as_ref()?;
        mb.overflowed().then(|| CloseReason::OutputBufferLimit(self.unsent_len()))
    }

    /// Encodes `frame` as a reply, by the CLIENT REPLY rules (used for replies that do not
    /// come from `execute_requests`, e.g. a blocked command's).
    fn push_reply(&mut self, frame: &Frame) {
        if self.client.reply_mode == ReplyMode::On {
            resp::encode(frame, self.client.protocol, &mut self.reply);
        }
    }

    /// `client-output-buffer-limit normal`: over `hard` closes at once, over `soft` closes
    /// once that has lasted more than `soft_seconds` (whole seconds, as Redis counts them).
    pub fn check_output_limits(&mut self, engine: &Engine) -> Result<(), CloseReason> {
        let unsent = self.unsent_len() as u64;
        if let Some(reason) = self.mail_overflow() {
            Stats::add(&engine.stats.client_output_buffer_limit_disconnections, 1);
            return Err(reason);
        }
        // A subscribed client is held to the pubsub class, like Redis.
        let subscribed = self.client.subs.total() > 0;
        let OutputLimit { hard, soft, soft_seconds } = engine.config.output_limit(subscribed);
        let over = if hard > 0 && unsent > hard {
            true
        } else if soft > 0 && unsent > soft {
            let since = *self.soft_limit_since.get_or_insert_with(Instant::now);
            since.elapsed().as_secs() > soft_seconds
        } else {
            self.soft_limit_since = None;
            false
        };
        if over {
            Stats::add(&engine.stats.client_output_buffer_limit_disconnections, 1);
            return Err(CloseReason::OutputBufferLimit(self.unsent_len()));
        }
        Ok(())
    }

    /// Frees the buffers of a client with nothing buffered (called for idle clients).
    pub fn free_idle_buffers(&mut self) {
        if self.query.is_empty() && self.query.capacity() > 0 {
            self.query = BytesMut::new();
        }
        if self.reply.is_empty() && self.reply.capacity() > 0 {
            self.reply = Vec::new();
        }
        self.publish();
    }

    /// Publishes the buffer sizes CLIENT LIST shows, taking the lock only when the query
    /// buffer's or the unsent replies' size changed.
    pub fn publish(&mut self) {
        let now = (self.query.len(), self.unsent_len());
        if now != self.published {
            self.published = now;
            let (qbuf, unsent) = now;
            let qbuf_free = self.query.capacity() - qbuf;
            // Like Redis: `obl` is what fits the 16 KB static reply buffer, `omem` the rest.
            let obl = unsent.min(READ_CHUNK);
            self.client.info.update_details(|d| {
                d.qbuf = qbuf;
                d.qbuf_free = qbuf_free;
                d.obl = obl;
                d.omem = unsent - obl;
            });
        }
    }

    /// True while the client waits on a blocking command.
    pub fn is_blocked(&self) -> bool {
        self.blocked.is_some()
    }

    /// When the blocked command times out (`None`: not blocked, or no timeout).
    pub fn block_deadline(&self) -> Option<Instant> {
        self.blocked.as_ref().and_then(|b| b.deadline)
    }

    /// Re-runs the blocked command after a wake-up, or ends the wait on timeout or CLIENT
    /// UNBLOCK. Returns true when the client is no longer blocked (its reply is queued);
    /// the caller then continues with [`Session::execute_requests`] for pipelined requests.
    pub fn retry_blocked(&mut self, engine: &Engine) -> bool {
        self.retry(engine, true)
    }

    /// [`Session::retry_blocked`]; `woken`: after a wake-up, which a stream reader not
    /// served passes on, rather than the re-check right after registering.
    fn retry(&mut self, engine: &Engine, woken: bool) -> bool {
        let Some(req) = self.blocked.take() else { return true };
        let id = self.client.id;
        let ended = match engine.blocked.unblock_requested(id) {
            Some(UnblockReason::Error) => Some(Frame::error("UNBLOCKED client unblocked via CLIENT UNBLOCK")),
            Some(UnblockReason::Timeout) => Some(req.timeout_reply.clone()),
            None if req.deadline.is_some_and(|d| Instant::now() >= d) => Some(req.timeout_reply.clone()),
            None => None,
        };
        if let Some(reply) = ended {
            engine.blocked.remove(id);
            self.push_reply(&reply);
            return true;
        }
        let reply = engine.execute(&mut self.client, req.argv.clone());
        engine.persist.before_reply(&engine.config);
        if self.client.block.take().is_some() {
            // Nothing for this client (someone else got there first, or the data is not what
            // it waits for): keep waiting, in the same place; a stream reader lets the next
            // one look (see `BlockRequest::pass_on`).
            if woken && req.pass_on {
                for k in &req.keys {
                    engine.blocked.signal_after(req.db, k, id);
                }
            }
            self.blocked = Some(req);
            return false;
        }
        engine.blocked.remove(id);
        self.push_reply(&reply);
        // What is left may serve the next client in line.
        for k in &req.keys {
            engine.blocked.signal_ready(req.db, k);
        }
        true
    }

    /// Forgets a blocked wait (the connection is closing).
    pub fn cancel_block(&mut self, engine: &Engine) {
        if self.blocked.take().is_some() {
            engine.blocked.remove(self.client.id);
        }
    }

    /// The connection is closing: leaves every engine-wide registry the client is in
    /// (blocked keys, subscriptions, watched keys). Servers call this once, on every close.
    pub fn close(&mut self, engine: &Engine) {
        self.cancel_block(engine);
        engine.forget_client(&mut self.client);
    }
}

/// Writes the reply to a protocol error the way Redis does: the byte it choked on is sent
/// raw (not as UTF-8), except CR and LF, which become spaces so the error stays one line.
fn write_protocol_error(e: &ProtocolError, out: &mut Vec<u8>) {
    let one_line = |b: u8| if b == b'\r' || b == b'\n' { b' ' } else { b };
    match e {
        ProtocolError::ExpectedDollar(b) => {
            out.extend_from_slice(b"-ERR Protocol error: expected '$', got '");
            out.push(one_line(*b));
            out.extend_from_slice(b"'\r\n");
        }
        other => {
            let _ = write!(out, "-ERR {other}\r\n");
        }
    }
}

/// Whether the reply of the command just executed is sent, by the CLIENT REPLY rules:
/// `CLIENT REPLY OFF` and `SKIP` are not answered themselves, `SKIP` silences the reply of
/// the one command after it, and `CLIENT REPLY ON` is answered whatever came before.
/// `mode_before` is the mode the command started with; a consumed `SKIP` is reset here.
fn reply_wanted(state: &mut ClientState, mode_before: ReplyMode) -> bool {
    if mode_before == ReplyMode::Skip && state.reply_mode == ReplyMode::Skip {
        state.reply_mode = ReplyMode::On;
        return false;
    }
    state.reply_mode == ReplyMode::On
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigValues};

    struct NoWake;
    impl BlockWaker for NoWake {
        fn wake(&self, _client: u64) {}
    }

    fn session(engine: &Engine) -> Session {
        let addr = "127.0.0.1:1".parse().expect("addr");
        let client = engine.clients.register(addr, addr, -1, usize::MAX).expect("register");
        Session::new(client, 512 << 20, Arc::new(NoWake)).with_prefetch()
    }

    fn run(session: &mut Session, engine: &Engine, requests: &[u8]) -> String {
        session.query.extend_from_slice(requests);
        assert_eq!(session.execute_requests(engine, usize::MAX), Flow::Continue);
        let out = String::from_utf8_lossy(session.unsent()).into_owned();
        let n = session.unsent_len();
        session.consume(n);
        out
    }

    #[test]
    fn a_batch_on_one_key_backs_the_look_ahead_off_and_one_on_many_keeps_it() {
        for store in ["mutex", "lockfree"] {
            let engine =
                Engine::new(Config::new(ConfigValues::default()), crate::open_store(store, 16).expect("store"));
            let mut s = session(&engine);
            // Nothing buffered: nothing learned.
            run(&mut s, &engine, b"");
            assert_eq!(s.prefetch_backoff, 0);
            // Many keys: prefetched, and the next batch looks again.
            let many = b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n";
            assert_eq!(run(&mut s, &engine, many), "+OK\r\n+OK\r\n");
            assert_eq!(s.prefetch_backoff, 0);
            // One key, however many requests: the next batches skip the look ahead...
            let one = b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n";
            assert_eq!(run(&mut s, &engine, one), ":1\r\n:2\r\n");
            assert_eq!(s.prefetch_backoff, PREFETCH_BACKOFF);
            // ...and still run every request as before.
            for i in 0..PREFETCH_BACKOFF {
                assert_eq!(run(&mut s, &engine, many), "+OK\r\n+OK\r\n");
                assert_eq!(s.prefetch_backoff, PREFETCH_BACKOFF - 1 - i);
            }
            // Then one looks again.
            assert_eq!(
                run(&mut s, &engine, b"*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"),
                "$1\r\n2\r\n$1\r\n1\r\n"
            );
            assert_eq!(s.prefetch_backoff, 0);
        }
    }
}

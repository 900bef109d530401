//! [`Connection`]: one client of the event loop — its socket and its [`Session`] (query
//! buffer, parser, replies, client state) — in two steps per loop iteration: its
//! [`turn`](Connection::turn) reads and executes requests until the socket runs dry, and
//! once every ready connection has had its turn, [`write_replies`](Connection::write_replies)
//! writes what they all owe, one `write` each (Redis's `beforeSleep` write). Backpressure
//! and request execution are the session's (shared with the threaded server); this file
//! only moves bytes.

use std::fmt;
use std::io::{self, Write};

use mio::net::TcpStream;
use socket2::SockRef;
use store::engine::Stats;
use store::session::{CloseReason, Flow, Session};
use store::Engine;

use crate::{READ_BUDGET_PER_TURN, WRITE_BUDGET_PER_TURN};

/// The configured limits a turn enforces, read once per loop iteration so CONFIG SET
/// applies at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Unsent reply bytes past which the client is paused (see `Session::pause_at`).
    pub pause_at: usize,
}

impl Limits {
    pub(crate) fn read(engine: &Engine) -> Limits {
        Limits { pause_at: Session::pause_at(engine) }
    }
}

/// Why a connection is closed; `Display` is the log text.
#[derive(Debug)]
pub(crate) enum Close {
    PeerClosed,
    ReadError(io::Error),
    WriteError(io::Error),
    /// The session ended it: QUIT, a protocol error, a buffer limit, CLIENT KILL.
    Session(CloseReason),
    Idle,
    Shutdown,
}

impl fmt::Display for Close {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Close::PeerClosed => f.write_str("client closed connection"),
            Close::ReadError(e) => write!(f, "error reading from client: {e}"),
            Close::WriteError(e) => write!(f, "error writing to client: {e}"),
            Close::Session(reason) => write!(f, "{reason}"),
            Close::Idle => f.write_str("idle timeout"),
            Close::Shutdown => f.write_str("server shutting down"),
        }
    }
}

impl Close {
    /// Logs the close the way Redis does: limits are warnings, protocol errors are worth
    /// knowing, everything else is routine.
    pub(crate) fn log(&self, conn: &Connection) {
        let (id, addr) = (conn.session.client.id, conn.session.client.info.addr);
        match self {
            Close::Session(CloseReason::QueryBufferLimit(_) | CloseReason::OutputBufferLimit(_)) => {
                tracing::warn!(client = id, %addr, "closing client: {self}");
            }
            Close::Session(CloseReason::Protocol(_)) => tracing::info!(client = id, %addr, "closing client: {self}"),
            _ => tracing::debug!(client = id, %addr, "closing client: {self}"),
        }
    }
}

/// What a readiness event says about a connection's socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Nothing to read (a writable event, a wake-up, mail).
    Nothing,
    /// New bytes may have arrived.
    Data,
    /// The peer closed its side, or the socket failed: read until the read that says so.
    Hangup,
}

/// How a turn ended for a connection that stays open.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Nothing more to do until the socket is ready again.
    Done,
    /// Stopped on a read or write budget: serve it again soon, readiness or not.
    Again,
}

/// How a flush ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// Every reply byte is written.
    Drained,
    /// The socket's send buffer is full; a writable event will follow.
    Blocked,
    /// [`WRITE_BUDGET_PER_TURN`] bytes were written; there is more and the socket may take it.
    Budget,
}

/// One client of the event loop.
pub(crate) struct Connection {
    stream: TcpStream,
    pub(crate) session: Session,
    /// The unsent replies are over [`Limits::pause_at`]: requests wait until they drain.
    read_paused: bool,
    /// Whether the loop has this connection on its list to serve again.
    pub(crate) queued: bool,
    /// The block deadline the loop has on its timeout list for this connection.
    pub(crate) timeout_listed: Option<std::time::Instant>,
    /// A [`Readiness::Hangup`] was seen: reads go on until the socket says it is closed.
    hung_up: bool,
    /// Whether the loop has this connection on its list of replies to write.
    pub(crate) write_queued: bool,
    /// What the session said to close for in this iteration's turns, acted on once the
    /// replies are written (see [`Connection::write_replies`]).
    closing: Option<CloseReason>,
}

impl Connection {
    pub(crate) fn new(stream: TcpStream, session: Session) -> Connection {
        Connection {
            stream,
            session,
            read_paused: false,
            queued: false,
            timeout_listed: None,
            hung_up: false,
            write_queued: false,
            closing: None,
        }
    }

    pub(crate) fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Reply bytes not yet written.
    pub(crate) fn unsent(&self) -> usize {
        self.session.unsent_len()
    }

    /// Serves the connection after a readiness event (`readiness` says what may have arrived)
    /// or a wake-up: reads and executes requests, leaving their replies for
    /// [`Connection::write_replies`] unless replies from before were waiting for the socket.
    /// `Err` means the connection must be closed now, for that reason.
    pub(crate) fn turn(&mut self, engine: &Engine, limits: &Limits, readiness: Readiness) -> Result<Turn, Close> {
        if self.session.client.info.killed() {
            return Err(Close::Session(CloseReason::Killed));
        }
        self.hung_up |= readiness == Readiness::Hangup;
        let mut again = false;
        if self.unsent() > 0 {
            // Replies a full socket held back: they go before anything new runs.
            again |= self.flush(&engine.stats)? == Flushed::Budget;
        }
        let resume = self.read_paused && self.unsent() == 0;
        if resume {
            self.read_paused = false;
        }
        if !self.read_paused {
            // What arrived while paused or blocked: first the requests already buffered.
            self.closing = self.execute(engine, limits);
            if self.closing.is_none() && (readiness != Readiness::Nothing || resume) {
                match self.read_and_execute(engine, limits, self.hung_up) {
                    Ok(budget_spent) => again |= budget_spent,
                    Err(Close::PeerClosed) => {
                        // A client that half-closes after its last request still gets the replies.
                        let _ = self.flush(&engine.stats);
                        return Err(Close::PeerClosed);
                    }
                    Err(Close::Session(reason)) => self.closing = Some(reason),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(if again { Turn::Again } else { Turn::Done })
    }

    /// The second step of an iteration, after every ready connection's turn: writes the
    /// replies the turns left (usually one `write`), closes the connection if its session
    /// said so, and checks its output limits. Deferring the write to here, as Redis's
    /// `beforeSleep` does, means a client that sent to several connections at once (a load
    /// generator, a pooled client) is woken by a burst of replies rather than once per
    /// reply while it sleeps between them.
    pub(crate) fn write_replies(&mut self, engine: &Engine) -> Result<Turn, Close> {
        let mut again = false;
        if self.unsent() > 0 {
            again |= self.flush(&engine.stats)? == Flushed::Budget;
        }
        if let Some(reason) = self.closing.take() {
            // Protocol errors and QUIT close once their reply is out; limits close at once.
            let after_reply = matches!(reason, CloseReason::Protocol(_) | CloseReason::Requested);
            if !after_reply || self.unsent() == 0 {
                return Err(Close::Session(reason));
            }
            // The rest waits for a writable event, whose turn asks the session again.
        }
        self.session.check_output_limits(engine).map_err(Close::Session)?;
        if self.read_paused && self.unsent() == 0 {
            // Paused and drained within this iteration: no writable event will come to resume it.
            again = true;
        }
        self.session.publish();
        Ok(if again { Turn::Again } else { Turn::Done })
    }

    /// Runs the buffered requests; `Some` when the session says to close.
    fn execute(&mut self, engine: &Engine, limits: &Limits) -> Option<CloseReason> {
        match self.session.execute_requests(engine, limits.pause_at) {
            Flow::Continue | Flow::Blocked => None,
            Flow::Paused => {
                self.read_paused = true;
                None
            }
            Flow::Close(reason) => Some(reason),
        }
    }

    /// Reads until the socket runs dry, executing the complete requests after every read.
    /// `Ok(true)`: stopped on [`READ_BUDGET_PER_TURN`], the socket may hold more.
    ///
    /// A read that returns less than it asked for emptied the socket's receive queue, and
    /// whatever arrives after it raises a new edge-triggered event, so the turn ends there
    /// instead of paying one more `recv` for the `WouldBlock` (Redis, level-triggered, reads
    /// once per event). Not after a hang-up (`until_closed`): the FIN that came with the
    /// last bytes raises no further event, so the loop reads on until the read that says so.
    fn read_and_execute(&mut self, engine: &Engine, limits: &Limits, until_closed: bool) -> Result<bool, Close> {
        let mut budget = READ_BUDGET_PER_TURN;
        let mut touched = false;
        while !self.read_paused {
            let want = self.session.read_size();
            let n = match self.read_chunk(want) {
                Ok(0) => return Err(Close::PeerClosed),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Close::ReadError(e)),
            };
            if !touched {
                self.session.client.info.touch();
                touched = true;
            }
            Stats::add(&engine.stats.net_input_bytes, n as u64);
            if let Some(reason) = self.execute(engine, limits) {
                return Err(Close::Session(reason));
            }
            budget = budget.saturating_sub(n);
            if budget == 0 {
                return Ok(true);
            }
            if n < want && !until_closed {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// One `recv` of at most `want` bytes into the query buffer.
    fn read_chunk(&mut self, want: usize) -> io::Result<usize> {
        let query = &mut self.session.query;
        query.reserve(want);
        let len = query.len();
        let spare = &mut query.spare_capacity_mut()[..want];
        let n = SockRef::from(&self.stream).recv(spare)?;
        // SAFETY: `recv` initialized the first `n` bytes of the spare capacity (socket2
        // guarantees it returns no more than it wrote), and `n <= want <= capacity - len`.
        unsafe { query.set_len(len + n) };
        Ok(n)
    }

    /// Writes pending replies until they are all written, the socket is full, or
    /// [`WRITE_BUDGET_PER_TURN`] is spent. Usually this is one `write`.
    pub(crate) fn flush(&mut self, stats: &Stats) -> Result<Flushed, Close> {
        let mut written = 0;
        let outcome = loop {
            if self.session.unsent_len() == 0 {
                break Ok(Flushed::Drained);
            }
            if written >= WRITE_BUDGET_PER_TURN {
                break Ok(Flushed::Budget);
            }
            match self.stream.write(self.session.unsent()) {
                Ok(0) => break Err(Close::WriteError(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.session.consume(n);
                    written += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(Flushed::Blocked),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(Close::WriteError(e)),
            }
        };
        if written > 0 {
            Stats::add(&stats.net_output_bytes, written as u64);
            self.session.client.info.touch();
        }
        outcome
    }
}

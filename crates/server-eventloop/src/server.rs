//! [`Server`]: the event loop itself — listeners, connections keyed by mio token, the waker
//! that [`ServerHandle::shutdown`] and CLIENT KILL use, the cron tick, and shutdown.
//!
//! Sockets are registered edge-triggered for both readable and writable events, once, when
//! accepted. Edge-triggered writable interest costs nothing while a client's replies go
//! out in one write (the event fires only when a full send buffer gains room), so unlike
//! Redis's level-triggered `ae` the loop never adds or removes interest per partial write:
//! one `epoll_ctl` per connection, not two per slow reply. The price of edge triggering is
//! that a connection left before its socket ran dry (a budget was spent) gets no new event,
//! so the loop keeps such connections on a list and serves them again on the next iteration.

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;
use socket2::{SockRef, TcpKeepalive};
use std::collections::BTreeSet;

use store::client::RegisterError;
use store::engine::Stats;
use store::session::{CloseReason, Session};
use store::Engine;

use crate::connection::{Close, Connection, Limits, Readiness, Turn};
use crate::kill::{KillNotice, KillQueue, MailNotice, WakeNotice, WakeQueue};
use crate::{listener, EVENTS_CAPACITY, IDLE_BUFFER_FREE_MS, SHUTDOWN_FLUSH_TIMEOUT};

/// The token of the loop's waker; listeners count down from just below it, connections
/// (slab keys) count up from 0.
const WAKER: Token = Token(usize::MAX);

fn listener_token(index: usize) -> Token {
    Token(usize::MAX - 1 - index)
}

/// Lowest token a listener can have (no machine has this many listeners or connections).
const LISTENER_TOKEN_FLOOR: usize = usize::MAX - 1024;

/// Connection slots the clients cron visits per tick at the least.
const CLIENTS_CRON_MIN_SLOTS: usize = 16;

/// A bound, not yet running, event-loop server.
pub struct Server {
    engine: Arc<Engine>,
    poll: Poll,
    waker: Arc<Waker>,
    listeners: Vec<TcpListener>,
    local_addr: SocketAddr,
}

/// Stops a running [`Server`] from any thread.
#[derive(Clone)]
pub struct ServerHandle {
    engine: Arc<Engine>,
    waker: Arc<Waker>,
}

impl ServerHandle {
    /// Asks the loop to shut down: it stops accepting, flushes what it can and returns from
    /// [`Server::run`].
    pub fn shutdown(&self) {
        self.engine.shutdown.store(true, Ordering::SeqCst);
        if let Err(e) = self.waker.wake() {
            // The loop still sees the flag at its next cron tick.
            tracing::warn!("could not wake the event loop for shutdown: {e}");
        }
    }
}

impl Server {
    /// Binds every address of the `bind` config on `port` (0: an ephemeral port, which is
    /// then stored in `engine.port`).
    pub fn bind(engine: Arc<Engine>) -> io::Result<Server> {
        let (bind, port, backlog) = engine.config.read(|c| (c.bind.clone(), c.port, c.tcp_backlog));
        let listeners = listener::bind_all(&bind, port, backlog)?;
        Server::with_listeners(engine, listeners)
    }

    /// Serves connections from an already bound listener.
    pub fn from_listener(engine: Arc<Engine>, listener: std::net::TcpListener) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        Server::with_listeners(engine, vec![listener])
    }

    fn with_listeners(engine: Arc<Engine>, listeners: Vec<std::net::TcpListener>) -> io::Result<Server> {
        let first = listeners.first().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no listener"))?;
        let local_addr = first.local_addr()?;
        engine.port.store(local_addr.port(), Ordering::Relaxed);
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut registered = Vec::with_capacity(listeners.len());
        for (index, listener) in listeners.into_iter().enumerate() {
            let mut listener = TcpListener::from_std(listener);
            poll.registry().register(&mut listener, listener_token(index), Interest::READABLE)?;
            registered.push(listener);
        }
        Ok(Server { engine, poll, waker, listeners: registered, local_addr })
    }

    /// The address of the first listener (with the actual port).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn handle(&self) -> ServerHandle {
        ServerHandle { engine: self.engine.clone(), waker: self.waker.clone() }
    }

    /// Runs the loop on the calling thread until shutdown (a [`ServerHandle`], the SHUTDOWN
    /// command, or anything else that sets `engine.shutdown`).
    pub fn run(self) -> io::Result<()> {
        let handle = self.handle();
        self.engine.set_stopper(Some(Box::new(move || handle.shutdown())));
        let kills = Arc::new(KillQueue::new(self.waker.clone()));
        let limits = Limits::read(&self.engine);
        let mut event_loop = EventLoop {
            engine: self.engine,
            poll: self.poll,
            listeners: self.listeners,
            conns: Slab::new(),
            kills,
            woken: Arc::new(WakeQueue::default()),
            mail: Arc::new(WakeQueue::default()),
            block_timeouts: BTreeSet::new(),
            again: Vec::new(),
            turned: Vec::new(),
            accept_failing: false,
            limits,
            next_cron: Instant::now(),
            cron_cursor: 0,
        };
        let result = event_loop.serve_until_shutdown();
        event_loop.shutdown();
        event_loop.engine.set_stopper(None);
        result
    }
}

/// The running loop's state.
struct EventLoop {
    engine: Arc<Engine>,
    poll: Poll,
    listeners: Vec<TcpListener>,
    conns: Slab<Connection>,
    kills: Arc<KillQueue>,
    /// Blocked clients whose keys became ready (or that CLIENT UNBLOCK woke).
    woken: Arc<WakeQueue>,
    /// Subscribers with Pub/Sub messages in their mailbox.
    mail: Arc<WakeQueue>,
    /// Deadlines of blocked clients: (when, slab key, client id).
    block_timeouts: BTreeSet<(Instant, usize, u64)>,
    /// Connections that stopped on a budget, to serve again without waiting for readiness.
    again: Vec<Token>,
    /// Connections that had a turn this iteration, as (token, client id): their replies
    /// are written, and their limits checked, once every ready connection has had its turn.
    turned: Vec<(Token, u64)>,
    /// `accept` failed for lack of resources (EMFILE…): retried every cron tick.
    accept_failing: bool,
    limits: Limits,
    next_cron: Instant,
    /// The slot the clients cron looks at next.
    cron_cursor: usize,
}

impl EventLoop {
    fn serve_until_shutdown(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(EVENTS_CAPACITY);
        while !self.engine.shutdown.load(Ordering::SeqCst) {
            let timeout = if self.again.is_empty() {
                let next_timeout = self.block_timeouts.first().map(|(when, _, _)| *when);
                let wake_at = next_timeout.map_or(self.next_cron, |t| t.min(self.next_cron));
                wake_at.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    tracing::error!("event loop poll failed: {e}");
                    return Err(e);
                }
            }
            self.limits = Limits::read(&self.engine);
            for event in events.iter() {
                match event.token() {
                    WAKER => {}
                    Token(t) if t >= LISTENER_TOKEN_FLOOR => self.accept_ready(usize::MAX - 1 - t),
                    token => {
                        // Errors and hang-ups surface as a failed or empty read.
                        let readiness = if event.is_read_closed() || event.is_error() {
                            Readiness::Hangup
                        } else if event.is_readable() {
                            Readiness::Data
                        } else {
                            Readiness::Nothing
                        };
                        self.serve(token, readiness);
                    }
                }
            }
            self.serve_again();
            self.expire_blocked();
            self.deliver_mail();
            self.close_killed();
            if Instant::now() >= self.next_cron {
                self.cron();
            }
            self.write_replies();
        }
        Ok(())
    }

    fn serve(&mut self, token: Token, readiness: Readiness) {
        self.turn(token, readiness);
        self.serve_woken();
        self.deliver_mail();
    }

    /// Moves published messages into their subscribers' reply buffers and writes them.
    fn deliver_mail(&mut self) {
        for (token, id) in self.mail.take() {
            let Some(conn) = self.conns.get_mut(token.0) else { continue };
            if conn.session.client.id != id {
                continue;
            }
            conn.session.drain_mail();
            self.turn(token, Readiness::Nothing);
        }
    }

    /// One turn of one connection: it reads and executes; its replies are written by
    /// [`EventLoop::write_replies`] at the end of the iteration.
    fn turn(&mut self, token: Token, readiness: Readiness) {
        let Some(conn) = self.conns.get_mut(token.0) else {
            return;
        };
        match conn.turn(&self.engine, &self.limits, readiness) {
            Ok(turn) => {
                if !conn.write_queued {
                    conn.write_queued = true;
                    self.turned.push((token, conn.session.client.id));
                }
                self.settle(token, turn);
            }
            Err(reason) => self.close(token, reason),
        }
    }

    /// Writes the replies of every connection that had a turn since the last call (Redis's
    /// `handleClientsWithPendingWrites`), closing those whose session or socket says so.
    fn write_replies(&mut self) {
        for (token, id) in std::mem::take(&mut self.turned) {
            let Some(conn) = self.conns.get_mut(token.0) else { continue };
            if conn.session.client.id != id {
                continue;
            }
            conn.write_queued = false;
            match conn.write_replies(&self.engine) {
                Ok(turn) => self.settle(token, turn),
                Err(reason) => self.close(token, reason),
            }
        }
    }

    /// After a connection's turn or write: queues it to be served again if it stopped on a
    /// budget, and keeps the timeout list in step with its blocked state.
    fn settle(&mut self, token: Token, turn: Turn) {
        let Some(conn) = self.conns.get_mut(token.0) else {
            return;
        };
        if turn == Turn::Again && !conn.queued {
            conn.queued = true;
            self.again.push(token);
        }
        let deadline = conn.session.block_deadline();
        if deadline != conn.timeout_listed {
            let id = conn.session.client.id;
            if let Some(old) = conn.timeout_listed.take() {
                self.block_timeouts.remove(&(old, token.0, id));
            }
            if let Some(new) = deadline {
                self.block_timeouts.insert((new, token.0, id));
            }
            conn.timeout_listed = deadline;
        }
    }

    /// Serves the blocked clients that ready keys woke, in the order they were woken; each
    /// re-runs its command and, if served, its pipelined requests. Serving one may wake
    /// others (BLMOVE pushes), so this runs until no wake-up is left.
    fn serve_woken(&mut self) {
        while !self.woken.is_empty() {
            for (token, id) in self.woken.take() {
                self.retry_blocked(token, id);
            }
        }
    }

    fn retry_blocked(&mut self, token: Token, id: u64) {
        let Some(conn) = self.conns.get_mut(token.0) else { return };
        if conn.session.client.id != id || !conn.session.is_blocked() {
            return;
        }
        if conn.session.retry_blocked(&self.engine) {
            self.turn(token, Readiness::Nothing);
        }
    }

    /// Ends the waits of blocked clients whose timeout has come.
    fn expire_blocked(&mut self) {
        let now = Instant::now();
        while let Some(&(when, key, id)) = self.block_timeouts.first() {
            if when > now {
                break;
            }
            self.block_timeouts.pop_first();
            if let Some(conn) = self.conns.get_mut(key) {
                if conn.session.client.id == id {
                    conn.timeout_listed = None;
                }
            }
            self.retry_blocked(Token(key), id);
        }
        self.serve_woken();
    }

    fn serve_again(&mut self) {
        for token in std::mem::take(&mut self.again) {
            if let Some(conn) = self.conns.get_mut(token.0) {
                conn.queued = false;
            }
            self.serve(token, Readiness::Data);
        }
    }

    /// Accepts until the listener runs dry; on a resource error (EMFILE, ENOBUFS…) leaves
    /// the rest in the backlog for the cron tick to retry.
    fn accept_ready(&mut self, index: usize) {
        if let Err(e) = self.accept(index) {
            if !self.accept_failing {
                tracing::warn!("accepting connections failed: {e}; retrying every cron tick");
            }
            self.accept_failing = true;
        }
    }

    fn accept(&mut self, index: usize) -> io::Result<()> {
        loop {
            let Some(listener) = self.listeners.get(index) else {
                return Ok(());
            };
            match listener.accept() {
                Ok((stream, addr)) => self.admit(stream, addr),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                // The peer gave up before we got to it, or a signal: try the next one.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn admit(&mut self, mut stream: TcpStream, addr: SocketAddr) {
        let engine = &self.engine;
        let (maxclients, max_bulk_len, keepalive) =
            engine.config.read(|c| (c.maxclients, c.proto_max_bulk_len, c.tcp_keepalive));
        let laddr = stream.local_addr().unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
        let fd = i64::from(stream.as_raw_fd());
        let state = match engine.clients.register(addr, laddr, fd, maxclients) {
            Ok(state) => state,
            Err(RegisterError::MaxClients) => {
                Stats::add(&engine.stats.rejected_connections, 1);
                // Best effort: a fresh socket's send buffer takes these few bytes at once.
                let _ = stream.write(RegisterError::MAX_CLIENTS_REPLY);
                tracing::debug!(%addr, "rejected connection: max number of clients reached");
                return;
            }
        };
        Stats::add(&engine.stats.connections_received, 1);
        if let Err(e) = configure(&stream, keepalive) {
            tracing::debug!(client = state.id, %addr, "could not set socket options: {e}");
        }
        let entry = self.conns.vacant_entry();
        let token = Token(entry.key());
        debug_assert!(token.0 < LISTENER_TOKEN_FLOOR);
        if let Err(e) = self.poll.registry().register(&mut stream, token, Interest::READABLE | Interest::WRITABLE) {
            tracing::warn!(client = state.id, %addr, "could not register connection: {e}");
            engine.clients.unregister(state.id);
            return;
        }
        state.info.set_closer(Box::new(KillNotice { token, id: state.id, queue: self.kills.clone() }));
        tracing::debug!(client = state.id, %addr, "accepted connection");
        let max_bulk_len = usize::try_from(max_bulk_len).unwrap_or(usize::MAX);
        let waker = Arc::new(WakeNotice { token, queue: self.woken.clone() });
        let mut state = state;
        state.notify = Arc::new(MailNotice { token, id: state.id, queue: self.mail.clone() });
        entry.insert(Connection::new(stream, Session::new(state, max_bulk_len, waker).with_prefetch()));
    }

    fn close(&mut self, token: Token, reason: Close) {
        let Some(mut conn) = self.conns.try_remove(token.0) else {
            return;
        };
        reason.log(&conn);
        let id = conn.session.client.id;
        conn.session.close(&self.engine);
        if let Some(when) = conn.timeout_listed.take() {
            self.block_timeouts.remove(&(when, token.0, id));
        }
        if let Err(e) = self.poll.registry().deregister(conn.stream_mut()) {
            tracing::debug!(client = id, "deregistering failed: {e}");
        }
        self.engine.clients.unregister(id);
    }

    /// Closes the clients CLIENT KILL queued since the last look.
    fn close_killed(&mut self) {
        for (token, id) in self.kills.take() {
            if self.conns.get(token.0).is_some_and(|c| c.session.client.id == id) {
                self.close(token, Close::Session(CloseReason::Killed));
            }
        }
    }

    /// The periodic tasks (`hz` times a second): client checks, retrying a failed accept,
    /// and the active expire cycle.
    fn cron(&mut self) {
        let hz = self.engine.config.read(|c| c.hz).clamp(1, 500);
        self.next_cron = Instant::now() + self.engine.cron_interval();
        self.clients_cron(hz);
        if self.accept_failing {
            let mut failed = false;
            for index in 0..self.listeners.len() {
                failed |= self.accept(index).is_err();
            }
            if !failed {
                tracing::info!("accepting connections again");
            }
            self.accept_failing = failed;
        }
        self.engine.cron();
    }

    /// Like Redis's `clientsCron`: each tick visits a `1/hz` share of the connection slots
    /// (at least [`CLIENTS_CRON_MIN_SLOTS`]), so every client is looked at about once a
    /// second whatever `hz` and however many clients: idle timeout, soft output limit,
    /// kills nobody woke the loop for, and freeing the buffers of idle clients.
    fn clients_cron(&mut self, hz: u64) {
        let slots = self.conns.capacity();
        if slots == 0 {
            return;
        }
        let visit = (slots / usize::try_from(hz).unwrap_or(1)).max(CLIENTS_CRON_MIN_SLOTS).min(slots);
        let timeout_ms = i64::try_from(self.engine.config.read(|c| c.timeout).saturating_mul(1000)).unwrap_or(i64::MAX);
        let mut doomed = Vec::new();
        for _ in 0..visit {
            let key = self.cron_cursor % slots;
            self.cron_cursor = key + 1;
            let Some(conn) = self.conns.get_mut(key) else {
                continue;
            };
            let info = &conn.session.client.info;
            let idle_ms = info.idle_ms();
            if info.killed() {
                doomed.push((key, Close::Session(CloseReason::Killed)));
            } else if timeout_ms > 0
                && idle_ms > timeout_ms
                && !conn.session.is_blocked()
                && conn.session.client.subs.total() == 0
            {
                // Like Redis, blocked and Pub/Sub clients are not idle: they wait by design.
                doomed.push((key, Close::Idle));
            } else if let Err(reason) = conn.session.check_output_limits(&self.engine) {
                doomed.push((key, Close::Session(reason)));
            } else if idle_ms >= IDLE_BUFFER_FREE_MS {
                conn.session.free_idle_buffers();
            }
        }
        for (key, reason) in doomed {
            self.close(Token(key), reason);
        }
    }

    /// Stops accepting, flushes pending replies for at most [`SHUTDOWN_FLUSH_TIMEOUT`],
    /// then closes every client.
    fn shutdown(&mut self) {
        for mut listener in self.listeners.drain(..) {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        let deadline = Instant::now() + SHUTDOWN_FLUSH_TIMEOUT;
        let mut events = Events::with_capacity(EVENTS_CAPACITY);
        loop {
            let mut failed = Vec::new();
            let mut pending = false;
            for (key, conn) in self.conns.iter_mut() {
                if conn.unsent() == 0 {
                    continue;
                }
                match conn.flush(&self.engine.stats) {
                    Ok(_) => pending |= conn.unsent() > 0,
                    Err(reason) => failed.push((key, reason)),
                }
            }
            for (key, reason) in failed {
                self.close(Token(key), reason);
            }
            let now = Instant::now();
            if !pending || now >= deadline {
                break;
            }
            if let Err(e) = self.poll.poll(&mut events, Some(deadline - now)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    break;
                }
            }
        }
        let keys: Vec<usize> = self.conns.iter().map(|(key, _)| key).collect();
        for key in keys {
            self.close(Token(key), Close::Shutdown);
        }
        tracing::debug!("event loop stopped");
    }
}

/// Per-connection socket options: no Nagle delay, and Redis's `tcp-keepalive` probing
/// (idle time `keepalive` seconds, then every third of it, three probes).
fn configure(stream: &TcpStream, keepalive: u64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    if keepalive > 0 {
        let time = Duration::from_secs(keepalive);
        let interval = Duration::from_secs((keepalive / 3).max(1));
        SockRef::from(stream)
            .set_tcp_keepalive(&TcpKeepalive::new().with_time(time).with_interval(interval).with_retries(3))?;
    }
    Ok(())
}

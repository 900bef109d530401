//! `--mode=threaded`: one named thread per client connection doing blocking reads and
//! writes, all sharing the store through the [`store::Store`] trait.
//!
//! Request path: the client's thread blocks in `read`, appends the bytes to its
//! [`Session`], runs every complete request through `Engine::execute` (which takes the
//! store's locks or lock-free paths per command), and writes the whole batch of replies
//! with one `write_all`. Acceptor threads (one per listening address) register clients and
//! spawn their threads; a cron thread runs the active expire cycle.
//!
//! Architecture invariant: no command semantics here, and no thread ever writes into
//! another client's socket — a connection's bytes are only written by its own thread.

use std::io::{self, ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex};
use store::blocking::BlockWaker;
use store::client::{ClientCloser, RegisterError};
use store::engine::Stats;
use store::pubsub::Notify;
use store::session::{CloseReason, Flow, Session};
use store::Engine;
use tracing::{debug, info, warn};

/// Stack size of a client thread: commands are not deeply recursive, and 10,000 clients
/// must fit in memory.
const CLIENT_STACK: usize = 256 * 1024;
/// How long shutdown waits for client threads to write their replies in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// A blocked client's thread looks at its socket this often, to notice a disconnect (and
/// leave the queue) while nothing wakes it.
const BLOCKED_LIVENESS_CHECK: Duration = Duration::from_millis(100);

/// A bound, not yet running, threaded server.
pub struct Server {
    engine: Arc<Engine>,
    listeners: Vec<TcpListener>,
    shared: Arc<Shared>,
}

/// What the acceptors, client threads and handles share.
struct Shared {
    engine: Arc<Engine>,
    /// Live client connections (a clone of each socket, to shut it down) by client id.
    conns: Mutex<Vec<(u64, TcpStream)>>,
    /// Signalled when the server is asked to stop.
    stop: (Mutex<bool>, Condvar),
    addrs: Vec<SocketAddr>,
}

/// Stops a running [`Server`] from any thread.
#[derive(Clone)]
pub struct ServerHandle {
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// Asks the server to stop: acceptors stop, clients finish the replies in flight.
    pub fn shutdown(&self) {
        self.shared.engine.shutdown.store(true, Ordering::SeqCst);
        let (lock, cv) = &self.shared.stop;
        *lock.lock() = true;
        cv.notify_all();
        // Wake blocked accept() calls.
        for addr in &self.shared.addrs {
            let _ = TcpStream::connect_timeout(addr, Duration::from_millis(200));
        }
    }
}

impl Server {
    /// Binds every address of the configured `bind` list on the configured `port`.
    pub fn bind(engine: Arc<Engine>) -> io::Result<Server> {
        let (bind, port) = engine.config.read(|c| (c.bind.clone(), c.port));
        let mut listeners = Vec::new();
        for host in &bind {
            for addr in (host.as_str(), port).to_socket_addrs()? {
                listeners.push(TcpListener::bind(addr)?);
            }
        }
        Server::from_listeners(engine, listeners)
    }

    /// Serves on an already bound listener.
    pub fn from_listener(engine: Arc<Engine>, listener: TcpListener) -> io::Result<Server> {
        Server::from_listeners(engine, vec![listener])
    }

    fn from_listeners(engine: Arc<Engine>, listeners: Vec<TcpListener>) -> io::Result<Server> {
        if listeners.is_empty() {
            return Err(io::Error::new(ErrorKind::InvalidInput, "no address to listen on"));
        }
        let addrs = listeners.iter().map(|l| l.local_addr()).collect::<io::Result<Vec<_>>>()?;
        engine.port.store(addrs[0].port(), Ordering::Relaxed);
        let shared = Arc::new(Shared {
            engine: engine.clone(),
            conns: Mutex::new(Vec::new()),
            stop: (Mutex::new(false), Condvar::new()),
            addrs,
        });
        Ok(Server { engine, listeners, shared })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.shared.addrs[0]
    }

    pub fn handle(&self) -> ServerHandle {
        ServerHandle { shared: self.shared.clone() }
    }

    /// Serves until [`ServerHandle::shutdown`], then waits (bounded) for client threads.
    pub fn run(self) -> io::Result<()> {
        let handle = self.handle();
        self.engine.set_stopper(Some(Box::new(move || handle.shutdown())));
        let mut acceptors = Vec::new();
        for listener in self.listeners {
            let shared = self.shared.clone();
            acceptors.push(
                std::thread::Builder::new().name("acceptor".into()).spawn(move || accept_loop(listener, shared))?,
            );
        }
        let cron = {
            let shared = self.shared.clone();
            std::thread::Builder::new().name("cron".into()).spawn(move || cron_loop(shared))?
        };
        {
            let (lock, cv) = &self.shared.stop;
            let mut stopped = lock.lock();
            while !*stopped {
                cv.wait(&mut stopped);
            }
        }
        let mut clients = Vec::new();
        for a in acceptors {
            if let Ok(threads) = a.join() {
                clients.extend(threads);
            }
        }
        let _ = cron.join();
        // Stop reading from every client; each thread writes what it owes, then exits.
        for (_, s) in self.shared.conns.lock().iter() {
            let _ = s.shutdown(Shutdown::Read);
        }
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        for t in clients {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
        for (_, s) in self.shared.conns.lock().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.engine.set_stopper(None);
        info!(mode = "threaded", "server stopped");
        drop(self.engine);
        Ok(())
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) -> Vec<JoinHandle<()>> {
    let engine = &shared.engine;
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accepted = listener.accept();
        if engine.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let (stream, addr) = match accepted {
            Ok(s) => s,
            Err(e) => {
                // EMFILE and friends: don't die, don't spin.
                warn!(error = %e, "accept failed");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        threads.retain(|t| !t.is_finished());
        Stats::add(&engine.stats.connections_received, 1);
        if let Some(t) = start_client(&shared, stream, addr) {
            threads.push(t);
        }
    }
    threads
}

/// Registers the client and spawns its thread; refuses it with Redis's error if
/// `maxclients` is reached or no thread can be started.
fn start_client(shared: &Arc<Shared>, mut stream: TcpStream, addr: SocketAddr) -> Option<JoinHandle<()>> {
    let engine = &shared.engine;
    let _ = stream.set_nodelay(true);
    let laddr = stream.local_addr().unwrap_or(addr);
    let maxclients = engine.config.read(|c| c.maxclients);
    let client = match engine.clients.register(addr, laddr, stream.as_raw_fd() as i64, maxclients) {
        Ok(c) => c,
        Err(RegisterError::MaxClients) => {
            refuse(engine, &mut stream);
            return None;
        }
    };
    let id = client.id;
    let Ok(clone) = stream.try_clone() else {
        engine.clients.unregister(id);
        refuse(engine, &mut stream);
        return None;
    };
    if let Ok(killer) = stream.try_clone() {
        client.info.set_closer(Box::new(SocketCloser(killer)));
    }
    shared.conns.lock().push((id, clone));
    let (max_bulk, batch_policy) =
        engine.config.read(|c| (c.proto_max_bulk_len as usize, c.client_thread_policy == "batch"));
    let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
    let mail = Arc::new(MailFd::default());
    let mut client = client;
    client.notify = mail.clone();
    let mut session = Session::new(client, max_bulk, Arc::new(ChannelWaker(wake_tx)));
    if engine.store().lock_free_reads() {
        session = session.with_prefetch();
    }
    let thread_shared = shared.clone();
    let spawned = std::thread::Builder::new().name(format!("client-{id}")).stack_size(CLIENT_STACK).spawn(move || {
        if batch_policy {
            set_batch_policy(id);
        }
        serve_client(&thread_shared, stream, session, wake_rx, mail)
    });
    match spawned {
        Ok(t) => Some(t),
        Err(e) => {
            warn!(error = %e, client = id, "could not start a client thread");
            engine.clients.unregister(id);
            let mut conns = shared.conns.lock();
            if let Some(pos) = conns.iter().position(|(i, _)| *i == id) {
                let (_, mut s) = conns.swap_remove(pos);
                refuse(engine, &mut s);
            }
            None
        }
    }
}

/// Puts the calling thread under `SCHED_BATCH` (`client-thread-policy batch`): when a
/// client's request wakes its thread while the CPU runs something else (another client
/// thread, or the load client that sent the request), the woken thread waits for the
/// running one to block or use up its slice instead of preempting it. With more client
/// threads than cores that means fewer context switches per request and more throughput,
/// for a longer wait when a core is busy (measured in ARCHITECTURE.md); on an idle core a
/// woken thread still runs at once.
fn set_batch_policy(client: u64) {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: changes only the calling thread's policy (pid 0), from a valid sched_param;
    // SCHED_BATCH at priority 0 needs no privilege.
    if unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) } != 0 {
        debug!(client, error = %io::Error::last_os_error(), "could not set SCHED_BATCH");
    }
}

fn refuse(engine: &Engine, stream: &mut TcpStream) {
    Stats::add(&engine.stats.rejected_connections, 1);
    let _ = stream.write_all(RegisterError::MAX_CLIENTS_REPLY);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Wakes a blocked client's thread. The channel holds one token: a wake-up that finds one
/// pending is redundant, so `try_send` never blocks the waker.
struct ChannelWaker(Sender<()>);

impl BlockWaker for ChannelWaker {
    fn wake(&self, _client: u64) {
        let _ = self.0.try_send(());
    }
}

/// The Pub/Sub [`Notify`] of a threaded client: an eventfd, made on first use (only
/// subscribers need one), that the client's thread polls together with its socket.
#[derive(Default)]
struct MailFd {
    fd: std::sync::OnceLock<Option<std::os::fd::OwnedFd>>,
}

/// What woke a subscriber's thread.
enum Ready {
    Mail,
    Socket,
}

impl MailFd {
    fn fd(&self) -> Option<std::os::fd::RawFd> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        self.fd
            .get_or_init(|| {
                // SAFETY: eventfd returns a new descriptor we own, or -1.
                let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
                // SAFETY: `fd` is a fresh, valid descriptor owned by nobody else.
                (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
            })
            .as_ref()
            .map(|f| f.as_raw_fd())
    }

    /// Blocks until the socket is readable or mail arrived (mail first: it is cheap).
    fn wait(&self, stream: &TcpStream) -> io::Result<Ready> {
        let Some(efd) = self.fd() else { return Ok(Ready::Socket) };
        let mut fds = [
            libc::pollfd { fd: efd, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: stream.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        loop {
            // SAFETY: `fds` is a valid array of two pollfd structures.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if fds[0].revents != 0 {
                let mut counter = [0u8; 8];
                // SAFETY: reads the 8-byte eventfd counter into a valid buffer (resets it).
                unsafe { libc::read(efd, counter.as_mut_ptr().cast(), 8) };
                return Ok(Ready::Mail);
            }
            return Ok(Ready::Socket);
        }
    }
}

impl Notify for MailFd {
    fn notify(&self) {
        if let Some(fd) = self.fd() {
            let one: u64 = 1;
            // SAFETY: writes an 8-byte counter increment to a valid eventfd.
            unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
        }
    }
}

/// CLIENT KILL for a threaded client: shutting the socket down wakes its blocked read.
struct SocketCloser(TcpStream);

impl ClientCloser for SocketCloser {
    fn close(&self) {
        let _ = self.0.shutdown(Shutdown::Both);
    }
}

fn serve_client(shared: &Shared, mut stream: TcpStream, mut session: Session, wake: Receiver<()>, mail: Arc<MailFd>) {
    let engine = &*shared.engine;
    let id = session.client.id;
    let reason = client_loop(engine, &mut stream, &mut session, &wake, &mail);
    session.close(engine);
    debug!(client = id, addr = %session.client.info.addr, reason = ?reason, "client closed");
    let _ = stream.shutdown(Shutdown::Both);
    shared.conns.lock().retain(|(i, _)| *i != id);
    engine.clients.unregister(id);
}

/// Reads, executes and writes until the connection ends; returns why (`None`: the peer left).
fn client_loop(
    engine: &Engine,
    stream: &mut TcpStream,
    session: &mut Session,
    wake: &Receiver<()>,
    mail: &MailFd,
) -> Option<CloseReason> {
    loop {
        if session.client.subs.mailbox.is_some() {
            // A subscriber waits for its socket and its mailbox at once.
            match mail.wait(stream) {
                Ok(Ready::Mail) => {
                    session.drain_mail();
                    if let Some(reason) = session.mail_overflow() {
                        return Some(reason);
                    }
                    write_replies(engine, stream, session).ok()?;
                    continue;
                }
                Ok(Ready::Socket) => {}
                Err(_) => return None,
            }
        }
        // No read timeout: the cron thread closes idle clients (see `close_idle_clients`).
        let n = match read_into(stream, session) {
            Ok(0) => return None,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        Stats::add(&engine.stats.net_input_bytes, n as u64);
        session.client.info.touch();
        // Execute everything buffered; a blocking command parks the thread until it is
        // served, then the requests pipelined behind it run.
        let pause_at = Session::pause_at(engine);
        loop {
            // Not blocked here (a wait ends only once served), so a wake-up in the channel
            // is stale: it arrived after the last wait ended (a writer picked this client as
            // the head of a queue just before it was served). Left there, it would cut the
            // next wait short with a retry that a stream reader passes on to the waiter
            // behind it.
            debug_assert!(!session.is_blocked());
            while wake.try_recv().is_ok() {}
            let flow = session.execute_requests(engine, pause_at);
            if let Err(reason) = session.check_output_limits(engine) {
                return Some(reason);
            }
            session.publish();
            write_replies(engine, stream, session).ok()?;
            match flow {
                Flow::Close(reason) => return Some(reason),
                Flow::Continue => break,
                Flow::Paused => continue,
                Flow::Blocked => wait_unblocked(engine, stream, session, wake)?,
            }
        }
        if session.client.info.killed() {
            return Some(CloseReason::Killed);
        }
    }
}

/// Writes the queued replies with one `write_all`.
fn write_replies(engine: &Engine, stream: &mut TcpStream, session: &mut Session) -> io::Result<()> {
    let n = session.unsent_len();
    if n == 0 {
        return Ok(());
    }
    stream.write_all(session.unsent())?;
    session.consume(n);
    Stats::add(&engine.stats.net_output_bytes, n as u64);
    Ok(())
}

/// Parks a blocked client's thread until its command is served, times out or is unblocked.
/// `None` if the client went away (or was killed, or the server stops) meanwhile.
fn wait_unblocked(engine: &Engine, stream: &TcpStream, session: &mut Session, wake: &Receiver<()>) -> Option<()> {
    loop {
        let deadline = session.block_deadline();
        let wait = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(BLOCKED_LIVENESS_CHECK)
            .min(BLOCKED_LIVENESS_CHECK);
        let woken = match wake.recv_timeout(wait) {
            Ok(()) => true,
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => return None,
        };
        if engine.shutdown.load(Ordering::SeqCst) || session.client.info.killed() || peer_closed(stream) {
            return None;
        }
        let expired = deadline.is_some_and(|d| Instant::now() >= d);
        if (woken || expired) && session.retry_blocked(engine) {
            return Some(());
        }
    }
}

/// True if the peer has closed its side (a zero-byte non-blocking peek).
fn peer_closed(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    // SAFETY: recv into a valid one-byte buffer on an open socket; MSG_DONTWAIT never blocks.
    let n = unsafe { libc::recv(stream.as_raw_fd(), byte.as_mut_ptr().cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT) };
    n == 0
}

/// Reads once into the session's query buffer, as much as the session asks for.
fn read_into(stream: &mut TcpStream, session: &mut Session) -> io::Result<usize> {
    let want = session.read_size();
    let q = &mut session.query;
    q.reserve(want);
    let len = q.len();
    let n = socket2::SockRef::from(&*stream).recv(&mut q.spare_capacity_mut()[..want])?;
    // SAFETY: `recv` initialized the first `n` bytes of the spare capacity (socket2
    // guarantees it returns no more than it wrote), and `n <= want <= capacity - len`.
    unsafe { q.set_len(len + n) };
    Ok(n)
}

fn cron_loop(shared: Arc<Shared>) {
    let engine = &shared.engine;
    let (lock, cv) = &shared.stop;
    loop {
        {
            let mut stopped = lock.lock();
            if *stopped {
                return;
            }
            cv.wait_for(&mut stopped, engine.cron_interval());
            if *stopped {
                return;
            }
        }
        engine.cron();
        close_idle_clients(&shared);
    }
}

/// The idle `timeout`, applied to every client (also after CONFIG SET changes it), like
/// Redis's clientsCron: an idle client's socket is shut down, which ends its thread's read.
/// Blocked and Pub/Sub clients are exempt, like Redis.
fn close_idle_clients(shared: &Shared) {
    let engine = &shared.engine;
    let timeout_ms = engine.config.read(|c| c.timeout).saturating_mul(1000);
    if timeout_ms == 0 {
        return;
    }
    for (id, stream) in shared.conns.lock().iter() {
        let Some(info) = engine.clients.get(*id) else { continue };
        // Blocked and Pub/Sub clients are not idle: they wait by design.
        let waiting = engine.blocked.is_blocked(*id) || info.details().subscribed();
        if info.idle_ms() > timeout_ms as i64 && !waiting {
            debug!(client = id, "closing idle client");
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

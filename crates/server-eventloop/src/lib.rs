//! The event-loop server: one thread multiplexes every connection with mio (epoll on
//! Linux), the way Redis's `ae.c` and `networking.c` do.
//!
//! The loop ([`Server::run`]) waits for socket readiness with a timeout of one cron tick
//! (`hz`). A readable client is read until the socket runs dry, every complete request
//! in its query buffer is executed by [`store::Engine::execute`] in order, and the replies
//! collected in its reply buffer go out in one `write` once every ready connection has had
//! its turn, at the end of the iteration (Redis's `beforeSleep` write). What the socket does
//! not take waits for a writable event.
//! The cron tick closes idle clients, enforces the soft output limit and runs the active
//! expire cycle.
//!
//! Code map: `server` holds the loop, accepting, cron and shutdown; `connection` one
//! client's buffers and its read / execute / write turn; `listener` binding the configured
//! addresses; `kill` how CLIENT KILL from anywhere reaches the loop.
//!
//! Every bound the loop keeps is a constant below, so they can be read in one place.
//!
//! Architecture invariant: this crate moves bytes and holds connection state. It knows no
//! command; every request goes to `Engine::execute` and every reply is the frame it returns.

mod connection;
mod kill;
mod listener;
mod server;

pub use server::{Server, ServerHandle};
pub use store::session::{BIG_READ_CHUNK, QUERY_BUFFER_KEEP, READ_CHUNK, REPLY_BUFFER_KEEP, REPLY_PAUSE_BOUND};

/// Bytes one client may read in one turn before the loop serves the others; the rest is
/// read on the next turn. Keeps one fast pipelining client from starving everyone.
pub const READ_BUDGET_PER_TURN: usize = 1024 * 1024;

/// Bytes one client may write in one turn before the loop serves the others.
pub const WRITE_BUDGET_PER_TURN: usize = 4 * 1024 * 1024;

/// Readiness events taken per `poll`.
pub const EVENTS_CAPACITY: usize = 1024;

/// Longest time shutdown spends flushing pending replies before closing every client.
pub const SHUTDOWN_FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// A client idle this long has its empty query and reply buffers freed (Redis frees an
/// idle client's query buffer after 2 seconds), so 10,000 idle connections cost little.
pub const IDLE_BUFFER_FREE_MS: i64 = 2000;

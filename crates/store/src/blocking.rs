//! Clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...): [`BlockRequest`], what a blocking
//! command asks for when it finds nothing to serve, and [`BlockedClients`], the registry of
//! who waits on which key, first come, first served.
//!
//! The protocol, the same for both servers:
//! 1. A blocking command that finds every key empty sets `ClientState::block` and returns.
//!    The session registers the client here with a [`BlockWaker`] from its server, runs the
//!    command once more itself (a write that committed between the first run and the
//!    registration woke nobody: threaded mode), and if still not served, stops executing
//!    that client's requests and reports it blocked ([`BlockedClients::settle`]).
//! 2. After every write command, the keys it created, replaced or deleted, and those it said
//!    are ready (XADD), are signalled (a no-op unless some client waits). A ready key wakes
//!    only the client at the head of its queue.
//! 3. The woken client re-runs its command. Served: it leaves every queue and signals the
//!    key again so the next waiter gets a turn if anything is left. Not served (another
//!    client got there first): it stays blocked, keeping its place.
//! 4. A timeout, CLIENT UNBLOCK or disconnect removes the client from every queue.
//!
//! No lock of this registry is held while a command runs or a waker sleeps.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;
use resp::Frame;

/// What a blocking command asks for when none of its keys can serve it.
#[derive(Clone, Debug)]
pub struct BlockRequest {
    pub db: usize,
    pub keys: Vec<Bytes>,
    /// When to give up (`None`: timeout 0, wait forever).
    pub deadline: Option<Instant>,
    /// The reply sent on timeout (null array for BLPOP, null bulk for BLMOVE, ...).
    pub timeout_reply: Frame,
    /// The blocked request itself, re-run when a key is ready (filled in by the dispatcher
    /// unless the command set it).
    pub argv: Vec<Bytes>,
    /// Data on a key may still not be for this client (a stream read waiting for a later ID,
    /// or for another group): when woken and not served, it passes the wake-up on to the
    /// next waiter. List and sorted-set pops are served by any data, so a woken pop that
    /// finds none leaves the queue alone — which keeps them first come, first served.
    pub pass_on: bool,
}

impl BlockRequest {
    /// A request to block on `keys` of `db` for `timeout` seconds (0 = forever).
    pub fn new(db: usize, keys: Vec<Bytes>, timeout: std::time::Duration, timeout_reply: Frame) -> BlockRequest {
        let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
        BlockRequest { db, keys, deadline, timeout_reply, argv: Vec::new(), pass_on: false }
    }
}

/// Parses a blocking command's timeout in seconds (decimals allowed; 0 = forever) with
/// Redis's errors.
pub fn parse_timeout(arg: &[u8]) -> Result<std::time::Duration, Frame> {
    let secs = crate::num::parse_f64(arg).ok_or_else(|| Frame::error("ERR timeout is not a float or out of range"))?;
    let ms = (secs * 1000.0).ceil();
    if ms > i64::MAX as f64 {
        return Err(Frame::error("ERR timeout is out of range"));
    }
    if ms < 0.0 {
        return Err(Frame::error("ERR timeout is negative"));
    }
    Ok(std::time::Duration::from_millis(ms as u64))
}

/// How the registry wakes a blocked client; supplied by its server.
pub trait BlockWaker: Send + Sync {
    /// The client should re-run its blocked command (or notice it was unblocked). Must not block.
    fn wake(&self, client_id: u64);
}

/// Why a blocked client stops waiting without being served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnblockReason {
    Timeout,
    /// CLIENT UNBLOCK ... ERROR.
    Error,
}

struct Waiter {
    keys: Vec<(usize, Bytes)>,
    waker: Arc<dyn BlockWaker>,
    /// Set by CLIENT UNBLOCK; read by the client when woken.
    unblock: Option<UnblockReason>,
    /// Counted in INFO `blocked_clients`: its registration re-check is done.
    settled: bool,
}

#[derive(Default)]
struct Registry {
    queues: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, Waiter>,
}

/// Who is blocked on which key. Bounded by the number of clients (each blocks at most once).
#[derive(Default)]
pub struct BlockedClients {
    registry: Mutex<Registry>,
    /// Number of registered clients: lets `signal_ready` return at once in the common case.
    count: AtomicUsize,
    /// Number of settled clients: those that registered and re-checked (INFO shows this, so
    /// a client seen blocked has had its last look at its keys).
    settled: AtomicUsize,
}

impl BlockedClients {
    /// Number of blocked clients (INFO `blocked_clients`): those settled.
    pub fn len(&self) -> usize {
        self.settled.load(Ordering::Relaxed)
    }

    /// True if no client is registered (not even one still re-checking).
    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Relaxed) == 0
    }

    /// Registers `client` as waiting on `keys` of `db`, behind those already waiting.
    pub fn block(&self, client: u64, db: usize, keys: &[Bytes], waker: Arc<dyn BlockWaker>) {
        let mut r = self.registry.lock();
        let mut own = Vec::with_capacity(keys.len());
        for k in keys {
            let slot = (db, k.clone());
            if own.contains(&slot) {
                continue;
            }
            r.queues.entry(slot.clone()).or_default().push_back(client);
            own.push(slot);
        }
        let waiter = Waiter { keys: own, waker, unblock: None, settled: false };
        match r.waiters.insert(client, waiter) {
            None => {
                self.count.fetch_add(1, Ordering::Relaxed);
            }
            Some(old) if old.settled => {
                self.settled.fetch_sub(1, Ordering::Relaxed);
            }
            Some(_) => {}
        }
    }

    /// Counts `client`, registered by [`block`](Self::block), as blocked: its re-check
    /// found nothing either.
    pub fn settle(&self, client: u64) {
        let mut r = self.registry.lock();
        if let Some(w) = r.waiters.get_mut(&client).filter(|w| !w.settled) {
            w.settled = true;
            self.settled.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Removes `client` from every queue (served, timed out, disconnected).
    pub fn remove(&self, client: u64) {
        let mut r = self.registry.lock();
        let Some(w) = r.waiters.remove(&client) else { return };
        self.count.fetch_sub(1, Ordering::Relaxed);
        if w.settled {
            self.settled.fetch_sub(1, Ordering::Relaxed);
        }
        for slot in w.keys {
            if let Some(q) = r.queues.get_mut(&slot) {
                q.retain(|&c| c != client);
                if q.is_empty() {
                    r.queues.remove(&slot);
                }
            }
        }
    }

    /// Wakes the first client waiting on `key` of `db`, if any.
    pub fn signal_ready(&self, db: usize, key: &[u8]) {
        if self.is_empty() {
            return;
        }
        let waker = {
            let r = self.registry.lock();
            let Some(&head) = r.queues.get(&(db, Bytes::copy_from_slice(key))).and_then(|q| q.front()) else {
                return;
            };
            r.waiters.get(&head).map(|w| (head, w.waker.clone()))
        };
        if let Some((id, w)) = waker {
            w.wake(id);
        }
    }

    /// Wakes the waiter queued right after `client` on `key`: a woken client that could not
    /// be served though the data may be for others (see [`BlockRequest::pass_on`]) passes the
    /// wake on, so every waiter that can be served is, as in Redis.
    pub fn signal_after(&self, db: usize, key: &[u8], client: u64) {
        if self.is_empty() {
            return;
        }
        let waker = {
            let r = self.registry.lock();
            let Some(queue) = r.queues.get(&(db, Bytes::copy_from_slice(key))) else { return };
            let Some(pos) = queue.iter().position(|&id| id == client) else { return };
            let Some(&next) = queue.get(pos + 1) else { return };
            r.waiters.get(&next).map(|w| (next, w.waker.clone()))
        };
        if let Some((id, w)) = waker {
            w.wake(id);
        }
    }

    /// Wakes the first waiter of every key of `db` (SWAPDB, FLUSHALL...: anything may have changed).
    pub fn signal_db(&self, db: usize) {
        if self.is_empty() {
            return;
        }
        let keys: Vec<Bytes> =
            self.registry.lock().queues.keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect();
        for k in keys {
            self.signal_ready(db, &k);
        }
    }

    /// CLIENT UNBLOCK: marks `client` to stop waiting and wakes it. False if it is not blocked.
    pub fn unblock(&self, client: u64, reason: UnblockReason) -> bool {
        let waker = {
            let mut r = self.registry.lock();
            let Some(w) = r.waiters.get_mut(&client) else { return false };
            w.unblock = Some(reason);
            w.waker.clone()
        };
        waker.wake(client);
        true
    }

    /// Whether CLIENT UNBLOCK asked `client` to stop waiting, and why.
    pub fn unblock_requested(&self, client: u64) -> Option<UnblockReason> {
        self.registry.lock().waiters.get(&client).and_then(|w| w.unblock)
    }

    /// True if `client` is blocked.
    pub fn is_blocked(&self, client: u64) -> bool {
        self.registry.lock().waiters.contains_key(&client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder(Mutex<Vec<u64>>);
    impl BlockWaker for Recorder {
        fn wake(&self, id: u64) {
            self.0.lock().push(id);
        }
    }

    #[test]
    fn timeouts_parse_like_redis() {
        assert_eq!(parse_timeout(b"0").unwrap(), std::time::Duration::ZERO);
        assert_eq!(parse_timeout(b"1.5").unwrap(), std::time::Duration::from_millis(1500));
        assert_eq!(parse_timeout(b"0.0001").unwrap(), std::time::Duration::from_millis(1));
        assert_eq!(parse_timeout(b"-1"), Err(Frame::error("ERR timeout is negative")));
        assert_eq!(parse_timeout(b"abc"), Err(Frame::error("ERR timeout is not a float or out of range")));
        assert_eq!(parse_timeout(b"inf"), Err(Frame::error("ERR timeout is out of range")));
    }

    #[test]
    fn a_ready_key_wakes_only_its_first_waiter() {
        let b = BlockedClients::default();
        let rec = Arc::new(Recorder(Mutex::new(vec![])));
        b.block(1, 0, &[Bytes::from("k")], rec.clone());
        b.block(2, 0, &[Bytes::from("k")], rec.clone());
        b.signal_ready(0, b"k");
        assert_eq!(*rec.0.lock(), vec![1]);
        b.remove(1);
        b.signal_ready(0, b"k");
        assert_eq!(*rec.0.lock(), vec![1, 2]);
        b.remove(2);
        assert!(b.is_empty());
    }

    #[test]
    fn a_client_counts_as_blocked_once_settled() {
        let b = BlockedClients::default();
        let rec = Arc::new(Recorder(Mutex::new(vec![])));
        b.block(1, 0, &[Bytes::from("k")], rec.clone());
        assert!(!b.is_empty(), "registered: writers signal it");
        assert_eq!(b.len(), 0, "still re-checking: not reported");
        b.settle(1);
        b.settle(1);
        assert_eq!(b.len(), 1);
        b.remove(1);
        assert_eq!(b.len(), 0);
        b.block(2, 0, &[Bytes::from("k")], rec);
        b.remove(2);
        assert!(b.is_empty());
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn keys_of_other_databases_do_not_wake() {
        let b = BlockedClients::default();
        let rec = Arc::new(Recorder(Mutex::new(vec![])));
        b.block(1, 0, &[Bytes::from("k")], rec.clone());
        b.signal_ready(1, b"k");
        assert!(rec.0.lock().is_empty());
    }

    #[test]
    fn unblock_marks_and_wakes() {
        let b = BlockedClients::default();
        let rec = Arc::new(Recorder(Mutex::new(vec![])));
        b.block(7, 0, &[Bytes::from("a"), Bytes::from("b")], rec.clone());
        assert!(b.unblock(7, UnblockReason::Timeout));
        assert_eq!(b.unblock_requested(7), Some(UnblockReason::Timeout));
        assert_eq!(*rec.0.lock(), vec![7]);
        assert!(!b.unblock(8, UnblockReason::Error));
    }
}

//! How CLIENT KILL and blocked-key wake-ups reach the loop: each connection's
//! [`store::client::ClientInfo`] holds a [`KillNotice`] and its session a [`WakeNotice`];
//! killing a client queues its token on the loop's [`KillQueue`] and wakes the loop, which
//! closes the queued clients after its current batch of events; a ready key queues the
//! blocked client's token on the [`WakeQueue`], which the loop serves after every turn.

use std::sync::Arc;

use mio::{Token, Waker};
use parking_lot::Mutex;
use store::blocking::BlockWaker;
use store::client::ClientCloser;
use store::pubsub::Notify;

/// Clients killed since the loop last looked, as (token, client id): the id guards against
/// the token having been reused by a newer connection in the meantime.
pub(crate) struct KillQueue {
    killed: Mutex<Vec<(Token, u64)>>,
    waker: Arc<Waker>,
}

impl KillQueue {
    pub(crate) fn new(waker: Arc<Waker>) -> KillQueue {
        KillQueue { killed: Mutex::new(Vec::new()), waker }
    }

    /// Takes every queued kill.
    pub(crate) fn take(&self) -> Vec<(Token, u64)> {
        std::mem::take(&mut *self.killed.lock())
    }
}

/// The [`ClientCloser`] of one event-loop connection.
pub(crate) struct KillNotice {
    pub(crate) token: Token,
    pub(crate) id: u64,
    pub(crate) queue: Arc<KillQueue>,
}

impl ClientCloser for KillNotice {
    fn close(&self) {
        self.queue.killed.lock().push((self.token, self.id));
        if let Err(e) = self.queue.waker.wake() {
            // The loop still finds the kill at its next cron tick.
            tracing::warn!(client = self.id, "could not wake the event loop for CLIENT KILL: {e}");
        }
    }
}

/// Blocked clients woken since the loop last looked, as (token, client id).
#[derive(Default)]
pub(crate) struct WakeQueue {
    woken: Mutex<Vec<(Token, u64)>>,
}

impl WakeQueue {
    /// Takes every queued wake-up.
    pub(crate) fn take(&self) -> Vec<(Token, u64)> {
        std::mem::take(&mut *self.woken.lock())
    }

    pub(crate) fn push(&self, token: Token, id: u64) {
        self.woken.lock().push((token, id));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.woken.lock().is_empty()
    }
}

/// The [`BlockWaker`] of one event-loop connection. Wake-ups come from commands the loop
/// itself runs, so no `mio::Waker` is needed: the loop drains the queue after every turn.
pub(crate) struct WakeNotice {
    pub(crate) token: Token,
    pub(crate) queue: Arc<WakeQueue>,
}

impl BlockWaker for WakeNotice {
    fn wake(&self, client_id: u64) {
        self.queue.push(self.token, client_id);
    }
}

/// The Pub/Sub [`Notify`] of one event-loop connection: queues it on the loop's mail queue
/// (a [`WakeQueue`] too), served after every turn. Publishers run on the loop thread, so no
/// `mio::Waker` is needed either.
pub(crate) struct MailNotice {
    pub(crate) token: Token,
    pub(crate) id: u64,
    pub(crate) queue: Arc<WakeQueue>,
}

impl Notify for MailNotice {
    fn notify(&self) {
        self.queue.push(self.token, self.id);
    }
}

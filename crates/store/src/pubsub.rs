//! Pub/Sub: who is subscribed to which channel, pattern and shard channel
//! ([`PubSub`]), and each subscriber's [`Mailbox`] — the bounded queue a publisher drops
//! encoded messages into.
//!
//! Why a mailbox: a publisher runs on its own connection (the loop thread, or its own thread
//! in threaded mode) and must never write into another client's socket, nor wait for a slow
//! subscriber. It encodes the message in the subscriber's protocol, appends it to the
//! subscriber's mailbox and calls the mailbox's [`Notify`] — supplied by the subscriber's
//! server, it only schedules the subscriber (the loop's mail queue, or an eventfd its thread
//! polls). The subscriber's session moves the mail into its reply buffer in order with its
//! own replies. A mailbox past `client-output-buffer-limit pubsub` marks its client killed
//! and refuses more mail, so a subscriber that stops reading is disconnected while the
//! publisher keeps going. No store lock is held at any point of this.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;
use resp::{Frame, Protocol};

use crate::config::OutputLimit;

/// How a subscriber's server is told that its mailbox has mail. Must not block.
pub trait Notify: Send + Sync {
    fn notify(&self);
}

/// For sessions without a server (unit tests): mail waits until the session drains it.
pub struct NoNotify;

impl Notify for NoNotify {
    fn notify(&self) {}
}

/// One subscriber's queue of encoded messages.
pub struct Mailbox {
    pub client_id: u64,
    queue: Mutex<MailQueue>,
    /// 3 for RESP3 (push frames), 2 otherwise; follows HELLO.
    protocol: AtomicU8,
    /// Set when the queue broke the pubsub output limit: the client is being disconnected.
    overflowed: AtomicBool,
    notify: Arc<dyn Notify>,
    /// The subscriber, killed when its mailbox overflows (so a thread stuck writing to a
    /// client that stopped reading is woken by its socket closing).
    client: Arc<crate::client::ClientInfo>,
}

#[derive(Default)]
struct MailQueue {
    bytes: Vec<u8>,
    /// When the queue first went over the soft limit.
    soft_since: Option<Instant>,
}

impl Mailbox {
    pub fn new(client: Arc<crate::client::ClientInfo>, protocol: Protocol, notify: Arc<dyn Notify>) -> Mailbox {
        let mb = Mailbox {
            client_id: client.id,
            client,
            queue: Mutex::new(MailQueue::default()),
            protocol: AtomicU8::new(2),
            overflowed: AtomicBool::new(false),
            notify,
        };
        mb.set_protocol(protocol);
        mb
    }

    pub fn set_protocol(&self, p: Protocol) {
        self.protocol.store(if p == Protocol::Resp3 { 3 } else { 2 }, Ordering::Relaxed);
    }

    fn protocol(&self) -> Protocol {
        if self.protocol.load(Ordering::Relaxed) == 3 {
            Protocol::Resp3
        } else {
            Protocol::Resp2
        }
    }

    /// Queues `frame`; false (and nothing queued) once the mailbox broke `limit`.
    pub fn deliver(&self, frame: &Frame, limit: OutputLimit) -> bool {
        if self.overflowed.load(Ordering::Relaxed) {
            return false;
        }
        let was_empty = {
            let mut q = self.queue.lock();
            let was_empty = q.bytes.is_empty();
            resp::encode(frame, self.protocol(), &mut q.bytes);
            if over_limit(&mut q, limit) {
                self.overflowed.store(true, Ordering::Relaxed);
                q.bytes = Vec::new();
                drop(q);
                tracing::warn!(
                    client = self.client_id,
                    "closing subscriber: client-output-buffer-limit pubsub reached"
                );
                self.client.kill();
                self.notify.notify();
                return false;
            }
            was_empty
        };
        if was_empty {
            self.notify.notify();
        }
        true
    }

    /// Moves the queued mail to the end of `out`.
    pub fn drain_into(&self, out: &mut Vec<u8>) {
        let mut q = self.queue.lock();
        if !q.bytes.is_empty() {
            out.extend_from_slice(&q.bytes);
            q.bytes.clear();
            if q.bytes.capacity() > 64 * 1024 {
                q.bytes = Vec::new();
            }
        }
        q.soft_since = None;
    }

    /// True once the mailbox broke the pubsub output limit.
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Relaxed)
    }
}

/// Hard limit at once, soft limit for longer than its seconds (0 = no limit).
fn over_limit(q: &mut MailQueue, limit: OutputLimit) -> bool {
    let len = q.bytes.len() as u64;
    if limit.hard > 0 && len > limit.hard {
        return true;
    }
    if limit.soft > 0 && len > limit.soft {
        let since = *q.soft_since.get_or_insert_with(Instant::now);
        return since.elapsed().as_secs() > limit.soft_seconds;
    }
    q.soft_since = None;
    false
}

/// A client's subscriptions, kept in its `ClientState`.
#[derive(Default)]
pub struct Subscriptions {
    pub channels: HashSet<Bytes>,
    pub patterns: HashSet<Bytes>,
    pub shard_channels: HashSet<Bytes>,
    /// Created on the first subscription; its `Notify` comes from the server.
    pub mailbox: Option<Arc<Mailbox>>,
}

impl Subscriptions {
    /// Channels plus patterns (what SUBSCRIBE/PSUBSCRIBE replies count).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Everything the client is subscribed to.
    pub fn total(&self) -> usize {
        self.count() + self.shard_channels.len()
    }
}

type Subscribers = HashMap<Bytes, HashMap<u64, Arc<Mailbox>>>;

/// Every subscription of every client.
#[derive(Default)]
pub struct PubSub {
    inner: Mutex<Registry>,
}

#[derive(Default)]
struct Registry {
    channels: Subscribers,
    patterns: Subscribers,
    shard_channels: Subscribers,
}

/// Which kind of subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Registry {
    fn map(&mut self, kind: Kind) -> &mut Subscribers {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }
}

impl PubSub {
    pub fn subscribe(&self, kind: Kind, name: &Bytes, mailbox: &Arc<Mailbox>) {
        self.inner.lock().map(kind).entry(name.clone()).or_default().insert(mailbox.client_id, mailbox.clone());
    }

    pub fn unsubscribe(&self, kind: Kind, name: &[u8], client: u64) {
        let mut r = self.inner.lock();
        let map = r.map(kind);
        if let Some(subs) = map.get_mut(name) {
            subs.remove(&client);
            if subs.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Delivers `payload` on `channel` (or shard channel) to every subscriber and every
    /// matching pattern; returns how many received it.
    pub fn publish(&self, channel: &Bytes, payload: &Bytes, shard: bool, limit: OutputLimit) -> usize {
        let mut targets: Vec<(Arc<Mailbox>, Frame)> = Vec::new();
        {
            let r = self.inner.lock();
            let (map, kind) = if shard { (&r.shard_channels, "smessage") } else { (&r.channels, "message") };
            if let Some(subs) = map.get(channel) {
                let frame =
                    Frame::Push(vec![Frame::bulk(kind), Frame::Bulk(channel.clone()), Frame::Bulk(payload.clone())]);
                targets.extend(subs.values().map(|m| (m.clone(), frame.clone())));
            }
            if !shard {
                for (pattern, subs) in &r.patterns {
                    if crate::glob::glob_match(pattern, channel, false) {
                        let frame = Frame::Push(vec![
                            Frame::bulk("pmessage"),
                            Frame::Bulk(pattern.clone()),
                            Frame::Bulk(channel.clone()),
                            Frame::Bulk(payload.clone()),
                        ]);
                        targets.extend(subs.values().map(|m| (m.clone(), frame.clone())));
                    }
                }
            }
        }
        // Delivered outside the registry lock: a mailbox lock is all a publisher holds.
        let mut received = 0;
        for (mailbox, frame) in targets {
            if mailbox.deliver(&frame, limit) {
                received += 1;
            }
        }
        received
    }

    /// Active channels (or shard channels) matching `pattern` (all if `None`).
    pub fn channels(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let r = self.inner.lock();
        let map = if shard { &r.shard_channels } else { &r.channels };
        map.keys().filter(|c| pattern.is_none_or(|p| crate::glob::glob_match(p, c, false))).cloned().collect()
    }

    /// Subscribers of a channel (or shard channel).
    pub fn numsub(&self, shard: bool, channel: &[u8]) -> usize {
        let r = self.inner.lock();
        let map = if shard { &r.shard_channels } else { &r.channels };
        map.get(channel).map_or(0, |s| s.len())
    }

    /// Number of distinct patterns subscribed to.
    pub fn numpat(&self) -> usize {
        self.inner.lock().patterns.len()
    }

    /// Counts for INFO: (channels, patterns, shard channels).
    pub fn counts(&self) -> (usize, usize, usize) {
        let r = self.inner.lock();
        (r.channels.len(), r.patterns.len(), r.shard_channels.len())
    }

    /// Removes every subscription of a closing client.
    pub fn forget(&self, client: u64, subs: &Subscriptions) {
        let mut r = self.inner.lock();
        for (kind, names) in
            [(Kind::Channel, &subs.channels), (Kind::Pattern, &subs.patterns), (Kind::Shard, &subs.shard_channels)]
        {
            let map = r.map(kind);
            for name in names {
                if let Some(s) = map.get_mut(name) {
                    s.remove(&client);
                    if s.is_empty() {
                        map.remove(name);
                    }
                }
            }
        }
    }
}

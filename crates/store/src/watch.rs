//! Which keys a command modified ([`Recorder`], [`Modifications`]) and who WATCHes which
//! key ([`WatchedKeys`]): Redis's `signalModifiedKey` and `multi.c` watch half, shared by
//! WATCH and by the wake-up of blocked clients.
//!
//! **Recording.** While a write command runs, [`crate::command::Ctx::view`] wraps its view
//! in a [`Recorder`], which records the keys the command really changed: set, deleted,
//! given a new expiry, handed out for changing in place (`get_mut`), cleared by FLUSHDB /
//! FLUSHALL or swapped by SWAPDB — whichever database they are in, so MOVE and COPY into
//! another database, RENAME onto a key and SWAPDB need nothing of their own. After the
//! command, the dispatcher wakes blocked clients on those keys. Recording costs a copy of
//! each changed key, so outside EXEC it only happens while some client watches or is blocked.
//!
//! **Marking watchers, inside the view.** A watcher must learn of a write before its own
//! EXEC can run, or two clients racing (threaded mode) could lose an update: client A's
//! `WATCH k; GET k; MULTI; SET k ..; EXEC` must fail if B's `INCR k` committed after the
//! WATCH. So the recorder marks watchers while the writer's view is still open, atomically
//! with the write: WATCH registers under `Scope::All` and EXEC checks under `Scope::All`,
//! so each writer's view is wholly before or wholly after either of them. A key set,
//! deleted or re-timed marks its watchers dirty at once. A key only handed out by `get_mut`
//! may not have changed: the command may fail (`LPUSH` on a string answers WRONGTYPE and
//! changes nothing, and Redis then touches nobody). It is marked *provisionally*; the
//! dispatcher settles the mark once the reply is known (an error reply: unchanged). An EXEC
//! that meets a provisional mark — another client's command in flight, its reply not known
//! yet — fails, as it would had that command finished first. A successful command that
//! changed nothing through `get_mut` (SREM of a missing member, LREM with no match) still
//! counts as a write; Redis skips those.
//!
//! **Expiry**, like Redis 7 (`isWatchedKeyExpired` and the `expired` flag of a watched key):
//! WATCH remembers whether each key was live. EXEC fails if a key live at WATCH is absent
//! now — deleted lazily by any access, by the active expire cycle, or merely logically
//! expired — so no deletion path needs to tell the watchers. A key already expired (or
//! absent) at WATCH does not fail EXEC by being deleted; only a write to it does. FLUSHDB,
//! FLUSHALL and SWAPDB mark the watchers of the keys that are live in the databases they
//! empty or exchange (SWAPDB: live in either), as `touchAllWatchedKeysInDb` does.
//!
//! Lock order: store locks, then this registry's lock; never the other way round.
//!
//! Bounds: one watcher entry per watching client (at most `maxclients`), and each client's
//! watched keys take at most `client-query-buffer-limit` bytes (WATCH past it is refused).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::blocking::BlockedClients;
use crate::client::ClientInfo;
use crate::keyspace::KeyView;
use crate::value::{Entry, Value};

/// Approximate memory of one watched key beyond its name, for the per-client bound.
const WATCHED_KEY_OVERHEAD: usize = 64;

/// What one command (or one queued command of EXEC) changed.
#[derive(Default, Debug)]
pub struct Modifications {
    /// Keys certainly changed: set, deleted, given a new expiry, flushed while live.
    pub keys: Vec<(usize, Bytes)>,
    /// Keys handed out for changing in place: changed unless the command failed.
    pub maybe: Vec<(usize, Bytes)>,
    /// Keys changed in place in a way that may serve a blocked client (XADD, XGROUP
    /// DESTROY: Redis's `signalKeyAsReady`), said by the command through `Ctx::key_ready`.
    /// Other in-place changes wake nobody: only streams are waited on while they exist.
    pub ready: Vec<(usize, Bytes)>,
    /// Databases whose contents SWAPDB exchanged.
    pub swapped: Vec<usize>,
    /// Provisional marks this command left on watchers, settled by [`WatchedKeys::settle`].
    pending: Vec<Pending>,
}

impl Modifications {
    /// Adds what another view of the same command recorded.
    pub fn merge(&mut self, other: Modifications) {
        self.keys.extend(other.keys);
        self.maybe.extend(other.maybe);
        self.ready.extend(other.ready);
        self.swapped.extend(other.swapped);
        self.pending.extend(other.pending);
    }

    /// Adds what a finished command recorded: its `maybe` and `ready` keys count only if it
    /// succeeded (and stay what they are: an in-place change wakes nobody, see
    /// [`wake_blocked`](Self::wake_blocked)).
    pub fn merge_settled(&mut self, other: Modifications, succeeded: bool) {
        self.keys.extend(other.keys);
        if succeeded {
            self.maybe.extend(other.maybe);
            self.ready.extend(other.ready);
        }
        self.swapped.extend(other.swapped);
        self.pending.extend(other.pending);
    }

    /// Wakes the clients blocked on the keys set, deleted or made ready, each key once
    /// (after the command's views are closed, so a woken client sees the final state).
    /// Other in-place changes (`maybe`) wake nobody: a list or sorted set waited on does
    /// not exist until a write creates it, and a stream reader waits for XADD. Waking on
    /// them would hand a stream's waiter a spurious turn, which it passes on (see
    /// `BlockRequest::pass_on`), letting a later waiter race the first to new data.
    pub fn wake_blocked(&self, blocked: &BlockedClients, succeeded: bool) {
        if blocked.is_empty() {
            return;
        }
        let ready = if succeeded { &self.ready[..] } else { &[] };
        let mut keys: Vec<&(usize, Bytes)> = self.keys.iter().chain(ready).collect();
        keys.sort_unstable();
        keys.dedup();
        for (db, key) in keys {
            blocked.signal_ready(*db, key);
        }
        for &db in &self.swapped {
            blocked.signal_db(db);
        }
    }
}

/// A provisional mark on a watcher: which client, and which of its WATCH sessions.
#[derive(Clone, Copy, Debug)]
struct Pending {
    client: u64,
    generation: u64,
}

/// A write view that records what the command changes (see the module docs).
pub struct Recorder<'v> {
    inner: &'v mut dyn KeyView,
    watches: &'v WatchedKeys,
    modified: Modifications,
}

impl<'v> Recorder<'v> {
    pub fn new(inner: &'v mut dyn KeyView, watches: &'v WatchedKeys) -> Recorder<'v> {
        Recorder { inner, watches, modified: Modifications::default() }
    }

    /// What was recorded since the last call.
    pub fn take(&mut self) -> Modifications {
        std::mem::take(&mut self.modified)
    }

    fn changed(&mut self, db: usize, key: &[u8]) {
        self.modified.keys.push((db, Bytes::copy_from_slice(key)));
    }

    fn live(&mut self, db: usize, key: &[u8]) -> bool {
        self.inner.peek(db, key).is_some()
    }
}

impl KeyView for Recorder<'_> {
    fn now(&self) -> i64 {
        self.inner.now()
    }

    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.inner.get(db, key)
    }

    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.inner.peek(db, key)
    }

    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        let value = self.inner.get_mut(db, key);
        if value.is_some() {
            self.modified.maybe.push((db, Bytes::copy_from_slice(key)));
        }
        value
    }

    fn insert(&mut self, db: usize, key: Bytes, entry: Entry) {
        self.modified.keys.push((db, key.clone()));
        self.inner.insert(db, key, entry);
    }

    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry> {
        let old = self.inner.remove(db, key);
        if old.is_some() {
            self.changed(db, key);
        }
        old
    }

    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool {
        let set = self.inner.set_expiry(db, key, at);
        if set {
            self.changed(db, key);
        }
        set
    }

    fn len(&mut self, db: usize) -> usize {
        self.inner.len(db)
    }

    fn expires_len(&mut self, db: usize) -> usize {
        self.inner.expires_len(db)
    }

    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64 {
        self.inner.scan(db, cursor, count, visit)
    }

    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) {
        self.inner.for_each(db, visit)
    }

    fn random_key(&mut self, db: usize) -> Option<Bytes> {
        self.inner.random_key(db)
    }

    fn clear(&mut self, db: usize) -> usize {
        for key in self.watches.keys_of(db) {
            if self.live(db, &key) {
                self.modified.keys.push((db, key));
            }
        }
        self.inner.clear(db)
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a != b {
            for (db, key) in self
                .watches
                .keys_of(a)
                .into_iter()
                .map(|k| (a, k))
                .chain(self.watches.keys_of(b).into_iter().map(|k| (b, k)))
            {
                if self.live(a, &key) || self.live(b, &key) {
                    self.modified.keys.push((db, key));
                }
            }
            self.modified.swapped.extend([a, b]);
        }
        self.inner.swap(a, b)
    }

    fn databases(&self) -> usize {
        self.inner.databases()
    }
}

/// One watched key of one client.
struct WatchedKey {
    db: usize,
    key: Bytes,
    /// Live when WATCH ran: EXEC fails if it is gone (Redis 7's expired-key rule).
    was_live: bool,
}

/// One client's WATCH state.
struct Watcher {
    /// Where the dirty flag lives (CLIENT LIST shows it as `d`).
    info: Arc<ClientInfo>,
    /// Distinguishes this WATCH session from a later one of the same client.
    generation: u64,
    keys: Vec<WatchedKey>,
    /// Bytes `keys` take, for the bound.
    bytes: usize,
    /// Provisional marks of commands in flight (see the module docs).
    provisional: u32,
}

#[derive(Default)]
struct Registry {
    /// Who watches each (database, key).
    keys: HashMap<(usize, Bytes), Vec<u64>>,
    watchers: HashMap<u64, Watcher>,
    next_generation: u64,
}

impl Registry {
    /// Calls `f` with every watcher of `key` in `db`.
    fn each_watcher(&mut self, db: usize, key: &Bytes, mut f: impl FnMut(u64, &mut Watcher)) {
        let Some(ids) = self.keys.get(&(db, key.clone())) else { return };
        for &id in ids {
            if let Some(w) = self.watchers.get_mut(&id) {
                f(id, w);
            }
        }
    }
}

/// WATCH past the per-client bound.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyWatchedKeys;

/// Every watched key and its watchers (one per engine).
#[derive(Default)]
pub struct WatchedKeys {
    registry: Mutex<Registry>,
    /// Number of watching clients: writers skip recording when it and the blocked count are 0.
    watchers: AtomicUsize,
}

impl WatchedKeys {
    /// True when no client watches anything.
    pub fn is_empty(&self) -> bool {
        self.watchers.load(Ordering::Acquire) == 0
    }

    /// WATCH `keys` of `db` for `client`. Must run inside a `Scope::All` view (`kv`), so
    /// that every writer's view is wholly before it (and already in `kv`) or wholly after it
    /// (and sees the registration). Keys the client already watches keep their first state.
    pub fn watch(
        &self,
        info: &Arc<ClientInfo>,
        db: usize,
        keys: &[Bytes],
        limit: usize,
        kv: &mut dyn KeyView,
    ) -> Result<(), TooManyWatchedKeys> {
        let mut r = self.registry.lock();
        let r = &mut *r;
        if !r.watchers.contains_key(&info.id) {
            r.next_generation += 1;
            let w = Watcher {
                info: info.clone(),
                generation: r.next_generation,
                keys: Vec::new(),
                bytes: 0,
                provisional: 0,
            };
            r.watchers.insert(info.id, w);
            self.watchers.fetch_add(1, Ordering::AcqRel);
        }
        let w = r.watchers.get_mut(&info.id).expect("inserted above");
        for key in keys {
            if w.keys.iter().any(|k| k.db == db && k.key == key) {
                continue;
            }
            let bytes = key.len() + WATCHED_KEY_OVERHEAD;
            if w.bytes + bytes > limit {
                return Err(TooManyWatchedKeys);
            }
            w.bytes += bytes;
            let was_live = kv.peek(db, key).is_some();
            w.keys.push(WatchedKey { db, key: key.clone(), was_live });
            r.keys.entry((db, key.clone())).or_default().push(info.id);
        }
        Ok(())
    }

    /// UNWATCH (also EXEC, DISCARD, RESET and disconnect): forgets every key of `client`
    /// and clears its dirty flag.
    pub fn unwatch(&self, client: u64) {
        if self.is_empty() {
            return;
        }
        let mut r = self.registry.lock();
        let Some(w) = r.watchers.remove(&client) else { return };
        self.watchers.fetch_sub(1, Ordering::AcqRel);
        w.info.set_watch_dirty(false);
        for k in w.keys {
            let slot = (k.db, k.key);
            if let Some(ids) = r.keys.get_mut(&slot) {
                ids.retain(|&id| id != client);
                if ids.is_empty() {
                    r.keys.remove(&slot);
                }
            }
        }
    }

    /// Whether EXEC must fail for `client`: a watched key was modified, a command that may
    /// have modified one is still in flight, or a key live at WATCH is gone. Must run inside
    /// EXEC's `Scope::All` view (`kv`).
    pub fn exec_fails(&self, client: u64, kv: &mut dyn KeyView) -> bool {
        if self.is_empty() {
            return false;
        }
        let r = self.registry.lock();
        let Some(w) = r.watchers.get(&client) else { return false };
        w.info.watch_dirty()
            || w.provisional > 0
            || w.keys.iter().any(|k| k.was_live && kv.peek(k.db, &k.key).is_none())
    }

    /// The keys of `db` someone watches.
    fn keys_of(&self, db: usize) -> Vec<Bytes> {
        if self.is_empty() {
            return Vec::new();
        }
        self.registry.lock().keys.keys().filter(|(d, _)| *d == db).map(|(_, k)| k.clone()).collect()
    }

    /// Marks the watchers of what `m` recorded, from inside the writer's view: certain
    /// changes dirty at once, `get_mut` ones provisionally (kept in `m` for [`settle`](Self::settle)).
    pub fn mark(&self, m: &mut Modifications) {
        if self.is_empty() || (m.keys.is_empty() && m.maybe.is_empty()) {
            return;
        }
        let mut r = self.registry.lock();
        for (db, key) in &m.keys {
            r.each_watcher(*db, key, |_, w| w.info.set_watch_dirty(true));
        }
        for (db, key) in &m.maybe {
            r.each_watcher(*db, key, |id, w| {
                w.provisional += 1;
                m.pending.push(Pending { client: id, generation: w.generation });
            });
        }
    }

    /// Settles the provisional marks `m` left, once the command's reply is known: a command
    /// that failed changed nothing; one that succeeded changed its `get_mut` keys.
    pub fn settle(&self, m: &mut Modifications, succeeded: bool) {
        if m.pending.is_empty() {
            return;
        }
        let mut r = self.registry.lock();
        for p in m.pending.drain(..) {
            if let Some(w) = r.watchers.get_mut(&p.client).filter(|w| w.generation == p.generation) {
                w.provisional -= 1;
                if succeeded {
                    w.info.set_watch_dirty(true);
                }
            }
        }
    }

    /// Marks the watchers of what one queued command of EXEC changed (inside EXEC's view,
    /// where the reply is already known, so nothing is provisional).
    pub fn mark_settled(&self, m: &Modifications, succeeded: bool) {
        if self.is_empty() {
            return;
        }
        let mut r = self.registry.lock();
        let maybe = if succeeded { &m.maybe[..] } else { &[] };
        for (db, key) in m.keys.iter().chain(maybe) {
            r.each_watcher(*db, key, |_, w| w.info.set_watch_dirty(true));
        }
    }

    /// Number of keys `client` watches (tests and introspection).
    pub fn watched_by(&self, client: u64) -> usize {
        self.registry.lock().watchers.get(&client).map_or(0, |w| w.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyspace::{with_view, Scope};
    use crate::testing::{TestClient, STORES};

    fn watch(c: &TestClient, key: &'static str) {
        let keys = [Bytes::from_static(key.as_bytes())];
        let w = &c.engine.watches;
        with_view(c.engine.store(), Scope::All, |kv| w.watch(&c.client.info, 0, &keys, usize::MAX, kv))
            .expect("within the bound");
    }

    fn exec_fails(c: &TestClient) -> bool {
        with_view(c.engine.store(), Scope::All, |kv| c.engine.watches.exec_fails(c.client.id, kv))
    }

    /// What a command that only changed `key` in place recorded.
    fn in_place(key: &'static str) -> Modifications {
        Modifications { maybe: vec![(0, Bytes::from_static(key.as_bytes()))], ..Default::default() }
    }

    #[test]
    fn a_provisional_mark_fails_exec_until_it_is_settled() {
        for store in STORES {
            let c = TestClient::new(store);
            let w = &c.engine.watches;
            watch(&c, "k");
            let mut m = in_place("k");
            w.mark(&mut m);
            assert!(exec_fails(&c), "a command in flight may have changed the key");
            w.settle(&mut m, false);
            assert!(!exec_fails(&c), "a failed command changed nothing");

            let mut m = in_place("k");
            w.mark(&mut m);
            w.settle(&mut m, true);
            assert!(exec_fails(&c));
            assert!(c.client.info.watch_dirty());
        }
    }

    #[test]
    fn a_mark_settled_after_unwatch_leaves_a_later_watch_alone() {
        let c = TestClient::new(STORES[0]);
        let w = &c.engine.watches;
        watch(&c, "k");
        let mut m = in_place("k");
        w.mark(&mut m);
        w.unwatch(c.client.id);
        watch(&c, "k");
        w.settle(&mut m, true);
        assert!(!exec_fails(&c));
    }

    #[test]
    fn watched_keys_are_bounded_per_client() {
        let c = TestClient::new(STORES[0]);
        let keys = [Bytes::from_static(b"a"), Bytes::from_static(b"b")];
        let limit = 2 * WATCHED_KEY_OVERHEAD + 1;
        let w = &c.engine.watches;
        let r = with_view(c.engine.store(), Scope::All, |kv| w.watch(&c.client.info, 0, &keys, limit, kv));
        assert_eq!(r, Err(TooManyWatchedKeys));
        assert_eq!(w.watched_by(c.client.id), 1);
        w.unwatch(c.client.id);
        assert!(w.is_empty());
    }
}

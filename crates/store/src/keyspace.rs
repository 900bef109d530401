//! The [`Store`] trait: how the command layer reaches the keyspace, whatever the
//! implementation behind it (sharded mutex or lock-free).
//!
//! Every command reaches keys through [`Store::view`]: it names a [`Scope`] (the keys it
//! will touch, one database, or everything) and gets a [`KeyView`] over that scope which is
//! atomic with respect to every other view that overlaps it. The closure may be run more
//! than once — a lock-free store reruns it when a concurrent writer got there first — so it
//! must have no effect outside the view (compute the reply from the view, apply side effects
//! after `view` returns).

use bytes::Bytes;

use crate::value::{Entry, Value};

/// What a command will touch. Keys are `(database, key)` pairs.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// Only these keys; `write` if any of them may change.
    Keys { keys: &'a [(usize, &'a [u8])], write: bool },
    /// A whole database, as one atomic picture (KEYS, SORT ... BY, FLUSHDB).
    Db { db: usize, write: bool },
    /// A whole database, read a part at a time (SCAN, RANDOMKEY, DBSIZE, INFO keyspace):
    /// not one atomic picture across the parts, so that a reader holds up no writer for
    /// longer than one part takes to read. What each method returns is still true of
    /// some moment of the view: `len` is exact, and a SCAN step visits its part whole.
    Sweep { db: usize },
    /// Every database, exclusively (FLUSHALL, SWAPDB, MULTI/EXEC).
    All,
}

impl Scope<'_> {
    /// Whether a view of this scope may write.
    pub fn writes(&self) -> bool {
        match *self {
            Scope::Keys { write, .. } | Scope::Db { write, .. } => write,
            Scope::Sweep { .. } => false,
            Scope::All => true,
        }
    }
}

/// The keyspace as one command sees it while it runs. Methods that touch a key outside the
/// view's scope panic: that is a bug in the command's key specification.
///
/// Expired keys are invisible: `get` returns `None` for them (and deletes them when the
/// view may write), exactly like Redis's lazy expiry.
pub trait KeyView {
    /// Unix milliseconds when the view was opened; the command's notion of "now" (Redis
    /// also uses one cached time per command, so a key can't expire half-way through).
    fn now(&self) -> i64;

    /// The live entry at `key`, if any.
    fn get(&mut self, db: usize, key: &[u8]) -> Option<&Entry>;

    /// Like [`KeyView::get`] but without recording an access (Redis's `LOOKUP_NOTOUCH`):
    /// EXISTS, TYPE, TTL and OBJECT look at a key without making it less idle. The default
    /// records one; stores that keep access times override it.
    fn peek(&mut self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.get(db, key)
    }

    /// The live value at `key`, for changing in place. Its expiry is unchanged.
    fn get_mut(&mut self, db: usize, key: &[u8]) -> Option<&mut Value>;

    /// Sets `key` to `entry` (value and expiry), replacing whatever it held. (It returns
    /// nothing: handing back the old entry would cost the lock-free store a copy of it.)
    fn insert(&mut self, db: usize, key: Bytes, entry: Entry);

    /// Deletes `key`, returning its live entry.
    fn remove(&mut self, db: usize, key: &[u8]) -> Option<Entry>;

    /// Sets the absolute expiry of an existing live key (`NO_EXPIRY` to persist it).
    /// Returns false if the key does not exist.
    fn set_expiry(&mut self, db: usize, key: &[u8], at: i64) -> bool;

    /// Number of keys in `db`, expired-but-not-yet-collected keys included (as DBSIZE in Redis).
    /// Needs `Scope::Db` or `Scope::All`.
    fn len(&mut self, db: usize) -> usize;

    /// Number of keys in `db` that have an expiry (INFO keyspace `expires=`).
    fn expires_len(&mut self, db: usize) -> usize;

    /// One step of a SCAN over `db`: calls `visit` for about `count` keys from `cursor`, and
    /// returns the cursor to continue from (0 when the iteration is complete). Every key that
    /// exists for the whole iteration is visited at least once. Expired keys are visited too;
    /// the caller filters them.
    fn scan(&mut self, db: usize, cursor: u64, count: usize, visit: &mut dyn FnMut(&Bytes, &Entry)) -> u64;

    /// Calls `visit` for every key in `db` (KEYS), expired keys included.
    fn for_each(&mut self, db: usize, visit: &mut dyn FnMut(&Bytes, &Entry));

    /// A uniformly-ish random key of `db`, possibly expired; `None` if `db` is empty.
    fn random_key(&mut self, db: usize) -> Option<Bytes>;

    /// Deletes every key of `db`; returns how many there were.
    fn clear(&mut self, db: usize) -> usize;

    /// Swaps the contents of two databases. Needs `Scope::All`.
    fn swap(&mut self, a: usize, b: usize);

    /// Number of databases.
    fn databases(&self) -> usize;
}

/// A keyspace implementation. See the module documentation for the contract of `view`.
pub trait Store: Send + Sync + 'static {
    /// Short name, as `--store` takes it and INFO reports it.
    fn name(&self) -> &'static str;

    /// Number of databases.
    fn databases(&self) -> usize;

    /// Runs `f` over `scope`, atomically with respect to every overlapping view. `f` may run
    /// more than once; only its last run counts.
    fn view(&self, scope: Scope<'_>, f: &mut dyn FnMut(&mut dyn KeyView));

    /// True if a read view over several keys holds no lock another thread could wait for,
    /// so that prefetching a pipelined batch's keys through one (`Session::with_prefetch`)
    /// costs other clients nothing even when they run concurrently.
    fn lock_free_reads(&self) -> bool;

    /// How many independent slots the active expire cycle walks per database (shards).
    fn expire_slots(&self) -> usize;

    /// Samples up to `count` keys that have an expiry from `slot` of `db`, deletes those
    /// expired at `now` (pushing their names to `expired`), and returns how many it sampled.
    fn expire_sample(&self, db: usize, slot: usize, count: usize, now: i64, expired: &mut Vec<Bytes>) -> usize;

    /// Total keys expired (lazily or actively) since start, for INFO `expired_keys`.
    fn expired_count(&self) -> u64;

    /// Begins a point-in-time snapshot of every database for a background save: what it
    /// yields is the keyspace as it was at the instant this returns, however clients write
    /// meanwhile. Writers are never stopped for long (each store says how it manages).
    /// At most one snapshot exists at a time.
    fn snapshot(&self) -> Box<dyn Snapshot + Send + '_>;

    /// Moves the keys deleted by lazy expiry (on access, inside views) since the last call
    /// to `out`, so the engine can publish their `expired` events and touch watchers.
    fn take_lazily_expired(&self, out: &mut Vec<(usize, Bytes)>) {
        let _ = out;
    }
}

/// A point-in-time copy of the keyspace being written out (see [`Store::snapshot`]).
pub trait Snapshot {
    /// Keys, and keys with an expiry, per database when the snapshot began.
    fn sizes(&self) -> &[(u64, u64)];

    /// Calls `visit` for every key of `db` as it was when the snapshot began, expired keys
    /// included. Each database is visited at most once; stops at `visit`'s first error.
    fn visit_db(
        &mut self,
        db: usize,
        visit: &mut dyn FnMut(&Bytes, &Entry) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
}

/// Keys lazily expired inside views, waiting for the engine to collect them. Bounded in
/// practice: the dispatcher drains it after every command.
#[derive(Default)]
pub struct LazyExpired {
    keys: parking_lot::Mutex<Vec<(usize, Bytes)>>,
    pending: std::sync::atomic::AtomicBool,
}

impl LazyExpired {
    pub fn record(&self, keys: &mut Vec<(usize, Bytes)>) {
        if !keys.is_empty() {
            self.keys.lock().append(keys);
            self.pending.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    pub fn take(&self, out: &mut Vec<(usize, Bytes)>) {
        // A plain load first: the common case (nothing expired) writes no shared cache line.
        if self.pending.load(std::sync::atomic::Ordering::Relaxed)
            && self.pending.swap(false, std::sync::atomic::Ordering::AcqRel)
        {
            out.append(&mut self.keys.lock());
        }
    }
}

/// Typed convenience over [`Store::view`]: returns the closure's result.
pub fn with_view<R>(store: &dyn Store, scope: Scope<'_>, mut f: impl FnMut(&mut dyn KeyView) -> R) -> R {
    let mut out = None;
    store.view(scope, &mut |kv| out = Some(f(kv)));
    match out {
        Some(r) => r,
        None => unreachable!("Store::view must run its closure at least once"),
    }
}

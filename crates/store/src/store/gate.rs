//! [`ViewGate`]: the mutex store's reader-writer gate, built for a read side taken once per
//! view (hundreds of thousands of times a second per thread) and a write side taken rarely
//! (EXEC, FLUSHALL, SWAPDB, the start of a snapshot).
//!
//! A reader counts itself in one of [`READER_SLOTS`] counters, each on its own cache line,
//! picked by thread: readers on different cores do not share a line, and entering is one
//! atomic add on a line the thread already owns plus a load of the `closed` flag. A writer
//! sets `closed` and waits for every counter to drain. The two sides meet Dekker-style:
//! a reader adds, then loads `closed`; a writer stores `closed`, then loads the counters,
//! all sequentially consistent, so at least one of them sees the other.
//!
//! (crossbeam's `ShardedLock` has the same shape, but its read side — a registered
//! thread-index lookup and a `std` `RwLock` per shard — cost 30–40 ns per view, 5–8% of an
//! event-loop request at pipeline depth 16; this one costs a few.)
//!
//! Not reentrant: a thread holding the gate must not take it again (a second shared entry
//! would wait on a writer that waits on the first).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;
use parking_lot::{Mutex, MutexGuard};

/// Reader counters per gate. Threads beyond this share counters (correct, a little slower).
pub(crate) const READER_SLOTS: usize = 64;

thread_local! {
    /// This thread's reader counter, assigned round-robin on first use.
    static SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

fn my_slot() -> usize {
    SLOT.with(|slot| match slot.get() {
        usize::MAX => {
            let mine = NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % READER_SLOTS;
            slot.set(mine);
            mine
        }
        mine => mine,
    })
}

pub(crate) struct ViewGate {
    readers: Box<[CachePadded<AtomicUsize>]>,
    /// Set while a writer holds the gate or waits for readers to leave.
    closed: AtomicBool,
    /// Held by the writer for as long as it holds the gate: one writer at a time, and the
    /// lock a reader turned away by `closed` waits on.
    writer: Mutex<()>,
}

impl Default for ViewGate {
    fn default() -> ViewGate {
        ViewGate {
            readers: (0..READER_SLOTS).map(|_| CachePadded::new(AtomicUsize::new(0))).collect(),
            closed: AtomicBool::new(false),
            writer: Mutex::new(()),
        }
    }
}

impl ViewGate {
    pub fn shared(&self) -> SharedGate<'_> {
        let count = &self.readers[my_slot()];
        count.fetch_add(1, Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            count.fetch_sub(1, Ordering::Release);
            // No writer holds the gate while this thread holds the writer lock, so `closed`
            // is clear; a writer that comes next will wait for this reader.
            let _writer = self.writer.lock();
            count.fetch_add(1, Ordering::SeqCst);
        }
        SharedGate { count }
    }

    pub fn exclusive(&self) -> ExclusiveGate<'_> {
        let writer = self.writer.lock();
        self.closed.store(true, Ordering::SeqCst);
        for count in self.readers.iter() {
            let mut spins = 0u32;
            while count.load(Ordering::SeqCst) != 0 {
                // A reader is inside one view: short, unless its thread was preempted.
                if spins < 64 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
                spins = spins.saturating_add(1);
            }
        }
        ExclusiveGate { closed: &self.closed, _writer: writer }
    }
}

/// The gate held shared; leaves on drop.
pub(crate) struct SharedGate<'a> {
    count: &'a AtomicUsize,
}

impl Drop for SharedGate<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::Release);
    }
}

/// The gate held exclusively; reopens on drop.
pub(crate) struct ExclusiveGate<'a> {
    closed: &'a AtomicBool,
    _writer: MutexGuard<'a, ()>,
}

impl Drop for ExclusiveGate<'_> {
    fn drop(&mut self) {
        self.closed.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_writer_waits_for_readers_and_readers_wait_for_a_writer() {
        let gate = Arc::new(ViewGate::default());
        // Readers and writers each bump a plain counter pair; a writer checks that no
        // reader is inside (`inside` is 0) while it holds the gate.
        let inside = Arc::new(AtomicUsize::new(0));
        let writes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (gate, inside, writes) = (gate.clone(), inside.clone(), writes.clone());
                std::thread::spawn(move || {
                    for i in 0..2_000 {
                        if (i + t) % 50 == 0 {
                            let _g = gate.exclusive();
                            assert_eq!(inside.load(Ordering::SeqCst), 0, "a reader inside an exclusive hold");
                            writes.fetch_add(1, Ordering::SeqCst);
                        } else {
                            let _g = gate.shared();
                            inside.fetch_add(1, Ordering::SeqCst);
                            std::hint::spin_loop();
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("gate thread");
        }
        assert_eq!(writes.load(Ordering::SeqCst), 4 * 40);
    }

    #[test]
    fn readers_do_not_exclude_each_other() {
        let gate = ViewGate::default();
        let first = gate.shared();
        let other = std::thread::scope(|s| s.spawn(|| drop(gate.shared())).join());
        assert!(other.is_ok());
        drop(first);
        drop(gate.exclusive());
    }
}

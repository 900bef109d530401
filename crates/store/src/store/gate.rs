//! [`ViewGate`]: the mutex store's reader-writer gate, built for a read side taken once per
//! view (hundreds of thousands of times a second per thread) and a write side taken rarely
//! (EXEC, FLUSHALL, SWAPDB, the start of a snapshot).
//!
//! A reader counts itself in a counter of its own thread's, on its own cache line; a writer
//! sets `closed` and waits for every counter to drain. The two sides meet Dekker-style: a
//! reader stores its count, then loads `closed`; a writer stores `closed`, then loads the
//! counts; each needs a full memory barrier between its store and its load, so that at
//! least one of them sees the other.
//!
//! **Asymmetric barrier.** A locked instruction per entry and exit cost ≈3% of an
//! event-loop request (a locked instruction is ≈10–20 ns on the development VM). On Linux
//! the reader's barrier is moved to the writer: a reader's store and load are plain (only
//! the compiler is kept from reordering them), and the writer calls
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which runs a full barrier on every CPU
//! running one of this process's threads — the technique of userspace RCU and folly's
//! asymmetric fences. That costs the writer a system call and interrupts to the other
//! CPUs, so it skips it when no other thread has ever entered this gate (the event loop:
//! its EXEC has the gate to itself). Where `membarrier` is missing, readers take the
//! locked path.
//!
//! Counters belong to threads: a thread leases one of [`READER_SLOTS`] on first use and
//! gives it back when it exits, so a counter has one writer and its exit can be a plain
//! store. Threads beyond that share an overflow counter, with locked adds.
//!
//! Not reentrant: a thread holding the gate must not take it again (a second shared entry
//! would wait on a writer that waits on the first).

use std::sync::atomic::{compiler_fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;

use crossbeam_utils::CachePadded;
use parking_lot::{Mutex, MutexGuard};

/// Threads that can hold a counter of their own at once; more share the overflow counter.
pub(crate) const READER_SLOTS: usize = 64;

/// The process's free counters, and the next never used.
static FREE_SLOTS: Mutex<(Vec<usize>, usize)> = Mutex::new((Vec::new(), 0));

/// A thread's counter index, given back when the thread exits.
struct SlotLease(Option<usize>);

impl SlotLease {
    fn take() -> SlotLease {
        let mut free = FREE_SLOTS.lock();
        if let Some(slot) = free.0.pop() {
            return SlotLease(Some(slot));
        }
        let next = free.1;
        if next < READER_SLOTS {
            free.1 += 1;
            return SlotLease(Some(next));
        }
        SlotLease(None)
    }
}

impl Drop for SlotLease {
    fn drop(&mut self) {
        // A thread exits outside any view, so its counter reads 0 in every gate.
        if let Some(slot) = self.0 {
            FREE_SLOTS.lock().0.push(slot);
        }
    }
}

thread_local! {
    static LEASE: SlotLease = SlotLease::take();
}

/// This thread's own counter, if it has one.
fn my_slot() -> Option<usize> {
    LEASE.try_with(|lease| lease.0).ok().flatten()
}

/// Linux's `membarrier`: whether this process may rely on it (registered once).
fn asymmetric() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(membarrier::register)
}

#[cfg(target_os = "linux")]
mod membarrier {
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    pub fn register() -> bool {
        // SAFETY: the membarrier system call takes no pointers.
        unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 }
    }

    /// A full memory barrier on every CPU running a thread of this process.
    pub fn heavy() {
        // SAFETY: as above.
        let done = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0, 0) };
        assert_eq!(done, 0, "membarrier failed after registering: {}", std::io::Error::last_os_error());
    }
}

#[cfg(not(target_os = "linux"))]
mod membarrier {
    pub fn register() -> bool {
        false
    }

    pub fn heavy() {
        unreachable!("readers take the locked path without membarrier")
    }
}

pub(crate) struct ViewGate {
    readers: Box<[CachePadded<AtomicUsize>]>,
    /// Counters of threads beyond [`READER_SLOTS`], with locked adds.
    overflow: CachePadded<AtomicUsize>,
    /// Bit `i`: counter `i` has been used on this gate (so a writer must look at it).
    used: AtomicU64,
    /// Set while a writer holds the gate or waits for readers to leave.
    closed: AtomicBool,
    /// Held by the writer for as long as it holds the gate: one writer at a time, and the
    /// lock a reader turned away by `closed` waits on.
    writer: Mutex<()>,
    asymmetric: bool,
}

impl Default for ViewGate {
    fn default() -> ViewGate {
        ViewGate {
            readers: (0..READER_SLOTS).map(|_| CachePadded::new(AtomicUsize::new(0))).collect(),
            overflow: CachePadded::new(AtomicUsize::new(0)),
            used: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            writer: Mutex::new(()),
            asymmetric: asymmetric(),
        }
    }
}

impl ViewGate {
    pub fn shared(&self) -> SharedGate<'_> {
        let Some(slot) = my_slot() else { return self.shared_overflow() };
        let count = &self.readers[slot];
        let bit = 1u64 << slot;
        if self.used.load(Ordering::Relaxed) & bit == 0 {
            // First entry of this thread: a locked operation (a full barrier) the writer's
            // `used` load pairs with, before the writer knows to send its barrier here.
            self.used.fetch_or(bit, Ordering::SeqCst);
        }
        let closed = if self.asymmetric {
            count.store(1, Ordering::Relaxed);
            // The writer's membarrier orders this store before the load below.
            compiler_fence(Ordering::SeqCst);
            self.closed.load(Ordering::Acquire)
        } else {
            count.store(1, Ordering::SeqCst);
            self.closed.load(Ordering::SeqCst)
        };
        if closed {
            count.store(0, Ordering::Release);
            // No writer holds the gate while this thread holds the writer lock, so `closed`
            // is clear; a writer that comes next will see this count.
            let _writer = self.writer.lock();
            count.store(1, Ordering::Relaxed);
        }
        SharedGate { count, owned: true }
    }

    fn shared_overflow(&self) -> SharedGate<'_> {
        let count = &self.overflow;
        count.fetch_add(1, Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            count.fetch_sub(1, Ordering::Release);
            let _writer = self.writer.lock();
            count.fetch_add(1, Ordering::SeqCst);
        }
        SharedGate { count, owned: false }
    }

    pub fn exclusive(&self) -> ExclusiveGate<'_> {
        let writer = self.writer.lock();
        self.closed.store(true, Ordering::SeqCst);
        let mine = my_slot().map_or(0, |slot| {
            debug_assert_eq!(self.readers[slot].load(Ordering::Relaxed), 0, "exclusive while holding the gate shared");
            1u64 << slot
        });
        // This thread holds no count (not reentrant), so only the others' matter.
        let others = self.used.load(Ordering::SeqCst) & !mine;
        if self.asymmetric && others != 0 {
            membarrier::heavy();
        }
        let counts = (0..READER_SLOTS).filter(|i| others & (1 << i) != 0).map(|i| &*self.readers[i]);
        for count in counts.chain([&*self.overflow]) {
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
    /// The count is this thread's alone (a plain store leaves), not the shared overflow.
    owned: bool,
}

impl Drop for SharedGate<'_> {
    fn drop(&mut self) {
        if self.owned {
            self.count.store(0, Ordering::Release);
        } else {
            self.count.fetch_sub(1, Ordering::Release);
        }
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

    /// Readers and writers on `threads` threads; a writer checks that no reader is inside.
    fn exclusion(threads: usize) {
        let gate = Arc::new(ViewGate::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let writes = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..threads)
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
        for h in handles {
            h.join().expect("gate thread");
        }
        assert_eq!(writes.load(Ordering::SeqCst), threads * 40);
    }

    #[test]
    fn a_writer_waits_for_readers_and_readers_wait_for_a_writer() {
        exclusion(4);
    }

    #[test]
    fn threads_beyond_the_counters_share_the_overflow_and_are_excluded_too() {
        exclusion(READER_SLOTS + 8);
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

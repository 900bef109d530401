//! A batch: the pipelined requests a session runs at once, between two reads of its
//! socket. Per-command costs that need not be paid per command are paid once per batch:
//! the views share readings of the clock, and the statistics a command counts (commands,
//! changes, keyspace hits and misses) wait in its client ([`crate::engine::Counts`]) and
//! reach the engine's shared counters when the batch ends. On one thread those are a
//! locked instruction each per command; across many, a cache line every core writes.
//!
//! What the batch may not change: a command that is not `fast` (it may have run long, or
//! it reads the counters: INFO, SAVE) adds what waits first and makes the next view read
//! the clock again, so no view runs at a time older than a few fast commands.

use std::cell::Cell;

use crate::clock::now_ms;

/// Views that share one reading of the clock inside a batch before it is read again.
const BATCH_VIEWS: u32 = 16;

thread_local! {
    /// This thread's batch: (a batch is running, its time in unix ms, views left before the
    /// clock is read again).
    static BATCH: Cell<(bool, i64, u32)> = const { Cell::new((false, 0, 0)) };
}

/// While alive, this thread runs a batch (see the module documentation).
pub struct Batch(());

impl Batch {
    pub fn start() -> Batch {
        BATCH.with(|b| b.set((true, 0, 0)));
        Batch(())
    }

    /// True while this thread runs a batch.
    pub fn active() -> bool {
        BATCH.with(|b| b.get().0)
    }

    /// The next view reads the clock again.
    pub fn stale() {
        BATCH.with(|b| {
            let (on, ms, _) = b.get();
            b.set((on, ms, 0));
        });
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        BATCH.with(|b| b.set((false, 0, 0)));
    }
}

/// The time a store view runs at: [`now_ms`], or inside a batch the batch's reading.
pub fn view_now_ms() -> i64 {
    BATCH.with(|b| match b.get() {
        (false, _, _) => now_ms(),
        (true, ms, left) if left > 0 => {
            b.set((true, ms, left - 1));
            ms
        }
        (true, _, _) => {
            let ms = now_ms();
            b.set((true, ms, BATCH_VIEWS - 1));
            ms
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_share_a_reading_inside_a_batch_until_it_goes_stale() {
        let outside = view_now_ms();
        assert!((outside - now_ms()).abs() < 1000);
        assert!(!Batch::active());
        let batch = Batch::start();
        assert!(Batch::active());
        let first = view_now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // The next views reuse the reading...
        assert_eq!(view_now_ms(), first);
        // ...until a command may have run long,
        Batch::stale();
        assert!(view_now_ms() >= first + 20);
        // or BATCH_VIEWS views have shared it.
        let second = view_now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let later: Vec<i64> = (0..BATCH_VIEWS).map(|_| view_now_ms()).collect();
        assert!(later[..BATCH_VIEWS as usize - 2].iter().all(|&t| t == second));
        assert!(*later.last().unwrap() >= second + 20);
        drop(batch);
        assert!(!Batch::active());
    }
}

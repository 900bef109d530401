//! [`prefetch`]: a cache hint, for data structures that know which memory they will read
//! next before they read it (the mutex store's shard index).

/// Asks the CPU to start loading the cache line holding `*r`; a hint that never faults and
/// changes nothing.
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints the cache; it cannot fault, and SSE is part of the
    // x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((r as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

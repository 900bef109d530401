//! Clocks: unix milliseconds for expiry, and a coarse seconds clock for access times.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Microseconds since the unix epoch.
pub fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Seconds since the unix epoch, truncated to u32 (enough for idle times until 2106).
pub fn lru_clock() -> u32 {
    (now_ms() / 1000) as u32
}

//! The two clocks an adapter reads, from the standard library: monotonic
//! milliseconds for timers, Unix milliseconds for timestamps.

use natter_core::Millis;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn wall_clock() -> Millis {
    let since = SystemTime::now().duration_since(UNIX_EPOCH);
    Millis(since.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
}

/// Milliseconds on a monotonic clock (since this process first asked), for
/// timers: it never steps when the wall clock is set.
pub fn monotonic_clock() -> Millis {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    Millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

//! The clocks, and the tokio runtime for the driver: monotonic time and
//! tokio timers.

use futures::future::{BoxFuture, FutureExt};
use natter_core::{Millis, Now};
use natter_driver::Runtime;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn wall_clock() -> Millis {
    Millis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    )
}

/// Milliseconds on a monotonic clock (since this process first asked),
/// for timers: it never steps when the wall clock is set.
pub fn monotonic_clock() -> Millis {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    Millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

/// Both clocks now, for a server input.
pub fn server_now() -> Now {
    Now::new(monotonic_clock(), wall_clock())
}

/// [`Runtime`] on tokio, on the monotonic clock (the client core learns the
/// server's wall clock from `welcome`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn now(&self) -> Millis {
        monotonic_clock()
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        tokio::time::sleep(at.saturating_since(monotonic_clock())).boxed()
    }
}

//! The tokio runtime for the driver: wall-clock time and tokio timers.

use futures::future::{BoxFuture, FutureExt};
use natter_core::Millis;
use natter_driver::Runtime;
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn wall_clock() -> Millis {
    Millis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// [`Runtime`] on tokio.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    fn now(&self) -> Millis {
        wall_clock()
    }

    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()> {
        tokio::time::sleep(at.saturating_since(wall_clock())).boxed()
    }
}

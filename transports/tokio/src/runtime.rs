//! The clocks, and the tokio runtime for the driver: monotonic time and
//! tokio timers.

use futures::future::{BoxFuture, FutureExt};
use natter_core::Millis;
use natter_driver::Runtime;
use natter_driver::monotonic_clock;
pub use natter_driver::wall_clock;

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

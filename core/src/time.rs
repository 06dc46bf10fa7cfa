//! The one time type of the core.
//!
//! The core never reads a clock: every input that depends on time carries a
//! [`Millis`] chosen by the caller. On the wire, timestamps assigned by the
//! server are milliseconds since the Unix epoch; a client may drive its own
//! state machine with any monotonic millisecond clock.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A point in time, in whole milliseconds.
///
/// Encoded on the wire as a JSON number. Values up to 2^53 − 1 are exact in
/// every JSON implementation; the protocol never needs more.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Millis(pub u64);

impl Millis {
    /// The zero instant.
    pub const ZERO: Millis = Millis(0);

    /// The instant `d` later, saturating at the maximum.
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Millis {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Millis(self.0.saturating_add(ms))
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub fn saturating_since(self, earlier: Millis) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Millis(u64::MAX - 1).saturating_add(Duration::from_secs(1)),
            Millis(u64::MAX)
        );
        assert_eq!(
            Millis(5).saturating_add(Duration::from_millis(7)),
            Millis(12)
        );
        assert_eq!(Millis(3).saturating_since(Millis(10)), Duration::ZERO);
        assert_eq!(
            Millis(10).saturating_since(Millis(3)),
            Duration::from_millis(7)
        );
    }
}

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

/// The time of one server input on the server's two clocks.
///
/// `mono` drives timers (keep-alive and idle deadlines): a monotonic clock
/// that never steps, such as milliseconds since the process started. `wall`
/// is Unix time in milliseconds, for what the protocol timestamps (message
/// and notice `ts`, `welcome.time`) and what tokens and mutes name. Kept
/// apart, a wall-clock step neither closes idle connections nor stalls
/// timers: a step forward only expires the tokens it passes, a step back
/// only delays them.
///
/// A [`Millis`] converts into a `Now` with both clocks reading the same,
/// which is what tests and simulations with one virtual clock want.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Now {
    /// The monotonic clock, for timers.
    pub mono: Millis,
    /// Unix time, for timestamps and expiries.
    pub wall: Millis,
}

impl Now {
    /// The two clocks' readings at one instant.
    pub fn new(mono: Millis, wall: Millis) -> Now {
        Now { mono, wall }
    }

    /// The monotonic instant at which the wall clock will read `wall`, if
    /// neither clock steps (`mono` itself when `wall` has passed).
    #[must_use]
    pub fn mono_at(self, wall: Millis) -> Millis {
        Millis(
            self.mono
                .0
                .saturating_add(wall.0.saturating_sub(self.wall.0)),
        )
    }
}

impl From<Millis> for Now {
    fn from(at: Millis) -> Now {
        Now { mono: at, wall: at }
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

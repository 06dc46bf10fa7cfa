//! The choices commands take, as enums rather than booleans, so a call
//! reads as what it does: `mute(now, g, users, Mute::For(..))`, not
//! `mute(now, g, users, true, Some(60_000))`.

use crate::ids::UserId;
use std::time::Duration;

/// Admin role: give it or take it ([`Client::set_admin`](super::Client::set_admin)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Admin {
    /// Make the member an admin.
    Grant,
    /// Make the admin a plain member.
    Revoke,
}

/// Muting members ([`Client::mute`](super::Client::mute)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mute {
    /// Until lifted.
    Indefinitely,
    /// For this long (whole milliseconds).
    For(Duration),
    /// Lift a mute.
    Lift,
}

impl Mute {
    /// The wire's `mute` and `duration_ms`.
    pub(crate) fn wire(self) -> (bool, Option<u64>) {
        match self {
            Mute::Indefinitely => (true, None),
            Mute::For(d) => (true, Some(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))),
            Mute::Lift => (false, None),
        }
    }
}

/// Muting a whole group ([`Client::mute_all`](super::Client::mute_all)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MuteAll {
    /// Everyone but the owner, the admins and the allow list is muted.
    On {
        /// Members who may still send (at most 100).
        allow: Vec<UserId>,
    },
    /// Everyone may send again.
    Off,
}

/// An answer to a join request ([`Client::decide_join`](super::Client::decide_join)).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Let the user in.
    Accept,
    /// Keep the user out, optionally saying why.
    Refuse {
        /// Shown to the user in the refusal notice.
        reason: Option<String>,
    },
}

/// What deleting a conversation does to its stored history
/// ([`Client::delete_conversation`](super::Client::delete_conversation)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoredHistory {
    /// Keep it: history pages still return the messages.
    Keep,
    /// Delete it for this user only.
    Delete,
}

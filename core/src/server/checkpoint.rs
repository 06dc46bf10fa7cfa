//! Checkpoints: the server's durable state at one point, so that a restart
//! reads one checkpoint and replays only the records written after it,
//! however long the server has run (PROTOCOL.md §16.1).
//!
//! A checkpoint holds everything [`Server::restore`] would rebuild from
//! the records, except the messages beyond the resident window, which stay
//! in the message store. It is JSON: `{"version":2,"state":{…}}`; the
//! state's layout is private to this crate and may change with the
//! version. Version 2 keeps each inbox in a compact form
//! (`inbox_form`); this build reads versions 1 and 2.

use super::state::State;
use super::{Record, Server, ServerConfig};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// The checkpoint format this build writes; it reads this one and every
/// one since [`OLDEST_CHECKPOINT_VERSION`].
pub const CHECKPOINT_VERSION: u32 = 2;

/// The oldest checkpoint format this build reads.
pub const OLDEST_CHECKPOINT_VERSION: u32 = 1;

/// The server's durable state at one point, as bytes to store.
///
/// One a server hands out holds a copy of its state and is encoded the
/// first time its bytes are asked for, on the caller's thread: the server
/// pays for the copy, not for the encoding (a store's own thread can).
#[derive(Clone)]
pub struct Checkpoint {
    form: Form,
}

#[derive(Clone)]
enum Form {
    /// Read back from storage.
    Stored(Vec<u8>),
    /// Taken from a running server, encoded on first use.
    Taken {
        state: Box<State>,
        bytes: OnceLock<Vec<u8>>,
    },
}

impl std::fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.form {
            Form::Stored(bytes) => write!(f, "Checkpoint({} bytes)", bytes.len()),
            Form::Taken { bytes, .. } => match bytes.get() {
                Some(bytes) => write!(f, "Checkpoint({} bytes)", bytes.len()),
                None => f.write_str("Checkpoint(not yet encoded)"),
            },
        }
    }
}

impl PartialEq for Checkpoint {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Checkpoint {}

/// Why a server could not be restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The checkpoint is in a format this build does not read.
    #[error(
        "checkpoint format version {0} is not one this build reads ({OLDEST_CHECKPOINT_VERSION} to {CHECKPOINT_VERSION})"
    )]
    Version(u32),
    /// The checkpoint does not decode.
    #[error("the checkpoint does not decode: {0}")]
    Damaged(String),
}

#[derive(Serialize)]
struct Written<'a> {
    version: u32,
    state: &'a State,
}

#[derive(Deserialize)]
struct Head {
    version: u32,
}

#[derive(Deserialize)]
struct Read {
    state: State,
}

impl Checkpoint {
    /// A checkpoint read back from storage.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Checkpoint {
            form: Form::Stored(bytes),
        }
    }

    /// The bytes to store, encoded on the first call. Empty only if
    /// encoding failed, which the state's types rule out (every map key is
    /// a string or written as pairs); a store refuses to keep an empty
    /// checkpoint.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.form {
            Form::Stored(bytes) => bytes,
            Form::Taken { state, bytes } => bytes.get_or_init(|| {
                let written = Written {
                    version: CHECKPOINT_VERSION,
                    state,
                };
                serde_json::to_vec(&written).unwrap_or_default()
            }),
        }
    }

    /// A checkpoint of `state`, a copy.
    pub(crate) fn of(state: &State) -> Self {
        Checkpoint {
            form: Form::Taken {
                state: Box::new(state.clone()),
                bytes: OnceLock::new(),
            },
        }
    }

    fn state(&self) -> Result<State, RestoreError> {
        let damaged = |e: serde_json::Error| RestoreError::Damaged(e.to_string());
        let bytes = self.as_bytes();
        let head: Head = serde_json::from_slice(bytes).map_err(damaged)?;
        if !(OLDEST_CHECKPOINT_VERSION..=CHECKPOINT_VERSION).contains(&head.version) {
            return Err(RestoreError::Version(head.version));
        }
        let read: Read = serde_json::from_slice(bytes).map_err(damaged)?;
        read.state.check_inboxes().map_err(RestoreError::Damaged)?;
        Ok(read.state)
    }
}

impl Server {
    /// A server rebuilt from a checkpoint (if any) and the records written
    /// after it, in order. Without a checkpoint this is [`Server::restore`].
    pub fn restore_from(
        config: Arc<ServerConfig>,
        checkpoint: Option<&Checkpoint>,
        records: impl IntoIterator<Item = Record>,
    ) -> Result<Self, RestoreError> {
        let mut server = Server::new(config);
        if let Some(checkpoint) = checkpoint {
            let mut state = checkpoint.state()?;
            // The key the fresh state was given (`Server::new`), not derived again.
            let hash = server.state.users.hasher().clone();
            let config = &server.config;
            state.reopen(config.inbox_limit, config.dedup_window, hash);
            server.state = state;
        }
        server.replay(records);
        Ok(server)
    }

    /// A checkpoint of the state now, if one is due after `records` more
    /// records were handed out.
    pub(crate) fn checkpoint_due(&mut self, records: usize) -> Option<Checkpoint> {
        let every = self.config.checkpoint_every?;
        self.since_checkpoint = self
            .since_checkpoint
            .saturating_add(u64::try_from(records).unwrap_or(u64::MAX));
        if self.since_checkpoint < every {
            return None;
        }
        self.since_checkpoint = 0;
        Some(Checkpoint::of(&self.state))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::super::state::InboxEvent;
    use super::super::user_map::UserHash;
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn a_checkpoint_taken_is_encoded_when_its_bytes_are_first_asked_for() {
        let mut state = State::new(10, 10, UserHash::default());
        state.next_mid = 42;
        let taken = Checkpoint::of(&state);
        // Changing the server's state afterwards does not change the copy.
        state.next_mid = 43;
        assert_eq!(format!("{taken:?}"), "Checkpoint(not yet encoded)");
        let bytes = taken.as_bytes().to_vec();
        assert!(bytes.starts_with(br#"{"version":2,"state":{"next_mid":42,"#));
        assert_eq!(
            format!("{taken:?}"),
            format!("Checkpoint({} bytes)", bytes.len())
        );
        let stored = Checkpoint::from_bytes(bytes);
        assert_eq!(stored, taken);
        assert_eq!(stored.state().unwrap().next_mid, 42);
    }

    #[test]
    fn a_restored_server_hashes_its_users_under_its_own_key_and_finds_them() {
        let config = Arc::new(ServerConfig::new(b"restored".to_vec()));
        let mut state = State::new(10, 10, UserHash::default());
        let alice = UserId::new("alice").unwrap();
        state.user_mut(&alice).last_seq = crate::ids::Seq(7);
        let checkpoint = Checkpoint::of(&state);
        let server = Server::restore_from(config.clone(), Some(&checkpoint), []).unwrap();
        assert_eq!(*server.state.users.hasher(), config.user_hash());
        assert_ne!(config.user_hash(), UserHash::default());
        assert_eq!(server.inbox_seq(&alice), crate::ids::Seq(7));
    }

    #[test]
    fn an_inbox_that_does_not_end_at_its_users_newest_position_is_damage() {
        let mut state = State::new(10, 10, UserHash::default());
        let alice = UserId::new("alice").unwrap();
        let mut out = Vec::new();
        for _ in 0..3 {
            state.push(&alice, InboxEvent::Msg(crate::ids::MessageId(1)), &mut out);
        }
        let good = Checkpoint::of(&state);
        assert!(good.state().is_ok());
        let text = std::str::from_utf8(good.as_bytes()).unwrap();
        assert!(
            text.contains(r#""inbox":{"first":1,"events":[1,1,1]},"last_seq":3"#),
            "{text}"
        );
        for (from, to, ends, newest) in [
            (r#""last_seq":3"#, r#""last_seq":4"#, 3, 4),
            (r#""first":1"#, r#""first":2"#, 4, 3),
        ] {
            let bad = Checkpoint::from_bytes(text.replace(from, to).into_bytes());
            let why = format!(
                "the inbox of alice ends at position {ends} but the user's newest is {newest}"
            );
            assert_eq!(bad.state().map(|_| ()), Err(RestoreError::Damaged(why)));
        }
    }
}

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
use std::sync::Arc;

/// The checkpoint format this build writes; it reads this one and every
/// one since [`OLDEST_CHECKPOINT_VERSION`].
pub const CHECKPOINT_VERSION: u32 = 2;

/// The oldest checkpoint format this build reads.
pub const OLDEST_CHECKPOINT_VERSION: u32 = 1;

/// The server's durable state at one point, as bytes to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    bytes: Vec<u8>,
}

/// Why a server could not be restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The checkpoint is not one this build wrote.
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
        Checkpoint { bytes }
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The state, written; `None` only if serialization fails, which the
    /// state's types rule out (every map key is a string or written as
    /// pairs).
    pub(crate) fn of(state: &State) -> Option<Self> {
        let written = Written {
            version: CHECKPOINT_VERSION,
            state,
        };
        serde_json::to_vec(&written)
            .ok()
            .map(|bytes| Checkpoint { bytes })
    }

    fn state(&self) -> Result<State, RestoreError> {
        let damaged = |e: serde_json::Error| RestoreError::Damaged(e.to_string());
        let head: Head = serde_json::from_slice(&self.bytes).map_err(damaged)?;
        if !(OLDEST_CHECKPOINT_VERSION..=CHECKPOINT_VERSION).contains(&head.version) {
            return Err(RestoreError::Version(head.version));
        }
        let read: Read = serde_json::from_slice(&self.bytes).map_err(damaged)?;
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
            state.reopen(server.config.inbox_limit, server.config.dedup_window);
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
        Checkpoint::of(&self.state)
    }
}

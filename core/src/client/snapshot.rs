//! Keeping a client across an application restart.
//!
//! [`Client::snapshot`] captures what must survive: the session's user, the
//! request-id counter, the last processed inbox position, the outbox (every
//! unanswered request with its remaining time), the failed sends that may be
//! resent, and the conversation mirror. [`Client::restore`] rebuilds a client
//! from it; the next `hello` resumes from the saved position, and the saved
//! requests go out again with their ids.

use super::conversations::ConvState;
use super::outbox::Stage;
use super::{Client, Config};
use crate::codec::{Codec, MAX_FRAME_LIMIT};
use crate::frame::ClientFrame;
use crate::ids::{DeviceId, RequestId, Seq, UserId};
use crate::message::Conversation;
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The format version of [`Snapshot`].
pub const SNAPSHOT_VERSION: u32 = 1;

/// The state of a client worth keeping across a restart. Serialize it with
/// any serde format; it holds no secrets (no token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    user: UserId,
    device: DeviceId,
    request_counter: u64,
    last_seq: Seq,
    outbox: Vec<SavedRequest>,
    failed: Vec<serde_json::Value>,
    conversations: Vec<(Conversation, ConvState)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SavedRequest {
    frame: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    held_for: Option<RequestId>,
    uploading: bool,
    /// Milliseconds left before the deadline, when it has one.
    remaining_ms: Option<u64>,
    silent: bool,
}

impl Snapshot {
    /// The user of the saved session.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// The last processed inbox position.
    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }
}

/// Why a snapshot could not be restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The snapshot has another format version.
    #[error("snapshot version {found}, this client reads {SNAPSHOT_VERSION}")]
    Version {
        /// The version found.
        found: u32,
    },
    /// The snapshot belongs to another device than the config's.
    #[error("snapshot of device {saved}, config for device {config}")]
    Device {
        /// The saved device.
        saved: DeviceId,
        /// The configured device.
        config: DeviceId,
    },
    /// A saved request does not decode.
    #[error("saved request does not decode: {0}")]
    Request(String),
}

fn save(frame: &ClientFrame) -> serde_json::Value {
    serde_json::to_value(frame).unwrap_or(serde_json::Value::Null)
}

fn load(value: &serde_json::Value) -> Result<ClientFrame, RestoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| RestoreError::Request(e.to_string()))?;
    Codec::new(MAX_FRAME_LIMIT)
        .decode(&bytes)
        .map_err(|e| RestoreError::Request(e.to_string()))
}

impl Client {
    /// The state worth keeping, or `None` before the first session.
    pub fn snapshot(&self, now: Millis) -> Option<Snapshot> {
        let user = self.user.clone()?;
        let outbox = self
            .outbox
            .iter()
            .map(|(_, p)| SavedRequest {
                frame: save(&p.frame),
                held_for: match &p.stage {
                    Stage::Held { send } => Some(send.clone()),
                    _ => None,
                },
                uploading: p.stage == Stage::Uploading,
                remaining_ms: p.deadline.map(|d| d.0.saturating_sub(now.0)),
                silent: p.silent,
            })
            .collect();
        Some(Snapshot {
            version: SNAPSHOT_VERSION,
            user,
            device: self.config.device.clone(),
            request_counter: self.ids.counter,
            last_seq: self.inbox.processed,
            outbox,
            failed: self.failed.iter().map(|(_, f)| save(f)).collect(),
            conversations: self
                .mirror
                .convs
                .iter()
                .map(|(c, s)| (c.clone(), s.clone()))
                .collect(),
        })
    }

    /// A client rebuilt from a snapshot, not yet connected; deadlines
    /// continue from `now`.
    pub fn restore(
        config: Arc<Config>,
        token: impl Into<String>,
        now: Millis,
        snap: Snapshot,
    ) -> Result<Client, RestoreError> {
        if snap.version != SNAPSHOT_VERSION {
            return Err(RestoreError::Version {
                found: snap.version,
            });
        }
        if snap.device != config.device {
            return Err(RestoreError::Device {
                saved: snap.device,
                config: config.device.clone(),
            });
        }
        let mut client = Client::new(config, token);
        client.user = Some(snap.user);
        client.ids.counter = snap.request_counter;
        client.inbox.processed = snap.last_seq;
        client.inbox.reset_session();
        for saved in &snap.outbox {
            let frame = load(&saved.frame)?;
            let id = frame
                .request_id()
                .cloned()
                .ok_or_else(|| RestoreError::Request("a saved request has no id".into()))?;
            let stage = match (&saved.held_for, saved.uploading) {
                (Some(send), _) => Stage::Held { send: send.clone() },
                (None, true) => Stage::Uploading,
                (None, false) => Stage::Queued,
            };
            let deadline = saved
                .remaining_ms
                .map(|ms| Millis(now.0.saturating_add(ms)));
            client
                .outbox
                .insert(id, frame, stage, deadline, saved.silent);
        }
        for value in &snap.failed {
            let frame = load(value)?;
            if let Some(id) = frame.request_id().cloned() {
                client.failed.insert(id, frame);
            }
        }
        client.mirror.convs = snap.conversations.into_iter().collect();
        Ok(client)
    }
}

//! The message model: conversations, stored messages, tombstones and the
//! per-message options (`ext`, priority, online-only, push info).

use crate::body::Body;
use crate::ids::{GroupId, MessageId, RequestId, ThreadId, UserId};
use crate::time::Millis;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A conversation, named from the point of view of whoever reads the frame.
///
/// On the wire: `{"chat": "single" | "group" | "room" | "thread", "id": "..."}`.
/// For a one-to-one conversation the id is the *other* user, except in a
/// message's `to`, where it is the recipient (Easemob and Tencent do the same).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "chat", content = "id", rename_all = "snake_case")]
pub enum Conversation {
    /// One-to-one with a user.
    Single(UserId),
    /// A group: members, history, offline delivery.
    Group(GroupId),
    /// A chat room: delivered only to members online now, no offline inbox.
    Room(GroupId),
    /// A thread of a group (Agora's `isChatThread`).
    Thread(ThreadId),
}

impl Conversation {
    /// The conversation a message from `from` to `to` belongs to, as seen by
    /// `me`: for one-to-one messages, the other user.
    pub fn seen_by(me: &UserId, from: &UserId, to: &Conversation) -> Conversation {
        match to {
            Conversation::Single(_) if from != me => Conversation::Single(from.clone()),
            other => other.clone(),
        }
    }

    /// The id of the peer, group, room or thread, as a string.
    pub(crate) fn id_str(&self) -> &str {
        match self {
            Conversation::Single(user) => user.as_str(),
            Conversation::Group(group) | Conversation::Room(group) => group.as_str(),
            Conversation::Thread(thread) => thread.as_str(),
        }
    }

    /// The wire name of the chat type.
    pub fn chat(&self) -> &'static str {
        match self {
            Conversation::Single(_) => "single",
            Conversation::Group(_) => "group",
            Conversation::Room(_) => "room",
            Conversation::Thread(_) => "thread",
        }
    }
}

/// Delivery priority. When a group is over its rate limit, the server
/// delivers higher priorities first.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Delivered before everything else.
    High,
    /// The default.
    #[default]
    Normal,
    /// Delivered after normal messages.
    Low,
    /// Delivered last; the first to be shed.
    Lowest,
}

impl Priority {
    /// Whether this is the default priority (omitted on the wire).
    pub fn is_normal(&self) -> bool {
        *self == Priority::Normal
    }
}

/// Offline push settings of a message, used when a recipient has no
/// connected device.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PushInfo {
    /// Notification title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Notification text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Extra data for the push service, a JSON object.
    #[serde(default, skip_serializing_if = "Ext::is_empty")]
    pub extension: Ext,
    /// Send no push for this message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
    /// Do not raise the app's badge count.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_badge: bool,
}

/// The `ext` of a message: an application-defined JSON object.
///
/// Absent means empty. `null` or any non-object is rejected, unlike some
/// vendor SDKs that silently drop it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Ext(pub serde_json::Map<String, serde_json::Value>);

impl Ext {
    /// Whether the object has no keys (omitted on the wire).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

struct ExtVisitor;

impl<'de> Visitor<'de> for ExtVisitor {
    type Value = Ext;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (null is not allowed)")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Ext, A::Error> {
        Deserialize::deserialize(de::value::MapAccessDeserializer::new(map)).map(Ext)
    }
}

impl<'de> Deserialize<'de> for Ext {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ExtVisitor)
    }
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// A message as the server stored and delivers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Server-assigned id.
    pub mid: MessageId,
    /// The sender.
    pub from: UserId,
    /// Where it was sent.
    pub to: Conversation,
    /// Server time of acceptance (ms since the Unix epoch).
    pub ts: Millis,
    /// The sender's request id, so the sender's own devices can match the
    /// message to the request that sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<RequestId>,
    /// What it says.
    pub body: Body,
    /// Application data.
    #[serde(default, skip_serializing_if = "Ext::is_empty")]
    pub ext: Ext,
    /// Delivery priority.
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
    /// Delivered only to devices online now, never stored.
    #[serde(default, skip_serializing_if = "is_false")]
    pub online_only: bool,
    /// Readers may send group read acks for this message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub group_ack: bool,
    /// Its JSON once encoded, shared by every frame and row that carries it.
    #[serde(skip)]
    pub(crate) json: crate::json_cache::JsonCache,
}

impl Message {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(mid: MessageId, from: UserId, to: Conversation, ts: Millis, body: Body) -> Self {
        Message {
            mid,
            from,
            to,
            ts,
            req: Default::default(),
            body,
            ext: Default::default(),
            priority: Default::default(),
            online_only: Default::default(),
            group_ack: Default::default(),
            json: Default::default(),
        }
    }
}

/// What remains of a recalled message in history and conversation lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tombstone {
    /// The recalled message's id.
    pub mid: MessageId,
    /// Its sender.
    pub from: UserId,
    /// Its conversation, as in the original message's `to`.
    pub to: Conversation,
    /// When it was originally sent.
    pub ts: Millis,
    /// Who recalled it.
    pub recalled_by: UserId,
    /// When it was recalled.
    pub recalled_at: Millis,
}

impl Tombstone {
    /// One with every required field given.
    pub fn new(
        mid: MessageId,
        from: UserId,
        to: Conversation,
        ts: Millis,
        recalled_by: UserId,
        recalled_at: Millis,
    ) -> Self {
        Tombstone {
            mid,
            from,
            to,
            ts,
            recalled_by,
            recalled_at,
        }
    }
}

/// One entry of a history page or a conversation's last message: a message,
/// or the tombstone of a recalled one. Tagged by `kind` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A message (Agora's `is_revoked: false`), shared with the server's
    /// store and frames (a clone is a reference count).
    Message(std::sync::Arc<Message>),
    /// A recalled message (Agora's `is_revoked: true`).
    Tombstone(Tombstone),
}

impl Entry {
    /// The id of the message this entry stands for.
    pub fn mid(&self) -> MessageId {
        match self {
            Entry::Message(m) => m.mid,
            Entry::Tombstone(t) => t.mid,
        }
    }
}

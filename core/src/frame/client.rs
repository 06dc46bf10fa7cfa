//! Frames a client sends: the handshake, acks, and every request.
//!
//! Every request carries `id`, a [`RequestId`] the client chooses and keeps
//! across retries; the server answers each request exactly once (see
//! [`super::server`]).

use crate::body::Body;
use crate::ids::{DeviceId, GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
use crate::message::{Conversation, Ext, Message, Priority, PushInfo, is_false};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// Opens a session: the first frame on every connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Hello {
    /// Protocol versions the client speaks; the server picks the highest it
    /// also speaks.
    pub versions: Vec<u16>,
    /// The token from the application server.
    pub token: String,
    /// This device.
    pub device: DeviceId,
    /// The highest inbox sequence number this device has processed; the
    /// server replays everything after it. 0 (or absent): a new device.
    #[serde(default)]
    pub last_seq: Seq,
    /// Free-form client name and version, for the server's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

impl Hello {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(versions: Vec<u16>, token: String, device: DeviceId) -> Self {
        Hello {
            versions,
            token,
            device,
            last_seq: Default::default(),
            agent: Default::default(),
        }
    }
}

/// A keep-alive probe; the `pong` answer echoes `nonce`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Heartbeat {
    /// Any number; a `pong` echoes the `ping`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

impl Heartbeat {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new() -> Self {
        Heartbeat {
            nonce: Default::default(),
        }
    }
}

/// Cumulative acknowledgement: the device has processed every inbox event up
/// to and including `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Ack {
    /// The highest contiguous sequence number processed.
    pub seq: Seq,
}

impl Ack {
    /// One with every required field given.
    pub fn new(seq: Seq) -> Self {
        Ack { seq }
    }
}

/// Sends a message. Answered by `sent` or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Send {
    /// Request id; a retry reuses it.
    pub id: RequestId,
    /// The conversation to send to.
    pub to: Conversation,
    /// The content.
    pub body: Body,
    /// Application data, a JSON object.
    #[serde(default, skip_serializing_if = "Ext::is_empty")]
    pub ext: Ext,
    /// Delivery priority.
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
    /// Deliver only to devices online now; never store.
    #[serde(default, skip_serializing_if = "is_false")]
    pub online_only: bool,
    /// Let readers send group read acks (group owner or admin only).
    #[serde(default, skip_serializing_if = "is_false")]
    pub group_ack: bool,
    /// Offline push settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<Box<PushInfo>>,
}

impl Send {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, to: Conversation, body: Body) -> Self {
        Send {
            id,
            to,
            body,
            ext: Default::default(),
            priority: Default::default(),
            online_only: Default::default(),
            group_ack: Default::default(),
            push: Default::default(),
        }
    }

    /// The message this send asks for, as a server stores it: the id,
    /// sender and time are the server's, the request id is its `req`, and
    /// `push` is left behind (it is no part of the message). The server
    /// stores it so, and a version 2 client rebuilds its own copy so
    /// (PROTOCOL.md §6.3).
    pub(crate) fn into_message(self, mid: MessageId, from: UserId, ts: Millis) -> Message {
        Message {
            mid,
            from,
            to: self.to,
            ts,
            req: Some(self.id),
            body: self.body,
            ext: self.ext,
            priority: self.priority,
            online_only: self.online_only,
            group_ack: self.group_ack,
            json: Default::default(),
        }
    }
}

/// A request about one message: `recall` and `read_by`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageRef {
    /// Request id.
    pub id: RequestId,
    /// The message.
    pub mid: MessageId,
}

impl MessageRef {
    /// One with every required field given.
    pub fn new(id: RequestId, mid: MessageId) -> Self {
        MessageRef { id, mid }
    }
}

/// Which receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// The message reached the reader's device.
    Delivered,
    /// The reader has read the message.
    Read,
}

/// A delivered or read receipt for one message, forwarded to its sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    /// Request id.
    pub id: RequestId,
    /// Delivered or read.
    pub kind: ReceiptKind,
    /// The message.
    pub mid: MessageId,
}

impl Receipt {
    /// One with every required field given.
    pub fn new(id: RequestId, kind: ReceiptKind, mid: MessageId) -> Self {
        Receipt { id, kind, mid }
    }
}

/// A group read ack for a message sent with `group_ack`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupRead {
    /// Request id.
    pub id: RequestId,
    /// The message read.
    pub mid: MessageId,
    /// Optional text shown to the sender with the ack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl GroupRead {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, mid: MessageId) -> Self {
        GroupRead {
            id,
            mid,
            content: Default::default(),
        }
    }
}

/// Marks a conversation read ("channel ack"): its unread count becomes 0 on
/// every device of the user, and the other side is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvRead {
    /// Request id.
    pub id: RequestId,
    /// The conversation.
    pub conv: Conversation,
    /// The newest message the user has seen; messages after it stay unread.
    /// Absent: every message the server stored before it processed this
    /// request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upto: Option<MessageId>,
}

impl ConvRead {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, conv: Conversation) -> Self {
        ConvRead {
            id,
            conv,
            upto: Default::default(),
        }
    }
}

/// A request about one conversation: `conv_profile`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvRef {
    /// Request id.
    pub id: RequestId,
    /// The conversation.
    pub conv: Conversation,
}

impl ConvRef {
    /// One with every required field given.
    pub fn new(id: RequestId, conv: Conversation) -> Self {
        ConvRef { id, conv }
    }
}

/// Deletes a conversation from the user's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvDelete {
    /// Request id.
    pub id: RequestId,
    /// The conversation.
    pub conv: Conversation,
    /// Also delete the stored history, for this user only.
    #[serde(default)]
    pub history: bool,
}

impl ConvDelete {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, conv: Conversation) -> Self {
        ConvDelete {
            id,
            conv,
            history: Default::default(),
        }
    }
}

/// Which way a history page goes from its cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Older messages, newest first.
    #[default]
    Before,
    /// Newer messages, oldest first.
    After,
}

/// Asks for one page of a conversation's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryQuery {
    /// Request id.
    pub id: RequestId,
    /// The conversation.
    pub conv: Conversation,
    /// Start after this message (exclusive). Absent: from the newest
    /// (`before`) or the oldest (`after`) message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<MessageId>,
    /// Which way to go.
    #[serde(default)]
    pub direction: Direction,
    /// Page size, 1 to 100; 20 when absent.
    #[serde(default = "default_page")]
    pub limit: u16,
}

impl HistoryQuery {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, conv: Conversation) -> Self {
        HistoryQuery {
            id,
            conv,
            cursor: Default::default(),
            direction: Default::default(),
            limit: default_page(),
        }
    }
}

fn default_page() -> u16 {
    20
}

/// Asks for a page of the user's conversation list, most recent first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvListQuery {
    /// Request id.
    pub id: RequestId,
    /// The `next` cursor of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 100; 20 when absent.
    #[serde(default = "default_page")]
    pub limit: u16,
}

impl ConvListQuery {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId) -> Self {
        ConvListQuery {
            id,
            cursor: Default::default(),
            limit: default_page(),
        }
    }
}

/// Creates a thread rooted at a group message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadCreate {
    /// Request id.
    pub id: RequestId,
    /// The parent group.
    pub group: GroupId,
    /// The group message the thread starts from.
    pub root: MessageId,
    /// The thread's name.
    pub name: String,
}

impl ThreadCreate {
    /// One with every required field given.
    pub fn new(id: RequestId, group: GroupId, root: MessageId, name: String) -> Self {
        ThreadCreate {
            id,
            group,
            root,
            name,
        }
    }
}

/// A request about one thread: `thread_join`, `thread_leave`, `thread_destroy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadRef {
    /// Request id.
    pub id: RequestId,
    /// The thread.
    pub thread: ThreadId,
}

impl ThreadRef {
    /// One with every required field given.
    pub fn new(id: RequestId, thread: ThreadId) -> Self {
        ThreadRef { id, thread }
    }
}

/// Replaces the session's token before it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenRefresh {
    /// Request id.
    pub id: RequestId,
    /// The new token, for the same user.
    pub token: String,
}

impl TokenRefresh {
    /// One with every required field given.
    pub fn new(id: RequestId, token: String) -> Self {
        TokenRefresh { id, token }
    }
}

//! Frames a server sends: the handshake answer, answers to requests, and
//! notices.
//!
//! Answers carry the `id` of the request they answer; each request gets
//! exactly one (`sent`, `ok`, a typed result, or `error`). Notices that carry
//! `seq` are durable inbox events: the client acknowledges them cumulatively
//! and they are replayed after a reconnect until acknowledged. Notices
//! without `seq` are ephemeral (chat rooms, online-only messages, live
//! counters).

use super::client::ReceiptKind;
use crate::error::ErrorCode;
use crate::ids::{DeviceId, GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
use crate::message::{Conversation, Entry, Message};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// The answer to a `ping`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pong {
    /// The ping's `nonce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// Once the session is open: the user's newest inbox position, so that a
    /// client notices events lost at the tail of its inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
}

impl Pong {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new() -> Self {
        Pong {
            nonce: Default::default(),
            seq: Default::default(),
        }
    }
}

/// Accepts a `hello`: the session is open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Welcome {
    /// The protocol version chosen.
    pub version: u16,
    /// The authenticated user.
    pub user: UserId,
    /// The device, as sent in `hello`.
    pub device: DeviceId,
    /// The user's newest inbox position; events after the hello's `last_seq`
    /// up to this one follow (the replay).
    pub seq: Seq,
    /// The oldest inbox position the server still holds. When the hello's
    /// `last_seq + 1` is below it, events were dropped from a full inbox and
    /// the client should refresh its conversation list and history.
    pub oldest: Seq,
    /// The largest frame, in bytes of JSON, the server accepts.
    pub max_frame: u32,
    /// Send a `ping` when nothing was sent for this long (ms); the server
    /// closes connections silent for twice as long.
    pub ping_ms: u32,
    /// Server time now (ms since the Unix epoch).
    pub time: Millis,
    /// When the token expires (ms since the Unix epoch).
    pub token_expires: Millis,
}

impl Welcome {
    /// One with every required field given.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        version: u16,
        user: UserId,
        device: DeviceId,
        seq: Seq,
        oldest: Seq,
        max_frame: u32,
        ping_ms: u32,
        time: Millis,
        token_expires: Millis,
    ) -> Self {
        Welcome {
            version,
            user,
            device,
            seq,
            oldest,
            max_frame,
            ping_ms,
            time,
            token_expires,
        }
    }
}

/// Refuses a `hello`; the server closes the connection after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Refuse {
    /// 401, 419 or 426.
    pub code: ErrorCode,
    /// A human-readable reason.
    pub reason: String,
    /// The versions the server speaks.
    pub versions: Vec<u16>,
}

impl Refuse {
    /// One with every required field given.
    pub fn new(code: ErrorCode, reason: String, versions: Vec<u16>) -> Self {
        Refuse {
            code,
            reason,
            versions,
        }
    }
}

/// The answer to a `send`: the message is stored (persisted) and will be
/// delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sent {
    /// The request answered.
    pub id: RequestId,
    /// The id the server assigned.
    pub mid: MessageId,
    /// The server's timestamp of the message.
    pub ts: Millis,
    /// The sender's copy's place in the sender's inbox, when this answer
    /// stands for that copy on this connection: the copy is then not sent
    /// to this connection as a `msg` (PROTOCOL.md §6.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
}

impl Sent {
    /// One with every required field given; `seq` starts absent.
    pub fn new(id: RequestId, mid: MessageId, ts: Millis) -> Self {
        Sent {
            id,
            mid,
            ts,
            seq: None,
        }
    }
}

/// The answer to a request that succeeded and has nothing else to say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Done {
    /// The request answered.
    pub id: RequestId,
    /// For `group_join` of a group that needs approval: the request waits for
    /// the owner or an admin.
    #[serde(default, skip_serializing_if = "crate::message::is_false")]
    pub pending: bool,
}

impl Done {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId) -> Self {
        Done {
            id,
            pending: Default::default(),
        }
    }
}

/// A failed request, or (without `id`) a frame the server could not read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Failure {
    /// The request answered, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RequestId>,
    /// What went wrong.
    pub code: ErrorCode,
    /// A human-readable reason.
    pub reason: String,
}

impl Failure {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(code: ErrorCode, reason: String) -> Self {
        Failure {
            id: Default::default(),
            code,
            reason,
        }
    }
}

/// A message delivered to a recipient (or to the sender's other devices).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    /// Inbox position; absent for chat rooms and online-only messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// The message, shared with the server's store and every other
    /// delivery of it (a clone is a reference count; the codec encodes it
    /// once for all of them).
    pub msg: std::sync::Arc<Message>,
}

impl Delivery {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(msg: impl Into<std::sync::Arc<Message>>) -> Self {
        Delivery {
            seq: Default::default(),
            msg: msg.into(),
        }
    }
}

/// A message was recalled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recalled {
    /// Inbox position; absent for chat rooms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// The recalled message.
    pub mid: MessageId,
    /// Its sender.
    pub from: UserId,
    /// Its conversation, as in the message's `to`.
    pub to: Conversation,
    /// Who recalled it (the sender, or a group owner or admin).
    pub by: UserId,
    /// When.
    pub ts: Millis,
}

impl Recalled {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(mid: MessageId, from: UserId, to: Conversation, by: UserId, ts: Millis) -> Self {
        Recalled {
            seq: Default::default(),
            mid,
            from,
            to,
            by,
            ts,
        }
    }
}

/// A delivered or read receipt, forwarded to the message's sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptNotice {
    /// Inbox position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// Delivered or read.
    pub kind: ReceiptKind,
    /// The message.
    pub mid: MessageId,
    /// The recipient who sent the receipt.
    pub by: UserId,
    /// When.
    pub ts: Millis,
}

impl ReceiptNotice {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(kind: ReceiptKind, mid: MessageId, by: UserId, ts: Millis) -> Self {
        ReceiptNotice {
            seq: Default::default(),
            kind,
            mid,
            by,
            ts,
        }
    }
}

/// A conversation was read up to now ("channel ack"). Sent to the reader's
/// other devices (unread becomes 0) and, for one-to-one conversations, to the
/// peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvReadNotice {
    /// Inbox position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// The conversation, from the receiver's point of view.
    pub conv: Conversation,
    /// Who read it.
    pub by: UserId,
    /// Every message of the conversation up to and including this one is
    /// read; absent when the conversation had no message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upto: Option<MessageId>,
    /// When.
    pub ts: Millis,
}

impl ConvReadNotice {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(conv: Conversation, by: UserId, ts: Millis) -> Self {
        ConvReadNotice {
            seq: Default::default(),
            conv,
            by,
            upto: Default::default(),
            ts,
        }
    }
}

/// A live group read count update, to the sender of a `group_ack` message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupReadNotice {
    /// Inbox position; live updates are ephemeral, so usually absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// The message.
    pub mid: MessageId,
    /// The reader whose ack caused this update.
    pub reader: UserId,
    /// The reader's optional content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Distinct readers so far (absolute, not a delta).
    pub count: u32,
}

impl GroupReadNotice {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(mid: MessageId, reader: UserId, count: u32) -> Self {
        GroupReadNotice {
            seq: Default::default(),
            mid,
            reader,
            content: Default::default(),
            count,
        }
    }
}

/// One message's group read count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadCount {
    /// The message.
    pub mid: MessageId,
    /// Distinct readers so far.
    pub count: u32,
}

impl ReadCount {
    /// One with every required field given.
    pub fn new(mid: MessageId, count: u32) -> Self {
        ReadCount { mid, count }
    }
}

/// Sent after `welcome` when read counts of the user's `group_ack` messages
/// changed while none of the user's devices was online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadSummary {
    /// The counts, absolute.
    pub items: Vec<ReadCount>,
}

impl ReadSummary {
    /// One with every required field given.
    pub fn new(items: Vec<ReadCount>) -> Self {
        ReadSummary { items }
    }
}

/// One reader of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reader {
    /// Who.
    pub user: UserId,
    /// When the ack arrived.
    pub ts: Millis,
    /// The ack's optional content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl Reader {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(user: UserId, ts: Millis) -> Self {
        Reader {
            user,
            ts,
            content: Default::default(),
        }
    }
}

/// The answer to `read_by`: who has read a `group_ack` message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadBy {
    /// The request answered.
    pub id: RequestId,
    /// The message.
    pub mid: MessageId,
    /// Distinct readers.
    pub count: u32,
    /// The readers, oldest first (at most 100; `count` may be larger).
    pub readers: Vec<Reader>,
}

impl ReadBy {
    /// One with every required field given.
    pub fn new(id: RequestId, mid: MessageId, count: u32, readers: Vec<Reader>) -> Self {
        ReadBy {
            id,
            mid,
            count,
            readers,
        }
    }
}

/// A thread and its current state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadInfo {
    /// The thread.
    pub thread: ThreadId,
    /// Its parent group.
    pub group: GroupId,
    /// The group message it is rooted at.
    pub root: MessageId,
    /// Its name.
    pub name: String,
    /// Who created it.
    pub owner: UserId,
    /// When it was created.
    pub created: Millis,
    /// Messages sent in it (recalled ones included).
    pub count: u32,
    /// Its newest message or tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Entry>,
}

impl ThreadInfo {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(
        thread: ThreadId,
        group: GroupId,
        root: MessageId,
        name: String,
        owner: UserId,
        created: Millis,
        count: u32,
    ) -> Self {
        ThreadInfo {
            thread,
            group,
            root,
            name,
            owner,
            created,
            count,
            last: Default::default(),
        }
    }
}

/// The answer to `thread_create`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadCreated {
    /// The request answered.
    pub id: RequestId,
    /// The new thread.
    pub info: ThreadInfo,
}

impl ThreadCreated {
    /// One with every required field given.
    pub fn new(id: RequestId, info: ThreadInfo) -> Self {
        ThreadCreated { id, info }
    }
}

/// What changed in a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ThreadOp {
    /// The thread was created.
    Created,
    /// A message was sent in it; `info.count` and `info.last` are updated.
    Message,
    /// A message in it was recalled (`mid`).
    Recalled,
    /// The thread was destroyed.
    Destroyed,
}

/// A thread update, to every member of the parent group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadNotice {
    /// Inbox position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// What changed.
    pub op: ThreadOp,
    /// Who changed it.
    pub by: UserId,
    /// The message recalled, for `recalled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<MessageId>,
    /// The thread after the change.
    pub info: ThreadInfo,
}

impl ThreadNotice {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(op: ThreadOp, by: UserId, info: ThreadInfo) -> Self {
        ThreadNotice {
            seq: Default::default(),
            op,
            by,
            mid: Default::default(),
            info,
        }
    }
}

/// The answer to `history`: one page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HistoryPage {
    /// The request answered.
    pub id: RequestId,
    /// The conversation.
    pub conv: Conversation,
    /// Messages and tombstones, in the order asked (`before`: newest first).
    pub entries: Vec<Entry>,
    /// The cursor for the next page, when there may be more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<MessageId>,
    /// No more entries in this direction.
    pub done: bool,
}

impl HistoryPage {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, conv: Conversation, entries: Vec<Entry>, done: bool) -> Self {
        HistoryPage {
            id,
            conv,
            entries,
            next: Default::default(),
            done,
        }
    }
}

/// A conversation in the user's list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConversationInfo {
    /// The conversation.
    pub conv: Conversation,
    /// Messages from others not yet read.
    pub unread: u32,
    /// Its newest message or tombstone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Entry>,
    /// Group, room or thread name, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One-to-one: when the peer last read the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_read: Option<Millis>,
}

impl ConversationInfo {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(conv: Conversation, unread: u32) -> Self {
        ConversationInfo {
            conv,
            unread,
            last: Default::default(),
            name: Default::default(),
            peer_read: Default::default(),
        }
    }
}

/// The answer to `conv_list`: one page, most recent activity first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvList {
    /// The request answered.
    pub id: RequestId,
    /// The inbox position the list reflects: every inbox event up to it, and
    /// none after it, is counted.
    pub seq: Seq,
    /// The conversations.
    pub items: Vec<ConversationInfo>,
    /// The cursor for the next page, when there may be more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// No more conversations.
    pub done: bool,
}

impl ConvList {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(id: RequestId, seq: Seq, items: Vec<ConversationInfo>, done: bool) -> Self {
        ConvList {
            id,
            seq,
            items,
            next: Default::default(),
            done,
        }
    }
}

/// The answer to `conv_profile`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvProfile {
    /// The request answered.
    pub id: RequestId,
    /// The inbox position the profile reflects, as in `conv_list`.
    pub seq: Seq,
    /// The conversation.
    pub info: ConversationInfo,
}

impl ConvProfile {
    /// One with every required field given.
    pub fn new(id: RequestId, seq: Seq, info: ConversationInfo) -> Self {
        ConvProfile { id, seq, info }
    }
}

/// A conversation was deleted on one of the user's devices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConvDeleted {
    /// Inbox position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// The conversation.
    pub conv: Conversation,
    /// The stored history was deleted too.
    pub history: bool,
}

impl ConvDeleted {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(conv: Conversation, history: bool) -> Self {
        ConvDeleted {
            seq: Default::default(),
            conv,
            history,
        }
    }
}

/// The session's token expires soon; answer with `token`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenExpiring {
    /// When it expires (ms since the Unix epoch).
    pub expires: Millis,
}

impl TokenExpiring {
    /// One with every required field given.
    pub fn new(expires: Millis) -> Self {
        TokenExpiring { expires }
    }
}

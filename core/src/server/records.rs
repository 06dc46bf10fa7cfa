//! Durability records: every state change of the server is one of these.
//!
//! The server changes its durable state only by applying records, live and
//! on restore alike, so `Server::restore(records)` rebuilds exactly the state
//! the records came from. An adapter appends each record to durable storage
//! before it transmits the frames of the same input (persist before ack).

use crate::frame::client::ReceiptKind;
use crate::frame::group::{GroupKind, SystemNotice};
use crate::frame::server::ThreadInfo;
use crate::ids::{GroupId, MessageId, RequestId, ThreadId, UserId};
use crate::message::{Conversation, Message};
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// The remembered answer of a request that succeeded (PROTOCOL.md §15 R2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// A send: the message's id and time.
    Sent {
        /// Message id.
        mid: MessageId,
        /// Server time.
        ts: Millis,
    },
    /// `ok`.
    Ok {
        /// A join waiting for approval.
        pending: bool,
    },
    /// `group_created`.
    GroupCreated {
        /// The new group.
        group: GroupId,
    },
    /// `thread_created`.
    ThreadCreated {
        /// The new thread as created.
        info: Box<ThreadInfo>,
    },
}

/// One durable state change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Record {
    /// A request succeeded with this answer.
    Answered {
        /// The requesting user.
        user: UserId,
        /// The request.
        req: RequestId,
        /// The answer.
        answer: Answer,
    },
    /// A message was stored and fanned out to its recipients' inboxes.
    Stored {
        /// The message, shared with the store and the frames that carry it.
        msg: std::sync::Arc<Message>,
    },
    /// A message was recalled.
    Recalled(RecallRecord),
    /// A delivered or read receipt, for the message's sender.
    Receipt {
        /// Which receipt.
        kind: ReceiptKind,
        /// The message.
        mid: MessageId,
        /// The recipient who sent it.
        by: UserId,
        /// When.
        ts: Millis,
        /// The message's sender, who is told.
        sender: UserId,
    },
    /// A user read a conversation up to `upto`.
    ConvRead {
        /// The reader.
        user: UserId,
        /// The conversation, from the reader's side.
        conv: Conversation,
        /// Read up to and including this message.
        upto: Option<MessageId>,
        /// When.
        ts: Millis,
    },
    /// A user deleted a conversation from their list.
    ConvDeleted {
        /// The user.
        user: UserId,
        /// The conversation.
        conv: Conversation,
        /// With the user's view of its history.
        history: bool,
    },
    /// A group read ack.
    GroupRead {
        /// The message.
        mid: MessageId,
        /// The reader.
        reader: UserId,
        /// The ack's content.
        content: Option<String>,
        /// When.
        ts: Millis,
        /// The message's sender, whose read summary changes.
        sender: UserId,
        /// The message's distinct readers, this one included.
        count: u32,
    },
    /// A read summary was sent to the user; the pending one is cleared.
    SummarySent {
        /// The user.
        user: UserId,
    },
    /// A group or room change.
    Group(GroupRecord),
    /// A thread change.
    Thread(ThreadRecord),
    /// A user blocked (`on`) or unblocked another.
    Block {
        /// The blocker.
        user: UserId,
        /// The blocked user.
        target: UserId,
        /// Blocked or unblocked.
        on: bool,
    },
    /// A system notice from the application, for one user.
    Notice {
        /// The user.
        user: UserId,
        /// The notice (its `seq` is assigned on apply).
        notice: SystemNotice,
    },
}

impl Record {
    /// The stored message this record creates or changes, whose row the
    /// message store must then hold as it is after the record.
    pub fn message(&self) -> Option<MessageId> {
        match self {
            Record::Stored { msg } => Some(msg.mid),
            Record::Recalled(r) => Some(r.mid),
            Record::GroupRead { mid, .. } => Some(*mid),
            Record::Answered { .. }
            | Record::Receipt { .. }
            | Record::ConvRead { .. }
            | Record::ConvDeleted { .. }
            | Record::SummarySent { .. }
            | Record::Group(_)
            | Record::Thread(_)
            | Record::Block { .. }
            | Record::Notice { .. } => None,
        }
    }
}

/// A recall, with the message's sender and conversation, so that it applies
/// without the message at hand (a restore replays it after the message left
/// memory).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecallRecord {
    /// The message.
    pub mid: MessageId,
    /// The message's sender.
    pub from: UserId,
    /// The message's conversation, as sent.
    pub to: Conversation,
    /// Who recalled it.
    pub by: UserId,
    /// When.
    pub ts: Millis,
    /// The message counts in unread counts (its body is not a command).
    pub counted: bool,
}

/// A group or room change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum GroupRecord {
    /// Created, with its owner and first members.
    Create {
        /// The group.
        group: GroupId,
        /// Group or room.
        kind: GroupKind,
        /// Name.
        name: String,
        /// Description.
        description: String,
        /// The creator.
        owner: UserId,
        /// Members besides the owner.
        members: Vec<UserId>,
        /// Joining needs approval.
        approval: bool,
        /// When.
        ts: Millis,
    },
    /// Users became members (by invitation, by joining, or accepted).
    Join {
        /// The group.
        group: GroupId,
        /// The new members.
        users: Vec<UserId>,
        /// Who added them (themselves when joining).
        by: UserId,
        /// Invited rather than joined by themselves.
        invited: bool,
        /// When.
        ts: Millis,
    },
    /// A user asked to join a group that needs approval.
    Request {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserId,
        /// The user's note.
        message: Option<String>,
        /// When.
        ts: Millis,
    },
    /// A join request was refused.
    Refuse {
        /// The group.
        group: GroupId,
        /// The user.
        user: UserId,
        /// Who refused.
        by: UserId,
        /// Why.
        reason: Option<String>,
        /// When.
        ts: Millis,
    },
    /// A member left.
    Leave {
        /// The group.
        group: GroupId,
        /// The member.
        user: UserId,
        /// When.
        ts: Millis,
    },
    /// Members were removed.
    Kick {
        /// The group.
        group: GroupId,
        /// The members.
        users: Vec<UserId>,
        /// Who removed them.
        by: UserId,
        /// When.
        ts: Millis,
    },
    /// An admin role was set or removed.
    Admin {
        /// The group.
        group: GroupId,
        /// The member.
        user: UserId,
        /// Set or removed.
        admin: bool,
        /// Who.
        by: UserId,
        /// When.
        ts: Millis,
    },
    /// Members were muted (until a time, or for good) or unmuted.
    Mute {
        /// The group.
        group: GroupId,
        /// The members.
        users: Vec<UserId>,
        /// Muted or unmuted.
        mute: bool,
        /// Muted until then; `None`: until unmuted.
        until: Option<Millis>,
        /// Who.
        by: UserId,
        /// When.
        ts: Millis,
    },
    /// The whole group was muted (with an allow list) or unmuted.
    MuteAll {
        /// The group.
        group: GroupId,
        /// Muted or unmuted.
        mute: bool,
        /// Who may still send.
        allow: Vec<UserId>,
        /// Who.
        by: UserId,
        /// When.
        ts: Millis,
    },
    /// The group was dismissed.
    Dismiss {
        /// The group.
        group: GroupId,
        /// The owner.
        by: UserId,
        /// When.
        ts: Millis,
    },
}

/// A thread change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ThreadRecord {
    /// Created (its creator joins).
    Create {
        /// The thread as created.
        info: Box<ThreadInfo>,
    },
    /// A user joined.
    Join {
        /// The thread.
        thread: ThreadId,
        /// The user.
        user: UserId,
    },
    /// A user left.
    Leave {
        /// The thread.
        thread: ThreadId,
        /// The user.
        user: UserId,
    },
    /// Destroyed.
    Destroy {
        /// The thread.
        thread: ThreadId,
        /// Who.
        by: UserId,
        /// When.
        ts: Millis,
    },
}

//! What the client tells its application.

use crate::body::Attachment;
use crate::error::ErrorCode;
use crate::frame::group::{GroupCreated, GroupTip, SystemNotice};
use crate::frame::server::{
    ConvDeleted, ConvList, ConvProfile, ConvReadNotice, GroupReadNotice, HistoryPage, ReadBy,
    ReadSummary, Recalled, ReceiptNotice, Refuse, ThreadCreated, ThreadNotice,
};
use crate::ids::{MessageId, RequestId, Seq, UserId};
use crate::message::Message;
use crate::time::Millis;

/// The state of the client's connection.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// The first transport is up and `hello` is sent.
    Connecting,
    /// A transport is up again after a loss and `hello` is sent.
    Reconnecting,
    /// `welcome` arrived: the session is open; the replay follows.
    Ready {
        /// The authenticated user.
        user: UserId,
    },
    /// No transport: the adapter should reconnect (with backoff) unless it
    /// is shutting down.
    Disconnected(DisconnectReason),
}

/// Why the connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The adapter reported the transport gone.
    Transport,
    /// No `welcome` within the handshake timeout.
    HandshakeTimeout,
    /// No frame within the keep-alive interval after a `ping`.
    PingTimeout,
    /// An inbox gap stayed open; reconnecting makes the server replay it.
    InboxGap,
    /// The server refused the session (see [`Event::Refused`]).
    Refused,
}

/// The one outcome of an application command, tied to its request id.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// A message was stored by the server.
    Sent {
        /// The request.
        id: RequestId,
        /// The server's id of the message.
        mid: MessageId,
        /// The server's timestamp.
        ts: Millis,
    },
    /// The request succeeded.
    Done {
        /// The request.
        id: RequestId,
        /// A group join waits for approval.
        pending: bool,
    },
    /// The request failed: a server error, 408 when the deadline passed, 424
    /// when an upload failed, 404 for a recall of a send that failed.
    Failed {
        /// The request.
        id: RequestId,
        /// Why.
        code: ErrorCode,
        /// A human-readable reason.
        reason: String,
    },
    /// The answer to [`super::Client::read_by`].
    ReadBy(ReadBy),
    /// The answer to [`super::Client::fetch_history`].
    History(HistoryPage),
    /// The answer to [`super::Client::fetch_conversations`].
    Conversations(ConvList),
    /// The answer to [`super::Client::fetch_profile`].
    Profile(ConvProfile),
    /// The answer to [`super::Client::create_thread`].
    ThreadCreated(ThreadCreated),
    /// The answer to [`super::Client::create_group`].
    GroupCreated(GroupCreated),
}

impl Outcome {
    /// The request this outcome ends.
    pub fn id(&self) -> &RequestId {
        match self {
            Outcome::Sent { id, .. } | Outcome::Done { id, .. } | Outcome::Failed { id, .. } => id,
            Outcome::ReadBy(f) => &f.id,
            Outcome::History(f) => &f.id,
            Outcome::Conversations(f) => &f.id,
            Outcome::Profile(f) => &f.id,
            Outcome::ThreadCreated(f) => &f.id,
            Outcome::GroupCreated(f) => &f.id,
        }
    }
}

/// Something the application should know, drained with
/// [`super::Client::poll_event`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The connection state changed.
    State(ConnectionState),
    /// The server refused the session; 419 means the token expired: set a
    /// new one with [`super::Client::set_token`] before reconnecting.
    Refused(Refuse),
    /// The token expires soon: answer with [`super::Client::refresh_token`].
    TokenExpiring(Millis),
    /// The server's inbox overflowed while this device was away: events
    /// `from..=to` are lost; refresh the conversation list and history.
    InboxTruncated {
        /// The first lost position.
        from: Seq,
        /// The last lost position.
        to: Seq,
    },
    /// A message for the application: from others, or sent by another device
    /// of this user. Each message id is reported once.
    Message(Message),
    /// A message was recalled.
    Recalled(Recalled),
    /// A delivered or read receipt for one of this user's messages; the
    /// status never goes backwards (a delivered after a read is not
    /// reported).
    Receipt(ReceiptNotice),
    /// A conversation was read, by this user on some device (unread is now
    /// 0) or by the peer.
    ConversationRead(ConvReadNotice),
    /// A conversation was deleted on some device of this user.
    ConversationDeleted(ConvDeleted),
    /// A live group read count; stale (lower) counts are not reported.
    GroupReadCount(GroupReadNotice),
    /// Group read counts that changed while this user was offline.
    ReadSummary(ReadSummary),
    /// A thread changed.
    Thread(ThreadNotice),
    /// A group tip.
    GroupTip(GroupTip),
    /// A system notice.
    System(SystemNotice),
    /// Upload this attachment, then call
    /// [`super::Client::upload_complete`] or [`super::Client::upload_failed`].
    UploadRequested {
        /// The send waiting for the upload.
        id: RequestId,
        /// The attachment as given to `send` (`url` empty).
        attachment: Attachment,
    },
    /// Upload progress, as reported by the adapter.
    UploadProgress {
        /// The send.
        id: RequestId,
        /// Bytes uploaded so far.
        sent: u64,
        /// Bytes in all.
        total: u64,
    },
    /// A command ended. Every command that returned a request id ends in
    /// exactly one of these.
    Outcome(Outcome),
}

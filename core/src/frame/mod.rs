//! Every wire frame, as Rust types.
//!
//! A frame is one JSON object whose `type` field names it. Frames a client
//! sends form [`ClientFrame`]; frames a server sends form [`ServerFrame`].
//! The payload structs live in [`client`], [`server`] and [`group`]; several
//! frame types share one payload struct (e.g. `thread_join` and
//! `thread_leave` both carry a [`client::ThreadRef`]).
//!
//! Every payload struct (and the message model inside them) is
//! `#[non_exhaustive]`, because PROTOCOL.md §1 lets later versions add
//! fields: outside this crate, build one with its `new` constructor, which
//! takes the required fields, and set optional fields by name.
//!
//! ```
//! use natter_core::frame::client::Send;
//! use natter_core::{Body, Conversation, Priority, RequestId, UserId};
//!
//! let to = Conversation::Single(UserId::new("bob")?);
//! let mut send = Send::new(RequestId::new("r1")?, to, Body::Text { text: "hi".into() });
//! send.priority = Priority::High;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod client;
pub mod group;
pub mod server;

use client::*;
use group::*;
use serde::Serialize;
use server::*;

/// A set of frames one side accepts, decodable by the codec.
pub trait WireFrame: Serialize + Sized {
    /// Every `type` name of the set.
    const TYPES: &'static [&'static str];

    /// This frame's `type` name.
    fn kind(&self) -> &'static str;

    /// Decodes the frame whose `type` is `kind` from the whole JSON text
    /// (already checked to be UTF-8, so its strings are not checked again);
    /// `None` when `kind` is not in the set.
    #[doc(hidden)]
    fn decode_kind(
        kind: &str,
        json: &str,
    ) -> Option<Result<Self, (&'static str, serde_json::Error)>>;

    /// Appends the frame's JSON to `out` when the frame has a hand-written
    /// encoding (the send path's frames); `None` for every other frame,
    /// which the codec encodes through serde.
    #[doc(hidden)]
    fn write_hot(&self, out: &mut Vec<u8>) -> Option<Result<(), serde_json::Error>>;
}

macro_rules! frame_set {
    ($(#[$doc:meta])* $set:ident { $($(#[$vdoc:meta])* $wire:literal => $variant:ident($payload:ty),)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        pub enum $set {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant($payload),)*
        }

        impl WireFrame for $set {
            const TYPES: &'static [&'static str] = &[$($wire),*];

            fn kind(&self) -> &'static str {
                match self {
                    $($set::$variant(_) => $wire,)*
                }
            }

            fn decode_kind(kind: &str, json: &str) -> Option<Result<Self, (&'static str, serde_json::Error)>> {
                if let Some(frame) = <Self as crate::hot_frames::HotFrame>::read_hot(kind, json) {
                    return Some(Ok(frame));
                }
                match kind {
                    $($wire => Some(serde_json::from_str::<$payload>(json).map($set::$variant).map_err(|e| ($wire, e))),)*
                    _ => None,
                }
            }

            fn write_hot(&self, out: &mut Vec<u8>) -> Option<Result<(), serde_json::Error>> {
                crate::hot_frames::HotFrame::write_hot(self, out)
            }
        }
    };
}

/// The client frame table: every row is a wire type, its variant and
/// payload, and for a request (`-> Answer`) the payload of the server frame
/// that answers it. From this one table come [`ClientFrame`], its codec
/// entry, [`ClientFrame::request_id`], and a marker type per request in
/// [`requests`] implementing [`Request`](crate::client::Request), through
/// which the client's typed commands ([`Client::request`](crate::client::Client::request))
/// and natter-driver's `ClientHandle::request` send any request and get its
/// typed answer. Adding a request type is a row here and a handler in the
/// server, whose dispatch is exhaustive.
macro_rules! client_frames {
    ($(#[$doc:meta])* $set:ident {
        $($(#[$vdoc:meta])* $wire:literal => $variant:ident($payload:ident) $(-> $answer:ident)?,)*
    }) => {
        frame_set! {
            $(#[$doc])* $set { $($(#[$vdoc])* $wire => $variant($payload),)* }
        }

        impl $set {
            /// The request id of a request; `None` for `hello`, `ping` and
            /// `ack`, which are not requests.
            pub fn request_id(&self) -> Option<&crate::ids::RequestId> {
                match self {
                    $($set::$variant(_f) => client_frames!(@id _f $($answer)?),)*
                }
            }
        }

        /// One marker type per request frame, named like its
        /// [`ClientFrame`] variant: `Client::request::<requests::Recall>(..)`.
        pub mod requests {
            $($(
                #[doc = concat!("The `", $wire, "` request, answered by [`", stringify!($answer), "`](super::", stringify!($answer), ").")]
                #[derive(Clone, Copy, Debug)]
                pub struct $variant;

                impl crate::client::Request for $variant {
                    type Payload = super::$payload;
                    type Answer = super::$answer;
                    const KIND: &'static str = $wire;

                    fn frame(payload: super::$payload) -> super::$set {
                        super::$set::$variant(payload)
                    }
                }
            )?)*
        }
    };
    (@id $f:ident $answer:ident) => { Some(&$f.id) };
    (@id $f:ident) => { None };
}

client_frames! {
    /// A frame sent by a client to a server.
    ClientFrame {
        /// Opens the session.
        "hello" => Hello(Hello),
        /// Keep-alive probe.
        "ping" => Ping(Heartbeat),
        /// Cumulative inbox acknowledgement.
        "ack" => Ack(Ack),
        /// Sends a message.
        "send" => Send(Send) -> Sent,
        /// Recalls a message.
        "recall" => Recall(MessageRef) -> Done,
        /// Delivered or read receipt for one message.
        "receipt" => Receipt(Receipt) -> Done,
        /// Marks a conversation read ("channel ack").
        "conv_read" => ConvRead(ConvRead) -> Done,
        /// Group read ack.
        "group_read" => GroupRead(GroupRead) -> Done,
        /// Who has read a `group_ack` message.
        "read_by" => ReadBy(MessageRef) -> ReadBy,
        /// Creates a thread.
        "thread_create" => ThreadCreate(ThreadCreate) -> ThreadCreated,
        /// Joins a thread.
        "thread_join" => ThreadJoin(ThreadRef) -> Done,
        /// Leaves a thread.
        "thread_leave" => ThreadLeave(ThreadRef) -> Done,
        /// Destroys a thread (its owner, or the group's owner or an admin).
        "thread_destroy" => ThreadDestroy(ThreadRef) -> Done,
        /// Asks for a history page.
        "history" => History(HistoryQuery) -> HistoryPage,
        /// Asks for the conversation list.
        "conv_list" => ConvList(ConvListQuery) -> ConvList,
        /// Asks for a conversation's profile.
        "conv_profile" => ConvProfile(ConvRef) -> ConvProfile,
        /// Deletes a conversation.
        "conv_delete" => ConvDelete(ConvDelete) -> Done,
        /// Creates a group or room.
        "group_create" => GroupCreate(GroupCreate) -> GroupCreated,
        /// Adds users to a group or room.
        "group_invite" => GroupInvite(GroupUsers) -> Done,
        /// Joins a group or room.
        "group_join" => GroupJoin(GroupJoin) -> Done,
        /// Leaves a group or room.
        "group_leave" => GroupLeave(GroupRef) -> Done,
        /// Removes users from a group or room.
        "group_kick" => GroupKick(GroupUsers) -> Done,
        /// Sets or removes an admin.
        "group_admin" => GroupAdmin(GroupAdmin) -> Done,
        /// Mutes or unmutes members.
        "group_mute" => GroupMute(GroupMute) -> Done,
        /// Mutes or unmutes the whole group.
        "group_mute_all" => GroupMuteAll(GroupMuteAll) -> Done,
        /// Accepts or refuses a join request.
        "group_decide" => GroupDecide(GroupDecide) -> Done,
        /// Dismisses a group or room (owner only).
        "group_dismiss" => GroupDismiss(GroupRef) -> Done,
        /// Blocks a user.
        "block" => Block(UserRef) -> Done,
        /// Unblocks a user.
        "unblock" => Unblock(UserRef) -> Done,
        /// Replaces the session's token.
        "token" => Token(TokenRefresh) -> Done,
    }
}

frame_set! {
    /// A frame sent by a server to a client.
    ServerFrame {
        /// Accepts the hello.
        "welcome" => Welcome(Welcome),
        /// Refuses the hello.
        "refuse" => Refuse(Refuse),
        /// Answers a ping.
        "pong" => Pong(Pong),
        /// A send succeeded.
        "sent" => Sent(Sent),
        /// A request succeeded.
        "ok" => Ok(Done),
        /// A request failed, or a frame was unreadable.
        "error" => Error(Failure),
        /// A message.
        "msg" => Msg(Delivery),
        /// A recall notice.
        "recalled" => Recalled(Recalled),
        /// A forwarded receipt.
        "receipt" => Receipt(ReceiptNotice),
        /// A conversation-read notice.
        "conv_read" => ConvRead(ConvReadNotice),
        /// A live group read count.
        "group_read" => GroupRead(GroupReadNotice),
        /// Group read counts that changed while offline.
        "read_summary" => ReadSummary(ReadSummary),
        /// The answer to `read_by`.
        "read_by" => ReadBy(ReadBy),
        /// The answer to `thread_create`.
        "thread_created" => ThreadCreated(Box<ThreadCreated>),
        /// A thread update.
        "thread" => Thread(Box<ThreadNotice>),
        /// The answer to `history`.
        "history" => History(HistoryPage),
        /// The answer to `conv_list`.
        "conv_list" => ConvList(ConvList),
        /// The answer to `conv_profile`.
        "conv_profile" => ConvProfile(Box<ConvProfile>),
        /// A conversation was deleted on another device.
        "conv_deleted" => ConvDeleted(ConvDeleted),
        /// The answer to `group_create`.
        "group_created" => GroupCreated(GroupCreated),
        /// A group tip.
        "group_tip" => GroupTip(GroupTip),
        /// A system notice.
        "system" => System(SystemNotice),
        /// The token expires soon.
        "token_expiring" => TokenExpiring(TokenExpiring),
    }
}

impl ServerFrame {
    /// The inbox position of a durable notice, `None` for answers and
    /// ephemeral notices.
    pub fn seq(&self) -> Option<crate::ids::Seq> {
        match self {
            ServerFrame::Msg(f) => f.seq,
            ServerFrame::Recalled(f) => f.seq,
            ServerFrame::Receipt(f) => f.seq,
            ServerFrame::ConvRead(f) => f.seq,
            ServerFrame::GroupRead(f) => f.seq,
            ServerFrame::Thread(f) => f.seq,
            ServerFrame::ConvDeleted(f) => f.seq,
            ServerFrame::GroupTip(f) => f.seq,
            ServerFrame::System(f) => f.seq,
            _ => None,
        }
    }
}

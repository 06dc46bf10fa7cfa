//! Receipts: delivered and read receipts forwarded to the sender,
//! conversation read, group read acks with live counts, and who has read.

use super::records::{Answer, Record};
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::client::ReceiptKind;
use crate::frame::server::{GroupReadNotice, ReadBy};
use crate::ids::{MessageId, RequestId, UserId};
use crate::message::Conversation;
use crate::time::Millis;

/// The most readers a `read_by` answer lists.
const MAX_READERS: usize = 100;

impl Server {
    fn received_by(
        &self,
        mid: MessageId,
        user: &UserId,
    ) -> Result<std::sync::Arc<crate::message::Message>, Fail> {
        let Some(stored) = self.state.message(mid) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
        let msg = &stored.msg;
        let got = msg.from != *user && self.state.recipients(msg).contains(user);
        if !got {
            return fail(
                ErrorCode::NOT_FOUND,
                format!("message {mid} was not delivered to you"),
            );
        }
        Ok(std::sync::Arc::clone(msg))
    }

    pub(crate) fn on_receipt(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        kind: ReceiptKind,
        mid: MessageId,
    ) -> Result<Option<ServerFrame>, Fail> {
        let msg = self.received_by(mid, user)?;
        self.commit(Record::Receipt {
            kind,
            mid,
            by: user.clone(),
            ts: now,
            sender: msg.from.clone(),
        });
        self.answered(user, id, Answer::Ok { pending: false })
    }

    pub(crate) fn on_conv_read(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        conv: Conversation,
        upto: Option<MessageId>,
    ) -> Result<Option<ServerFrame>, Fail> {
        if matches!(conv, Conversation::Room(_)) {
            return fail(ErrorCode::BAD_REQUEST, "chat rooms have no unread counts");
        }
        let upto = match upto {
            Some(upto) => Some(upto),
            None => self
                .state
                .users
                .get(user)
                .and_then(|u| u.convs.get(&conv))
                .and_then(|c| c.last_mid()),
        };
        self.commit(Record::ConvRead {
            user: user.clone(),
            conv,
            upto,
            ts: now,
        });
        self.answered(user, id, Answer::Ok { pending: false })
    }

    pub(crate) fn on_group_read(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        mid: MessageId,
        content: Option<String>,
    ) -> Result<Option<ServerFrame>, Fail> {
        let Some(stored) = self.state.message(mid) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
        let msg = stored.msg.clone();
        let readers = stored.readers.len();
        if !msg.group_ack {
            return fail(
                ErrorCode::BAD_REQUEST,
                format!("message {mid} was not sent with group_ack"),
            );
        }
        if !self.state.recipients(&msg).contains(user) {
            return fail(ErrorCode::NOT_MEMBER, "you are not a member of the group");
        }
        let counted = msg.from == *user
            || self
                .state
                .message(mid)
                .is_some_and(|s| s.readers.iter().any(|r| &r.user == user));
        if !counted {
            let count = u32::try_from(readers.saturating_add(1)).unwrap_or(u32::MAX);
            self.commit(Record::GroupRead {
                mid,
                reader: user.clone(),
                content: content.clone(),
                ts: now,
                sender: msg.from.clone(),
                count,
            });
            let live = ServerFrame::GroupRead(GroupReadNotice {
                seq: None,
                mid,
                reader: user.clone(),
                content,
                count,
            });
            self.send_to_user(&msg.from, &live);
        }
        self.answered(user, id, Answer::Ok { pending: false })
    }

    pub(crate) fn on_read_by(
        &mut self,
        user: &UserId,
        id: &RequestId,
        mid: MessageId,
    ) -> Result<Option<ServerFrame>, Fail> {
        let Some(stored) = self.state.message(mid) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
        let msg = &stored.msg;
        if !msg.group_ack {
            return fail(
                ErrorCode::BAD_REQUEST,
                format!("message {mid} was not sent with group_ack"),
            );
        }
        if !self.state.recipients(msg).contains(user) {
            return fail(ErrorCode::NOT_MEMBER, "you are not a member of the group");
        }
        let readers = stored.readers.clone();
        let count = u32::try_from(readers.len()).unwrap_or(u32::MAX);
        let readers = readers.into_iter().take(MAX_READERS).collect();
        Ok(Some(ServerFrame::ReadBy(ReadBy {
            id: id.clone(),
            mid,
            count,
            readers,
        })))
    }
}

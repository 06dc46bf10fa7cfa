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
    fn received_by(&self, mid: MessageId, user: &UserId) -> Result<crate::message::Message, Fail> {
        let Some(stored) = self.state.messages.get(&mid) else {
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
        Ok(msg.clone())
    }

    pub(crate) fn on_receipt(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        kind: ReceiptKind,
        mid: MessageId,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.received_by(mid, user)?;
        self.commit(Record::Receipt {
            kind,
            mid,
            by: user.clone(),
            ts: now,
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
                .and_then(|c| c.last),
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
        let Some(msg) = self.state.messages.get(&mid).map(|s| s.msg.clone()) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
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
                .reads
                .get(&mid)
                .is_some_and(|r| r.iter().any(|r| &r.user == user));
        if !counted {
            self.commit(Record::GroupRead {
                mid,
                reader: user.clone(),
                content: content.clone(),
                ts: now,
            });
            let count =
                u32::try_from(self.state.reads.get(&mid).map_or(0, Vec::len)).unwrap_or(u32::MAX);
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
        let Some(msg) = self.state.messages.get(&mid).map(|s| &s.msg) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
        if !msg.group_ack {
            return fail(
                ErrorCode::BAD_REQUEST,
                format!("message {mid} was not sent with group_ack"),
            );
        }
        if !self.state.recipients(msg).contains(user) {
            return fail(ErrorCode::NOT_MEMBER, "you are not a member of the group");
        }
        let readers = self.state.reads.get(&mid).cloned().unwrap_or_default();
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

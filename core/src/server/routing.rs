//! Sending: rules, storage, fan-out to inboxes and online devices, chat
//! rooms and online-only messages, and offline push.

use super::own_copy::OwnCopy;
use super::records::{Answer, Record};
use super::{ConnectionId, Fail, PushNotice, Server, ServerEvent};
use crate::frame::ServerFrame;
use crate::frame::client::Send;
use crate::frame::server::{Delivery, Sent};
use crate::ids::{MessageId, UserId};
use crate::message::{Conversation, Message};
use crate::time::Millis;

impl Server {
    pub(crate) fn on_send(
        &mut self,
        now: Millis,
        fold: Option<ConnectionId>,
        user: &UserId,
        mut s: Send,
    ) -> Result<Option<ServerFrame>, Fail> {
        s.to = self.shared(s.to);
        self.check_send(now, user, &s)?;
        let mid = MessageId(self.state.next_mid);
        let (id, push) = (s.id.clone(), s.push.take());
        let msg = s.into_message(mid, user.clone(), now);
        let ephemeral = msg.online_only || matches!(msg.to, Conversation::Room(_));
        let msg = std::sync::Arc::new(msg);
        let frame = if msg.online_only {
            // Nothing is stored: the answer is a record of its own (it also
            // reserves the message id).
            self.answered(user, &id, Answer::Sent { mid, ts: now })?
        } else {
            // The stored message carries its request id: its record is the
            // answer's too (`State::apply_stored`), one record, not two.
            self.own_copy = fold.map(|conn| OwnCopy::new(conn, mid));
            self.commit(Record::Stored {
                msg: std::sync::Arc::clone(&msg),
            });
            let mut sent = Sent::new(id, mid, now);
            sent.seq = self.own_copy.take().and_then(OwnCopy::seq);
            Some(ServerFrame::Sent(sent))
        };
        if ephemeral {
            self.deliver_ephemeral(&msg);
        } else {
            self.push_offline(&msg, push.as_deref());
        }
        Ok(frame)
    }

    /// Online-only and chat room messages: to the devices online now.
    fn deliver_ephemeral(&mut self, msg: &std::sync::Arc<Message>) {
        let users: Vec<UserId> = match &msg.to {
            Conversation::Room(g) => self
                .state
                .groups
                .get(g)
                .map(|g| g.members.keys().cloned().collect())
                .unwrap_or_default(),
            _ => self.state.recipients(msg),
        };
        let frame = ServerFrame::Msg(Delivery {
            seq: None,
            msg: std::sync::Arc::clone(msg),
        });
        for user in users {
            self.send_to_user(&user, &frame);
        }
    }

    /// A push notice for every recipient with no connected device.
    fn push_offline(&mut self, msg: &Message, push: Option<&crate::message::PushInfo>) {
        if !self.config.push || push.is_some_and(|p| p.disable) {
            return;
        }
        // Collected only when someone is offline: a one-to-one message
        // between online users allocates nothing here.
        let mut offline = Vec::new();
        self.state.each_recipient(&msg.from, &msg.to, |user| {
            if *user != msg.from && !self.is_online(user) {
                offline.push(user.clone());
            }
        });
        for user in offline {
            self.outputs.event(ServerEvent::Push(PushNotice {
                conv: Conversation::seen_by(&user, &msg.from, &msg.to),
                user,
                from: msg.from.clone(),
                mid: msg.mid,
                title: push.and_then(|p| p.title.clone()),
                description: push.and_then(|p| p.description.clone()),
                extension: push.map(|p| p.extension.clone()).unwrap_or_default(),
                ignore_badge: push.is_some_and(|p| p.ignore_badge),
            }));
        }
    }
}

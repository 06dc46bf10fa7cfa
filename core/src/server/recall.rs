//! Recall: by the sender within the window, by a group's owner or admin at
//! any time; notices to everyone who got the message; tombstones in history;
//! a thread update for a thread message.

use super::records::{Answer, RecallRecord, Record};
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::server::Recalled;
use crate::ids::{GroupId, MessageId, RequestId, UserId};
use crate::message::Conversation;
use crate::time::Millis;

impl Server {
    /// The group whose owner and admins may moderate a conversation.
    pub(crate) fn moderating_group(&self, conv: &Conversation) -> Option<GroupId> {
        match conv {
            Conversation::Group(g) | Conversation::Room(g) => Some(g.clone()),
            Conversation::Thread(t) => self.state.threads.get(t).map(|t| t.info.group.clone()),
            Conversation::Single(_) => None,
        }
    }

    pub(crate) fn on_recall(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        mid: MessageId,
    ) -> Result<Option<ServerFrame>, Fail> {
        if !self.config.recall_enabled {
            return fail(ErrorCode::RECALL_NOT_ENABLED, "recall is not enabled");
        }
        let Some(stored) = self.state.message(mid) else {
            return fail(ErrorCode::NOT_FOUND, format!("no message {mid}"));
        };
        let msg = stored.msg.clone();
        let already = stored.recalled.is_some();
        let moderator = self
            .moderating_group(&msg.to)
            .and_then(|g| self.state.groups.get(&g))
            .is_some_and(|g| g.is_manager(user));
        if !moderator {
            if msg.from != *user {
                return fail(
                    ErrorCode::FORBIDDEN,
                    "only the sender or a group owner or admin may recall",
                );
            }
            if !already && now.saturating_since(msg.ts) > self.config.recall_window {
                return fail(ErrorCode::RECALL_TIME_LIMIT, "the recall window has passed");
            }
        }
        if !already {
            self.commit(Record::Recalled(RecallRecord {
                mid,
                from: msg.from.clone(),
                to: msg.to.clone(),
                by: user.clone(),
                ts: now,
                counted: msg.body.counts_unread(),
            }));
            if let Conversation::Room(g) = &msg.to {
                let notice = ServerFrame::Recalled(Recalled {
                    seq: None,
                    mid,
                    from: msg.from.clone(),
                    to: msg.to.clone(),
                    by: user.clone(),
                    ts: now,
                });
                let members: Vec<UserId> = self
                    .state
                    .groups
                    .get(g)
                    .map(|g| g.members.keys().cloned().collect())
                    .unwrap_or_default();
                for m in members {
                    self.send_to_user(&m, &notice);
                }
            }
        }
        self.answered(user, id, Answer::Ok { pending: false })
    }
}

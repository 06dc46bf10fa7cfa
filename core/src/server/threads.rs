//! Threads: created from a group message by a group member, joined to send,
//! updates to every member of the parent group.

use super::records::{Answer, Record, ThreadRecord};
use super::{Fail, Server, fail};
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::client::ThreadCreate;
use crate::frame::server::ThreadInfo;
use crate::ids::{RequestId, ThreadId, UserId};
use crate::limits::{MAX_THREAD_NAME, name_ok};
use crate::message::Conversation;
use crate::time::Millis;

impl Server {
    pub(crate) fn on_thread_create(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        t: ThreadCreate,
    ) -> Result<Option<ServerFrame>, Fail> {
        if !name_ok(&t.name, MAX_THREAD_NAME) {
            return fail(
                ErrorCode::BAD_REQUEST,
                "a thread name has 1 to 64 characters",
            );
        }
        let Some(group) = self.state.groups.get(&t.group) else {
            return fail(ErrorCode::NO_SUCH_GROUP, format!("no group {}", t.group));
        };
        if group.role(user).is_none() {
            return fail(
                ErrorCode::NOT_MEMBER,
                format!("you are not a member of {}", t.group),
            );
        }
        let in_group = self
            .state
            .message(t.root)
            .is_some_and(|s| s.msg.to == Conversation::Group(t.group.clone()));
        if !in_group {
            return fail(
                ErrorCode::NOT_FOUND,
                format!("no message {} in {}", t.root, t.group),
            );
        }
        if self.state.thread_roots.contains_key(&t.root) {
            return fail(
                ErrorCode::CONFLICT,
                format!("message {} already has a thread", t.root),
            );
        }
        let thread = ThreadId::new(format!("t{}", self.state.next_thread))
            .map_err(|e| (ErrorCode::UNKNOWN, e.to_string()))?;
        let info = Box::new(ThreadInfo {
            thread,
            group: t.group,
            root: t.root,
            name: t.name,
            owner: user.clone(),
            created: now,
            count: 0,
            last: None,
        });
        self.commit(Record::Thread(ThreadRecord::Create { info: info.clone() }));
        self.answered(user, id, Answer::ThreadCreated { info })
    }

    fn parent_member(&self, user: &UserId, thread: &ThreadId) -> Result<(), Fail> {
        let Some(t) = self.state.threads.get(thread) else {
            return fail(ErrorCode::NOT_FOUND, format!("no thread {thread}"));
        };
        let member = self
            .state
            .groups
            .get(&t.info.group)
            .is_some_and(|g| g.role(user).is_some());
        if !member {
            return fail(
                ErrorCode::NOT_MEMBER,
                format!("you are not a member of {}", t.info.group),
            );
        }
        Ok(())
    }

    /// Joins (`join`) or leaves a thread; any member of its parent group may.
    pub(crate) fn on_thread_membership(
        &mut self,
        user: &UserId,
        id: &RequestId,
        thread: ThreadId,
        join: bool,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.parent_member(user, &thread)?;
        let user_id = user.clone();
        let record = if join {
            ThreadRecord::Join {
                thread,
                user: user_id,
            }
        } else {
            ThreadRecord::Leave {
                thread,
                user: user_id,
            }
        };
        self.commit(Record::Thread(record));
        self.answered(user, id, Answer::Ok { pending: false })
    }

    pub(crate) fn on_thread_destroy(
        &mut self,
        now: Millis,
        user: &UserId,
        id: &RequestId,
        thread: ThreadId,
    ) -> Result<Option<ServerFrame>, Fail> {
        self.parent_member(user, &thread)?;
        let allowed = self.state.threads.get(&thread).is_some_and(|t| {
            t.info.owner == *user
                || self
                    .state
                    .groups
                    .get(&t.info.group)
                    .is_some_and(|g| g.is_manager(user))
        });
        if !allowed {
            return fail(
                ErrorCode::FORBIDDEN,
                "only the thread's owner or a group owner or admin may destroy it",
            );
        }
        self.commit(Record::Thread(ThreadRecord::Destroy {
            thread,
            by: user.clone(),
            ts: now,
        }));
        self.answered(user, id, Answer::Ok { pending: false })
    }
}

//! Threads: sub-conversations of a group, rooted at a group message.
//! Messages in a thread are sent with [`Client::send`] to
//! [`crate::Conversation::Thread`]; thread updates arrive as
//! [`super::Event::Thread`].

use super::{Client, CommandError};
use crate::frame::client::{ThreadCreate, ThreadRef};
use crate::frame::requests;
use crate::ids::{GroupId, MessageId, RequestId, ThreadId};
use crate::limits::{MAX_THREAD_NAME, name_ok};
use crate::time::Millis;

impl Client {
    /// Creates a thread from a group message; ends in
    /// [`super::Outcome::ThreadCreated`].
    pub fn create_thread(
        &mut self,
        now: Millis,
        group: GroupId,
        root: MessageId,
        name: impl Into<String>,
    ) -> Result<RequestId, CommandError> {
        let name = name.into();
        let chars = name.chars().count();
        if !name_ok(&name, MAX_THREAD_NAME) {
            return Err(CommandError::InvalidArgument(format!(
                "thread name of {chars} characters; 1 to {MAX_THREAD_NAME} are allowed"
            )));
        }
        self.request::<requests::ThreadCreate>(now, |id| ThreadCreate {
            id,
            group,
            root,
            name,
        })
    }

    /// Joins a thread, to send in it.
    pub fn join_thread(
        &mut self,
        now: Millis,
        thread: ThreadId,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::ThreadJoin>(now, |id| ThreadRef { id, thread })
    }

    /// Leaves a thread.
    pub fn leave_thread(
        &mut self,
        now: Millis,
        thread: ThreadId,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::ThreadLeave>(now, |id| ThreadRef { id, thread })
    }

    /// Destroys a thread (its owner, or the group's owner or an admin).
    pub fn destroy_thread(
        &mut self,
        now: Millis,
        thread: ThreadId,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::ThreadDestroy>(now, |id| ThreadRef { id, thread })
    }
}

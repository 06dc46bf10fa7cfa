//! Recalling messages, including a recall that races its own send.
//!
//! PROTOCOL.md §15: a recall of a message whose send is unanswered is held
//! until the send is answered; then it goes out with the new message id, or
//! fails with 404 if the send failed. A recall of this user's own message
//! plainly past the recall window is refused at once with 504.

use super::outbox::Stage;
use super::{Client, CommandError};
use crate::error::ErrorCode;
use crate::frame::client::MessageRef;
use crate::frame::server::Failure;
use crate::frame::{ClientFrame, requests};
use crate::ids::{MessageId, RequestId};
use crate::time::Millis;
use std::time::Duration;

/// Slack for clock differences before a recall counts as plainly late.
const RECALL_SLACK: Duration = Duration::from_secs(5);

/// What to recall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecallTarget {
    /// A stored message.
    Message(MessageId),
    /// This client's own send, by its request id: works before the send is
    /// answered.
    Send(RequestId),
}

impl From<MessageId> for RecallTarget {
    fn from(mid: MessageId) -> Self {
        RecallTarget::Message(mid)
    }
}

impl From<RequestId> for RecallTarget {
    fn from(id: RequestId) -> Self {
        RecallTarget::Send(id)
    }
}

impl Client {
    /// Recalls a message. Ends in [`super::Outcome::Done`] or
    /// [`super::Outcome::Failed`]; everyone who got the message gets a
    /// recall notice.
    pub fn recall(
        &mut self,
        now: Millis,
        target: impl Into<RecallTarget>,
    ) -> Result<RequestId, CommandError> {
        let mid = match target.into() {
            RecallTarget::Message(mid) => mid,
            RecallTarget::Send(send) => match self.sent.get(&send) {
                Some(mid) => *mid,
                None if self
                    .outbox
                    .get(&send)
                    .is_some_and(|p| matches!(p.frame, ClientFrame::Send(_))) =>
                {
                    let placeholder = MessageId(0);
                    let held = Stage::Held { send };
                    return self.request_staged(now, held, |id| {
                        ClientFrame::Recall(MessageRef {
                            id,
                            mid: placeholder,
                        })
                    });
                }
                None => return Err(CommandError::UnknownRequest(send)),
            },
        };
        self.check_recall_window(now, mid)?;
        self.request::<requests::Recall>(now, |id| MessageRef { id, mid })
    }

    fn check_recall_window(&self, now: Millis, mid: MessageId) -> Result<(), CommandError> {
        let Some(own) = self.own.get(&mid) else {
            return Ok(());
        };
        let server_now = u64::try_from(
            i64::try_from(now.0)
                .unwrap_or(i64::MAX)
                .saturating_add(self.clock_offset),
        )
        .unwrap_or(0);
        let limit = own
            .ts
            .saturating_add(self.config.recall_window)
            .saturating_add(RECALL_SLACK);
        if Millis(server_now) > limit {
            return Err(CommandError::Refused {
                code: ErrorCode::RECALL_TIME_LIMIT,
                reason: format!("message {mid} is older than the recall window"),
            });
        }
        Ok(())
    }

    /// The send `send` was stored as `mid`: its held recalls go out.
    pub(crate) fn release_recalls(&mut self, now: Millis, send: &RequestId, mid: MessageId) {
        for id in self.outbox.held_for(send) {
            if let Some(p) = self.outbox.remove(&id) {
                let frame = ClientFrame::Recall(MessageRef {
                    id: id.clone(),
                    mid,
                });
                self.enqueue(now, id, frame, Stage::Queued, p.deadline, p.silent);
            }
        }
    }

    /// The send `send` failed: its held recalls fail with 404.
    pub(crate) fn fail_recalls(&mut self, send: &RequestId) {
        for id in self.outbox.held_for(send) {
            if let Some(p) = self.outbox.remove(&id) {
                let failure = Failure {
                    id: Some(id),
                    code: ErrorCode::NOT_FOUND,
                    reason: format!("the message of send {send} was not sent"),
                };
                self.fail(failure, p);
            }
        }
    }
}

//! Sending messages: validation, the two-step attachment upload, the `sent`
//! answer, and resending a failed message with its id.

use super::outbox::Stage;
use super::{Client, CommandError, Event, Outcome};
use crate::body::{Attachment, Body, BodyError};
use crate::frame::client::{ReceiptKind, Send};
use crate::frame::server::{Delivery, Sent};
use crate::frame::{ClientFrame, ServerFrame};
use crate::ids::{MessageId, RequestId};
use crate::message::{Conversation, Ext, Priority, PushInfo};
use crate::time::Millis;

/// A message to send, built with [`Outgoing::new`] and the `with_*`
/// options, which take and return it; read each back with its getter.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    to: Conversation,
    body: Body,
    ext: Ext,
    priority: Priority,
    online_only: bool,
    group_ack: bool,
    push: Option<PushInfo>,
}

impl Outgoing {
    /// A message with default options.
    pub fn new(to: Conversation, body: Body) -> Self {
        Outgoing {
            to,
            body,
            ext: Ext::default(),
            priority: Priority::Normal,
            online_only: false,
            group_ack: false,
            push: None,
        }
    }

    /// Application data (a JSON object; `null` cannot be expressed).
    #[must_use]
    pub fn with_ext(mut self, ext: Ext) -> Self {
        self.ext = ext;
        self
    }

    /// Delivery priority.
    #[must_use]
    pub fn with_priority(mut self, p: Priority) -> Self {
        self.priority = p;
        self
    }

    /// Deliver only to devices online now; never store.
    #[must_use]
    pub fn with_online_only(mut self) -> Self {
        self.online_only = true;
        self
    }

    /// Let group readers send read acks (group owner or admin only).
    #[must_use]
    pub fn with_group_ack(mut self) -> Self {
        self.group_ack = true;
        self
    }

    /// Offline push settings.
    #[must_use]
    pub fn with_push(mut self, push: PushInfo) -> Self {
        self.push = Some(push);
        self
    }

    /// The conversation.
    pub fn to(&self) -> &Conversation {
        &self.to
    }

    /// The content.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Application data.
    pub fn ext(&self) -> &Ext {
        &self.ext
    }

    /// Delivery priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// Whether it goes only to devices online now.
    pub fn online_only(&self) -> bool {
        self.online_only
    }

    /// Whether group readers may send read acks.
    pub fn group_ack(&self) -> bool {
        self.group_ack
    }

    /// Offline push settings.
    pub fn push(&self) -> Option<&PushInfo> {
        self.push.as_ref()
    }
}

/// What the client remembers of its user's own messages.
#[derive(Clone, Debug)]
pub(crate) struct OwnMessage {
    pub(crate) ts: Millis,
    pub(crate) receipt: Option<ReceiptKind>,
    pub(crate) group_reads: u32,
}

impl Client {
    /// Sends a message. A body whose attachment has an empty `url` needs an
    /// upload first: the client emits [`Event::UploadRequested`] and sends
    /// the message once the adapter reports [`Client::upload_complete`].
    /// Ends in [`Outcome::Sent`] or [`Outcome::Failed`].
    pub fn send(&mut self, now: Millis, msg: Outgoing) -> Result<RequestId, CommandError> {
        self.check_body(&msg.body)?;
        if msg.group_ack && !matches!(msg.to, Conversation::Group(_)) {
            return Err(CommandError::InvalidArgument(
                "group_ack is for group messages".into(),
            ));
        }
        let upload = msg.body.attachment().filter(|a| a.url.is_empty()).cloned();
        let stage = if upload.is_some() {
            Stage::Uploading
        } else {
            Stage::Queued
        };
        let id = self.request_staged(now, stage, |id| {
            ClientFrame::Send(Send {
                id,
                to: msg.to,
                body: msg.body,
                ext: msg.ext,
                priority: msg.priority,
                online_only: msg.online_only,
                group_ack: msg.group_ack,
                push: msg.push.map(Box::new),
            })
        })?;
        if let Some(attachment) = upload {
            self.events.push_back(Event::UploadRequested {
                id: id.clone(),
                attachment,
            });
        }
        Ok(id)
    }

    fn check_body(&self, body: &Body) -> Result<(), CommandError> {
        body.validate(self.config.max_body_bytes)
            .map_err(|e| match e {
                BodyError::TooLarge { len, max } => CommandError::TooLarge { len, max },
                other => CommandError::InvalidArgument(other.to_string()),
            })
    }

    /// Sends again a message whose send failed, with the same request id.
    pub fn resend(&mut self, now: Millis, id: &RequestId) -> Result<RequestId, CommandError> {
        if self.outbox.len() >= self.config.max_outbox {
            return Err(CommandError::OutboxFull {
                max: self.config.max_outbox,
            });
        }
        let frame = self
            .failed
            .remove(id)
            .ok_or_else(|| CommandError::UnknownRequest(id.clone()))?;
        let upload = match &frame {
            ClientFrame::Send(s) => s.body.attachment().filter(|a| a.url.is_empty()).cloned(),
            _ => None,
        };
        let (stage, deadline) = match upload {
            Some(_) => (Stage::Uploading, None),
            None => (
                Stage::Queued,
                Some(now.saturating_add(self.config.request_deadline)),
            ),
        };
        self.enqueue(now, id.clone(), frame, stage, deadline, false);
        if let Some(attachment) = upload {
            self.events.push_back(Event::UploadRequested {
                id: id.clone(),
                attachment,
            });
        }
        Ok(id.clone())
    }

    fn uploading(&self, id: &RequestId) -> Result<(), CommandError> {
        match self.outbox.get(id) {
            Some(p) if p.stage == Stage::Uploading => Ok(()),
            _ => Err(CommandError::UnknownRequest(id.clone())),
        }
    }

    /// The adapter's upload progress for a send.
    pub fn upload_progress(
        &mut self,
        id: &RequestId,
        sent: u64,
        total: u64,
    ) -> Result<(), CommandError> {
        self.uploading(id)?;
        self.events.push_back(Event::UploadProgress {
            id: id.clone(),
            sent,
            total,
        });
        Ok(())
    }

    /// The upload finished: `uploaded` is the attachment's metadata with its
    /// `url`. The message goes out now (its deadline starts now).
    pub fn upload_complete(
        &mut self,
        now: Millis,
        id: &RequestId,
        uploaded: Attachment,
    ) -> Result<(), CommandError> {
        self.uploading(id)?;
        if uploaded.url.is_empty() {
            return Err(CommandError::InvalidArgument(
                "uploaded attachment has no url".into(),
            ));
        }
        let mut frame = self
            .outbox
            .get(id)
            .map(|p| p.frame.clone())
            .ok_or_else(|| CommandError::UnknownRequest(id.clone()))?;
        if let ClientFrame::Send(s) = &mut frame {
            match &mut s.body {
                Body::Image(a) | Body::File(a) | Body::Audio(a) | Body::Video(a) => **a = uploaded,
                _ => {}
            }
        }
        self.check_size(&frame)?;
        let deadline = Some(now.saturating_add(self.config.request_deadline));
        self.outbox.remove(id);
        self.enqueue(now, id.clone(), frame, Stage::Queued, deadline, false);
        Ok(())
    }

    /// The upload failed: the send fails with 424 and may be resent (which
    /// asks for the upload again).
    pub fn upload_failed(
        &mut self,
        id: &RequestId,
        reason: impl Into<String>,
    ) -> Result<(), CommandError> {
        self.uploading(id)?;
        if let Some(p) = self.outbox.remove(id) {
            let failure = crate::frame::server::Failure {
                id: Some(id.clone()),
                code: crate::error::ErrorCode::UPLOAD_FAILED,
                reason: reason.into(),
            };
            self.fail(failure, p);
        }
        Ok(())
    }

    /// The server stored a message this client sent. The conversation list
    /// follows when the sender's copy arrives in inbox order; an answer
    /// with `seq` stands for that copy (protocol version 2, PROTOCOL.md
    /// §6.3), which is then rebuilt here from the send.
    pub(crate) fn on_sent(&mut self, now: Millis, s: Sent) {
        let Some(p) = self.outbox.get(&s.id) else {
            return;
        };
        if !matches!(p.stage, Stage::Queued | Stage::InFlight { .. }) {
            return;
        }
        let mut copy = None;
        if let ClientFrame::Send(send) = &p.frame {
            copy = s.seq.zip(self.user.clone()).map(|(seq, me)| {
                let msg = send.clone().into_message(s.mid, me, s.ts);
                let delivery = Delivery {
                    seq: Some(seq),
                    msg: msg.into(),
                };
                (seq, ServerFrame::Msg(delivery))
            });
            self.remember_own(s.mid, s.ts);
            self.sent.insert(s.id.clone(), s.mid);
        }
        self.release_recalls(now, &s.id, s.mid);
        self.finish(
            &s.id.clone(),
            Outcome::Sent {
                id: s.id,
                mid: s.mid,
                ts: s.ts,
            },
        );
        if let Some((seq, frame)) = copy {
            self.arrive(now, seq, frame);
        }
    }

    /// Starts remembering one of this user's messages (kept if known).
    pub(crate) fn remember_own(&mut self, mid: MessageId, ts: Millis) {
        if self.own.get(&mid).is_none() {
            self.own.insert(
                mid,
                OwnMessage {
                    ts,
                    receipt: None,
                    group_reads: 0,
                },
            );
        }
    }
}

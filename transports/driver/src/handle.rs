//! The application's side: a cloneable handle whose commands resolve on the
//! server's answer, and the stream of events.

use futures::channel::{mpsc, oneshot};
use natter_core::client::{
    Answer, Client, CommandError, Event, GroupSpec, Outcome, Outgoing, RecallTarget,
    Request as TypedRequest, StoredHistory,
};
use natter_core::frame::client::Direction;
use natter_core::frame::requests;
use natter_core::frame::server::{ConvList, Done, HistoryPage, ReadBy, ThreadInfo};
use natter_core::{
    Conversation, ErrorCode, GroupId, MessageId, Millis, RequestId, ThreadId, UserId,
};

/// Every event of the client, outcomes included, in order. Unbounded: the
/// application should keep reading it.
pub type EventStream = mpsc::UnboundedReceiver<Event>;

/// Why a command did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// Refused at once by the client state machine.
    #[error("refused locally: {0}")]
    Command(#[from] CommandError),
    /// Failed with a code: the server's, or 408 when no answer came in time.
    #[error("failed with {code}: {reason}")]
    Failed {
        /// The code.
        code: ErrorCode,
        /// The reason.
        reason: String,
    },
    /// The answer had an unexpected shape for this command.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
    /// The driver has stopped.
    #[error("the client has been closed")]
    Closed,
}

/// A command run by the driver on the state machine.
pub(crate) type Run =
    Box<dyn FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send>;

/// A direct access to the state machine, run by the driver.
pub(crate) type Inspect = Box<dyn FnOnce(&mut Client, Millis) + Send>;

/// A request from a handle to the driver.
pub(crate) enum Request {
    Command {
        run: Run,
        reply: oneshot::Sender<Result<Outcome, DriverError>>,
    },
    Inspect(Inspect),
    Wait {
        id: RequestId,
        reply: oneshot::Sender<Result<Outcome, DriverError>>,
    },
    Close,
}

/// A cloneable handle to a running client.
#[derive(Clone, Debug)]
pub struct ClientHandle {
    pub(crate) tx: mpsc::UnboundedSender<Request>,
}

/// The typed answer of a successful outcome.
fn answer<A: Answer>(outcome: Outcome) -> Result<A, DriverError> {
    A::from_outcome(outcome).map_err(|other| DriverError::Unexpected(format!("{other:?}")))
}

impl ClientHandle {
    /// Runs a command of the state machine and waits for its outcome.
    pub async fn command(
        &self,
        run: impl FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send + 'static,
    ) -> Result<Outcome, DriverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .unbounded_send(Request::Command {
                run: Box::new(run),
                reply,
            })
            .map_err(|_| DriverError::Closed)?;
        match answer.await.map_err(|_| DriverError::Closed)?? {
            Outcome::Failed { code, reason, .. } => Err(DriverError::Failed { code, reason }),
            other => Ok(other),
        }
    }

    /// Reads or changes the state machine directly (for queries such as
    /// [`Client::conversations`], and upload reports).
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client, Millis) -> T + Send + 'static,
    ) -> Result<T, DriverError> {
        let (reply, answer) = oneshot::channel();
        let inspect = Box::new(move |c: &mut Client, now: Millis| {
            let _ = reply.send(f(c, now));
        });
        self.tx
            .unbounded_send(Request::Inspect(inspect))
            .map_err(|_| DriverError::Closed)?;
        answer.await.map_err(|_| DriverError::Closed)
    }

    /// Runs a command without waiting for its outcome; returns its request
    /// id (see [`ClientHandle::outcome`]).
    pub async fn begin(
        &self,
        run: impl FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send + 'static,
    ) -> Result<RequestId, DriverError> {
        Ok(self.with(run).await??)
    }

    /// Waits for the outcome of a request started with
    /// [`ClientHandle::begin`] (outcomes of the last 256 requests are kept
    /// for late callers).
    pub async fn outcome(&self, id: RequestId) -> Result<Outcome, DriverError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .unbounded_send(Request::Wait { id, reply })
            .map_err(|_| DriverError::Closed)?;
        match answer.await.map_err(|_| DriverError::Closed)?? {
            Outcome::Failed { code, reason, .. } => Err(DriverError::Failed { code, reason }),
            other => Ok(other),
        }
    }

    /// Changes the state machine without waiting (e.g. upload progress
    /// reports from a synchronous callback).
    pub fn notify(&self, f: impl FnOnce(&mut Client, Millis) + Send + 'static) {
        let _ = self.tx.unbounded_send(Request::Inspect(Box::new(f)));
    }

    /// Sends any request of the client frame table
    /// ([`natter_core::frame::requests`]), built by `make` from its request
    /// id, and resolves with its typed answer: the one path every named
    /// command below shares.
    pub async fn request<R>(
        &self,
        make: impl FnOnce(RequestId) -> R::Payload + Send + 'static,
    ) -> Result<R::Answer, DriverError>
    where
        R: TypedRequest + 'static,
    {
        self.call::<R>(move |c, now| c.request::<R>(now, make))
            .await
    }

    /// Runs a client command that sends an `R` and resolves with `R`'s
    /// typed answer.
    async fn call<R: TypedRequest>(
        &self,
        run: impl FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send + 'static,
    ) -> Result<R::Answer, DriverError> {
        answer(self.command(run).await?)
    }

    /// Sends a message; resolves with the server's id and time.
    pub async fn send(&self, msg: Outgoing) -> Result<(MessageId, Millis), DriverError> {
        let sent = self
            .call::<requests::Send>(move |c, now| c.send(now, msg))
            .await?;
        Ok((sent.mid, sent.ts))
    }

    /// Resends a failed message with its id.
    pub async fn resend(&self, id: RequestId) -> Result<(MessageId, Millis), DriverError> {
        let sent = self
            .call::<requests::Send>(move |c, now| c.resend(now, &id))
            .await?;
        Ok((sent.mid, sent.ts))
    }

    /// Recalls a message (or this client's own send, by request id).
    pub async fn recall(
        &self,
        target: impl Into<RecallTarget> + Send + 'static,
    ) -> Result<(), DriverError> {
        self.call::<requests::Recall>(move |c, now| c.recall(now, target))
            .await
            .map(drop)
    }

    /// Sends a read receipt for one message.
    pub async fn mark_read(&self, mid: MessageId) -> Result<(), DriverError> {
        self.call::<requests::Receipt>(move |c, now| c.mark_read(now, mid))
            .await
            .map(drop)
    }

    /// Marks a conversation read on every device.
    pub async fn mark_conversation_read(&self, conv: Conversation) -> Result<(), DriverError> {
        self.call::<requests::ConvRead>(move |c, now| c.mark_conversation_read(now, conv))
            .await
            .map(drop)
    }

    /// Sends a group read ack.
    pub async fn send_group_read(
        &self,
        mid: MessageId,
        content: Option<String>,
    ) -> Result<(), DriverError> {
        self.call::<requests::GroupRead>(move |c, now| c.send_group_read(now, mid, content))
            .await
            .map(drop)
    }

    /// Asks who has read a `group_ack` message.
    pub async fn read_by(&self, mid: MessageId) -> Result<ReadBy, DriverError> {
        self.call::<requests::ReadBy>(move |c, now| c.read_by(now, mid))
            .await
    }

    /// Fetches one page of history.
    pub async fn fetch_history(
        &self,
        conv: Conversation,
        cursor: Option<MessageId>,
        direction: Direction,
        limit: u16,
    ) -> Result<HistoryPage, DriverError> {
        self.call::<requests::History>(move |c, now| {
            c.fetch_history(now, conv, cursor, direction, limit)
        })
        .await
    }

    /// Fetches a page of the server's conversation list.
    pub async fn fetch_conversations(
        &self,
        cursor: Option<String>,
        limit: u16,
    ) -> Result<ConvList, DriverError> {
        self.call::<requests::ConvList>(move |c, now| c.fetch_conversations(now, cursor, limit))
            .await
    }

    /// Deletes a conversation (optionally with its history).
    pub async fn delete_conversation(
        &self,
        conv: Conversation,
        history: StoredHistory,
    ) -> Result<(), DriverError> {
        self.call::<requests::ConvDelete>(move |c, now| c.delete_conversation(now, conv, history))
            .await
            .map(drop)
    }

    /// Creates a group or room.
    pub async fn create_group(&self, spec: GroupSpec) -> Result<GroupId, DriverError> {
        let created = self
            .call::<requests::GroupCreate>(move |c, now| c.create_group(now, spec))
            .await?;
        Ok(created.group)
    }

    /// Joins a group; `true` when the join waits for approval.
    pub async fn join_group(
        &self,
        group: GroupId,
        message: Option<String>,
    ) -> Result<bool, DriverError> {
        let done = self
            .call::<requests::GroupJoin>(move |c, now| c.join_group(now, group, message))
            .await?;
        Ok(done.pending)
    }

    /// Runs a group command that ends in `ok` (invite, kick, leave, admin,
    /// mute, dismiss, decide, block, ...), e.g.
    /// `handle.done(|c, now| c.kick(now, group, users))`.
    pub async fn done(
        &self,
        run: impl FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send + 'static,
    ) -> Result<(), DriverError> {
        let _: Done = answer(self.command(run).await?)?;
        Ok(())
    }

    /// Creates a thread from a group message.
    pub async fn create_thread(
        &self,
        group: GroupId,
        root: MessageId,
        name: String,
    ) -> Result<ThreadInfo, DriverError> {
        let created = self
            .call::<requests::ThreadCreate>(move |c, now| c.create_thread(now, group, root, name))
            .await?;
        Ok(created.info)
    }

    /// Joins a thread.
    pub async fn join_thread(&self, thread: ThreadId) -> Result<(), DriverError> {
        self.call::<requests::ThreadJoin>(move |c, now| c.join_thread(now, thread))
            .await
            .map(drop)
    }

    /// Blocks a user.
    pub async fn block(&self, user: UserId) -> Result<(), DriverError> {
        self.call::<requests::Block>(move |c, now| c.block(now, user))
            .await
            .map(drop)
    }

    /// Stops the driver: the transport is closed, pending commands fail with
    /// [`DriverError::Closed`].
    pub fn close(&self) {
        let _ = self.tx.unbounded_send(Request::Close);
    }
}

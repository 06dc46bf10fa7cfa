//! The application's side: a cloneable handle whose commands resolve on the
//! server's answer, and the stream of events.

use futures::channel::{mpsc, oneshot};
use natter_core::client::{
    Client, CommandError, Event, GroupSpec, Outcome, Outgoing, RecallTarget, StoredHistory,
};
use natter_core::frame::client::Direction;
use natter_core::frame::server::{ConvList, HistoryPage, ReadBy, ThreadInfo};
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

fn sent(o: Outcome) -> Result<(MessageId, Millis), DriverError> {
    match o {
        Outcome::Sent { mid, ts, .. } => Ok((mid, ts)),
        other => Err(DriverError::Unexpected(format!("{other:?}"))),
    }
}

fn done(o: Outcome) -> Result<bool, DriverError> {
    match o {
        Outcome::Done { pending, .. } => Ok(pending),
        other => Err(DriverError::Unexpected(format!("{other:?}"))),
    }
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

    /// Sends a message; resolves with the server's id and time.
    pub async fn send(&self, msg: Outgoing) -> Result<(MessageId, Millis), DriverError> {
        sent(self.command(move |c, now| c.send(now, msg)).await?)
    }

    /// Resends a failed message with its id.
    pub async fn resend(&self, id: RequestId) -> Result<(MessageId, Millis), DriverError> {
        sent(self.command(move |c, now| c.resend(now, &id)).await?)
    }

    /// Recalls a message (or this client's own send, by request id).
    pub async fn recall(
        &self,
        target: impl Into<RecallTarget> + Send + 'static,
    ) -> Result<(), DriverError> {
        done(self.command(move |c, now| c.recall(now, target)).await?).map(drop)
    }

    /// Sends a read receipt for one message.
    pub async fn mark_read(&self, mid: MessageId) -> Result<(), DriverError> {
        done(self.command(move |c, now| c.mark_read(now, mid)).await?).map(drop)
    }

    /// Marks a conversation read on every device.
    pub async fn mark_conversation_read(&self, conv: Conversation) -> Result<(), DriverError> {
        done(
            self.command(move |c, now| c.mark_conversation_read(now, conv))
                .await?,
        )
        .map(drop)
    }

    /// Sends a group read ack.
    pub async fn send_group_read(
        &self,
        mid: MessageId,
        content: Option<String>,
    ) -> Result<(), DriverError> {
        done(
            self.command(move |c, now| c.send_group_read(now, mid, content))
                .await?,
        )
        .map(drop)
    }

    /// Asks who has read a `group_ack` message.
    pub async fn read_by(&self, mid: MessageId) -> Result<ReadBy, DriverError> {
        match self.command(move |c, now| c.read_by(now, mid)).await? {
            Outcome::ReadBy(r) => Ok(r),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Fetches one page of history.
    pub async fn fetch_history(
        &self,
        conv: Conversation,
        cursor: Option<MessageId>,
        direction: Direction,
        limit: u16,
    ) -> Result<HistoryPage, DriverError> {
        match self
            .command(move |c, now| c.fetch_history(now, conv, cursor, direction, limit))
            .await?
        {
            Outcome::History(p) => Ok(p),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Fetches a page of the server's conversation list.
    pub async fn fetch_conversations(
        &self,
        cursor: Option<String>,
        limit: u16,
    ) -> Result<ConvList, DriverError> {
        match self
            .command(move |c, now| c.fetch_conversations(now, cursor, limit))
            .await?
        {
            Outcome::Conversations(l) => Ok(l),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Deletes a conversation (optionally with its history).
    pub async fn delete_conversation(
        &self,
        conv: Conversation,
        history: StoredHistory,
    ) -> Result<(), DriverError> {
        done(
            self.command(move |c, now| c.delete_conversation(now, conv, history))
                .await?,
        )
        .map(drop)
    }

    /// Creates a group or room.
    pub async fn create_group(&self, spec: GroupSpec) -> Result<GroupId, DriverError> {
        match self
            .command(move |c, now| c.create_group(now, spec))
            .await?
        {
            Outcome::GroupCreated(g) => Ok(g.group),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Joins a group; `true` when the join waits for approval.
    pub async fn join_group(
        &self,
        group: GroupId,
        message: Option<String>,
    ) -> Result<bool, DriverError> {
        done(
            self.command(move |c, now| c.join_group(now, group, message))
                .await?,
        )
    }

    /// Runs a group command that ends in `ok` (invite, kick, leave, admin,
    /// mute, dismiss, decide, block, ...), e.g.
    /// `handle.done(|c, now| c.kick(now, group, users))`.
    pub async fn done(
        &self,
        run: impl FnOnce(&mut Client, Millis) -> Result<RequestId, CommandError> + Send + 'static,
    ) -> Result<(), DriverError> {
        done(self.command(run).await?).map(drop)
    }

    /// Creates a thread from a group message.
    pub async fn create_thread(
        &self,
        group: GroupId,
        root: MessageId,
        name: String,
    ) -> Result<ThreadInfo, DriverError> {
        match self
            .command(move |c, now| c.create_thread(now, group, root, name))
            .await?
        {
            Outcome::ThreadCreated(t) => Ok(t.info),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }

    /// Joins a thread.
    pub async fn join_thread(&self, thread: ThreadId) -> Result<(), DriverError> {
        self.done(move |c, now| c.join_thread(now, thread)).await
    }

    /// Blocks a user.
    pub async fn block(&self, user: UserId) -> Result<(), DriverError> {
        self.done(move |c, now| c.block(now, user)).await
    }

    /// Stops the driver: the transport is closed, pending commands fail with
    /// [`DriverError::Closed`].
    pub fn close(&self) {
        let _ = self.tx.unbounded_send(Request::Close);
    }
}

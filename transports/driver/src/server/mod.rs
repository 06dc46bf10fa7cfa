//! The server side, independent of any async runtime: the task that owns
//! the [`Server`] state machine, hands its record batches, checkpoints and
//! loads to the [`Store`]'s own thread (group commit: one sync for every
//! batch waiting; the runtime's workers never wait on the disk) and reports
//! them back, which lets the frames behind them out; it fires timers
//! through a [`Runtime`] and talks to connection tasks over channels. An
//! adapter accepts connections, decodes WebSocket messages into [`Input`]s
//! ([`input_text`] for a text message, [`input`] for a binary one) and
//! writes each connection's outgoing queue ([`write_frames`]).

mod database_thread;
mod outgoing;
mod queue;
mod segments;
mod store;
mod wal;
mod writer;

/// A fresh scratch directory for a test (removed if it exists, not
/// created), unique to this process.
#[cfg(test)]
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("natter-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub use outgoing::{WRITE_BUFFER, encode, input, input_text, write_frames};
pub use queue::{OutReceiver, OutSender, Refused, out_queue};

pub use segments::{WAL_FILE, WAL_FILES};
pub use store::{
    CACHE_BYTES, CHECKPOINT_EVERY, RESIDENT_MESSAGES, STORE_FILE, Store, StoreError, with_store,
};

use crate::Runtime;
use futures::channel::mpsc::{self, TryRecvError};
use futures::{FutureExt, StreamExt};
use natter_core::server::{ConnectionId, Output, Server, ServerEvent};
use natter_core::{ClientFrame, Now, ServerFrame};
use std::collections::BTreeMap;
use std::sync::Arc;
use writer::{Report, Writer};

/// Sends on its channel when dropped. Kept in the future that runs a
/// [`ServerTask`], it tells a shutdown (or a crash in a test) that the task
/// is gone and its store released, so that a server can start again on the
/// same data directory.
#[derive(Debug)]
pub struct Released(Option<futures::channel::oneshot::Sender<()>>);

impl Released {
    /// Sends on `tx` when dropped.
    pub fn new(tx: futures::channel::oneshot::Sender<()>) -> Self {
        Released(Some(tx))
    }
}

impl Drop for Released {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// The most inputs handled before one drain.
const MAX_BATCH: usize = 256;

/// The default bound of a connection's outgoing queue ([`out_queue`]), in
/// frames. A connection task encodes and writes the frames it takes from
/// the queue and closes its socket when the queue ends.
pub const OUT_QUEUE: usize = 1024;

/// The bound of a connection's outgoing queue for a server with delivery
/// window `window`: `requested`, but never less than the window and 64
/// frames more, so a full window (a resume) never trips the slow-consumer
/// policy by itself.
pub fn out_queue_bound(requested: usize, window: u64) -> usize {
    let window = usize::try_from(window).unwrap_or(usize::MAX);
    requested.max(window.saturating_add(64))
}

/// The bound of the server task's input queue, in inputs (plus one slot per
/// connection): connection tasks wait when it is full, and stop reading
/// their sockets meanwhile, so a server behind is not flooded.
pub const INPUT_QUEUE: usize = 4096;

/// The server task's input queue, bounded by [`INPUT_QUEUE`].
pub fn input_queue() -> (mpsc::Sender<Input>, mpsc::Receiver<Input>) {
    mpsc::channel(INPUT_QUEUE)
}

/// What the server task receives from connection tasks.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A new connection, and its outgoing queue of frames ([`out_queue`]):
    /// the connection encodes them ([`encode`]), writes them in order and
    /// closes when the queue ends.
    Connect(ConnectionId, OutSender),
    /// One message from a connection, decoded on its task ([`input_text`],
    /// [`input`]).
    Frame(ConnectionId, Box<ClientFrame>),
    /// One message a connection could not decode: the server answers it
    /// (`error` 400, 413 or 415, with the request id when one was read).
    Malformed(ConnectionId, Vec<u8>),
    /// The connection is gone.
    Disconnect(ConnectionId),
}

/// The task that owns the server state machine. Build it, then poll
/// [`ServerTask::run`] on the runtime.
pub struct ServerTask<R: Runtime> {
    server: Server,
    store: Option<Store>,
    writer: Option<Writer>,
    conns: BTreeMap<ConnectionId, Outgoing>,
    /// The connections whose `pending` frames are not queued yet.
    dirty: Vec<ConnectionId>,
    runtime: Arc<R>,
}

/// A connection's outgoing queue, and the frames of the drain under way
/// that go into it as one batch when the drain ends.
struct Outgoing {
    tx: OutSender,
    pending: Vec<ServerFrame>,
}

impl Outgoing {
    /// Ends the queue after the frames it holds, this drain's included:
    /// the connection writes them, then closes.
    fn close(self) {
        let _ = self.tx.send(self.pending);
    }
}

/// The slow-consumer policy: a connection whose outgoing queue is full is
/// closed (what it had queued is still written). Nothing is lost: its
/// client reconnects and resumes from the last event it acknowledged, and
/// the inbox replays the rest; only ephemeral frames (online-only and chat
/// room messages, live read counts) are not sent again, as for any device
/// offline at that moment (PROTOCOL.md R10).
fn slow_consumer(conn: ConnectionId) {
    tracing::info!(
        conn = conn.0,
        "outgoing queue full: closing a slow consumer"
    );
}

impl<R: Runtime> ServerTask<R> {
    /// A task for `server`, persisting to `store` (`None`: in memory,
    /// every batch reported persisted at once).
    pub fn new(server: Server, store: Option<Store>, runtime: Arc<R>) -> Self {
        ServerTask {
            server,
            store,
            writer: None,
            conns: BTreeMap::new(),
            dirty: Vec::new(),
            runtime,
        }
    }

    fn now(&self) -> Now {
        Now::new(self.runtime.now(), self.runtime.wall_clock())
    }

    /// Runs until every input sender is dropped, or a batch cannot be
    /// persisted (then every connection is closed: nothing more may be
    /// acknowledged).
    pub async fn run(mut self, mut inputs: mpsc::Receiver<Input>) {
        // In memory no report ever comes: the sender is kept, unused.
        let (_in_memory, mut synced) = mpsc::unbounded();
        match self.store.take().map(Writer::start).transpose() {
            Ok(Some((writer, reports))) => {
                self.writer = Some(writer);
                synced = reports;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!("cannot start the store's thread: {e}");
                return;
            }
        }
        let mut ended = false;
        loop {
            let timer = match self.server.poll_timeout() {
                Some(at) => self.runtime.sleep_until(at),
                None => futures::future::pending().boxed(),
            };
            futures::select! {
                report = synced.next() => match report {
                    Some(Ok(Report::Persisted(id))) => self.server.persisted(id),
                    Some(Ok(Report::Loaded(id, rows))) => {
                        let now = self.now();
                        self.server.loaded(now, id, rows);
                    }
                    Some(Err(e)) => {
                        self.stop(&format!("the store failed: {e}"));
                        break;
                    }
                    None => {
                        self.stop("the store's thread stopped");
                        break;
                    }
                },
                input = inputs.next() => match input {
                    None => break,
                    Some(input) => {
                        self.handle(input);
                        // Take whatever else is waiting before draining:
                        // fewer, larger batches for the log's thread.
                        for _ in 0..MAX_BATCH {
                            match inputs.try_recv() {
                                Ok(more) => self.handle(more),
                                Err(TryRecvError::Empty) => break,
                                // The queue is seen to end here, and
                                // `select!` never polls an ended stream
                                // again: the task ends after this drain.
                                Err(TryRecvError::Closed) => {
                                    ended = true;
                                    break;
                                }
                            }
                        }
                    }
                },
                () = timer.fuse() => {
                    let now = self.now();
                    self.server.handle_timeout(now);
                }
            }
            if !self.flush() {
                self.stop("the store's thread stopped");
                break;
            }
            if ended {
                break;
            }
        }
    }

    /// Without durable records nothing more may be acknowledged: every
    /// connection is closed and the task ends.
    fn stop(&mut self, why: &str) {
        tracing::error!("{why}; the server stops");
        for (_, out) in std::mem::take(&mut self.conns) {
            out.close();
        }
    }

    fn handle(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Connect(conn, tx) => {
                let pending = Vec::new();
                self.conns.insert(conn, Outgoing { tx, pending });
                self.server.handle_connect(now, conn);
            }
            Input::Frame(conn, frame) => self.server.handle_frame(now, conn, *frame),
            Input::Malformed(conn, bytes) => {
                // A bad frame is answered by the server itself.
                if let Err(e) = self.server.handle_bytes(now, conn, &bytes) {
                    tracing::debug!(conn = conn.0, "bad frame: {e}");
                }
            }
            Input::Disconnect(conn) => {
                self.conns.remove(&conn);
                self.server.handle_disconnect(now, conn);
            }
        }
    }

    /// Drains the server: batches, checkpoints and loads go to the
    /// store's thread (in memory, batches are reported persisted at once
    /// and there is nothing to load), frames and events whose batches are
    /// durable go out, each connection's as one batch. `false` when the
    /// store's thread is gone.
    fn flush(&mut self) -> bool {
        loop {
            while let Some(output) = self.server.poll_output() {
                if !self.output(output) {
                    return false;
                }
            }
            // A slow consumer dropped here is a disconnect, which the
            // server answers with more output.
            if !self.queue_pending() {
                return true;
            }
        }
    }

    /// Hands one output on; `false` when the store's thread is gone.
    fn output(&mut self, output: Output) -> bool {
        match (output, &self.writer) {
            (Output::Persist(batch), Some(writer)) => writer.write(batch),
            (Output::Persist(batch), None) => {
                self.server.persisted(batch.id());
                true
            }
            (Output::Checkpoint(c), Some(writer)) => writer.checkpoint(c),
            (Output::Checkpoint(_), None) => true,
            (Output::Load(load), Some(writer)) => writer.load(load),
            (Output::Load(load), None) => {
                let now = self.now();
                self.server.loaded(now, load.id(), Vec::new());
                true
            }
            (Output::Transmit { conn, frame }, _) => {
                if let Some(out) = self.conns.get_mut(&conn) {
                    if out.pending.is_empty() {
                        self.dirty.push(conn);
                    }
                    out.pending.push(frame);
                }
                true
            }
            (Output::Event(event), _) => {
                self.event(event);
                true
            }
        }
    }

    /// Queues each connection's frames of this drain as one batch; `true`
    /// when a slow consumer was disconnected.
    fn queue_pending(&mut self) -> bool {
        let mut dropped = false;
        for conn in std::mem::take(&mut self.dirty) {
            let Some(out) = self.conns.get_mut(&conn) else {
                continue;
            };
            let batch = std::mem::take(&mut out.pending);
            if out.tx.send(batch) == Err(Refused::Full) {
                slow_consumer(conn);
                self.conns.remove(&conn);
                let now = self.now();
                self.server.handle_disconnect(now, conn);
                dropped = true;
            }
        }
        dropped
    }

    fn event(&mut self, event: ServerEvent) {
        match event {
            ServerEvent::Close { conn, reason } => {
                tracing::debug!(conn = conn.0, ?reason, "closing");
                if let Some(out) = self.conns.remove(&conn) {
                    out.close();
                }
            }
            ServerEvent::Push(p) => {
                tracing::info!(user = %p.user, mid = %p.mid, "offline push");
            }
            other => tracing::debug!(?other, "server event"),
        }
    }
}

//! The server side, independent of any async runtime: the task that owns
//! the [`Server`] state machine, hands its record batches to the record
//! log's own thread (group commit: one sync for every batch waiting; the
//! runtime's workers never wait on the disk) and reports them persisted,
//! which lets the frames behind them out; it fires timers through a
//! [`Runtime`] and talks to connection tasks over channels. An adapter accepts connections, decodes WebSocket
//! messages into [`Input`]s and writes the [`Out`]s of each connection.

mod log;
mod writer;

pub use log::{RECORDS_FILE, RecordLog};

use crate::Runtime;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use natter_core::server::{ConnectionId, Output, Server, ServerEvent};
use natter_core::{Codec, Now, ServerFrame};
use std::collections::BTreeMap;
use std::sync::Arc;
use writer::Writer;

/// The most inputs handled before one persist-and-transmit.
const MAX_BATCH: usize = 256;

/// What a connection task receives.
#[derive(Debug)]
#[non_exhaustive]
pub enum Out {
    /// A frame to send, as JSON text.
    Frame(String),
    /// Close the connection (its last frames came before).
    Close,
}

/// What the server task receives from connection tasks.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A new connection, and where its frames go.
    Connect(ConnectionId, mpsc::UnboundedSender<Out>),
    /// One WebSocket message from a connection.
    Frame(ConnectionId, Vec<u8>),
    /// The connection is gone.
    Disconnect(ConnectionId),
}

/// The task that owns the server state machine. Build it, then poll
/// [`ServerTask::run`] on the runtime.
pub struct ServerTask<R: Runtime> {
    server: Server,
    log: Option<RecordLog>,
    writer: Option<Writer>,
    conns: BTreeMap<ConnectionId, mpsc::UnboundedSender<Out>>,
    codec: Codec,
    runtime: Arc<R>,
}

impl<R: Runtime> ServerTask<R> {
    /// A task for `server`, persisting to `log` (`None`: in memory, every
    /// batch reported persisted at once).
    pub fn new(server: Server, log: Option<RecordLog>, runtime: Arc<R>) -> Self {
        let codec = Codec::new(server.config().max_frame());
        ServerTask {
            server,
            log,
            writer: None,
            conns: BTreeMap::new(),
            codec,
            runtime,
        }
    }

    fn now(&self) -> Now {
        Now::new(self.runtime.now(), self.runtime.wall_clock())
    }

    /// Runs until every input sender is dropped, or a batch cannot be
    /// persisted (then every connection is closed: nothing more may be
    /// acknowledged).
    pub async fn run(mut self, mut inputs: mpsc::UnboundedReceiver<Input>) {
        // In memory no report ever comes: the sender is kept, unused.
        let (_in_memory, mut synced) = mpsc::unbounded();
        match self.log.take().map(Writer::start).transpose() {
            Ok(Some((writer, reports))) => {
                self.writer = Some(writer);
                synced = reports;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!("cannot start the record log's thread: {e}");
                return;
            }
        }
        loop {
            let timer = match self.server.poll_timeout() {
                Some(at) => self.runtime.sleep_until(at),
                None => futures::future::pending().boxed(),
            };
            futures::select! {
                report = synced.next() => match report {
                    Some(Ok(id)) => self.server.persisted(id),
                    Some(Err(e)) => {
                        self.stop(&format!("cannot persist records: {e}"));
                        break;
                    }
                    None => {
                        self.stop("the record log's thread stopped");
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
                                Err(_) => break,
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
                self.stop("the record log's thread stopped");
                break;
            }
        }
    }

    /// Without durable records nothing more may be acknowledged: every
    /// connection is closed and the task ends.
    fn stop(&self, why: &str) {
        tracing::error!("{why}; the server stops");
        for tx in self.conns.values() {
            let _ = tx.unbounded_send(Out::Close);
        }
    }

    fn handle(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Connect(conn, tx) => {
                self.conns.insert(conn, tx);
                self.server.handle_connect(now, conn);
            }
            Input::Frame(conn, bytes) => {
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

    /// Drains the server: batches go to the record log's thread (in memory,
    /// they are reported persisted at once), frames and events whose
    /// batches are durable go out. `false` when the log's thread is gone.
    fn flush(&mut self) -> bool {
        while let Some(output) = self.server.poll_output() {
            match output {
                Output::Persist(batch) => match &self.writer {
                    Some(writer) => {
                        if !writer.write(batch) {
                            return false;
                        }
                    }
                    None => self.server.persisted(batch.id()),
                },
                Output::Transmit { conn, frame } => self.transmit(conn, &frame),
                Output::Event(event) => self.event(event),
            }
        }
        true
    }

    fn transmit(&mut self, conn: ConnectionId, frame: &ServerFrame) {
        if let (Some(tx), Ok(text)) = (self.conns.get(&conn), self.codec.encode_text(frame)) {
            let _ = tx.unbounded_send(Out::Frame(text));
        }
    }

    fn event(&mut self, event: ServerEvent) {
        match event {
            ServerEvent::Close { conn, reason } => {
                tracing::debug!(conn = conn.0, ?reason, "closing");
                if let Some(tx) = self.conns.remove(&conn) {
                    let _ = tx.unbounded_send(Out::Close);
                }
            }
            ServerEvent::Push(p) => {
                tracing::info!(user = %p.user, mid = %p.mid, "offline push");
            }
            other => tracing::debug!(?other, "server event"),
        }
    }
}

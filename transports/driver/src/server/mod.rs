//! The server side, independent of any async runtime: the task that owns
//! the [`Server`] state machine, persists its record batches (group commit:
//! one sync for every batch waiting) before the frames behind them go out,
//! fires its timers through a [`Runtime`], and talks to connection tasks
//! over channels. An adapter accepts connections, decodes WebSocket
//! messages into [`Input`]s and writes the [`Out`]s of each connection.

mod log;

pub use log::{RECORDS_FILE, RecordLog};

use crate::Runtime;
use futures::channel::mpsc;
use futures::{FutureExt, StreamExt};
use natter_core::server::{ConnectionId, Output, Record, Server, ServerEvent};
use natter_core::{Codec, Now, ServerFrame};
use std::collections::BTreeMap;
use std::sync::Arc;

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
        loop {
            let timer = match self.server.poll_timeout() {
                Some(at) => self.runtime.sleep_until(at),
                None => futures::future::pending().boxed(),
            };
            futures::select! {
                input = inputs.next() => match input {
                    None => break,
                    Some(input) => {
                        self.handle(input);
                        // Group commit: take whatever else is waiting, then
                        // persist once for all of it before any frame goes out.
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
            if let Err(e) = self.flush() {
                tracing::error!("cannot persist records: {e}; the server stops");
                for tx in self.conns.values() {
                    let _ = tx.unbounded_send(Out::Close);
                }
                break;
            }
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

    /// Drains the server: every batch waiting is written with one sync
    /// (group commit) and reported persisted, which releases the frames and
    /// events behind it; repeats until nothing is left.
    fn flush(&mut self) -> std::io::Result<()> {
        loop {
            let mut records: Vec<Record> = Vec::new();
            let mut newest = None;
            while let Some(output) = self.server.poll_output() {
                match output {
                    Output::Persist(batch) => {
                        newest = Some(batch.id());
                        records.extend(batch.into_records());
                    }
                    Output::Transmit { conn, frame } => self.transmit(conn, &frame),
                    Output::Event(event) => self.event(event),
                }
            }
            let Some(newest) = newest else {
                return Ok(());
            };
            if let Some(log) = &mut self.log {
                log.append(&records)?;
            }
            self.server.persisted(newest);
        }
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

//! The task that owns the server state machine: every connection's frames
//! go through it, in order; it persists records before it lets the frames
//! of the same input out.

use super::store::RecordLog;
use crate::runtime::{monotonic_clock, server_now};
use natter_core::server::{ConnectionId, Output, Record, Server, ServerEvent};
use natter_core::{Codec, ServerFrame};
use std::collections::BTreeMap;
use tokio::sync::mpsc;

/// The most inputs handled before one persist-and-transmit.
const MAX_BATCH: usize = 256;

/// What a connection task receives.
#[derive(Debug)]
pub(crate) enum Out {
    Frame(String),
    Close,
}

/// What the actor receives.
#[derive(Debug)]
pub(crate) enum Input {
    Connect(ConnectionId, mpsc::UnboundedSender<Out>),
    Frame(ConnectionId, Vec<u8>),
    Disconnect(ConnectionId),
}

pub(crate) struct Actor {
    pub(crate) server: Server,
    pub(crate) log: Option<RecordLog>,
    pub(crate) conns: BTreeMap<ConnectionId, mpsc::UnboundedSender<Out>>,
    pub(crate) codec: Codec,
}

impl Actor {
    pub(crate) async fn run(mut self, mut inputs: mpsc::UnboundedReceiver<Input>) {
        loop {
            let timer = self.server.poll_timeout();
            tokio::select! {
                input = inputs.recv() => match input {
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
                () = sleep_until(timer) => self.server.handle_timeout(server_now()),
            }
            if let Err(e) = self.flush() {
                // Without durable records nothing may be acknowledged: stop.
                tracing::error!("cannot persist records: {e}; the server stops");
                for tx in self.conns.values() {
                    let _ = tx.send(Out::Close);
                }
                break;
            }
        }
    }

    fn handle(&mut self, input: Input) {
        let now = server_now();
        match input {
            Input::Connect(conn, tx) => {
                self.conns.insert(conn, tx);
                self.server.handle_connect(now, conn);
            }
            Input::Frame(conn, bytes) => {
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
            let _ = tx.send(Out::Frame(text));
        }
    }

    fn event(&mut self, event: ServerEvent) {
        match event {
            ServerEvent::Close { conn, reason } => {
                tracing::debug!(conn = conn.0, ?reason, "closing");
                if let Some(tx) = self.conns.remove(&conn) {
                    let _ = tx.send(Out::Close);
                }
            }
            ServerEvent::Push(p) => {
                tracing::info!(user = %p.user, mid = %p.mid, "offline push")
            }
            other => tracing::debug!(?other, "server event"),
        }
    }
}

async fn sleep_until(at: Option<natter_core::Millis>) {
    match at {
        Some(at) => tokio::time::sleep(at.saturating_since(monotonic_clock())).await,
        None => futures::future::pending().await,
    }
}

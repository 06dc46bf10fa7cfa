//! The task that owns the server state machine: every connection's frames
//! go through it, in order; it persists records before it lets the frames
//! of the same input out.

use super::store::RecordLog;
use crate::runtime::wall_clock;
use natter_core::Codec;
use natter_core::server::{ConnectionId, Record, Server, ServerEvent};
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
                () = sleep_until(timer) => self.server.handle_timeout(wall_clock()),
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
        let now = wall_clock();
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

    /// Persist, then transmit, then act on events.
    fn flush(&mut self) -> std::io::Result<()> {
        let records: Vec<Record> = std::iter::from_fn(|| self.server.poll_record()).collect();
        if let Some(log) = &mut self.log {
            log.append(&records)?;
        }
        while let Some((conn, frame)) = self.server.poll_transmit() {
            if let (Some(tx), Ok(text)) = (self.conns.get(&conn), self.codec.encode_text(&frame)) {
                let _ = tx.send(Out::Frame(text));
            }
        }
        while let Some(event) = self.server.poll_event() {
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
        Ok(())
    }
}

async fn sleep_until(at: Option<natter_core::Millis>) {
    match at {
        Some(at) => tokio::time::sleep(at.saturating_since(wall_clock())).await,
        None => futures::future::pending().await,
    }
}

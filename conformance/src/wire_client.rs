//! Client mode: the runner plays the server on a port, and a client under
//! test connects to it over a real WebSocket.
//!
//! The client's application side is driven by a small test agent beside
//! it (for natter-core's client: [`crate::agent`]), over a control
//! WebSocket that the agent opens first, at `ws://HOST:PORT/control`. The
//! runner sends it one operation at a time, and the agent answers each with
//! `{"done": true}` (or `{"error": "..."}`) once the client has run it,
//! after sending the client's frames on the protocol connection and its
//! events as `{"event": {...}}` on the control one:
//!
//! * `{"op": "begin", "client": {...}, "url": "ws://HOST:PORT/ws"}`: a
//!   fresh client with the vector's `client` block;
//! * `{"op": "at", "at": MS}`: the client's clock reads MS (its timers due
//!   by then fire, each at its own instant);
//! * `{"op": "connect"}`: the client opens its transport to `url` (the
//!   runner accepts it) and says hello; `{"op": "disconnect"}`: the
//!   transport is lost;
//! * `{"op": "sync", "received": N}`: answer once the client has handled
//!   the first N frames the runner sent on the current connection;
//! * `{"op": "command", "command": {...}}`: an application command
//!   ([`crate::client_api`]);
//! * `{"op": "end"}`: the case is over.
//!
//! A client that closes its transport by itself (a ping timeout, a refusal,
//! an inbox gap) closes the connection; frames the script sends after that
//! are not delivered, as with a real server.

use crate::client_script::{ClientStep, ClientTarget, Expected};
use crate::ws::Peer;
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

/// The runner as the server of a client under test.
#[derive(Debug)]
pub struct WireClient {
    listener: TcpListener,
    url: String,
    control: Option<Peer>,
    conn: Option<Peer>,
    /// Frames sent on the current connection.
    sent: u64,
    got: Expected,
    timeout: Duration,
    settle: Duration,
}

impl WireClient {
    /// Listens on `addr` (port 0 picks a free one); `settle` is how long to
    /// wait for frames and events nobody expects.
    pub fn listen(addr: SocketAddr, settle: Duration) -> Result<WireClient, String> {
        let listener = TcpListener::bind(addr).map_err(|e| format!("binding {addr}: {e}"))?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        Ok(WireClient {
            listener,
            url: format!("ws://{bound}"),
            control: None,
            conn: None,
            sent: 0,
            got: Expected::default(),
            timeout: Duration::from_secs(5),
            settle,
        })
    }

    /// `ws://HOST:PORT`, where the agent connects (`/control`) and the
    /// client under test too (`/ws`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits up to `wait` for the agent's control connection.
    pub fn wait_for_agent(&mut self, wait: Duration) -> Result<(), String> {
        self.control = Some(self.accept(wait)?);
        Ok(())
    }

    fn accept(&self, wait: Duration) -> Result<Peer, String> {
        let end = Instant::now() + wait;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => return Peer::accept(stream),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.to_string()),
            }
            if Instant::now() >= end {
                return Err(format!("nobody connected to {} in {wait:?}", self.url));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Reads what has arrived from the agent and the client; returns the
    /// agent's answer to an operation, if one came.
    fn poll(&mut self) -> Option<Result<(), String>> {
        if let Some(conn) = self.conn.as_mut() {
            for bytes in conn.read_all() {
                let frame = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
                self.got.frames.push(frame);
            }
        }
        let mut answer = None;
        let control = self.control.as_mut()?;
        for bytes in control.read_all() {
            let Ok(message) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };
            if let Some(event) = message.get("event") {
                self.got.events.push(event.clone());
            } else if let Some(why) = message.get("error") {
                answer = Some(Err(format!("the agent: {why}")));
            } else if message.get("done").is_some() {
                answer = Some(Ok(()));
            }
        }
        if answer.is_none() && !control.is_open() {
            return Some(Err("the agent closed its control connection".into()));
        }
        answer
    }

    /// Sends an operation and waits for the agent's answer; `accept` also
    /// takes the client's new connection meanwhile.
    fn op(&mut self, op: Value, accept: bool) -> Result<(), String> {
        let control = self.control.as_mut().ok_or("no agent connected")?;
        control.send(op.to_string())?;
        let end = Instant::now() + self.timeout;
        let mut accepted = !accept;
        loop {
            if !accepted {
                match self.listener.accept() {
                    Ok((stream, _)) => {
                        self.conn = Some(Peer::accept(stream)?);
                        self.sent = 0;
                        accepted = true;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            if let Some(answer) = self.poll() {
                return answer;
            }
            if Instant::now() >= end {
                return Err(format!("no answer from the agent to {op}"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Sends a frame to the client, if its connection is up, and waits
    /// until it has handled it.
    fn deliver(&mut self, text: String) -> Result<(), String> {
        if let Some(conn) = self.conn.as_mut().filter(|c| c.is_open()) {
            conn.send(text)?;
            self.sent += 1;
        }
        self.op(json!({"op": "sync", "received": self.sent}), false)
    }
}

impl ClientTarget for WireClient {
    fn begin(&mut self, settings: &Value) -> Result<(), String> {
        self.got = Expected::default();
        let url = format!("{}/ws", self.url);
        self.op(
            json!({"op": "begin", "client": settings, "url": url}),
            false,
        )
    }

    fn step(&mut self, step: &ClientStep) -> Result<(), String> {
        match step {
            ClientStep::At { at } => self.op(json!({"op": "at", "at": at}), false),
            ClientStep::Connect { .. } => self.op(json!({"op": "connect"}), true),
            ClientStep::Disconnect { .. } => {
                let done = self.op(json!({"op": "disconnect"}), false);
                if let Some(conn) = self.conn.take() {
                    conn.close();
                }
                done
            }
            ClientStep::Receive { receive } => self.deliver(receive.to_string()),
            ClientStep::ReceiveRaw { receive_raw } => self.deliver(receive_raw.clone()),
            ClientStep::Command { command } => {
                self.op(json!({"op": "command", "command": command}), false)
            }
            ClientStep::Expect { .. } => Ok(()),
        }
    }

    fn take(&mut self, expected: &Expected) -> Result<Expected, String> {
        let end = Instant::now() + self.timeout;
        while (self.got.frames.len() < expected.frames.len()
            || self.got.events.len() < expected.events.len())
            && Instant::now() < end
        {
            if let Some(Err(why)) = self.poll() {
                return Err(why);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let settled = Instant::now() + self.settle;
        while Instant::now() < settled {
            if let Some(Err(why)) = self.poll() {
                return Err(why);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(std::mem::take(&mut self.got))
    }

    fn end(&mut self) {
        let _ = self.op(json!({"op": "end"}), false);
        if let Some(conn) = self.conn.take() {
            conn.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Report, Verdict};

    #[test]
    fn natter_core_client_passes_every_client_vector_over_websockets() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let mut target = WireClient::listen(addr, Duration::from_millis(5)).expect("listens");
        let runner = target.url().to_owned();
        let agent = std::thread::spawn(move || crate::agent::run(&runner));
        target
            .wait_for_agent(Duration::from_secs(10))
            .expect("the agent connects");
        let mut report = Report::new("client");
        let files = crate::client_files().expect("vectors/client");
        crate::run_client_files(&files, &mut target, &mut report).expect("readable");
        drop(target);
        assert_eq!(agent.join().expect("the agent ends"), Ok(()));
        assert!(report.ok(), "{report}");
        assert_eq!(
            report.count(Verdict::Pass),
            report.results.len(),
            "{report}"
        );
    }
}

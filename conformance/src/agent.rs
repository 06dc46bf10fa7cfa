//! The test agent for natter-core's client in client mode
//! ([`crate::wire_client`]): it opens the control connection to the
//! runner, runs each operation on a natter-core client, and carries that
//! client's frames over a real WebSocket to the runner. An SDK in another
//! language writes the same small loop around its own client.

use crate::client_script::{ClientSettings, ClientStep, CoreClient, Expected};
use crate::compare::Matcher;
use crate::ws::Peer;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// One case's client and its connection.
struct Session {
    client: CoreClient,
    url: String,
    conn: Option<Peer>,
    /// Frames handled from the current connection.
    handled: u64,
}

/// Runs the agent against the runner at `runner` (`ws://HOST:PORT`) until
/// the runner closes the control connection.
pub fn run(runner: &str) -> Result<(), String> {
    let mut control = Peer::connect(&format!("{runner}/control"))?;
    let mut session: Option<Session> = None;
    while control.is_open() {
        let ops = control.read_all();
        if ops.is_empty() {
            std::thread::sleep(Duration::from_millis(1));
            continue;
        }
        for bytes in ops {
            let op: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            let answer = match apply(&op, &mut session) {
                Ok(()) => report(&mut session, &mut control).map(|()| json!({"done": true})),
                Err(why) => Ok(json!({"error": why})),
            };
            control.send(answer?.to_string())?;
        }
    }
    Ok(())
}

fn apply(op: &Value, session: &mut Option<Session>) -> Result<(), String> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
    if kind == "begin" {
        let settings: ClientSettings =
            serde_json::from_value(op["client"].clone()).map_err(|e| e.to_string())?;
        let url = op["url"].as_str().unwrap_or_default().to_owned();
        *session = Some(Session {
            client: CoreClient::new(&settings)?,
            url,
            conn: None,
            handled: 0,
        });
        return Ok(());
    }
    if kind == "end" {
        if let Some(conn) = session.take().and_then(|s| s.conn) {
            conn.close();
        }
        return Ok(());
    }
    let s = session.as_mut().ok_or("no case begun")?;
    let step = match kind {
        "at" => ClientStep::At {
            at: op["at"].as_u64().unwrap_or_default(),
        },
        "connect" => {
            s.conn = Some(Peer::connect(&s.url)?);
            s.handled = 0;
            ClientStep::Connect { connect: true }
        }
        "disconnect" => {
            if let Some(conn) = s.conn.take() {
                conn.close();
            }
            ClientStep::Disconnect { disconnect: true }
        }
        "command" => ClientStep::Command {
            command: op["command"].clone(),
        },
        "sync" => return sync(s, op["received"].as_u64().unwrap_or_default()),
        other => return Err(format!("unknown op {other:?}")),
    };
    s.client.step(&step, &mut Matcher::default()).map(drop)
}

/// Hands the client the frames of its connection until it has handled
/// `received` of them.
fn sync(s: &mut Session, received: u64) -> Result<(), String> {
    let end = Instant::now() + Duration::from_secs(5);
    while s.handled < received {
        let frames = s.conn.as_mut().map(Peer::read_all).unwrap_or_default();
        for bytes in frames {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let step = ClientStep::ReceiveRaw { receive_raw: text };
            s.client.step(&step, &mut Matcher::default())?;
            s.handled += 1;
        }
        if Instant::now() >= end {
            return Err(format!("only {} of {received} frames arrived", s.handled));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// Sends what the client did: its frames on its connection, its events to
/// the runner; closes the connection when the client went down by itself.
fn report(session: &mut Option<Session>, control: &mut Peer) -> Result<(), String> {
    let Some(s) = session.as_mut() else {
        return Ok(());
    };
    let Expected { frames, events } = s.client.take();
    if let Some(conn) = s.conn.as_mut() {
        for frame in frames {
            conn.send(frame.to_string())?;
        }
    }
    let down = events
        .iter()
        .any(|e| e["event"] == "state" && e["state"] == "disconnected");
    for event in events {
        control.send(json!({ "event": event }).to_string())?;
    }
    if down && let Some(conn) = s.conn.take() {
        conn.close();
    }
    Ok(())
}

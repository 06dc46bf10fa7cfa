//! The server vectors: scripts of connections and frames with the exact
//! frames a server must send back.
//!
//! A case is a list of steps, run in order against a fresh server:
//! `{"at": MS}` sets the clock; `{"connect": N}` and `{"disconnect": N}` open
//! and close connection N; `{"conn": N, "frame": {...}}` (or `"raw": "..."`
//! for bytes that are not a JSON object) is a frame received on N;
//! `{"expect": [[N, {...}], ...]}` lists exactly the frames the server sent
//! since the previous `expect`, in order, each with its connection; the
//! human-readable `reason` fields are not compared. Tokens
//! in the vectors are HMAC-SHA256 tokens (PROTOCOL.md §4.4) under the file's
//! `secret`.

use crate::{Report, VectorError};
use natter_core::Millis;
use natter_core::server::{ConnectionId, Output, Server, ServerConfig};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A file of server vectors.
#[derive(Debug, Deserialize)]
pub struct VectorFile {
    /// The token secret.
    pub secret: String,
    /// The server's recall window.
    pub recall_window_ms: u64,
    /// The cases.
    pub cases: Vec<Case>,
}

/// One scripted case.
#[derive(Debug, Deserialize)]
pub struct Case {
    /// What it checks.
    pub name: String,
    /// The script.
    pub steps: Vec<Step>,
}

/// One step of a script.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Step {
    /// Sets the clock.
    At {
        /// Milliseconds.
        at: u64,
    },
    /// Opens a connection.
    Connect {
        /// Its number.
        connect: u64,
    },
    /// Closes a connection.
    Disconnect {
        /// Its number.
        disconnect: u64,
    },
    /// A frame from a connection.
    Frame {
        /// The connection.
        conn: u64,
        /// The frame.
        frame: Value,
    },
    /// Raw text from a connection.
    Raw {
        /// The connection.
        conn: u64,
        /// The text.
        raw: String,
    },
    /// The frames sent since the last expectation.
    Expect {
        /// `[connection, frame]` pairs, in order.
        expect: Vec<(u64, Value)>,
    },
}

fn run_case(file: &VectorFile, case: &Case) -> Result<(), String> {
    let config = ServerConfig::new(file.secret.as_bytes().to_vec())
        .with_recall(Duration::from_millis(file.recall_window_ms), true);
    let mut server = Server::new(Arc::new(config));
    let mut now = Millis(0);
    let mut sent: Vec<(u64, Value)> = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::At { at } => now = Millis(*at),
            Step::Connect { connect } => server.handle_connect(now, ConnectionId(*connect)),
            Step::Disconnect { disconnect } => {
                server.handle_disconnect(now, ConnectionId(*disconnect))
            }
            Step::Frame { conn, frame } => {
                let bytes = serde_json::to_vec(frame).map_err(|e| e.to_string())?;
                let _ = server.handle_bytes(now, ConnectionId(*conn), &bytes);
            }
            Step::Raw { conn, raw } => {
                let _ = server.handle_bytes(now, ConnectionId(*conn), raw.as_bytes());
            }
            Step::Expect { expect } => {
                if &sent != expect {
                    return Err(format!("step {i}: expected {expect:?}\n  got {sent:?}"));
                }
                sent.clear();
            }
        }
        while let Some(output) = server.poll_output() {
            match output {
                Output::Persist(batch) => server.persisted(batch.id()),
                Output::Transmit { conn, frame } => {
                    let mut value = serde_json::to_value(&frame).map_err(|e| e.to_string())?;
                    if let Some(fields) = value.as_object_mut() {
                        fields.remove("reason");
                    }
                    sent.push((conn.0, value));
                }
                Output::Event(_) => {}
                // No resident window, no checkpoints: neither comes.
                Output::Load(_) | Output::Checkpoint(_) => {}
            }
        }
    }
    if sent.is_empty() {
        Ok(())
    } else {
        Err(format!("frames after the last expect: {sent:?}"))
    }
}

/// Runs every case of a parsed file against natter-core's server.
pub fn run(file: &VectorFile) -> Report {
    Report::collect(&file.cases, |case| &case.name, |case| run_case(file, case))
}

/// Reads and runs a server vector file.
pub fn run_file(path: impl AsRef<Path>) -> Result<Report, VectorError> {
    Ok(run(&crate::read(path.as_ref())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_server_vectors_pass() {
        let report = run_file(crate::vector_path("server.json")).expect("readable");
        assert!(report.failures.is_empty(), "{report}");
        assert!(report.passed >= 8, "{report}");
    }

    #[test]
    fn a_wrong_expectation_is_reported() {
        let file: VectorFile = serde_json::from_str(
            r#"{"secret":"s","recall_window_ms":1000,"cases":[{"name":"x","steps":[
                {"connect":1},{"conn":1,"frame":{"type":"ping","nonce":1}},{"expect":[[1,{"type":"pong","nonce":2}]]}
            ]}]}"#,
        )
        .expect("valid");
        let report = run(&file);
        assert_eq!((report.passed, report.failures.len()), (0, 1), "{report}");
    }
}

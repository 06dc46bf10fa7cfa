//! The server vectors: scripts of connections and frames with the exact
//! frames a server must send back, and the loop that runs them against a
//! [`Target`] (natter-core in process, or any server over a WebSocket).
//!
//! A case is a list of steps, run in order against a server configured as
//! the file's `server` block says (merged with the case's own, if any):
//! `{"at": MS}` sets the clock (the server's timers due by then fire); `{"connect": N}` and `{"disconnect": N}`
//! open and close connection N; `{"restart": true}` restarts the server
//! from what it persisted (every connection is gone); `{"conn": N, "frame": {...}}` (or
//! `"raw": "..."` for text that is not a JSON object) is a frame received
//! on N; `{"expect": [[N, {...}], ...]}` lists exactly the frames the server
//! sent since the previous `expect`, in order, each with its connection.

use crate::compare::Matcher;
use crate::report::{CaseResult, Verdict};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// A file of server vectors.
#[derive(Debug, Deserialize)]
pub struct VectorFile {
    /// The PROTOCOL.md section the file covers, e.g. `"6 Sending"`.
    pub section: String,
    /// How the server under test is configured.
    pub server: Settings,
    /// Every user id the cases use: wire mode gives them a per-run prefix.
    pub users: Vec<String>,
    /// The cases.
    pub cases: Vec<Case>,
}

/// A server's configuration as the vectors assume it; each field is the
/// reference default when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The token secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The recall window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall_window_ms: Option<u64>,
    /// Whether recall is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall: Option<bool>,
    /// Words that make a message fail with 501.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub banned_words: Option<Vec<String>>,
    /// The largest text body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<usize>,
    /// Events kept per inbox.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox_limit: Option<usize>,
    /// Sends per user per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rate: Option<u32>,
    /// Inbox events in flight per connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_window: Option<u64>,
}

impl VectorFile {
    /// The settings `case` runs with: the file's, with the case's own laid
    /// over them.
    pub fn settings(&self, case: &Case) -> Settings {
        let base = serde_json::to_value(&self.server).unwrap_or_default();
        let over = case
            .server
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok());
        // Absent fields are not written, so the overlay keeps the file's.
        serde_json::from_value(crate::overlay(&base, over.as_ref()))
            .unwrap_or_else(|_| self.server.clone())
    }
}

impl Settings {
    /// The natter-core configuration these settings describe.
    pub fn config(&self) -> natter_core::server::ServerConfig {
        let mut config =
            natter_core::server::ServerConfig::new(self.secret.clone().unwrap_or_default());
        let (window, enabled) = config.recall();
        config = config.with_recall(
            self.recall_window_ms
                .map(Duration::from_millis)
                .unwrap_or(window),
            self.recall.unwrap_or(enabled),
        );
        if let Some(words) = &self.banned_words {
            config = config.with_banned_words(words.iter().cloned());
        }
        if let Some(n) = self.max_body_bytes {
            config = config.with_max_body_bytes(n);
        }
        if let Some(n) = self.inbox_limit {
            let (_, dedup) = config.inbox_limits();
            config = config.with_inbox_limits(n, dedup);
        }
        if let Some(n) = self.user_rate {
            let (_, group) = config.rates();
            config = config.with_rates(n, group);
        }
        if let Some(n) = self.delivery_window {
            config = config.with_delivery_window(n);
        }
        config
    }
}

/// One scripted case.
#[derive(Debug, Deserialize)]
pub struct Case {
    /// What it checks.
    pub name: String,
    /// The delivery rules (PROTOCOL.md §15) it checks, if any.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Settings of this case that differ from the file's.
    #[serde(default)]
    pub server: Option<Settings>,
    /// Whether the case needs the clock to move as its `at` steps say (a
    /// deadline, a window, an expiry): a live server cannot be made to.
    #[serde(default)]
    pub clock: bool,
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
    /// The server restarts from what it persisted; every connection is
    /// gone.
    Restart {
        /// Always `true`.
        restart: bool,
    },
    /// The frames sent since the last expectation.
    Expect {
        /// `[connection, frame]` pairs, in order.
        expect: Vec<(u64, Value)>,
    },
}

/// A server the scripts run against.
pub trait Target {
    /// Why this target cannot run `case` as written, if it cannot.
    fn skip(&self, file: &VectorFile, case: &Case) -> Option<String>;
    /// Starts a case: a fresh server, or a fresh namespace on a live one.
    fn begin(&mut self, file: &VectorFile, settings: &Settings) -> Result<(), String>;
    /// How frames are matched; its symbols are substituted into frames
    /// before they are sent.
    fn matcher(&self) -> Matcher;
    /// Whether frames of different connections must interleave exactly as
    /// the vector lists them (only an in-process server can tell).
    fn ordered_across_connections(&self) -> bool;
    /// Sets the clock.
    fn at(&mut self, ms: u64);
    /// Opens connection `conn`.
    fn connect(&mut self, conn: u64) -> Result<(), String>;
    /// Closes connection `conn`.
    fn disconnect(&mut self, conn: u64) -> Result<(), String>;
    /// Restarts the server from what it persisted.
    fn restart(&mut self) -> Result<(), String>;
    /// Sends text on `conn`.
    fn send(&mut self, conn: u64, text: &str) -> Result<(), String>;
    /// The frames sent since the last call, waiting (for a live server)
    /// until `expected` has arrived or a deadline passes.
    fn received(&mut self, expected: &[(u64, Value)]) -> Result<Vec<(u64, Value)>, String>;
    /// Ends the case.
    fn end(&mut self);
}

/// Runs one case against `target`.
pub fn run_case(file: &VectorFile, case: &Case, target: &mut dyn Target) -> CaseResult {
    let mut result = CaseResult::new(&file.section, &case.name);
    if let Some(why) = target.skip(file, case) {
        return result.with(Verdict::Skipped, Some(why));
    }
    let settings = file.settings(case);
    if let Err(why) = target.begin(file, &settings) {
        return result.with(Verdict::Fail, Some(why));
    }
    let mut matcher = target.matcher();
    let outcome = steps(case, target, &mut matcher, &mut result);
    target.end();
    match outcome {
        Err(why) => result.with(Verdict::Fail, Some(why)),
        Ok(()) if result.notes.is_empty() => result.with(Verdict::Pass, None),
        Ok(()) => result.with(Verdict::NonStrict, None),
    }
}

fn steps(
    case: &Case,
    target: &mut dyn Target,
    matcher: &mut Matcher,
    result: &mut CaseResult,
) -> Result<(), String> {
    for (i, step) in case.steps.iter().enumerate() {
        match step {
            Step::At { at } => target.at(*at),
            Step::Connect { connect } => target.connect(*connect)?,
            Step::Disconnect { disconnect } => target.disconnect(*disconnect)?,
            Step::Restart { .. } => target.restart()?,
            Step::Frame { conn, frame } => {
                let mut frame = frame.clone();
                let kinds = matcher.kinds.clone();
                matcher.symbols.substitute(&kinds, &mut frame);
                target.send(*conn, &frame.to_string())?;
            }
            Step::Raw { conn, raw } => target.send(*conn, raw)?,
            Step::Expect { expect } => {
                let got = target.received(expect)?;
                let ordered = target.ordered_across_connections();
                match_frames(matcher, expect, &got, ordered, &mut result.notes).map_err(|why| {
                    result.expected = Some(serde_json::json!(expect));
                    result.got = Some(serde_json::json!(got));
                    format!("step {i}: {why}")
                })?;
            }
        }
    }
    let rest = target.received(&[])?;
    if rest.is_empty() {
        Ok(())
    } else {
        result.got = Some(serde_json::json!(rest));
        Err("frames after the last expect".into())
    }
}

/// Matches what arrived with what a step expects: frame by frame, in order
/// per connection, and across connections too when `ordered`.
fn match_frames(
    matcher: &mut Matcher,
    expected: &[(u64, Value)],
    got: &[(u64, Value)],
    ordered: bool,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let mut conns: Vec<u64> = expected.iter().chain(got).map(|(c, _)| *c).collect();
    conns.sort_unstable();
    conns.dedup();
    let lanes: Vec<Option<u64>> = if ordered {
        vec![None]
    } else {
        conns.into_iter().map(Some).collect()
    };
    for lane in lanes {
        let pick = |frames: &[(u64, Value)]| -> Vec<(u64, Value)> {
            frames
                .iter()
                .filter(|(c, _)| lane.is_none_or(|l| l == *c))
                .cloned()
                .collect()
        };
        let (want, have) = (pick(expected), pick(got));
        for (n, (w, h)) in want.iter().zip(&have).enumerate() {
            if w.0 != h.0 {
                return Err(format!(
                    "frame {n}: expected on connection {}, got on {}",
                    w.0, h.0
                ));
            }
            let found = matcher
                .frame(&w.1, &h.1)
                .map_err(|why| format!("connection {}, frame {n}: {why}", w.0))?;
            notes.extend(found.into_iter().map(|f| format!("connection {}{f}", w.0)));
        }
        if want.len() != have.len() {
            let which = lane.map_or_else(String::new, |c| format!(" on connection {c}"));
            return Err(format!(
                "expected {} frames{which}, got {}",
                want.len(),
                have.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core_server::CoreServer;

    fn file(expect: &str) -> VectorFile {
        serde_json::from_str(&format!(
            r#"{{"section":"x","server":{{"secret":"s"}},"users":[],"cases":[{{"name":"ping","steps":[
                {{"connect":1}},{{"conn":1,"frame":{{"type":"ping","nonce":1}}}},{{"expect":[[1,{expect}]]}}
            ]}}]}}"#
        ))
        .expect("valid")
    }

    fn verdict(expect: &str) -> (Verdict, Option<String>) {
        let f = file(expect);
        let r = run_case(&f, &f.cases[0], &mut CoreServer::default());
        (r.verdict, r.detail)
    }

    #[test]
    fn verdicts_pass_non_strict_and_fail() {
        assert_eq!(
            verdict(r#"{"type":"pong","nonce":1}"#),
            (Verdict::Pass, None)
        );
        // A field the vector does not name is allowed, and noted.
        assert_eq!(verdict(r#"{"type":"pong"}"#).0, Verdict::NonStrict);
        assert_eq!(
            verdict(r#"{"type":"pong","nonce":2}"#),
            (
                Verdict::Fail,
                Some("step 2: connection 1, frame 0: .nonce: expected 2, got 1".into())
            )
        );
    }
}

//! The client vectors: server frames and application commands in, the
//! frames the client sends and the events it reports out, so a client SDK
//! in any language can be checked.
//!
//! A file's `client` block configures the client under test (its device,
//! token and request-id seed, and the timing policies the cases rely on);
//! a case's `client` block overrides fields of it. Steps: `{"at": MS}` sets
//! the clock (the client's timers due by then fire); `{"connect": true}`
//! and `{"disconnect": true}` report the transport up or lost;
//! `{"receive": {...}}` is a frame from the server (`{"receive_raw": "..."}`
//! for text that is not one); `{"command": {...}}` is an application
//! command ([`crate::client_api`]); `{"expect": {"frames": [...], "events":
//! [...]}}` lists exactly the frames the client sent and the events it
//! reported since the previous expect, each in order. Request ids are the
//! client's choice: the vectors' ids are bound to the client's on first
//! sight and substituted into later server frames.

use crate::client_api::{self, Applied};
use crate::compare::{Kind, Matcher};
use crate::report::{CaseResult, Verdict};
use natter_core::client::{Client, Config};
use natter_core::{DeviceId, Millis, RequestId};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// A file of client vectors.
#[derive(Debug, Deserialize)]
pub struct ClientFile {
    /// The PROTOCOL.md section the file covers.
    pub section: String,
    /// The client's configuration ([`ClientSettings`] as JSON).
    pub client: Value,
    /// The cases.
    pub cases: Vec<ClientCase>,
}

/// How the client under test is configured; absent policies are the
/// reference defaults.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSettings {
    /// The device id.
    pub device: String,
    /// The token it connects with.
    pub token: String,
    /// The seed of its request ids (natter-core's; another client picks
    /// its ids its own way).
    pub seed: u64,
    /// How long a request may wait for its answer before it fails with 408.
    pub request_deadline_ms: Option<u64>,
    /// The first retry delay of an unanswered request, and the largest.
    pub retry_ms: Option<(u64, u64)>,
    /// How long a `hello` may wait for `welcome`.
    pub handshake_timeout_ms: Option<u64>,
    /// How long an ack may wait, and after how many events it goes at once.
    pub ack: Option<(u64, u64)>,
    /// How long an inbox gap may stay open before the client reconnects.
    pub gap_timeout_ms: Option<u64>,
    /// Whether delivered receipts are sent for every message.
    pub auto_delivered: Option<bool>,
    /// The largest text body.
    pub max_body_bytes: Option<usize>,
    /// Requests waiting for answers at most.
    pub max_outbox: Option<usize>,
}

impl ClientSettings {
    /// The natter-core client these settings describe.
    pub fn client(&self) -> Result<Client, String> {
        let device = DeviceId::new(self.device.clone()).map_err(|e| e.to_string())?;
        let ms = Duration::from_millis;
        let mut config = Config::new(device, self.seed);
        if let Some(d) = self.request_deadline_ms {
            config = config.with_request_deadline(ms(d));
        }
        if let Some((initial, max)) = self.retry_ms {
            config = config.with_retry_backoff(ms(initial), ms(max));
        }
        if let Some(d) = self.handshake_timeout_ms {
            config = config.with_handshake_timeout(ms(d));
        }
        if let Some((delay, every)) = self.ack {
            config = config.with_ack_policy(ms(delay), every);
        }
        if let Some(d) = self.gap_timeout_ms {
            let (_, held) = config.gap_policy();
            config = config.with_gap_policy(ms(d), held);
        }
        if let Some(on) = self.auto_delivered {
            config = config.with_auto_delivered_receipts(on);
        }
        if let Some(n) = self.max_body_bytes {
            config = config.with_max_body_bytes(n);
        }
        if let Some(n) = self.max_outbox {
            config = config.with_max_outbox(n);
        }
        Ok(Client::new(Arc::new(config), self.token.clone()))
    }
}

/// One client case.
#[derive(Debug, Deserialize)]
pub struct ClientCase {
    /// What it checks.
    pub name: String,
    /// The delivery rules (PROTOCOL.md §15) it checks, if any.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Fields of the file's `client` block this case changes.
    #[serde(default)]
    pub client: Option<Value>,
    /// The script.
    pub steps: Vec<ClientStep>,
}

/// One step of a client script.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ClientStep {
    /// Sets the clock.
    At {
        /// Milliseconds.
        at: u64,
    },
    /// The transport is up.
    Connect {
        /// Always `true`.
        connect: bool,
    },
    /// The transport is lost.
    Disconnect {
        /// Always `true`.
        disconnect: bool,
    },
    /// A frame from the server.
    Receive {
        /// The frame.
        receive: Value,
    },
    /// Text from the server that is not a frame.
    ReceiveRaw {
        /// The text.
        receive_raw: String,
    },
    /// An application command.
    Command {
        /// The command.
        command: Value,
    },
    /// What the client did since the last expectation.
    Expect {
        /// Frames and events, in order.
        expect: Expected,
    },
}

/// The frames a client sent and the events it reported.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, serde::Serialize)]
pub struct Expected {
    /// Frames sent to the server, in order.
    pub frames: Vec<Value>,
    /// Events reported to the application, in order.
    pub events: Vec<Value>,
}

/// natter-core's client driven by a script.
#[derive(Debug)]
pub struct CoreClient {
    client: Client,
    now: Millis,
    done: Expected,
}

impl CoreClient {
    /// A client configured by `settings`, at time 0.
    pub fn new(settings: &ClientSettings) -> Result<Self, String> {
        Ok(CoreClient {
            client: settings.client()?,
            now: Millis(0),
            done: Expected::default(),
        })
    }

    /// Runs one step other than an expectation; returns the request a
    /// command made, if it made one.
    pub fn step(
        &mut self,
        step: &ClientStep,
        matcher: &mut Matcher,
    ) -> Result<Option<RequestId>, String> {
        let now = self.now;
        match step {
            ClientStep::At { at } => {
                // Timers fire at their own instants, in order.
                let target = Millis(*at);
                while let Some(due) = self.client.poll_timeout().filter(|t| *t <= target) {
                    let due = due.max(self.now);
                    self.client.handle_timeout(due);
                    self.now = due;
                    // What a timer sends leaves before the next one fires.
                    self.drain();
                    if self.client.poll_timeout().is_some_and(|t| t <= due) {
                        break;
                    }
                }
                self.now = target;
            }
            ClientStep::Connect { .. } => self.client.handle_connect(now),
            ClientStep::Disconnect { .. } => self.client.handle_disconnect(now),
            ClientStep::Receive { receive } => {
                let mut frame = receive.clone();
                let kinds = matcher.kinds.clone();
                matcher.symbols.substitute(&kinds, &mut frame);
                let bytes = serde_json::to_vec(&frame).map_err(|e| e.to_string())?;
                // A frame the client cannot decode changes nothing; the
                // vector's expectation says what it must not do.
                let _ = self.client.handle_bytes(now, &bytes);
            }
            ClientStep::ReceiveRaw { receive_raw } => {
                let _ = self.client.handle_bytes(now, receive_raw.as_bytes());
            }
            ClientStep::Command { command } => {
                let mut command = command.clone();
                let kinds = matcher.kinds.clone();
                matcher.symbols.substitute(&kinds, &mut command);
                match client_api::command(&mut self.client, now, &command)? {
                    Applied::Request(id) => {
                        self.drain();
                        return Ok(Some(id));
                    }
                    Applied::Taken => {}
                    Applied::Refused(event) => {
                        self.drain();
                        self.done.events.push(event);
                    }
                }
            }
            ClientStep::Expect { .. } => {}
        }
        self.drain();
        Ok(None)
    }

    fn drain(&mut self) {
        while let Some(frame) = self.client.poll_transmit() {
            let mut value = serde_json::to_value(&frame).unwrap_or(Value::Null);
            if let Some(fields) = value.as_object_mut() {
                // The client's name and version: its own business.
                fields.remove("agent");
            }
            self.done.frames.push(value);
        }
        while let Some(event) = self.client.poll_event() {
            self.done.events.push(client_api::event(&event));
        }
    }

    /// What the client did since the last call.
    pub fn take(&mut self) -> Expected {
        std::mem::take(&mut self.done)
    }
}

/// How client vectors are matched: request ids bound, everything else
/// exact.
pub fn matcher() -> Matcher {
    Matcher {
        kinds: vec![Kind::Request],
        ..Matcher::default()
    }
}

/// A client the vectors run against.
pub trait ClientTarget {
    /// Starts a case with a fresh client configured by `settings` (the
    /// merged `client` block, as JSON).
    fn begin(&mut self, settings: &Value) -> Result<(), String>;
    /// Runs one step other than an expectation. Frames in `receive` steps
    /// and commands have their request ids substituted already.
    fn step(&mut self, step: &ClientStep) -> Result<(), String>;
    /// What the client did since the last call, waiting (for a client over
    /// a network) until `expected` has arrived or a deadline passes.
    fn take(&mut self, expected: &Expected) -> Result<Expected, String>;
    /// Ends the case.
    fn end(&mut self);
}

impl ClientTarget for Option<CoreClient> {
    fn begin(&mut self, settings: &Value) -> Result<(), String> {
        let settings: ClientSettings = serde_json::from_value(settings.clone())
            .map_err(|e| format!("client settings: {e}"))?;
        *self = Some(CoreClient::new(&settings)?);
        Ok(())
    }

    fn step(&mut self, step: &ClientStep) -> Result<(), String> {
        let client = self.as_mut().ok_or("no case begun")?;
        client.step(step, &mut Matcher::default()).map(drop)
    }

    fn take(&mut self, _: &Expected) -> Result<Expected, String> {
        Ok(self.as_mut().map(CoreClient::take).unwrap_or_default())
    }

    fn end(&mut self) {
        *self = None;
    }
}

/// The file's `client` block with the case's changes, as JSON.
pub fn settings_json(file: &ClientFile, case: &ClientCase) -> Value {
    crate::overlay(&file.client, case.client.as_ref())
}

/// Runs one client case against `target`.
pub fn run_case(file: &ClientFile, case: &ClientCase, target: &mut dyn ClientTarget) -> CaseResult {
    let mut result = CaseResult::new(&file.section, &case.name);
    let mut notes = Vec::new();
    let outcome = target
        .begin(&settings_json(file, case))
        .map_err(|why| (why, None, None))
        .and_then(|()| run_steps(case, target, &mut notes));
    target.end();
    result.notes = notes;
    match outcome {
        Ok(()) if result.notes.is_empty() => result.with(Verdict::Pass, None),
        Ok(()) => result.with(Verdict::NonStrict, None),
        Err((why, expected, got)) => {
            result.expected = expected;
            result.got = got;
            result.with(Verdict::Fail, Some(why))
        }
    }
}

/// A failure: why, with what was expected and what happened.
type Failure = (String, Option<Value>, Option<Value>);

fn run_steps(
    case: &ClientCase,
    target: &mut dyn ClientTarget,
    notes: &mut Vec<String>,
) -> Result<(), Failure> {
    let mut matcher = matcher();
    let plain = |why: String| (why, None, None);
    for (i, step) in case.steps.iter().enumerate() {
        let mut substituted = step.clone();
        if let ClientStep::Receive { receive: value } | ClientStep::Command { command: value } =
            &mut substituted
        {
            let kinds = matcher.kinds.clone();
            matcher.symbols.substitute(&kinds, value);
        }
        if let ClientStep::Expect { expect } = step {
            let got = target
                .take(expect)
                .map_err(|e| plain(format!("step {i}: {e}")))?;
            compare(&mut matcher, expect, &got, notes).map_err(|why| {
                (
                    format!("step {i}: {why}"),
                    serde_json::to_value(expect).ok(),
                    serde_json::to_value(&got).ok(),
                )
            })?;
        } else {
            target
                .step(&substituted)
                .map_err(|e| plain(format!("step {i}: {e}")))?;
        }
    }
    let rest = target
        .take(&Expected::default())
        .map_err(|e| plain(format!("after the last step: {e}")))?;
    if rest == Expected::default() {
        Ok(())
    } else {
        let got = serde_json::to_value(&rest).ok();
        Err(("frames or events after the last expect".into(), None, got))
    }
}

fn compare(
    matcher: &mut Matcher,
    expected: &Expected,
    got: &Expected,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    for (what, want, have) in [
        ("frame", &expected.frames, &got.frames),
        ("event", &expected.events, &got.events),
    ] {
        for (n, (w, h)) in want.iter().zip(have).enumerate() {
            let found = matcher
                .frame(w, h)
                .map_err(|why| format!("{what} {n}: {why}"))?;
            notes.extend(found.into_iter().map(|f| format!("{what} {n}{f}")));
        }
        if want.len() != have.len() {
            return Err(format!(
                "expected {} {what}s, got {}",
                want.len(),
                have.len()
            ));
        }
    }
    Ok(())
}

/// For maintainers: fills a client vector file's `expect` steps with what
/// natter-core's client did, and rewrites it (review the diff). The
/// requests the commands make are written `q1`, `q2`, ... in the order the
/// commands ran, as the cases' `receive` steps name them.
pub fn record_file(path: &std::path::Path) -> Result<(), crate::VectorError> {
    let file: ClientFile = crate::read(path)?;
    let mut raw: Value = crate::read(path)?;
    for (c, case) in file.cases.iter().enumerate() {
        let settings = serde_json::from_value(settings_json(&file, case));
        let Ok(mut client) = settings
            .map_err(|e| e.to_string())
            .and_then(|s| CoreClient::new(&s))
        else {
            continue;
        };
        let mut matcher = matcher();
        let mut names: Vec<(String, String)> = Vec::new();
        for (s, step) in case.steps.iter().enumerate() {
            if let Ok(Some(id)) = client.step(step, &mut matcher) {
                let name = format!("q{}", names.len() + 1);
                // Later receive steps name it `name`: bind it as a vector
                // value seen in an expectation would be.
                let _ = matcher.frame(
                    &serde_json::json!({"id": name}),
                    &serde_json::json!({"id": id}),
                );
                names.push((id.to_string(), name));
            }
            if let ClientStep::Expect { .. } = step {
                let done = client.take();
                // Requests the client made on its own (an automatic
                // delivered receipt) are named where they first appear.
                for frame in &done.frames {
                    let Some(id) = frame.get("id").and_then(Value::as_str) else {
                        continue;
                    };
                    if !names.iter().any(|(known, _)| known == id) {
                        let name = format!("q{}", names.len() + 1);
                        let _ = matcher.frame(
                            &serde_json::json!({"id": name}),
                            &serde_json::json!({"id": id}),
                        );
                        names.push((id.to_owned(), name));
                    }
                }
                let mut got = serde_json::to_value(done).unwrap_or(Value::Null);
                crate::compare::rename(&mut got, &[Kind::Request], &|s: &str| {
                    names.iter().find(|(id, _)| id == s).map(|(_, n)| n.clone())
                });
                raw["cases"][c]["steps"][s] = serde_json::json!({ "expect": got });
            }
        }
    }
    crate::record::write(path, &raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    #[test]
    fn shipped_client_vectors_pass() {
        let mut report = Report::new("core");
        let files = crate::client_files().expect("vectors/client");
        crate::run_client_files(&files, &mut None, &mut report).expect("readable");
        assert!(report.ok(), "{report}");
        assert!(report.count(Verdict::Pass) >= 50, "{report}");
    }

    #[test]
    fn a_client_that_sends_something_else_fails() {
        let file: ClientFile = serde_json::from_value(serde_json::json!({
            "section": "x",
            "client": {"device": "d1", "token": "t", "seed": 1},
            "cases": [{"name": "hello", "steps": [
                {"connect": true},
                {"expect": {"frames": [{"type": "hello", "versions": [1], "token": "t", "device": "d2", "last_seq": 0}],
                            "events": [{"event": "state", "state": "connecting"}]}}
            ]}]
        }))
        .expect("valid");
        let result = run_case(&file, &file.cases[0], &mut None);
        assert_eq!(result.verdict, Verdict::Fail);
        assert_eq!(
            result.detail.as_deref(),
            Some("step 1: frame 0: .device: expected \"d2\", got \"d1\"")
        );
    }
}

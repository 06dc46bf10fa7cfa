//! The server scripts run over real WebSockets against any server.
//!
//! Every case runs on the same live server, so each gets its own users: the
//! file's user ids with a per-run, per-case prefix, in every frame sent, and
//! the prefix taken off every frame received. Tokens in the vectors that are
//! valid under the file's secret are minted anew under the server's
//! (`--secret`); forged ones stay forged. Ids the server assigns (message,
//! group and thread ids) are bound on first sight ([`crate::compare`]), and
//! clock fields are only checked to be numbers, since the server reads its
//! own clock. What a live server cannot show is skipped with the reason:
//! cases that need the clock to move, or other server settings. Frames are
//! compared in order per connection; how two connections' frames
//! interleave is not observable over a network. Cases that restart the
//! server are skipped too.

use crate::compare::{Kind, Matcher};
use crate::script::{Case, Settings, Step, Target, VectorFile};
use crate::ws::Peer;
use natter_core::server::token;
use natter_core::{Millis, UserId};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A live server at a WebSocket URL as a [`Target`].
#[derive(Debug)]
pub struct WireServer {
    url: String,
    secret: String,
    /// How long to wait for expected frames.
    timeout: Duration,
    /// How long to wait for frames nobody expects.
    settle: Duration,
    run: String,
    cases: u64,
    prefix: String,
    users: Vec<String>,
    file_secret: String,
    conns: BTreeMap<u64, Peer>,
    arrived: Vec<(u64, Value)>,
}

impl WireServer {
    /// A target at `url` (`ws://HOST:PORT/PATH`) whose token secret is
    /// `secret`. `settle` is how long the runner waits for frames beyond
    /// those expected (and after a disconnect).
    pub fn new(url: &str, secret: &str, settle: Duration) -> Self {
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() % 1_000_000_000);
        WireServer {
            url: url.to_owned(),
            secret: secret.to_owned(),
            timeout: Duration::from_secs(3),
            settle,
            run: format!("w{run:x}"),
            cases: 0,
            prefix: String::new(),
            users: Vec::new(),
            file_secret: String::new(),
            conns: BTreeMap::new(),
            arrived: Vec::new(),
        }
    }

    /// The server's version of a string the vector sends.
    fn outward(&self, s: &str) -> Option<String> {
        if self.users.iter().any(|u| u == s) {
            return Some(format!("{}{s}", self.prefix));
        }
        let mut parts = s.splitn(3, '.');
        let (user, expires, sig) = (parts.next()?, parts.next()?, parts.next()?);
        if !self.users.iter().any(|u| u == user) {
            return None;
        }
        let expires: u64 = expires.parse().ok()?;
        let ours = UserId::new(format!("{}{user}", self.prefix)).ok()?;
        let genuine = token::verify(self.file_secret.as_bytes(), s, Millis(0)).is_ok();
        Some(if genuine {
            token::mint(self.secret.as_bytes(), &ours, Millis(expires))
        } else {
            format!("{ours}.{expires}.{sig}")
        })
    }

    /// The vector's version of a string the server sent.
    fn inward(&self, s: &str) -> Option<String> {
        let rest = s.strip_prefix(&self.prefix)?;
        self.users
            .iter()
            .any(|u| u == rest)
            .then(|| rest.to_owned())
    }

    /// Reads what has arrived on every open connection, without waiting.
    fn poll(&mut self) {
        let mut got = Vec::new();
        for (id, conn) in &mut self.conns {
            got.extend(conn.read_all().into_iter().map(|bytes| (*id, bytes)));
        }
        for (id, bytes) in got {
            let mut value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            rewrite(&mut value, &|s| self.inward(s));
            self.arrived.push((id, value));
        }
    }

    /// Polls until `done` holds or `wait` passes.
    fn poll_until(&mut self, wait: Duration, done: impl Fn(&[(u64, Value)]) -> bool) {
        let end = Instant::now() + wait;
        loop {
            self.poll();
            if done(&self.arrived) || Instant::now() >= end {
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Replaces every string in `value` that `f` maps.
fn rewrite(value: &mut Value, f: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::String(s) => {
            if let Some(new) = f(s) {
                *s = new;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite(v, f)),
        _ => {}
    }
}

impl Target for WireServer {
    fn skip(&self, _: &VectorFile, case: &Case) -> Option<String> {
        if case.clock {
            return Some("needs the clock to move as the script says".into());
        }
        if case.steps.iter().any(|s| matches!(s, Step::Restart { .. })) {
            return Some("needs a server restart".into());
        }
        case.server
            .as_ref()
            .map(|s| format!("needs other server settings: {}", serde_json::json!(s)))
    }

    fn begin(&mut self, file: &VectorFile, settings: &Settings) -> Result<(), String> {
        self.cases += 1;
        self.prefix = format!("{}c{}-", self.run, self.cases);
        self.users = file.users.clone();
        self.file_secret = settings.secret.clone().unwrap_or_default();
        self.arrived.clear();
        Ok(())
    }

    fn matcher(&self) -> Matcher {
        Matcher {
            kinds: vec![Kind::Message, Kind::Group, Kind::Thread],
            loose_clock: true,
            ..Matcher::default()
        }
    }

    fn ordered_across_connections(&self) -> bool {
        false
    }

    fn at(&mut self, _: u64) {}

    fn connect(&mut self, conn: u64) -> Result<(), String> {
        self.conns.insert(conn, Peer::connect(&self.url)?);
        Ok(())
    }

    fn disconnect(&mut self, conn: u64) -> Result<(), String> {
        self.poll();
        if let Some(c) = self.conns.remove(&conn) {
            c.close();
        }
        // Let the server see the close before the script goes on.
        std::thread::sleep(self.settle);
        Ok(())
    }

    fn restart(&mut self) -> Result<(), String> {
        Err("a live server cannot be restarted by the runner".into())
    }

    fn send(&mut self, conn: u64, text: &str) -> Result<(), String> {
        let text = match serde_json::from_str::<Value>(text) {
            Ok(mut value) => {
                rewrite(&mut value, &|s| self.outward(s));
                value.to_string()
            }
            Err(_) => text.to_owned(),
        };
        let c = self
            .conns
            .get_mut(&conn)
            .ok_or_else(|| format!("connection {conn} is not open"))?;
        c.send(text)
            .map_err(|e| format!("sending on connection {conn}: {e}"))
    }

    fn received(&mut self, expected: &[(u64, Value)]) -> Result<Vec<(u64, Value)>, String> {
        let mut want: BTreeMap<u64, usize> = BTreeMap::new();
        for (c, _) in expected {
            *want.entry(*c).or_default() += 1;
        }
        self.poll_until(self.timeout, |arrived| {
            want.iter()
                .all(|(c, n)| arrived.iter().filter(|(a, _)| a == c).count() >= *n)
        });
        self.poll_until(self.settle, |_| false);
        Ok(std::mem::take(&mut self.arrived))
    }

    fn end(&mut self) {
        for (_, c) in std::mem::take(&mut self.conns) {
            c.close();
        }
    }
}

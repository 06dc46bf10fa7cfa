//! Server configuration: the secret, limits and rules.

use crate::frame::client::Send;
use crate::ids::UserId;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A custom rule (Easemob's "custom rule", code 502): returns `true` to
/// block a message. It must be deterministic: the same message from the same
/// user must give the same verdict, or restored servers will differ.
pub type Rule = Arc<dyn Fn(&UserId, &Send) -> bool + std::marker::Send + Sync>;

/// How a [`super::Server`] behaves. Build with [`ServerConfig::new`] and the
/// setters, which return `&mut Self`.
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) secret: Vec<u8>,
    pub(crate) ping_ms: u32,
    pub(crate) max_frame: usize,
    pub(crate) recall_window: Duration,
    pub(crate) recall_enabled: bool,
    pub(crate) banned_words: Vec<String>,
    pub(crate) rule: Option<Rule>,
    pub(crate) user_rate: u32,
    pub(crate) group_rate: u32,
    pub(crate) max_body_bytes: usize,
    pub(crate) inbox_limit: usize,
    pub(crate) dedup_window: usize,
    pub(crate) token_warning: Duration,
    pub(crate) push: bool,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("ping_ms", &self.ping_ms)
            .field("max_frame", &self.max_frame)
            .field("recall_window", &self.recall_window)
            .field("recall_enabled", &self.recall_enabled)
            .field("banned_words", &self.banned_words.len())
            .field("rule", &self.rule.is_some())
            .field("user_rate", &self.user_rate)
            .field("group_rate", &self.group_rate)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("inbox_limit", &self.inbox_limit)
            .field("dedup_window", &self.dedup_window)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// The defaults (PROTOCOL.md §16), with the secret that signs tokens.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        ServerConfig {
            secret: secret.into(),
            ping_ms: 30_000,
            max_frame: crate::codec::DEFAULT_MAX_FRAME,
            recall_window: Duration::from_secs(120),
            recall_enabled: true,
            banned_words: Vec::new(),
            rule: None,
            user_rate: 50,
            group_rate: 100,
            max_body_bytes: 16 * 1024,
            inbox_limit: 10_000,
            dedup_window: 4096,
            token_warning: Duration::from_secs(300),
            push: true,
        }
    }

    /// The secret that signs tokens (for the adapter's HTTP endpoints).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The largest frame accepted and sent, in bytes of JSON.
    pub fn frame_limit(&self) -> usize {
        self.max_frame
    }

    /// Keep-alive interval announced to clients; silent connections close
    /// after twice as long. Default 30 s.
    pub fn ping_ms(&mut self, ms: u32) -> &mut Self {
        self.ping_ms = ms.max(1);
        self
    }

    /// The largest frame accepted and sent. Default 64 KiB.
    pub fn max_frame(&mut self, n: usize) -> &mut Self {
        self.max_frame = n.clamp(1024, crate::codec::MAX_FRAME_LIMIT);
        self
    }

    /// The sender's recall window (default 120 s), and whether recall is
    /// enabled at all (505 when not).
    pub fn recall(&mut self, window: Duration, enabled: bool) -> &mut Self {
        self.recall_window = window;
        self.recall_enabled = enabled;
        self
    }

    /// Words that make a text, emoji or custom message fail with 501
    /// (matched case-insensitively anywhere in the text).
    pub fn banned_words(
        &mut self,
        words: impl IntoIterator<Item = impl Into<String>>,
    ) -> &mut Self {
        self.banned_words = words
            .into_iter()
            .map(|w| w.into().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        self
    }

    /// The custom rule hook (502).
    pub fn rule(&mut self, rule: Rule) -> &mut Self {
        self.rule = Some(rule);
        self
    }

    /// Sends per user per second, and per group per second at normal
    /// priority (high may use 150 %, low 75 %, lowest 50 % of it). Defaults
    /// 50 and 100.
    pub fn rates(&mut self, user: u32, group: u32) -> &mut Self {
        self.user_rate = user.max(1);
        self.group_rate = group.max(1);
        self
    }

    /// The largest text in a text or emoji body, in bytes (413 above).
    /// Default 16 KiB.
    pub fn max_body_bytes(&mut self, n: usize) -> &mut Self {
        self.max_body_bytes = n;
        self
    }

    /// Events kept per user inbox (the oldest are dropped beyond it), and
    /// successful requests remembered per user for idempotency. Defaults
    /// 10,000 and 4,096.
    pub fn inbox_limits(&mut self, inbox: usize, dedup: usize) -> &mut Self {
        self.inbox_limit = inbox.max(1);
        self.dedup_window = dedup.max(1);
        self
    }

    /// Offline push outputs on or off. Default on.
    pub fn push(&mut self, on: bool) -> &mut Self {
        self.push = on;
        self
    }
}

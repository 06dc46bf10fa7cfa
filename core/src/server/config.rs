//! Server configuration: the secret, limits and rules.

use super::user_map::UserHash;
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
/// `with_*` options, which take and return the config; read each setting
/// back with the getter of the same name.
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
    pub(crate) delivery_window: u64,
    pub(crate) resident_messages: Option<usize>,
    pub(crate) checkpoint_every: Option<u64>,
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
            .field("delivery_window", &self.delivery_window)
            .field("resident_messages", &self.resident_messages)
            .field("checkpoint_every", &self.checkpoint_every)
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
            delivery_window: 256,
            resident_messages: None,
            checkpoint_every: None,
        }
    }

    /// The keyed hasher of the server's user maps, from the secret.
    pub(crate) fn user_hash(&self) -> UserHash {
        UserHash::from_secret(&self.secret)
    }

    /// The secret that signs tokens (for the adapter's HTTP endpoints).
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The largest frame accepted and sent, in bytes of JSON.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// The keep-alive interval announced to clients, in milliseconds.
    pub fn ping_ms(&self) -> u32 {
        self.ping_ms
    }

    /// The sender's recall window, and whether recall is enabled.
    pub fn recall(&self) -> (Duration, bool) {
        (self.recall_window, self.recall_enabled)
    }

    /// The banned words, lowercased.
    pub fn banned_words(&self) -> &[String] {
        &self.banned_words
    }

    /// The custom rule hook, if any.
    pub fn rule(&self) -> Option<&Rule> {
        self.rule.as_ref()
    }

    /// Sends allowed per user per second and per group per second.
    pub fn rates(&self) -> (u32, u32) {
        (self.user_rate, self.group_rate)
    }

    /// The largest text in a body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Events kept per inbox, and requests remembered per user.
    pub fn inbox_limits(&self) -> (usize, usize) {
        (self.inbox_limit, self.dedup_window)
    }

    /// Whether offline push outputs are on.
    pub fn push(&self) -> bool {
        self.push
    }

    /// Keep-alive interval announced to clients; silent connections close
    /// after twice as long. Default 30 s.
    #[must_use]
    pub fn with_ping_ms(mut self, ms: u32) -> Self {
        self.ping_ms = ms.max(1);
        self
    }

    /// The largest frame accepted and sent. Default 64 KiB.
    #[must_use]
    pub fn with_max_frame(mut self, n: usize) -> Self {
        self.max_frame = n.clamp(1024, crate::codec::MAX_FRAME_LIMIT);
        self
    }

    /// The sender's recall window (default 120 s), and whether recall is
    /// enabled at all (505 when not).
    #[must_use]
    pub fn with_recall(mut self, window: Duration, enabled: bool) -> Self {
        self.recall_window = window;
        self.recall_enabled = enabled;
        self
    }

    /// Words that make a text, emoji or custom message fail with 501
    /// (matched case-insensitively anywhere in the text).
    #[must_use]
    pub fn with_banned_words(mut self, words: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.banned_words = words
            .into_iter()
            .map(|w| w.into().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        self
    }

    /// The custom rule hook (502).
    #[must_use]
    pub fn with_rule(mut self, rule: Rule) -> Self {
        self.rule = Some(rule);
        self
    }

    /// Sends per user per second, and per group per second at normal
    /// priority (high may use 150 %, low 75 %, lowest 50 % of it). Defaults
    /// 50 and 100.
    #[must_use]
    pub fn with_rates(mut self, user: u32, group: u32) -> Self {
        self.user_rate = user.max(1);
        self.group_rate = group.max(1);
        self
    }

    /// The largest text in a text or emoji body, in bytes (413 above).
    /// Default 16 KiB.
    #[must_use]
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Events kept per user inbox (the oldest are dropped beyond it), and
    /// successful requests remembered per user for idempotency. Defaults
    /// 10,000 and 4,096.
    #[must_use]
    pub fn with_inbox_limits(mut self, inbox: usize, dedup: usize) -> Self {
        self.inbox_limit = inbox.max(1);
        self.dedup_window = dedup.max(1);
        self
    }

    /// Inbox events in flight per connection beyond its last
    /// acknowledgement; the rest go out as acknowledgements arrive. Default
    /// 256 (at least 1).
    #[must_use]
    pub fn with_delivery_window(mut self, events: u64) -> Self {
        self.delivery_window = events.max(1);
        self
    }

    /// Inbox events in flight per connection beyond its last acknowledgement.
    pub fn delivery_window(&self) -> u64 {
        self.delivery_window
    }

    /// Keep at most this many stored messages in memory, the newest; the
    /// rest live in the adapter's message store, written from
    /// [`Batch::messages`](super::Batch::messages) and read back through
    /// [`Output::Load`](super::Output::Load) (PROTOCOL.md §16.1). `None`,
    /// the default, keeps every message in memory and leaves batches
    /// without message rows: for servers without a message store. At
    /// least 1.
    #[must_use]
    pub fn with_resident_messages(mut self, messages: Option<usize>) -> Self {
        self.resident_messages = messages.map(|n| n.max(1));
        self
    }

    /// The most stored messages kept in memory (`None`: all of them).
    pub fn resident_messages(&self) -> Option<usize> {
        self.resident_messages
    }

    /// Emit an [`Output::Checkpoint`](super::Output::Checkpoint) once this
    /// many records have been handed out since the last one, so that a
    /// restart replays at most about this many records. `None`, the
    /// default, never checkpoints. At least 1.
    #[must_use]
    pub fn with_checkpoint_every(mut self, records: Option<u64>) -> Self {
        self.checkpoint_every = records.map(|n| n.max(1));
        self
    }

    /// Records between checkpoints (`None`: no checkpoints).
    pub fn checkpoint_every(&self) -> Option<u64> {
        self.checkpoint_every
    }

    /// Offline push outputs on or off. Default on.
    #[must_use]
    pub fn with_push(mut self, on: bool) -> Self {
        self.push = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_back_through_their_getters_with_their_bounds() {
        let c = ServerConfig::new(b"s".to_vec());
        assert_eq!(
            (c.ping_ms(), c.rates(), c.inbox_limits(), c.push()),
            (30_000, (50, 100), (10_000, 4096), true)
        );
        let c = c
            .with_ping_ms(0)
            .with_max_frame(10)
            .with_recall(Duration::from_secs(5), false)
            .with_banned_words(["Spam", ""])
            .with_rates(0, 7)
            .with_max_body_bytes(99)
            .with_inbox_limits(0, 3)
            .with_push(false);
        assert_eq!(c.ping_ms(), 1, "at least 1 ms");
        assert_eq!(c.max_frame(), 1024, "at least 1 KiB");
        assert_eq!(c.recall(), (Duration::from_secs(5), false));
        assert_eq!(c.banned_words(), ["spam".to_owned()]);
        assert_eq!(c.rates(), (1, 7));
        assert_eq!(c.max_body_bytes(), 99);
        assert_eq!(c.inbox_limits(), (1, 3));
        assert!(!c.push() && c.rule().is_none());
    }
}

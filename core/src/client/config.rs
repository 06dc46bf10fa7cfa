//! Client configuration, built once and shared.

use crate::ids::DeviceId;
use std::time::Duration;

/// How a [`super::Client`] behaves. Build with [`Config::new`] and the
/// `with_*` options, which take and return the config; read each setting
/// back with the getter of the same name.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) device: DeviceId,
    pub(crate) seed: u64,
    pub(crate) request_deadline: Duration,
    pub(crate) retry_initial: Duration,
    pub(crate) retry_max: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) ack_delay: Duration,
    pub(crate) ack_every: u64,
    pub(crate) gap_timeout: Duration,
    pub(crate) max_held: usize,
    pub(crate) auto_delivered: bool,
    pub(crate) recall_window: Duration,
    pub(crate) max_outbox: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_frame: usize,
    pub(crate) memory: usize,
}

impl Config {
    /// The defaults, for one device. `seed` feeds the request-id source:
    /// give each client instance its own (e.g. from the OS at install time),
    /// and the same seed to replay a run exactly.
    pub fn new(device: DeviceId, seed: u64) -> Self {
        Config {
            device,
            seed,
            request_deadline: Duration::from_secs(60),
            retry_initial: Duration::from_secs(2),
            retry_max: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            ack_delay: Duration::from_millis(100),
            ack_every: 32,
            gap_timeout: Duration::from_secs(3),
            max_held: 256,
            auto_delivered: false,
            recall_window: Duration::from_secs(120),
            max_outbox: 1024,
            max_body_bytes: 16 * 1024,
            max_frame: crate::codec::DEFAULT_MAX_FRAME,
            memory: 4096,
        }
    }

    /// How long a request may wait for its answer, from the command (or, for
    /// an attachment, from the end of its upload), before it fails with 408.
    /// Default 60 s.
    #[must_use]
    pub fn with_request_deadline(mut self, d: Duration) -> Self {
        self.request_deadline = d;
        self
    }

    /// Retransmission backoff while connected: the first retry after
    /// `initial`, then doubling up to `max`. Defaults 2 s and 30 s.
    #[must_use]
    pub fn with_retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.retry_initial = initial.max(Duration::from_millis(1));
        self.retry_max = max.max(self.retry_initial);
        self
    }

    /// How long to wait for `welcome` after `hello`. Default 10 s.
    #[must_use]
    pub fn with_handshake_timeout(mut self, d: Duration) -> Self {
        self.handshake_timeout = d;
        self
    }

    /// Send the cumulative `ack` this long after the first unacknowledged
    /// inbox event, or at once when `every` events are unacknowledged.
    /// Defaults 100 ms and 32.
    #[must_use]
    pub fn with_ack_policy(mut self, delay: Duration, every: u64) -> Self {
        self.ack_delay = delay;
        self.ack_every = every.max(1);
        self
    }

    /// How long an inbox gap may stay open before the client drops the
    /// connection so that the replay repairs it, and how many out-of-order
    /// events it holds meanwhile. Defaults 3 s and 256.
    #[must_use]
    pub fn with_gap_policy(mut self, timeout: Duration, max_held: usize) -> Self {
        self.gap_timeout = timeout;
        self.max_held = max_held;
        self
    }

    /// Send a delivered receipt for every message received from others.
    /// Default off.
    #[must_use]
    pub fn with_auto_delivered_receipts(mut self, on: bool) -> Self {
        self.auto_delivered = on;
        self
    }

    /// The server's recall window, used to refuse a plainly late recall
    /// without a round trip. Default 120 s.
    #[must_use]
    pub fn with_recall_window(mut self, d: Duration) -> Self {
        self.recall_window = d;
        self
    }

    /// The most requests waiting for an answer; a command beyond it fails
    /// with [`super::CommandError::OutboxFull`]. Default 1024.
    #[must_use]
    pub fn with_max_outbox(mut self, n: usize) -> Self {
        self.max_outbox = n.max(1);
        self
    }

    /// The largest text in a text or emoji body, in bytes. Default 16 KiB.
    #[must_use]
    pub fn with_max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// The largest frame the client sends, until the server's `welcome`
    /// announces its own limit. Default 64 KiB.
    #[must_use]
    pub fn with_max_frame(mut self, n: usize) -> Self {
        self.max_frame = n.clamp(1, crate::codec::MAX_FRAME_LIMIT);
        self
    }

    /// How many message ids (for duplicate detection) and own messages (for
    /// receipt status and recall checks) the client remembers. Default 4096.
    #[must_use]
    pub fn with_memory(mut self, n: usize) -> Self {
        self.memory = n.max(1);
        self
    }

    /// This device.
    pub fn device(&self) -> &DeviceId {
        &self.device
    }

    /// The seed of the request-id source.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How long a request may wait for its answer.
    pub fn request_deadline(&self) -> Duration {
        self.request_deadline
    }

    /// The first retry delay and the longest one.
    pub fn retry_backoff(&self) -> (Duration, Duration) {
        (self.retry_initial, self.retry_max)
    }

    /// How long to wait for `welcome`.
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The ack delay and the count that acks at once.
    pub fn ack_policy(&self) -> (Duration, u64) {
        (self.ack_delay, self.ack_every)
    }

    /// How long a gap may stay open, and how many events are held meanwhile.
    pub fn gap_policy(&self) -> (Duration, usize) {
        (self.gap_timeout, self.max_held)
    }

    /// Whether delivered receipts are sent automatically.
    pub fn auto_delivered_receipts(&self) -> bool {
        self.auto_delivered
    }

    /// The recall window assumed for the server.
    pub fn recall_window(&self) -> Duration {
        self.recall_window
    }

    /// The most requests waiting for an answer.
    pub fn max_outbox(&self) -> usize {
        self.max_outbox
    }

    /// The largest text in a body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The largest frame sent before `welcome` announces the server's.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// How many message ids and own messages are remembered.
    pub fn memory(&self) -> usize {
        self.memory
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_back_through_their_getters_with_their_bounds() {
        let device = DeviceId::new("d").unwrap_or_else(|_| unreachable!());
        let c = Config::new(device, 7)
            .with_request_deadline(Duration::from_secs(9))
            .with_retry_backoff(Duration::ZERO, Duration::ZERO)
            .with_ack_policy(Duration::from_millis(5), 0)
            .with_gap_policy(Duration::from_secs(1), 8)
            .with_auto_delivered_receipts(true)
            .with_max_outbox(0)
            .with_max_frame(0)
            .with_memory(0);
        assert_eq!((c.device().as_str(), c.seed()), ("d", 7));
        assert_eq!(c.request_deadline(), Duration::from_secs(9));
        let one = Duration::from_millis(1);
        assert_eq!(c.retry_backoff(), (one, one), "at least 1 ms");
        assert_eq!(c.ack_policy(), (Duration::from_millis(5), 1));
        assert_eq!(c.gap_policy(), (Duration::from_secs(1), 8));
        assert!(c.auto_delivered_receipts());
        assert_eq!((c.max_outbox(), c.max_frame(), c.memory()), (1, 1, 1));
    }
}

//! Connecting, resuming, keep-alive and tokens.

use super::{Client, CommandError, ConnectionState, DisconnectReason, Event};
use crate::VERSIONS;
use crate::frame::client::{Heartbeat, Hello, TokenRefresh};
use crate::frame::server::{Refuse, Welcome};
use crate::frame::{ClientFrame, requests};
use crate::ids::{RequestId, Seq};
use crate::time::Millis;
use std::time::Duration;

/// The connection's state and its timers.
#[derive(Clone, Debug, Default)]
pub(crate) enum Conn {
    /// No transport.
    #[default]
    Down,
    /// `hello` sent, waiting for `welcome` until `deadline`.
    Handshake { deadline: Millis },
    /// Session open.
    Ready {
        ping: Duration,
        last_sent: Millis,
        /// After a `ping`, the connection is dead if nothing arrives by then.
        pong_deadline: Option<Millis>,
    },
}

impl Conn {
    pub(crate) fn is_up(&self) -> bool {
        !matches!(self, Conn::Down)
    }

    pub(crate) fn is_ready(&self) -> bool {
        matches!(self, Conn::Ready { .. })
    }

    pub(crate) fn next_timeout(&self) -> Option<Millis> {
        match self {
            Conn::Down => None,
            Conn::Handshake { deadline } => Some(*deadline),
            Conn::Ready {
                ping,
                last_sent,
                pong_deadline,
            } => Some(pong_deadline.unwrap_or_else(|| last_sent.saturating_add(*ping))),
        }
    }

    /// Any frame from the server proves the connection alive.
    pub(crate) fn heard(&mut self, _now: Millis) {
        if let Conn::Ready { pong_deadline, .. } = self {
            *pong_deadline = None;
        }
    }

    pub(crate) fn sent(&mut self, now: Millis) {
        if let Conn::Ready { last_sent, .. } = self {
            *last_sent = now;
        }
    }
}

impl Client {
    /// Whether the session is open (welcomed, not disconnected since).
    pub fn is_ready(&self) -> bool {
        self.conn.is_ready()
    }

    /// A transport to the server is up: the client sends `hello`, resuming
    /// from the last processed inbox position. If the client thought it was
    /// still connected, the old connection is first treated as lost.
    pub fn handle_connect(&mut self, now: Millis) {
        if self.conn.is_up() {
            self.go_down(DisconnectReason::Transport);
        }
        self.inbox.reset_session();
        self.conn = Conn::Handshake {
            deadline: now.saturating_add(self.config.handshake_timeout),
        };
        let state = if self.user.is_some() {
            ConnectionState::Reconnecting
        } else {
            ConnectionState::Connecting
        };
        self.events.push_back(Event::State(state));
        self.transmits.push_back(ClientFrame::Hello(Hello {
            versions: VERSIONS.to_vec(),
            token: self.token.clone(),
            device: self.config.device.clone(),
            last_seq: self.inbox.processed,
            agent: Some(concat!("natter-core/", env!("CARGO_PKG_VERSION")).into()),
        }));
    }

    /// The transport is gone. Unanswered requests stay in the outbox and go
    /// out again on the next session.
    pub fn handle_disconnect(&mut self, _now: Millis) {
        if self.conn.is_up() {
            self.go_down(DisconnectReason::Transport);
        }
    }

    /// Ends the session: timers stop, requests wait, the adapter is told.
    pub(crate) fn go_down(&mut self, reason: DisconnectReason) {
        self.conn = Conn::Down;
        self.outbox.end_session();
        self.inbox.reset_session();
        self.transmits.clear();
        self.events
            .push_back(Event::State(ConnectionState::Disconnected(reason)));
    }

    pub(crate) fn on_welcome(&mut self, now: Millis, w: Welcome) {
        if !matches!(self.conn, Conn::Handshake { .. }) {
            return;
        }
        self.conn = Conn::Ready {
            ping: Duration::from_millis(u64::from(w.ping_ms.max(1))),
            last_sent: now,
            pong_deadline: None,
        };
        self.max_frame = usize::try_from(w.max_frame)
            .unwrap_or(usize::MAX)
            .clamp(1, crate::codec::MAX_FRAME_LIMIT);
        self.clock_offset = i64::try_from(w.time.0)
            .unwrap_or(i64::MAX)
            .saturating_sub(i64::try_from(now.0).unwrap_or(i64::MAX));
        self.user = Some(w.user.clone());
        self.events
            .push_back(Event::State(ConnectionState::Ready { user: w.user }));
        let first_missing = self.inbox.processed.next();
        if first_missing < w.oldest && first_missing <= w.seq {
            let to = Seq(w.oldest.0.saturating_sub(1).min(w.seq.0));
            self.events.push_back(Event::InboxTruncated {
                from: first_missing,
                to,
            });
            // The lost events will never come: continue from the oldest held.
            self.inbox.processed = to;
        }
        self.inbox.note_newest(now, w.seq, self.config.gap_timeout);
        let backoff = self.backoff();
        for frame in self.outbox.start_session(now, &backoff) {
            self.transmit(now, frame);
        }
    }

    pub(crate) fn on_refuse(&mut self, r: Refuse) {
        self.events.push_back(Event::Refused(r));
        self.go_down(DisconnectReason::Refused);
    }

    pub(crate) fn session_timeouts(&mut self, now: Millis) {
        match &mut self.conn {
            Conn::Handshake { deadline } if *deadline <= now => {
                self.go_down(DisconnectReason::HandshakeTimeout)
            }
            Conn::Ready {
                pong_deadline: Some(d),
                ..
            } if *d <= now => self.go_down(DisconnectReason::PingTimeout),
            Conn::Ready {
                ping,
                last_sent,
                pong_deadline,
            } if pong_deadline.is_none() && last_sent.saturating_add(*ping) <= now => {
                *pong_deadline = Some(now.saturating_add(*ping));
                self.transmit(now, ClientFrame::Ping(Heartbeat { nonce: None }));
            }
            _ => {}
        }
    }

    /// Replaces the token used by the next `hello` (after a refusal with 419,
    /// for example).
    pub fn set_token(&mut self, token: impl Into<String>) {
        self.token = token.into();
    }

    /// Replaces the token of the open session (the answer to
    /// [`Event::TokenExpiring`]); it is also used by the next `hello`.
    pub fn refresh_token(
        &mut self,
        now: Millis,
        token: impl Into<String>,
    ) -> Result<RequestId, CommandError> {
        let token = token.into();
        self.token.clone_from(&token);
        self.request::<requests::Token>(now, |id| TokenRefresh { id, token })
    }
}

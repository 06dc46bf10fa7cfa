//! Sessions: the hello, token checks, the welcome and replay, keep-alive and
//! token expiry timers.

use super::records::{Answer, Record};
use super::state::InboxEvent;
use super::store::StoredMessage;
use super::token::{self, TokenError};
use super::window::Window;
use super::{CloseReason, ConnectionId, Fail, Server, ServerEvent};
use crate::VERSIONS;
use crate::error::ErrorCode;
use crate::frame::ServerFrame;
use crate::frame::client::Hello;
use crate::frame::server::{
    ConvDeleted, ConvReadNotice, Delivery, ReadCount, ReadSummary, Recalled, ReceiptNotice, Refuse,
    ThreadNotice, Welcome,
};
use crate::ids::{MessageId, RequestId, Seq, UserId};
use crate::time::{Millis, Now};
use std::time::Duration;

impl Session {
    /// When to warn that the token expires soon.
    fn warn_at(&self, warning: Duration) -> Millis {
        Millis(
            self.token_expires
                .0
                .saturating_sub(u64::try_from(warning.as_millis()).unwrap_or(u64::MAX)),
        )
    }
}

/// An authenticated connection.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) user: UserId,
    pub(crate) token_expires: Millis,
    pub(crate) warned: bool,
    /// The protocol version agreed in the hello.
    pub(crate) version: u16,
    /// Its inbox stream's flow control.
    pub(crate) window: Window,
}

impl Server {
    fn refuse(&mut self, conn: ConnectionId, code: ErrorCode, reason: String) {
        self.transmit(
            conn,
            ServerFrame::Refuse(Refuse {
                code,
                reason,
                versions: VERSIONS.to_vec(),
            }),
        );
        self.outputs.event(ServerEvent::Close {
            conn,
            reason: CloseReason::Refused,
        });
    }

    pub(crate) fn on_hello(&mut self, now: Now, conn: ConnectionId, hello: Hello) {
        let Some(version) = hello
            .versions
            .iter()
            .copied()
            .filter(|v| VERSIONS.contains(v))
            .max()
        else {
            let reason = format!("no common protocol version; this server speaks {VERSIONS:?}");
            return self.refuse(conn, ErrorCode::UNSUPPORTED_VERSION, reason);
        };
        let (user, expires) = match token::verify(&self.config.secret, &hello.token, now.wall) {
            Ok(ok) => ok,
            Err(TokenError::Expired(at)) => {
                return self.refuse(
                    conn,
                    ErrorCode::TOKEN_EXPIRED,
                    format!("token expired at {}", at.0),
                );
            }
            Err(e) => return self.refuse(conn, ErrorCode::UNAUTHORIZED, e.to_string()),
        };
        let user = self.shared_user(user);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.session = Some(Session {
                user: user.clone(),
                token_expires: expires,
                warned: false,
                version,
                window: Window {
                    sent: hello.last_seq,
                    acked: hello.last_seq,
                    loading: false,
                },
            });
        }
        self.online.entry(user.clone()).or_default().insert(conn);
        let (seq, oldest) = self
            .state
            .users
            .get(&user)
            .map_or((Seq::ZERO, Seq(1)), |u| (u.last_seq, u.oldest()));
        self.transmit(
            conn,
            ServerFrame::Welcome(Welcome {
                version,
                user: user.clone(),
                device: hello.device,
                seq,
                oldest,
                ping_ms: self.config.ping_ms,
                max_frame: u32::try_from(self.config.max_frame).unwrap_or(u32::MAX),
                time: now.wall,
                token_expires: expires,
            }),
        );
        // The inbox after `last_seq`, as far as the delivery window allows.
        self.pump(conn);
        self.send_summary(conn, &user);
        self.rearm(now, conn);
    }

    /// The read summary of counts changed since the last one.
    fn send_summary(&mut self, conn: ConnectionId, user: &UserId) {
        let Some(pending) = self
            .state
            .users
            .get(user)
            .map(|u| u.summary.clone())
            .filter(|s| !s.is_empty())
        else {
            return;
        };
        let items = pending
            .into_iter()
            .map(|(mid, count)| ReadCount { mid, count })
            .collect();
        self.transmit(conn, ServerFrame::ReadSummary(ReadSummary { items }));
        self.commit(Record::SummarySent { user: user.clone() });
    }

    /// Re-arms a connection's one timer, on the monotonic clock: the
    /// earliest of its idle deadline, its token warning and its token expiry
    /// (both wall-clock times, converted at `now`).
    pub(crate) fn rearm(&mut self, now: Now, conn: ConnectionId) {
        let Some(wake) = self.wake_of(now, conn) else {
            return;
        };
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if let Some(w) = c.wake.take() {
            self.timers.remove(&(w, conn));
        }
        c.wake = Some(wake);
        self.timers.insert((wake, conn));
    }

    /// A frame arrived on `conn` at `now`: its idle deadline only moved
    /// later, so the timer stays (when it fires it re-arms from the last
    /// frame heard), unless a wall-clock step brought a token deadline
    /// before it. A busy connection costs no timer update per frame.
    pub(crate) fn rearm_if_sooner(&mut self, now: Now, conn: ConnectionId) {
        let sooner = match (self.wake_of(now, conn), self.conns.get(&conn)) {
            (Some(wake), Some(c)) => c.wake.is_none_or(|w| wake < w),
            _ => false,
        };
        if sooner {
            self.rearm(now, conn);
        }
    }

    /// When a connection's timer should fire, computed at `now`: the
    /// earliest of its idle deadline, its token warning and its token
    /// expiry.
    fn wake_of(&self, now: Now, conn: ConnectionId) -> Option<Millis> {
        let c = self.conns.get(&conn)?;
        let mut wake = c.last_heard.saturating_add(self.idle_limit());
        if let Some(s) = &c.session {
            let next = if s.warned {
                s.token_expires
            } else {
                s.warn_at(self.config.token_warning)
            };
            wake = wake.min(now.mono_at(next));
        }
        Some(wake)
    }

    /// How long a connection may stay silent: twice the keep-alive.
    fn idle_limit(&self) -> Duration {
        Duration::from_millis(2 * u64::from(self.config.ping_ms))
    }

    /// A connection's timer fired: idleness is measured on the monotonic
    /// clock, token expiry and warning on the wall clock; neither may fire
    /// early, so a wall-clock step back only re-arms.
    pub(crate) fn session_timer(&mut self, now: Now, conn: ConnectionId) {
        let (idle, warning) = (self.idle_limit(), self.config.token_warning);
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.last_heard.saturating_add(idle) <= now.mono {
            self.outputs.event(ServerEvent::Close {
                conn,
                reason: CloseReason::Idle,
            });
            return self.handle_disconnect(now, conn);
        }
        if let Some(s) = &mut c.session {
            if s.token_expires <= now.wall {
                let reason = format!("token expired at {}", s.token_expires.0);
                self.send_error(conn, None, ErrorCode::TOKEN_EXPIRED, reason);
                self.outputs.event(ServerEvent::Close {
                    conn,
                    reason: CloseReason::TokenExpired,
                });
                return self.handle_disconnect(now, conn);
            }
            if !s.warned && s.warn_at(warning) <= now.wall {
                s.warned = true;
                let expires = s.token_expires;
                self.transmit(
                    conn,
                    ServerFrame::TokenExpiring(crate::frame::server::TokenExpiring { expires }),
                );
            }
        }
        self.rearm(now, conn);
    }

    pub(crate) fn on_token(
        &mut self,
        now: Now,
        conn: ConnectionId,
        user: &UserId,
        id: &RequestId,
        token: &str,
    ) -> Result<Option<ServerFrame>, Fail> {
        let (who, expires) =
            token::verify(&self.config.secret, token, now.wall).map_err(|e| match e {
                TokenError::Expired(_) => (ErrorCode::TOKEN_EXPIRED, e.to_string()),
                _ => (ErrorCode::UNAUTHORIZED, e.to_string()),
            })?;
        if &who != user {
            return super::fail(ErrorCode::UNAUTHORIZED, "the token names another user");
        }
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.token_expires = expires;
            s.warned = false;
        }
        self.rearm(now, conn);
        Ok(Some(super::answer_frame(
            id.clone(),
            Answer::Ok { pending: false },
        )))
    }
}

/// The frame of one inbox event at `seq`, with the messages `lookup`
/// finds (`None` for a message it does not).
pub(crate) fn event_frame<'a>(
    event: &InboxEvent,
    seq: Seq,
    lookup: impl Fn(MessageId) -> Option<&'a StoredMessage>,
) -> Option<ServerFrame> {
    let seq = Some(seq);
    Some(match event {
        InboxEvent::Msg(mid) => ServerFrame::Msg(Delivery {
            seq,
            msg: std::sync::Arc::clone(&lookup(*mid)?.msg),
        }),
        InboxEvent::Recalled(r) => ServerFrame::Recalled(Recalled {
            seq,
            mid: r.mid,
            from: r.from.clone(),
            to: r.to.clone(),
            by: r.by.clone(),
            ts: r.ts,
        }),
        InboxEvent::Receipt(n) => ServerFrame::Receipt(ReceiptNotice {
            seq,
            ..(**n).clone()
        }),
        InboxEvent::ConvRead(n) => ServerFrame::ConvRead(ConvReadNotice {
            seq,
            ..(**n).clone()
        }),
        InboxEvent::ConvDeleted(n) => ServerFrame::ConvDeleted(ConvDeleted {
            seq,
            ..(**n).clone()
        }),
        InboxEvent::Thread(t) => ServerFrame::Thread(Box::new(ThreadNotice {
            seq,
            op: t.op,
            by: t.by.clone(),
            mid: t.mid,
            info: (*t.info).clone(),
        })),
        InboxEvent::Tip(tip) => ServerFrame::GroupTip(crate::frame::group::GroupTip {
            seq,
            ..(**tip).clone()
        }),
        InboxEvent::System(n) => ServerFrame::System(crate::frame::group::SystemNotice {
            seq,
            ..(**n).clone()
        }),
    })
}

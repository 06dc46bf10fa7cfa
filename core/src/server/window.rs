//! Flow control of inbox events per connection: at most the configured
//! delivery window of events beyond the connection's last acknowledgement
//! is in flight; the rest waits in the inbox (where it is stored anyway) and
//! goes out as acknowledgements arrive. A device that falls behind, or
//! resumes with a long backlog, is fed at the pace it acknowledges, so a
//! server never queues a whole inbox on one socket (PROTOCOL.md R6).

use super::session::event_frame;
use super::state::{InboxEvent, State, UserState};
use super::{ConnectionId, Server};
use crate::ids::{MessageId, Seq};

/// Where a connection's inbox stream stands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Window {
    /// The newest event transmitted on this connection.
    pub(crate) sent: Seq,
    /// The newest event this connection acknowledged (or resumed after).
    pub(crate) acked: Seq,
    /// Waiting for a load of messages its next events carry.
    pub(crate) loading: bool,
}

impl Server {
    /// Sends the events the window allows on `conn`, in order. It stops at
    /// the first message no longer in memory and waits for a load of the
    /// ones the window reaches.
    pub(crate) fn pump(&mut self, conn: ConnectionId) {
        // The server's fields taken apart, so that the connection and its
        // user are each looked up once for the whole pump.
        let Server {
            state,
            conns,
            outputs,
            own_copy,
            config,
            ..
        } = self;
        let Some((window, user)) = conns
            .get_mut(&conn)
            .and_then(|c| c.session.as_mut())
            .filter(|s| !s.window.loading)
            .map(|s| (&mut s.window, &s.user))
        else {
            return;
        };
        let Some(u) = state.users.get(user) else {
            return;
        };
        let from = window.sent.0.saturating_add(1).max(u.oldest().0);
        let upto = (u.last_seq.0).min(window.acked.0.saturating_add(config.delivery_window));
        if from > upto {
            return;
        }
        let missing = missing(state, u, from, upto);
        let last = missing
            .first()
            .map_or(upto, |(seq, _)| seq.saturating_sub(1));
        let due = u.inbox.from(Seq(from)).take_while(|(seq, _)| seq.0 <= last);
        for (seq, event) in due {
            if let Some(frame) = event_frame(event, seq, |mid| state.message(mid))
                && !own_copy.as_mut().is_some_and(|own| own.folds(conn, &frame))
            {
                outputs.transmit(conn, frame);
            }
        }
        window.sent = window.sent.max(Seq(last));
        window.loading = !missing.is_empty();
        if !missing.is_empty() {
            self.park_pump(conn, missing.into_iter().map(|(_, mid)| mid).collect());
        }
    }

    /// `conn` acknowledged every event up to `seq`: more may flow.
    pub(crate) fn acked(&mut self, conn: ConnectionId, seq: Seq) {
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.acked = s.window.acked.max(seq);
        }
        self.pump(conn);
    }
}

/// The messages of the inbox events `from..=upto` of `user` that must be
/// loaded, with their positions.
fn missing(state: &State, user: &UserState, from: u64, upto: u64) -> Vec<(u64, MessageId)> {
    // Nothing evicted yet (always so without a resident window): nothing
    // to load.
    if state.evicted_upto.0 == 0 {
        return Vec::new();
    }
    user.inbox
        .from(Seq(from))
        .take_while(|(seq, _)| seq.0 <= upto)
        .filter_map(|(seq, event)| match event {
            InboxEvent::Msg(mid) if state.must_load(*mid) => Some((seq.0, *mid)),
            _ => None,
        })
        .collect()
}

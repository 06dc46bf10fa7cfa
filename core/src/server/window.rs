//! Flow control of inbox events per connection: at most the configured
//! delivery window of events beyond the connection's last acknowledgement
//! is in flight; the rest waits in the inbox (where it is stored anyway) and
//! goes out as acknowledgements arrive. A device that falls behind, or
//! resumes with a long backlog, is fed at the pace it acknowledges, so a
//! server never queues a whole inbox on one socket (PROTOCOL.md R6).

use super::state::InboxEvent;
use super::{ConnectionId, Server};
use crate::ids::{MessageId, Seq, UserId};

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
        let Some((user, from, upto)) = self.due(conn) else {
            return;
        };
        let missing = self.missing(&user, from, upto);
        let last = missing
            .first()
            .map_or(upto, |(seq, _)| seq.saturating_sub(1));
        for seq in from..=last {
            if let Some(frame) = self.inbox_frame(&user, Seq(seq))
                && !self.folds_own_copy(conn, &frame)
            {
                self.transmit(conn, frame);
            }
        }
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.sent = s.window.sent.max(Seq(last));
            s.window.loading = !missing.is_empty();
        }
        if !missing.is_empty() {
            self.park_pump(conn, missing.into_iter().map(|(_, mid)| mid).collect());
        }
    }

    /// The messages of `user`'s inbox events `from..=upto` that must be
    /// loaded, with their positions.
    fn missing(&self, user: &UserId, from: u64, upto: u64) -> Vec<(u64, MessageId)> {
        // Nothing evicted yet (always so without a resident window):
        // nothing to load.
        if self.state.evicted_upto.0 == 0 {
            return Vec::new();
        }
        let Some(u) = self.state.users.get(user) else {
            return Vec::new();
        };
        u.inbox
            .from(Seq(from))
            .take_while(|(seq, _)| seq.0 <= upto)
            .filter_map(|(seq, event)| match event {
                InboxEvent::Msg(mid) if self.state.must_load(*mid) => Some((seq.0, *mid)),
                _ => None,
            })
            .collect()
    }

    /// The user of `conn` and the inbox positions it may be sent now, if
    /// any (none while it waits for a load).
    fn due(&self, conn: ConnectionId) -> Option<(UserId, u64, u64)> {
        let s = self.conns.get(&conn)?.session.as_ref()?;
        if s.window.loading {
            return None;
        }
        let u = self.state.users.get(&s.user)?;
        let from = s.window.sent.0.saturating_add(1).max(u.oldest().0);
        let upto = u
            .last_seq
            .0
            .min(s.window.acked.0.saturating_add(self.config.delivery_window));
        (from <= upto).then(|| (s.user.clone(), from, upto))
    }

    /// `conn` acknowledged every event up to `seq`: more may flow.
    pub(crate) fn acked(&mut self, conn: ConnectionId, seq: Seq) {
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.acked = s.window.acked.max(seq);
        }
        self.pump(conn);
    }
}

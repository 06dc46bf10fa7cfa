//! Flow control of inbox events per connection: at most the configured
//! delivery window of events beyond the connection's last acknowledgement
//! is in flight; the rest waits in the inbox (where it is stored anyway) and
//! goes out as acknowledgements arrive. A device that falls behind, or
//! resumes with a long backlog, is fed at the pace it acknowledges, so a
//! server never queues a whole inbox on one socket (PROTOCOL.md R6).

use super::{ConnectionId, Server};
use crate::ids::Seq;

/// Where a connection's inbox stream stands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Window {
    /// The newest event transmitted on this connection.
    pub(crate) sent: Seq,
    /// The newest event this connection acknowledged (or resumed after).
    pub(crate) acked: Seq,
}

impl Server {
    /// Sends the events the window allows on `conn`, in order.
    pub(crate) fn pump(&mut self, conn: ConnectionId) {
        let width = self.config.delivery_window;
        let Some(s) = self.conns.get(&conn).and_then(|c| c.session.as_ref()) else {
            return;
        };
        let (user, window) = (s.user.clone(), s.window);
        let Some(u) = self.state.users.get(&user) else {
            return;
        };
        let first = u
            .inbox
            .front()
            .map_or(u.last_seq.0.saturating_add(1), |(s, _)| s.0);
        let from = window.sent.0.saturating_add(1).max(first);
        let upto = u.last_seq.0.min(window.acked.0.saturating_add(width));
        if from > upto {
            return;
        }
        for seq in from..=upto {
            if let Some(frame) = self.inbox_frame(&user, Seq(seq)) {
                self.transmit(conn, frame);
            }
        }
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.sent = Seq(upto);
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

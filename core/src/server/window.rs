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
        let Some((from, upto)) = self.due(conn) else {
            return;
        };
        for seq in from..=upto {
            let frame = self
                .conns
                .get(&conn)
                .and_then(|c| c.session.as_ref())
                .and_then(|s| self.inbox_frame(&s.user, Seq(seq)));
            if let Some(frame) = frame {
                self.transmit(conn, frame);
            }
        }
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.sent = Seq(upto);
        }
    }

    /// The inbox positions `conn` may be sent now, if any.
    fn due(&self, conn: ConnectionId) -> Option<(u64, u64)> {
        let s = self.conns.get(&conn)?.session.as_ref()?;
        let u = self.state.users.get(&s.user)?;
        let first = u
            .inbox
            .front()
            .map_or(u.last_seq.0.saturating_add(1), |(s, _)| s.0);
        let from = s.window.sent.0.saturating_add(1).max(first);
        let upto = u
            .last_seq
            .0
            .min(s.window.acked.0.saturating_add(self.config.delivery_window));
        (from <= upto).then_some((from, upto))
    }

    /// `conn` acknowledged every event up to `seq`: more may flow.
    pub(crate) fn acked(&mut self, conn: ConnectionId, seq: Seq) {
        if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
            s.window.acked = s.window.acked.max(seq);
        }
        self.pump(conn);
    }
}

//! The sending device's own copy of a message, folded into its `sent`
//! answer (protocol version 2, PROTOCOL.md §6.3).
//!
//! A stored message takes a place in its sender's inbox, and every device
//! of the sender gets it there. The device that sent it already holds the
//! whole message: on a version 2 session, when that copy is next in the
//! connection's inbox stream while the send is handled, it is not written
//! as a `msg`; the `sent` answer carries its `seq` instead and stands for
//! it. Anywhere else (another device, a later replay, a window that holds
//! the copy back, version 1) the copy goes out as a `msg` as before.

use super::ConnectionId;
use super::session::Session;
use crate::frame::ServerFrame;
use crate::ids::{MessageId, Seq};

/// The protocol version from which `sent` stands for the sender's copy.
pub(crate) const FOLDS_OWN_COPY: u16 = 2;

/// A send being handled: the copy its own connection may skip.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OwnCopy {
    conn: ConnectionId,
    mid: MessageId,
    /// Set when the copy was skipped: its place in the inbox.
    seq: Option<Seq>,
}

impl OwnCopy {
    /// The copy of `mid`, for the connection `conn` that sent it.
    pub(crate) fn new(conn: ConnectionId, mid: MessageId) -> Self {
        OwnCopy {
            conn,
            mid,
            seq: None,
        }
    }

    /// The inbox position of the copy, if it was skipped.
    pub(crate) fn seq(self) -> Option<Seq> {
        self.seq
    }
}

impl Session {
    /// Whether this session's sends fold their copy into `sent`.
    pub(crate) fn folds_own_copy(&self) -> bool {
        self.version >= FOLDS_OWN_COPY
    }
}

impl OwnCopy {
    /// Whether `frame`, due on `conn`, is this copy: then it is noted, not
    /// sent.
    pub(crate) fn folds(&mut self, conn: ConnectionId, frame: &ServerFrame) -> bool {
        match frame {
            ServerFrame::Msg(d)
                if conn == self.conn && d.msg.mid == self.mid && self.seq.is_none() =>
            {
                self.seq = d.seq;
                d.seq.is_some()
            }
            _ => false,
        }
    }
}

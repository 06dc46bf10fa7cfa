//! Inputs that need stored messages beyond the resident window wait for an
//! [`Output::Load`]; [`Server::loaded`] brings the rows back and the input
//! goes on with them at hand (PROTOCOL.md §16.1).

use super::store::{Load, LoadId, Query, StoredMessage};
use super::{ConnectionId, Output, Server};
use crate::frame::ClientFrame;
use crate::ids::MessageId;
use crate::time::Now;
use std::collections::BTreeMap;

/// An input waiting for a load.
#[derive(Clone, Debug)]
pub(crate) struct Parked {
    query: Query,
    input: Waiting,
    /// The epoch it was asked in: its answer reflects every record up to
    /// that epoch's, and none after.
    epoch: u64,
}

/// Rows the server changed after a load still waiting was asked for: that
/// load's answer may hold them as they were, so they are kept, with the
/// epoch of the change, and override what it brings.
pub(crate) type Overlay = BTreeMap<MessageId, (u64, StoredMessage)>;

#[derive(Clone, Debug)]
enum Waiting {
    /// A request naming a stored message, or a history page.
    Request {
        conn: ConnectionId,
        frame: Box<ClientFrame>,
    },
    /// A connection's inbox stream, stopped at messages to load.
    Pump { conn: ConnectionId },
}

/// The stored message a request names, if it names one.
fn named_message(frame: &ClientFrame) -> Option<MessageId> {
    use ClientFrame as C;
    match frame {
        C::Recall(r) | C::ReadBy(r) => Some(r.mid),
        C::Receipt(r) => Some(r.mid),
        C::GroupRead(r) => Some(r.mid),
        C::ThreadCreate(t) => Some(t.root),
        C::Hello(_)
        | C::Ping(_)
        | C::Ack(_)
        | C::Send(_)
        | C::ConvRead(_)
        | C::ThreadJoin(_)
        | C::ThreadLeave(_)
        | C::ThreadDestroy(_)
        | C::History(_)
        | C::ConvList(_)
        | C::ConvProfile(_)
        | C::ConvDelete(_)
        | C::Token(_)
        | C::Block(_)
        | C::Unblock(_)
        | C::GroupCreate(_)
        | C::GroupInvite(_)
        | C::GroupJoin(_)
        | C::GroupLeave(_)
        | C::GroupKick(_)
        | C::GroupAdmin(_)
        | C::GroupMute(_)
        | C::GroupMuteAll(_)
        | C::GroupDecide(_)
        | C::GroupDismiss(_) => None,
    }
}

impl Server {
    /// Asks the store for `query`; `input` goes on when it answers.
    fn load(&mut self, query: Query, input: Waiting) {
        self.next_load += 1;
        let id = LoadId(self.next_load);
        let epoch = self.outputs.epoch();
        self.parked.insert(
            id,
            Parked {
                query: query.clone(),
                input,
                epoch,
            },
        );
        self.outputs.ready(Output::Load(Load { id, query }));
    }

    /// Parks a request that names a message no longer in memory; `false`
    /// when it can be handled now.
    pub(crate) fn park_request(&mut self, conn: ConnectionId, frame: &ClientFrame) -> bool {
        let Some(mid) = named_message(frame).filter(|m| self.state.must_load(*m)) else {
            return false;
        };
        self.park(conn, frame.clone(), Query::Messages(vec![mid]));
        true
    }

    /// Parks a request until `query` is answered: one naming an old
    /// message, or a history page reaching beyond the resident window.
    pub(crate) fn park(&mut self, conn: ConnectionId, frame: ClientFrame, query: Query) {
        let input = Waiting::Request {
            conn,
            frame: Box::new(frame),
        };
        self.load(query, input);
    }

    /// Stops `conn`'s inbox stream until `mids` are loaded.
    pub(crate) fn park_pump(&mut self, conn: ConnectionId, mids: Vec<MessageId>) {
        self.load(Query::Messages(mids), Waiting::Pump { conn });
    }

    /// The store's answer to load `id`: the rows its query selects. The
    /// input that waited for it is handled now, with the rows at hand; it
    /// may make records and frames like any input. Rows the query did not
    /// ask for are ignored, and so is an id not waiting (answered twice,
    /// or never handed out). A connection gone meanwhile loses its parked
    /// request; its client asks again after it reconnects.
    pub fn loaded(&mut self, now: impl Into<Now>, id: LoadId, rows: Vec<StoredMessage>) {
        let now = now.into();
        let Some(parked) = self.parked.remove(&id) else {
            return;
        };
        for row in rows.into_iter().filter(|r| answers(&parked.query, r)) {
            self.state.faulted.insert(row.mid(), row);
        }
        for (mid, (_, row)) in &self.overlay {
            if answers(&parked.query, row) {
                self.state.faulted.insert(*mid, row.clone());
            }
        }
        if let Query::Messages(asked) = &parked.query {
            for mid in asked {
                if !self.state.faulted.contains_key(mid) {
                    self.state.absent.insert(*mid);
                }
            }
        }
        match parked.input {
            Waiting::Request { conn, frame } => {
                let session = self.conns.get(&conn).and_then(|c| c.session.clone());
                if let Some(session) = session {
                    self.reloaded = true;
                    self.on_request(now, conn, &session, *frame);
                    self.reloaded = false;
                }
            }
            Waiting::Pump { conn } => {
                if let Some(s) = self.conns.get_mut(&conn).and_then(|c| c.session.as_mut()) {
                    s.window.loading = false;
                }
                self.pump(conn);
            }
        }
        self.state.faulted.clear();
        self.state.absent.clear();
        let oldest = self.parked.values().map(|p| p.epoch).min();
        self.overlay
            .retain(|_, (epoch, _)| oldest.is_some_and(|o| o < *epoch));
        self.evict();
    }

    /// Keeps a row just changed in the overlay while a load asked for
    /// before this epoch is waiting.
    pub(crate) fn overlay(&mut self, row: &StoredMessage) {
        let epoch = self.outputs.epoch();
        if self.parked.values().any(|p| p.epoch < epoch) {
            self.overlay.insert(row.mid(), (epoch, row.clone()));
        }
    }

    /// Loads asked for and not answered yet.
    pub fn pending_loads(&self) -> usize {
        self.parked.len()
    }
}

/// Whether `row` is one that `query` selects.
fn answers(query: &Query, row: &StoredMessage) -> bool {
    match query {
        Query::Messages(mids) => mids.contains(&row.mid()),
        Query::History { key, from, to, .. } => {
            *from <= row.mid() && row.mid() < *to && row.history_key() == *key
        }
    }
}

//! Receiving side of the inbox: in-order processing by `seq`, gap holding,
//! duplicate detection, and the cumulative ack schedule.

use crate::bounded::BoundedMap;
use crate::frame::ServerFrame;
use crate::ids::{MessageId, Seq};
use crate::time::Millis;
use std::collections::BTreeMap;
use std::time::Duration;

/// What to do with an arriving durable event.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Already processed: drop it.
    Duplicate,
    /// The next expected event: process it now.
    Next,
    /// Beyond a gap: held until the gap fills.
    Held,
}

#[derive(Clone, Debug)]
pub(crate) struct Inbox {
    /// Every event up to here is processed.
    pub(crate) processed: Seq,
    /// The server knows this device processed up to here.
    acked: Seq,
    held: BTreeMap<Seq, ServerFrame>,
    max_held: usize,
    ack_at: Option<Millis>,
    gap_deadline: Option<Millis>,
    /// The newest position the server is known to hold.
    known: Seq,
    /// Message ids already reported, for duplicate detection.
    seen: BoundedMap<MessageId, ()>,
}

impl Inbox {
    pub(crate) fn new(processed: Seq, max_held: usize, memory: usize) -> Self {
        Inbox {
            processed,
            acked: processed,
            held: BTreeMap::new(),
            max_held,
            ack_at: None,
            gap_deadline: None,
            known: processed,
            seen: BoundedMap::new(memory),
        }
    }

    /// Sorts an arriving durable event; a held one is kept here.
    pub(crate) fn arrive(
        &mut self,
        now: Millis,
        seq: Seq,
        frame: ServerFrame,
        gap_timeout: Duration,
    ) -> Arrival {
        if seq <= self.processed {
            return Arrival::Duplicate;
        }
        if seq == self.processed.next() {
            return Arrival::Next;
        }
        if self.held.len() < self.max_held || self.held.contains_key(&seq) {
            self.held.insert(seq, frame);
        }
        self.note_newest(now, seq, gap_timeout);
        Arrival::Held
    }

    /// The server holds events up to `seq` (from a held event, `welcome` or
    /// `pong`): if some are missing, the gap timer starts.
    pub(crate) fn note_newest(&mut self, now: Millis, seq: Seq, gap_timeout: Duration) {
        self.known = self.known.max(seq);
        if self.processed < self.known && self.gap_deadline.is_none() {
            self.gap_deadline = Some(now.saturating_add(gap_timeout));
        }
    }

    /// Records `seq` processed and schedules the ack; returns whether the
    /// ack is due at once. Progress restarts the gap timer: it measures time
    /// without progress, so a long replay is not mistaken for a gap.
    pub(crate) fn processed(&mut self, now: Millis, seq: Seq, policy: &super::Config) -> bool {
        self.processed = seq;
        self.gap_deadline = if self.processed >= self.known && self.held.is_empty() {
            None
        } else {
            Some(now.saturating_add(policy.gap_timeout))
        };
        let (delay, every) = (policy.ack_delay, policy.ack_every);
        if self.ack_at.is_none() {
            self.ack_at = Some(now.saturating_add(delay));
        }
        self.processed.0 - self.acked.0 >= every
    }

    /// The held event that is next, if the gap before it has filled.
    pub(crate) fn take_ready(&mut self) -> Option<ServerFrame> {
        let next = self.processed.next();
        self.held.remove(&next)
    }

    /// The ack to send now, if anything is unacknowledged.
    pub(crate) fn take_ack(&mut self) -> Option<Seq> {
        self.ack_at = None;
        (self.processed > self.acked).then(|| {
            self.acked = self.processed;
            self.processed
        })
    }

    /// A new session: `hello.last_seq` acknowledges everything processed;
    /// held events will be replayed.
    pub(crate) fn reset_session(&mut self) {
        self.acked = self.processed;
        self.known = self.processed;
        self.held.clear();
        self.ack_at = None;
        self.gap_deadline = None;
    }

    pub(crate) fn clear_ack_timer(&mut self) {
        self.ack_at = None;
    }

    pub(crate) fn ack_due(&self) -> Option<Millis> {
        self.ack_at
    }

    pub(crate) fn gap_due(&self) -> Option<Millis> {
        self.gap_deadline
    }

    /// Whether `mid` was already reported; records it either way.
    pub(crate) fn seen_before(&mut self, mid: MessageId) -> bool {
        if self.seen.contains(&mid) {
            return true;
        }
        self.seen.insert(mid, ());
        false
    }
}

use super::{Client, Event, Outcome};
use crate::frame::ClientFrame;
use crate::frame::client::{Ack, Receipt, ReceiptKind};
use crate::message::Message;

impl Client {
    /// A durable event: process it in order, hold it, or drop a duplicate.
    pub(crate) fn arrive(&mut self, now: Millis, seq: Seq, frame: ServerFrame) {
        match self
            .inbox
            .arrive(now, seq, frame.clone(), self.config.gap_timeout)
        {
            Arrival::Duplicate | Arrival::Held => {}
            Arrival::Next => {
                self.process(now, seq, frame);
                while let Some(held) = self.inbox.take_ready() {
                    let seq = self.inbox.processed.next();
                    self.process(now, seq, held);
                }
            }
        }
        self.flush_ack_if_due(now, false);
    }

    fn process(&mut self, now: Millis, seq: Seq, frame: ServerFrame) {
        self.notice(now, frame);
        if self.inbox.processed(now, seq, &self.config) {
            self.flush_ack_if_due(now, true);
        }
    }

    /// Sends the cumulative ack when due (or `force`d and anything is
    /// unacknowledged).
    pub(crate) fn flush_ack_if_due(&mut self, now: Millis, force: bool) {
        if !self.conn.is_ready() {
            // The next hello's last_seq acknowledges everything processed.
            self.inbox.clear_ack_timer();
            return;
        }
        let due = force || self.inbox.ack_due().is_some_and(|t| t <= now);
        if due && let Some(seq) = self.inbox.take_ack() {
            self.transmit(now, ClientFrame::Ack(Ack { seq }));
        }
    }

    /// A notice, durable (already in order) or ephemeral.
    pub(crate) fn notice(&mut self, now: Millis, frame: ServerFrame) {
        let Some(me) = self.user.clone() else { return };
        match frame {
            ServerFrame::Msg(d) => {
                let durable = d.seq.is_some();
                self.on_msg(now, &me, std::sync::Arc::unwrap_or_clone(d.msg), durable)
            }
            ServerFrame::Recalled(r) => {
                self.mirror.on_recalled(&me, &r);
                self.events.push_back(Event::Recalled(r));
            }
            ServerFrame::Receipt(r) => self.on_receipt(r),
            ServerFrame::ConvRead(n) => {
                if n.by == me {
                    self.mirror.on_read(&n.conv, n.upto);
                } else {
                    self.mirror.on_peer_read(&n.conv, n.ts);
                }
                self.events.push_back(Event::ConversationRead(n));
            }
            ServerFrame::ConvDeleted(n) => {
                self.mirror.on_deleted(&n.conv);
                self.events.push_back(Event::ConversationDeleted(n));
            }
            ServerFrame::GroupRead(n) => self.on_group_read(n),
            ServerFrame::Thread(n) => self.events.push_back(Event::Thread(*n)),
            ServerFrame::GroupTip(n) => self.events.push_back(Event::GroupTip(n)),
            ServerFrame::System(n) => self.events.push_back(Event::System(n)),
            _ => {}
        }
    }

    /// A delivered message: once per id; the sender's own copy of a send
    /// still waiting for `sent` completes that send instead.
    fn on_msg(&mut self, now: Millis, me: &crate::ids::UserId, msg: Message, durable: bool) {
        if self.inbox.seen_before(msg.mid) {
            return;
        }
        if durable {
            self.mirror.on_message(me, &msg);
        }
        if &msg.from == me {
            self.remember_own(msg.mid, msg.ts);
            if let Some(req) = msg.req.clone().filter(|r| self.outbox.contains(r)) {
                self.sent.insert(req.clone(), msg.mid);
                self.finish(
                    &req,
                    Outcome::Sent {
                        id: req.clone(),
                        mid: msg.mid,
                        ts: msg.ts,
                    },
                );
                self.release_recalls(now, &req, msg.mid);
                return;
            }
            if msg.req.as_ref().and_then(|r| self.sent.get(r)) == Some(&msg.mid) {
                // This device's own send, already answered by `sent`.
                return;
            }
        } else if self.config.auto_delivered {
            let id = self.ids.next_id();
            let frame = ClientFrame::Receipt(Receipt {
                id: id.clone(),
                kind: ReceiptKind::Delivered,
                mid: msg.mid,
            });
            if self.outbox.len() < self.config.max_outbox {
                let deadline = Some(now.saturating_add(self.config.request_deadline));
                self.enqueue(now, id, frame, super::outbox::Stage::Queued, deadline, true);
            }
        }
        self.events.push_back(Event::Message(msg));
    }
}

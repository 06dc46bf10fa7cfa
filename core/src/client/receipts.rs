//! Receipts: delivered and read receipts for one message, conversation read
//! ("channel ack"), group read acks and counts, and who-has-read queries.
//!
//! At the sender a message's receipt status never goes backwards: *read*
//! implies *delivered*, so a delivered receipt after a read one is not
//! reported (PROTOCOL.md §15). Group read counts are absolute; a lower count
//! arriving after a higher one is not reported.

use super::{Client, CommandError, Event};
use crate::frame::client::{ConvRead, GroupRead, MessageRef, Receipt, ReceiptKind};
use crate::frame::requests;
use crate::frame::server::{GroupReadNotice, ReadSummary, ReceiptNotice};
use crate::ids::{MessageId, RequestId};
use crate::message::Conversation;
use crate::time::Millis;

fn rank(kind: Option<ReceiptKind>) -> u8 {
    match kind {
        None => 0,
        Some(ReceiptKind::Delivered) => 1,
        Some(ReceiptKind::Read) => 2,
    }
}

impl Client {
    /// Tells the sender that `mid` reached this device.
    pub fn mark_delivered(
        &mut self,
        now: Millis,
        mid: MessageId,
    ) -> Result<RequestId, CommandError> {
        self.receipt(now, ReceiptKind::Delivered, mid)
    }

    /// Tells the sender that this user read `mid`. Does not change unread
    /// counts; [`Client::mark_conversation_read`] does.
    pub fn mark_read(&mut self, now: Millis, mid: MessageId) -> Result<RequestId, CommandError> {
        self.receipt(now, ReceiptKind::Read, mid)
    }

    fn receipt(
        &mut self,
        now: Millis,
        kind: ReceiptKind,
        mid: MessageId,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::Receipt>(now, |id| Receipt { id, kind, mid })
    }

    /// Marks a conversation read up to its newest message known here. The
    /// unread count becomes 0 on every device of the user, this one included,
    /// when the server's `conv_read` notice arrives (a round trip), so the
    /// local count never shows a read the server did not record; the peer is
    /// told too.
    pub fn mark_conversation_read(
        &mut self,
        now: Millis,
        conv: Conversation,
    ) -> Result<RequestId, CommandError> {
        let upto = self.mirror.newest(&conv);
        self.request::<requests::ConvRead>(now, |id| ConvRead { id, conv, upto })
    }

    /// Sends a group read ack for a message sent with `group_ack`.
    pub fn send_group_read(
        &mut self,
        now: Millis,
        mid: MessageId,
        content: Option<String>,
    ) -> Result<RequestId, CommandError> {
        self.request::<requests::GroupRead>(now, |id| GroupRead { id, mid, content })
    }

    /// Asks who has read a `group_ack` message; ends in
    /// [`super::Outcome::ReadBy`].
    pub fn read_by(&mut self, now: Millis, mid: MessageId) -> Result<RequestId, CommandError> {
        self.request::<requests::ReadBy>(now, |id| MessageRef { id, mid })
    }

    /// The receipt status of one of this user's messages, if remembered.
    pub fn receipt_status(&self, mid: MessageId) -> Option<ReceiptKind> {
        self.own.get(&mid).and_then(|o| o.receipt)
    }

    /// The group read count of one of this user's messages, if remembered.
    pub fn group_read_count(&self, mid: MessageId) -> Option<u32> {
        self.own.get(&mid).map(|o| o.group_reads)
    }

    pub(crate) fn on_receipt(&mut self, r: ReceiptNotice) {
        if let Some(own) = self.own.get_mut(&r.mid) {
            if rank(Some(r.kind)) <= rank(own.receipt) {
                return;
            }
            own.receipt = Some(r.kind);
        }
        self.events.push_back(Event::Receipt(r));
    }

    pub(crate) fn on_group_read(&mut self, n: GroupReadNotice) {
        if let Some(own) = self.own.get_mut(&n.mid) {
            if n.count <= own.group_reads {
                return;
            }
            own.group_reads = n.count;
        }
        self.events.push_back(Event::GroupReadCount(n));
    }

    pub(crate) fn on_read_summary(&mut self, s: ReadSummary) {
        for item in &s.items {
            if let Some(own) = self.own.get_mut(&item.mid) {
                own.group_reads = own.group_reads.max(item.count);
            }
        }
        self.events.push_back(Event::ReadSummary(s));
    }
}

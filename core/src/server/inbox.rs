//! A user's inbox in memory: the events still held, oldest first, and the
//! position of the oldest. Positions follow each other (an inbox only
//! grows at its back and loses its front), so no event keeps its own: an
//! event takes 16 bytes, not 24, and the oldest position is known without
//! reading the oldest event.

use super::state::InboxEvent;
use crate::ids::Seq;
use std::collections::VecDeque;

/// The events of one user's inbox and where they start.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inbox {
    /// The position of `events[0]` (meaningless while there is none).
    first: Seq,
    events: VecDeque<InboxEvent>,
}

impl Inbox {
    /// An inbox holding `events` at `first`, `first + 1`, ...
    pub(crate) fn from_parts(first: Seq, events: VecDeque<InboxEvent>) -> Self {
        Inbox { first, events }
    }

    /// Appends `event` as the event at `seq`, the newest, and drops the
    /// oldest beyond `limit`. The positions held are numbered back from
    /// `seq`.
    pub(crate) fn push(&mut self, seq: Seq, event: InboxEvent, limit: usize) {
        self.events.push_back(event);
        while self.events.len() > limit {
            self.events.pop_front();
        }
        let older = u64::try_from(self.events.len().saturating_sub(1)).unwrap_or(u64::MAX);
        self.first = Seq(seq.0.saturating_sub(older));
    }

    /// The position of the oldest event held, if any.
    pub(crate) fn first(&self) -> Option<Seq> {
        (!self.events.is_empty()).then_some(self.first)
    }

    /// The position of the newest event held, if any.
    pub(crate) fn last(&self) -> Option<Seq> {
        let newer = u64::try_from(self.events.len()).ok()?.checked_sub(1)?;
        self.first.0.checked_add(newer).map(Seq)
    }

    /// The events from position `from` on (all of them if `from` is older
    /// than the oldest), with their positions.
    pub(crate) fn from(&self, from: Seq) -> impl Iterator<Item = (Seq, &InboxEvent)> {
        let skip = usize::try_from(from.0.saturating_sub(self.first.0)).unwrap_or(usize::MAX);
        let first = self.first.0;
        self.events
            .iter()
            .enumerate()
            .skip(skip)
            .map(move |(i, event)| {
                // An inbox read from a checkpoint ends at a position that
                // exists (`inbox_form` refuses one past 2^64), so this
                // never saturates.
                let at = u64::try_from(i).map_or(u64::MAX, |i| first.saturating_add(i));
                (Seq(at), event)
            })
    }

    /// Every event held, oldest first, with its position.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Seq, &InboxEvent)> {
        self.from(self.first)
    }

    /// The events, oldest first.
    pub(crate) fn events(&self) -> &VecDeque<InboxEvent> {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MessageId;

    fn msg(n: u64) -> InboxEvent {
        InboxEvent::Msg(MessageId(n))
    }

    fn mids<'a>(events: impl Iterator<Item = (Seq, &'a InboxEvent)>) -> Vec<(u64, u64)> {
        events
            .map(|(s, e)| match e {
                InboxEvent::Msg(m) => (s.0, m.0),
                _ => (s.0, 0),
            })
            .collect()
    }

    #[test]
    fn positions_count_back_from_the_newest_and_the_oldest_go_beyond_the_limit() {
        let mut inbox = Inbox::default();
        assert_eq!((inbox.first(), inbox.last()), (None, None));
        for n in 1..=5 {
            inbox.push(Seq(n), msg(10 + n), 3);
        }
        assert_eq!((inbox.first(), inbox.last()), (Some(Seq(3)), Some(Seq(5))));
        assert_eq!(mids(inbox.iter()), [(3, 13), (4, 14), (5, 15)]);
        assert_eq!(mids(inbox.from(Seq(4))), [(4, 14), (5, 15)]);
        assert_eq!(mids(inbox.from(Seq(1))), [(3, 13), (4, 14), (5, 15)]);
        assert_eq!(mids(inbox.from(Seq(9))), []);
    }
}

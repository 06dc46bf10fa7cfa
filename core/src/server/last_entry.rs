//! The newest entry of a conversation or thread, as the state keeps it.

use crate::ids::{MessageId, UserId};
use crate::message::{Entry, Message, Tombstone};
use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A conversation's or a thread's newest entry: the stored message itself,
/// shared with the store and every frame (storing a message allocates
/// nothing here), or the tombstone that replaced it when it was recalled.
/// Two words. Serialized as the [`Entry`] it stands for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "Entry", from = "Entry")]
pub(crate) enum LastEntry {
    Message(Arc<Message>),
    Tombstone(Box<Tombstone>),
}

impl LastEntry {
    /// The id of the message it stands for.
    pub(crate) fn mid(&self) -> MessageId {
        match self {
            LastEntry::Message(m) => m.mid,
            LastEntry::Tombstone(t) => t.mid,
        }
    }

    /// The entry as frames carry it.
    pub(crate) fn entry(&self) -> Entry {
        self.clone().into()
    }

    /// Message `mid` was recalled by `by` at `at`: if `last` is that
    /// message, it becomes its tombstone.
    pub(crate) fn recall(last: &mut Option<LastEntry>, mid: MessageId, by: &UserId, at: Millis) {
        if let Some(LastEntry::Message(m)) = last
            && m.mid == mid
        {
            *last = Some(LastEntry::Tombstone(Box::new(Tombstone {
                mid,
                from: m.from.clone(),
                to: m.to.clone(),
                ts: m.ts,
                recalled_by: by.clone(),
                recalled_at: at,
            })));
        }
    }
}

impl From<Entry> for LastEntry {
    fn from(entry: Entry) -> Self {
        match entry {
            Entry::Message(m) => LastEntry::Message(m),
            Entry::Tombstone(t) => LastEntry::Tombstone(Box::new(t)),
        }
    }
}

impl From<LastEntry> for Entry {
    fn from(last: LastEntry) -> Self {
        match last {
            LastEntry::Message(m) => Entry::Message(m),
            LastEntry::Tombstone(t) => Entry::Tombstone(*t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::message::Conversation;

    fn message() -> Arc<Message> {
        let user = |s: &str| UserId::new(s).expect("valid");
        Arc::new(Message::new(
            MessageId(7),
            user("alice"),
            Conversation::Single(user("bob")),
            Millis(1),
            Body::Text { text: "hi".into() },
        ))
    }

    /// Kept in a checkpoint exactly as the `Arc<Entry>` it replaced, and
    /// read back from one.
    #[test]
    fn serializes_as_the_entry_it_stands_for() {
        let mut last = Some(LastEntry::Message(message()));
        for _ in 0..2 {
            let entry = last.as_ref().map(LastEntry::entry);
            let json = serde_json::to_string(&last).expect("serializes");
            assert_eq!(
                json,
                serde_json::to_string(&entry.map(Arc::new)).expect("serializes")
            );
            let back: Option<LastEntry> = serde_json::from_str(&json).expect("reads");
            assert_eq!(back, last);
            LastEntry::recall(
                &mut last,
                MessageId(7),
                &UserId::new("alice").expect("valid"),
                Millis(5),
            );
        }
        assert!(matches!(last, Some(LastEntry::Tombstone(ref t)) if t.recalled_at == Millis(5)));
    }

    /// A recall of another message leaves the last entry alone.
    #[test]
    fn a_recall_of_another_message_changes_nothing() {
        let mut last = Some(LastEntry::Message(message()));
        LastEntry::recall(
            &mut last,
            MessageId(8),
            &UserId::new("bob").expect("valid"),
            Millis(5),
        );
        assert_eq!(last.as_ref().map(LastEntry::mid), Some(MessageId(7)));
        assert!(matches!(last, Some(LastEntry::Message(_))));
    }
}

//! A user's inbox as a checkpoint keeps it (format version 2): the first
//! event's position and the events in order, a message event as its bare
//! id (`{"first":7,"events":[12,13,{"Receipt":{…}}]}`). Positions follow
//! each other (an inbox only grows at its back and loses its front), so
//! they are not written per event, and most events are messages: an
//! inbox of 10,000 messages takes about 60 KB, not 240 KB.
//!
//! Version 1 wrote `[[seq, event], …]`; that form is still read.

use super::inbox::Inbox;
use super::state::InboxEvent;
use crate::ids::{MessageId, Seq};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;

/// One event as written: a message's id, or any other event.
#[derive(Deserialize)]
#[serde(untagged)]
enum Written {
    Msg(u64),
    Other(InboxEvent),
}

/// The events, written as [`Written`].
struct Events<'a>(&'a VecDeque<InboxEvent>);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for event in self.0 {
            match event {
                InboxEvent::Msg(mid) => seq.serialize_element(&mid.0)?,
                other => seq.serialize_element(other)?,
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Compact<'a> {
    first: Seq,
    events: Events<'a>,
}

/// Writes the inbox in the compact form.
pub(crate) fn serialize<S: Serializer>(inbox: &Inbox, serializer: S) -> Result<S::Ok, S::Error> {
    Compact {
        first: inbox.first().unwrap_or(Seq(0)),
        events: Events(inbox.events()),
    }
    .serialize(serializer)
}

/// Reads either form.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Inbox, D::Error> {
    deserializer.deserialize_any(InboxVisitor)
}

struct InboxVisitor;

impl<'de> Visitor<'de> for InboxVisitor {
    type Value = Inbox;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an inbox: {\"first\":…,\"events\":[…]} or [[seq, event], …]")
    }

    /// Version 1: `[seq, event]` pairs, whose positions must follow each
    /// other (as every build wrote them).
    fn visit_seq<A: SeqAccess<'de>>(self, mut pairs: A) -> Result<Self::Value, A::Error> {
        let mut first = None;
        let mut events = VecDeque::new();
        while let Some((seq, event)) = pairs.next_element::<(Seq, InboxEvent)>()? {
            let first = *first.get_or_insert(seq);
            let expected = u64::try_from(events.len())
                .ok()
                .and_then(|n| first.0.checked_add(n));
            if expected != Some(seq.0) {
                return Err(de::Error::custom(format_args!(
                    "inbox position {} where {} follows",
                    seq.0,
                    expected.map_or_else(|| "nothing".to_owned(), |e| e.to_string())
                )));
            }
            events.push_back(event);
        }
        Ok(Inbox::from_parts(first.unwrap_or(Seq(0)), events))
    }

    /// Version 2: the first position and the events.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut first = None;
        let mut events: Option<Vec<Written>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "first" => first = Some(map.next_value::<Seq>()?),
                "events" => events = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let first = first.ok_or_else(|| de::Error::missing_field("first"))?;
        let events = events.ok_or_else(|| de::Error::missing_field("events"))?;
        let newer = u64::try_from(events.len().saturating_sub(1)).unwrap_or(u64::MAX);
        if first.0.checked_add(newer).is_none() {
            return Err(de::Error::custom("inbox positions beyond 2^64"));
        }
        let events = events
            .into_iter()
            .map(|written| match written {
                Written::Msg(mid) => InboxEvent::Msg(MessageId(mid)),
                Written::Other(event) => event,
            })
            .collect();
        Ok(Inbox::from_parts(first, events))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::frame::server::ReceiptNotice;
    use crate::ids::UserId;

    #[derive(Serialize, Deserialize)]
    struct Holder {
        #[serde(with = "super")]
        inbox: Inbox,
    }

    fn receipt() -> InboxEvent {
        InboxEvent::Receipt(Box::new(ReceiptNotice {
            seq: None,
            kind: crate::frame::client::ReceiptKind::Read,
            mid: MessageId(3),
            by: UserId::new("bob").unwrap(),
            ts: crate::Millis(5),
        }))
    }

    fn positions_and_json(inbox: &Inbox) -> Vec<(u64, String)> {
        inbox
            .iter()
            .map(|(s, e)| (s.0, serde_json::to_string(e).unwrap()))
            .collect()
    }

    fn inbox(first: u64, events: Vec<InboxEvent>) -> Inbox {
        Inbox::from_parts(Seq(first), events.into())
    }

    #[test]
    fn messages_are_bare_ids_and_positions_follow_the_first() {
        let inbox = inbox(
            7,
            vec![
                InboxEvent::Msg(MessageId(12)),
                receipt(),
                InboxEvent::Msg(MessageId(13)),
            ],
        );
        let json = serde_json::to_string(&Holder {
            inbox: inbox.clone(),
        })
        .unwrap();
        assert!(
            json.starts_with(r#"{"inbox":{"first":7,"events":[12,{"Receipt":"#),
            "{json}"
        );
        assert!(json.ends_with(r#"},13]}}"#), "{json}");
        let back: Holder = serde_json::from_str(&json).unwrap();
        assert_eq!(positions_and_json(&back.inbox), positions_and_json(&inbox));
        let empty = serde_json::to_string(&Holder {
            inbox: Inbox::default(),
        })
        .unwrap();
        assert_eq!(empty, r#"{"inbox":{"first":0,"events":[]}}"#);
        let back: Holder = serde_json::from_str(&empty).unwrap();
        assert!(back.inbox.iter().next().is_none());
    }

    #[test]
    fn the_pairs_of_version_1_are_read() {
        let v1 = r#"{"inbox":[[7,{"Msg":"12"}],[8,{"Msg":"13"}]]}"#;
        let back: Holder = serde_json::from_str(v1).unwrap();
        let want = inbox(
            7,
            vec![
                InboxEvent::Msg(MessageId(12)),
                InboxEvent::Msg(MessageId(13)),
            ],
        );
        assert_eq!(positions_and_json(&back.inbox), positions_and_json(&want));
    }

    #[test]
    fn positions_that_do_not_follow_each_other_or_run_past_2_64_are_refused() {
        let refusal = |json| {
            serde_json::from_str::<Holder>(json)
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(
            refusal(r#"{"inbox":[[7,{"Msg":"12"}],[9,{"Msg":"13"}]]}"#).as_deref(),
            Some("inbox position 9 where 8 follows at line 1 column 44")
        );
        assert_eq!(
            refusal(r#"{"inbox":{"first":18446744073709551615,"events":[1,2]}}"#).as_deref(),
            Some("inbox positions beyond 2^64 at line 1 column 54")
        );
        let last = r#"{"inbox":{"first":18446744073709551615,"events":[1]}}"#;
        let back: Holder = serde_json::from_str(last).unwrap();
        assert_eq!(back.inbox.last(), Some(Seq(u64::MAX)));
        assert_eq!(positions_and_json(&back.inbox).len(), 1);
    }
}

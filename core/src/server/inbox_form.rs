//! A user's inbox as a checkpoint keeps it (format version 2): the first
//! event's position and the events in order, a message event as its bare
//! id (`{"first":7,"events":[12,13,{"Receipt":{…}}]}`). Positions follow
//! each other (an inbox only grows at its back and loses its front), so
//! they are not written per event, and most events are messages: an
//! inbox of 10,000 messages takes about 60 KB, not 240 KB.
//!
//! Version 1 wrote `[[seq, event], …]`; that form is still read.

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
struct Events<'a>(&'a VecDeque<(Seq, InboxEvent)>);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (_, event) in self.0 {
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
pub(crate) fn serialize<S: Serializer>(
    inbox: &VecDeque<(Seq, InboxEvent)>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    Compact {
        first: inbox.front().map_or(Seq(0), |(s, _)| *s),
        events: Events(inbox),
    }
    .serialize(serializer)
}

/// Reads either form.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<VecDeque<(Seq, InboxEvent)>, D::Error> {
    deserializer.deserialize_any(InboxVisitor)
}

struct InboxVisitor;

impl<'de> Visitor<'de> for InboxVisitor {
    type Value = VecDeque<(Seq, InboxEvent)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an inbox: {\"first\":…,\"events\":[…]} or [[seq, event], …]")
    }

    /// Version 1: `[seq, event]` pairs.
    fn visit_seq<A: SeqAccess<'de>>(self, mut pairs: A) -> Result<Self::Value, A::Error> {
        let mut inbox = VecDeque::new();
        while let Some(pair) = pairs.next_element::<(Seq, InboxEvent)>()? {
            inbox.push_back(pair);
        }
        Ok(inbox)
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
        let mut seq = first;
        let mut inbox = VecDeque::with_capacity(events.len());
        for written in events {
            let event = match written {
                Written::Msg(mid) => InboxEvent::Msg(MessageId(mid)),
                Written::Other(event) => event,
            };
            inbox.push_back((seq, event));
            seq = seq.next();
        }
        Ok(inbox)
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
        inbox: VecDeque<(Seq, InboxEvent)>,
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

    fn positions_and_json(inbox: &VecDeque<(Seq, InboxEvent)>) -> Vec<(u64, String)> {
        inbox
            .iter()
            .map(|(s, e)| (s.0, serde_json::to_string(e).unwrap()))
            .collect()
    }

    #[test]
    fn messages_are_bare_ids_and_positions_follow_the_first() {
        let inbox: VecDeque<_> = [
            (Seq(7), InboxEvent::Msg(MessageId(12))),
            (Seq(8), receipt()),
            (Seq(9), InboxEvent::Msg(MessageId(13))),
        ]
        .into();
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
            inbox: VecDeque::new(),
        })
        .unwrap();
        assert_eq!(empty, r#"{"inbox":{"first":0,"events":[]}}"#);
        let back: Holder = serde_json::from_str(&empty).unwrap();
        assert!(back.inbox.is_empty());
    }

    #[test]
    fn the_pairs_of_version_1_are_read() {
        let v1 = r#"{"inbox":[[7,{"Msg":"12"}],[8,{"Msg":"13"}]]}"#;
        let back: Holder = serde_json::from_str(v1).unwrap();
        let want: VecDeque<_> = [
            (Seq(7), InboxEvent::Msg(MessageId(12))),
            (Seq(8), InboxEvent::Msg(MessageId(13))),
        ]
        .into();
        assert_eq!(positions_and_json(&back.inbox), positions_and_json(&want));
    }
}

//! Encode once: a message's JSON, encoded the first time a frame or a row
//! carrying it is written and reused by every other (each recipient's
//! delivery, each of their devices, the sender's own copy, the store's
//! row). A fan-out to N members encodes the message once, not N times.
//!
//! The cache serves the hand-written writers ([`crate::json_write`]), which
//! splice the text in. serde's `Serialize` of a message ignores it, so that
//! any serializer, JSON or not, sees the message's own fields.

use crate::body::Body;
use crate::message::Message;
use std::sync::OnceLock;

/// The buffer the encoding of a message other than text starts with, in
/// bytes.
const MESSAGE_CAPACITY: usize = 192;

/// Spare bytes a message's encoding keeps rather than be reallocated to
/// its length: more than the numbers of a text message leave over.
const SPARE_BYTES: usize = 48;

/// The cached JSON of a [`Message`]. Not part of the message's value: a
/// clone starts empty (a clone may be changed), equality ignores it, and
/// it is never serialized itself.
#[derive(Default)]
pub(crate) struct JsonCache(OnceLock<Vec<u8>>);

impl Clone for JsonCache {
    fn clone(&self) -> Self {
        JsonCache::default()
    }
}

impl PartialEq for JsonCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for JsonCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "JsonCache(encoded)"
        } else {
            "JsonCache(empty)"
        })
    }
}

impl Message {
    /// The message as JSON text, encoded on the first call only. A message
    /// is shared (`Arc`) once stored and never changed after, so the cache
    /// never goes stale.
    pub(crate) fn json(&self) -> Result<&[u8], serde_json::Error> {
        if let Some(json) = self.json.0.get() {
            return Ok(json);
        }
        let mut json = Vec::with_capacity(self.json_capacity());
        self.write_json(&mut json)?;
        // A shrink is a reallocation, a fifth of the encoding's cost: a
        // buffer sized nearly right keeps its few spare bytes.
        if json.capacity() - json.len() > SPARE_BYTES {
            json.shrink_to_fit();
        }
        Ok(self.json.0.get_or_init(|| json))
    }

    /// A buffer a message's JSON fits in: for a text or emoji message with
    /// no escapes and no optional fields, its length and at most 50 bytes
    /// more (its numbers counted at their longest, a `req` and the longest
    /// chat name counted when absent or shorter); a first guess for any
    /// other.
    fn json_capacity(&self) -> usize {
        /// Every byte of a text message but its strings and numbers.
        const FIXED: usize = r#"{"mid":"","from":"","to":{"chat":"single","id":""},"ts":,"req":"","body":{"type":"emoji","text":""}}"#.len();
        /// Two numbers (`mid`, `ts`) at their longest.
        const DIGITS: usize = 2 * 20;
        let strings = self.from.as_str().len()
            + self.to.id_str().len()
            + self.req.as_ref().map_or(0, |r| r.as_str().len());
        match &self.body {
            Body::Text { text } | Body::Emoji { text } => FIXED + DIGITS + strings + text.len(),
            _ => MESSAGE_CAPACITY,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::Codec;
    use crate::body::Body;
    use crate::frame::ServerFrame;
    use crate::frame::server::Delivery;
    use crate::ids::{MessageId, UserId};
    use crate::message::{Conversation, Message};
    use crate::time::Millis;
    use std::sync::Arc;

    fn message() -> Message {
        let alice = UserId::new("alice").unwrap();
        let bob = UserId::new("bob").unwrap();
        Message::new(
            MessageId(7),
            alice,
            Conversation::Single(bob),
            Millis(1),
            Body::Text { text: "hi".into() },
        )
    }

    #[test]
    fn every_delivery_of_a_message_reuses_its_first_encoding() {
        let msg = Arc::new(message());
        let plain = serde_json::to_string(&*msg).unwrap();
        assert_eq!(format!("{:?}", msg.json), "JsonCache(empty)");
        let mut one = Delivery::new(Arc::clone(&msg));
        one.seq = Some(crate::Seq(1));
        let codec = Codec::default();
        let frame = codec.encode_text(&ServerFrame::Msg(one)).unwrap();
        assert_eq!(format!("{:?}", msg.json), "JsonCache(encoded)");
        assert!(frame.contains(&format!(r#""msg":{plain}"#)), "{frame}");
        // The same pointer: the second frame took the cached text.
        let first: *const [u8] = msg.json().unwrap();
        let again: *const [u8] = msg.json().unwrap();
        assert_eq!(first, again);
        let decoded: ServerFrame = codec.decode(frame.as_bytes()).unwrap();
        match decoded {
            ServerFrame::Msg(d) => assert_eq!(*d.msg, *msg),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_clone_does_not_carry_the_cache_so_changing_it_is_safe() {
        let msg = message();
        msg.json().unwrap();
        let mut changed = msg.clone();
        assert_eq!(format!("{:?}", changed.json), "JsonCache(empty)");
        changed.ts = Millis(2);
        let text = |m: &Message| String::from_utf8(m.json().unwrap().to_vec()).unwrap();
        assert!(text(&changed).contains(r#""ts":2"#));
        assert!(text(&msg).contains(r#""ts":1"#));
        // Equality is the message's, whatever is cached.
        assert_eq!(msg, msg.clone());
    }
}

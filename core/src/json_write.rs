//! Hand-written JSON for the frames of the send path: a message, its
//! delivery (`msg`), the sender's answer (`sent`) and the store's row.
//!
//! serde_json writes each key and string through a general escaping loop
//! with a buffer check per fragment; on a small text send that was a third
//! of the codec's work. These writers produce the very bytes serde_json
//! produces (the tests compare the two on generated input), so a peer
//! cannot tell them apart. Everything else, and any part of these frames
//! that is not plain (a non-text body, `ext`, a priority), goes through
//! serde_json.

use crate::body::Body;
use crate::frame::server::{Delivery, Sent};
use crate::message::{Conversation, Message};
use crate::server::StoredMessage;
use serde::Serialize;

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes:
/// `"` and `\`, and the control characters below U+0020 (the five with a
/// short form as `\b \t \n \f \r`, the rest as `\u00xx`).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let Some(first) = first_to_escape(bytes) else {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    };
    let mut plain = 0;
    for (i, &byte) in bytes.iter().enumerate().skip(first) {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            put(out, "\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            put(out, escape);
        }
        plain = i + 1;
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

/// Appends an identifier as a JSON string. An id's syntax (`ids`: ASCII
/// letters, digits and `_ - . @ :`) holds no character JSON escapes, so it
/// is copied as it is, with no scan.
fn write_id(out: &mut Vec<u8>, id: &str) {
    debug_assert_eq!(first_to_escape(id.as_bytes()), None, "{id:?}");
    out.push(b'"');
    out.extend_from_slice(id.as_bytes());
    out.push(b'"');
}

/// The index of the first byte of a JSON string's contents that must be
/// escaped (`"`, `\` or a control character below U+0020), eight bytes
/// at a time.
pub(crate) fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below `n` (n <= 128) sets its high bit in `(w - n*ONES) & !w`;
    // as a test of the whole word it is exact.
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let is_special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let found = below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1);
        if found != 0
            && let Some(i) = chunk.iter().position(|&b| is_special(b))
        {
            return Some(offset + i);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| is_special(b)).map(|i| offset + i)
}

/// Appends text that is already JSON (or part of it).
fn put(out: &mut Vec<u8>, json: &str) {
    out.extend_from_slice(json.as_bytes());
}

/// Appends a JSON number.
fn write_u64(out: &mut Vec<u8>, n: u64) {
    put(out, itoa::Buffer::new().format(n));
}

/// Appends a message id: its decimal digits as a JSON string (PROTOCOL §2).
fn write_mid(out: &mut Vec<u8>, mid: u64) {
    out.push(b'"');
    write_u64(out, mid);
    out.push(b'"');
}

/// Appends any value through serde_json: the parts of these frames that are
/// rare or nested too deep to be worth writing by hand.
fn write_serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    serde_json::to_writer(out, value)
}

impl Conversation {
    fn write_json(&self, out: &mut Vec<u8>) {
        put(out, "{\"chat\":\"");
        put(out, self.chat());
        put(out, "\",\"id\":");
        write_id(out, self.id_str());
        out.push(b'}');
    }
}

impl Body {
    fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let (kind, text) = match self {
            Body::Text { text } => ("{\"type\":\"text\",\"text\":", text),
            Body::Emoji { text } => ("{\"type\":\"emoji\",\"text\":", text),
            other => return write_serde(out, other),
        };
        put(out, kind);
        write_str(out, text);
        out.push(b'}');
        Ok(())
    }
}

impl Message {
    /// Appends the message's JSON, field for field as its `Serialize`.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        put(out, "{\"mid\":");
        write_mid(out, self.mid.0);
        put(out, ",\"from\":");
        write_id(out, self.from.as_str());
        put(out, ",\"to\":");
        self.to.write_json(out);
        put(out, ",\"ts\":");
        write_u64(out, self.ts.0);
        if let Some(req) = &self.req {
            put(out, ",\"req\":");
            write_id(out, req.as_str());
        }
        put(out, ",\"body\":");
        self.body.write_json(out)?;
        if !self.ext.is_empty() {
            put(out, ",\"ext\":");
            write_serde(out, &self.ext)?;
        }
        if !self.priority.is_normal() {
            put(out, ",\"priority\":");
            write_serde(out, &self.priority)?;
        }
        if self.online_only {
            put(out, ",\"online_only\":true");
        }
        if self.group_ack {
            put(out, ",\"group_ack\":true");
        }
        out.push(b'}');
        Ok(())
    }
}

impl Delivery {
    /// Appends the whole `msg` frame; the message is its cached JSON. The
    /// buffer is grown once, to the frame's exact length, so that a frame
    /// written into an empty one becomes `Bytes` with no copy and no
    /// separate header.
    pub(crate) fn write_frame(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        const FIXED: usize = r#"{"type":"msg","msg":}"#.len();
        const SEQ_FIXED: usize = r#""seq":,"#.len();
        let json = self.msg.json()?;
        let mut digits = itoa::Buffer::new();
        let seq = self.seq.map(|seq| digits.format(seq.0));
        out.reserve_exact(FIXED + seq.map_or(0, |s| SEQ_FIXED + s.len()) + json.len());
        put(out, "{\"type\":\"msg\",");
        if let Some(seq) = seq {
            put(out, "\"seq\":");
            put(out, seq);
            out.push(b',');
        }
        put(out, "\"msg\":");
        out.extend_from_slice(json);
        out.push(b'}');
        Ok(())
    }
}

impl Sent {
    /// Appends the whole `sent` frame, growing the buffer once to its
    /// exact length (ids never need escaping).
    pub(crate) fn write_frame(&self, out: &mut Vec<u8>) {
        const FIXED: usize = r#"{"type":"sent","id":"","mid":"","ts":}"#.len();
        const SEQ: &str = ",\"seq\":";
        let (mut mid, mut ts, mut seq) = (
            itoa::Buffer::new(),
            itoa::Buffer::new(),
            itoa::Buffer::new(),
        );
        let (id, mid, ts) = (
            self.id.as_str(),
            mid.format(self.mid.0),
            ts.format(self.ts.0),
        );
        let seq = self.seq.map(|s| seq.format(s.0));
        let seq_len = seq.map_or(0, |s| SEQ.len() + s.len());
        out.reserve_exact(FIXED + id.len() + mid.len() + ts.len() + seq_len);
        put(out, "{\"type\":\"sent\",\"id\":");
        write_id(out, id);
        put(out, ",\"mid\":\"");
        put(out, mid);
        put(out, "\",\"ts\":");
        put(out, ts);
        if let Some(seq) = seq {
            put(out, SEQ);
            put(out, seq);
        }
        out.push(b'}');
    }
}

impl StoredMessage {
    /// Appends the row's JSON, the same text its `Serialize` gives through
    /// serde_json, with the message's encoding shared with its frames.
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        put(out, "{\"msg\":");
        out.extend_from_slice(self.msg.json()?);
        if let Some(recalled) = &self.recalled {
            put(out, ",\"recalled\":");
            write_serde(out, recalled)?;
        }
        if !self.readers.is_empty() {
            put(out, ",\"readers\":");
            write_serde(out, &self.readers)?;
        }
        out.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{first_to_escape, write_str};
    use crate::Codec;
    use crate::body::Body;
    use crate::frame::server::{Delivery, Reader, Sent};
    use crate::frame::{ServerFrame, WireFrame};
    use crate::ids::{GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
    use crate::message::{Conversation, Ext, Message, Priority};
    use crate::server::StoredMessage;
    use crate::server::store::Recall;
    use crate::time::Millis;
    use proptest::prelude::*;
    use std::sync::Arc;

    /// Text with every kind of character serde_json escapes, and others.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[a-z \"\\\\\u{0}-\u{1f}\u{7f}é😀]{0,24}",]
    }

    fn id() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_.@:-]{1,16}"
    }

    fn conversation() -> impl Strategy<Value = Conversation> {
        (0..4u8, id()).prop_map(|(chat, id)| match chat {
            0 => Conversation::Single(UserId::new(id).unwrap()),
            1 => Conversation::Group(GroupId::new(id).unwrap()),
            2 => Conversation::Room(GroupId::new(id).unwrap()),
            _ => Conversation::Thread(ThreadId::new(id).unwrap()),
        })
    }

    fn body() -> impl Strategy<Value = Body> {
        prop_oneof![
            text().prop_map(|text| Body::Text { text }),
            text().prop_map(|text| Body::Emoji { text }),
            (any::<u32>(), text()).prop_map(|(index, data)| Body::Face { index, data }),
            text().prop_map(|action| Body::Command { action }),
        ]
    }

    fn ext() -> impl Strategy<Value = Ext> {
        proptest::collection::btree_map(text(), text(), 0..3).prop_map(|map| {
            Ext(map
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect())
        })
    }

    fn message() -> impl Strategy<Value = Message> {
        let priority = prop_oneof![
            Just(Priority::High),
            Just(Priority::Normal),
            Just(Priority::Low),
            Just(Priority::Lowest),
        ];
        (
            (any::<u64>(), id(), conversation(), any::<u64>()),
            (proptest::option::of(id()), body(), ext(), priority),
            (any::<bool>(), any::<bool>()),
        )
            .prop_map(|((mid, from, to, ts), (req, body, ext, priority), flags)| {
                let from = UserId::new(from).unwrap();
                let mut msg = Message::new(MessageId(mid), from, to, Millis(ts), body);
                msg.req = req.map(|r| RequestId::new(r).unwrap());
                msg.ext = ext;
                msg.priority = priority;
                (msg.online_only, msg.group_ack) = flags;
                msg
            })
    }

    /// The codec's encoding of a frame is serde_json's, and the hand-written
    /// writer fills an empty buffer to exactly its capacity.
    fn encodes_as_serde(frame: &ServerFrame) -> Result<(), TestCaseError> {
        let encoded = Codec::new(usize::MAX).encode_text(frame).unwrap();
        prop_assert_eq!(&encoded, &serde_json::to_string(frame).unwrap());
        let mut out = Vec::new();
        frame.write_hot(&mut out).unwrap().unwrap();
        prop_assert_eq!(out.len(), out.capacity());
        Ok(())
    }

    proptest! {
        #[test]
        fn a_string_is_escaped_as_serde_json_escapes_it(s in text()) {
            let mut out = Vec::new();
            write_str(&mut out, &s);
            prop_assert_eq!(out, serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn the_word_scan_finds_the_first_byte_to_escape(s in text()) {
            let naive = s.bytes().position(|b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(first_to_escape(s.as_bytes()), naive);
        }

        #[test]
        fn a_message_is_written_as_serde_json_writes_it(msg in message()) {
            let mut out = Vec::new();
            msg.write_json(&mut out).unwrap();
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&msg).unwrap());
        }

        #[test]
        fn a_delivery_is_encoded_as_serde_json_writes_it(
            msg in message(),
            seq in proptest::option::of(any::<u64>()),
        ) {
            let mut delivery = Delivery::new(msg);
            delivery.seq = seq.map(Seq);
            encodes_as_serde(&ServerFrame::Msg(delivery))?;
        }

        #[test]
        fn a_sent_answer_is_encoded_as_serde_json_writes_it(
            id in id(),
            mid in any::<u64>(),
            ts in any::<u64>(),
            seq in proptest::option::of(any::<u64>()),
        ) {
            let mut sent = Sent::new(RequestId::new(id).unwrap(), MessageId(mid), Millis(ts));
            sent.seq = seq.map(Seq);
            encodes_as_serde(&ServerFrame::Sent(sent))?;
        }

        #[test]
        fn a_row_is_written_as_serde_json_writes_it(
            msg in message(),
            recalled in proptest::option::of((id(), any::<u64>())),
            readers in proptest::collection::vec((id(), any::<u64>(), proptest::option::of(text())), 0..3),
        ) {
            let mut row = StoredMessage::new(Arc::new(msg));
            row.recalled = recalled.map(|(by, at)| Recall { by: UserId::new(by).unwrap(), at: Millis(at) });
            row.readers = readers
                .into_iter()
                .map(|(user, ts, content)| {
                    let mut reader = Reader::new(UserId::new(user).unwrap(), Millis(ts));
                    reader.content = content;
                    reader
                })
                .collect();
            let mut out = Vec::new();
            row.write_json(&mut out).unwrap();
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&row).unwrap());
        }
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_on_the_hand_written_path_too() {
        let from = UserId::new("alice").unwrap();
        let to = Conversation::Single(UserId::new("bob").unwrap());
        let body = Body::Text {
            text: "x".repeat(100),
        };
        let msg = Message::new(MessageId(1), from, to, Millis(1), body);
        let frame = ServerFrame::Msg(Delivery::new(msg));
        let err = Codec::new(64).encode(&frame).unwrap_err();
        assert!(
            matches!(err, crate::EncodeError::TooLarge { max: 64, .. }),
            "{err}"
        );
    }
}

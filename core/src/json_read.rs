//! A hand-written reader for a `send` in the form this crate's codec
//! writes it (no whitespace, fields in declaration order, no optional
//! field, a text body, no escapes in any string): the frame a server reads
//! most. Anything else, including every malformed frame, is left to serde,
//! which reads it and names what is wrong; the reader never errs, it only
//! declines. The tests hold it to serde's result on generated input.

use crate::body::Body;
use crate::frame::client::Send;
use crate::ids::{GroupId, RequestId, ThreadId, UserId};
use crate::json_write::first_to_escape;
use crate::message::Conversation;

/// JSON text read from its start against the canonical form.
struct Canonical<'a> {
    rest: &'a str,
}

impl<'a> Canonical<'a> {
    /// Consumes `literal`, when the text goes on with it.
    fn literal(&mut self, literal: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(literal)?;
        Some(())
    }

    /// Consumes the rest of a string whose opening quote is read, and its
    /// closing quote: `None` when it holds an escape or a control character
    /// (which serde decodes or refuses) or does not end.
    fn plain_string(&mut self) -> Option<&'a str> {
        let bytes = self.rest.as_bytes();
        let end = first_to_escape(bytes)?;
        if bytes[end] != b'"' {
            return None;
        }
        // The quote is ASCII, so both cuts fall on character boundaries.
        let (string, rest) = (self.rest.get(..end)?, self.rest.get(end + 1..)?);
        self.rest = rest;
        Some(string)
    }
}

/// The `send` in `json` when it is in the canonical form with a text body
/// and valid ids; `None` for anything else.
pub(crate) fn read_send(json: &str) -> Option<Send> {
    let mut text = Canonical { rest: json };
    text.literal(r#"{"type":"send","id":""#)?;
    let id = RequestId::parse(text.plain_string()?).ok()?;
    text.literal(r#","to":{"chat":""#)?;
    let chat = text.plain_string()?;
    text.literal(r#","id":""#)?;
    let to = text.plain_string()?;
    let to = match chat {
        "single" => Conversation::Single(UserId::parse(to).ok()?),
        "group" => Conversation::Group(GroupId::parse(to).ok()?),
        "room" => Conversation::Room(GroupId::parse(to).ok()?),
        "thread" => Conversation::Thread(ThreadId::parse(to).ok()?),
        _ => return None,
    };
    text.literal(r#"},"body":{"type":"text","text":""#)?;
    let body = text.plain_string()?;
    text.literal("}}")?;
    if !text.rest.is_empty() {
        return None;
    }
    let body = Body::Text {
        text: body.to_owned(),
    };
    Some(Send::new(id, to, body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::read_send;
    use crate::frame::client::Send;
    use crate::frame::{ClientFrame, WireFrame};
    use crate::{Body, Codec, Conversation, Priority, RequestId, UserId};
    use proptest::prelude::*;

    /// A send in the canonical form, from its parts as raw JSON text.
    fn canonical(id: &str, chat: &str, to: &str, text: &str) -> String {
        format!(
            r#"{{"type":"send","id":"{id}","to":{{"chat":"{chat}","id":"{to}"}},"body":{{"type":"text","text":"{text}"}}}}"#
        )
    }

    /// Parts that are valid, invalid as ids, escaped, or not JSON at all.
    fn part() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9_.@:-]{1,8}",
            "[a-z \"\\\\\u{0}-\u{1f}é😀/]{0,8}",
            Just("single".to_owned()),
            Just("group".to_owned()),
            Just("room".to_owned()),
            Just("thread".to_owned()),
            "x{65}",
        ]
    }

    /// What serde makes of a whole `send` frame's text.
    fn by_serde(json: &str) -> Result<Send, serde_json::Error> {
        serde_json::from_str(json)
    }

    proptest! {
        #[test]
        fn the_reader_agrees_with_serde_whenever_it_reads(
            (id, chat, to, text) in (part(), part(), part(), part()),
            cut in any::<prop::sample::Index>(),
            insert in prop::option::of((any::<prop::sample::Index>(), "[ ,:{}\"\\\\a0]")),
        ) {
            let mut json = canonical(&id, &chat, &to, &text);
            if let Some((at, extra)) = insert {
                let at = at.index(json.len() + 1);
                if json.is_char_boundary(at) {
                    json.insert_str(at, &extra);
                }
            }
            for json in [json.clone(), json.chars().take(cut.index(json.chars().count() + 1)).collect()] {
                if let Some(fast) = read_send(&json) {
                    prop_assert_eq!(fast, by_serde(&json).unwrap());
                }
            }
        }

        #[test]
        fn the_reader_reads_every_plain_text_send_this_crate_encodes(
            (id, to, text) in ("[A-Za-z0-9_.@:-]{1,16}", "[A-Za-z0-9_.@:-]{1,16}", "[^\"\\\\\u{0}-\u{1f}]{0,40}"),
        ) {
            let to = Conversation::Single(UserId::new(to).unwrap());
            let send = Send::new(RequestId::new(id).unwrap(), to, Body::Text { text });
            let json = Codec::default().encode_text(&ClientFrame::Send(send.clone())).unwrap();
            prop_assert_eq!(read_send(&json), Some(send));
        }
    }

    #[test]
    fn a_send_with_more_than_the_plain_fields_is_left_to_serde() {
        let to = Conversation::Single(UserId::new("bob").unwrap());
        let mut send = Send::new(
            RequestId::new("r1").unwrap(),
            to,
            Body::Text { text: "hi".into() },
        );
        send.priority = Priority::High;
        let json = Codec::default()
            .encode_text(&ClientFrame::Send(send.clone()))
            .unwrap();
        assert_eq!(read_send(&json), None);
        assert_eq!(
            ClientFrame::decode_kind("send", &json).unwrap().unwrap(),
            ClientFrame::Send(send)
        );
    }

    #[test]
    fn a_frame_the_reader_declines_keeps_serdes_error() {
        let json = canonical("r1", "single", "b b", "hi");
        assert_eq!(read_send(&json), None);
        let err = Codec::default()
            .decode::<ClientFrame>(json.as_bytes())
            .unwrap_err();
        assert!(err.to_string().contains("user id"), "{err}");
    }
}

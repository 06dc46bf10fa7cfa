//! The frames on the send path, read and written by hand ([`crate::json_read`],
//! [`crate::json_write`]) rather than through serde: a `send` in the form
//! this crate writes it, and the `msg` and `sent` frames it causes. Every
//! other frame, and a `send` in any other form, goes through serde, which
//! stays the reference: the hand-written paths give exactly its results.

use crate::frame::{ClientFrame, ServerFrame};

/// A frame set whose most frequent frames have a hand-written codec.
pub(crate) trait HotFrame: Sized {
    /// The frame of type `kind` in `json`, when it is a hot frame in the
    /// exact form the hand-written reader knows; `None` for anything else
    /// (including every malformed frame), which serde then reads.
    fn read_hot(kind: &str, json: &str) -> Option<Self>;

    /// Appends the frame's JSON to `out` when it is one of the hot frames;
    /// `None` (and `out` untouched) for every other frame.
    fn write_hot(&self, out: &mut Vec<u8>) -> Option<Result<(), serde_json::Error>>;
}

impl HotFrame for ServerFrame {
    fn read_hot(_: &str, _: &str) -> Option<Self> {
        None
    }

    fn write_hot(&self, out: &mut Vec<u8>) -> Option<Result<(), serde_json::Error>> {
        match self {
            ServerFrame::Msg(delivery) => Some(delivery.write_frame(out)),
            ServerFrame::Sent(sent) => {
                sent.write_frame(out);
                Some(Ok(()))
            }
            _ => None,
        }
    }
}

impl HotFrame for ClientFrame {
    fn read_hot(kind: &str, json: &str) -> Option<Self> {
        match kind {
            "send" => crate::json_read::read_send(json).map(ClientFrame::Send),
            _ => None,
        }
    }

    fn write_hot(&self, _: &mut Vec<u8>) -> Option<Result<(), serde_json::Error>> {
        None
    }
}

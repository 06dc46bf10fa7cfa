//! Encoding and decoding frames, for message-oriented and byte-stream
//! transports.
//!
//! * Message transports (WebSocket): one frame per text message, the JSON
//!   object alone. [`Codec::encode`] and [`Codec::decode`].
//! * Byte streams (TCP, pipes, the in-memory test network): each frame is a
//!   4-byte big-endian length followed by that many bytes of JSON.
//!   [`Codec::encode_prefixed`] and [`StreamDecoder`], which decodes
//!   incrementally from input split at any byte.
//!
//! Every frame is at most [`Codec::max_frame`] bytes of JSON
//! ([`DEFAULT_MAX_FRAME`] unless configured). Nothing from the wire can make
//! the codec panic or allocate more than the frame limit: a frame over the
//! limit is refused from its length prefix and skipped without buffering.

use crate::error::{DecodeError, EncodeError};
use crate::frame::WireFrame;
use crate::ids::RequestId;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::Deserialize;
use std::borrow::Cow;

/// The default maximum size of one frame's JSON, in bytes (64 KiB).
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

/// The largest maximum a codec accepts (16 MiB); larger settings are clamped.
pub const MAX_FRAME_LIMIT: usize = 16 * 1024 * 1024;

/// The buffer a frame encoded through serde starts with, in bytes: most
/// frames fit (the hand-written ones size their own).
const ENCODE_CAPACITY: usize = 512;

/// Bytes of the length prefix on byte streams.
pub const PREFIX_LEN: usize = 4;

/// Encodes and decodes frames under one maximum frame size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Codec {
    max_frame: usize,
}

impl Default for Codec {
    fn default() -> Self {
        Codec {
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// The fields read before the frame's own type is known.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<IdField<'a>>,
}

/// The `id` of a frame that may be malformed: read when it is a string, so
/// that an error can name the request, and ignored otherwise.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdField<'a> {
    Str(#[serde(borrow)] Cow<'a, str>),
    Other(serde::de::IgnoredAny),
}

/// Reads the head of a frame whose type is not at its start.
fn head(json: &[u8]) -> Result<Head<'_>, DecodeError> {
    serde_json::from_slice(json).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::NoType,
        _ => syntax(&e),
    })
}

/// The request id of a bad frame, when it has a valid one (error path only).
fn request_id(json: &[u8]) -> Option<RequestId> {
    match serde_json::from_slice::<Head<'_>>(json).ok()?.id? {
        IdField::Str(s) => RequestId::new(s.as_ref()).ok(),
        IdField::Other(_) => None,
    }
}

/// Decodes the frame in `text`, of an accepted size.
fn decode_text<F: WireFrame>(text: &str) -> Result<F, DecodeError> {
    let json = text.as_bytes();
    // Fast path: frames written by this crate (and most others) start
    // with `{"type":"...` and need no separate pass to find their type.
    let kind = match canonical_kind(json) {
        Some(kind) => Cow::Borrowed(kind),
        None => head(json)?.kind,
    };
    match F::decode_kind(&kind, text) {
        None => Err(DecodeError::UnknownType {
            kind: kind.chars().take(64).collect(),
            id: request_id(json),
        }),
        Some(Ok(frame)) => Ok(frame),
        Some(Err((kind, e))) => Err(match e.classify() {
            serde_json::error::Category::Data => DecodeError::Invalid {
                kind,
                id: request_id(json),
                reason: e.to_string(),
            },
            _ => syntax(&e),
        }),
    }
}

/// The type of a frame that starts exactly with `{"type":"NAME"` where NAME
/// is lower-case letters and underscores; `None` for any other start.
fn canonical_kind(json: &[u8]) -> Option<&str> {
    const START: &[u8] = br#"{"type":""#;
    let rest = json.strip_prefix(START)?;
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_lowercase() || *b == b'_'))?;
    if rest.get(len) != Some(&b'"') || len == 0 {
        return None;
    }
    std::str::from_utf8(&rest[..len]).ok()
}

fn syntax(e: &serde_json::Error) -> DecodeError {
    DecodeError::Syntax {
        line: e.line(),
        column: e.column(),
        reason: e.to_string(),
    }
}

impl Codec {
    /// A codec with the given maximum frame size (clamped to
    /// 1..=[`MAX_FRAME_LIMIT`]).
    pub fn new(max_frame: usize) -> Self {
        Codec {
            max_frame: max_frame.clamp(1, MAX_FRAME_LIMIT),
        }
    }

    /// The maximum size of one frame's JSON, in bytes.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Encodes a frame as the JSON text of one WebSocket text message.
    pub fn encode<F: WireFrame>(&self, frame: &F) -> Result<Bytes, EncodeError> {
        self.encode_vec(frame).map(Bytes::from)
    }

    /// Encodes a frame as a `String`, for WebSocket libraries that take text.
    pub fn encode_text<F: WireFrame>(&self, frame: &F) -> Result<String, EncodeError> {
        String::from_utf8(self.encode_vec(frame)?).map_err(|e| EncodeError::Utf8(e.utf8_error()))
    }

    /// The frame's JSON: hand-written for the send path's frames, through
    /// serde for the rest (the same bytes either way).
    fn encode_vec<F: WireFrame>(&self, frame: &F) -> Result<Vec<u8>, EncodeError> {
        // A hot frame sizes the buffer itself, exactly; serde writes into
        // one sized for most frames (serde_json starts at 128 bytes).
        let mut json = Vec::new();
        match frame.write_hot(&mut json) {
            Some(written) => written?,
            None => {
                json.reserve(ENCODE_CAPACITY);
                serde_json::to_writer(&mut json, frame)?;
            }
        }
        if json.len() > self.max_frame {
            return Err(EncodeError::TooLarge {
                len: json.len(),
                max: self.max_frame,
            });
        }
        Ok(json)
    }

    /// Decodes one frame from the JSON text of a WebSocket message (or the
    /// payload of a length-prefixed frame).
    pub fn decode<F: WireFrame>(&self, json: &[u8]) -> Result<F, DecodeError> {
        self.check_size(json)?;
        let text = std::str::from_utf8(json).map_err(|e| DecodeError::NotUtf8 {
            valid_up_to: e.valid_up_to(),
        })?;
        decode_text(text)
    }

    /// Decodes one frame from text already known to be UTF-8, such as a
    /// WebSocket text message, which the WebSocket library has checked:
    /// [`Codec::decode`] without its UTF-8 check, with the same result.
    pub fn decode_str<F: WireFrame>(&self, json: &str) -> Result<F, DecodeError> {
        self.check_size(json.as_bytes())?;
        decode_text(json)
    }

    /// Refuses a frame over the limit, or empty.
    fn check_size(&self, json: &[u8]) -> Result<(), DecodeError> {
        if json.len() > self.max_frame {
            return Err(DecodeError::TooLarge {
                len: json.len(),
                max: self.max_frame,
            });
        }
        if json.is_empty() {
            return Err(DecodeError::Empty);
        }
        Ok(())
    }

    /// Appends a frame with its 4-byte big-endian length prefix to `dst`.
    /// On error `dst` is left as it was.
    pub fn encode_prefixed<F: WireFrame>(
        &self,
        frame: &F,
        dst: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        let json = self.encode_vec(frame)?;
        // The frame limit is at most MAX_FRAME_LIMIT, so the length fits.
        let len = u32::try_from(json.len()).map_err(|_| EncodeError::TooLarge {
            len: json.len(),
            max: self.max_frame,
        })?;
        dst.reserve(PREFIX_LEN + json.len());
        dst.put_u32(len);
        dst.extend_from_slice(&json);
        Ok(())
    }
}

/// Incremental decoder for length-prefixed frames on a byte stream.
///
/// Feed it the connection's read buffer: [`StreamDecoder::decode`] takes one
/// whole frame off the front when there is one, and leaves a partial frame in
/// place until more bytes arrive. A bad frame (malformed JSON, unknown type,
/// over the limit) yields its error and is consumed, so the next call goes on
/// with the next frame; an oversize frame is skipped as it arrives, never
/// buffered.
#[derive(Clone, Debug, Default)]
pub struct StreamDecoder {
    codec: Codec,
    /// Bytes of an oversize frame still to be discarded.
    skip: usize,
}

impl StreamDecoder {
    /// A decoder using `codec`'s frame limit.
    pub fn new(codec: Codec) -> Self {
        StreamDecoder { codec, skip: 0 }
    }

    /// Decodes the next whole frame from the front of `src`, or returns
    /// `Ok(None)` when `src` holds no whole frame yet.
    pub fn decode<F: WireFrame>(&mut self, src: &mut BytesMut) -> Result<Option<F>, DecodeError> {
        if self.skip > 0 {
            let n = self.skip.min(src.len());
            src.advance(n);
            self.skip -= n;
            if self.skip > 0 {
                return Ok(None);
            }
        }
        let Some(prefix) = src.first_chunk::<PREFIX_LEN>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*prefix) as usize;
        if len == 0 {
            src.advance(PREFIX_LEN);
            return Err(DecodeError::Empty);
        }
        if len > self.codec.max_frame {
            src.advance(PREFIX_LEN);
            let n = len.min(src.len());
            src.advance(n);
            self.skip = len - n;
            return Err(DecodeError::TooLarge {
                len,
                max: self.codec.max_frame,
            });
        }
        let need = PREFIX_LEN + len;
        if src.len() < need {
            src.reserve(need - src.len());
            return Ok(None);
        }
        src.advance(PREFIX_LEN);
        let json = src.split_to(len);
        self.codec.decode(&json).map(Some)
    }

    /// Like [`StreamDecoder::decode`], for when the stream has ended: a
    /// partial frame left in `src` is a [`DecodeError::Truncated`] (and is
    /// discarded).
    pub fn decode_eof<F: WireFrame>(
        &mut self,
        src: &mut BytesMut,
    ) -> Result<Option<F>, DecodeError> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        if src.is_empty() && self.skip == 0 {
            return Ok(None);
        }
        let have = src.len();
        let need = match src.first_chunk::<PREFIX_LEN>() {
            _ if self.skip > 0 => have + self.skip,
            Some(prefix) => PREFIX_LEN + u32::from_be_bytes(*prefix) as usize,
            None => PREFIX_LEN,
        };
        src.clear();
        self.skip = 0;
        Err(DecodeError::Truncated { have, need })
    }
}

//! Error codes carried on the wire, and the codec's typed errors.

use crate::ids::RequestId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A numeric error code of an `error` or `refuse` frame.
///
/// Codes 501–506, 602, 603 and 605 keep the numbers of the Easemob/Agora
/// SDKs. A peer may send codes this version does not know; they decode as is
/// and [`ErrorCode::name`] returns `None` for them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub u16);

macro_rules! error_codes {
    ($($(#[$doc:meta])* $konst:ident = $num:literal, $name:literal;)*) => {
        impl ErrorCode {
            $($(#[$doc])* pub const $konst: ErrorCode = ErrorCode($num);)*

            /// Every code this version defines, in ascending order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$konst),*];

            /// The code's snake_case name, or `None` for a code this version
            /// does not define.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($num => Some($name),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    /// The frame or a command argument is malformed or invalid.
    BAD_REQUEST = 400, "bad_request";
    /// The token is missing, malformed, forged, or not for this user.
    UNAUTHORIZED = 401, "unauthorized";
    /// Authenticated, but not allowed to do this (e.g. not an admin).
    FORBIDDEN = 403, "forbidden";
    /// The message, thread, user or conversation does not exist.
    NOT_FOUND = 404, "not_found";
    /// No answer came before the request's deadline (reported by the client).
    TIMED_OUT = 408, "timed_out";
    /// The thing already exists or is already in that state.
    CONFLICT = 409, "conflict";
    /// The frame or the message body is over its size limit.
    TOO_LARGE = 413, "too_large";
    /// The frame's `type` is unknown to this peer; the connection stays up.
    UNKNOWN_TYPE = 415, "unknown_type";
    /// The token has expired.
    TOKEN_EXPIRED = 419, "token_expired";
    /// The attachment upload of a send failed (reported by the client).
    UPLOAD_FAILED = 424, "upload_failed";
    /// None of the offered protocol versions is supported.
    UNSUPPORTED_VERSION = 426, "unsupported_version";
    /// Too many requests; retry later.
    RATE_LIMITED = 429, "rate_limited";
    /// The content was refused by the content filter.
    CONTENT_NOT_ALLOWED = 501, "content_not_allowed";
    /// The message was blocked by a custom rule of the application.
    BLOCKED_BY_RULE = 502, "blocked_by_rule";
    /// An unknown server error.
    UNKNOWN = 503, "unknown";
    /// The recall window has passed.
    RECALL_TIME_LIMIT = 504, "recall_time_limit";
    /// Recall is not enabled on this server.
    RECALL_NOT_ENABLED = 505, "recall_not_enabled";
    /// The group is muted and the sender is not on its allow list.
    NOT_ON_ALLOW_LIST = 506, "not_on_allow_list";
    /// The sender is muted in this group or room.
    MUTED = 507, "muted";
    /// The sender is not a member of the group, room or thread.
    NOT_MEMBER = 602, "not_member";
    /// The recipient has blocked the sender.
    BLOCKED_BY_RECIPIENT = 603, "blocked_by_recipient";
    /// No such group or room.
    NO_SUCH_GROUP = 605, "no_such_group";
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{}({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why bytes from the wire did not decode to a frame.
///
/// Every variant is recoverable for the connection except where
/// [`DecodeError::is_fatal`] says otherwise: the bad frame is dropped, the
/// peer is told with an `error` frame (see [`DecodeError::code`]), and the
/// next frame decodes normally.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame is longer than the codec's maximum frame size.
    #[error("frame of {len} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// The frame's length in bytes.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The frame has no bytes.
    #[error("empty frame")]
    Empty,
    /// The frame is not valid UTF-8.
    #[error("frame is not valid UTF-8 (valid up to byte {valid_up_to})")]
    NotUtf8 {
        /// The length of the longest valid prefix.
        valid_up_to: usize,
    },
    /// The frame is not well-formed JSON (or nests deeper than 128 levels).
    #[error("malformed JSON at line {line}, column {column}: {reason}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser found.
        reason: String,
    },
    /// The frame is a JSON value but not an object with a string `type`.
    #[error("frame is not a JSON object with a string field `type`")]
    NoType,
    /// The frame's `type` is not one this side accepts.
    #[error("unknown frame type {kind:?}")]
    UnknownType {
        /// The type found (at most 64 characters of it).
        kind: String,
        /// The frame's `id`, when it had a valid one.
        id: Option<RequestId>,
    },
    /// The frame's type is known but a field is missing, has the wrong JSON
    /// type, or holds an invalid value (e.g. an invalid id, a null `ext`).
    #[error("invalid {kind} frame: {reason}")]
    Invalid {
        /// The frame type.
        kind: &'static str,
        /// The frame's `id`, when it had a valid one.
        id: Option<RequestId>,
        /// What is wrong, from the JSON decoder.
        reason: String,
    },
    /// The byte stream ended inside a length-prefixed frame.
    #[error("stream ended inside a frame: {have} of {need} bytes")]
    Truncated {
        /// Bytes of the frame (prefix included) that arrived.
        have: usize,
        /// Bytes the frame needed (prefix included).
        need: usize,
    },
}

impl DecodeError {
    /// The wire code to answer this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            DecodeError::TooLarge { .. } => ErrorCode::TOO_LARGE,
            DecodeError::UnknownType { .. } => ErrorCode::UNKNOWN_TYPE,
            _ => ErrorCode::BAD_REQUEST,
        }
    }

    /// A stable snake_case name of the variant, used by the conformance
    /// vectors: `too_large`, `empty`, `not_utf8`, `syntax`, `no_type`,
    /// `unknown_type`, `invalid`, `truncated`.
    pub fn class(&self) -> &'static str {
        match self {
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Empty => "empty",
            DecodeError::NotUtf8 { .. } => "not_utf8",
            DecodeError::Syntax { .. } => "syntax",
            DecodeError::NoType => "no_type",
            DecodeError::UnknownType { .. } => "unknown_type",
            DecodeError::Invalid { .. } => "invalid",
            DecodeError::Truncated { .. } => "truncated",
        }
    }

    /// The request id of the bad frame, when one could be read, so that the
    /// answer reaches the request that caused it.
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            DecodeError::UnknownType { id, .. } | DecodeError::Invalid { id, .. } => id.as_ref(),
            _ => None,
        }
    }

    /// Whether the byte stream cannot continue after this error. Only a
    /// truncated stream is fatal: every other bad frame has a known length
    /// and is skipped.
    pub fn is_fatal(&self) -> bool {
        matches!(self, DecodeError::Truncated { .. })
    }
}

/// Why a frame could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The encoded frame is longer than the codec's maximum frame size.
    #[error("encoded frame of {len} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// The encoded length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The JSON serializer failed (not expected for the frame types of this
    /// crate, kept so that no path can panic).
    #[error("JSON encoding failed: {0}")]
    Json(#[from] serde_json::Error),
    /// The serializer wrote bytes that are not UTF-8 (not expected: JSON
    /// text is UTF-8; kept so that no path can panic).
    #[error("JSON encoding is not UTF-8: {0}")]
    Utf8(std::str::Utf8Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_vendor_numbers_and_names() {
        assert_eq!(ErrorCode::RECALL_TIME_LIMIT, ErrorCode(504));
        assert_eq!(ErrorCode(602).name(), Some("not_member"));
        assert_eq!(ErrorCode(999).name(), None);
        assert_eq!(format!("{}", ErrorCode(605)), "605(no_such_group)");
        assert!(ErrorCode::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}

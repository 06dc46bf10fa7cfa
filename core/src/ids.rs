//! Identifier types.
//!
//! String identifiers (users, devices, groups and rooms, threads, client
//! requests) share one syntax, checked whenever one is built or decoded:
//! 1 to [`MAX_ID_LEN`] bytes of ASCII letters, digits and `_ - . @ :`.
//! Message ids are assigned by the server and travel as decimal strings so that
//! JavaScript peers never lose precision; inbox sequence numbers are JSON
//! numbers.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// The longest string identifier, in bytes.
pub const MAX_ID_LEN: usize = 64;

/// Why a string is not a valid identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The identifier is the empty string.
    #[error("{kind} is empty")]
    Empty {
        /// Which identifier, e.g. "user id".
        kind: &'static str,
    },
    /// The identifier is longer than [`MAX_ID_LEN`] bytes.
    #[error("{kind} is {len} bytes long, more than {MAX_ID_LEN}")]
    TooLong {
        /// Which identifier.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// The identifier holds a character outside `[A-Za-z0-9_.@:-]`.
    #[error("{kind} contains the character {ch:?}, allowed are A-Z a-z 0-9 _ - . @ :")]
    BadChar {
        /// Which identifier.
        kind: &'static str,
        /// The first offending character.
        ch: char,
    },
    /// A message id that is not a decimal number in the range of `u64`.
    #[error("message id {0:?} is not a decimal number below 2^64")]
    BadMessageId(String),
}

fn check_id(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind, len: s.len() });
    }
    if s.bytes().all(|b| ID_BYTES[usize::from(b)]) {
        return Ok(());
    }
    match s.chars().find(|&c| !c.is_ascii() || !ID_BYTES[c as usize]) {
        Some(ch) => Err(IdError::BadChar { kind, ch }),
        None => Ok(()),
    }
}

/// The bytes an identifier may hold, as a table: a byte's test is one load
/// (an id is checked on every frame that names one).
static ID_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    loop {
        table[b as usize] =
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@' | b':');
        if b == u8::MAX {
            break;
        }
        b += 1;
    }
    table
};

/// Visits a JSON string, validates it, and only then allocates.
struct IdVisitor<T> {
    kind: &'static str,
    make: fn(Arc<str>) -> T,
}

impl<T> Visitor<'_> for IdVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} string", self.kind)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        check_id(self.kind, v).map_err(E::custom)?;
        Ok((self.make)(Arc::from(v)))
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        ///
        /// Shared, not copied: a clone is a reference count.
        #[derive(Clone, Eq)]
        pub struct $name(Arc<str>);

        /// Hashed as the string is, so that equal ids hash alike.
        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        /// Equal when the strings are; two clones of one id are known equal
        /// without reading them (`Arc<str>`'s own equality reads them).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
            }
        }

        /// Ordered as the strings are; two clones of one id compare equal
        /// without reading them (a map keyed by ids is mostly asked for
        /// the clones it holds).
        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                if Arc::ptr_eq(&self.0, &other.0) {
                    std::cmp::Ordering::Equal
                } else {
                    self.0.cmp(&other.0)
                }
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl $name {
            /// Validates `s` and wraps it.
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                Self::parse(&s.into())
            }

            /// Validates `s` and copies it into a new id (one allocation).
            pub(crate) fn parse(s: &str) -> Result<Self, IdError> {
                check_id($kind, s)?;
                Ok(Self(Arc::from(s)))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(IdVisitor { kind: $kind, make: $name })
            }
        }
    };
}

string_id!(
    /// A user: the account a token authenticates.
    UserId,
    "user id"
);
string_id!(
    /// One device (connection endpoint) of a user, chosen by the client.
    DeviceId,
    "device id"
);
string_id!(
    /// A group or a chat room; both share one namespace on a server.
    GroupId,
    "group id"
);
string_id!(
    /// A thread: a sub-conversation of a group rooted at one of its messages.
    ThreadId,
    "thread id"
);
string_id!(
    /// A client-chosen request id, stable across retries and reconnects.
    ///
    /// The server processes a request once per (user, request id) and answers
    /// a repeat with the first answer.
    RequestId,
    "request id"
);

impl RequestId {
    /// The id `r` followed by `v` in 16 hex digits: always valid (17 ASCII
    /// characters), so minting one cannot fail.
    pub(crate) fn minted(v: u64) -> RequestId {
        let id = RequestId(Arc::from(format!("r{v:016x}")));
        debug_assert!(check_id("request id", &id.0).is_ok());
        id
    }
}

/// A message id, unique per server, assigned when the server stores a message.
///
/// Encoded as a decimal string (`"1042"`). Ids grow in the order the server
/// accepted the messages, so they double as history cursors.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

impl std::str::FromStr for MessageId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let digits = !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        match s.parse::<u64>() {
            Ok(v) if digits => Ok(MessageId(v)),
            _ => Err(IdError::BadMessageId(s.chars().take(MAX_ID_LEN).collect())),
        }
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Digits written on the stack: no formatter, no escaping pass.
        s.serialize_str(itoa::Buffer::new().format(self.0))
    }
}

struct MessageIdVisitor;

impl Visitor<'_> for MessageIdVisitor {
    type Value = MessageId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a message id as a decimal string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<MessageId, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(MessageIdVisitor)
    }
}

/// A position in one user's inbox: the server numbers every durable event it
/// addresses to a user 1, 2, 3, ... with no gaps.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    /// The position before the first event: nothing received yet.
    pub const ZERO: Seq = Seq(0);

    /// The next position.
    #[must_use]
    pub fn next(self) -> Seq {
        Seq(self.0.saturating_add(1))
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_ids_are_validated() {
        assert!(UserId::new("alice_01.x@example:com-2").is_ok());
        assert_eq!(UserId::new(""), Err(IdError::Empty { kind: "user id" }));
        assert_eq!(
            GroupId::new("a".repeat(65)),
            Err(IdError::TooLong {
                kind: "group id",
                len: 65
            })
        );
        assert_eq!(
            ThreadId::new("a b"),
            Err(IdError::BadChar {
                kind: "thread id",
                ch: ' '
            })
        );
        assert_eq!(
            DeviceId::new("é"),
            Err(IdError::BadChar {
                kind: "device id",
                ch: 'é'
            })
        );
    }

    #[test]
    fn exactly_the_documented_characters_are_allowed() {
        for ch in (0..=0x2ff).filter_map(char::from_u32) {
            let allowed = ch.is_ascii_alphanumeric() || "_-.@:".contains(ch);
            let got = UserId::new(format!("a{ch}b"));
            assert_eq!(got.is_ok(), allowed, "{ch:?}");
            if !allowed {
                assert_eq!(
                    got,
                    Err(IdError::BadChar {
                        kind: "user id",
                        ch
                    })
                );
            }
        }
    }

    #[test]
    fn ids_are_equal_when_their_strings_are() {
        let (a, b) = (UserId::new("bob").unwrap(), UserId::new("bob").unwrap());
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert_eq!(a, a.clone());
        assert_ne!(a, UserId::new("bOb").unwrap());
        assert_ne!(a, UserId::new("bobs").unwrap());
    }

    #[test]
    fn message_ids_are_decimal_strings() {
        assert_eq!(
            serde_json::to_string(&MessageId(42)).ok(),
            Some("\"42\"".into())
        );
        assert_eq!(
            serde_json::from_str::<MessageId>("\"18446744073709551615\"").ok(),
            Some(MessageId(u64::MAX))
        );
        for bad in [
            "\"\"",
            "\"+1\"",
            "\"-1\"",
            "\"1.0\"",
            "\"18446744073709551616\"",
            "42",
            "\" 1\"",
        ] {
            assert!(
                serde_json::from_str::<MessageId>(bad).is_err(),
                "{bad} accepted"
            );
        }
    }

    proptest::proptest! {
        /// Ids order as their strings do, clones of one id and equal ids
        /// from different strings alike.
        #[test]
        fn ids_order_as_their_strings(a in "[a-c]{1,3}", b in "[a-c]{1,3}") {
            let (x, y) = (UserId::new(a.as_str()).unwrap(), UserId::new(b.as_str()).unwrap());
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x.partial_cmp(&y), Some(a.cmp(&b)));
            proptest::prop_assert_eq!(x.clone().cmp(&x), std::cmp::Ordering::Equal);
        }
    }

    #[test]
    fn ids_reject_wrong_json_types() {
        assert!(serde_json::from_str::<UserId>("7").is_err());
        assert!(serde_json::from_str::<UserId>("null").is_err());
        assert_eq!(
            serde_json::from_str::<UserId>("\"bob\"").ok(),
            UserId::new("bob").ok()
        );
    }
}

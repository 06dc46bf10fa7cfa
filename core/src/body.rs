//! Message bodies: what a message says, one variant per body type.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The content of a message, tagged by `type` on the wire.
///
/// The larger bodies are boxed so that a text message stays small in memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "RawBody")]
#[non_exhaustive]
pub enum Body {
    /// Plain text.
    Text {
        /// The text, UTF-8.
        text: String,
    },
    /// Text that contains emoji codes such as `[smile]`, rendered by the
    /// application from its emoji map.
    Emoji {
        /// The text with emoji codes.
        text: String,
    },
    /// A face (sticker) from a set known to the application.
    Face {
        /// The face's index in its set.
        index: u32,
        /// Application data naming the set or the face.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        data: String,
    },
    /// An image, uploaded beforehand.
    Image(Box<Attachment>),
    /// A file, uploaded beforehand.
    File(Box<Attachment>),
    /// A voice message, uploaded beforehand.
    Audio(Box<Attachment>),
    /// A video, uploaded beforehand.
    Video(Box<Attachment>),
    /// A geographic location.
    Location(Box<Location>),
    /// A command: an action for the receiving application, never shown as a
    /// message, never counted unread.
    Command {
        /// The action name.
        action: String,
    },
    /// An application-defined message.
    Custom(Box<Custom>),
}

impl Body {
    /// Every body type's wire name, in declaration order.
    pub const KINDS: &'static [&'static str] = &[
        "text", "emoji", "face", "image", "file", "audio", "video", "location", "command", "custom",
    ];

    /// The body's wire type name, e.g. `"text"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Text { .. } => "text",
            Body::Emoji { .. } => "emoji",
            Body::Face { .. } => "face",
            Body::Image(_) => "image",
            Body::File(_) => "file",
            Body::Audio(_) => "audio",
            Body::Video(_) => "video",
            Body::Location(_) => "location",
            Body::Command { .. } => "command",
            Body::Custom(_) => "custom",
        }
    }

    /// The attachment of an image, file, audio or video body.
    pub fn attachment(&self) -> Option<&Attachment> {
        match self {
            Body::Image(a) | Body::File(a) | Body::Audio(a) | Body::Video(a) => Some(a),
            _ => None,
        }
    }

    /// Whether a received message with this body counts towards the
    /// conversation's unread count (commands do not).
    pub fn counts_unread(&self) -> bool {
        !matches!(self, Body::Command { .. })
    }

    /// Checks the body against the protocol's content rules (PROTOCOL.md
    /// §5): a text or emoji body has 1 to `max_text_bytes` bytes, a
    /// location's latitude is within ±90 and its longitude within ±180, a
    /// command names its action and a custom body its event. The client
    /// refuses a send that breaks them at once; the server answers it with
    /// `error` 413 (too large) or 400 (the rest).
    pub fn validate(&self, max_text_bytes: usize) -> Result<(), BodyError> {
        match self {
            Body::Text { text } | Body::Emoji { text } if text.len() > max_text_bytes => {
                Err(BodyError::TooLarge {
                    len: text.len(),
                    max: max_text_bytes,
                })
            }
            Body::Text { text } | Body::Emoji { text } if text.is_empty() => {
                Err(BodyError::Empty("text"))
            }
            Body::Location(l)
                if !(l.lat.is_finite() && l.lng.is_finite())
                    || l.lat.abs() > 90.0
                    || l.lng.abs() > 180.0 =>
            {
                Err(BodyError::OutOfRange)
            }
            Body::Command { action } if action.is_empty() => Err(BodyError::Empty("action")),
            Body::Custom(c) if c.event.is_empty() => Err(BodyError::Empty("event")),
            _ => Ok(()),
        }
    }
}

/// Why a body breaks the content rules ([`Body::validate`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The text is longer than the limit.
    #[error("text of {len} bytes; the limit is {max}")]
    TooLarge {
        /// The text's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A field that must say something is empty.
    #[error("empty {0}")]
    Empty(&'static str),
    /// A location outside ±90 latitude or ±180 longitude, or not a number.
    #[error("latitude or longitude out of range")]
    OutOfRange,
}

/// The body's wire type, read first when decoding.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BodyKind {
    Text,
    Emoji,
    Face,
    Image,
    File,
    Audio,
    Video,
    Location,
    Command,
    Custom,
}

/// Deserializes a present field, refusing `null` (absent is `None` by
/// `default`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Every body field flat, so that decoding a body is one pass with no
/// buffering (serde's internally tagged enums buffer the whole object).
#[derive(Deserialize)]
struct RawBody {
    #[serde(rename = "type")]
    kind: BodyKind,
    #[serde(default, deserialize_with = "present")]
    text: Option<String>,
    #[serde(default, deserialize_with = "present")]
    index: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    data: Option<String>,
    #[serde(default, deserialize_with = "present")]
    url: Option<String>,
    #[serde(default, deserialize_with = "present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    size: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    mime: Option<String>,
    #[serde(default, deserialize_with = "present")]
    width: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    height: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    duration_ms: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    thumbnail: Option<String>,
    #[serde(default, deserialize_with = "present")]
    lat: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    lng: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    address: Option<String>,
    #[serde(default, deserialize_with = "present")]
    action: Option<String>,
    #[serde(default, deserialize_with = "present")]
    event: Option<String>,
    #[serde(default, deserialize_with = "present")]
    params: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<String>,
    #[serde(default, deserialize_with = "present")]
    extension: Option<String>,
}

/// A required field of a body type that was absent.
#[derive(Debug)]
pub struct MissingField(&'static str);

impl std::fmt::Display for MissingField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "missing field `{}`", self.0)
    }
}

fn required<T>(v: Option<T>, name: &'static str) -> Result<T, MissingField> {
    v.ok_or(MissingField(name))
}

impl RawBody {
    fn attachment(self) -> Result<Box<Attachment>, MissingField> {
        Ok(Box::new(Attachment {
            url: required(self.url, "url")?,
            name: required(self.name, "name")?,
            size: required(self.size, "size")?,
            mime: self.mime,
            width: self.width,
            height: self.height,
            duration_ms: self.duration_ms,
            thumbnail: self.thumbnail,
        }))
    }
}

impl TryFrom<RawBody> for Body {
    type Error = MissingField;

    fn try_from(raw: RawBody) -> Result<Body, MissingField> {
        Ok(match raw.kind {
            BodyKind::Text => Body::Text {
                text: required(raw.text, "text")?,
            },
            BodyKind::Emoji => Body::Emoji {
                text: required(raw.text, "text")?,
            },
            BodyKind::Face => Body::Face {
                index: required(raw.index, "index")?,
                data: raw.data.unwrap_or_default(),
            },
            BodyKind::Image => Body::Image(raw.attachment()?),
            BodyKind::File => Body::File(raw.attachment()?),
            BodyKind::Audio => Body::Audio(raw.attachment()?),
            BodyKind::Video => Body::Video(raw.attachment()?),
            BodyKind::Location => Body::Location(Box::new(Location {
                lat: required(raw.lat, "lat")?,
                lng: required(raw.lng, "lng")?,
                address: raw.address.unwrap_or_default(),
                name: raw.name.unwrap_or_default(),
            })),
            BodyKind::Command => Body::Command {
                action: required(raw.action, "action")?,
            },
            BodyKind::Custom => Body::Custom(Box::new(Custom {
                event: required(raw.event, "event")?,
                params: raw.params.unwrap_or_default(),
                data: raw.data.unwrap_or_default(),
                description: raw.description.unwrap_or_default(),
                extension: raw.extension.unwrap_or_default(),
            })),
        })
    }
}

/// Metadata of an uploaded attachment.
///
/// The bytes travel out of band (HTTP upload, then download by `url`); the
/// message carries only this description.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attachment {
    /// Where the attachment can be downloaded.
    pub url: String,
    /// The file name shown to users.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type, e.g. `image/png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Width in pixels (images, videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels (images, videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Length in milliseconds (audio, video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// URL of a thumbnail (images, videos).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

impl Attachment {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(url: String, name: String, size: u64) -> Self {
        Attachment {
            url,
            name,
            size,
            mime: Default::default(),
            width: Default::default(),
            height: Default::default(),
            duration_ms: Default::default(),
            thumbnail: Default::default(),
        }
    }
}

/// A geographic location.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lng: f64,
    /// A human-readable address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// The name of the place or building.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl Location {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(lat: f64, lng: f64) -> Self {
        Location {
            lat,
            lng,
            address: Default::default(),
            name: Default::default(),
        }
    }
}

/// An application-defined message, covering both the Easemob/Agora custom
/// message (event + string map) and the Tencent custom element (data,
/// description, extension).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Custom {
    /// The event name.
    pub event: String,
    /// String parameters of the event.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Opaque data.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data: String,
    /// A description, e.g. for a notification.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// An extension string.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub extension: String,
}

impl Custom {
    /// One with every required field given; the optional fields start absent and are set by name.
    pub fn new(event: String) -> Self {
        Custom {
            event,
            params: Default::default(),
            data: Default::default(),
            description: Default::default(),
            extension: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_lists_every_variant_in_order() {
        let one_of_each = [
            Body::Text {
                text: String::new(),
            },
            Body::Emoji {
                text: String::new(),
            },
            Body::Face {
                index: 0,
                data: String::new(),
            },
            Body::Image(Box::default()),
            Body::File(Box::default()),
            Body::Audio(Box::default()),
            Body::Video(Box::default()),
            Body::Location(Box::default()),
            Body::Command {
                action: String::new(),
            },
            Body::Custom(Box::default()),
        ];
        let kinds: Vec<&str> = one_of_each.iter().map(Body::kind).collect();
        assert_eq!(kinds, Body::KINDS);
        let json: Vec<String> = one_of_each
            .iter()
            .map(|b| {
                serde_json::to_value(b)
                    .ok()
                    .and_then(|v| v["type"].as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(json, Body::KINDS);
        assert!(
            one_of_each
                .iter()
                .filter(|b| b.attachment().is_some())
                .count()
                == 4
        );
        assert!(!one_of_each[8].counts_unread() && one_of_each[0].counts_unread());
    }
}

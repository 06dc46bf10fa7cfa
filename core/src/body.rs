//! Message bodies: what a message says, one variant per body type.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The content of a message, tagged by `type` on the wire.
///
/// The larger bodies are boxed so that a text message stays small in memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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
}

/// Metadata of an uploaded attachment.
///
/// The bytes travel out of band (HTTP upload, then download by `url`); the
/// message carries only this description.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// A geographic location.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

/// An application-defined message, covering both the Easemob/Agora custom
/// message (event + string map) and the Tencent custom element (data,
/// description, extension).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
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

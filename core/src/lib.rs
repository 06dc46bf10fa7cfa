//! # natter-core
//!
//! The sans-IO core of Natter, an instant-messaging protocol: identifiers,
//! the message model, every wire frame, the codec, and the client state
//! machine ([`client::Client`], with its run loop in the module docs). It does no IO, reads
//! no clock, draws no random numbers and runs no async code; time and ids
//! come in as arguments, so the same inputs always give the same outputs.
//!
//! The wire protocol is specified in `PROTOCOL.md` at the repository root;
//! every JSON example there is decoded by this crate's tests.
//!
//! ```
//! use natter_core::codec::Codec;
//! use natter_core::frame::{ClientFrame, WireFrame};
//!
//! let codec = Codec::default();
//! let frame: ClientFrame = codec.decode(br#"{"type":"ack","seq":42}"#)?;
//! assert_eq!(frame.kind(), "ack");
//! assert_eq!(codec.encode(&frame)?.as_ref(), br#"{"type":"ack","seq":42}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod ascending;
pub mod body;
mod bounded;
pub mod client;
pub mod codec;
pub mod emoji;
pub mod error;
pub mod frame;
mod hot_frames;
pub mod ids;
mod json_cache;
mod json_read;
mod json_write;
pub mod limits;
pub mod message;
pub mod server;
pub mod time;

pub use body::{Body, BodyError};
pub use codec::{Codec, StreamDecoder};
pub use error::{DecodeError, EncodeError, ErrorCode};
pub use frame::{ClientFrame, ServerFrame, WireFrame};
pub use ids::{DeviceId, GroupId, MessageId, RequestId, Seq, ThreadId, UserId};
pub use message::{Conversation, Entry, Ext, Message, Priority, PushInfo, Tombstone};
pub use time::{Millis, Now};

/// The protocol versions this crate speaks, client and server alike
/// (PROTOCOL.md §2: the server picks the highest version both speak).
pub const VERSIONS: &[u16] = &[1, 2];

//! natter-tokio: Natter over WebSockets on tokio.
//!
//! * [`Client::connect`]: the client, driven by natter-driver over
//!   tokio-tungstenite; commands are `async` and resolve on the server's
//!   answer; it reconnects and resumes on its own.
//! * [`serve`]: the server: WebSocket endpoint at `/ws`, attachment upload
//!   and download over HTTP, records persisted (fsync) before the frames
//!   that depend on them, recovery at start, graceful shutdown.
//! * [`upload`]: the HTTP upload a client does before sending an attachment.
//!
//! No protocol decision is made here: every one is in natter-core.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The README's examples, compiled (and run, where they do not need a
/// server) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

mod client;
mod runtime;
pub mod server;
mod upload;

pub use client::{Client, FileKind, FileSource, WsConnector, WsTransport};
pub use runtime::{TokioRuntime, wall_clock};
pub use server::{ServeConfig, ServerHandle, serve};
pub use upload::upload;

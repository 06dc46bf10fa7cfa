//! natter-tokio: Natter's WebSocket client and server on tokio, and the
//! `natter` command.
//!
//! This crate is reserved in the workspace layout; it gains its contents with
//! the client and server state machines it binds.

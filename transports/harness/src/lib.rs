//! natter-harness: the in-memory network, virtual clock and seeded
//! simulation runner that prove Natter's delivery guarantees.
//!
//! This crate is reserved in the workspace layout; it gains its contents with
//! the client and server state machines it drives.

//! natter-async-std: Natter's client (and server) over the futures-io traits,
//! run on async-std and on smol.
//!
//! This crate is reserved in the workspace layout; it gains its contents with
//! the client and server state machines it binds.

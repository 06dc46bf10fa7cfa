//! natter-driver: the runtime-agnostic async drive loop shared by Natter's
//! adapters (timers from `poll_timeout`, reconnect with backoff, answers
//! matched to requests, the event stream).
//!
//! This crate is reserved in the workspace layout; it gains its contents with
//! the client state machine it drives.

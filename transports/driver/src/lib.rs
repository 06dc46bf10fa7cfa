//! natter-driver: the async drive loop of the Natter client, independent of
//! any async runtime.
//!
//! [`natter_core::client::Client`] is a sans-IO state machine; this crate
//! runs it: it opens the transport through a [`Connector`], feeds it frames,
//! fires its timers through a [`Runtime`], reconnects with backoff, matches
//! every answer to the command that asked (so commands are `async` and
//! resolve on the server's answer), and forwards every event to an event
//! stream. Adapters (natter-tokio, natter-async-std) only provide a runtime
//! and a connector.
//!
//! The drive future must be polled (spawned) by the adapter; it ends when
//! every [`ClientHandle`] is dropped or [`ClientHandle::close`] is called.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod clock;
mod drive;
mod handle;
pub mod server;
mod ws;

pub use clock::{monotonic_clock, wall_clock};
pub use drive::{Connector, Reconnect, Runtime, Transport, start};
pub use handle::{ClientHandle, DriverError, EventStream};
pub use ws::WsTransport;

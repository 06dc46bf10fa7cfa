//! natter-async-std: Natter's WebSocket client and server over the
//! futures-io traits (async-tungstenite), run on async-std or on smol.
//!
//! Pick the runtime with a value: [`AsyncStd`] or [`Smol`]. Both adapters
//! (this one and natter-tokio) drive the same natter-driver loop, so the
//! client handle ([`natter_driver::ClientHandle`]) and its event stream are
//! the same, and the server runs the same [`natter_driver::server::ServerTask`]
//! with the same store as `natter serve`. What only natter-tokio has:
//! the HTTP upload and download endpoints, `send_file`, and the `natter`
//! command.
//!
//! On async-std:
//!
//! ```
//! use futures::StreamExt;
//! use natter_async_std::{AsyncRuntime, AsyncStd, Client, serve};
//! use natter_core::client::{Config, ConnectionState, Event, Outgoing};
//! use natter_core::server::{ServerConfig, token};
//! use natter_core::{Body, Conversation, DeviceId, Millis, UserId};
//!
//! async_std::task::block_on(async {
//!     let listener = AsyncStd.bind("127.0.0.1:0".parse()?).await?;
//!     let server = serve(AsyncStd, listener, ServerConfig::new(b"k".to_vec()), None).await?;
//!     let url = format!("ws://{}/ws", server.addr);
//!     let alice = UserId::new("alice")?;
//!     let token = token::mint(b"k", &alice, Millis(natter_async_std::wall_clock().0 + 60_000));
//!     let (client, mut events) =
//!         Client::connect(AsyncStd, &url, token, Config::new(DeviceId::new("laptop")?, 1));
//!     // Commands are accepted once the first session is up.
//!     while let Some(event) = events.next().await {
//!         if let Event::State(ConnectionState::Ready { .. }) = event {
//!             break;
//!         }
//!     }
//!     let to_bob = Conversation::Single(UserId::new("bob")?);
//!     let (mid, _ts) = client.send(Outgoing::new(to_bob, Body::Text { text: "hi".into() })).await?;
//!     // The server's conversation list now shows it as the last message.
//!     let list = client.fetch_conversations(None, 20).await?;
//!     assert_eq!(list.items[0].last.as_ref().map(|e| e.mid()), Some(mid));
//!     client.close();
//!     server.shutdown().await;
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On smol, the same with [`Smol`] and `smol::block_on`:
//!
//! ```
//! use futures::StreamExt;
//! use natter_async_std::{AsyncRuntime, Client, Smol, serve};
//! use natter_core::client::{Config, ConnectionState, Event};
//! use natter_core::server::{ServerConfig, token};
//! use natter_core::{DeviceId, Millis, UserId};
//!
//! smol::block_on(async {
//!     let listener = Smol.bind("127.0.0.1:0".parse()?).await?;
//!     let server = serve(Smol, listener, ServerConfig::new(b"k".to_vec()), None).await?;
//!     let url = format!("ws://{}/ws", server.addr);
//!     let bob = UserId::new("bob")?;
//!     let token = token::mint(b"k", &bob, Millis(natter_async_std::wall_clock().0 + 60_000));
//!     let (client, mut events) =
//!         Client::connect(Smol, &url, token, Config::new(DeviceId::new("phone")?, 2));
//!     while let Some(event) = events.next().await {
//!         if let Event::State(ConnectionState::Ready { .. }) = event {
//!             break;
//!         }
//!     }
//!     let page = client.fetch_conversations(None, 20).await?;
//!     assert!(page.items.is_empty());
//!     client.close();
//!     server.shutdown().await;
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod runtime;
mod server;

pub use client::{Client, WsConnector};
pub use runtime::{AsyncRuntime, AsyncStd, Smol};
pub use server::{ServerHandle, serve};

pub use natter_driver::wall_clock;

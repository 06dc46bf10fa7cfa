//! A server and two clients on async-std or smol, in one process:
//!
//! ```sh
//! cargo run -p natter-async-std --example hello -- async-std
//! cargo run -p natter-async-std --example hello -- smol
//! ```
//!
//! alice says hello to bob over a real WebSocket on 127.0.0.1; bob prints
//! what he is shown.

use futures::StreamExt;
use natter_async_std::{AsyncRuntime, AsyncStd, Client, Smol, serve};
use natter_core::client::{Config, ConnectionState, Event, Outgoing};
use natter_core::server::{ServerConfig, token};
use natter_core::{Body, Conversation, DeviceId, Millis, UserId};
use natter_driver::EventStream;
use std::error::Error;

async fn ready(events: &mut EventStream) {
    while let Some(event) = events.next().await {
        if let Event::State(ConnectionState::Ready { .. }) = event {
            return;
        }
    }
}

async fn hello<R: AsyncRuntime>(runtime: R) -> Result<(), Box<dyn Error>> {
    let secret = b"example".to_vec();
    let listener = runtime.bind("127.0.0.1:0".parse()?).await?;
    let server = serve(
        runtime.clone(),
        listener,
        ServerConfig::new(secret.clone()),
        None,
    )
    .await?;
    let url = format!("ws://{}/ws", server.addr);
    println!("server on {url}");
    let expires = Millis(natter_async_std::wall_clock().0 + 600_000);
    let mut clients = Vec::new();
    for name in ["alice", "bob"] {
        let token = token::mint(&secret, &UserId::new(name)?, expires);
        let config = Config::new(DeviceId::new(format!("{name}-example"))?, 1);
        let (client, mut events) = Client::connect(runtime.clone(), &url, token, config);
        ready(&mut events).await;
        clients.push((client, events));
    }
    let to_bob = Conversation::Single(UserId::new("bob")?);
    let hi = Body::Text {
        text: "hello from the futures-io side".into(),
    };
    let (mid, _) = clients[0].0.send(Outgoing::new(to_bob, hi)).await?;
    println!("alice: stored as message {mid}");
    while let Some(event) = clients[1].1.next().await {
        if let Event::Message(m) = event {
            println!(
                "bob is shown message {} from {}: {:?}",
                m.mid, m.from, m.body
            );
            break;
        }
    }
    for (client, _) in &clients {
        client.close();
    }
    server.shutdown().await;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().nth(1).as_deref() {
        Some("smol") => smol::block_on(hello(Smol)),
        Some("async-std") | None => async_std::task::block_on(hello(AsyncStd)),
        Some(other) => Err(format!("unknown runtime {other:?}: async-std or smol").into()),
    }
}

//! Send round trip over loopback through `natter serve`'s code path, in
//! memory: one client sends N text messages one after the other, each
//! awaiting its `sent` answer; prints the percentiles of that round trip.
//!
//! ```sh
//! cargo run --release -p natter-tokio --example send_rtt -- 5000
//! ```

use futures::StreamExt;
use natter_core::client::{Config, ConnectionState, Event, Outgoing};
use natter_core::server::{ServerConfig, token};
use natter_core::{Body, Conversation, DeviceId, Millis, UserId};
use natter_tokio::{Client, ServeConfig, serve, wall_clock};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(Ok(2000), |a| a.parse())?
        .max(1);
    let secret = b"rtt".to_vec();
    let config = ServerConfig::new(secret.clone()).with_rates(u32::MAX, u32::MAX);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let server = serve(listener, ServeConfig::new(config)).await?;
    let url = format!("ws://{}/ws", server.addr);
    let alice = UserId::new("alice")?;
    let token = token::mint(&secret, &alice, Millis(wall_clock().0 + 3_600_000));
    let config = Config::new(DeviceId::new("rtt")?, 1).with_max_outbox(n.max(1));
    let (client, mut events) = Client::connect(&url, token, config);
    while let Some(e) = events.next().await {
        if matches!(e, Event::State(ConnectionState::Ready { .. })) {
            break;
        }
    }
    // Drain events in the background so the stream never backs up.
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let to = Conversation::Single(UserId::new("bob")?);
    let mut rtts: Vec<Duration> = Vec::with_capacity(n.max(1));
    for i in 0..n {
        let body = Body::Text {
            text: format!("m{i}"),
        };
        let start = Instant::now();
        client.send(Outgoing::new(to.clone(), body)).await?;
        rtts.push(start.elapsed());
    }
    rtts.sort();
    // The sample at per-mille `q` (nearest rank).
    let at = |q: usize| rtts[(rtts.len() - 1) * q / 1000];
    println!(
        "{n} sends: p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        at(500),
        at(900),
        at(990),
        at(1000)
    );
    client.close();
    server.shutdown().await;
    Ok(())
}

//! `natter load`: opens many idle sessions against a server (on this
//! machine) and holds them, to measure how many a server keeps and at what
//! memory. Bounded in count and time.

use futures::{SinkExt, StreamExt, stream};
use natter_core::server::token;
use natter_core::{Millis, UserId};
use natter_tokio::wall_clock;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Opens `count` sessions (as users `load0`, `load1`, ...), holds them for
/// `hold`, and reports how many were welcomed.
pub(crate) async fn run(url: &str, secret: &str, count: usize, hold: Duration) -> ExitCode {
    let started = Instant::now();
    let expires = Millis(wall_clock().0 + 3_600_000);
    let sessions: Vec<_> = stream::iter(0..count)
        .map(|i| {
            let url = url.to_owned();
            let secret = secret.to_owned();
            async move {
                let user = UserId::new(format!("load{i}")).ok()?;
                let tok = token::mint(secret.as_bytes(), &user, expires);
                let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
                    .await
                    .ok()?;
                let hello =
                    format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
                ws.send(Message::text(hello)).await.ok()?;
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) if t.contains(r#""type":"welcome""#) => Some(ws),
                    _ => None,
                }
            }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    let open: Vec<_> = sessions.into_iter().flatten().collect();
    println!(
        "{} of {count} sessions welcomed in {:.1} s; holding them for {hold:?}",
        open.len(),
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(hold).await;
    let welcomed = open.len();
    drop(open);
    if welcomed == count {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

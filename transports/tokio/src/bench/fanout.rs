//! Group fan-out: one sender, a group of N online members who acknowledge
//! as they receive, M messages; and a connection storm: C sessions opened
//! at once.

use super::relay::{collect, receiver, sender};
use super::wire::{self, Error};
use futures::{SinkExt, StreamExt, stream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Users in one group request (PROTOCOL §16).
const PER_REQUEST: usize = 100;

/// `messages` sent to a group of `members` online members; returns every
/// delivery's latency.
pub(crate) async fn fanout(
    url: &str,
    secret: &str,
    members: u64,
    messages: u64,
    window: u64,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let run = std::process::id();
    let names: Vec<String> = (0..members).map(|i| format!("bm{run}-{i}")).collect();
    let mut sockets = Vec::new();
    for name in &names {
        sockets.push(wire::session(url, secret, name).await?);
    }
    let mut owner = wire::session(url, secret, &format!("bo{run}")).await?;
    let group = create_group(&mut owner, &names).await?;
    let base = Instant::now();
    let mut tasks = vec![tokio::spawn(sender(
        owner, group, "group", messages, window, base,
    ))];
    for ws in sockets {
        tasks.push(tokio::spawn(receiver(
            ws,
            messages,
            base,
            delivered.clone(),
        )));
    }
    collect(tasks).await
}

/// Creates a group of `members` (invited 100 at a time); returns its id.
async fn create_group(owner: &mut wire::Ws, members: &[String]) -> Result<String, Error> {
    let list = |users: &[String]| serde_json::to_string(users).unwrap_or_default();
    let mut chunks = members.chunks(PER_REQUEST);
    let first = chunks.next().unwrap_or_default();
    let create = format!(
        r#"{{"type":"group_create","id":"g","name":"bench","members":{}}}"#,
        list(first)
    );
    owner.send(Message::text(create)).await?;
    let group = answer(owner, "group_created").await?;
    let group = group
        .split(r#""group":""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no group id")?
        .to_owned();
    for (n, chunk) in chunks.enumerate() {
        let invite = format!(
            r#"{{"type":"group_invite","id":"i{n}","group":"{group}","users":{}}}"#,
            list(chunk)
        );
        owner.send(Message::text(invite)).await?;
        answer(owner, r#""type":"ok""#).await?;
    }
    Ok(group)
}

/// Reads until a frame containing `marker` arrives; returns it.
async fn answer(ws: &mut wire::Ws, marker: &str) -> Result<String, Error> {
    while let Some(frame) = ws.next().await {
        if let Message::Text(text) = frame?
            && text.contains(marker)
        {
            return Ok(text.to_string());
        }
    }
    Err(format!("no {marker} answer").into())
}

/// Opens `count` sessions, at most 256 handshakes at a time; returns each
/// one's time from connect to welcome, in microseconds.
pub(crate) async fn storm(
    url: &str,
    secret: &str,
    count: u64,
    opened: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let run = std::process::id();
    let results: Vec<Result<(u32, wire::Ws), Error>> = stream::iter(0..count)
        .map(|i| {
            let opened = opened.clone();
            async move {
                let started = Instant::now();
                let ws = wire::session(url, secret, &format!("bc{run}-{i}")).await?;
                opened.fetch_add(1, Ordering::Relaxed);
                let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
                Ok((micros, ws))
            }
        })
        .buffer_unordered(256)
        .collect()
        .await;
    let mut latencies = Vec::new();
    let mut held = Vec::new();
    for r in results {
        let (micros, ws) = r?;
        latencies.push(micros);
        held.push(ws);
    }
    drop(held);
    Ok(latencies)
}

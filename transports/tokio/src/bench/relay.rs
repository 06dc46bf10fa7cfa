//! One-to-one relay through a server, K sender/receiver pairs with W sends
//! in flight each; and the same load against a bare echo, the transport's
//! own ceiling.

use super::wire::{self, Error, Ws, ack_frame, latency, number, send_frame, stamp};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Inbox events a bench client acknowledges at a time.
const ACK_EVERY: u64 = 32;

/// Splits `total` into `parts` shares that differ by at most one.
pub(crate) fn shares(total: u64, parts: u64) -> Vec<u64> {
    (0..parts)
        .map(|i| total / parts + u64::from(i < total % parts))
        .collect()
}

/// The sends of one connection: `count` in all, at most `window`
/// unanswered.
struct Feed {
    to: String,
    chat: &'static str,
    count: u64,
    window: u64,
    base: Instant,
    next: u64,
}

impl Feed {
    /// Sends while fewer than `window` of the sends are unanswered (`done`
    /// are answered), in one write with whatever else was fed, as the
    /// server writes its bursts.
    async fn top_up(&mut self, ws: &mut Ws, done: u64) -> Result<(), Error> {
        while self.next < self.count && self.next - done < self.window {
            let frame = send_frame(self.next, &self.to, self.chat, stamp(self.base));
            ws.feed(Message::text(frame)).await?;
            self.next += 1;
        }
        ws.flush().await?;
        Ok(())
    }
}

/// Sends `count` messages to `to` with `window` in flight; acknowledges the
/// sender's own copies (its inbox) as they come.
pub(crate) async fn sender(
    mut ws: Ws,
    to: String,
    chat: &'static str,
    count: u64,
    window: u64,
    base: Instant,
) -> Result<Vec<u32>, Error> {
    let mut feed = Feed {
        to,
        chat,
        count,
        window,
        base,
        next: 0,
    };
    let (mut answered, mut unacked, mut seq) = (0, 0, 0);
    feed.top_up(&mut ws, answered).await?;
    while answered < count {
        let Some(texts) = wire::burst(&mut ws).await? else {
            return Err("the server closed a sender".into());
        };
        for text in texts {
            if text.contains(r#""type":"error""#) {
                return Err(format!("a send failed: {text}").into());
            }
            if text.contains(r#""type":"sent""#) {
                answered += 1;
            }
            // An inbox event: the sender's copy, as a `msg` or (version 2)
            // as the `sent` that stands for it.
            if let Some(s) = number(&text, r#""seq""#) {
                seq = s;
                unacked += 1;
                if unacked >= ACK_EVERY {
                    ws.feed(Message::text(ack_frame(seq))).await?;
                    unacked = 0;
                }
            }
        }
        feed.top_up(&mut ws, answered).await?;
    }
    ws.send(Message::text(ack_frame(seq))).await?;
    // A sender measures nothing itself: its receiver does.
    Ok(Vec::new())
}

/// Receives `count` messages, acknowledging them; returns each one's
/// latency from its send, in microseconds.
pub(crate) async fn receiver(
    mut ws: Ws,
    count: u64,
    base: Instant,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let mut latencies = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let (mut got, mut unacked) = (0, 0);
    while got < count {
        let Some(frame) = ws.next().await else {
            return Err("the server closed a receiver".into());
        };
        let Message::Text(text) = frame? else {
            continue;
        };
        let seq = number(&text, r#""seq""#);
        if text.contains(r#""type":"msg""#)
            && let Some(at) = number(&text, r#""text":"t"#)
        {
            latencies.push(latency(stamp(base), at));
            got += 1;
            delivered.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(seq) = seq {
            unacked += 1;
            if unacked >= ACK_EVERY || got == count {
                ws.send(Message::text(ack_frame(seq))).await?;
                unacked = 0;
            }
        }
    }
    Ok(latencies)
}

/// K pairs relaying `total` messages; returns every latency.
pub(crate) async fn relay(
    url: &str,
    secret: &str,
    pairs: u64,
    total: u64,
    window: u64,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let run = std::process::id();
    let mut ends = Vec::new();
    for i in 0..pairs {
        let to = format!("br{run}-{i}");
        let from = wire::session(url, secret, &format!("bs{run}-{i}")).await?;
        let into = wire::session(url, secret, &to).await?;
        ends.push((from, into, to));
    }
    let base = Instant::now();
    let mut tasks = Vec::new();
    for ((from, into, to), count) in ends.into_iter().zip(shares(total, pairs)) {
        tasks.push(tokio::spawn(sender(
            from, to, "single", count, window, base,
        )));
        tasks.push(tokio::spawn(receiver(into, count, base, delivered.clone())));
    }
    collect(tasks).await
}

/// K connections sending `total` frames of a send's size to a bare echo,
/// `window` in flight each; returns every round trip, in microseconds.
pub(crate) async fn echo(
    url: &str,
    conns: u64,
    total: u64,
    window: u64,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let mut sockets = Vec::new();
    for _ in 0..conns {
        sockets.push(wire::open(url).await?);
    }
    let base = Instant::now();
    let mut tasks = Vec::new();
    for (mut ws, count) in sockets.into_iter().zip(shares(total, conns)) {
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
            let mut feed = Feed {
                to: "echo".into(),
                chat: "single",
                count,
                window,
                base,
                next: 0,
            };
            feed.top_up(&mut ws, 0).await?;
            while (latencies.len() as u64) < count {
                let Some(texts) = wire::burst(&mut ws).await? else {
                    return Err::<Vec<u32>, Error>("the echo closed".into());
                };
                for text in texts {
                    let at = number(&text, r#""text":"t"#).unwrap_or(0);
                    latencies.push(latency(stamp(base), at));
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
                feed.top_up(&mut ws, latencies.len() as u64).await?;
            }
            Ok(latencies)
        }));
    }
    collect(tasks).await
}

/// Awaits load tasks; gathers their latencies.
pub(crate) async fn collect(
    tasks: Vec<tokio::task::JoinHandle<Result<Vec<u32>, Error>>>,
) -> Result<Vec<u32>, Error> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

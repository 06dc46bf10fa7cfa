//! The bench's light client: raw WebSocket text frames, built by hand and
//! read by scanning for the few fields it needs, so that the client costs
//! as little CPU as it can beside the server on the same machine.

use futures::{FutureExt, SinkExt, StreamExt};
use natter_core::server::token;
use natter_core::{Millis, UserId};
use natter_tokio::wall_clock;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// One bench connection.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A failure of the bench, said in words.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Opens a WebSocket to `url` (TCP_NODELAY on).
pub(crate) async fn open(url: &str) -> Result<Ws, Error> {
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    Ok(ws)
}

/// Opens a session for `user`: connects, says hello (speaking versions 1
/// and 2), waits for welcome.
pub(crate) async fn session(url: &str, secret: &str, user: &str) -> Result<Ws, Error> {
    let id = UserId::new(user)?;
    let tok = token::mint(secret.as_bytes(), &id, Millis(wall_clock().0 + 3_600_000));
    let mut ws = open(url).await?;
    let hello = format!(r#"{{"type":"hello","versions":[1,2],"token":"{tok}","device":"b"}}"#);
    ws.send(Message::text(hello)).await?;
    let first = tokio::time::timeout(Duration::from_secs(30), ws.next()).await;
    match first {
        Ok(Some(Ok(Message::Text(t)))) if t.contains(r#""type":"welcome""#) => Ok(ws),
        other => Err(format!("{user}: no welcome ({other:?})").into()),
    }
}

/// Frames one [`burst`] takes at most.
const BURST_FRAMES: usize = 256;

/// The next text frames: the first to arrive and every one already read
/// behind it (up to [`BURST_FRAMES`]), so that a client answers a burst
/// with one write, as the server does. `None` once the connection is
/// closed.
pub(crate) async fn burst(ws: &mut Ws) -> Result<Option<Vec<Utf8Bytes>>, Error> {
    let mut texts = Vec::new();
    while texts.is_empty() {
        let Some(frame) = ws.next().await else {
            return Ok(None);
        };
        let mut frame = Some(frame);
        while let Some(read) = frame {
            if let Message::Text(text) = read? {
                texts.push(text);
            }
            frame = if texts.len() < BURST_FRAMES {
                // Ready now, or not at all (closed or still to come).
                ws.next().now_or_never().flatten()
            } else {
                None
            };
        }
    }
    Ok(Some(texts))
}

/// The unsigned number after `"key":` in `text`.
pub(crate) fn number(text: &str, key: &str) -> Option<u64> {
    let at = text.find(key)? + key.len();
    let digits = text[at..].trim_start_matches(['"', ':']);
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Microseconds since `base`, as a message body carries it.
pub(crate) fn stamp(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The latency, in microseconds, of a message sent at `at` and read at
/// `now` (both [`stamp`]s), saturating.
pub(crate) fn latency(now: u64, at: u64) -> u32 {
    u32::try_from(now.saturating_sub(at)).unwrap_or(u32::MAX)
}

/// A one-to-one text `send` whose body is the send time.
pub(crate) fn send_frame(id: u64, to: &str, chat: &str, at: u64) -> String {
    format!(
        r#"{{"type":"send","id":"s{id}","to":{{"chat":"{chat}","id":"{to}"}},"body":{{"type":"text","text":"t{at}"}}}}"#
    )
}

/// An `ack` of everything up to `seq`.
pub(crate) fn ack_frame(seq: u64) -> String {
    format!(r#"{{"type":"ack","seq":{seq}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_scanning() {
        let msg =
            r#"{"msg":{"body":{"text":"t1234","type":"text"},"mid":"77"},"seq":42,"type":"msg"}"#;
        assert_eq!(number(msg, r#""seq""#), Some(42));
        assert_eq!(number(msg, r#""text":"t"#), Some(1234));
        assert_eq!(number(msg, r#""mid""#), Some(77));
        assert_eq!(number(msg, r#""nope""#), None);
    }

    /// A connection to a server that sends `frames` in one write, then
    /// closes.
    async fn served(frames: Vec<Message>) -> Ws {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            for frame in frames {
                ws.feed(frame).await.unwrap();
            }
            ws.flush().await.unwrap();
            ws.close(None).await.unwrap();
        });
        open(&url).await.unwrap()
    }

    #[tokio::test]
    async fn a_burst_is_every_text_frame_already_read_then_none_once_closed() {
        let mut frames: Vec<Message> = (0..3).map(|n| Message::text(format!("t{n}"))).collect();
        frames.insert(1, Message::binary(b"skipped".to_vec()));
        let mut ws = served(frames).await;
        // Everything the server wrote is here before the first read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let texts = burst(&mut ws).await.unwrap().unwrap();
        assert_eq!(texts, ["t0", "t1", "t2"]);
        assert!(burst(&mut ws).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_burst_takes_at_most_its_bound() {
        let total = BURST_FRAMES + 3;
        let frames = (0..total).map(|n| Message::text(format!("t{n}"))).collect();
        let mut ws = served(frames).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let first = burst(&mut ws).await.unwrap().unwrap();
        assert_eq!(first.len(), BURST_FRAMES);
        let rest = burst(&mut ws).await.unwrap().unwrap();
        let rest: Vec<&str> = rest.iter().map(Utf8Bytes::as_str).collect();
        let left: Vec<String> = (BURST_FRAMES..total).map(|n| format!("t{n}")).collect();
        assert_eq!(rest, left);
    }
}

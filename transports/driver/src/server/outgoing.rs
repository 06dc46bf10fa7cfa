//! A connection's side of the server task: its writer, which encodes the
//! frames the server task queued for it and writes them to its socket in
//! bursts, and the decoding of what it reads, both on the connection's own
//! task so that the server task does neither.

use super::Input;
use futures::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use natter_core::server::ConnectionId;
use natter_core::{ClientFrame, Codec, ServerFrame};

/// Writes the items of the batches of `out` to `sink`, each made into the
/// socket's message type by `wrap` (`None` skips it), until the stream
/// ends. Every batch already queued when one is taken goes out in the same
/// flush: a burst costs one write to the socket, not one per frame (the
/// socket must buffer, e.g. a WebSocket with a write buffer of a few KiB).
/// The caller closes the sink.
pub async fn write_frames<B, T, S, M>(
    mut out: impl Stream<Item = B> + Unpin,
    sink: &mut S,
    mut wrap: impl FnMut(T) -> Option<M>,
) -> Result<(), S::Error>
where
    B: IntoIterator<Item = T>,
    S: Sink<M> + Unpin,
{
    while let Some(first) = out.next().await {
        let mut batch = Some(first);
        while let Some(items) = batch {
            for m in items.into_iter().filter_map(&mut wrap) {
                sink.feed(m).await?;
            }
            // What is queued already, without waiting: the next `next`
            // registers the task's waker again.
            batch = out.next().now_or_never().flatten();
        }
        sink.flush().await?;
    }
    Ok(())
}

/// A frame for a connection as JSON text, encoded on the connection's task;
/// `None` for one over the frame limit (the server never makes one; it is
/// dropped, as it could not be sent).
pub fn encode(codec: &Codec, frame: &ServerFrame) -> Option<String> {
    codec.encode_text(frame).ok()
}

/// The input for one binary message read from `conn`, decoded on the
/// connection's task: the frame, or a copy of the bytes for the server
/// task to answer with the right error.
pub fn input(codec: &Codec, conn: ConnectionId, bytes: &[u8]) -> Input {
    match codec.decode::<ClientFrame>(bytes) {
        Ok(frame) => Input::Frame(conn, Box::new(frame)),
        Err(_) => Input::Malformed(conn, bytes.to_vec()),
    }
}

/// The input for one text message read from `conn`, as [`input`] gives
/// for its bytes, without a second UTF-8 check: the WebSocket library
/// checked the text when it read it. Only a message that does not decode
/// is copied.
pub fn input_text(codec: &Codec, conn: ConnectionId, text: &str) -> Input {
    match codec.decode_str::<ClientFrame>(text) {
        Ok(frame) => Input::Frame(conn, Box::new(frame)),
        Err(_) => Input::Malformed(conn, text.as_bytes().to_vec()),
    }
}

/// The write buffer a connection's WebSocket keeps: frames gather in it
/// until a burst is flushed (or it fills), so that a burst is one write.
pub const WRITE_BUFFER: usize = 8 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::mpsc;
    use futures::executor::block_on;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A sink that records what it got and how many flushes.
    #[derive(Default)]
    struct Recorder {
        items: Vec<String>,
        flushes: usize,
    }

    impl Sink<String> for Recorder {
        type Error = ();
        fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
        fn start_send(mut self: Pin<&mut Self>, item: String) -> Result<(), ()> {
            self.items.push(item);
            Ok(())
        }
        fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            self.flushes += 1;
            Poll::Ready(Ok(()))
        }
        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), ()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn a_queued_burst_is_one_flush_in_order() {
        let (tx, rx) = mpsc::unbounded();
        for batch in [vec!["f0", "f1"], vec!["f2"], vec!["f3", "f4"]] {
            tx.unbounded_send(batch).unwrap_or_default();
        }
        drop(tx);
        let mut sink = Recorder::default();
        block_on(write_frames(rx, &mut sink, |f: &str| Some(f.to_owned()))).unwrap_or_default();
        assert_eq!(sink.items, ["f0", "f1", "f2", "f3", "f4"]);
        assert_eq!(sink.flushes, 1);
    }

    #[test]
    fn a_message_is_decoded_on_its_connection_or_left_for_the_server_to_answer() {
        let codec = Codec::default();
        let conn = ConnectionId(7);
        let ping = r#"{"type":"ping","nonce":1}"#;
        let is_ping =
            |i| matches!(i, Input::Frame(ConnectionId(7), f) if matches!(*f, ClientFrame::Ping(_)));
        assert!(is_ping(input(&codec, conn, ping.as_bytes())));
        assert!(is_ping(input_text(&codec, conn, ping)));
        let kept =
            |i, bytes: &[u8]| matches!(i, Input::Malformed(ConnectionId(7), b) if b == bytes);
        assert!(kept(input(&codec, conn, b"{nope"), b"{nope"));
        assert!(kept(input(&codec, conn, b"\xff"), b"\xff"));
        assert!(kept(input_text(&codec, conn, "{nope"), b"{nope"));
    }
}

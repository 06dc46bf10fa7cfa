//! A connection's writer: the frames the server task queued for it, written
//! to its socket in bursts.

use futures::channel::mpsc;
use futures::{Sink, SinkExt, StreamExt};

/// Writes the frames of `out` to `sink`, each wrapped by `wrap` into the
/// socket's message type, until the queue ends. Every frame already queued
/// when one is taken goes out in the same flush: a burst costs one write
/// to the socket, not one per frame (the socket must buffer, e.g. a
/// WebSocket with a write buffer of a few KiB). The caller closes the sink.
pub async fn write_frames<S, M>(
    mut out: mpsc::Receiver<String>,
    sink: &mut S,
    wrap: impl Fn(String) -> M,
) -> Result<(), S::Error>
where
    S: Sink<M> + Unpin,
{
    while let Some(first) = out.next().await {
        sink.feed(wrap(first)).await?;
        while let Ok(more) = out.try_recv() {
            sink.feed(wrap(more)).await?;
        }
        sink.flush().await?;
    }
    Ok(())
}

/// The write buffer a connection's WebSocket keeps: frames gather in it
/// until a burst is flushed (or it fills), so that a burst is one write.
pub const WRITE_BUFFER: usize = 8 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
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
        let (mut tx, rx) = mpsc::channel(16);
        for i in 0..5 {
            tx.try_send(format!("f{i}")).unwrap_or_default();
        }
        drop(tx);
        let mut sink = Recorder::default();
        block_on(write_frames(rx, &mut sink, |s| s)).unwrap_or_default();
        assert_eq!(sink.items, ["f0", "f1", "f2", "f3", "f4"]);
        assert_eq!(sink.flushes, 1);
    }
}

//! A connection's outgoing queue: the server task hands it the frames of
//! one drain together, as one batch (one channel operation and at most one
//! wake of the connection's writer per drain, not one per frame), and the
//! bound is kept in frames, as the slow-consumer policy counts them.

use futures::Stream;
use futures::channel::mpsc;
use natter_core::ServerFrame;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

/// A connection's outgoing queue, holding at most `bound` frames that its
/// writer has not taken yet.
pub fn out_queue(bound: usize) -> (OutSender, OutReceiver) {
    let (tx, rx) = mpsc::unbounded();
    let queued = Arc::new(AtomicUsize::new(0));
    (
        OutSender {
            tx,
            queued: Arc::clone(&queued),
            bound,
        },
        OutReceiver { rx, queued },
    )
}

/// Why a batch was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The queue would hold more frames than its bound: a slow consumer.
    Full,
    /// The connection's writer is gone.
    Closed,
}

/// The server task's end of a connection's outgoing queue. Dropping it
/// ends the queue: the writer writes what it holds, then the connection
/// closes.
#[derive(Debug)]
pub struct OutSender {
    tx: mpsc::UnboundedSender<Vec<ServerFrame>>,
    queued: Arc<AtomicUsize>,
    bound: usize,
}

impl OutSender {
    /// Queues `batch` (in order, after what is queued) unless the frames
    /// waiting would then be more than the bound.
    pub fn send(&self, batch: Vec<ServerFrame>) -> Result<(), Refused> {
        let len = batch.len();
        if self.queued.load(Ordering::Acquire).saturating_add(len) > self.bound {
            return Err(Refused::Full);
        }
        // Counted before it can be taken, so the count never goes below 0.
        self.queued.fetch_add(len, Ordering::AcqRel);
        self.tx.unbounded_send(batch).map_err(|_| {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            Refused::Closed
        })
    }
}

/// The writer's end of a connection's outgoing queue: a stream of batches,
/// in the order they were queued, that ends when the sender is dropped.
#[derive(Debug)]
pub struct OutReceiver {
    rx: mpsc::UnboundedReceiver<Vec<ServerFrame>>,
    queued: Arc<AtomicUsize>,
}

impl Stream for OutReceiver {
    type Item = Vec<ServerFrame>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.rx).poll_next(cx);
        if let Poll::Ready(Some(batch)) = &polled {
            self.queued.fetch_sub(batch.len(), Ordering::AcqRel);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use futures::executor::block_on;
    use natter_core::frame::server::Pong;

    fn frames(n: usize) -> Vec<ServerFrame> {
        vec![ServerFrame::Pong(Pong::new()); n]
    }

    #[test]
    fn the_bound_counts_frames_not_batches_and_frees_as_the_writer_takes() {
        let (tx, mut rx) = out_queue(5);
        assert_eq!(tx.send(frames(3)), Ok(()));
        assert_eq!(tx.send(frames(3)), Err(Refused::Full));
        assert_eq!(tx.send(frames(2)), Ok(()));
        assert_eq!(tx.send(frames(1)), Err(Refused::Full));
        assert_eq!(block_on(rx.next()).map(|b| b.len()), Some(3));
        assert_eq!(tx.send(frames(3)), Ok(()));
        assert_eq!(block_on(rx.next()).map(|b| b.len()), Some(2));
        assert_eq!(block_on(rx.next()).map(|b| b.len()), Some(3));
        drop(tx);
        assert_eq!(block_on(rx.next()), None);
    }

    #[test]
    fn a_batch_for_a_gone_writer_is_refused_and_not_counted() {
        let (tx, rx) = out_queue(4);
        drop(rx);
        assert_eq!(tx.send(frames(2)), Err(Refused::Closed));
        assert_eq!(tx.queued.load(Ordering::Acquire), 0);
    }
}

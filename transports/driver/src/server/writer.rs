//! The record log's own thread: batches are written and synced there, off
//! the async runtime's workers, while the server task goes on handling
//! inputs (their frames wait in the core until their batch is reported).
//! Group commit: every batch waiting when the thread wakes is written with
//! one sync, and only the newest id is reported.

use super::RecordLog;
use futures::channel::mpsc;
use natter_core::server::{Batch, BatchId};
use std::io;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

/// The handle to the writer thread.
pub(crate) struct Writer {
    jobs: Option<std_mpsc::Sender<Batch>>,
    thread: Option<JoinHandle<()>>,
}

/// What the thread reports: every batch up to this id is durable, or the
/// write failed.
pub(crate) type Synced = io::Result<BatchId>;

impl Writer {
    /// Starts the thread; its reports come on the returned receiver.
    pub(crate) fn start(
        mut log: RecordLog,
    ) -> io::Result<(Writer, mpsc::UnboundedReceiver<Synced>)> {
        let (jobs, queue) = std_mpsc::channel::<Batch>();
        let (done, reports) = mpsc::unbounded();
        let thread = std::thread::Builder::new()
            .name("natter-record-log".into())
            .spawn(move || {
                while let Ok(first) = queue.recv() {
                    let mut newest = first.id();
                    let mut records = first.into_records();
                    while let Ok(more) = queue.try_recv() {
                        newest = more.id();
                        records.extend(more.into_records());
                    }
                    let result = log.append(&records).map(|()| newest);
                    let failed = result.is_err();
                    if done.unbounded_send(result).is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok((
            Writer {
                jobs: Some(jobs),
                thread: Some(thread),
            },
            reports,
        ))
    }

    /// Queues a batch; `false` when the thread has stopped.
    pub(crate) fn write(&self, batch: Batch) -> bool {
        self.jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(batch).is_ok())
    }
}

impl Drop for Writer {
    /// Waits for the write in progress: once the server task is gone,
    /// nothing more is written (a server started again on the same data
    /// directory is the only writer).
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

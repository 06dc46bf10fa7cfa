//! The store's own thread: batches are written and synced there, off the
//! async runtime's workers, while the server task goes on handling inputs
//! (their frames wait in the core until their batch is reported). Group
//! commit: every batch waiting when the thread wakes is written as one log
//! entry, and only the newest id is reported; their rows then go into the
//! database while the frames leave. Checkpoints and loads
//! are served in the order they came, after the batches before them.

use super::Store;
use super::store::StoreError;
use futures::channel::mpsc;
use natter_core::server::{Batch, BatchId, Checkpoint, Load, LoadId, StoredMessage};
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

/// Work for the thread.
enum Job {
    Write(Batch),
    Checkpoint(Arc<Checkpoint>),
    Load(Load),
}

/// What the thread reports.
#[derive(Debug)]
pub(crate) enum Report {
    /// Every batch up to this id is durable.
    Persisted(BatchId),
    /// The rows a load selected.
    Loaded(LoadId, Vec<StoredMessage>),
}

/// A report, or the failure that stopped the thread.
pub(crate) type Reported = Result<Report, StoreError>;

/// The handle to the writer thread.
pub(crate) struct Writer {
    jobs: Option<std_mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// The thread's loop. It ends when the server task is gone (`send` fails
/// or the queue closes) or after reporting a failure.
fn serve(mut store: Store, queue: &std_mpsc::Receiver<Job>, send: impl Fn(Reported) -> bool) {
    let report = |r: Reported| {
        let failed = r.is_err();
        send(r) && !failed
    };
    // Writes the batches waiting as one log entry, reports the newest, then
    // puts their rows and history entries in the database (before any load
    // after it is served); `false` to stop.
    let flush = |store: &mut Store, waiting: &mut Vec<Batch>| {
        let Some(newest) = waiting.last().map(Batch::id) else {
            return true;
        };
        let logged = store.log(waiting);
        waiting.clear();
        match logged {
            Ok(unindexed) => {
                report(Ok(Report::Persisted(newest)))
                    && match store.index(&unindexed) {
                        Ok(()) => true,
                        Err(e) => report(Err(e)),
                    }
            }
            Err(e) => report(Err(e)),
        }
    };
    let mut waiting: Vec<Batch> = Vec::new();
    loop {
        let next = if waiting.is_empty() {
            queue.recv().ok()
        } else {
            queue.try_recv().ok()
        };
        let job = match next {
            Some(Job::Write(batch)) => {
                waiting.push(batch);
                continue;
            }
            None if waiting.is_empty() => return,
            other => other,
        };
        // Anything but a write (or an empty queue) first writes what waits.
        if !flush(&mut store, &mut waiting) {
            return;
        }
        let done = match job {
            Some(Job::Load(load)) => store
                .load(load.query())
                .map(|rows| Some(Report::Loaded(load.id(), rows))),
            Some(Job::Checkpoint(c)) => store.checkpoint(&c).map(|()| None),
            Some(Job::Write(_)) | None => Ok(None),
        };
        let go_on = match done {
            Ok(None) => true,
            Ok(Some(r)) => report(Ok(r)),
            Err(e) => report(Err(e)),
        };
        if !go_on {
            return;
        }
    }
}

impl Writer {
    /// Starts the thread; its reports come on the returned receiver.
    pub(crate) fn start(
        store: Store,
    ) -> std::io::Result<(Writer, mpsc::UnboundedReceiver<Reported>)> {
        let (jobs, queue) = std_mpsc::channel::<Job>();
        let (done, reports) = mpsc::unbounded();
        let thread = std::thread::Builder::new()
            .name("natter-store".into())
            .spawn(move || serve(store, &queue, |r| done.unbounded_send(r).is_ok()))?;
        Ok((
            Writer {
                jobs: Some(jobs),
                thread: Some(thread),
            },
            reports,
        ))
    }

    fn send(&self, job: Job) -> bool {
        self.jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Queues a batch; `false` when the thread has stopped.
    pub(crate) fn write(&self, batch: Batch) -> bool {
        self.send(Job::Write(batch))
    }

    /// Queues a checkpoint; `false` when the thread has stopped.
    pub(crate) fn checkpoint(&self, checkpoint: Arc<Checkpoint>) -> bool {
        self.send(Job::Checkpoint(checkpoint))
    }

    /// Queues a load; `false` when the thread has stopped.
    pub(crate) fn load(&self, load: Load) -> bool {
        self.send(Job::Load(load))
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

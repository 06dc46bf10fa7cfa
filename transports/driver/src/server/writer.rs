//! The store's threads: batches are written and synced on the log's thread,
//! off the async runtime's workers, while the server task goes on handling
//! inputs (their frames wait in the core until their batch is reported).
//! Group commit: every batch waiting when the thread wakes is written as one
//! log entry, and only the newest id is reported. The database has a thread
//! of its own ([`database_thread`](super::database_thread)): the log's
//! thread hands it each entry's rows, and loads and checkpoints in the
//! order they came, after the batches before them.
//!
//! A checkpoint switches the log to its other segment at once and is
//! committed by the database thread while the log goes on. The segment
//! left is written again only after that commit is told back; a restart in
//! the middle of a switch leaves a chain over both segments, and the first
//! checkpoint after it is committed before the log switches.

use super::Store;
use super::database_thread::{self, DATABASE_QUEUE, DatabaseJob};
use super::store::{StoreError, StoreLog};
use futures::channel::mpsc;
use natter_core::server::{Batch, BatchId, Checkpoint, Load, LoadId, StoredMessage};
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::thread::JoinHandle;

/// Work for the log's thread.
enum Job {
    Write(Batch),
    Serve(Request),
}

/// Work served after every write before it.
enum Request {
    Checkpoint(Arc<Checkpoint>),
    Load(Load),
}

/// What the threads report.
#[derive(Debug)]
pub(crate) enum Report {
    /// Every batch up to this id is durable.
    Persisted(BatchId),
    /// The rows a load selected.
    Loaded(LoadId, Vec<StoredMessage>),
}

/// A report, or the failure that stopped a thread.
pub(crate) type Reported = Result<Report, StoreError>;

/// The handle to the store's threads.
pub(crate) struct Writer {
    jobs: Option<std_mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// The log's thread between jobs.
struct LogThread<F> {
    log: StoreLog,
    send: F,
    /// Batches taken from the queue, not yet written.
    waiting: Vec<Batch>,
    database: std_mpsc::SyncSender<DatabaseJob>,
    /// Told once per committed checkpoint.
    committed: std_mpsc::Receiver<()>,
    /// A checkpoint was handed over and its commit not yet told.
    committing: bool,
}

impl<F: Fn(Reported) -> bool> LogThread<F> {
    /// Reports `r`; `false` to stop (the server task is gone, or `r` is a
    /// failure).
    fn report(&self, r: Reported) -> bool {
        let failed = r.is_err();
        (self.send)(r) && !failed
    }

    /// Hands a job to the database thread; `false` when it has stopped
    /// (after reporting why).
    fn hand_over(&self, job: DatabaseJob) -> bool {
        self.database.send(job).is_ok()
    }

    /// Writes the batches waiting as one log entry, reports the newest and
    /// hands the entry's rows to the database thread.
    fn flush(&mut self) -> bool {
        let Some(newest) = self.waiting.last().map(Batch::id) else {
            return true;
        };
        let logged = self.log.write(&self.waiting);
        self.waiting.clear();
        match logged {
            Ok(rows) => {
                self.report(Ok(Report::Persisted(newest)))
                    && (rows.is_empty() || self.hand_over(DatabaseJob::Index(rows)))
            }
            Err(e) => self.report(Err(e)),
        }
    }

    /// Waits until the checkpoint handed over is committed.
    fn await_commit(&mut self) -> bool {
        if self.committing {
            if self.committed.recv().is_err() {
                return false;
            }
            self.committing = false;
            self.log.committed();
        }
        true
    }

    /// Hands a checkpoint after every record written so far to the database
    /// thread, and goes on in the log's other segment: at once, or, while a
    /// committed checkpoint's chain still reads that segment, once this one
    /// is committed.
    fn checkpoint(&mut self, checkpoint: Arc<Checkpoint>) -> bool {
        if !self.await_commit() {
            return false;
        }
        let (start, segment) = self.log.next_chain();
        let job = DatabaseJob::Checkpoint(checkpoint, start, segment);
        if self.log.other_needed() {
            // Only after a restart in the middle of a switch.
            self.committing = true;
            if !self.hand_over(job) || !self.await_commit() {
                return false;
            }
            return match self.log.switch() {
                Ok(()) => {
                    self.log.committed();
                    true
                }
                Err(e) => self.report(Err(e)),
            };
        }
        if let Err(e) = self.log.switch() {
            return self.report(Err(e));
        }
        self.committing = true;
        self.hand_over(job)
    }

    /// Serves a load or a checkpoint, once every batch before it is
    /// written.
    fn serve(&mut self, request: Request) -> bool {
        match request {
            Request::Load(load) => self.hand_over(DatabaseJob::Load(load)),
            Request::Checkpoint(checkpoint) => self.checkpoint(checkpoint),
        }
    }
}

/// The log thread's loop. It ends when the server task is gone (`send`
/// fails or the queue closes) or after a failure.
fn serve(mut thread: LogThread<impl Fn(Reported) -> bool>, queue: &std_mpsc::Receiver<Job>) {
    loop {
        let next = if thread.waiting.is_empty() {
            queue.recv().ok()
        } else {
            queue.try_recv().ok()
        };
        let request = match next {
            Some(Job::Write(batch)) => {
                thread.waiting.push(batch);
                continue;
            }
            Some(Job::Serve(request)) => Some(request),
            None if thread.waiting.is_empty() => return,
            None => None,
        };
        // A request (or an empty queue) first writes what waits.
        if !thread.flush() || !request.is_none_or(|r| thread.serve(r)) {
            return;
        }
    }
}

impl Writer {
    /// Starts the threads; their reports come on the returned receiver.
    pub(crate) fn start(
        store: Store,
    ) -> std::io::Result<(Writer, mpsc::UnboundedReceiver<Reported>)> {
        let (mut db, log) = store.into_halves();
        let (jobs, queue) = std_mpsc::channel::<Job>();
        let (database, database_queue) = std_mpsc::sync_channel(DATABASE_QUEUE);
        let (committed_tx, committed) = std_mpsc::channel();
        let (done, reports) = mpsc::unbounded();
        let db_done = done.clone();
        let database_thread =
            std::thread::Builder::new()
                .name("natter-db".into())
                .spawn(move || {
                    database_thread::serve(
                        &mut db,
                        &database_queue,
                        |r| db_done.unbounded_send(r).is_ok(),
                        &committed_tx,
                    );
                })?;
        let thread = LogThread {
            log,
            send: move |r: Reported| done.unbounded_send(r).is_ok(),
            waiting: Vec::new(),
            database,
            committed,
            committing: false,
        };
        let thread = std::thread::Builder::new()
            .name("natter-log".into())
            .spawn(move || {
                serve(thread, &queue);
                // The database thread ends once its queue is closed
                // (`serve` consumed the sender) and what it holds is done.
                let _ = database_thread.join();
            })?;
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

    /// Queues a batch; `false` when the threads have stopped.
    pub(crate) fn write(&self, batch: Batch) -> bool {
        self.send(Job::Write(batch))
    }

    /// Queues a checkpoint; `false` when the threads have stopped.
    pub(crate) fn checkpoint(&self, checkpoint: Arc<Checkpoint>) -> bool {
        self.send(Job::Serve(Request::Checkpoint(checkpoint)))
    }

    /// Queues a load; `false` when the threads have stopped.
    pub(crate) fn load(&self, load: Load) -> bool {
        self.send(Job::Serve(Request::Load(load)))
    }
}

impl Drop for Writer {
    /// Waits for the writes in progress: once the server task is gone,
    /// nothing more is written (a server started again on the same data
    /// directory is the only writer).
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::server::store::CACHE_BYTES;
    use crate::server::store::tests::{
        config, crashed_mid_switch, history, run_with, scratch, sends,
    };
    use futures::StreamExt;
    use natter_core::server::Output;

    #[test]
    fn after_a_restart_mid_switch_the_first_checkpoint_is_committed_before_the_log_switches() {
        let dir = scratch("stall");
        crashed_mid_switch(&dir);
        let (store, _) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let (_db, log) = store.into_halves();
        let (database, queue) = std_mpsc::sync_channel(DATABASE_QUEUE);
        let (committed_tx, committed) = std_mpsc::channel();
        let mut thread = LogThread {
            log,
            send: |_: Reported| true,
            waiting: Vec::new(),
            database,
            committed,
            committing: false,
        };
        assert!(thread.log.other_needed());
        // The commit is told at once: the thread, waiting for it, goes on.
        committed_tx.send(()).unwrap();
        let checkpoint = Arc::new(Checkpoint::from_bytes(b"{}".to_vec()));
        assert!(thread.checkpoint(checkpoint));
        match queue.try_recv() {
            Ok(DatabaseJob::Checkpoint(_, start, 0)) => {
                assert_eq!(start, thread.log.next_chain().0);
            }
            _ => panic!("no checkpoint naming segment 0"),
        }
        // Committed, then switched: nothing waits, and the segment left
        // (1) is free for the next switch.
        assert!(!thread.committing);
        assert!(!thread.log.other_needed());
        // The next one switches at once and is committed beside the log.
        assert!(thread.checkpoint(Arc::new(Checkpoint::from_bytes(b"{}".to_vec()))));
        assert!(matches!(
            queue.try_recv(),
            Ok(DatabaseJob::Checkpoint(_, _, 1))
        ));
        assert!(thread.committing);
        assert!(thread.log.other_needed());
        drop(thread);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn checkpoints_commit_beside_the_log_and_a_restart_finds_every_message() {
        let dir = scratch("writer");
        // The log's chain runs over both segments: the first checkpoint is
        // committed before the log switches, the later ones while it goes
        // on.
        crashed_mid_switch(&dir);
        let config = || config().with_checkpoint_every(Some(3));
        let (store, mut server) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        let (writer, mut reports) = Writer::start(store).unwrap();
        let mut checkpoints = 0;
        run_with(&mut server, "alice", &sends(7, 30), |server, output| {
            match output {
                Output::Persist(batch) => {
                    let id = batch.id();
                    assert!(writer.write(batch));
                    // Reports come in order; this batch's is the last one.
                    loop {
                        match futures::executor::block_on(reports.next()) {
                            Some(Ok(Report::Persisted(done))) => {
                                server.persisted(done);
                                if done == id {
                                    break;
                                }
                            }
                            other => panic!("{other:?}"),
                        }
                    }
                }
                Output::Checkpoint(c) => {
                    checkpoints += 1;
                    assert!(writer.checkpoint(c));
                }
                _ => {}
            }
        });
        assert!(checkpoints >= 3, "{checkpoints} checkpoints");
        drop((writer, server));
        let (store, restored) = Store::open(&dir, config(), CACHE_BYTES).unwrap();
        assert_eq!(history(&store).1, (1..=30).collect::<Vec<_>>());
        assert!(restored.stored(natter_core::MessageId(30)).is_some());
        let (records, _) = store.counts().unwrap();
        assert!(records < 6, "{records} records after the last checkpoint");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

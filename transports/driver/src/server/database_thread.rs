//! The store's database thread: it puts what log entries left into the
//! database (every index job queued, in one commit), serves loads, and
//! commits checkpoints, in the order the log's thread hands them over, so
//! that a load sees the rows of every batch before it. Neither indexing
//! nor a checkpoint's synced commit holds up the log, and the database
//! file is synced as indexing goes, so that a checkpoint's commit does not
//! flood the disk the log syncs on.

use super::segments::Segment;
use super::store::{StoreDatabase, Unindexed};
use super::writer::{Report, Reported};
use natter_core::server::{Checkpoint, Load};
use std::sync::Arc;
use std::sync::mpsc;

/// Work for the database thread.
pub(super) enum DatabaseJob {
    /// What a log entry left for the database.
    Index(Unindexed),
    /// A load, after the index jobs of the batches before it.
    Load(Load),
    /// A checkpoint, with where the log's chain after it starts (its first
    /// record and segment).
    Checkpoint(Arc<Checkpoint>, u64, Segment),
}

/// Jobs queued for the database thread before the log's thread waits for
/// it: with a log entry's rows in each index job, the bound on the memory
/// the queue holds.
pub(super) const DATABASE_QUEUE: usize = 64;

/// Bytes of rows after which a commit takes no more of the index jobs
/// queued: the bound on one commit's size (and on how long a load behind
/// it waits).
const INDEX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// The thread's loop: it ends when the log's thread is gone (the queue
/// closes or `send` fails) or after reporting a failure. Each committed
/// checkpoint is told on `committed`.
pub(super) fn serve(
    db: &mut StoreDatabase,
    queue: &mpsc::Receiver<DatabaseJob>,
    send: impl Fn(Reported) -> bool,
    committed: &mpsc::Sender<()>,
) {
    let mut carried = None;
    loop {
        let Some(job) = carried.take().or_else(|| queue.recv().ok()) else {
            return;
        };
        let done = match job {
            DatabaseJob::Index(mut rows) => {
                // Every index job queued behind it, in the same commit.
                while rows.row_bytes() < INDEX_BATCH_BYTES {
                    match queue.try_recv() {
                        Ok(DatabaseJob::Index(more)) => rows.append(&more),
                        Ok(other) => {
                            carried = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                db.index(&rows).map(|()| None)
            }
            DatabaseJob::Load(load) => db
                .load(load.query())
                .map(|rows| Some(Report::Loaded(load.id(), rows))),
            DatabaseJob::Checkpoint(checkpoint, start, segment) => {
                db.checkpoint(&checkpoint, start, segment).map(|()| {
                    // A log thread already gone needs no word.
                    let _ = committed.send(());
                    None
                })
            }
        };
        let go_on = match done {
            Ok(None) => true,
            Ok(Some(report)) => send(Ok(report)),
            Err(e) => {
                send(Err(e));
                false
            }
        };
        if !go_on {
            return;
        }
    }
}

//! The write-ahead log as two segment files (PROTOCOL.md §16.1),
//! `natter.wal` and `natter.wal.1`, each a [`Wal`]. A checkpoint switches
//! the log to the other segment, written from its start, so that entries
//! after the checkpoint go on while the database commits it: the log never
//! waits for a checkpoint.
//!
//! The log a restart reads is a chain of entries whose record numbers
//! continue each other: it starts at the start of the segment the newest
//! checkpoint names, with the record after that checkpoint, and goes on
//! into the other segment when that one's first entry continues the
//! numbering (a switch whose checkpoint was not committed yet). A segment is
//! written again only once no committed checkpoint's chain reads it.

use super::wal::{Wal, WalEntry, WalError};
use std::io;
use std::path::{Path, PathBuf};

/// The log's first segment in a data directory: the whole log of a store
/// that has not yet made a checkpoint.
pub const WAL_FILE: &str = "natter.wal";

/// The log's segment files in a data directory, by segment number.
pub const WAL_FILES: [&str; 2] = [WAL_FILE, "natter.wal.1"];

/// A segment number: 0 or 1.
pub(super) type Segment = usize;

/// The other segment.
fn other(segment: Segment) -> Segment {
    1 - segment
}

/// The entries one segment held of the chain, with its file.
#[derive(Debug)]
pub(super) struct SegmentEntries {
    /// The segment's file.
    pub(super) path: PathBuf,
    /// Its entries of the chain, in order.
    pub(super) entries: Vec<WalEntry>,
}

/// Why the log could not be opened: the file, and what went wrong.
#[derive(Debug)]
pub(super) struct OpenError {
    /// The segment's file.
    pub(super) path: PathBuf,
    /// What went wrong.
    pub(super) error: WalError,
}

/// The open log, positioned after the chain's last entry.
#[derive(Debug)]
pub(super) struct Segments {
    dir: PathBuf,
    /// The segment being written.
    current: Segment,
    wal: Wal,
    /// The other segment holds entries of the committed checkpoint's chain:
    /// it may not be written before a newer checkpoint is committed.
    other_needed: bool,
}

impl Segments {
    /// Opens the log in `dir` whose chain starts at record `first` in
    /// `segment`, and reads the chain. Nothing is written (a missing
    /// segment is created empty only when it is the first).
    pub(super) fn open(
        dir: &Path,
        segment: Segment,
        first: u64,
    ) -> Result<(Segments, Vec<SegmentEntries>), OpenError> {
        let open = |segment: Segment, first: u64| {
            let path = dir.join(WAL_FILES[segment]);
            match Wal::open(&path, first) {
                Ok((wal, entries)) => Ok((wal, SegmentEntries { path, entries })),
                Err(error) => Err(OpenError { path, error }),
            }
        };
        let (start_wal, start) = open(segment, first)?;
        let next = start
            .entries
            .last()
            .map_or(first, |e| e.first.saturating_add(u64::from(e.count)));
        let second = other(segment);
        let continued = if dir.join(WAL_FILES[second]).exists() {
            Some(open(second, next)?)
                .filter(|(_, read)| read.entries.first().is_some_and(|e| e.first == next))
        } else {
            None
        };
        Ok(match continued {
            Some((wal, read)) => (
                Segments {
                    dir: dir.to_owned(),
                    current: second,
                    wal,
                    other_needed: true,
                },
                vec![start, read],
            ),
            None => (
                Segments {
                    dir: dir.to_owned(),
                    current: segment,
                    wal: start_wal,
                    other_needed: false,
                },
                vec![start],
            ),
        })
    }

    /// The segment being written.
    #[cfg(test)]
    pub(super) fn current(&self) -> Segment {
        self.current
    }

    /// The segment the next switch goes to.
    pub(super) fn next(&self) -> Segment {
        other(self.current)
    }

    /// The file of the segment being written.
    pub(super) fn path(&self) -> PathBuf {
        self.dir.join(WAL_FILES[self.current])
    }

    /// Whether the other segment still holds entries of the committed
    /// checkpoint's chain, so that a switch must wait for a newer commit.
    pub(super) fn other_needed(&self) -> bool {
        self.other_needed
    }

    /// A checkpoint naming the current segment was committed: the other
    /// one is free.
    pub(super) fn committed(&mut self) {
        self.other_needed = false;
    }

    /// Writes an entry at the current segment's end and returns once it is
    /// on disk.
    pub(super) fn append(
        &mut self,
        first: u64,
        count: u32,
        records: &[u8],
        rows: &[u8],
    ) -> io::Result<()> {
        self.wal.append(first, count, records, rows)
    }

    /// Goes on in the other segment, from its start. The caller makes sure
    /// no committed checkpoint's chain reads it ([`Segments::other_needed`]
    /// is false); the segment left is needed until a checkpoint naming the
    /// new one is committed.
    pub(super) fn switch(&mut self) -> io::Result<()> {
        let next = self.next();
        self.wal = Wal::start_over(&self.dir.join(WAL_FILES[next]))?;
        self.current = next;
        self.other_needed = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = crate::server::scratch(&format!("segments-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn append(log: &mut Segments, first: u64) {
        log.append(first, 1, format!("r{first}").as_bytes(), b"")
            .unwrap();
    }

    /// The record numbers of the chain read from `segment` at `first`,
    /// segment by segment.
    fn chain(dir: &Path, segment: Segment, first: u64) -> Vec<Vec<u64>> {
        let (_, read) = Segments::open(dir, segment, first).unwrap();
        read.iter()
            .map(|s| s.entries.iter().map(|e| e.first).collect())
            .collect()
    }

    #[test]
    fn the_chain_goes_on_into_the_other_segment_until_a_checkpoint_names_it() {
        let dir = scratch("chain");
        let (mut log, read) = Segments::open(&dir, 0, 0).unwrap();
        assert!(read[0].entries.is_empty());
        for n in 0..3 {
            append(&mut log, n);
        }
        // A checkpoint at record 3: the log switches before it is committed.
        assert!(!log.other_needed());
        log.switch().unwrap();
        assert_eq!(log.current(), 1);
        assert!(log.other_needed());
        append(&mut log, 3);
        append(&mut log, 4);
        // Not committed: the old checkpoint's chain reads both segments.
        assert_eq!(chain(&dir, 0, 0), [vec![0, 1, 2], vec![3, 4]]);
        let (reopened, _) = Segments::open(&dir, 0, 0).unwrap();
        assert_eq!(reopened.current(), 1);
        assert!(reopened.other_needed());
        // Committed: the new checkpoint's chain starts in segment 1.
        log.committed();
        assert_eq!(chain(&dir, 1, 3), [vec![3, 4]]);
        let (reopened, _) = Segments::open(&dir, 1, 3).unwrap();
        assert!(!reopened.other_needed());
        // The next switch writes segment 0 from its start; its earlier
        // cycle's entries are not read.
        log.switch().unwrap();
        append(&mut log, 5);
        assert_eq!(chain(&dir, 1, 3), [vec![3, 4], vec![5]]);
        assert_eq!(chain(&dir, 0, 5), [vec![5]]);
        // A checkpoint right after a switch, nothing written since: empty.
        assert_eq!(chain(&dir, 0, 6), [Vec::<u64>::new()]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_segment_that_does_not_continue_the_numbering_is_not_read() {
        let dir = scratch("stale");
        let (mut log, _) = Segments::open(&dir, 0, 0).unwrap();
        append(&mut log, 0);
        log.switch().unwrap();
        append(&mut log, 1);
        log.committed();
        log.switch().unwrap();
        append(&mut log, 2);
        // Segment 1 holds 1, segment 0 holds 2: from 1, both; from 2, the
        // chain is segment 0's alone, and segment 1's entry 1 does not
        // continue it.
        assert_eq!(chain(&dir, 1, 1), [vec![1], vec![2]]);
        assert_eq!(chain(&dir, 0, 2), [vec![2]]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

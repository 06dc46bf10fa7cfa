//! One segment file of the write-ahead log of a data directory
//! (`natter.wal` or `natter.wal.1`, PROTOCOL.md §16.1; the pair is
//! [`Segments`](super::segments::Segments)): one entry per group commit,
//! written at the log's end and synced
//! (`fdatasync`) before the commit's answers may leave. One sequential
//! write and one sync per commit, where a database commit writes a page per
//! B-tree level of every table it touches.
//!
//! A new log's directory is synced once, so that the file's name survives
//! a crash as its synced entries do.
//!
//! An entry is a 28-byte header (the magic `NWAL`, the payload's length, a
//! CRC-32 of everything after it, the number of its first record, its record
//! count, the length of its records' part) and its payload: the records as
//! JSON lines, then the message rows as JSON lines. The store does not look
//! inside; this file only frames and checks.
//!
//! The log is the chain of whole entries from the file's start whose record
//! numbers continue each other, starting at the number the store names
//! (the record after its checkpoint). It ends at the first entry that is
//! cut short, fails its checksum, or does not continue the numbering: a
//! write that was never synced (so nothing it holds was answered), or an
//! entry of an earlier cycle. A torn write is always the last: an entry
//! that fails its checksum followed by a whole entry that continues the
//! numbering is damage, and opening refuses ([`WalError::Damaged`]). A
//! segment the log switches to is written from the file's start again
//! ([`Wal::start_over`]): the file keeps its blocks, so a sync writes data
//! only, not the file's size.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// How every entry starts.
const MAGIC: [u8; 4] = *b"NWAL";

/// The header: magic, payload length (u32), CRC-32 (u32), first record
/// (u64), record count (u32), records' length (u32), little-endian.
const HEADER: usize = 28;

/// Where the checksummed part of the header starts (after magic, length
/// and checksum).
const CHECKED: usize = 12;

/// One entry as read back.
#[derive(Debug, PartialEq)]
pub(super) struct WalEntry {
    /// The number of its first record.
    pub(super) first: u64,
    /// How many records it holds.
    pub(super) count: u32,
    /// Its records, JSON lines.
    pub(super) records: Vec<u8>,
    /// Its message rows, JSON lines (empty when it has none).
    pub(super) rows: Vec<u8>,
}

/// The open log, positioned after its last entry.
#[derive(Debug)]
pub(super) struct Wal {
    file: File,
    /// Where the next entry is written.
    end: u64,
    /// The next entry's bytes, reused.
    buf: Vec<u8>,
}

/// Why the log could not be opened.
#[derive(Debug, thiserror::Error)]
pub(super) enum WalError {
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// An entry fails its checksum although a whole entry follows it.
    #[error("the entry at byte {at} fails its checksum, and a whole entry follows it")]
    Damaged {
        /// Where the entry starts in the file.
        at: u64,
        /// The number of its first record, as its header says.
        first: u64,
    },
}

/// What the file holds at a position.
enum Found {
    /// A whole entry that checks out.
    Whole(WalEntry),
    /// An entry whose header fits (magic, numbering, length) but whose
    /// checksum fails: a torn write if nothing whole follows it.
    Failed {
        /// Its record count, as its header says.
        count: u32,
        /// Its size in the file.
        size: u64,
    },
    /// Nothing that continues the log.
    End,
}

/// An entry whose parts do not fit its header's fields.
fn too_large() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "a log entry larger than 4 GiB")
}

impl Wal {
    /// Opens (or creates) the log at `path` and reads its entries, the
    /// first of which must start at record `first`. Nothing is written to
    /// it (a new file is created empty).
    pub(super) fn open(path: &Path, first: u64) -> Result<(Wal, Vec<WalEntry>), WalError> {
        let file = open_file(path)?;
        let len = file.metadata()?.len();
        let mut reader = BufReader::new(&file);
        let mut entries = Vec::new();
        let mut end = 0u64;
        let mut next = first;
        loop {
            match read_entry(&mut reader, len - end, next)? {
                Found::Whole(entry) => {
                    end += (HEADER + entry.records.len() + entry.rows.len()) as u64;
                    next = entry.first.saturating_add(u64::from(entry.count));
                    entries.push(entry);
                }
                Found::Failed { count, size } => {
                    let after = read_entry(
                        &mut reader,
                        len - end - size,
                        next.saturating_add(u64::from(count)),
                    )?;
                    if matches!(after, Found::Whole(_)) {
                        return Err(WalError::Damaged {
                            at: end,
                            first: next,
                        });
                    }
                    break;
                }
                Found::End => break,
            }
        }
        if end < len {
            tracing::debug!(
                end,
                len,
                "the log ends before its file does: an unsynced write or an earlier cycle, overwritten next"
            );
        }
        let wal = Wal {
            file,
            end,
            buf: Vec::new(),
        };
        Ok((wal, entries))
    }

    /// Opens (or creates) the log at `path` to be written from its start,
    /// without reading it: what it holds is an earlier cycle's, which the
    /// next entry's numbering tells apart.
    pub(super) fn start_over(path: &Path) -> io::Result<Wal> {
        Ok(Wal {
            file: open_file(path)?,
            end: 0,
            buf: Vec::new(),
        })
    }

    /// Writes an entry at the log's end and returns once it is on disk.
    pub(super) fn append(
        &mut self,
        first: u64,
        count: u32,
        records: &[u8],
        rows: &[u8],
    ) -> io::Result<()> {
        let records_len = u32::try_from(records.len()).map_err(|_| too_large())?;
        let payload = u32::try_from(records.len() + rows.len()).map_err(|_| too_large())?;
        let buf = &mut self.buf;
        buf.clear();
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&payload.to_le_bytes());
        buf.extend_from_slice(&[0; 4]); // the checksum, below
        buf.extend_from_slice(&first.to_le_bytes());
        buf.extend_from_slice(&count.to_le_bytes());
        buf.extend_from_slice(&records_len.to_le_bytes());
        buf.extend_from_slice(records);
        buf.extend_from_slice(rows);
        let crc = crc32fast::hash(&buf[CHECKED..]);
        buf[8..CHECKED].copy_from_slice(&crc.to_le_bytes());
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(buf)?;
        self.file.sync_data()?;
        self.end += buf.len() as u64;
        Ok(())
    }
}

/// Opens (or creates, with its name made durable) the file at `path` to
/// read and write, keeping what it holds.
fn open_file(path: &Path) -> io::Result<File> {
    let created = !path.exists();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    if created {
        sync_parent(path)?;
    }
    Ok(file)
}

/// Reads the entry at the reader's position, which must start at record
/// `first`. `remaining` is what the file holds from here: no length read
/// from the file allocates more.
fn read_entry(reader: &mut impl Read, remaining: u64, first: u64) -> io::Result<Found> {
    let mut header = [0u8; HEADER];
    if remaining < HEADER as u64 || !read_whole(reader, &mut header)? {
        return Ok(Found::End);
    }
    let field = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let payload = field(4);
    let crc = field(8);
    let mut number = [0u8; 8];
    number.copy_from_slice(&header[12..20]);
    let (count, records_len) = (field(20), field(24));
    if header[..4] != MAGIC
        || u64::from_le_bytes(number) != first
        || u64::from(payload) > remaining - HEADER as u64
        || records_len > payload
    {
        return Ok(Found::End);
    }
    let mut body = vec![0u8; payload as usize];
    if !read_whole(reader, &mut body)? {
        return Ok(Found::End);
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&header[CHECKED..]);
    hasher.update(&body);
    if hasher.finalize() != crc {
        return Ok(Found::Failed {
            count,
            size: (HEADER + body.len()) as u64,
        });
    }
    let rows = body.split_off(records_len as usize);
    Ok(Found::Whole(WalEntry {
        first,
        count,
        records: body,
        rows,
    }))
}

/// Makes a new file's (or directory's) entry in its directory durable:
/// syncing the file itself does not, so a crash could otherwise lose a log
/// whose entries were synced (on Unix; elsewhere a directory cannot be
/// opened to sync it).
pub(super) fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Fills `buf`; `false` when the file ends first.
fn read_whole(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::path::PathBuf;

    /// A log's path in a fresh scratch directory, which goes when the
    /// path is dropped.
    struct LogPath(PathBuf);

    impl Drop for LogPath {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    impl std::ops::Deref for LogPath {
        type Target = Path;

        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl AsRef<Path> for LogPath {
        fn as_ref(&self) -> &Path {
            &self.0
        }
    }

    fn scratch(name: &str) -> LogPath {
        let dir = crate::server::scratch(&format!("wal-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        LogPath(dir.join("test.wal"))
    }

    fn entry(first: u64, count: u32, records: &str, rows: &str) -> WalEntry {
        WalEntry {
            first,
            count,
            records: records.as_bytes().to_vec(),
            rows: rows.as_bytes().to_vec(),
        }
    }

    fn write(wal: &mut Wal, e: &WalEntry) {
        wal.append(e.first, e.count, &e.records, &e.rows).unwrap();
    }

    #[test]
    fn entries_read_back_in_order_and_the_next_one_follows_them() {
        let path = scratch("order");
        let a = entry(7, 2, "r7\nr8", "row1");
        let b = entry(9, 1, "r9", "");
        let (mut wal, read) = Wal::open(&path, 7).unwrap();
        assert!(read.is_empty());
        write(&mut wal, &a);
        write(&mut wal, &b);
        drop(wal);
        let (mut wal, read) = Wal::open(&path, 7).unwrap();
        assert_eq!(read, [a, b]);
        let c = entry(10, 1, "r10", "row2");
        write(&mut wal, &c);
        let (_, read) = Wal::open(&path, 7).unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(read[2], c);
        // A log expected to start elsewhere holds nothing.
        assert!(Wal::open(&path, 8).unwrap().1.is_empty());
    }

    #[test]
    fn a_torn_last_entry_ends_the_log_and_is_overwritten() {
        let path = scratch("torn");
        let a = entry(0, 1, "r0", "row");
        let b = entry(1, 1, "r1", "row");
        let (mut wal, _) = Wal::open(&path, 0).unwrap();
        write(&mut wal, &a);
        write(&mut wal, &b);
        drop(wal);
        let whole = std::fs::read(&path).unwrap();
        // Cut short anywhere in the last entry, or one byte of it changed.
        let first_len = HEADER + 5;
        for cut in first_len..whole.len() {
            std::fs::write(&path, &whole[..cut]).unwrap();
            assert_eq!(Wal::open(&path, 0).unwrap().1, [entry(0, 1, "r0", "row")]);
        }
        for at in first_len..whole.len() {
            let mut bytes = whole.clone();
            bytes[at] ^= 0x20;
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(
                Wal::open(&path, 0).unwrap().1,
                [entry(0, 1, "r0", "row")],
                "byte {at} changed"
            );
        }
        // The next entry takes the torn one's place.
        let (mut wal, _) = Wal::open(&path, 0).unwrap();
        let c = entry(1, 1, "r1'", "");
        write(&mut wal, &c);
        assert_eq!(Wal::open(&path, 0).unwrap().1, [a, c]);
    }

    #[test]
    fn a_damaged_entry_with_a_whole_one_after_it_refuses_to_open() {
        let path = scratch("damaged");
        let (mut wal, _) = Wal::open(&path, 0).unwrap();
        write(&mut wal, &entry(0, 2, "r0\nr1", "row"));
        write(&mut wal, &entry(2, 1, "r2", ""));
        drop(wal);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER + 1] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let err = Wal::open(&path, 0).unwrap_err();
        assert!(
            matches!(err, WalError::Damaged { at: 0, first: 0 }),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was cut");
    }

    #[test]
    fn after_a_restart_the_entries_of_the_earlier_cycle_are_not_read() {
        let path = scratch("restart");
        let (mut wal, _) = Wal::open(&path, 0).unwrap();
        for n in 0..4 {
            write(
                &mut wal,
                &entry(n, 1, "a long record of the first cycle", ""),
            );
        }
        let mut wal = Wal::start_over(&path).unwrap();
        let new = entry(4, 1, "r4", "");
        write(&mut wal, &new);
        // The first cycle's second entry now follows, numbered 1: not 5.
        assert_eq!(Wal::open(&path, 4).unwrap().1, [new]);
        // Right after the restart, before any write: nothing.
        assert!(Wal::open(&path, 5).unwrap().1.is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]

        /// Whatever happens to the bytes after some point (a write cut
        /// short, garbage, an earlier cycle's entries), the log read back
        /// is exactly the entries written wholly before it, or opening
        /// refuses when a whole entry still follows a damaged one.
        #[test]
        fn the_log_is_the_whole_entries_before_the_damage(
            sizes in proptest::collection::vec((1u32..4, 0usize..200, 0usize..300), 1..8),
            cut in proptest::arbitrary::any::<proptest::sample::Index>(),
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
            flip in proptest::option::of((proptest::arbitrary::any::<proptest::sample::Index>(), 1u8..=255)),
        ) {
            let path = scratch("prop");
            let (mut wal, _) = Wal::open(&path, 0).unwrap();
            let mut written = Vec::new();
            let mut ends = Vec::new();
            let mut first = 0u64;
            for (count, records, rows) in sizes {
                let e = WalEntry {
                    first,
                    count,
                    records: vec![b'r'; records],
                    rows: vec![b'w'; rows],
                };
                write(&mut wal, &e);
                first += u64::from(count);
                written.push(e);
                ends.push(std::fs::metadata(&path).unwrap().len());
            }
            drop(wal);
            let mut bytes = std::fs::read(&path).unwrap();
            let at = cut.index(bytes.len() + 1);
            bytes.truncate(at);
            bytes.extend_from_slice(&tail);
            let flipped = flip.map(|(pos, mask)| {
                let pos = pos.index(bytes.len().max(1));
                if let Some(b) = bytes.get_mut(pos) {
                    *b ^= mask;
                }
                pos
            });
            std::fs::write(&path, &bytes).unwrap();
            // The entries wholly before the first changed byte survive.
            let damage = flipped.map_or(at, |pos| pos.min(at)) as u64;
            let whole = ends.iter().filter(|end| **end <= damage).count();
            match Wal::open(&path, 0) {
                Ok((_, read)) => {
                    proptest::prop_assert!(read.len() >= whole);
                    proptest::prop_assert_eq!(&read[..whole], &written[..whole]);
                    // Anything more read back is a written entry, unchanged
                    // (a flip past the cut, or a tail that rebuilt nothing).
                    proptest::prop_assert_eq!(&read[..], &written[..read.len()]);
                }
                Err(WalError::Damaged { first, .. }) => {
                    proptest::prop_assert!(flipped.is_some());
                    proptest::prop_assert_eq!(first, written.get(whole).map_or(u64::MAX, |e| e.first));
                }
                Err(e) => proptest::prop_assert!(false, "{e}"),
            }
        }
    }

    #[test]
    fn a_length_beyond_the_file_allocates_nothing_and_ends_the_log() {
        let path = scratch("length");
        let mut bytes = Vec::from(MAGIC);
        bytes.extend_from_slice(&u32::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0; HEADER - 8]);
        std::fs::write(&path, &bytes).unwrap();
        assert!(Wal::open(&path, 0).unwrap().1.is_empty());
    }
}

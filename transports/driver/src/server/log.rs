//! The append-only record log: one JSON record per line, fsynced after each
//! input before that input's frames go out (persist before ack).

use natter_core::server::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;

/// The log file in a data directory.
pub const RECORDS_FILE: &str = "records.jsonl";

/// An open log.
#[derive(Debug)]
pub struct RecordLog {
    file: File,
}

impl RecordLog {
    /// Opens (or creates) the log in `dir` and reads every record in it.
    ///
    /// Only the last record may be damaged, by a crash in the middle of a
    /// write (its input was never acknowledged): a last line without its
    /// newline, or one that does not parse, is cut off. A damaged record
    /// with records after it is corruption, not a torn write: opening fails
    /// with [`io::ErrorKind::InvalidData`], naming the file and the byte
    /// offset, and the file is left as it is.
    pub fn open(dir: &Path) -> io::Result<(RecordLog, Vec<Record>)> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(RECORDS_FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)?;
        let mut records = Vec::new();
        let mut good = 0u64;
        let mut reader = BufReader::new(&mut file);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            let parsed = match line.strip_suffix(b"\n") {
                Some(json) => serde_json::from_slice::<Record>(json).map_err(|e| e.to_string()),
                None => Err("no newline at its end".to_owned()),
            };
            match parsed {
                Ok(r) => records.push(r),
                Err(_) if reader.fill_buf()?.is_empty() => {
                    tracing::warn!(offset = good, "cutting a torn last record");
                    break;
                }
                Err(why) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{}: the record at byte offset {good} is damaged ({why}) and records follow it; refusing to start",
                            path.display()
                        ),
                    ));
                }
            }
            good += u64::try_from(n).unwrap_or(u64::MAX);
        }
        drop(reader);
        file.set_len(good)?;
        file.seek(SeekFrom::End(0))?;
        Ok((RecordLog { file }, records))
    }

    /// Appends records and waits until they are on disk.
    pub fn append(&mut self, records: &[Record]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for r in records {
            serde_json::to_writer(&mut buf, r).map_err(io::Error::other)?;
            buf.push(b'\n');
        }
        self.file.write_all(&buf)?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natter_core::UserId;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("natter-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn record(n: u32) -> Record {
        let user = UserId::new("u").unwrap_or_else(|_| unreachable!());
        let data = format!("notice {n}");
        let mut notice = natter_core::frame::group::SystemNotice::new(
            natter_core::frame::group::SystemOp::Custom,
            user.clone(),
            natter_core::Millis(u64::from(n)),
        );
        notice.data = Some(data);
        Record::Notice { user, notice }
    }

    fn written(dir: &Path, n: u32) -> Vec<u8> {
        let (mut log, _) = RecordLog::open(dir).unwrap_or_else(|e| panic!("{e}"));
        let records: Vec<Record> = (0..n).map(record).collect();
        log.append(&records).unwrap_or_else(|e| panic!("{e}"));
        std::fs::read(dir.join(RECORDS_FILE)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_torn_last_record_is_cut_and_the_rest_recovered() {
        let dir = scratch("torn");
        let bytes = written(&dir, 3);
        // A crash in the middle of the last line: half of it, no newline.
        let cut = bytes.len() - 10;
        std::fs::write(dir.join(RECORDS_FILE), &bytes[..cut]).unwrap_or_else(|e| panic!("{e}"));
        let (_, records) = RecordLog::open(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(records, vec![record(0), record(1)]);
        let kept = std::fs::read(dir.join(RECORDS_FILE)).unwrap_or_else(|e| panic!("{e}"));
        assert!(bytes.starts_with(&kept) && kept.ends_with(b"\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_record_in_the_middle_refuses_to_open_and_names_its_offset() {
        let dir = scratch("middle");
        let mut bytes = written(&dir, 3);
        let second = bytes.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
        bytes[second] = b'#';
        std::fs::write(dir.join(RECORDS_FILE), &bytes).unwrap_or_else(|e| panic!("{e}"));
        let err = RecordLog::open(&dir)
            .err()
            .unwrap_or_else(|| panic!("it opened"));
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        let text = err.to_string();
        assert!(text.contains(RECORDS_FILE), "{text}");
        assert!(text.contains(&format!("byte offset {second}")), "{text}");
        let after = std::fs::read(dir.join(RECORDS_FILE)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(after, bytes, "nothing was cut");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

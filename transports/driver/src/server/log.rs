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
    /// Opens (or creates) the log in `dir` and reads every record in it. A
    /// torn last line (a crash in the middle of a write) is cut off: its
    /// input was never acknowledged.
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
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader.read_line(&mut line)?;
            if n == 0 || !line.ends_with('\n') {
                break;
            }
            match serde_json::from_str::<Record>(line.trim_end()) {
                Ok(r) => records.push(r),
                Err(_) => break,
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

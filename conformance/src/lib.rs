//! natter-conformance: language-neutral JSON test vectors for the Natter
//! protocol, and their runner.
//!
//! The vectors live in `conformance/vectors/*.json` and are plain data, so an
//! implementation in any language can run them; their format is described in
//! each file's `description`:
//!
//! * `codec.json`: bytes in, the frame or the typed error (and wire code)
//!   out;
//! * `server.json`: scripts of connections and frames, with the exact frames
//!   a server sends back (handshake, refusals, fan-out, idempotency, replay,
//!   errors, recall, conversation read, groups and read counts).
//!
//! This crate runs them against `natter-core`:
//!
//! ```
//! use natter_conformance::{codec, server, vector_path};
//! let report = codec::run_file(vector_path("codec.json"))?;
//! assert!(report.failures.is_empty(), "{report}");
//! let report = server::run_file(vector_path("server.json"))?;
//! assert!(report.failures.is_empty(), "{report}");
//! # Ok::<(), natter_conformance::VectorError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod codec;
pub mod server;

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};

/// The path of a vector file shipped in this crate's `vectors/` directory.
pub fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(name)
}

/// A vector file that could not be read or is not in the vector format.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid vector file.
    #[error("parsing {path}: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

/// Reads and parses a vector file.
fn read<T: DeserializeOwned>(path: &Path) -> Result<T, VectorError> {
    let text = std::fs::read_to_string(path).map_err(|source| VectorError::Io {
        path: path.into(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| VectorError::Format {
        path: path.into(),
        source,
    })
}

/// The outcome of running a file.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases that behaved as expected.
    pub passed: usize,
    /// Cases that did not, each with what happened.
    pub failures: Vec<String>,
}

impl Report {
    /// Runs `check` on every case, naming failures by `name`.
    fn collect<C>(
        cases: &[C],
        name: impl Fn(&C) -> &str,
        check: impl Fn(&C) -> Result<(), String>,
    ) -> Report {
        let mut report = Report::default();
        for case in cases {
            match check(case) {
                Ok(()) => report.passed += 1,
                Err(why) => report.failures.push(format!("{}: {why}", name(case))),
            }
        }
        report
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in &self.failures {
            writeln!(f, "FAIL {failure}")?;
        }
        write!(f, "{} passed, {} failed", self.passed, self.failures.len())
    }
}

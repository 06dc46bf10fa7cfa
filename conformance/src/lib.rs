//! natter-conformance: language-neutral JSON test vectors for the Natter
//! protocol, and their runner.
//!
//! The vectors live in `conformance/vectors/` and are plain data, so an
//! implementation in any language can run them; each file's `description`
//! says how to read it:
//!
//! * `codec.json`: bytes in, the frame or the typed error (and wire code)
//!   out;
//! * `server/NN-section.json`: scripts of connections and frames, with the
//!   exact frames a server sends back, one file per PROTOCOL.md section.
//!
//! The runner ([`script::run_case`]) plays the scripts against a
//! [`script::Target`]: natter-core in process ([`core_server::CoreServer`],
//! every frame in its exact global order) or any server over WebSockets
//! ([`wire_server::WireServer`], with per-case users and server-assigned ids
//! bound on first sight). Every case ends with an Autobahn-like
//! [`report::Verdict`].
//!
//! ```
//! use natter_conformance::report::Report;
//! use natter_conformance::{codec, core_server::CoreServer, vector_path};
//! let mut report = Report::new("core");
//! codec::run_file(vector_path("codec.json"), &mut report)?;
//! let files = natter_conformance::server_files()?;
//! natter_conformance::run_server_files(&files, &mut CoreServer::default(), &mut report)?;
//! assert!(report.ok(), "{report}");
//! # Ok::<(), natter_conformance::VectorError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod codec;
pub mod compare;
pub mod core_server;
pub mod record;
pub mod report;
pub mod script;
pub mod wire_server;

use serde::de::DeserializeOwned;
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

/// The server script files shipped in `vectors/server/`, in section order.
pub fn server_files() -> Result<Vec<PathBuf>, VectorError> {
    let dir = vector_path("server");
    let entries = std::fs::read_dir(&dir).map_err(|source| VectorError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads the server script files at `paths` and runs every case against
/// `target`, into `report`.
pub fn run_server_files(
    paths: &[PathBuf],
    target: &mut dyn script::Target,
    report: &mut report::Report,
) -> Result<(), VectorError> {
    for path in paths {
        let file: script::VectorFile = read(path)?;
        for case in &file.cases {
            report.results.push(script::run_case(&file, case, target));
        }
    }
    Ok(())
}

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

pub mod agent;
pub mod client_api;
pub mod client_script;
pub mod codec;
pub mod compare;
pub mod core_server;
pub mod record;
pub mod report;
pub mod script;
pub mod wire_client;
pub mod wire_server;
pub mod ws;

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
    /// A run could not go on (a connection failed, nobody connected).
    #[error("{0}")]
    Run(String),
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
    json_files("server")
}

/// The `.json` files of a directory of `vectors/`, sorted.
fn json_files(name: &str) -> Result<Vec<PathBuf>, VectorError> {
    let dir = vector_path(name);
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

/// `base` with the fields of the object `over` laid over it: how a case's
/// own `server` or `client` block changes its file's.
fn overlay(base: &serde_json::Value, over: Option<&serde_json::Value>) -> serde_json::Value {
    let mut merged = base.clone();
    if let (Some(fields), Some(serde_json::Value::Object(over))) = (merged.as_object_mut(), over) {
        fields.extend(over.clone());
    }
    merged
}

/// The client vector files shipped in `vectors/client/`, in order.
pub fn client_files() -> Result<Vec<PathBuf>, VectorError> {
    json_files("client")
}

/// Reads the client vector files at `paths` and runs every case against
/// `target`, into `report`.
pub fn run_client_files(
    paths: &[PathBuf],
    target: &mut dyn client_script::ClientTarget,
    report: &mut report::Report,
) -> Result<(), VectorError> {
    for path in paths {
        let file: client_script::ClientFile = read(path)?;
        for case in &file.cases {
            report
                .results
                .push(client_script::run_case(&file, case, target));
        }
    }
    Ok(())
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

#[cfg(test)]
mod coverage {
    //! The suite covers what the issue asks: every client frame type, every
    //! error code of PROTOCOL.md §14.2, every delivery rule of §15.

    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    /// Every string value under `key` anywhere in `value`, and every
    /// number under `code`.
    fn collect(value: &Value, key: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) if k == key => {
                            out.insert(s.clone());
                        }
                        Value::Number(n) if k == key => {
                            out.insert(n.to_string());
                        }
                        _ => collect(v, key, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, key, out)),
            _ => {}
        }
    }

    fn all(files: &[PathBuf], key: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for path in files {
            let file: Value = read(path).expect("readable");
            collect(&file["cases"], key, &mut out);
        }
        out
    }

    fn protocol() -> String {
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../PROTOCOL.md"))
            .expect("PROTOCOL.md")
    }

    #[test]
    fn every_client_frame_type_is_sent_by_a_server_script_and_commanded_in_a_client_vector() {
        use natter_core::{ClientFrame, WireFrame};
        let sent = all(&server_files().expect("server"), "type");
        let commanded = all(&client_files().expect("client"), "type");
        for kind in <ClientFrame as WireFrame>::TYPES {
            assert!(sent.contains(*kind), "no server script sends {kind}");
            let request = !matches!(*kind, "hello" | "ping" | "ack");
            assert!(
                !request || commanded.contains(*kind),
                "no client vector commands {kind}"
            );
        }
    }

    #[test]
    fn every_error_code_is_answered_by_a_server_or_handled_by_a_client() {
        let mut codes = all(&server_files().expect("server"), "code");
        codes.extend(all(&client_files().expect("client"), "code"));
        let table: Vec<String> = protocol()
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" | ").next())
            .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
            .collect();
        assert!(table.len() >= 20, "{table:?}");
        for code in &table {
            assert!(codes.contains(code), "no vector shows code {code}");
        }
    }

    #[test]
    fn every_delivery_rule_is_checked() {
        let mut rules = all(&server_files().expect("server"), "rules");
        for files in [server_files(), client_files()] {
            for path in files.expect("vectors") {
                let file: Value = read(&path).expect("readable");
                for case in file["cases"].as_array().into_iter().flatten() {
                    for rule in case["rules"].as_array().into_iter().flatten() {
                        rules.extend(rule.as_str().map(str::to_owned));
                    }
                }
            }
        }
        for n in 1..=12 {
            assert!(rules.contains(&format!("R{n}")), "no case checks R{n}");
        }
    }

    #[test]
    fn at_least_150_vectors() {
        let mut n = 0;
        for path in [server_files(), client_files()]
            .into_iter()
            .flat_map(|f| f.expect("vectors"))
            .chain([vector_path("codec.json")])
        {
            let file: Value = read(&path).expect("readable");
            n += file["cases"].as_array().map_or(0, Vec::len);
        }
        assert!(n >= 150, "{n} vectors");
    }
}

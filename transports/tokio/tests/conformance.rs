//! The conformance suite's server scripts over real WebSockets against
//! `natter serve` (a child process with a data directory), as any other
//! implementation would run them:
//! `natter-conformance server --server ws://HOST:PORT/ws --secret S`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use natter_conformance::report::{Report, Verdict};
use natter_conformance::script::{Settings, VectorFile};
use natter_conformance::wire_server::WireServer;
use std::time::Duration;
use support::{natter_serve, scratch_dir};

const SECRET: &str = "wire-secret";

/// The flags that give `natter serve` the settings of the vector files'
/// `server` block (checked below, so the two cannot drift apart).
const FLAGS: &[&str] = &[
    "--banned-words",
    "forbidden",
    "--max-body-bytes",
    "1024",
    "--inbox-limit",
    "16",
    "--recall-window-secs",
    "120",
];

#[test]
fn server_scripts_pass_over_websockets_against_natter_serve() {
    let files = natter_conformance::server_files().unwrap();
    let assumed = Settings {
        secret: Some("conformance".into()),
        recall_window_ms: Some(120_000),
        banned_words: Some(vec!["forbidden".into()]),
        max_body_bytes: Some(1024),
        inbox_limit: Some(16),
        ..Settings::default()
    };
    for path in &files {
        let file: VectorFile =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(file.server, assumed, "{}", path.display());
    }
    let dir = scratch_dir("conformance");
    let (mut child, url) = natter_serve(FLAGS, &dir, SECRET);
    let mut target = WireServer::new(&url, SECRET, Duration::from_millis(25));
    let mut report = Report::new(format!("server {url}"));
    natter_conformance::run_server_files(&files, &mut target, &mut report).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(report.ok(), "{report}");
    // Only what a live server cannot show is skipped: the clock, other
    // settings, restarts.
    assert!(report.count(Verdict::Pass) >= 170, "{report}");
    assert!(report.count(Verdict::Skipped) <= 20, "{report}");
}

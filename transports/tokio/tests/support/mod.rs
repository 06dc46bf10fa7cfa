//! What the child-process tests share.

use std::io::{BufRead, Read};
use std::process::{Child, Command, Stdio};

/// Starts `natter serve` on a free loopback port with `args`, the data
/// directory `data` and the token secret `secret` as a child process; returns it with its WebSocket URL
/// (read from its first line of output; the rest of its output is drained
/// by a thread, so the child never writes to a closed pipe).
pub(crate) fn natter_serve(args: &[&str], data: &std::path::Path, secret: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_natter"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .arg("--data")
        .arg(data)
        .env("NATTER_SECRET", secret)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out.take(u64::MAX), &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, url)
}

/// A scratch directory path of this process, not yet created.
pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "natter-test-{name}-{}-{}",
        std::process::id(),
        natter_tokio::wall_clock().0
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

//! What the bench measures against: its own `natter serve` (in memory or
//! with a data directory) or `natter echo` as child processes, whose CPU
//! time and memory it reads from /proc, or a server someone else runs,
//! whose process it reads when told its id.

use super::wire::Error;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A server under load.
pub(crate) struct Target {
    /// Its WebSocket URL.
    pub(crate) url: String,
    /// The token secret.
    pub(crate) secret: String,
    child: Option<Child>,
    /// A process someone else runs, to read as the child is read.
    pid: Option<u32>,
    data: Option<PathBuf>,
}

/// The secret of the bench's own servers.
const SECRET: &str = "natter-bench";

impl Target {
    /// A server someone else runs, as process `pid` when given.
    pub(crate) fn remote(url: &str, secret: &str, pid: Option<u32>) -> Target {
        Target {
            url: url.to_owned(),
            secret: secret.to_owned(),
            child: None,
            pid,
            data: None,
        }
    }

    /// This binary's `natter serve`, rates unlimited; durable in a scratch
    /// data directory when `durable`.
    pub(crate) fn serve(durable: bool) -> Result<Target, Error> {
        let data = durable
            .then(|| std::env::temp_dir().join(format!("natter-bench-{}", std::process::id())));
        if let Some(dir) = &data {
            let _ = std::fs::remove_dir_all(dir);
        }
        let mut args: Vec<String> = ["serve", "--listen", "127.0.0.1:0"]
            .into_iter()
            .chain(["--user-rate", "1000000000", "--group-rate", "1000000000"])
            .map(str::to_owned)
            .collect();
        if let Some(dir) = &data {
            args.push("--data".into());
            args.push(dir.display().to_string());
        }
        let mut target = Target::spawn(&args)?;
        target.data = data;
        Ok(target)
    }

    /// This binary's bare WebSocket echo, on the server's stack.
    pub(crate) fn echo() -> Result<Target, Error> {
        Target::spawn(&["echo".to_owned(), "--listen".into(), "127.0.0.1:0".into()])
    }

    fn spawn(args: &[String]) -> Result<Target, Error> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(args)
            .env("NATTER_SECRET", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        out.read_line(&mut line)?;
        std::thread::spawn(move || std::io::copy(&mut out.take(u64::MAX), &mut std::io::sink()));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("ws://"))
            .ok_or_else(|| format!("no address in {line:?}"))?
            .to_owned();
        Ok(Target {
            url,
            secret: SECRET.to_owned(),
            child: Some(child),
            pid: None,
            data: None,
        })
    }

    /// The process to read: the bench's own child, or the one named.
    fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id).or(self.pid)
    }

    /// The server's CPU time so far (user + system), in seconds, if its
    /// process is known.
    pub(crate) fn cpu_seconds(&self) -> Option<f64> {
        let pid = self.pid()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Fields after the command name, which is in parentheses.
        let rest = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // Linux reports in USER_HZ, 100 per second on every platform.
        #[allow(clippy::cast_precision_loss)]
        Some(ticks as f64 / 100.0)
    }

    /// The server's resident memory, in MiB, if its process is known.
    pub(crate) fn resident_mib(&self) -> Option<f64> {
        let pid = self.pid()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kib: f64 = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(dir) = &self.data {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

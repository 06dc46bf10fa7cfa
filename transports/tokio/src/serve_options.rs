//! `natter serve`'s settings: every knob of the protocol server and of the
//! adapter, from flags, then the environment (`NATTER_*`), then a TOML
//! file (`--config`), then the defaults, in that order of precedence.

use natter_core::server::ServerConfig;
use natter_tokio::ServeConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The server's settings. Each may also be set in the environment
/// (`NATTER_` and the name in capitals) or, by the same name in snake
/// case, in the TOML file given by `--config`.
#[derive(clap::Args, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ServeOptions {
    /// Address to listen on [default: 127.0.0.1:7878]
    #[arg(long, env = "NATTER_LISTEN")]
    listen: Option<String>,
    /// Data directory (the store: natter.wal, natter.wal.1 and natter.redb; and attachments);
    /// in memory when absent
    #[arg(long, env = "NATTER_DATA")]
    data: Option<PathBuf>,
    /// The secret that signs tokens (required; prefer NATTER_SECRET or the
    /// file: a flag shows in `ps`)
    #[arg(long, env = "NATTER_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// The largest attachment accepted, in bytes [default: 10485760]
    #[arg(long, env = "NATTER_MAX_UPLOAD")]
    max_upload: Option<usize>,
    /// Keep-alive interval announced to clients, in ms; silent connections
    /// close after twice as long [default: 30000]
    #[arg(long, env = "NATTER_PING_MS")]
    ping_ms: Option<u32>,
    /// The largest frame accepted and sent, in bytes [default: 65536]
    #[arg(long, env = "NATTER_MAX_FRAME")]
    max_frame: Option<usize>,
    /// The sender's recall window, in seconds [default: 120]
    #[arg(long, env = "NATTER_RECALL_WINDOW_SECS")]
    recall_window_secs: Option<u64>,
    /// Whether recall is enabled at all [default: true]
    #[arg(long, env = "NATTER_RECALL")]
    recall: Option<bool>,
    /// Words that make a message fail with 501, comma-separated
    #[arg(long, env = "NATTER_BANNED_WORDS", value_delimiter = ',')]
    banned_words: Option<Vec<String>>,
    /// Sends per user per second [default: 50]
    #[arg(long, env = "NATTER_USER_RATE")]
    user_rate: Option<u32>,
    /// Sends per group per second at normal priority [default: 100]
    #[arg(long, env = "NATTER_GROUP_RATE")]
    group_rate: Option<u32>,
    /// The largest text in a text or emoji body, in bytes [default: 16384]
    #[arg(long, env = "NATTER_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Events kept per user inbox [default: 10000]
    #[arg(long, env = "NATTER_INBOX_LIMIT")]
    inbox_limit: Option<usize>,
    /// Successful requests remembered per user for idempotency [default: 4096]
    #[arg(long, env = "NATTER_DEDUP_WINDOW")]
    dedup_window: Option<usize>,
    /// Offline push outputs [default: true]
    #[arg(long, env = "NATTER_PUSH")]
    push: Option<bool>,
    /// Inbox events in flight per connection beyond its last ack [default: 256]
    #[arg(long, env = "NATTER_DELIVERY_WINDOW")]
    delivery_window: Option<u64>,
    /// Frames waiting for one connection before it is closed as a slow
    /// consumer (it resumes losing nothing) [default: 1024]
    #[arg(long, env = "NATTER_OUT_QUEUE")]
    out_queue: Option<usize>,
    /// With --data: stored messages kept in memory, the newest; older ones
    /// are read from the store when asked for [default: 20000]
    #[arg(long, env = "NATTER_RESIDENT_MESSAGES")]
    resident_messages: Option<usize>,
    /// With --data: records between checkpoints, about the most a restart
    /// replays [default: 100000]
    #[arg(long, env = "NATTER_CHECKPOINT_EVERY")]
    checkpoint_every: Option<u64>,
    /// With --data: the store's page cache, in MiB [default: 32]
    #[arg(long, env = "NATTER_STORE_CACHE_MB")]
    store_cache_mb: Option<usize>,
}

macro_rules! layered {
    ($($field:ident),* $(,)?) => {
        impl ServeOptions {
            /// Each setting from `self`, else from `lower`.
            fn or(self, lower: ServeOptions) -> ServeOptions {
                ServeOptions { $($field: self.$field.or(lower.$field),)* }
            }
        }
    };
}

layered!(
    listen,
    data,
    secret,
    max_upload,
    ping_ms,
    max_frame,
    recall_window_secs,
    recall,
    banned_words,
    user_rate,
    group_rate,
    max_body_bytes,
    inbox_limit,
    dedup_window,
    push,
    delivery_window,
    out_queue,
    resident_messages,
    checkpoint_every,
    store_cache_mb,
);

impl ServeOptions {
    /// These settings over those of the TOML file at `file`, if any.
    pub(crate) fn with_file(self, file: Option<&Path>) -> Result<ServeOptions, String> {
        let Some(path) = file else {
            return Ok(self);
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let from_file: ServeOptions =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(self.or(from_file))
    }

    /// The address to listen on and the server's configuration.
    pub(crate) fn build(self) -> Result<(String, ServeConfig), String> {
        let secret = self
            .secret
            .ok_or("no secret: set NATTER_SECRET, `secret` in the config file, or --secret")?;
        let mut server = ServerConfig::new(secret.into_bytes());
        let (window, enabled) = server.recall();
        server = server.with_recall(
            self.recall_window_secs.map_or(window, Duration::from_secs),
            self.recall.unwrap_or(enabled),
        );
        let (user_rate, group_rate) = server.rates();
        server = server.with_rates(
            self.user_rate.unwrap_or(user_rate),
            self.group_rate.unwrap_or(group_rate),
        );
        let (inbox, dedup) = server.inbox_limits();
        server = server.with_inbox_limits(
            self.inbox_limit.unwrap_or(inbox),
            self.dedup_window.unwrap_or(dedup),
        );
        if let Some(ms) = self.ping_ms {
            server = server.with_ping_ms(ms);
        }
        if let Some(n) = self.max_frame {
            server = server.with_max_frame(n);
        }
        if let Some(words) = self.banned_words {
            server = server.with_banned_words(words);
        }
        if let Some(n) = self.max_body_bytes {
            server = server.with_max_body_bytes(n);
        }
        if let Some(on) = self.push {
            server = server.with_push(on);
        }
        if let Some(events) = self.delivery_window {
            server = server.with_delivery_window(events);
        }
        if let Some(n) = self.resident_messages {
            server = server.with_resident_messages(Some(n));
        }
        if let Some(n) = self.checkpoint_every {
            server = server.with_checkpoint_every(Some(n));
        }
        let mut config = ServeConfig::new(server);
        config.data = self.data;
        if let Some(n) = self.max_upload {
            config.max_upload = n;
        }
        if let Some(n) = self.out_queue {
            config.out_queue = n;
        }
        if let Some(mib) = self.store_cache_mb {
            config.store_cache = mib.saturating_mul(1024 * 1024);
        }
        let listen = self.listen.unwrap_or_else(|| "127.0.0.1:7878".into());
        Ok((listen, config))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: ServeOptions,
    }

    fn parse(args: &[&str]) -> ServeOptions {
        Cli::try_parse_from(std::iter::once("natter").chain(args.iter().copied()))
            .unwrap()
            .options
    }

    #[test]
    fn without_settings_the_defaults_are_the_protocol_servers() {
        let (listen, config) = parse(&["--secret", "s"]).build().unwrap();
        let defaults = ServerConfig::new(b"s".to_vec());
        assert_eq!(listen, "127.0.0.1:7878");
        assert_eq!(format!("{:?}", config.server), format!("{defaults:?}"));
        assert_eq!(config.max_upload, ServeConfig::new(defaults).max_upload);
        assert!(config.data.is_none());
    }

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let dir = std::env::temp_dir().join(format!("natter-opts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("natter.toml");
        std::fs::write(
            &file,
            "secret = \"from-file\"\nuser_rate = 500\ngroup_rate = 900\nrecall = false\nbanned_words = [\"spam\"]\nping_ms = 1000\n",
        )
        .unwrap();
        let options = parse(&["--user-rate", "7", "--max-frame", "2048"])
            .with_file(Some(&file))
            .unwrap();
        let (_, config) = options.build().unwrap();
        let s = &config.server;
        assert_eq!(s.secret(), b"from-file");
        assert_eq!(s.rates(), (7, 900), "the flag wins over the file");
        assert_eq!(s.recall(), (Duration::from_secs(120), false));
        assert_eq!(s.banned_words(), ["spam".to_owned()]);
        assert_eq!((s.ping_ms(), s.max_frame()), (1000, 2048));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_with_an_unknown_key_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("natter-opts-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("natter.toml");
        std::fs::write(&file, "user_rates = 5\n").unwrap();
        let err = ServeOptions::default().with_file(Some(&file)).unwrap_err();
        assert!(err.contains("user_rates"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The defaults `--help` states are the ones the server runs with.
    #[test]
    fn the_defaults_in_the_help_are_the_real_ones() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        use natter_driver::server as store;
        let (_, built) = parse(&["--secret", "s"]).build().unwrap();
        let d = &built.server;
        let durable = store::with_store(d.clone());
        assert_eq!(durable.resident_messages(), Some(store::RESIDENT_MESSAGES));
        assert_eq!(durable.checkpoint_every(), Some(store::CHECKPOINT_EVERY));
        let expected = [
            ("--listen", "127.0.0.1:7878".to_owned()),
            ("--max-upload", built.max_upload.to_string()),
            ("--ping-ms", d.ping_ms().to_string()),
            ("--max-frame", d.max_frame().to_string()),
            ("--recall-window-secs", d.recall().0.as_secs().to_string()),
            ("--recall", d.recall().1.to_string()),
            ("--user-rate", d.rates().0.to_string()),
            ("--group-rate", d.rates().1.to_string()),
            ("--max-body-bytes", d.max_body_bytes().to_string()),
            ("--inbox-limit", d.inbox_limits().0.to_string()),
            ("--dedup-window", d.inbox_limits().1.to_string()),
            ("--push", d.push().to_string()),
            ("--delivery-window", d.delivery_window().to_string()),
            ("--out-queue", built.out_queue.to_string()),
            ("--resident-messages", store::RESIDENT_MESSAGES.to_string()),
            ("--checkpoint-every", store::CHECKPOINT_EVERY.to_string()),
            (
                "--store-cache-mb",
                (built.store_cache / (1024 * 1024)).to_string(),
            ),
        ];
        for (flag, value) in expected {
            let start = help.find(&format!("{flag} <")).unwrap();
            let entry = &help[start..];
            let end = entry[2..].find("\n      --").map_or(entry.len(), |e| e + 2);
            assert!(
                entry[..end].contains(&format!("[default: {value}]")),
                "{flag}: {}",
                &entry[..end]
            );
        }
    }

    #[test]
    fn no_secret_is_an_error_that_says_where_to_put_one() {
        let err = ServeOptions::default().build().unwrap_err();
        assert!(err.contains("NATTER_SECRET"), "{err}");
    }
}

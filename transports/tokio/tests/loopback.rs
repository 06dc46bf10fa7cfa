//! Real servers and clients on 127.0.0.1 (free ports, loopback only).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use futures::{SinkExt, StreamExt};
use natter_core::client::{Config, ConnectionState, Event, Outgoing};
use natter_core::server::{ServerConfig, token};
use natter_core::{Body, Conversation, DeviceId, Millis, UserId};
use natter_tokio::{Client, ServeConfig, ServerHandle, serve, upload, wall_clock};
use std::path::PathBuf;
use std::time::Duration;
use support::{natter_serve, scratch_dir};
use tokio_tungstenite::tungstenite::Message;

const SECRET: &[u8] = b"loopback-secret";

fn user(name: &str) -> UserId {
    UserId::new(name).unwrap()
}

fn token_for(name: &str) -> String {
    token::mint(SECRET, &user(name), Millis(wall_clock().0 + 3_600_000))
}

async fn start(data: Option<PathBuf>, max_upload: usize) -> ServerHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = ServeConfig::new(ServerConfig::new(SECRET));
    config.data = data;
    config.max_upload = max_upload;
    serve(listener, config).await.unwrap()
}

async fn until<T>(
    events: &mut natter_driver::EventStream,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let wait = async {
        while let Some(e) = events.next().await {
            if let Some(t) = pick(&e) {
                return t;
            }
        }
        panic!("event stream ended");
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("in time")
}

/// The ids of the next `n` messages on `events`.
async fn messages(
    events: &mut natter_driver::EventStream,
    n: usize,
) -> Vec<natter_core::MessageId> {
    let mut got = Vec::new();
    while got.len() < n {
        got.push(
            until(events, |e| match e {
                Event::Message(m) => Some(m.mid),
                _ => None,
            })
            .await,
        );
    }
    got
}

fn connect(server: &ServerHandle, name: &str) -> (Client, natter_driver::EventStream) {
    let config = Config::new(DeviceId::new(format!("{name}-1")).unwrap(), wall_clock().0);
    Client::connect(&format!("ws://{}/ws", server.addr), token_for(name), config)
}

/// The `natter demo` command, run as a user runs it: it exits 0 only when
/// every step behaved.
#[test]
fn the_demo_walks_every_feature_through_a_real_server() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_server_restarts_from_its_data_directory_with_every_acknowledged_message() {
    let dir = scratch_dir("restart");
    let server = start(Some(dir.clone()), 1024).await;
    let (alice, mut alice_events) = connect(&server, "alice");
    until(&mut alice_events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    let mut acked = Vec::new();
    for i in 0..5 {
        let msg = Outgoing::new(
            Conversation::Single(user("bob")),
            Body::Text {
                text: format!("m{i}"),
            },
        );
        acked.push(alice.send(msg).await.unwrap().0);
    }
    alice.close();
    server.crash().await;

    let server = start(Some(dir.clone()), 1024).await;
    let (bob, mut bob_events) = connect(&server, "bob");
    let got = messages(&mut bob_events, 5).await;
    assert_eq!(got, acked);
    // A new message continues the numbering.
    let (mid, _) = bob
        .send(Outgoing::new(
            Conversation::Single(user("alice")),
            Body::Text {
                text: "back".into(),
            },
        ))
        .await
        .unwrap();
    assert!(mid > acked[4]);
    bob.close();
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn raw(
    server: &ServerHandle,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    tokio_tungstenite::connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap()
        .0
}

async fn next_json(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> serde_json::Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_and_bad_tokens_get_their_errors_and_others_are_served() {
    let server = start(None, 1024).await;
    // Forged and expired tokens are refused.
    let forged = token::mint(
        b"not-the-secret",
        &user("mallory"),
        Millis(wall_clock().0 + 60_000),
    );
    let expired = token::mint(SECRET, &user("mallory"), Millis(1));
    for (tok, code) in [
        (forged, 401),
        (expired, 419),
        ("not-a-token".to_owned(), 401),
    ] {
        let mut ws = raw(&server).await;
        let hello = format!(r#"{{"type":"hello","versions":[1],"token":"{tok}","device":"d"}}"#);
        ws.send(Message::text(hello)).await.unwrap();
        let answer = next_json(&mut ws).await;
        assert_eq!(
            (answer["type"].as_str(), answer["code"].as_u64()),
            (Some("refuse"), Some(code))
        );
    }
    // Malformed and oversize frames get errors; the connection stays.
    let mut ws = raw(&server).await;
    let hello = format!(
        r#"{{"type":"hello","versions":[1],"token":"{}","device":"d"}}"#,
        token_for("eve")
    );
    ws.send(Message::text(hello)).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "welcome");
    ws.send(Message::text("{not json")).await.unwrap();
    assert_eq!(next_json(&mut ws).await["code"], 400);
    ws.send(Message::text(format!(
        r#"{{"type":"ping","pad":"{}"}}"#,
        "x".repeat(70_000)
    )))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await["code"], 413);
    ws.send(Message::text(r#"{"type":"poke","id":"r1"}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["code"], 415);
    ws.send(Message::text(r#"{"type":"ping","nonce":5}"#))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["nonce"], 5);
    // Two other users are served meanwhile.
    let (alice, mut alice_events) = connect(&server, "alice");
    let (_bob, mut bob_events) = connect(&server, "bob");
    until(&mut alice_events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    until(&mut bob_events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    alice
        .send(Outgoing::new(
            Conversation::Single(user("bob")),
            Body::Text {
                text: "still here".into(),
            },
        ))
        .await
        .unwrap();
    let text = until(&mut bob_events, |e| match e {
        Event::Message(m) => Some(format!("{:?}", m.body)),
        _ => None,
    })
    .await;
    assert!(text.contains("still here"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_need_a_token_and_respect_the_size_limit() {
    let server = start(None, 1000).await;
    let base = format!("http://{}", server.addr);
    let mut progress = Vec::new();
    let ok = upload(
        &base,
        &token_for("alice"),
        "a.txt",
        "text/plain",
        &[1u8; 900],
        |sent, total| progress.push((sent, total)),
    )
    .await
    .unwrap();
    assert_eq!(
        (ok.size, ok.name.as_str(), progress.last().copied()),
        (900, "a.txt", Some((900, 900)))
    );
    assert!(ok.url.contains("/files/"));
    assert!(
        upload(
            &base,
            &token_for("alice"),
            "big",
            "x/y",
            &[1u8; 2000],
            |_, _| {}
        )
        .await
        .is_err()
    );
    let forged = token::mint(b"wrong", &user("alice"), Millis(wall_clock().0 + 60_000));
    assert!(
        upload(&base, &forged, "a", "x/y", &[1u8; 10], |_, _| {})
            .await
            .is_err()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_resumes_with_no_loss_and_no_duplicates() {
    let server = start(None, 1024).await;
    let (alice, mut alice_events) = connect(&server, "alice");
    let (bob, mut bob_events) = connect(&server, "bob");
    for events in [&mut alice_events, &mut bob_events] {
        until(events, |e| {
            matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
        })
        .await;
    }
    let to_bob = || Conversation::Single(user("bob"));
    let first = alice
        .send(Outgoing::new(
            to_bob(),
            Body::Text {
                text: "before".into(),
            },
        ))
        .await
        .unwrap()
        .0;
    assert_eq!(
        until(&mut bob_events, |e| match e {
            Event::Message(m) => Some(m.mid),
            _ => None,
        })
        .await,
        first
    );
    // Cut bob's connection; alice keeps writing; bob reconnects by himself.
    bob.with(|c, now| c.handle_disconnect(now)).await.unwrap();
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            alice
                .send(Outgoing::new(
                    to_bob(),
                    Body::Text {
                        text: format!("during {i}"),
                    },
                ))
                .await
                .unwrap()
                .0,
        );
    }
    let got = messages(&mut bob_events, 5).await;
    assert_eq!(got, sent);
    // Nothing else arrives: no duplicates.
    let more = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let Some(Event::Message(m)) = bob_events.next().await {
                return m.mid;
            }
        }
    })
    .await;
    assert!(more.is_err(), "a duplicate arrived: {more:?}");
    server.shutdown().await;
}

/// `natter serve` on a data directory whose write-ahead log holds a damaged
/// record refuses to start, naming the file and the record, and changes
/// nothing.
#[test]
fn natter_serve_refuses_a_store_with_a_damaged_record() {
    let dir = scratch_dir("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join(natter_tokio::server::WAL_FILE);
    // Two sends as a running server writes them, then damage the first.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let server = start(Some(dir.clone()), 1024).await;
        let (alice, mut events) = connect(&server, "alice");
        until(&mut events, |e| {
            matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
        })
        .await;
        for text in ["one", "two"] {
            let to = Conversation::Single(user("bob"));
            alice
                .send(Outgoing::new(to, Body::Text { text: text.into() }))
                .await
                .unwrap();
        }
        server.shutdown().await;
    });
    // The log keeps a stored message's record as a reference to its row.
    // Damaging the first send's makes its entry fail its checksum with a
    // whole entry (the second send's) after it: damage, not a torn write.
    let mut bytes = std::fs::read(&log).unwrap();
    let pattern = br#"{"stored":""#;
    let first = bytes
        .windows(pattern.len())
        .position(|w| w == pattern)
        .unwrap();
    bytes[first] = b'#';
    std::fs::write(&log, &bytes).unwrap();
    refused_to_start(&dir, natter_tokio::server::WAL_FILE);
    // Nothing was cut: the damaged record is still there, and a second start
    // refuses as the first did.
    assert_eq!(std::fs::read(&log).unwrap(), bytes);
    refused_to_start(&dir, natter_tokio::server::WAL_FILE);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `natter serve` on `dir` and checks that it exits on its own,
/// refusing to start and naming `file`.
fn refused_to_start(dir: &std::path::Path, file: &str) {
    let mut out = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--secret",
            "s",
            "--data",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // It must exit on its own; one still running after 60 s has started.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while out.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = out.kill();
            panic!("natter serve started on a damaged store");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = out.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "it started: {stderr}");
    assert!(stderr.contains(file), "{stderr}");
    assert!(stderr.contains("refusing to start"), "{stderr}");
}

/// A connection that stops reading is closed once its outgoing queue is
/// full, instead of growing the server (inbox events are held back by the
/// delivery window; online-only messages are what fill the queue); when its
/// user comes back, the inbox replays every stored message, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected_and_resumes_losing_nothing() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = ServeConfig::new(ServerConfig::new(SECRET).with_rates(u32::MAX, u32::MAX));
    config.out_queue = 64; // raised to the window and 64 more: 320
    let server = serve(listener, config).await.unwrap();
    let url = format!("ws://{}/ws", server.addr);

    // bob's slow device: a tiny receive buffer, a hello, then no more reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(server.addr).await.unwrap();
    let (mut slow, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
        .await
        .unwrap();
    let hello = format!(
        r#"{{"type":"hello","versions":[1],"token":"{}","device":"bob-slow"}}"#,
        token_for("bob")
    );
    slow.send(Message::text(hello)).await.unwrap();
    let welcome = slow.next().await.unwrap().unwrap();
    assert!(welcome.to_text().unwrap().contains("welcome"));

    // alice sends far more than the queue and the socket buffers hold, one
    // message at a time: every fifth is stored, the rest online-only.
    let (alice, mut alice_events) = connect(&server, "alice");
    until(&mut alice_events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    tokio::spawn(async move { while alice_events.next().await.is_some() {} });
    let big = "x".repeat(15_000);
    let mut stored = Vec::new();
    for i in 0..1000 {
        let to_bob = Conversation::Single(user("bob"));
        let msg = Outgoing::new(to_bob, Body::Text { text: big.clone() });
        let msg = if i % 5 == 0 {
            msg
        } else {
            msg.with_online_only()
        };
        let (mid, _) = alice.send(msg).await.unwrap();
        if i % 5 == 0 {
            stored.push(mid);
        }
    }

    // The slow connection was closed: reading it now ends, short of all.
    let drained = tokio::time::timeout(Duration::from_secs(20), async {
        let mut frames = 0;
        while let Some(Ok(m)) = slow.next().await {
            if m.is_text() {
                frames += 1;
            }
        }
        frames
    })
    .await
    .expect("the slow connection was closed");
    assert!(drained < 1000, "it got all {drained} frames: not cut");

    // bob comes back on the same device: every stored message, once, in order.
    let config = Config::new(DeviceId::new("bob-slow").unwrap(), 4);
    let (_bob, mut bob_events) = Client::connect(&url, token_for("bob"), config);
    let got = messages(&mut bob_events, stored.len()).await;
    assert_eq!(got, stored);
    let more = tokio::time::timeout(Duration::from_millis(300), messages(&mut bob_events, 1)).await;
    assert!(more.is_err(), "a duplicate arrived: {more:?}");
    server.shutdown().await;
}

/// `kill -9` of `natter serve --data` in the middle of a stream of sends
/// loses no acknowledged message: every send answered `sent` before the
/// kill is in the history the restarted server serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_message() {
    // A checkpoint every 50 records: the kill lands among log segment
    // switches and checkpoints committed beside the log.
    let dir = scratch_dir("kill9");
    let (mut child, url) = natter_serve(
        &["--user-rate", "100000", "--checkpoint-every", "50"],
        &dir,
        std::str::from_utf8(SECRET).unwrap(),
    );
    let config = Config::new(DeviceId::new("alice-1").unwrap(), 5);
    let (alice, mut events) = Client::connect(&url, token_for("alice"), config);
    until(&mut events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sender = {
        let (alice, acked) = (alice.clone(), acked.clone());
        tokio::spawn(async move {
            for i in 0.. {
                let to = Conversation::Single(user("bob"));
                let msg = Outgoing::new(
                    to,
                    Body::Text {
                        text: format!("m{i}"),
                    },
                );
                match alice.send(msg).await {
                    Ok((mid, _)) => acked.lock().unwrap().push(mid),
                    Err(_) => break,
                }
            }
        })
    };
    tokio::time::timeout(Duration::from_secs(60), async {
        while acked.lock().unwrap().len() < 300 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("300 sends acknowledged in time");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before: Vec<_> = acked.lock().unwrap().clone();
    alice.close();
    sender.abort();

    let (mut child, url) = natter_serve(
        &["--user-rate", "100000", "--checkpoint-every", "50"],
        &dir,
        std::str::from_utf8(SECRET).unwrap(),
    );
    let config = Config::new(DeviceId::new("bob-1").unwrap(), 6);
    let (bob, mut events) = Client::connect(&url, token_for("bob"), config);
    until(&mut events, |e| {
        matches!(e, Event::State(ConnectionState::Ready { .. })).then_some(())
    })
    .await;
    let mut stored = std::collections::BTreeSet::new();
    let mut cursor = None;
    for _ in 0..1000 {
        let page = bob
            .fetch_history(
                Conversation::Single(user("alice")),
                cursor,
                natter_core::frame::client::Direction::After,
                100,
            )
            .await
            .unwrap();
        stored.extend(page.entries.iter().map(|e| e.mid()));
        if page.done {
            break;
        }
        cursor = page.next;
    }
    let lost: Vec<_> = before.iter().filter(|m| !stored.contains(m)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged messages lost: {lost:?}",
        lost.len(),
        before.len()
    );
    assert!(before.len() >= 300);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

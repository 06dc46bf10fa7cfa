//! `natter bench` end to end, on tiny loads: every scenario runs against
//! the bench's own servers and counts exactly what it sent. (Its figures
//! are measurements, never asserted.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[test]
fn bench_runs_every_scenario_and_counts_every_message() {
    let json = std::env::temp_dir().join(format!("natter-bench-test-{}.json", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "bench",
            "--pairs",
            "2",
            "--messages",
            "301",
            "--window",
            "4",
        ])
        .args([
            "--members",
            "3",
            "--group-messages",
            "7",
            "--storm",
            "20",
            "--json",
        ])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    let counts: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["scenario"].as_str().unwrap(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("echo", 301),
            ("relay (memory)", 301),
            ("relay (durable)", 301),
            ("fan-out to 3", 21),
            ("connection storm", 20),
        ]
    );
    for r in &rows {
        assert!(r["rate"].as_f64().unwrap() > 0.0, "{r}");
        assert!(r["rss_mib"].as_f64().unwrap() > 0.0, "{r}");
    }
    assert!(rows[1]["vs_echo"].as_f64().is_some());
}

/// A stand-in XMPP server that knows only the bench client's own steps: it
/// offers PLAIN, accepts any password, binds, opens a session, and routes
/// each `<message to='USER@localhost'>` to USER's stream. Returns its port
/// and the count of messages it routed.
fn fake_xmpp() -> (u16, Arc<AtomicU64>) {
    use base64::Engine;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let routed = Arc::new(AtomicU64::new(0));
    let streams: Arc<Mutex<HashMap<String, TcpStream>>> = Arc::default();
    let counter = routed.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let (mut socket, streams, routed) = (socket.unwrap(), streams.clone(), counter.clone());
            std::thread::spawn(move || -> Option<()> {
                let mut read = Vec::new();
                // Reads until `what`; returns what came before it, dropping both.
                let mut until = |socket: &mut TcpStream, what: &str| -> Option<String> {
                    loop {
                        let text = String::from_utf8_lossy(&read).into_owned();
                        if let Some(at) = text.find(what) {
                            read.drain(..at + what.len());
                            return Some(text[..at].to_owned());
                        }
                        let mut chunk = [0u8; 4096];
                        let n = socket.read(&mut chunk).ok().filter(|&n| n > 0)?;
                        read.extend_from_slice(&chunk[..n]);
                    }
                };
                let header = "<?xml version='1.0'?><stream:stream from='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'><stream:features>";
                until(&mut socket, "version='1.0'>")?;
                write!(socket, "{header}<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>").ok()?;
                let auth = until(&mut socket, "</auth>")?;
                let plain = base64::engine::general_purpose::STANDARD
                    .decode(&auth[auth.rfind('>')? + 1..])
                    .ok()?;
                let user = String::from_utf8(plain)
                    .ok()?
                    .split('\0')
                    .nth(1)?
                    .to_owned();
                write!(
                    socket,
                    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                )
                .ok()?;
                until(&mut socket, "version='1.0'>")?;
                write!(socket, "{header}<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>").ok()?;
                until(&mut socket, "</iq>")?;
                write!(socket, "<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{user}@localhost/bench</jid></bind></iq>").ok()?;
                until(&mut socket, "</iq>")?;
                write!(socket, "<iq type='result' id='session'/>").ok()?;
                streams
                    .lock()
                    .unwrap()
                    .insert(user, socket.try_clone().ok()?);
                loop {
                    let stanza = until(&mut socket, "</message>")?;
                    let to = stanza.split("to='").nth(1)?.split('@').next()?.to_owned();
                    let mut peer = streams.lock().unwrap().get(&to)?.try_clone().ok()?;
                    write!(peer, "{}</message>", &stanza[stanza.find("<message")?..]).ok()?;
                    routed.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (port, routed)
}

#[test]
fn the_xmpp_relay_logs_in_and_counts_every_message() {
    let (port, routed) = fake_xmpp();
    let json = std::env::temp_dir().join(format!("natter-bench-xmpp-{}.json", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .args(["bench", "--xmpp", &format!("127.0.0.1:{port}")])
        .args(["--xmpp-password", "pw", "--pairs", "2", "--messages", "301"])
        .args(["--window", "4", "--json"])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["scenario"], "relay (xmpp)");
    assert_eq!(rows[0]["count"], 301);
    assert_eq!(routed.load(Ordering::Relaxed), 301);
}

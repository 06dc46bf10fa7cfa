//! Interop over real WebSockets on 127.0.0.1: the async-std and smol
//! clients against the tokio server, the tokio client against the
//! async-std and smol servers, a cut connection resumed with nothing lost
//! or repeated, and a data directory written by one server read by the
//! other.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::StreamExt;
use natter_async_std::{AsyncRuntime, AsyncStd, Smol};
use natter_core::client::{Config, ConnectionState, Event, Outgoing};
use natter_core::frame::client::Direction;
use natter_core::server::{ServerConfig, token};
use natter_core::{Body, Conversation, DeviceId, MessageId, Millis, UserId};
use natter_driver::{ClientHandle, EventStream};
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

const SECRET: &[u8] = b"interop";

fn user(name: &str) -> UserId {
    UserId::new(name).unwrap()
}

fn token_for(name: &str) -> String {
    let expires = Millis(natter_async_std::wall_clock().0 + 3_600_000);
    token::mint(SECRET, &user(name), expires)
}

fn config(name: &str) -> Config {
    Config::new(DeviceId::new(format!("{name}-1")).unwrap(), 7)
}

/// Runs `f` to completion on async-std, failing after 30 s.
fn run<T>(f: impl Future<Output = T>) -> T {
    async_std::task::block_on(async_std::future::timeout(Duration::from_secs(30), f))
        .expect("the scenario finished in time")
}

/// A client on the runtime the test names.
#[derive(Clone, Copy, Debug)]
enum Side {
    AsyncStd,
    Smol,
    Tokio,
}

/// A tokio runtime for the tokio server and client.
fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn connect(
    side: Side,
    rt: &tokio::runtime::Runtime,
    url: &str,
    name: &str,
) -> (ClientHandle, EventStream) {
    match side {
        Side::AsyncStd => {
            let (c, e) =
                natter_async_std::Client::connect(AsyncStd, url, token_for(name), config(name));
            (c.handle().clone(), e)
        }
        Side::Smol => {
            let (c, e) =
                natter_async_std::Client::connect(Smol, url, token_for(name), config(name));
            (c.handle().clone(), e)
        }
        Side::Tokio => {
            let _guard = rt.enter();
            let (c, e) = natter_tokio::Client::connect(url, token_for(name), config(name));
            (c.handle().clone(), e)
        }
    }
}

async fn ready(events: &mut EventStream) {
    while let Some(e) = events.next().await {
        if matches!(e, Event::State(ConnectionState::Ready { .. })) {
            return;
        }
    }
    panic!("events ended before the session was ready");
}

/// The next `n` messages an application is shown.
async fn messages(events: &mut EventStream, n: usize) -> Vec<MessageId> {
    let mut got = Vec::new();
    while got.len() < n {
        match events.next().await {
            Some(Event::Message(m)) => got.push(m.mid),
            Some(_) => {}
            None => panic!("events ended after {got:?}"),
        }
    }
    got
}

fn text(s: &str) -> Body {
    Body::Text { text: s.into() }
}

/// alice sends bob three messages; bob cuts his connection, alice sends
/// three more; bob sees all six once, in order, and nothing after.
async fn talk(alice: (ClientHandle, EventStream), bob: (ClientHandle, EventStream)) {
    let ((alice, mut alice_events), (bob, mut bob_events)) = (alice, bob);
    ready(&mut alice_events).await;
    ready(&mut bob_events).await;
    let send = |range: std::ops::Range<u32>| {
        let alice = alice.clone();
        async move {
            let mut mids = Vec::new();
            for i in range {
                let to_bob = Conversation::Single(user("bob"));
                let msg = Outgoing::new(to_bob, text(&format!("m{i}")));
                mids.push(alice.send(msg).await.unwrap().0);
            }
            mids
        }
    };
    let mut sent = send(0..3).await;
    assert_eq!(messages(&mut bob_events, 3).await, sent);
    bob.with(|c, now| c.handle_disconnect(now)).await.unwrap();
    sent.extend(send(3..6).await);
    assert_eq!(messages(&mut bob_events, 3).await, sent[3..]);
    let more =
        async_std::future::timeout(Duration::from_millis(300), messages(&mut bob_events, 1)).await;
    assert!(more.is_err(), "a duplicate arrived: {more:?}");
    alice.close();
    bob.close();
}

/// Starts the tokio server (in memory or on `data`).
fn tokio_server(rt: &tokio::runtime::Runtime, data: Option<PathBuf>) -> natter_tokio::ServerHandle {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut config = natter_tokio::ServeConfig::new(ServerConfig::new(SECRET));
        config.data = data;
        natter_tokio::serve(listener, config).await.unwrap()
    })
}

/// Starts the async-std or smol server (in memory or on `data`).
async fn futures_server<R: AsyncRuntime>(
    runtime: R,
    data: Option<PathBuf>,
) -> natter_async_std::ServerHandle {
    let listener = runtime.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    natter_async_std::serve(runtime, listener, ServerConfig::new(SECRET), data)
        .await
        .unwrap()
}

#[test]
fn the_async_std_and_smol_clients_talk_through_the_tokio_server() {
    let rt = tokio_rt();
    for side in [Side::AsyncStd, Side::Smol] {
        let server = tokio_server(&rt, None);
        let url = format!("ws://{}/ws", server.addr);
        let (a, b) = (
            connect(side, &rt, &url, "alice"),
            connect(side, &rt, &url, "bob"),
        );
        run(talk(a, b));
        rt.block_on(server.shutdown());
    }
}

#[test]
fn the_tokio_client_talks_through_the_async_std_and_smol_servers() {
    let rt = tokio_rt();
    let server = run(futures_server(AsyncStd, None));
    let url = format!("ws://{}/ws", server.addr);
    run(talk(
        connect(Side::Tokio, &rt, &url, "alice"),
        connect(Side::Tokio, &rt, &url, "bob"),
    ));
    run(server.shutdown());
    let server = smol::block_on(futures_server(Smol, None));
    let url = format!("ws://{}/ws", server.addr);
    run(talk(
        connect(Side::Tokio, &rt, &url, "alice"),
        connect(Side::Tokio, &rt, &url, "bob"),
    ));
    smol::block_on(server.shutdown());
}

#[test]
fn clients_of_both_runtimes_talk_through_one_smol_server() {
    let rt = tokio_rt();
    let server = smol::block_on(futures_server(Smol, None));
    let url = format!("ws://{}/ws", server.addr);
    run(talk(
        connect(Side::AsyncStd, &rt, &url, "alice"),
        connect(Side::Smol, &rt, &url, "bob"),
    ));
    smol::block_on(server.shutdown());
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("natter-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// What one server acknowledged, the other finds in the same data
/// directory: the async-std server persists to the same store.
#[test]
fn a_data_directory_written_by_the_async_std_server_is_read_by_the_tokio_server() {
    let rt = tokio_rt();
    let dir = scratch_dir("shared");
    let server = run(futures_server(AsyncStd, Some(dir.clone())));
    let url = format!("ws://{}/ws", server.addr);
    let (alice, mut events) = connect(Side::AsyncStd, &rt, &url, "alice");
    let sent: Vec<MessageId> = run(async {
        ready(&mut events).await;
        let mut sent = Vec::new();
        for i in 0..4 {
            let to = Conversation::Single(user("bob"));
            sent.push(
                alice
                    .send(Outgoing::new(to, text(&format!("kept {i}"))))
                    .await
                    .unwrap()
                    .0,
            );
        }
        alice.close();
        sent
    });
    run(server.shutdown());

    let server = tokio_server(&rt, Some(dir.clone()));
    let url = format!("ws://{}/ws", server.addr);
    let (bob, mut events) = connect(Side::Tokio, &rt, &url, "bob");
    let page = run(async {
        ready(&mut events).await;
        let conv = Conversation::Single(user("alice"));
        bob.fetch_history(conv, None, Direction::After, 20)
            .await
            .unwrap()
    });
    let found: Vec<MessageId> = page.entries.iter().map(|e| e.mid()).collect();
    assert_eq!(found, sent);
    rt.block_on(server.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}

//! The driver needs no particular async runtime: here two clients and the
//! core server run on the `futures` executor alone, connected by in-memory
//! channels.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::channel::mpsc;
use futures::executor::LocalPool;
use futures::future::{BoxFuture, FutureExt};
use futures::task::LocalSpawnExt;
use futures::{Sink, Stream, StreamExt};
use natter_core::client::{Client, Config, ConnectionState, Event, Outgoing};
use natter_core::frame::client::{ConvRead, HistoryQuery, ThreadRef};
use natter_core::frame::requests;
use natter_core::server::{ConnectionId, Output, Server, ServerConfig, token};
use natter_core::{Body, Codec, Conversation, DeviceId, Millis, UserId};
use natter_driver::{Connector, Reconnect, Runtime};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Real time; timers never fire (nothing in this test needs them).
struct NoTimers;

impl Runtime for NoTimers {
    fn now(&self) -> Millis {
        Millis(1_000)
    }
    fn sleep_until(&self, _at: Millis) -> BoxFuture<'static, ()> {
        futures::future::pending().boxed()
    }
}

/// One end of an in-memory connection.
struct Pipe {
    conn: ConnectionId,
    to_server: mpsc::UnboundedSender<(ConnectionId, Option<String>)>,
    from_server: mpsc::UnboundedReceiver<String>,
}

impl Stream for Pipe {
    type Item = io::Result<String>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.from_server.poll_next_unpin(cx).map(|o| o.map(Ok))
    }
}

impl Sink<String> for Pipe {
    type Error = io::Error;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, item: String) -> io::Result<()> {
        self.to_server
            .unbounded_send((self.conn, Some(item)))
            .map_err(io::Error::other)
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = self.to_server.unbounded_send((self.conn, None));
        Poll::Ready(Ok(()))
    }
}

/// Opens pipes to the in-memory server.
struct MemConnector {
    next: u64,
    to_server: mpsc::UnboundedSender<(ConnectionId, Option<String>)>,
    register: mpsc::UnboundedSender<(ConnectionId, mpsc::UnboundedSender<String>)>,
}

impl Connector for MemConnector {
    type Transport = Pipe;
    fn connect(&mut self) -> BoxFuture<'static, io::Result<Pipe>> {
        self.next += 1;
        let conn = ConnectionId(self.next);
        let (tx, rx) = mpsc::unbounded();
        let registered = self.register.unbounded_send((conn, tx));
        let pipe = Pipe {
            conn,
            to_server: self.to_server.clone(),
            from_server: rx,
        };
        async move {
            registered.map_err(io::Error::other)?;
            Ok(pipe)
        }
        .boxed()
    }
}

async fn serve(
    mut register: mpsc::UnboundedReceiver<(ConnectionId, mpsc::UnboundedSender<String>)>,
    mut inbound: mpsc::UnboundedReceiver<(ConnectionId, Option<String>)>,
) {
    let mut server = Server::new(Arc::new(ServerConfig::new(b"k".to_vec())));
    let mut conns = std::collections::BTreeMap::new();
    let codec = Codec::default();
    loop {
        futures::select! {
            r = register.next() => match r {
                Some((conn, tx)) => {
                    conns.insert(conn, tx);
                    server.handle_connect(Millis(1_000), conn);
                }
                None => break,
            },
            f = inbound.next() => match f {
                Some((conn, Some(text))) => {
                    let _ = server.handle_bytes(Millis(1_000), conn, text.as_bytes());
                }
                Some((conn, None)) => server.handle_disconnect(Millis(1_000), conn),
                None => break,
            },
        }
        while let Some(output) = server.poll_output() {
            match output {
                Output::Persist(batch) => server.persisted(batch.id()),
                Output::Transmit { conn, frame } => {
                    if let (Some(tx), Ok(text)) = (conns.get(&conn), codec.encode_text(&frame)) {
                        let _ = tx.unbounded_send(text);
                    }
                }
                Output::Event(_) => {}
                // No resident window, no checkpoints: neither comes.
                Output::Load(_) | Output::Checkpoint(_) => {}
            }
        }
    }
}

#[test]
fn two_clients_talk_through_the_core_server_without_an_async_runtime() {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let (to_server, inbound) = mpsc::unbounded();
    let (register, registrations) = mpsc::unbounded();
    spawner.spawn_local(serve(registrations, inbound)).unwrap();
    let start = |name: &str, n: u64| {
        let user = UserId::new(name).unwrap();
        let tok = token::mint(b"k", &user, Millis(u64::MAX / 4));
        let client = Client::new(Arc::new(Config::new(DeviceId::new(name).unwrap(), 1)), tok);
        let connector = MemConnector {
            next: n * 100,
            to_server: to_server.clone(),
            register: register.clone(),
        };
        let (handle, events, drive) =
            natter_driver::start(client, connector, Arc::new(NoTimers), Reconnect::default());
        spawner.spawn_local(drive).unwrap();
        (handle, events)
    };
    let (alice, mut alice_events) = start("alice", 1);
    let (_bob, mut bob_events) = start("bob", 2);
    let got = pool.run_until(async move {
        for events in [&mut alice_events, &mut bob_events] {
            while let Some(e) = events.next().await {
                if matches!(e, Event::State(ConnectionState::Ready { .. })) {
                    break;
                }
            }
        }
        let to_bob = Conversation::Single(UserId::new("bob").unwrap());
        let (mid, _) = alice
            .send(Outgoing::new(
                to_bob,
                Body::Text {
                    text: "no runtime needed".into(),
                },
            ))
            .await
            .unwrap();
        // Any request of the table, through the one typed path: the
        // answer comes back as the `ok` frame's payload, and a request that
        // fails comes back as its code.
        let done = alice
            .request::<requests::ConvRead>(|id| {
                ConvRead::new(id, Conversation::Single(UserId::new("bob").unwrap()))
            })
            .await
            .unwrap();
        assert!(!done.pending);
        let page = alice
            .request::<requests::History>(|id| {
                HistoryQuery::new(id, Conversation::Single(UserId::new("bob").unwrap()))
            })
            .await
            .unwrap();
        assert_eq!(page.entries.len(), 1, "{page:?}");
        let missing = alice
            .request::<requests::ThreadJoin>(|id| {
                ThreadRef::new(id, natter_core::ThreadId::new("t9").unwrap())
            })
            .await;
        assert!(
            matches!(missing, Err(natter_driver::DriverError::Failed { code, .. }) if code.0 == 404),
            "{missing:?}"
        );
        while let Some(e) = bob_events.next().await {
            if let Event::Message(m) = e {
                return (mid, m.mid, m.body);
            }
        }
        panic!("bob's events ended");
    });
    assert_eq!(got.0, got.1);
    assert_eq!(
        got.2,
        Body::Text {
            text: "no runtime needed".into()
        }
    );
}

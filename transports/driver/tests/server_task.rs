//! The server task as an adapter drives it, on the `futures` executor: what
//! reaches a connection's outgoing queue, and in what batches.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::executor::block_on;
use futures::future::{BoxFuture, FutureExt};
use futures::{SinkExt, StreamExt};
use natter_core::server::{ConnectionId, Server, ServerConfig, token};
use natter_core::{ClientFrame, Codec, Millis, ServerFrame, UserId, WireFrame};
use natter_driver::Runtime;
use natter_driver::server::{Input, ServerTask, input_queue, out_queue};
use std::sync::Arc;

/// A fixed clock; timers never fire.
struct Still;

impl Runtime for Still {
    fn now(&self) -> Millis {
        Millis(1_000)
    }
    fn wall_clock(&self) -> Millis {
        Millis(1_000)
    }
    fn sleep_until(&self, _at: Millis) -> BoxFuture<'static, ()> {
        futures::future::pending().boxed()
    }
}

fn frame(json: &str) -> Box<ClientFrame> {
    Box::new(Codec::default().decode(json.as_bytes()).unwrap())
}

/// alice's connection, with `inputs` queued after it connects, run through
/// a server task until the inputs end: the batches her queue received.
fn batches_after(bound: usize, inputs: &[&str]) -> Vec<Vec<ServerFrame>> {
    let server = Server::new(Arc::new(ServerConfig::new(b"k".to_vec())));
    let task = ServerTask::new(server, None, Arc::new(Still));
    let (mut to_task, from_conns) = input_queue();
    let (tx, out) = out_queue(bound);
    let conn = ConnectionId(1);
    let tok = token::mint(b"k", &UserId::new("alice").unwrap(), Millis(60_000));
    let hello = format!(r#"{{"type":"hello","versions":[1,2],"token":"{tok}","device":"d"}}"#);
    block_on(async {
        to_task.send(Input::Connect(conn, tx)).await.unwrap();
        to_task
            .send(Input::Frame(conn, frame(&hello)))
            .await
            .unwrap();
        for json in inputs {
            to_task.send(Input::Frame(conn, frame(json))).await.unwrap();
        }
        drop(to_task);
        task.run(from_conns).await;
        out.collect().await
    })
}

fn kinds(batch: &[ServerFrame]) -> Vec<&'static str> {
    batch.iter().map(WireFrame::kind).collect()
}

#[test]
fn the_frames_of_one_drain_reach_a_connection_as_one_batch() {
    let batches = batches_after(
        16,
        &[
            r#"{"type":"ping","nonce":1}"#,
            r#"{"type":"ping","nonce":2}"#,
        ],
    );
    let kinds: Vec<_> = batches.iter().map(|b| kinds(b)).collect();
    assert_eq!(kinds, [vec!["welcome", "pong", "pong"]]);
}

#[test]
fn a_drain_beyond_the_bound_closes_the_connection_with_nothing_of_it_queued() {
    let pings = [r#"{"type":"ping","nonce":1}"#; 4];
    assert_eq!(batches_after(5, &pings).concat().len(), 5);
    assert_eq!(batches_after(4, &pings), Vec::<Vec<ServerFrame>>::new());
}

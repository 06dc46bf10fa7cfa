//! `natter echo`: a bare WebSocket echo on the server's own stack (axum,
//! tokio, the same socket settings), so that `natter bench` can put every
//! figure beside the transport's ceiling.

use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{Message, WebSocket};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use futures::{SinkExt, StreamExt};
use std::process::ExitCode;

/// Serves `/ws` on `listen`, sending every text message back.
pub(crate) async fn run(listen: &str) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!("natter echo on ws://{addr}/ws");
    // As the server does: small frames leave at once (no Nagle delay).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = Router::new().route("/ws", get(upgrade));
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn upgrade(ws: WebSocketUpgrade) -> Response {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(natter_driver::server::WRITE_BUFFER)
        .on_upgrade(echo)
}

/// Echoes through a queue and a writer task, as the server's connections
/// write, so that the echo's ceiling is the same stack's.
async fn echo(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (mut tx, out) = futures::channel::mpsc::channel::<String>(1024);
    let writer = tokio::spawn(async move {
        let wrap = |t: String| Some(Message::Text(t.into()));
        let _ = natter_driver::server::write_frames(out.map(|t| [t]), &mut sink, wrap).await;
    });
    while let Some(Ok(msg)) = stream.next().await {
        if let Message::Text(text) = msg
            && tx.send(text.as_str().to_owned()).await.is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

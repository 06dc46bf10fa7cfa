//! The WebSocket server: the core server state machine behind one actor
//! task, WebSocket connections at `/ws`, attachment upload and download over
//! HTTP, records and messages persisted to the data directory's store
//! (natter-driver's `Store`) before
//! acknowledgements go out, recovery from its checkpoint at start, graceful
//! shutdown.

mod files;

pub use natter_driver::server::{STORE_FILE, WAL_FILE};

use crate::TokioRuntime;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use files::Files;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use natter_core::server::{ConnectionId, Server, ServerConfig};
use natter_core::{Codec, ServerFrame};
use natter_driver::server::{
    Input, ServerTask, Store, WRITE_BUFFER, encode, input, input_text, out_queue, write_frames,
};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The protocol server's configuration (its secret signs the tokens).
    pub server: ServerConfig,
    /// Where records and attachments are kept; `None` keeps everything in
    /// memory (for tests and the demo).
    pub data: Option<PathBuf>,
    /// The largest attachment accepted, in bytes.
    pub max_upload: usize,
    /// The most frames waiting for one connection; a connection that falls
    /// this far behind is closed and resumes from its inbox when it comes
    /// back (natter-driver's slow-consumer policy).
    pub out_queue: usize,
    /// The store's page cache, in bytes (with `data`).
    pub store_cache: usize,
}

impl ServeConfig {
    /// In-memory, 10 MiB uploads, 1,024 frames per connection queue.
    pub fn new(server: ServerConfig) -> Self {
        ServeConfig {
            server,
            data: None,
            max_upload: 10 * 1024 * 1024,
            out_queue: natter_driver::server::OUT_QUEUE,
            store_cache: natter_driver::server::CACHE_BYTES,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Shared {
    inputs: mpsc::Sender<Input>,
    out_queue: usize,
    /// Decodes and encodes on each connection's task.
    codec: Codec,
    next_conn: Arc<AtomicU64>,
    pub(crate) files: Arc<Files>,
    pub(crate) secret: Arc<Vec<u8>>,
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    actor: tokio::task::AbortHandle,
    /// Resolves once the server task is dropped and the store released.
    released: futures::channel::oneshot::Receiver<()>,
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
}

impl ServerHandle {
    /// Stops accepting, closes every connection, waits for the end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
        let _ = self.released.await;
    }

    /// Stops at once, like a crash (`kill -9`): no input is handled and no
    /// frame sent any more (a write already handed to the store finishes);
    /// resolves once the store is released, so that a server can start
    /// again on the same data directory. For tests.
    pub async fn crash(self) {
        self.actor.abort();
        self.task.abort();
        let _ = self.released.await;
    }
}

/// Serves on `listener` until shut down. With a data directory, recovers
/// the state from its store first, and keeps only the newest messages in
/// memory ([`natter_driver::server::with_store`]).
pub async fn serve(listener: TcpListener, config: ServeConfig) -> io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let (store, server) = match &config.data {
        Some(dir) => {
            let (store, server) = Store::open(dir, config.server.clone(), config.store_cache)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            (Some(store), server)
        }
        None => (None, Server::new(Arc::new(config.server.clone()))),
    };
    let files = Files::new(
        config.data.as_ref().map(|d| d.join("files")),
        config.max_upload,
    )?;
    let (inputs, rx) = natter_driver::server::input_queue();
    let actor = ServerTask::new(server, store, Arc::new(TokioRuntime));
    let (released_tx, released) = futures::channel::oneshot::channel::<()>();
    let actor_task = tokio::spawn(async move {
        let _released = natter_driver::server::Released::new(released_tx);
        let () = actor.run(rx).await;
    });
    let actor_abort = actor_task.abort_handle();
    let shared = Shared {
        inputs,
        out_queue: natter_driver::server::out_queue_bound(
            config.out_queue,
            config.server.delivery_window(),
        ),
        codec: Codec::new(config.server.max_frame()),
        next_conn: Arc::new(AtomicU64::new(1)),
        files: Arc::new(files),
        secret: Arc::new(config.server.secret().to_vec()),
    };
    let app = Router::new()
        .route("/ws", get(upgrade))
        .route("/upload", post(files::upload))
        .route("/files/{id}", get(files::download))
        .layer(axum::extract::DefaultBodyLimit::max(
            config.max_upload.saturating_add(1),
        ))
        .with_state(shared);
    let (shutdown, stop) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Every accepted socket sends small frames at once (no Nagle delay).
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {e}");
            }
        });
        let graceful = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stop.await;
        });
        if let Err(e) = graceful.await {
            tracing::error!("server error: {e}");
        }
        actor_task.abort();
    });
    Ok(ServerHandle {
        shutdown: Some(shutdown),
        task,
        actor: actor_abort,
        released,
        addr,
    })
}

/// The WebSocket layer's own limit on one message; frames between the
/// protocol's `max_frame` and this get the protocol's 413 answer, larger
/// ones close the connection.
const WS_MESSAGE_LIMIT: usize = 1024 * 1024;

async fn upgrade(ws: WebSocketUpgrade, State(shared): State<Shared>) -> Response {
    // Small buffers keep an idle connection cheap (tungstenite's default
    // read buffer alone is 128 KiB).
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(WS_MESSAGE_LIMIT)
        .max_frame_size(WS_MESSAGE_LIMIT)
        .on_upgrade(move |socket| connection(socket, shared))
}

/// One WebSocket: messages in go to the server task (waiting while its
/// queue is full, so a server behind stops reading sockets); frames out come
/// from the connection's bounded queue, and the connection closes when the
/// queue ends (a close, or a slow consumer dropped by the server task).
async fn connection(socket: WebSocket, mut shared: Shared) {
    let conn = ConnectionId(shared.next_conn.fetch_add(1, Ordering::Relaxed));
    let (tx, out) = out_queue(shared.out_queue);
    if shared.inputs.send(Input::Connect(conn, tx)).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = socket.split();
    let mut writer = tokio::spawn(async move {
        let codec = shared.codec;
        let wrap = |frame: ServerFrame| Some(Message::Text(encode(&codec, &frame)?.into()));
        let _ = write_frames(out, &mut sink, wrap).await;
        let _ = sink.close().await;
    });
    loop {
        let msg = tokio::select! {
            msg = stream.next() => msg,
            _ = &mut writer => break,
        };
        let input = match msg {
            Some(Ok(Message::Text(text))) => input_text(&shared.codec, conn, &text),
            Some(Ok(Message::Binary(bytes))) => input(&shared.codec, conn, &bytes),
            Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            Some(Ok(_)) => continue,
        };
        if shared.inputs.send(input).await.is_err() {
            break;
        }
    }
    let _ = shared.inputs.send(Input::Disconnect(conn)).await;
    writer.abort();
}

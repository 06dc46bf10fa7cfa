//! The WebSocket server: the core server behind natter-driver's
//! [`ServerTask`], WebSocket connections on every path, records and
//! messages persisted to the same store as `natter serve` before
//! acknowledgements go out, recovery from it at start. HTTP attachment upload and download are
//! natter-tokio's alone: clients of this server upload out of band.

use crate::runtime::AsyncRuntime;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::tungstenite::protocol::WebSocketConfig;
use futures::channel::{mpsc, oneshot};
use futures::future::{AbortHandle, Abortable};
use futures::{FutureExt, SinkExt, StreamExt};
use natter_core::server::{ConnectionId, Server, ServerConfig};
use natter_core::{Codec, ServerFrame};
use natter_driver::server::{
    CACHE_BYTES, Input, OUT_QUEUE, ServerTask, Store, WRITE_BUFFER, encode, input, input_text,
    out_queue_bound, write_frames,
};
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    stop: Option<oneshot::Sender<()>>,
    stopped: oneshot::Receiver<()>,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl ServerHandle {
    /// Stops accepting and drops every connection and the server task;
    /// resolves once the listener is closed. Every acknowledged record is
    /// already on disk (persist before answer), so a server started again
    /// on the same data directory loses nothing.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.stopped).await;
    }
}

/// The tasks running now, by key (0 the server task, else the connection
/// number), to stop at shutdown; a task removes itself when it ends.
type Tasks = Arc<Mutex<BTreeMap<u64, AbortHandle>>>;

fn abortable<F: Future<Output = ()>>(
    tasks: &Tasks,
    key: u64,
    task: F,
) -> impl Future<Output = ()> + use<F> {
    let (handle, registration) = AbortHandle::new_pair();
    if let Ok(mut running) = tasks.lock() {
        running.insert(key, handle);
    }
    let tasks = Arc::clone(tasks);
    Abortable::new(task, registration).map(move |_| {
        if let Ok(mut running) = tasks.lock() {
            running.remove(&key);
        }
    })
}

/// Serves on `listener`, driven by `runtime`, until shut down. With `data`,
/// recovers from the data directory's store first and persists to it,
/// keeping only the newest messages in memory
/// ([`natter_driver::server::with_store`]).
pub async fn serve<R: AsyncRuntime>(
    runtime: R,
    listener: R::Listener,
    config: ServerConfig,
    data: Option<PathBuf>,
) -> io::Result<ServerHandle> {
    let addr = R::local_addr(&listener)?;
    let out_queue = out_queue_bound(OUT_QUEUE, config.delivery_window());
    let codec = Codec::new(config.max_frame());
    let (store, server) = match &data {
        Some(dir) => {
            let (store, server) = Store::open(dir, config, CACHE_BYTES)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            (Some(store), server)
        }
        None => (None, Server::new(Arc::new(config))),
    };
    let tasks: Tasks = Arc::default();
    let (inputs, rx) = natter_driver::server::input_queue();
    let task = ServerTask::new(server, store, Arc::new(runtime.clone()));
    // The store is released when the server task is dropped: shutdown
    // waits for that, so that a server started again on the same data
    // directory can open it.
    let (released_tx, released) = oneshot::channel::<()>();
    let server_task = abortable(&tasks, 0, task.run(rx));
    runtime.spawn(async move {
        let _released = natter_driver::server::Released::new(released_tx);
        server_task.await;
    });
    let (stop, mut stop_rx) = oneshot::channel();
    let (stopped_tx, stopped) = oneshot::channel();
    let accept_runtime = runtime.clone();
    runtime.spawn(async move {
        let next_conn = AtomicU64::new(1);
        loop {
            let accepted = futures::select! {
                _ = stop_rx => break,
                tcp = R::accept(&listener).fuse() => tcp,
            };
            let Ok(tcp) = accepted else { continue };
            let conn = ConnectionId(next_conn.fetch_add(1, Ordering::Relaxed));
            let connection = connection(
                accept_runtime.clone(),
                tcp,
                conn,
                inputs.clone(),
                out_queue,
                codec,
            );
            accept_runtime.spawn(abortable(&tasks, conn.0, connection));
        }
        drop(listener);
        let running: Vec<AbortHandle> = match tasks.lock() {
            Ok(mut running) => std::mem::take(&mut *running).into_values().collect(),
            Err(_) => Vec::new(),
        };
        running.iter().for_each(AbortHandle::abort);
        let _ = released.await;
        let _ = stopped_tx.send(());
    });
    Ok(ServerHandle {
        stop: Some(stop),
        stopped,
        addr,
    })
}

/// One WebSocket: messages in go to the server task (waiting while its
/// queue is full); frames out come from the connection's bounded queue, and
/// the connection closes when the queue ends (natter-driver's slow-consumer
/// policy).
async fn connection<R: AsyncRuntime>(
    runtime: R,
    tcp: R::Tcp,
    conn: ConnectionId,
    mut inputs: mpsc::Sender<Input>,
    out_queue: usize,
    codec: Codec,
) {
    let config = WebSocketConfig::default().write_buffer_size(WRITE_BUFFER);
    let Ok(ws) = async_tungstenite::accept_async_with_config(tcp, Some(config)).await else {
        return;
    };
    let (tx, out) = natter_driver::server::out_queue(out_queue);
    if inputs.send(Input::Connect(conn, tx)).await.is_err() {
        return;
    }
    let (mut sink, mut stream) = ws.split();
    let (writer_done, mut writer_finished) = oneshot::channel::<()>();
    runtime.spawn(async move {
        let wrap = |frame: ServerFrame| Some(Message::text(encode(&codec, &frame)?));
        let _ = write_frames(out, &mut sink, wrap).await;
        let _ = sink.close(None).await;
        let _ = writer_done.send(());
    });
    loop {
        let msg = futures::select! {
            msg = stream.next() => msg,
            _ = writer_finished => break,
        };
        let input = match msg {
            Some(Ok(Message::Text(text))) => input_text(&codec, conn, &text),
            Some(Ok(Message::Binary(bytes))) => input(&codec, conn, &bytes),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => continue,
        };
        if inputs.send(input).await.is_err() {
            break;
        }
    }
    let _ = inputs.send(Input::Disconnect(conn)).await;
}

//! The WebSocket client: a connector for the driver over async-tungstenite.

use crate::runtime::AsyncRuntime;
use async_tungstenite::WebSocketStream;
use async_tungstenite::tungstenite::client::IntoClientRequest;
use futures::future::{BoxFuture, FutureExt};
use natter_core::client::{Client as Core, Config};
use natter_driver::{ClientHandle, Connector, EventStream, Reconnect, WsTransport};
use std::io;
use std::sync::Arc;

/// Opens a WebSocket to `url` for every (re)connection, on runtime `R`.
#[derive(Clone, Debug)]
pub struct WsConnector<R> {
    url: String,
    runtime: R,
}

impl<R: AsyncRuntime> WsConnector<R> {
    /// A connector for `ws://host:port/path` URLs.
    pub fn new(runtime: R, url: impl Into<String>) -> Self {
        WsConnector {
            url: url.into(),
            runtime,
        }
    }
}

impl<R: AsyncRuntime> Connector for WsConnector<R> {
    type Transport = WsTransport<WebSocketStream<R::Tcp>>;

    fn connect(&mut self) -> BoxFuture<'static, io::Result<Self::Transport>> {
        let (url, runtime) = (self.url.clone(), self.runtime.clone());
        async move {
            let request = url.into_client_request().map_err(io::Error::other)?;
            let uri = request.uri();
            let host = uri
                .host()
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no host in the URL"))?;
            let addr = format!("{host}:{}", uri.port_u16().unwrap_or(80));
            let tcp = runtime.connect(addr).await?;
            let (ws, _) = async_tungstenite::client_async(request, tcp)
                .await
                .map_err(io::Error::other)?;
            Ok(WsTransport(ws))
        }
        .boxed()
    }
}

/// The Natter client on async-std or smol: a cloneable handle whose
/// commands resolve on the server's answer (it dereferences to
/// [`ClientHandle`], the same handle natter-tokio's client has).
#[derive(Clone, Debug)]
pub struct Client {
    handle: ClientHandle,
}

impl std::ops::Deref for Client {
    type Target = ClientHandle;
    fn deref(&self) -> &ClientHandle {
        &self.handle
    }
}

impl Client {
    /// Connects to `url` (`ws://HOST:PORT/ws`) as the user `token` names,
    /// driving the client on `runtime`; returns the client and its event
    /// stream. It reconnects and resumes on its own; [`ClientHandle::close`]
    /// stops it.
    pub fn connect<R: AsyncRuntime>(
        runtime: R,
        url: &str,
        token: impl Into<String>,
        config: Config,
    ) -> (Client, EventStream) {
        Self::connect_with(runtime, url, token, config, Reconnect::default())
    }

    /// Like [`Client::connect`], with a reconnection backoff.
    pub fn connect_with<R: AsyncRuntime>(
        runtime: R,
        url: &str,
        token: impl Into<String>,
        config: Config,
        reconnect: Reconnect,
    ) -> (Client, EventStream) {
        let core = Core::new(Arc::new(config), token.into());
        let connector = WsConnector::new(runtime.clone(), url);
        let (handle, events, drive) =
            natter_driver::start(core, connector, Arc::new(runtime.clone()), reconnect);
        runtime.spawn(drive);
        (Client { handle }, events)
    }

    /// The driver handle.
    pub fn handle(&self) -> &ClientHandle {
        &self.handle
    }
}

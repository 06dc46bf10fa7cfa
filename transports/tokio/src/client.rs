//! The WebSocket client: a connector for the driver over tokio-tungstenite.

use crate::runtime::TokioRuntime;
use futures::future::{BoxFuture, FutureExt};
use futures::{Sink, Stream};
use natter_core::client::{Client as Core, Config};
use natter_driver::{ClientHandle, Connector, EventStream, Reconnect};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn to_io(e: WsError) -> io::Error {
    io::Error::other(e)
}

/// A WebSocket as the driver's transport: text frames both ways; pings and
/// pongs are left to tungstenite; binary frames are passed on as text so
/// the core reports them malformed.
pub struct WsTransport(Ws);

impl Stream for WsTransport {
    type Item = io::Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match Pin::new(&mut self.0).poll_next(cx) {
                Poll::Ready(Some(Ok(Message::Text(t)))) => Poll::Ready(Some(Ok(t.to_string()))),
                Poll::Ready(Some(Ok(Message::Binary(b)))) => {
                    Poll::Ready(Some(Ok(String::from_utf8_lossy(&b).into_owned())))
                }
                Poll::Ready(Some(Ok(Message::Close(_)))) | Poll::Ready(None) => Poll::Ready(None),
                Poll::Ready(Some(Ok(_))) => continue,
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(to_io(e)))),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

impl Sink<String> for WsTransport {
    type Error = io::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_ready(cx).map_err(to_io)
    }

    fn start_send(mut self: Pin<&mut Self>, item: String) -> io::Result<()> {
        Pin::new(&mut self.0)
            .start_send(Message::text(item))
            .map_err(to_io)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx).map_err(to_io)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx).map_err(to_io)
    }
}

/// Opens a WebSocket to `url` for every (re)connection.
#[derive(Clone, Debug)]
pub struct WsConnector {
    url: String,
}

impl WsConnector {
    /// A connector for `ws://host:port/ws`-style URLs.
    pub fn new(url: impl Into<String>) -> Self {
        WsConnector { url: url.into() }
    }
}

impl Connector for WsConnector {
    type Transport = WsTransport;

    fn connect(&mut self) -> BoxFuture<'static, io::Result<WsTransport>> {
        let url = self.url.clone();
        async move {
            let (ws, _) = tokio_tungstenite::connect_async(url).await.map_err(to_io)?;
            Ok(WsTransport(ws))
        }
        .boxed()
    }
}

/// The Natter client on tokio.
#[derive(Debug)]
pub struct Client;

impl Client {
    /// Connects to `url` as the user `token` names; returns a cloneable
    /// handle (commands resolve on the server's answer) and the event
    /// stream. The client reconnects and resumes on its own; call
    /// [`ClientHandle::close`] to stop it. Must be called within a tokio
    /// runtime.
    pub fn connect(
        url: &str,
        token: impl Into<String>,
        config: Config,
    ) -> (ClientHandle, EventStream) {
        Self::connect_with(url, token, config, Reconnect::default())
    }

    /// Like [`Client::connect`], with a reconnection backoff.
    pub fn connect_with(
        url: &str,
        token: impl Into<String>,
        config: Config,
        reconnect: Reconnect,
    ) -> (ClientHandle, EventStream) {
        let core = Core::new(Arc::new(config), token);
        let (handle, events, drive) = natter_driver::start(
            core,
            WsConnector::new(url),
            Arc::new(TokioRuntime),
            reconnect,
        );
        tokio::spawn(drive);
        (handle, events)
    }
}

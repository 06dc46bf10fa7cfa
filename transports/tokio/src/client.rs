//! The WebSocket client: a connector for the driver over tokio-tungstenite.

use crate::runtime::TokioRuntime;
use crate::upload::upload;
use futures::future::{BoxFuture, FutureExt};
use natter_core::body::Attachment;
use natter_core::client::{Client as Core, Config, Outcome, Outgoing};
use natter_core::{Body, Conversation, MessageId, Millis};
use natter_driver::{ClientHandle, Connector, DriverError, EventStream, Reconnect};
use std::io;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn to_io(e: WsError) -> io::Error {
    io::Error::other(e)
}

/// A tokio WebSocket as the driver's transport.
pub type WsTransport = natter_driver::WsTransport<Ws>;

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
            // Small frames go out at once (TCP_NODELAY).
            let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
                .await
                .map_err(to_io)?;
            Ok(natter_driver::WsTransport(ws))
        }
        .boxed()
    }
}

/// The kind of attachment a file is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An image.
    Image,
    /// Any file.
    File,
    /// A voice message.
    Audio,
    /// A video.
    Video,
}

/// Where the bytes of a file come from.
#[derive(Clone, Debug)]
pub enum FileSource {
    /// A file on disk.
    Path(std::path::PathBuf),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

/// The Natter client on tokio: a cloneable handle whose commands resolve on
/// the server's answer (it dereferences to [`ClientHandle`]), which also
/// uploads attachments over HTTP.
#[derive(Clone, Debug)]
pub struct Client {
    handle: ClientHandle,
    http: Option<String>,
    token: String,
}

impl std::ops::Deref for Client {
    type Target = ClientHandle;
    fn deref(&self) -> &ClientHandle {
        &self.handle
    }
}

impl Client {
    /// Connects to `url` (`ws://HOST:PORT/ws`) as the user `token` names;
    /// returns the client and its event stream. It reconnects and resumes on
    /// its own; [`ClientHandle::close`] stops it. Must be called within a
    /// tokio runtime.
    pub fn connect(url: &str, token: impl Into<String>, config: Config) -> (Client, EventStream) {
        Self::connect_with(url, token, config, Reconnect::default())
    }

    /// Like [`Client::connect`], with a reconnection backoff.
    pub fn connect_with(
        url: &str,
        token: impl Into<String>,
        config: Config,
        reconnect: Reconnect,
    ) -> (Client, EventStream) {
        let token = token.into();
        let core = Core::new(Arc::new(config), token.clone());
        let (handle, events, drive) = natter_driver::start(
            core,
            WsConnector::new(url),
            Arc::new(TokioRuntime),
            reconnect,
        );
        tokio::spawn(drive);
        let http = url
            .strip_prefix("ws://")
            .map(|rest| format!("http://{}", rest.split('/').next().unwrap_or(rest)));
        (
            Client {
                handle,
                http,
                token,
            },
            events,
        )
    }

    /// The driver handle.
    pub fn handle(&self) -> &ClientHandle {
        &self.handle
    }

    /// Sends a file in two steps: the state machine asks for the upload
    /// ([`natter_core::client::Event::UploadRequested`]), the bytes go to the
    /// server over HTTP with [`natter_core::client::Event::UploadProgress`]
    /// events, then the message goes out with the attachment's URL.
    /// Resolves with the message's id and time.
    pub async fn send_file(
        &self,
        to: Conversation,
        kind: FileKind,
        source: FileSource,
        name: &str,
        mime: &str,
    ) -> Result<(MessageId, Millis), DriverError> {
        let bytes = match source {
            FileSource::Bytes(b) => b,
            FileSource::Path(p) => tokio::fs::read(&p)
                .await
                .map_err(|e| DriverError::Unexpected(format!("{}: {e}", p.display())))?,
        };
        let local = Box::new({
            let mut f = Attachment::default();
            f.name = name.to_owned();
            f.size = bytes.len() as u64;
            f.mime = Some(mime.to_owned());
            f
        });
        let body = match kind {
            FileKind::Image => Body::Image(local),
            FileKind::File => Body::File(local),
            FileKind::Audio => Body::Audio(local),
            FileKind::Video => Body::Video(local),
        };
        let id = self
            .handle
            .begin(move |c, now| c.send(now, Outgoing::new(to, body)))
            .await?;
        let base = self
            .http
            .clone()
            .ok_or_else(|| DriverError::Unexpected("uploads need a ws:// URL".into()))?;
        let (reporter, progress_id) = (self.handle.clone(), id.clone());
        let report = move |sent, total| {
            let id = progress_id.clone();
            reporter.notify(move |c, _| {
                let _ = c.upload_progress(&id, sent, total);
            });
        };
        let done_id = id.clone();
        match upload(&base, &self.token, name, mime, &bytes, report).await {
            Ok(attachment) => {
                self.handle
                    .with(move |c, now| c.upload_complete(now, &done_id, attachment))
                    .await??
            }
            Err(e) => {
                self.handle
                    .with(move |c, _| c.upload_failed(&done_id, e.to_string()))
                    .await??
            }
        }
        match self.handle.outcome(id).await? {
            Outcome::Sent { mid, ts, .. } => Ok((mid, ts)),
            other => Err(DriverError::Unexpected(format!("{other:?}"))),
        }
    }
}

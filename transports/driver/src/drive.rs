//! The drive loop.

use crate::handle::{ClientHandle, DriverError, EventStream, Request};
use futures::channel::{mpsc, oneshot};
use futures::future::{BoxFuture, FutureExt};
use futures::{Sink, SinkExt, Stream, StreamExt};
use natter_core::client::{Client, ConnectionState, Event, Outcome};
use natter_core::{Codec, Millis, RequestId};
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Time and timers, from the adapter's runtime.
pub trait Runtime: Send + Sync + 'static {
    /// Now, in milliseconds on a monotonic clock (timers run on it).
    fn now(&self) -> Millis;
    /// A future that resolves at `at`, on the same clock as [`Runtime::now`].
    fn sleep_until(&self, at: Millis) -> BoxFuture<'static, ()>;
    /// Now, in milliseconds since the Unix epoch: the server's timestamps
    /// and token expiry. The system clock unless overridden.
    fn wall_clock(&self) -> Millis {
        crate::clock::wall_clock()
    }
}

/// A message transport to the server: JSON text frames both ways.
pub trait Transport:
    Stream<Item = io::Result<String>> + Sink<String, Error = io::Error> + Send + Unpin + 'static
{
}

impl<T> Transport for T where
    T: Stream<Item = io::Result<String>> + Sink<String, Error = io::Error> + Send + Unpin + 'static
{
}

/// Opens transports to the server, once per (re)connection.
pub trait Connector: Send + 'static {
    /// The transport it opens.
    type Transport: Transport;
    /// Opens one.
    fn connect(&mut self) -> BoxFuture<'static, io::Result<Self::Transport>>;
}

/// Reconnection backoff: the first retry after `initial`, doubling up to
/// `max`; reset by a successful session.
#[derive(Clone, Copy, Debug)]
pub struct Reconnect {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(30),
        }
    }
}

/// Starts driving `client`: returns its handle, its event stream, and the
/// future the adapter must spawn.
pub fn start<C: Connector, R: Runtime>(
    client: Client,
    connector: C,
    runtime: Arc<R>,
    reconnect: Reconnect,
) -> (ClientHandle, EventStream, BoxFuture<'static, ()>) {
    let (tx, requests) = mpsc::unbounded();
    let (events_tx, events) = mpsc::unbounded();
    let driver = Driver {
        client,
        connector,
        runtime,
        reconnect,
        backoff: reconnect.initial,
        transport: None,
        retry_at: None,
        waiting: BTreeMap::new(),
        recent: std::collections::VecDeque::new(),
        events: events_tx,
        codec: Codec::default(),
    };
    (ClientHandle { tx }, events, driver.run(requests).boxed())
}

struct Driver<C: Connector, R: Runtime> {
    client: Client,
    connector: C,
    runtime: Arc<R>,
    reconnect: Reconnect,
    backoff: Duration,
    transport: Option<C::Transport>,
    /// When to try connecting again; `None` while connected.
    retry_at: Option<Millis>,
    waiting: BTreeMap<RequestId, oneshot::Sender<Result<Outcome, DriverError>>>,
    /// The latest outcomes, for callers that ask after the fact.
    recent: std::collections::VecDeque<Outcome>,
    events: mpsc::UnboundedSender<Event>,
    codec: Codec,
}

/// What woke the loop.
enum Wake {
    Request(Option<Request>),
    Frame(Option<io::Result<String>>),
    Timer,
}

impl<C: Connector, R: Runtime> Driver<C, R> {
    async fn run(mut self, mut requests: mpsc::UnboundedReceiver<Request>) {
        self.retry_at = Some(self.runtime.now());
        loop {
            let now = self.runtime.now();
            if self.transport.is_none() && self.retry_at.is_some_and(|t| t <= now) {
                self.connect().await;
                self.flush().await;
                continue;
            }
            let wake = {
                let timer = [self.client.poll_timeout(), self.retry_at]
                    .into_iter()
                    .flatten()
                    .min();
                let sleep = match timer {
                    Some(at) => self.runtime.sleep_until(at),
                    None => futures::future::pending().boxed(),
                };
                let incoming = async {
                    match self.transport.as_mut() {
                        Some(t) => t.next().await,
                        None => futures::future::pending().await,
                    }
                };
                futures::select_biased! {
                    r = requests.next() => Wake::Request(r),
                    f = incoming.fuse() => Wake::Frame(f),
                    () = sleep.fuse() => Wake::Timer,
                }
            };
            let now = self.runtime.now();
            match wake {
                Wake::Request(None) | Wake::Request(Some(Request::Close)) => break,
                Wake::Request(Some(Request::Command { run, reply })) => {
                    match run(&mut self.client, now) {
                        Ok(id) => {
                            self.waiting.insert(id, reply);
                        }
                        Err(e) => {
                            let _ = reply.send(Err(DriverError::Command(e)));
                        }
                    }
                }
                Wake::Request(Some(Request::Inspect(f))) => f(&mut self.client, now),
                Wake::Request(Some(Request::Wait { id, reply })) => {
                    match self.recent.iter().find(|o| *o.id() == id) {
                        Some(o) => {
                            let _ = reply.send(Ok(o.clone()));
                        }
                        None => {
                            self.waiting.insert(id, reply);
                        }
                    }
                }
                Wake::Frame(Some(Ok(text))) => {
                    // A malformed frame changes nothing; the connection goes on.
                    let _ = self.client.handle_bytes(now, text.as_bytes());
                }
                Wake::Frame(_) => self.lost(now),
                Wake::Timer => self.client.handle_timeout(now),
            }
            self.flush().await;
        }
        if let Some(mut t) = self.transport.take() {
            let _ = t.close().await;
        }
    }

    async fn connect(&mut self) {
        let now = self.runtime.now();
        match self.connector.connect().await {
            Ok(t) => {
                self.transport = Some(t);
                self.retry_at = None;
                self.client.handle_connect(now);
            }
            Err(_) => self.schedule_retry(now),
        }
    }

    fn schedule_retry(&mut self, now: Millis) {
        self.retry_at = Some(now.saturating_add(self.backoff));
        self.backoff = (self.backoff * 2).min(self.reconnect.max);
    }

    /// The transport failed or closed.
    fn lost(&mut self, now: Millis) {
        self.transport = None;
        self.client.handle_disconnect(now);
        self.schedule_retry(now);
    }

    /// Sends what the client wants sent, and delivers its events.
    async fn flush(&mut self) {
        while let Some(frame) = self.client.poll_transmit() {
            let Some(t) = self.transport.as_mut() else {
                continue;
            };
            let text = match self.codec.encode_text(&frame) {
                Ok(text) => text,
                Err(_) => continue,
            };
            if t.send(text).await.is_err() {
                let now = self.runtime.now();
                self.lost(now);
            }
        }
        while let Some(event) = self.client.poll_event() {
            match &event {
                Event::State(ConnectionState::Ready { .. }) => {
                    self.backoff = self.reconnect.initial
                }
                Event::State(ConnectionState::Disconnected(_)) if self.transport.is_some() => {
                    if let Some(mut t) = self.transport.take() {
                        let _ = t.close().await;
                    }
                    let now = self.runtime.now();
                    self.schedule_retry(now);
                }
                Event::Outcome(o) => {
                    if let Some(reply) = self.waiting.remove(o.id()) {
                        let _ = reply.send(Ok(o.clone()));
                    }
                    self.recent.push_back(o.clone());
                    if self.recent.len() > 256 {
                        self.recent.pop_front();
                    }
                }
                _ => {}
            }
            let _ = self.events.unbounded_send(event);
        }
    }
}

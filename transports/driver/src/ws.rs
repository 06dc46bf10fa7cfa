//! A WebSocket as the driver's transport, for any async WebSocket built on
//! tungstenite (tokio-tungstenite, async-tungstenite): text frames both
//! ways; pings and pongs are left to tungstenite; binary frames are passed
//! on as text, so the core reports them malformed.

use futures::{Sink, Stream};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tungstenite::{Error as WsError, Message};

fn to_io(e: WsError) -> io::Error {
    io::Error::other(e)
}

/// Wraps a tungstenite WebSocket stream (`WebSocketStream` of
/// tokio-tungstenite or async-tungstenite) as a [`crate::Transport`].
#[derive(Debug)]
pub struct WsTransport<S>(pub S);

impl<S> Stream for WsTransport<S>
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
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

impl<S> Sink<String> for WsTransport<S>
where
    S: Sink<Message, Error = WsError> + Unpin,
{
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

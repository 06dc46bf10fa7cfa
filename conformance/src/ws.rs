//! A WebSocket end with non-blocking reads, for the runner's wire modes and
//! the test agent.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

/// One WebSocket connection, read without blocking.
#[derive(Debug)]
pub struct Peer {
    ws: WebSocket<TcpStream>,
    open: bool,
}

impl Peer {
    /// Opens a client connection to `url` (`ws://HOST:PORT/PATH`).
    pub fn connect(url: &str) -> Result<Peer, String> {
        let addr = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| format!("{url}: not a ws:// URL"))?;
        let stream = TcpStream::connect(addr).map_err(|e| format!("connecting {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (ws, _) = tungstenite::client(url, stream)
            .map_err(|e| format!("WebSocket handshake with {url}: {e}"))?;
        Peer::ready(ws)
    }

    /// Accepts a server-side connection on `stream`.
    pub fn accept(stream: TcpStream) -> Result<Peer, String> {
        stream.set_nonblocking(false).map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let ws = tungstenite::accept(stream).map_err(|e| format!("WebSocket handshake: {e}"))?;
        Peer::ready(ws)
    }

    fn ready(ws: WebSocket<TcpStream>) -> Result<Peer, String> {
        ws.get_ref()
            .set_nonblocking(true)
            .map_err(|e| e.to_string())?;
        Ok(Peer { ws, open: true })
    }

    /// Whether the other end has not closed it.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Every text or binary message that has arrived, without waiting.
    pub fn read_all(&mut self) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        while self.open {
            match self.ws.read() {
                Ok(Message::Text(text)) => got.push(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => got.push(bytes.to_vec()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => self.open = false,
            }
        }
        got
    }

    /// Sends one text message, waiting while the socket is full.
    pub fn send(&mut self, text: String) -> Result<(), String> {
        let mut result = self.ws.send(Message::text(text));
        while let Err(tungstenite::Error::Io(e)) = &result {
            if e.kind() != ErrorKind::WouldBlock {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
            result = self.ws.flush();
        }
        result.map_err(|e| e.to_string())
    }

    /// Closes it (best effort).
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

//! The relay load over XMPP (RFC 6120/6121), to measure other servers
//! (ejabberd, Prosody) with a client as light as the bench's own: plain
//! TCP, SASL PLAIN, pre-built `<message type='chat'>` stanzas whose body is
//! the one a Natter send carries (`t` and the send time), and receivers
//! that find the bodies by scanning.
//!
//! XMPP has no answer per message (short of XEP-0198), so a sender's window
//! is fed back by its receiver: a sender keeps at most W messages sent and
//! not yet received. Users are `bsN` and `brN` (N from 0 to K-1) on the
//! server's domain, all with one password, registered beforehand
//! (BENCHMARKS.md says how).

use super::relay::{collect, shares};
use super::wire::{Error, latency, stamp};
use base64::Engine;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Notify;

/// An XMPP server to measure, and the accounts the bench logs in with.
#[derive(Clone, Debug)]
pub(crate) struct Xmpp {
    /// Its client port, `HOST:PORT`.
    pub(crate) addr: String,
    /// Its domain (the part after `@`).
    pub(crate) domain: String,
    /// The password of every bench account.
    pub(crate) password: String,
}

/// How long a login step may take.
const STEP: Duration = Duration::from_secs(30);

/// The body marker a receiver scans for; the send time follows it.
const BODY: &[u8] = b"<body>t";

/// One logged-in stream: its socket, and what was read past the last step.
struct Stream {
    socket: TcpStream,
    read: Vec<u8>,
}

impl Stream {
    async fn write(&mut self, text: &str) -> Result<(), Error> {
        self.socket.write_all(text.as_bytes()).await?;
        Ok(())
    }

    /// Reads until `what` has been read; returns everything up to its end
    /// and keeps the rest.
    async fn until(&mut self, what: &str) -> Result<String, Error> {
        let found = tokio::time::timeout(STEP, async {
            loop {
                if let Some(at) = find(&self.read, what.as_bytes()) {
                    let end = at + what.len();
                    let head: Vec<u8> = self.read.drain(..end).collect();
                    return Ok::<_, Error>(String::from_utf8_lossy(&head).into_owned());
                }
                let mut chunk = [0u8; 4096];
                let n = self.socket.read(&mut chunk).await?;
                if n == 0 {
                    return Err(format!("the server closed the stream waiting for {what}").into());
                }
                self.read.extend_from_slice(&chunk[..n]);
            }
        })
        .await;
        found.map_err(|_| format!("no {what} within {STEP:?}"))?
    }

    /// Reads the opening tag of the answer to the iq `id` (`type` is one of
    /// its attributes): an error unless it is a result.
    async fn answer(&mut self, id: &str, user: &str) -> Result<(), Error> {
        let mut tag = self.until(&format!("id='{id}'")).await?;
        tag.push_str(&self.until(">").await?);
        let opening = &tag[tag.rfind("<iq").unwrap_or(0)..];
        if opening.contains("type='result'") {
            Ok(())
        } else {
            Err(format!("{user}: {id}: {opening}").into())
        }
    }

    /// Opens the stream to `domain` and reads its features.
    async fn open(&mut self, domain: &str) -> Result<String, Error> {
        self.write(&format!(
            "<?xml version='1.0'?><stream:stream to='{domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        ))
        .await?;
        self.until("</stream:features>").await
    }
}

/// Where `needle` starts in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Logs `user` in: stream, SASL PLAIN, stream again, resource binding,
/// session when offered, initial presence.
async fn login(server: &Xmpp, user: &str) -> Result<Stream, Error> {
    let socket = TcpStream::connect(&server.addr).await?;
    socket.set_nodelay(true)?;
    let mut stream = Stream {
        socket,
        read: Vec::new(),
    };
    let features = stream.open(&server.domain).await?;
    if !features.contains(">PLAIN<") {
        return Err(format!(
            "{}: no SASL PLAIN offered without TLS (allow plain authentication on loopback): {features}",
            server.addr
        )
        .into());
    }
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{}", server.password));
    stream
        .write(&format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{credentials}</auth>"
        ))
        .await?;
    let answer = stream.until("/>").await?;
    if !answer.contains("<success") {
        // A failure's body may still be coming; what came says enough.
        return Err(format!("{user}@{}: authentication failed: {answer}", server.domain).into());
    }
    let features = stream.open(&server.domain).await?;
    stream
        .write("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>")
        .await?;
    stream.answer("bind", user).await?;
    if features.contains("urn:ietf:params:xml:ns:xmpp-session") {
        stream
            .write("<iq type='set' id='session'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
            .await?;
        stream.answer("session", user).await?;
    }
    stream.write("<presence/>").await?;
    Ok(stream)
}

/// The send times of the message bodies complete in `read`, and how many
/// bytes of it may be dropped (everything but a body still incomplete, or
/// a tail that may begin one).
fn bodies(read: &[u8]) -> (Vec<u64>, usize) {
    let mut times = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&read[from..], BODY) {
        let digits = from + at + BODY.len();
        let Some(len) = read[digits..].iter().position(|b| !b.is_ascii_digit()) else {
            // The body goes on in the next read.
            return (times, from + at);
        };
        let time = std::str::from_utf8(&read[digits..digits + len])
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        times.push(time);
        from = digits + len;
    }
    (times, read.len().saturating_sub(BODY.len() - 1).max(from))
}

/// One sender's state shared with its receiver: messages received so far,
/// and a wake-up when that grows.
#[derive(Default)]
struct Window {
    received: AtomicU64,
    grew: Notify,
}

/// Sends `count` chat messages to `to`, at most `window` not yet received.
async fn sender(
    mut socket: OwnedWriteHalf,
    to: String,
    count: u64,
    window: u64,
    base: Instant,
    fed_back: Arc<Window>,
) -> Result<Vec<u32>, Error> {
    let mut sent = 0;
    let mut burst = String::new();
    while sent < count {
        let received = fed_back.received.load(Ordering::Acquire);
        burst.clear();
        while sent < count && sent - received < window {
            // Written into the burst in place (a String's `write!` cannot fail).
            let _ = write!(
                burst,
                "<message to='{to}' type='chat' id='m{sent}'><body>t{}</body></message>",
                stamp(base)
            );
            sent += 1;
        }
        if burst.is_empty() {
            fed_back.grew.notified().await;
        } else {
            socket.write_all(burst.as_bytes()).await?;
        }
    }
    Ok(Vec::new())
}

/// Reads (and drops) what a sender's stream brings, so that the server
/// never waits on it.
async fn drain(mut socket: OwnedReadHalf) {
    let mut chunk = [0u8; 4096];
    while matches!(socket.read(&mut chunk).await, Ok(n) if n > 0) {}
}

/// Receives `count` messages; returns each one's latency from its send,
/// in microseconds.
async fn receiver(
    mut stream: Stream,
    count: u64,
    base: Instant,
    fed_back: Arc<Window>,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let mut latencies = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut read = std::mem::take(&mut stream.read);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (times, done) = bodies(&read);
        read.drain(..done);
        let now = stamp(base);
        for at in &times {
            latencies.push(latency(now, *at));
        }
        let got = times.len() as u64;
        if got > 0 {
            fed_back.received.fetch_add(got, Ordering::Release);
            fed_back.grew.notify_one();
            delivered.fetch_add(got, Ordering::Relaxed);
        }
        if latencies.len() as u64 >= count {
            stream.write("</stream:stream>").await?;
            return Ok(latencies);
        }
        let n = stream.socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the server closed a receiver".into());
        }
        read.extend_from_slice(&chunk[..n]);
    }
}

/// K pairs relaying `total` messages through the XMPP server; returns
/// every latency.
pub(crate) async fn relay(
    server: Xmpp,
    pairs: u64,
    total: u64,
    window: u64,
    delivered: Arc<AtomicU64>,
) -> Result<Vec<u32>, Error> {
    let mut ends = Vec::new();
    for i in 0..pairs {
        let from = login(&server, &format!("bs{i}")).await?;
        let into = login(&server, &format!("br{i}")).await?;
        ends.push((from, into, format!("br{i}@{}", server.domain)));
    }
    // Presence and roster traffic settles before the clock starts.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let base = Instant::now();
    let mut tasks = Vec::new();
    for ((from, into, to), count) in ends.into_iter().zip(shares(total, pairs)) {
        let fed_back = Arc::new(Window::default());
        let (read, write) = from.socket.into_split();
        tokio::spawn(drain(read));
        tasks.push(tokio::spawn(sender(
            write,
            to,
            count,
            window,
            base,
            fed_back.clone(),
        )));
        tasks.push(tokio::spawn(receiver(
            into,
            count,
            base,
            fed_back,
            delivered.clone(),
        )));
    }
    collect(tasks).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_found_across_reads() {
        let stanza = |t: u64| format!("<message from='a' type='chat'><body>t{t}</body></message>");
        let whole = format!("<presence/>{}{}", stanza(12), stanza(345));
        let (times, done) = bodies(whole.as_bytes());
        assert_eq!(times, vec![12, 345]);
        // Only a tail too short to begin a body is kept.
        assert_eq!(done, whole.len() - (BODY.len() - 1));
        // A body cut in its digits is kept whole for the next read.
        let cut = format!("{}<message><body>t67", stanza(1));
        let (times, done) = bodies(cut.as_bytes());
        assert_eq!(times, vec![1]);
        assert_eq!(&cut.as_bytes()[done..], b"<body>t67");
        // A marker cut in two is kept too.
        let (times, done) = bodies(b"<message><bo");
        assert!(times.is_empty());
        assert_eq!(done, b"<message><bo".len() - (BODY.len() - 1));
    }
}

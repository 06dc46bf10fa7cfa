//! Uploading an attachment to the server over HTTP/1.1 (a small client:
//! one request per connection, which is all an upload needs).

use natter_core::body::Attachment;
use std::io;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Upload chunk size, between progress reports.
const CHUNK: usize = 64 * 1024;

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Uploads `bytes` to `http://HOST:PORT` (the server's base URL) as `name`,
/// reporting progress, and returns the attachment metadata to send.
pub async fn upload(
    base: &str,
    token: &str,
    name: &str,
    mime: &str,
    bytes: &[u8],
    mut progress: impl FnMut(u64, u64),
) -> io::Result<Attachment> {
    let host = base
        .strip_prefix("http://")
        .ok_or_else(|| bad("only http:// URLs"))?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(host).await?;
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let head = format!(
        "POST /upload?name={}&mime={} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        encode(name),
        encode(mime),
        bytes.len()
    );
    stream.write_all(head.as_bytes()).await?;
    let total = bytes.len() as u64;
    let mut sent = 0u64;
    for chunk in bytes.chunks(CHUNK) {
        stream.write_all(chunk).await?;
        sent += chunk.len() as u64;
        progress(sent, total);
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| bad("malformed HTTP response"))?;
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        return Err(io::Error::other(format!(
            "upload refused with HTTP {status}"
        )));
    }
    serde_json::from_str(body.trim()).map_err(|e| bad(e.to_string()))
}

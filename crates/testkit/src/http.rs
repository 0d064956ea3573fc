//! A deliberately small HTTP/1.1 server side: read request heads, write responses.
//!
//! Two ways of using a connection:
//! - one request, one answer with `Connection: close`, then close ([`Response::write_to`]): the
//!   plain-HTTP servers (CRL/AIA host, OCSP, `/adfs/probe`) and every answer that scripts
//!   misbehaviour (stalls, drips, oversized or endless bodies), which keeps those easy to script;
//! - persistent connections as IIS and AD FS keep them ([`RequestReader`] reads one request after
//!   another, [`Response::write_kept_to`] answers with `Content-Length` and no `Connection: close`):
//!   the registration and federation service ([`crate::https`]). A connection ends when the client
//!   asks ([`Request::keeps_connection`]), closes, or sends nothing for [`IDLE_TIMEOUT`].

use std::fmt::Write as _;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most a request head may take before the server gives up on it.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a persistent connection may stay idle between two requests before the server closes it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// One parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (after `?`), empty when absent.
    pub query: String,
    /// Headers in order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The request line's version said `HTTP/1.0` (whose connections close after one answer
    /// unless the client asks for `keep-alive`).
    pub http10: bool,
}

impl Request {
    /// The first header with this (lowercase) name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client lets the connection stay open after the answer (RFC 9112 §9.3): an
    /// HTTP/1.1 request without `Connection: close`, or an HTTP/1.0 one with `Connection:
    /// keep-alive`; and a `GET` without a body (the servers read no bodies, so a request that
    /// carries one, or a `HEAD` that must be answered without one, ends its connection).
    #[must_use]
    pub fn keeps_connection(&self) -> bool {
        let token = |wanted: &str| {
            self.headers
                .iter()
                .filter(|(n, _)| n == "connection")
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(wanted))
        };
        let has_body = self.header("transfer-encoding").is_some()
            || self
                .header("content-length")
                .is_some_and(|l| l.trim() != "0");
        let persistent = if self.http10 {
            token("keep-alive")
        } else {
            !token("close")
        };
        persistent && self.method == "GET" && !has_body
    }

    /// The value of one query parameter.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            k.eq_ignore_ascii_case(name).then_some(v)
        })
    }
}

/// Reads a request head; `None` when the client sent something that is not one, or nothing in time.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Request> {
    read_request_and_rest(stream)
        .await
        .map(|(request, _)| request)
}

/// Reads a request head as [`read_request`] does, and returns with it whatever bytes the client
/// sent after the head in the same reads (the start of a body, or of a tunnel's traffic).
pub async fn read_request_and_rest<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Option<(Request, Vec<u8>)> {
    let (head, rest) = read_head(stream, HEAD_TIMEOUT).await?;
    Some((parse_head(std::str::from_utf8(&head).ok()?)?, rest))
}

/// Reads a message head (request or response) of at most 16 KiB within `limit`: the head without
/// its final blank line, and the bytes that followed it in the same reads. `None` when the stream
/// ends, fails, runs over the size or over the time first.
pub async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    limit: Duration,
) -> Option<(Vec<u8>, Vec<u8>)> {
    read_head_after(stream, Vec::with_capacity(1024), limit).await
}

/// [`read_head`] that starts with `buf`, bytes of the stream already read.
async fn read_head_after<S: AsyncRead + Unpin>(
    stream: &mut S,
    mut buf: Vec<u8>,
    limit: Duration,
) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut chunk = [0u8; 1024];
    let read = async {
        loop {
            if let Some(end) = find_head_end(&buf) {
                return Some(end);
            }
            if buf.len() > MAX_HEAD {
                return None;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let end = tokio::time::timeout(limit, read).await.ok()??;
    let rest = buf.split_off(end + 4);
    buf.truncate(end);
    Some((buf, rest))
}

/// Reads the requests of one persistent connection, one after another, keeping what the client
/// sent beyond a request head (the next request, when it pipelines) for the next call.
#[derive(Debug, Default)]
pub struct RequestReader {
    pending: Vec<u8>,
}

impl RequestReader {
    /// The next request head, read within `limit` (the first request's time, or the idle time
    /// between requests); `None` when the client closed, sent something that is not a request, or
    /// nothing in time.
    pub async fn next<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        limit: Duration,
    ) -> Option<Request> {
        let (head, rest) =
            read_head_after(stream, std::mem::take(&mut self.pending), limit).await?;
        self.pending = rest;
        parse_head(std::str::from_utf8(&head).ok()?)
    }
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

fn parse_head(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?;
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        http10: version == "HTTP/1.0",
    })
}

/// A response to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Extra headers (`Content-Length` and `Connection` are added).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body of the given content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A short plain-text response (errors).
    #[must_use]
    pub fn text(status: u16, body: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", body)
    }

    /// A redirect to `location`.
    #[must_use]
    pub fn redirect(status: u16, location: &str) -> Self {
        let mut r = Self::text(status, "redirected");
        r.headers.push(("Location".to_owned(), location.to_owned()));
        r
    }

    /// The same response, its `Date` header this far from the lab's clock (a server whose clock
    /// is off, or a client whose clock is).
    #[must_use]
    pub fn dated(mut self, offset: time::Duration) -> Self {
        self.headers.push((
            "Date".to_owned(),
            http_date(time::OffsetDateTime::now_utc() + offset),
        ));
        self
    }

    /// The status line and headers (`Date` now, unless the response has its own), with
    /// `Content-Length` of `body_len`.
    #[must_use]
    pub fn head(&self, body_len: usize) -> Vec<u8> {
        self.head_for(Some(body_len as u64))
    }

    /// The status line and headers as [`Response::head`] writes them, with `Content-Length:
    /// <length>`, or, for `None`, `Transfer-Encoding: chunked` and no length (a body streamed
    /// without announcing its end).
    #[must_use]
    pub fn head_for(&self, length: Option<u64>) -> Vec<u8> {
        self.head_with(length, true)
    }

    /// The status line and headers, with `Connection: close` when `close`.
    fn head_with(&self, length: Option<u64>, close: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (n, v) in &self.headers {
            let _ = write!(head, "{n}: {v}\r\n");
        }
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("date"))
        {
            let _ = write!(
                head,
                "Date: {}\r\n",
                http_date(time::OffsetDateTime::now_utc())
            );
        }
        let _ = match length {
            Some(len) => write!(head, "Content-Length: {len}\r\n"),
            None => write!(head, "Transfer-Encoding: chunked\r\n"),
        };
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("Server: wpj-testkit\r\n\r\n");
        head.into_bytes()
    }

    /// Writes the whole response and flushes.
    pub async fn write_to<S: AsyncWrite + Unpin>(&self, stream: &mut S) -> std::io::Result<()> {
        stream.write_all(&self.head(self.body.len())).await?;
        stream.write_all(&self.body).await?;
        stream.flush().await
    }

    /// Writes the whole response for a connection that stays open (`Content-Length`, no
    /// `Connection: close`), and flushes.
    pub async fn write_kept_to<S: AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
    ) -> std::io::Result<()> {
        let mut bytes = self.head_with(Some(self.body.len() as u64), false);
        bytes.extend_from_slice(&self.body);
        stream.write_all(&bytes).await?;
        stream.flush().await
    }

    /// Writes the head, then the body one byte per `interval`: a server that drips.
    pub async fn drip_to<S: AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
        interval: Duration,
    ) -> std::io::Result<()> {
        stream.write_all(&self.head(self.body.len())).await?;
        stream.flush().await?;
        for byte in &self.body {
            tokio::time::sleep(interval).await;
            stream.write_all(&[*byte]).await?;
            stream.flush().await?;
        }
        Ok(())
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
#[must_use]
pub fn http_date(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let weekday = &at.weekday().to_string()[..3];
    let month = &at.month().to_string()[..3];
    format!(
        "{weekday}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_request_head() {
        let r = parse_head(
            "GET /EnrollmentServer/contract?api-version=1.0 HTTP/1.1\r\nHost: x\r\nAccept: application/json",
        )
        .unwrap();
        assert_eq!(r.path, "/EnrollmentServer/contract");
        assert_eq!(r.query_param("API-VERSION"), Some("1.0"));
        assert_eq!(r.header("accept"), Some("application/json"));
        assert!(parse_head("garbage").is_none());
        assert!(parse_head("GET / SMTP/1.0").is_none());
    }
}

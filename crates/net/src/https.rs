//! HTTPS requests as a device sends them, every detail kept for evidence.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::body::read_body;
use crate::error::FetchError;
use crate::limits::Budget;
use crate::net::Net;
use crate::proxy::ProxyConfig;
use crate::resolve::classify;

/// An HTTPS client of the run ([`Net::https`]): the run's resolver (or one view's), proxy, timeout
/// and budget; no redirects followed, no cookies.
#[derive(Debug, Clone)]
pub struct HttpsClient {
    pub(crate) http: reqwest::Client,
    pub(crate) proxy: Option<ProxyConfig>,
    pub(crate) inspection: bool,
    pub(crate) timeout: Duration,
    pub(crate) address: Option<SocketAddr>,
    pub(crate) headers: &'static [(&'static str, &'static str)],
    pub(crate) budget: Arc<Budget>,
    pub(crate) document_cap: usize,
}

/// What one request got: everything seen, complete or not.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The URL asked.
    pub url: String,
    /// How the request travelled: `direct`, `direct (NO_PROXY)` or `proxy <url>` (credentials
    /// redacted).
    pub path: String,
    /// The one address the request was sent to, when the client was pinned to it.
    pub address: Option<SocketAddr>,
    /// The status, when a response head arrived.
    pub status: Option<u16>,
    /// Every response header, names lowercase, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The body as far as it was read (at most the cap).
    pub body: Vec<u8>,
    /// Why the reply is incomplete, if it is.
    pub error: Option<FetchError>,
    /// How long it took.
    pub elapsed: Duration,
    pub(crate) started: Instant,
}

impl Reply {
    /// The first header `name` (lowercase), if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The complete reply, or why it is not complete.
    ///
    /// # Errors
    /// The [`FetchError`] that cut the reply short.
    pub fn complete(&self) -> Result<&Self, &FetchError> {
        self.error.as_ref().map_or(Ok(self), Err)
    }
}

impl HttpsClient {
    /// Whether the client's exchanges are made over an inspection connection.
    #[must_use]
    pub fn inspection(&self) -> bool {
        self.inspection
    }

    /// One GET of `url` with `Accept: accept` (when given) and the client's headers, bounded by
    /// the run's timeout, the document cap ([`Limits::document`](crate::Limits)) and the budget.
    pub async fn get(&self, url: &str, accept: Option<&str>) -> Reply {
        self.get_capped(url, accept, self.document_cap).await
    }

    /// As [`HttpsClient::get`], with the body capped at `cap` bytes.
    pub async fn get_capped(&self, url: &str, accept: Option<&str>, cap: usize) -> Reply {
        self.request(url, accept, Some(cap)).await
    }

    /// One GET of `url` for its status and headers only: the body is not read (nothing waits for
    /// it, nothing of it is spent from the budget).
    pub async fn get_status(&self, url: &str) -> Reply {
        self.request(url, None, None).await
    }

    /// One GET; the body read into `cap` bytes, or not at all.
    async fn request(&self, url: &str, accept: Option<&str>, cap: Option<usize>) -> Reply {
        let path = self
            .proxy
            .as_ref()
            .map_or_else(|| "direct".to_owned(), |p| p.path_to(url));
        let mut reply = Net::reply(url, path, self.address);
        let outcome = tokio::time::timeout(self.timeout, self.send(url, accept, cap, &mut reply))
            .await
            .unwrap_or(Err(FetchError::TimedOut(self.timeout)));
        reply.error = outcome.err();
        reply.elapsed = reply.started.elapsed();
        reply
    }

    async fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        cap: Option<usize>,
        reply: &mut Reply,
    ) -> Result<(), FetchError> {
        let mut request = self.http.get(url);
        if let Some(a) = accept {
            request = request.header(reqwest::header::ACCEPT, a);
        }
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| classify(&e, self.timeout))?;
        reply.status = Some(response.status().as_u16());
        reply.headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        match cap {
            Some(cap) => {
                read_body(
                    &mut response,
                    cap,
                    &self.budget,
                    self.timeout,
                    &mut reply.body,
                )
                .await
            }
            None => Ok(()),
        }
    }
}

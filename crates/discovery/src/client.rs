//! The HTTP side of discovery: requests through the run's network layer ([`wpj_net::Net`]), every
//! detail kept as evidence, and what a failed request means to a device.

use wpj_core::{HttpExchange, Problem};
use wpj_net::{FetchError, HttpsClient, Reply};

/// How much of a body evidence keeps.
const EXCERPT: usize = 300;
/// The response headers evidence keeps.
const KEPT_HEADERS: [&str; 6] = [
    "content-type",
    "content-length",
    "location",
    "server",
    "date",
    "retry-after",
];

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    /// When a throttling service asks to be asked again.
    pub(crate) retry_after: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// One GET through `client`: the exchange for evidence, and the complete response or why there is
/// none.
pub(crate) async fn get(
    client: &HttpsClient,
    url: &str,
    accept: Option<&str>,
) -> (HttpExchange, Result<Response, FetchError>) {
    let reply = client.get(url, accept).await;
    let exchange = exchange(&reply, accept, client.inspection());
    let result = match (reply.error.clone(), reply.status) {
        (Some(e), _) => Err(e),
        (None, None) => Err(FetchError::Other("no response".to_owned())),
        (None, Some(status)) => Ok(Response {
            status,
            content_type: reply.header("content-type").map(str::to_owned),
            location: reply.header("location").map(str::to_owned),
            retry_after: reply.header("retry-after").map(str::to_owned),
            body: reply.body,
        }),
    };
    (exchange, result)
}

/// The evidence of one reply.
fn exchange(reply: &Reply, accept: Option<&str>, inspection: bool) -> HttpExchange {
    HttpExchange {
        url: reply.url.clone(),
        address: reply.address,
        accept: accept.map(str::to_owned),
        status: reply.status,
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                reply
                    .header(name)
                    .map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect(),
        bytes: reply.status.map(|_| reply.body.len()),
        body_excerpt: (!reply.body.is_empty()).then(|| excerpt(&reply.body)),
        path: reply.path.clone(),
        inspection,
        error: reply.error.as_ref().map(ToString::to_string),
        elapsed: reply.elapsed,
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT)]);
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect();
    if body.len() > EXCERPT {
        out.push('…');
    }
    out
}

/// What a request to `url` that failed with `e` is to a device ([`FetchError::failure`]), in words.
pub(crate) fn request_problem(e: &FetchError, url: &str) -> Problem {
    let detail = match e {
        FetchError::TimedOut(_) => {
            format!("no complete answer from {url} in time (the server stalls or drips its body)")
        }
        FetchError::TooLarge(cap) => {
            format!(
                "the answer from {url} is larger than {cap} bytes, far more than the document asked for"
            )
        }
        FetchError::Dns(_) => e.to_string(),
        FetchError::Connect(why) => format!("{url}: {why}"),
        FetchError::Tls(why) => format!("the TLS connection for {url} failed: {why}"),
        _ => format!("{url} did not give a usable HTTP answer: {e}"),
    };
    Problem::new(e.failure(), detail)
}

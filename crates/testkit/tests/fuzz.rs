//! Property tests ("fuzzing on stable"): the lab's HTTP request parser
//! ([`wpj_testkit::http::read_request`], [`read_request_and_rest`], [`read_head`]) over in-memory
//! readers that hand out arbitrary bytes, or mutations of the requests clients really send, in
//! reads of arbitrary sizes: a request or `None`, never a panic, and a request only from a complete
//! head.
//!
//! `WPJ_FUZZ_CASES` sets the cases per property (256 by default); `scripts/fuzz.sh` runs many more.

use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use tokio::io::{AsyncRead, ReadBuf};
use wpj_testkit::fuzz::{config, mutate, mutation};
use wpj_testkit::http::{Request, read_head, read_request, read_request_and_rest};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
});

/// Requests as the lab's clients send them: the contract request with the headers a device sends,
/// Entra ID discovery, a CRL download, a proxy's CONNECT and absolute-form GET, a probe.
const REQUESTS: &[&[u8]] = &[
    b"GET /EnrollmentServer/contract?api-version=1.0 HTTP/1.1\r\nHost: enterpriseregistration.contoso.test\r\nAccept: application/json\r\nUser-Agent: Dsreg/10.0 (Windows 10.0.19045.0)\r\nocp-adrs-client-name: Dsreg\r\n\r\n",
    b"GET /contoso.test/discover?api-version=1.7 HTTP/1.1\r\nhost: enterpriseregistration.windows.net:8443\r\naccept: */*\r\n\r\n",
    b"GET /pki/issuing.crl HTTP/1.1\r\nhost: pki.contoso.test\r\nconnection: close\r\n\r\n",
    b"CONNECT enterpriseregistration.contoso.test:443 HTTP/1.1\r\nHost: enterpriseregistration.contoso.test:443\r\nProxy-Connection: Keep-Alive\r\n\r\n\x16\x03\x01\x02\x00\x01",
    b"GET http://pki.contoso.test:8080/pki/root.crl HTTP/1.1\r\nHost: pki.contoso.test:8080\r\n\r\n",
    b"HEAD /adfs/probe HTTP/1.0\r\n\r\n",
    b"POST /adfs/services/trust/13/windowstransport HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
];

/// Tokens that mean something to an HTTP/1 head.
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b"\r",
    b":",
    b" ",
    b"?",
    b"&",
    b"=",
    b"/",
    b"HTTP/1.1",
    b"HTTP/2",
    b"GET ",
    b"CONNECT ",
    b"Host: ",
    b"\0",
    b"\xc3\xbc",
    b"\xff",
    b"%00",
    b"[::1]:443",
];

/// A reader handing out `data` in reads of the given sizes (then whatever is left), then EOF.
struct Chunked {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    reads: usize,
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let size = this.sizes.get(this.reads).copied().unwrap_or(usize::MAX);
        this.reads += 1;
        let n = size
            .max(1)
            .min(buf.remaining())
            .min(this.data.len() - this.at);
        buf.put_slice(&this.data[this.at..this.at + n]);
        this.at += n;
        Poll::Ready(Ok(()))
    }
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..512),
        "[A-Z]{0,8} [ -~]{0,40} HTTP/1\\.[01](\r\n[ -~]{0,30}){0,6}\r\n\r\n[ -~]{0,10}"
            .prop_map(String::into_bytes),
        (any::<Index>(), vec(mutation(), 1..8))
            .prop_map(|(i, m)| { mutate(REQUESTS[i.index(REQUESTS.len())], &m, TOKENS) }),
        // Heads around the 16 KiB limit.
        (0usize..20_000).prop_map(|n| {
            let mut head = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
            head.resize(head.len() + n, b'a');
            head.extend_from_slice(b"\r\n\r\n");
            head
        }),
    ]
}

fn reader(data: &[u8], sizes: &[usize]) -> Chunked {
    Chunked {
        data: data.to_vec(),
        at: 0,
        sizes: sizes.to_vec(),
        reads: 0,
    }
}

/// Where the first head ends (the index of its blank line).
fn head_end(data: &[u8]) -> Option<usize> {
    data.windows(4).position(|w| w == b"\r\n\r\n")
}

fn check_request(request: &Request, data: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        head_end(data).is_some(),
        "a request from an incomplete head"
    );
    prop_assert!(!request.path.contains('?'));
    for (name, _) in &request.headers {
        prop_assert_eq!(name, &name.to_ascii_lowercase());
        let _ = request.header(name);
    }
    let _ = request.query_param("api-version");
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn read_request_takes_any_input(data in input(), sizes in vec(1usize..64, 0..16)) {
        let request = RUNTIME.block_on(read_request(&mut reader(&data, &sizes)));
        if let Some(request) = request {
            check_request(&request, &data)?;
        }
    }

    #[test]
    fn read_request_and_rest_keeps_what_follows_the_head(data in input(), sizes in vec(1usize..64, 0..16)) {
        let got = RUNTIME.block_on(read_request_and_rest(&mut reader(&data, &sizes)));
        if let Some((request, rest)) = got {
            check_request(&request, &data)?;
            let end = head_end(&data).unwrap_or_default() + 4;
            prop_assert!(data[end..].starts_with(&rest));
        }
    }

    #[test]
    fn read_head_takes_any_input(data in input(), sizes in vec(1usize..64, 0..16)) {
        let got = RUNTIME.block_on(read_head(&mut reader(&data, &sizes), Duration::from_secs(10)));
        if let Some((head, rest)) = got {
            let end = head_end(&data);
            prop_assert_eq!(end, Some(head.len()));
            prop_assert!(head.len() <= 16 * 1024 + 1024);
            prop_assert!(data[head.len() + 4..].starts_with(&rest));
        }
    }
}

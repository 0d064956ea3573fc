//! Servers rustls cannot be: TLS 1.2 with RSA key exchange only, or TLS 1.0 only.
//!
//! A minimal responder: it reads the client's hello, picks a version and the first of its own
//! suites the client offers, answers `ServerHello`, Certificate and `ServerHelloDone` in the clear,
//! then waits (a real client would send its `ClientKeyExchange`; an inspecting one closes). When the
//! client offers nothing it accepts it sends a fatal alert, as a real server does: `protocol_version`
//! (70) for versions, `handshake_failure` (40) for suites. It never completes a handshake: no key is
//! ever used, so it needs no cryptography.

use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::https::HttpsServer;
use crate::server::serve;

/// `TLS_RSA_WITH_AES_128_CBC_SHA`: RSA key exchange, CBC (no forward secrecy).
pub const TLS_RSA_WITH_AES_128_CBC_SHA: u16 = 0x002f;
/// `TLS_RSA_WITH_AES_256_CBC_SHA`.
pub const TLS_RSA_WITH_AES_256_CBC_SHA: u16 = 0x0035;
/// `TLS_RSA_WITH_AES_128_GCM_SHA256`: RSA key exchange, AES-GCM.
pub const TLS_RSA_WITH_AES_128_GCM_SHA256: u16 = 0x009c;
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`: what rustls and Windows both speak.
pub const TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: u16 = 0xc02f;
/// `TLS_RSA_WITH_RC4_128_SHA`: RC4, which Windows 10 no longer offers.
pub const TLS_RSA_WITH_RC4_128_SHA: u16 = 0x0005;
/// `TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA`: forward secret, CBC (TLS 1.0 and later).
pub const TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: u16 = 0xc013;

/// The largest client hello read.
const MAX_HELLO: usize = 16 * 1024;
/// How long a connection is kept open after the server's flight.
const LINGER: Duration = Duration::from_secs(10);

/// What a legacy server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyProfile {
    /// TLS 1.0–1.2, RSA key exchange only: `TLS_RSA_WITH_AES_128_CBC_SHA`, `…_256_CBC_SHA`,
    /// `…_128_GCM_SHA256` (a server whose ECDHE suites were disabled).
    RsaKeyExchange,
    /// TLS 1.0 only, `TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA` then `TLS_RSA_WITH_AES_128_CBC_SHA`.
    Tls10Only,
    /// TLS 1.0–1.2 with `TLS_RSA_WITH_RC4_128_SHA` only: nothing Windows 10 offers.
    Rc4Only,
    /// TLS 1.2 with `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, a suite rustls speaks — but its flight
    /// lacks the `ServerKeyExchange` that suite needs: a broken server, not a legacy one.
    EcdheWithoutKeyExchange,
    /// As [`LegacyProfile::RsaKeyExchange`], but it closes the connection right after its
    /// `ServerHello`: the version and suite can be read, the chain cannot.
    HelloThenClose,
}

impl LegacyProfile {
    /// The lowest and highest versions it speaks (0x0301 = TLS 1.0).
    #[must_use]
    pub fn versions(self) -> (u16, u16) {
        match self {
            Self::RsaKeyExchange | Self::Rc4Only | Self::HelloThenClose => (0x0301, 0x0303),
            Self::EcdheWithoutKeyExchange => (0x0303, 0x0303),
            Self::Tls10Only => (0x0301, 0x0301),
        }
    }

    /// Its suites, most preferred first.
    #[must_use]
    pub fn suites(self) -> &'static [u16] {
        match self {
            Self::Rc4Only => &[TLS_RSA_WITH_RC4_128_SHA],
            Self::EcdheWithoutKeyExchange => &[TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
            Self::RsaKeyExchange | Self::HelloThenClose => &[
                TLS_RSA_WITH_AES_128_CBC_SHA,
                TLS_RSA_WITH_AES_256_CBC_SHA,
                TLS_RSA_WITH_AES_128_GCM_SHA256,
            ],
            Self::Tls10Only => &[
                TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                TLS_RSA_WITH_AES_128_CBC_SHA,
            ],
        }
    }
}

/// What a client hello offers, as the responder reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// `client_version`.
    pub version: u16,
    /// The versions of a `supported_versions` extension (TLS 1.3 clients), if any.
    pub supported_versions: Vec<u16>,
    /// The cipher suites, in the client's order.
    pub suites: Vec<u16>,
}

impl LegacyProfile {
    /// The server's choice for `offer`: version and suite, or the alert description to send.
    ///
    /// ```
    /// use wpj_testkit::legacy_tls::{LegacyProfile, Offer, TLS_RSA_WITH_AES_128_CBC_SHA};
    /// let offer = Offer { version: 0x0303, supported_versions: vec![], suites: vec![0xc02f, 0x002f] };
    /// assert_eq!(LegacyProfile::RsaKeyExchange.choose(&offer), Ok((0x0303, TLS_RSA_WITH_AES_128_CBC_SHA)));
    /// assert_eq!(LegacyProfile::Tls10Only.choose(&offer), Ok((0x0301, TLS_RSA_WITH_AES_128_CBC_SHA)));
    /// let modern = Offer { version: 0x0303, supported_versions: vec![0x0304, 0x0303], suites: vec![0x1301, 0xc02f] };
    /// assert_eq!(LegacyProfile::RsaKeyExchange.choose(&modern), Err(40));
    /// ```
    ///
    /// # Errors
    /// The alert description (70 `protocol_version`, 40 `handshake_failure`) when nothing offered
    /// is accepted.
    pub fn choose(self, offer: &Offer) -> Result<(u16, u16), u8> {
        let (low, high) = self.versions();
        // The highest version both speak; `supported_versions` (TLS 1.3 clients) is the list.
        let version = if offer.supported_versions.is_empty() {
            offer.version.min(high)
        } else {
            offer
                .supported_versions
                .iter()
                .copied()
                .filter(|v| (low..=high).contains(v))
                .max()
                .unwrap_or(0)
        };
        if version < low {
            return Err(70);
        }
        // GCM suites exist from TLS 1.2 on.
        let usable = |s: u16| version >= 0x0303 || s != TLS_RSA_WITH_AES_128_GCM_SHA256;
        self.suites()
            .iter()
            .copied()
            .find(|s| usable(*s) && offer.suites.contains(s))
            .map(|s| (version, s))
            .ok_or(40)
    }
}

/// Parses a `ClientHello` handshake message body (after the 4-byte handshake header).
///
/// # Errors
/// When it is truncated.
pub fn parse_client_hello(body: &[u8]) -> Result<Offer, &'static str> {
    let mut r = body;
    let version = u16::from_be_bytes(take(&mut r, 2)?.try_into().map_err(|_| "version")?);
    take(&mut r, 32)?;
    let session = usize::from(take(&mut r, 1)?[0]);
    take(&mut r, session)?;
    let len = usize::from(u16::from_be_bytes(
        take(&mut r, 2)?.try_into().map_err(|_| "suites")?,
    ));
    let suites = take(&mut r, len)?
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let compression = usize::from(take(&mut r, 1)?[0]);
    take(&mut r, compression)?;
    let mut supported_versions = Vec::new();
    if r.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([r[0], r[1]]));
        let mut rest = &r[2..];
        let mut ext = take(&mut rest, len)?;
        while ext.len() >= 4 {
            let kind = u16::from_be_bytes([ext[0], ext[1]]);
            let len = usize::from(u16::from_be_bytes([ext[2], ext[3]]));
            ext = &ext[4..];
            let data = take(&mut ext, len)?;
            if kind == 0x002b && !data.is_empty() {
                supported_versions = data[1..]
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
            }
        }
    }
    Ok(Offer {
        version,
        supported_versions,
        suites,
    })
}

fn take<'a>(r: &mut &'a [u8], n: usize) -> Result<&'a [u8], &'static str> {
    let (head, tail) = r.split_at_checked(n).ok_or("truncated client hello")?;
    *r = tail;
    Ok(head)
}

/// Serves `profile` with `chain` (leaf first) on `listener`.
///
/// # Errors
/// When the listener has no local address.
pub fn start(
    listener: TcpListener,
    profile: LegacyProfile,
    chain: Vec<CertificateDer<'static>>,
) -> std::io::Result<HttpsServer> {
    let addr = listener.local_addr()?;
    let chain = std::sync::Arc::new(chain);
    let task = serve(listener, move |stream, _| {
        let chain = std::sync::Arc::clone(&chain);
        async move {
            let _ = tokio::time::timeout(LINGER, respond(stream, profile, &chain)).await;
        }
    });
    Ok(HttpsServer::from_task(addr, task))
}

/// Answers one connection.
async fn respond(
    mut stream: TcpStream,
    profile: LegacyProfile,
    chain: &[CertificateDer<'static>],
) -> std::io::Result<()> {
    let Some(body) = read_client_hello(&mut stream).await? else {
        return Ok(());
    };
    let record_version = [3, 1];
    let Ok(offer) = parse_client_hello(&body) else {
        return stream
            .write_all(&record(21, record_version, &[2, 50]))
            .await;
    };
    match profile.choose(&offer) {
        Err(alert) => {
            stream
                .write_all(&record(21, record_version, &[2, alert]))
                .await
        }
        Ok((version, suite)) => {
            if profile == LegacyProfile::HelloThenClose {
                let hello = handshake(2, &server_hello(version, suite));
                return stream
                    .write_all(&record(22, version.to_be_bytes(), &hello))
                    .await;
            }
            stream.write_all(&flight(version, suite, chain)).await?;
            // Wait for the client's next move; ours closes.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok(())
        }
    }
}

/// The server's flight choosing `version` and `suite`: `ServerHello`, Certificate with `chain` (leaf
/// first) and `ServerHelloDone`, in records of at most 2^14 bytes as TLS requires.
#[must_use]
pub fn flight(version: u16, suite: u16, chain: &[CertificateDer<'static>]) -> Vec<u8> {
    let mut messages = handshake(2, &server_hello(version, suite));
    messages.extend(handshake(11, &certificate(chain)));
    messages.extend(handshake(14, &[]));
    let mut out = Vec::new();
    for chunk in messages.chunks(16_384) {
        out.extend(record(22, version.to_be_bytes(), chunk));
    }
    out
}

/// The body of the first handshake message (a `ClientHello`), `None` if the client sent something
/// else or closed.
async fn read_client_hello(stream: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut data = Vec::new();
    loop {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await?;
        if header[0] != 22 {
            return Ok(None);
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if data.len() + len > MAX_HELLO {
            return Ok(None);
        }
        let start = data.len();
        data.resize(start + len, 0);
        stream.read_exact(&mut data[start..]).await?;
        if let [1, a, b, c, rest @ ..] = data.as_slice() {
            let need = usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c);
            if rest.len() >= need {
                return Ok(Some(rest[..need].to_vec()));
            }
        } else if data.len() >= 4 {
            return Ok(None);
        }
    }
}

fn record(kind: u8, version: [u8; 2], payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, version[0], version[1]];
    out.extend(
        u16::try_from(payload.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend(&u24(body.len()));
    out.extend_from_slice(body);
    out
}

fn u24(n: usize) -> [u8; 3] {
    let b = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    [b[1], b[2], b[3]]
}

fn server_hello(version: u16, suite: u16) -> Vec<u8> {
    let mut out = version.to_be_bytes().to_vec();
    out.extend((0u8..32).map(|i| i.wrapping_mul(37)));
    out.push(0); // no session id
    out.extend(suite.to_be_bytes());
    out.push(0); // no compression
    // renegotiation_info, as every server answering a client that offers it.
    out.extend([0, 5, 0xff, 0x01, 0, 1, 0]);
    out
}

fn certificate(chain: &[CertificateDer<'static>]) -> Vec<u8> {
    let mut list = Vec::new();
    for cert in chain {
        list.extend(u24(cert.len()));
        list.extend_from_slice(cert);
    }
    let mut out = u24(list.len()).to_vec();
    out.extend(list);
    out
}

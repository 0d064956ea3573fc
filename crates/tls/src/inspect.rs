//! The inspection handshake for servers rustls cannot talk to (TLS 1.0/1.1 only, RSA key exchange
//! only, CBC suites only): a `ClientHello` offering what Windows 10 offers, and the server's answer
//! read in the clear up to its Certificate message, then the connection is closed.
//!
//! Up to TLS 1.2 the `ServerHello` and the Certificate travel before any key exchange, unencrypted,
//! so no cryptography is needed: this is record-level parsing of a handful of handshake messages,
//! bounded in bytes ([`MAX_FLIGHT`], [`MAX_RECORD`], [`MAX_CERTIFICATES`]) and in time (the
//! caller's timeout).
//!
//! What is offered (Windows 10's defaults through Schannel):
//! - versions TLS 1.0, 1.1 and 1.2 (`client_version` 1.2, no `supported_versions`: no TLS 1.3);
//! - the cipher suites of [`WINDOWS10_SUITES`], in Windows' priority order: Microsoft, "TLS Cipher
//!   Suites in Windows 10 v1903, v1909, and v2004" (learn.microsoft.com, win32/secauthn; the
//!   v22H2 page lists the same order without the two DHE suites). The NULL and PSK suites that
//!   page also lists are left out: Schannel offers them only to applications asking for them (an
//!   assumption; WinHTTP does not);
//! - SNI, the NIST curves P-256 and P-384 and x25519, uncompressed points, RSA/ECDSA signature
//!   schemes with SHA-1 to SHA-512, extended master secret and secure renegotiation.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest record accepted: 2^14 bytes of plaintext plus the 2048 bytes TLS allows for
/// expansion.
pub(crate) const MAX_RECORD: usize = 16_384 + 2048;
/// The most handshake bytes read before the Certificate message must be complete.
pub(crate) const MAX_FLIGHT: usize = 256 * 1024;
/// The most certificates accepted in one Certificate message.
pub(crate) const MAX_CERTIFICATES: usize = 16;

/// A cipher suite Windows 10 offers: its IANA number, name, and what it means for a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowsSuite {
    /// The IANA number.
    pub id: u16,
    /// The IANA name.
    pub name: &'static str,
}

impl WindowsSuite {
    /// Whether the key exchange is ephemeral (ECDHE/DHE): forward secrecy.
    #[must_use]
    pub fn forward_secret(self) -> bool {
        self.name.starts_with("TLS_ECDHE_") || self.name.starts_with("TLS_DHE_")
    }

    /// Whether the bulk cipher is CBC (rather than an AEAD).
    #[must_use]
    pub fn cbc(self) -> bool {
        self.name.contains("_CBC_")
    }

    /// Whether rustls (ring provider) speaks it in TLS 1.2: ECDHE with AES-GCM. A server that
    /// picks one of these from Windows' offer did not fail rustls for want of a common suite.
    #[must_use]
    pub fn rustls_speaks(self) -> bool {
        matches!(self.id, 0xc02b | 0xc02c | 0xc02f | 0xc030)
    }
}

const fn suite(id: u16, name: &'static str) -> WindowsSuite {
    WindowsSuite { id, name }
}

/// Windows 10's TLS 1.2 cipher suites (v1903 and later), in its priority order.
pub const WINDOWS10_SUITES: [WindowsSuite; 21] = [
    suite(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    suite(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    suite(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    suite(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    suite(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    suite(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    suite(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    suite(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    suite(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    suite(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    suite(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    suite(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    suite(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    suite(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    suite(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    suite(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    suite(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    suite(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    suite(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    suite(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    suite(0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
];

/// A protocol version a Windows 10 device offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LegacyVersion {
    /// TLS 1.0 (0x0301).
    Tls10,
    /// TLS 1.1 (0x0302).
    Tls11,
    /// TLS 1.2 (0x0303).
    Tls12,
}

impl LegacyVersion {
    fn from_wire(v: u16) -> Option<Self> {
        match v {
            0x0301 => Some(Self::Tls10),
            0x0302 => Some(Self::Tls11),
            0x0303 => Some(Self::Tls12),
            _ => None,
        }
    }

    /// The name rustls gives it (`TLSv1_0`), as [`wpj_core::TlsSession::version`] holds it.
    #[must_use]
    pub fn session_name(self) -> &'static str {
        match self {
            Self::Tls10 => "TLSv1_0",
            Self::Tls11 => "TLSv1_1",
            Self::Tls12 => "TLSv1_2",
        }
    }
}

impl fmt::Display for LegacyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tls10 => "TLS 1.0",
            Self::Tls11 => "TLS 1.1",
            Self::Tls12 => "TLS 1.2",
        })
    }
}

/// What the server answered to Windows 10's offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inspected {
    /// The version it chose.
    pub(crate) version: LegacyVersion,
    /// The suite it chose (one of [`WINDOWS10_SUITES`]).
    pub(crate) suite: WindowsSuite,
    /// Its Certificate message, leaf first — or why it could not be read.
    pub(crate) chain: Result<Vec<CertificateDer<'static>>, InspectError>,
}

/// A handshake rustls could not make with a server, and what a Windows 10 device negotiates with it
/// instead (read by the inspection handshake). The TLS step hands it on as an output: every later
/// request to that server goes through rustls and cannot be made, which is the tool's limit, not
/// the device's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyHandshake {
    /// The server.
    pub address: SocketAddr,
    /// The version it chose from Windows 10's offer.
    pub version: LegacyVersion,
    /// The cipher suite it chose from Windows 10's offer.
    pub suite: WindowsSuite,
    /// Why rustls could not complete a handshake with it.
    pub rustls_error: String,
}

impl LegacyHandshake {
    /// What is weak about it, for a warning: a legacy protocol, no forward secrecy, CBC.
    #[must_use]
    pub fn weaknesses(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.version < LegacyVersion::Tls12 {
            out.push(
                "a legacy protocol (devices and browsers that disabled TLS 1.0/1.1, as Windows 11 \
                 is announced to by default, fail with 0x80072EFE)",
            );
        }
        if !self.suite.forward_secret() {
            out.push("no forward secrecy (RSA key exchange)");
        }
        if self.suite.cbc() {
            out.push("a CBC cipher");
        }
        out
    }
}

impl fmt::Display for LegacyHandshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} with {}", self.version, self.suite.name)
    }
}

/// Why the inspection handshake gave no chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// The connection could not be made or broke.
    #[error("connection: {0}")]
    Io(String),
    /// The server did not answer in time.
    #[error("no answer within {}", wpj_core::HumanDuration(*.0))]
    TimedOut(Duration),
    /// The server closed the connection before its Certificate message.
    #[error("the server closed the connection before sending its certificate")]
    Closed,
    /// The server refused the offer with a TLS alert.
    #[error("the server answered with TLS alert {description} (level {level})")]
    Alert {
        /// The alert level (1 warning, 2 fatal).
        level: u8,
        /// The alert description (40 handshake failure, 70 protocol version, …).
        description: u8,
    },
    /// The server's bytes are not TLS records.
    #[error("the server's answer is not TLS (record type {0})")]
    NotTls(u8),
    /// A record or the flight is larger than the bounds.
    #[error("the server's answer exceeds {0} bytes")]
    TooLarge(usize),
    /// A message does not parse, or chose what was not offered.
    #[error("malformed answer: {0}")]
    Malformed(&'static str),
}

/// Sends Windows 10's `ClientHello` with SNI `sni` on `stream` and reads the server's flight up to
/// its Certificate message, within `timeout`.
pub(crate) async fn inspect(
    mut stream: TcpStream,
    sni: &str,
    timeout: Duration,
) -> Result<Inspected, InspectError> {
    let work = async {
        stream
            .write_all(&client_hello(sni, &client_random()))
            .await
            .map_err(|e| InspectError::Io(e.to_string()))?;
        read_flight(&mut stream).await
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| InspectError::TimedOut(timeout))?
}

/// Connects to `address` and inspects (see [`inspect`]), all within `timeout`.
pub(crate) async fn inspect_address(
    address: SocketAddr,
    sni: &str,
    timeout: Duration,
) -> Result<Inspected, InspectError> {
    let stream = tokio::time::timeout(timeout, TcpStream::connect(address))
        .await
        .map_err(|_| InspectError::TimedOut(timeout))?
        .map_err(|e| InspectError::Io(e.to_string()))?;
    inspect(stream, sni, timeout).await
}

/// 32 bytes that differ from one hello to the next; no secret depends on them (the handshake
/// stops before key exchange).
fn client_random() -> [u8; 32] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut out = [0u8; 32];
    let mut x = nanos ^ 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
    for chunk in out.chunks_mut(16) {
        x = x
            .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
            .rotate_left(29);
        chunk.copy_from_slice(&x.to_be_bytes()[..chunk.len()]);
    }
    out
}

/// Appends `body` to `out` behind a big-endian length of `width` bytes (1, 2 or 3).
fn with_length(out: &mut Vec<u8>, width: usize, body: &[u8]) {
    let len = body.len().to_be_bytes();
    out.extend_from_slice(&len[len.len() - width..]);
    out.extend_from_slice(body);
}

/// One extension: type and body.
fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    with_length(out, 2, body);
}

/// Windows 10's `ClientHello`, as one handshake record.
pub(crate) fn client_hello(sni: &str, random: &[u8; 32]) -> Vec<u8> {
    let mut hello = vec![0x03, 0x03];
    hello.extend_from_slice(random);
    hello.push(0); // no session id
    let suites: Vec<u8> = WINDOWS10_SUITES
        .iter()
        .flat_map(|s| s.id.to_be_bytes())
        .collect();
    with_length(&mut hello, 2, &suites);
    hello.extend_from_slice(&[1, 0]); // compression: null only

    let mut extensions = Vec::new();
    if !sni.is_empty() && sni.parse::<std::net::IpAddr>().is_err() {
        let mut name = vec![0]; // host_name
        with_length(&mut name, 2, sni.as_bytes());
        let mut list = Vec::new();
        with_length(&mut list, 2, &name);
        extension(&mut extensions, 0x0000, &list);
    }
    // supported_groups: x25519, secp256r1, secp384r1.
    extension(
        &mut extensions,
        0x000a,
        &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18],
    );
    // ec_point_formats: uncompressed.
    extension(&mut extensions, 0x000b, &[1, 0]);
    // signature_algorithms.
    let schemes: [u16; 11] = [
        0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0603, 0x0201, 0x0203,
    ];
    let schemes: Vec<u8> = schemes.iter().flat_map(|s| s.to_be_bytes()).collect();
    let mut body = Vec::new();
    with_length(&mut body, 2, &schemes);
    extension(&mut extensions, 0x000d, &body);
    // extended_master_secret; renegotiation_info (empty).
    extension(&mut extensions, 0x0017, &[]);
    extension(&mut extensions, 0xff01, &[0]);
    with_length(&mut hello, 2, &extensions);

    let mut handshake = vec![1]; // client_hello
    with_length(&mut handshake, 3, &hello);
    let mut record = vec![22, 0x03, 0x01];
    with_length(&mut record, 2, &handshake);
    record
}

/// Reads records until the Certificate message is complete. `Err` when no `ServerHello` came; a
/// chain that cannot be read after one is [`Inspected::chain`]'s `Err`.
pub(crate) async fn read_flight<R: AsyncRead + Unpin>(
    stream: &mut R,
) -> Result<Inspected, InspectError> {
    let mut chosen: Option<(LegacyVersion, WindowsSuite)> = None;
    let result = read_messages(stream, &mut chosen).await;
    match (chosen, result) {
        (_, Ok(inspected)) => Ok(inspected),
        (Some((version, suite)), Err(e)) => Ok(Inspected {
            version,
            suite,
            chain: Err(e),
        }),
        (None, Err(e)) => Err(e),
    }
}

/// Reads records, noting the `ServerHello`'s choice in `chosen`, until the Certificate message.
async fn read_messages<R: AsyncRead + Unpin>(
    stream: &mut R,
    chosen: &mut Option<(LegacyVersion, WindowsSuite)>,
) -> Result<Inspected, InspectError> {
    let mut handshake: Vec<u8> = Vec::new();
    // Every byte read counts, records already consumed and empty ones included: a server that
    // streams forever meets the cap, not only the time-out.
    let mut read_total: usize = 0;
    loop {
        let (kind, payload) = read_record(stream).await?;
        read_total = read_total.saturating_add(5 + payload.len());
        if read_total > MAX_FLIGHT {
            return Err(InspectError::TooLarge(MAX_FLIGHT));
        }
        match kind {
            22 => {
                if handshake.len() + payload.len() > MAX_FLIGHT {
                    return Err(InspectError::TooLarge(MAX_FLIGHT));
                }
                handshake.extend_from_slice(&payload);
            }
            21 => {
                let (level, description) = match payload.as_slice() {
                    [level, description, ..] => (*level, *description),
                    _ => return Err(InspectError::Malformed("short alert")),
                };
                return Err(InspectError::Alert { level, description });
            }
            other => return Err(InspectError::NotTls(other)),
        }
        // Every complete message so far.
        let mut rest = handshake.as_slice();
        while let Some((kind, body, after)) = next_message(rest)? {
            match kind {
                2 => *chosen = Some(server_hello(body)?),
                11 => {
                    let (version, suite) =
                        chosen.ok_or(InspectError::Malformed("Certificate before ServerHello"))?;
                    return Ok(Inspected {
                        version,
                        suite,
                        chain: Ok(certificates(body)?),
                    });
                }
                14 => {
                    return Err(InspectError::Malformed(
                        "no Certificate before ServerHelloDone",
                    ));
                }
                _ => {}
            }
            rest = after;
        }
        let consumed = handshake.len() - rest.len();
        handshake.drain(..consumed);
    }
}

/// One record: its content type and payload.
async fn read_record<R: AsyncRead + Unpin>(stream: &mut R) -> Result<(u8, Vec<u8>), InspectError> {
    let mut header = [0u8; 5];
    read_exact(stream, &mut header).await?;
    let kind = header[0];
    // An SSL 2 or HTTP answer, or anything else that is not a TLS record header.
    if !matches!(kind, 20..=23) || header[1] != 3 {
        return Err(InspectError::NotTls(kind));
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len > MAX_RECORD {
        return Err(InspectError::TooLarge(MAX_RECORD));
    }
    let mut payload = vec![0u8; len];
    read_exact(stream, &mut payload).await?;
    Ok((kind, payload))
}

async fn read_exact<R: AsyncRead + Unpin>(
    stream: &mut R,
    buf: &mut [u8],
) -> Result<(), InspectError> {
    match stream.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(InspectError::Closed),
        Err(e) => Err(InspectError::Io(e.to_string())),
    }
}

/// A handshake message: its type, its body, and the bytes after it.
type Message<'a> = (u8, &'a [u8], &'a [u8]);

/// The next complete handshake message of `buf`: type, body and what follows; `None` while it is
/// incomplete.
fn next_message(buf: &[u8]) -> Result<Option<Message<'_>>, InspectError> {
    let [kind, a, b, c, rest @ ..] = buf else {
        return Ok(None);
    };
    let len = usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c);
    if len > MAX_FLIGHT {
        return Err(InspectError::TooLarge(MAX_FLIGHT));
    }
    Ok(rest
        .split_at_checked(len)
        .map(|(body, after)| (*kind, body, after)))
}

/// A cursor over a message body with checked reads.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], InspectError> {
        let (head, tail) = self
            .0
            .split_at_checked(n)
            .ok_or(InspectError::Malformed(what))?;
        self.0 = tail;
        Ok(head)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, InspectError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, InspectError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self, what: &'static str) -> Result<usize, InspectError> {
        let b = self.take(3, what)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }
}

/// The version and suite of a `ServerHello`; both must be among those offered.
fn server_hello(body: &[u8]) -> Result<(LegacyVersion, WindowsSuite), InspectError> {
    let mut r = Reader(body);
    let version = LegacyVersion::from_wire(r.u16("ServerHello version")?).ok_or(
        InspectError::Malformed("ServerHello chose a version not offered"),
    )?;
    r.take(32, "ServerHello random")?;
    let session = usize::from(r.u8("ServerHello session id")?);
    r.take(session, "ServerHello session id")?;
    let id = r.u16("ServerHello cipher suite")?;
    let suite = WINDOWS10_SUITES
        .iter()
        .find(|s| s.id == id)
        .copied()
        .ok_or(InspectError::Malformed(
            "ServerHello chose a cipher suite not offered",
        ))?;
    Ok((version, suite))
}

/// The certificates of a (TLS 1.0–1.2) Certificate message.
fn certificates(body: &[u8]) -> Result<Vec<CertificateDer<'static>>, InspectError> {
    let mut r = Reader(body);
    let total = r.u24("Certificate list length")?;
    let mut list = Reader(r.take(total, "Certificate list")?);
    let mut chain = Vec::new();
    while !list.0.is_empty() {
        if chain.len() == MAX_CERTIFICATES {
            return Err(InspectError::Malformed("more than 16 certificates"));
        }
        let len = list.u24("certificate length")?;
        let der = list.take(len, "certificate")?;
        if der.is_empty() {
            return Err(InspectError::Malformed("empty certificate"));
        }
        chain.push(CertificateDer::from(der.to_vec()));
    }
    if chain.is_empty() {
        return Err(InspectError::Malformed("empty Certificate message"));
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hello_is_one_well_formed_record_offering_windows_suites() {
        let hello = client_hello("enterpriseregistration.contoso.com", &[7; 32]);
        assert_eq!(&hello[..3], &[22, 3, 1]);
        let len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(hello.len(), 5 + len);
        let (kind, body, rest) = next_message(&hello[5..]).unwrap().unwrap();
        assert_eq!((kind, rest.len()), (1, 0));
        let mut r = Reader(body);
        assert_eq!(r.u16("v").unwrap(), 0x0303);
        r.take(33, "random + session").unwrap();
        let suites = usize::from(r.u16("suites").unwrap());
        assert_eq!(suites, 2 * WINDOWS10_SUITES.len());
        assert_eq!(r.take(2, "first").unwrap(), &[0xc0, 0x2c]);
        let sni = b"enterpriseregistration.contoso.com";
        assert!(body.windows(sni.len()).any(|w| w == sni));
    }

    #[test]
    fn truncated_and_oversized_messages_are_typed_errors() {
        assert_eq!(next_message(&[2, 0, 0]).unwrap(), None);
        assert_eq!(next_message(&[2, 0, 0, 5, 1]).unwrap(), None);
        assert!(matches!(
            next_message(&[11, 0xff, 0xff, 0xff]),
            Err(InspectError::TooLarge(_))
        ));
        assert!(matches!(
            server_hello(&[3, 3, 0]),
            Err(InspectError::Malformed(_))
        ));
        // A suite not offered.
        let mut hello = vec![3, 3];
        hello.extend([0; 32]);
        hello.extend([0, 0x13, 0x01, 0]);
        assert_eq!(
            server_hello(&hello),
            Err(InspectError::Malformed(
                "ServerHello chose a cipher suite not offered"
            ))
        );
        assert!(matches!(
            certificates(&[0, 0, 4, 0, 0, 9, 1]),
            Err(InspectError::Malformed(_))
        ));
        assert!(matches!(
            certificates(&[0, 0, 0]),
            Err(InspectError::Malformed(_))
        ));
    }

    proptest::proptest! {
        #![proptest_config(wpj_testkit::fuzz::config())]

        /// Whatever a server answers — a real RSA-key-exchange flight (the testkit responder's
        /// bytes) mutated — the reader ends with a typed result, never a panic, and what it
        /// returns stays within the bounds and the offer.
        #[test]
        fn any_answer_is_a_typed_result_within_bounds(
            mutations in proptest::collection::vec(wpj_testkit::fuzz::mutation(), 0..6),
            tls10 in proptest::prelude::any::<bool>(),
        ) {
            let version = if tls10 { 0x0301 } else { 0x0303 };
            let sample = wpj_testkit::legacy_tls::flight(
                version,
                wpj_testkit::legacy_tls::TLS_RSA_WITH_AES_128_CBC_SHA,
                &chain(),
            );
            let tokens: [&[u8]; 5] = [&[22, 3, 3], &[21, 3, 3, 0, 2, 2, 40], &[11], &[0xff, 0xff, 0xff], &[14, 0, 0, 0]];
            let bytes = wpj_testkit::fuzz::mutate(&sample, &mutations, &tokens);
            let result = wpj_testkit::fuzz::runtime().block_on(read_flight(&mut bytes.as_slice()));
            if mutations.is_empty() {
                let inspected = result.clone().expect("the unmutated flight reads");
                proptest::prop_assert_eq!(inspected.chain.as_ref().map(Vec::len), Ok(2));
            }
            if let Ok(inspected) = result {
                proptest::prop_assert!(WINDOWS10_SUITES.contains(&inspected.suite));
                if let Ok(chain) = inspected.chain {
                    proptest::prop_assert!(!chain.is_empty() && chain.len() <= MAX_CERTIFICATES);
                    proptest::prop_assert!(chain.iter().all(|c| !c.is_empty()));
                }
            }
        }
    }

    /// Two certificate-sized blobs: the reader does not parse DER, the chain judge does.
    fn chain() -> Vec<CertificateDer<'static>> {
        vec![
            CertificateDer::from(vec![0x30; 600]),
            CertificateDer::from(vec![0x31; 400]),
        ]
    }
}

//! Hostile servers: answers made to exhaust or fool a client — endless and huge bodies generated
//! as they are sent (never held), bombs, escape sequences for a terminal — for the `hostile-…`
//! scenarios ([`Scenario::hostile`](crate::Scenario::hostile)).

use std::fmt::Write as _;

use time::OffsetDateTime;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::http::Response;

/// Terminal escape sequences, as a hostile server plants them in anything a tool prints: clear
/// the screen, set the window title (ended by BEL), then a fake "healthy" line after a line break
/// and a carriage return.
pub const ESCAPES: &str = "\u{1b}[2J\u{1b}]0;wpj pwned\u{7}\r\n\u{2714} healthy\r";
/// [`ESCAPES`] in ASCII only (for an `IA5String` such as a CRL distribution point URL).
pub const ESCAPES_ASCII: &str = "\u{1b}[2J\u{1b}]0;wpj pwned\u{7}\r\n[OK] healthy\r";

/// Size of the endless federation metadata and `OpenID` configuration (1.5 GiB, chunked).
pub const ENDLESS_BODY_LEN: u64 = 1536 * 1024 * 1024;
/// Size of the huge contract body (1 GiB, chunked).
pub const HUGE_CONTRACT_LEN: u64 = 1024 * 1024 * 1024;
/// How many CRL distribution points the flooding certificate names.
pub const CRL_FLOOD_URLS: usize = 20;
/// Size of each CRL of the flood (96 MiB, chunked: above the client's CRL cap, and all of them
/// together far above its run budget).
pub const CRL_FLOOD_LEN: u64 = 96 * 1024 * 1024;
/// Entries of the huge CRL.
pub const MILLIONS_CRL_ENTRIES: u64 = 2_000_000;
/// How deep the nested JSON contract goes.
pub const JSON_NESTING: usize = 100_000;
/// Length-258 copies in the gzip bomb: 1 + 258 × this = 134,160,001 zero bytes (128 MiB) once
/// inflated, from about 850 KB on the wire.
const GZIP_BOMB_COPIES: u64 = 520_000;
/// CRC-32 of the gzip bomb's inflated bytes.
const GZIP_BOMB_CRC: u32 = 0x3cac_fc65;

/// Which hostile thing a lab does (on top of its [`LabSpec`](crate::LabSpec)'s other settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hostile {
    /// Nothing hostile.
    #[default]
    None,
    /// `FederationMetadata.xml` and the `OpenID` configuration are endless chunked bodies
    /// ([`ENDLESS_BODY_LEN`]).
    EndlessMetadata,
    /// The server certificate names [`CRL_FLOOD_URLS`] CRL distribution points, each a chunked
    /// body of [`CRL_FLOOD_LEN`].
    CrlFlood,
    /// `/adfs/probe` answers 302 to an address that swallows connections.
    ProbeRedirect,
    /// The contract answers an HTML page carrying [`ESCAPES`].
    EscapeContract,
    /// The server certificate's subject (CN and O) is [`ESCAPES`].
    EscapeSubject,
    /// The server certificate's CRL URL carries [`ESCAPES_ASCII`].
    EscapeCrlUrl,
    /// The contract is a 1 GiB chunked body.
    HugeContract,
    /// The contract is a gzip bomb sent as `Content-Encoding: gzip` (128 MiB of zeros inflated).
    GzipBomb,
    /// The contract is XML with a billion-laughs entity bomb.
    XmlBombContract,
    /// The contract is XML with an external entity (XXE) naming `/etc/passwd`.
    XxeContract,
    /// `FederationMetadata.xml` is a billion-laughs entity bomb.
    XmlBombMetadata,
    /// `FederationMetadata.xml` has an external entity (XXE) naming `/etc/passwd`.
    XxeMetadata,
    /// The contract is JSON nested [`JSON_NESTING`] arrays deep.
    NestedJson,
    /// The issuing CA's CRL lists [`MILLIONS_CRL_ENTRIES`] certificates (streamed, never held).
    MillionsCrl,
}

impl Hostile {
    /// What the registration service answers instead of its own route for `path` (lowercase),
    /// if this is hostile there. `document` is the contract it would have served.
    pub(crate) fn site_route(self, path: &str, document: &str) -> Option<crate::web::Route> {
        use crate::web::Route;
        let contract = path.ends_with("/enrollmentserver/contract");
        let metadata = path == "/federationmetadata/2007-06/federationmetadata.xml";
        let openid = path == "/adfs/.well-known/openid-configuration";
        let route = match self {
            Self::EndlessMetadata if metadata => Route::Stream(
                Response::new(200, "application/samlmetadata+xml", Vec::new()),
                LazyBody::chunked(
                    "<?xml version=\"1.0\" encoding=\"utf-8\"?><EntityDescriptor \
                     xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" ID=\"endless\">",
                    "<!-- wpj-testkit: this metadata never ends -->\n",
                    ENDLESS_BODY_LEN,
                ),
            ),
            Self::EndlessMetadata if openid => Route::Stream(
                Response::new(200, "application/json", Vec::new()),
                LazyBody::chunked("{\"issuer\":\"", "endless ", ENDLESS_BODY_LEN),
            ),
            Self::HugeContract if contract => {
                let mut prefix = document.to_owned();
                prefix.pop();
                prefix.push_str(",\"Padding\":\"");
                let mut body = LazyBody::chunked(&prefix, "x", HUGE_CONTRACT_LEN);
                body.suffix = b"\"}".to_vec();
                Route::Stream(Response::new(200, "application/json", Vec::new()), body)
            }
            Self::EscapeContract if contract => Route::ok(
                "text/html; charset=utf-8",
                format!("<html><body>Welcome{ESCAPES}</body></html>"),
            ),
            Self::GzipBomb if contract => {
                let mut response = Response::new(200, "application/json", gzip_bomb());
                response
                    .headers
                    .push(("Content-Encoding".to_owned(), "gzip".to_owned()));
                Route::Respond(response)
            }
            Self::XmlBombContract if contract => {
                Route::ok("application/xml", billion_laughs("DiscoveryResponse"))
            }
            Self::XxeContract if contract => Route::ok(
                "application/xml",
                xxe("DiscoveryResponse", "DeviceRegistrationService"),
            ),
            Self::XmlBombMetadata if metadata => Route::ok(
                "application/samlmetadata+xml",
                billion_laughs("EntityDescriptor"),
            ),
            Self::XxeMetadata if metadata => Route::ok(
                "application/samlmetadata+xml",
                xxe("EntityDescriptor", "X509Certificate"),
            ),
            Self::NestedJson if contract => Route::ok(
                "application/json",
                format!(
                    "{{\"DeviceRegistrationService\":{}{}}}",
                    "[".repeat(JSON_NESTING),
                    "]".repeat(JSON_NESTING)
                ),
            ),
            _ => return None,
        };
        Some(route)
    }
}

/// A billion-laughs document: ten levels of ten references each (10¹⁰ `lol`s if expanded).
fn billion_laughs(root: &str) -> String {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for level in 1..=9 {
        let _ = write!(dtd, "<!ENTITY lol{level} \"");
        for _ in 0..10 {
            let _ = write!(dtd, "&lol{};", level - 1);
        }
        dtd.push_str("\">");
    }
    format!("<?xml version=\"1.0\"?><!DOCTYPE {root} [{dtd}]><{root}>&lol9;</{root}>")
}

/// A document whose `element` holds an external entity naming `/etc/passwd`.
fn xxe(root: &str, element: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
         <{root}><{element}>&xxe;</{element}></{root}>"
    )
}

/// A body generated as it is written: a prefix, a filler, a suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LazyBody {
    /// Sent first.
    pub prefix: Vec<u8>,
    /// What follows, generated chunk by chunk.
    pub fill: Fill,
    /// Sent last.
    pub suffix: Vec<u8>,
    /// Sent `Transfer-Encoding: chunked`, without a length; otherwise with `Content-Length`.
    pub chunked: bool,
}

/// The generated middle of a [`LazyBody`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fill {
    /// `unit` repeated until `len` bytes are sent (the last copy cut short).
    Repeat {
        /// The repeated bytes (not empty).
        unit: Vec<u8>,
        /// Bytes in all.
        len: u64,
    },
    /// `count` CRL entries (DER `revokedCertificates` members, serials from `0x0100_0000`).
    CrlEntries {
        /// How many.
        count: u64,
    },
}

/// One DER CRL entry: `SEQUENCE { INTEGER (4 bytes), UTCTime }`.
const CRL_ENTRY_LEN: u64 = 23;

impl Fill {
    fn len(&self) -> u64 {
        match self {
            Self::Repeat { len, .. } => *len,
            Self::CrlEntries { count } => count * CRL_ENTRY_LEN,
        }
    }
}

/// How much is written at a time.
const WRITE_CHUNK: usize = 64 * 1024;

impl LazyBody {
    /// A chunked body: `prefix`, then `unit` repeated to `len` bytes in all.
    #[must_use]
    pub fn chunked(prefix: &str, unit: &str, len: u64) -> Self {
        Self {
            prefix: prefix.as_bytes().to_vec(),
            fill: Fill::Repeat {
                unit: unit.as_bytes().to_vec(),
                len: len.saturating_sub(prefix.len() as u64),
            },
            suffix: Vec::new(),
            chunked: true,
        }
    }

    /// The length of the whole body.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.prefix.len() as u64 + self.fill.len() + self.suffix.len() as u64
    }

    /// Whether the body is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `response`'s head and this body, 64 KiB at a time, until done or the client leaves.
    pub async fn write_to<S: AsyncWrite + Unpin>(
        &self,
        response: &Response,
        stream: &mut S,
    ) -> std::io::Result<()> {
        let length = (!self.chunked).then(|| self.len());
        stream.write_all(&response.head_for(length)).await?;
        self.send(stream, &self.prefix).await?;
        match &self.fill {
            Fill::Repeat { unit, len } => {
                let copies = (WRITE_CHUNK / unit.len().max(1)).max(1);
                let block = unit.repeat(copies);
                let mut left = *len;
                while left > 0 {
                    let n = usize::try_from(left.min(block.len() as u64)).unwrap_or(block.len());
                    self.send(stream, &block[..n]).await?;
                    left -= n as u64;
                }
            }
            Fill::CrlEntries { count } => {
                let date = utc_time(OffsetDateTime::now_utc() - time::Duration::hours(1));
                let mut block = Vec::with_capacity(WRITE_CHUNK + 64);
                for i in 0..*count {
                    let serial = u32::try_from(0x0100_0000 + i).unwrap_or(u32::MAX);
                    block.extend_from_slice(&[0x30, 21, 0x02, 4]);
                    block.extend_from_slice(&serial.to_be_bytes());
                    block.extend_from_slice(&[0x17, 13]);
                    block.extend_from_slice(date.as_bytes());
                    if block.len() >= WRITE_CHUNK {
                        self.send(stream, &block).await?;
                        block.clear();
                    }
                }
                self.send(stream, &block).await?;
            }
        }
        self.send(stream, &self.suffix).await?;
        if self.chunked {
            stream.write_all(b"0\r\n\r\n").await?;
        }
        stream.flush().await
    }

    async fn send<S: AsyncWrite + Unpin>(
        &self,
        stream: &mut S,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.chunked {
            stream
                .write_all(format!("{:x}\r\n", bytes.len()).as_bytes())
                .await?;
            stream.write_all(bytes).await?;
            stream.write_all(b"\r\n").await
        } else {
            stream.write_all(bytes).await
        }
    }
}

/// A CRL of the issuer named `issuer_cn` (organisation `wpj testkit`, as the lab's CAs are named)
/// listing `count` certificates, served with its length and generated as it is sent. Its
/// signature is zeros: a client must refuse it, after reading all of it or at its cap.
#[must_use]
pub fn millions_crl(issuer_cn: &str, count: u64) -> LazyBody {
    const ECDSA_SHA256: [u8; 12] = [
        0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
    ];
    let now = OffsetDateTime::now_utc();
    let name = tlv(
        0x30,
        &[
            tlv(
                0x31,
                &tlv(
                    0x30,
                    &[&[0x06, 3, 0x55, 0x04, 0x0A][..], &tlv(0x0C, b"wpj testkit")].concat(),
                ),
            ),
            tlv(
                0x31,
                &tlv(
                    0x30,
                    &[
                        &[0x06, 3, 0x55, 0x04, 0x03][..],
                        &tlv(0x0C, issuer_cn.as_bytes()),
                    ]
                    .concat(),
                ),
            ),
        ]
        .concat(),
    );
    let entries_len = count * CRL_ENTRY_LEN;
    let tbs_head: Vec<u8> = [
        &[0x02, 1, 1][..],
        &ECDSA_SHA256,
        &name,
        &tlv(0x17, utc_time(now - time::Duration::hours(1)).as_bytes()),
        &tlv(0x17, utc_time(now + time::Duration::days(7)).as_bytes()),
        &long_head(0x30, entries_len),
    ]
    .concat();
    // crlExtensions [0]: the CRL number (1), which RFC 5280 requires.
    let extensions = [
        0xA0, 0x0E, 0x30, 0x0C, 0x30, 0x0A, 0x06, 0x03, 0x55, 0x1D, 0x14, 0x04, 0x03, 0x02, 0x01,
        0x01,
    ];
    let tbs_len = tbs_head.len() as u64 + entries_len + extensions.len() as u64;
    let mut tail = extensions.to_vec();
    tail.extend_from_slice(&ECDSA_SHA256);
    tail.extend_from_slice(&[0x03, 0x41, 0x00]);
    tail.extend_from_slice(&[0u8; 64]);
    let outer_len = 6 + tbs_len + (tail.len() - extensions.len()) as u64;
    let mut prefix = long_head(0x30, outer_len);
    prefix.extend(long_head(0x30, tbs_len));
    prefix.extend(tbs_head);
    LazyBody {
        prefix,
        fill: Fill::CrlEntries { count },
        suffix: tail,
        chunked: false,
    }
}

/// A chunked body that starts like a 4 GiB DER CRL and goes on with zeros to `len` bytes.
#[must_use]
pub fn flood_crl(len: u64) -> LazyBody {
    LazyBody {
        prefix: vec![0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
        fill: Fill::Repeat {
            unit: vec![0; 4096],
            len: len - 6,
        },
        suffix: Vec::new(),
        chunked: true,
    }
}

/// A DER head with a four-byte length (`tag`, `0x84`, length).
fn long_head(tag: u8, len: u64) -> Vec<u8> {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    let mut out = vec![tag, 0x84];
    out.extend_from_slice(&len.to_be_bytes());
    out
}

/// A DER TLV with a short or long length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match u8::try_from(content.len()) {
        Ok(len) if len < 0x80 => out.push(len),
        _ => out.extend_from_slice(&long_head(tag, content.len() as u64)[1..]),
    }
    out.extend_from_slice(content);
    out
}

/// `YYMMDDHHMMSSZ`.
fn utc_time(at: OffsetDateTime) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        at.year() % 100,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A gzip member whose deflate stream (one fixed-Huffman block: a zero, then length-258
/// distance-1 copies) inflates to 128 MiB of zeros.
#[must_use]
pub fn gzip_bomb() -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE = 01, fixed Huffman
    bits.code(0x30, 8); // literal 0
    for _ in 0..GZIP_BOMB_COPIES {
        bits.code(0b1100_0101, 8); // length code 285: 258
        bits.code(0, 5); // distance code 0: 1
    }
    bits.code(0, 7); // end of block (256)
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(bits.finish());
    out.extend_from_slice(&GZIP_BOMB_CRC.to_le_bytes());
    let size = 1 + 258 * GZIP_BOMB_COPIES;
    out.extend_from_slice(&u32::try_from(size).unwrap_or(u32::MAX).to_le_bytes());
    out
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u8,
}

impl BitWriter {
    fn put(&mut self, value: u32, bits: u8) {
        for i in 0..bits {
            self.acc |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(u8::try_from(self.acc & 0xff).unwrap_or(0));
                self.acc = 0;
                self.n = 0;
            }
        }
    }

    fn code(&mut self, code: u32, bits: u8) {
        let reversed = code.reverse_bits() >> (32 - u32::from(bits));
        self.put(reversed, bits);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(u8::try_from(self.acc & 0xff).unwrap_or(0));
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gzip_bomb_is_small_on_the_wire() {
        let bomb = gzip_bomb();
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        assert_eq!(&bomb[..2], &[0x1f, 0x8b]);
    }

    #[test]
    fn a_crl_body_knows_its_length() {
        let crl = millions_crl("wpj Lab Issuing CA (x.test)", 3);
        assert!(!crl.chunked);
        assert_eq!(crl.len(), crl.prefix.len() as u64 + 3 * 23 + 16 + 12 + 67);
        assert_eq!(crl.prefix[0], 0x30);
    }

    #[test]
    fn the_billion_laughs_has_ten_levels() {
        let bomb = billion_laughs("r");
        assert!(bomb.contains("<!ENTITY lol9 "));
        assert!(bomb.ends_with("<r>&lol9;</r>"));
    }
}

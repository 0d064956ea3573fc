//! The TLS handshake on an inspection connection: the chain is recorded whatever its validity (the
//! handshake signatures are still verified), so that every problem can be reported afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use wpj_core::{ConnectAttempt, TlsSession};

use crate::connect::connect;
use crate::inspect::{InspectError, LegacyHandshake, LegacyVersion, inspect_address};
use crate::verifier::{EarlyChain, recording_config};

/// A completed handshake — or, with a server rustls cannot talk to, the inspection handshake's
/// reading of the chain a Windows 10 device would get.
#[derive(Debug)]
pub(crate) struct Handshake {
    /// The connection, ready for requests (none after an inspection handshake).
    pub(crate) stream: Option<tokio_rustls::client::TlsStream<TcpStream>>,
    pub(crate) session: TlsSession,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// The OCSP response stapled for the leaf, if the server sent one.
    pub(crate) stapled_ocsp: Option<Vec<u8>>,
    /// Set when only the inspection handshake got through.
    pub(crate) legacy: Option<LegacyHandshake>,
}

/// Why no handshake completed.
#[derive(Debug, Clone)]
pub(crate) enum HandshakeFailure {
    /// The TCP connection itself failed.
    Connect(ConnectAttempt),
    /// The server said nothing (or not enough) in time.
    TimedOut,
    /// The connection was reset or closed mid-handshake.
    Reset(String),
    /// The peers could not agree (versions, ciphers) or the server sent something that is not TLS.
    Protocol(String),
    /// rustls could not talk to the server, Windows 10's offer was accepted, but the server's
    /// Certificate message could not be read: the tool's limit, not a device verdict.
    Uninspectable(LegacyHandshake, InspectError),
}

/// Completes a TLS handshake with SNI `sni` on `open` (a connection to `address` already made) or
/// on a new connection to `address`, within `timeout` in total. The chain goes to `early` the
/// moment the server's first flight brings it (a TLS 1.2 handshake has a round trip to go then).
/// It never resumes a session: it must see the chain.
pub(crate) async fn handshake(
    address: SocketAddr,
    open: Option<TcpStream>,
    sni: &str,
    timeout: Duration,
    early: Option<EarlyChain>,
) -> Result<Handshake, HandshakeFailure> {
    let (config, recorder) = recording_config(early);
    let server_name = ServerName::try_from(sni.to_owned())
        .map_err(|e| HandshakeFailure::Protocol(format!("invalid server name {sni:?}: {e}")))?;

    let work = async {
        let stream: TcpStream = if let Some(stream) = open {
            stream
        } else {
            let (attempt, stream) = connect(address, timeout).await;
            stream.ok_or(HandshakeFailure::Connect(attempt))?
        };
        TlsConnector::from(config)
            .connect(server_name, stream)
            .await
            .map_err(|e| classify(&e))
    };
    let started = std::time::Instant::now();
    let tls = match tokio::time::timeout(timeout, work).await {
        Err(_) => return Err(HandshakeFailure::TimedOut),
        Ok(Ok(tls)) => tls,
        Ok(Err(failure @ (HandshakeFailure::Protocol(_) | HandshakeFailure::Reset(_)))) => {
            // Within what is left of the same bound.
            let left = timeout.saturating_sub(started.elapsed());
            return as_windows(address, sni, left, failure).await;
        }
        Ok(Err(failure)) => return Err(failure),
    };
    let conn = tls.get_ref().1;
    let session = TlsSession {
        address,
        sni: sni.to_owned(),
        version: conn
            .protocol_version()
            .map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}")),
        cipher: conn
            .negotiated_cipher_suite()
            .map_or_else(|| "unknown".to_owned(), |c| format!("{:?}", c.suite())),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
    };
    let (chain, stapled_ocsp) = recorder.recorded();
    Ok(Handshake {
        stream: Some(tls),
        session,
        chain,
        stapled_ocsp,
        legacy: None,
    })
}

/// After rustls failed with `failure`: offers what Windows 10 offers on a new connection. The
/// server's chain when it accepts, else `failure` (a device fails too), with the server's answer.
async fn as_windows(
    address: SocketAddr,
    sni: &str,
    timeout: Duration,
    failure: HandshakeFailure,
) -> Result<Handshake, HandshakeFailure> {
    let rustls_error = match &failure {
        HandshakeFailure::Protocol(e) | HandshakeFailure::Reset(e) => e.clone(),
        _ => return Err(failure),
    };
    let inspected = match inspect_address(address, sni, timeout).await {
        Ok(i) => i,
        Err(e) => return Err(noted(failure, &format!("Windows 10's offer too: {e}"))),
    };
    // rustls speaks what the server chose: its failure was not a version or suite mismatch (a bad
    // handshake signature, say), and a device meets it too.
    if inspected.version == LegacyVersion::Tls12 && inspected.suite.rustls_speaks() {
        let chose = format!(
            "Windows 10's offer was answered with {} with {}, which this tool speaks too",
            inspected.version, inspected.suite.name
        );
        return Err(noted(failure, &chose));
    }
    let legacy = LegacyHandshake {
        address,
        version: inspected.version,
        suite: inspected.suite,
        rustls_error,
    };
    match inspected.chain {
        Err(e) => Err(HandshakeFailure::Uninspectable(legacy, e)),
        Ok(chain) => Ok(Handshake {
            session: TlsSession {
                address,
                sni: sni.to_owned(),
                version: legacy.version.session_name().to_owned(),
                cipher: legacy.suite.name.to_owned(),
                alpn: None,
            },
            stream: None,
            chain,
            // The inspection handshake asks for no OCSP response.
            stapled_ocsp: None,
            legacy: Some(legacy),
        }),
    }
}

/// `failure` with what the inspection handshake saw appended to its detail.
fn noted(failure: HandshakeFailure, note: &str) -> HandshakeFailure {
    match failure {
        HandshakeFailure::Protocol(r) => HandshakeFailure::Protocol(format!("{r}; {note}")),
        HandshakeFailure::Reset(r) => HandshakeFailure::Reset(format!("{r}; {note}")),
        other => other,
    }
}

fn classify(e: &std::io::Error) -> HandshakeFailure {
    use std::io::ErrorKind;
    if let Some(tls) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return HandshakeFailure::Protocol(tls.to_string());
    }
    match e.kind() {
        ErrorKind::UnexpectedEof
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe => HandshakeFailure::Reset(e.to_string()),
        ErrorKind::TimedOut => HandshakeFailure::TimedOut,
        _ => HandshakeFailure::Protocol(e.to_string()),
    }
}

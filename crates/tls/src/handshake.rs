//! The TLS handshake on an inspection connection: the chain is recorded whatever its validity (the
//! handshake signatures are still verified), so that every problem can be reported afterwards.

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use wpj_core::{ConnectAttempt, TlsSession};

use crate::connect::connect;
use crate::verifier::recording_config;

/// A completed handshake.
#[derive(Debug)]
pub(crate) struct Handshake {
    pub(crate) session: TlsSession,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// The OCSP response stapled for the leaf, if the server sent one.
    pub(crate) stapled_ocsp: Option<Vec<u8>>,
}

/// Why no handshake completed.
#[derive(Debug)]
pub(crate) enum HandshakeFailure {
    /// The TCP connection itself failed.
    Connect(ConnectAttempt),
    /// The server said nothing (or not enough) in time.
    TimedOut,
    /// The connection was reset or closed mid-handshake.
    Reset(String),
    /// The peers could not agree (versions, ciphers) or the server sent something that is not TLS.
    Protocol(String),
}

/// Completes a TLS handshake with SNI `sni` on `open` (a connection to `address` already made) or
/// on a new connection to `address`, within `timeout` in total.
pub(crate) async fn handshake(
    address: SocketAddr,
    open: Option<TcpStream>,
    sni: &str,
    timeout: Duration,
) -> Result<Handshake, HandshakeFailure> {
    let (config, recorder) = recording_config();
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
    let tls = tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| HandshakeFailure::TimedOut)??;
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
        session,
        chain,
        stapled_ocsp,
    })
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

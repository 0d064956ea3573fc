//! The TLS handshake on an inspection connection: the chain is recorded whatever its validity (the
//! handshake signatures are still verified), so that every problem can be reported afterwards.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use wpj_core::{ConnectAttempt, TlsSession};

use crate::connect::connect;

/// Records the chain the server presents and accepts it; verifies handshake signatures.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = self.chain.lock().unwrap_or_else(PoisonError::into_inner);
        chain.clear();
        chain.push(end_entity.clone().into_owned());
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A client configuration that records the server's chain and accepts it (handshake signatures
/// are still verified), offering ALPN `http/1.1`.
fn recording_config() -> Result<(Arc<rustls::ClientConfig>, Arc<Recorder>), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        provider: Arc::clone(&provider),
        chain: Mutex::new(Vec::new()),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&recorder) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), recorder))
}

/// A client configuration for an *inspection* connection: any certificate chain is accepted (the
/// handshake signatures are still verified). Used to look past a certificate failure — never to
/// decide that a connection is trustworthy.
#[must_use]
pub fn inspection_config() -> rustls::ClientConfig {
    let (config, _) = recording_config()
        .unwrap_or_else(|e| unreachable!("ring supports the default versions: {e}"));
    Arc::unwrap_or_clone(config)
}

/// A completed handshake.
#[derive(Debug)]
pub(crate) struct Handshake {
    pub(crate) session: TlsSession,
    pub(crate) chain: Vec<CertificateDer<'static>>,
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

/// Connects to `address` and completes a TLS handshake with SNI `sni`, within `timeout` in total.
pub(crate) async fn handshake(
    address: SocketAddr,
    sni: &str,
    timeout: Duration,
) -> Result<Handshake, HandshakeFailure> {
    let (config, recorder) = recording_config().map_err(HandshakeFailure::Protocol)?;
    let server_name = ServerName::try_from(sni.to_owned())
        .map_err(|e| HandshakeFailure::Protocol(format!("invalid server name {sni:?}: {e}")))?;

    let work = async {
        let (attempt, stream) = connect(address, timeout).await;
        let stream: TcpStream = stream.ok_or(HandshakeFailure::Connect(attempt))?;
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
    let chain = recorder
        .chain
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    Ok(Handshake { session, chain })
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

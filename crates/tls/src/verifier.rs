//! Server certificate verifiers: the recording one of inspection connections, and one that verifies
//! as Windows does, with intermediates Windows would have (sent by the server or fetched via AIA).

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::EndEntityCert;

use crate::roots::TrustStore;

/// Handshake signature checks, shared by both verifiers.
#[derive(Debug, Clone)]
struct Signatures(Arc<CryptoProvider>);

impl Signatures {
    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Records the server's chain and accepts it; handshake signatures are still verified.
#[derive(Debug)]
pub(crate) struct Recorder {
    signatures: Signatures,
    pub(crate) chain: Mutex<Vec<CertificateDer<'static>>>,
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
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls12(m, c, d)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls13(m, c, d)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.schemes()
    }
}

/// Verifies the chain to the trust store and the name, with extra intermediates (from AIA) that
/// Windows would have fetched. Revocation is the revocation step's business.
#[derive(Debug)]
struct WindowsVerifier {
    signatures: Signatures,
    store: TrustStore,
    extra: Vec<CertificateDer<'static>>,
}

fn pki_error(e: webpki::Error) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
}

impl ServerCertVerifier for WindowsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let anchors = self.store.anchors();
        let mut all: Vec<CertificateDer<'_>> = intermediates.to_vec();
        all.extend(self.extra.iter().cloned());
        let cert = EndEntityCert::try_from(end_entity).map_err(pki_error)?;
        cert.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &all,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(pki_error)?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(pki_error)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls12(m, c, d)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls13(m, c, d)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.schemes()
    }
}

fn builder(
    verifier: Arc<dyn ServerCertVerifier>,
    provider: Arc<CryptoProvider>,
) -> rustls::ClientConfig {
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| unreachable!("ring supports the default versions: {e}"))
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// A configuration that records the chain (see [`Recorder`]), offering ALPN `http/1.1`.
pub(crate) fn recording_config() -> (Arc<rustls::ClientConfig>, Arc<Recorder>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recorder = Arc::new(Recorder {
        signatures: Signatures(Arc::clone(&provider)),
        chain: Mutex::new(Vec::new()),
    });
    let config = builder(
        Arc::clone(&recorder) as Arc<dyn ServerCertVerifier>,
        provider,
    );
    (Arc::new(config), recorder)
}

/// A client configuration for an *inspection* connection: any certificate chain is accepted (the
/// handshake signatures are still verified). Used to look past a certificate failure — never to
/// decide that a connection is trustworthy.
#[must_use]
pub fn inspection_config() -> rustls::ClientConfig {
    Arc::unwrap_or_clone(recording_config().0)
}

/// A verifying client configuration that judges the chain as Windows does: to a root of `store`,
/// with `extra_intermediates` available as if fetched through AIA, and the name checked.
#[must_use]
pub fn verifying_config(
    store: &TrustStore,
    extra_intermediates: &[CertificateDer<'static>],
) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(WindowsVerifier {
        signatures: Signatures(Arc::clone(&provider)),
        store: store.clone(),
        extra: extra_intermediates.to_vec(),
    });
    builder(verifier, provider)
}

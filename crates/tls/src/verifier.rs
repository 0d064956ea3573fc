//! Server certificate verification: recording (inspection connections) or verifying as Windows
//! does, with the intermediates Windows would have (sent by the server or fetched through AIA).

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::EndEntityCert;

use wpj_net::{RootOrigin, TrustStore};

use crate::certificate::Parsed;
use crate::names::{NameMatch, match_name};

/// What the verifier does with the server's chain.
#[derive(Debug)]
enum Judge {
    /// Records it (and the OCSP response stapled for the leaf, if any), hands it on to the early
    /// receiver when there is one, and accepts it (inspection).
    Record(Mutex<Recorded>, Mutex<Option<EarlyChain>>),
    /// Verifies it to the trust store, with extra intermediates (from AIA) Windows would have
    /// fetched, and checks the name. Revocation is the revocation step's business.
    Verify {
        store: TrustStore,
        extra: Vec<CertificateDer<'static>>,
    },
}

/// What a recording verifier saw: the chain, and the stapled OCSP response.
pub(crate) type Recorded = (Vec<CertificateDer<'static>>, Option<Vec<u8>>);

/// Where a recording verifier sends the chain the moment it arrives (the server's first flight),
/// before the handshake completes.
pub(crate) type EarlyChain = tokio::sync::oneshot::Sender<Recorded>;

/// A server certificate verifier; handshake signatures are always verified.
#[derive(Debug)]
pub(crate) struct Verifier {
    provider: Arc<CryptoProvider>,
    judge: Judge,
}

impl Verifier {
    /// The chain and stapled OCSP response recorded by the last handshake (nothing for a
    /// verifying verifier).
    pub(crate) fn recorded(&self) -> Recorded {
        match &self.judge {
            Judge::Record(seen, _) => seen.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            Judge::Verify { .. } => (Vec::new(), None),
        }
    }
}

fn pki_error(e: webpki::Error) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
}

/// Verifies `end_entity` to a root of `store` as Windows does: webpki's algorithms, or SHA-1 and
/// RSA from 1024 bits when the root is private; the name in a subjectAltName, or in the subject CN
/// when there is no subjectAltName.
fn verify_as_windows(
    store: &TrustStore,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let anchors = store.anchors();
    let cert = EndEntityCert::try_from(end_entity).map_err(pki_error)?;
    let verify = |algorithms| {
        cert.verify_for_usage(
            algorithms,
            &anchors,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|path| {
            store
                .by_anchor(path.anchor())
                .and_then(|root| store.origin(root))
        })
    };
    if let Err(strict) = verify(crate::signatures::ALGORITHMS) {
        let private = verify(crate::signatures::LEGACY_ALGORITHMS)
            .is_ok_and(|origin| origin == Some(RootOrigin::Private));
        if !private {
            return Err(pki_error(strict));
        }
    }
    if let Err(e) = cert.verify_is_valid_for_subject_name(server_name) {
        let owned = end_entity.clone().into_owned();
        let common_name_only = Parsed::new(&owned).is_some_and(|leaf| {
            match_name(&leaf, &owned, &server_name.to_str()) == NameMatch::CommonNameOnly
        });
        if !common_name_only {
            return Err(pki_error(e));
        }
    }
    Ok(())
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.judge {
            Judge::Record(seen, early) => {
                let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                let (chain, stapled) = &mut *seen;
                chain.clear();
                chain.push(end_entity.clone().into_owned());
                chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
                *stapled = (!ocsp_response.is_empty()).then(|| ocsp_response.to_vec());
                if let Some(early) = early.lock().unwrap_or_else(PoisonError::into_inner).take() {
                    // Nobody waiting any more is fine: the handshake goes on.
                    let _ = early.send(seen.clone());
                }
            }
            Judge::Verify { store, extra } => {
                let mut all: Vec<CertificateDer<'_>> = intermediates.to_vec();
                all.extend(extra.iter().cloned());
                verify_as_windows(store, end_entity, &all, server_name, now)?;
            }
        }
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

/// A configuration with `judge`, offering ALPN `http/1.1`.
fn config_with(judge: Judge) -> (rustls::ClientConfig, Arc<Verifier>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Verifier {
        provider: Arc::clone(&provider),
        judge,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| unreachable!("ring supports the default versions: {e}"))
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&verifier) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (config, verifier)
}

/// A configuration that records the chain the server presents and accepts it; the chain goes to
/// `early` as soon as it arrives. It never resumes a session: a resumed handshake brings no chain.
pub(crate) fn recording_config(
    early: Option<EarlyChain>,
) -> (Arc<rustls::ClientConfig>, Arc<Verifier>) {
    let (mut config, verifier) = config_with(recording(early));
    config.resumption = rustls::client::Resumption::disabled();
    (Arc::new(config), verifier)
}

/// A recording judge.
fn recording(early: Option<EarlyChain>) -> Judge {
    Judge::Record(Mutex::new((Vec::new(), None)), Mutex::new(early))
}

/// A client configuration for an *inspection* connection: any certificate chain is accepted (the
/// handshake signatures are still verified). Used to look past a certificate failure — never to
/// decide that a connection is trustworthy.
#[must_use]
pub fn inspection_config() -> rustls::ClientConfig {
    config_with(recording(None)).0
}

/// What the server (or a proxy in its place) presented on a connection made with the
/// configuration of [`inspection_recording`].
#[derive(Debug, Clone)]
pub struct Recording(Arc<Verifier>);

impl Recording {
    /// The chain presented in the last handshake, leaf first (empty before one).
    #[must_use]
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.0.recorded().0
    }
}

/// An [`inspection_config`] that also keeps the chain presented: to see what a server or a proxy
/// presents, never to trust it.
#[must_use]
pub fn inspection_recording() -> (rustls::ClientConfig, Recording) {
    let (config, verifier) = config_with(recording(None));
    (config, Recording(verifier))
}

/// A verifying client configuration that judges the chain as Windows does: to a root of `store`,
/// with `extra_intermediates` available as if fetched through AIA, and the name checked.
#[must_use]
pub fn verifying_config(
    store: &TrustStore,
    extra_intermediates: &[CertificateDer<'static>],
) -> rustls::ClientConfig {
    config_with(Judge::Verify {
        store: store.clone(),
        extra: extra_intermediates.to_vec(),
    })
    .0
}

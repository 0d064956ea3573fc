//! The trust store: the system's roots, extra PEM files, or only the given files.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use webpki::anchor_from_trusted_cert;
use wpj_core::TrustRoots;

/// The certificates the run trusts as roots.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<CertificateDer<'static>>,
}

impl TrustStore {
    /// Loads the roots the settings ask for. Extra PEM data that holds no certificate is an error;
    /// unreadable system roots are skipped (they are reported by `rustls-native-certs` one by one).
    pub fn load(trust: &TrustRoots) -> Result<Self, String> {
        let mut roots = Vec::new();
        if trust.system {
            let found = rustls_native_certs::load_native_certs();
            roots.extend(found.certs);
        }
        for (i, pem) in trust.extra_pem.iter().enumerate() {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("extra trust root #{}: not PEM certificates ({e})", i + 1))?;
            if certs.is_empty() {
                return Err(format!("extra trust root #{} holds no certificate", i + 1));
            }
            roots.extend(certs);
        }
        // Keep only what webpki accepts as an anchor.
        roots.retain(|der| anchor_from_trusted_cert(der).is_ok());
        if roots.is_empty() {
            return Err(
                "no trust roots: the system store is empty or disabled and no CA file was given"
                    .to_owned(),
            );
        }
        Ok(Self { roots })
    }

    /// The roots, DER.
    #[must_use]
    pub fn roots(&self) -> &[CertificateDer<'static>] {
        &self.roots
    }

    /// The roots as webpki trust anchors.
    #[must_use]
    pub fn anchors(&self) -> Vec<rustls_pki_types::TrustAnchor<'_>> {
        self.roots
            .iter()
            .filter_map(|der| anchor_from_trusted_cert(der).ok())
            .collect()
    }

    /// The root whose subject is `subject` (raw DER of the name, without the SEQUENCE header).
    #[must_use]
    pub fn by_subject(&self, subject: &[u8]) -> Option<&CertificateDer<'static>> {
        self.roots
            .iter()
            .find(|der| anchor_from_trusted_cert(der).is_ok_and(|a| a.subject.as_ref() == subject))
    }
}

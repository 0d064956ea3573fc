//! The trust store: the system's roots, extra PEM files, or only the given files.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use webpki::anchor_from_trusted_cert;
use wpj_core::TrustRoots;

/// The operating system's roots, read once per process (every check of every run needs them, and
/// reading the store costs far more than the checks' own work).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Why the trust store the settings ask for cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Extra PEM data #`index` (1-based) is not PEM certificates.
    #[error("extra trust root #{index}: not PEM certificates ({why})")]
    NotPem {
        /// Which extra root (1-based).
        index: usize,
        /// The PEM reader's reason.
        why: String,
    },
    /// Extra PEM data #`index` (1-based) holds no certificate.
    #[error("extra trust root #{index} holds no certificate")]
    NoCertificate {
        /// Which extra root (1-based).
        index: usize,
    },
    /// Nothing is left to trust: the system store is empty or disabled and no CA file was given.
    #[error("no trust roots: the system store is empty or disabled and no CA file was given")]
    NoRoots,
}

impl TrustError {
    /// Whether an extra root the user gave is the cause (not the system store).
    #[must_use]
    pub fn is_extra_root(&self) -> bool {
        matches!(self, Self::NotPem { .. } | Self::NoCertificate { .. })
    }
}

/// Where a trusted root comes from: what Windows' policies tell apart (SHA-1 and short RSA keys are
/// refused only in chains to roots of Microsoft's Trusted Root Program, which the system store holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RootOrigin {
    /// The operating system's store (on a device: Microsoft's Trusted Root Program).
    System,
    /// A root the user gave (`--ca-file`, a lab): a private, enterprise root.
    Private,
}

/// The certificates the run trusts as roots.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    roots: Vec<CertificateDer<'static>>,
    /// The origin of each root, index for index.
    origins: Vec<RootOrigin>,
}

impl TrustStore {
    /// Loads the roots the settings ask for. Extra PEM data that holds no certificate is an error;
    /// unreadable system roots are skipped (they are reported by `rustls-native-certs` one by one).
    pub fn load(trust: &TrustRoots) -> Result<Self, TrustError> {
        let mut roots = Vec::new();
        if trust.system {
            roots.extend(system_roots().iter().cloned());
        }
        let system = roots.len();
        let mut extra = Vec::new();
        for (i, pem) in trust.extra_pem.iter().enumerate() {
            let index = i + 1;
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|e| TrustError::NotPem {
                    index,
                    why: e.to_string(),
                })?;
            if certs.is_empty() {
                return Err(TrustError::NoCertificate { index });
            }
            extra.extend(certs);
        }
        roots.extend(extra);
        let store = Self::from_parts(&roots[..system], &roots[system..]);
        if store.roots.is_empty() {
            return Err(TrustError::NoRoots);
        }
        Ok(store)
    }

    /// A store of `system` roots (as if from the operating system's store) and `private` ones (as
    /// if given with `--ca-file`); certificates webpki does not accept as anchors are left out.
    /// For embedders with their own roots, and tests of origin-dependent policy.
    #[must_use]
    pub fn from_parts(
        system: &[CertificateDer<'static>],
        private: &[CertificateDer<'static>],
    ) -> Self {
        let mut store = Self::default();
        let tagged = system
            .iter()
            .map(|c| (c, RootOrigin::System))
            .chain(private.iter().map(|c| (c, RootOrigin::Private)));
        for (der, origin) in tagged {
            // Keep only what webpki accepts as an anchor.
            if anchor_from_trusted_cert(der).is_ok() {
                store.roots.push(der.clone());
                store.origins.push(origin);
            }
        }
        store
    }

    /// Where `root` (one of [`TrustStore::roots`]) comes from; `None` when it is not one of them.
    /// A root both stores hold counts as the system's.
    #[must_use]
    pub fn origin(&self, root: &CertificateDer<'_>) -> Option<RootOrigin> {
        let mut found = None;
        for (der, origin) in self.roots.iter().zip(&self.origins) {
            if der.as_ref() == root.as_ref() {
                if *origin == RootOrigin::System {
                    return Some(RootOrigin::System);
                }
                found = Some(*origin);
            }
        }
        found
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

    /// A verifying rustls client configuration (ring) trusting these roots: what every HTTPS
    /// request of the library uses unless it records or inspects the chain itself.
    #[must_use]
    pub fn client_config(&self) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        for der in &self.roots {
            // Roots were filtered to valid anchors when the store was loaded.
            let _ = roots.add(der.clone());
        }
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| unreachable!("ring supports the default versions: {e}"))
        .with_root_certificates(roots)
        .with_no_client_auth()
    }

    /// The root a path ended at: the one with this anchor's subject *and* key (a renewed root
    /// often keeps its predecessor's name with a new key; both may be trusted).
    #[must_use]
    pub fn by_anchor(
        &self,
        anchor: &rustls_pki_types::TrustAnchor<'_>,
    ) -> Option<&CertificateDer<'static>> {
        self.roots.iter().find(|der| {
            anchor_from_trusted_cert(der).is_ok_and(|a| {
                a.subject.as_ref() == anchor.subject.as_ref()
                    && a.subject_public_key_info.as_ref() == anchor.subject_public_key_info.as_ref()
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_store_is_read_once_and_used_as_is() {
        let system = TrustRoots::default();
        match TrustStore::load(&system) {
            Ok(store) => {
                assert_eq!(store.roots().len(), system_roots().len());
                assert!(std::ptr::eq(system_roots(), system_roots()), "cached");
            }
            Err(e) => assert!(system_roots().is_empty(), "{e}"),
        }
    }

    #[test]
    fn bad_or_missing_roots_are_errors() {
        let none = TrustRoots {
            system: false,
            extra_pem: Vec::new(),
        };
        assert_eq!(TrustStore::load(&none).unwrap_err(), TrustError::NoRoots);
        let junk = TrustRoots {
            system: false,
            extra_pem: vec![
                b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".to_vec(),
            ],
        };
        assert!(matches!(
            TrustStore::load(&junk).unwrap_err(),
            TrustError::NotPem { index: 1, .. }
        ));
        let empty = TrustRoots {
            system: false,
            extra_pem: vec![b"just text".to_vec()],
        };
        let e = TrustStore::load(&empty).unwrap_err();
        assert_eq!(e, TrustError::NoCertificate { index: 1 });
        assert_eq!(e.to_string(), "extra trust root #1 holds no certificate");
    }

    #[test]
    fn each_root_keeps_its_origin() {
        use wpj_testkit::pki::{LeafSpec, Pki, PkiSpec, pem_of};
        let pki = Pki::generate(&PkiSpec {
            domain: "origin.test".into(),
            pki_base_url: "http://pki.origin.test".into(),
            leaf: LeafSpec::plain(&["enterpriseregistration.origin.test"]),
        })
        .unwrap();
        let (a, b) = (pki.root.der().clone(), pki.other_root.der().clone());
        let store = TrustStore::from_parts(std::slice::from_ref(&a), &[b.clone(), a.clone()]);
        assert_eq!(
            store.origin(&a),
            Some(RootOrigin::System),
            "the system's wins"
        );
        assert_eq!(store.origin(&b), Some(RootOrigin::Private));
        assert_eq!(store.origin(&pki.leaf), None);
        let loaded = TrustStore::load(&TrustRoots {
            system: false,
            extra_pem: vec![pem_of(&b).into_bytes()],
        })
        .unwrap();
        assert_eq!(loaded.origin(&b), Some(RootOrigin::Private));
    }
}

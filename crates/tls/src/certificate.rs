//! Reading certificates the way an admin needs them: names, dates, URLs, usages.

use std::fmt::Write as _;

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use wpj_core::{CertificateInfo, CertificateSource};
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

/// OID of the AIA caIssuers access method.
const CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
/// OID of the AIA OCSP access method.
const OCSP: &str = "1.3.6.1.5.5.7.48.1";

/// A parsed certificate and the facts the checks use.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub(crate) der: &'a CertificateDer<'static>,
    pub(crate) cert: X509Certificate<'a>,
}

impl<'a> Parsed<'a> {
    /// Parses `der`; `None` when it is not an X.509 certificate.
    pub(crate) fn new(der: &'a CertificateDer<'static>) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        Some(Self { der, cert })
    }

    pub(crate) fn subject(&self) -> String {
        self.cert.subject().to_string()
    }

    pub(crate) fn issuer(&self) -> String {
        self.cert.issuer().to_string()
    }

    pub(crate) fn serial_hex(&self) -> String {
        hex(self.cert.raw_serial())
    }

    /// The subject, DER (as webpki compares names).
    pub(crate) fn subject_raw(&self) -> &[u8] {
        self.cert.subject().as_raw()
    }

    /// The issuer, DER.
    pub(crate) fn issuer_raw(&self) -> &[u8] {
        self.cert.issuer().as_raw()
    }

    /// Whether the certificate has a subjectAltName extension at all.
    pub(crate) fn has_san(&self) -> bool {
        self.cert.extensions().iter().any(|e| {
            matches!(
                e.parsed_extension(),
                ParsedExtension::SubjectAlternativeName(_)
            )
        })
    }

    /// The subject's common names, as text.
    pub(crate) fn common_names(&self) -> Vec<String> {
        self.cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_owned))
            .collect()
    }

    /// Whether its signature is SHA-1 with RSA (`sha1WithRSAEncryption`, or the old OIW OID).
    pub(crate) fn signed_with_sha1(&self) -> bool {
        matches!(
            self.cert
                .signature_algorithm
                .algorithm
                .to_id_string()
                .as_str(),
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29"
        )
    }

    /// The size of its RSA key in bits; `None` for other keys.
    pub(crate) fn rsa_bits(&self) -> Option<usize> {
        match self.cert.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => Some(rsa.key_size()),
            _ => None,
        }
    }

    pub(crate) fn self_issued(&self) -> bool {
        self.cert.subject().as_raw() == self.cert.issuer().as_raw()
    }

    pub(crate) fn not_before(&self) -> OffsetDateTime {
        self.cert.validity().not_before.to_datetime()
    }

    pub(crate) fn not_after(&self) -> OffsetDateTime {
        self.cert.validity().not_after.to_datetime()
    }

    pub(crate) fn dns_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if let Ok(Some(san)) = self.cert.subject_alternative_name() {
            for n in &san.value.general_names {
                if let GeneralName::DNSName(d) = n {
                    names.push((*d).to_owned());
                }
            }
        }
        names
    }

    /// CRL distribution point URLs (every scheme).
    pub(crate) fn crl_urls(&self) -> Vec<String> {
        self.cert
            .extensions()
            .iter()
            .filter_map(|ext| match ext.parsed_extension() {
                ParsedExtension::CRLDistributionPoints(points) => {
                    Some(crate::crl::distribution_point_urls(points))
                }
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn aia(&self, method: &str) -> Vec<String> {
        let mut urls = Vec::new();
        for ext in self.cert.extensions() {
            if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
                for desc in &aia.accessdescs {
                    if desc.access_method.to_id_string() == method
                        && let GeneralName::URI(uri) = desc.access_location
                    {
                        urls.push(uri.to_owned());
                    }
                }
            }
        }
        urls
    }

    pub(crate) fn ca_issuers(&self) -> Vec<String> {
        self.aia(CA_ISSUERS)
    }

    pub(crate) fn ocsp_urls(&self) -> Vec<String> {
        self.aia(OCSP)
    }

    pub(crate) fn is_ca(&self) -> bool {
        self.cert.is_ca()
    }

    /// `None` when the certificate has no EKU extension (any usage); else whether it allows TLS
    /// server authentication.
    pub(crate) fn server_auth(&self) -> Option<bool> {
        match self.cert.extended_key_usage() {
            Ok(Some(eku)) => Some(eku.value.server_auth || eku.value.any),
            _ => None,
        }
    }

    /// The usages it does have, for messages.
    pub(crate) fn usages(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if let Ok(Some(eku)) = self.cert.extended_key_usage() {
            let e = &eku.value;
            for (set, name) in [
                (e.server_auth, "serverAuth"),
                (e.client_auth, "clientAuth"),
                (e.code_signing, "codeSigning"),
                (e.email_protection, "emailProtection"),
                (e.time_stamping, "timeStamping"),
                (e.ocsp_signing, "OCSPSigning"),
            ] {
                if set {
                    out.push(name);
                }
            }
        }
        out
    }

    pub(crate) fn info(&self, position: usize, source: CertificateSource) -> CertificateInfo {
        CertificateInfo {
            position,
            source,
            subject: self.subject(),
            issuer: self.issuer(),
            serial: self.serial_hex(),
            not_before: self.not_before(),
            not_after: self.not_after(),
            dns_names: self.dns_names(),
            crl_urls: self.crl_urls(),
            ca_issuers: self.ca_issuers(),
            ocsp_urls: self.ocsp_urls(),
            is_ca: self.is_ca(),
            sha256: sha256_hex(self.der),
        }
    }
}

pub(crate) fn unix(t: OffsetDateTime) -> rustls_pki_types::UnixTime {
    rustls_pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap_or(0),
    ))
}

/// Uppercase hex without separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02X}");
            s
        })
}

fn sha256_hex(der: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, der).as_ref())
}

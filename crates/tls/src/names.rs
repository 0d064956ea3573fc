//! Does the server certificate name the host? As Windows' SSL policy decides it.
//!
//! `CertVerifyCertificateChainPolicy` with `CERT_CHAIN_POLICY_SSL` matches the host against the
//! certificate's names — "either the DNS name or common name" (Microsoft,
//! `SSL_EXTRA_CERT_CHAIN_POLICY_PARA`,
//! <https://learn.microsoft.com/en-us/windows/win32/api/wincrypt/ns-wincrypt-httpspolicycallbackdata>):
//! the subjectAltName DNS names, and the subject's common name when there is no subjectAltName at
//! all (REFERENCE.md §5). Here the CN is matched exactly; whether Windows also accepts a wildcard
//! there is not confirmed, so the tool does not. Browsers and webpki refuse CN-only certificates
//! (CA/Browser Forum baseline requirements; RFC 6125 §6.4.4 leaves it to the client), so such a
//! certificate passes for Windows with a warning.

use rustls_pki_types::{CertificateDer, ServerName};
use webpki::EndEntityCert;

use crate::certificate::Parsed;

/// How the leaf names the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameMatch {
    /// A subjectAltName DNS name covers it.
    SubjectAltName,
    /// No subjectAltName; the subject CN is the host: Windows accepts it, other clients do not.
    CommonNameOnly,
    /// Nothing covers it; what the certificate names instead.
    Mismatch(String),
}

/// Matches `name` against the leaf `der` (parsed as `leaf`).
pub(crate) fn match_name(
    leaf: &Parsed<'_>,
    der: &CertificateDer<'static>,
    name: &str,
) -> NameMatch {
    let covered = ServerName::try_from(name.to_owned()).is_ok_and(|server_name| {
        EndEntityCert::try_from(der)
            .and_then(|ee| ee.verify_is_valid_for_subject_name(&server_name))
            .is_ok()
    });
    if covered {
        return NameMatch::SubjectAltName;
    }
    if leaf.has_san() {
        let names = leaf.dns_names();
        return NameMatch::Mismatch(if names.is_empty() {
            "no DNS names".to_owned()
        } else {
            names.join(", ")
        });
    }
    let common_names = leaf.common_names();
    let host = name.trim_end_matches('.');
    if common_names.iter().any(|cn| cn.eq_ignore_ascii_case(host)) {
        return NameMatch::CommonNameOnly;
    }
    NameMatch::Mismatch(if common_names.is_empty() {
        "no DNS names (no subjectAltName, no common name)".to_owned()
    } else {
        format!(
            "no subjectAltName, and only the common name {}",
            common_names.join(", ")
        )
    })
}

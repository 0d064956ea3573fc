//! The OCSP and CRL-URL scenarios: a leaf checked through its OCSP responder (fetched or stapled),
//! and `ldap://` distribution points, each with the outcome Windows gives.

use wpj_core::JoinFailure as F;

use crate::lab::LabSpec;
use crate::ocsp::OcspFault;
use crate::pki::LdapCdp;
use crate::scenario::{Expected, Scenario};

/// A leaf whose AIA names an OCSP responder answering as `fault`, with no CRL distribution point:
/// OCSP alone decides.
fn ocsp_only(fault: OcspFault) -> LabSpec {
    LabSpec {
        leaf_cdp: false,
        ocsp: Some(fault),
        ..LabSpec::default()
    }
}

/// The OCSP scenarios, in [`Scenario::all`] after the CRL ones.
pub(crate) fn ocsp_scenarios() -> Vec<Scenario> {
    use Expected::{Failure, Healthy};
    let unknown = Failure(F::RevocationOffline);
    let scenario = |name, description, expected, spec| Scenario {
        name,
        description,
        expected,
        spec,
    };
    vec![
        scenario(
            "ocsp-only-good",
            "the server certificate has no CRL distribution point; its OCSP responder says good",
            Healthy,
            ocsp_only(OcspFault::None),
        ),
        scenario(
            "ocsp-revoked",
            "the server certificate's OCSP responder says revoked (its CRL is not consulted)",
            Failure(F::CertRevoked),
            ocsp_only(OcspFault::Revoked),
        ),
        scenario(
            "ocsp-unknown",
            "the OCSP responder does not know the server certificate (status unknown), and there is no CRL",
            unknown,
            ocsp_only(OcspFault::Unknown),
        ),
        scenario(
            "ocsp-try-later",
            "the OCSP responder answers tryLater, and there is no CRL",
            unknown,
            ocsp_only(OcspFault::TryLater),
        ),
        scenario(
            "ocsp-stale",
            "the OCSP responder's answer is past its nextUpdate, and there is no CRL",
            unknown,
            ocsp_only(OcspFault::Stale),
        ),
        scenario(
            "ocsp-bad-signature",
            "the OCSP response names the CA as responder but is signed by another key, and there is no CRL",
            unknown,
            ocsp_only(OcspFault::BadSignature),
        ),
        scenario(
            "ocsp-non-delegated",
            "the OCSP response is signed by a certificate of the CA without id-kp-OCSPSigning, and there is no CRL",
            unknown,
            ocsp_only(OcspFault::NonDelegated),
        ),
        scenario(
            "ocsp-delegated",
            "the OCSP response is signed by a delegated responder certificate (id-kp-OCSPSigning, issued by the CA): good",
            Healthy,
            ocsp_only(OcspFault::Delegated),
        ),
        scenario(
            "ocsp-down-crl-good",
            "the OCSP responder's port is closed; the CRL that follows says good",
            Healthy,
            LabSpec {
                ocsp: Some(OcspFault::Down),
                ..LabSpec::default()
            },
        ),
        scenario(
            "ocsp-stapled-good",
            "the server staples a good OCSP response: no request to the responder",
            Healthy,
            LabSpec {
                staple: Some(OcspFault::None),
                ..ocsp_only(OcspFault::None)
            },
        ),
        scenario(
            "ocsp-stapled-revoked",
            "the server staples an OCSP response saying it is revoked",
            Failure(F::CertRevoked),
            LabSpec {
                staple: Some(OcspFault::Revoked),
                ..ocsp_only(OcspFault::None)
            },
        ),
        scenario(
            "ocsp-stapled-stale",
            "the server staples an OCSP response past its nextUpdate; the responder, asked instead, says good",
            Healthy,
            LabSpec {
                staple: Some(OcspFault::Stale),
                ..ocsp_only(OcspFault::None)
            },
        ),
        scenario(
            "crl-ldap-then-http",
            "the server certificate's first CRL distribution point is ldap://, then http (the http one is used)",
            Healthy,
            LabSpec {
                ldap_cdp: LdapCdp::BeforeHttp,
                ..LabSpec::default()
            },
        ),
        scenario(
            "crl-ldap-only",
            "the server certificate's only CRL distribution point is ldap:// (unknown for devices outside the domain)",
            unknown,
            LabSpec {
                ldap_cdp: LdapCdp::Only,
                ..LabSpec::default()
            },
        ),
    ]
}

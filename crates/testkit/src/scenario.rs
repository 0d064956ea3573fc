//! The scenario catalogue: one lab per failure a server can cause, plus the healthy baselines.

use std::fmt;
use std::net::Ipv4Addr;

use wpj_core::{JoinFailure, Report, Stage};

use crate::discovery::EntraRealm;
use crate::dns::DnsFault;
use crate::hostile::Hostile;
use crate::https::{ContractFault, TlsFault};
use crate::lab::{
    ChainShape, CorporateRoot, CrlFault, CrlForm, Delta, ExternalView, LabSpec, NodeSpec, Revoked,
    Scope,
};
use crate::legacy::{LEGACY_DOMAIN, LegacyChain};
use crate::legacy_tls::LegacyProfile;
use crate::pki::Validity;

/// What a correct diagnosis of a scenario concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Nothing fails.
    Healthy,
    /// Nothing fails for Windows, but something is wrong (reported as a warning).
    Warning,
    /// No device verdict, but the farm's own health fails (probe, metadata, token certificates).
    FarmHealth,
    /// A Windows device fails during discovery, before the user signs in, with this.
    Failure(JoinFailure),
    /// A Windows device gets through discovery, then fails after the user signs in, with this.
    SignIn(JoinFailure),
}

impl Expected {
    /// The failure of the device verdict, if one is expected.
    #[must_use]
    pub fn failure(self) -> Option<JoinFailure> {
        match self {
            Self::Failure(f) | Self::SignIn(f) => Some(f),
            Self::Healthy | Self::Warning | Self::FarmHealth => None,
        }
    }

    /// What a report concludes, in the same terms: the verdict (by stage), else a farm-health
    /// failure, else any problem as a warning.
    #[must_use]
    pub fn of(report: &Report) -> Self {
        match report.verdict() {
            Some(v) if v.stage == Stage::SignIn => Self::SignIn(v.failure),
            Some(v) => Self::Failure(v.failure),
            None if report.has_failures() => Self::FarmHealth,
            None if report.findings().iter().any(|f| f.status.is_problem()) => Self::Warning,
            None => Self::Healthy,
        }
    }
}

impl fmt::Display for Expected {
    /// `healthy`, `warning`, `farm-health`, or the verdict's code and name (`0x80072F8A
    /// cert-revoked`, `HTTP 404 contract-not-found`), prefixed `sign-in ` for a sign-in verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = |failure: JoinFailure| match (failure.hresult(), failure.http_status()) {
            (Some(h), _) => format!("{h} {}", failure.code()),
            (None, Some(status)) => format!("HTTP {status} {}", failure.code()),
            (None, None) => failure.code().to_owned(),
        };
        match self {
            Self::Healthy => f.write_str("healthy"),
            Self::Warning => f.write_str("warning"),
            Self::FarmHealth => f.write_str("farm-health"),
            Self::Failure(failure) => f.write_str(&code(*failure)),
            Self::SignIn(failure) => write!(f, "sign-in {}", code(*failure)),
        }
    }
}

/// A named lab configuration and the outcome it must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Stable kebab-case name (`tls-revoked-leaf`).
    pub name: &'static str,
    /// One line for people.
    pub description: &'static str,
    /// The outcome a correct diagnosis reports.
    pub expected: Expected,
    /// The lab.
    pub spec: LabSpec,
}

fn scenario(
    name: &'static str,
    description: &'static str,
    expected: Expected,
    spec: LabSpec,
) -> Scenario {
    Scenario {
        name,
        description,
        expected,
        spec,
    }
}

/// Number of filler entries in the large-CRL scenario.
pub const LARGE_CRL_ENTRIES: usize = 20_000;

impl Scenario {
    /// Every scenario, healthy baselines first.
    #[must_use]
    pub fn all() -> Vec<Self> {
        use Expected::{Failure, FarmHealth, Healthy, SignIn, Warning};
        use JoinFailure as F;
        let base = LabSpec::default;
        let legacy = |chain| LabSpec {
            domain: LEGACY_DOMAIN.to_owned(),
            chain: ChainShape::Legacy(chain),
            ..base()
        };
        let with = |f: fn(&mut LabSpec)| {
            let mut spec = base();
            f(&mut spec);
            spec
        };
        let mut all = vec![
            scenario(
                "healthy-onprem",
                "AD FS: A record, valid chain, fresh CRLs, contract 200",
                Healthy,
                base(),
            ),
            scenario(
                "healthy-entra",
                "Entra ID: CNAME to enterpriseregistration.windows.net, whose certificate names only Microsoft's hosts; tenant discovery 1.7 answers",
                Healthy,
                LabSpec::entra(),
            ),
            scenario(
                "entra-federated",
                "Entra ID, federated domain: the user realm names sts.<domain>, published outside through the proxy; windowstransport inside only",
                Healthy,
                LabSpec {
                    realm: EntraRealm::Federated,
                    external_view: Some(ExternalView::Proxy),
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-login-blocked",
                "Entra ID: tenant discovery works, but login.microsoftonline.com is blocked (connection refused)",
                SignIn(F::CannotConnect),
                LabSpec {
                    login_blocked: true,
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-realm-unknown",
                "Entra ID: the user realm does not know the domain (not verified in any tenant)",
                SignIn(F::DsregUserRealmDiscoveryFailed),
                LabSpec {
                    realm: EntraRealm::Unknown,
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-discover-error",
                "Entra ID: Microsoft's tenant discovery does not know the domain (HTTP 404)",
                Failure(F::DsregTenantNotFound),
                LabSpec {
                    contract: ContractFault::Status(404),
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "dns-stray-cname",
                "AD FS: the answer also carries an unrelated CNAME to enterpriseregistration.windows.net",
                Healthy,
                with(|s| s.stray_cname = true),
            ),
            scenario(
                "healthy-split-horizon",
                "internal view → farm node, external view → proxy",
                Healthy,
                with(|s| s.external_view = Some(ExternalView::Proxy)),
            ),
            scenario(
                "healthy-tls12-only",
                "the server speaks TLS 1.2 only (fine for Windows)",
                Healthy,
                with(|s| s.tls = TlsFault::Tls12Only),
            ),
            scenario(
                "healthy-large-crl",
                "the issuing CA's CRL lists 20,000 other certificates",
                Healthy,
                with(|s| s.crl = CrlFault::Large(LARGE_CRL_ENTRIES)),
            ),
            scenario(
                "clock-skew",
                "the service's clock (its Date header) is 20 minutes ahead of this machine's",
                Warning,
                with(|s| s.contract = ContractFault::ClockSkew(20)),
            ),
            scenario(
                "redirect-same-host",
                "the contract redirects to another path on the same host",
                Healthy,
                with(|s| s.contract = ContractFault::RedirectSameHost),
            ),
            scenario(
                "dns-nxdomain",
                "no EnterpriseRegistration record: NXDOMAIN",
                Failure(F::NameNotResolved),
                with(|s| s.dns_fault = Some(DnsFault::NxDomain)),
            ),
            scenario(
                "dns-nodata",
                "the name exists but has no address records (NODATA)",
                Failure(F::NameNotResolved),
                with(|s| s.dns_fault = Some(DnsFault::NoData)),
            ),
            scenario(
                "dns-servfail",
                "the DNS server answers SERVFAIL",
                Failure(F::NameNotResolved),
                with(|s| s.dns_fault = Some(DnsFault::ServFail)),
            ),
            scenario(
                "dns-refused",
                "the DNS server answers REFUSED",
                Failure(F::NameNotResolved),
                with(|s| s.dns_fault = Some(DnsFault::Refused)),
            ),
            scenario(
                "dns-timeout",
                "the DNS server never answers",
                Failure(F::NameNotResolved),
                with(|s| s.dns_fault = Some(DnsFault::Drop)),
            ),
            scenario(
                "split-horizon-external-missing",
                "the record exists in the internal view only",
                Failure(F::NameNotResolved),
                with(|s| s.external_view = Some(ExternalView::Fault(DnsFault::NxDomain))),
            ),
            scenario(
                "split-horizon-same-answer",
                "the external view gives out the farm's internal address",
                Warning,
                with(|s| s.external_view = Some(ExternalView::SameAsInternal)),
            ),
            scenario(
                "connect-refused",
                "nothing listens on the service port",
                Failure(F::CannotConnect),
                with(|s| s.tls = TlsFault::Closed),
            ),
            scenario(
                "connect-black-hole",
                "the service address accepts nothing and answers nothing (a firewall that drops)",
                Failure(F::Timeout),
                with(|s| s.tls = TlsFault::BlackHole),
            ),
            scenario(
                "tls-stall",
                "the server accepts TCP and never starts TLS",
                Failure(F::Timeout),
                with(|s| s.tls = TlsFault::StallBeforeHandshake),
            ),
            scenario(
                "tls-reset",
                "the server closes the connection right after accepting it",
                Failure(F::ConnectionError),
                with(|s| s.tls = TlsFault::CloseAfterAccept),
            ),
            scenario(
                "tls-legacy-rsa-key-exchange",
                "the server speaks TLS 1.2 with RSA key exchange and CBC suites only: Windows 10 \
                 connects (a warning: no forward secrecy), this tool cannot request the contract",
                Warning,
                with(|s| s.tls = TlsFault::Legacy(LegacyProfile::RsaKeyExchange)),
            ),
            scenario(
                "tls-legacy-tls10-only",
                "the server speaks TLS 1.0 only: Windows 10 connects (a warning: legacy protocol), \
                 this tool cannot request the contract",
                Warning,
                with(|s| s.tls = TlsFault::Legacy(LegacyProfile::Tls10Only)),
            ),
            scenario(
                "tls-untrusted-root",
                "the chain ends in a root the device does not trust",
                Failure(F::InvalidCa),
                with(|s| s.untrusted_root = true),
            ),
            scenario(
                "tls-missing-intermediate",
                "the server omits the intermediate; AIA can fetch it",
                Warning,
                with(|s| s.omit_intermediate = true),
            ),
            scenario(
                "tls-missing-intermediate-no-aia",
                "the server omits the intermediate and the leaf has no AIA",
                Failure(F::InvalidCa),
                with(|s| {
                    s.omit_intermediate = true;
                    s.leaf_aia = false;
                }),
            ),
            scenario(
                "tls-three-tier-partial-chain",
                "root, policy CA, issuing CA: the server sends leaf and issuing CA; AIA gives the policy CA",
                Warning,
                with(|s| s.chain = ChainShape::ThreeTier),
            ),
            scenario(
                "tls-three-tier-leaf-only",
                "root, policy CA, issuing CA: the server sends the leaf alone; AIA gives both CAs",
                Warning,
                with(|s| {
                    s.chain = ChainShape::ThreeTier;
                    s.omit_intermediate = true;
                }),
            ),
            scenario(
                "tls-extra-expired-certificate",
                "the server also sends an expired CA certificate the chain does not need",
                Warning,
                with(|s| s.chain = ChainShape::ExtraExpired),
            ),
            scenario(
                "tls-cross-signed-expired",
                "the server also sends an expired cross-certificate; the path through the trusted root is valid",
                Warning,
                with(|s| s.chain = ChainShape::CrossSigned { expired: true }),
            ),
            scenario(
                "tls-cross-signed-path",
                "the device trusts only the old root; the path goes through the cross-certificate the server sends",
                Healthy,
                with(|s| {
                    s.chain = ChainShape::CrossSigned { expired: false };
                    s.untrusted_root = true;
                }),
            ),
            scenario(
                "tls-cn-only",
                "the certificate has no subjectAltName, only the name in its subject CN",
                Warning,
                with(|s| s.leaf_cn_only = true),
            ),
            scenario(
                "tls-sha1-intermediate-private-root",
                "the issuing CA is signed with SHA-1 under a private (enterprise) root",
                Warning,
                legacy(LegacyChain::Sha1Intermediate),
            ),
            scenario(
                "tls-rsa1024-issuer-private-root",
                "the issuing CA has an RSA-1024 key, under a private (enterprise) root",
                Warning,
                legacy(LegacyChain::Rsa1024Issuer),
            ),
            scenario(
                "tls-expired",
                "the server certificate expired 30 days ago",
                Failure(F::CertDateInvalid),
                with(|s| s.leaf_validity = Validity::Expired),
            ),
            scenario(
                "tls-not-yet-valid",
                "the server certificate becomes valid in 30 days",
                Failure(F::CertDateInvalid),
                with(|s| s.leaf_validity = Validity::NotYetValid),
            ),
            scenario(
                "tls-wrong-name",
                "the certificate does not name enterpriseregistration.<domain>",
                Failure(F::CertNameInvalid),
                with(|s| s.leaf_wrong_name = true),
            ),
            scenario(
                "tls-wrong-usage",
                "the certificate is for client authentication only",
                Failure(F::InvalidCert),
                with(|s| s.leaf_client_auth_only = true),
            ),
            scenario(
                "tls-revoked-leaf",
                "the server certificate is listed in its CA's CRL",
                Failure(F::CertRevoked),
                with(|s| s.revoked = Revoked::Leaf),
            ),
            scenario(
                "tls-revoked-intermediate",
                "the issuing CA is listed in the root's CRL",
                Failure(F::CertRevoked),
                with(|s| s.revoked = Revoked::Intermediate),
            ),
            scenario(
                "crl-server-down",
                "the CRL distribution point's port is closed",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::Down),
            ),
            scenario(
                "crl-stalled",
                "the CRL server accepts and never answers",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::Stall),
            ),
            scenario(
                "crl-not-found",
                "the CRL URL answers 404",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::NotFound),
            ),
            scenario(
                "crl-garbage",
                "the CRL URL answers bytes that are not a CRL",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::Garbage),
            ),
            scenario(
                "crl-bad-signature",
                "the CRL is signed by the wrong key",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::BadSignature),
            ),
            scenario(
                "crl-stale",
                "the CRL is past its nextUpdate",
                Failure(F::RevocationOffline),
                with(|s| s.crl = CrlFault::Stale),
            ),
            scenario(
                "crl-expiring-soon",
                "the CRL is valid but its nextUpdate is two hours away",
                Warning,
                with(|s| s.crl = CrlFault::ExpiringSoon),
            ),
            scenario(
                "crl-no-cdp",
                "the server certificate has no CRL distribution point",
                Failure(F::RevocationOffline),
                with(|s| s.leaf_cdp = false),
            ),
            scenario(
                "crl-delta",
                "the CA publishes a complete CRL and a delta CRL (FreshestCRL), both fresh, neither listing the certificate",
                Healthy,
                with(|s| s.crl_form = CrlForm::Delta(Delta::Fresh)),
            ),
            scenario(
                "crl-delta-revoked",
                "the server certificate was revoked after the complete CRL was issued: only the delta CRL lists it",
                Failure(F::CertRevoked),
                with(|s| s.crl_form = CrlForm::Delta(Delta::RevokesLeaf)),
            ),
            scenario(
                "crl-delta-in-certificate",
                "only the server certificate's own FreshestCRL names the delta CRL, which lists it",
                Failure(F::CertRevoked),
                with(|s| s.crl_form = CrlForm::Delta(Delta::RevokesLeafNamedByCertificate)),
            ),
            scenario(
                "crl-delta-unhold",
                "the complete CRL lists the server certificate on hold; the delta CRL releases it (removeFromCRL)",
                Healthy,
                with(|s| s.crl_form = CrlForm::Delta(Delta::ReleasesHeldLeaf)),
            ),
            scenario(
                "crl-delta-unreachable",
                "the complete CRL names a delta CRL (FreshestCRL) whose URL answers 404",
                Failure(F::RevocationOffline),
                with(|s| s.crl_form = CrlForm::Delta(Delta::Unreachable)),
            ),
            scenario(
                "crl-delta-stale",
                "the delta CRL is past its nextUpdate (the CA stopped publishing deltas)",
                Failure(F::RevocationOffline),
                with(|s| s.crl_form = CrlForm::Delta(Delta::Stale)),
            ),
            scenario(
                "crl-v1",
                "the issuing CA publishes a version-1 CRL (no extensions), as old CAs do",
                Healthy,
                with(|s| s.crl_form = CrlForm::Version1),
            ),
            scenario(
                "crl-v1-revoked",
                "the issuing CA's version-1 CRL lists the server certificate",
                Failure(F::CertRevoked),
                with(|s| {
                    s.crl_form = CrlForm::Version1;
                    s.revoked = Revoked::Leaf;
                }),
            ),
            scenario(
                "crl-idp-in-scope",
                "the CRL's issuing distribution point is the certificate's own CDP",
                Healthy,
                with(|s| s.crl_form = CrlForm::Scoped(Scope::ThisPoint)),
            ),
            scenario(
                "crl-idp-out-of-scope",
                "the CDP serves the CRL of another partition (its issuing distribution point names another URL): it says nothing about the certificate",
                Failure(F::RevocationOffline),
                with(|s| s.crl_form = CrlForm::Scoped(Scope::OtherPoint)),
            ),
            scenario(
                "crl-idp-out-of-scope-bad-signature",
                "the CDP serves another partition's CRL, signed by the wrong key",
                Failure(F::RevocationOffline),
                with(|s| {
                    s.crl_form = CrlForm::Scoped(Scope::OtherPoint);
                    s.crl = CrlFault::BadSignature;
                }),
            ),
            scenario(
                "contract-404",
                "DRS not enabled: the contract answers 404",
                Failure(F::ContractNotFound),
                with(|s| s.contract = ContractFault::Status(404)),
            ),
            scenario(
                "contract-503",
                "the service is stopped: the contract answers 503",
                Failure(F::ServiceUnavailable),
                with(|s| s.contract = ContractFault::Status(503)),
            ),
            scenario(
                "contract-500",
                "the contract answers 500",
                Failure(F::HttpError),
                with(|s| s.contract = ContractFault::Status(500)),
            ),
            scenario(
                "captive-portal",
                "a captive portal answers 200 with an HTML page",
                Failure(F::InvalidData),
                with(|s| s.contract = ContractFault::CaptivePortal),
            ),
            scenario(
                "incomplete-document",
                "the discovery document lacks IdentityProviderService",
                Failure(F::InvalidData),
                with(|s| s.contract = ContractFault::IncompleteDocument),
            ),
            scenario(
                "redirect-other-host",
                "the contract redirects to another host, which serves the document (WinHTTP follows)",
                Warning,
                with(|s| s.contract = ContractFault::RedirectOtherHost),
            ),
            scenario(
                "redirect-https-to-http",
                "the contract redirects from HTTPS to http:// (WinHTTP refuses)",
                Failure(F::InsecureRedirect),
                with(|s| s.contract = ContractFault::RedirectToHttp),
            ),
            scenario(
                "redirect-loop",
                "the contract redirects in a loop",
                Failure(F::RedirectFailed),
                with(|s| s.contract = ContractFault::RedirectLoop),
            ),
            scenario(
                "slow-body",
                "the contract body arrives one byte every 200 ms",
                Failure(F::Timeout),
                with(|s| s.contract = ContractFault::SlowBody),
            ),
            scenario(
                "oversized-body",
                "the contract body is 4 MiB",
                Failure(F::InvalidData),
                with(|s| s.contract = ContractFault::OversizedBody),
            ),
            scenario(
                "adfs-farm-node-down",
                "two AD FS nodes; the second answers 503 and fails its probe",
                Failure(F::ServiceUnavailable),
                with(|s| {
                    s.nodes = vec![
                        NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 2)),
                        NodeSpec {
                            contract: Some(ContractFault::Status(503)),
                            probe_status: 503,
                            ..NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 3))
                        },
                    ];
                }),
            ),
            scenario(
                "adfs-farm-mixed-certificates",
                "two AD FS nodes present different (valid) certificates",
                Warning,
                with(|s| {
                    s.nodes = vec![
                        NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 2)),
                        NodeSpec {
                            own_certificate: Some(Validity::Current),
                            ..NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 4))
                        },
                    ];
                }),
            ),
            scenario(
                "adfs-farm",
                "four AD FS nodes: healthy, DRS stopped (503), an old certificate, a failing /adfs/probe",
                Failure(F::CertDateInvalid),
                with(|s| {
                    s.nodes = vec![
                        NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 2)),
                        NodeSpec {
                            contract: Some(ContractFault::Status(503)),
                            ..NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 3))
                        },
                        NodeSpec {
                            own_certificate: Some(Validity::Expired),
                            ..NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 4))
                        },
                        NodeSpec {
                            probe_status: 500,
                            ..NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 5))
                        },
                    ];
                    s.token_signing_days_left = 10;
                }),
            ),
            scenario(
                "adfs-443-only",
                "AD FS seen from outside: only 443 published (probe port closed, no metadata)",
                FarmHealth,
                with(|s| {
                    s.probe = false;
                    s.federation_metadata = false;
                }),
            ),
            scenario(
                "adfs-metadata-404",
                "AD FS: the contract works, FederationMetadata.xml answers 404",
                FarmHealth,
                with(|s| s.federation_metadata = false),
            ),
            scenario(
                "adfs-probe-503",
                "AD FS: /adfs/probe answers 503 while the contract answers 200",
                FarmHealth,
                with(|s| s.nodes[0].probe_status = 503),
            ),
            scenario(
                "adfs-sign-in-name-missing",
                "AD FS: discovery works, but the federation service name the document names does not resolve",
                SignIn(F::NameNotResolved),
                with(|s| s.sts_in_dns = false),
            ),
            scenario(
                "adfs-token-signing-expiring",
                "the AD FS token-signing certificate expires in 10 days",
                Warning,
                with(|s| s.token_signing_days_left = 10),
            ),
            scenario(
                "entra-discover-throttled",
                "Entra ID: Microsoft's tenant discovery throttles (HTTP 429, Retry-After: 120); its DSREG code is unconfirmed",
                Failure(F::HttpError),
                LabSpec {
                    contract: ContractFault::Throttled {
                        status: 429,
                        retry_after: Some(120),
                    },
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-discover-busy",
                "Entra ID: Microsoft's tenant discovery is busy (HTTP 503, Retry-After: 30): DSREG_SERVER_BUSY",
                Failure(F::DsregServerBusy),
                LabSpec {
                    contract: ContractFault::Throttled {
                        status: 503,
                        retry_after: Some(30),
                    },
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-tls-inspection",
                "Entra ID through a TLS-inspecting proxy that re-signs Microsoft's hosts with a corporate root the devices lack",
                Failure(F::InvalidCa),
                LabSpec {
                    inspecting_proxy: Some(CorporateRoot::NotTrusted),
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "entra-tls-inspection-trusted",
                "Entra ID through a TLS-inspecting proxy whose corporate root the devices trust: discovery passes, device authentication at device.login.microsoftonline.com breaks",
                Warning,
                LabSpec {
                    inspecting_proxy: Some(CorporateRoot::Trusted),
                    ..LabSpec::entra()
                },
            ),
            scenario(
                "crl-host-inside-only",
                "split horizon: the CRL host resolves in the internal view only; devices outside cannot check revocation",
                Failure(F::RevocationOffline),
                with(|s| {
                    s.external_view = Some(ExternalView::Proxy);
                    s.pki_inside_only = true;
                }),
            ),
        ];
        all.extend(crate::ocsp_scenarios::ocsp_scenarios());
        all
    }

    /// The hostile scenarios (`hostile-…`): servers that try to exhaust, hang or fool the client
    /// (endless and huge bodies, bombs, redirects to nowhere, escape sequences for a terminal).
    /// Kept out of [`Scenario::all`]: some send gigabytes when a client lets them, which the
    /// catalogue's demos (every scenario at once) have no use for. [`Scenario::find`] knows them.
    #[must_use]
    pub fn hostile() -> Vec<Self> {
        use Expected::{Failure, FarmHealth, Healthy};
        use JoinFailure as F;
        let with = |hostile: Hostile| LabSpec {
            hostile,
            ..LabSpec::default()
        };
        let dns = |fault: DnsFault| LabSpec {
            dns_fault: Some(fault),
            ..LabSpec::default()
        };
        vec![
            scenario(
                "hostile-dns-garbage",
                "the DNS server answers NOERROR with 100 records for other names and types, and a CNAME to control characters",
                Failure(F::NameNotResolved),
                dns(DnsFault::Garbage),
            ),
            scenario(
                "hostile-dns-cname-loop",
                "the DNS server answers a CNAME chain that loops back to the asked name",
                Failure(F::NameNotResolved),
                dns(DnsFault::CnameLoop),
            ),
            scenario(
                "hostile-tls-garbage",
                "the server answers the TLS hello with 4 KiB that are not TLS",
                Failure(F::ConnectionError),
                LabSpec {
                    tls: TlsFault::Garbage,
                    ..LabSpec::default()
                },
            ),
            scenario(
                "hostile-contract-1gb",
                "the contract is a 1 GiB chunked body (no Content-Length)",
                Failure(F::InvalidData),
                with(Hostile::HugeContract),
            ),
            scenario(
                "hostile-gzip-bomb",
                "the contract is a gzip bomb (Content-Encoding: gzip, 850 KB inflating to 128 MiB)",
                Failure(F::InvalidData),
                with(Hostile::GzipBomb),
            ),
            scenario(
                "hostile-xml-bomb-contract",
                "the contract is XML with a billion-laughs entity bomb",
                Failure(F::InvalidData),
                with(Hostile::XmlBombContract),
            ),
            scenario(
                "hostile-xxe-contract",
                "the contract is XML with an external entity naming /etc/passwd",
                Failure(F::InvalidData),
                with(Hostile::XxeContract),
            ),
            scenario(
                "hostile-nested-json",
                "the contract is JSON nested 100,000 arrays deep",
                Failure(F::InvalidData),
                with(Hostile::NestedJson),
            ),
            scenario(
                "hostile-escape-contract",
                "the contract answers a page with terminal escape sequences and a fake healthy line",
                Failure(F::InvalidData),
                with(Hostile::EscapeContract),
            ),
            scenario(
                "hostile-escape-subject",
                "the server certificate's subject (CN and O) is terminal escape sequences and a fake healthy line",
                Healthy,
                with(Hostile::EscapeSubject),
            ),
            scenario(
                "hostile-escape-crl-url",
                "the server certificate's CRL URL carries terminal escape sequences (it answers 404)",
                Failure(F::RevocationOffline),
                with(Hostile::EscapeCrlUrl),
            ),
            scenario(
                "hostile-crl-flood",
                "the server certificate names 20 CRL URLs, each an endless 96 MiB chunked CRL: the run's byte budget stops the downloads, and the revocation step says it could not tell (the tool's limit, no device verdict)",
                Expected::Warning,
                with(Hostile::CrlFlood),
            ),
            scenario(
                "hostile-crl-2m-entries",
                "the issuing CA's CRL lists 2,000,000 certificates (46 MB, streamed) under a bad signature",
                Failure(F::RevocationOffline),
                with(Hostile::MillionsCrl),
            ),
            scenario(
                "hostile-endless-metadata",
                "FederationMetadata.xml and the OpenID configuration are 1.5 GiB chunked bodies",
                FarmHealth,
                with(Hostile::EndlessMetadata),
            ),
            scenario(
                "hostile-xml-bomb-metadata",
                "FederationMetadata.xml is a billion-laughs entity bomb",
                FarmHealth,
                with(Hostile::XmlBombMetadata),
            ),
            scenario(
                "hostile-xxe-metadata",
                "FederationMetadata.xml has an external entity naming /etc/passwd",
                FarmHealth,
                with(Hostile::XxeMetadata),
            ),
            scenario(
                "hostile-probe-redirect",
                "/adfs/probe answers 302 to an address that swallows connections",
                FarmHealth,
                with(Hostile::ProbeRedirect),
            ),
        ]
    }

    /// The scenario with this name, in [`Scenario::all`] or [`Scenario::hostile`].
    #[must_use]
    pub fn find(name: &str) -> Option<Self> {
        Self::all()
            .into_iter()
            .chain(Self::hostile())
            .find(|s| s.name == name)
    }

    /// Starts the scenario's lab.
    pub async fn start(&self) -> Result<crate::Lab, crate::LabError> {
        crate::Lab::start(self.spec.clone()).await
    }
}

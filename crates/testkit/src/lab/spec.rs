//! What a lab is made of: the spec types, and the leaf certificate they ask for.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::discovery::EntraRealm;
use crate::dns::DnsFault;
use crate::hostile::{CRL_FLOOD_URLS, ESCAPES, ESCAPES_ASCII, Hostile};
use crate::https::{ContractFault, TlsFault};
use crate::legacy::LegacyChain;
use crate::ocsp::OcspFault;
use crate::pki::{CrlExtras, ISSUING_DELTA_CRL_PATH, LdapCdp, LeafSpec, Validity};

use super::ENTRA_REGISTRATION_HOST;

/// Which registration service the lab imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    /// AD FS device registration: the name points (A) at the farm.
    #[default]
    OnPrem,
    /// Microsoft Entra ID: the name is a CNAME to `enterpriseregistration.windows.net`.
    Entra,
}

/// Whether the devices of a lab behind a TLS-inspecting proxy have the proxy's corporate root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorporateRoot {
    /// Deployed to the devices (the run trusts it).
    Trusted,
    /// Not deployed (the run trusts only the lab's own root).
    NotTrusted,
}

/// What the external DNS view answers (split horizon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalView {
    /// The proxy's address, as it should.
    Proxy,
    /// The same records as the internal view (the farm's internal addresses).
    SameAsInternal,
    /// The proxy's records, with this fault on the registration name.
    Fault(DnsFault),
}

/// Which certificate the CA has revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revoked {
    /// None.
    #[default]
    Nothing,
    /// The server certificate (listed in the issuing CA's CRL).
    Leaf,
    /// The issuing CA (listed in the root's CRL).
    Intermediate,
}

/// How the issuing CA's CRL (the one the leaf's CDP names) is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlFault {
    /// A fresh, correctly signed CRL.
    #[default]
    None,
    /// The CRL host's port is closed (every CRL and AIA URL fails).
    Down,
    /// The server accepts the request and never answers.
    Stall,
    /// 404.
    NotFound,
    /// 200 with bytes that are not a CRL.
    Garbage,
    /// A CRL signed by a key that is not the CA's.
    BadSignature,
    /// A CRL past its `nextUpdate`.
    Stale,
    /// A valid CRL whose `nextUpdate` is two hours away.
    ExpiringSoon,
    /// A valid CRL listing this many (unrelated) revoked serials.
    Large(usize),
}

/// How the PKI is built and what the server sends of it, beyond leaf and issuing CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChainShape {
    /// Root → issuing CA → leaf.
    #[default]
    TwoTier,
    /// Root → policy CA → issuing CA → leaf, as enterprise PKIs are; the server sends leaf and
    /// issuing CA (the leaf alone with `omit_intermediate`), the issuing CA's AIA names the policy CA.
    ThreeTier,
    /// The server also sends an expired CA certificate the chain does not need.
    ExtraExpired,
    /// The server also sends a cross-certificate (the root signed by the other root).
    CrossSigned {
        /// The cross-certificate expired 30 days ago.
        expired: bool,
    },
    /// The server presents a checked-in legacy chain under the private root `wpj Legacy Root CA`
    /// ([`crate::legacy`]), which the client is given to trust; use it with the domain
    /// [`crate::legacy::LEGACY_DOMAIN`], the name the fixtures carry.
    Legacy(LegacyChain),
}

/// The form of the issuing CA's CRL (the one the leaf's CDP names): what a CA publishes beyond
/// one complete version-2 CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlForm {
    /// One complete version-2 CRL.
    #[default]
    Complete,
    /// A version-1 CRL (no version field, no extensions), as old CAs publish.
    Version1,
    /// A complete CRL (number 5) whose `FreshestCRL` names a delta CRL (number 6, base 5), as
    /// AD CS publishes them, with the delta in this state.
    Delta(Delta),
    /// The complete CRL carries an issuing distribution point.
    Scoped(Scope),
}

/// The delta CRL of a [`CrlForm::Delta`] lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delta {
    /// Fresh, listing nothing.
    Fresh,
    /// Fresh, listing the leaf (revoked after the complete CRL was issued).
    RevokesLeaf,
    /// The complete CRL lists the leaf on hold; the delta releases it (`removeFromCRL`).
    ReleasesHeldLeaf,
    /// Its URL answers 404.
    Unreachable,
    /// Past its `nextUpdate`.
    Stale,
    /// Lists the leaf; only the leaf's own `FreshestCRL` extension names it (the complete CRL has
    /// none).
    RevokesLeafNamedByCertificate,
}

/// The issuing distribution point of a [`CrlForm::Scoped`] lab's complete CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The leaf's own distribution point (the CRL covers it).
    ThisPoint,
    /// Another distribution point (a partition the leaf is not in): the CRL says nothing about it.
    OtherPoint,
}

/// The path of the distribution point an out-of-scope CRL claims to be.
pub(crate) const OTHER_PARTITION_PATH: &str = "/pki/issuing-partition-2.crl";

/// One node of the registration service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Its loopback address.
    pub ip: Ipv4Addr,
    /// Contract behaviour, when it differs from the lab's.
    pub contract: Option<ContractFault>,
    /// Its own certificate with this validity, instead of the lab's leaf.
    pub own_certificate: Option<Validity>,
    /// What `/adfs/probe` answers.
    pub probe_status: u16,
}

impl NodeSpec {
    /// A healthy node.
    #[must_use]
    pub fn healthy(ip: Ipv4Addr) -> Self {
        Self {
            ip,
            contract: None,
            own_certificate: None,
            probe_status: 200,
        }
    }
}

/// Everything about a lab. [`LabSpec::default`] is a healthy on-premises service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // each flag is one independent fault
pub struct LabSpec {
    /// The UPN suffix.
    pub domain: String,
    /// AD FS or Entra ID.
    pub flavour: Flavour,
    /// Fault on the registration name in the internal (first) view.
    pub dns_fault: Option<DnsFault>,
    /// A second, external view.
    pub external_view: Option<ExternalView>,
    /// The CRL/AIA/OCSP host (`pki.<domain>`) resolves in the internal view only: devices outside
    /// cannot check revocation.
    pub pki_inside_only: bool,
    /// Connection / TLS behaviour.
    pub tls: TlsFault,
    /// Contract behaviour.
    pub contract: ContractFault,
    /// Leaf validity.
    pub leaf_validity: Validity,
    /// The leaf does not name `enterpriseregistration.<domain>`.
    pub leaf_wrong_name: bool,
    /// The leaf has a CRL distribution point.
    pub leaf_cdp: bool,
    /// The leaf has an AIA caIssuers URL.
    pub leaf_aia: bool,
    /// The leaf has no subjectAltName; its subject CN is the registration name.
    pub leaf_cn_only: bool,
    /// The PKI's shape and what the server sends of it.
    pub chain: ChainShape,
    /// The leaf is for client authentication only.
    pub leaf_client_auth_only: bool,
    /// The server sends the leaf without its intermediate.
    pub omit_intermediate: bool,
    /// The client is given a root that did not issue the chain.
    pub untrusted_root: bool,
    /// What is revoked.
    pub revoked: Revoked,
    /// How the issuing CRL is served.
    pub crl: CrlFault,
    /// What the issuing CA publishes: version 1, delta CRLs, a scoped CRL.
    pub crl_form: CrlForm,
    /// An `ldap://` CRL distribution point in the leaf.
    pub ldap_cdp: LdapCdp,
    /// The nodes (at least one).
    pub nodes: Vec<NodeSpec>,
    /// Days until the AD FS token-signing certificate expires.
    pub token_signing_days_left: i64,
    /// `/adfs/probe` listens (on-premises labs); `false`: its port is closed, as seen from outside
    /// where port 80 is not published.
    pub probe: bool,
    /// The federation service publishes `FederationMetadata.xml` and its `OpenID` configuration;
    /// `false`: both answer 404.
    pub federation_metadata: bool,
    /// The federation service name (`sts.<domain>`) resolves.
    pub sts_in_dns: bool,
    /// Entra ID labs: what the user realm says about the domain (federated: at `sts.<domain>`,
    /// with WS-Trust metadata everywhere and `windowstransport` on the inside only).
    pub realm: EntraRealm,
    /// Entra ID labs: Microsoft's sign-in hosts resolve to an address where nothing listens
    /// (a firewall that refuses them).
    pub login_blocked: bool,
    /// The lab is reached through a TLS-inspecting proxy ([`Lab::inspecting_proxy`](super::Lab)),
    /// which the lab's settings name as the run's proxy; its corporate root is trusted by them
    /// or not.
    pub inspecting_proxy: Option<CorporateRoot>,
    /// The DNS answer for the registration name also carries an unrelated CNAME
    /// (`stray.<domain>` → `enterpriseregistration.windows.net`) outside the queried chain.
    pub stray_cname: bool,
    /// Network latency, one way: every DNS answer comes a round trip (`2 ×` this) late, and the
    /// registration service, the CRL/AIA host and the probe sit behind a
    /// [`DelayRelay`](crate::latency::DelayRelay).
    pub latency: Option<Duration>,
    /// One hostile behaviour ([`Hostile`]).
    pub hostile: Hostile,
    /// The leaf's AIA names the lab's OCSP responder, which answers like this; `None`: no OCSP.
    pub ocsp: Option<OcspFault>,
    /// The registration service staples the response a responder with this fault gives for the
    /// leaf (`OcspFault::None`: good, `Revoked`, `Stale`…); `None`: nothing stapled.
    pub staple: Option<OcspFault>,
}

impl Default for LabSpec {
    fn default() -> Self {
        Self {
            domain: "contoso.test".to_owned(),
            flavour: Flavour::OnPrem,
            dns_fault: None,
            external_view: None,
            pki_inside_only: false,
            tls: TlsFault::None,
            contract: ContractFault::None,
            leaf_validity: Validity::Current,
            leaf_wrong_name: false,
            leaf_cdp: true,
            leaf_aia: true,
            leaf_client_auth_only: false,
            leaf_cn_only: false,
            chain: ChainShape::TwoTier,
            omit_intermediate: false,
            untrusted_root: false,
            revoked: Revoked::Nothing,
            crl: CrlFault::None,
            crl_form: CrlForm::Complete,
            ldap_cdp: LdapCdp::None,
            nodes: vec![NodeSpec::healthy(Ipv4Addr::LOCALHOST)],
            token_signing_days_left: 300,
            probe: true,
            federation_metadata: true,
            stray_cname: false,
            sts_in_dns: true,
            realm: EntraRealm::Managed,
            login_blocked: false,
            inspecting_proxy: None,
            latency: None,
            hostile: Hostile::None,
            ocsp: None,
            staple: None,
        }
    }
}

impl LabSpec {
    /// A healthy Entra-style lab for `fabrikam.test`.
    #[must_use]
    pub fn entra() -> Self {
        Self {
            domain: "fabrikam.test".to_owned(),
            flavour: Flavour::Entra,
            ..Self::default()
        }
    }

    pub(super) fn registration_name(&self) -> String {
        format!("enterpriseregistration.{}", self.domain)
    }

    pub(super) fn sts_host(&self) -> String {
        format!("sts.{}", self.domain)
    }

    pub(super) fn crl_host(&self) -> String {
        format!("pki.{}", self.domain)
    }

    pub(super) fn leaf_names(&self) -> Vec<String> {
        if self.flavour == Flavour::Entra {
            // Microsoft's certificate names only Microsoft's hosts, never a customer's domain.
            return vec![ENTRA_REGISTRATION_HOST.to_owned()];
        }
        let mut names = if self.leaf_wrong_name {
            vec![format!("adfs.{}", self.domain)]
        } else {
            vec![self.registration_name()]
        };
        names.push(self.sts_host());
        names
    }
}

/// The path of the `n`th CRL of a [`Hostile::CrlFlood`] certificate.
pub(crate) fn flood_crl_path(n: usize) -> String {
    format!("/pki/flood-{n}.crl")
}

pub(super) fn leaf_spec(spec: &LabSpec) -> LeafSpec {
    if spec.leaf_cn_only {
        return LeafSpec {
            names: Vec::new(),
            subject: Some(spec.registration_name()),
            crl_paths: Vec::new(),
            ..leaf_spec(&LabSpec {
                leaf_cn_only: false,
                ..spec.clone()
            })
        };
    }
    LeafSpec {
        names: spec.leaf_names(),
        validity: spec.leaf_validity,
        cdp: spec.leaf_cdp,
        aia: spec.leaf_aia,
        server_auth: !spec.leaf_client_auth_only,
        subject: (spec.hostile == Hostile::EscapeSubject).then(|| ESCAPES.to_owned()),
        crl_paths: match spec.hostile {
            Hostile::CrlFlood => (0..CRL_FLOOD_URLS).map(flood_crl_path).collect(),
            Hostile::EscapeCrlUrl => vec![format!("/pki/{ESCAPES_ASCII}.crl")],
            _ => Vec::new(),
        },
        ocsp_url: None,
        crl_extras: CrlExtras {
            ldap: spec.ldap_cdp,
            freshest_paths: if spec.crl_form == CrlForm::Delta(Delta::RevokesLeafNamedByCertificate)
            {
                vec![ISSUING_DELTA_CRL_PATH.to_owned()]
            } else {
                Vec::new()
            },
        },
    }
}

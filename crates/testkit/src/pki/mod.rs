//! A throw-away PKI made with rcgen at run time: root → intermediate → leaf, CRLs, and the ways they go wrong.
//! CRL forms rcgen does not make (version 1, delta CRLs, `FreshestCRL`) come from the `forms` module's DER
//! re-encoding, signed with the CA's key.

mod forms;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CrlIssuingDistributionPoint, CrlScope, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

/// Serial number of every lab root.
pub const ROOT_SERIAL: u64 = 0x01;
/// Serial number of every lab intermediate.
pub const INTERMEDIATE_SERIAL: u64 = 0x02;
/// Serial number of the policy CA of a three-tier PKI.
pub const POLICY_SERIAL: u64 = 0x03;
/// Serial number of the cross-certificate (the root signed by the other root).
pub const CROSS_SERIAL: u64 = 0x05;
/// Serial number of the expired CA certificate a server sends for nothing.
pub const STALE_CA_SERIAL: u64 = 0x06;
/// Serial number of every lab leaf.
pub const LEAF_SERIAL: u64 = 0x1001;

/// When a certificate is valid, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Validity {
    /// From a day ago to a year from now.
    #[default]
    Current,
    /// Ended thirty days ago.
    Expired,
    /// Starts in thirty days.
    NotYetValid,
}

impl Validity {
    fn window(self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        match self {
            Self::Current => (now - Duration::days(1), now + Duration::days(365)),
            Self::Expired => (now - Duration::days(400), now - Duration::days(30)),
            Self::NotYetValid => (now + Duration::days(30), now + Duration::days(400)),
        }
    }
}

/// How the leaf certificate is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafSpec {
    /// DNS names in the SAN extension.
    pub names: Vec<String>,
    /// Validity window.
    pub validity: Validity,
    /// Whether the leaf carries a CRL distribution point.
    pub cdp: bool,
    /// Whether the leaf carries an AIA caIssuers URL pointing at the intermediate.
    pub aia: bool,
    /// Whether the leaf has the serverAuth extended key usage (false: clientAuth only).
    pub server_auth: bool,
    /// The subject's common name and organisation, instead of the first name and `wpj testkit`.
    pub subject: Option<String>,
    /// The paths (on the CRL/AIA host) of the leaf's CRL distribution points, when it has them;
    /// empty: the issuing CA's CRL alone. An entry with a scheme (`ldap:///CN=…`) is used as is.
    pub crl_paths: Vec<String>,
    /// The OCSP responder URL its AIA names, if any.
    pub ocsp_url: Option<String>,
    /// `ldap://` distribution points and delta CRL locations.
    pub crl_extras: CrlExtras,
}

impl LeafSpec {
    /// A current serverAuth leaf for `names`, with no CDP, AIA or OCSP URL (set fields to add them).
    #[must_use]
    pub fn plain(names: &[&str]) -> Self {
        Self {
            names: names.iter().map(|&n| n.to_owned()).collect(),
            validity: Validity::Current,
            cdp: false,
            aia: false,
            server_auth: true,
            subject: None,
            crl_paths: Vec::new(),
            ocsp_url: None,
            crl_extras: CrlExtras::default(),
        }
    }
}

/// Where the leaf's `ldap://` CRL distribution point goes (AD CS lists its `ldap:///CN=…` URL
/// first by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LdapCdp {
    /// No `ldap://` URL.
    #[default]
    None,
    /// An `ldap://` URL before the http ones (AD CS' default order).
    BeforeHttp,
    /// Only an `ldap://` URL: no http one.
    Only,
}

/// The leaf's less common revocation pointers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrlExtras {
    /// An `ldap://` CRL distribution point, and where.
    pub ldap: LdapCdp,
    /// Paths (on the CRL/AIA host) of a `FreshestCRL` extension in the leaf: where the issuing
    /// CA's delta CRLs are. Empty: no such extension.
    pub freshest_paths: Vec<String>,
}

/// The AD CS-style LDAP location of `ca`'s CRL in `domain`'s configuration partition.
#[must_use]
pub fn ldap_crl_url(ca: &str, domain: &str) -> String {
    let dc: Vec<String> = domain.split('.').map(|p| format!("DC={p}")).collect();
    format!(
        "ldap:///CN={ca},CN=pki,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,{}?certificateRevocationList?base?objectClass=cRLDistributionPoint",
        dc.join(",")
    )
}

/// Everything needed to mint a lab PKI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiSpec {
    /// Shown in the CA names.
    pub domain: String,
    /// Base URL of the lab's CRL/AIA server, e.g. `http://pki.contoso.test:8080`.
    pub pki_base_url: String,
    /// The leaf.
    pub leaf: LeafSpec,
}

/// A certificate authority: its certificate and key.
#[derive(Debug)]
pub struct Authority {
    params: CertificateParams,
    key: KeyPair,
    der: CertificateDer<'static>,
}

impl Authority {
    /// The certificate, DER.
    #[must_use]
    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// The certificate, PEM.
    #[must_use]
    pub fn pem(&self) -> String {
        pem_of(&self.der)
    }

    pub(crate) fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// Its private key (to sign what the CA itself signs, such as OCSP responses).
    pub(crate) fn key(&self) -> &KeyPair {
        &self.key
    }
}

/// How a CRL is issued.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[allow(clippy::struct_excessive_bools)] // each flag is one independent property
pub struct CrlSpec {
    /// Serials to list as revoked (key compromise, revoked an hour ago).
    pub revoked: Vec<u64>,
    /// Extra filler entries, to make a large CRL.
    pub filler: usize,
    /// Past its `nextUpdate`.
    pub stale: bool,
    /// `nextUpdate` two hours from now (cached copies run out soon).
    pub expiring: bool,
    /// Signed by a key that is not the CA's.
    pub wrong_key: bool,
    /// Its `cRLNumber` (`None`: 1).
    pub number: Option<u64>,
    /// Serials listed on hold (reason `certificateHold`).
    pub held: Vec<u64>,
    /// Serials listed with reason `removeFromCRL` (in a delta CRL: released from hold).
    pub removed: Vec<u64>,
    /// A delta CRL updating complete CRL number `n` (a critical `deltaCRLIndicator`).
    pub delta_of: Option<u64>,
    /// A `FreshestCRL` extension naming these URLs (where the delta CRLs are).
    pub freshest: Vec<String>,
    /// A version-1 CRL: no version field, no extensions, no entry extensions (no reasons).
    pub version1: bool,
    /// An issuing distribution point extension.
    pub idp: Option<Idp>,
}

/// A CRL's issuing distribution point: which distribution point it is the CRL of, and which
/// certificates it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idp {
    /// The distribution point's URL.
    pub url: String,
    /// Only end-entity or only CA certificates (`None`: both).
    pub only: Option<CrlScope>,
    /// `onlySomeReasons`: the CRL lists key compromises only.
    pub key_compromise_only: bool,
    /// `indirectCRL`: the CRL may list other issuers' certificates.
    pub indirect: bool,
}

impl Idp {
    /// The CRL of distribution point `url`, for every certificate and reason.
    #[must_use]
    pub fn of(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            only: None,
            key_compromise_only: false,
            indirect: false,
        }
    }
}

/// A minted PKI: root, intermediate, leaf (with its key), and a spare root nobody trusts.
#[derive(Debug)]
pub struct Pki {
    /// The root CA.
    pub root: Authority,
    /// The issuing (intermediate) CA, signed by the root.
    pub intermediate: Authority,
    /// The leaf, signed by the intermediate.
    pub leaf: CertificateDer<'static>,
    leaf_key: PrivatePkcs8KeyDer<'static>,
    /// Another root that did not sign anything here (trusting only it makes the chain untrusted).
    pub other_root: Authority,
    /// The policy CA between the root and the issuing CA, in a three-tier PKI.
    pub policy: Option<Authority>,
    domain: String,
    base_url: String,
}

/// `http://…/root.crl`: the root's CRL (covers the intermediate).
pub const ROOT_CRL_PATH: &str = "/pki/root.crl";
/// `http://…/issuing.crl`: the intermediate's CRL (covers the leaf).
pub const ISSUING_CRL_PATH: &str = "/pki/issuing.crl";
/// `http://…/issuing+.crl`: the intermediate's delta CRL (AD CS names it `<CA>+.crl`).
pub const ISSUING_DELTA_CRL_PATH: &str = "/pki/issuing+.crl";
/// `http://…/issuing.crt`: the intermediate, DER, for AIA caIssuers.
pub const ISSUING_CERT_PATH: &str = "/pki/issuing.crt";
/// `http://…/policy.crt`: the policy CA of a three-tier PKI, DER.
pub const POLICY_CERT_PATH: &str = "/pki/policy.crt";
/// `http://…/policy.p7c`: the policy CA and the root as a PKCS#7 certs-only bundle, as AD CS
/// publishes them; the issuing CA's AIA of a three-tier PKI names it.
pub const POLICY_P7C_PATH: &str = "/pki/policy.p7c";
/// `http://…/policy.crl`: the policy CA's CRL (covers the issuing CA of a three-tier PKI).
pub const POLICY_CRL_PATH: &str = "/pki/policy.crl";
/// `http://…/other-root.crl`: the other root's CRL (covers the cross-certificate).
pub const OTHER_ROOT_CRL_PATH: &str = "/pki/other-root.crl";

impl Pki {
    /// Mints root, intermediate and leaf as `spec` says.
    pub fn generate(spec: &PkiSpec) -> Result<Self, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let root = ca(
            &format!("wpj Lab Root CA ({})", spec.domain),
            ROOT_SERIAL,
            None,
            None,
            None,
            now,
        )?;
        let other_root = ca(
            &format!("wpj Untrusted Root CA ({})", spec.domain),
            ROOT_SERIAL,
            None,
            None,
            None,
            now,
        )?;
        let intermediate = ca(
            &format!("wpj Lab Issuing CA ({})", spec.domain),
            INTERMEDIATE_SERIAL,
            Some(&root),
            Some(format!("{}{ROOT_CRL_PATH}", spec.pki_base_url)),
            None,
            now,
        )?;

        let (leaf, leaf_key) = mint_leaf(
            &spec.leaf,
            LEAF_SERIAL,
            &spec.pki_base_url,
            &intermediate,
            now,
        )?;
        Ok(Self {
            root,
            intermediate,
            leaf,
            leaf_key,
            other_root,
            policy: None,
            domain: spec.domain.clone(),
            base_url: spec.pki_base_url.clone(),
        })
    }

    /// Makes it three-tier, as enterprise PKIs are: root → policy CA → issuing CA → leaf. The
    /// issuing CA (same name and serial) is signed by the policy CA and names it in its AIA
    /// ([`POLICY_P7C_PATH`], a `.p7c` bundle) and CDP ([`POLICY_CRL_PATH`]); the leaf is minted
    /// again from `leaf`.
    pub fn into_three_tier(mut self, leaf: &LeafSpec) -> Result<Self, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let base = self.base_url.clone();
        let policy = ca(
            &format!("wpj Lab Policy CA ({})", self.domain),
            POLICY_SERIAL,
            Some(&self.root),
            Some(format!("{base}{ROOT_CRL_PATH}")),
            None,
            now,
        )?;
        self.intermediate = ca(
            &self.intermediate_name(),
            INTERMEDIATE_SERIAL,
            Some(&policy),
            Some(format!("{base}{POLICY_CRL_PATH}")),
            Some(format!("{base}{POLICY_P7C_PATH}")),
            now,
        )?;
        let (cert, key) = mint_leaf(leaf, LEAF_SERIAL, &base, &self.intermediate, now)?;
        self.leaf = cert;
        self.leaf_key = key;
        self.policy = Some(policy);
        Ok(self)
    }

    /// The root's name and key signed by the other root (a cross-certificate, as when a CA
    /// changes roots), valid now or expired 30 days ago; its CDP is [`OTHER_ROOT_CRL_PATH`].
    pub fn cross_certificate(
        &self,
        expired: bool,
    ) -> Result<CertificateDer<'static>, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let mut params = self.root.params.clone();
        let validity = if expired {
            Validity::Expired
        } else {
            Validity::Current
        };
        (params.not_before, params.not_after) = validity.window(now);
        params.serial_number = Some(SerialNumber::from(CROSS_SERIAL));
        params.use_authority_key_identifier_extension = true;
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![format!("{}{OTHER_ROOT_CRL_PATH}", self.base_url)],
        }];
        Ok(params
            .signed_by(&self.root.key, &self.other_root.issuer())?
            .der()
            .clone())
    }

    /// A CA certificate from the root that expired 30 days ago and issued nothing here: what a
    /// server still sends after its CA was renewed.
    pub fn stale_ca(&self) -> Result<CertificateDer<'static>, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let old = ca(
            &format!("wpj Lab Old Issuing CA ({})", self.domain),
            STALE_CA_SERIAL,
            Some(&self.root),
            None,
            None,
            now,
        )?;
        let mut params = old.params.clone();
        (params.not_before, params.not_after) = Validity::Expired.window(now);
        Ok(params
            .signed_by(&old.key, &self.root.issuer())?
            .der()
            .clone())
    }

    fn intermediate_name(&self) -> String {
        format!("wpj Lab Issuing CA ({})", self.domain)
    }

    /// Another leaf from the same intermediate (a farm node with its own certificate), with its key.
    pub fn mint_leaf(
        &self,
        leaf: &LeafSpec,
        serial: u64,
    ) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), rcgen::Error> {
        let (cert, key) = mint_leaf(
            leaf,
            serial,
            &self.base_url,
            &self.intermediate,
            OffsetDateTime::now_utc(),
        )?;
        Ok((cert, PrivateKeyDer::Pkcs8(key)))
    }

    /// The URL of `path` on the CRL/AIA host (`http://pki.<domain>:<port><path>`).
    #[must_use]
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The leaf's private key.
    #[must_use]
    pub fn leaf_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.leaf_key.clone_key())
    }

    /// The chain a server sends: leaf and intermediate, or the leaf alone.
    #[must_use]
    pub fn served_chain(&self, with_intermediate: bool) -> Vec<CertificateDer<'static>> {
        let mut chain = vec![self.leaf.clone()];
        if with_intermediate {
            chain.push(self.intermediate.der.clone());
        }
        chain
    }

    /// A CRL issued by `authority` (the root or the intermediate of this PKI), DER.
    pub fn crl(&self, authority: &Authority, spec: &CrlSpec) -> Result<Vec<u8>, rcgen::Error> {
        let now = OffsetDateTime::now_utc();
        let (this_update, next_update) = if spec.stale {
            (now - Duration::days(30), now - Duration::days(1))
        } else if spec.expiring {
            (now - Duration::days(7), now + Duration::hours(2))
        } else {
            (now - Duration::hours(1), now + Duration::days(7))
        };
        let revoked_at = now - Duration::hours(1);
        let entry = |serial: u64, reason| RevokedCertParams {
            serial_number: SerialNumber::from(serial),
            revocation_time: revoked_at,
            // A version-1 CRL has no entry extensions, hence no reason.
            reason_code: (!spec.version1).then_some(reason),
            invalidity_date: None,
        };
        let filler_start = 0x10_0000_u64;
        let listed = |serials: &[u64], reason| {
            serials
                .iter()
                .map(move |&s| entry(s, reason))
                .collect::<Vec<_>>()
        };
        let revoked_certs = [
            listed(&spec.revoked, RevocationReason::KeyCompromise),
            listed(&spec.held, RevocationReason::CertificateHold),
            listed(&spec.removed, RevocationReason::RemoveFromCrl),
        ]
        .concat()
        .into_iter()
        .chain(
            (0..spec.filler as u64).map(|i| entry(filler_start + i, RevocationReason::Superseded)),
        )
        .collect();
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from(spec.number.unwrap_or(1)),
            // rcgen encodes the plain forms; `forms` the ones it cannot (reasons, indirect).
            issuing_distribution_point: spec
                .idp
                .as_ref()
                .filter(|idp| !idp.key_compromise_only && !idp.indirect)
                .map(|idp| CrlIssuingDistributionPoint {
                    distribution_point: CrlDistributionPoint {
                        uris: vec![idp.url.clone()],
                    },
                    scope: idp.only,
                }),
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let impostor = if spec.wrong_key {
            Some(KeyPair::generate()?)
        } else {
            None
        };
        let signer = impostor.as_ref().unwrap_or(&authority.key);
        let crl = params.signed_by(&Issuer::from_params(&authority.params, signer))?;
        let mut reshape = forms::Reshape {
            version1: spec.version1,
            extensions: Vec::new(),
        };
        if let Some(idp) = spec
            .idp
            .as_ref()
            .filter(|idp| idp.key_compromise_only || idp.indirect)
        {
            reshape
                .extensions
                .push(forms::issuing_distribution_point(idp));
        }
        if let Some(base) = spec.delta_of {
            reshape.extensions.push(forms::delta_crl_indicator(base));
        }
        if !spec.freshest.is_empty() {
            reshape.extensions.push(forms::freshest_crl(&spec.freshest));
        }
        if reshape.version1 || !reshape.extensions.is_empty() {
            return forms::reshape(crl.der(), &reshape, signer);
        }
        Ok(crl.der().to_vec())
    }
}

/// A leaf signed by `issuer`.
fn mint_leaf(
    spec: &LeafSpec,
    serial: u64,
    pki_base_url: &str,
    issuer: &Authority,
    now: OffsetDateTime,
) -> Result<(CertificateDer<'static>, PrivatePkcs8KeyDer<'static>), rcgen::Error> {
    let (not_before, not_after) = spec.validity.window(now);
    let mut params = CertificateParams::default();
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from(serial));
    params.distinguished_name = match &spec.subject {
        Some(subject) => {
            let mut dn = DistinguishedName::new();
            dn.push(DnType::OrganizationName, subject.as_str());
            dn.push(DnType::CommonName, subject.as_str());
            dn
        }
        None => dn(spec.names.first().map_or("lab", String::as_str)),
    };
    params.subject_alt_names = spec
        .names
        .iter()
        .map(|n| Ok(SanType::DnsName(n.clone().try_into()?)))
        .collect::<Result<_, rcgen::Error>>()?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![if spec.server_auth {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    params.use_authority_key_identifier_extension = true;
    if spec.cdp {
        let paths = if spec.crl_paths.is_empty() {
            vec![ISSUING_CRL_PATH.to_owned()]
        } else {
            spec.crl_paths.clone()
        };
        let mut urls: Vec<String> = paths
            .iter()
            .map(|path| {
                if path.contains("://") {
                    path.clone()
                } else {
                    format!("{pki_base_url}{path}")
                }
            })
            .collect();
        let domain = spec
            .names
            .first()
            .and_then(|n| n.split_once('.'))
            .map_or("lab.test", |(_, d)| d);
        let ldap = ldap_crl_url("wpj Lab Issuing CA", domain);
        match spec.crl_extras.ldap {
            LdapCdp::None => {}
            LdapCdp::BeforeHttp => urls.insert(0, ldap),
            LdapCdp::Only => urls = vec![ldap],
        }
        params.crl_distribution_points = urls
            .into_iter()
            .map(|url| CrlDistributionPoint { uris: vec![url] })
            .collect();
    }
    if !spec.crl_extras.freshest_paths.is_empty() {
        let urls: Vec<String> = spec
            .crl_extras
            .freshest_paths
            .iter()
            .map(|path| format!("{pki_base_url}{path}"))
            .collect();
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &forms::FRESHEST_CRL_ARCS,
                forms::distribution_points(&urls),
            ));
    }
    if spec.aia || spec.ocsp_url.is_some() {
        let ca_issuers = format!("{pki_base_url}{ISSUING_CERT_PATH}");
        params.custom_extensions.push(aia(
            spec.aia.then_some(ca_issuers.as_str()),
            spec.ocsp_url.as_deref(),
        ));
    }
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer.issuer())?;
    Ok((
        cert.der().clone(),
        PrivatePkcs8KeyDer::from(key.serialize_der()),
    ))
}

/// A correctly signed CRL of a fresh issuing CA listing `entries` revoked serials (none of them a
/// leaf's): input for CRL benchmarks.
pub fn crl_with_entries(entries: usize) -> Result<Vec<u8>, rcgen::Error> {
    let pki = Pki::sample("bench.test")?;
    pki.crl(
        &pki.intermediate,
        &CrlSpec {
            filler: entries,
            ..CrlSpec::default()
        },
    )
}

impl Pki {
    /// A PKI for `domain` outside any lab: CRL/AIA host `http://pki.<domain>`, a current leaf
    /// for `enterpriseregistration.<domain>` with a CDP and no AIA. For tests that judge
    /// certificates and CRLs without servers.
    pub fn sample(domain: &str) -> Result<Self, rcgen::Error> {
        Self::generate(&PkiSpec {
            domain: domain.to_owned(),
            pki_base_url: format!("http://pki.{domain}"),
            leaf: LeafSpec {
                cdp: true,
                ..LeafSpec::plain(&[&format!("enterpriseregistration.{domain}")])
            },
        })
    }
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "wpj testkit");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// A CA certificate: self-signed when `parent` is `None`; with a CDP and an AIA caIssuers URL
/// when given.
fn ca(
    name: &str,
    serial: u64,
    parent: Option<&Authority>,
    crl_url: Option<String>,
    aia_url: Option<String>,
    now: OffsetDateTime,
) -> Result<Authority, rcgen::Error> {
    let mut params = CertificateParams::default();
    params.not_before = now - Duration::days(3650);
    params.not_after = now + Duration::days(3650);
    params.serial_number = Some(SerialNumber::from(serial));
    params.distinguished_name = dn(name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = parent.is_some();
    if let Some(url) = crl_url {
        params.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![url] }];
    }
    if let Some(url) = aia_url {
        params.custom_extensions.push(aia_ca_issuers(&url));
    }
    let key = KeyPair::generate()?;
    let cert = match parent {
        Some(p) => params.signed_by(&key, &p.issuer())?,
        None => params.self_signed(&key)?,
    };
    Ok(Authority {
        der: cert.der().clone(),
        params,
        key,
    })
}

/// The Authority Information Access extension with one caIssuers URL (RFC 5280 §4.2.2.1).
fn aia_ca_issuers(url: &str) -> CustomExtension {
    aia_extension(&[url])
}

/// The Authority Information Access extension with these caIssuers URLs, in this order (an AD CS
/// certificate lists `ldap:///CN=…` first, then `http://`).
#[must_use]
pub fn aia_extension(urls: &[&str]) -> CustomExtension {
    aia_with_ocsp(urls, None)
}

/// The Authority Information Access extension (RFC 5280 §4.2.2.1) with an OCSP URL and a
/// caIssuers URL, each when given.
fn aia(ca_issuers: Option<&str>, ocsp: Option<&str>) -> CustomExtension {
    aia_with_ocsp(ca_issuers.as_slice(), ocsp)
}

/// The Authority Information Access extension with the OCSP URL, when given, first (as CAs list
/// it), then the caIssuers URLs in their order.
fn aia_with_ocsp(ca_issuers: &[&str], ocsp: Option<&str>) -> CustomExtension {
    const CA_ISSUERS: [u8; 10] = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    const OCSP: [u8; 10] = [0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
    let description = |method: &[u8], url: &str| {
        let location = der_tlv(0x86, url.as_bytes()); // [6] IMPLICIT IA5String
        der_tlv(0x30, &[method, &location].concat())
    };
    let descriptions: Vec<u8> = ocsp
        .map(|url| (&OCSP, url))
        .into_iter()
        .chain(ca_issuers.iter().map(|url| (&CA_ISSUERS, *url)))
        .flat_map(|(method, url)| description(method, url))
        .collect();
    let syntax = der_tlv(0x30, &descriptions);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], syntax)
}

/// One DER element, `tag` then `content` with a minimal definite length.
#[must_use]
pub fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A PKCS#7 (CMS, RFC 5652) certs-only bundle of `certs`, DER: a `SignedData` without signers,
/// as `openssl crl2pkcs7 -nocrl` writes it and Windows CAs publish `.p7c` files.
#[must_use]
pub fn certs_only_p7c(certs: &[&[u8]]) -> Vec<u8> {
    const SIGNED_DATA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02,
    ];
    const DATA: [u8; 11] = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let signed = [
        der_tlv(0x02, &[1]),
        der_tlv(0x31, &[]),
        der_tlv(0x30, &DATA),
        der_tlv(0xa0, &certs.concat()),
        der_tlv(0x31, &[]),
    ]
    .concat();
    der_tlv(
        0x30,
        &[&SIGNED_DATA[..], &der_tlv(0xa0, &der_tlv(0x30, &signed))].concat(),
    )
}

/// PEM text of a DER certificate.
#[must_use]
pub fn pem_of(der: &[u8]) -> String {
    let b64 = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Standard base64 with padding.
#[must_use]
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn der_lengths() {
        assert_eq!(der_tlv(0x04, &[1, 2]), [0x04, 2, 1, 2]);
        let long = der_tlv(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2C]);
    }
}

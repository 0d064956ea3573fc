//! What Windows' own chain engine logged: `Microsoft-Windows-CAPI2/Operational` events, read into
//! the chains it built ([`ChainBuild`]).
//!
//! The event IDs and field names are those of the events themselves (confirmed on a real log of 340
//! events): 10/11 `CertGetCertificateChain` (chain building: the chain, every element's trust status
//! and revocation result), 30 `CertVerifyCertificateChainPolicy` (chain policy: the SSL policy's
//! `serverName` and its result), 40/41 `CertVerifyRevocation` (revocation of one certificate), 42
//! `CertRejectedRevocationInfo` (a CRL or OCSP response set aside), 50/51
//! `CryptRetrieveObjectByUrlCache` and 52/53 `CryptRetrieveObjectByUrlWire` (retrieval of one URL,
//! from the cache or the network), 90 `X509Objects` (the certificates' issuers and dates).
//!
//! Events of one operation share `CorrelationAuxInfo`'s `TaskId` and are numbered by its
//! `SeqNumber`; a build runs from its event 10 to its event 11, and everything between belongs to it
//! (a build inside another — the chain of an OCSP responder — is a build of its own). A policy event
//! names its chain by `chainRef`. Codes are read from `value` attributes (hex, not localized); the
//! texts beside them are the localized messages, kept for people.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wpj_core::JoinFailure;

/// The channel CAPI2 writes to.
pub const CAPI2_CHANNEL: &str = "Microsoft-Windows-CAPI2/Operational";

/// The OID of the Server Authentication usage a TLS client asks the chain engine for.
const SERVER_AUTH_OID: &str = "1.3.6.1.5.5.7.3.1";

/// One of the chain engine's trust status flags (`CERT_TRUST_*` of `wincrypt.h`): bit, name, words.
const TRUST_FLAGS: &[(u32, &str, &str)] = &[
    (
        0x0000_0001,
        "CERT_TRUST_IS_NOT_TIME_VALID",
        "not time valid",
    ),
    (
        0x0000_0002,
        "CERT_TRUST_IS_NOT_TIME_NESTED",
        "validity not nested",
    ),
    (0x0000_0004, "CERT_TRUST_IS_REVOKED", "revoked"),
    (
        0x0000_0008,
        "CERT_TRUST_IS_NOT_SIGNATURE_VALID",
        "signature not valid",
    ),
    (
        0x0000_0010,
        "CERT_TRUST_IS_NOT_VALID_FOR_USAGE",
        "not valid for the usage",
    ),
    (
        0x0000_0020,
        "CERT_TRUST_IS_UNTRUSTED_ROOT",
        "untrusted root",
    ),
    (
        0x0000_0040,
        "CERT_TRUST_REVOCATION_STATUS_UNKNOWN",
        "revocation status unknown",
    ),
    (0x0000_0080, "CERT_TRUST_IS_CYCLIC", "cyclic chain"),
    (
        0x0000_0100,
        "CERT_TRUST_INVALID_EXTENSION",
        "invalid extension",
    ),
    (
        0x0000_0200,
        "CERT_TRUST_INVALID_POLICY_CONSTRAINTS",
        "invalid policy constraints",
    ),
    (
        0x0000_0400,
        "CERT_TRUST_INVALID_BASIC_CONSTRAINTS",
        "invalid basic constraints",
    ),
    (
        0x0000_0800,
        "CERT_TRUST_INVALID_NAME_CONSTRAINTS",
        "invalid name constraints",
    ),
    (
        0x0000_1000,
        "CERT_TRUST_HAS_NOT_SUPPORTED_NAME_CONSTRAINT",
        "unsupported name constraint",
    ),
    (
        0x0000_2000,
        "CERT_TRUST_HAS_NOT_DEFINED_NAME_CONSTRAINT",
        "undefined name constraint",
    ),
    (
        0x0000_4000,
        "CERT_TRUST_HAS_NOT_PERMITTED_NAME_CONSTRAINT",
        "name not permitted",
    ),
    (
        0x0000_8000,
        "CERT_TRUST_HAS_EXCLUDED_NAME_CONSTRAINT",
        "name excluded",
    ),
    (0x0001_0000, "CERT_TRUST_IS_PARTIAL_CHAIN", "partial chain"),
    (
        0x0002_0000,
        "CERT_TRUST_CTL_IS_NOT_TIME_VALID",
        "CTL not time valid",
    ),
    (
        0x0004_0000,
        "CERT_TRUST_CTL_IS_NOT_SIGNATURE_VALID",
        "CTL signature not valid",
    ),
    (
        0x0008_0000,
        "CERT_TRUST_CTL_IS_NOT_VALID_FOR_USAGE",
        "CTL not valid for the usage",
    ),
    (
        0x0010_0000,
        "CERT_TRUST_HAS_WEAK_SIGNATURE",
        "weak signature",
    ),
    (
        0x0100_0000,
        "CERT_TRUST_IS_OFFLINE_REVOCATION",
        "offline revocation",
    ),
    (
        0x0200_0000,
        "CERT_TRUST_NO_ISSUANCE_CHAIN_POLICY",
        "no issuance chain policy",
    ),
    (
        0x0400_0000,
        "CERT_TRUST_IS_EXPLICIT_DISTRUST",
        "explicitly distrusted",
    ),
    (
        0x0800_0000,
        "CERT_TRUST_HAS_NOT_SUPPORTED_CRITICAL_EXT",
        "unsupported critical extension",
    ),
];

const REVOKED: u32 = 0x0000_0004;
const NOT_TIME_VALID: u32 = 0x0000_0001 | 0x0000_0002;
const UNTRUSTED: u32 = 0x0000_0020 | 0x0000_0080 | 0x0001_0000 | 0x0400_0000;
const INVALID: u32 = 0x0000_0008
    | 0x0000_0010
    | 0x0000_0100
    | 0x0000_0200
    | 0x0000_0400
    | 0x0000_0800
    | 0x0000_1000
    | 0x0000_2000
    | 0x0000_4000
    | 0x0000_8000
    | 0x0010_0000
    | 0x0800_0000;
const REVOCATION_UNKNOWN: u32 = 0x0000_0040 | 0x0100_0000;
const PARTIAL_CHAIN: u32 = 0x0001_0000;

/// CryptoAPI results that say what a chain policy or a revocation check concluded: code, symbol,
/// and the WinHTTP failure a device logs for it.
const CRYPTO_RESULTS: &[(u32, &str, JoinFailure)] = &[
    (0x8009_2010, "CRYPT_E_REVOKED", JoinFailure::CertRevoked),
    (0x800B_010C, "CERT_E_REVOKED", JoinFailure::CertRevoked),
    (
        0x8009_2012,
        "CRYPT_E_NO_REVOCATION_CHECK",
        JoinFailure::RevocationOffline,
    ),
    (
        0x8009_2013,
        "CRYPT_E_REVOCATION_OFFLINE",
        JoinFailure::RevocationOffline,
    ),
    (
        0x800B_010E,
        "CERT_E_REVOCATION_FAILURE",
        JoinFailure::RevocationOffline,
    ),
    (0x800B_0109, "CERT_E_UNTRUSTEDROOT", JoinFailure::InvalidCa),
    (0x800B_010A, "CERT_E_CHAINING", JoinFailure::InvalidCa),
    (
        0x800B_010D,
        "CERT_E_UNTRUSTEDTESTROOT",
        JoinFailure::InvalidCa,
    ),
    (
        0x800B_0111,
        "TRUST_E_EXPLICIT_DISTRUST",
        JoinFailure::InvalidCa,
    ),
    (0x800B_0112, "CERT_E_UNTRUSTEDCA", JoinFailure::InvalidCa),
    (0x800B_0107, "CERT_E_ISSUERCHAINING", JoinFailure::InvalidCa),
    (0x800B_0101, "CERT_E_EXPIRED", JoinFailure::CertDateInvalid),
    (
        0x800B_0102,
        "CERT_E_VALIDITYPERIODNESTING",
        JoinFailure::CertDateInvalid,
    ),
    (
        0x800B_010F,
        "CERT_E_CN_NO_MATCH",
        JoinFailure::CertNameInvalid,
    ),
    (
        0x800B_0114,
        "CERT_E_INVALID_NAME",
        JoinFailure::CertNameInvalid,
    ),
    (0x800B_0110, "CERT_E_WRONG_USAGE", JoinFailure::InvalidCert),
    (0x800B_0106, "CERT_E_PURPOSE", JoinFailure::InvalidCert),
    (0x800B_0103, "CERT_E_ROLE", JoinFailure::InvalidCert),
    (0x800B_0104, "CERT_E_PATHLENCONST", JoinFailure::InvalidCert),
    (0x800B_0105, "CERT_E_CRITICAL", JoinFailure::InvalidCert),
    (0x800B_0108, "CERT_E_MALFORMED", JoinFailure::InvalidCert),
    (
        0x800B_0113,
        "CERT_E_INVALID_POLICY",
        JoinFailure::InvalidCert,
    ),
    (
        0x8009_6004,
        "TRUST_E_CERT_SIGNATURE",
        JoinFailure::InvalidCert,
    ),
];

/// The chain engine's trust status flags (`dwErrorStatus`), as logged in `ErrorStatus value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TrustStatus(pub u32);

impl TrustStatus {
    /// True when no error flag is set.
    #[must_use]
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// The `CERT_TRUST_*` names of the flags set.
    #[must_use]
    pub fn names(self) -> Vec<&'static str> {
        TRUST_FLAGS
            .iter()
            .filter(|(bit, _, _)| self.0 & bit != 0)
            .map(|(_, name, _)| *name)
            .collect()
    }

    /// The flags in words (`revoked`, `partial chain`), unknown bits as hex.
    #[must_use]
    pub fn words(self) -> Vec<String> {
        let mut words: Vec<String> = TRUST_FLAGS
            .iter()
            .filter(|(bit, _, _)| self.0 & bit != 0)
            .map(|(_, _, w)| (*w).to_owned())
            .collect();
        let known = TRUST_FLAGS.iter().fold(0, |acc, (bit, _, _)| acc | bit);
        if self.0 & !known != 0 {
            words.push(format!("0x{:X}", self.0 & !known));
        }
        words
    }

    /// The failure a device logs for these flags, the most telling first: revoked; then an
    /// untrusted chain (untrusted root, partial chain, explicit distrust, cycle); then dates; then
    /// the certificate itself (signature, usage, constraints); then revocation that could not be
    /// checked (Windows hard-fails it during Workplace Join).
    #[must_use]
    pub fn failure(self) -> Option<JoinFailure> {
        let s = self.0;
        if s & REVOKED != 0 {
            Some(JoinFailure::CertRevoked)
        } else if s & UNTRUSTED != 0 {
            Some(JoinFailure::InvalidCa)
        } else if s & NOT_TIME_VALID != 0 {
            Some(JoinFailure::CertDateInvalid)
        } else if s & INVALID != 0 {
            Some(JoinFailure::InvalidCert)
        } else if s & REVOCATION_UNKNOWN != 0 {
            Some(JoinFailure::RevocationOffline)
        } else {
            None
        }
    }
}

impl fmt::Display for TrustStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return f.write_str("no error");
        }
        write!(f, "{} (0x{:X})", self.words().join(", "), self.0)
    }
}

/// A result code CAPI2 logged (`Result value="80092013"`), with the message beside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CryptoResult {
    /// The code: an HRESULT, or a Win32 / WinHTTP error number (`2EE2`).
    pub code: u32,
    /// The localized message logged with it, if any.
    pub text: Option<String>,
}

impl CryptoResult {
    /// True for success (code 0).
    #[must_use]
    pub const fn is_ok(&self) -> bool {
        self.code == 0
    }

    /// The `CRYPT_E_*` / `CERT_E_*` / `TRUST_E_*` name of the code, when it is one of the chain
    /// results this crate knows.
    #[must_use]
    pub fn symbol(&self) -> Option<&'static str> {
        CRYPTO_RESULTS
            .iter()
            .find(|(c, _, _)| *c == self.code)
            .map(|(_, s, _)| *s)
    }

    /// The WinHTTP failure a device logs for this result of a chain policy or revocation check.
    #[must_use]
    pub fn failure(&self) -> Option<JoinFailure> {
        CRYPTO_RESULTS
            .iter()
            .find(|(c, _, _)| *c == self.code)
            .map(|(_, _, f)| *f)
    }
}

impl fmt::Display for CryptoResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:X}", self.code)?;
        if let Some(symbol) = self.symbol() {
            write!(f, " {symbol}")?;
        }
        if let Some(text) = &self.text {
            write!(f, ", {text}")?;
        }
        Ok(())
    }
}

/// What a URL was fetched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetrievalKind {
    /// An issuer certificate, through the certificate's Authority Information Access.
    Aia,
    /// A certificate revocation list (CRL distribution point).
    Crl,
    /// An OCSP response.
    Ocsp,
    /// Something else (a CTL, an unknown object type).
    Other,
}

impl fmt::Display for RetrievalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Aia => "AIA",
            Self::Crl => "CRL",
            Self::Ocsp => "OCSP",
            Self::Other => "object",
        })
    }
}

/// How one retrieval ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "outcome", content = "status", rename_all = "kebab-case")]
pub enum RetrievalOutcome {
    /// The object was retrieved.
    Retrieved,
    /// The server answered with an HTTP error status.
    HttpStatus(u16),
    /// No answer in time (WinHTTP 12002).
    Timeout,
    /// The host name could not be resolved (WinHTTP 12007).
    NameNotResolved,
    /// No connection could be made (WinHTTP 12029).
    CannotConnect,
    /// The connection broke (WinHTTP 12030).
    ConnectionError,
    /// Not in the local cache (a cache lookup before going to the network).
    NotInCache,
    /// Another error (see the code).
    Failed,
}

impl RetrievalOutcome {
    /// True when the object was retrieved.
    #[must_use]
    pub const fn is_ok(self) -> bool {
        matches!(self, Self::Retrieved)
    }

    /// The failure a device's own HTTP request would have met the same way, when there is one
    /// (a timeout, a name that does not resolve, no connection).
    #[must_use]
    pub const fn failure(self) -> Option<JoinFailure> {
        match self {
            Self::Timeout => Some(JoinFailure::Timeout),
            Self::NameNotResolved => Some(JoinFailure::NameNotResolved),
            Self::CannotConnect => Some(JoinFailure::CannotConnect),
            Self::ConnectionError => Some(JoinFailure::ConnectionError),
            _ => None,
        }
    }
}

impl fmt::Display for RetrievalOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Retrieved => f.write_str("retrieved"),
            Self::HttpStatus(s) => write!(f, "HTTP {s}"),
            Self::Timeout => f.write_str("timeout"),
            Self::NameNotResolved => f.write_str("name not resolved"),
            Self::CannotConnect => f.write_str("cannot connect"),
            Self::ConnectionError => f.write_str("connection error"),
            Self::NotInCache => f.write_str("not in the cache"),
            Self::Failed => f.write_str("failed"),
        }
    }
}

/// One URL the chain engine fetched (event 53) or looked up in its cache (event 51).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retrieval {
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The URL.
    pub url: String,
    /// What it was fetched for.
    pub kind: RetrievalKind,
    /// True for a lookup in the local URL cache (event 51), false for the network (event 53).
    pub from_cache: bool,
    /// How it ended.
    pub outcome: RetrievalOutcome,
    /// The result code and message logged (an action's error when the result itself is 0).
    pub result: CryptoResult,
}

impl fmt::Display for Retrieval {
    /// `CRL http://pki.contoso.com/ca.crl: timeout (0x2EE2, The operation timed out) at 09:14:02`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.url)?;
        if self.from_cache {
            f.write_str(" (cache)")?;
        }
        write!(f, ": {}", self.outcome)?;
        if !self.result.is_ok() {
            write!(f, " ({})", self.result)?;
        }
        if let Some(t) = self.time {
            write!(f, " at {}", clock(t))?;
        }
        Ok(())
    }
}

/// One certificate of a chain, leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCertificate {
    /// Its subject, as CAPI2 names it (`subjectName`, usually the CN).
    pub subject: String,
    /// Its issuer: the next certificate's subject, the certificate itself for a self-signed root,
    /// or the issuer CAPI2 listed in its event 90.
    pub issuer: Option<String>,
    /// Its SHA-1 thumbprint (CAPI2 names the certificate's file by it: `fileRef`).
    pub thumbprint: Option<String>,
    /// End of its validity period, when event 90 listed it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_after: Option<OffsetDateTime>,
    /// Its own trust status flags.
    pub errors: TrustStatus,
    /// The revocation result recorded for it, when it is not success.
    pub revocation: Option<CryptoResult>,
}

impl fmt::Display for ChainCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.subject)?;
        if let Some(issuer) = &self.issuer {
            write!(f, ", issued by {issuer}")?;
        }
        if let Some(t) = &self.thumbprint {
            write!(f, ", thumbprint {t}")?;
        }
        if let Some(n) = self.not_after {
            write!(f, ", valid until {}", n.date())?;
        }
        if !self.errors.is_ok() {
            write!(f, ": {}", self.errors)?;
        }
        if let Some(r) = &self.revocation {
            write!(f, "; revocation {r}")?;
        }
        Ok(())
    }
}

/// One chain policy check (event 30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyCheck {
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The policy (`CERT_CHAIN_POLICY_SSL`, `CERT_CHAIN_POLICY_BASE`…).
    pub policy: String,
    /// The server name the SSL policy matched the certificate against.
    pub server_name: Option<String>,
    /// What the policy concluded.
    pub result: CryptoResult,
}

impl PolicyCheck {
    /// True for the SSL policy (what a TLS client such as WinHTTP asks for).
    #[must_use]
    pub fn is_ssl(&self) -> bool {
        self.policy.eq_ignore_ascii_case("CERT_CHAIN_POLICY_SSL")
    }
}

/// A revocation check of one certificate (event 41), or a CRL / OCSP response set aside (event 42).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevocationCheck {
    /// When.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The certificate checked.
    pub subject: String,
    /// Its thumbprint.
    pub thumbprint: Option<String>,
    /// The CRL or OCSP URL the answer came from (or was rejected from).
    pub url: Option<String>,
    /// The result (for a rejected answer: 0).
    pub result: CryptoResult,
    /// Why an answer was set aside (event 42's action, such as `CheckTimeValidity`).
    pub rejected: Option<String>,
}

impl fmt::Display for RevocationCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rejected {
            Some(action) => write!(
                f,
                "revocation answer for {} set aside ({action})",
                self.subject
            )?,
            None if self.result.is_ok() => write!(f, "revocation of {}: good", self.subject)?,
            None => write!(f, "revocation of {}: {}", self.subject, self.result)?,
        }
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        Ok(())
    }
}

/// One certificate chain Windows' chain engine built and judged, reconstructed from its CAPI2 events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChainBuild {
    /// When it was built (event 11; else the first event of the build).
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The correlation task (`CorrelationAuxInfo TaskId`) of the operation.
    pub task_id: Option<String>,
    /// The chain's reference (`chainRef`), which policy events name.
    pub chain_ref: Option<String>,
    /// The process that asked (`EventAuxInfo ProcessName`).
    pub process: Option<String>,
    /// The usages asked for (`Server Authentication`, `Code Signing`…; the OID when unnamed).
    pub usages: Vec<String>,
    /// True when the Server Authentication usage was asked for (a TLS client's chain).
    pub server_auth: bool,
    /// The certificates, leaf first.
    pub certificates: Vec<ChainCertificate>,
    /// The chain's trust status flags.
    pub trust: TrustStatus,
    /// The policy checks of this chain (event 30).
    pub policies: Vec<PolicyCheck>,
    /// Revocation checks and answers set aside (events 41 and 42).
    pub revocations: Vec<RevocationCheck>,
    /// Every URL fetched or looked up for it (events 51 and 53), in order.
    pub retrievals: Vec<Retrieval>,
    /// True when CAPI2 logged the chain itself (event 11); false for a build known only from its
    /// retrievals or its policy check.
    pub complete: bool,
}

impl ChainBuild {
    fn new(time: Option<OffsetDateTime>, task_id: Option<String>) -> Self {
        Self {
            time,
            task_id,
            chain_ref: None,
            process: None,
            usages: Vec::new(),
            server_auth: false,
            certificates: Vec::new(),
            trust: TrustStatus::default(),
            policies: Vec::new(),
            revocations: Vec::new(),
            retrievals: Vec::new(),
            complete: false,
        }
    }

    /// The server name the SSL policy checked the chain for, if it was logged.
    #[must_use]
    pub fn server_name(&self) -> Option<&str> {
        self.policies.iter().find_map(|p| p.server_name.as_deref())
    }

    /// True for a TLS server's chain: the SSL policy checked it, or Server Authentication was asked.
    #[must_use]
    pub fn is_tls_server(&self) -> bool {
        self.server_auth || self.policies.iter().any(PolicyCheck::is_ssl)
    }

    /// The decisive policy result: the SSL policy's, else the first failing one.
    #[must_use]
    pub fn policy_result(&self) -> Option<&CryptoResult> {
        self.policies
            .iter()
            .find(|p| p.is_ssl())
            .or_else(|| self.policies.iter().find(|p| !p.result.is_ok()))
            .map(|p| &p.result)
    }

    /// The WinHTTP failure a device logs when this is its registration server's chain: the policy's
    /// failing result when one was logged, else the chain's trust status flags (see
    /// [`TrustStatus::failure`]: revocation that could not be checked fails, as Windows hard-fails
    /// it during Workplace Join, even where another caller's policy accepted it). `None` when the
    /// chain is trusted.
    #[must_use]
    pub fn failure(&self) -> Option<JoinFailure> {
        self.policy_result()
            .filter(|r| !r.is_ok())
            .and_then(CryptoResult::failure)
            .or_else(|| self.trust.failure())
    }

    /// True when an intermediate was fetched through AIA and the chain then held: the server does not
    /// send its intermediate, and devices that cannot reach the AIA URL fail with 0x80072F0D.
    #[must_use]
    pub fn completed_by_aia(&self) -> bool {
        self.trust.0 & PARTIAL_CHAIN == 0
            && self
                .retrievals
                .iter()
                .any(|r| r.kind == RetrievalKind::Aia && !r.from_cache && r.outcome.is_ok())
    }

    /// Retrievals that did not return their object (cache misses are not failures: the network is
    /// asked next).
    pub fn failed_retrievals(&self) -> impl Iterator<Item = &Retrieval> {
        self.retrievals
            .iter()
            .filter(|r| !r.outcome.is_ok() && r.outcome != RetrievalOutcome::NotInCache)
    }

    /// The leaf certificate's subject.
    #[must_use]
    pub fn leaf(&self) -> Option<&str> {
        self.certificates.first().map(|c| c.subject.as_str())
    }

    /// Why the chain failed, in words about what the chain engine did: `the chain engine could not
    /// fetch http://pki.contoso.com/ca.crl (timeout)`. For a trusted chain, what it did to trust it.
    #[must_use]
    pub fn cause(&self) -> String {
        let fetches = |kinds: &[RetrievalKind]| -> Vec<String> {
            self.failed_retrievals()
                .filter(|r| kinds.contains(&r.kind))
                .map(|r| format!("{} ({})", r.url, r.outcome))
                .collect()
        };
        let leaf = self.leaf().unwrap_or("the certificate");
        let first_with = |flags: u32| {
            self.certificates
                .iter()
                .find(|c| c.errors.0 & flags != 0)
                .map_or(leaf, |c| c.subject.as_str())
        };
        match self.failure() {
            Some(JoinFailure::RevocationOffline) => {
                let failed = fetches(&[RetrievalKind::Crl, RetrievalKind::Ocsp]);
                if failed.is_empty() {
                    format!(
                        "the chain engine could not check the revocation of {}",
                        first_with(REVOCATION_UNKNOWN)
                    )
                } else {
                    format!("the chain engine could not fetch {}", failed.join(" or "))
                }
            }
            Some(JoinFailure::CertRevoked) => {
                let from = self
                    .revocations
                    .iter()
                    .find(|r| r.result.failure() == Some(JoinFailure::CertRevoked))
                    .and_then(|r| r.url.as_deref())
                    .map(|u| format!(" (according to {u})"))
                    .unwrap_or_default();
                format!(
                    "the chain engine found {} revoked{from}",
                    first_with(REVOKED)
                )
            }
            Some(JoinFailure::InvalidCa) if self.trust.0 & PARTIAL_CHAIN != 0 => {
                let top = self
                    .certificates
                    .last()
                    .map_or(leaf, |c| c.subject.as_str());
                let failed = fetches(&[RetrievalKind::Aia]);
                if failed.is_empty() {
                    format!("the chain engine could not find the issuer of {top}")
                } else {
                    format!(
                        "the chain engine could not find the issuer of {top}: it could not fetch {}",
                        failed.join(" or ")
                    )
                }
            }
            Some(JoinFailure::InvalidCa) => {
                let root = self
                    .certificates
                    .last()
                    .map_or(leaf, |c| c.subject.as_str());
                format!(
                    "the chain engine ended the chain in {root}, a root this device does not trust"
                )
            }
            Some(JoinFailure::CertDateInvalid) => format!(
                "the chain engine found {} outside its validity period",
                first_with(NOT_TIME_VALID)
            ),
            Some(JoinFailure::CertNameInvalid) => match self.server_name() {
                Some(server) => {
                    format!("the chain engine found that {leaf} does not name {server}")
                }
                None => format!("the chain engine found that {leaf} does not name the server"),
            },
            Some(_) => format!(
                "the chain engine rejected the chain of {leaf}: {}",
                self.trust
            ),
            None if self.completed_by_aia() => {
                let urls: Vec<&str> = self
                    .retrievals
                    .iter()
                    .filter(|r| r.kind == RetrievalKind::Aia && !r.from_cache && r.outcome.is_ok())
                    .map(|r| r.url.as_str())
                    .collect();
                format!(
                    "the chain engine completed the chain of {leaf} with an issuer fetched from {}",
                    urls.join(" and ")
                )
            }
            None => format!("the chain engine trusted the chain of {leaf}"),
        }
    }

    /// One line about the chain: `chain built for enterpriseregistration.contoso.com (leaf …) by
    /// svchost.exe: trust status …; SSL policy 0x80092013 CRYPT_E_REVOCATION_OFFLINE`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut text = String::from("chain");
        if let Some(t) = self.time {
            let _ = write!(text, " built at {}", stamp(t));
        }
        if let Some(server) = self.server_name() {
            let _ = write!(text, " for {server}");
        }
        if let Some(leaf) = self.leaf().filter(|l| Some(*l) != self.server_name()) {
            let _ = write!(text, " (leaf {leaf})");
        }
        if let Some(p) = &self.process {
            let _ = write!(text, " by {p}");
        }
        if self.complete {
            let _ = write!(text, ": trust status {}", self.trust);
        }
        for p in &self.policies {
            let _ = write!(text, "; {} {}", p.policy, p.result);
        }
        text
    }
}

/// `09:14:02`.
pub(crate) fn clock(t: OffsetDateTime) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// `2026-11-20 09:14:02`.
pub(crate) fn stamp(t: OffsetDateTime) -> String {
    format!("{} {}", t.date(), clock(t))
}

/// The WinHTTP-style reading of a retrieval's code.
fn outcome_of(code: u32, http: Option<u16>) -> RetrievalOutcome {
    if let Some(status) = http.filter(|s| *s >= 400) {
        return RetrievalOutcome::HttpStatus(status);
    }
    let win32 = if code & 0xFFFF_0000 == 0x8007_0000 {
        code & 0xFFFF
    } else {
        code
    };
    match win32 {
        0 => RetrievalOutcome::Retrieved,
        12002 => RetrievalOutcome::Timeout,
        12007 => RetrievalOutcome::NameNotResolved,
        12029 => RetrievalOutcome::CannotConnect,
        12030 => RetrievalOutcome::ConnectionError,
        // CRYPT_E_NOT_FOUND, ERROR_FILE_NOT_FOUND: nothing for this URL in the cache.
        0x8009_2004 | 2 => RetrievalOutcome::NotInCache,
        // HTTP_E_STATUS_*: 0x80190000 + the status.
        c if c & 0xFFFF_0000 == 0x8019_0000 && (400..600).contains(&(c & 0xFFFF)) => {
            RetrievalOutcome::HttpStatus(u16::try_from(c & 0xFFFF).unwrap_or(0))
        }
        _ => RetrievalOutcome::Failed,
    }
}

/// What a `CryptRetrieveObjectByUrl*` object type or URL says was fetched.
fn kind_of(object: Option<&str>, aia_flag: bool, url: &str) -> RetrievalKind {
    let object = object.unwrap_or_default().to_ascii_uppercase();
    let by_object = match object.as_str() {
        "CONTEXT_OID_CRL" | "2" => Some(RetrievalKind::Crl),
        "CONTEXT_OID_OCSP_RESP" | "6" => Some(RetrievalKind::Ocsp),
        "CONTEXT_OID_CERTIFICATE"
        | "CONTEXT_OID_PKCS7"
        | "CONTEXT_OID_CAPI2_ANY"
        | "1"
        | "4"
        | "5" => Some(RetrievalKind::Aia),
        "CONTEXT_OID_CTL" | "3" => Some(RetrievalKind::Other),
        _ => None,
    };
    if aia_flag {
        return RetrievalKind::Aia;
    }
    if let Some(kind) = by_object {
        return kind;
    }
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    let extension = path
        .rsplit_once('/')
        .map_or(path, |(_, last)| last)
        .rsplit_once('.');
    match extension.map(|(_, e)| e) {
        Some("crl") => RetrievalKind::Crl,
        Some("crt" | "cer" | "p7c") => RetrievalKind::Aia,
        _ if lower.contains("ocsp") => RetrievalKind::Ocsp,
        _ => RetrievalKind::Other,
    }
}

/// One CAPI2 event, read.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    time: Option<OffsetDateTime>,
    log_index: Option<u64>,
    task: Option<String>,
    seq: Option<u64>,
    process: Option<String>,
    /// Input order, the last tie-breaker.
    order: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    BuildStart,
    Build(Box<BuiltChain>),
    Policy {
        chain_ref: Option<String>,
        check: PolicyCheck,
        subject: Option<(String, Option<String>)>,
    },
    Revocation(RevocationCheck),
    Retrieval(Retrieval),
    Objects(Vec<(String, CertDetails)>),
    Other,
}

#[derive(Debug, Clone)]
struct BuiltChain {
    chain_ref: Option<String>,
    usages: Vec<String>,
    server_auth: bool,
    certificates: Vec<ChainCertificate>,
    /// Per certificate: whether CAPI2 marked it self-signed.
    self_signed: Vec<bool>,
    trust: TrustStatus,
}

#[derive(Debug, Clone, Default)]
struct CertDetails {
    issuer: Option<String>,
    not_after: Option<OffsetDateTime>,
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(move |n| n.has_tag_name(name))
}

fn text_of(node: roxmltree::Node<'_, '_>) -> Option<String> {
    node.text()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn hex(value: &str) -> Option<u32> {
    let v = value.trim();
    let v = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .unwrap_or(v);
    u32::from_str_radix(v, 16).ok()
}

/// `Result value="…"` (or any element with a hex `value`) and its text.
fn result_of(node: Option<roxmltree::Node<'_, '_>>) -> CryptoResult {
    let Some(node) = node else {
        return CryptoResult {
            code: 0,
            text: None,
        };
    };
    CryptoResult {
        code: node.attribute("value").and_then(hex).unwrap_or(0),
        text: text_of(node),
    }
}

fn time_of(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.trim(), &Rfc3339).ok()
}

fn thumbprint(node: roxmltree::Node<'_, '_>) -> Option<String> {
    node.attribute("fileRef")
        .map(|f| f.split('.').next().unwrap_or(f).to_ascii_uppercase())
        .filter(|f| !f.is_empty())
}

/// A trust status element's flags: its `value`, or the flags it names when the value is missing.
fn trust_of(status: Option<roxmltree::Node<'_, '_>>) -> TrustStatus {
    let Some(status) = status else {
        return TrustStatus::default();
    };
    if let Some(v) = status.attribute("value").and_then(hex) {
        return TrustStatus(v);
    }
    TrustStatus(
        status
            .attributes()
            .filter(|a| a.value() == "true")
            .filter_map(|a| TRUST_FLAGS.iter().find(|(_, n, _)| *n == a.name()))
            .fold(0, |acc, (bit, _, _)| acc | bit),
    )
}

/// Reads one CAPI2 event, or `None` when the event is not from CAPI2.
pub(crate) fn record(
    event: roxmltree::Node<'_, '_>,
    system: roxmltree::Node<'_, '_>,
    id: u16,
    order: usize,
) -> Option<Record> {
    let provider = child(system, "Provider").and_then(|p| p.attribute("Name"));
    let channel = child(system, "Channel")
        .and_then(|c| c.text())
        .map(str::trim);
    let is_capi2 = channel.is_some_and(|c| c.eq_ignore_ascii_case(CAPI2_CHANNEL))
        || provider.is_some_and(|p| p.eq_ignore_ascii_case("Microsoft-Windows-CAPI2"));
    if !is_capi2 {
        return None;
    }
    let time = child(system, "TimeCreated")
        .and_then(|n| n.attribute("SystemTime"))
        .and_then(time_of);
    let log_index = child(system, "EventRecordID")
        .and_then(|n| n.text())
        .and_then(|t| t.trim().parse().ok());
    let payload =
        child(event, "UserData").and_then(|u| u.children().find(roxmltree::Node::is_element));
    let mut record = Record {
        time,
        log_index,
        task: None,
        seq: None,
        process: None,
        order,
        kind: Kind::Other,
    };
    let Some(payload) = payload else {
        return Some(record);
    };
    if let Some(c) = child(payload, "CorrelationAuxInfo") {
        record.task = c.attribute("TaskId").map(str::to_owned);
        record.seq = c.attribute("SeqNumber").and_then(|s| s.parse().ok());
    }
    record.process = child(payload, "EventAuxInfo")
        .and_then(|a| a.attribute("ProcessName"))
        .map(str::to_owned);
    record.kind = match id {
        10 => Kind::BuildStart,
        11 => Kind::Build(Box::new(built_chain(payload))),
        30 => policy(payload, time),
        41 | 42 => Kind::Revocation(revocation(payload, time, id == 42)),
        51 | 53 => Kind::Retrieval(retrieval(payload, time, id == 51)),
        90 => Kind::Objects(objects(payload)),
        _ => Kind::Other,
    };
    Some(record)
}

fn built_chain(payload: roxmltree::Node<'_, '_>) -> BuiltChain {
    let usages: Vec<(Option<String>, Option<String>)> = child(payload, "ExtendedKeyUsage")
        .into_iter()
        .flat_map(|e| children(e, "Usage"))
        .map(|u| {
            (
                u.attribute("name").map(str::to_owned),
                u.attribute("oid").map(str::to_owned),
            )
        })
        .collect();
    let server_auth = usages
        .iter()
        .any(|(_, oid)| oid.as_deref() == Some(SERVER_AUTH_OID));
    let chain = child(payload, "CertificateChain");
    let mut certificates = Vec::new();
    let mut self_signed = Vec::new();
    for element in chain.into_iter().flat_map(|c| children(c, "ChainElement")) {
        let cert = child(element, "Certificate");
        let status = child(element, "TrustStatus");
        let info = status.and_then(|s| child(s, "InfoStatus"));
        // CERT_TRUST_IS_SELF_SIGNED is 0x8 of the info status.
        let is_self_signed = info
            .and_then(|i| i.attribute("value"))
            .and_then(hex)
            .is_some_and(|v| v & 0x8 != 0)
            || info.is_some_and(|i| i.attribute("CERT_TRUST_IS_SELF_SIGNED") == Some("true"));
        let revocation = child(element, "RevocationInfo")
            .and_then(|r| child(r, "RevocationResult"))
            .map(|r| result_of(Some(r)))
            .filter(|r| !r.is_ok());
        certificates.push(ChainCertificate {
            subject: cert
                .and_then(|c| c.attribute("subjectName"))
                .unwrap_or("(no subject)")
                .to_owned(),
            issuer: None,
            thumbprint: cert.and_then(thumbprint),
            not_after: None,
            errors: trust_of(status.and_then(|s| child(s, "ErrorStatus"))),
            revocation,
        });
        self_signed.push(is_self_signed);
    }
    BuiltChain {
        chain_ref: chain
            .and_then(|c| c.attribute("chainRef"))
            .map(str::to_owned),
        usages: usages
            .into_iter()
            .filter_map(|(name, oid)| name.or(oid))
            .collect(),
        server_auth,
        certificates,
        self_signed,
        trust: trust_of(
            chain
                .and_then(|c| child(c, "TrustStatus"))
                .and_then(|s| child(s, "ErrorStatus")),
        ),
    }
}

fn policy(payload: roxmltree::Node<'_, '_>, time: Option<OffsetDateTime>) -> Kind {
    let cert = child(payload, "Certificate");
    Kind::Policy {
        chain_ref: child(payload, "CertificateChain")
            .and_then(|c| c.attribute("chainRef"))
            .map(str::to_owned),
        check: PolicyCheck {
            time,
            policy: child(payload, "Policy")
                .and_then(|p| p.attribute("type"))
                .unwrap_or("unknown policy")
                .to_owned(),
            server_name: child(payload, "SSLAdditionalPolicyInfo")
                .and_then(|s| s.attribute("serverName"))
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()),
            result: result_of(child(payload, "Result")),
        },
        subject: cert.and_then(|c| {
            c.attribute("subjectName")
                .map(|s| (s.to_owned(), thumbprint(c)))
        }),
    }
}

fn revocation(
    payload: roxmltree::Node<'_, '_>,
    time: Option<OffsetDateTime>,
    rejected: bool,
) -> RevocationCheck {
    let cert = child(payload, "Certificate").or_else(|| child(payload, "SubjectCertificate"));
    let url = child(payload, "OCSPResponse")
        .or_else(|| child(payload, "CertificateRevocationList"))
        .and_then(|n| n.attribute("url"))
        .map(str::to_owned);
    let mut result = result_of(child(payload, "Result"));
    if result.is_ok()
        && let Some(error) = child(payload, "RevocationStatus")
            .and_then(|s| s.attribute("error"))
            .and_then(hex)
            .filter(|e| *e != 0)
    {
        result.code = error;
    }
    RevocationCheck {
        time,
        subject: cert
            .and_then(|c| c.attribute("subjectName"))
            .unwrap_or("(no subject)")
            .to_owned(),
        thumbprint: cert.and_then(thumbprint),
        url,
        result,
        rejected: rejected.then(|| {
            child(payload, "Action")
                .and_then(|a| a.attribute("name"))
                .unwrap_or("rejected")
                .to_owned()
        }),
    }
}

fn retrieval(
    payload: roxmltree::Node<'_, '_>,
    time: Option<OffsetDateTime>,
    from_cache: bool,
) -> Retrieval {
    let url = child(payload, "URL").and_then(text_of).unwrap_or_default();
    let object =
        child(payload, "Object").and_then(|o| o.attribute("type").or(o.attribute("constant")));
    let aia_flag =
        child(payload, "Flags").is_some_and(|f| f.attribute("CRYPT_AIA_RETRIEVAL") == Some("true"));
    let info = child(payload, "AdditionalInfo");
    // The response's status line: `HTTP/1.1 404 Not Found`.
    let http = info
        .and_then(|i| child(i, "HTTPResponseHeadersInfo"))
        .and_then(|h| child(h, "Header"))
        .and_then(|h| h.text())
        .and_then(|line| {
            let mut words = line.split_whitespace();
            words
                .next()
                .filter(|w| w.starts_with("HTTP/"))
                .and_then(|_| words.next())
                .and_then(|s| s.parse::<u16>().ok())
        });
    let mut result = result_of(child(payload, "Result"));
    if result.is_ok()
        && let Some(error) = info
            .into_iter()
            .flat_map(|i| children(i, "Action"))
            .filter_map(|a| child(a, "Error"))
            .map(|e| result_of(Some(e)))
            .find(|r| !r.is_ok())
        && http.is_none_or(|s| s >= 400)
        && child(payload, "RetrievedObjects").is_none()
    {
        result = error;
    }
    Retrieval {
        time,
        kind: kind_of(object, aia_flag, &url),
        url,
        from_cache,
        outcome: outcome_of(result.code, http),
        result,
    }
}

fn objects(payload: roxmltree::Node<'_, '_>) -> Vec<(String, CertDetails)> {
    children(payload, "Certificate")
        .filter_map(|c| {
            let thumb = thumbprint(c)?;
            let issuer = child(c, "Issuer")
                .and_then(|i| {
                    child(i, "CN")
                        .or_else(|| child(i, "OU"))
                        .or_else(|| child(i, "O"))
                })
                .and_then(text_of);
            let not_after = child(c, "NotAfter")
                .and_then(|n| n.text())
                .and_then(time_of);
            Some((thumb, CertDetails { issuer, not_after }))
        })
        .collect()
}

/// The build a revocation check or a retrieval belongs to: the innermost one open, or a new one.
fn top<'b>(open: &'b mut Vec<ChainBuild>, r: &Record) -> &'b mut ChainBuild {
    if open.is_empty() {
        open.push(ChainBuild::new(r.time, r.task.clone()));
    }
    let len = open.len();
    &mut open[len - 1]
}

/// Puts the events of every build together.
pub(crate) fn assemble(mut records: Vec<Record>) -> Vec<ChainBuild> {
    // By operation, then in the operation's own order.
    records.sort_by(|a, b| {
        a.task
            .cmp(&b.task)
            .then(a.seq.cmp(&b.seq))
            .then(a.log_index.cmp(&b.log_index))
            .then(a.order.cmp(&b.order))
    });
    let mut details: HashMap<String, CertDetails> = HashMap::new();
    // Policy checks, with their record: they are attached once every chain is known.
    let mut policies: Vec<Record> = Vec::new();
    let mut done: Vec<ChainBuild> = Vec::new();
    let mut open: Vec<ChainBuild> = Vec::new();
    let mut task: Option<Option<String>> = None;
    for r in records {
        if task.as_ref() != Some(&r.task) {
            // A new operation: what is still open of the last one ends here.
            done.extend(
                open.drain(..)
                    .filter(|b| !b.retrievals.is_empty() || !b.revocations.is_empty()),
            );
            task = Some(r.task.clone());
        }
        match r.kind {
            Kind::BuildStart => open.push(ChainBuild::new(r.time, r.task.clone())),
            Kind::Build(ref built) => {
                let mut b = open
                    .pop()
                    .unwrap_or_else(|| ChainBuild::new(r.time, r.task.clone()));
                b.time = r.time.or(b.time);
                b.process = r.process.clone().or(b.process);
                b.chain_ref.clone_from(&built.chain_ref);
                b.usages.clone_from(&built.usages);
                b.server_auth = built.server_auth;
                b.trust = built.trust;
                b.certificates.clone_from(&built.certificates);
                let n = b.certificates.len();
                for i in 0..n {
                    b.certificates[i].issuer = if i + 1 < n {
                        Some(b.certificates[i + 1].subject.clone())
                    } else if built.self_signed.get(i).copied().unwrap_or(false) {
                        Some(b.certificates[i].subject.clone())
                    } else {
                        None
                    };
                }
                b.complete = true;
                done.push(b);
            }
            Kind::Policy { .. } => policies.push(r.clone()),
            Kind::Revocation(ref check) => {
                let b = top(&mut open, &r);
                b.process = b.process.clone().or_else(|| r.process.clone());
                b.revocations.push(check.clone());
            }
            Kind::Retrieval(ref retrieval) => {
                let b = top(&mut open, &r);
                b.process = b.process.clone().or_else(|| r.process.clone());
                b.retrievals.push(retrieval.clone());
            }
            Kind::Objects(ref objects) => {
                for (thumb, d) in objects {
                    details.insert(thumb.clone(), d.clone());
                }
            }
            Kind::Other => {}
        }
    }
    done.extend(
        open.into_iter()
            .filter(|b| !b.retrievals.is_empty() || !b.revocations.is_empty()),
    );
    let by_ref: HashMap<String, usize> = done
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.chain_ref.clone().map(|c| (c, i)))
        .collect();
    for r in policies {
        let Kind::Policy {
            chain_ref,
            check,
            subject,
        } = r.kind
        else {
            continue;
        };
        if let Some(i) = chain_ref.as_ref().and_then(|c| by_ref.get(c).copied()) {
            done[i].policies.push(check);
            continue;
        }
        // A policy whose chain was not logged: it still says what was concluded, and for whom.
        let mut b = ChainBuild::new(r.time, r.task);
        b.process = r.process;
        b.chain_ref = chain_ref;
        if let Some((subject, thumbprint)) = subject {
            b.certificates.push(ChainCertificate {
                subject,
                issuer: None,
                thumbprint,
                not_after: None,
                errors: TrustStatus::default(),
                revocation: None,
            });
        }
        b.policies.push(check);
        done.push(b);
    }
    for b in &mut done {
        for c in &mut b.certificates {
            if let Some(d) = c.thumbprint.as_ref().and_then(|t| details.get(t)) {
                c.not_after = c.not_after.or(d.not_after);
                if c.issuer.is_none() {
                    c.issuer.clone_from(&d.issuer);
                }
            }
        }
    }
    // A stable sort: builds of the same instant keep their operation's order.
    done.sort_by_key(|b| b.time);
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retrieval_codes_read_as_windows_means_them() {
        assert_eq!(outcome_of(0, Some(200)), RetrievalOutcome::Retrieved);
        assert_eq!(outcome_of(0x2EE2, None), RetrievalOutcome::Timeout);
        assert_eq!(
            outcome_of(0x8007_2EE7, None),
            RetrievalOutcome::NameNotResolved
        );
        assert_eq!(outcome_of(0x2EFD, None), RetrievalOutcome::CannotConnect);
        assert_eq!(
            outcome_of(0x8019_0194, None),
            RetrievalOutcome::HttpStatus(404)
        );
        assert_eq!(outcome_of(0x8019_0001, None), RetrievalOutcome::Failed);
        assert_eq!(outcome_of(0x8009_2004, None), RetrievalOutcome::NotInCache);
        assert_eq!(
            outcome_of(0x5, Some(404)),
            RetrievalOutcome::HttpStatus(404)
        );
    }

    #[test]
    fn kinds_by_object_flag_then_url() {
        assert_eq!(
            kind_of(Some("CONTEXT_OID_CRL"), false, "http://x/a"),
            RetrievalKind::Crl
        );
        assert_eq!(
            kind_of(Some("CONTEXT_OID_OCSP_RESP"), false, "http://x/a.crl"),
            RetrievalKind::Ocsp
        );
        assert_eq!(
            kind_of(Some("CONTEXT_OID_CRL"), true, "http://x/a"),
            RetrievalKind::Aia
        );
        assert_eq!(kind_of(None, false, "http://x/ca.CRT"), RetrievalKind::Aia);
        assert_eq!(kind_of(None, false, "http://ocsp.x/"), RetrievalKind::Ocsp);
        assert_eq!(
            kind_of(None, false, "http://x/a.crl?x=1"),
            RetrievalKind::Crl
        );
    }

    #[test]
    fn trust_flags_map_to_the_winhttp_failure_most_telling_first() {
        assert_eq!(TrustStatus(0).failure(), None);
        assert_eq!(
            TrustStatus(0x4 | 0x40).failure(),
            Some(JoinFailure::CertRevoked)
        );
        assert_eq!(
            TrustStatus(0x1_0000 | 0x40).failure(),
            Some(JoinFailure::InvalidCa)
        );
        assert_eq!(TrustStatus(0x20).failure(), Some(JoinFailure::InvalidCa));
        assert_eq!(
            TrustStatus(0x1).failure(),
            Some(JoinFailure::CertDateInvalid)
        );
        assert_eq!(TrustStatus(0x10).failure(), Some(JoinFailure::InvalidCert));
        assert_eq!(
            TrustStatus(0x0100_0040).failure(),
            Some(JoinFailure::RevocationOffline)
        );
        assert_eq!(
            TrustStatus(0x0100_0040).names(),
            [
                "CERT_TRUST_REVOCATION_STATUS_UNKNOWN",
                "CERT_TRUST_IS_OFFLINE_REVOCATION"
            ]
        );
        assert_eq!(
            TrustStatus(0x0100_0040).to_string(),
            "revocation status unknown, offline revocation (0x1000040)"
        );
    }

    #[test]
    fn policy_results_map_to_winhttp_failures() {
        let r = |code| CryptoResult { code, text: None };
        assert_eq!(
            r(0x8009_2013).failure(),
            Some(JoinFailure::RevocationOffline)
        );
        assert_eq!(r(0x8009_2010).failure(), Some(JoinFailure::CertRevoked));
        assert_eq!(r(0x800B_0109).failure(), Some(JoinFailure::InvalidCa));
        assert_eq!(r(0x800B_010A).failure(), Some(JoinFailure::InvalidCa));
        assert_eq!(r(0x800B_0101).failure(), Some(JoinFailure::CertDateInvalid));
        assert_eq!(r(0x800B_010F).failure(), Some(JoinFailure::CertNameInvalid));
        assert_eq!(r(0x1234).failure(), None);
        assert_eq!(r(0x800B_010F).to_string(), "0x800B010F CERT_E_CN_NO_MATCH");
    }
}

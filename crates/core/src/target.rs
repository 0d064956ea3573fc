//! The thing being diagnosed: a UPN suffix, and the registration name derived from it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A UPN (`user@contoso.com`) or bare domain (`contoso.com`), reduced to its UPN suffix.
///
/// International names are converted to their ASCII (punycode) form, as DNS needs them. What admins
/// paste from event logs and browsers is read too, and [`Target::note`] says what was taken from
/// it: the full registration host (`EnterpriseRegistration.contoso.com`), a URL (`https://contoso.com`,
/// the contract URL of event 102), Microsoft's discovery URL (`https://enterpriseregistration.windows.net/contoso.com/…`).
///
/// ```
/// use wpj_core::Target;
///
/// let t: Target = "Alice@Contoso.COM".parse()?;
/// assert_eq!(t.suffix(), "contoso.com");
/// assert_eq!(t.registration_name(), "enterpriseregistration.contoso.com");
///
/// let idn: Target = "bücher.example".parse()?;
/// assert_eq!(idn.suffix(), "xn--bcher-kva.example");
///
/// assert!("not a domain!".parse::<Target>().is_err());
///
/// let pasted: Target =
///     "https://EnterpriseRegistration.contoso.com/EnrollmentServer/contract?api-version=1.0".parse()?;
/// assert_eq!(pasted.suffix(), "contoso.com");
/// assert!(pasted.note().unwrap().contains("contoso.com"));
/// # Ok::<(), wpj_core::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target {
    input: String,
    suffix: String,
    /// How the input was read, when it was not a plain UPN or domain.
    #[serde(skip)]
    note: Option<String>,
}

/// Why a target could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Nothing was given.
    #[error("no UPN or domain given")]
    Empty,
    /// The UPN has no suffix after `@`, or more than one `@`.
    #[error("{0:?} is not a UPN: expected user@domain")]
    BadUpn(String),
    /// The suffix is not a valid DNS domain name.
    #[error("{input:?} is not a valid domain name: {reason}")]
    InvalidDomain {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl Target {
    /// Reads a UPN or domain, or what admins paste: a URL or the full registration host.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(TargetError::Empty);
        }
        let (text, mut note) = match host_of_url(input) {
            Some(pasted) => pasted,
            None => (input.to_owned(), None),
        };
        let domain = match text.split_once('@') {
            Some((user, domain))
                if !user.is_empty() && !domain.is_empty() && !domain.contains('@') =>
            {
                domain
            }
            Some(_) => return Err(TargetError::BadUpn(input.to_owned())),
            None => text.as_str(),
        };
        let mut suffix = normalize_domain(domain).map_err(|reason| TargetError::InvalidDomain {
            input: domain.to_owned(),
            reason,
        })?;
        // The full registration host, as event 102 and dsregcmd print it: Windows prefixes the
        // suffix itself, so diagnosing the host as a suffix would look up the prefix twice.
        if let Some(rest) = suffix
            .strip_prefix(REGISTRATION_PREFIX)
            .filter(|rest| rest.contains('.'))
        {
            note = Some(format!(
                "{domain} is the name Windows resolves for the UPN suffix {rest}: diagnosing {rest}"
            ));
            suffix = rest.to_owned();
        }
        Ok(Self {
            input: input.to_owned(),
            suffix,
            note,
        })
    }

    /// How the input was read, when it was not a plain UPN or domain (a URL, the full registration
    /// host): one sentence saying what was taken from it, for tools to show the user.
    #[must_use]
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// What the user typed.
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The UPN suffix: lowercase ASCII, no trailing dot.
    #[must_use]
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// `enterpriseregistration.<suffix>`, the name Windows resolves and expects on the certificate.
    #[must_use]
    pub fn registration_name(&self) -> String {
        format!("enterpriseregistration.{}", self.suffix)
    }
}

/// The label Windows puts before the UPN suffix.
const REGISTRATION_PREFIX: &str = "enterpriseregistration.";

/// The host of a pasted `http(s)://` URL (user info and port dropped), with a note saying so; for
/// Microsoft's discovery URL (`https://enterpriseregistration.windows.net/<domain>/…`) the domain in
/// its path. `None` when `input` is not a URL.
fn host_of_url(input: &str) -> Option<(String, Option<String>)> {
    let (scheme, rest) = input.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host_port, |(h, _)| h);
    let first_segment = rest[end..]
        .strip_prefix('/')
        .and_then(|path| path.split(['/', '?', '#']).next())
        .filter(|segment| segment.contains('.'));
    if let Some(domain) =
        first_segment.filter(|_| host.eq_ignore_ascii_case("enterpriseregistration.windows.net"))
    {
        return Some((
            domain.to_owned(),
            Some(format!(
                "took the domain {domain} from Microsoft Entra ID's discovery URL {input}"
            )),
        ));
    }
    Some((
        host.to_owned(),
        Some(format!("took the host {host} from the URL {input}")),
    ))
}

/// Lowercase ASCII form of a domain, checked against the DNS name rules.
fn normalize_domain(domain: &str) -> Result<String, String> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let ascii = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(domain)
            .map_err(|_| "it is not a valid international domain name".to_owned())?
    };
    if ascii.len() > 253 - "enterpriseregistration.".len() {
        return Err("it is too long to prefix with enterpriseregistration.".to_owned());
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err("a UPN suffix has at least two labels (contoso.com)".to_owned());
    }
    for label in labels {
        if label.is_empty() {
            return Err("it has an empty label".to_owned());
        }
        if label.len() > 63 {
            return Err(format!("the label {label:?} is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(format!(
                "the label {label:?} has characters DNS names cannot hold"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the label {label:?} starts or ends with a hyphen"));
        }
    }
    Ok(ascii)
}

impl FromStr for Target {
    type Err = TargetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Target {
    type Error = TargetError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Target> for String {
    fn from(t: Target) -> Self {
        t.input
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.suffix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upn_and_domain_forms() {
        assert_eq!(
            Target::parse("contoso.com").unwrap().suffix(),
            "contoso.com"
        );
        assert_eq!(
            Target::parse(" CONTOSO.com. ").unwrap().suffix(),
            "contoso.com"
        );
        assert_eq!(
            Target::parse("a.b@fabrikam.co.uk").unwrap().suffix(),
            "fabrikam.co.uk"
        );
    }

    #[test]
    fn what_admins_paste() {
        let cases = [
            (
                "https://contoso.com",
                "contoso.com",
                "took the host contoso.com",
            ),
            ("https://contoso.com/", "contoso.com", "took the host"),
            (
                "https://EnterpriseRegistration.contoso.com:443/EnrollmentServer/contract?api-version=1.0",
                "contoso.com",
                "the name Windows resolves for the UPN suffix contoso.com",
            ),
            (
                "enterpriseregistration.contoso.com",
                "contoso.com",
                "the name Windows resolves",
            ),
            (
                "EnterpriseRegistration.Fabrikam.co.uk.",
                "fabrikam.co.uk",
                "the name Windows resolves",
            ),
            (
                "https://enterpriseregistration.windows.net/contoso.com/enrollmentserver/contract?api-version=1.0",
                "contoso.com",
                "Microsoft Entra ID's discovery URL",
            ),
            (
                "http://user:pw@contoso.com:8080/x",
                "contoso.com",
                "took the host",
            ),
        ];
        for (input, suffix, note) in cases {
            let t = Target::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(t.suffix(), suffix, "{input}");
            assert!(
                t.note().is_some_and(|n| n.contains(note)),
                "{input}: {:?}",
                t.note()
            );
        }
        // Plain forms carry no note; a domain that merely starts with the label keeps it when
        // too little would be left.
        assert_eq!(Target::parse("contoso.com").unwrap().note(), None);
        let short = Target::parse("enterpriseregistration.example").unwrap();
        assert_eq!(short.suffix(), "enterpriseregistration.example");
        assert_eq!(short.note(), None);
        assert!(matches!(
            Target::parse("ftp://contoso.com"),
            Err(TargetError::InvalidDomain { .. })
        ));
    }

    #[test]
    fn bad_targets_are_typed_errors() {
        assert_eq!(Target::parse(""), Err(TargetError::Empty));
        assert!(matches!(
            Target::parse("@contoso.com"),
            Err(TargetError::BadUpn(_))
        ));
        assert!(matches!(
            Target::parse("a@b@c.com"),
            Err(TargetError::BadUpn(_))
        ));
        assert!(matches!(
            Target::parse("user@"),
            Err(TargetError::BadUpn(_))
        ));
        let long_label = format!("{}.com", "x".repeat(64));
        for bad in [
            "localhost",
            "a..com",
            "-a.com",
            "a_b.com",
            "a b.com",
            "a.com/x",
            &long_label,
        ] {
            assert!(
                matches!(Target::parse(bad), Err(TargetError::InvalidDomain { .. })),
                "{bad:?} accepted"
            );
        }
        let long = format!("{}.com", ["abcdefghij"; 22].join("."));
        assert!(matches!(
            Target::parse(&long),
            Err(TargetError::InvalidDomain { .. })
        ));
    }
}

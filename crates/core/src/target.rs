//! The thing being diagnosed: a UPN suffix, and the registration name derived from it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A UPN (`user@contoso.com`) or bare domain (`contoso.com`), reduced to its UPN suffix.
///
/// International names are converted to their ASCII (punycode) form, as DNS needs them.
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
/// # Ok::<(), wpj_core::TargetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Target {
    input: String,
    suffix: String,
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
    /// Reads a UPN or domain.
    pub fn parse(input: &str) -> Result<Self, TargetError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(TargetError::Empty);
        }
        let domain = match input.split_once('@') {
            Some((user, domain))
                if !user.is_empty() && !domain.is_empty() && !domain.contains('@') =>
            {
                domain
            }
            Some(_) => return Err(TargetError::BadUpn(input.to_owned())),
            None => input,
        };
        let suffix = normalize_domain(domain).map_err(|reason| TargetError::InvalidDomain {
            input: domain.to_owned(),
            reason,
        })?;
        Ok(Self {
            input: input.to_owned(),
            suffix,
        })
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

//! Reading failure codes in every form Windows, its logs and its admins write them.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::codes::Hresult;
use crate::failure::JoinFailure;

/// A code as written in a log or by a user: one failure, or an outer code with the inner code it
/// carries (`dsregcmd /status` prints `0x801c0021/0x80072ee7`).
///
/// Accepted forms, case-insensitive, surrounding whitespace ignored:
///
/// | form | example |
/// |---|---|
/// | HRESULT in hex, with or without `0x` | `0x80072F8A`, `80072f8a` |
/// | signed decimal, as event logs print it | `-2147012726` |
/// | unsigned decimal | `2147954570` |
/// | WinHTTP decimal (12000–12999) or its hex | `12170`, `0x2F8A` |
/// | HTTP status of event 103 | `404`, `HTTP 503` |
/// | stable code | `cert-revoked` |
/// | Windows header name | `ERROR_WINHTTP_SECURE_CERT_REVOKED`, `SECURE_CERT_REVOKED`, `E_FAIL`, `MENROLL_E_DEVICECAPREACHED` |
/// | outer/inner pair | `0x801c0021/0x80072ee7` |
///
/// ```
/// use wpj_core::{CodeRef, JoinFailure};
///
/// let pair: CodeRef = "0x801c0021/0x80072ee7".parse()?;
/// assert_eq!(pair.outer, JoinFailure::DsregDiscoveryFailed);
/// assert_eq!(pair.inner, Some(JoinFailure::NameNotResolved));
/// assert_eq!(pair.root_cause(), JoinFailure::NameNotResolved);
///
/// let err = "0x80070005".parse::<CodeRef>().unwrap_err();
/// assert!(err.to_string().contains("0x80070005"));
/// # Ok::<(), wpj_core::ParseCodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CodeRef {
    /// The code as reported (the outer code of a pair).
    pub outer: JoinFailure,
    /// The code it carries, when the input was a pair.
    pub inner: Option<JoinFailure>,
}

impl CodeRef {
    /// The most specific failure: the inner code when there is one.
    #[must_use]
    pub fn root_cause(&self) -> JoinFailure {
        self.inner.unwrap_or(self.outer)
    }
}

impl fmt::Display for CodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.outer.code())?;
        if let Some(inner) = self.inner {
            write!(f, "/{}", inner.code())?;
        }
        Ok(())
    }
}

/// Why a code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseCodeError {
    /// Nothing was given.
    #[error("no code given")]
    Empty,
    /// The input was understood as a number or name, but no failure in the catalogue has it.
    #[error("{input:?} is not a known Workplace Join code (read as {})", tried.join(", "))]
    Unknown {
        /// The input, trimmed.
        input: String,
        /// Every reading that was tried, e.g. `HRESULT 0x80070005`.
        tried: Vec<String>,
    },
    /// A pair like `0x801c0021/0x80072ee7` whose one half could not be read.
    #[error("in the pair {input:?}, the {half} code could not be read")]
    Pair {
        /// The whole pair.
        input: String,
        /// `outer` or `inner`.
        half: &'static str,
        /// Why that half failed.
        #[source]
        source: Box<ParseCodeError>,
    },
}

impl ParseCodeError {
    /// True when the input was well-formed but names no catalogued failure.
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        match self {
            Self::Unknown { .. } => true,
            Self::Pair { source, .. } => source.is_unknown(),
            Self::Empty => false,
        }
    }
}

impl FromStr for CodeRef {
    type Err = ParseCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        if let Some((outer, inner)) = split_pair(input) {
            let half = |half: &'static str, text: &str| {
                parse_single(text).map_err(|source| ParseCodeError::Pair {
                    input: input.to_owned(),
                    half,
                    source: Box::new(source),
                })
            };
            return Ok(Self {
                outer: half("outer", outer)?,
                inner: Some(half("inner", inner)?),
            });
        }
        parse_single(input).map(|outer| Self { outer, inner: None })
    }
}

impl FromStr for JoinFailure {
    type Err = ParseCodeError;

    /// Reads one code in any single form [`CodeRef`] accepts; for a pair, the inner (root) code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<CodeRef>().map(|c| c.root_cause())
    }
}

/// `a/b` where neither half is an `HTTP` prefix.
fn split_pair(input: &str) -> Option<(&str, &str)> {
    let (outer, inner) = input.split_once('/')?;
    let (outer, inner) = (outer.trim(), inner.trim());
    (!outer.is_empty() && !inner.is_empty() && !outer.eq_ignore_ascii_case("http"))
        .then_some((outer, inner))
}

fn parse_single(input: &str) -> Result<JoinFailure, ParseCodeError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(ParseCodeError::Empty);
    }
    let readings = readings(input);
    readings
        .iter()
        .find_map(Reading::lookup)
        .ok_or_else(|| ParseCodeError::Unknown {
            input: input.to_owned(),
            tried: readings.iter().map(ToString::to_string).collect(),
        })
}

/// One way of reading the input.
enum Reading {
    Hresult(Hresult),
    Win32(u32),
    Http(u16),
    Name(String),
}

impl Reading {
    fn lookup(&self) -> Option<JoinFailure> {
        match self {
            Self::Hresult(h) => JoinFailure::from_hresult(*h),
            Self::Win32(n) => JoinFailure::from_hresult(Hresult::from_win32(*n)),
            Self::Http(status) => JoinFailure::from_http_status(*status),
            Self::Name(name) => {
                JoinFailure::from_code(name).or_else(|| JoinFailure::from_symbol(name))
            }
        }
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hresult(h) => write!(f, "HRESULT {h}"),
            Self::Win32(n) => {
                let kind = if (12_000..13_000).contains(n) {
                    "WinHTTP"
                } else {
                    "Win32"
                };
                write!(f, "{kind} error {n} (HRESULT {})", Hresult::from_win32(*n))
            }
            Self::Http(s) => write!(f, "HTTP status {s}"),
            Self::Name(n) => write!(f, "code or symbol name {n:?}"),
        }
    }
}

/// Every plausible reading of a single code, most specific first.
fn readings(input: &str) -> Vec<Reading> {
    let lower = input.to_ascii_lowercase();
    let mut out = Vec::new();

    if let Some(rest) = lower.strip_prefix("http")
        && let Ok(status) = rest.trim_start_matches([' ', '/', ':', '-']).parse::<u16>()
    {
        return vec![Reading::Http(status)];
    }
    if let Some(hex) = lower.strip_prefix("0x")
        && let Ok(n) = u32::from_str_radix(hex, 16)
    {
        return vec![if n <= 0xFFFF {
            Reading::Win32(n)
        } else {
            Reading::Hresult(Hresult(n))
        }];
    }
    if let Some(digits) = lower.strip_prefix('-')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = lower.parse::<i32>()
    {
        #[allow(clippy::cast_sign_loss)] // same bits, as Windows logs them
        return vec![Reading::Hresult(Hresult(n as u32))];
    }
    if lower.len() == 8
        && lower.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(n) = u32::from_str_radix(&lower, 16)
    {
        out.push(Reading::Hresult(Hresult(n)));
    }
    if lower.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = lower.parse::<u64>()
    {
        match n {
            100..=599 => out.push(Reading::Http(u16::try_from(n).unwrap_or(0))),
            12_000..=12_999 => out.push(Reading::Win32(u32::try_from(n).unwrap_or(0))),
            0x8000_0000..=0xFFFF_FFFF => {
                out.push(Reading::Hresult(Hresult(u32::try_from(n).unwrap_or(0))));
            }
            _ => {}
        }
    }
    if out.is_empty() || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        out.push(Reading::Name(input.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> JoinFailure {
        s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn every_form_of_the_revoked_code() {
        for s in [
            "0x80072F8A",
            "0x80072f8a",
            "80072F8A",
            "80072f8a",
            " 0X80072F8A ",
            "-2147012726",
            "2147954570",
            "12170",
            "0x2F8A",
            "cert-revoked",
            "CERT-REVOKED",
            "ERROR_WINHTTP_SECURE_CERT_REVOKED",
            "secure_cert_revoked",
        ] {
            assert_eq!(one(s), JoinFailure::CertRevoked, "{s:?}");
        }
    }

    #[test]
    fn every_hresult_in_the_catalogue_round_trips_in_all_numeric_forms() {
        for f in JoinFailure::ALL {
            let Some(h) = f.hresult() else { continue };
            assert_eq!(one(&h.to_string()), *f);
            assert_eq!(one(&format!("{:08x}", h.0)), *f);
            assert_eq!(one(&h.as_signed().to_string()), *f);
            assert_eq!(one(&h.0.to_string()), *f);
            assert_eq!(one(f.code()), *f);
            if let Some(n) = f.win32_code() {
                assert_eq!(one(&format!("{n:#x}")), *f);
                if (12_000..=12_999).contains(&n) {
                    assert_eq!(one(&n.to_string()), *f);
                }
            }
        }
    }

    #[test]
    fn the_mdm_and_registration_families_read_in_every_form() {
        for s in [
            "0x80180013",
            "80180013",
            "-2145910765",
            "2149056531",
            "MENROLL_E_DEVICECAPREACHED",
            "menroll-device-cap-reached",
        ] {
            assert_eq!(one(s), JoinFailure::MenrollDeviceCapReached, "{s:?}");
        }
        assert_eq!(one("0x8019000E"), JoinFailure::MregisterDiscoveryFailed);
        assert_eq!(
            one("MREGISTER_E_DEVICE_CERTIFCATEREQUEST_ERROR"),
            JoinFailure::MregisterCertificateRequestError
        );
        assert_eq!(one("0x801c000e"), JoinFailure::DsregQuotaExceeded);
        assert_eq!(
            one("dsreg_e_device_registration_quota_excceeded"),
            JoinFailure::DsregQuotaExceeded
        );
        assert_eq!(one("0x8018000E"), JoinFailure::MenrollPasswordNeeded);
        // No HRESULT: only the stable code names them.
        assert_eq!(one("device-cap-reached"), JoinFailure::DeviceCapReached);
        assert_eq!(one("insecure-redirect"), JoinFailure::InsecureRedirect);
        let pair: CodeRef = "0x801c000c/0x80072f8a".parse().unwrap();
        assert_eq!(pair.outer, JoinFailure::DsregDiscoveryError);
        assert_eq!(pair.root_cause(), JoinFailure::CertRevoked);
    }

    #[test]
    fn http_statuses() {
        assert_eq!(one("404"), JoinFailure::ContractNotFound);
        assert_eq!(one("HTTP 503"), JoinFailure::ServiceUnavailable);
        assert_eq!(one("http/404"), JoinFailure::ContractNotFound);
        assert_eq!(one("500"), JoinFailure::HttpError);
        let err = "200".parse::<JoinFailure>().unwrap_err();
        assert!(err.to_string().contains("HTTP status 200"), "{err}");
    }

    #[test]
    fn dsregcmd_pairs() {
        let pair: CodeRef = "0x801c0021/0x80072ee7".parse().unwrap();
        assert_eq!(pair.outer, JoinFailure::DsregDiscoveryFailed);
        assert_eq!(pair.inner, Some(JoinFailure::NameNotResolved));
        assert_eq!(pair.to_string(), "dsreg-discovery-failed/name-not-resolved");
        let pair: CodeRef = " 0x801c0021 / 0x80072f8a ".parse().unwrap();
        assert_eq!(pair.root_cause(), JoinFailure::CertRevoked);
        assert_eq!(one("0x801c0021/0x80072f19"), JoinFailure::RevocationOffline);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert_eq!("".parse::<CodeRef>(), Err(ParseCodeError::Empty));
        assert_eq!("   ".parse::<CodeRef>(), Err(ParseCodeError::Empty));

        let err = "0x80070005".parse::<CodeRef>().unwrap_err();
        assert!(err.is_unknown());
        assert_eq!(
            err.to_string(),
            "\"0x80070005\" is not a known Workplace Join code (read as HRESULT 0x80070005)"
        );

        let err = "banana".parse::<CodeRef>().unwrap_err();
        assert!(
            err.to_string().contains("code or symbol name \"banana\""),
            "{err}"
        );

        let err = "12999".parse::<CodeRef>().unwrap_err();
        assert!(err.to_string().contains("WinHTTP error 12999"), "{err}");

        let err = "0x801c0021/0xdeadbeef".parse::<CodeRef>().unwrap_err();
        assert!(
            matches!(err, ParseCodeError::Pair { half: "inner", .. }),
            "{err:?}"
        );
        assert!(err.is_unknown());

        for junk in [
            "0x",
            "0xZZ",
            "-",
            "-99999999999999",
            "99999999999999999999999",
            "/",
            "a/",
            "💥",
            "0x1_0000_0000",
        ] {
            let e = junk.parse::<CodeRef>();
            assert!(e.is_err(), "{junk:?} parsed as {e:?}");
        }
    }
}

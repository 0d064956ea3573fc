//! Recognising codes, statuses and URLs in event fields, whatever the fields are called (names and
//! messages are localized; values are not).

use wpj_core::{CodeRef, JoinFailure};

/// A code found in a value: as written, and what it means.
pub(crate) fn code_in(value: &str) -> Option<(String, CodeRef)> {
    let v = value.trim();
    // Pairs as dsregcmd prints them, possibly inside brackets: FAIL [0x801c0021/0x80072ee7].
    if let Some(inside) = v.split('[').nth(1).and_then(|s| s.split(']').next())
        && let Ok(code) = inside.parse::<CodeRef>()
    {
        return Some((inside.trim().to_owned(), code));
    }
    let looks_like_code = v.starts_with("0x")
        || v.starts_with("0X")
        || (v.starts_with('-') && v.len() > 6)
        || (v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()) && v.starts_with('8'));
    if !looks_like_code {
        return None;
    }
    let code: CodeRef = v.parse().ok()?;
    Some((v.to_owned(), code))
}

/// A URL in a value.
pub(crate) fn url_in(value: &str) -> Option<String> {
    value
        .split_whitespace()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ')']).to_owned())
}

/// An HTTP error status in a field named like one, or a message like "HTTP status 404".
pub(crate) fn http_status_in(name: &str, value: &str) -> Option<u16> {
    let lower_name = name.to_ascii_lowercase();
    let v = value.trim();
    if (lower_name.contains("status") || lower_name.contains("http"))
        && let Ok(n) = v.parse::<u16>()
    {
        return (400..600).contains(&n).then_some(n);
    }
    let lower = v.to_ascii_lowercase();
    let idx = lower
        .find("http status")
        .or_else(|| lower.find("status code"))?;
    lower[idx..]
        .split(|c: char| !c.is_ascii_digit())
        .find_map(|d| d.parse::<u16>().ok())
        .filter(|n| (400..600).contains(n))
}

/// The failure a code or an HTTP status means.
pub(crate) fn failure_of(
    code: Option<&CodeRef>,
    http: Option<u16>,
) -> (Option<JoinFailure>, Option<JoinFailure>) {
    match (code, http) {
        (Some(c), _) => (Some(c.outer), c.inner),
        (None, Some(status)) => (JoinFailure::from_http_status(status), None),
        (None, None) => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_values() {
        assert_eq!(
            code_in("0x80072EE7").unwrap().1.outer,
            JoinFailure::NameNotResolved
        );
        assert_eq!(
            code_in("-2147012889").unwrap().1.outer,
            JoinFailure::NameNotResolved
        );
        let (text, pair) = code_in("FAIL [0x801c0021/0x80072f8a]").unwrap();
        assert_eq!(text, "0x801c0021/0x80072f8a");
        assert_eq!(pair.inner, Some(JoinFailure::CertRevoked));
        assert!(code_in("12").is_none(), "small numbers are not codes");
        assert!(code_in("hello").is_none());
        assert!(
            code_in("0x80070005").is_none(),
            "unknown codes are not made up"
        );
    }

    #[test]
    fn statuses_and_urls() {
        assert_eq!(http_status_in("HttpStatus", "404"), Some(404));
        assert_eq!(
            http_status_in("ServerResponse", "The HTTP status 503 was returned"),
            Some(503)
        );
        assert_eq!(http_status_in("Count", "404"), None);
        assert_eq!(
            url_in("Request to https://enterpriseregistration.contoso.com/EnrollmentServer/contract?api-version=1.0 failed."),
            Some("https://enterpriseregistration.contoso.com/EnrollmentServer/contract?api-version=1.0".into())
        );
    }
}

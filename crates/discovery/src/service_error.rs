//! What a registration service says when it refuses a request: its JSON error (the code and
//! message `dsregcmd /status` shows as `Server ErrorCode` and `Server Message`) and its
//! `Retry-After`, when it throttles.

use std::fmt;

use crate::clock::parse_http_date;

/// The longest error code or message kept (a server controls them).
const KEPT_CHARS: usize = 200;

/// A service's JSON error answer: `{"ErrorCode": …, "Message": …}` as Microsoft's device
/// registration service writes it, or `{"error": {"code": …, "message": …}}` /
/// `{"code": …, "message": …}` as other Microsoft services do. Member names are matched without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The error code (dsregcmd: `Server ErrorCode`).
    pub code: String,
    /// The message (dsregcmd: `Server Message`), if any.
    pub message: Option<String>,
}

impl ServiceError {
    /// The error `body` carries, if it is a JSON error answer with a code.
    #[must_use]
    pub fn parse(body: &[u8]) -> Option<Self> {
        let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
        let object = doc.as_object()?;
        let member = |o: &serde_json::Map<String, serde_json::Value>, names: &[&str]| {
            o.iter()
                .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
                .and_then(|(_, v)| v.as_str())
                .map(kept)
        };
        let inner = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("error"))
            .and_then(|(_, v)| v.as_object())
            .unwrap_or(object);
        let code = member(inner, &["ErrorCode", "code"])?;
        let message = member(inner, &["Message", "error_description"]);
        Some(Self { code, message })
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service's error code is {:?}", self.code)?;
        if let Some(message) = &self.message {
            write!(f, " ({message:?})")?;
        }
        Ok(())
    }
}

/// The text of a server's member, control characters dropped, at most [`KEPT_CHARS`] characters.
fn kept(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(KEPT_CHARS)
        .collect()
}

/// When a throttled service asks to be asked again: its `Retry-After` header, in seconds
/// (`Retry-After: 120`) or as an HTTP date; `None` when the header is unusable.
#[must_use]
pub fn retry_after(value: &str, now: time::OffsetDateTime) -> Option<std::time::Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(std::time::Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(std::time::Duration::try_from(at - now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_in_every_form_microsoft_writes() {
        let drs = ServiceError::parse(br#"{"ErrorCode":"TooManyRequests","Message":"slow down"}"#);
        assert_eq!(
            drs,
            Some(ServiceError {
                code: "TooManyRequests".to_owned(),
                message: Some("slow down".to_owned())
            })
        );
        let nested = ServiceError::parse(br#"{"error":{"code":"invalid_request"}}"#).unwrap();
        assert_eq!(nested.code, "invalid_request");
        assert_eq!(nested.message, None);
        assert_eq!(
            ServiceError::parse(b"{\"errorcode\":\"A\\u001b[31mB\"}")
                .unwrap()
                .code,
            "A[31mB"
        );
        for not_one in [
            &b"<html>busy</html>"[..],
            b"{}",
            b"[1]",
            b"{\"ErrorCode\":3}",
        ] {
            assert_eq!(ServiceError::parse(not_one), None);
        }
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = time::macros::datetime!(2026-11-26 02:00:00 UTC);
        assert_eq!(
            retry_after(" 120 ", now),
            Some(std::time::Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Thu, 26 Nov 2026 02:01:30 GMT", now),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Thu, 26 Nov 2026 01:00:00 GMT", now),
            Some(std::time::Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }
}

//! How far this machine's clock is from the servers it asked, from their `Date` headers.

use time::{Duration, OffsetDateTime, PrimitiveDateTime, format_description::BorrowedFormatItem};
use wpj_core::HttpExchange;

/// Past this, tokens are refused: Microsoft Entra ID and AD FS accept five minutes of clock skew.
pub const CLOCK_SKEW_TOLERANCE: Duration = Duration::minutes(5);

/// RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
const HTTP_DATE: &[BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// An HTTP `Date` header value, if it is a well-formed IMF-fixdate.
#[must_use]
pub fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(value.trim(), HTTP_DATE)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// The largest difference between a server's clock and `now` among `exchanges` (positive: the
/// server is ahead), with the URL that showed it.
pub(crate) fn skew<'a>(
    exchanges: impl IntoIterator<Item = &'a HttpExchange>,
    now: OffsetDateTime,
) -> Option<(Duration, &'a str)> {
    exchanges
        .into_iter()
        .filter_map(|e| {
            let date = e
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("date"))
                .and_then(|(_, v)| parse_http_date(v))?;
            Some((date - now, e.url.as_str()))
        })
        .max_by_key(|(d, _)| d.abs())
}

/// `20 min 3 s ahead of`, `4 s behind`; `in step with` inside the header's one-second resolution.
pub(crate) fn describe(skew: Duration) -> String {
    let secs = skew.whole_seconds().unsigned_abs();
    if secs < 2 {
        return "in step with".to_owned();
    }
    let amount = if secs >= 60 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{secs} s")
    };
    // The server's clock minus ours: positive means ours is behind.
    let side = if skew.is_negative() {
        "ahead of"
    } else {
        "behind"
    };
    format!("{amount} {side}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let d = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(d.unix_timestamp(), 784_111_777);
        assert!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").is_none());
        assert!(parse_http_date("").is_none());
        assert_eq!(describe(Duration::seconds(-1203)), "20 min 3 s ahead of");
        assert_eq!(describe(Duration::seconds(4)), "4 s behind");
        assert_eq!(describe(Duration::milliseconds(-900)), "in step with");
    }
}

//! Reading a CRL's header (`thisUpdate`, `nextUpdate`) without touching its entries, so a CRL of a
//! million entries costs no more than one of ten.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::der::{GENERALIZED_TIME, INTEGER, SEQUENCE, UTC_TIME, element};

/// The validity window a CRL states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlTimes {
    /// When it was issued.
    pub this_update: OffsetDateTime,
    /// When the next one is due (a cached copy is used until then).
    pub next_update: Option<OffsetDateTime>,
}

/// `thisUpdate` and `nextUpdate` of a DER CRL; `None` when it is not one.
#[must_use]
pub fn crl_times(der: &[u8]) -> Option<CrlTimes> {
    let (tag, list, _) = element(der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, tbs, _) = element(list)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    if tag == INTEGER {
        rest = after; // version
    }
    let (tag, _, after) = element(rest)?; // signature algorithm
    if tag != SEQUENCE {
        return None;
    }
    let (tag, _, after) = element(after)?; // issuer
    if tag != SEQUENCE {
        return None;
    }
    let (tag, this, after) = element(after)?;
    let this_update = der_time(tag, this)?;
    let next_update = element(after).and_then(|(tag, next, _)| der_time(tag, next));
    Some(CrlTimes {
        this_update,
        next_update,
    })
}

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// `UTCTime` (`YYMMDDHHMMSSZ`) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`).
fn der_time(tag: u8, value: &[u8]) -> Option<OffsetDateTime> {
    let (year, rest) = match tag {
        UTC_TIME if value.len() == 13 => {
            let yy = digits(&value[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &value[2..])
        }
        GENERALIZED_TIME if value.len() == 15 => (digits(&value[..4])?, &value[4..]),
        _ => return None,
    };
    if rest.last() != Some(&b'Z') {
        return None;
    }
    let field = |i: usize| digits(&rest[i..i + 2]).and_then(|v| u8::try_from(v).ok());
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(field(0)?).ok()?,
        field(2)?,
    )
    .ok()?;
    let time = Time::from_hms(field(4)?, field(6)?, field(8)?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(
            der_time(UTC_TIME, b"261125093000Z").unwrap().to_string(),
            "2026-11-25 9:30:00.0 +00:00:00"
        );
        assert_eq!(
            der_time(GENERALIZED_TIME, b"20500101000000Z")
                .unwrap()
                .year(),
            2050
        );
        assert!(der_time(UTC_TIME, b"26112509300Z").is_none());
        assert!(der_time(UTC_TIME, b"261325093000Z").is_none());
    }

    #[test]
    fn garbage_is_not_a_crl() {
        assert!(crl_times(b"").is_none());
        assert!(crl_times(b"<html>").is_none());
        assert!(crl_times(&[0x30, 0x82, 0xFF]).is_none());
        assert!(crl_times(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_none());
    }
}

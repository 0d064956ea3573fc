//! The one sanitiser of text a server or a file wrote, for people's terminals.
//!
//! Strings from the network or a file (a contract body excerpt, a certificate subject, a CRL URL, an
//! event's message) can hold control characters: an escape sequence that clears the screen or
//! retitles the terminal, a carriage return or newline that draws a fake "healthy" line over the
//! verdict, a bidirectional override that reorders what is read. Text output shows every such
//! character escaped (`\u{1b}`); JSON keeps the string as it is, escaped by JSON's own rules.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls (newline and tab included),
/// DEL, and the Unicode bidirectional formatting characters.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Shows a value with every character [`is_unsafe`] escaped as `\u{…}`: use it for every piece of
/// text output that comes from a server or a file. It streams (no copy of the value is made).
///
/// ```
/// use wpj_core::Clean;
/// let hostile = "ok\x1b[2J\r\n[PASS] healthy";
/// assert_eq!(Clean(hostile).to_string(), r"ok\u{1b}[2J\u{d}\u{a}[PASS] healthy");
/// assert_eq!(Clean("Contoso Issuing CA — 2026").to_string(), "Contoso Issuing CA — 2026");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Clean<T>(pub T);

impl<T: fmt::Display> fmt::Display for Clean<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(Escaping(f), "{}", self.0)
    }
}

/// A writer that escapes what [`is_unsafe`] names on its way through.
struct Escaping<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| is_unsafe(*c)) {
            self.0.write_str(&rest[..at])?;
            write!(self.0, "\\u{{{:x}}}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

/// `text` with every character [`is_unsafe`] escaped; borrowed when there is none.
///
/// ```
/// assert_eq!(wpj_core::sanitize("a\x07b"), r"a\u{7}b");
/// assert!(matches!(wpj_core::sanitize("plain"), std::borrow::Cow::Borrowed(_)));
/// ```
#[must_use]
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(Clean(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_and_bidi_character_is_escaped_and_nothing_else() {
        let hostile = "\x1b]0;pwned\x07\u{9b}2J\u{202E}gpj.exe\u{7f}\t";
        let shown = sanitize(hostile);
        assert!(!shown.chars().any(is_unsafe), "{shown}");
        assert_eq!(
            shown,
            r"\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}gpj.exe\u{7f}\u{9}"
        );
        for fine in ["enterpriseregistration.contoso.com", "Zürich — 東京 ✔", ""] {
            assert!(matches!(sanitize(fine), Cow::Borrowed(s) if s == fine));
        }
    }
}

//! The few DER steps that cut a structure into its parts without decoding what is not looked at:
//! a CRL (the signed bytes, the algorithm, the signature, the entries — each part then decoded
//! with x509-parser, the entries only on lookup) and a PKCS#7 certs-only bundle (its
//! certificates, each then parsed as a certificate).

/// `SEQUENCE`.
pub(crate) const SEQUENCE: u8 = 0x30;
/// `INTEGER`.
pub(crate) const INTEGER: u8 = 0x02;
/// `BIT STRING`.
pub(crate) const BIT_STRING: u8 = 0x03;
/// `UTCTime`.
pub(crate) const UTC_TIME: u8 = 0x17;
/// `GeneralizedTime`.
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
/// `[0]` constructed, context-specific (the CRL's extensions).
pub(crate) const CONTEXT_0: u8 = 0xA0;

/// One DER element: (tag, content, rest). `None` when `input` does not start with a whole element
/// (definite lengths of at most four length bytes).
pub(crate) fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    tlv(input).map(|t| (t.tag, t.content, t.rest))
}

/// One DER element with its encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The tag byte.
    pub(crate) tag: u8,
    /// The content octets.
    pub(crate) content: &'a [u8],
    /// The whole element, tag and length included.
    pub(crate) raw: &'a [u8],
    /// What follows it.
    pub(crate) rest: &'a [u8],
}

/// The element at the start of `input`.
pub(crate) fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_len) = after_tag.split_first()?;
    let (len, body) = if first < 0x80 {
        (usize::from(first), after_len)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 || after_len.len() < n {
            return None;
        }
        let len = after_len[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &after_len[n..])
    };
    if body.len() < len {
        return None;
    }
    let header = input.len() - body.len();
    Some(Tlv {
        tag,
        content: &body[..len],
        raw: &input[..header + len],
        rest: &body[len..],
    })
}

/// The elements of a constructed content, one after the other; stops at the first malformed one
/// (which [`Elements::malformed`] then reports).
#[derive(Debug, Clone)]
pub(crate) struct Elements<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> Elements<'a> {
    /// The elements of `content`.
    pub(crate) fn new(content: &'a [u8]) -> Self {
        Self {
            rest: content,
            malformed: false,
        }
    }

    /// Whether the walk stopped at bytes that are not an element.
    pub(crate) fn malformed(&self) -> bool {
        self.malformed
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Tlv<'a>;

    fn next(&mut self) -> Option<Tlv<'a>> {
        if self.rest.is_empty() || self.malformed {
            return None;
        }
        let Some(t) = tlv(self.rest) else {
            self.malformed = true;
            return None;
        };
        self.rest = t.rest;
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_lengths() {
        let t = tlv(&[0x04, 2, 1, 2, 9]).unwrap();
        assert_eq!(
            (t.tag, t.content, t.raw, t.rest),
            (4, &[1, 2][..], &[4, 2, 1, 2][..], &[9][..])
        );
        let mut long = vec![0x04, 0x82, 0x01, 0x2C];
        long.extend([0; 300]);
        assert_eq!(tlv(&long).unwrap().content.len(), 300);
        assert!(tlv(&[0x04, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(tlv(&[0x04, 3, 1]).is_none());
    }

    #[test]
    fn elements_stop_at_garbage() {
        let mut walk = Elements::new(&[0x02, 1, 5, 0x02, 9]);
        assert_eq!(walk.next().unwrap().content, [5]);
        assert!(walk.next().is_none());
        assert!(walk.malformed());
    }
}

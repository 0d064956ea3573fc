//! CRL forms rcgen does not make: version 1 (no version field, no extensions), delta CRLs
//! (`deltaCRLIndicator`, RFC 5280 §5.2.4) and `FreshestCRL` (§5.2.6). rcgen's CRL is re-encoded at
//! DER level — fields dropped or extensions added to its `tbsCertList` — and the new `tbsCertList` is
//! signed again with the CA's key, so the result is a correctly signed CRL of that CA.

use rcgen::SigningKey;

use rcgen::CrlScope;

use super::{Idp, der_tlv};

/// id-ce-deltaCRLIndicator, DER.
const DELTA_CRL_INDICATOR: [u8; 5] = [0x06, 0x03, 0x55, 0x1D, 0x1B];
/// id-ce-issuingDistributionPoint, DER.
const ISSUING_DISTRIBUTION_POINT: [u8; 5] = [0x06, 0x03, 0x55, 0x1D, 0x1C];
/// id-ce-freshestCRL, DER.
const FRESHEST_CRL: [u8; 5] = [0x06, 0x03, 0x55, 0x1D, 0x2E];
/// id-ce-freshestCRL's arcs, for a certificate's custom extension.
pub(super) const FRESHEST_CRL_ARCS: [u64; 4] = [2, 5, 29, 46];

/// How rcgen's CRL is changed.
#[derive(Debug, Clone, Default)]
pub(super) struct Reshape {
    /// Drop the version field and every extension (CRL and entries must have none).
    pub(super) version1: bool,
    /// Extensions (each a whole `Extension` DER) added to `crlExtensions`.
    pub(super) extensions: Vec<Vec<u8>>,
}

/// The header size and content length of the element `der` starts with.
fn header(der: &[u8]) -> Option<(usize, usize)> {
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((2, usize::from(first)));
    }
    let n = usize::from(first & 0x7F);
    let bytes = der.get(2..2 + n)?;
    Some((
        2 + n,
        bytes.iter().fold(0, |acc, b| (acc << 8) | usize::from(*b)),
    ))
}

/// The top-level elements of `content`, each whole (tag, length, content).
fn elements(mut content: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (head, len) = header(content)?;
        let end = head.checked_add(len)?;
        out.push(content.get(..end)?);
        content = &content[end..];
    }
    Some(out)
}

/// The content of the element `der` starts with.
fn content_of(der: &[u8]) -> Option<&[u8]> {
    let (head, len) = header(der)?;
    der.get(head..head.checked_add(len)?)
}

/// rcgen's own CRL always has the expected shape; this is what a surprise would be reported as.
const UNEXPECTED: rcgen::Error = rcgen::Error::CouldNotParseCertificate;

/// `crl` (a CRL rcgen made) changed as `how` says and signed again with `key`.
pub(super) fn reshape(
    crl: &[u8],
    how: &Reshape,
    key: &impl SigningKey,
) -> Result<Vec<u8>, rcgen::Error> {
    let list = content_of(crl).ok_or(UNEXPECTED)?;
    let parts = elements(list).ok_or(UNEXPECTED)?;
    let [tbs, algorithm, _signature] = parts.as_slice() else {
        return Err(UNEXPECTED);
    };
    let mut fields: Vec<Vec<u8>> = elements(content_of(tbs).ok_or(UNEXPECTED)?)
        .ok_or(UNEXPECTED)?
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    if how.version1 {
        fields.retain(|f| f[0] != 0x02 && f[0] != 0xA0);
    }
    if !how.extensions.is_empty() {
        let mut extensions: Vec<u8> = match fields.iter().position(|f| f[0] == 0xA0) {
            Some(i) => {
                let wrapper = fields.remove(i);
                let sequence = content_of(&wrapper).ok_or(UNEXPECTED)?;
                content_of(sequence).ok_or(UNEXPECTED)?.to_vec()
            }
            None => Vec::new(),
        };
        for extension in &how.extensions {
            extensions.extend_from_slice(extension);
        }
        fields.push(der_tlv(0xA0, &der_tlv(0x30, &extensions)));
    }
    let tbs = der_tlv(0x30, &fields.concat());
    let signature = key.sign(&tbs)?;
    let bits = [&[0u8][..], &signature].concat();
    Ok(der_tlv(
        0x30,
        &[tbs, algorithm.to_vec(), der_tlv(0x03, &bits)].concat(),
    ))
}

/// A non-negative INTEGER, DER.
fn integer(value: u64) -> Vec<u8> {
    let bytes: Vec<u8> = value
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let content = match bytes.first() {
        None => vec![0],
        Some(b) if b & 0x80 != 0 => [&[0u8][..], &bytes].concat(),
        Some(_) => bytes,
    };
    der_tlv(0x02, &content)
}

/// The `deltaCRLIndicator` extension (critical): this CRL updates complete CRL number `base`.
pub(super) fn delta_crl_indicator(base: u64) -> Vec<u8> {
    const CRITICAL: [u8; 3] = [0x01, 0x01, 0xFF];
    der_tlv(
        0x30,
        &[
            &DELTA_CRL_INDICATOR[..],
            &CRITICAL,
            &der_tlv(0x04, &integer(base)),
        ]
        .concat(),
    )
}

/// The `issuingDistributionPoint` extension (critical, RFC 5280 §5.2.5), with the fields rcgen
/// does not write: `onlySomeReasons` (keyCompromise) and `indirectCRL`.
pub(super) fn issuing_distribution_point(idp: &Idp) -> Vec<u8> {
    const TRUE: [u8; 1] = [0xFF];
    let mut fields = der_tlv(0xA0, &der_tlv(0xA0, &der_tlv(0x86, idp.url.as_bytes())));
    match idp.only {
        Some(CrlScope::UserCertsOnly) => fields.extend(der_tlv(0x81, &TRUE)),
        Some(CrlScope::CaCertsOnly) => fields.extend(der_tlv(0x82, &TRUE)),
        None => {}
    }
    if idp.key_compromise_only {
        // ReasonFlags with keyCompromise (bit 1) alone: 6 unused bits, 0b0100_0000.
        fields.extend(der_tlv(0x83, &[6, 0x40]));
    }
    if idp.indirect {
        fields.extend(der_tlv(0x84, &TRUE));
    }
    der_tlv(
        0x30,
        &[
            &ISSUING_DISTRIBUTION_POINT[..],
            &[0x01, 0x01, 0xFF],
            &der_tlv(0x04, &der_tlv(0x30, &fields)),
        ]
        .concat(),
    )
}

/// `CRLDistPointsSyntax` with one full-name distribution point per URL (the value of a
/// `FreshestCRL` extension).
pub(super) fn distribution_points(urls: &[String]) -> Vec<u8> {
    let points: Vec<u8> = urls
        .iter()
        .flat_map(|url| {
            // `DistributionPoint` { distributionPoint [0] { fullName [0] { [6] URI } } }
            der_tlv(
                0x30,
                &der_tlv(0xA0, &der_tlv(0xA0, &der_tlv(0x86, url.as_bytes()))),
            )
        })
        .collect();
    der_tlv(0x30, &points)
}

/// The `FreshestCRL` extension of a CRL (non-critical): where its delta CRLs are.
pub(super) fn freshest_crl(urls: &[String]) -> Vec<u8> {
    der_tlv(
        0x30,
        &[
            &FRESHEST_CRL[..],
            &der_tlv(0x04, &distribution_points(urls)),
        ]
        .concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(integer(0), [0x02, 1, 0]);
        assert_eq!(integer(5), [0x02, 1, 5]);
        assert_eq!(integer(0x80), [0x02, 2, 0, 0x80]);
        assert_eq!(integer(0x0102), [0x02, 2, 1, 2]);
    }

    #[test]
    fn elements_split_and_refuse_truncation() {
        assert_eq!(
            elements(&[0x02, 1, 5, 0x04, 0]).unwrap(),
            vec![&[0x02, 1, 5][..], &[0x04, 0][..]]
        );
        assert!(elements(&[0x02, 3, 5]).is_none());
        assert_eq!(content_of(&[0x30, 3, 0x02, 1, 5]).unwrap(), [0x02, 1, 5]);
    }
}

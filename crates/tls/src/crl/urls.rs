//! The URLs of a `CRLDistributionPoints`-shaped extension (the certificate's CDP and `FreshestCRL`,
//! the CRL's `FreshestCRL`), in the order they are listed.

use x509_parser::extensions::{CRLDistributionPoints, DistributionPointName, GeneralName};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::list::FRESHEST_CRL;

/// Every URI of every full-name distribution point, in order.
#[must_use]
pub(crate) fn distribution_point_urls(points: &CRLDistributionPoints<'_>) -> Vec<String> {
    let mut urls = Vec::new();
    for point in points.iter() {
        if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
            for name in names {
                if let GeneralName::URI(uri) = name {
                    urls.push((*uri).to_owned());
                }
            }
        }
    }
    urls
}

/// The URLs of the certificate's `FreshestCRL` extension (RFC 5280 §4.2.1.15), in order.
#[must_use]
pub(crate) fn certificate_freshest_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == FRESHEST_CRL)
        .filter_map(|e| CRLDistributionPoints::from_der(e.value).ok())
        .flat_map(|(_, points)| distribution_point_urls(&points))
        .collect()
}

/// Whether two URIs name the same thing: scheme and host compared without case, the rest exactly
/// (RFC 5280 §7.4).
#[must_use]
pub(crate) fn same_uri(a: &str, b: &str) -> bool {
    fn split(uri: &str) -> (String, &str) {
        match uri.find("://") {
            Some(i) => {
                let after = &uri[i + 3..];
                let end = after.find('/').map_or(uri.len(), |j| i + 3 + j);
                (uri[..end].to_ascii_lowercase(), &uri[end..])
            }
            None => (String::new(), uri),
        }
    }
    split(a) == split(b)
}

#[cfg(test)]
mod tests {
    use super::same_uri;

    #[test]
    fn scheme_and_host_without_case() {
        assert!(same_uri(
            "HTTP://PKI.contoso.test/a.crl",
            "http://pki.contoso.test/a.crl"
        ));
        assert!(!same_uri(
            "http://pki.contoso.test/A.crl",
            "http://pki.contoso.test/a.crl"
        ));
        assert!(!same_uri(
            "http://pki.contoso.test/a.crl",
            "http://pki.contoso.test/b.crl"
        ));
    }
}

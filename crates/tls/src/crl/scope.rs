//! Whether a CRL covers a certificate: its `issuingDistributionPoint` (RFC 5280 §5.2.5), as Crypt32's
//! CRL partitioning uses it ("Crypt32 certificate revocation list (CRL) semantics",
//! <https://learn.microsoft.com/windows/win32/seccrypto/certificate-revocation-list-semantics>).
//! A CRL that does not cover the certificate says nothing about it, listed or not.

use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;

use super::list::CrlList;
use super::urls::same_uri;

/// `Ok` when `crl` covers `cert` (whose CRL distribution points are `cert_cdps`), else why not.
///
/// Not covered: an IDP naming other distribution points than the certificate's; `onlyContainsUserCerts`
/// for a CA certificate; `onlyContainsCACerts` for an end entity; `onlyContainsAttributeCerts`;
/// `onlySomeReasons` (a partial list: this check does not combine several CRLs to cover every
/// reason); `indirectCRL` (entries for other issuers; `CryptoAPI`'s support for indirect CRLs is
/// unconfirmed, so none is believed); a distribution point named relative to the issuer.
pub(crate) fn covers(
    crl: &CrlList<'_>,
    cert: &X509Certificate<'_>,
    cert_cdps: &[String],
) -> Result<(), String> {
    let Some(ext) = crl.issuing_distribution_point() else {
        return Ok(());
    };
    let ParsedExtension::IssuingDistributionPoint(idp) = ext.parsed_extension() else {
        return Err("its issuing distribution point extension is unreadable".to_owned());
    };
    match &idp.distribution_point {
        None => {}
        Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
            return Err(
                "its issuing distribution point is named relative to the issuer, which no CDP URL matches"
                    .to_owned(),
            );
        }
        Some(DistributionPointName::FullName(names)) => {
            let idp_urls: Vec<&str> = names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::URI(uri) => Some(*uri),
                    _ => None,
                })
                .collect();
            if !idp_urls
                .iter()
                .any(|u| cert_cdps.iter().any(|c| same_uri(u, c)))
            {
                return Err(format!(
                    "it is the CRL of distribution point {}, which the certificate does not name",
                    idp_urls.join(", ")
                ));
            }
        }
    }
    let is_ca = cert.is_ca();
    if idp.only_contains_user_certs && is_ca {
        return Err(
            "it covers only end-entity certificates, and this is a CA certificate".to_owned(),
        );
    }
    if idp.only_contains_ca_certs && !is_ca {
        return Err(
            "it covers only CA certificates, and this is an end-entity certificate".to_owned(),
        );
    }
    if idp.only_contains_attribute_certs {
        return Err("it covers only attribute certificates".to_owned());
    }
    if idp.only_some_reasons.is_some() {
        return Err(
            "it covers only some revocation reasons (onlySomeReasons), not a complete answer"
                .to_owned(),
        );
    }
    if idp.indirect_crl {
        return Err("it is an indirect CRL, which is not used".to_owned());
    }
    Ok(())
}

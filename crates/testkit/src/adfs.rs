//! AD FS pieces: token-signing certificates and `FederationMetadata.xml`.

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use time::{Duration, OffsetDateTime};

use crate::pki::base64;

/// A self-signed certificate like the ones AD FS generates for token signing or encryption, valid
/// until `days_left` days from now (negative: already expired). Returns the DER.
pub fn token_certificate(
    purpose: &str,
    sts_host: &str,
    days_left: i64,
) -> Result<Vec<u8>, rcgen::Error> {
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    params.not_before = now - Duration::days(365);
    params.not_after = now + Duration::days(days_left);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, format!("ADFS {purpose} - {sts_host}"));
    params.distinguished_name = dn;
    let key = KeyPair::generate()?;
    Ok(params.self_signed(&key)?.der().to_vec())
}

/// `FederationMetadata.xml` naming the token-signing and token-decrypting certificates.
#[must_use]
pub fn federation_metadata(sts_host: &str, signing_der: &[u8], encryption_der: &[u8]) -> String {
    let key = |usage: &str, der: &[u8]| {
        format!(
            "<KeyDescriptor use=\"{usage}\"><KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\
             <X509Data><X509Certificate>{}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>",
            base64(der)
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <EntityDescriptor ID=\"_lab\" entityID=\"http://{sts_host}/adfs/services/trust\" \
         xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">\
         <RoleDescriptor xsi:type=\"fed:SecurityTokenServiceType\" \
         protocolSupportEnumeration=\"http://docs.oasis-open.org/wsfed/federation/200706\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:fed=\"http://docs.oasis-open.org/wsfed/federation/200706\">{}{}</RoleDescriptor>\
         <IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{}\
         <SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" \
         Location=\"https://{sts_host}/adfs/ls/\"/></IDPSSODescriptor></EntityDescriptor>",
        key("encryption", encryption_der),
        key("signing", signing_der),
        key("signing", signing_der),
    )
}

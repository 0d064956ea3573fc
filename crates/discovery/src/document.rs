//! Reading a discovery document (JSON or XML) and judging it against MS-DVRD.

use std::collections::BTreeSet;

use wpj_core::{DiscoveryDocument, ServiceKind, Target};

/// The XML namespace of the discovery document.
pub const XML_NAMESPACE: &str =
    "http://schemas.datacontract.org/2004/07/Microsoft.DeviceRegistration.Entities";

/// Members every version must have.
const REQUIRED_1_0: &[&str] = &[
    "DeviceRegistrationService.RegistrationEndpoint",
    "DeviceRegistrationService.RegistrationResourceId",
    "DeviceRegistrationService.ServiceVersion",
    "AuthenticationService.OAuth2.AuthCodeEndpoint",
    "AuthenticationService.OAuth2.TokenEndpoint",
    "IdentityProviderService.PassiveAuthEndpoint",
];

/// Members version 1.2 adds that devices need to join.
const REQUIRED_1_2: &[&str] = &[
    "DeviceJoinService.JoinEndpoint",
    "DeviceJoinService.JoinResourceId",
    "DeviceJoinService.ServiceVersion",
];

/// Hosts Microsoft Entra ID endpoints live under.
const ENTRA_DOMAINS: &[&str] = &[
    "windows.net",
    "microsoftonline.com",
    "microsoftonline.us",
    "chinacloudapi.cn",
    "microsoftonline.de",
    "microsoft.com",
];

/// What the body was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A discovery document.
    Document(DiscoveryDocument),
    /// Not one, and why.
    NotADocument(String),
}

/// Reads `body` by its content type (JSON, XML; HTML is recognised as a portal page).
pub(crate) fn parse(body: &[u8], content_type: Option<&str>, api_version: &str) -> Parsed {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let lower_start: String = trimmed
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    if ct.contains("html")
        || lower_start.starts_with("<!doctype html")
        || lower_start.starts_with("<html")
    {
        return Parsed::NotADocument("an HTML page, not a discovery document (a proxy, captive portal or another web site answered)".to_owned());
    }
    if trimmed.is_empty() {
        return Parsed::NotADocument("an empty body".to_owned());
    }
    let json_first = ct.contains("json") || (!ct.contains("xml") && trimmed.starts_with('{'));
    let result = if json_first {
        parse_json(trimmed).map(|m| ("json", m))
    } else {
        parse_xml(trimmed).map(|m| ("xml", m))
    };
    match result {
        Ok((format, members)) => Parsed::Document(DiscoveryDocument {
            api_version: api_version.to_owned(),
            format: format.to_owned(),
            members,
        }),
        Err(why) => Parsed::NotADocument(why),
    }
}

fn parse_json(text: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
    if !value.is_object() {
        return Err("JSON, but not an object".to_owned());
    }
    let mut out = Vec::new();
    flatten_json("", &value, &mut out);
    Ok(out)
}

fn flatten_json(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten_json(&join(k), v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_json(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn parse_xml(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("not valid XML ({e})"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "Discovery" || root.tag_name().namespace() != Some(XML_NAMESPACE) {
        return Err(format!(
            "XML, but its root is <{}> rather than <Discovery xmlns=\"{XML_NAMESPACE}\">",
            root.tag_name().name()
        ));
    }
    let mut out = Vec::new();
    flatten_xml("", root, &mut out);
    Ok(out)
}

fn flatten_xml(prefix: &str, node: roxmltree::Node<'_, '_>, out: &mut Vec<(String, String)>) {
    for child in node.children().filter(roxmltree::Node::is_element) {
        let name = child.tag_name().name();
        let path = if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        };
        let nil = child
            .attributes()
            .any(|a| a.name() == "nil" && a.value() == "true");
        if nil {
            out.push((path, "null".to_owned()));
        } else if child.children().any(|c| c.is_element()) {
            flatten_xml(&path, child, out);
        } else {
            out.push((path, child.text().unwrap_or("").trim().to_owned()));
        }
    }
}

/// What is wrong with a document: failures (it cannot be used) and warnings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Judgement {
    pub(crate) failures: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

/// Judges `doc` against MS-DVRD for its api-version.
pub(crate) fn judge(
    doc: &DiscoveryDocument,
    target: &Target,
    service: Option<ServiceKind>,
) -> Judgement {
    let mut j = Judgement::default();
    let mut required: Vec<&str> = REQUIRED_1_0.to_vec();
    // 1.2 and later (Entra ID's tenant discovery is 1.7) carry the Windows 10 members.
    if doc.api_version != "1.0" {
        required.extend(REQUIRED_1_2);
        if doc
            .get("KeyProvisioningService.KeyProvisionEndpoint")
            .is_none()
        {
            j.warnings.push(
                "no KeyProvisioningService: Windows Hello for Business key registration will not be offered"
                    .to_owned(),
            );
        }
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|m| doc.get(m).is_none_or(|v| v.is_empty() || v == "null"))
        .collect();
    if !missing.is_empty() {
        j.failures
            .push(format!("required members missing: {}", missing.join(", ")));
    }
    let mut hosts = BTreeSet::new();
    for (path, value) in &doc.members {
        if path.ends_with("Endpoint") && value != "null" {
            match wpj_net::Url::parse(value) {
                Ok(url) if url.scheme() == "https" && url.host_str().is_some() => {
                    hosts.insert(url.host_str().unwrap_or_default().to_ascii_lowercase());
                }
                Ok(url) => j
                    .failures
                    .push(format!("{path} is {}://, not https: {value}", url.scheme())),
                Err(_) => j
                    .failures
                    .push(format!("{path} is not an absolute URL: {value:?}")),
            }
        }
        if path.ends_with("ServiceVersion") && !sane_version(value) {
            j.warnings
                .push(format!("{path} is {value:?}, not a version like \"1.0\""));
        }
    }
    judge_hosts(&hosts, target, service, &mut j);
    j
}

fn sane_version(v: &str) -> bool {
    let mut parts = v.split('.');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn under(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn judge_hosts(
    hosts: &BTreeSet<String>,
    target: &Target,
    service: Option<ServiceKind>,
    j: &mut Judgement,
) {
    match service {
        Some(ServiceKind::Entra) => {
            let odd: Vec<&String> = hosts
                .iter()
                .filter(|h| !ENTRA_DOMAINS.iter().any(|d| under(h, d)))
                .collect();
            if !odd.is_empty() {
                j.warnings.push(format!(
                    "endpoints point at {} — not Microsoft Entra ID hosts, although DNS says Entra ID",
                    join(&odd)
                ));
            }
        }
        Some(ServiceKind::Adfs) | None => {
            if hosts.len() > 1 {
                j.warnings.push(format!(
                    "endpoints point at several hosts ({}); AD FS names one federation service",
                    join(&hosts.iter().collect::<Vec<_>>())
                ));
            }
            let outside: Vec<&String> = hosts
                .iter()
                .filter(|h| !under(h, target.suffix()))
                .collect();
            if service == Some(ServiceKind::Adfs) && !outside.is_empty() {
                j.warnings.push(format!(
                    "endpoints point at {}, outside {}: check that this is your federation service",
                    join(&outside),
                    target.suffix()
                ));
            }
        }
    }
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADFS: &str = r#"{"DeviceRegistrationService":{"RegistrationEndpoint":"https:\/\/sts.contoso.com\/EnrollmentServer\/DeviceEnrollmentWebService.svc","RegistrationResourceId":"urn:ms-drs:sts.contoso.com","ServiceVersion":"1.0"},"AuthenticationService":{"OAuth2":{"AuthCodeEndpoint":"https:\/\/sts.contoso.com\/adfs\/oauth2\/authorize","TokenEndpoint":"https:\/\/sts.contoso.com\/adfs\/oauth2\/token"}},"IdentityProviderService":{"PassiveAuthEndpoint":"https:\/\/sts.contoso.com\/adfs\/ls"}}"#;

    fn target() -> Target {
        Target::parse("contoso.com").unwrap()
    }

    fn doc(body: &str, ct: &str, version: &str) -> DiscoveryDocument {
        match parse(body.as_bytes(), Some(ct), version) {
            Parsed::Document(d) => d,
            Parsed::NotADocument(why) => panic!("{why}"),
        }
    }

    #[test]
    fn the_reference_example_is_valid() {
        let d = doc(ADFS, "application/json", "1.0");
        assert_eq!(
            d.get("DeviceRegistrationService.RegistrationEndpoint"),
            Some("https://sts.contoso.com/EnrollmentServer/DeviceEnrollmentWebService.svc")
        );
        assert_eq!(
            judge(&d, &target(), Some(ServiceKind::Adfs)),
            Judgement::default()
        );
        // The same document asked for as 1.2 lacks the join service.
        let j = judge(
            &doc(ADFS, "application/json", "1.2"),
            &target(),
            Some(ServiceKind::Adfs),
        );
        assert!(
            j.failures[0].contains("DeviceJoinService.JoinEndpoint"),
            "{j:?}"
        );
    }

    #[test]
    fn bad_documents() {
        let http = ADFS.replace(
            "https:\\/\\/sts.contoso.com\\/adfs\\/ls",
            "http:\\/\\/sts.contoso.com\\/adfs\\/ls",
        );
        let j = judge(&doc(&http, "application/json", "1.0"), &target(), None);
        assert!(
            j.failures[0].contains("PassiveAuthEndpoint is http://"),
            "{j:?}"
        );
        let elsewhere = ADFS.replace("sts.contoso.com", "sts.fabrikam.com");
        let j = judge(
            &doc(&elsewhere, "application/json", "1.0"),
            &target(),
            Some(ServiceKind::Adfs),
        );
        assert!(j.failures.is_empty());
        assert!(j.warnings[0].contains("outside contoso.com"), "{j:?}");
        let odd_version = ADFS.replace("\"ServiceVersion\":\"1.0\"", "\"ServiceVersion\":\"one\"");
        let j = judge(
            &doc(&odd_version, "application/json", "1.0"),
            &target(),
            None,
        );
        assert!(j.warnings[0].contains("ServiceVersion"), "{j:?}");
    }

    #[test]
    fn not_documents() {
        for (body, ct) in [
            ("<html><body>Sign in</body></html>", "text/html"),
            ("<!DOCTYPE html><p>hi", "application/json"),
            ("", "application/json"),
            ("{not json", "application/json"),
            ("[1,2]", "application/json"),
            ("<Other xmlns=\"x\"/>", "application/xml"),
            ("<Discovery/>", "application/xml"),
        ] {
            assert!(
                matches!(
                    parse(body.as_bytes(), Some(ct), "1.0"),
                    Parsed::NotADocument(_)
                ),
                "{body:?}"
            );
        }
    }

    #[test]
    fn xml_documents_flatten_like_json() {
        let xml = format!(
            "<Discovery xmlns=\"{XML_NAMESPACE}\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <AuthenticationService><OAuth2><AuthCodeEndpoint>https://sts.contoso.com/a</AuthCodeEndpoint>\
             <TokenEndpoint>https://sts.contoso.com/t</TokenEndpoint></OAuth2></AuthenticationService>\
             <WebBrowserZones><Intranet i:nil=\"true\"/></WebBrowserZones></Discovery>"
        );
        let d = doc(&xml, "application/xml", "1.0");
        assert_eq!(d.format, "xml");
        assert_eq!(
            d.get("AuthenticationService.OAuth2.TokenEndpoint"),
            Some("https://sts.contoso.com/t")
        );
        assert_eq!(d.get("WebBrowserZones.Intranet"), Some("null"));
        assert!(
            !judge(&d, &target(), None).failures.is_empty(),
            "registration service missing"
        );
    }

    #[test]
    fn xml_entities_cannot_blow_up() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><Discovery>&lol2;</Discovery>";
        assert!(matches!(
            parse(bomb.as_bytes(), Some("application/xml"), "1.0"),
            Parsed::NotADocument(_)
        ));
    }
}

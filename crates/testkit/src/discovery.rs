//! Discovery documents as MS-DVRD describes them, and the server-side rules for serving them.

use std::fmt::Write as _;

use crate::http::{Request, Response};

/// The XML namespace of the discovery document.
pub const XML_NAMESPACE: &str =
    "http://schemas.datacontract.org/2004/07/Microsoft.DeviceRegistration.Entities";

/// A protocol version the lab serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `api-version=1.0` (Windows 8.1).
    V1_0,
    /// `api-version=1.2` (Windows 10 and later).
    V1_2,
}

impl ApiVersion {
    /// Reads the query parameter value.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "1.0" => Some(Self::V1_0),
            "1.2" => Some(Self::V1_2),
            _ => None,
        }
    }
}

/// Whose service the document describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// AD FS on premises, federation service name `sts_host`.
    Adfs {
        /// The federation service name (`sts.contoso.test`).
        sts_host: String,
    },
    /// Microsoft Entra ID for the domain.
    Entra {
        /// The verified domain.
        domain: String,
        /// What the user realm says about it.
        realm: EntraRealm,
        /// Served to the inside view (the federation service's `windowstransport` answers only
        /// there); `false` on the external proxy.
        inside: bool,
    },
}

struct Endpoints {
    registration: String,
    resource_id: String,
    auth_code: String,
    token: String,
    passive: String,
    join: String,
    key_provision: String,
    federated: Option<bool>,
}

impl Service {
    fn endpoints(&self) -> Endpoints {
        match self {
            Self::Adfs { sts_host } => Endpoints {
                registration: format!(
                    "https://{sts_host}/EnrollmentServer/DeviceEnrollmentWebService.svc"
                ),
                resource_id: format!("urn:ms-drs:{sts_host}"),
                auth_code: format!("https://{sts_host}/adfs/oauth2/authorize"),
                token: format!("https://{sts_host}/adfs/oauth2/token"),
                passive: format!("https://{sts_host}/adfs/ls"),
                join: format!("https://{sts_host}/EnrollmentServer/device/"),
                key_provision: format!("https://{sts_host}/EnrollmentServer/key/"),
                federated: None,
            },
            Self::Entra { domain, .. } => Endpoints {
                registration: "https://enterpriseregistration.windows.net/EnrollmentServer/DeviceEnrollmentWebService.svc".to_owned(),
                resource_id: "urn:ms-drs:enterpriseregistration.windows.net".to_owned(),
                auth_code: format!("https://login.microsoftonline.com/{domain}/oauth2/authorize"),
                token: format!("https://login.microsoftonline.com/{domain}/oauth2/token"),
                passive: format!("https://login.microsoftonline.com/{domain}/wsfed"),
                join: "https://enterpriseregistration.windows.net/EnrollmentServer/device/".to_owned(),
                key_provision: "https://enterpriseregistration.windows.net/EnrollmentServer/key/".to_owned(),
                federated: Some(false),
            },
        }
    }
}

/// What Microsoft Entra ID's user realm says about a lab domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntraRealm {
    /// Cloud sign-in.
    #[default]
    Managed,
    /// Federated at the lab's federation service (`sts.<domain>`).
    Federated,
    /// Not a domain of any tenant.
    Unknown,
}

/// The user realm's answer (`/common/UserRealm/?user=<upn>&api-version=1.0`) for `domain`.
#[must_use]
pub fn user_realm_json(domain: &str, realm: EntraRealm, login: &str) -> String {
    match realm {
        EntraRealm::Managed => format!(
            "{{\"NameSpaceType\":\"Managed\",\"Login\":\"{login}\",\"DomainName\":\"{domain}\",\"FederationBrandName\":\"Lab\",\"TenantBrandingInfo\":null,\"cloud_instance_name\":\"microsoftonline.com\"}}"
        ),
        EntraRealm::Federated => format!(
            "{{\"NameSpaceType\":\"Federated\",\"Login\":\"{login}\",\"DomainName\":\"{domain}\",\"FederationGlobalVersion\":-1,\"AuthURL\":\"https://sts.{domain}/adfs/ls/?username={login}&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=\",\"FederationBrandName\":\"Lab\",\"cloud_instance_name\":\"microsoftonline.com\"}}"
        ),
        EntraRealm::Unknown => format!(
            "{{\"NameSpaceType\":\"Unknown\",\"Login\":\"{login}\",\"DomainName\":\"{domain}\",\"cloud_instance_name\":\"microsoftonline.com\"}}"
        ),
    }
}

/// The JSON document for `version` (slashes escaped as .NET's serializer does).
#[must_use]
pub fn document_json(service: &Service, version: ApiVersion) -> String {
    let e = service.endpoints();
    let esc = |s: &str| s.replace('/', "\\/");
    let federated = e
        .federated
        .map(|f| format!(",\"Federated\":{f}"))
        .unwrap_or_default();
    let mut doc = format!(
        "{{\"DeviceRegistrationService\":{{\"RegistrationEndpoint\":\"{}\",\"RegistrationResourceId\":\"{}\",\"ServiceVersion\":\"1.0\"}},\
         \"AuthenticationService\":{{\"OAuth2\":{{\"AuthCodeEndpoint\":\"{}\",\"TokenEndpoint\":\"{}\"}}}},\
         \"IdentityProviderService\":{{\"PassiveAuthEndpoint\":\"{}\"{federated}}}",
        esc(&e.registration),
        e.resource_id,
        esc(&e.auth_code),
        esc(&e.token),
        esc(&e.passive),
    );
    if version == ApiVersion::V1_2 {
        let _ = write!(
            doc,
            ",\"DeviceJoinService\":{{\"JoinEndpoint\":\"{}\",\"JoinResourceId\":\"{}\",\"ServiceVersion\":\"2.0\"}},\
             \"WebBrowserZones\":{{\"Intranet\":null,\"Trusted\":null,\"Untrusted\":null}},\
             \"KeyProvisioningService\":{{\"KeyProvisionEndpoint\":\"{}\",\"KeyProvisionResourceId\":\"{}\",\"ServiceVersion\":\"1.0\"}}",
            esc(&e.join),
            e.resource_id,
            esc(&e.key_provision),
            e.resource_id,
        );
    }
    if matches!(service, Service::Entra { .. }) {
        // Entra returns members the protocol does not define; clients must ignore them.
        doc.push_str(
            ",\"AzureRbacService\":{\"RbacPolicyEndpoint\":\"https:\\/\\/pas.windows.net\"}",
        );
    }
    doc.push('}');
    doc
}

/// Microsoft Entra ID's tenant discovery answer (`/<domain>/discover?api-version=1.7`): the 1.2
/// members plus what Entra adds (tenant information and services clients must ignore if unknown).
#[must_use]
pub fn entra_discover_json(domain: &str) -> String {
    let service = Service::Entra {
        domain: domain.to_owned(),
        realm: EntraRealm::Managed,
        inside: true,
    };
    let mut doc = document_json(&service, ApiVersion::V1_2);
    doc.pop();
    let _ = write!(
        doc,
        ",\"TenantInfo\":{{\"TenantId\":\"00000000-0000-0000-0000-00000000000a\",\"TenantName\":\"{domain}\",\"DisplayName\":\"Lab\"}},\
         \"WebAuthNService\":{{\"ServiceVersion\":\"1.0\",\"WebAuthNEndpoint\":\"https:\\/\\/login.microsoft.com\\/webauthn\\/\"}}}}"
    );
    doc
}

/// Microsoft Entra ID's tenant discovery as the lab serves it: the 1.7 document to a request that
/// carries the dsreg client headers (`ocp-adrs-client-name: dsreg`) and asks for JSON; 400 with a
/// JSON error otherwise, and the JSON error with `status` when the lab scripts a failure.
#[must_use]
pub fn entra_discover_response(request: &Request, domain: &str, status: u16) -> Response {
    let error = |status: u16, code: &str, message: &str| {
        Response::new(
            status,
            "application/json; charset=utf-8",
            format!("{{\"ErrorCode\":\"{code}\",\"Message\":\"{message}\"}}"),
        )
    };
    if status != 200 {
        return error(
            status,
            "DirectoryError",
            &format!("The domain {domain} is not a verified domain of any tenant (lab fault)."),
        );
    }
    if request.query_param("api-version") != Some("1.7") {
        return error(400, "InvalidRequest", "api-version must be 1.7");
    }
    if !request
        .header("ocp-adrs-client-name")
        .is_some_and(|v| v.eq_ignore_ascii_case("dsreg"))
    {
        return error(400, "InvalidRequest", "missing ocp-adrs-client-name");
    }
    let accept = request.header("accept").unwrap_or("").to_ascii_lowercase();
    if !accept.contains("application/json") {
        return error(406, "InvalidRequest", "only application/json is served");
    }
    Response::new(
        200,
        "application/json; charset=utf-8",
        entra_discover_json(domain),
    )
}

/// The XML document for `version` (`DataContract` order: members sorted by name).
#[must_use]
pub fn document_xml(service: &Service, version: ApiVersion) -> String {
    let e = service.endpoints();
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Discovery xmlns=\"{XML_NAMESPACE}\" xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <AuthenticationService><OAuth2><AuthCodeEndpoint>{}</AuthCodeEndpoint><TokenEndpoint>{}</TokenEndpoint></OAuth2></AuthenticationService>",
        e.auth_code, e.token
    );
    if version == ApiVersion::V1_2 {
        let _ = write!(
            x,
            "<DeviceJoinService><JoinEndpoint>{}</JoinEndpoint><JoinResourceId>{}</JoinResourceId><ServiceVersion>2.0</ServiceVersion></DeviceJoinService>",
            e.join, e.resource_id
        );
    }
    let _ = write!(
        x,
        "<DeviceRegistrationService><RegistrationEndpoint>{}</RegistrationEndpoint><RegistrationResourceId>{}</RegistrationResourceId><ServiceVersion>1.0</ServiceVersion></DeviceRegistrationService>",
        e.registration, e.resource_id
    );
    let federated = e
        .federated
        .map(|f| format!("<Federated>{f}</Federated>"))
        .unwrap_or_default();
    let _ = write!(
        x,
        "<IdentityProviderService>{federated}<PassiveAuthEndpoint>{}</PassiveAuthEndpoint></IdentityProviderService>",
        e.passive
    );
    if version == ApiVersion::V1_2 {
        let _ = write!(
            x,
            "<KeyProvisioningService><KeyProvisionEndpoint>{}</KeyProvisionEndpoint><KeyProvisionResourceId>{}</KeyProvisionResourceId><ServiceVersion>1.0</ServiceVersion></KeyProvisioningService>\
             <WebBrowserZones><Intranet i:nil=\"true\"/><Trusted i:nil=\"true\"/><Untrusted i:nil=\"true\"/></WebBrowserZones>",
            e.key_provision, e.resource_id
        );
    }
    x.push_str("</Discovery>");
    x
}

/// Answers a contract request by the MS-DVRD rules: `api-version` 1.0 or 1.2 (else 400); JSON for
/// `Accept: application/json`, XML for `application/xml`, `text/xml`, a wildcard or no `Accept`
/// (else 406).
#[must_use]
pub fn contract_response(request: &Request, service: &Service) -> Response {
    let Some(version) = request
        .query_param("api-version")
        .and_then(ApiVersion::parse)
    else {
        return Response::text(400, "api-version must be 1.0 or 1.2");
    };
    let accept = request.header("accept").unwrap_or("").to_ascii_lowercase();
    let wants = |t: &str| accept.split(',').any(|a| a.trim().starts_with(t));
    if wants("application/json") {
        Response::new(
            200,
            "application/json; charset=utf-8",
            document_json(service, version),
        )
    } else if accept.is_empty() || wants("application/xml") || wants("text/xml") || wants("*/*") {
        Response::new(
            200,
            "application/xml; charset=utf-8",
            document_xml(service, version),
        )
    } else {
        Response::text(
            406,
            "the discovery service answers application/json or application/xml",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(query: &str, accept: Option<&str>) -> Request {
        Request {
            method: "GET".into(),
            path: "/EnrollmentServer/contract".into(),
            query: query.into(),
            headers: accept
                .map(|a| ("accept".into(), a.into()))
                .into_iter()
                .collect(),
            http10: false,
        }
    }

    #[test]
    fn content_negotiation_follows_ms_dvrd() {
        let adfs = Service::Adfs {
            sts_host: "sts.contoso.test".into(),
        };
        let json = contract_response(&req("api-version=1.0", Some("application/json")), &adfs);
        assert_eq!(json.status, 200);
        assert!(json.body.starts_with(b"{\"DeviceRegistrationService\""));
        let xml = contract_response(&req("api-version=1.2", None), &adfs);
        assert!(String::from_utf8_lossy(&xml.body).contains("<DeviceJoinService>"));
        assert_eq!(
            contract_response(&req("api-version=1.0", Some("text/html")), &adfs).status,
            406
        );
        assert_eq!(
            contract_response(&req("api-version=9.9", None), &adfs).status,
            400
        );
        assert_eq!(contract_response(&req("", None), &adfs).status, 400);
    }
}

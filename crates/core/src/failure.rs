//! The catalogue of failures a Windows device reports while it discovers and joins its registration service.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{EventLog, EventRef, Hresult, Kb, MessageStage};

/// One documented way a Workplace Join / device registration fails, named as Windows names it.
///
/// Every variant answers the same questions: its [`hresult`](Self::hresult) (or HTTP status), the event
/// it produces, the support article, a stable kebab-case [`code`](Self::code), what it means and how
/// to fix it. The variants follow `REFERENCE.md` §2; rows that article marks *inferred*, and codes the
/// public articles name without describing, say so in their description.
///
/// ```
/// use wpj_core::JoinFailure;
///
/// let f = JoinFailure::try_from(0x8007_2F8A_u32)?;
/// assert_eq!(f, JoinFailure::CertRevoked);
/// assert_eq!(f.event_id(), Some(102));
/// assert_eq!(f.kb().unwrap().to_string(), "KB3045383");
/// assert_eq!(f.code(), "cert-revoked");
/// assert_eq!("-2147012726".parse::<JoinFailure>()?, f);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum JoinFailure {
    /// 0x80072EE7: `EnterpriseRegistration.<suffix>` could not be resolved.
    NameNotResolved,
    /// 0x80072EFD: no TCP connection to port 443.
    CannotConnect,
    /// 0x80072F0D: the certificate chain ends in an untrusted root (or an intermediate is missing).
    InvalidCa,
    /// 0x80072F8A: the server certificate or an intermediate is revoked.
    CertRevoked,
    /// 0x80072F19: revocation could not be checked (CRL/OCSP server offline); Windows fails hard.
    RevocationOffline,
    /// 0x80004005: unknown error.
    UnknownError,
    /// Event 103, HTTP 404: the discovery contract endpoint was not found.
    ContractNotFound,
    /// Event 103, HTTP 503: the registration service is unavailable.
    ServiceUnavailable,
    /// 0x8018000E: the user has reached the maximum number of registered devices.
    DeviceCapReached,
    /// 0x80072EE2: the request timed out.
    Timeout,
    /// 0x80072EFE: the connection was reset or the TLS versions did not match.
    ConnectionError,
    /// 0x80072F05: the server certificate is expired or not yet valid.
    CertDateInvalid,
    /// 0x80072F06: the server certificate does not name `enterpriseregistration.<suffix>`.
    CertNameInvalid,
    /// 0x80072F89: the server certificate is invalid (wrong key usage, malformed).
    InvalidCert,
    /// 0x80072F7C: a redirect could not be followed (loop or too many hops).
    RedirectFailed,
    /// 0x80072F78: the server's response could not be understood.
    InvalidServerResponse,
    /// 0x80072F8F: a TLS-level security failure.
    SecureFailure,
    /// 0x8007000D: the discovery answer is not a discovery document (typically a proxy's HTML page).
    InvalidData,
    /// Event 103 with an HTTP status other than 404 or 503.
    HttpError,
    /// 0x80180001: a join error the public articles do not describe.
    Join80180001,
    /// 0x80180002: authentication failed.
    JoinAuthenticationFailed,
    /// 0x80180003: the user is not authorized to join devices.
    JoinNotAuthorized,
    /// 0x80180004: a join error the public articles do not describe.
    Join80180004,
    /// 0x80180005: a join error the public articles do not describe.
    Join80180005,
    /// 0x80180006: a join error the public articles do not describe.
    Join80180006,
    /// 0x80180007: a join error the public articles do not describe.
    Join80180007,
    /// 0x80180008: a join error the public articles do not describe.
    Join80180008,
    /// 0x80180009: the device is already joined.
    JoinAlreadyJoined,
    /// 0x8018000A: a join error the public articles do not describe.
    Join8018000A,
    /// 0x8018000B: the service redirected to a host that is not in the well-known list.
    JoinRedirectNotAllowed,
    /// 0x8018000C: discovery failed for an unknown reason.
    JoinDiscoveryFailed,
    /// 0x8018000D: the operation is not supported.
    JoinNotSupported,
    /// 0x8018000F: a join error the public articles do not describe.
    Join8018000F,
    /// 0x801C0021 (`DSREG_AUTOJOIN_DISC_FAILED`): discovery failed; the sub-error carries the WinHTTP code.
    DsregDiscoveryFailed,
    /// 0x801C001F (`DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT`): discovery did not complete in time.
    DsregDiscoveryWaitTimeout,
    /// 0x801C003D (`DSREG_USERREALM_DISCOVERY_FAILED`): user-realm discovery failed.
    DsregUserRealmDiscoveryFailed,
    /// 0x801C003A (`DSREG_TENANT_NOT_FOUND`): the tenant was not found.
    DsregTenantNotFound,
    /// 0x801C0025 (`DSREG_SERVER_BUSY`): the registration server is busy (HTTP 503).
    DsregServerBusy,
    /// 0x801C03F2 (`DSREG_DIRECTORY_FAILURE`): the service could not find the device's object in the directory.
    DsregDirectoryFailure,
}

/// What the catalogue knows about one [`JoinFailure`].
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) failure: JoinFailure,
    pub(crate) code: &'static str,
    pub(crate) hresult: Option<u32>,
    pub(crate) http_status: Option<u16>,
    /// The Windows header name (`ERROR_WINHTTP_NAME_NOT_RESOLVED`, `E_FAIL`, `DSREG_...`).
    pub(crate) symbol: Option<&'static str>,
    pub(crate) log: EventLog,
    pub(crate) event_id: Option<u16>,
    pub(crate) kb: Option<u32>,
    pub(crate) stage: MessageStage,
    pub(crate) description: &'static str,
    pub(crate) causes: &'static [&'static str],
    pub(crate) remediation: &'static str,
}

const UNDOCUMENTED: &str =
    "a Workplace Join error code that the public Workplace Join articles do not describe";
const UNDOCUMENTED_FIX: &str = "Collect the Workplace Join and CAPI2 logs from the device (KB3045377) and \
     the AD FS / Entra ID sign-in logs for the same time, then open a support case with them.";
const DEVICE_SIDE_LOGS: &str = "Collect diagnostic logs on the device (KB3045377): the Workplace Join \
     admin log, the CAPI2 operational log and a network trace of the discovery request.";

macro_rules! entry {
    ($failure:ident, $code:literal, hr: $hr:expr, http: $http:expr, sym: $sym:expr, $log:ident $event:expr,
     kb: $kb:expr, $stage:ident, $desc:expr, causes: [$($cause:expr),* $(,)?], fix: $fix:expr $(,)?) => {
        Entry {
            failure: JoinFailure::$failure,
            code: $code,
            hresult: $hr,
            http_status: $http,
            symbol: $sym,
            log: EventLog::$log,
            event_id: $event,
            kb: $kb,
            stage: MessageStage::$stage,
            description: $desc,
            causes: &[$($cause),*],
            remediation: $fix,
        }
    };
}

/// The catalogue, in the declaration order of [`JoinFailure`] (a unit test keeps the two aligned).
static CATALOGUE: &[Entry] = &[
    entry!(NameNotResolved, "name-not-resolved", hr: Some(0x8007_2EE7), http: None,
        sym: Some("ERROR_WINHTTP_NAME_NOT_RESOLVED"), WorkplaceJoin Some(102), kb: Some(3_045_385), BeforeCredentials,
        "the name EnterpriseRegistration.<upn-suffix> could not be resolved",
        causes: ["no EnterpriseRegistration record for the UPN suffix in the DNS zone the device queries",
                 "split-horizon DNS: the record exists in one view (internal or external) only",
                 "the device's DNS server is unreachable or refuses the query",
                 "a stale negative answer is cached on the device"],
        fix: "Create the record: for Microsoft Entra ID a CNAME EnterpriseRegistration.<suffix> → \
              EnterpriseRegistration.windows.net; for AD FS a CNAME or A record pointing at the AD FS farm \
              (internal DNS) and at the Web Application Proxy (external DNS). Then run `ipconfig /flushdns` \
              on the device."),
    entry!(CannotConnect, "cannot-connect", hr: Some(0x8007_2EFD), http: None,
        sym: Some("ERROR_WINHTTP_CANNOT_CONNECT"), WorkplaceJoin Some(102), kb: Some(3_045_381), BeforeCredentials,
        "a connection to the device registration service could not be established",
        causes: ["a firewall or proxy blocks TCP port 443 to the registration name",
                 "no service listens on 443 at the resolved address",
                 "http.sys has no binding on 443 for the registration name (AD FS)"],
        fix: "Allow TCP 443 from the device to the AD FS farm / proxy (or Entra ID), and make sure an \
              SSL binding exists for enterpriseregistration.<suffix>:443 (`netsh http show sslcert`)."),
    entry!(InvalidCa, "invalid-ca", hr: Some(0x8007_2F0D), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_INVALID_CA"), WorkplaceJoin Some(102), kb: Some(3_045_382), BeforeCredentials,
        "the server certificate chains to a root the device does not trust",
        causes: ["the certificate was issued by a private CA whose root is not deployed to the device",
                 "the server does not send its intermediate certificate and the device cannot fetch it",
                 "the device's root certificate updates are out of date"],
        fix: "Deploy the issuing CA's root (and intermediates) to the device's trusted stores, have the \
              server send the full chain, and keep root certificate updates enabled; or use a certificate \
              from a public CA."),
    entry!(CertRevoked, "cert-revoked", hr: Some(0x8007_2F8A), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_CERT_REVOKED"), WorkplaceJoin Some(102), kb: Some(3_045_383), BeforeCredentials,
        "the server certificate, or a certificate in its chain, has been revoked",
        causes: ["the SSL certificate on AD FS or the proxy was revoked by its CA",
                 "an intermediate CA certificate in the chain was revoked"],
        fix: "Obtain a new certificate and install it on every AD FS node and every Web Application Proxy \
              (Set-AdfsSslCertificate / Set-WebApplicationProxySslCertificate)."),
    entry!(RevocationOffline, "revocation-offline", hr: Some(0x8007_2F19), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_CERT_REV_FAILED"), WorkplaceJoin Some(102), kb: Some(3_045_384), BeforeCredentials,
        "the revocation status of the certificate chain could not be determined (revocation server offline)",
        causes: ["a CRL distribution point or OCSP responder in the chain is unreachable from the device",
                 "the published CRL is expired, malformed or signed by the wrong key",
                 "the CDP is an internal-only (ldap:// or intranet) URL that external devices cannot reach"],
        fix: "Make every CDP and OCSP URL in the chain reachable from the device (Windows treats an unknown \
              revocation status as a hard failure) and publish fresh CRLs before their nextUpdate."),
    entry!(UnknownError, "unknown-error", hr: Some(0x8000_4005), http: None,
        sym: Some("E_FAIL"), WorkplaceJoin Some(102), kb: Some(3_045_380), BeforeCredentials,
        "an unspecified error occurred during discovery",
        causes: ["an error the client could not classify"],
        fix: DEVICE_SIDE_LOGS),
    entry!(ContractNotFound, "contract-not-found", hr: None, http: Some(404),
        sym: None, WorkplaceJoin Some(103), kb: Some(3_045_386), BeforeCredentials,
        "the discovery endpoint /EnrollmentServer/contract returned HTTP 404 (not found)",
        causes: ["device registration is not enabled (Entra ID device settings, or the AD FS DRS \
                  relying-party trust on each node)",
                 "DNS points the registration name at the wrong server",
                 "the UPN suffix is missing from the certificate's subject alternative names",
                 "no 443 binding for enterpriseregistration.<suffix> (`netsh http show sslcert`)"],
        fix: "Enable device registration (Entra ID: allow users to register devices; AD FS: \
              Initialize-ADDeviceRegistration and Enable-AdfsDeviceRegistration on every node), point \
              EnterpriseRegistration.<suffix> at the right service, and add the suffix to the certificate \
              and the http.sys bindings."),
    entry!(ServiceUnavailable, "service-unavailable", hr: None, http: Some(503),
        sym: None, WorkplaceJoin Some(103), kb: Some(3_045_388), BeforeCredentials,
        "the discovery endpoint returned HTTP 503 (service unavailable)",
        causes: ["the AD FS or device registration service is stopped on a farm node (inferred)",
                 "the load balancer sends the device to a node that is out of service"],
        fix: "Start the AD FS service (and DRS) on every farm node and proxy, and take broken nodes out of \
              the load balancer. Windows 10 reports this as DSREG_SERVER_BUSY 0x801C0025."),
    entry!(DeviceCapReached, "device-cap-reached", hr: Some(0x8018_000E), http: None,
        sym: None, WorkplaceJoin Some(200), kb: Some(3_045_379), AfterCredentials,
        "the user has reached the maximum number of devices they may register",
        causes: ["stale registrations count against the per-user quota"],
        fix: "Delete stale devices of the user, or raise the quota (Entra ID device settings; AD FS \
              `Set-AdfsDeviceRegistration -DevicesPerUser`)."),
    entry!(Timeout, "timeout", hr: Some(0x8007_2EE2), http: None,
        sym: Some("ERROR_WINHTTP_TIMEOUT"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "the request timed out",
        causes: ["a firewall drops packets instead of refusing them",
                 "the server accepts the connection but never completes the handshake or the response",
                 "an overloaded server or proxy"],
        fix: "Find where the packets stop (a firewall that drops, a stalled load balancer or proxy) and \
              make the service answer; check the server's health."),
    entry!(ConnectionError, "connection-error", hr: Some(0x8007_2EFE), http: None,
        sym: Some("ERROR_WINHTTP_CONNECTION_ERROR"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "the connection was reset or aborted, or the TLS protocol versions do not match",
        causes: ["the server or a middlebox resets the connection",
                 "the server and the device share no TLS version or cipher suite"],
        fix: "Enable a TLS version and cipher suite both sides support (TLS 1.2 on older Windows) and \
              look for middleboxes that reset TLS connections."),
    entry!(CertDateInvalid, "cert-date-invalid", hr: Some(0x8007_2F05), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_CERT_DATE_INVALID"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "a certificate in the chain is expired or not yet valid",
        causes: ["the SSL certificate expired and was not renewed on every node and proxy",
                 "the device's clock is wrong"],
        fix: "Renew the certificate and install it on every AD FS node and proxy; check the device's clock."),
    entry!(CertNameInvalid, "cert-name-invalid", hr: Some(0x8007_2F06), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_CERT_CN_INVALID"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "the server certificate does not name enterpriseregistration.<upn-suffix>",
        causes: ["the certificate lacks a SAN for enterpriseregistration.<suffix> (one per UPN suffix)",
                 "DNS sends the device to a server presenting another site's certificate"],
        fix: "Issue a certificate whose subject alternative names include enterpriseregistration.<suffix> \
              for every UPN suffix, and install it on every node and proxy."),
    entry!(InvalidCert, "invalid-cert", hr: Some(0x8007_2F89), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_INVALID_CERT"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "the server certificate is invalid (wrong key usage or malformed)",
        causes: ["the certificate lacks the serverAuth extended key usage or digitalSignature key usage",
                 "the certificate is malformed"],
        fix: "Issue a certificate from a template for SSL server authentication (EKU serverAuth)."),
    entry!(RedirectFailed, "redirect-failed", hr: Some(0x8007_2F7C), http: None,
        sym: Some("ERROR_WINHTTP_REDIRECT_FAILED"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "a redirect could not be followed (loop or too many redirects)",
        causes: ["a proxy or web server redirects the contract URL in a loop"],
        fix: "Serve /EnrollmentServer/contract directly from the registration name without redirects."),
    entry!(InvalidServerResponse, "invalid-server-response", hr: Some(0x8007_2F78), http: None,
        sym: Some("ERROR_WINHTTP_INVALID_SERVER_RESPONSE"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "the server's response could not be parsed as HTTP",
        causes: ["something other than a web server answers on 443", "a broken proxy or load balancer"],
        fix: "Make sure the AD FS / proxy web service answers on 443, not another service."),
    entry!(SecureFailure, "secure-failure", hr: Some(0x8007_2F8F), http: None,
        sym: Some("ERROR_WINHTTP_SECURE_FAILURE"), WorkplaceJoin Some(102), kb: None, BeforeCredentials,
        "a TLS security failure (in WinINet the same number means DECODING_FAILED)",
        causes: ["several certificate problems at once", "a TLS handshake failure not covered by a specific code"],
        fix: "Inspect the certificate chain and the TLS configuration of the server; run the TLS check \
              of this tool to see every problem separately."),
    entry!(InvalidData, "invalid-data", hr: Some(0x8007_000D), http: None,
        sym: Some("E_INVALIDDATA"), UserDeviceRegistration Some(201), kb: None, BeforeCredentials,
        "the discovery answer is not a discovery document",
        causes: ["a proxy or captive portal answers with an HTML page and HTTP 200",
                 "the registration name points at a web server that is not the registration service"],
        fix: "Let the device reach the registration service directly (exempt the name from the proxy or \
              captive portal) and point the name at AD FS / Entra ID."),
    entry!(HttpError, "http-error", hr: None, http: None,
        sym: None, WorkplaceJoin Some(103), kb: None, BeforeCredentials,
        "the discovery endpoint returned an HTTP error status other than 404 or 503",
        causes: ["a proxy denies the request (401, 403, 407)", "the service fails internally (500)"],
        fix: "Look at the status and the body the service returned (in this tool's evidence) and at the \
              AD FS admin log or the proxy's logs for the same time."),
    entry!(Join80180001, "join-80180001", hr: Some(0x8018_0001), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(JoinAuthenticationFailed, "join-authentication-failed", hr: Some(0x8018_0002), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials,
        "authentication to the registration service failed",
        causes: ["wrong credentials", "the federation service rejected the sign-in"],
        fix: "Check the user's sign-in in the AD FS admin log or the Entra ID sign-in logs."),
    entry!(JoinNotAuthorized, "join-not-authorized", hr: Some(0x8018_0003), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials,
        "the user is not authorized to register devices",
        causes: ["device registration is limited to selected users or groups"],
        fix: "Allow the user to register devices (Entra ID device settings, or the DRS issuance \
              authorization rules in AD FS)."),
    entry!(Join80180004, "join-80180004", hr: Some(0x8018_0004), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(Join80180005, "join-80180005", hr: Some(0x8018_0005), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(Join80180006, "join-80180006", hr: Some(0x8018_0006), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(Join80180007, "join-80180007", hr: Some(0x8018_0007), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(Join80180008, "join-80180008", hr: Some(0x8018_0008), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(JoinAlreadyJoined, "join-already-joined", hr: Some(0x8018_0009), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials,
        "the device is already joined",
        causes: ["a previous Workplace Join of this device is still in place"],
        fix: "Leave the workplace (Settings → Workplace) or remove the old registration, then join again."),
    entry!(Join8018000A, "join-8018000a", hr: Some(0x8018_000A), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(JoinRedirectNotAllowed, "join-redirect-not-allowed", hr: Some(0x8018_000B), http: None,
        sym: None, WorkplaceJoin None, kb: None, BeforeCredentials,
        "discovery was redirected to a host that is not in the well-known list",
        causes: ["a proxy or web server redirects the contract URL to another host"],
        fix: "Serve the discovery contract from EnterpriseRegistration.<suffix> itself, without \
              cross-host redirects."),
    entry!(JoinDiscoveryFailed, "join-discovery-failed", hr: Some(0x8018_000C), http: None,
        sym: None, WorkplaceJoin None, kb: None, BeforeCredentials,
        "discovery failed for an unknown reason",
        causes: ["any discovery failure the client did not classify"],
        fix: "Run this tool's live diagnosis for the UPN suffix to find the failing step."),
    entry!(JoinNotSupported, "join-not-supported", hr: Some(0x8018_000D), http: None,
        sym: None, WorkplaceJoin None, kb: None, BeforeCredentials,
        "the operation is not supported",
        causes: ["the service or the device does not support this kind of registration"],
        fix: "Check the service's registration settings and the device's Windows version."),
    entry!(Join8018000F, "join-8018000f", hr: Some(0x8018_000F), http: None,
        sym: None, WorkplaceJoin None, kb: None, AfterCredentials, UNDOCUMENTED,
        causes: ["not publicly documented"], fix: UNDOCUMENTED_FIX),
    entry!(DsregDiscoveryFailed, "dsreg-discovery-failed", hr: Some(0x801C_0021), http: None,
        sym: Some("DSREG_AUTOJOIN_DISC_FAILED"), UserDeviceRegistration Some(200), kb: None, Background,
        "device registration discovery failed (the sub-error carries the WinHTTP code)",
        causes: ["any discovery-phase failure: DNS, connection, certificate or revocation (see the inner code)"],
        fix: "Look at the inner code (dsregcmd prints it after the slash) and fix that step."),
    entry!(DsregDiscoveryWaitTimeout, "dsreg-discovery-wait-timeout", hr: Some(0x801C_001F), http: None,
        sym: Some("DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT"), UserDeviceRegistration Some(200), kb: None, Background,
        "device registration discovery did not complete in time",
        causes: ["the registration service or the network path is too slow or drops packets"],
        fix: "Check the network path to the registration service and proxies (see the timeout failure)."),
    entry!(DsregUserRealmDiscoveryFailed, "dsreg-user-realm-discovery-failed", hr: Some(0x801C_003D), http: None,
        sym: Some("DSREG_USERREALM_DISCOVERY_FAILED"), UserDeviceRegistration None, kb: None, Background,
        "user realm discovery failed",
        causes: ["the device cannot reach the sign-in service to find the user's realm",
                 "the UPN suffix is not a verified domain of the tenant"],
        fix: "Make login.microsoftonline.com reachable from the device and verify the UPN suffix in the tenant."),
    entry!(DsregTenantNotFound, "dsreg-tenant-not-found", hr: Some(0x801C_003A), http: None,
        sym: Some("DSREG_TENANT_NOT_FOUND"), UserDeviceRegistration None, kb: None, Background,
        "the tenant was not found",
        causes: ["the service connection point or the UPN suffix names a tenant that does not exist"],
        fix: "Check the service connection point (tenant name and ID) in Active Directory and the UPN suffix."),
    entry!(DsregServerBusy, "dsreg-server-busy", hr: Some(0x801C_0025), http: Some(503),
        sym: Some("DSREG_SERVER_BUSY"), UserDeviceRegistration Some(201), kb: Some(3_045_388), Background,
        "the registration server answered that it is busy (HTTP 503)",
        causes: ["the AD FS or device registration service is stopped or overloaded (inferred)"],
        fix: "Start or scale the registration service; on AD FS check every farm node."),
    entry!(DsregDirectoryFailure, "dsreg-directory-failure", hr: Some(0x801C_03F2), http: None,
        sym: Some("DSREG_DIRECTORY_FAILURE"), UserDeviceRegistration Some(204), kb: None, Background,
        "the service could not find the device's object in the directory",
        causes: ["the computer object was not synchronised to Entra ID yet",
                 "the device's certificate does not match the synchronised object"],
        fix: "Check that the computer's OU is in the sync scope and wait for the next sync cycle."),
];

impl JoinFailure {
    /// Every failure, in catalogue order.
    pub const ALL: &'static [JoinFailure] = &[
        Self::NameNotResolved,
        Self::CannotConnect,
        Self::InvalidCa,
        Self::CertRevoked,
        Self::RevocationOffline,
        Self::UnknownError,
        Self::ContractNotFound,
        Self::ServiceUnavailable,
        Self::DeviceCapReached,
        Self::Timeout,
        Self::ConnectionError,
        Self::CertDateInvalid,
        Self::CertNameInvalid,
        Self::InvalidCert,
        Self::RedirectFailed,
        Self::InvalidServerResponse,
        Self::SecureFailure,
        Self::InvalidData,
        Self::HttpError,
        Self::Join80180001,
        Self::JoinAuthenticationFailed,
        Self::JoinNotAuthorized,
        Self::Join80180004,
        Self::Join80180005,
        Self::Join80180006,
        Self::Join80180007,
        Self::Join80180008,
        Self::JoinAlreadyJoined,
        Self::Join8018000A,
        Self::JoinRedirectNotAllowed,
        Self::JoinDiscoveryFailed,
        Self::JoinNotSupported,
        Self::Join8018000F,
        Self::DsregDiscoveryFailed,
        Self::DsregDiscoveryWaitTimeout,
        Self::DsregUserRealmDiscoveryFailed,
        Self::DsregTenantNotFound,
        Self::DsregServerBusy,
        Self::DsregDirectoryFailure,
    ];

    /// The nine failures of the original Workplace Join troubleshooting series (KB3045377–KB3045388).
    pub const SEED: &'static [JoinFailure] = &[
        Self::NameNotResolved,
        Self::CannotConnect,
        Self::InvalidCa,
        Self::CertRevoked,
        Self::RevocationOffline,
        Self::UnknownError,
        Self::ContractNotFound,
        Self::ServiceUnavailable,
        Self::DeviceCapReached,
    ];

    pub(crate) fn entry(self) -> &'static Entry {
        let entry = &CATALOGUE[self as usize];
        debug_assert_eq!(entry.failure, self, "catalogue out of order");
        entry
    }

    /// The HRESULT Windows logs, if this failure has one (HTTP-status failures do not).
    #[must_use]
    pub fn hresult(self) -> Option<Hresult> {
        self.entry().hresult.map(Hresult)
    }

    /// The HTTP status behind an event-103 failure (404, 503).
    #[must_use]
    pub fn http_status(self) -> Option<u16> {
        self.entry().http_status
    }

    /// The Win32 / WinHTTP code inside the HRESULT (`12170` for 0x80072F8A).
    #[must_use]
    pub fn win32_code(self) -> Option<u32> {
        self.hresult().and_then(Hresult::win32_code)
    }

    /// The Windows header name of the code (`ERROR_WINHTTP_SECURE_CERT_REVOKED`), where one is known.
    #[must_use]
    pub fn symbol(self) -> Option<&'static str> {
        self.entry().symbol
    }

    /// The event ID Windows writes, where it is documented.
    #[must_use]
    pub fn event_id(self) -> Option<u16> {
        self.entry().event_id
    }

    /// The log and event ID Windows writes, where the event is documented.
    #[must_use]
    pub fn event(self) -> Option<EventRef> {
        let e = self.entry();
        e.event_id.map(|id| EventRef { log: e.log, id })
    }

    /// The event log this failure shows up in.
    #[must_use]
    pub fn log(self) -> EventLog {
        self.entry().log
    }

    /// The Microsoft support article that describes this failure.
    #[must_use]
    pub fn kb(self) -> Option<Kb> {
        self.entry().kb.map(Kb)
    }

    /// A stable kebab-case name (`cert-revoked`), used in JSON, file names and on the command line.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    /// What the failure means, in one sentence.
    #[must_use]
    pub fn description(self) -> &'static str {
        self.entry().description
    }

    /// The usual causes, most likely first.
    #[must_use]
    pub fn causes(self) -> &'static [&'static str] {
        self.entry().causes
    }

    /// How an administrator fixes it.
    #[must_use]
    pub fn remediation(self) -> &'static str {
        self.entry().remediation
    }

    /// When the user sees it: before or after entering credentials, or not at all.
    #[must_use]
    pub fn message_stage(self) -> MessageStage {
        self.entry().stage
    }

    /// The failure an HTTP status from the discovery endpoint produces (event 103), if it is an error.
    ///
    /// ```
    /// # use wpj_core::JoinFailure;
    /// assert_eq!(JoinFailure::from_http_status(404), Some(JoinFailure::ContractNotFound));
    /// assert_eq!(JoinFailure::from_http_status(500), Some(JoinFailure::HttpError));
    /// assert_eq!(JoinFailure::from_http_status(200), None);
    /// ```
    #[must_use]
    pub fn from_http_status(status: u16) -> Option<Self> {
        match status {
            404 => Some(Self::ContractNotFound),
            503 => Some(Self::ServiceUnavailable),
            400..=599 => Some(Self::HttpError),
            _ => None,
        }
    }

    /// The failure with this exact HRESULT.
    #[must_use]
    pub fn from_hresult(hresult: Hresult) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.entry().hresult == Some(hresult.0))
    }

    /// The failure with this stable kebab-case code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.code().eq_ignore_ascii_case(code))
    }

    /// The failure with this Windows header name (`ERROR_WINHTTP_NAME_NOT_RESOLVED`, `E_FAIL`); the
    /// `ERROR_WINHTTP_` prefix may be left out.
    #[must_use]
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| {
            f.symbol().is_some_and(|s| {
                s.eq_ignore_ascii_case(symbol)
                    || s.strip_prefix("ERROR_WINHTTP_")
                        .is_some_and(|short| short.eq_ignore_ascii_case(symbol))
            })
        })
    }
}

/// Everything the catalogue knows about one failure, as one serializable value (for `--format json`
/// and for tools that show the catalogue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FailureInfo {
    /// Stable kebab-case code.
    pub code: &'static str,
    /// The HRESULT, printed as `0x80072F8A`.
    pub hresult: Option<Hresult>,
    /// The same HRESULT as the signed decimal event logs print.
    pub hresult_signed: Option<i32>,
    /// The Win32 / WinHTTP code inside the HRESULT.
    pub win32_code: Option<u32>,
    /// The Windows header name.
    pub symbol: Option<&'static str>,
    /// The HTTP status behind an event-103 failure.
    pub http_status: Option<u16>,
    /// The log Windows writes to.
    pub log: &'static str,
    /// The event ID, where documented.
    pub event_id: Option<u16>,
    /// The support article, printed as `KB3045383`.
    pub kb: Option<Kb>,
    /// The support article's address.
    pub kb_url: Option<String>,
    /// When the user sees it.
    pub message_stage: MessageStage,
    /// What the user sees.
    pub user_message: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Usual causes.
    pub causes: &'static [&'static str],
    /// How to fix it.
    pub remediation: &'static str,
}

impl JoinFailure {
    /// Everything about this failure in one value.
    #[must_use]
    pub fn info(self) -> FailureInfo {
        FailureInfo {
            code: self.code(),
            hresult: self.hresult(),
            hresult_signed: self.hresult().map(Hresult::as_signed),
            win32_code: self.win32_code(),
            symbol: self.symbol(),
            http_status: self.http_status(),
            log: self.log().channel(),
            event_id: self.event_id(),
            kb: self.kb(),
            kb_url: self.kb().map(Kb::url),
            message_stage: self.message_stage(),
            user_message: self.message_stage().user_message(),
            description: self.description(),
            causes: self.causes(),
            remediation: self.remediation(),
        }
    }
}

impl fmt::Display for JoinFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// An HRESULT that is not in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a known Workplace Join or device registration code")]
pub struct UnknownHresult(pub Hresult);

impl TryFrom<u32> for JoinFailure {
    type Error = UnknownHresult;

    fn try_from(hresult: u32) -> Result<Self, Self::Error> {
        Self::from_hresult(Hresult(hresult)).ok_or(UnknownHresult(Hresult(hresult)))
    }
}

impl Serialize for JoinFailure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for JoinFailure {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Self::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown failure code {code:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_aligned_with_the_enum() {
        assert_eq!(CATALOGUE.len(), JoinFailure::ALL.len());
        for (i, f) in JoinFailure::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?} is out of order in ALL");
            assert_eq!(CATALOGUE[i].failure, *f, "catalogue row {i} is not {f:?}");
        }
    }

    #[test]
    fn codes_and_hresults_are_unique() {
        let mut codes = HashSet::new();
        let mut hresults = HashSet::new();
        for f in JoinFailure::ALL {
            assert!(codes.insert(f.code()), "duplicate code {}", f.code());
            let kebab = f
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(kebab, "{} is not kebab-case", f.code());
            if let Some(h) = f.hresult() {
                assert!(hresults.insert(h), "duplicate HRESULT {h}");
            }
        }
    }

    #[test]
    fn seed_rows_match_the_reference_table() {
        type Row = (JoinFailure, Option<u32>, Option<u16>, u16, u32);
        let rows: [Row; 9] = [
            (
                JoinFailure::NameNotResolved,
                Some(0x8007_2EE7),
                None,
                102,
                3_045_385,
            ),
            (
                JoinFailure::CannotConnect,
                Some(0x8007_2EFD),
                None,
                102,
                3_045_381,
            ),
            (
                JoinFailure::InvalidCa,
                Some(0x8007_2F0D),
                None,
                102,
                3_045_382,
            ),
            (
                JoinFailure::CertRevoked,
                Some(0x8007_2F8A),
                None,
                102,
                3_045_383,
            ),
            (
                JoinFailure::RevocationOffline,
                Some(0x8007_2F19),
                None,
                102,
                3_045_384,
            ),
            (
                JoinFailure::UnknownError,
                Some(0x8000_4005),
                None,
                102,
                3_045_380,
            ),
            (
                JoinFailure::ContractNotFound,
                None,
                Some(404),
                103,
                3_045_386,
            ),
            (
                JoinFailure::ServiceUnavailable,
                None,
                Some(503),
                103,
                3_045_388,
            ),
            (
                JoinFailure::DeviceCapReached,
                Some(0x8018_000E),
                None,
                200,
                3_045_379,
            ),
        ];
        for (f, hr, http, event, kb) in rows {
            assert_eq!(f.hresult().map(|h| h.0), hr, "{f:?}");
            assert_eq!(f.http_status(), http, "{f:?}");
            assert_eq!(f.event_id(), Some(event), "{f:?}");
            assert_eq!(f.kb(), Some(Kb(kb)), "{f:?}");
            assert_eq!(f.log(), EventLog::WorkplaceJoin, "{f:?}");
        }
        assert_eq!(JoinFailure::SEED.len(), 9);
    }

    #[test]
    fn winhttp_codes_match_their_decimal_numbers() {
        let pairs = [
            (JoinFailure::NameNotResolved, 12007),
            (JoinFailure::CannotConnect, 12029),
            (JoinFailure::InvalidCa, 12045),
            (JoinFailure::CertRevoked, 12170),
            (JoinFailure::RevocationOffline, 12057),
            (JoinFailure::Timeout, 12002),
            (JoinFailure::ConnectionError, 12030),
            (JoinFailure::CertDateInvalid, 12037),
            (JoinFailure::CertNameInvalid, 12038),
            (JoinFailure::InvalidCert, 12169),
            (JoinFailure::RedirectFailed, 12156),
            (JoinFailure::InvalidServerResponse, 12152),
            (JoinFailure::SecureFailure, 12175),
        ];
        for (f, n) in pairs {
            assert_eq!(f.win32_code(), Some(n), "{f:?}");
        }
    }

    #[test]
    fn json_uses_the_stable_code() {
        let json = serde_json::to_string(&JoinFailure::CertRevoked).unwrap();
        assert_eq!(json, "\"cert-revoked\"");
        let back: JoinFailure = serde_json::from_str(&json).unwrap();
        assert_eq!(back, JoinFailure::CertRevoked);
        assert!(serde_json::from_str::<JoinFailure>("\"nope\"").is_err());
    }
}

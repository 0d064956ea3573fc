//! The catalogue of failures a Windows device reports while it discovers and joins its registration service.
//!
//! Each failure is written once, in the `catalogue!` table below: its variant, doc comment and
//! catalogue row together; the enum, [`JoinFailure::ALL`] and the row lookup are generated from it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::{EventLog, EventRef, Hresult, Kb, MessageStage};

/// One row of the catalogue: what it knows about one [`JoinFailure`].
#[derive(Debug)]
struct Entry {
    code: &'static str,
    hresult: Option<u32>,
    http_status: Option<u16>,
    /// The Windows header name (`ERROR_WINHTTP_NAME_NOT_RESOLVED`, `E_FAIL`, `DSREG_...`).
    symbol: Option<&'static str>,
    log: EventLog,
    event_id: Option<u16>,
    kb: Option<u32>,
    stage: MessageStage,
    description: &'static str,
    causes: &'static [&'static str],
    remediation: &'static str,
    /// Where the meaning comes from (article, header, documentation page), and what is inferred.
    source: &'static str,
    /// The text Windows shows for this code, where documented (`{0}` stands for the code); else the
    /// stage's message applies.
    shows: Option<&'static str>,
}

const DEVICE_SIDE_LOGS: &str = "Collect diagnostic logs on the device (KB3045377): the Workplace Join \
     admin log, the CAPI2 operational log and a network trace of the discovery request.";
const MDM_LOG_FIX: &str = "Read the DeviceManagement-Enterprise-Diagnostics-Provider admin log on the \
     device and the MDM service's logs for the same time; the server's own error is logged there.";
const MREGISTER_FIX: &str = "Windows 10 and later no longer use this code: if the device runs them, \
     read the MENROLL_E_ / DSREG_ code it logs instead. On Windows 8.1, look at the registration \
     server's logs for the same time (AD FS admin log, MDM service logs).";

/// Non-seed WinHTTP codes: the code is documented, the event ID follows the seed (inferred).
const WINHTTP_EVENT_INFERRED: &str = "WinHTTP error list (winhttp.h); event 102 in the Workplace Join \
     log is inferred from the seed's discovery failures (KB3045380–KB3045385)";
const MENROLL: &str = "MDMRegistration.h, MDM registration error values; Windows client management: \
     Azure AD integration with MDM, error codes";
const MENROLL_NO_TEXT: &str = "MDMRegistration.h, MDM registration error values (the text Windows \
     shows is not documented; message stage inferred)";
const MREGISTER: &str = "MDMRegistration.h, MDM registration error values (facility 25: Windows \
     8.0–8.1; no longer used on Windows 10); the Workplace Join log and the message stage are inferred";
const MREGISTER_NO_LONGER_USED: &str = "MDMRegistration.h, MDM registration error values (facility 25: \
     Windows 8.0–8.1, no longer used on Windows 10; the header marks this code NO LONGER USED); the \
     Workplace Join log and the message stage are inferred";
const DSREG_E: &str = "Windows client management: Azure AD integration with MDM, error codes (symbol \
     and dialog text)";
const DSREG_E_INFERRED: &str = "Windows client management: Azure AD integration with MDM, error codes \
     (symbol and dialog text only: the meaning is inferred from the symbol name)";
const HYBRID_JOIN_DOCS: &str = "Troubleshoot Microsoft Entra hybrid joined devices (dsregcmd /status \
     troubleshooting docs)";

/// Dialog texts from "Azure AD integration with MDM", error codes.
const SHOWS_SERVER_CONNECTIVITY: &str = "There was an error communicating with the server. You can try \
     to do this again or contact your system administrator with the error code {0}";
const SHOWS_AUTHENTICATION: &str = "There was a problem authenticating your account or device. You can \
     try to do this again or contact your system administrator with the error code {0}.";
const SHOWS_AUTHORIZATION: &str = "This user isn't authorized to enroll. You can try to do this again \
     or contact your system administrator with the error code {0}.";
const SHOWS_CERTIFICATE: &str = "There was a certificate error. You can try to do this again or contact \
     your system administrator with the error code {0}.";
const SHOWS_DEVICE_LIMIT: &str = "Looks like there are too many devices or users for this account. \
     Contact your system administrator with the error code {0}.";
const SHOWS_NOT_DOCUMENTED: &str = "(the text Windows shows for this code is not documented)";

/// Writes the catalogue once: each variant of [`JoinFailure`] comes with its doc comment and its
/// [`Entry`], and the macro generates the enum, [`JoinFailure::ALL`] (declaration order) and
/// `JoinFailure::entry` from that one table.
///
/// A row lists its fields in a fixed order; `hresult`, `http_status`, `symbol`, `event`, `kb` and
/// `shows` are left out when the failure has none.
macro_rules! catalogue {
    (
        $(#[$enum_attr:meta])*
        pub enum JoinFailure {
            $(
                $(#[$attr:meta])*
                $failure:ident {
                    code: $code:literal,
                    $(hresult: $hresult:literal,)?
                    $(http_status: $http_status:literal,)?
                    $(symbol: $symbol:literal,)?
                    log: $log:ident,
                    $(event: $event:literal,)?
                    $(kb: $kb:literal,)?
                    stage: $stage:ident,
                    description: $description:expr,
                    causes: [$($cause:expr),* $(,)?],
                    remediation: $remediation:expr,
                    source: $source:expr,
                    $(shows: $shows:expr,)?
                }
            ),* $(,)?
        }
    ) => {
        $(#[$enum_attr])*
        pub enum JoinFailure {
            $($(#[$attr])* $failure,)*
        }

        impl JoinFailure {
            /// Every failure, in catalogue order.
            pub const ALL: &'static [JoinFailure] = &[$(Self::$failure),*];

            /// This failure's row of the catalogue.
            fn entry(self) -> &'static Entry {
                match self {
                    $(Self::$failure => &Entry {
                        code: $code,
                        hresult: catalogue!(@optional $($hresult)?),
                        http_status: catalogue!(@optional $($http_status)?),
                        symbol: catalogue!(@optional $($symbol)?),
                        log: EventLog::$log,
                        event_id: catalogue!(@optional $($event)?),
                        kb: catalogue!(@optional $($kb)?),
                        stage: MessageStage::$stage,
                        description: $description,
                        causes: &[$($cause),*],
                        remediation: $remediation,
                        source: $source,
                        shows: catalogue!(@optional $($shows)?),
                    },)*
                }
            }
        }
    };
    (@optional) => { None };
    (@optional $value:expr) => { Some($value) };
}

catalogue! {
    /// One documented way a Workplace Join / device registration fails, named as Windows names it.
    ///
    /// Every variant answers the same questions: its [`hresult`](Self::hresult) (or HTTP status),
    /// the event it produces, the support article, a stable kebab-case [`code`](Self::code), what it
    /// means, how to fix it and where that meaning comes from ([`source`](Self::source)). The
    /// variants follow `REFERENCE.md` §2. Four code families share this enum:
    ///
    /// - WinHTTP errors (`0x8007xxxx`) and HTTP statuses of discovery: Windows 8.1 Workplace Join
    ///   (events 102, 103, 200) and Windows 10+ registration alike;
    /// - `MENROLL_E_*` (`0x8018xxxx`, variants `Menroll…`): MDM enrollment, Windows 10 and later;
    /// - `MREGISTER_E_*` (`0x8019xxxx`, variants `Mregister…`): Windows 8.0–8.1 registration, no
    ///   longer used on Windows 10;
    /// - `DSREG_*` (`0x801Cxxxx`, variants `Dsreg…`): Windows 10+ device registration.
    ///
    /// Meanings no source confirms say *inferred* or *unconfirmed* in their description or source.
    ///
    /// ```
    /// use wpj_core::JoinFailure;
    ///
    /// let f = JoinFailure::try_from(0x8007_2F8A_u32)?;
    /// assert_eq!(f, JoinFailure::CertRevoked);
    /// assert_eq!(f.event_id(), Some(102));
    /// assert_eq!(f.kb().unwrap().to_string(), "KB3045383");
    /// assert_eq!(f.code(), "cert-revoked");
    /// assert!(f.source().contains("KB3045383"));
    /// assert_eq!("-2147012726".parse::<JoinFailure>()?, f);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[non_exhaustive]
    pub enum JoinFailure {
        /// 0x80072EE7: `EnterpriseRegistration.<suffix>` could not be resolved.
        NameNotResolved {
            code: "name-not-resolved",
            hresult: 0x8007_2EE7,
            symbol: "ERROR_WINHTTP_NAME_NOT_RESOLVED",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_385,
            stage: BeforeCredentials,
            description: "the name EnterpriseRegistration.<upn-suffix> could not be resolved",
            causes: [
                "no EnterpriseRegistration record for the UPN suffix in the DNS zone the device \
                    queries",
                "split-horizon DNS: the record exists in one view (internal or external) only",
                "the device's DNS server is unreachable or refuses the query",
                "a stale negative answer is cached on the device",
            ],
            remediation: "Create the record: for Microsoft Entra ID a CNAME \
                EnterpriseRegistration.<suffix> → EnterpriseRegistration.windows.net; for AD FS a \
                CNAME or A record pointing at the AD FS farm (internal DNS) and at the Web \
                Application Proxy (external DNS). Then run `ipconfig /flushdns` on the device.",
            source: "KB3045385; WinHTTP error list (winhttp.h)",
        },
        /// 0x80072EFD: no TCP connection to port 443.
        CannotConnect {
            code: "cannot-connect",
            hresult: 0x8007_2EFD,
            symbol: "ERROR_WINHTTP_CANNOT_CONNECT",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_381,
            stage: BeforeCredentials,
            description: "a connection to the device registration service could not be established",
            causes: [
                "a firewall or proxy refuses TCP port 443 to the registration name (a firewall \
                    that drops the packets instead gives 0x80072EE2, see timeout)",
                "no service listens on 443 at the resolved address",
                "http.sys has no binding on 443 for the registration name (AD FS)",
            ],
            remediation: "Allow TCP 443 from the device to the AD FS farm / proxy (or Entra ID), \
                and make sure an SSL binding exists for enterpriseregistration.<suffix>:443 \
                (`netsh http show sslcert`).",
            source: "KB3045381; WinHTTP error list (winhttp.h). Which socket errors become this \
                code: \"What can cause Wininet to return ERROR_INTERNET_CANNOT_CONNECT?\" \
                (Microsoft WebTransports blog: WSAENETDOWN, WSAECONNREFUSED, WSAENETUNREACH, \
                WSAENOTCONN, not WSAETIMEDOUT; written for WinInet, assumed alike for WinHTTP)",
        },
        /// 0x80072F0D: the certificate chain ends in an untrusted root (or an intermediate is
        /// missing).
        InvalidCa {
            code: "invalid-ca",
            hresult: 0x8007_2F0D,
            symbol: "ERROR_WINHTTP_SECURE_INVALID_CA",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_382,
            stage: BeforeCredentials,
            description: "the server certificate chains to a root the device does not trust",
            causes: [
                "the certificate was issued by a private CA whose root is not deployed to the \
                    device",
                "the server does not send its intermediate certificate and the device cannot fetch \
                    it",
                "the device's root certificate updates are out of date",
            ],
            remediation: "Deploy the issuing CA's root (and intermediates) to the device's trusted \
                stores, have the server send the full chain, and keep root certificate updates \
                enabled; or use a certificate from a public CA.",
            source: "KB3045382; WinHTTP error list (winhttp.h)",
        },
        /// 0x80072F8A: the server certificate or an intermediate is revoked.
        CertRevoked {
            code: "cert-revoked",
            hresult: 0x8007_2F8A,
            symbol: "ERROR_WINHTTP_SECURE_CERT_REVOKED",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_383,
            stage: BeforeCredentials,
            description: "the server certificate, or a certificate in its chain, has been revoked",
            causes: [
                "the SSL certificate on AD FS or the proxy was revoked by its CA",
                "an intermediate CA certificate in the chain was revoked",
                "the certificate's OCSP responder (asked before any CRL, as CryptoAPI does) says \
                    revoked, or the server staples an OCSP response saying so: Windows believes \
                    the first definitive answer and does not look further",
                "the certificate was revoked after the CA's last complete (base) CRL: only the \
                    delta CRL its FreshestCRL extension names lists it, and Windows reads both",
            ],
            remediation: "Obtain a new certificate and install it on every AD FS node and every \
                Web Application Proxy (Set-AdfsSslCertificate / \
                Set-WebApplicationProxySslCertificate).",
            source: "KB3045383; WinHTTP error list (winhttp.h)",
        },
        /// 0x80072F19: revocation could not be checked (CRL/OCSP server offline); Windows fails
        /// hard.
        RevocationOffline {
            code: "revocation-offline",
            hresult: 0x8007_2F19,
            symbol: "ERROR_WINHTTP_SECURE_CERT_REV_FAILED",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_384,
            stage: BeforeCredentials,
            description: "the revocation status of the certificate chain could not be determined \
                (revocation server offline)",
            causes: [
                "a CRL distribution point or OCSP responder in the chain is unreachable from the \
                    device",
                "the published CRL is expired, malformed or signed by the wrong key",
                "the CDP is an internal-only (ldap:// or intranet) URL that external devices \
                    cannot reach",
                "the OCSP responder gives no usable answer (tryLater, unauthorized, \
                    internalError, status unknown, a response past its nextUpdate, a bad \
                    signature, or a signer the CA did not delegate with id-kp-OCSPSigning) and no \
                    CRL distribution point gives one either",
                "the only CRL distribution points are ldap:// URLs: unknown for devices outside \
                    the domain, which cannot read Active Directory",
                "the CA publishes delta CRLs (FreshestCRL) and the delta CRL is unreachable, past \
                    its nextUpdate, badly signed, or does not match its complete CRL's number: \
                    Windows needs both",
                "the CRL at the distribution point is another partition's: its issuing \
                    distribution point does not cover the certificate, so it says nothing about it",
            ],
            remediation: "Make every CDP and OCSP URL in the chain reachable from the device \
                (Windows treats an unknown revocation status as a hard failure) and publish fresh \
                CRLs, and delta CRLs where the CA issues them, before their nextUpdate.",
            source: "KB3045384; WinHTTP error list (winhttp.h)",
        },
        /// 0x80004005: unknown error.
        UnknownError {
            code: "unknown-error",
            hresult: 0x8000_4005,
            symbol: "E_FAIL",
            log: WorkplaceJoin,
            event: 102,
            kb: 3_045_380,
            stage: BeforeCredentials,
            description: "an unspecified error occurred during discovery",
            causes: ["an error the client could not classify"],
            remediation: DEVICE_SIDE_LOGS,
            source: "KB3045380; E_FAIL (winerror.h)",
        },
        /// Event 103, HTTP 404: the discovery contract endpoint was not found.
        ContractNotFound {
            code: "contract-not-found",
            http_status: 404,
            log: WorkplaceJoin,
            event: 103,
            kb: 3_045_386,
            stage: BeforeCredentials,
            description: "the discovery endpoint /EnrollmentServer/contract returned HTTP 404 (not \
                found)",
            causes: [
                "device registration is not enabled (Entra ID device settings, or the AD FS DRS \
                    relying-party trust on each node)",
                "DNS points the registration name at the wrong server",
                "the UPN suffix is missing from the certificate's subject alternative names",
                "no 443 binding for enterpriseregistration.<suffix> (`netsh http show sslcert`)",
            ],
            remediation: "Enable device registration (Entra ID: allow users to register devices; \
                AD FS: Initialize-ADDeviceRegistration and Enable-AdfsDeviceRegistration on every \
                node), point EnterpriseRegistration.<suffix> at the right service, and add the \
                suffix to the certificate and the http.sys bindings.",
            source: "KB3045386; the contract endpoint is specified in MS-DVRD",
        },
        /// Event 103, HTTP 503: the registration service is unavailable.
        ServiceUnavailable {
            code: "service-unavailable",
            http_status: 503,
            log: WorkplaceJoin,
            event: 103,
            kb: 3_045_388,
            stage: BeforeCredentials,
            description: "the discovery endpoint returned HTTP 503 (service unavailable)",
            causes: [
                "the AD FS or device registration service is stopped on a farm node (inferred)",
                "the load balancer sends the device to a node that is out of service",
            ],
            remediation: "Start the AD FS service (and DRS) on every farm node and proxy, and take \
                broken nodes out of the load balancer. Windows 10 reports this as \
                DSREG_SERVER_BUSY 0x801C0025.",
            source: "KB3045388 (article retired: the cause is inferred from the seed's mapping); \
                Troubleshoot Microsoft Entra hybrid joined devices for DSREG_SERVER_BUSY (HTTP \
                503)",
        },
        /// Event 200 (KB3045379, no HRESULT): the user has reached the maximum number of registered
        /// devices. Windows 10+ reports the same condition as
        /// [`DsregQuotaExceeded`](Self::DsregQuotaExceeded), MDM enrollment as
        /// [`MenrollDeviceCapReached`](Self::MenrollDeviceCapReached).
        DeviceCapReached {
            code: "device-cap-reached",
            log: WorkplaceJoin,
            event: 200,
            kb: 3_045_379,
            stage: AfterCredentials,
            description: "the user has reached the maximum number of devices they may register",
            causes: ["stale registrations count against the per-user quota"],
            remediation: "Delete stale devices of the user, or raise the quota (Entra ID device \
                settings; AD FS `Set-AdfsDeviceRegistration -DevicesPerUser`).",
            source: "KB3045379 (event 200; the article gives no HRESULT). Windows 10 and later log \
                the same condition as DSREG_E_DEVICE_REGISTRATION_QUOTA_EXCCEEDED 0x801C000E \
                (dsreg-quota-exceeded), MDM enrollment as MENROLL_E_DEVICECAPREACHED 0x80180013 \
                (menroll-device-cap-reached). Unconfirmed: the message table of \
                deviceregistration.dll (Windows 8.1 and 10) gives 0x8018000E this meaning, so a \
                Workplace Join event 200 may carry 0x8018000E",
        },
        /// 0x80072EE2: the request timed out.
        Timeout {
            code: "timeout",
            hresult: 0x8007_2EE2,
            symbol: "ERROR_WINHTTP_TIMEOUT",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "the request timed out",
            causes: [
                "a firewall drops packets instead of refusing them: Windows' TCP sends three SYNs \
                    (3 + 6 + 12 s) and gives up after about 21 s, before WinHTTP's 60 s connect \
                    time-out, and WinHTTP reports this code (not 0x80072EFD)",
                "the server accepts the connection but never completes the handshake or the \
                    response (WinHTTP waits 30 s, its default receive time-out)",
                "an overloaded server or proxy",
            ],
            remediation: "Find where the packets stop (a firewall that drops, a stalled load \
                balancer or proxy) and make the service answer; check the server's health.",
            source: "WinHTTP error list (winhttp.h); Troubleshoot Microsoft Entra hybrid joined \
                devices (as WININET_E_TIMEOUT); event 102 in the Workplace Join log is inferred \
                from the seed's discovery failures. Unanswered connects: WinHttpSetTimeouts \
                (connect 60 s, send and receive 30 s; \"TCP/IP can time out while setting up the \
                socket during the three leg SYN/ACK exchange, regardless of the value of this \
                parameter\"), TcpInitialRTT and TcpMaxConnectRetransmissions (3 s, two \
                retransmissions), and the WinHTTP team's account in dotnet/corefx pull request \
                8502 (ERROR_WINHTTP_TIMEOUT after about 21 s even with the connect time-out \
                infinite); the same defaults on current Windows 10/11 builds are unconfirmed",
        },
        /// 0x80072EFE: the connection was reset or the TLS versions did not match.
        ConnectionError {
            code: "connection-error",
            hresult: 0x8007_2EFE,
            symbol: "ERROR_WINHTTP_CONNECTION_ERROR",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "the connection was reset or aborted, or the TLS protocol versions do not \
                match",
            causes: [
                "the server or a middlebox resets the connection",
                "the server and the device share no TLS version or cipher suite",
            ],
            remediation: "Enable a TLS version and cipher suite both sides support (TLS 1.2 on \
                older Windows) and look for middleboxes that reset TLS connections.",
            source: "WinHTTP error list (winhttp.h); Troubleshoot Microsoft Entra hybrid joined \
                devices (as WININET_E_CONNECTION_ABORTED); the TLS version mismatch cause and \
                event 102 are inferred",
        },
        /// 0x80072F05: the server certificate is expired or not yet valid.
        CertDateInvalid {
            code: "cert-date-invalid",
            hresult: 0x8007_2F05,
            symbol: "ERROR_WINHTTP_SECURE_CERT_DATE_INVALID",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "a certificate in the chain is expired or not yet valid",
            causes: [
                "the SSL certificate expired and was not renewed on every node and proxy",
                "the device's clock is wrong",
            ],
            remediation: "Renew the certificate and install it on every AD FS node and proxy; \
                check the device's clock.",
            source: WINHTTP_EVENT_INFERRED,
        },
        /// 0x80072F06: the server certificate does not name `enterpriseregistration.<suffix>`.
        CertNameInvalid {
            code: "cert-name-invalid",
            hresult: 0x8007_2F06,
            symbol: "ERROR_WINHTTP_SECURE_CERT_CN_INVALID",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "the server certificate does not name enterpriseregistration.<upn-suffix>",
            causes: [
                "the certificate lacks a SAN for enterpriseregistration.<suffix> (one per UPN \
                    suffix)",
                "DNS sends the device to a server presenting another site's certificate",
            ],
            remediation: "Issue a certificate whose subject alternative names include \
                enterpriseregistration.<suffix> for every UPN suffix, and install it on every node \
                and proxy.",
            source: WINHTTP_EVENT_INFERRED,
        },
        /// 0x80072F89: the server certificate is invalid (wrong key usage, malformed).
        InvalidCert {
            code: "invalid-cert",
            hresult: 0x8007_2F89,
            symbol: "ERROR_WINHTTP_SECURE_INVALID_CERT",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "the server certificate is invalid (wrong key usage or malformed)",
            causes: [
                "the certificate lacks the serverAuth extended key usage or digitalSignature key \
                    usage",
                "the certificate is malformed",
                "an intermediate CA certificate restricts its extended key usage to other \
                    purposes (no serverAuth): CryptoAPI intersects the usages along the chain \
                    (CERT_TRUST_IS_NOT_VALID_FOR_USAGE); that WinHTTP logs this code for it is \
                    inferred, as for the leaf",
            ],
            remediation: "Issue a certificate from a template for SSL server authentication (EKU \
                serverAuth).",
            source: WINHTTP_EVENT_INFERRED,
        },
        /// 0x80072F7C: a redirect could not be followed (loop or too many hops).
        RedirectFailed {
            code: "redirect-failed",
            hresult: 0x8007_2F7C,
            symbol: "ERROR_WINHTTP_REDIRECT_FAILED",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "a redirect could not be followed (loop or too many redirects)",
            causes: ["a proxy or web server redirects the contract URL in a loop"],
            remediation: "Serve /EnrollmentServer/contract directly from the registration name \
                without redirects.",
            source: WINHTTP_EVENT_INFERRED,
        },
        /// 0x80072F78: the server's response could not be understood.
        InvalidServerResponse {
            code: "invalid-server-response",
            hresult: 0x8007_2F78,
            symbol: "ERROR_WINHTTP_INVALID_SERVER_RESPONSE",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "the server's response could not be parsed as HTTP",
            causes: [
                "something other than a web server answers on 443",
                "a broken proxy or load balancer",
            ],
            remediation: "Make sure the AD FS / proxy web service answers on 443, not another \
                service.",
            source: WINHTTP_EVENT_INFERRED,
        },
        /// 0x80072F8F: a TLS-level security failure.
        SecureFailure {
            code: "secure-failure",
            hresult: 0x8007_2F8F,
            symbol: "ERROR_WINHTTP_SECURE_FAILURE",
            log: WorkplaceJoin,
            event: 102,
            stage: BeforeCredentials,
            description: "a TLS security failure (in WinINet the same number means \
                DECODING_FAILED)",
            causes: [
                "several certificate problems at once",
                "a TLS handshake failure not covered by a specific code",
            ],
            remediation: "Inspect the certificate chain and the TLS configuration of the server; \
                run the TLS check of this tool to see every problem separately.",
            source: "WinHTTP error list (winhttp.h); Troubleshoot Microsoft Entra hybrid joined \
                devices lists the same number as WININET_E_DECODING_FAILED; event 102 in the \
                Workplace Join log is inferred from the seed's discovery failures",
        },
        /// 0x8007000D: the discovery answer is not a discovery document (typically a proxy's HTML
        /// page).
        InvalidData {
            code: "invalid-data",
            hresult: 0x8007_000D,
            symbol: "E_INVALIDDATA",
            log: UserDeviceRegistration,
            event: 201,
            stage: BeforeCredentials,
            description: "the discovery answer is not a discovery document",
            causes: [
                "a proxy or captive portal answers with an HTML page and HTTP 200",
                "the registration name points at a web server that is not the registration service",
            ],
            remediation: "Let the device reach the registration service directly (exempt the name \
                from the proxy or captive portal) and point the name at AD FS / Entra ID.",
            source: HYBRID_JOIN_DOCS,
        },
        /// Event 103 with an HTTP status other than 404 or 503.
        HttpError {
            code: "http-error",
            log: WorkplaceJoin,
            event: 103,
            stage: BeforeCredentials,
            description: "the discovery endpoint returned an HTTP error status other than 404 or \
                503",
            causes: [
                "a proxy denies the request (401, 403, 407)",
                "the service fails internally (500)",
            ],
            remediation: "Look at the status and the body the service returned (in this tool's \
                evidence) and at the AD FS admin log or the proxy's logs for the same time.",
            source: "event 103 for statuses other than 404 and 503 is inferred from KB3045386 and \
                KB3045388",
        },
        /// Event 103, no HRESULT: the contract redirects from HTTPS to HTTP, which WinHTTP's
        /// default redirect policy refuses (inferred).
        InsecureRedirect {
            code: "insecure-redirect",
            log: WorkplaceJoin,
            event: 103,
            stage: BeforeCredentials,
            description: "the discovery endpoint redirects from HTTPS to HTTP, which the device \
                refuses to follow (inferred)",
            causes: [
                "a web server or proxy redirects the contract URL to an http:// address",
                "an HTTPS-offloading load balancer builds its Location header with http://",
            ],
            remediation: "Serve /EnrollmentServer/contract over HTTPS without redirects, or \
                redirect only to https:// addresses (fix the Location header the server or load \
                balancer writes).",
            source: "WinHTTP documentation: the default WINHTTP_OPTION_REDIRECT_POLICY is \
                WINHTTP_OPTION_REDIRECT_POLICY_DISALLOW_HTTPS_TO_HTTP. Inferred: that the device \
                then takes the 3xx status as the answer and logs event 103",
        },
        /// 0x8018000A (`MENROLL_E_DEVICE_ALREADY_ENROLLED`): the device is already enrolled in MDM.
        MenrollAlreadyEnrolled {
            code: "menroll-already-enrolled",
            hresult: 0x8018_000A,
            symbol: "MENROLL_E_DEVICE_ALREADY_ENROLLED",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: the device is already enrolled",
            causes: ["an earlier MDM enrollment of this device is still in place (inferred)"],
            remediation: "Remove the existing enrollment (Settings → Accounts → Access work or \
                school, or unenroll the device in the management service), then enroll again.",
            source: "MDMRegistration.h, MDM registration error values; Windows client management: \
                Azure AD integration with MDM, error codes. Caution: the Workplace Join message \
                table of deviceregistration.dll (Windows 8.1 and 10) reads 0x8018000A as 'The \
                device is not joined to your workplace.'",
            shows: "This device is already enrolled. You can contact your system administrator \
                with the error code {0}.",
        },
        /// 0x8018000B (`MENROLL_E_DEVICE_NOT_ENROLLED`): the device is not enrolled in MDM.
        MenrollNotEnrolled {
            code: "menroll-not-enrolled",
            hresult: 0x8018_000B,
            symbol: "MENROLL_E_DEVICE_NOT_ENROLLED",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: the device is not enrolled",
            causes: [
                "an operation that needs an MDM enrollment (renewal, unenrollment) ran on a device \
                    whose enrollment is gone (inferred)",
            ],
            remediation: "Enroll the device in MDM again (Settings → Accounts → Access work or \
                school), then retry.",
            source: "MDMRegistration.h, MDM registration error values (the text Windows shows is \
                not documented; message stage inferred). Caution: the Workplace Join message table \
                of deviceregistration.dll (Windows 8.1 and 10) reads 0x8018000B as 'The redirected \
                URI is not part of the wellknown redirection list.'",
            shows: SHOWS_NOT_DOCUMENTED,
        },
        /// 0x8018000D (`MENROLL_E_DISCOVERY_SEC_CERT_DATE_INVALID`): during MDM discovery the
        /// certificate's date was invalid.
        MenrollDiscoveryCertDateInvalid {
            code: "menroll-discovery-cert-date-invalid",
            hresult: 0x8018_000D,
            symbol: "MENROLL_E_DISCOVERY_SEC_CERT_DATE_INVALID",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: BeforeCredentials,
            description: "MDM enrollment: during discovery the security certificate's date was \
                invalid",
            causes: [
                "the MDM discovery server's certificate is expired or not yet valid (inferred)",
                "the device's clock is wrong (inferred)",
            ],
            remediation: "Renew the certificate of the MDM discovery endpoint and install it \
                everywhere the name is served; check the device's clock.",
            source: "MDMRegistration.h, MDM registration error values; Windows client management: \
                Azure AD integration with MDM, error codes. Caution: the Workplace Join message \
                table of deviceregistration.dll (Windows 8.1 and 10) reads 0x8018000D as \
                'Workplace Join is not supported.'",
            shows: SHOWS_CERTIFICATE,
        },
        /// 0x8018000E (`MENROLL_E_PASSWORD_NEEDED`): a password is needed but was not supplied.
        MenrollPasswordNeeded {
            code: "menroll-password-needed",
            hresult: 0x8018_000E,
            symbol: "MENROLL_E_PASSWORD_NEEDED",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: a password is needed but was not supplied",
            causes: ["the enrollment ran without the user's credentials (inferred)"],
            remediation: "Start the enrollment again and sign in when asked; for automatic \
                enrollment, check that the user's token reaches the MDM service.",
            source: "MDMRegistration.h, MDM registration error values; Windows client management: \
                Azure AD integration with MDM, error codes. Caution: the Workplace Join message \
                table of deviceregistration.dll (Windows 8.1 and 10) reads 0x8018000E as 'The \
                maximum number of devices that can be joined to the workplace by the user has been \
                reached.': in the Workplace Join log this code means device-cap-reached \
                (unconfirmed)",
            shows: SHOWS_AUTHENTICATION,
        },
        /// 0x8018000F (`MENROLL_E_WAB_ERROR`): an error occurred during WAB enrollment.
        MenrollWabError {
            code: "menroll-wab-error",
            hresult: 0x8018_000F,
            symbol: "MENROLL_E_WAB_ERROR",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: an error occurred during WAB enrollment",
            causes: [
                "the sign-in or terms-of-use pages the MDM shows in the web view failed (inferred: \
                    WAB read as the web authentication broker)",
            ],
            remediation: MDM_LOG_FIX,
            source: MENROLL,
            shows: SHOWS_AUTHENTICATION,
        },
        /// 0x80180010 (`MENROLL_E_CONNECTIVITY`): a network error (DNS, timeout) during MDM
        /// enrollment.
        MenrollConnectivity {
            code: "menroll-connectivity",
            hresult: 0x8018_0010,
            symbol: "MENROLL_E_CONNECTIVITY",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: BeforeCredentials,
            description: "MDM enrollment: a network error occurred, such as DNS or a network \
                timeout",
            causes: [
                "the MDM discovery or enrollment endpoint cannot be resolved or reached from the \
                    device",
            ],
            remediation: "Make the MDM discovery and enrollment endpoints resolvable and reachable \
                from the device (DNS, firewall, proxy).",
            source: MENROLL,
            shows: SHOWS_SERVER_CONNECTIVITY,
        },
        /// 0x80180012 (`MENROLL_E_INVALIDSSLCERT`): the MDM server's SSL certificate is not valid.
        MenrollInvalidSslCert {
            code: "menroll-invalid-ssl-cert",
            hresult: 0x8018_0012,
            symbol: "MENROLL_E_INVALIDSSLCERT",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: BeforeCredentials,
            description: "MDM enrollment: the server's SSL certificate was not valid",
            causes: [
                "the MDM server's certificate is untrusted, expired or names another host \
                    (inferred)",
            ],
            remediation: "Install a certificate on the MDM endpoints that chains to a root the \
                device trusts, is in its validity period and names the endpoint's host.",
            source: MENROLL,
            shows: SHOWS_CERTIFICATE,
        },
        /// 0x80180013 (`MENROLL_E_DEVICECAPREACHED`): the user has enrolled too many devices.
        MenrollDeviceCapReached {
            code: "menroll-device-cap-reached",
            hresult: 0x8018_0013,
            symbol: "MENROLL_E_DEVICECAPREACHED",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: the user has already enrolled too many devices",
            causes: ["stale enrollments count against the user's device limit in the MDM service"],
            remediation: "Delete or unenroll the user's old devices (the user can do this without \
                an administrator), or raise the MDM service's device limit per user.",
            source: MENROLL,
            shows: SHOWS_DEVICE_LIMIT,
        },
        /// 0x80180014 (`MENROLL_E_DEVICENOTSUPPORTED`): the platform or Windows version is not
        /// supported.
        MenrollDeviceNotSupported {
            code: "menroll-device-not-supported",
            hresult: 0x8018_0014,
            symbol: "MENROLL_E_DEVICENOTSUPPORTED",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: AfterCredentials,
            description: "MDM enrollment: this platform or Windows version is not supported",
            causes: [
                "the MDM service does not accept the device's platform or Windows version (for \
                    example an enrollment restriction, inferred)",
            ],
            remediation: "Upgrade the device (the general fix the header names), or allow its \
                platform and version in the MDM service's enrollment restrictions.",
            source: MENROLL,
            shows: "This feature isn't supported. Contact your system administrator with the error \
                code {0}.",
        },
        /// 0x8018001A (`MENROLL_E_INSECUREREDIRECT`): the server asked for HTTP instead of HTTPS.
        MenrollInsecureRedirect {
            code: "menroll-insecure-redirect",
            hresult: 0x8018_001A,
            symbol: "MENROLL_E_INSECUREREDIRECT",
            log: DeviceManagementEnterpriseDiagnostics,
            stage: BeforeCredentials,
            description: "MDM enrollment: the server requested HTTP rather than HTTPS, which was \
                not accepted",
            causes: ["an MDM discovery or enrollment URL redirects to an http:// address"],
            remediation: "Serve every MDM discovery and enrollment URL over HTTPS and redirect \
                only to https:// addresses.",
            source: MENROLL_NO_TEXT,
            shows: SHOWS_NOT_DOCUMENTED,
        },
        /// 0x80190001 (`MREGISTER_E_DEVICE_MESSAGE_FORMAT_ERROR`): invalid schema / message format
        /// from the server.
        MregisterMessageFormatError {
            code: "mregister-message-format-error",
            hresult: 0x8019_0001,
            symbol: "MREGISTER_E_DEVICE_MESSAGE_FORMAT_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: invalid schema, message format error from the \
                server",
            causes: ["the registration server's answer does not follow the protocol (inferred)"],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190002 (`MREGISTER_E_DEVICE_AUTHENTICATION_ERROR`): the server failed to
        /// authenticate the user.
        MregisterAuthenticationError {
            code: "mregister-authentication-error",
            hresult: 0x8019_0002,
            symbol: "MREGISTER_E_DEVICE_AUTHENTICATION_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the server failed to authenticate the user",
            causes: [
                "the sign-in was rejected, or the token-signing certificate the server expects \
                    changed (inferred)",
            ],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190003 (`MREGISTER_E_DEVICE_AUTHORIZATION_ERROR`): the user is not authorized to
        /// enroll.
        MregisterAuthorizationError {
            code: "mregister-authorization-error",
            hresult: 0x8019_0003,
            symbol: "MREGISTER_E_DEVICE_AUTHORIZATION_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the user is not authorized to enroll",
            causes: ["registration is limited to selected users or groups (inferred)"],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190004 (`MREGISTER_E_DEVICE_CERTIFCATEREQUEST_ERROR`, sic): the certificate request
        /// failed.
        MregisterCertificateRequestError {
            code: "mregister-certificate-request-error",
            hresult: 0x8019_0004,
            symbol: "MREGISTER_E_DEVICE_CERTIFCATEREQUEST_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the user has no permission for the certificate \
                template or the certificate authority is unreachable",
            causes: [
                "the certificate template's permissions exclude the user",
                "the certificate authority is offline or unreachable from the registration server",
            ],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190005 (`MREGISTER_E_DEVICE_CONFIGMGRSERVER_ERROR`): the management server failed.
        MregisterManagementServerError {
            code: "mregister-management-server-error",
            hresult: 0x8019_0005,
            symbol: "MREGISTER_E_DEVICE_CONFIGMGRSERVER_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: there was a failure at the management server, \
                such as a database access error",
            causes: ["the management server's database or back end failed"],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190006 (`MREGISTER_E_DEVICE_INTERNALSERVICE_ERROR`): an unhandled exception on the
        /// server.
        MregisterInternalServiceError {
            code: "mregister-internal-service-error",
            hresult: 0x8019_0006,
            symbol: "MREGISTER_E_DEVICE_INTERNALSERVICE_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: there was an unhandled exception on the server",
            causes: ["a server-side fault in the registration service"],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190008 (`MREGISTER_E_DEVICE_UNKNOWN_ERROR`): unknown server error.
        MregisterUnknownError {
            code: "mregister-unknown-error",
            hresult: 0x8019_0008,
            symbol: "MREGISTER_E_DEVICE_UNKNOWN_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: unknown server error",
            causes: ["a server-side error the client could not classify"],
            remediation: MREGISTER_FIX,
            source: MREGISTER,
        },
        /// 0x80190009 (`MREGISTER_E_REGISTRATION_IN_PROGRESS`): another enrollment is under way.
        MregisterRegistrationInProgress {
            code: "mregister-registration-in-progress",
            hresult: 0x8019_0009,
            symbol: "MREGISTER_E_REGISTRATION_IN_PROGRESS",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: another enrollment operation is currently \
                under way",
            causes: ["a second registration was started before the first finished"],
            remediation: "Wait for the running registration to finish, then try again.",
            source: MREGISTER,
        },
        /// 0x8019000A (`MREGISTER_E_DEVICE_ALREADY_REGISTERED`): the device is already enrolled.
        MregisterAlreadyRegistered {
            code: "mregister-already-registered",
            hresult: 0x8019_000A,
            symbol: "MREGISTER_E_DEVICE_ALREADY_REGISTERED",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the device is already enrolled",
            causes: ["an earlier registration of this device is still in place"],
            remediation: "Leave the workplace or remove the old registration, then register again.",
            source: MREGISTER_NO_LONGER_USED,
        },
        /// 0x8019000B (`MREGISTER_E_DEVICE_NOT_REGISTERED`): the device is not enrolled.
        MregisterNotRegistered {
            code: "mregister-not-registered",
            hresult: 0x8019_000B,
            symbol: "MREGISTER_E_DEVICE_NOT_REGISTERED",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the device is not enrolled",
            causes: [
                "an operation that needs a registration ran on a device that has none (inferred)",
            ],
            remediation: "Register the device again, then retry.",
            source: MREGISTER_NO_LONGER_USED,
        },
        /// 0x8019000C (`MREGISTER_E_DISCOVERY_REDIRECTED`): discovery needs a redirection.
        MregisterDiscoveryRedirected {
            code: "mregister-discovery-redirected",
            hresult: 0x8019_000C,
            symbol: "MREGISTER_E_DISCOVERY_REDIRECTED",
            log: WorkplaceJoin,
            stage: BeforeCredentials,
            description: "Windows 8.1 registration: redirection is needed",
            causes: ["the discovery server answered with a redirection (inferred)"],
            remediation: MREGISTER_FIX,
            source: MREGISTER_NO_LONGER_USED,
        },
        /// 0x8019000D (`MREGISTER_E_DEVICE_NOT_AD_REGISTERED_ERROR`): the device is not registered
        /// with Active Directory.
        MregisterNotAdRegistered {
            code: "mregister-not-ad-registered",
            hresult: 0x8019_000D,
            symbol: "MREGISTER_E_DEVICE_NOT_AD_REGISTERED_ERROR",
            log: WorkplaceJoin,
            stage: AfterCredentials,
            description: "Windows 8.1 registration: the device is not registered with Active \
                Directory",
            causes: [
                "the operation needs a device registered in Active Directory (Workplace Join) \
                    first (inferred)",
            ],
            remediation: "Workplace Join the device first, then retry.",
            source: MREGISTER_NO_LONGER_USED,
        },
        /// 0x8019000E (`MREGISTER_E_DISCOVERY_FAILED`): discovery failed; redirection is needed.
        MregisterDiscoveryFailed {
            code: "mregister-discovery-failed",
            hresult: 0x8019_000E,
            symbol: "MREGISTER_E_DISCOVERY_FAILED",
            log: WorkplaceJoin,
            stage: BeforeCredentials,
            description: "Windows 8.1 registration: discovery failed, redirection is needed",
            causes: ["the discovery server could not be used without a redirection (inferred)"],
            remediation: MREGISTER_FIX,
            source: MREGISTER_NO_LONGER_USED,
        },
        /// 0x801C0001 (`DSREG_E_DEVICE_MESSAGE_FORMAT_ERROR`): the registration message has the
        /// wrong format.
        DsregMessageFormatError {
            code: "dsreg-message-format-error",
            hresult: 0x801C_0001,
            symbol: "DSREG_E_DEVICE_MESSAGE_FORMAT_ERROR",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: the server's message has the wrong format \
                (inferred)",
            causes: ["a proxy or the registration service returned a malformed answer (inferred)"],
            remediation: "Read the User Device Registration admin log for the server's answer and \
                make sure no proxy rewrites the registration traffic.",
            source: DSREG_E_INFERRED,
            shows: SHOWS_SERVER_CONNECTIVITY,
        },
        /// 0x801C0002 (`DSREG_E_DEVICE_AUTHENTICATION_ERROR`): the registration service answered
        /// `AuthenticationError`.
        DsregAuthenticationError {
            code: "dsreg-authentication-error",
            hresult: 0x801C_0002,
            symbol: "DSREG_E_DEVICE_AUTHENTICATION_ERROR",
            log: UserDeviceRegistration,
            event: 204,
            stage: AfterCredentials,
            description: "device registration: the registration service answered with an \
                authentication error",
            causes: [
                "the registration service could not authenticate the user or the device (DRS error \
                    AuthenticationError, sub-error not DeviceNotFound)",
                "the federation service's token-signing certificate expired or changed (inferred)",
            ],
            remediation: "Look at the server error code and message the device logged (dsregcmd \
                /status: Server ErrorCode, Server Message) and at the sign-in logs of AD FS / \
                Entra ID for the same time.",
            source: "Windows client management: Azure AD integration with MDM, error codes; \
                Troubleshoot Microsoft Entra hybrid joined devices (join phase, event 204)",
            shows: SHOWS_AUTHENTICATION,
        },
        /// 0x801C0003 (`DSREG_E_DEVICE_AUTHORIZATION_ERROR`): the user is not authorized to
        /// register the device.
        DsregAuthorizationError {
            code: "dsreg-authorization-error",
            hresult: 0x801C_0003,
            symbol: "DSREG_E_DEVICE_AUTHORIZATION_ERROR",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: this user is not authorized to enroll the device",
            causes: [
                "device join or registration is limited to selected users or groups (inferred)",
            ],
            remediation: "Allow the user to join or register devices (Entra ID: Devices → Device \
                settings; AD FS: the DRS issuance authorization rules).",
            source: DSREG_E,
            shows: SHOWS_AUTHORIZATION,
        },
        /// 0x801C0006 (`DSREG_E_DEVICE_INTERNALSERVICE_ERROR`): the registration service failed
        /// internally.
        DsregInternalServiceError {
            code: "dsreg-internal-service-error",
            hresult: 0x801C_0006,
            symbol: "DSREG_E_DEVICE_INTERNALSERVICE_ERROR",
            log: UserDeviceRegistration,
            event: 204,
            stage: AfterCredentials,
            description: "device registration: the registration service reported an internal error",
            causes: ["the registration service answered with an error (DRS error DirectoryError)"],
            remediation: "Look at the server error code and message the device logged (dsregcmd \
                /status: Server ErrorCode, Server Message); retry later if the service is \
                throttling.",
            source: "Windows client management: Azure AD integration with MDM, error codes; \
                Troubleshoot Microsoft Entra hybrid joined devices (join phase, event 204)",
            shows: SHOWS_SERVER_CONNECTIVITY,
        },
        /// 0x801C000B (`DSREG_E_DISCOVERY_REDIRECTION_NOT_TRUSTED`): discovery was redirected to a
        /// server that is not trusted.
        DsregDiscoveryRedirectionNotTrusted {
            code: "dsreg-discovery-redirection-not-trusted",
            hresult: 0x801C_000B,
            symbol: "DSREG_E_DISCOVERY_REDIRECTION_NOT_TRUSTED",
            log: UserDeviceRegistration,
            stage: BeforeCredentials,
            description: "device registration discovery: the server being contacted is not trusted",
            causes: [
                "discovery was redirected to a host the device does not trust for registration \
                    (inferred from the symbol name)",
            ],
            remediation: "Serve the discovery contract from EnterpriseRegistration.<suffix> \
                itself, without redirects to other hosts.",
            source: DSREG_E,
            shows: "The server being contacted isn't trusted. Contact your system administrator \
                with the error code {0}.",
        },
        /// 0x801C000C (`DSREG_E_DISCOVERY_FAILED`): discovery failed talking to the server (not to
        /// be confused with [`DsregDiscoveryFailed`](Self::DsregDiscoveryFailed), 0x801C0021).
        DsregDiscoveryError {
            code: "dsreg-discovery-error",
            hresult: 0x801C_000C,
            symbol: "DSREG_E_DISCOVERY_FAILED",
            log: UserDeviceRegistration,
            stage: BeforeCredentials,
            description: "device registration discovery failed: there was an error communicating \
                with the server",
            causes: [
                "any discovery-phase failure: DNS, connection, certificate or HTTP status \
                    (inferred)",
            ],
            remediation: "Run this tool's live diagnosis for the UPN suffix to find the failing \
                discovery step.",
            source: DSREG_E,
            shows: SHOWS_SERVER_CONNECTIVITY,
        },
        /// 0x801C000E (`DSREG_E_DEVICE_REGISTRATION_QUOTA_EXCCEEDED`, sic): the user's device quota
        /// is reached.
        DsregQuotaExceeded {
            code: "dsreg-quota-exceeded",
            hresult: 0x801C_000E,
            symbol: "DSREG_E_DEVICE_REGISTRATION_QUOTA_EXCCEEDED",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: the user has reached the maximum number of \
                registered devices",
            causes: ["stale registrations count against the per-user quota"],
            remediation: "Delete stale devices of the user, or raise the quota (Entra ID: Devices \
                → Device settings → maximum number of devices per user; AD FS \
                `Set-AdfsDeviceRegistration -DevicesPerUser`).",
            source: "Windows client management: Azure AD integration with MDM, error codes (the \
                header spells the symbol EXCCEEDED); the Windows 10+ form of KB3045379's event 200 \
                (device-cap-reached)",
            shows: SHOWS_DEVICE_LIMIT,
        },
        /// 0x801C000F (`DSREG_E_DEVICE_REQUIRES_REBOOT`): a reboot is required to complete
        /// registration.
        DsregRebootRequired {
            code: "dsreg-reboot-required",
            hresult: 0x801C_000F,
            symbol: "DSREG_E_DEVICE_REQUIRES_REBOOT",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: a reboot is required to complete device \
                registration",
            causes: ["registration finished a step that only takes effect after a restart"],
            remediation: "Restart the device.",
            source: DSREG_E,
            shows: "A reboot is required to complete device registration.",
        },
        /// 0x801C0012 (`DSREG_E_DISCOVERY_BAD_MESSAGE_ERROR`): the discovery answer is a bad
        /// message.
        DsregDiscoveryBadMessage {
            code: "dsreg-discovery-bad-message",
            hresult: 0x801C_0012,
            symbol: "DSREG_E_DISCOVERY_BAD_MESSAGE_ERROR",
            log: UserDeviceRegistration,
            stage: BeforeCredentials,
            description: "device registration discovery: the discovery answer is a bad message \
                (inferred)",
            causes: [
                "the discovery answer is not a discovery document, for example a proxy's page \
                    (inferred)",
            ],
            remediation: "Let the device reach the registration service directly and check that \
                the contract endpoint returns a discovery document (this tool's contract check \
                shows the body).",
            source: DSREG_E_INFERRED,
            shows: SHOWS_SERVER_CONNECTIVITY,
        },
        /// 0x801C0013 (`DSREG_E_TENANTID_NOT_FOUND`): the tenant ID was not found.
        DsregTenantIdNotFound {
            code: "dsreg-tenant-id-not-found",
            hresult: 0x801C_0013,
            symbol: "DSREG_E_TENANTID_NOT_FOUND",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: the tenant ID was not found (inferred)",
            causes: ["the device could not find the tenant ID it registers into (inferred)"],
            remediation: "Check the service connection point (tenant name and ID) in Active \
                Directory, or the tenant the user signs in to.",
            source: DSREG_E_INFERRED,
            shows: SHOWS_AUTHENTICATION,
        },
        /// 0x801C0014 (`DSREG_E_USERSID_NOT_FOUND`): the user's SID was not found.
        DsregUserSidNotFound {
            code: "dsreg-user-sid-not-found",
            hresult: 0x801C_0014,
            symbol: "DSREG_E_USERSID_NOT_FOUND",
            log: UserDeviceRegistration,
            stage: AfterCredentials,
            description: "device registration: the user's SID was not found (inferred)",
            causes: [
                "the user's security identifier is missing from the token or the session \
                    (inferred)",
            ],
            remediation: "Sign out and in again with the work account, then retry; read the User \
                Device Registration admin log for the step that failed.",
            source: DSREG_E_INFERRED,
            shows: SHOWS_AUTHENTICATION,
        },
        /// 0x801C0021 (`DSREG_AUTOJOIN_DISC_FAILED`): discovery failed; the sub-error carries the
        /// WinHTTP code.
        DsregDiscoveryFailed {
            code: "dsreg-discovery-failed",
            hresult: 0x801C_0021,
            symbol: "DSREG_AUTOJOIN_DISC_FAILED",
            log: UserDeviceRegistration,
            event: 200,
            stage: Background,
            description: "device registration discovery failed (the sub-error carries the WinHTTP \
                code)",
            causes: [
                "any discovery-phase failure: DNS, connection, certificate or revocation (see the \
                    inner code)",
            ],
            remediation: "Look at the inner code (dsregcmd prints it after the slash) and fix that \
                step.",
            source: "Troubleshoot Microsoft Entra hybrid joined devices (dsregcmd /status \
                troubleshooting docs); event 200 is unconfirmed (the docs send older Windows 10 \
                versions to event 201 for discovery errors)",
        },
        /// 0x801C001F (`DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT`): discovery did not complete in time.
        DsregDiscoveryWaitTimeout {
            code: "dsreg-discovery-wait-timeout",
            hresult: 0x801C_001F,
            symbol: "DSREG_AUTOJOIN_DISC_WAIT_TIMEOUT",
            log: UserDeviceRegistration,
            event: 200,
            stage: Background,
            description: "device registration discovery did not complete in time",
            causes: ["the registration service or the network path is too slow or drops packets"],
            remediation: "Check the network path to the registration service and proxies (see the \
                timeout failure).",
            source: "Troubleshoot Microsoft Entra hybrid joined devices (dsregcmd /status \
                troubleshooting docs); event 200 is unconfirmed (the docs send older Windows 10 \
                versions to event 201 for discovery errors)",
        },
        /// 0x801C001D (`DSREG_AUTOJOIN_ADCONFIG_READ_FAILED`): the service connection point could
        /// not be read.
        DsregScpReadFailed {
            code: "dsreg-scp-read-failed",
            hresult: 0x801C_001D,
            symbol: "DSREG_AUTOJOIN_ADCONFIG_READ_FAILED",
            log: UserDeviceRegistration,
            stage: Background,
            description: "the service connection point (SCP) could not be read to find the tenant",
            causes: [
                "no SCP in the forest's configuration partition (Entra Connect did not configure \
                 hybrid join)",
                "the SCP names no tenant, or the device cannot read it (no domain controller \
                 reachable)",
            ],
            remediation: "Configure the SCP (Entra Connect, Device options) or, for a targeted \
                deployment, the client-side SCP registry values; check that the device reaches a \
                domain controller (dsregcmd's AD Connectivity and AD Configuration Tests).",
            source: "Troubleshoot Microsoft Entra hybrid joined devices (common error codes: \
                DSREG_AUTOJOIN_ADCONFIG_READ_FAILED 0x801c001d, unable to read the SCP object and \
                get the tenant information); Troubleshoot devices by using the dsregcmd command \
                (AD Configuration Test errors end the join in the discover phase with 0x801c001d)",
        },
        /// 0x801C003D (`DSREG_AUTOJOIN_USERREALM_DISCOVERY_FAILED`): user-realm discovery failed.
        DsregUserRealmDiscoveryFailed {
            code: "dsreg-user-realm-discovery-failed",
            hresult: 0x801C_003D,
            symbol: "DSREG_AUTOJOIN_USERREALM_DISCOVERY_FAILED",
            log: UserDeviceRegistration,
            stage: Background,
            description: "user realm discovery failed",
            causes: [
                "the device cannot reach the sign-in service to find the user's realm",
                "the UPN suffix is not a verified domain of the tenant",
            ],
            remediation: "Make login.microsoftonline.com reachable from the device and verify the \
                UPN suffix in the tenant.",
            source: HYBRID_JOIN_DOCS,
        },
        /// 0x801C003A (`DSREG_DISCOVERY_TENANT_NOT_FOUND`): the tenant was not found.
        DsregTenantNotFound {
            code: "dsreg-tenant-not-found",
            hresult: 0x801C_003A,
            symbol: "DSREG_DISCOVERY_TENANT_NOT_FOUND",
            log: UserDeviceRegistration,
            stage: Background,
            description: "the tenant was not found",
            causes: [
                "the service connection point names the wrong tenant ID",
                "the tenant has no active subscription",
            ],
            remediation: "Check the service connection point (tenant name and ID) in Active \
                Directory and the tenant's subscriptions.",
            source: HYBRID_JOIN_DOCS,
        },
        /// 0x801C0025 (`DSREG_SERVER_BUSY`): the registration server is busy (HTTP 503).
        DsregServerBusy {
            code: "dsreg-server-busy",
            hresult: 0x801C_0025,
            http_status: 503,
            symbol: "DSREG_SERVER_BUSY",
            log: UserDeviceRegistration,
            event: 201,
            kb: 3_045_388,
            stage: Background,
            description: "the registration server answered that it is busy (HTTP 503)",
            causes: [
                "the AD FS or device registration service is stopped or overloaded (inferred)",
            ],
            remediation: "Start or scale the registration service; on AD FS check every farm node.",
            source: "Troubleshoot Microsoft Entra hybrid joined devices (dsregcmd /status \
                troubleshooting docs: HTTP 503 from the registration service, event 201); \
                KB3045388 for the Windows 8.1 form (service-unavailable)",
        },
        /// 0x801C03F2 (`DSREG_E_DIRECTORY_FAILURE`): the service could not find the device's object
        /// in the directory.
        DsregDirectoryFailure {
            code: "dsreg-directory-failure",
            hresult: 0x801C_03F2,
            symbol: "DSREG_E_DIRECTORY_FAILURE",
            log: UserDeviceRegistration,
            event: 204,
            stage: Background,
            description: "the service could not find the device's object in the directory",
            causes: [
                "the computer object was not synchronised to Entra ID yet",
                "the device's certificate does not match the synchronised object",
            ],
            remediation: "Check that the computer's OU is in the sync scope and wait for the next \
                sync cycle.",
            source: "Troubleshoot Microsoft Entra hybrid joined devices (dsregcmd /status \
                troubleshooting docs: DRS error DirectoryError, join phase, event 204)",
        },
    }
}

impl JoinFailure {
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

    /// Where the meaning of this code comes from: the support article, the Windows header or the
    /// documentation page (`"KB3045383; WinHTTP error list (winhttp.h)"`), and what in it is *inferred*
    /// or *unconfirmed*. Printed by `explain` and on the code's page in `docs/errors/`; never part of
    /// the [`Display`](fmt::Display) text.
    ///
    /// ```
    /// # use wpj_core::JoinFailure;
    /// assert!(JoinFailure::MenrollDeviceCapReached.source().contains("MDMRegistration.h"));
    /// assert!(JoinFailure::InsecureRedirect.source().contains("Inferred"));
    /// ```
    #[must_use]
    pub fn source(self) -> &'static str {
        self.entry().source
    }

    /// What the user sees: the dialog text Windows documents for this code (with the code filled in),
    /// else the message of its [`message_stage`](Self::message_stage).
    ///
    /// ```
    /// # use wpj_core::JoinFailure;
    /// assert!(JoinFailure::DsregQuotaExceeded.user_message().ends_with("error code 0x801C000E."));
    /// assert_eq!(
    ///     JoinFailure::CertRevoked.user_message(),
    ///     JoinFailure::CertRevoked.message_stage().user_message()
    /// );
    /// ```
    #[must_use]
    pub fn user_message(self) -> String {
        match (self.entry().shows, self.hresult()) {
            (Some(text), Some(h)) => text.replace("{0}", &h.to_string()),
            (Some(text), None) => text.to_owned(),
            (None, _) => self.message_stage().user_message().to_owned(),
        }
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
    /// What the user sees: the documented dialog text, else the message of the stage.
    pub user_message: String,
    /// What it means.
    pub description: &'static str,
    /// Usual causes.
    pub causes: &'static [&'static str],
    /// How to fix it.
    pub remediation: &'static str,
    /// Where the meaning comes from, and what is inferred.
    pub source: &'static str,
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
            user_message: self.user_message(),
            description: self.description(),
            causes: self.causes(),
            remediation: self.remediation(),
            source: self.source(),
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
            (JoinFailure::DeviceCapReached, None, None, 200, 3_045_379),
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

    /// The HRESULTs of one family, as `REFERENCE.md` §2 lists them.
    fn family(prefix: &str) -> Vec<(JoinFailure, u32)> {
        JoinFailure::ALL
            .iter()
            .filter(|f| format!("{f:?}").starts_with(prefix))
            .map(|f| {
                (
                    *f,
                    f.hresult().expect("every family member has an HRESULT").0,
                )
            })
            .collect()
    }

    #[test]
    fn menroll_codes_are_mdm_enrollment_codes() {
        let menroll = family("Menroll");
        let codes: Vec<u32> = menroll.iter().map(|(_, h)| *h).collect();
        assert_eq!(
            codes,
            [
                0x8018_000A,
                0x8018_000B,
                0x8018_000D,
                0x8018_000E,
                0x8018_000F,
                0x8018_0010,
                0x8018_0012,
                0x8018_0013,
                0x8018_0014,
                0x8018_001A
            ]
        );
        for (f, _) in menroll {
            assert_eq!(
                f.log(),
                EventLog::DeviceManagementEnterpriseDiagnostics,
                "{f:?}"
            );
            assert!(f.symbol().unwrap().starts_with("MENROLL_E_"), "{f:?}");
            assert!(f.code().starts_with("menroll-"), "{f:?}");
            assert_eq!(f.event_id(), None, "{f:?}: no source gives an event ID");
        }
        assert_eq!(
            JoinFailure::MenrollDeviceCapReached.symbol(),
            Some("MENROLL_E_DEVICECAPREACHED")
        );
    }

    #[test]
    fn mregister_codes_are_windows_8_1_registration_codes() {
        let mregister = family("Mregister");
        let codes: Vec<u32> = mregister.iter().map(|(_, h)| *h).collect();
        let expected: Vec<u32> = (0x8019_0001..=0x8019_000E)
            .filter(|h| *h != 0x8019_0007)
            .collect();
        assert_eq!(codes, expected);
        for (f, _) in mregister {
            assert_eq!(f.log(), EventLog::WorkplaceJoin, "{f:?}");
            assert!(f.symbol().unwrap().starts_with("MREGISTER_E_"), "{f:?}");
            assert!(f.code().starts_with("mregister-"), "{f:?}");
            assert!(
                f.source().to_lowercase().contains("no longer used"),
                "{f:?}"
            );
        }
    }

    #[test]
    fn dsreg_codes_are_windows_10_registration_codes() {
        let dsreg = family("Dsreg");
        let codes: Vec<u32> = dsreg.iter().map(|(_, h)| *h).collect();
        for h in [
            0x801C_0001,
            0x801C_0002,
            0x801C_0003,
            0x801C_0006,
            0x801C_000B,
            0x801C_000C,
            0x801C_000E,
            0x801C_000F,
            0x801C_0012,
            0x801C_0013,
            0x801C_0014,
            0x801C_0021,
            0x801C_001F,
            0x801C_001D,
            0x801C_003D,
            0x801C_003A,
            0x801C_0025,
            0x801C_03F2,
        ] {
            assert!(codes.contains(&h), "{h:#X} missing");
        }
        assert_eq!(codes.len(), 18);
        for (f, _) in dsreg {
            assert_eq!(f.log(), EventLog::UserDeviceRegistration, "{f:?}");
            assert!(f.symbol().unwrap().starts_with("DSREG_"), "{f:?}");
            assert!(f.code().starts_with("dsreg-"), "{f:?}");
        }
        assert_eq!(
            JoinFailure::DsregQuotaExceeded.symbol(),
            Some("DSREG_E_DEVICE_REGISTRATION_QUOTA_EXCCEEDED"),
            "the header's spelling"
        );
    }

    #[test]
    fn every_facility_prefix_belongs_to_its_family() {
        for f in JoinFailure::ALL {
            let Some(h) = f.hresult() else { continue };
            let name = format!("{f:?}");
            let expected = match h.0 & 0xFFFF_0000 {
                0x8018_0000 => "Menroll",
                0x8019_0000 => "Mregister",
                0x801C_0000 => "Dsreg",
                _ => continue,
            };
            assert!(name.starts_with(expected), "{name} has {h}");
        }
    }

    #[test]
    fn device_cap_reached_has_no_hresult_and_points_to_its_windows_10_forms() {
        let f = JoinFailure::DeviceCapReached;
        assert_eq!(f.hresult(), None);
        assert_eq!(f.code(), "device-cap-reached");
        assert!(f.source().contains("0x801C000E"), "{}", f.source());
        assert!(f.source().contains("0x80180013"), "{}", f.source());
        assert_eq!(
            JoinFailure::try_from(0x8018_000E_u32),
            Ok(JoinFailure::MenrollPasswordNeeded)
        );
    }

    #[test]
    fn every_entry_names_its_source_and_display_never_repeats_it() {
        for f in JoinFailure::ALL {
            assert!(!f.source().trim().is_empty(), "{f:?} has no source");
            assert!(
                !f.to_string().contains(f.source()),
                "{f:?}: Display repeats the source"
            );
            assert!(!f.user_message().contains("{0}"), "{f:?}");
        }
    }

    #[test]
    fn insecure_redirect_is_an_event_103_failure_without_hresult() {
        let f = JoinFailure::InsecureRedirect;
        assert_eq!(f.code(), "insecure-redirect");
        assert_eq!((f.hresult(), f.http_status(), f.kb()), (None, None, None));
        assert_eq!(f.event_id(), Some(103));
        assert_eq!(f.message_stage(), MessageStage::BeforeCredentials);
        assert!(f.description().contains("inferred"));
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

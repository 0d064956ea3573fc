//! The sections of `dsregcmd /status`, typed: each field under the key dsregcmd prints for it.
//!
//! Keys are matched without regard to case, spaces and dashes (`Request Id` and `Request ID`,
//! `AadRecoveryEnabled` and `AAD Recovery Enabled`). The names are the ones Microsoft documents
//! ("Troubleshoot devices by using the dsregcmd command", Microsoft Learn, 2025) and the ones seen
//! in published outputs (`Device Name`, `Virtual Desktop`, `Kerberos Ticket Test`,
//! `Fallback to Fed-Join`, `Executing Account Name`, the proxy sections); see
//! `tests/fixtures/README.md`.

use serde::Serialize;

/// The longest value kept, in characters (`SettingsUrl` is a base64 blob of a few hundred); a
/// longer one is cut and ends with `…`.
pub(crate) const MAX_VALUE: usize = 4096;

/// A value as a field holds it.
pub(crate) trait FieldValue: Sized {
    /// The value read from the text, `None` when it is empty (or not of this kind).
    fn read(value: &str) -> Option<Self>;
}

impl FieldValue for String {
    fn read(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        Some(match value.char_indices().nth(MAX_VALUE) {
            Some((cut, _)) => format!("{}…", &value[..cut]),
            None => value.to_owned(),
        })
    }
}

impl FieldValue for bool {
    /// `YES`/`NO` as dsregcmd prints them, and the words a translated output may use instead
    /// (unconfirmed: Microsoft's localized pages show the samples in English).
    fn read(value: &str) -> Option<Self> {
        let word = value
            .split_whitespace()
            .next()?
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_uppercase();
        match word.as_str() {
            "YES" | "JA" | "OUI" | "SI" | "SÍ" | "SIM" | "TAK" | "DA" => Some(true),
            "NO" | "NEIN" | "NON" | "NEE" | "NÃO" | "NIE" | "NE" => Some(false),
            _ => None,
        }
    }
}

/// The key of a line, folded for comparison: lowercase, without spaces, dashes and underscores.
pub(crate) fn fold(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A typed section: its fields, each under one or more keys (folded, see [`fold`]).
macro_rules! section {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$field_meta:meta])*
                $field:ident : $ty:ty = [$($key:literal),+ $(,)?]
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// True when `key` (folded) names one of its fields.
            pub(crate) fn knows(key: &str) -> bool {
                false $(|| [$($key),+].contains(&key))*
            }

            /// Sets the field `key` (folded) names, unless it was set already (a repeated output
            /// keeps its first value); true when the key is one of this section's.
            pub(crate) fn set(&mut self, key: &str, value: &str) -> bool {
                $(
                    if [$($key),+].contains(&key) {
                        if self.$field.is_none() {
                            self.$field = <$ty as FieldValue>::read(value);
                        }
                        return true;
                    }
                )*
                false
            }

            /// True when no field is set.
            #[must_use]
            pub fn is_empty(&self) -> bool {
                *self == Self::default()
            }
        }
    };
}

section! {
    /// `Device State`: how the device is joined.
    DeviceState {
        /// `AzureAdJoined`: joined to Microsoft Entra ID (with `DomainJoined`: hybrid joined).
        azure_ad_joined: bool = ["azureadjoined"],
        /// `EnterpriseJoined`: joined to an on-premises device registration service (AD FS DRS).
        enterprise_joined: bool = ["enterprisejoined"],
        /// `DomainJoined`: joined to an Active Directory domain.
        domain_joined: bool = ["domainjoined"],
        /// `DomainName`: the `NetBIOS` name of that domain.
        domain_name: String = ["domainname"],
        /// `Device Name`: the device's DNS name.
        device_name: String = ["devicename"],
        /// `Virtual Desktop`: `NOT SET`, `YES` or `INVALID` (VDI metadata).
        virtual_desktop: String = ["virtualdesktop"],
    }
}

section! {
    /// `Device Details`: the device's identity in Entra ID (shown when joined).
    DeviceDetails {
        /// `DeviceId`: the device object's ID in the tenant.
        device_id: String = ["deviceid"],
        /// `Thumbprint`: the device certificate's SHA-1 thumbprint.
        thumbprint: String = ["thumbprint"],
        /// `DeviceCertificateValidity`: `[ from -- to ]`.
        certificate_validity: String = ["devicecertificatevalidity"],
        /// `KeyContainerId`: the container of the device's private key.
        key_container_id: String = ["keycontainerid"],
        /// `KeyProvider`: the key storage provider holding it (`Microsoft Platform Crypto
        /// Provider` is the TPM; `Microsoft Software Key Storage Provider` is software).
        key_provider: String = ["keyprovider"],
        /// `TpmProtected`: the private key is in a TPM.
        tpm_protected: bool = ["tpmprotected"],
        /// `DeviceAuthStatus`: `SUCCESS`, `FAILED. Device is either disabled or deleted`,
        /// `FAILED. ERROR` (Windows 10 21H1 and later).
        device_auth_status: String = ["deviceauthstatus"],
    }
}

section! {
    /// `Tenant Details`: the tenant and the service endpoints the device was given at join.
    TenantDetails {
        /// `TenantName`.
        tenant_name: String = ["tenantname"],
        /// `TenantId`.
        tenant_id: String = ["tenantid"],
        /// `Idp`: the identity provider (`login.windows.net`).
        idp: String = ["idp"],
        /// `AuthCodeUrl`: the authorize endpoint.
        auth_code_url: String = ["authcodeurl"],
        /// `AccessTokenUrl`: the token endpoint.
        access_token_url: String = ["accesstokenurl"],
        /// `MdmUrl`: MDM auto-enrollment (empty: not configured or the user is out of scope).
        mdm_url: String = ["mdmurl"],
        /// `MdmTouUrl`: MDM terms of use.
        mdm_tou_url: String = ["mdmtouurl"],
        /// `MdmComplianceUrl`.
        mdm_compliance_url: String = ["mdmcomplianceurl"],
        /// `SettingsUrl` (base64; cut at 4096 characters).
        settings_url: String = ["settingsurl"],
        /// `JoinSrvVersion`.
        join_srv_version: String = ["joinsrvversion"],
        /// `JoinSrvUrl`: the registration endpoint.
        join_srv_url: String = ["joinsrvurl"],
        /// `JoinSrvId`.
        join_srv_id: String = ["joinsrvid"],
        /// `KeySrvVersion`.
        key_srv_version: String = ["keysrvversion"],
        /// `KeySrvUrl`: the key registration endpoint (Windows Hello).
        key_srv_url: String = ["keysrvurl"],
        /// `KeySrvId`.
        key_srv_id: String = ["keysrvid"],
        /// `WebAuthNSrvVersion`.
        webauthn_srv_version: String = ["webauthnsrvversion"],
        /// `WebAuthNSrvUrl`.
        webauthn_srv_url: String = ["webauthnsrvurl"],
        /// `WebAuthNSrvId`.
        webauthn_srv_id: String = ["webauthnsrvid"],
        /// `DeviceManagementSrvVer`.
        device_management_srv_version: String = ["devicemanagementsrvver", "devicemanagementsrvversion"],
        /// `DeviceManagementSrvUrl`.
        device_management_srv_url: String = ["devicemanagementsrvurl"],
        /// `DeviceManagementSrvId`.
        device_management_srv_id: String = ["devicemanagementsrvid"],
    }
}

section! {
    /// `User State`: the signed-in user (valid only when dsregcmd runs as that user).
    UserState {
        /// `NgcSet`: a Windows Hello for Business key is set.
        ngc_set: bool = ["ngcset"],
        /// `NgcKeyId`.
        ngc_key_id: String = ["ngckeyid"],
        /// `CanReset`: `DestructiveOnly`, `NonDestructiveOnly`, `DestructiveAndNonDestructive`,
        /// `Unknown`.
        can_reset: String = ["canreset"],
        /// `WorkplaceJoined`: Entra registered accounts were added in this user's profile.
        workplace_joined: bool = ["workplacejoined"],
        /// `WamDefaultSet`: `YES`, `NO` or `ERROR (0x…)` (elevated prompt).
        wam_default_set: String = ["wamdefaultset"],
        /// `WamDefaultAuthority` (`organizations`).
        wam_default_authority: String = ["wamdefaultauthority"],
        /// `WamDefaultId` (`https://login.microsoft.com`).
        wam_default_id: String = ["wamdefaultid"],
        /// `WamDefaultGUID`.
        wam_default_guid: String = ["wamdefaultguid"],
    }
}

section! {
    /// `SSO State`: the Primary Refresh Tokens and Cloud Kerberos tickets of the signed-in user,
    /// and the diagnostics of the last failed PRT attempt (Windows 10 21H1 and later; the first
    /// block printed, acquire or refresh, is kept).
    SsoState {
        /// `AzureAdPrt`: the user has a PRT from Entra ID.
        azure_ad_prt: bool = ["azureadprt"],
        /// `AzureAdPrtUpdateTime` (UTC).
        azure_ad_prt_update_time: String = ["azureadprtupdatetime"],
        /// `AzureAdPrtExpiryTime` (UTC).
        azure_ad_prt_expiry_time: String = ["azureadprtexpirytime"],
        /// `AzureAdPrtAuthority`.
        azure_ad_prt_authority: String = ["azureadprtauthority"],
        /// `EnterprisePrt`: the user has a PRT from AD FS.
        enterprise_prt: bool = ["enterpriseprt"],
        /// `EnterprisePrtUpdateTime` (UTC).
        enterprise_prt_update_time: String = ["enterpriseprtupdatetime"],
        /// `EnterprisePrtExpiryTime` (UTC).
        enterprise_prt_expiry_time: String = ["enterpriseprtexpirytime"],
        /// `EnterprisePrtAuthority`: the AD FS authority.
        enterprise_prt_authority: String = ["enterpriseprtauthority"],
        /// `OnPremTgt`: a Cloud Kerberos ticket for on-premises resources.
        on_prem_tgt: bool = ["onpremtgt"],
        /// `CloudTgt`: a Cloud Kerberos ticket for cloud resources.
        cloud_tgt: bool = ["cloudtgt"],
        /// `KerbTopLevelNames`.
        kerb_top_level_names: String = ["kerbtoplevelnames"],
        /// `AcquirePrtDiagnostics`: `PRESENT` when a failed PRT acquisition is described below.
        acquire_prt_diagnostics: String = ["acquireprtdiagnostics"],
        /// `RefreshPrtDiagnostics`: `PRESENT` when a failed PRT refresh is described below.
        refresh_prt_diagnostics: String = ["refreshprtdiagnostics"],
        /// `Previous Prt Attempt` (UTC).
        previous_prt_attempt: String = ["previousprtattempt"],
        /// `Attempt Status`: the client's code (HRESULT or NTSTATUS).
        attempt_status: String = ["attemptstatus"],
        /// `User Identity`: the UPN the attempt was for.
        user_identity: String = ["useridentity"],
        /// `Credential Type`: `Password`, `NGC`…
        credential_type: String = ["credentialtype"],
        /// `Correlation ID`.
        correlation_id: String = ["correlationid"],
        /// `Endpoint URI`: the last endpoint asked.
        endpoint_uri: String = ["endpointuri"],
        /// `HTTP Method`.
        http_method: String = ["httpmethod"],
        /// `HTTP Error`: the WinHTTP transport code (`0x0` when the request went through).
        http_error: String = ["httperror"],
        /// `HTTP status`.
        http_status: String = ["httpstatus"],
        /// `Server Error Code` (`invalid_grant`…).
        server_error_code: String = ["servererrorcode"],
        /// `Server Error Description` (`AADSTS50126: …`).
        server_error_description: String = ["servererrordescription"],
    }
}

section! {
    /// `Diagnostic Data`: the pre-join tests and the previous registration attempt, or the
    /// post-join checks. The `… Test` lines are in [`super::DsregStatus::tests`].
    Diagnostics {
        /// `Diagnostics Reference` (`www.microsoft.com/aadjerrors`).
        diagnostics_reference: String = ["diagnosticsreference"],
        /// `User Context`: `SYSTEM` (what the join runs as), `UN-ELEVATED User`, `ELEVATED User`.
        user_context: String = ["usercontext"],
        /// `Client Time` (UTC).
        client_time: String = ["clienttime"],
        /// `Fallback to Sync-Join`: `ENABLED` unless `FallbackToSyncJoin` is 0.
        fallback_to_sync_join: String = ["fallbacktosyncjoin"],
        /// `Fallback to Fed-Join`.
        fallback_to_fed_join: String = ["fallbacktofedjoin"],
        /// `Previous Registration`: when the last failed join was tried (UTC).
        previous_registration: String = ["previousregistration"],
        /// `Registration Type`: `sync` or `fed`.
        registration_type: String = ["registrationtype"],
        /// `Error Phase`: `pre-check`, `discover`, `auth`, `join`.
        error_phase: String = ["errorphase"],
        /// `Client ErrorCode`: the client's HRESULT.
        client_error_code: String = ["clienterrorcode"],
        /// `Server ErrorCode`: the server's code (`DirectoryError`, `invalid_request`, or an
        /// HRESULT).
        server_error_code: String = ["servererrorcode"],
        /// `Server Message`.
        server_message: String = ["servermessage"],
        /// `Server Error Description`.
        server_error_description: String = ["servererrordescription"],
        /// `Https Status`.
        https_status: String = ["httpsstatus"],
        /// `Request Id`: to correlate with the service's logs.
        request_id: String = ["requestid"],
        /// `Executing Account Name`.
        executing_account_name: String = ["executingaccountname"],
        /// `AadRecoveryEnabled`: the device's keys are unusable, the next sign-in re-registers it.
        aad_recovery_enabled: bool = ["aadrecoveryenabled"],
        /// `DRS Discovery URL`, when printed.
        drs_discovery_url: String = ["drsdiscoveryurl"],
    }
}

section! {
    /// `IE Proxy Config for Current User`: the signed-in user's (WinINet) proxy, which WinHTTP —
    /// and device registration as SYSTEM — does not use.
    IeProxy {
        /// `Auto Detect Settings`: WPAD.
        auto_detect_settings: bool = ["autodetectsettings"],
        /// `Auto-Configuration URL`: a PAC file.
        auto_configuration_url: String = ["autoconfigurationurl"],
        /// `Proxy Server List`.
        proxy_server_list: String = ["proxyserverlist"],
        /// `Proxy Bypass List`.
        proxy_bypass_list: String = ["proxybypasslist"],
    }
}

section! {
    /// `WinHttp Default Proxy Config`: the machine's WinHTTP proxy (`netsh winhttp show proxy`),
    /// the one device registration uses.
    WinHttpProxy {
        /// `Access Type`: `DIRECT` or `PROXY`.
        access_type: String = ["accesstype"],
        /// `Proxy Server List`.
        proxy_server_list: String = ["proxyserverlist"],
        /// `Proxy Bypass List`.
        proxy_bypass_list: String = ["proxybypasslist"],
    }
}

/// The phases dsregcmd names in `Error Phase` (Microsoft: "pre-check, discover, auth, join").
const PHASES: [&str; 4] = ["pre-check", "discover", "auth", "join"];

impl Diagnostics {
    /// A line of the diagnostics whose label is not known (a translated label), read by its value:
    /// a phase is the `Error Phase`; a bare code is the `Client ErrorCode`, then the
    /// `Server ErrorCode` (the order dsregcmd prints them in).
    pub(crate) fn read_by_value(&mut self, value: &str) {
        let value = value.trim();
        if self.error_phase.is_none() && PHASES.iter().any(|p| value.eq_ignore_ascii_case(p)) {
            self.error_phase = String::read(value);
        } else if !value.contains('[') && crate::values::code_in(value).is_some() {
            if self.client_error_code.is_none() {
                self.client_error_code = String::read(value);
            } else if self.server_error_code.is_none() {
                self.server_error_code = String::read(value);
            }
        }
    }
}

/// The outcome of a `… Test` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TestOutcome {
    /// `PASS`, `PASSED`.
    Pass,
    /// `FAIL`, `FAILED`, or any word followed by a bracketed code (`FEHLER [0x801c0021/…]`).
    Fail,
    /// `SKIPPED`.
    Skipped,
}

impl TestOutcome {
    /// Reads a test result: the word, then the bracketed code if any.
    pub(crate) fn read(value: &str) -> Option<(Self, Option<String>)> {
        let value = value.trim();
        let (word, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
        let code = rest
            .trim()
            .strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        let outcome = match word.to_ascii_uppercase().as_str() {
            "PASS" | "PASSED" => Self::Pass,
            "FAIL" | "FAILED" => Self::Fail,
            "SKIPPED" | "SKIP" => Self::Skipped,
            _ if code.is_some() => Self::Fail,
            _ => return None,
        };
        Some((outcome, code))
    }
}

/// The part of registration a `… Test` line checks, from Microsoft's descriptions of the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TestStage {
    /// `AD Connectivity Test`: reaching a domain controller (join errors in the pre-check phase).
    DomainController,
    /// `AD Configuration Test`: the service connection point (SCP) in the forest (errors in the
    /// discover phase, 0x801C001D).
    ServiceConnectionPoint,
    /// `DRS Discovery Test`: the discovery metadata and the user realm (discover phase).
    Discovery,
    /// `DRS Connectivity Test`: reaching the registration service.
    RegistrationService,
    /// `Token acquisition Test`: a token for a federated tenant (auth phase; sync join is the
    /// fallback unless disabled).
    Token,
    /// `Kerberos Ticket Test`: a Kerberos ticket for the device.
    Kerberos,
    /// `KeySignTest`: signing with the device key (post-join; elevated only).
    DeviceKey,
    /// A test this crate does not know by its label (a translated label).
    Unknown,
}

impl TestStage {
    /// The stage a test's label (folded) names.
    pub(crate) fn of(folded: &str) -> Self {
        match folded {
            "adconnectivitytest" => Self::DomainController,
            "adconfigurationtest" => Self::ServiceConnectionPoint,
            "drsdiscoverytest" => Self::Discovery,
            "drsconnectivitytest" => Self::RegistrationService,
            "tokenacquisitiontest" => Self::Token,
            "kerberostickettest" => Self::Kerberos,
            "keysigntest" => Self::DeviceKey,
            _ => Self::Unknown,
        }
    }

    /// What the stage is, and what a failure there means for the join.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        match self {
            Self::DomainController => {
                "the device could not reach a domain controller: the join stops in its pre-check phase"
            }
            Self::ServiceConnectionPoint => {
                "the service connection point (SCP) in the forest is missing or wrong: the join stops \
                 in its discover phase with 0x801C001D"
            }
            Self::Discovery => {
                "the device could not get the registration service's metadata or the user realm: the \
                 join stops in its discover phase"
            }
            Self::RegistrationService => "the device could not reach the registration service",
            Self::Token => {
                "the device could not get a token from the federation service: the join stops in its \
                 auth phase (sync join is tried instead unless FallbackToSyncJoin is 0)"
            }
            Self::Kerberos => "the device could not get a Kerberos ticket",
            Self::DeviceKey => {
                "the device key cannot sign: the device is marked for recovery and re-registers at the \
                 next sign-in"
            }
            Self::Unknown => "a test this tool does not know by its label",
        }
    }
}

/// One `… Test` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TestLine {
    /// The label as printed (`DRS Discovery Test`).
    pub label: String,
    /// Its outcome.
    pub outcome: TestOutcome,
    /// The code in brackets (`0x801c0021/0x80072ee7`), as printed.
    pub code: Option<String>,
    /// What it tests.
    pub stage: TestStage,
}

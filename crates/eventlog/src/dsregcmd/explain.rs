//! What a `dsregcmd /status` output means, field by field: the join state, the device key, the
//! device's health in Entra ID, the Primary Refresh Token, each failed test, the codes of the last
//! registration attempt and the proxies — worded as what the device does, with the code it logs.
//!
//! Sources: Microsoft Learn, "Troubleshoot devices by using the dsregcmd command" (fields, tests,
//! phases, `0x801c001d` for the SCP, `0x801c03f2` expected for sync join until Entra Connect
//! syncs the device; `User Context`: the join runs as SYSTEM); "Troubleshoot Microsoft Entra
//! hybrid joined devices" (the device must reach `enterpriseregistration.windows.net` and
//! `login.microsoftonline.com` in the system context, and where an outbound proxy is required the
//! computer account must discover it and authenticate to it silently — the signed-in user's
//! IE/WinINet proxy is not the system context's; `DSREG_AUTOJOIN_ADCONFIG_READ_FAILED`
//! 0x801c001d for the SCP). Which WinHTTP code a blocked direct path gives (timeout or cannot
//! connect) depends on the network and is worded as an example, not a prediction.

use std::fmt::Write as _;

use serde::Serialize;
use wpj_core::{CodeRef, JoinFailure, Status};

use super::{DsregStatus, TestOutcome, TestStage};
use crate::values::code_in;

/// What one explanation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Topic {
    /// How the text was read (encoding, cut output).
    Input,
    /// `AzureAdJoined` / `EnterpriseJoined` / `DomainJoined` / `WorkplaceJoined`.
    JoinState,
    /// `KeyProvider` / `TpmProtected`.
    DeviceKey,
    /// `DeviceAuthStatus`, `AadRecoveryEnabled`.
    DeviceHealth,
    /// `AzureAdPrt` and the PRT diagnostics.
    Prt,
    /// A `… Test` line.
    Test,
    /// The last registration attempt: `Error Phase`, `Client ErrorCode`, `Server ErrorCode`,
    /// `Server Message`, `Https Status`, `Request Id`.
    LastAttempt,
    /// The IE (per-user) and WinHTTP (machine) proxies.
    Proxy,
}

impl Topic {
    /// Its name in check IDs (`dsregcmd-prt`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Input => "input",
            Self::JoinState => "join-state",
            Self::DeviceKey => "device-key",
            Self::DeviceHealth => "device-health",
            Self::Prt => "prt",
            Self::Test => "test",
            Self::LastAttempt => "last-attempt",
            Self::Proxy => "proxy",
        }
    }
}

/// One thing the output says, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// What it is about.
    pub topic: Topic,
    /// [`Status::Pass`] for a fact, [`Status::Warn`] for a problem the device has (a failed
    /// test whose code this tool does not know, no PRT on a joined device, a proxy the join does
    /// not use…). A code the catalogue knows is the report's failure finding, not one of these.
    pub status: Status,
    /// One line for people.
    pub summary: String,
    /// The failure it means or risks, when the catalogue has one.
    pub failure: Option<JoinFailure>,
    /// What to check or do.
    pub remediation: Option<String>,
}

impl Explanation {
    fn fact(topic: Topic, summary: impl Into<String>) -> Self {
        Self {
            topic,
            status: Status::Pass,
            summary: summary.into(),
            failure: None,
            remediation: None,
        }
    }

    fn problem(topic: Topic, summary: impl Into<String>, remediation: impl Into<String>) -> Self {
        Self {
            topic,
            status: Status::Warn,
            summary: summary.into(),
            failure: None,
            remediation: Some(remediation.into()),
        }
    }
}

/// What a code means: the catalogue's description (`0x801c0021/0x80072ee7` as a pair), else that
/// it is not known here.
fn code_meaning(code: &str) -> (String, Option<JoinFailure>) {
    if let Some((_, c)) = code_in(code) {
        return (describe_code(c), Some(c.root_cause()));
    }
    (
        "a code this tool's catalogue does not hold".to_owned(),
        None,
    )
}

/// A known code, in words: `0x801C0021 (discovery failed) around 0x80072EE7 (name not resolved)`.
fn describe_code(c: CodeRef) -> String {
    let one = |f: JoinFailure| match f.hresult() {
        Some(h) => format!("{h} ({})", f.description()),
        None => format!("{} ({})", f.code(), f.description()),
    };
    match c.inner {
        Some(inner) => format!("{} around {}", one(c.outer), one(inner)),
        None => one(c.outer),
    }
}

pub(crate) fn explain(s: &DsregStatus) -> Vec<Explanation> {
    let mut out = Vec::new();
    out.extend(input(s));
    out.extend(join_state(s));
    out.extend(device_key(s));
    out.extend(device_health(s));
    out.extend(prt(s));
    out.extend(tests(s));
    out.extend(last_attempt(s));
    out.extend(proxy(s));
    out
}

fn input(s: &DsregStatus) -> Vec<Explanation> {
    let mut out = vec![Explanation::fact(
        Topic::Input,
        format!("read as {}", s.encoding),
    )];
    if s.truncated {
        let last = s
            .sections
            .iter()
            .rev()
            .find_map(|x| x.title.as_deref())
            .unwrap_or("the first section");
        out.push(Explanation::fact(
            Topic::Input,
            format!(
                "the output is cut (it ends in the middle of a line, in {last}): what follows is missing"
            ),
        ));
    }
    if s.replaced > 0 {
        out.push(Explanation::fact(
            Topic::Input,
            format!("{} characters could not be decoded", s.replaced),
        ));
    }
    out
}

fn yes(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "YES",
        Some(false) => "NO",
        None => "?",
    }
}

fn join_state(s: &DsregStatus) -> Option<Explanation> {
    let d = &s.device_state;
    let state = match (d.azure_ad_joined, d.enterprise_joined, d.domain_joined) {
        (Some(true), _, Some(true)) => "Microsoft Entra hybrid joined",
        (Some(true), _, _) => "Microsoft Entra joined",
        (Some(false), Some(true), _) => {
            "joined to an on-premises device registration service (AD FS)"
        }
        (Some(false), _, Some(true)) => "domain joined, not (yet) hybrid joined to Entra ID",
        (Some(false), _, _) => "not joined",
        (None, _, _) => return None,
    };
    let mut summary = format!(
        "{state} (AzureAdJoined {}, EnterpriseJoined {}, DomainJoined {}",
        yes(d.azure_ad_joined),
        yes(d.enterprise_joined),
        yes(d.domain_joined)
    );
    if let Some(domain) = &d.domain_name {
        let _ = write!(summary, ", domain {domain}");
    }
    summary.push(')');
    if s.user.workplace_joined == Some(true) {
        summary.push_str("; this user also has an Entra registered (workplace joined) account");
    }
    Some(Explanation::fact(Topic::JoinState, summary))
}

fn device_key(s: &DsregStatus) -> Option<Explanation> {
    let d = &s.device_details;
    let provider = d.key_provider.as_deref();
    if provider.is_none() && d.tpm_protected.is_none() {
        return None;
    }
    let in_tpm = d.tpm_protected.unwrap_or(false)
        || provider.is_some_and(|p| p.to_ascii_lowercase().contains("platform crypto"));
    let provider = provider.unwrap_or("an unnamed key provider");
    Some(Explanation::fact(
        Topic::DeviceKey,
        if in_tpm {
            format!(
                "the device key is in the TPM ({provider}, TpmProtected {})",
                yes(d.tpm_protected)
            )
        } else {
            format!(
                "the device key is in software ({provider}, TpmProtected {}): not bound to this \
                 device's TPM — an administrator can export it, and policies that require a \
                 TPM-protected key (Windows Hello for Business on hardware) do not accept it",
                yes(d.tpm_protected)
            )
        },
    ))
}

fn device_health(s: &DsregStatus) -> Vec<Explanation> {
    let mut out = Vec::new();
    if let Some(status) = &s.device_details.device_auth_status {
        let upper = status.to_ascii_uppercase();
        if upper.starts_with("FAILED") && (upper.contains("DISABLED") || upper.contains("DELETED"))
        {
            out.push(Explanation::problem(
                Topic::DeviceHealth,
                format!("DeviceAuthStatus {status}: the device object is disabled or deleted in Entra ID, so the device gets no tokens"),
                "Enable the device in the Entra admin center, or (deleted) leave and join again: \
                 dsregcmd /leave as administrator, then sign in again (hybrid joined devices \
                 re-register on their own once the object is synced back).",
            ));
        } else if upper.starts_with("FAILED") {
            out.push(Explanation::problem(
                Topic::DeviceHealth,
                format!(
                    "DeviceAuthStatus {status}: the device could not check its health in Entra ID"
                ),
                "The check needs to reach Microsoft Entra ID as SYSTEM: check the machine's \
                 WinHTTP proxy and that login.microsoftonline.com and \
                 device.login.microsoftonline.com are reachable from the device.",
            ));
        } else {
            out.push(Explanation::fact(
                Topic::DeviceHealth,
                format!("DeviceAuthStatus {status}"),
            ));
        }
    }
    if s.diagnostics.aad_recovery_enabled == Some(true) {
        out.push(Explanation::problem(
            Topic::DeviceHealth,
            "AadRecoveryEnabled YES: the device's keys are unusable and it is marked for recovery",
            "The next sign-in runs the recovery and registers the device again (silently for \
             hybrid joined devices; Entra joined and registered ones prompt the user).",
        ));
    }
    out
}

fn prt(s: &DsregStatus) -> Vec<Explanation> {
    let sso = &s.sso;
    let mut out = Vec::new();
    let joined = s.device_state.azure_ad_joined == Some(true);
    match sso.azure_ad_prt {
        Some(true) => {
            let mut summary =
                "the signed-in user has a Primary Refresh Token (AzureAdPrt YES".to_owned();
            if let Some(t) = &sso.azure_ad_prt_update_time {
                let _ = write!(summary, ", updated {t}");
            }
            if let Some(t) = &sso.azure_ad_prt_expiry_time {
                let _ = write!(summary, ", expires {t}");
            }
            summary.push(')');
            out.push(Explanation::fact(Topic::Prt, summary));
        }
        Some(false) if joined => {
            let mut summary = "AzureAdPrt NO on an Entra joined device: the signed-in user has no \
                               Primary Refresh Token, so single sign-on and Conditional Access \
                               (device-based) fail"
                .to_owned();
            let mut failure = None;
            if let Some(status) = &sso.attempt_status {
                let _ = write!(summary, "; last attempt {status}");
            }
            if let Some(error) = sso.http_error.as_deref().filter(|e| !is_zero(e)) {
                let (meaning, f) = code_meaning(error);
                let _ = write!(summary, ", HTTP Error {error}: {meaning}");
                failure = f;
            }
            if let Some(status) = &sso.http_status {
                let _ = write!(summary, ", HTTP status {status}");
            }
            if let Some(description) = &sso.server_error_description {
                let _ = write!(summary, ", server: {description}");
            }
            let mut e = Explanation::problem(
                Topic::Prt,
                summary,
                "Check, in order: dsregcmd ran as the signed-in user, not elevated or as another \
                 account (User Context); the user signed in with an Entra (or synced) account, \
                 not a local one; the PRT diagnostics (Attempt Status, HTTP Error — a WinHTTP \
                 code means login.microsoftonline.com was not reached through the user's proxy \
                 —, Server Error Description — an AADSTS code names what Entra refused); \
                 DeviceAuthStatus (a disabled or deleted device gets no PRT); the device key \
                 (KeyProvider, TpmProtected, KeySignTest); the clock (tokens are refused when it \
                 is minutes off).",
            );
            e.failure = failure;
            out.push(e);
        }
        _ => {}
    }
    out
}

/// `0x0`, `0`: no code.
fn is_zero(code: &str) -> bool {
    code.trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X")
        .chars()
        .all(|c| c == '0')
}

fn tests(s: &DsregStatus) -> Vec<Explanation> {
    s.tests
        .iter()
        .filter(|t| t.outcome == TestOutcome::Fail)
        .map(|t| {
            let mut summary = format!("{} FAIL", t.label);
            let mut failure = None;
            if let Some(code) = &t.code {
                let (meaning, f) = code_meaning(code);
                let _ = write!(summary, " [{code}]: {meaning}");
                failure = f;
            }
            let _ = write!(summary, " — {}", t.stage.meaning());
            if failure.is_some() {
                // The code is the report's failure finding; this says which stage failed.
                Explanation::fact(Topic::Test, summary)
            } else {
                let fix = match t.stage {
                    TestStage::DomainController => {
                        "Check that the device reaches a domain controller (DNS, the network, VPN) as SYSTEM."
                    }
                    TestStage::ServiceConnectionPoint => {
                        "Configure the SCP in the forest (Entra Connect, device options), or the \
                         client-side registry SCP for a targeted deployment."
                    }
                    TestStage::Discovery | TestStage::RegistrationService => {
                        "Check that the device reaches enterpriseregistration.windows.net and \
                         login.microsoftonline.com as SYSTEM, through the machine's WinHTTP proxy."
                    }
                    TestStage::Token => {
                        "Check the federation service (its WS-Trust windowstransport endpoint) \
                         from the device, or rely on sync join."
                    }
                    TestStage::DeviceKey => {
                        "Sign in again to run the recovery; check the TPM (tpm.msc) when it repeats."
                    }
                    TestStage::Kerberos | TestStage::Unknown => {
                        "Read the code in the User Device Registration/Admin log of the device."
                    }
                };
                Explanation::problem(Topic::Test, summary, fix)
            }
        })
        .collect()
}

fn last_attempt(s: &DsregStatus) -> Vec<Explanation> {
    let d = &s.diagnostics;
    let mut out = Vec::new();
    if let Some(code) = &d.client_error_code {
        let (meaning, known) = code_meaning(code);
        let mut summary = format!("Client ErrorCode {code}: {meaning}");
        if let Some(phase) = &d.error_phase {
            let _ = write!(summary, ", in the {phase} phase");
        }
        if let Some(when) = &d.previous_registration {
            let _ = write!(summary, " (attempt of {when})");
        }
        let sync_directory = code.eq_ignore_ascii_case("0x801c03f2")
            && d.registration_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("sync"));
        if sync_directory {
            summary.push_str(
                "; expected for a sync join until Entra Connect has synced the device: it joins \
                 at the next attempt after the sync",
            );
        }
        out.push(if known.is_some() || sync_directory {
            Explanation::fact(Topic::LastAttempt, summary)
        } else {
            Explanation::problem(
                Topic::LastAttempt,
                summary,
                "Look the code up in the User Device Registration/Admin log of the device (events \
                 204, 304, 305) for the request that failed.",
            )
        });
    }
    let mut server = Vec::new();
    if let Some(code) = &d.server_error_code {
        server.push(format!("Server ErrorCode {code}"));
    }
    if let Some(message) = &d.server_message {
        server.push(format!("Server Message {message}"));
    }
    if let Some(description) = &d.server_error_description {
        server.push(format!("Server Error Description {description}"));
    }
    if let Some(status) = &d.https_status {
        server.push(format!("Https Status {status}"));
    }
    if let Some(id) = &d.request_id {
        server.push(format!(
            "Request Id {id} (the service's logs know the request by it)"
        ));
    }
    if !server.is_empty() {
        out.push(Explanation::fact(
            Topic::LastAttempt,
            format!("the server answered: {}", server.join(", ")),
        ));
    }
    out
}

fn proxy(s: &DsregStatus) -> Vec<Explanation> {
    let ie = &s.ie_proxy;
    let winhttp = &s.winhttp_proxy;
    let user_proxy = ie
        .proxy_server_list
        .as_deref()
        .map(|p| format!("proxy {p}"))
        .or_else(|| {
            ie.auto_configuration_url
                .as_deref()
                .map(|u| format!("PAC file {u}"))
        });
    let access = winhttp.access_type.as_deref();
    let direct = access.is_some_and(|a| a.eq_ignore_ascii_case("DIRECT"));
    let mut out = Vec::new();
    match (user_proxy, access) {
        (Some(user), Some(_)) if direct => out.push(Explanation::problem(
            Topic::Proxy,
            format!(
                "the signed-in user's {user} is a per-user (IE/WinINet) setting that WinHTTP \
                 does not see, and the machine's WinHTTP proxy is DIRECT: device registration \
                 runs as SYSTEM through WinHTTP, so it does not use that proxy and goes direct — \
                 where only the proxy leads out, discovery fails (0x801C0021 around a WinHTTP \
                 code such as 0x80072EE2 timeout or 0x80072EFD cannot connect)"
            ),
            "Give the machine the proxy: netsh winhttp set proxy <proxy:port> \"<bypass list>\" (or \
             netsh winhttp import proxy source=ie as administrator), or publish WPAD for the \
             device; or let enterpriseregistration.windows.net, login.microsoftonline.com and \
             device.login.microsoftonline.com out directly.",
        )),
        (_, Some(a)) if !direct => {
            let mut summary = format!("the machine's WinHTTP proxy ({a}");
            if let Some(server) = &winhttp.proxy_server_list {
                let _ = write!(summary, " {server}");
            }
            if let Some(bypass) = &winhttp.proxy_bypass_list {
                let _ = write!(summary, ", bypass {bypass}");
            }
            summary.push_str(") is the one device registration uses");
            out.push(Explanation::fact(Topic::Proxy, summary));
        }
        (None, Some(_)) => out.push(Explanation::fact(
            Topic::Proxy,
            "WinHTTP goes direct (Access Type DIRECT) and the user has no proxy either",
        )),
        (Some(user), None) => out.push(Explanation::fact(
            Topic::Proxy,
            format!(
                "the signed-in user's {user} is per-user (IE/WinINet); the output does not show \
                 the machine's WinHTTP proxy, the one device registration uses"
            ),
        )),
        _ => {}
    }
    out
}

//! `eventlog`: explain what Windows already logged — an exported `.evtx`, `wevtutil qe … /f:xml`
//! output or `dsregcmd /status` text — offline, on any OS.
//!
//! ```text
//! cargo run --all-features --example eventlog -- examples/data/workplace-join-admin.xml
//! cargo run --all-features --example eventlog -- examples/data/dsregcmd-status.txt --format json
//! cargo run --all-features --example eventlog -- examples/data/capi2-revocation-offline.xml examples/data/workplace-join-revocation-offline.xml
//! wevtutil qe "Microsoft-Windows-Workplace Join/Admin" /f:xml > wpj.xml      # on the device
//! wevtutil qe Microsoft-Windows-CAPI2/Operational /f:xml > capi2.xml          # on the device
//! ```
//!
//! Each file gets its own report, which says which file it is from. With `--join`, the files make
//! one timeline instead; they are always joined when one of them is a CAPI2 log
//! (`Microsoft-Windows-CAPI2/Operational`), whose chain builds explain the certificate failures of
//! the others (`event 102 0x80072F19 at 09:14:03 ← the chain engine could not fetch
//! http://pki.contoso.com/ca.crl (timeout) at 09:14:02`). The verdict describes the latest attempt;
//! earlier attempts are shown as history. A log with nothing about device registration says so and
//! states no verdict. With `--format json`, one report prints one object, several an array.
//!
//! `dsregcmd /status` output (UTF-8, UTF-16 as PowerShell's `>` writes it, or the console's code
//! page as `cmd.exe`'s `>` does, in any display language) is shown section by section before its
//! report — join state, device key, tenant, user, SSO/PRT, diagnostics and each test line, proxies
//! — and its report explains each value; with `--format json` the report gets a `dsregcmd` member
//! holding every section typed and the explanations (`docs/json-schema.md`).
//!
//! Exit codes: 0 no failure in the latest attempt (or nothing to explain), 1 failure(s) logged,
//! 2 a file that is not a log (or cannot be read) or a usage error.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anstream::{print, println};
use clap::{Parser, ValueEnum};
use wpj::eventlog::{DsregStatus, Logs, ReadError};

/// Explain device-registration failures from Windows event logs or dsregcmd output.
#[derive(Debug, Parser)]
#[command(name = "eventlog", version)]
struct Args {
    /// `.evtx` files, `wevtutil … /f:xml` output or `dsregcmd /status` output (one report each,
    /// unless joined).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Make one timeline of all the files (always done when one of them is a CAPI2 log).
    #[arg(long)]
    join: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// How much of a file was read, for the line under its report.
fn read_line(logs: &Logs) -> String {
    let mut line = String::new();
    if let Some(origin) = &logs.origin {
        let _ = write!(line, "{}: ", wpj::Clean(origin));
    }
    if logs.source == wpj::LogSource::Dsregcmd {
        let _ = write!(
            line,
            "{} lines read, {} with a code or an HTTP status",
            logs.read,
            logs.events.len()
        );
    } else {
        let _ = write!(
            line,
            "{} events read, {} about device registration",
            logs.read,
            logs.events.len()
        );
    }
    if !logs.chains.is_empty() {
        let _ = write!(
            line,
            ", {} certificate chain(s) built by Windows' chain engine ({} for a registration server)",
            logs.chains.len(),
            logs.registration_chains().len()
        );
    }
    if logs.unreadable > 0 {
        let _ = write!(line, ", {} unreadable", logs.unreadable);
    }
    line
}

/// `key value` pairs that are set, joined: `AzureAdJoined YES, DomainJoined NO`.
fn pairs(items: &[(&str, Option<String>)]) -> String {
    items
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", wpj::Clean(v))))
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes_no(v: Option<bool>) -> Option<String> {
    v.map(|v| if v { "YES" } else { "NO" }.to_owned())
}

/// `dsregcmd /status`, section by section, one line each (sections it does not hold are left out).
fn dsregcmd_lines(status: &DsregStatus) -> Vec<String> {
    let state = &status.device_state;
    let device = &status.device_details;
    let tenant = &status.tenant;
    let user = &status.user;
    let sso = &status.sso;
    let diag = &status.diagnostics;
    let mut read = format!("dsregcmd /status ({}", status.encoding);
    if status.truncated {
        read.push_str(", cut");
    }
    read.push_str("), section by section:");
    let tests = status
        .tests
        .iter()
        .map(|test| {
            let outcome = format!("{:?}", test.outcome).to_uppercase();
            let label = wpj::Clean(&test.label);
            match &test.code {
                Some(code) => format!("{label} {outcome} [{}]", wpj::Clean(code)),
                None => format!("{label} {outcome}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let rows = [
        (
            "device state",
            pairs(&[
                ("AzureAdJoined", yes_no(state.azure_ad_joined)),
                ("EnterpriseJoined", yes_no(state.enterprise_joined)),
                ("DomainJoined", yes_no(state.domain_joined)),
                ("DomainName", state.domain_name.clone()),
                ("Device Name", state.device_name.clone()),
            ]),
        ),
        (
            "device",
            pairs(&[
                ("DeviceId", device.device_id.clone()),
                ("KeyProvider", device.key_provider.clone()),
                ("TpmProtected", yes_no(device.tpm_protected)),
                ("DeviceAuthStatus", device.device_auth_status.clone()),
                ("certificate", device.certificate_validity.clone()),
            ]),
        ),
        (
            "tenant",
            pairs(&[
                ("TenantName", tenant.tenant_name.clone()),
                ("TenantId", tenant.tenant_id.clone()),
                ("MdmUrl", tenant.mdm_url.clone()),
                ("JoinSrvUrl", tenant.join_srv_url.clone()),
            ]),
        ),
        (
            "user",
            pairs(&[
                ("NgcSet", yes_no(user.ngc_set)),
                ("WorkplaceJoined", yes_no(user.workplace_joined)),
                ("WamDefaultSet", user.wam_default_set.clone()),
            ]),
        ),
        (
            "SSO",
            pairs(&[
                ("AzureAdPrt", yes_no(sso.azure_ad_prt)),
                ("AzureAdPrtExpiryTime", sso.azure_ad_prt_expiry_time.clone()),
                ("EnterprisePrt", yes_no(sso.enterprise_prt)),
                ("OnPremTgt", yes_no(sso.on_prem_tgt)),
                ("CloudTgt", yes_no(sso.cloud_tgt)),
                ("Attempt Status", sso.attempt_status.clone()),
                (
                    "Server Error Description",
                    sso.server_error_description.clone(),
                ),
            ]),
        ),
        ("tests", tests),
        (
            "last attempt",
            pairs(&[
                ("Previous Registration", diag.previous_registration.clone()),
                ("Registration Type", diag.registration_type.clone()),
                ("Error Phase", diag.error_phase.clone()),
                ("Client ErrorCode", diag.client_error_code.clone()),
                ("Server ErrorCode", diag.server_error_code.clone()),
                ("Server Message", diag.server_message.clone()),
                ("Https Status", diag.https_status.clone()),
                ("Request Id", diag.request_id.clone()),
                ("Client Time", diag.client_time.clone()),
                ("User Context", diag.user_context.clone()),
            ]),
        ),
        (
            "proxy",
            pairs(&[
                (
                    "WinHTTP Access Type",
                    status.winhttp_proxy.access_type.clone(),
                ),
                (
                    "WinHTTP Proxy Server List",
                    status.winhttp_proxy.proxy_server_list.clone(),
                ),
                (
                    "IE Auto Detect Settings",
                    yes_no(status.ie_proxy.auto_detect_settings),
                ),
                (
                    "IE Auto-Configuration URL",
                    status.ie_proxy.auto_configuration_url.clone(),
                ),
                (
                    "IE Proxy Server List",
                    status.ie_proxy.proxy_server_list.clone(),
                ),
                (
                    "IE Proxy Bypass List",
                    status.ie_proxy.proxy_bypass_list.clone(),
                ),
            ]),
        ),
    ];
    std::iter::once(read)
        .chain(
            rows.into_iter()
                .filter(|(_, line)| !line.is_empty())
                .map(|(name, line)| format!("  {name}: {line}")),
        )
        .collect()
}

/// The report as JSON; a `dsregcmd` member holds the typed sections and their explanations.
fn report_json(logs: &Logs, report: &wpj::Report) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(report)?;
    if let (Some(status), Some(object)) = (&logs.dsregcmd, value.as_object_mut()) {
        let mut dsregcmd = serde_json::to_value(status)?;
        if let Some(d) = dsregcmd.as_object_mut() {
            d.insert(
                "explanations".to_owned(),
                serde_json::to_value(status.explain())?,
            );
        }
        object.insert("dsregcmd".to_owned(), dsregcmd);
    }
    Ok(value)
}

/// Which attempt the verdict describes, under a report with more than one.
fn attempts_line(logs: &Logs) -> Option<String> {
    let attempts = logs.attempts();
    let latest = attempts.last()?;
    let when = latest.started.map_or_else(
        || "in the dsregcmd /status output".to_owned(),
        |t| {
            format!(
                "at {} {:02}:{:02}:{:02}",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    );
    let earlier = attempts.len() - 1;
    Some(match (latest.failed, earlier) {
        (true, 0) => format!("The verdict describes the latest (and only) attempt, {when}."),
        (true, n) => format!(
            "The verdict describes the latest attempt, {when}; {n} earlier attempt(s) are history (warn)."
        ),
        (false, 0) => format!("The only attempt, {when}, logged no failure."),
        (false, n) => format!(
            "The latest attempt, {when}, logged no failure; {n} earlier attempt(s) are history (warn)."
        ),
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut read = Vec::new();
    let mut unreadable = false;
    for file in &args.files {
        match wpj::eventlog::read_file(file) {
            Ok(logs) => read.push(logs),
            Err(e) => {
                let what = match e {
                    ReadError::UnknownFormat | ReadError::Empty => "not a log",
                    ReadError::Evtx(_) | ReadError::Xml(_) => "a damaged log",
                    _ => "cannot be read",
                };
                eprintln!(
                    "eventlog: {}: {what}: {e}; nothing to explain",
                    file.display()
                );
                unreadable = true;
            }
        }
    }
    let lines: Vec<String> = read.iter().map(read_line).collect();
    let capi2 = read.iter().any(|l| !l.chains.is_empty());
    let inputs: Vec<(Logs, Vec<String>)> = if (args.join || capi2) && read.len() > 1 {
        Logs::join(read).map(|l| (l, lines)).into_iter().collect()
    } else {
        read.into_iter()
            .zip(lines)
            .map(|(l, r)| (l, vec![r]))
            .collect()
    };
    let reports: Vec<_> = inputs.iter().map(|(logs, _)| logs.report()).collect();
    match args.format {
        Format::Json => {
            let values: serde_json::Result<Vec<serde_json::Value>> = inputs
                .iter()
                .zip(&reports)
                .map(|((logs, _), report)| report_json(logs, report))
                .collect();
            let json = values.and_then(|values| match values.as_slice() {
                [one] => serde_json::to_string_pretty(one),
                all => serde_json::to_string_pretty(all),
            });
            match json {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("eventlog: internal error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        Format::Text => {
            for (i, ((logs, read), report)) in inputs.iter().zip(&reports).enumerate() {
                if i > 0 {
                    println!();
                }
                if let Some(nothing) = logs.nothing_to_explain() {
                    // No verdict: nothing here is about device registration.
                    println!("{nothing}");
                } else {
                    if let Some(status) = &logs.dsregcmd {
                        for line in dsregcmd_lines(status) {
                            println!("{line}");
                        }
                        println!();
                    }
                    print!("{report}");
                    if let Some(line) = attempts_line(logs) {
                        println!("{line}");
                    }
                }
                for line in read {
                    println!("({line})");
                }
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if reports.iter().any(wpj::Report::has_failures) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

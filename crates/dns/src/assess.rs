//! Turning what the servers said into a finding, as Windows would experience it.

use std::collections::BTreeSet;
use std::net::IpAddr;

use wpj_core::{
    CheckId, DnsLookup, DnsOutcome, Evidence, Finding, JoinFailure, Mode, ResolvedAddresses,
    ServiceKind, Target,
};

pub use wpj_core::ENTRA_REGISTRATION_HOST;

/// Every server's answer in one view, in the order the servers were given.
#[derive(Debug, Clone)]
pub(crate) struct ViewLookups {
    pub(crate) name: String,
    pub(crate) lookups: Vec<DnsLookup>,
}

impl ViewLookups {
    /// What a device using this view gets: the first definitive answer in server order (Windows
    /// moves to the next server on a timeout or a server failure), else the first server's failure.
    fn chosen(&self) -> &DnsLookup {
        self.lookups
            .iter()
            .find(|l| l.outcome.is_definitive())
            .unwrap_or(&self.lookups[0])
    }
}

fn address_set(lookup: &DnsLookup) -> BTreeSet<IpAddr> {
    lookup.addresses.iter().map(|a| a.ip).collect()
}

fn ips(lookup: &DnsLookup) -> Vec<IpAddr> {
    let mut seen = BTreeSet::new();
    lookup
        .addresses
        .iter()
        .map(|a| a.ip)
        .filter(|ip| seen.insert(*ip))
        .collect()
}

fn list(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Entra when the CNAME chain *from the queried name* reaches `enterpriseregistration.windows.net`
/// (the chain [`DnsLookup::cname_chain`] holds; stray records elsewhere in an answer are not in
/// it), AD FS otherwise.
#[must_use]
pub fn classify(lookup: &DnsLookup) -> (ServiceKind, String) {
    if lookup
        .cname_chain
        .iter()
        .any(|hop| hop.target.eq_ignore_ascii_case(ENTRA_REGISTRATION_HOST))
    {
        (
            ServiceKind::Entra,
            format!("{} is a CNAME to {ENTRA_REGISTRATION_HOST}", lookup.name),
        )
    } else if lookup.cname_chain.is_empty() {
        (
            ServiceKind::Adfs,
            format!(
                "{} has its own address records (no CNAME to {ENTRA_REGISTRATION_HOST})",
                lookup.name
            ),
        )
    } else {
        (
            ServiceKind::Adfs,
            format!(
                "{} leads to {}, not {ENTRA_REGISTRATION_HOST}",
                lookup.name,
                lookup.canonical_name()
            ),
        )
    }
}

/// The record to create, in words an admin can act on.
fn record_to_create(target: &Target, mode: Mode, view: Option<&str>) -> String {
    let name = format!("EnterpriseRegistration.{}", target.suffix());
    let entra = format!("a CNAME {name} → EnterpriseRegistration.windows.net");
    let adfs = "a CNAME or A record pointing at the AD FS farm in the internal zone and at the Web \
                Application Proxy in the external zone";
    let what = match mode {
        Mode::Entra => entra,
        Mode::Onprem => format!("{name} as {adfs}"),
        Mode::Auto => format!("{entra} (Microsoft Entra ID), or {name} as {adfs} (AD FS)"),
    };
    match view {
        Some(view) => format!("Create {what}; it must resolve in the {view} view too."),
        None => format!("Create {what}."),
    }
}

/// The fix for a name that did not resolve, led by the observed cause: a server that failed,
/// refused or did not answer is fixed at the server before any record can help; a missing record
/// (NXDOMAIN, NODATA) is created; a record that leads nowhere is corrected.
fn remediation(outcome: DnsOutcome, record: &str) -> String {
    let server = |why: &str| {
        format!("{why} Once the server answers, if the name is still missing: {record}")
    };
    match outcome {
        DnsOutcome::ServFail => server(
            "The DNS server failed rather than saying the name is missing: check its zone, \
             forwarders and delegation.",
        ),
        DnsOutcome::Refused => server(
            "The DNS server refused the query: it does not serve this zone or this client (check \
             its recursion and access settings).",
        ),
        DnsOutcome::Timeout | DnsOutcome::Error => server(
            "The DNS server did not answer: check that it runs, that the device uses the right \
             resolver, and that UDP and TCP 53 reach it through the firewall.",
        ),
        DnsOutcome::NoUsableAddress => format!(
            "The records exist but lead to no usable address: fix the CNAME target or the address \
             ({record})"
        ),
        _ => format!("{record} Then run `ipconfig /flushdns` on the device."),
    }
}

/// The finding for the DNS step.
pub(crate) fn assess(id: CheckId, target: &Target, mode: Mode, views: &[ViewLookups]) -> Finding {
    let name = target.registration_name();
    let evidence: Vec<Evidence> = views
        .iter()
        .flat_map(|v| v.lookups.iter().cloned().map(Evidence::Dns))
        .collect();
    let answered: Vec<&ViewLookups> = views
        .iter()
        .filter(|v| v.chosen().outcome == DnsOutcome::Answer)
        .collect();
    let service = answered.first().map(|v| classify(v.chosen()));
    let effective_mode = match (mode, service.as_ref()) {
        (Mode::Auto, Some((ServiceKind::Entra, _))) => Mode::Entra,
        (Mode::Auto, Some((ServiceKind::Adfs, _))) => Mode::Onprem,
        (m, _) => m,
    };

    let mut finding = if let Some(failed) = views
        .iter()
        .find(|v| v.chosen().outcome != DnsOutcome::Answer)
    {
        let lookup = failed.chosen();
        let summary = if answered.is_empty() {
            format!(
                "{name} does not resolve: {} from {}",
                lookup.outcome, lookup.server
            )
        } else {
            let ok: Vec<String> = answered
                .iter()
                .map(|v| format!("{} view → {}", v.name, list(&ips(v.chosen()))))
                .collect();
            format!(
                "{name} does not resolve in the {} view ({} from {}); devices using it fail ({})",
                failed.name,
                lookup.outcome,
                lookup.server,
                ok.join("; ")
            )
        };
        let view_hint = (!answered.is_empty()).then_some(failed.name.as_str());
        Finding::fail(id, JoinFailure::NameNotResolved, summary).with_remediation(remediation(
            lookup.outcome,
            &record_to_create(target, effective_mode, view_hint),
        ))
    } else {
        let first = views[0].chosen();
        let (kind, _) = service
            .clone()
            .unwrap_or((ServiceKind::Adfs, String::new()));
        let warnings = warnings(target, mode, kind, views);
        let summary = format!(
            "{name} → {} ({kind}, {} view)",
            list(&ips(first)),
            views[0].name
        );
        if warnings.is_empty() {
            Finding::pass(id, summary)
        } else {
            let (texts, fixes): (Vec<String>, Vec<String>) = warnings.into_iter().unzip();
            Finding::warn(id, format!("{summary}; but {}", texts.join("; ")))
                .with_remediation(fixes.join(" "))
        }
    };

    finding.evidence = evidence;
    if let Some((kind, reason)) = service {
        finding.evidence.push(Evidence::Service {
            service: kind,
            reason,
        });
        let first = views[0].chosen();
        if first.outcome == DnsOutcome::Answer {
            finding = finding.with_output(ResolvedAddresses {
                name: name.clone(),
                addresses: ips(first),
                service: kind,
                views: answered
                    .iter()
                    .map(|v| (v.name.clone(), ips(v.chosen())))
                    .collect(),
            });
        }
    }
    finding
}

/// Problems that do not stop a device here but will bite: (what, fix).
fn warnings(
    target: &Target,
    mode: Mode,
    service: ServiceKind,
    views: &[ViewLookups],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for view in views {
        let chosen = view.chosen();
        for lookup in &view.lookups {
            if std::ptr::eq(lookup, chosen) {
                continue;
            }
            if lookup.outcome == DnsOutcome::Answer {
                if address_set(lookup) != address_set(chosen) {
                    out.push((
                        format!(
                            "server {} ({} view) answers {} instead",
                            lookup.server,
                            view.name,
                            list(&ips(lookup))
                        ),
                        format!(
                            "Make every DNS server of the {} view serve the same EnterpriseRegistration record.",
                            view.name
                        ),
                    ));
                }
            } else {
                out.push((
                    format!(
                        "server {} ({} view) gives {}: devices asking it first are slow or fail",
                        lookup.server, view.name, lookup.outcome
                    ),
                    format!(
                        "Fix DNS server {} or remove it from the devices' configuration.",
                        lookup.server
                    ),
                ));
            }
        }
    }
    let asserted = match (mode, service) {
        (Mode::Entra, ServiceKind::Adfs) => Some((
            format!(
                "you expect Microsoft Entra ID, yet {} leads to {} (not {ENTRA_REGISTRATION_HOST}): \
                 devices will reach that server, and get its certificate (a name mismatch) or a 404 \
                 from the contract",
                target.registration_name(),
                views[0].chosen().canonical_name()
            ),
            format!(
                "Point EnterpriseRegistration.{} at EnterpriseRegistration.windows.net (CNAME) for \
                 Entra ID, or diagnose in on-premises mode if AD FS is intended.",
                target.suffix()
            ),
        )),
        (Mode::Onprem, ServiceKind::Entra) => Some((
            format!(
                "you expect AD FS, yet {} is a CNAME to {ENTRA_REGISTRATION_HOST}: devices will \
                 register with Microsoft Entra ID, not your farm",
                target.registration_name()
            ),
            format!(
                "Point EnterpriseRegistration.{} at the AD FS farm (internal) and the proxy \
                 (external), or diagnose in Entra mode if Entra ID is intended.",
                target.suffix()
            ),
        )),
        _ => None,
    };
    out.extend(asserted);
    if service == ServiceKind::Adfs && views.len() > 1 {
        let first = address_set(views[0].chosen());
        if let Some(same) = views[1..].iter().find(|v| address_set(v.chosen()) == first) {
            out.push((
                format!(
                    "the {} and {} views give the same addresses ({}): for AD FS the internal view \
                     should point at a farm node and the external view at the proxy",
                    views[0].name,
                    same.name,
                    list(&ips(views[0].chosen()))
                ),
                "Answer EnterpriseRegistration with the AD FS farm in internal DNS and with the Web \
                 Application Proxy in external DNS."
                    .to_owned(),
            ));
        }
    }
    out
}

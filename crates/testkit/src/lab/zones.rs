//! The lab's DNS zones: the internal view, and the external one of split-horizon labs.

use std::net::{IpAddr, Ipv4Addr};

use crate::dns::{DnsFault, DnsRecord, Zone};

use super::{ENTRA_REGISTRATION_HOST, ExternalView, Flavour, LabSpec, MICROSOFT_LOGIN_HOSTS};

/// The address of the Web Application Proxy in split-horizon labs.
pub const PROXY_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 9);
/// Where Microsoft's sign-in hosts resolve in `login_blocked` labs: nothing listens there.
pub const BLOCKED_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 8);

pub(super) fn internal_zone(spec: &LabSpec) -> Zone {
    let ips = spec.nodes.iter().map(|n| IpAddr::V4(n.ip));
    let mut zone = zone_pointing_at(spec, ips, spec.dns_fault);
    zone.add_ip(&spec.crl_host(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    zone
}

pub(super) fn external_zone(spec: &LabSpec, view: ExternalView) -> Zone {
    let mut zone = match view {
        ExternalView::SameAsInternal => {
            let ips = spec.nodes.iter().map(|n| IpAddr::V4(n.ip));
            zone_pointing_at(spec, ips, spec.dns_fault)
        }
        ExternalView::Proxy => zone_pointing_at(spec, [IpAddr::V4(PROXY_IP)], None),
        ExternalView::Fault(fault) => zone_pointing_at(spec, [IpAddr::V4(PROXY_IP)], Some(fault)),
    };
    if !spec.pki_inside_only {
        zone.add_ip(&spec.crl_host(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    zone
}

/// The lab zone with the registration and federation names pointing at `ips`.
fn zone_pointing_at(
    spec: &LabSpec,
    ips: impl IntoIterator<Item = IpAddr> + Clone,
    fault: Option<DnsFault>,
) -> Zone {
    let mut zone = Zone::new(&spec.domain);
    let registration = spec.registration_name();
    match spec.flavour {
        Flavour::OnPrem => {
            for ip in ips.clone() {
                zone.add_ip(&registration, ip);
            }
        }
        Flavour::Entra => {
            zone.add(
                &registration,
                DnsRecord::Cname(ENTRA_REGISTRATION_HOST.to_owned()),
            );
            for ip in ips.clone() {
                zone.add_ip(ENTRA_REGISTRATION_HOST, ip);
                for host in MICROSOFT_LOGIN_HOSTS {
                    let ip = if spec.login_blocked {
                        IpAddr::V4(BLOCKED_IP)
                    } else {
                        ip
                    };
                    zone.add_ip(host, ip);
                }
            }
        }
    }
    if spec.sts_in_dns {
        for ip in ips {
            zone.add_ip(&spec.sts_host(), ip);
        }
    }
    if spec.stray_cname {
        zone = zone.with_extra_answer(
            &registration,
            &format!("stray.{}", spec.domain),
            DnsRecord::Cname(ENTRA_REGISTRATION_HOST.to_owned()),
        );
    }
    if let Some(fault) = fault {
        zone = zone.with_fault(&registration, fault);
    }
    if let Some(one_way) = spec.latency {
        zone = zone.with_round_trip(one_way * 2);
    }
    zone
}

//! One question to one DNS server: A and AAAA for a name, turned into a [`DnsLookup`].

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use wpj_core::{AddressRecord, CnameHop, DnsLookup, DnsOutcome};

/// A resolver that asks exactly one server (UDP, TCP on truncation), once, without cache or hosts file.
pub(crate) fn single_server_resolver(server: SocketAddr, timeout: Duration) -> TokioResolver {
    let mut udp = ConnectionConfig::udp();
    udp.port = server.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = server.port();
    let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 0; // hickory counts retries: one try, bounded by `timeout`
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.preserve_intermediates = true;
    TokioResolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![name_server]),
        TokioRuntimeProvider::default(),
    )
    .with_options(opts)
    .build()
    .unwrap_or_else(|e| unreachable!("a one-server UDP/TCP resolver always builds: {e}"))
}

/// What one record type's query gave.
struct Partial {
    outcome: DnsOutcome,
    chain: Vec<CnameHop>,
    addresses: Vec<AddressRecord>,
    detail: Option<String>,
}

/// Asks `server` for the A and AAAA records of `name` (ASCII, no trailing dot), concurrently.
pub(crate) async fn query_server(
    view: &str,
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> DnsLookup {
    let resolver = single_server_resolver(server, timeout);
    let fqdn = format!("{name}.");
    let started = Instant::now();
    let (a, aaaa) = tokio::join!(
        resolver.lookup(fqdn.as_str(), RecordType::A),
        resolver.lookup(fqdn.as_str(), RecordType::AAAA)
    );
    let elapsed = started.elapsed();
    let (a, aaaa) = (interpret(name, a), interpret(name, aaaa));
    let (outcome, chain, addresses, detail) = merge(a, aaaa);
    DnsLookup {
        view: view.to_owned(),
        server,
        name: name.to_owned(),
        outcome,
        cname_chain: chain,
        addresses,
        detail,
        elapsed,
    }
}

fn trim(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// An address a device could connect to.
fn usable(ip: IpAddr) -> bool {
    !(ip.is_unspecified() || ip.is_multicast() || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast()))
}

/// The answer for `name`: the CNAME chain that starts at `name` (followed hop by hop) and the
/// addresses of the name it ends at. Records of other owners (a stray CNAME, an unrelated address
/// a hostile or sloppy server adds) are not part of the answer, as a stub resolver ignores them.
fn interpret(name: &str, result: Result<Lookup, NetError>) -> Partial {
    match result {
        Ok(lookup) => {
            let mut aliases: Vec<CnameHop> = Vec::new();
            let mut records: Vec<(String, AddressRecord)> = Vec::new();
            for record in lookup.answers() {
                let owner = trim(&record.name.to_ascii());
                match &record.data {
                    RData::CNAME(target) => aliases.push(CnameHop {
                        name: owner,
                        target: trim(&target.0.to_ascii()),
                        ttl: record.ttl,
                    }),
                    RData::A(a) => records.push((
                        owner,
                        AddressRecord {
                            ip: IpAddr::V4(a.0),
                            ttl: record.ttl,
                        },
                    )),
                    RData::AAAA(aaaa) => records.push((
                        owner,
                        AddressRecord {
                            ip: IpAddr::V6(aaaa.0),
                            ttl: record.ttl,
                        },
                    )),
                    _ => {}
                }
            }
            let mut chain: Vec<CnameHop> = Vec::new();
            let mut current = trim(name);
            while let Some(hop) = aliases.iter().find(|h| h.name == current) {
                if chain.iter().any(|h| h.name == hop.target) || chain.len() >= aliases.len() {
                    break; // a loop: the chain ends where it repeats
                }
                current.clone_from(&hop.target);
                chain.push(hop.clone());
            }
            let addresses = records
                .into_iter()
                .filter(|(owner, _)| *owner == current)
                .map(|(_, record)| record)
                .collect();
            Partial {
                outcome: DnsOutcome::Answer,
                chain,
                addresses,
                detail: None,
            }
        }
        Err(e) => {
            let outcome = match &e {
                NetError::Timeout => DnsOutcome::Timeout,
                NetError::Dns(DnsError::NoRecordsFound(no)) => from_code(no.response_code),
                NetError::Dns(DnsError::ResponseCode(code)) => from_code(*code),
                _ => DnsOutcome::Error,
            };
            Partial {
                outcome,
                chain: Vec::new(),
                addresses: Vec::new(),
                detail: (outcome == DnsOutcome::Error).then(|| e.to_string()),
            }
        }
    }
}

fn from_code(code: ResponseCode) -> DnsOutcome {
    match code {
        ResponseCode::NXDomain => DnsOutcome::NxDomain,
        ResponseCode::NoError => DnsOutcome::NoData,
        ResponseCode::ServFail => DnsOutcome::ServFail,
        ResponseCode::Refused => DnsOutcome::Refused,
        _ => DnsOutcome::Error,
    }
}

/// One outcome for the name: AAAA addresses first, then A (RFC 6724's default order); the A
/// query's outcome otherwise, noting a different AAAA outcome.
fn merge(
    a: Partial,
    aaaa: Partial,
) -> (
    DnsOutcome,
    Vec<CnameHop>,
    Vec<AddressRecord>,
    Option<String>,
) {
    let answered = a.outcome == DnsOutcome::Answer || aaaa.outcome == DnsOutcome::Answer;
    let aaaa_differs = aaaa.outcome != a.outcome;
    let aaaa_outcome = aaaa.outcome;
    let chain = if a.chain.is_empty() {
        aaaa.chain
    } else {
        a.chain
    };
    let all: Vec<AddressRecord> = aaaa.addresses.into_iter().chain(a.addresses).collect();
    let addresses: Vec<AddressRecord> = all.iter().copied().filter(|r| usable(r.ip)).collect();
    if !addresses.is_empty() {
        return (DnsOutcome::Answer, chain, addresses, None);
    }
    if answered {
        let detail = if all.is_empty() {
            format!(
                "the chain ends at {} without an address record",
                chain.last().map_or("the name", |h| h.target.as_str())
            )
        } else {
            let ips: Vec<String> = all.iter().map(|r| r.ip.to_string()).collect();
            format!("only unusable addresses: {}", ips.join(", "))
        };
        return (DnsOutcome::NoUsableAddress, chain, Vec::new(), Some(detail));
    }
    let detail = a
        .detail
        .or_else(|| aaaa_differs.then(|| format!("AAAA: {aaaa_outcome}")));
    (a.outcome, chain, Vec::new(), detail)
}

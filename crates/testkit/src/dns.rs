//! A DNS server on loopback (UDP and TCP) that answers from a small record table, with scripted faults.
//!
//! It answers like a recursive resolver would to a stub: the CNAME chain followed to the end, then the
//! A/AAAA records of the last name. Negative answers carry the lab zone's SOA, as conforming servers do.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use hickory_proto::op::{Header, HeaderCounts, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::net::{TcpListener, UdpSocket};

use crate::server::TaskGuard;

/// TTL of address records.
pub const ADDRESS_TTL: u32 = 300;
/// TTL of CNAME records.
pub const CNAME_TTL: u32 = 3600;
/// The SOA minimum (negative-caching TTL).
pub const NEGATIVE_TTL: u32 = 60;

/// One record in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsRecord {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// An alias (the target, without trailing dot).
    Cname(String),
}

/// How the server misbehaves for a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsFault {
    /// Answer NXDOMAIN even if records exist.
    NxDomain,
    /// Answer NOERROR with no records (NODATA).
    NoData,
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Never answer (the client times out).
    Drop,
    /// Answer normally after this delay.
    Delay(Duration),
    /// Answer NOERROR with records that answer nothing: owners that were not asked about, types
    /// that were not asked for, a CNAME to a name with control characters, absurd TTLs.
    Garbage,
    /// Answer NOERROR with a CNAME chain that loops back to the asked name (`loop-a`, `loop-b`).
    CnameLoop,
}

/// The records and faults one server (one *view*) answers with.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    /// The zone apex (the lab domain), for the SOA of negative answers.
    pub apex: String,
    records: HashMap<String, Vec<DnsRecord>>,
    faults: HashMap<String, DnsFault>,
    /// Records of other owners added to the answers for a name: (queried name, (owner, record)).
    extras: HashMap<String, Vec<(String, DnsRecord)>>,
    fault_all: Option<DnsFault>,
    round_trip: Duration,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Zone {
    /// An empty zone for `apex`.
    #[must_use]
    pub fn new(apex: &str) -> Self {
        Self {
            apex: key(apex),
            ..Self::default()
        }
    }

    /// Adds a record for `name`.
    #[must_use]
    pub fn with(mut self, name: &str, record: DnsRecord) -> Self {
        self.add(name, record);
        self
    }

    /// Adds a record for `name`.
    pub fn add(&mut self, name: &str, record: DnsRecord) {
        self.records.entry(key(name)).or_default().push(record);
    }

    /// Adds an A or AAAA record.
    pub fn add_ip(&mut self, name: &str, ip: IpAddr) {
        self.add(
            name,
            match ip {
                IpAddr::V4(v4) => DnsRecord::A(v4),
                IpAddr::V6(v6) => DnsRecord::Aaaa(v6),
            },
        );
    }

    /// Scripts a fault for queries of `name`.
    #[must_use]
    pub fn with_fault(mut self, name: &str, fault: DnsFault) -> Self {
        self.faults.insert(key(name), fault);
        self
    }

    /// Adds `owner`'s `record` to every positive answer for `name`: a record that belongs to no
    /// part of the queried chain, as a sloppy or hostile server sends (a stray CNAME, say).
    #[must_use]
    pub fn with_extra_answer(mut self, name: &str, owner: &str, record: DnsRecord) -> Self {
        self.extras
            .entry(key(name))
            .or_default()
            .push((key(owner), record));
        self
    }

    /// Scripts a fault for every query.
    #[must_use]
    pub fn with_fault_for_all(mut self, fault: DnsFault) -> Self {
        self.fault_all = Some(fault);
        self
    }

    /// Adds `round_trip` to every answer (and every fault), as a resolver that far away would:
    /// the lab's network latency for DNS.
    #[must_use]
    pub fn with_round_trip(mut self, round_trip: Duration) -> Self {
        self.round_trip = round_trip;
        self
    }

    /// The records of `name`.
    #[must_use]
    pub fn records(&self, name: &str) -> &[DnsRecord] {
        self.records.get(&key(name)).map_or(&[], Vec::as_slice)
    }

    /// Every name that has records, sorted.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.records.keys().cloned().collect();
        names.sort();
        names
    }

    /// The first address `name` leads to, its CNAME chain followed, as the zone holds it (faults
    /// aside): an A record before an AAAA one.
    #[must_use]
    pub fn address(&self, name: &str) -> Option<IpAddr> {
        let mut current = key(name);
        for _ in 0..16 {
            let records = self.records.get(&current)?;
            if let Some(target) = records.iter().find_map(|r| match r {
                DnsRecord::Cname(target) => Some(target),
                _ => None,
            }) {
                current = key(target);
                continue;
            }
            let v4 = records.iter().find_map(|r| match r {
                DnsRecord::A(ip) => Some(IpAddr::V4(*ip)),
                _ => None,
            });
            return v4.or_else(|| {
                records.iter().find_map(|r| match r {
                    DnsRecord::Aaaa(ip) => Some(IpAddr::V6(*ip)),
                    _ => None,
                })
            });
        }
        None
    }

    fn fault(&self, name: &str) -> Option<DnsFault> {
        self.faults.get(name).copied().or(self.fault_all)
    }

    /// What the server answers for `name`/`qtype`: response code and answer records.
    fn resolve(&self, name: &Name, qtype: RecordType) -> (ResponseCode, Vec<Record>) {
        let mut answers = Vec::new();
        let mut current = name.clone();
        for _ in 0..16 {
            let Some(records) = self.records.get(&key(&current.to_ascii())) else {
                let code = if answers.is_empty() {
                    ResponseCode::NXDomain
                } else {
                    ResponseCode::NoError
                };
                return (code, answers);
            };
            let alias = records.iter().find_map(|r| match r {
                DnsRecord::Cname(target) => Some(target),
                _ => None,
            });
            if let Some(target) = alias.filter(|_| qtype != RecordType::CNAME) {
                let Ok(target) = Name::from_ascii(format!("{}.", key(target))) else {
                    return (ResponseCode::ServFail, Vec::new());
                };
                answers.push(Record::from_rdata(
                    current.clone(),
                    CNAME_TTL,
                    RData::CNAME(CNAME(target.clone())),
                ));
                current = target;
                continue;
            }
            for r in records {
                let rdata = match (r, qtype) {
                    (DnsRecord::A(ip), RecordType::A) => RData::A(A(*ip)),
                    (DnsRecord::Aaaa(ip), RecordType::AAAA) => RData::AAAA(AAAA(*ip)),
                    (DnsRecord::Cname(t), RecordType::CNAME) => {
                        match Name::from_ascii(format!("{}.", key(t))) {
                            Ok(n) => RData::CNAME(CNAME(n)),
                            Err(_) => continue,
                        }
                    }
                    _ => continue,
                };
                let ttl = if qtype == RecordType::CNAME {
                    CNAME_TTL
                } else {
                    ADDRESS_TTL
                };
                answers.push(Record::from_rdata(current.clone(), ttl, rdata));
            }
            answers.extend(self.extra_answers(name));
            return (ResponseCode::NoError, answers);
        }
        // A CNAME loop: what recursive servers answer.
        (ResponseCode::ServFail, Vec::new())
    }

    /// The stray records scripted for `name` ([`Zone::with_extra_answer`]).
    fn extra_answers(&self, name: &Name) -> Vec<Record> {
        let Some(extras) = self.extras.get(&key(&name.to_ascii())) else {
            return Vec::new();
        };
        extras
            .iter()
            .filter_map(|(owner, record)| {
                let owner = Name::from_ascii(format!("{owner}.")).ok()?;
                let rdata = match record {
                    DnsRecord::A(ip) => RData::A(A(*ip)),
                    DnsRecord::Aaaa(ip) => RData::AAAA(AAAA(*ip)),
                    DnsRecord::Cname(t) => {
                        RData::CNAME(CNAME(Name::from_ascii(format!("{}.", key(t))).ok()?))
                    }
                };
                Some(Record::from_rdata(owner, CNAME_TTL, rdata))
            })
            .collect()
    }

    fn soa(&self) -> Option<Record> {
        let apex = Name::from_ascii(format!("{}.", self.apex)).ok()?;
        let mname = Name::from_ascii(format!("ns.{}.", self.apex)).ok()?;
        let rname = Name::from_ascii(format!("hostmaster.{}.", self.apex)).ok()?;
        Some(Record::from_rdata(
            apex,
            NEGATIVE_TTL,
            RData::SOA(SOA::new(mname, rname, 1, 3600, 600, 86_400, NEGATIVE_TTL)),
        ))
    }
}

/// The zone a server answers from: a snapshot per query (an `Arc` clone, not a copy of the
/// records — a fleet zone holds tens of thousands), replaced as a whole when edited.
type SharedZone = Arc<RwLock<Arc<Zone>>>;

/// The request handler: answers from a shared, editable zone.
#[derive(Debug, Clone)]
struct Handler {
    zone: SharedZone,
    asked: Arc<Mutex<HashMap<String, usize>>>,
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let silent = || {
            let mut metadata = request.metadata;
            metadata.response_code = ResponseCode::ServFail;
            ResponseInfo::from(Header {
                metadata,
                counts: HeaderCounts::default(),
            })
        };
        let Some(query) = request.queries.queries().first() else {
            return silent();
        };
        let name = query.name().clone();
        let qtype = query.query_type();
        let asked = key(&name.to_string());
        *self
            .asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(asked.clone())
            .or_default() += 1;
        let (fault, zone) = {
            let Ok(zone) = self.zone.read() else {
                return silent();
            };
            (zone.fault(&asked), Arc::clone(&zone))
        };
        if !zone.round_trip.is_zero() {
            tokio::time::sleep(zone.round_trip).await;
        }
        let builder = MessageResponseBuilder::from_message_request(request);
        let error = |code| builder.error_msg(&request.metadata, code);
        let sent = match fault {
            Some(DnsFault::Drop) => return silent(),
            Some(DnsFault::ServFail) => {
                response_handle
                    .send_response(error(ResponseCode::ServFail))
                    .await
            }
            Some(DnsFault::Refused) => {
                response_handle
                    .send_response(error(ResponseCode::Refused))
                    .await
            }
            Some(fault @ (DnsFault::NxDomain | DnsFault::NoData)) => {
                let code = if fault == DnsFault::NxDomain {
                    ResponseCode::NXDomain
                } else {
                    ResponseCode::NoError
                };
                negative(request, &mut response_handle, code, &zone).await
            }
            Some(fault @ (DnsFault::Garbage | DnsFault::CnameLoop)) => {
                hostile(request, &mut response_handle, &zone, &name, fault).await
            }
            Some(DnsFault::Delay(d)) => {
                tokio::time::sleep(d).await;
                answer(request, &mut response_handle, &zone, &name, qtype).await
            }
            None => answer(request, &mut response_handle, &zone, &name, qtype).await,
        };
        sent.unwrap_or_else(|_| silent())
    }
}

async fn answer<R: ResponseHandler>(
    request: &Request,
    response_handle: &mut R,
    zone: &Zone,
    name: &Name,
    qtype: RecordType,
) -> Result<ResponseInfo, hickory_server::net::NetError> {
    let (code, answers) = zone.resolve(name, qtype);
    if answers.is_empty() && code != ResponseCode::ServFail {
        return negative(request, response_handle, code, zone).await;
    }
    let mut metadata = hickory_proto::op::Metadata::response_from_request(&request.metadata);
    metadata.authoritative = true;
    metadata.recursion_available = true;
    metadata.response_code = code;
    let response = MessageResponseBuilder::from_message_request(request).build(
        metadata,
        answers.iter(),
        [],
        [],
        [],
    );
    response_handle.send_response(response).await
}

/// The records of a [`DnsFault::Garbage`] or [`DnsFault::CnameLoop`] answer for `name`.
fn hostile_records(zone: &Zone, name: &Name, fault: DnsFault) -> Vec<Record> {
    let owner = |label: &str| Name::from_ascii(format!("{label}.{}.", zone.apex)).ok();
    let cname = |from: &Name, to: &Name| {
        Record::from_rdata(from.clone(), CNAME_TTL, RData::CNAME(CNAME(to.clone())))
    };
    if fault == DnsFault::CnameLoop {
        let (Some(a), Some(b)) = (owner("loop-a"), owner("loop-b")) else {
            return Vec::new();
        };
        return vec![cname(name, &a), cname(&a, &b), cname(&b, name)];
    }
    let mut records = Vec::new();
    for n in 0..50u8 {
        if let Some(other) = owner(&format!("garbage-{n}")) {
            records.push(Record::from_rdata(
                other.clone(),
                u32::MAX,
                RData::A(A(Ipv4Addr::new(255, 255, 255, n))),
            ));
            records.push(Record::from_rdata(
                other,
                0,
                RData::AAAA(AAAA(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, u16::from(n)))),
            ));
        }
    }
    // A CNAME from the asked name to a label of control characters (legal in DNS, as bytes).
    let target = hickory_proto::rr::domain::Label::from_raw_bytes(b"\x1b[2J\x07\r\n")
        .ok()
        .and_then(|label| owner("x")?.prepend_label(label).ok());
    records.extend(target.map(|target| cname(name, &target)));
    records
}

async fn hostile<R: ResponseHandler>(
    request: &Request,
    response_handle: &mut R,
    zone: &Zone,
    name: &Name,
    fault: DnsFault,
) -> Result<ResponseInfo, hickory_server::net::NetError> {
    let answers = hostile_records(zone, name, fault);
    let mut metadata = hickory_proto::op::Metadata::response_from_request(&request.metadata);
    metadata.recursion_available = true;
    metadata.response_code = ResponseCode::NoError;
    let response = MessageResponseBuilder::from_message_request(request).build(
        metadata,
        answers.iter(),
        [],
        [],
        [],
    );
    response_handle.send_response(response).await
}

async fn negative<R: ResponseHandler>(
    request: &Request,
    response_handle: &mut R,
    code: ResponseCode,
    zone: &Zone,
) -> Result<ResponseInfo, hickory_server::net::NetError> {
    let mut metadata = hickory_proto::op::Metadata::response_from_request(&request.metadata);
    metadata.authoritative = true;
    metadata.recursion_available = true;
    metadata.response_code = code;
    let soa: Vec<Record> = zone.soa().into_iter().collect();
    let response = MessageResponseBuilder::from_message_request(request).build(
        metadata,
        [],
        soa.iter(),
        [],
        [],
    );
    response_handle.send_response(response).await
}

/// A running DNS server; stops when dropped.
#[derive(Debug)]
pub struct DnsServer {
    addr: SocketAddr,
    zone: SharedZone,
    asked: Arc<Mutex<HashMap<String, usize>>>,
    _task: TaskGuard,
}

impl DnsServer {
    /// Starts a server for `zone` on `ip`, UDP and TCP on the same (random) port.
    pub async fn start(ip: IpAddr, zone: Zone) -> std::io::Result<Self> {
        let (udp, tcp) = bind_pair(ip).await?;
        let addr = udp.local_addr()?;
        let zone = Arc::new(RwLock::new(Arc::new(zone)));
        let asked = Arc::default();
        let mut server = Server::new(Handler {
            zone: Arc::clone(&zone),
            asked: Arc::clone(&asked),
        });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
        let task = tokio::spawn(async move {
            let _ = server.block_until_done().await;
        });
        Ok(Self {
            addr,
            zone,
            asked,
            _task: TaskGuard::new(task.abort_handle()),
        })
    }

    /// The address (UDP and TCP) to query.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many queries (of any type, over UDP or TCP) have asked about `name` so far.
    #[must_use]
    pub fn queries(&self, name: &str) -> usize {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key(name))
            .copied()
            .unwrap_or(0)
    }

    /// The zone as it is now (edits included).
    #[must_use]
    pub fn zone(&self) -> Zone {
        Zone::clone(&self.zone.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Changes the zone while the server runs.
    pub fn edit(&self, f: impl FnOnce(&mut Zone)) {
        if let Ok(mut zone) = self.zone.write() {
            f(Arc::make_mut(&mut zone));
        }
    }
}

/// Binds UDP and TCP on the same free port.
async fn bind_pair(ip: IpAddr) -> std::io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free port pair")))
}

/// A UDP socket that receives queries and never answers: a black-holed resolver.
#[derive(Debug)]
pub struct DeadResolver {
    socket: UdpSocket,
}

impl DeadResolver {
    /// Binds the socket on loopback.
    pub async fn start() -> std::io::Result<Self> {
        Ok(Self {
            socket: UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?,
        })
    }

    /// The address to point a resolver at.
    pub fn addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_cnames_and_prefer_a_records() {
        let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
        let v4 = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let mut zone = Zone::new("contoso.test")
            .with(
                "Alias.Contoso.Test.",
                DnsRecord::Cname("host.contoso.test".to_owned()),
            )
            .with(
                "loop.contoso.test",
                DnsRecord::Cname("loop.contoso.test".to_owned()),
            )
            .with(
                "dangling.contoso.test",
                DnsRecord::Cname("gone.test".to_owned()),
            );
        zone.add_ip("host.contoso.test", v6);
        zone.add_ip("host.contoso.test", v4);
        assert_eq!(zone.address("alias.contoso.test"), Some(v4));
        assert_eq!(zone.address("HOST.contoso.test."), Some(v4));
        assert_eq!(zone.address("loop.contoso.test"), None);
        assert_eq!(zone.address("dangling.contoso.test"), None);
        assert_eq!(zone.address("nowhere.test"), None);
        assert_eq!(
            zone.names(),
            [
                "alias.contoso.test",
                "dangling.contoso.test",
                "host.contoso.test",
                "loop.contoso.test"
            ]
        );
    }
}

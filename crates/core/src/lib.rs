//! Core types of [`wpj`](https://docs.rs/wpj): the [`Check`] trait, [`Finding`]s, the [`Report`] and the
//! catalogue of Workplace Join / device registration failures ([`JoinFailure`]).
//!
//! Everything here is data: no I/O, no printing. The probe crates (`wpj-dns`, `wpj-tls`, …)
//! implement [`Check`]; the `wpj` crate runs them and builds the [`Report`].
//!
//! # Quick start
//!
//! ```
//! use wpj_core::{CodeRef, JoinFailure};
//!
//! // What does the code in this dsregcmd line mean?
//! let code: CodeRef = "0x801c0021/0x80072f19".parse()?;
//! let cause = code.root_cause();
//! assert_eq!(cause, JoinFailure::RevocationOffline);
//! println!("{}: {} ({})", cause.hresult().unwrap(), cause.description(), cause.kb().unwrap());
//! # Ok::<(), wpj_core::ParseCodeError>(())
//! ```
//!
//! # Crate features
//!
//! None. The error pages for every failure are in `docs/errors/<code>.md` of the repository.

// Modules by layer, lowest first: each uses only modules of lower layers, so no module reaches
// back to one that uses it (`.ci/core-layers` lists the `crate::` edges and fails on a cycle).
// 0: leaves (no `crate::` paths).
mod check_id;
mod codes;
mod duration;
mod stage;
mod status;
mod target;
mod text;
mod timing;
// 1: the failure catalogue; payloads that only need durations.
mod failure;
mod http;
mod resolution;
// 2: what names a failure.
mod logged;
mod once_map;
mod parse;
mod problem;
mod revocation;
mod tls;
// 3: farm evidence (uses `problem`).
mod farm;
// 4: the `Evidence` enum over every payload.
mod evidence;
// 5: the `Finding` that carries evidence.
mod finding;
// 6: what a check sees.
mod context;
// 7: the `Check` trait and the `Report`.
mod check;
mod report;

pub use check::Check;
pub use check_id::CheckId;
pub use codes::{EventLog, EventRef, Hresult, Kb, MessageStage};
pub use context::{
    Client, ClientError, Context, Mode, ModeError, ResolverView, Resolvers, Settings, TrustRoots,
};
pub use duration::HumanDuration;
pub use evidence::{Evidence, TimeoutScope};
pub use failure::{FailureInfo, JoinFailure, UnknownHresult};
pub use farm::{NodeReport, ProbeAnswer, TokenCertificate};
pub use finding::{Finding, Outputs};
pub use http::{DiscoveryDocument, HttpExchange};
pub use logged::{LogSource, LoggedEvent};
pub use once_map::OnceMap;
pub use parse::{CodeRef, ParseCodeError};
pub use problem::Problem;
pub use report::{Report, SCHEMA_VERSION, Verdict};
pub use resolution::{
    AddressRecord, CnameHop, DnsLookup, DnsOutcome, ENTRA_REGISTRATION_HOST, ResolvedAddresses,
    ServiceKind,
};
pub use revocation::{
    AttemptOutcome, OcspOutcome, OcspRefusal, RevocationAttempt, RevocationInfo, RevocationSource,
};
pub use stage::Stage;
pub use status::Status;
pub use target::{Target, TargetError};
pub use text::{Clean, is_unsafe, sanitize};
pub use timing::{DeviceWait, Timing};
pub use tls::{
    AiaFetch, AiaOutcome, CertificateInfo, CertificateSource, ConnectAttempt, ConnectOutcome,
    CrlFetch, CrlOutcome, RevocationStatus, TlsSession,
};

/// The attribute [`Check`] implementations use (re-exported so that implementing a check needs no
/// extra dependency).
#[doc(hidden)]
pub use async_trait::async_trait;

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

mod check;
mod codes;
mod context;
mod evidence;
mod failure;
mod farm;
mod finding;
mod http;
mod logged;
mod parse;
mod problem;
mod report;
mod resolution;
mod stage;
mod target;
mod tls;

pub use check::Check;
pub use codes::{EventLog, EventRef, Hresult, Kb, MessageStage};
pub use context::{
    Client, ClientError, Context, Mode, ModeError, ResolverView, Resolvers, Settings, TrustRoots,
};
pub use evidence::{Evidence, HumanDuration, TimeoutScope};
pub use failure::{FailureInfo, JoinFailure, UnknownHresult};
pub use farm::{NodeReport, ProbeAnswer, TokenCertificate};
pub use finding::{CheckId, Finding, Outputs, Status};
pub use http::{DiscoveryDocument, HttpExchange};
pub use logged::{LogSource, LoggedEvent};
pub use parse::{CodeRef, ParseCodeError};
pub use problem::Problem;
pub use report::{Report, SCHEMA_VERSION, Verdict};
pub use resolution::{
    AddressRecord, CnameHop, DnsLookup, DnsOutcome, ENTRA_REGISTRATION_HOST, ResolvedAddresses,
    ServiceKind,
};
pub use stage::Stage;
pub use target::{Target, TargetError};
pub use tls::{
    CertificateInfo, CertificateSource, ConnectAttempt, ConnectOutcome, CrlFetch, CrlOutcome,
    RevocationInfo, RevocationStatus, TlsSession,
};

/// The attribute [`Check`] implementations use (re-exported so that implementing a check needs no
/// extra dependency).
#[doc(hidden)]
pub use async_trait::async_trait;

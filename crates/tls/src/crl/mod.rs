//! CRLs as `CryptoAPI` reads them: what one CRL, and the delta CRL that updates it, say about one
//! certificate.
//!
//! - `times`: a CRL's `thisUpdate`/`nextUpdate` without touching its entries.
//! - `list`: the reader — version 1 and 2, entries walked only on lookup.
//! - `signature`: every CRL's signature, with the issuer's key (in scope or not).
//! - `scope`: the issuing distribution point: does the CRL cover the certificate?
//! - `judge`: a complete CRL, a delta CRL (RFC 5280 §5.2.4), and their combined answer.
//! - `check`: one CDP's download judged, and its delta fetched through the run's network layer.

mod check;
mod judge;
mod list;
mod scope;
mod signature;
mod times;
mod urls;

pub(crate) use check::{judge_download, record};
pub use list::{CrlEntry, CrlList, CrlReadError};
pub use times::{CrlTimes, crl_times};
pub(crate) use urls::distribution_point_urls;

//! Placeholder for the `wpj-tls` probe; its checks arrive with their own issue.
//!
//! The crate exists now so that the `tls` feature of `wpj` has something to forward to.

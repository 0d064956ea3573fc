//! Placeholder for the `wpj-eventlog` probe; its checks arrive with their own issue.
//!
//! The crate exists now so that the `eventlog` feature of `wpj` has something to forward to.

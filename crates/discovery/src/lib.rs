//! Placeholder for the `wpj-discovery` probe; its checks arrive with their own issue.
//!
//! The crate exists now so that the `discovery` feature of `wpj` has something to forward to.

//! Placeholder for the `wpj-dns` probe; its checks arrive with their own issue.
//!
//! The crate exists now so that the `dns` feature of `wpj` has something to forward to.

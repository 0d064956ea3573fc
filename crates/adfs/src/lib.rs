//! Placeholder for the `wpj-adfs` probe; its checks arrive with their own issue.
//!
//! The crate exists now so that the `adfs` feature of `wpj` has something to forward to.

//! Integration tests: one binary, one module per area.

mod docs;
mod explain;
mod runner;
mod support;

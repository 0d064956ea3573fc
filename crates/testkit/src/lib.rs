//! Lab servers for wpj tests (filled in by the testkit issue).

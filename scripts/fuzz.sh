#!/usr/bin/env bash
# Long fuzz run on stable Rust: the property tests of every parser (crates/*/tests/fuzz.rs — code
# and target parsing in wpj-core, CRLs in wpj-tls, discovery documents in wpj-discovery, .evtx /
# wevtutil XML / dsregcmd text in wpj-eventlog, the testkit's HTTP request parser) with many more
# cases than the 256 per property that `cargo test` runs. Each case feeds arbitrary bytes or a
# mutation of a real input and must end in Ok or a typed error, never a panic; a failing case is
# shrunk and printed, and proptest saves its seed next to the test (tests/fuzz.proptest-regressions:
# commit it, and the case is replayed first from then on).
# Usage: bash scripts/fuzz.sh [test-name-filter]
#   WPJ_FUZZ_CASES  cases per property (default 100000: 1.8 million cases, about 20 minutes on
#                   2 cores in the dev profile; `cargo test` runs 256)
# Uses the dev profile and --all-features, like every other command here: no second build.
set -euo pipefail
cd "$(dirname "$0")/.."

export WPJ_FUZZ_CASES=${WPJ_FUZZ_CASES:-100000}
cargo build --workspace --all-features --tests --quiet
echo "fuzz.sh: $WPJ_FUZZ_CASES cases per property" >&2
start=$(date +%s)
cargo test --all-features --quiet \
    -p wpj-core -p wpj-tls -p wpj-discovery -p wpj-eventlog -p wpj-testkit \
    --test fuzz -- ${1:+"$1"}
echo "fuzz.sh: done in $(($(date +%s) - start)) s" >&2

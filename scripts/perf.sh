#!/usr/bin/env bash
# Regenerates every figure of docs/PERFORMANCE.md on this machine:
#   1. the perf harness (latency vs the 6-RTT bound and vs dig/openssl/curl, black hole, fleet
#      scaling, CRLs vs `openssl crl`) -> $target/perf/report.md
#   2. the criterion benches (DNS lookups, CRL parse + lookup, lab start-up) -> $target/perf/criterion.txt
#      and $target/criterion/
# $target is $CARGO_TARGET_DIR when set, else ./target (where cargo puts its build).
# Needs dig, openssl and curl for the shell comparison (installed with apt-get when run as root).
# Takes about 10 minutes on 2 cores. Usage: bash scripts/perf.sh [perf-subcommand]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in dig openssl curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        echo "perf.sh: installing dnsutils, openssl, curl for the shell comparison" >&2
        apt-get update -qq && apt-get install -y -qq dnsutils openssl curl >/dev/null
    else
        echo "perf.sh: ${missing[*]} missing: the shell comparison will be skipped" >&2
    fi
fi

target=${CARGO_TARGET_DIR:-target}
cargo build --release --workspace --examples --all-features
mkdir -p "$target/perf"
"$target/release/examples/perf" "${1:-all}" | tee "$target/perf/report.md"

if [[ "${1:-all}" == all ]]; then
    {
        cargo bench -p wpj --all-features --bench dns
        cargo bench -p wpj-tls --bench crl
        cargo bench -p wpj-testkit --bench startup
    } 2>&1 | tee "$target/perf/criterion.txt"
fi
echo "perf.sh: figures in $target/perf/" >&2

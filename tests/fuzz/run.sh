#!/usr/bin/env bash
# Runs the front-end fuzzer for SECONDS on a seed corpus of every .node file in examples/ and
# tests/golden/ (copied into a fresh corpus directory, so the repository is never written).
# A finding leaves crash-*/timeout-*/leak-* files in the current directory and fails.
# usage: tests/fuzz/run.sh path/to/fuzz_frontend SECONDS
set -euo pipefail
fuzzer=$1
seconds=${2:-60}
root="$(cd "$(dirname "$0")/../.." && pwd)"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
find "$root/examples" "$root/tests/golden" -name '*.node' -exec cp --backup=numbered -t "$corpus" {} +
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
"$fuzzer" "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -dict="$root/tests/fuzz/node.dict" -print_final_stats=1

#!/usr/bin/env bash
# Benchmarks the node's transparency log through the real SQLite store
# (crates/node/benches/log.rs) and prints the figures: durable appends per
# second with batching, p50/p99 time from append to the signed checkpoint
# that covers it (at several loads), and proof sizes at 1M leaves.
#
#   bench/log.sh            criterion run, then the figures
#   bench/log.sh --figures  the figures only (about 1 minute)
#
# A benchmark, not a test: it reports numbers and asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT

if [ "${1:-}" != "--figures" ]; then
  echo "== criterion: cargo bench -p countersign-node --bench log" >&2
  cargo bench -p countersign-node --bench log 2>/dev/null |
    grep -E '^log/|time:|thrpt:' || true
fi

echo "== figures: COUNTERSIGN_BENCH_FIGURES=1 cargo bench -p countersign-node --bench log" >&2
COUNTERSIGN_BENCH_FIGURES=1 cargo bench -p countersign-node --bench log 2>/dev/null |
  grep '^figure:' >"$out"
cat "$out"

# One summary line per question.
field() { { grep -o "$1=[^ ]*" || true; } | head -n1 | cut -d= -f2; }
best=0
while read -r line; do
  rate=$(echo "$line" | field appends_per_s)
  [ -n "$rate" ] && [ "$rate" -gt "$best" ] && best=$rate
done <"$out"
idle=$(grep 'in_flight=1 ' "$out")
busy=$(grep 'in_flight=8192 ' "$out")
proofs=$(grep 'inclusion_proof_hashes' "$out")
echo
echo "durable appends/s (best load):            $best"
echo "append -> checkpoint, idle log (1 in flight):   p50 $(echo "$idle" | field p50_ms) ms, p99 $(echo "$idle" | field p99_ms) ms"
echo "append -> checkpoint, 8192 in flight:           p50 $(echo "$busy" | field p50_ms) ms, p99 $(echo "$busy" | field p99_ms) ms"
echo "at 1M leaves: inclusion proof $(echo "$proofs" | field inclusion_proof_hashes) hashes ($(echo "$proofs" | field inclusion_proof_bytes) B), tlog-proof file $(echo "$proofs" | field tlog_proof_file_bytes) B, consistency proof $(grep -o 'consistency_proof_hashes=[0-9]*' "$out" | cut -d= -f2) hashes, proof from SQLite in $(echo "$proofs" | field prove_ms) ms"

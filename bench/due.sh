#!/usr/bin/env bash
# Due lists at scale: fills two nodes with BENCH_COUNT notifications
# delivered between them (bench/federation.sh), then times
# `countersign overdue --json` (what the dashboard's lists cost) on each,
# three times with every notification listed and three with none.
# A program, not a test: it prints numbers.
#   BENCH_COUNT=50000 (default)  BENCH_BIN=path  BENCH_SKIP_BUILD=1
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_COUNT="${BENCH_COUNT:-50000}"
if [ -z "${BENCH_BIN:-}" ]; then
  [ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked -p countersign >&2
  export BENCH_BIN="$PWD/target/release/countersign"
fi
KEEP="$(mktemp -d)"
trap 'rm -rf "$KEEP"' EXIT
echo "filling two nodes with $BENCH_COUNT notifications (bench/federation.sh)"
BENCH_OVERLAP=1 BENCH_KEEP="$KEEP" BENCH_SKIP_BUILD=1 bench/federation.sh | sed -n 's/^end to end: /  /p'
# Every notification is due within a day (so every one is listed), and
# with --soon-hours 0 none is: the cost of reading every one's facts.
for soon in 24 0; do
  for node in a b; do
    for run in 1 2 3; do
      start="$(date +%s.%N)"
      out="$("$BENCH_BIN" overdue --data "$KEEP/$node" --json --soon-hours "$soon")"
      end="$(date +%s.%N)"
      counts="$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["overdue"]), "overdue,", len(d["soon_due"]), "soon due")' <<<"$out")"
      awk -v n="$node" -v r="$run" -v h="$soon" -v s="$start" -v e="$end" -v c="$counts" \
        'BEGIN { printf "node %s, --soon-hours %s, run %d: %.2f s (%s)\n", n, h, r, e - s, c }'
    done
  done
done

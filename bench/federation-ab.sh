#!/usr/bin/env bash
# Compares two builds on bench/federation.sh: runs them alternately N times
# (so both see the same drift in what else the machine runs) and prints
# every run and the median end-to-end rate and CPU per notification of
# each. On a shared 2-core machine one run of one build varied by 10-15%
# (session 4), so a difference smaller than the spread of the runs is not
# a difference. A program, not a test.
#   bench/federation-ab.sh BIN_A BIN_B [N=5]
# BENCH_OVERLAP and BENCH_COUNT pass through to bench/federation.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: $0 BIN_A BIN_B [N]" >&2
  exit 2
fi
A="$1" B="$2" N="${3:-5}"
for bin in "$A" "$B"; do
  [ -x "$bin" ] || { echo "$bin is not an executable countersign build" >&2; exit 2; }
done
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
for i in $(seq "$N"); do
  for label in A B; do
    bin="$A"; [ "$label" = B ] && bin="$B"
    run="$(BENCH_BIN="$bin" bench/federation.sh 2>&1)"
    rate="$(sed -n 's/^end to end: .*, \([0-9]*\) notifications\/s$/\1/p' <<<"$run")"
    cpu="$(sed -n 's/^cpu: .*, \([0-9]*\) us per notification end to end$/\1/p' <<<"$run")"
    if [ -z "$rate" ] || [ -z "$cpu" ]; then
      echo "run $i of $label printed no figures:" >&2
      echo "$run" >&2
      exit 1
    fi
    echo "run $i $label: $rate notifications/s, $cpu us per notification"
    echo "$label $rate $cpu" >>"$OUT"
  done
done
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for label in A B; do
  rate="$(awk -v l="$label" '$1 == l {print $2}' "$OUT" | median)"
  cpu="$(awk -v l="$label" '$1 == l {print $3}' "$OUT" | median)"
  lo="$(awk -v l="$label" '$1 == l {print $2}' "$OUT" | sort -n | head -1)"
  hi="$(awk -v l="$label" '$1 == l {print $2}' "$OUT" | sort -n | tail -1)"
  echo "$label: median $rate notifications/s ($lo-$hi), $cpu us per notification"
done

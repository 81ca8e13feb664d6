#!/usr/bin/env bash
# Matching observed-data against 100 indicator patterns
# [ipv4-addr:value = '203.0.x.y']: countersign's Matcher (criterion bench
# crates/stix/benches/pattern.rs) and, when the interop virtual environment
# exists, the OASIS reference stix2-matcher 3.0.0 on the same data.
# Prints observations per second for both and the ratio.
#
# Usage: bench/pattern.sh            (N=10000 observations for ours,
#                                     PY_N=1000 for stix2-matcher)
# Environment: N, PY_N, COUNTERSIGN_INTEROP_VENV (default .venv-interop).
# A program, not a test: it reports numbers and asserts nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
N="${N:-10000}"
PY_N="${PY_N:-1000}"
venv="${COUNTERSIGN_INTEROP_VENV:-$root/.venv-interop}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

# The data: the same formula as the bench's built-in generator.
gen() { # gen N FILE
    python3 - "$1" "$2" <<'EOF'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
objects = []
for i in range(n):
    k = (i * 7919) % 200
    ip_id = "ipv4-addr--00000000-0000-4000-8000-%012d" % i
    minute = i % 60
    objects.append({
        "type": "observed-data", "spec_version": "2.1",
        "id": "observed-data--00000000-0000-4000-9000-%012d" % i,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "first_observed": "2024-01-01T00:%02d:00Z" % minute,
        "last_observed": "2024-01-01T00:%02d:00Z" % minute,
        "number_observed": 1, "object_refs": [ip_id],
    })
    objects.append({"type": "ipv4-addr", "spec_version": "2.1", "id": ip_id,
                    "value": "203.0.%d.%d" % (113 + k // 50, k % 50)})
json.dump([{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
            "objects": objects}], open(path, "w"))
EOF
}
python3 -c '
for i in range(100):
    print("[ipv4-addr:value = %r]" % ("203.0.%d.%d" % (113 + i // 50, i % 50)))
' > "$data/patterns.txt"
gen "$N" "$data/observations.json"

echo "== countersign: cargo bench -p countersign-stix --bench pattern (N=$N)"
COUNTERSIGN_PATTERN_BENCH_DATA="$data" cargo bench -p countersign-stix --bench pattern 2>&1 \
    | grep -E '^pattern/|time:|thrpt:|patterns,' || true

target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
ours_ns() { # mean time per iteration of pattern/<name>, in ns
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' \
        "$target/criterion/pattern/$1/new/estimates.json"
}
batch_ns="$(ours_ns "match_all_$N")"
stream_ns="$(ours_ns "match_observation_$N")"
ours_batch="$(python3 -c "print(round($N / ($batch_ns / 1e9)))")"
ours_stream="$(python3 -c "print(round($N / ($stream_ns / 1e9)))")"
echo
echo "countersign Matcher::match_all:         $ours_batch observations/s"
echo "countersign Matcher::match_observation: $ours_stream observations/s"

if [[ ! -x "$venv/bin/stix2-matcher" ]]; then
    echo "stix2-matcher: skipped ($venv/bin/stix2-matcher not found; set COUNTERSIGN_INTEROP_VENV)"
    exit 0
fi
gen "$PY_N" "$data/observations-py.json"
echo
echo "== stix2-matcher 3.0.0: -s 2.1 -p patterns.txt -f observations.json -q -q (PY_N=$PY_N)"
start="$(date +%s.%N)"
rc=0
"$venv/bin/stix2-matcher" -s 2.1 -p "$data/patterns.txt" -f "$data/observations-py.json" -q -q || rc=$?
end="$(date +%s.%N)"
if [[ "$rc" -gt 1 ]]; then
    echo "stix2-matcher failed (exit $rc)" >&2
    exit 1
fi
py_rate="$(python3 -c "print(round($PY_N / ($end - $start), 1))")"
echo "stix2-matcher: $PY_N observations in $(python3 -c "print(round($end - $start, 2))") s = $py_rate observations/s"
echo
echo "ratio (countersign match_all / stix2-matcher): $(python3 -c "print(round($ours_batch / $py_rate))")x"
echo "ratio (countersign match_observation / stix2-matcher): $(python3 -c "print(round($ours_stream / $py_rate))")x"

#!/usr/bin/env bash
# TAXII 2.1 benchmark: countersign (release build, SQLite) and medallion
# 3.0.0 (memory backend) side by side on 127.0.0.1, driven by the same
# taxii2-client code with the same data (bench/taxii_client.py): POST
# 10,000 indicators as 10 x 1,000, then page through them 1,000 per page.
# medallion's first page is quadratic in the collection size, so it is
# paged at 2,000 objects and its first-page curve (1k, 2k) is printed.
# Needs the interop venv: ./test.sh creates .venv-interop, or set
# COUNTERSIGN_INTEROP_VENV. A program, not a test: it prints numbers.
# It also measures authenticated GETs per second (HTTP Basic, bearer).
# BENCH_OURS_ONLY=1 leaves medallion out (quick runs while tuning).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${COUNTERSIGN_INTEROP_VENV:-$PWD/.venv-interop}"
[ -x "$VENV/bin/medallion" ] || { echo "bench/taxii.sh: no medallion in $VENV; run ./test.sh or set COUNTERSIGN_INTEROP_VENV" >&2; exit 1; }

# BENCH_SKIP_BUILD=1 uses the release binary as it is; BENCH_BIN=PATH
# runs another build (e.g. the previous commit's, for before/after).
if [ -n "${BENCH_BIN:-}" ]; then
  BIN="$BENCH_BIN"
else
  [ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked -p countersign >&2
  BIN="$PWD/target/release/countersign"
fi
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OURS_PORT="$(free_port)"; MED_PORT="$(free_port)"

PASSWORD="$("$BIN" init --data "$WORK/node" --party bench-cert --name "Bench CERT" --listen "127.0.0.1:$OURS_PORT" | sed -n 's|^admin login: admin@bench-cert / ||p')"
TOKEN="$("$BIN" user token --data "$WORK/node" --username admin@bench-cert --label bench | grep -o 'cs_[0-9a-f]*' | head -1)"
COUNTERSIGN_LOG=countersign_web=info,warn "$BIN" serve --data "$WORK/node" >"$WORK/ours.log" 2>&1 &
PIDS+=($!)

MED_URL=-
if [ -z "${BENCH_OURS_ONLY:-}" ]; then
MED_URL="http://127.0.0.1:$MED_PORT"
collection() { printf '{"id": "%s", "title": "%s", "can_read": true, "can_write": true, "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}' "$1" "$2"; }
cat >"$WORK/medallion-data.json" <<JSON
{"/discovery": {"title": "bench", "default": "http://127.0.0.1:$MED_PORT/api1/", "api_roots": ["http://127.0.0.1:$MED_PORT/api1/"]},
 "api1": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 104857600},
          "status": [],
          "collections": [$(collection 91a7b528-80eb-42ed-a74d-c6fbd5a26116 bench-post), $(collection 52892447-4d7e-4f70-b94d-d7f22742ff63 bench-page)]}}
JSON
cat >"$WORK/medallion.json" <<JSON
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": "$WORK/medallion-data.json"},
 "users": {"admin": "Password0"}, "taxii": {"max_page_size": 1000}}
JSON
"$VENV/bin/medallion" --host 127.0.0.1 --port "$MED_PORT" "$WORK/medallion.json" >"$WORK/medallion.log" 2>&1 &
PIDS+=($!)
fi

WAIT=("http://127.0.0.1:$OURS_PORT/health")
[ "$MED_URL" = - ] || WAIT+=("$MED_URL/taxii2/")
for url in "${WAIT[@]}"; do
  for _ in $(seq 100); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)"
    [ "$code" != "000" ] && break
    sleep 0.1
  done
done
"$VENV/bin/python" bench/taxii_client.py "http://127.0.0.1:$OURS_PORT" "$TOKEN" \
  admin@bench-cert "$PASSWORD" "$MED_URL" admin Password0
# The server's own share: the handling time it logs per request (whole ms).
sed 's/\x1b\[[0-9;]*m//g' "$WORK/ours.log" | awk '
  /request/ && /taxii2/ { ms = 0; for (i = 1; i <= NF; i++) if ($i ~ /^ms=/) { sub("ms=", "", $i); ms = $i }
    if ($0 ~ /method=POST/) { post += ms; np++ } else if ($0 ~ /objects\/"/ && $0 ~ /method=GET/) { get += ms; ng++ } }
  END { printf "countersign server-side handling: POST %d requests %.3f s, GET objects %d requests %.3f s\n", np, post / 1000, ng, get / 1000 }'

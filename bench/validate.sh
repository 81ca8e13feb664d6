#!/usr/bin/env bash
# Validating a 10,000-object STIX 2.1 bundle: countersign's checker (release
# build, `countersign stix validate FILE`, best of REPEAT runs, process
# start-up and file reading included) and the OASIS stix2-validator 3.2.0
# (one run) on the same file. Prints both times and the ratio.
#
# The bundle is realistic evidence: an identity and TLP marking, then
# groups of indicator (STIX pattern), malware, relationship, observed-data,
# ipv4-addr, domain-name, network-traffic, file (hashes), url and sighting,
# with markings, external references and kill-chain phases, deterministic
# SCO ids, every reference resolving inside the bundle; valid for both
# validators (the script checks both say so).
#
# Usage: bench/validate.sh       (N=10000 objects, REPEAT=5)
# Environment: N, REPEAT, PY_N (objects for stix2-validator, default N),
# COUNTERSIGN_INTEROP_VENV (default .venv-interop), BENCH_SKIP_BUILD=1,
# BENCH_KEEP=DIR (keep the generated bundle in DIR).
# A program, not a test: it reports numbers and asserts nothing beyond
# both validators accepting the file.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
REPEAT="${REPEAT:-5}"
PY_N="${PY_N:-$N}"
venv="${COUNTERSIGN_INTEROP_VENV:-$PWD/.venv-interop}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

gen() { # gen N FILE
    python3 - "$1" "$2" <<'EOF'
import json, sys, uuid
n, path = int(sys.argv[1]), sys.argv[2]
NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
IDENTITY = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c"
T = "2024-03-01T12:00:00.000Z"

def sco_id(t, props):
    # RFC 8785 of ASCII strings and flat objects: sorted keys, no spaces.
    return "%s--%s" % (t, uuid.uuid5(NS, json.dumps(props, sort_keys=True, separators=(",", ":"))))

def v4(kind, i):
    return "%s--%08x-%04x-4%03x-8%03x-%012x" % (kind, i, i % 65536, i % 4096, (i * 7) % 4096, i * 7919)

def sdo(t, i, **props):
    o = {"type": t, "spec_version": "2.1", "id": v4(t, i), "created": T, "modified": T,
         "created_by_ref": IDENTITY, "object_marking_refs": [AMBER]}
    o.update(props)
    return o

objects = [
    {"type": "identity", "spec_version": "2.1", "id": IDENTITY, "created": T, "modified": T,
     "name": "CERT-Example", "identity_class": "organization", "sectors": ["government-national"]},
    {"type": "marking-definition", "spec_version": "2.1", "id": AMBER, "created": "2022-10-01T00:00:00.000Z",
     "name": "TLP:AMBER", "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
         {"extension_type": "property-extension", "tlp_2_0": "amber"}}},
]
i = 0
# Whole groups only, so that every reference resolves inside the bundle
# (rstix refuses dangling references); standalone addresses fill the rest.
while len(objects) + 10 <= n:
    i += 1
    a, b, c = 10 + i % 200, (i // 200) % 250, i % 250
    ip = "203.%d.%d.%d" % (a, b, c)
    dom = "c2-%d.example.net" % i
    ip_obj = {"type": "ipv4-addr", "spec_version": "2.1", "id": sco_id("ipv4-addr", {"value": ip}), "value": ip}
    dom_obj = {"type": "domain-name", "spec_version": "2.1", "id": sco_id("domain-name", {"value": dom}),
               "value": dom, "resolves_to_refs": [ip_obj["id"]]}
    url = "https://%s/gate.php?id=%d" % (dom, i)
    url_obj = {"type": "url", "spec_version": "2.1", "id": sco_id("url", {"value": url}), "value": url}
    md5 = "%032x" % (i * 2654435761)
    sha = "%064x" % (i * 11400714819323198485)
    file_obj = {"type": "file", "spec_version": "2.1", "id": sco_id("file", {"hashes": {"MD5": md5}, "name": "invoice-%d.exe" % i}),
                "name": "invoice-%d.exe" % i, "size": 1000 + i, "hashes": {"MD5": md5, "SHA-256": sha}}
    nt_props = {"dst_ref": ip_obj["id"], "dst_port": 443, "protocols": ["ipv4", "tcp", "tls"]}
    nt = {"type": "network-traffic", "spec_version": "2.1", "id": sco_id("network-traffic", nt_props), **nt_props}
    ind = sdo("indicator", i, name="C2 %s" % ip, indicator_types=["malicious-activity"],
              pattern="[ipv4-addr:value = '%s'] OR [domain-name:value = '%s']" % (ip, dom),
              pattern_type="stix", pattern_version="2.1", valid_from="2024-03-01T12:00:00Z",
              kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}],
              external_references=[{"source_name": "cert-example", "url": "https://cert.example/i/%d" % i}])
    mal = sdo("malware", i, name="EXAMPLEDOOR-%d" % (i % 50), is_family=True, malware_types=["backdoor"])
    rel = sdo("relationship", i, relationship_type="indicates", source_ref=ind["id"], target_ref=mal["id"])
    od = sdo("observed-data", i, first_observed="2024-03-01T10:00:00Z", last_observed="2024-03-01T11:00:00Z",
             number_observed=1 + i % 5, object_refs=[ip_obj["id"], dom_obj["id"], nt["id"], file_obj["id"], url_obj["id"]])
    sig = sdo("sighting", i, sighting_of_ref=ind["id"], observed_data_refs=[od["id"]],
              where_sighted_refs=[IDENTITY], count=1 + i % 5, first_seen="2024-03-01T10:00:00Z",
              last_seen="2024-03-01T11:00:00Z")
    objects += [ind, mal, rel, od, ip_obj, dom_obj, nt, file_obj, url_obj, sig]
while len(objects) < n:
    i += 1
    ip = "198.18.%d.%d" % (i // 250 % 250, i % 250)
    objects.append({"type": "ipv4-addr", "spec_version": "2.1", "id": sco_id("ipv4-addr", {"value": ip}), "value": ip})
json.dump({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects},
          open(path, "w"))
EOF
}

gen "$N" "$data/bundle.json"
if [[ -n "${BENCH_KEEP:-}" ]]; then mkdir -p "$BENCH_KEEP"; cp "$data/bundle.json" "$BENCH_KEEP/bundle-$N.json"; fi
size="$(python3 -c "import os,sys; print(round(os.path.getsize(sys.argv[1]) / 1e6, 1))" "$data/bundle.json")"
echo "bundle: $N objects, $size MB"

[ -n "${BENCH_SKIP_BUILD:-}" ] || cargo build --release --locked -p countersign >&2
BIN="$PWD/target/release/countersign"

# Wall time of one process run, in seconds; exit code must be 0 (valid).
time_run() {
    python3 - "$@" <<'EOF'
import subprocess, sys, time
start = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
elapsed = time.perf_counter() - start
if r.returncode != 0:
    sys.stderr.write(r.stdout.decode()[-2000:])
    sys.stderr.write("\nexit %d: %s\n" % (r.returncode, " ".join(sys.argv[1:])))
    sys.exit(1)
print("%.4f" % elapsed)
EOF
}

echo "== countersign stix validate (release), best of $REPEAT"
best=""
for _ in $(seq "$REPEAT"); do
    t="$(time_run "$BIN" stix validate "$data/bundle.json")"
    best="$(python3 -c "print(min(float('$t'), float('${best:-$t}')))")"
done
"$BIN" stix validate "$data/bundle.json" | tail -1
echo "countersign: $N objects in $best s"

if [[ ! -x "$venv/bin/stix2_validator" ]]; then
    echo "stix2-validator: skipped ($venv/bin/stix2_validator not found; set COUNTERSIGN_INTEROP_VENV)"
    exit 0
fi
if [[ "$PY_N" != "$N" ]]; then gen "$PY_N" "$data/bundle-py.json"; else cp "$data/bundle.json" "$data/bundle-py.json"; fi
echo
echo "== stix2-validator 3.2.0 (PY_N=$PY_N), one run"
py="$(time_run "$venv/bin/stix2_validator" --version 2.1 -q "$data/bundle-py.json")"
echo "stix2-validator: $PY_N objects in $py s"
echo
python3 - "$best" "$py" "$N" "$PY_N" <<'EOF'
import sys
ours, theirs, n, py_n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ratio = (theirs / py_n) / (ours / n)
print("ratio (stix2-validator / countersign, per object): %.0fx" % ratio)
print("per object: countersign %.1f us, stix2-validator %.0f us" % (ours / n * 1e6, theirs / py_n * 1e6))
EOF

#!/usr/bin/env bash
# Runs every test of countersign. This is the README's test command and the
# whole of CI (.ci/run). It installs what the tests need where it can, and
# otherwise stops with a message naming what is missing.
set -euo pipefail
cd "$(dirname "$0")"

fail() { echo "test.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo is missing: install the Rust toolchain (1.95 or newer) with rustup"
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test.sh: installing cargo-nextest from crates.io" >&2
  cargo install --locked cargo-nextest || fail "cargo-nextest is missing and could not be installed"
fi
[ -f ../shared/testdata/signed-note/vectors.json ] && [ -d ../shared/testdata/merkle ] ||
  fail "../shared/testdata is missing: the tests read the shared vectors in place, beside this checkout"

# Interop peers (reference STIX/TAXII tools), pinned, in a project-local venv.
# stix2-validator 3.3.1 ships without its schemas, hence 3.2.0.
VENV="$PWD/.venv-interop"
PEERS="taxii2-client==2.3.0 stix2==3.0.2 stix2-validator==3.2.0 stix2-matcher==3.0.0 medallion==3.0.0"
command -v python3 >/dev/null || fail "python3 is missing: the interop tests run the reference STIX/TAXII tools (install python3 and python3-venv)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.peers" 2>/dev/null)" != "$PEERS" ]; then
  echo "== installing interop peers into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV" || fail "cannot create a Python venv: install python3-venv"
  # shellcheck disable=SC2086
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $PEERS ||
    fail "cannot install the interop peers ($PEERS) from PyPI"
  echo "$PEERS" > "$VENV/.peers"
fi
export COUNTERSIGN_INTEROP_VENV="$VENV"

# Browser tests: playwright-core (pinned in browser/package-lock.json) drives
# Debian's Chromium; Playwright's own browser download is never used.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  echo "== installing Debian's chromium for the browser tests" >&2
  command -v apt-get >/dev/null || fail "$CHROMIUM is missing and there is no apt-get: install Debian's chromium package"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } >&2 ||
    fail "$CHROMIUM is missing and 'apt-get install -y chromium' failed (run it as root)"
  [ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is still missing"
fi
command -v node >/dev/null && command -v npm >/dev/null ||
  fail "node and npm are missing: the browser tests need Node.js 20 or newer (apt-get install nodejs npm)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ||
  fail "node $(node --version) is too old: playwright-core needs Node.js 20 or newer"
LOCK_SUM="$(sha256sum browser/package-lock.json | cut -d' ' -f1)"
if [ ! -d browser/node_modules/playwright-core ] || [ "$(cat browser/node_modules/.lock-sha256 2>/dev/null)" != "$LOCK_SUM" ]; then
  echo "== installing playwright-core into browser/node_modules (npm ci)" >&2
  (cd browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) ||
    fail "npm ci in browser/ failed: the browser tests need playwright-core from the npm registry"
  echo "$LOCK_SUM" > browser/node_modules/.lock-sha256
fi
export COUNTERSIGN_CHROMIUM="$CHROMIUM"

echo "== format" >&2
cargo fmt --all -- --check || fail "code is not formatted: run cargo fmt --all"
echo "== clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests" >&2
cargo nextest run --workspace --locked --no-fail-fast

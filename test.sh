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

echo "== format" >&2
cargo fmt --all -- --check || fail "code is not formatted: run cargo fmt --all"
echo "== clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests" >&2
cargo nextest run --workspace --locked --no-fail-fast

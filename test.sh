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

echo "== format" >&2
cargo fmt --all -- --check || fail "code is not formatted: run cargo fmt --all"
echo "== clippy" >&2
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests" >&2
cargo nextest run --workspace --locked --no-fail-fast

#!/usr/bin/env bash
# Runs the whole test suite: formatting and lint checks, the Rust unit and
# integration tests (golden replay included), the tests that drive real
# OpenStack clients against a running mock-nova, then tempest's flavor tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
echo "==> cargo test"
cargo test --all-targets

if [ -x scripts/client-tests.sh ]; then
    echo "==> real-client tests"
    scripts/client-tests.sh
fi

if [ -x scripts/tempest-tests.sh ]; then
    echo "==> tempest tests"
    scripts/tempest-tests.sh
fi

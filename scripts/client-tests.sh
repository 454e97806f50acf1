#!/usr/bin/env bash
# Runs the tests that drive real OpenStack clients (the openstack and nova
# CLIs and openstacksdk) against the release build of mock-nova.
#
# The clients are installed from PyPI, at the versions pinned in
# tests/clients/requirements.txt, into a virtual environment under target/,
# which is reused while that file is unchanged. A failed install fails the
# run. Extra arguments go to pytest, for example `-k sdk` or `-x`.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=target/client-venv
requirements=tests/clients/requirements.txt
stamp="$venv/requirements.sha256"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "client tests need Python 3.10 or newer, but $python is $("$python" --version 2>&1)" >&2
    exit 1
fi

wanted=$(sha256sum "$requirements" | cut -d ' ' -f 1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "==> installing the pinned clients into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi
for tool in openstack nova pytest; do
    if [ ! -x "$venv/bin/$tool" ]; then
        echo "$venv/bin/$tool is missing; delete $venv and run again" >&2
        exit 1
    fi
done

echo "==> cargo build --release"
cargo build --release

echo "==> pytest tests/clients"
MOCK_NOVA_BIN="$PWD/target/release/mock-nova" "$venv/bin/python" -m pytest tests/clients "$@"

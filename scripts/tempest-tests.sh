#!/usr/bin/env bash
# Runs tempest, the OpenStack conformance suite, on the flavor and flavor
# extra-spec API of the release build of mock-nova.
#
# tempest is installed from PyPI, at the versions pinned in
# tests/tempest/requirements.txt, into a virtual environment under target/,
# which is reused while that file is unchanged. A failed install fails the
# run. The script starts one mock-nova on a free port of 127.0.0.1, writes a
# tempest workspace to target/tempest-workspace and runs the modules below
# serially, once per entry of min_microversions. It fails unless every
# selected test passes and the server lists the same flavors after each run
# as before it. tests/tempest/exclude-list.txt names the tests left out.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
venv=$PWD/target/tempest-venv
requirements=tests/tempest/requirements.txt
exclude_list=$PWD/tests/tempest/exclude-list.txt
verify=$PWD/tests/tempest/verify.py
stamp="$venv/requirements.sha256"
workspace=$PWD/target/tempest-workspace

# The tempest modules of the flavor API, and of the version documents that
# clients read before it.
modules=(
    tempest.api.compute.admin.test_flavors
    tempest.api.compute.admin.test_flavors_access
    tempest.api.compute.admin.test_flavors_access_negative
    tempest.api.compute.admin.test_flavors_extra_specs
    tempest.api.compute.admin.test_flavors_extra_specs_negative
    tempest.api.compute.admin.test_flavors_microversions
    tempest.api.compute.flavors.test_flavors
    tempest.api.compute.flavors.test_flavors_negative
    tempest.api.compute.test_versions
)
# The modules that must have passing tests: all but flavors.test_flavors_negative,
# whose one test needs the image service and is excluded.
required_modules=()
for module in "${modules[@]}"; do
    if [ "$module" != tempest.api.compute.flavors.test_flavors_negative ]; then
        required_modules+=("$module")
    fi
done

# Values of [compute] min_microversion, one tempest run each. The empty one
# leaves it unset, so that a test sends no microversion (2.1) unless its
# class needs a higher one. 2.101 makes every test use the newest flavor
# bodies that tempest 47 can handle: its flavor tests send rxtx_factor,
# which microversion 2.102 rejects.
min_microversions=("" 2.101)

# Seconds one tempest run may take before it is stopped, and seconds
# mock-nova may take to start.
run_timeout=600
start_timeout=15

# Every request goes to the local server, never through a proxy.
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "tempest tests need Python 3.10 or newer, but $python is $("$python" --version 2>&1)" >&2
    exit 1
fi

wanted=$(sha256sum "$requirements" | cut -d ' ' -f 1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "==> installing the pinned tempest into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi
for tool in tempest stestr; do
    if [ ! -x "$venv/bin/$tool" ]; then
        echo "$venv/bin/$tool is missing; delete $venv and run again" >&2
        exit 1
    fi
done

echo "==> cargo build --release"
cargo build --release

rm -rf "$workspace"
mkdir -p "$workspace/etc" "$workspace/lock" "$workspace/logs"
server_log=$workspace/mock-nova.log

# The server gets an empty environment, so that no MOCK_NOVA_* variable of
# the caller changes its defaults.
env -i PATH="$PATH" RUST_LOG=info target/release/mock-nova \
    --bind 127.0.0.1:0 --log-format json >"$server_log" 2>&1 &
server_pid=$!
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}
trap stop_server EXIT
# An interrupted run exits through the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

address=
for _ in $(seq $((start_timeout * 10))); do
    address=$(grep '"message":"mock-nova listening' "$server_log" |
        sed -E 's/.*"address":"([^"]+)".*/\1/' | head -n 1 || true)
    if [ -n "$address" ] || ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$address" ]; then
    echo "mock-nova did not start within $start_timeout s; its log:" >&2
    cat "$server_log" >&2
    exit 1
fi
echo "==> mock-nova (PID $server_pid) listening on $address"

# Pre-provisioned accounts: tempest takes the admin from the first, "primary"
# from the member and "project_reader" from the reader. A class that
# requests "alt" instead of a reader gets the reader account.
cat >"$workspace/etc/accounts.yaml" <<EOF
- username: admin
  project_name: admin
  password: secret
  domain_name: Default
  types: [admin]
- username: demo
  project_name: demo
  password: secret
  domain_name: Default
  roles: [member]
- username: reader
  project_name: demo
  password: secret
  domain_name: Default
  roles: [reader]
EOF

# Writes the tempest configuration of one run to $2, with [compute]
# min_microversion set to $1 unless $1 is empty.
write_config() {
    local min_microversion=$1 path=$2 min_line=
    if [ -n "$min_microversion" ]; then
        min_line="min_microversion = $min_microversion"
    fi
    cat >"$path" <<EOF
[DEFAULT]
log_dir = $workspace/logs
log_file = tempest.log

[oslo_concurrency]
lock_path = $workspace/lock

[auth]
use_dynamic_credentials = False
test_accounts_file = $workspace/etc/accounts.yaml
default_credentials_domain_name = Default

[identity]
uri_v3 = http://$address/identity/v3
# tempest 47 only speaks v3 and marks the option deprecated.
auth_version = v3
region = RegionOne

[compute]
# m1.tiny and m1.small of the default seed.
flavor_ref = 1
flavor_ref_alt = 2
max_microversion = latest
$min_line

# mock-nova applies Nova's new policy defaults: reading needs the reader role.
[enforce_scope]
nova = True

# glance is not served, but tempest 47 builds an image client in the set-up
# of every compute admin class and fails there when glance is off. No test
# of the run sends an image request (see the exclude list).
[service_available]
nova = True
glance = True
cinder = False
neutron = False
swift = False
horizon = False

[validation]
run_validation = False
EOF
}

regex="^($(printf '%s|' "${modules[@]}" | sed 's/|$//; s/\./\\./g'))\\."
"$venv/bin/python" "$verify" snapshot "http://$address" >"$workspace/flavors-before.json"

failed=0
for min_microversion in "${min_microversions[@]}"; do
    label=${min_microversion:-unset}
    config=$workspace/etc/tempest-min-$label.conf
    write_config "$min_microversion" "$config"
    echo "==> tempest run, [compute] min_microversion $label"
    started=$SECONDS
    # tempest creates .stestr.conf and the stestr repository in the current
    # directory.
    if ! (cd "$workspace" && timeout --kill-after=30 "$run_timeout" "$venv/bin/tempest" run \
        --config-file "$config" --serial --regex "$regex" --exclude-list "$exclude_list"); then
        failed=1
    fi
    echo "==> results, [compute] min_microversion $label; the run took $((SECONDS - started)) s"
    if ! (cd "$workspace" && "$venv/bin/stestr" last --subunit) |
        "$venv/bin/python" "$verify" results "${required_modules[@]}"; then
        failed=1
    fi
    if ! "$venv/bin/python" "$verify" compare "http://$address" "$workspace/flavors-before.json"; then
        failed=1
    fi
done

if [ "$failed" -ne 0 ]; then
    echo "tempest tests failed; logs: $workspace/logs/tempest.log and $server_log" >&2
    exit 1
fi

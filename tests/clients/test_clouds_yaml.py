"""The entries of examples/clouds.yaml with `openstack --os-cloud`, against a
server on a free port instead of the 8774 the file names."""

import json

import pytest

from support import REPO, output_of, run_client

CLOUDS_YAML = (REPO / "examples" / "clouds.yaml").read_text()
ADMIN_TOKEN_CONFIG = (REPO / "examples" / "admin-token.toml").read_text()
DEFAULT_ADDRESS = "127.0.0.1:8774"


def openstack_cloud(server, client_env, tmp_path, cloud, *args):
    """Run `openstack --os-cloud CLOUD ...` with the example file, its address
    replaced by the server's."""
    assert DEFAULT_ADDRESS in CLOUDS_YAML
    clouds_file = tmp_path / "clouds.yaml"
    clouds_file.write_text(CLOUDS_YAML.replace(DEFAULT_ADDRESS, server.address))
    environment = client_env(OS_CLIENT_CONFIG_FILE=clouds_file)
    return run_client(["openstack", "--os-cloud", cloud, *args], environment)


@pytest.mark.parametrize("cloud", ["mock-admin", "mock-demo", "mock-reader"])
def test_password_cloud_reads(server, client_env, tmp_path, cloud):
    server.set_extra_specs("2", {"k": "v"})

    result = openstack_cloud(
        server, client_env, tmp_path, cloud, "flavor", "show", "-f", "json", "m1.small"
    )

    assert result.returncode == 0, output_of(result)
    assert json.loads(result.stdout)["properties"] == {"k": "v"}


def test_admin_cloud_writes(server, client_env, tmp_path):
    result = openstack_cloud(
        server, client_env, tmp_path, "mock-admin",
        "flavor", "set", "--property", "k=v", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"k": "v"}


@pytest.mark.parametrize("cloud", ["mock-demo", "mock-reader"])
def test_non_admin_cloud_write_is_forbidden(server, client_env, tmp_path, cloud):
    result = openstack_cloud(
        server, client_env, tmp_path, cloud,
        "flavor", "set", "--property", "k=v", "m1.small",
    )

    assert result.returncode == 1, output_of(result)
    assert "Policy doesn't allow" in output_of(result)
    assert server.extra_specs("2") == {}


def test_noauth_cloud_writes(start_server, client_env, tmp_path):
    server = start_server(args=["--auth", "noauth"])

    result = openstack_cloud(
        server, client_env, tmp_path, "mock-noauth",
        "flavor", "set", "--property", "k=v", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"k": "v"}


def test_admin_token_cloud_writes(start_server, client_env, tmp_path):
    server = start_server(config=ADMIN_TOKEN_CONFIG)

    result = openstack_cloud(
        server, client_env, tmp_path, "mock-admin-token",
        "flavor", "set", "--property", "k=v", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"k": "v"}

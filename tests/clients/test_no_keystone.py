"""Clients that skip Keystone: `--os-auth-type none` against a server in noauth
mode, and `--os-auth-type admin_token` with a static token in keystone mode."""

import openstack.exceptions
import pytest

from support import REPO, connect_sdk, output_of, run_client

ADMIN_TOKEN_CONFIG = (REPO / "examples" / "admin-token.toml").read_text()
ADMIN_TOKEN = "mock-nova-admin-token"


@pytest.fixture
def noauth_server(start_server):
    return start_server(args=["--auth", "noauth"])


@pytest.fixture
def token_server(start_server):
    return start_server(config=ADMIN_TOKEN_CONFIG)


def openstack_none(server, client_env, *args):
    command = [
        "openstack", "--os-auth-type", "none",
        "--os-endpoint", f"{server.url}/v2.1",
        "--os-identity-api-version", "3", *args,
    ]
    return run_client(command, client_env())


def openstack_admin_token(server, client_env, *args):
    # OSC builds its identity client from the endpoint override and checks the
    # identity API version there before flavor set and unset.
    environment = client_env(OS_IDENTITY_ENDPOINT_OVERRIDE=f"{server.url}/v3")
    command = [
        "openstack", "--os-auth-type", "admin_token", "--os-token", ADMIN_TOKEN,
        "--os-endpoint", f"{server.url}/v2.1", *args,
    ]
    return run_client(command, environment)


def nova_without_keystone(server, client_env, auth_args, *args):
    # The nova shell requires these variables even when it does not use them,
    # so they point at the server itself.
    environment = client_env(
        OS_USERNAME="admin",
        OS_PROJECT_NAME="admin",
        OS_AUTH_URL=f"{server.url}/identity/v3",
    )
    command = ["nova", *auth_args, "--os-endpoint", f"{server.url}/v2.1", *args]
    return run_client(command, environment)


def test_auth_none_set_stores_property(noauth_server, client_env):
    result = openstack_none(
        noauth_server, client_env, "flavor", "set", "--property", "hw:cpu_policy=dedicated",
        "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert noauth_server.extra_specs("2") == {"hw:cpu_policy": "dedicated"}


def test_auth_none_unset_removes_property(noauth_server, client_env):
    noauth_server.set_extra_specs("2", {"a": "1", "b": "2"})

    result = openstack_none(
        noauth_server, client_env, "flavor", "unset", "--property", "a", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert noauth_server.extra_specs("2") == {"b": "2"}


def test_auth_none_show_lists_properties(noauth_server, client_env):
    noauth_server.set_extra_specs("2", {"k": "v"})

    result = openstack_none(noauth_server, client_env, "flavor", "show", "m1.small")

    assert result.returncode == 0, output_of(result)
    assert "k='v'" in result.stdout


def test_auth_none_rejected_in_keystone_mode(server, client_env):
    result = openstack_none(server, client_env, "flavor", "show", "m1.small")

    assert result.returncode == 1, output_of(result)
    assert "401" in output_of(result)


def test_nova_auth_none_sets_key(noauth_server, client_env):
    result = nova_without_keystone(
        noauth_server, client_env, ["--os-auth-type", "none"],
        "flavor-key", "m1.small", "set", "k=v",
    )

    assert result.returncode == 0, output_of(result)
    assert noauth_server.extra_specs("2") == {"k": "v"}


def test_sdk_auth_none_updates_property(noauth_server):
    connection = connect_sdk("none", {"endpoint": f"{noauth_server.url}/v2.1"})

    value = connection.compute.update_flavor_extra_specs_property("2", "k", "v")

    assert value == "v"
    assert noauth_server.extra_specs("2") == {"k": "v"}


def test_admin_token_set_stores_property(token_server, client_env):
    result = openstack_admin_token(
        token_server, client_env, "flavor", "set", "--property", "k=v", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert token_server.extra_specs("2") == {"k": "v"}


def test_admin_token_unset_removes_property(token_server, client_env):
    token_server.set_extra_specs("2", {"k": "v"})

    result = openstack_admin_token(
        token_server, client_env, "flavor", "unset", "--property", "k", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert token_server.extra_specs("2") == {}


def test_nova_admin_token_sets_key(token_server, client_env):
    result = nova_without_keystone(
        token_server, client_env,
        ["--os-auth-type", "admin_token", "--os-token", ADMIN_TOKEN],
        "flavor-key", "m1.small", "set", "k=v",
    )

    assert result.returncode == 0, output_of(result)
    assert token_server.extra_specs("2") == {"k": "v"}


def test_sdk_admin_token_creates_specs(token_server):
    auth = {"endpoint": f"{token_server.url}/v2.1", "token": ADMIN_TOKEN}
    connection = connect_sdk("admin_token", auth)

    flavor = connection.compute.create_flavor_extra_specs("2", {"k": "v"})

    assert flavor.extra_specs == {"k": "v"}
    assert token_server.extra_specs("2") == {"k": "v"}


def test_sdk_unknown_admin_token_is_401(token_server):
    auth = {"endpoint": f"{token_server.url}/v2.1", "token": "not-configured"}
    connection = connect_sdk("admin_token", auth)

    with pytest.raises(openstack.exceptions.HttpException) as raised:
        connection.compute.fetch_flavor_extra_specs("2")

    assert raised.value.status_code == 401

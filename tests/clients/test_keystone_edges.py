"""Keystone edge cases seen through real clients: expired tokens, a token used
with another project's id in the URL, and secrets kept out of the server log."""

import json
import time

import pytest

from support import (
    ADMIN_PROJECT_ID,
    DEMO_PROJECT_ID,
    PASSWORD,
    connect_password,
    output_of,
    password_variables,
    run_client,
)

# Token lifetime of the expiry tests, in seconds, and how long they wait.
SHORT_LIFETIME = 2
EXPIRY_WAIT = SHORT_LIFETIME + 1.0


@pytest.fixture
def short_lived_server(start_server):
    return start_server(config=f"[keystone]\ntoken_lifetime = {SHORT_LIFETIME}\n")


def test_expired_token_gets_401(short_lived_server):
    connection = connect_password(short_lived_server, "admin", "admin")
    token = connection.auth_token
    status, _, _ = short_lived_server.request("GET", "/v2.1/flavors/2", token=token)
    assert status == 200

    time.sleep(EXPIRY_WAIT)

    status, headers, body = short_lived_server.request("GET", "/v2.1/flavors/2", token=token)
    assert status == 401
    assert body["error"]["message"] == "The request you have made requires authentication."
    expected_challenge = f'Keystone uri="{short_lived_server.url}/identity"'
    assert headers["WWW-Authenticate"] == expected_challenge


def test_sdk_logs_in_again_after_expiry(short_lived_server):
    connection = connect_password(short_lived_server, "admin", "admin")
    connection.compute.create_flavor_extra_specs("2", {"before": "1"})

    time.sleep(EXPIRY_WAIT)
    connection.compute.create_flavor_extra_specs("2", {"after": "2"})

    assert short_lived_server.extra_specs("2") == {"before": "1", "after": "2"}
    assert short_lived_server.log_text().count('"message":"issued token"') >= 2


def test_cli_with_expired_token_fails(short_lived_server, client_env):
    token = connect_password(short_lived_server, "admin", "admin").auth_token
    time.sleep(EXPIRY_WAIT)
    environment = client_env(
        OS_AUTH_TYPE="token",
        OS_TOKEN=token,
        OS_AUTH_URL=f"{short_lived_server.url}/identity/v3",
        OS_PROJECT_NAME="admin",
        OS_PROJECT_DOMAIN_NAME="Default",
    )

    result = run_client(["openstack", "flavor", "show", "m1.small"], environment)

    assert result.returncode == 1, output_of(result)
    assert "Failed to validate token (HTTP 404)" in output_of(result)


def test_other_project_in_url_is_400(server):
    token = connect_password(server, "admin", "admin").auth_token

    status, _, body = server.request("GET", f"/v2.1/{DEMO_PROJECT_ID}/flavors/2", token=token)

    assert status == 400
    assert body["badRequest"]["message"] == (
        f"Malformed request URL: URL's project_id '{DEMO_PROJECT_ID}' doesn't match "
        f"Context's project_id '{ADMIN_PROJECT_ID}'"
    )


def test_own_project_in_url_is_accepted(server):
    token = connect_password(server, "demo", "demo").auth_token

    status, _, body = server.request("GET", f"/v2.1/{DEMO_PROJECT_ID}/flavors/2", token=token)

    assert status == 200
    assert body["flavor"]["id"] == "2"


def test_log_contains_no_secrets(server, client_env):
    environment = client_env(**password_variables(server, "admin", "admin"))
    result = run_client(
        ["openstack", "flavor", "set", "--property", "k=v", "m1.small"], environment
    )
    assert result.returncode == 0, output_of(result)
    wrong = client_env(**password_variables(server, "demo", "demo", password="hunter2-wrong"))
    rejected = run_client(["openstack", "flavor", "show", "m1.small"], wrong)
    assert rejected.returncode == 1, output_of(rejected)
    token = connect_password(server, "demo", "demo").auth_token

    log = server.log_text()

    assert '"message":"issued token"' in log
    assert '"message":"token request rejected"' in log
    assert PASSWORD not in log
    assert "hunter2-wrong" not in log
    assert token not in log


def issue_demo_token(server):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "password": PASSWORD, "domain": {"id": "default"},
    }}}}}
    status, headers, _ = server.request(
        "POST",
        "/identity/v3/auth/tokens",
        token=None,
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert status == 201
    return headers["X-Subject-Token"]


def test_seed_flag_repeats_tokens(start_server):
    first = start_server(args=["--seed", "7"])
    second = start_server(args=["--seed", "7"])
    unseeded = start_server()

    token = issue_demo_token(first)

    assert issue_demo_token(second) == token
    assert issue_demo_token(unseeded) != token

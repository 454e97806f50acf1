"""The nova CLI (python-novaclient) logging in with a password to the built-in
Keystone and managing flavor extra specs with flavor-key and flavor-show."""

from support import output_of, password_variables, run_client

FORBIDDEN_CREATE = (
    "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed."
)


def nova(server, client_env, user, project, *args):
    environment = client_env(**password_variables(server, user, project))
    return run_client(["nova", *args], environment)


def test_flavor_key_set_stores_specs(server, client_env):
    result = nova(
        server, client_env, "admin", "admin",
        "flavor-key", "m1.small", "set", "hw:cpu_policy=dedicated", "k=v",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"hw:cpu_policy": "dedicated", "k": "v"}


def test_flavor_key_set_by_id(server, client_env):
    result = nova(server, client_env, "admin", "admin", "flavor-key", "42", "set", "k=v")

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("42") == {"k": "v"}


def test_flavor_key_unset_removes_spec(server, client_env):
    server.set_extra_specs("2", {"a": "1", "b": "2"})

    result = nova(server, client_env, "admin", "admin", "flavor-key", "m1.small", "unset", "a")

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"b": "2"}


def test_flavor_key_unset_missing_fails(server, client_env):
    # Unlike the openstack CLI, nova reports the 404 of a missing key.
    result = nova(server, client_env, "admin", "admin", "flavor-key", "m1.small", "unset", "absent")

    assert result.returncode == 1, output_of(result)
    assert "Flavor 2 has no extra specs with key absent." in output_of(result)


def test_flavor_show_lists_specs(server, client_env):
    server.set_extra_specs("2", {"hw:cpu_policy": "dedicated"})

    result = nova(server, client_env, "admin", "admin", "flavor-show", "m1.small")

    assert result.returncode == 0, output_of(result)
    assert '{"hw:cpu_policy": "dedicated"}' in result.stdout
    assert "m1.small" in result.stdout


def test_demo_flavor_show_works(server, client_env):
    server.set_extra_specs("2", {"k": "v"})

    result = nova(server, client_env, "demo", "demo", "flavor-show", "m1.small")

    assert result.returncode == 0, output_of(result)
    assert '{"k": "v"}' in result.stdout


def test_demo_flavor_key_set_is_forbidden(server, client_env):
    result = nova(server, client_env, "demo", "demo", "flavor-key", "m1.small", "set", "k=v")

    assert result.returncode == 1, output_of(result)
    assert FORBIDDEN_CREATE in output_of(result)
    assert server.extra_specs("2") == {}


def test_unknown_flavor_fails(server, client_env):
    result = nova(server, client_env, "admin", "admin", "flavor-show", "no-such-flavor")

    assert result.returncode == 1, output_of(result)
    assert "No flavor with a name or ID of 'no-such-flavor' exists." in output_of(result)

"""The openstack CLI (python-openstackclient) logging in with a password to the
built-in Keystone and managing flavor properties, which are Nova's extra specs.

Each test checks what the user sees (exit code and output) and what the server
stored, read back over HTTP with the static admin token of the test config."""

import json

from support import PASSWORD, output_of, password_variables, run_client

FORBIDDEN_CREATE = (
    "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed."
)
FORBIDDEN_DELETE = (
    "Policy doesn't allow os_compute_api:os-flavor-extra-specs:delete to be performed."
)
UNAUTHORIZED = "The request you have made requires authentication. (HTTP 401)"


def openstack(server, client_env, user, project, *args, password=PASSWORD):
    environment = client_env(**password_variables(server, user, project, password))
    return run_client(["openstack", *args], environment)


def show_json(server, client_env, user, project, flavor):
    result = openstack(server, client_env, user, project, "flavor", "show", "-f", "json", flavor)
    assert result.returncode == 0, output_of(result)
    return json.loads(result.stdout)


def test_set_by_name_stores_property(server, client_env):
    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "set", "--property", "hw:cpu_policy=dedicated", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"hw:cpu_policy": "dedicated"}


def test_set_by_id_stores_two_properties(server, client_env):
    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "set", "--property", "hw:mem_page_size=large",
        "--property", "quota:cpu_shares=1024", "3",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("3") == {
        "hw:mem_page_size": "large",
        "quota:cpu_shares": "1024",
    }


def test_set_merges_with_stored(server, client_env):
    server.set_extra_specs("2", {"existing": "1"})

    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "set", "--property", "added=2", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"existing": "1", "added": "2"}


def test_show_by_name_lists_properties(server, client_env):
    server.set_extra_specs("2", {"hw:cpu_policy": "dedicated", "k": "v"})

    flavor = show_json(server, client_env, "admin", "admin", "m1.small")

    assert flavor["id"] == "2"
    assert flavor["name"] == "m1.small"
    assert flavor["properties"] == {"hw:cpu_policy": "dedicated", "k": "v"}


def test_show_by_id_lists_properties(server, client_env):
    server.set_extra_specs("42", {"hw:numa_nodes": "1"})

    flavor = show_json(server, client_env, "admin", "admin", "42")

    assert flavor["name"] == "m1.nano"
    assert flavor["properties"] == {"hw:numa_nodes": "1"}


def test_show_table_output(server, client_env):
    server.set_extra_specs("2", {"hw:cpu_policy": "dedicated"})

    result = openstack(server, client_env, "admin", "admin", "flavor", "show", "m1.small")

    assert result.returncode == 0, output_of(result)
    assert "hw:cpu_policy='dedicated'" in result.stdout


def test_unset_by_name_removes_property(server, client_env):
    server.set_extra_specs("2", {"hw:cpu_policy": "dedicated", "keep": "1"})

    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "unset", "--property", "hw:cpu_policy", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {"keep": "1"}


def test_unset_by_id_removes_property(server, client_env):
    server.set_extra_specs("3", {"a": "1", "b": "2"})

    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "unset", "--property", "a", "--property", "b", "3",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("3") == {}


def test_unset_missing_property_succeeds(server, client_env):
    # The CLI ignores the 404 of a missing key, as it does against real Nova.
    result = openstack(
        server, client_env, "admin", "admin",
        "flavor", "unset", "--property", "absent", "m1.small",
    )

    assert result.returncode == 0, output_of(result)
    assert server.extra_specs("2") == {}


def test_list_long_shows_properties(server, client_env):
    server.set_extra_specs("2", {"hw:cpu_policy": "dedicated"})
    server.set_extra_specs("42", {"k": "v"})

    result = openstack(
        server, client_env, "admin", "admin", "flavor", "list", "--long", "-f", "json",
    )

    assert result.returncode == 0, output_of(result)
    rows = {row["ID"]: row for row in json.loads(result.stdout)}
    assert rows["2"]["Properties"] == {"hw:cpu_policy": "dedicated"}
    assert rows["42"]["Properties"] == {"k": "v"}
    assert rows["1"]["Properties"] == {}
    assert len(rows) == 12


def test_demo_reads_flavor(server, client_env):
    server.set_extra_specs("2", {"k": "v"})

    flavor = show_json(server, client_env, "demo", "demo", "m1.small")

    assert flavor["properties"] == {"k": "v"}


def test_reader_reads_flavor(server, client_env):
    server.set_extra_specs("2", {"k": "v"})

    flavor = show_json(server, client_env, "reader", "demo", "m1.small")

    assert flavor["properties"] == {"k": "v"}


def test_demo_set_is_forbidden(server, client_env):
    result = openstack(
        server, client_env, "demo", "demo",
        "flavor", "set", "--property", "hw:cpu_policy=dedicated", "m1.small",
    )

    assert result.returncode == 1, output_of(result)
    assert FORBIDDEN_CREATE in output_of(result)
    assert server.extra_specs("2") == {}


def test_demo_unset_is_forbidden(server, client_env):
    server.set_extra_specs("2", {"k": "v"})

    result = openstack(
        server, client_env, "demo", "demo",
        "flavor", "unset", "--property", "k", "m1.small",
    )

    assert result.returncode == 1, output_of(result)
    assert FORBIDDEN_DELETE in output_of(result)
    assert server.extra_specs("2") == {"k": "v"}


def test_unknown_flavor_fails(server, client_env):
    result = openstack(server, client_env, "admin", "admin", "flavor", "show", "no-such-flavor")

    assert result.returncode == 1, output_of(result)
    assert "No Flavor found for no-such-flavor" in output_of(result)


def test_wrong_password_fails(server, client_env):
    result = openstack(
        server, client_env, "admin", "admin", "flavor", "show", "m1.small",
        password="wrong",
    )

    assert result.returncode == 1, output_of(result)
    assert UNAUTHORIZED in output_of(result)


def test_unknown_project_fails(server, client_env):
    result = openstack(server, client_env, "admin", "nowhere", "flavor", "show", "m1.small")

    assert result.returncode == 1, output_of(result)
    assert UNAUTHORIZED in output_of(result)


def test_project_without_role_fails(server, client_env):
    result = openstack(server, client_env, "reader", "admin", "flavor", "show", "m1.small")

    assert result.returncode == 1, output_of(result)
    assert UNAUTHORIZED in output_of(result)

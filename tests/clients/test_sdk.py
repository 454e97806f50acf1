"""openstacksdk used as a library, logging in with a password to the built-in
Keystone and calling each flavor extra-spec method of the compute proxy.

Keys include `:`, `.`, `-`, `_` and a space, which the SDK puts in the URL path
with the space percent-encoded."""

import openstack.exceptions
import pytest

from support import connect_password

SPECIAL_SPECS = {
    "hw:cpu_policy": "dedicated",
    "a b.c-d_e:f": "value with spaces",
    "quota:disk_read_bytes_sec": "10240",
    "trait:CUSTOM_X-Y.Z": "required",
}

def test_create_extra_specs_stores_all(server):
    connection = connect_password(server, "admin", "admin")

    flavor = connection.compute.create_flavor_extra_specs("2", SPECIAL_SPECS)

    assert flavor.extra_specs == SPECIAL_SPECS
    assert server.extra_specs("2") == SPECIAL_SPECS


def test_fetch_extra_specs_reads_all(server):
    server.set_extra_specs("2", SPECIAL_SPECS)
    connection = connect_password(server, "admin", "admin")

    flavor = connection.compute.fetch_flavor_extra_specs("2")

    assert flavor.extra_specs == SPECIAL_SPECS


@pytest.mark.parametrize("key", sorted(SPECIAL_SPECS))
def test_get_property_reads_key(server, key):
    server.set_extra_specs("2", SPECIAL_SPECS)
    connection = connect_password(server, "reader", "demo")

    value = connection.compute.get_flavor_extra_specs_property("2", key)

    assert value == SPECIAL_SPECS[key]


@pytest.mark.parametrize("key", sorted(SPECIAL_SPECS))
def test_update_property_stores_key(server, key):
    connection = connect_password(server, "admin", "admin")

    value = connection.compute.update_flavor_extra_specs_property("2", key, "updated")

    assert value == "updated"
    assert server.extra_specs("2") == {key: "updated"}


@pytest.mark.parametrize("key", sorted(SPECIAL_SPECS))
def test_delete_property_removes_key(server, key):
    server.set_extra_specs("2", SPECIAL_SPECS)
    connection = connect_password(server, "admin", "admin")

    connection.compute.delete_flavor_extra_specs_property("2", key)

    expected = {name: value for name, value in SPECIAL_SPECS.items() if name != key}
    assert server.extra_specs("2") == expected


def test_delete_missing_property_raises(server):
    connection = connect_password(server, "admin", "admin")

    with pytest.raises(openstack.exceptions.NotFoundException):
        connection.compute.delete_flavor_extra_specs_property(
            "2", "absent", ignore_missing=False
        )


def test_get_missing_property_raises(server):
    connection = connect_password(server, "admin", "admin")

    with pytest.raises(openstack.exceptions.NotFoundException):
        connection.compute.get_flavor_extra_specs_property("2", "absent")


def test_find_flavor_by_name(server):
    server.set_extra_specs("2", {"k": "v"})
    connection = connect_password(server, "demo", "demo")

    flavor = connection.compute.find_flavor("m1.small", get_extra_specs=True)

    assert flavor.id == "2"
    assert flavor.extra_specs == {"k": "v"}


def test_demo_update_is_forbidden(server):
    connection = connect_password(server, "demo", "demo")

    with pytest.raises(openstack.exceptions.ForbiddenException) as raised:
        connection.compute.update_flavor_extra_specs_property("2", "k", "v")

    assert "os-flavor-extra-specs:update" in str(raised.value)
    assert server.extra_specs("2") == {}


def test_demo_create_is_forbidden(server):
    connection = connect_password(server, "demo", "demo")

    with pytest.raises(openstack.exceptions.ForbiddenException):
        connection.compute.create_flavor_extra_specs("2", {"k": "v"})

    assert server.extra_specs("2") == {}

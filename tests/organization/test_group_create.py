"""group_create: groups are not organizations; packages and parents; creator is admin."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import make_user


def test_group_create_returns_group_show(call, sysadmin, org, users_create_groups):
    parent = call("group_create", sysadmin, name="social")
    jane = make_user(call, "jane")
    group = call("group_create", jane, name="famille", title="Famille", groups=[{"name": "social"}])
    assert group["type"] == "group" and group["is_organization"] is False
    assert group["groups"] == [{"name": "social", "capacity": "parent"}]
    assert parent["package_count"] == 0
    users = call("group_show", ANONYMOUS, id="famille", include_users=True)["users"]
    assert [(u["name"], u["capacity"]) for u in users] == [("jane", "admin")]
    assert "famille" not in call("organization_list", ANONYMOUS)


def test_group_create_rules(call, sysadmin, users_create_groups):
    with pytest.raises(NotAuthorized) as error:
        call("group_create", ANONYMOUS, name="famille")
    assert error.value.message == "Action group_create requires an authenticated user"
    call("group_create", sysadmin, name="famille")
    with pytest.raises(ValidationError) as error:
        call("group_create", sysadmin, name="famille")
    assert error.value.errors == {"name": ["Group name already exists in database"]}
    with pytest.raises(ValidationError) as error:
        call("group_create", sysadmin, name="edit")
    assert error.value.errors == {"name": ["That name cannot be used"]}
    jane = make_user(call, "jane")
    with pytest.raises(ValidationError) as error:
        call("group_create", jane, name="with-id", id="0b8b5d1e-8a4e-4b3c-9d7e-1a2b3c4d5e6f")
    assert error.value.errors == {"id": ["The input field id was not expected."]}
    fixed = "0b8b5d1e-8a4e-4b3c-9d7e-1a2b3c4d5e6f"
    assert call("group_create", sysadmin, name="with-id", id=fixed)["id"] == fixed


def test_group_create_values_wider_than_their_columns_are_409(call, sysadmin):
    """Bounded by the column widths (PostgreSQL would fail instead of answering; a fuzzer 500)."""
    with pytest.raises(ValidationError) as error:
        call("group_create", sysadmin, name="famille", type="t" * 51, state="s" * 21,
             id="urn:uuid:0b8b5d1e-8a4e-4b3c-9d7e-1a2b3c4d5e6f")
    assert error.value.errors == {"type": ["Must be a maximum of 50 characters long"],
                                  "state": ["Must be a maximum of 20 characters long"],
                                  "id": ["Invalid id provided"]}
    with pytest.raises(ValidationError) as error:
        call("member_create", sysadmin, id="x", object="y", object_type="package", capacity="c" * 21)
    assert error.value.errors == {"capacity": ["Must be a maximum of 20 characters long"]}

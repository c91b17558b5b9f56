"""The messages of the name rules, as CKAN's validators write them (ckan/logic/validators.py: name_validator,
package_name_validator, group_name_validator, user_name_validator; ckan/logic/schema/__init__.py for which
actions run which). CKAN runs every validator of a field even after one failed, so a package name that breaks a
length rule gets name_validator's message and package_name_validator's."""

from __future__ import annotations

import pytest

from catalog.errors import ValidationError

LONG = "x" * 101
PATTERN = "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"
SHORT = "Must be at least 2 characters long"
TOO_LONG = "Name must be a maximum of 100 characters long"


def _errors(call, *args, **data):
    with pytest.raises(ValidationError) as caught:
        call(*args, **data)
    return caught.value.errors


@pytest.mark.parametrize(("name", "messages"), [
    ("", ["Missing value"]),  # package_create runs not_empty first
    (None, ["Missing value"]),
    ("A", [SHORT, 'Name "A" length is less than minimum 2']),
    (LONG, [TOO_LONG, f'Name "{LONG}" length is more than maximum 100']),
    ("Not Valid", [PATTERN]),
    ("new", ["That name cannot be used"]),
    (12, ["Names must be strings"]),
])
def test_package_create_name_messages(call, sysadmin, org, name, messages):
    assert _errors(call, "package_create", sysadmin, name=name, owner_org=org["id"]) == {"name": messages}


@pytest.mark.parametrize(("name", "messages"), [
    ("", [SHORT, 'Name "" length is less than minimum 2']),  # no not_empty in the update schema
    (LONG, [TOO_LONG, f'Name "{LONG}" length is more than maximum 100']),
    ("Not Valid", [PATTERN]),
    (12, ["Names must be strings"]),
])
def test_package_update_name_messages(call, sysadmin, org, name, messages):
    dataset = call("package_create", sysadmin, name="ds-one", owner_org=org["id"])
    assert _errors(call, "package_update", sysadmin, id=dataset["id"], name=name) == {"name": messages}
    assert _errors(call, "package_patch", sysadmin, id=dataset["id"], name=name) == {"name": messages}


def test_package_update_null_name_keeps_the_name(call, sysadmin, org):
    """CKAN's update schema starts with ignore_missing: a null name is no change, not an error."""
    dataset = call("package_create", sysadmin, name="ds-one", owner_org=org["id"])
    assert call("package_update", sysadmin, id=dataset["id"], name=None, title="T")["name"] == "ds-one"


def test_package_name_in_use(call, sysadmin, org):
    call("package_create", sysadmin, name="ds-one", owner_org=org["id"])
    other = call("package_create", sysadmin, name="ds-two", owner_org=org["id"])
    assert _errors(call, "package_update", sysadmin, id=other["id"], name="ds-one") == {
        "name": ["That URL is already in use."]}


@pytest.mark.parametrize("kind", ["group", "organization"])
@pytest.mark.parametrize(("name", "messages"), [
    ("", ["Missing value"]),
    ("A", [SHORT]),
    (LONG, [TOO_LONG]),
    ("Not Valid", [PATTERN]),
    ("new", ["That name cannot be used"]),
    (12, ["Names must be strings"]),
    ("taken", ["Group name already exists in database"]),
])
def test_group_and_organization_name_messages(call, sysadmin, kind, name, messages):
    call("group_create", sysadmin, name="taken")
    existing = call(f"{kind}_create", sysadmin, name=f"my-{kind}")
    assert _errors(call, f"{kind}_create", sysadmin, name=name) == {"name": messages}
    # Updates give the same messages: CKAN's update schema checks only not_empty and uniqueness, but a
    # name create refuses would break the group's URL (see schemas/group_update.json).
    assert _errors(call, f"{kind}_update", sysadmin, id=existing["id"], name=name) == {"name": messages}
    assert _errors(call, f"{kind}_patch", sysadmin, id=existing["id"], name=name) == {"name": messages}


@pytest.mark.parametrize(("name", "messages"), [
    ("", ["Missing value"]),
    ("A", [SHORT]),
    (LONG, [TOO_LONG]),
    ("Not Valid", [PATTERN]),
    ("taken", ["The username is already associated with another account. Please use a different username."]),
])
def test_user_name_messages(call, sysadmin, name, messages):
    call("user_create", sysadmin, name="taken", email="taken@example.org", password="correct-horse")
    assert _errors(call, "user_create", sysadmin, name=name, email="new@example.org",
                   password="correct-horse") == {"name": messages}


def test_long_name_over_http(client, sysadmin_token, org):
    response = client.post("/api/3/action/package_create", headers={"Authorization": sysadmin_token},
                           json={"name": LONG, "owner_org": org["id"]})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "__type": "Validation Error", "name": [TOO_LONG, f'Name "{LONG}" length is more than maximum 100']}

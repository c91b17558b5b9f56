"""group_patch, group_purge, group_member_delete, group_autocomplete."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound
from tests.conftest import make_user


@pytest.fixture
def group(call, sysadmin, users_create_groups):
    owner = make_user(call, "owner")
    call("group_create", owner, name="famille", title="Famille", description="Prestations familiales")
    return owner


def test_group_patch_keeps_other_fields_and_members(call, sysadmin, group):
    patched = call("group_patch", group, id="famille", title="Familles")
    assert (patched["title"], patched["description"]) == ("Familles", "Prestations familiales")
    assert [u["name"] for u in patched["users"]] == ["owner"]
    outsider = make_user(call, "outsider")
    with pytest.raises(NotAuthorized) as error:
        call("group_patch", outsider, id="famille", title="x")
    assert error.value.message == f"User outsider not authorized to edit group {patched['id']}"


def test_group_purge_is_for_sysadmins(call, sysadmin, group, org):
    with pytest.raises(NotAuthorized):
        call("group_purge", group, id="famille")
    with pytest.raises(NotFound):
        call("group_purge", sysadmin, id="cnaf")
    assert call("group_purge", sysadmin, id="famille") is None
    assert call("group_list", ANONYMOUS) == []


def test_group_member_delete_by_group_admin(call, group):
    make_user(call, "jane")
    call("group_member_create", group, id="famille", username="jane", role="member")
    assert call("group_member_delete", group, id="famille", username="jane") is None
    users = call("group_show", ANONYMOUS, id="famille", include_users=True)["users"]
    assert [u["name"] for u in users] == ["owner"]


def test_group_autocomplete_matches_name_and_title(call, group):
    call("group_create", group, name="logement", title="Aides au logement")
    assert [g["name"] for g in call("group_autocomplete", ANONYMOUS, q="AIDES")] == ["logement"]
    assert [g["name"] for g in call("group_autocomplete", ANONYMOUS, q="e", limit=1)] == ["logement"]
    assert call("group_autocomplete", ANONYMOUS, q="zzz") == []


def test_group_autocomplete_limit_beyond_sql_integers_is_409(client):
    """The shared `natural` definition refuses a limit past BIGINT instead of crashing the database."""
    response = client.get("/api/3/action/group_autocomplete?q=a&limit=99999999999999999999999")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "limit": ["Invalid integer"]}
    assert client.get("/api/3/action/group_autocomplete?q=a&limit=9223372036854775807").status_code == 200

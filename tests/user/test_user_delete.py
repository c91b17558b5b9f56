"""user_delete: sysadmins only; the account, its memberships and its tokens stop working."""

from __future__ import annotations

import pytest

from catalog.errors import NotAuthorized, NotFound
from tests.conftest import make_user


def test_user_delete_by_sysadmin(call, sysadmin, org, client):
    jane = make_user(call, "jane")
    token = call("api_token_create", jane, user="jane", name="cli")["token"]
    call("organization_member_create", sysadmin, id="cnaf", username="jane", role="editor")
    assert call("user_delete", sysadmin, id="jane") is None
    assert call("user_show", sysadmin, id="jane")["state"] == "deleted"
    assert call("organization_list_for_user", sysadmin, id="jane") == []
    body = client.get("/api/3/action/user_show", headers={"Authorization": token}).get_json()
    assert body["success"] is False  # the token now acts as anonymous: no user to show


def test_user_delete_refused_to_users(call):
    make_user(call, "jane")
    john = make_user(call, "john")
    with pytest.raises(NotAuthorized) as error:
        call("user_delete", john, id="jane")
    assert error.value.message == "User john not authorized to delete user jane"
    with pytest.raises(NotAuthorized):
        call("user_delete", john, id="john")


def test_user_delete_unknown(call, sysadmin):
    with pytest.raises(NotFound) as error:
        call("user_delete", sysadmin, id="nobody")
    assert error.value.message == 'User "nobody" was not found.'

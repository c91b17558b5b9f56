"""api_token_list and api_token_revoke."""

from __future__ import annotations

import pytest

from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import make_user

TOKEN_KEYS = {"id", "name", "user_id", "created_at", "last_access"}


def test_api_token_list_oldest_first_without_secrets(call, client):
    jane = make_user(call, "jane")
    first = call("api_token_create", jane, user="jane", name="first")["token"]
    call("api_token_create", jane, user="jane", name="second")
    tokens = call("api_token_list", jane, user_id="jane")
    assert [t["name"] for t in tokens] == ["first", "second"]
    assert all(set(t) == TOKEN_KEYS and t["user_id"] == jane.user_id for t in tokens)
    assert tokens[0]["last_access"] is None
    client.get("/api/3/action/site_read", headers={"Authorization": first})
    assert call("api_token_list", jane, user="jane")[0]["last_access"] is not None


def test_api_token_list_rules(call, sysadmin):
    jane = make_user(call, "jane")
    john = make_user(call, "john")
    with pytest.raises(ValidationError) as error:
        call("api_token_list", jane)
    assert error.value.errors == {"user_id": ["Missing value"]}
    with pytest.raises(NotAuthorized):
        call("api_token_list", john, user_id="jane")
    assert call("api_token_list", sysadmin, user_id="jane") == []


def test_api_token_revoke_by_jti_and_by_token(call, client):
    jane = make_user(call, "jane")
    one = call("api_token_create", jane, user="jane", name="one")["token"]
    two = call("api_token_create", jane, user="jane", name="two")["token"]
    jti = call("api_token_list", jane, user_id="jane")[0]["id"]
    assert call("api_token_revoke", jane, jti=jti) is None
    response = client.post("/api/3/action/api_token_revoke", json={"token": two}, headers={"Authorization": two})
    assert response.get_json() == {"help": "http://test.moisson.local/api/3/action/help_show?name=api_token_revoke",
                                   "success": True, "result": None}
    assert call("api_token_list", jane, user_id="jane") == []
    for secret in (one, two):
        body = client.get("/api/3/action/user_show", headers={"Authorization": secret}).get_json()
        assert body["success"] is False


def test_api_token_revoke_only_own_tokens(call):
    jane = make_user(call, "jane")
    john = make_user(call, "john")
    secret = call("api_token_create", jane, user="jane", name="one")["token"]
    jti = call("api_token_list", jane, user_id="jane")[0]["id"]
    # Someone else's token and an unknown one are refused alike (no discovery of token ids).
    for data in ({"token": secret}, {"jti": jti}, {"jti": "no-such-token"}, {"token": "moisson_unknown"}):
        with pytest.raises(NotAuthorized) as error:
            call("api_token_revoke", john, **data)
        assert error.value.message == ""
    assert len(call("api_token_list", jane, user_id="jane")) == 1
    with pytest.raises(ValidationError) as error:
        call("api_token_revoke", jane)
    assert error.value.errors == {"jti": ["Missing value"]}

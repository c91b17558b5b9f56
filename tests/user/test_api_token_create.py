"""API tokens: only hashes are stored; Authorization and X-CKAN-API-Key authenticate; bad tokens are anonymous."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from catalog.user.models import ApiToken
from catalog.user.tokens import hash_token
from tests.conftest import make_user


def test_api_token_create_returns_only_the_token_and_stores_its_hash(call, services):
    jane = make_user(call, "jane")
    result = call("api_token_create", jane, user="jane", name="laptop")
    assert set(result) == {"token"}
    secret = result["token"]
    with services.db.unit_of_work(write=False) as session:
        rows = list(session.scalars(select(ApiToken)))
    assert [row.token_hash for row in rows] == [hash_token(secret)]
    assert all(secret not in str(value) for row in rows for value in vars(row).values())
    if services.db.is_sqlite:  # nothing on disk holds the secret either
        path = Path(services.settings.database_url.removeprefix("sqlite:///"))
        blobs = [p.read_bytes() for p in path.parent.glob(path.name + "*")]
        assert all(secret.encode() not in blob for blob in blobs)


@pytest.mark.parametrize("header", ["Authorization", "X-CKAN-API-Key"])
def test_api_token_create_token_authenticates_over_http(call, client, header, users_create_groups):
    make_user(call, "jane")
    jane = call("user_show", ANONYMOUS, id="jane")
    from catalog.context import Actor

    secret = call("api_token_create", Actor(user_id=jane["id"], name="jane"), user="jane", name="t")["token"]
    body = client.get("/api/3/action/user_show", headers={header: secret}).get_json()
    assert body["success"] is True and body["result"]["name"] == "jane" and "email" in body["result"]
    body = client.post("/api/action/organization_create", json={"name": "caf-nord"},
                       headers={header: secret}).get_json()
    assert body["success"] is True


def test_api_token_create_unknown_token_acts_as_anonymous(call, client):
    make_user(call, "jane")
    response = client.get("/api/3/action/user_show?id=jane", headers={"Authorization": "moisson_not-a-token"})
    assert response.status_code == 200 and "email" not in response.get_json()["result"]
    response = client.post("/api/3/action/organization_create", json={"name": "caf-nord"},
                           headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == (
        "Access denied: Action organization_create requires an authenticated user")


def test_api_token_create_rules(call, sysadmin):
    jane = make_user(call, "jane")
    make_user(call, "john")
    with pytest.raises(NotAuthorized):
        call("api_token_create", jane, user="john", name="steal")
    with pytest.raises(NotAuthorized):
        call("api_token_create", ANONYMOUS, user="jane", name="x")
    with pytest.raises(ValidationError) as error:
        call("api_token_create", jane, user="jane", name="")
    assert error.value.errors == {"name": ["Missing value"]}
    assert set(call("api_token_create", sysadmin, user="john", name="for-john")) == {"token"}
    with pytest.raises(NotFound) as error:
        call("api_token_create", sysadmin, user="nobody", name="x")
    assert error.value.message == "User not found"

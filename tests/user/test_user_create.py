"""user_create: sysadmin-only over the API, CKAN messages, hashed password, the returned dict."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from catalog.user.models import User
from catalog.user.passwords import verify_password

USER_KEYS = {"about", "activity_streams_email_notifications", "created", "display_name", "email_hash", "fullname",
             "id", "image_display_url", "image_url", "last_active", "name", "number_created_packages", "state",
             "sysadmin"}


def test_user_create_returns_ckan_user_dict_with_email(call, sysadmin):
    user = call("user_create", sysadmin, name="jane", email="Jane@Example.org", password="long-enough",
                fullname="Jane Doe")
    assert set(user) == USER_KEYS | {"email", "apikey"}
    assert user["email"] == "Jane@Example.org"
    assert user["apikey"] is None
    assert user["display_name"] == "Jane Doe"
    assert user["email_hash"] == hashlib.md5(b"jane@example.org").hexdigest()
    assert user["sysadmin"] is False and user["state"] == "active"


def test_user_create_stores_a_salted_hash_not_the_password(call, sysadmin, services):
    call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough")
    call("user_create", sysadmin, name="john", email="john@example.org", password="long-enough")
    with services.db.unit_of_work(write=False) as session:
        hashes = {u.name: u.password_hash for u in session.scalars(select(User))}
    assert "long-enough" not in hashes["jane"]
    assert hashes["jane"] != hashes["john"]  # salted
    assert verify_password("long-enough", hashes["jane"])
    assert not verify_password("wrong-password", hashes["jane"])


def test_user_create_refused_to_normal_users_and_anonymous(call, sysadmin):
    from tests.conftest import make_user

    jane = make_user(call, "jane")
    with pytest.raises(NotAuthorized) as error:
        call("user_create", jane, name="john", email="john@example.org", password="long-enough")
    assert error.value.message == "User jane not authorized to create users via the API"
    with pytest.raises(NotAuthorized) as error:
        call("user_create", ANONYMOUS, name="john", email="john@example.org", password="long-enough")
    assert error.value.message == "User  not authorized to create users via the API"


def test_user_create_messages(call, sysadmin):
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="A", email="not-an-email", password="short", about="see https://spam")
    assert error.value.errors == {
        "name": ["Must be at least 2 characters long"],
        "email": ["Email not-an-email is not a valid format"],
        "password": ["Your password must be 8 characters or longer"],
        "about": ["Edit not allowed as it looks like spam. Please avoid links in your description."],
    }
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="jane")
    assert error.value.errors == {"email": ["Missing value"], "password": ["Missing value"]}


def test_user_create_unique_name_and_email(call, sysadmin):
    call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough")
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="jane", email="JANE@example.org", password="long-enough")
    assert error.value.errors == {
        "name": ["The username is already associated with another account. Please use a different username."],
        "email": ["The email address 'JANE@example.org' belongs to a registered user."],
    }


def test_user_create_with_apitoken_returns_a_working_token(call, sysadmin, client):
    user = call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough",
                with_apitoken=True)
    response = client.get("/api/3/action/user_show", headers={"Authorization": user["token"]})
    assert response.get_json()["result"]["email"] == "jane@example.org"


def test_user_create_over_http_needs_a_sysadmin(client):
    response = client.post("/api/3/action/user_create",
                           json={"name": "jane", "email": "jane@example.org", "password": "long-enough"})
    assert response.status_code == 403
    assert response.get_json()["error"] == {
        "__type": "Authorization Error", "message": "Access denied: User  not authorized to create users via the API"}


def test_an_empty_password_hash_does_not_stand_in_for_the_password(call, sysadmin, services):
    """The schema accepts password_hash instead of password; an empty one is a 409 on password, not a 500."""
    with pytest.raises(ValidationError) as raised:
        call("user_create", sysadmin, name="jane", email="jane@example.org", password_hash="")
    assert raised.value.errors == {"password": ["Missing value"]}
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(User).where(User.name == "jane")) is None


def test_an_empty_password_hash_over_the_api_is_a_409_envelope(client, sysadmin_token):
    response = client.post("/api/3/action/user_create", headers={"Authorization": sysadmin_token},
                           json={"name": "jane", "email": "jane@example.org", "password_hash": ""})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "password": ["Missing value"]}


def test_an_empty_password_hash_beside_a_password_uses_the_password(call, sysadmin, services):
    call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough", password_hash="")
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "jane"))
    assert verify_password("long-enough", stored)

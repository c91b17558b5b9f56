"""password_hash and empty passwords on user_create/user_update, as CKAN 2.12's user schema (issue 13).

ckan/logic/schema: 'password_hash': [ignore_missing, ignore_not_sysadmin, unicode_safe] (null is ignored, a
non-sysadmin's value is dropped); 'password': [user_password_validator, user_password_not_empty, ...] on create,
where "" passes the length check and user_password_not_empty answers 'Missing value' unless a sysadmin gives a
password_hash; on update "" passes and model_save.user_dict_save drops it, so the password is unchanged.
Deliberate difference: a sysadmin's *empty* password_hash is treated as absent (CKAN would store an empty hash
and lock the account out).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.errors import ValidationError
from catalog.user.models import User
from catalog.user.passwords import hash_password, verify_password
from tests.conftest import make_user


def _stored_hash(services, name: str) -> str | None:
    with services.db.unit_of_work(write=False) as session:
        return session.scalar(select(User.password_hash).where(User.name == name))


def test_a_null_password_hash_is_ignored(call, sysadmin, services):
    call("user_create", sysadmin, name="jane", email="jane@example.org", password="long-enough", password_hash=None)
    assert verify_password("long-enough", _stored_hash(services, "jane"))
    call("user_update", sysadmin, id="jane", email="jane@example.org", password_hash=None)
    assert verify_password("long-enough", _stored_hash(services, "jane"))
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="john", email="john@example.org", password_hash=None)
    assert error.value.errors == {"password": ["Missing value"]}


def test_an_empty_password_is_missing_on_create(call, sysadmin):
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="jane", email="jane@example.org", password="")
    assert error.value.errors == {"password": ["Missing value"]}
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="jane", email="jane@example.org", password="", password_hash="")
    assert error.value.errors == {"password": ["Missing value"]}
    with pytest.raises(ValidationError) as error:
        call("user_create", sysadmin, name="jane", email="jane@example.org", password="short")
    assert error.value.errors == {"password": ["Your password must be 8 characters or longer"]}


def test_an_empty_password_leaves_it_unchanged_on_update(call, sysadmin, services):
    jane = make_user(call, "jane")
    call("user_update", jane, id="jane", email="jane@example.org", password="", fullname="Jane")
    assert verify_password("correct-horse", _stored_hash(services, "jane"))
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane", email="jane@example.org", password="short")
    assert error.value.errors == {"password": ["Your password must be 8 characters or longer"]}


def test_password_hash_only_from_sysadmins_on_update(call, sysadmin, services):
    jane = make_user(call, "jane")
    chosen = hash_password("chosen-by-jane")
    call("user_update", jane, id="jane", email="jane@example.org", password_hash=chosen)
    call("user_patch", jane, id="jane", password_hash="")
    assert verify_password("correct-horse", _stored_hash(services, "jane"))  # ignored, as ignore_not_sysadmin
    call("user_update", sysadmin, id="jane", email="jane@example.org", password_hash=chosen)
    assert _stored_hash(services, "jane") == chosen
    call("user_update", sysadmin, id="jane", email="jane@example.org", password_hash="")
    assert _stored_hash(services, "jane") == chosen  # an empty hash is no hash: the account keeps its password


def test_a_sysadmins_password_hash_stands_in_for_the_password(call, sysadmin, services):
    chosen = hash_password("imported-secret")
    call("user_create", sysadmin, name="jane", email="jane@example.org", password_hash=chosen)
    assert _stored_hash(services, "jane") == chosen


def test_bad_password_input_over_http_is_a_409(client, sysadmin_token):
    for body, errors in (
        ({"password_hash": ""}, {"password": ["Missing value"]}),
        ({"password_hash": None}, {"password": ["Missing value"]}),
        ({"password": ""}, {"password": ["Missing value"]}),
        ({"password_hash": 5}, {"password_hash": ["Must be a string"]}),
    ):
        response = client.post("/api/3/action/user_create", headers={"Authorization": sysadmin_token},
                               json={"name": "jane", "email": "jane@example.org", **body})
        assert response.status_code == 409, body
        assert response.get_json()["error"] == {"__type": "Validation Error", **errors}, body
    response = client.post("/api/3/action/user_create", headers={"Authorization": sysadmin_token},
                           json={"name": "jane", "email": "jane@example.org", "password": "long-enough",
                                 "password_hash": None})
    assert response.status_code == 200 and response.get_json()["result"]["name"] == "jane"

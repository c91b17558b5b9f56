"""user_update / user_patch: self or sysadmin, CKAN messages, kept fields, new password works."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from catalog.user.models import User
from catalog.user.passwords import verify_password
from tests.conftest import make_user


def test_user_update_by_self_keeps_omitted_fields(call):
    jane = make_user(call, "jane")
    call("user_update", jane, id="jane", email="jane@example.org", fullname="Jane Doe", about="Hello")
    updated = call("user_update", jane, id="jane", email="jane@new.example.org")
    assert updated["fullname"] == "Jane Doe" and updated["about"] == "Hello"
    assert updated["email"] == "jane@new.example.org"


def test_user_update_messages(call, sysadmin):
    jane = make_user(call, "jane")
    make_user(call, "john")
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane")
    assert error.value.errors == {"email": ["Missing value"]}
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane", email="jane@example.org", name="janet")
    assert error.value.errors == {"name": ["That login name can not be modified."]}
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane", email="john@example.org")
    assert error.value.errors == {"email": ["The email address 'john@example.org' belongs to a registered user."]}
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane", email="jane@example.org", password="short")
    assert error.value.errors == {"password": ["Your password must be 8 characters or longer"]}
    with pytest.raises(ValidationError) as error:
        call("user_update", jane, id="jane", email="jane@example.org", about="<a href='http://x'>")
    assert error.value.errors == {
        "about": ["Edit not allowed as it looks like spam. Please avoid links in your description."]}
    assert call("user_update", sysadmin, id="jane", email="jane@example.org", name="janet")["name"] == "janet"


def test_user_update_refused_for_others(call):
    make_user(call, "jane")
    john = make_user(call, "john")
    with pytest.raises(NotAuthorized) as error:
        call("user_update", john, id="jane", email="jane@example.org")
    assert error.value.message == "User john not authorized to edit user jane"
    with pytest.raises(NotAuthorized) as error:
        call("user_update", ANONYMOUS, id="jane", email="jane@example.org")
    assert error.value.message == "Action user_update requires an authenticated user"


def test_user_update_cannot_make_oneself_sysadmin(call):
    jane = make_user(call, "jane")
    assert call("user_update", jane, id="jane", email="jane@example.org", sysadmin=True)["sysadmin"] is False


def test_user_update_password_is_rehashed(call, services):
    jane = make_user(call, "jane")
    call("user_update", jane, id="jane", email="jane@example.org", password="a-new-password")
    with services.db.unit_of_work(write=False) as session:
        stored = session.scalar(select(User.password_hash).where(User.name == "jane"))
    assert verify_password("a-new-password", stored) and not verify_password("correct-horse", stored)


def test_user_patch_merges_with_the_stored_user(call):
    jane = make_user(call, "jane")
    call("user_patch", jane, id="jane", fullname="Jane Doe")
    patched = call("user_patch", jane, id="jane", about="Statisticienne")
    assert (patched["fullname"], patched["about"], patched["email"]) == (
        "Jane Doe", "Statisticienne", "jane@example.org")


def test_user_patch_refused_for_others(call):
    make_user(call, "jane")
    john = make_user(call, "john")
    with pytest.raises(NotAuthorized):
        call("user_patch", john, id="jane", fullname="Hacked")


def test_a_sysadmin_cannot_change_their_own_sysadmin_flag(call, sysadmin):
    """CKAN: 'Cannot modify your own sysadmin privileges' (409 under sysadmin); another sysadmin may."""
    with pytest.raises(ValidationError) as error:
        call("user_patch", sysadmin, id=sysadmin.name, sysadmin=False)
    assert error.value.errors == {"sysadmin": ["Cannot modify your own sysadmin privileges"]}
    assert call("user_patch", sysadmin, id=sysadmin.name, sysadmin=True, fullname="A")["sysadmin"] is True
    jane = make_user(call, "jane")
    call("user_patch", sysadmin, id="jane", sysadmin=True)
    jane = jane.__class__(user_id=jane.user_id, name="jane", is_sysadmin=True)
    assert call("user_patch", jane, id=sysadmin.name, sysadmin=False)["sysadmin"] is False

"""user_show: the §3.6 dict; email/apikey only for the user and sysadmins; dataset counts."""

from __future__ import annotations

import hashlib

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound
from tests.conftest import make_user

PUBLIC_KEYS = {"about", "activity_streams_email_notifications", "created", "display_name", "email_hash",
               "fullname", "id", "image_display_url", "image_url", "last_active", "name",
               "number_created_packages", "state", "sysadmin"}


def test_user_show_key_sets_by_viewer(call, sysadmin):
    jane = make_user(call, "jane")
    john = make_user(call, "john")
    assert set(call("user_show", ANONYMOUS, id="jane")) == PUBLIC_KEYS
    assert set(call("user_show", john, id="jane")) == PUBLIC_KEYS
    own = call("user_show", jane, id="jane")
    assert set(own) == PUBLIC_KEYS | {"email", "apikey"}
    assert own["email"] == "jane@example.org" and own["apikey"] is None
    assert set(call("user_show", sysadmin, id=jane.user_id)) == PUBLIC_KEYS | {"email", "apikey"}
    assert own["email_hash"] == hashlib.md5(b"jane@example.org").hexdigest()
    assert own["display_name"] == "jane" and own["activity_streams_email_notifications"] is False


def test_user_show_defaults_to_the_caller(call):
    jane = make_user(call, "jane")
    assert call("user_show", jane)["name"] == "jane"
    with pytest.raises(NotFound):
        call("user_show", ANONYMOUS)
    with pytest.raises(NotFound) as error:
        call("user_show", ANONYMOUS, id="nobody")
    assert error.value.message == "User not found"


def test_user_show_counts_private_datasets_only_for_self(call, sysadmin, org):
    jane = make_user(call, "jane")
    call("organization_member_create", sysadmin, id="cnaf", username="jane", role="editor")
    call("package_create", jane, name="public-one", owner_org=org["id"])
    call("package_create", jane, name="private-one", owner_org=org["id"], private=True)
    assert call("user_show", ANONYMOUS, id="jane")["number_created_packages"] == 1
    assert call("user_show", jane, id="jane")["number_created_packages"] == 2
    assert call("user_show", sysadmin, id="jane")["number_created_packages"] == 2


def test_user_show_include_datasets_respects_privacy(call, sysadmin, org):
    jane = make_user(call, "jane")
    call("organization_member_create", sysadmin, id="cnaf", username="jane", role="editor")
    call("package_create", jane, name="public-one", owner_org=org["id"])
    call("package_create", jane, name="private-one", owner_org=org["id"], private=True)
    shown = call("user_show", ANONYMOUS, id="jane", include_datasets=True)
    assert [d["name"] for d in shown["datasets"]] == ["public-one"]
    own = call("user_show", jane, id="jane", include_datasets=True)
    assert sorted(d["name"] for d in own["datasets"]) == ["private-one", "public-one"]


def test_user_show_password_hash_for_sysadmins_only(call, sysadmin):
    jane = make_user(call, "jane")
    assert call("user_show", sysadmin, id="jane", include_password_hash=True)["password_hash"].startswith("scrypt$")
    assert "password_hash" not in call("user_show", jane, id="jane", include_password_hash=True)


def test_user_show_over_http_hides_email_from_anonymous(client, call):
    make_user(call, "jane")
    body = client.get("/api/3/action/user_show?id=jane").get_json()
    assert body["success"] is True and "email" not in body["result"]

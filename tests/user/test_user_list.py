"""user_list and user_autocomplete."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import make_user


@pytest.fixture
def users(call, sysadmin):
    for name in ("zoe", "bob"):
        make_user(call, name)
    call("user_update", sysadmin, id="bob", email="bob@example.org", fullname="Alice Bob")
    return sysadmin


def test_user_list_orders_by_display_name_and_hides_email(call, users):
    result = call("user_list", ANONYMOUS)
    assert [u["name"] for u in result] == ["admin", "bob", "zoe"]  # "admin", "Alice Bob", "zoe"
    assert all("email" not in u for u in result)
    assert call("user_list", ANONYMOUS, all_fields=False, order_by="name") == ["admin", "bob", "zoe"]
    assert all("email" in u for u in call("user_list", users))


def test_user_list_filters(call, users):
    assert call("user_list", ANONYMOUS, q="ALICE", all_fields=False) == ["bob"]
    assert call("user_list", ANONYMOUS, q="example.org", all_fields=False) == []
    assert len(call("user_list", users, q="example.org", all_fields=False)) == 3
    assert call("user_list", users, email="ZOE@example.org", all_fields=False) == ["zoe"]
    with pytest.raises(NotAuthorized):
        call("user_list", ANONYMOUS, email="zoe@example.org")
    call("user_delete", users, id="zoe")
    assert "zoe" not in call("user_list", ANONYMOUS, all_fields=False)


def test_user_list_bad_order(call, users):
    with pytest.raises(ValidationError) as error:
        call("user_list", ANONYMOUS, order_by="edits")
    assert error.value.errors == {"message": "order_by=edits is no longer supported"}
    by_hash = call("user_list", ANONYMOUS, order_by="password_hash", all_fields=False)
    assert by_hash == call("user_list", ANONYMOUS, all_fields=False)  # falls back to display_name


def test_user_autocomplete(call, users):
    zoe = make_user(call, "zoey")
    assert call("user_autocomplete", ANONYMOUS, q="zo") == [
        {"id": u["id"], "name": u["name"], "fullname": None}
        for u in call("user_list", ANONYMOUS, q="zo")]
    assert [u["name"] for u in call("user_autocomplete", zoe, q="zo", ignore_self=True)] == ["zoe"]
    assert [u["name"] for u in call("user_autocomplete", ANONYMOUS, q="o", limit=1)] == ["bob"]
    with pytest.raises(ValidationError) as error:
        call("user_autocomplete", ANONYMOUS)
    assert error.value.errors == {"q": ["Missing value"]}

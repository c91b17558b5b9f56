"""tag_list, tag_show, tag_autocomplete: only tags of datasets the caller may see."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound
from tests.conftest import make_user


@pytest.fixture
def tagged(call, sysadmin, org):
    member = make_user(call, "member")
    call("organization_member_create", sysadmin, id="cnaf", username="member", role="member")
    call("package_create", sysadmin, name="public-one", owner_org=org["id"],
         tags=[{"name": "Famille"}, {"name": "logement"}])
    call("package_create", sysadmin, name="private-one", owner_org=org["id"], private=True,
         tags=[{"name": "secret-plan"}, {"name": "logement"}])
    return member


def test_tag_list_hides_tags_of_private_datasets(call, sysadmin, tagged):
    assert call("tag_list", ANONYMOUS) == ["Famille", "logement"]
    assert call("tag_list", tagged) == ["Famille", "logement", "secret-plan"]
    assert call("tag_list", sysadmin, query="SECRET") == ["secret-plan"]
    assert call("tag_list", ANONYMOUS, q="secret") == []
    items = call("tag_list", ANONYMOUS, all_fields=True)
    assert [set(t) for t in items] == [{"id", "name", "vocabulary_id", "display_name"}] * 2
    assert items[0]["display_name"] == "Famille" and items[0]["vocabulary_id"] is None


def test_tag_list_unknown_vocabulary(call, tagged):
    with pytest.raises(NotFound) as error:
        call("tag_list", ANONYMOUS, vocabulary_id="nope")
    assert error.value.message == "could not find vocabulary 'nope'"  # CKAN's Tag.all, lower case


def test_tag_show(call, tagged):
    tag = call("tag_show", ANONYMOUS, id="logement")
    assert set(tag) == {"id", "name", "vocabulary_id", "display_name"}
    assert call("tag_show", ANONYMOUS, id=tag["id"]) == tag
    with_datasets = call("tag_show", tagged, id="logement", include_datasets=True)
    assert [p["name"] for p in with_datasets["packages"]] == ["public-one"]  # never private ones
    with pytest.raises(NotFound):
        call("tag_show", ANONYMOUS, id="secret-plan")
    assert call("tag_show", tagged, id="secret-plan")["name"] == "secret-plan"


def test_tag_autocomplete(call, tagged, client):
    assert call("tag_autocomplete", ANONYMOUS, q="e") == ["Famille", "logement"]
    assert call("tag_autocomplete", tagged, query="e", limit=2, offset=1) == ["logement", "secret-plan"]
    body = client.get("/api/3/action/tag_autocomplete?q=sec").get_json()
    assert body["result"] == []


def test_tag_autocomplete_offset_beyond_sql_integers_is_409(client):
    response = client.get("/api/3/action/tag_autocomplete?q=a&offset=99999999999999999999999")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "offset": ["Invalid integer"]}

"""Tag vocabularies: the vocabulary_* actions (from CKAN's TestVocabularyCreate/Update/Delete), datasets carrying
vocabulary tags, tag_list/tag_show with vocabulary_id, and the vocab_<name> search fields."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import IntegrityError, NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user


@pytest.fixture
def genre(call, sysadmin) -> dict[str, Any]:
    return call("vocabulary_create", sysadmin, name="genre", tags=[{"name": "jazz"}, {"name": "blues"}])


def test_create_with_tags_then_show_by_id_and_name(call, sysadmin, genre):
    assert genre["name"] == "genre"
    assert [t["name"] for t in genre["tags"]] == ["blues", "jazz"]
    assert all(set(t) == {"id", "name", "vocabulary_id", "display_name"} for t in genre["tags"])
    assert all(t["vocabulary_id"] == genre["id"] and t["display_name"] == t["name"] for t in genre["tags"])
    assert call("vocabulary_show", ANONYMOUS, id=genre["id"]) == genre
    assert call("vocabulary_show", ANONYMOUS, id="genre") == genre
    assert call("vocabulary_create", sysadmin, name="empty", tags=[])["tags"] == []
    assert [v["name"] for v in call("vocabulary_list", ANONYMOUS)] == ["empty", "genre"]


def test_create_validation(call, sysadmin, genre):
    with pytest.raises(ValidationError) as error:
        call("vocabulary_create", sysadmin, name="genre")
    assert error.value.errors == {"name": ["That vocabulary name is already in use."]}
    for name, message in ((None, "Missing value"), ("", "Missing value"), ("a", "Name must be at least 2 characters long"),
                          ("foobar" * 100, "Name must be a maximum of 100 characters long")):
        with pytest.raises(ValidationError) as error:
            call("vocabulary_create", sysadmin, name=name)
        assert error.value.errors == {"name": [message]}, name
    with pytest.raises(ValidationError) as error:
        call("vocabulary_create", sysadmin)
    assert error.value.errors == {"name": ["Missing value"]}
    with pytest.raises(ValidationError) as error:
        call("vocabulary_create", sysadmin, name="other", id="xxx")
    assert error.value.errors == {"id": ["The input field id was not expected."]}
    assert [v["name"] for v in call("vocabulary_list", ANONYMOUS)] == ["genre"]


@pytest.mark.parametrize("tags", [
    [{"id": "xxx"}, {"name": "foo"}],
    [{"name": "foo"}, {"name": None}],
    [{"name": "foo"}, {"name": ""}],
    [{"name": "foo"}, {"name": "f"}],
    [{"name": "f" * 200}, {"name": "foo"}],
    [{"name": "Invalid!"}, {"name": "foo"}],
])
def test_bad_tags_are_refused_on_create_and_update(call, sysadmin, genre, tags):
    with pytest.raises(ValidationError) as error:
        call("vocabulary_create", sysadmin, name="other", tags=tags)
    assert list(error.value.errors) == ["tags"]
    with pytest.raises(ValidationError):
        call("vocabulary_update", sysadmin, id=genre["id"], tags=tags)
    assert call("vocabulary_show", ANONYMOUS, id="genre") == genre
    assert call("vocabulary_list", ANONYMOUS) == [genre]


def test_update(call, sysadmin, genre):
    assert call("vocabulary_update", sysadmin, id=genre["id"]) == genre  # no real update
    assert call("vocabulary_update", sysadmin, id=genre["id"], name="genre") == genre
    renamed = call("vocabulary_update", sysadmin, id="genre", name="style")
    assert renamed["name"] == "style" and renamed["id"] == genre["id"]
    grown = call("vocabulary_update", sysadmin, id=genre["id"], tags=[{"name": "jazz"}, {"name": "soul"}])
    assert [t["name"] for t in grown["tags"]] == ["jazz", "soul"]
    assert grown["tags"][0]["id"] == genre["tags"][1]["id"]  # a kept tag keeps its id
    assert call("vocabulary_update", sysadmin, id=genre["id"], tags=[])["tags"] == []
    assert call("vocabulary_update", sysadmin, id=genre["id"], name=None)["name"] == "style"  # ignore_missing
    for name, message in (("", "Name must be at least 2 characters long"), ("a", "Name must be at least 2 characters long"),
                          ("x" * 101, "Name must be a maximum of 100 characters long")):
        with pytest.raises(ValidationError) as error:
            call("vocabulary_update", sysadmin, id=genre["id"], name=name)
        assert error.value.errors == {"name": [message]}, name
    call("vocabulary_create", sysadmin, name="mood")
    with pytest.raises(ValidationError) as error:
        call("vocabulary_update", sysadmin, id=genre["id"], name="mood")
    assert error.value.errors == {"name": ["That vocabulary name is already in use."]}


def test_missing_and_unknown_ids(call, sysadmin, client):
    for name in ("vocabulary_update", "vocabulary_delete", "vocabulary_show"):
        with pytest.raises(NotFound) as error:
            call(name, sysadmin, id="does-not-exist")
        assert error.value.message == 'Could not find vocabulary "does-not-exist"'
        with pytest.raises(ValidationError) as error:
            call(name, sysadmin)
        assert error.value.errors == {"id": "id not in data"}  # CKAN sends a bare string here
    response = client.get("/api/3/action/vocabulary_show?id=nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"__type": "Not Found Error",
                                            "message": 'Not found: Could not find vocabulary "nope"'}


def test_only_sysadmins_write(call, sysadmin, genre, client):
    user = make_user(call, "someone")
    for name, data in (("vocabulary_create", {"name": "mine"}), ("vocabulary_update", {"id": genre["id"], "name": "x2"}),
                       ("vocabulary_delete", {"id": genre["id"]})):
        with pytest.raises(NotAuthorized) as error:
            call(name, user, **data)
        assert error.value.message == ""
        with pytest.raises(NotAuthorized) as error:
            call(name, ANONYMOUS, **data)
        assert error.value.message == f"Action {name} requires an authenticated user"
    for name in ("vocabulary_update", "vocabulary_delete"):  # CKAN looks the vocabulary up before access
        with pytest.raises(NotFound):
            call(name, user, id="does-not-exist")
        with pytest.raises(ValidationError):
            call(name, ANONYMOUS)
    response = client.post("/api/3/action/vocabulary_create", json={"name": "mine"})
    assert response.status_code == 403
    assert response.get_json()["success"] is False
    assert call("vocabulary_list", ANONYMOUS) == [genre]


def test_create_over_http(client, sysadmin_token):
    response = client.post("/api/3/action/vocabulary_create", headers={"Authorization": sysadmin_token},
                           json={"name": "Genre", "tags": [{"name": "jazz"}]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True and body["result"]["name"] == "Genre"
    assert [t["name"] for t in body["result"]["tags"]] == ["jazz"]
    again = client.post("/api/3/action/vocabulary_create", headers={"Authorization": sysadmin_token},
                        json={"name": "Genre"})
    assert again.status_code == 409
    assert again.get_json()["error"] == {"__type": "Validation Error", "name": ["That vocabulary name is already in use."]}
    bad_tag = client.post("/api/3/action/vocabulary_create", headers={"Authorization": sysadmin_token},
                          json={"name": "Mood", "tags": [{"name": "x"}]})
    assert bad_tag.status_code == 409
    assert bad_tag.get_json()["error"] == {"__type": "Validation Error", "tags": ['Tag "x" length is less than minimum 2']}


def test_tags_that_are_not_dicts_are_an_integrity_error(call, sysadmin):
    with pytest.raises(IntegrityError):
        call("vocabulary_create", sysadmin, name="genre", tags=["jazz"])


@pytest.fixture
def album(call, sysadmin, org, genre) -> dict[str, Any]:
    return call("package_create", sysadmin, name="kind-of-blue", owner_org=org["id"],
                tags=[{"name": "jazz", "vocabulary_id": genre["id"]}, {"name": "trumpet"}])


def test_dataset_carries_vocabulary_tags(call, sysadmin, genre, album):
    jazz = next(t for t in genre["tags"] if t["name"] == "jazz")
    shown = call("package_show", ANONYMOUS, id="kind-of-blue")
    assert shown["tags"] == album["tags"]
    assert shown["tags"][0] == {"display_name": "jazz", "id": jazz["id"], "name": "jazz", "state": "active",
                                "vocabulary_id": genre["id"]}
    assert shown["tags"][1]["name"] == "trumpet" and shown["tags"][1]["vocabulary_id"] is None
    assert shown["num_tags"] == 2
    # Not a free tag: tag_list and tag_show without vocabulary_id do not see it.
    assert call("tag_list", ANONYMOUS) == ["trumpet"]
    with pytest.raises(NotFound):
        call("tag_show", ANONYMOUS, id="jazz")
    assert call("tag_show", ANONYMOUS, id=jazz["id"])["vocabulary_id"] == genre["id"]  # CKAN's Tag.get: by id
    assert call("tag_list", ANONYMOUS, vocabulary_id=genre["id"]) == ["blues", "jazz"]  # used or not (CKAN)
    assert call("tag_list", ANONYMOUS, vocabulary_id="genre", query="JA") == ["jazz"]
    assert call("tag_list", ANONYMOUS, vocabulary_id="nope", query="ja") == []  # a search: no 404 (CKAN)
    shown_tag = call("tag_show", ANONYMOUS, id="jazz", vocabulary_id=genre["id"], include_datasets=True)
    assert shown_tag["id"] == jazz["id"] and shown_tag["vocabulary_id"] == genre["id"]
    assert [p["name"] for p in shown_tag["packages"]] == ["kind-of-blue"]
    assert call("tag_show", ANONYMOUS, id=jazz["id"], vocabulary_id="genre")["name"] == "jazz"
    with pytest.raises(NotFound):
        call("tag_show", ANONYMOUS, id="jazz", vocabulary_id="nope")
    assert call("tag_autocomplete", ANONYMOUS, q="j", vocabulary_id="genre") == ["jazz"]
    assert call("tag_autocomplete", ANONYMOUS, vocabulary_id="nope") == []  # CKAN: _tag_search, no 404


def test_a_new_name_joins_the_vocabulary(call, sysadmin, org, genre):
    """CKAN's default schema checks only that the vocabulary exists; table_dict_save creates the tag in it."""
    call("package_create", sysadmin, name="a-love-supreme", owner_org=org["id"],
         tags=[{"name": "free-jazz", "vocabulary_id": genre["id"]}])
    assert [t["name"] for t in call("vocabulary_show", ANONYMOUS, id="genre")["tags"]] == ["blues", "free-jazz", "jazz"]


def test_unknown_vocabulary_is_refused(call, sysadmin, org, genre, client, sysadmin_token):
    with pytest.raises(ValidationError) as error:
        call("package_create", sysadmin, name="bad", owner_org=org["id"],
             tags=[{"name": "ok-tag"}, {"name": "jazz", "vocabulary_id": "genre"}])  # a name is not an id
    assert error.value.errors == {"tags": [{"vocabulary_id": ["Tag vocabulary was not found."]}]}
    response = client.post("/api/3/action/package_create", headers={"Authorization": sysadmin_token},
                           json={"name": "bad", "owner_org": org["id"],
                                 "tags": [{"name": "jazz", "vocabulary_id": "no-such-vocabulary"}]})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "tags": [{"vocabulary_id": ["Tag vocabulary was not found."]}]}
    assert call("package_list", ANONYMOUS) == []


def search(call: Any, **params: Any) -> dict[str, Any]:
    return call("package_search", ANONYMOUS, **params)


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_search_on_vocab_fields_not_tags(call, sysadmin, org, genre, album):
    call("package_create", sysadmin, name="free-tagged", owner_org=org["id"], tags=[{"name": "jazz"}])
    assert [p["name"] for p in search(call, fq="vocab_genre:jazz")["results"]] == ["kind-of-blue"]
    assert [p["name"] for p in search(call, fq="tags:jazz")["results"]] == ["free-tagged"]
    facets = search(call, **{"facet.field": ["tags", "vocab_genre"]})["facets"]
    assert facets == {"tags": {"jazz": 1, "trumpet": 1}, "vocab_genre": {"jazz": 1}}
    assert search(call, q="jazz")["count"] == 2  # the catch-all text holds vocabulary tags (copyField vocab_*)
    assert search(call, fq="vocab_genre:jazz")["results"][0]["tags"] == album["tags"]


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_renaming_or_emptying_a_vocabulary_updates_datasets_and_search(call, sysadmin, genre, album):
    call("vocabulary_update", sysadmin, id=genre["id"], name="style")
    assert search(call, fq="vocab_genre:jazz")["count"] == 0
    assert search(call, fq="vocab_style:jazz")["count"] == 1
    call("vocabulary_update", sysadmin, id=genre["id"], tags=[{"name": "blues"}])
    assert [t["name"] for t in call("package_show", ANONYMOUS, id="kind-of-blue")["tags"]] == ["trumpet"]
    assert search(call, fq="vocab_style:jazz")["count"] == 0
    assert search(call, q="name:kind-of-blue")["results"][0]["num_tags"] == 1


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_delete(call, sysadmin, genre, album):
    call("vocabulary_delete", sysadmin, id=genre["id"])
    assert call("vocabulary_list", ANONYMOUS) == []
    with pytest.raises(NotFound):
        call("vocabulary_show", ANONYMOUS, id="genre")
    # Its tags go with it, from the datasets too (the stored search dict as well as the row).
    assert [t["name"] for t in call("package_show", ANONYMOUS, id="kind-of-blue")["tags"]] == ["trumpet"]
    assert search(call, fq="vocab_genre:jazz")["count"] == 0
    # The name is free again, and the old tags do not come back.
    assert call("vocabulary_create", sysadmin, name="genre")["tags"] == []


@pytest.mark.usefixtures("each_search_backend")  # search behaviour: on Tantivy too
def test_update_keeps_vocabulary_tags(call, sysadmin, genre, album):
    """package_update/patch with the tags package_show gave back keeps the vocabulary tag as it is."""
    shown = call("package_show", ANONYMOUS, id="kind-of-blue")
    call("package_update", sysadmin, **{**shown, "title": "Kind of Blue"})
    after = call("package_show", ANONYMOUS, id="kind-of-blue")
    assert after["tags"] == shown["tags"] and after["title"] == "Kind of Blue"
    assert search(call, fq="vocab_genre:jazz")["count"] == 1


def test_vocabulary_field_keeps_the_name_case(call, sysadmin, org):
    style = call("vocabulary_create", sysadmin, name="Style", tags=[{"name": "Hard Bop"}])
    call("package_create", sysadmin, name="blue-train", owner_org=org["id"],
         tags=[{"name": "Hard Bop", "vocabulary_id": style["id"]}])
    assert search(call, fq='vocab_Style:"Hard Bop"')["count"] == 1
    assert search(call, **{"facet.field": ["vocab_Style"]})["facets"] == {"vocab_Style": {"Hard Bop": 1}}

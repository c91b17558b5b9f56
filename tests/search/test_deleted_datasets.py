"""Deleted datasets: one rule on every surface. Only those who may edit a deleted dataset (its organization's
editors and admins, editor collaborators, sysadmins) see it, as package_show does; include_deleted and
fq=+state:deleted only widen what the caller may see (issue 11, finding 7)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from catalog.errors import NotAuthorized
from tests.conftest import make_user
from tests.search.conftest import names

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")

DELETED = "jeu-retire"


@pytest.fixture
def people(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Actor]:
    actors = {name: make_user(call, name) for name in ("editor", "member", "outsider", "helper")}
    call("organization_member_create", sysadmin, id=org["id"], username="editor", role="editor")
    call("organization_member_create", sysadmin, id=org["id"], username="member", role="member")
    return {"anonymous": ANONYMOUS, "sysadmin": sysadmin, **actors}


@pytest.fixture
def deleted(call: Any, sysadmin: Actor, org: dict[str, Any], people: dict[str, Actor]) -> dict[str, Any]:
    """A public dataset of the organization, in a group, with a tag and a resource, deleted by its editor;
    a read-only collaborator ("helper") was added before the deletion."""
    call("group_create", sysadmin, name="social")
    call("package_create", people["editor"], name="jeu-actif", owner_org=org["id"], title="Allocataires actifs")
    dataset = call("package_create", sysadmin, name=DELETED, owner_org=org["id"],
                   title="Allocataires retirés", tags=[{"name": "retire"}], groups=[{"name": "social"}],
                   resources=[{"url": "http://example.org/retire.csv", "format": "CSV", "name": "retire"}])
    call("package_collaborator_create", sysadmin, id=DELETED, user_id="helper", capacity="member")
    call("package_delete", people["editor"], id=DELETED)
    return dataset


NOT_EDITORS = ("anonymous", "outsider", "member", "helper")
EDITORS = ("editor", "sysadmin")
WIDENINGS = [
    {"include_deleted": True},
    {"include_deleted": True, "include_private": True, "include_drafts": True},
    {"fq": "+state:deleted"},
    {"fq": "+state:deleted", "include_private": True},
    {"fq": "state:deleted", "include_deleted": True},
    {"q": "name:jeu-retire", "include_deleted": True},
]


@pytest.mark.parametrize("who", NOT_EDITORS)
def test_package_search_never_shows_a_deleted_dataset_to_those_who_cannot_edit_it(call, deleted, people, who):
    for params in WIDENINGS:  # one catalog for all of them (filling it costs far more than the searches)
        found = call("package_search", people[who], rows=100, **{"facet.field": ["tags", "groups", "res_format"]},
                     **params)
        assert DELETED not in names(found), params
        assert "retire" not in found["facets"]["tags"], params
        assert "social" not in found["facets"]["groups"], params
    with pytest.raises(NotAuthorized):
        call("package_show", people[who], id=DELETED)


@pytest.mark.parametrize("who", EDITORS)
def test_those_who_may_edit_a_deleted_dataset_find_it_when_they_ask(call, deleted, people, who):
    actor = people[who]
    assert DELETED not in names(call("package_search", actor, rows=100))
    assert DELETED in names(call("package_search", actor, rows=100, include_deleted=True))
    assert names(call("package_search", actor, fq="+state:deleted")) == {DELETED}
    facets = call("package_search", actor, include_deleted=True, **{"facet.field": ["tags"]})["facets"]
    assert facets["tags"] == {"retire": 1}
    assert call("package_show", actor, id=DELETED)["state"] == "deleted"


def test_an_editor_collaborator_sees_the_deleted_dataset_a_member_collaborator_does_not(call, sysadmin, deleted,
                                                                                        people):
    helper = people["helper"]
    assert DELETED not in names(call("package_search", helper, include_deleted=True, include_private=True))
    call("package_collaborator_create", sysadmin, id=DELETED, user_id="helper", capacity="editor")
    assert DELETED in names(call("package_search", helper, include_deleted=True, include_private=True))
    assert call("package_show", helper, id=DELETED)["state"] == "deleted"


@pytest.mark.parametrize("who", NOT_EDITORS)
def test_no_other_surface_shows_a_deleted_dataset(call, org, deleted, people, who):
    actor = people[who]
    assert DELETED not in call("package_list", actor)
    assert DELETED not in {d["name"] for d in call("current_package_list_with_resources", actor, limit=100)}
    assert call("package_autocomplete", actor, q="retire") == []
    assert call("resource_search", actor, query="name:retire")["count"] == 0
    assert "retire" not in call("tag_list", actor)
    for action, ref in (("organization_show", org["id"]), ("group_show", "social")):
        shown = call(action, actor, id=ref, include_datasets=True)
        assert DELETED not in {d["name"] for d in shown["packages"]}
        assert shown["package_count"] == (1 if action == "organization_show" else 0)

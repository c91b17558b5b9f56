"""A harvest source with `review: true` (issue 16) holds its writes for editorial review: new datasets are drafts
submitted for review, a changed remote dataset is a pending edit while the public version stays; `review: false`
(the default) publishes directly, even into an organization that requires review (a sysadmin validated the source).
Harvested from a fixture CKAN on 127.0.0.1, two records, so that without review they would take the bulk path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog.context import ANONYMOUS, SYSTEM
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.harvest.remote import FakeCkan, ckan_package

NAMES = ("remote-dataset-1", "remote-dataset-2")


@pytest.fixture
def two_remote(fake_ckan: FakeCkan) -> FakeCkan:
    for number in (1, 2):
        fake_ckan.put(ckan_package(number))
    return fake_ckan


def anonymous_sees(call: Any, name: str) -> dict[str, Any] | None:
    try:
        return call("package_show", ANONYMOUS, id=name)
    except (NotFound, NotAuthorized):
        return None


def test_review_source_holds_new_datasets_then_edits(two_remote: FakeCkan, make_source: Any, run: Any,
                                                     call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    assert not call("organization_show", SYSTEM, id=org["id"])["review_required"]  # the source alone asks
    source = make_source(two_remote.url, review=True)
    assert json.loads(source["config"])["review"] is True
    first = run(source)
    assert (first["status"], first["stats"]["added"], first["stats"]["errored"]) == ("finished", 2, 0)
    for name in NAMES:
        draft = call("package_show", sysadmin, id=name)
        assert draft["state"] == "draft"
        assert (draft["review"]["kind"], draft["review"]["status"]) == ("new", "pending")
        assert anonymous_sees(call, name) is None
    assert call("package_search", ANONYMOUS, q="remote")["count"] == 0
    queue = call("review_list", sysadmin, organization=org["name"])
    assert queue["count"] == 2
    assert {(r["package_name"], r["kind"], r["status"], r["author_id"]) for r in queue["results"]} == {
        (name, "new", "pending", None) for name in NAMES}

    call("review_approve", sysadmin, id=NAMES[0], comment="Source checked")
    public = anonymous_sees(call, NAMES[0])
    assert public is not None and public["state"] == "active" and public["title"] == "Remote dataset 1"

    two_remote.put(ckan_package(1, title="Renamed upstream", modified="2026-02-01T00:00:00.000000"))
    second = run(source, force_all=True)
    assert (second["stats"]["updated"], second["stats"]["unchanged"], second["stats"]["errored"]) == (1, 1, 0)
    assert anonymous_sees(call, NAMES[0])["title"] == "Remote dataset 1"
    assert call("package_search", ANONYMOUS, q="title:renamed")["count"] == 0
    edit = call("review_show", sysadmin, id=NAMES[0])
    assert (edit["kind"], edit["status"], edit["author"]) == ("edit", "pending", None)
    assert edit["pending"]["title"] == "Renamed upstream" and edit["published"]["title"] == "Remote dataset 1"
    assert {(f["field"], f["published"], f["pending"]) for f in edit["diff"]["fields"]} >= {
        ("title", "Remote dataset 1", "Renamed upstream")}
    # The unapproved draft stays a draft under its one round.
    assert call("package_show", sysadmin, id=NAMES[1])["state"] == "draft"
    assert call("review_list", sysadmin, organization=org["name"])["count"] == 2


def test_source_without_review_publishes_directly(two_remote: FakeCkan, make_source: Any, run: Any, call: Any,
                                                  sysadmin: Any, org: dict[str, Any]) -> None:
    call("organization_patch", sysadmin, id=org["id"], review_required=True)
    source = make_source(two_remote.url)
    assert run(source)["stats"]["added"] == 2
    for name in NAMES:
        public = anonymous_sees(call, name)
        assert public is not None and public["state"] == "active"
        assert "review" not in call("package_show", sysadmin, id=name)
    assert call("review_list", sysadmin, status="open")["count"] == 0
    with pytest.raises(ValidationError) as refused:
        call("harvest_source_update", sysadmin, id=source["id"], config={"review": "yes"})
    assert "config" in refused.value.errors

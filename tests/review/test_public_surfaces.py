"""An editor's edit of a published dataset is held in a pending revision: until a reviewer approves it, every
public surface (package_show, search, DCAT, DataStore, the download URL, the activity stream) keeps serving the
published version, while the author and reviewers see the pending one; approval publishes it everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catalog.datastore.jobs import wait_for_in_process_loads
from catalog.errors import NotAuthorized
from catalog.registry import unit
from tests.conftest import Caller
from tests.review.conftest import CSV_2023, CSV_2024, Api, Team, published_dataset


@pytest.fixture(autouse=True)
def _drop_datastore_tables(services: Any) -> Iterator[None]:
    """DataStore tables live outside the catalog's tables, which are the only ones emptied between tests."""
    yield
    wait_for_in_process_loads()
    backend = services.datastore.backend
    for name in backend.table_names():
        backend.drop_table(name)


def _path(url: str) -> str:
    return url.removeprefix("http://test.moisson.local")


def _rows(api: Api, resource_id: str) -> list[tuple[str, int]]:
    """The DataStore rows an anonymous visitor gets (the loads this process started are finished first)."""
    wait_for_in_process_loads()
    records = api("datastore_search", "anonymous", resource_id=resource_id)["records"]
    return [(r["commune"], r["allocataires"]) for r in records]


def _pending_file(services: Any, team: Team, who: str, package_id: str, resource_id: str) -> Any:
    """catalog/review/files.pending_file as the review page calls it, for `who`."""
    from catalog.dataset.queries import get_package
    from catalog.review.files import pending_file

    with unit(services, team[who], write=False) as ctx:
        return pending_file(ctx, get_package(ctx.session, package_id), resource_id)


def test_edit_of_published_dataset_stays_private_until_approved(api: Api, call: Caller, team: Team,
                                                                  services: Any) -> None:
    published = published_dataset(call, team)
    name = published["name"]
    resource = api.upload("resource_create", "reviewer", CSV_2023, "allocataires-2023.csv", package_id=name,
                          name="Allocataires", format="CSV")
    rid = resource["id"]
    old_notice = api("resource_create", "reviewer", package_id=name, name="Ancienne notice",
                     url="https://example.org/notice-2023.pdf")
    assert _rows(api, rid) == [("Ajaccio", 5400), ("Bastia", 3100)]
    before = api("package_show", "anonymous", id=name)
    dcat_before = api.get(f"/dataset/{name}.ttl").get_data(as_text=True)
    activities_before = api("package_activity_list", "anonymous", id=name)

    # The author's edit: metadata, a replaced file, a new resource; each write is held.
    patched = api("package_patch", "author", id=name, title="Allocataires 2024", notes="Millésime 2024")
    assert patched["review"]["held"] is True and patched["review"]["kind"] == "edit"
    revision_id = patched["review"]["revision_id"]
    replaced = api.upload("resource_update", "author", CSV_2024, "allocataires-2024.csv", id=rid,
                          name="Allocataires", format="CSV")
    assert replaced["review"]["revision_id"] == revision_id
    added = api("resource_create", "author", package_id=name, name="Notice", url="https://example.org/notice.pdf")
    assert added["review"]["revision_id"] == revision_id
    api("resource_delete", "author", id=old_notice["id"])

    def assert_public_version_unchanged() -> None:
        shown = api("package_show", "anonymous", id=name)
        assert shown == before
        assert "review" not in shown
        [hit] = api("package_search", "anonymous", q=f"name:{name}")["results"]
        assert hit["title"] == "Allocataires 2023"
        assert [r["name"] for r in hit["resources"]] == ["Allocataires", "Ancienne notice"]
        assert api("package_search", "anonymous", q="title:2024")["count"] == 0
        dcat = api.get(f"/dataset/{name}.ttl")
        assert dcat.status_code == 200 and dcat.get_data(as_text=True) == dcat_before
        assert "Allocataires 2024" not in api.get("/catalog.ttl").get_data(as_text=True)
        download = api.get(_path(before["resources"][0]["url"]))
        assert download.status_code == 200 and download.data == CSV_2023
        assert _rows(api, rid) == [("Ajaccio", 5400), ("Bastia", 3100)]
        assert api("package_activity_list", "anonymous", id=name) == activities_before

    assert_public_version_unchanged()
    # Other editors and members see the published version too, without the review (they may not review_show).
    for who in ("other_editor", "member"):
        shown = api("package_show", who, id=name)
        assert shown["title"] == "Allocataires 2023" and "review" not in shown, who

    # The reviewer sees the pending version, the diff and the new file.
    shown = api("review_show", "reviewer", id=name)
    assert shown["status"] == "draft" and shown["kind"] == "edit" and shown["revision_id"] == revision_id
    assert shown["published"]["title"] == "Allocataires 2023" and shown["pending"]["title"] == "Allocataires 2024"
    assert {"field": "title", "published": "Allocataires 2023", "pending": "Allocataires 2024"} \
        in shown["diff"]["fields"]
    changes = {r["name"]: r for r in shown["diff"]["resources"]}
    assert changes["Notice"]["change"] == "added" and changes["Ancienne notice"]["change"] == "removed"
    assert changes["Allocataires"]["change"] == "changed" and changes["Allocataires"]["file_changed"] is True
    assert shown["files"] == {rid: True}
    pending = _pending_file(services, team, "reviewer", published["id"], rid)
    assert pending is not None and pending.read_bytes() == CSV_2024
    with pytest.raises(NotAuthorized):
        _pending_file(services, team, "other_editor", published["id"], rid)
    assert services.storage.files.path(rid).read_bytes() == CSV_2023
    assert api("package_show", "author", id=name)["review"]["status"] == "draft"

    api("review_submit", "author", id=name, comment="Millésime 2024")
    assert_public_version_unchanged()  # submitted, still not public
    decided = api("review_approve", "reviewer", id=name, comment="Chiffres vérifiés")
    assert decided["package"]["title"] == "Allocataires 2024"

    # Published everywhere.
    after = api("package_show", "anonymous", id=name)
    assert (after["title"], after["notes"]) == ("Allocataires 2024", "Millésime 2024")
    assert [r["name"] for r in after["resources"]] == ["Allocataires", "Notice"]
    assert "review" not in after
    [hit] = api("package_search", "anonymous", q=f"name:{name}")["results"]
    assert hit["title"] == "Allocataires 2024" and [r["name"] for r in hit["resources"]] == ["Allocataires", "Notice"]
    assert "Allocataires 2024" in api.get(f"/dataset/{name}.ttl").get_data(as_text=True)
    assert "Allocataires 2024" in api.get("/catalog.ttl").get_data(as_text=True)
    [public_file] = [r for r in after["resources"] if r["id"] == rid]
    download = api.get(_path(public_file["url"]))
    assert download.status_code == 200 and download.data == CSV_2024
    assert _rows(api, rid) == [("Ajaccio", 5600), ("Bastia", 3150), ("Corte", 700)]
    stream = api("package_activity_list", "anonymous", id=name)
    [changed] = [a for a in stream if a["activity_type"] == "changed package"
                 and a["data"]["package"]["title"] == "Allocataires 2024"]
    assert changed["data"]["review"] == {
        "author": "author", "author_id": team["author"].user_id,
        "reviewer": "reviewer", "reviewer_id": team["reviewer"].user_id,
        "comment": "Chiffres vérifiés", "revision_id": revision_id,
    }
    # The pending copy of the file is gone once it is the public one.
    assert _pending_file(services, team, "reviewer", published["id"], rid) is None


def test_search_serves_the_published_version_until_approval(api: Api, call: Caller, team: Team,
                                                            each_search_backend: str) -> None:
    """package_search on the database's own search and on Tantivy fed by its indexer."""
    name = published_dataset(call, team)["name"]
    api("package_patch", "author", id=name, title="Prestations familiales", tags=[{"name": "caf"}])
    for who in ("anonymous", "author", "reviewer"):
        [hit] = api("package_search", who, q=f"name:{name}")["results"]
        assert hit["title"] == "Allocataires 2023" and hit["tags"] == [], who
        assert api("package_search", who, q="prestations")["count"] == 0, who
        assert api("package_search", who, fq="tags:caf")["count"] == 0, who
    api("review_submit", "author", id=name)
    api("review_approve", "admin", id=name)
    [hit] = api("package_search", "anonymous", q="prestations")["results"]
    assert hit["name"] == name and [t["name"] for t in hit["tags"]] == ["caf"]
    assert api("package_search", "anonymous", fq="tags:caf")["count"] == 1

"""While the Tantivy index lags behind the database (an indexer stalled, or slow), nothing the caller may no
longer see shows through a search: not in the page, the count or the facets."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.search import indexer as indexer_module

pytestmark = pytest.mark.usefixtures("each_search_backend")


def stall_the_indexer(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexer_module.Indexer, "drain", lambda self, save=True: 0)
    # Writes would wait for the stalled indexer until their bound: not this test's subject.
    monkeypatch.setattr(services.search, "settings", replace(services.settings, search_visible_timeout_seconds=0),
                        raising=False)


@pytest.mark.parametrize("change", [{"private": True}, {"state": "deleted"}, "purge"])
def test_a_dataset_hidden_while_the_index_lags_is_in_no_count_or_facet(
        services: Any, call: Any, sysadmin: Any, org: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        change: Any) -> None:
    call("package_create", sysadmin, name="secret", title="Fusion", owner_org=org["id"],
         tags=[{"name": "projet-fusion-x"}])
    call("package_create", sysadmin, name="public", title="Fusion", owner_org=org["id"], tags=[{"name": "autre"}])
    stall_the_indexer(services, monkeypatch)
    if change == "purge":
        call("dataset_purge", sysadmin, id="secret")
    elif change == {"state": "deleted"}:
        call("package_delete", sysadmin, id="secret")
    else:
        call("package_patch", sysadmin, id="secret", **change)
    found = call("package_search", ANONYMOUS, q="fusion", **{"facet.field": '["tags"]'})
    assert [r["name"] for r in found["results"]] == ["public"]
    assert found["count"] == 1
    assert found["facets"]["tags"] == {"autre": 1}


def test_a_dataset_changed_but_still_visible_keeps_its_indexed_version_meanwhile(
        services: Any, call: Any, sysadmin: Any, org: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    call("package_create", sysadmin, name="jeu", title="Fusion", owner_org=org["id"])
    stall_the_indexer(services, monkeypatch)
    call("package_patch", sysadmin, id="jeu", notes="Une description")
    assert call("package_search", ANONYMOUS, q="fusion")["count"] == 1

"""The search outbox is part of the write's transaction (catalog/search/outbox.py): a write that fails leaves no
row and the index as it was, a committed write leaves one row per dataset it changed, and status_show says how far
the index is behind. Run on both search backends: the database's search has no outbox, and must show the same
searches."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.context import Actor
from catalog.errors import ValidationError
from catalog.registry import dispatch, unit
from catalog.search.outbox import search_outbox
from tests.conftest import wait_until_searchable
from tests.search.conftest import names

pytestmark = pytest.mark.usefixtures("each_search_backend")

OB = search_outbox.c


class Rollback(Exception):
    """Raised inside a unit of work to make it roll back after its writes."""


def last_seq(services: Any) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.scalar(select(func.coalesce(func.max(OB.seq), 0))) or 0)


def rows_since(session: Session, seq: int) -> Counter[str]:
    """The outbox rows written after `seq`, counted by dataset (the indexer may prune rows it has indexed, but
    only once they are committed: counted inside the writing transaction they are all there)."""
    return Counter(session.execute(select(OB.package_id).where(OB.seq > seq)).scalars().all())


def committed_rows_since(services: Any, seq: int) -> int:
    with services.db.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(search_outbox).where(OB.seq > seq)) or 0)


def uses_outbox(services: Any) -> bool:
    return services.settings.search_backend == "tantivy"


@pytest.fixture
def existing(call: Any, sysadmin: Actor, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="allocataires", title="Allocataires des CAF", owner_org=org["id"])


def test_a_unit_that_fails_after_valid_creations_leaves_no_row_and_the_index_as_it_was(services, sysadmin, org,
                                                                                       existing, call):
    before = last_seq(services)
    with pytest.raises(ValidationError), unit(services, sysadmin, write=True) as ctx:
        for name in ("naissances-2023", "naissances-2024"):
            dispatch(ctx, "package_create", {"name": name, "title": "Naissances", "owner_org": org["id"]})
        dispatch(ctx, "package_patch", {"id": existing["id"], "title": "Naissances par commune"})
        written = rows_since(ctx.session, before)
        # The two creations and the patch did write their rows in this transaction (so the test can fail) ...
        assert sum(written.values()) == (3 if uses_outbox(services) else 0), written
        # A name this very unit took: the third creation fails validation.
        dispatch(ctx, "package_create", {"name": "naissances-2023", "owner_org": org["id"]})
    # ... and the failed third creation took them all back.
    assert committed_rows_since(services, before) == 0
    wait_until_searchable(services)
    assert call("package_search", q="naissances", include_private=True)["count"] == 0
    assert names(call("package_search", q="allocataires")) == {"allocataires"}


def test_a_unit_that_raises_after_indexing_leaves_no_row(services, sysadmin, existing, call):
    before = last_seq(services)
    with pytest.raises(Rollback), unit(services, sysadmin, write=True) as ctx:
        dispatch(ctx, "package_patch", {"id": existing["id"], "title": "Prestations familiales"})
        assert sum(rows_since(ctx.session, before).values()) == (1 if uses_outbox(services) else 0)
        raise Rollback
    assert committed_rows_since(services, before) == 0
    wait_until_searchable(services)
    assert call("package_search", q="prestations")["count"] == 0
    assert names(call("package_search", q="allocataires")) == {"allocataires"}


def test_a_failed_action_call_leaves_no_row(services, sysadmin, org, existing, call):
    before = last_seq(services)
    with pytest.raises(ValidationError):
        call("package_create", sysadmin, name="allocataires", title="Doublon introuvable", owner_org=org["id"])
    assert committed_rows_since(services, before) == 0
    wait_until_searchable(services)
    assert call("package_search", q="introuvable")["count"] == 0


@pytest.mark.parametrize(("action", "changed"), [
    ("package_create", 1), ("package_patch", 1), ("package_delete", 1), ("organization_patch", 2),
])
def test_one_row_per_changed_dataset_per_write(services, sysadmin, org, existing, call, action, changed):
    other = call("package_create", sysadmin, name="aides-logement", title="Aides au logement", owner_org=org["id"])
    data = {
        "package_create": {"name": "naissances", "title": "Naissances", "owner_org": org["id"]},
        "package_patch": {"id": existing["id"], "title": "Allocataires par commune"},
        "package_delete": {"id": existing["id"]},
        "organization_patch": {"id": org["id"], "title": "Caisse nationale renommée"},  # both its datasets
    }[action]
    before = last_seq(services)
    with unit(services, sysadmin, write=True) as ctx:
        dispatch(ctx, action, data)
        written = rows_since(ctx.session, before)
    if not uses_outbox(services):
        assert written == Counter()
        return
    assert len(written) == changed and set(written.values()) == {1}, written
    assert existing["id"] in written or action == "package_create"
    if action == "organization_patch":
        assert set(written) == {existing["id"], other["id"]}


def test_status_show_reports_the_index_caught_up(services, sysadmin, existing, call):
    call("package_patch", sysadmin, id=existing["id"], title="Allocataires par commune")
    wait_until_searchable(services)
    search = call("status_show")["search"]
    expected = "tantivy" if uses_outbox(services) else services.search.name
    assert search["backend"] == expected and search["ready"] is True and search["pending"] == 0, search
    if not uses_outbox(services):
        assert expected == {"sqlite": "sqlite-fts5", "postgresql": "postgresql-tsvector"}[services.db.engine.dialect.name]

"""The index follows dataset writes in the same transaction, and `search-index rebuild` restores it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from catalog.errors import ValidationError
from catalog.search.cli import rebuild
from tests.search.conftest import names


@pytest.mark.usefixtures("each_search_backend")
def test_updates_deletes_and_purges_are_searchable_at_once(call, sysadmin, catalog):
    call("package_patch", sysadmin, id="naissances", title="Births in France", notes="Civil registry")
    assert names(call("package_search", q="births")) == {"naissances"}
    assert names(call("package_search", q="title:naissances")) == set()
    call("package_patch", sysadmin, id="naissances", tags=[{"name": "births"}])
    assert names(call("package_search", q="tags:births")) == {"naissances"}
    assert call("package_search", q="tags:démographie")["count"] == 0
    call("package_delete", sysadmin, id="naissances")
    assert call("package_search", q="births")["count"] == 0
    call("dataset_purge", sysadmin, id="naissances")
    assert call("package_search", q="births", include_deleted=True)["count"] == 0


@pytest.mark.usefixtures("each_search_backend")
def test_a_failed_write_leaves_the_index_untouched(call, sysadmin, catalog):
    try:
        call("package_create", sysadmin, name="aides-logement", title="Doublon introuvable")
    except ValidationError:
        pass
    assert call("package_search", q="introuvable")["count"] == 0


def test_rebuild_restores_a_cleared_index(call, services, catalog):
    before = call("package_search", rows=100, include_private=True, **{"facet.field": ["tags"]})
    with services.db.unit_of_work(write=True) as session:
        services.search.clear(session)
    assert call("package_search")["count"] == 0
    assert rebuild(services, progress=False) == 5
    after = call("package_search", rows=100, include_private=True, **{"facet.field": ["tags"]})
    assert after["count"] == before["count"] and after["facets"] == before["facets"]
    assert names(call("package_search", q="allocataire")) == {"allocataires-caf"}
    if services.db.is_sqlite:
        with services.db.engine.connect() as conn:  # no orphan full-text rows after clear + refill
            assert conn.execute(text("SELECT count(*) FROM search_fts")).scalar() == 5


def test_rebuild_command(services, catalog, monkeypatch):
    from catalog import cli
    from catalog.search import cli as search_cli

    monkeypatch.setattr(search_cli, "cli_services", lambda: services)
    result = CliRunner().invoke(cli.main, ["search-index", "rebuild", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Indexed 5 datasets." in result.output


def test_postgresql_index_keeps_rank_data_inline_and_sort_indexes_covering(services, catalog):
    # Not behaviour but cost: ranking reads every match's tsvector (out of line it is a TOAST lookup each),
    # and paging must be index-only, so the sort indexes carry doc_id. Migration 0005; the bench shows why.
    if services.db.is_sqlite:
        return  # SQLite indexes carry the rowid (doc_id) already
    with services.db.engine.connect() as conn:
        storage = conn.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'search_package'::regclass "
                                    "AND attname = 'tsv'")).scalar()
        definitions = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                             "WHERE tablename = 'search_package'")).all())
    assert storage == "m"
    for name in ("modified", "created", "title_string", "name", "id"):
        assert definitions[f"ix_search_package_{name}"].endswith("INCLUDE (doc_id)")
    assert "ix_search_package_visible" in definitions


def test_postgresql_searches_are_planned_per_call_and_leave_the_connection_as_it_was(services, catalog, monkeypatch):
    """Read units run in autocommit on PostgreSQL: the search sets plan_cache_mode for itself, then resets it."""
    if services.db.is_sqlite:
        return  # no plan cache setting on SQLite
    from catalog.context import ANONYMOUS
    from catalog.registry import dispatch, unit
    from catalog.search.sql import SqlSearch

    seen = []
    shared_search = SqlSearch.search  # what the PostgreSQL backend wraps

    def spy(self, session, request):
        seen.append(session.execute(text("SHOW plan_cache_mode")).scalar())
        return shared_search(self, session, request)

    monkeypatch.setattr(SqlSearch, "search", spy)
    with unit(services, ANONYMOUS, write=False) as ctx:
        session = ctx.session
        assert dispatch(ctx, "package_search", {"q": "naissances"})["count"] >= 1
        after = session.execute(text("SHOW plan_cache_mode")).scalar()
    assert seen == ["force_custom_plan"] and after == "auto"

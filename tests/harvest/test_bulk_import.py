"""New records are created a group at a time (harvest/importer.py NewRecords, catalog/dataset/bulk.py): the
datasets, activities and search entries must be those package_create writes, names must be given in record
order, and a record that fails (validation, a database refusal) must not keep the others from importing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text

from catalog.activity.models import Activity
from catalog.context import SYSTEM
from tests.harvest.remote import FakeCkan, ckan_package

VOLATILE = {"id", "name", "metadata_created", "metadata_modified", "package_id", "created"}


def comparable(value: Any) -> Any:
    """A dataset dict without its ids, names and timestamps (two creations of the same input)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def test_group_created_datasets_are_what_package_create_writes(
    fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any, sysadmin: Any, services: Any
) -> None:
    for number in range(5):
        fake_ckan.put(ckan_package(number))
    job = run(make_source(fake_ckan.url))
    assert job["stats"]["added"] == 5
    harvested = call("package_show", SYSTEM, id="remote-dataset-3")
    # The same input through package_create, one dataset, as the one-by-one path does.
    again = {k: harvested[k] for k in ("title", "notes", "license_id", "owner_org")}
    again |= {"name": "twin", "extras": harvested["extras"], "tags": [{"name": t["name"]} for t in harvested["tags"]],
              "resources": [{k: r[k] for k in ("url", "name", "description", "format")}
                            for r in harvested["resources"]]}
    twin = call("package_create", SYSTEM, **again)
    assert comparable(harvested) == comparable(twin)
    assert harvested["tags"][0]["id"] == twin["tags"][0]["id"]  # one tag row, shared
    with services.db.unit_of_work(write=False) as session:
        activity = session.scalar(select(Activity).where(Activity.object_id == harvested["id"]))
    assert activity.activity_type == "new package" and activity.data["package"] == harvested
    found = call("package_search", SYSTEM, q="dataset 3", fq="tags:economy")
    assert "remote-dataset-3" in [p["name"] for p in found["results"]]
    assert call("package_search", SYSTEM, fq="res_format:CSV")["count"] == 6
    # The stored dict served by package_show is the one the search index holds.
    [stored] = call("package_search", SYSTEM, fq=f"id:{harvested['id']}")["results"]
    assert stored == harvested


def test_names_are_given_in_record_order_around_records_imported_one_by_one(
    fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any, sysadmin: Any, org: dict[str, Any]
) -> None:
    call("package_create", sysadmin, name="remote-dataset-1", title="Mine", owner_org=org["id"])
    held = call("package_create", sysadmin, name="remote-dataset-2", owner_org=org["id"])
    call("package_delete", sysadmin, id=held["id"])  # a deleted dataset's name is reused, as package_create does
    for number in range(6):
        fake_ckan.put(ckan_package(number))
    # Same name as record 3, later in id order: it gets the suffix, record 3 the plain name.
    fake_ckan.put(ckan_package(7, name="remote-dataset-3"))
    fake_ckan.put(ckan_package(8, extras=[{"key": "title", "value": "shadows a core field"}]))
    job = run(make_source(fake_ckan.url))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (7, 1)
    names = set(call("package_list", SYSTEM))
    assert {"remote-dataset-0", "remote-dataset-2", "remote-dataset-3", "remote-dataset-4"} <= names
    assert call("package_show", SYSTEM, id="remote-dataset-1")["title"] == "Mine"
    assert call("package_show", SYSTEM, id="remote-dataset-3")["title"] == "Remote dataset 3"
    suffixed = sorted(n for n in names if n.startswith(("remote-dataset-1-", "remote-dataset-3-")))
    assert len(suffixed) == 2
    assert call("package_show", SYSTEM, id=held["id"])["name"] == held["id"]  # renamed out of the way


@contextmanager
def refusing_name(services: Any, name: str) -> Iterator[None]:
    """A database that refuses one dataset name on insert, as a unique index hit by another writer would."""
    with services.db.unit_of_work(write=True) as session:
        if services.db.is_sqlite:
            session.execute(text(
                "CREATE TRIGGER refuse_name BEFORE INSERT ON package "
                f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'name refused'); END"
            ))
        else:
            session.execute(text(
                "CREATE FUNCTION refuse_name() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.name = '{name}' THEN RAISE EXCEPTION 'name refused' USING ERRCODE = 'unique_violation'; "
                "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ))
            session.execute(text(
                "CREATE TRIGGER refuse_name BEFORE INSERT ON package FOR EACH ROW EXECUTE FUNCTION refuse_name()"
            ))
    try:
        yield
    finally:
        with services.db.unit_of_work(write=True) as session:
            session.execute(text("DROP TRIGGER refuse_name" + ("" if services.db.is_sqlite else " ON package")))
            if not services.db.is_sqlite:
                session.execute(text("DROP FUNCTION refuse_name()"))


def test_a_record_the_database_refuses_fails_alone(
    fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any, services: Any
) -> None:
    for number in range(10):
        fake_ckan.put(ckan_package(number))
    with refusing_name(services, "remote-dataset-4"):
        job = run(make_source(fake_ckan.url))
    assert job["status"] == "finished"
    assert (job["stats"]["added"], job["stats"]["errored"]) == (9, 1)
    [error] = call("harvest_job_show", SYSTEM, id=job["id"])["object_errors"]
    assert error["guid"] == ckan_package(4)["id"]
    assert "conflicts with another one" in error["errors"][0]
    assert len(call("package_list", SYSTEM)) == 9


def test_import_queries_are_planned_for_each_page_on_postgresql(
    fake_ckan: FakeCkan, make_source: Any, run: Any, services: Any
) -> None:
    """A first harvest grows its tables from empty: a generic plan kept from the first pages (psycopg
    prepares a statement on its 5th run) would scan them whole for every later page."""
    if services.db.is_sqlite:
        pytest.skip("SQLite plans every statement anew")
    for number in range(14):
        fake_ckan.put(ckan_package(number))
    modes: list[str] = []

    def record_mode(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT package.name, package.state"):  # the name check of each page
            modes.append(conn.connection.dbapi_connection.execute("SHOW plan_cache_mode").fetchone()[0])

    event.listen(services.db.engine, "after_cursor_execute", record_mode)
    try:
        job = run(make_source(fake_ckan.url, rows=2))
    finally:
        event.remove(services.db.engine, "after_cursor_execute", record_mode)
    assert job["stats"]["added"] == 14
    assert len(modes) >= 6 and set(modes) == {"force_custom_plan"}
    with services.db.engine.connect() as conn:  # SET LOCAL: the pool's connections are left as they were
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "auto"


@pytest.mark.parametrize("threshold", [6, 7])
def test_a_job_that_changed_many_datasets_refreshes_the_planner_statistics(
    fake_ckan: FakeCkan, make_source: Any, run: Any, services: Any, monkeypatch: Any, threshold: int
) -> None:
    """Right after a first harvest the statistics describe nearly empty tables; the next run's lookups then
    scanned every object of the source for each page. A job that changed many datasets ANALYZEs them."""
    if services.db.is_sqlite:
        pytest.skip("SQLite's planner keeps no statistics unless asked")
    monkeypatch.setattr("harvest.runner.ANALYZE_AFTER_CHANGES", threshold)
    for number in range(6):
        fake_ckan.put(ckan_package(number))

    def last_analysed() -> dict[str, Any]:
        with services.db.engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT relname, last_analyze FROM pg_stat_user_tables "
                "WHERE relname IN ('harvest_object', 'package')")).all())

    before = last_analysed()
    assert run(make_source(fake_ckan.url))["stats"]["added"] == 6
    after = last_analysed()
    refreshed = {name for name, when in after.items() if when is not None and when != before.get(name)}
    assert refreshed == ({"harvest_object", "package"} if threshold <= 6 else set())

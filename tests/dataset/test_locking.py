"""catalog/dataset/locking.py: a read-modify-write starts from the dataset as it is once the row is locked,
not from a copy loaded earlier in the same session (as auth functions do) — PostgreSQL, where another
transaction can commit between the two reads (SQLite writes hold the database lock from their first statement)."""

from __future__ import annotations

import pytest

from catalog.dataset.locking import lock_package, package_dict_for_update
from catalog.dataset.queries import get_package, get_resource
from catalog.registry import unit


@pytest.fixture(autouse=True)
def _postgresql_only(services):
    if services.db.is_sqlite:
        pytest.skip("SQLite serializes writes from their first statement (BEGIN IMMEDIATE)")


def test_the_locked_read_sees_what_committed_after_an_earlier_read(services, call, sysadmin, org):
    created = call("package_create", sysadmin, name="ds", owner_org=org["id"], title="old",
                   resources=[{"url": "http://example.org/a.csv", "name": "a"}])
    resource_id = created["resources"][0]["id"]
    with unit(services, sysadmin, write=True) as ctx:
        session = ctx.session
        # What an auth function loads before the action body takes the lock, still held in the session
        # (the identity map keeps objects while anything refers to them).
        loaded_earlier = get_package(session, "ds"), get_resource(session, resource_id)
        assert (loaded_earlier[0].title, loaded_earlier[1].name) == ("old", "a")
        # Another client's write commits in between.
        call("package_patch", sysadmin, id="ds", title="new", resources=[
            {"id": resource_id, "url": "http://example.org/a.csv", "name": "renamed"},
            {"url": "http://example.org/b.csv", "name": "b"}])
        current = package_dict_for_update(ctx, "ds")
    assert current["title"] == "new"
    assert [r["name"] for r in current["resources"]] == ["renamed", "b"]


def test_the_clock_of_a_locked_write_is_read_under_the_lock(services, sysadmin, call, org):
    call("package_create", sysadmin, name="ds", owner_org=org["id"])
    with unit(services, sysadmin, write=True) as ctx:
        began = ctx.now
        call("package_patch", sysadmin, id="ds", title="committed while this call waited")
        locked_ctx, package = lock_package(ctx, "ds")
    assert locked_ctx.now > package.metadata_modified > began
    assert locked_ctx.after_commit_callbacks is ctx.after_commit_callbacks

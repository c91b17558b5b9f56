"""The DataStore's write-back to the catalog (datastore_active, after a load, datastore_create or _delete)
takes the dataset's lock and re-reads the resource under it, so a resource_patch committed since the resource
was loaded survives, and so does the flag — PostgreSQL, where another transaction can commit between the two
reads (SQLite writes hold the database lock from their first statement)."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS, SYSTEM
from catalog.dataset.queries import get_resource
from catalog.datastore.jobs import set_datastore_active
from catalog.registry import unit


def test_the_flag_is_set_on_the_resource_as_it_is_under_the_lock(services, call, sysadmin, org):
    if services.db.is_sqlite:
        pytest.skip("SQLite serializes writes from their first statement (BEGIN IMMEDIATE)")
    created = call("package_create", sysadmin, name="ds", owner_org=org["id"],
                   resources=[{"url": "http://example.org/a.csv", "name": "a"}])
    resource_id = created["resources"][0]["id"]
    with unit(services, SYSTEM, write=True) as ctx:
        resource = get_resource(ctx.session, resource_id)  # what the load job read when it finished
        assert resource.name == "a"
        # A resource_patch commits while the job is about to write back.
        call("resource_patch", sysadmin, id=resource_id, name="renamed", description="kept")
        set_datastore_active(ctx, resource, True)
    shown = call("package_show", ANONYMOUS, id="ds")["resources"][0]
    assert (shown["name"], shown["description"], shown["datastore_active"]) == ("renamed", "kept", True)
    assert call("resource_show", ANONYMOUS, id=resource_id)["name"] == "renamed"

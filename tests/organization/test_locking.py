"""catalog/organization/locking.py: organization_patch / group_patch merge into the row as it is once locked,
not a copy loaded earlier in the same session — PostgreSQL, where another transaction can commit between the
two reads (SQLite writes hold the database lock from their first statement)."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.organization.queries import get_group
from catalog.registry import dispatch, unit


@pytest.mark.parametrize("kind", ["organization", "group"])
def test_a_patch_keeps_a_field_patched_after_its_first_read(services, call, sysadmin, kind):
    if services.db.is_sqlite:
        pytest.skip("SQLite serializes writes from their first statement (BEGIN IMMEDIATE)")
    call(f"{kind}_create", sysadmin, name="gg", title="old", description="old")
    with unit(services, sysadmin, write=True) as ctx:
        session = ctx.session
        loaded_earlier = get_group(session, "gg", is_org=kind == "organization")  # as an auth function does
        assert loaded_earlier.title == "old"
        call(f"{kind}_patch", sysadmin, id="gg", title="new")  # another client's patch commits in between
        dispatch(ctx, f"{kind}_patch", {"id": "gg", "description": "patched"})
    shown = call(f"{kind}_show", ANONYMOUS, id="gg")
    assert (shown["title"], shown["description"]) == ("new", "patched")

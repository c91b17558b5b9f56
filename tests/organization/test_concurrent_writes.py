"""Concurrent organization_patch / group_patch of one organization or group against a real multi-process
server (gunicorn, 2 workers x 4 threads), on SQLite and PostgreSQL: clients patching different fields at once
must not undo each other (every write acknowledged with a 200 survives)."""

from __future__ import annotations

import uuid

import pytest

from tests.dataset.test_concurrent_writes import WRITES_PER_CLIENT, result_of, value, write_concurrently

pytestmark = pytest.mark.slow

GROUP_FIELDS = ("title", "description", "image_url")


@pytest.mark.parametrize("kind", ["organization", "group"])
def test_concurrent_patches_keep_every_field(live_server, kind):
    group = result_of(live_server.call(f"{kind}_create", {"name": f"{kind[:3]}-{uuid.uuid4().hex[:10]}"}))
    write_concurrently(live_server, f"{kind}_patch", GROUP_FIELDS,
                       lambda field, i: {"id": group["id"], field: value(field, i)})
    final = result_of(live_server.call(f"{kind}_show", {"id": group["id"]}))
    assert {f: final[f] for f in GROUP_FIELDS} == {f: value(f, WRITES_PER_CLIENT - 1) for f in GROUP_FIELDS}

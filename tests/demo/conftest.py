"""Fixtures of the demo catalog's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _finish_datastore_loads(request: pytest.FixtureRequest):
    """Demo uploads start DataStore loads in the background: let them end before the tables are emptied."""
    services = request.getfixturevalue("services") if "services" in request.fixturenames else None
    yield
    if services is not None:
        from catalog.datastore.jobs import wait_for_loads

        assert wait_for_loads(services, timeout=120) == 0

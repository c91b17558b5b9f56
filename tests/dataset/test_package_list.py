"""package_list at scale: a page of names must not cost a sort of the whole catalog."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.registry import call_action
from tests.plans import sqlite_plans, walks_an_index


def test_a_page_of_names_walks_the_name_index(services):
    """Migration 0006: with only (state, private), SQLite sorted every public name for each page
    (70-320 ms for 100 names at 100,000 datasets); (state, private, name) gives them in order."""
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL plans by its statistics")
    [(statement, details)] = sqlite_plans(
        services, lambda: call_action(services, "package_list", {"limit": 100, "offset": 100}, actor=ANONYMOUS))
    assert walks_an_index(details, "ix_package_state_private_name"), (statement, details)

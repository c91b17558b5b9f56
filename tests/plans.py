"""The SQLite query plans of what a piece of code really executes (for tests that guard an index's use)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def sqlite_plans(services: Any, run: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """(statement, EXPLAIN QUERY PLAN details) of each SELECT that run() executes."""
    executed: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT"):
            executed.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    with services.db.engine.connect() as conn:
        return [(statement, [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)])
                for statement, parameters in executed]


def walks_an_index(details: list[str], index_prefix: str) -> bool:
    """The plan reads rows in order from an index of that name, with no sort of its own."""
    return not any("TEMP B-TREE" in detail for detail in details) and any(index_prefix in d for d in details)

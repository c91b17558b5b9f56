"""Losing a database connection in the middle of a call, on PostgreSQL, deterministically."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event, text


class CutOff:
    """Terminates the backend running the next matching statements (as pg_terminate_backend in a failover or
    by an administrator), from another connection, before the statement is sent."""

    def __init__(self, services: Any, prefix: str, times: int = 1) -> None:
        self.engine = services.db.engine
        self.prefix = prefix
        self.left = times
        self.killer = create_engine(services.db.engine.url.render_as_string(hide_password=False))

    def before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.left and statement.lstrip().startswith(self.prefix):
            self.left -= 1
            pid = conn.connection.dbapi_connection.info.backend_pid
            with self.killer.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    def __enter__(self) -> CutOff:
        event.listen(self.engine, "before_cursor_execute", self.before_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self.before_execute)
        self.killer.dispose()

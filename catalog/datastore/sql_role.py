"""The PostgreSQL role datastore_search_sql logs in as, created and kept right by `moisson db upgrade`.

`moisson_datastore_ro` may log in, read the tables of the `datastore` schema and nothing of its own beyond
what PUBLIC has; it is no superuser, creates nothing, and is a member of no role, so neither SET ROLE nor
set_config('role', ...) nor RESET ROLE can make a session of it more powerful. Roles are shared by every
database of the cluster and several processes may upgrade at once (tests do), so each step first looks
whether it is needed, and tolerates another process having just done it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from catalog.datastore.postgres import DEFAULT_READ_ROLE, SCHEMA, checked_role_name

log = logging.getLogger(__name__)

ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
# pg_roles columns -> the value ATTRIBUTES gives them
EXPECTED = {"rolcanlogin": True, "rolsuper": False, "rolcreatedb": False, "rolcreaterole": False,
            "rolreplication": False, "rolbypassrls": False, "rolinherit": False}  # fmt: skip
# Per-role defaults: a session of the role starts read-only even if a caller forgot SET TRANSACTION READ ONLY.
ROLE_SETTINGS = {"default_transaction_read_only": "on"}
RETRIES = 5


def ensure_read_role(conn: psycopg.Connection[Any], role: str = DEFAULT_READ_ROLE) -> bool:
    """Create or repair the role (the `datastore_read_role` setting) and grant it the datastore schema of this
    database. False (with a warning) when this login may not manage roles: a DBA must then do what SECURITY.md
    lists."""
    role = checked_role_name(role)
    previous, conn.autocommit = conn.autocommit, True
    done = True
    try:
        # Each step on its own: a login without CREATEROLE (the role made by a DBA) still grants what it owns.
        for step, failure in STEPS:
            try:
                step(conn, role)
            except pg_errors.InsufficientPrivilege as error:
                log.warning("datastore_search_sql role %s: %s (%s); see SECURITY.md", role, failure, error)
                done = False
    finally:
        conn.autocommit = previous
    return done


def _run(conn: psycopg.Connection[Any], statement: str) -> None:
    """One catalog change, tolerating a concurrent process doing the same one."""
    for attempt in range(RETRIES):
        try:
            conn.execute(statement)
            return
        except (pg_errors.DuplicateObject, pg_errors.UniqueViolation):
            return  # created by another process meanwhile
        except pg_errors.InternalError_ as error:
            # "tuple concurrently updated": two sessions changed the same role or grant row at once
            if "concurrently" not in str(error) or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _create_role(conn: psycopg.Connection[Any], role: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if exists is None:
        _run(conn, f"CREATE ROLE {role} {ATTRIBUTES}")


def _fix_attributes(conn: psycopg.Connection[Any], role: str) -> None:
    columns = ", ".join(EXPECTED)
    row = conn.execute(f"SELECT {columns} FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if row is None or dict(zip(EXPECTED, row, strict=True)) != EXPECTED:
        _run(conn, f"ALTER ROLE {role} {ATTRIBUTES}")


def _leave_other_roles(conn: psycopg.Connection[Any], role: str) -> None:
    """Whatever a DBA granted the role: a membership is a SET ROLE away from that role's rights."""
    granted = conn.execute(
        "SELECT quote_ident(g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s",
        (role,),
    ).fetchall()
    for (granted_role,) in granted:
        _run(conn, f"REVOKE {granted_role} FROM {role}")


def _apply_settings(conn: psycopg.Connection[Any], role: str) -> None:
    row = conn.execute(
        "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
        "WHERE r.rolname = %s AND s.setdatabase = 0",
        (role,),
    ).fetchone()
    current = dict(item.split("=", 1) for item in (row[0] if row else None) or [])
    for name, value in ROLE_SETTINGS.items():
        if current.get(name) != value:
            _run(conn, f"ALTER ROLE {role} SET {name} = {value}")


def _grant_datastore(conn: psycopg.Connection[Any], role: str) -> None:
    """This database only: connect, see the datastore schema, read its tables (those made later too)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    database = conn.execute("SELECT quote_ident(current_database())").fetchone()[0]
    _run(conn, f"GRANT CONNECT ON DATABASE {database} TO {role}")
    _run(conn, f"GRANT USAGE ON SCHEMA {SCHEMA} TO {role}")
    _run(conn, f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {role}")
    _run(conn, f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT SELECT ON TABLES TO {role}")


STEPS: tuple[tuple[Callable[[psycopg.Connection[Any], str], None], str], ...] = (
    (_create_role, "could not create the role"),
    (_fix_attributes, "could not make it a plain login (no superuser, CREATEROLE, CREATEDB or inheritance)"),
    (_leave_other_roles, "could not take it out of the roles it was granted"),
    (_apply_settings, "could not make its sessions read-only by default"),
    (_grant_datastore, "could not grant it this database's datastore schema"),
)

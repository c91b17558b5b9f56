"""The parser-side guard of datastore_search_sql: one read-only SELECT, naming only plain tables.

This is the first of several locks (the database-side ones are in sqlite.py and postgres.py): it
rejects writes, several statements, schema-qualified names and functions that reach outside the
DataStore, and lists the tables so auth can check each one is a readable resource.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from catalog.errors import NotAuthorized, ValidationError

WRITE_NODES = (
    exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Command, exp.Merge, exp.Into,
    exp.Alter, exp.TruncateTable, exp.Set, exp.Pragma, exp.Transaction, exp.Commit, exp.Rollback, exp.Copy,
    exp.Lock,
)  # fmt: skip
READ_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)
DENIED_FUNCTION_PREFIXES = ("pg_", "lo_", "dblink", "txid_", "set_config", "current_setting", "query_to_",
                            "table_to_", "cursor_to_", "database_to_", "schema_to_", "load_extension",
                            "readfile", "writefile", "sqlite_", "inet_", "version", "has_", "to_reg",
                            "nextval", "setval", "currval", "lastval", "fts3_", "edit")  # fmt: skip


def referenced_tables(sql: str, dialect: str) -> set[str]:
    """The table names a single SELECT reads (CTE names excluded); raises on anything else."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as error:
        raise ValidationError({"query": [f"Invalid SQL: {str(error).splitlines()[0]}"]}) from None
    if len(statements) != 1:
        raise ValidationError({"query": ["Only one SQL statement is allowed"]})
    statement = statements[0]
    if not isinstance(statement, READ_ROOTS):
        raise NotAuthorized("Only SELECT statements are allowed")
    for node in statement.walk():
        if isinstance(node, WRITE_NODES):
            raise NotAuthorized("Only SELECT statements are allowed")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name.startswith(DENIED_FUNCTION_PREFIXES):
                raise NotAuthorized(f"Not authorized to call function {name}")
    cte_names = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    tables = set()
    for table in statement.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise NotAuthorized("Only DataStore tables may be read")
        if table.catalog or (table.db and table.db != "datastore"):
            raise NotAuthorized(f"Not authorized to read {table.sql()}")
        if not table.db and table.name in cte_names:
            continue
        tables.add(table.name)
    if not tables:
        raise ValidationError({"query": ["The query must read at least one DataStore table"]})
    return tables

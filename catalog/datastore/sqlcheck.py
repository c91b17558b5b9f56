"""The parser-side guard of datastore_search_sql: one read-only SELECT, naming only plain tables.

This is the first of several locks, and the only one that reads the SQL text: it rejects writes, several
statements, schema-qualified names and functions that reach outside the DataStore, and lists the tables so
auth can check each one is a readable resource. The locks that decide are the database's own resolution
(sqlite.py: the authorizer; postgres.py with plancheck.py: the planner's relations and functions, on a
connection logged in as a restricted role), so a spelling this parser misreads is refused there.
"""

from __future__ import annotations

import re

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
                            "nextval", "setval", "currval", "lastval", "fts3_", "edit", "ts_stat", "ts_rewrite",
                            "crosstab", "xmltable")  # fmt: skip
# Refused before PostgreSQL sees the query. U&"..." identifiers can spell any name this parser would misread;
# the *_to_xml functions run SQL text and some are STABLE, so the planner may call them while planning (to
# estimate a comparison), before the plan check has seen them.
UNICODE_IDENTIFIER = re.compile(r'u&"', re.IGNORECASE)
RUNS_SQL_WHILE_PLANNED = "_to_xml"


def referenced_tables(sql: str, dialect: str) -> set[str]:
    """The table names a single SELECT reads (CTE names excluded); raises on anything else."""
    if UNICODE_IDENTIFIER.search(sql):
        raise NotAuthorized('Unicode-escaped identifiers (U&"...") are not allowed: write names plainly')
    if RUNS_SQL_WHILE_PLANNED in sql.lower():
        raise NotAuthorized("Not authorized to call the *_to_xml functions: they run SQL text")
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
    tables = set()
    for table in statement.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            raise NotAuthorized("Only DataStore tables may be read")
        if table.catalog or (table.db and table.db != "datastore"):
            raise NotAuthorized(f"Not authorized to read {table.sql()}")
        if not table.db and _name(table.this, dialect) in _visible_ctes(table, dialect):
            continue
        tables.add(table.name)
    if not tables:
        raise ValidationError({"query": ["The query must read at least one DataStore table"]})
    return tables


def _name(identifier: exp.Identifier, dialect: str) -> str:
    """The name as the database resolves it: unquoted names fold to lower case (SQLite ignores case)."""
    return identifier.name if identifier.quoted and dialect != "sqlite" else identifier.name.lower()


def _visible_ctes(table: exp.Table, dialect: str) -> set[str]:
    """The CTE names a table reference can mean: those of the WITH clauses enclosing it, and within a WITH the
    CTEs defined before it (all of them for WITH RECURSIVE). A CTE of an inner scope is not visible outside it,
    so a name it shadows is still the table there."""
    names: set[str] = set()
    child: exp.Expression = table
    node = table.parent
    while node is not None:
        if isinstance(node, exp.CTE) and isinstance(node.parent, exp.With):
            siblings = node.parent.expressions
            position = next(i for i, cte in enumerate(siblings) if cte is node)
            visible = siblings if node.parent.args.get("recursive") else siblings[:position]
            names.update(_name(cte.args["alias"].this, dialect) for cte in visible)
            child, node = node.parent, node.parent.parent  # past this WITH: its owner's other CTEs are not visible
            continue
        # the key is "with" or "with_" depending on the sqlglot version
        with_clause = next((value for value in node.args.values() if isinstance(value, exp.With)), None)
        if with_clause is not None and child is not with_clause:
            names.update(_name(cte.args["alias"].this, dialect) for cte in with_clause.expressions)
        child, node = node, node.parent
    return names

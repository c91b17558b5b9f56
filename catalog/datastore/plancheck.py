"""What a datastore_search_sql query really touches on PostgreSQL, read from the planner's own output.

`EXPLAIN (VERBOSE, FORMAT JSON)` gives the relations the planner resolved (with their schema) and every
expression deparsed by PostgreSQL itself: names arrive canonical whatever the spelling of the query (quotes,
U& escapes, comments, nested scopes, views and SQL functions expanded). Every relation must be a table of the
`datastore` schema that the caller was authorised to read, and every function call must be on the allowlist
shipped beside this file. Functions that run SQL text (ts_stat, ts_rewrite, query_to_xml, dblink, set_config...)
are never on it: what they would run cannot be checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from catalog.errors import NotAuthorized

ALLOWLIST_FILE = Path(__file__).with_name("allowed_functions.txt")
DATASTORE_SCHEMA = "datastore"
FUNCTION_SCHEMA = "pg_catalog"
# Plan keys holding names, not expressions (a CTE or alias may be called anything, brackets included).
NAME_KEYS = {"Node Type", "Relation Name", "Schema", "Alias", "CTE Name", "Subplan Name", "Index Name",
             "Function Name", "Table Function Name", "Parent Relationship"}  # fmt: skip
# Words the deparser writes before a bracket that are syntax, not calls (EXPLAIN prints FILTER (WHERE ...),
# OVER (?), x = ANY (...), WITHIN GROUP (ORDER BY ...), POSITION(a IN (b)), EXTRACT(year FROM (...))...).
# A function that happens to bear one of these names is printed quoted, and quoted names are always calls.
SYNTAX_WORDS = {"and", "or", "not", "any", "all", "some", "in", "exists", "filter", "over", "group", "where", "by",
                "array", "row", "values", "when", "then", "else", "case", "from", "for", "is", "as", "distinct",
                "on", "using", "returns", "hashed", "placing", "both", "leading", "trailing", "collate",
                "partition", "order"}  # fmt: skip
# After `::`, the words a type name may go on with: character varying(3), double precision, time(2) with time zone.
TYPE_WORDS = {"varying", "precision", "with", "without", "time", "zone"}
TOKEN = re.compile(r"""
    (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<cast>::)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)  # fmt: skip
TYPE_MODIFIER = re.compile(r"\s*\(\s*\d+(?:\s*,\s*\d+)*\s*\)")


@cache
def allowed_functions() -> frozenset[str]:
    lines = ALLOWLIST_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_plan(plan: list[dict[str, Any]], readable_tables: set[str]) -> None:
    """Raise NotAuthorized unless every relation and function of the plan may be used by this caller."""
    allowed = allowed_functions()
    for node in _nodes(plan[0]["Plan"]):
        relation = node.get("Relation Name")
        if relation is not None and (node.get("Schema") != DATASTORE_SCHEMA or relation not in readable_tables):
            raise NotAuthorized(f"Not authorized to read {node.get('Schema')}.{relation}: only the DataStore tables "
                                "of resources you may read can be queried")
        for key in ("Function Name", "Table Function Name"):
            if key in node and (node.get("Schema", FUNCTION_SCHEMA) != FUNCTION_SCHEMA or node[key] not in allowed):
                raise _function_refused(node[key])
        for key, value in node.items():
            if key in NAME_KEYS or key == "Plans":
                continue
            for text in _strings(value):
                for name in called_functions(text):
                    if name not in allowed:
                        raise _function_refused(name)


def _function_refused(name: str) -> NotAuthorized:
    return NotAuthorized(f"Not authorized to call function {name}: datastore_search_sql allows the functions "
                         "listed in catalog/datastore/allowed_functions.txt")


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def called_functions(expression: str) -> list[str]:
    """The functions an expression deparsed by PostgreSQL calls, schema-qualified when they are not pg_catalog's
    (`public.f`), quoted names unquoted. Literals are skipped whole, so a string cannot hide or fake a call."""
    tokens = [(m.lastgroup, m.group()) for m in TOKEN.finditer(expression)]
    called: list[str] = []
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        if kind == "cast":
            index = _skip_type(tokens, index + 1)
            continue
        if kind in ("word", "quoted"):
            parts, end = _qualified_name(tokens, index)
            after = _next_significant(tokens, end)
            is_call = after is not None and tokens[after][1] == "("
            if is_call and not (kind == "word" and len(parts) == 1 and parts[0] in SYNTAX_WORDS):
                if len(parts) == 2 and parts[0] == FUNCTION_SCHEMA:
                    parts = parts[1:]
                called.append(".".join(parts))
            index = end
            continue
        index += 1
    return called


def _name(kind: str | None, text: str) -> str:
    return text[1:-1].replace('""', '"') if kind == "quoted" else text.lower()


def _qualified_name(tokens: list[tuple[str | None, str]], index: int) -> tuple[list[str], int]:
    """schema.name or name, starting at a word or quoted token: (parts, index after the name)."""
    parts = [_name(*tokens[index])]
    index += 1
    while (index + 1 < len(tokens) and tokens[index][1] == "."
           and tokens[index + 1][0] in ("word", "quoted")):
        parts.append(_name(*tokens[index + 1]))
        index += 2
    return parts, index


def _next_significant(tokens: list[tuple[str | None, str]], index: int) -> int | None:
    while index < len(tokens) and tokens[index][0] == "space":
        index += 1
    return index if index < len(tokens) else None


def _skip_type(tokens: list[tuple[str | None, str]], index: int) -> int:
    """Past the type name of a `::` cast, modifiers and array brackets included."""
    index = _next_significant(tokens, index) or len(tokens)
    if index < len(tokens) and tokens[index][0] in ("word", "quoted"):
        _, index = _qualified_name(tokens, index)
    while index < len(tokens):
        following = _next_significant(tokens, index)
        if following is None:
            return len(tokens)
        kind, text = tokens[following]
        if kind == "word" and text.lower() in TYPE_WORDS:
            index = following + 1
        elif text == "(":
            rest = "".join(t for _, t in tokens[following:])
            modifier = TYPE_MODIFIER.match(rest)
            if modifier is None:
                return index
            length, index = 0, following
            while length < modifier.end():
                length += len(tokens[index][1])
                index += 1
        elif text == "[" and following + 1 < len(tokens) and tokens[following + 1][1] == "]":
            index = following + 2
        else:
            return index
    return index

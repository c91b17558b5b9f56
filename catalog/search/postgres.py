"""PostgreSQL: a tsvector column on search_package with a GIN index, filled from the shared analyser
(literal lexemes, so both databases stem and unaccent identically). Weights: A name/title, B tags/groups/
organization, D the rest of the catch-all, C fielded tokens ("<field>:<token>"); ts_rank scores."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, func, text
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from catalog.search.analysis import stem_prefixes
from catalog.search.index import MAX_POSITIONS, Document, IndexWriter, search_package
from catalog.search.query import And, Node, Not, Or, Text
from catalog.search.sql import SearchRequest, SearchResult, SqlSearch
from catalog.search.stored import StoredDictReads

MAX_POSITION = 16383
TSV = search_package.c.tsv


def tsvector_literal(doc: Document) -> str:
    positions: dict[str, list[str]] = defaultdict(list)
    pos = 0
    for weight, toks in (("A", doc.hi), ("B", doc.mid), ("D", doc.low), ("C", doc.fielded)):
        pos += 1  # a gap so phrases do not run across sections
        for token in toks:
            pos += 1
            slots = positions[token]
            if len(slots) < MAX_POSITIONS:
                slots.append(f"{min(pos, MAX_POSITION)}{weight}")
    return " ".join(f"'{lexeme}':{','.join(slots)}" for lexeme, slots in positions.items())


def tsquery_literal(node: Node) -> str | None:
    """A tsquery in its literal syntax (lexemes quoted, no re-parsing), or None if SQL is needed."""
    if isinstance(node, Text):
        toks = node.tokens if node.field is None else tuple(f"{node.field}:{t}" for t in node.tokens)
        quoted = [f"'{t}'" for t in toks]
        if node.prefix and len(toks) == 1:
            return "(" + " | ".join([f"'{toks[0]}':*", *[f"'{p}'" for p in stem_prefixes(toks[0])]]) + ")"
        if node.prefix:
            quoted[-1] += ":*"
        return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"
    if isinstance(node, And):
        positives = [tsquery_literal(i) for i in node.items if not isinstance(i, Not)]
        negatives = [tsquery_literal(i.item) for i in node.items if isinstance(i, Not)]
        if not positives or None in positives or None in negatives:
            return None
        return "(" + " & ".join([*positives, *[f"!{n}" for n in negatives]]) + ")"  # type: ignore[list-item]
    if isinstance(node, Or):
        parts = [tsquery_literal(i) for i in node.items]
        return None if None in parts else "(" + " | ".join(parts) + ")"  # type: ignore[arg-type]
    return None


class PostgresBackend(IndexWriter, StoredDictReads, SqlSearch):
    name = "postgresql-tsvector"

    def _row_values(self, doc: Document) -> dict[str, Any]:
        return {**doc.row, "tsv": cast(tsvector_literal(doc), TSVECTOR)}

    def _write_text(self, session: Session, doc_id: int, doc: Document) -> None:
        return None  # the tsvector is written with the row

    def _delete_text(self, session: Session, doc_id: int) -> None:
        return None

    def _bulk_row(self, doc: Document) -> dict[str, Any]:
        return {**doc.row, "tsv": tsvector_literal(doc)}  # executemany: the literal, cast by the column type

    def search(self, session: Session, request: SearchRequest) -> SearchResult:
        # psycopg prepares a statement after 5 runs, and PostgreSQL may then keep one generic plan for it: one
        # that guessed 113 matches for any tsquery, or the same plan for start=0 and start=90000. The right
        # plan depends on the values (a word in 94 % of rows or in 0.1 %), so searches are planned each time.
        # Read units run in autocommit (no transaction for SET LOCAL), so the setting is set and reset here.
        session.execute(text("SET plan_cache_mode = force_custom_plan"))
        try:
            return super().search(session, request)
        finally:
            try:
                session.execute(text("RESET plan_cache_mode"))
            except DBAPIError:
                pass  # an aborted transaction: its rollback undoes the SET; a broken connection is discarded

    def text_query(self, node: Node) -> str | None:
        return tsquery_literal(node)

    def text_clause(self, query: str) -> ColumnElement[bool]:
        return TSV.op("@@")(cast(query, TSQUERY))

    def score_order(self, stmt: Select[Any], query: str, *, inner: bool) -> tuple[Select[Any], ColumnElement[Any]]:
        if inner:
            stmt = stmt.where(self.text_clause(query))
        return stmt, func.ts_rank(TSV, cast(query, TSQUERY)).desc()

    def pattern_clause(self, target: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return target.like(escaped.replace("*", "%").replace("?", "_"), escape="\\")


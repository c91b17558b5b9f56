"""SQLite: an FTS5 table (rowid = search_package.doc_id) holding the analysed tokens in four columns:
hi (name, title), mid (tags, groups, organization), low (the rest of the catch-all) and fld
("<field>:<token>" for fielded text queries). bm25 weights mirror CKAN's dismax boosts (4, 2, 1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from catalog.search.analysis import stem_prefixes
from catalog.search.index import Document, IndexWriter, search_package
from catalog.search.query import And, Node, Not, Or, Text
from catalog.search.sql import SqlSearch
from catalog.search.stored import StoredDictReads

fts = table("search_fts", column("rowid"))
_MATCH = literal_column("search_fts")
_BM25 = literal_column("bm25(search_fts, 4.0, 2.0, 1.0, 1.0)")


def fts5_query(node: Node) -> str | None:
    """An FTS5 MATCH expression, or None when the subtree needs SQL (a bare NOT, non-text parts)."""
    if isinstance(node, Text):
        if node.field is None:
            cols, toks = "{hi mid low}", node.tokens
        else:
            cols, toks = "fld", tuple(f"{node.field}:{t}" for t in node.tokens)
        if node.prefix and len(toks) == 1:
            alternatives = " OR ".join([f'"{toks[0]}" *', *[f'"{p}"' for p in stem_prefixes(toks[0])]])
            return f"({cols} : ({alternatives}))"
        return f'({cols} : "{" ".join(toks)}"{" *" if node.prefix else ""})'
    if isinstance(node, And):
        positives = [fts5_query(i) for i in node.items if not isinstance(i, Not)]
        negatives = [fts5_query(i.item) for i in node.items if isinstance(i, Not)]
        if not positives or None in positives or None in negatives:
            return None
        expr = "(" + " AND ".join(positives) + ")"  # type: ignore[arg-type]
        for negative in negatives:
            expr = f"({expr} NOT {negative})"
        return expr
    if isinstance(node, Or):
        parts = [fts5_query(i) for i in node.items]
        return None if None in parts else "(" + " OR ".join(parts) + ")"  # type: ignore[arg-type]
    return None


class Fts5Backend(IndexWriter, StoredDictReads, SqlSearch):
    name = "sqlite-fts5"

    def _write_text(self, session: Session, doc_id: int, doc: Document) -> None:
        self._delete_text(session, doc_id)
        self._bulk_text(session, [doc_id], [doc])

    @staticmethod
    def _fts_row(doc_id: int, doc: Document) -> dict[str, Any]:
        return {"d": doc_id, "hi": " ".join(doc.hi), "mid": " ".join(doc.mid), "low": " ".join(doc.low),
                "fld": " ".join(doc.fielded)}

    def _delete_text(self, session: Session, doc_id: int) -> None:
        # Also done by a trigger when the search_package row goes; needed here for re-indexing.
        session.execute(text("DELETE FROM search_fts WHERE rowid = :d"), {"d": doc_id})

    def _bulk_text(self, session: Session, doc_ids: list[int], docs: list[Document]) -> None:
        session.execute(text("INSERT INTO search_fts(rowid, hi, mid, low, fld) VALUES (:d, :hi, :mid, :low, :fld)"),
                        [self._fts_row(i, doc) for i, doc in zip(doc_ids, docs, strict=True)])

    def _clear_text(self, session: Session) -> None:
        session.execute(text("DELETE FROM search_fts"))

    def text_query(self, node: Node) -> str | None:
        return fts5_query(node)

    def text_clause(self, query: str) -> ColumnElement[bool]:
        matches = select(fts.c.rowid).where(_MATCH.op("MATCH")(bindparam(None, query)))
        return search_package.c.doc_id.in_(matches)

    def score_order(self, stmt: Select[Any], query: str, *, inner: bool) -> tuple[Select[Any], ColumnElement[Any]]:
        scores = (select(fts.c.rowid.label("r"), _BM25.label("s"))
                  .where(_MATCH.op("MATCH")(bindparam(None, query))).subquery())
        stmt = stmt.join(scores, scores.c.r == search_package.c.doc_id, isouter=not inner)
        return stmt, func.coalesce(scores.c.s, 0).asc()  # bm25: lower is better

    def pattern_clause(self, target: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        # GLOB is case-sensitive like Solr string fields and uses * and ? natively.
        return target.op("GLOB")(pattern.replace("[", "[[]"))

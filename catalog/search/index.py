"""The index tables (shared by both backends) and the document built from a package_show dict.

search_package: one flat row per dataset with what we filter, facet and sort on, plus the package_show
dict as JSON text (CKAN's validated_data_dict) so a page of results is one query. search_value: the
multi-valued exact-match fields (tags, groups, res_format, copied extras...). The full-text part lives
in an FTS5 table (SQLite) or a tsvector column (PostgreSQL); see fts5.py and postgres.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from catalog.search.analysis import field_key, tokens
from catalog.vocab.queries import vocabulary_names

search_metadata = MetaData()
DocId = BigInteger().with_variant(Integer(), "sqlite")

search_package = Table(
    "search_package", search_metadata,
    Column("doc_id", DocId, primary_key=True, autoincrement=True),
    Column("package_id", String(36), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("title_string", Text),
    Column("state", String(20), nullable=False),
    Column("type", String(100), nullable=False),
    Column("private", Boolean, nullable=False),
    Column("owner_org", String(36)),
    Column("organization", String(100)),
    Column("license_id", Text),
    Column("creator_user_id", String(36)),
    Column("url", Text),
    Column("version", String(100)),
    Column("metadata_created", DateTime),
    Column("metadata_modified", DateTime),
    Column("num_resources", Integer),  # migration 0016: numbers, so that ranges and sorts are numeric
    Column("num_tags", Integer),
    Column("tsv", TSVECTOR),  # PostgreSQL only: the migration creates it there and nowhere else
    # Created by migration 0002 (sort columns + package_id, state, private: index-only paging).
)

# The package_show dict, apart so that scans of search_package stay narrow.
search_doc = Table(
    "search_doc", search_metadata,
    Column("doc_id", DocId, primary_key=True, autoincrement=False),
    Column("data_dict", Text, nullable=False),
)

search_value = Table(
    "search_value", search_metadata,
    Column("field", String(200), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("doc_id", DocId, primary_key=True),
)

# Exact-match fields stored as columns; anything else not tokenised is looked up in search_value.
COLUMN_FIELDS = {
    "id": "package_id", "name": "name", "title_string": "title_string", "state": "state", "type": "type",
    "license_id": "license_id", "organization": "organization", "owner_org": "owner_org",
    "creator_user_id": "creator_user_id", "url": "url", "version": "version",
    "metadata_created": "metadata_created", "metadata_modified": "metadata_modified",
    "num_resources": "num_resources", "num_tags": "num_tags",
}
# Integer columns (CKAN's Solr int fields): compared and sorted as numbers.
NUMBER_FIELDS = {"num_resources", "num_tags"}
# Top-level names an extra may not shadow when it is copied to its own exact field.
RESERVED = set(COLUMN_FIELDS) | {
    "tags", "groups", "res_format", "res_url", "res_type", "license", "capacity", "text", "title", "notes",
    "dataset_type", "entity_type", "site_id", "private", "author", "maintainer",
}
TEXT_SOURCES = ("title", "notes", "author", "maintainer", "author_email", "maintainer_email")
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme


@dataclass
class Document:
    row: dict[str, Any]
    data_dict: str
    values: list[tuple[str, str]]
    hi: list[str] = field(default_factory=list)  # name, title (dismax boost 4)
    mid: list[str] = field(default_factory=list)  # tags, groups, organization (boost 2)
    low: list[str] = field(default_factory=list)  # the rest of CKAN's `text` catch-all
    fielded: list[str] = field(default_factory=list)  # "<field>:<token>" for title:, notes:, extras_x: ...


# search_value.field is VARCHAR(200), and a PostgreSQL btree entry holds at most 2,704 bytes: an extra with a longer
# key is not copied to an exact field (on either database), and exact values are cut to 2,000 bytes (was a 500 on
# package_create for a long resource URL, or a long non-ASCII extra). Only exact matches on that long a value miss.
MAX_FIELD = 200
MAX_VALUE_BYTES = 2000


def indexable(value: str) -> str:
    if len(value) * 4 <= MAX_VALUE_BYTES:
        return value
    return value.encode()[:MAX_VALUE_BYTES].decode(errors="ignore")


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", ""))


def vocabulary_ids(pkg: dict[str, Any]) -> set[str]:
    return {tag["vocabulary_id"] for tag in pkg.get("tags") or [] if tag.get("vocabulary_id")}


def build_document(pkg: dict[str, Any], vocabularies: Mapping[str, str] | None = None) -> Document:
    """`vocabularies`: id -> name of the vocabularies of the dataset's tags (vocabulary_names)."""
    org = pkg.get("organization") or {}
    resources = [r for r in pkg.get("resources") or [] if r.get("state", "active") == "active"]
    extras = [(e.get("key") or "", e.get("value") or "") for e in pkg.get("extras") or []]
    row = {
        "package_id": pkg["id"], "name": pkg["name"], "title_string": pkg.get("title") or "",
        "state": pkg.get("state") or "active", "type": pkg.get("type") or "dataset",
        "private": bool(pkg.get("private")), "owner_org": pkg.get("owner_org"),
        "organization": org.get("name") if org else None, "license_id": pkg.get("license_id"),
        "creator_user_id": pkg.get("creator_user_id"), "url": pkg.get("url"), "version": pkg.get("version"),
        "metadata_created": _date(pkg.get("metadata_created")),
        "metadata_modified": _date(pkg.get("metadata_modified")),
        # package_show's counts (active resources, tags), recounted when a caller indexes a partial dict.
        "num_resources": pkg.get("num_resources", len(resources)),
        "num_tags": pkg.get("num_tags", len(pkg.get("tags") or [])),
    }
    values: set[tuple[str, str]] = set()
    # CKAN's index: a vocabulary's tags go to vocab_<vocabulary name> (fq=vocab_genre:jazz, facets), not to
    # `tags`, and into the catch-all text at its weight (copyField vocab_* -> text), not at the tags' boost.
    free_tags = [tag for tag in pkg.get("tags") or [] if tag.get("name") and not tag.get("vocabulary_id")]
    vocab_tags = [tag for tag in pkg.get("tags") or [] if tag.get("name") and tag.get("vocabulary_id")]
    for tag in free_tags:
        values.add(("tags", tag["name"]))
    for tag in vocab_tags:
        name = (vocabularies or {}).get(tag["vocabulary_id"])
        if name and len(name) + 6 <= MAX_FIELD:
            values.add(("vocab_" + name, tag["name"]))
    for group in pkg.get("groups") or []:
        if group.get("name"):
            values.add(("groups", group["name"]))
    for res in resources:
        for key, source in (("res_format", "format"), ("res_url", "url"), ("res_type", "resource_type")):
            if res.get(source):
                values.add((key, str(res[source])))
    if pkg.get("license_title"):
        values.add(("license", pkg["license_title"]))
    for key, value in extras:
        if key and key not in RESERVED and value and len(key) <= MAX_FIELD:
            values.add((key, value))
    data_dict = json.dumps(pkg, ensure_ascii=False, separators=(",", ":"))
    doc = Document(row=row, data_dict=data_dict, values=sorted({(f, indexable(v)) for f, v in values}))
    memo: dict[str, list[str]] = {}

    def toks(text: str | None) -> list[str]:
        # Extras values and resource texts feed both the catch-all and their own field: analyse each once.
        if not text:
            return []
        if text not in memo:
            memo[text] = tokens(text)
        return memo[text]

    doc.hi = toks(pkg["name"]) + toks(pkg.get("title"))
    doc.mid = [t for tag in free_tags for t in toks(tag["name"])]
    for group in [*(pkg.get("groups") or []), *([org] if org else [])]:
        doc.mid += toks(group.get("title")) + toks(group.get("name"))
    low_texts = [pkg.get("notes"), pkg.get("author"), pkg.get("maintainer"), pkg.get("license_title")]
    low_texts += [r.get(k) for r in resources for k in ("name", "description")]
    low_texts += [value for _, value in extras]
    low_texts += [tag["name"] for tag in vocab_tags]
    doc.low = [t for text in low_texts for t in toks(text)]
    sources = [(name, pkg.get(name)) for name in TEXT_SOURCES]
    sources += [("res_name", r.get("name")) for r in resources]
    sources += [("res_description", r.get("description")) for r in resources]
    sources += [(f"extras_{key}", value) for key, value in extras]
    for name, text in sources:
        prefix = field_key(name)
        doc.fielded += [f"{prefix}:{t}" for t in toks(text)]
    return doc


class IndexWriter:
    """Row-level writes shared by both backends; `_write_text` is the backend's full-text part."""

    def _row_values(self, doc: Document) -> dict[str, Any]:
        return doc.row

    def _write_text(self, session: Session, doc_id: int, doc: Document) -> None:
        raise NotImplementedError

    def _delete_text(self, session: Session, doc_id: int) -> None:
        raise NotImplementedError

    def _bulk_row(self, doc: Document) -> dict[str, Any]:
        """The search_package row of a bulk insert (executemany: plain parameters, no SQL expressions)."""
        return doc.row

    def _bulk_text(self, session: Session, doc_ids: list[int], docs: list[Document]) -> None:
        """The full-text part of a bulk insert, when it is not in the search_package row."""

    def _clear_text(self, session: Session) -> None:
        """Empty the full-text part, when it is not in the search_package rows."""

    def bulk_insert(self, session: Session, docs: list[Document]) -> None:
        """New datasets only (a rebuild, a harvest's batch of creations): one executemany per table."""
        ids = session.execute(search_package.insert().returning(search_package.c.doc_id, sort_by_parameter_order=True),
                              [self._bulk_row(doc) for doc in docs]).scalars().all()
        values = [{"field": f, "value": v, "doc_id": i} for i, doc in zip(ids, docs, strict=True) for f, v in doc.values]
        if values:
            session.execute(search_value.insert(), values)
        session.execute(search_doc.insert(), [{"doc_id": i, "data_dict": doc.data_dict}
                                              for i, doc in zip(ids, docs, strict=True)])
        self._bulk_text(session, list(ids), docs)

    def index_packages(self, session: Session, packages: Sequence[dict[str, Any]], *, new: bool = False) -> None:
        """(Re)index datasets from their package_show dicts, inside the caller's transaction. `new`: none of them
        was ever indexed (creations), so their rows are inserted together, with no lookup of old rows."""
        if not packages:
            return
        ids = {v for package in packages for v in vocabulary_ids(package)}
        # One vocabulary lookup for the batch, not one per dataset (a vocabulary renamed re-indexes all its datasets).
        names = vocabulary_names(session, ids) if ids else {}
        if new:
            self.bulk_insert(session, [build_document(package, names) for package in packages])
            return
        for package in packages:
            self.index_package(session, package, names)

    def index_package(self, session: Session, package: dict[str, Any],
                      vocabularies: Mapping[str, str] | None = None) -> None:
        """(Re)index one dataset from its package_show dict, inside the caller's transaction. vocabularies: the
        names of its tags' vocabularies when the caller read them for a batch (index_packages), else read here."""
        ids = vocabulary_ids(package)
        if vocabularies is None and ids:
            vocabularies = vocabulary_names(session, ids)
        doc = build_document(package, vocabularies)
        row = self._row_values(doc)
        # An update that finds the row says so by returning its id: no lookup first.
        doc_id = session.execute(update(search_package).where(search_package.c.package_id == row["package_id"])
                                 .values(row).returning(search_package.c.doc_id)).scalar()
        if doc_id is None:
            doc_id = session.execute(insert(search_package).values(row).returning(search_package.c.doc_id)).scalar_one()
            session.execute(insert(search_doc).values(doc_id=doc_id, data_dict=doc.data_dict))
        else:
            session.execute(delete(search_value).where(search_value.c.doc_id == doc_id))
            stored = session.execute(update(search_doc).where(search_doc.c.doc_id == doc_id)
                                     .values(data_dict=doc.data_dict))
            if stored.rowcount == 0:  # never expected; repaired rather than left without a stored dict
                session.execute(insert(search_doc).values(doc_id=doc_id, data_dict=doc.data_dict))
        if doc.values:
            session.execute(insert(search_value), [{"field": f, "value": v, "doc_id": doc_id} for f, v in doc.values])
        self._write_text(session, doc_id, doc)

    def pending_token(self, session: Session) -> Any:
        """What a write of this session must wait for to be searchable after its commit: nothing, here (the
        database backends index in the write's own transaction)."""
        return None

    def wait_searchable(self, token: Any) -> bool:
        return True

    def index_status(self) -> dict[str, Any]:
        """What status_show says of the search index: always current here."""
        return {"backend": getattr(self, "name", "database"), "ready": True, "pending": 0, "lag_seconds": 0.0}

    def remove_package(self, session: Session, package_id: str) -> None:
        """Drop a dataset from the index (purge)."""
        doc_id = session.scalar(select(search_package.c.doc_id).where(search_package.c.package_id == package_id))
        if doc_id is None:
            return
        self._delete_text(session, doc_id)
        session.execute(delete(search_value).where(search_value.c.doc_id == doc_id))
        session.execute(delete(search_doc).where(search_doc.c.doc_id == doc_id))
        session.execute(delete(search_package).where(search_package.c.doc_id == doc_id))

    def clear(self, session: Session) -> None:
        """Empty the whole index (before a rebuild)."""
        session.execute(delete(search_value))
        session.execute(delete(search_doc))
        session.execute(delete(search_package))
        self._clear_text(session)

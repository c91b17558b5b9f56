"""The stored package_show dict (search_doc) of a dataset, read back when it is current: package_show and the
DCAT pages serve it instead of dictizing, as CKAN serves Solr's validated_data_dict. The search backends write it
(IndexWriter) and reach these reads as methods, so the dataset domain never imports search tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, select
from sqlalchemy.orm import Session

from catalog.dataset.models import Package
from catalog.ids import is_uuid
from catalog.search.index import search_doc, search_package

_package = Package.__table__


# The stored package_show dict of a dataset, when it is current (indexed at this metadata_modified).
_WITH_CURRENT_DOC = (
    _package.outerjoin(search_package, and_(search_package.c.package_id == _package.c.id,
                                            search_package.c.metadata_modified == _package.c.metadata_modified))
    .outerjoin(search_doc, search_doc.c.doc_id == search_package.c.doc_id)
)


def _read_statement(key_column: Any) -> Select[Any]:
    # The columns the privacy rule reads, plus the current stored dict: one round trip for an anonymous
    # package_show.
    return (
        select(_package.c.id, _package.c.name, _package.c.state, _package.c.private, _package.c.owner_org,
               _package.c.creator_user_id, search_doc.c.data_dict)
        .select_from(_WITH_CURRENT_DOC)
        .where(key_column == bindparam("key"))
    )


# Built once: SQLAlchemy then reuses their compiled form on every read.
_READ_BY_ID = _read_statement(_package.c.id)
_READ_BY_NAME = _read_statement(_package.c.name)


def get_package_for_read(session: Session, id_or_name: str | None, *, from_auth: bool = False) -> Row[Any] | None:
    """A dataset's privacy columns and its current stored dict (or None in `data_dict`), by id then name.

    package_show's auth function looks it up with from_auth=True and the action body takes that row over,
    so a show is one query; the hand-over is used once, so a later read in the same unit sees later writes.
    Changes that alter the dict without a package write (organization/group renames, group membership,
    DataStore loads) re-index the dataset (catalog/dataset/publish.refresh_packages), or this would serve a stale dict."""
    if not id_or_name or not isinstance(id_or_name, str):
        return None
    handed_over = session.info.setdefault("package_reads", {})
    if not from_auth and id_or_name in handed_over:
        return handed_over.pop(id_or_name)
    session.flush()  # plain-table reads do not autoflush; pending ORM changes must be visible
    row = None
    for statement in (_READ_BY_ID, _READ_BY_NAME) if is_uuid(id_or_name) else (_READ_BY_NAME,):
        row = session.connection().execute(statement, {"key": id_or_name}).first()
        if row is not None:
            break
    if from_auth:
        handed_over[id_or_name] = row
    return row


def current_stored_dicts(session: Session, package_ids: list[str]) -> dict[str, str]:
    """The current stored package_show dicts (JSON text) of these datasets, by id; datasets whose stored dict
    is missing or older than their last write are left out (their caller dictizes them)."""
    if not package_ids:
        return {}
    rows = session.connection().execute(
        select(_package.c.id, search_doc.c.data_dict).select_from(_WITH_CURRENT_DOC)
        .where(_package.c.id.in_(package_ids), search_doc.c.data_dict.is_not(None)))
    return {package_id: data_dict for package_id, data_dict in rows}


class StoredDictReads:
    """The reads above as backend methods (`ctx.search.package_for_read(...)`), for code below the search
    package in the import graph."""

    def package_for_read(self, session: Session, id_or_name: str | None, *, from_auth: bool = False) -> Row[Any] | None:
        return get_package_for_read(session, id_or_name, from_auth=from_auth)

    def current_stored_dicts(self, session: Session, package_ids: list[str]) -> dict[str, str]:
        return current_stored_dicts(session, package_ids)

"""Review rounds of datasets: one row per round, at most one open round per dataset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base
from catalog.ids import new_id

OPEN_STATUSES = ("draft", "pending", "changes_requested")
CLOSED_STATUSES = ("approved", "withdrawn")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


def pending_file_key(resource_id: str, revision_id: str, sha256: str) -> str:
    """Where a file uploaded in a review round is stored until approval: never a resource id (those have no `~`).
    Each upload gets its own key (its hash), so a held write that rolls back never replaces a file its round
    still refers to."""
    return f"{resource_id}~{revision_id}~{sha256[:16]}"


class ReviewRevision(Base):
    """A dataset's round of review. `kind` "new": a dataset not yet published, whose own rows (state draft) are the
    version under review. `kind` "edit": changes to a published dataset, kept here (`data`, the pending package_show
    dict; `files`, resource id -> storage key of files uploaded in the round) while the published rows stay as they
    are until approval."""

    __tablename__ = "review_revision"
    __table_args__ = (
        # One open round per dataset; concurrent writers of a second one fail on it instead of both succeeding.
        Index("uq_review_revision_open", "package_id", unique=True,
              postgresql_where=text("status IN ('draft', 'pending', 'changes_requested')"),
              sqlite_where=text("status IN ('draft', 'pending', 'changes_requested')")),
        Index("ix_review_revision_org_status", "owner_org", "status", "modified"),
        Index("ix_review_revision_author", "author_user_id", "modified"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    package_id: Mapped[str] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"), index=True)
    # The dataset's organization when the round opened (the queue is per organization).
    owner_org: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    author_user_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any] | None] = mapped_column()
    # The published version `data` was last built on: what the author changed is what differs between the two,
    # so changes made to the published dataset meanwhile by other paths survive (held.rebase).
    base: Mapped[dict[str, Any] | None] = mapped_column()
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created: Mapped[datetime] = mapped_column(default=utcnow)
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    submitted: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(36))
    decided_at: Mapped[datetime | None]
    history: Mapped[list[Any]] = mapped_column(default=list)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

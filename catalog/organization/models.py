"""Organizations and groups (one table, as CKAN) and memberships of users, datasets and groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base
from catalog.ids import new_id


class Group(Base):
    __tablename__ = "group"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(50), default="group")
    is_organization: Mapped[bool] = mapped_column(default=False)
    approval_status: Mapped[str] = mapped_column(String(20), default="approved")
    # Organizations only: datasets of non-reviewers are held for review before publication (catalog/review/).
    review_required: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(20), default="active")
    created: Mapped[datetime] = mapped_column(default=utcnow)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Member(Base):
    """A user in an organization/group (capacity admin/reviewer/editor/member), or a dataset in a group."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("group_id", "table_name", "table_id", name="uq_member_group_object"),
        Index("ix_member_object", "table_name", "table_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(20))  # "user" | "package" | "group"
    table_id: Mapped[str] = mapped_column(String(36))
    capacity: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="active")

"""The activity stream: every change, with a snapshot of the object after it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base
from catalog.ids import new_id


class Activity(Base):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_object_timestamp", "object_id", "timestamp"),
        Index("ix_activity_timestamp", "timestamp"),
        Index("ix_activity_user_timestamp", "user_id", "timestamp"),  # user_activity_list; migration 0011
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[str | None] = mapped_column(String(36))
    object_id: Mapped[str] = mapped_column(String(36))
    activity_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Who may read it, fixed when written (CKAN 2.11 permission labels): the dataset's organization
    # and whether it was private or a draft then; None for organization/group/user activities.
    owner_org: Mapped[str | None] = mapped_column(String(36), index=True)
    is_restricted: Mapped[bool] = mapped_column(default=False)
    creator_user_id: Mapped[str | None] = mapped_column(String(36))

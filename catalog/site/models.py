"""Site settings kept in the database: one row per option a sysadmin set (CKAN's system_info)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.clock import utcnow
from catalog.db import Base


class SiteOption(Base):
    """An option set from /ckan-admin/config or config_option_update; absent rows take their defaults."""

    __tablename__ = "site_option"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    # The sysadmin who set it last (a user id; no foreign key: deleting the user keeps the setting).
    modified_by: Mapped[str | None] = mapped_column(String(36))

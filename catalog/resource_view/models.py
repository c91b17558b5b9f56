"""A resource's saved views: one row each, in the order resource_view_reorder gives them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base
from catalog.ids import new_id


class ResourceView(Base):
    """CKAN's resource_view row. `config` holds the view type's own keys (image_url, group_by...), which the wire
    gives at the top level of the view dict. The rows go with their resource (ON DELETE CASCADE): a resource
    removed by resource_delete or package_update, or purged with its dataset, takes its views with it."""

    __tablename__ = "resource_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    view_type: Mapped[str] = mapped_column(String(100))
    # CKAN's `order` (a reserved word in SQL): 0 first.
    position: Mapped[int] = mapped_column(Integer, default=0)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)

"""Datasets (CKAN "packages"), their extras, tags, resources and collaborators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.clock import utcnow
from catalog.db import Base
from catalog.ids import new_id


class Package(Base):
    __tablename__ = "package"
    __table_args__ = (
        # The privacy filter's equality columns, then the order DCAT pages and package_list walk (0006).
        Index("ix_package_state_private_id", "state", "private", "id"),
        Index("ix_package_state_private_modified", "state", "private", "metadata_modified"),
        Index("ix_package_state_private_name", "state", "private", "name"),
        Index("ix_package_metadata_modified", "metadata_modified"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    author_email: Mapped[str | None] = mapped_column(Text)
    maintainer: Mapped[str | None] = mapped_column(Text)
    maintainer_email: Mapped[str | None] = mapped_column(Text)
    license_id: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20), default="active")
    type: Mapped[str] = mapped_column(String(100), default="dataset")
    private: Mapped[bool] = mapped_column(default=False)
    owner_org: Mapped[str | None] = mapped_column(ForeignKey("group.id"), index=True)
    creator_user_id: Mapped[str | None] = mapped_column(String(36))
    metadata_created: Mapped[datetime] = mapped_column(default=utcnow)
    metadata_modified: Mapped[datetime] = mapped_column(default=utcnow)
    plugin_data: Mapped[dict[str, Any] | None] = mapped_column()

    extras: Mapped[list[PackageExtra]] = relationship(
        cascade="all, delete-orphan", order_by="PackageExtra.key", lazy="selectin"
    )
    resources: Mapped[list[Resource]] = relationship(
        cascade="all, delete-orphan", order_by="Resource.position", lazy="selectin"
    )
    tags: Mapped[list[PackageTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class PackageExtra(Base):
    __tablename__ = "package_extra"
    __table_args__ = (
        UniqueConstraint("package_id", "key", name="uq_package_extra_key"),
        # Who publishes under an upstream URI (catalog/dcat/uri_owners.py); migration 0009.
        Index("ix_package_extra_uri", "value", postgresql_using="hash", postgresql_where=text("key = 'uri'"),
              sqlite_where=text("key = 'uri'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)


class Tag(Base):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("name", "vocabulary_id", name="uq_tag_name_vocabulary"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), index=True)
    vocabulary_id: Mapped[str | None] = mapped_column(String(36), index=True)  # a vocabulary's tags (0010)


class PackageTag(Base):
    __tablename__ = "package_tag"

    package_id: Mapped[str] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(
        ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="active")

    tag: Mapped[Tag] = relationship(lazy="joined")


class Resource(Base):
    __tablename__ = "resource"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    package_id: Mapped[str] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    resource_type: Mapped[str | None] = mapped_column(Text)
    mimetype: Mapped[str | None] = mapped_column(Text)
    mimetype_inner: Mapped[str | None] = mapped_column(Text)
    cache_url: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(Text, default="")
    url_type: Mapped[str | None] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(default=utcnow)
    last_modified: Mapped[datetime | None]
    metadata_modified: Mapped[datetime] = mapped_column(default=utcnow)
    cache_last_updated: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(20), default="active")
    datastore_active: Mapped[bool] = mapped_column(default=False)
    extras: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PackageCollaborator(Base):
    __tablename__ = "package_collaborator"

    package_id: Mapped[str] = mapped_column(ForeignKey("package.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    capacity: Mapped[str] = mapped_column(String(20))
    modified: Mapped[datetime] = mapped_column(default=utcnow)

"""Uploaded files as the rest of the catalog sees them (`services.storage`): the file store, and staging an
upload for a resource write. Dataset code reaches storage only through this object, never by import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from catalog.storage.backend import FileStorage

if TYPE_CHECKING:
    from catalog.context import ActionContext


class UploadStorage:
    def __init__(self, files: FileStorage) -> None:
        self.files = files

    def store_upload(self, ctx: ActionContext, package_id: str, resource_id: str, upload: Any) -> dict[str, Any]:
        """Stage the upload; it replaces the resource's file on commit. Returns the resource fields to save."""
        from catalog.storage import store_upload

        return store_upload(ctx, package_id, resource_id, upload)

"""Uploaded files on the local disk under settings.storage_path, laid out as CKAN does:
resources/<first 3 chars of id>/<next 3>/<rest of id> (the file name only lives in the URL)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from catalog.storage.backend import FileTooLarge, StagedFile

BLOCK = 1 << 20
STALE_AFTER_S = 3600


class LocalFileStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _final(self, resource_id: str) -> Path:
        if not resource_id or "/" in resource_id or "\\" in resource_id or resource_id.startswith("."):
            raise ValueError(f"not a resource id: {resource_id!r}")
        return self.root / "resources" / resource_id[:3] / resource_id[3:6] / resource_id[6:]

    def stage(self, resource_id: str, stream: BinaryIO, max_bytes: int) -> StagedFile:
        final = self._final(resource_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._sweep(final.parent)
        # Staged beside the final path so the commit is a same-filesystem rename.
        handle = tempfile.NamedTemporaryFile(dir=final.parent, prefix=".upload-", delete=False)
        digest, size = hashlib.sha256(), 0
        try:
            with handle:
                while block := stream.read(BLOCK):
                    size += len(block)
                    if size > max_bytes:
                        raise FileTooLarge(f"larger than {max_bytes} bytes")
                    digest.update(block)
                    handle.write(block)
        except BaseException:
            os.unlink(handle.name)
            raise
        return StagedFile(resource_id, Path(handle.name), size, digest.hexdigest())

    @staticmethod
    def _sweep(folder: Path) -> None:
        """Staged files of writes that rolled back (there is no rollback hook) go after an hour."""
        cutoff = time.time() - STALE_AFTER_S
        for stale in folder.glob(".upload-*"):
            try:
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
            except FileNotFoundError:
                pass

    def commit(self, staged: StagedFile) -> None:
        os.replace(staged.staging_path, self._final(staged.resource_id))

    def discard(self, staged: StagedFile) -> None:
        staged.staging_path.unlink(missing_ok=True)

    def path(self, resource_id: str) -> Path | None:
        try:
            final = self._final(resource_id)
        except ValueError:
            return None
        return final if final.is_file() else None

    def delete(self, resource_id: str) -> None:
        self._final(resource_id).unlink(missing_ok=True)

    def promote(self, from_key: str, resource_id: str) -> None:
        source = self._final(from_key)
        if source.is_file():
            target = self._final(resource_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)

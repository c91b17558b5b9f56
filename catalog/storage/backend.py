"""The file storage interface: uploaded resource files, one per resource, written atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class StagedFile:
    """A file fully written and hashed, not yet visible under its resource."""

    resource_id: str
    staging_path: Path
    size: int
    sha256: str


class FileStorage(Protocol):
    def stage(self, resource_id: str, stream: BinaryIO, max_bytes: int) -> StagedFile:
        """Copy the stream to a staging file, hashing it; raises FileTooLarge beyond max_bytes."""

    def commit(self, staged: StagedFile) -> None:
        """Make the staged file the resource's file (atomic replace)."""

    def discard(self, staged: StagedFile) -> None: ...

    def path(self, resource_id: str) -> Path | None:
        """The stored file of a resource, or None."""

    def delete(self, resource_id: str) -> None: ...

    def promote(self, from_key: str, resource_id: str) -> None:
        """Make the file stored under from_key the resource's file (atomic replace); nothing if it is gone."""


class FileTooLarge(Exception):
    pass

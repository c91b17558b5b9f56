"""The index directory of the Tantivy backend (MOISSON_SEARCH_INDEX_PATH) and how processes open it.

    <path>/current        symlink to the generation searched now (replaced atomically by a rebuild)
    <path>/gen-<stamp>/   one Tantivy index each, with moisson.json (schema version, the outbox position it was
                          built at)
    <path>/indexer.lock   held (flock) by the one indexer process of this node: it alone opens a writer
    <path>/switch.json    a rebuild's request that the indexer catch a new generation up and switch to it
    <path>/node-id        this node's name when MOISSON_SEARCH_NODE does not give one (made once)
    <path>/position.json  the outbox position the current generation's last commit covers, rewritten by the
                          indexer after every commit and every second: what this node's writers wait for
                          (read-your-writes) without a database round trip per poll

Readers (web workers, CLI) open `current` read-only and reload when its generation or its meta.json changes
(a commit writes a new meta.json), checked with two stat calls before each search: a commit of the indexer is seen
by the next search in every process, which read-your-writes relies on.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import platform
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from catalog.search.tantivy_schema import SCHEMA_VERSION, build_schema

CURRENT = "current"
POSITION = "position.json"
LOCK = "indexer.lock"
SWITCH = "switch.json"
INFO = "moisson.json"
SWITCH_RETRIES = 3


class IndexNotReady(RuntimeError):
    """No usable generation (the indexer builds the first one when it starts): searches answer 503."""


def new_generation(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = root / f"gen-{stamp}-{secrets.token_hex(3)}"
    path.mkdir()
    return path


def create_index(path: Path) -> tantivy.Index:
    return tantivy.Index(build_schema(), path=str(path))


def open_index(path: Path) -> tantivy.Index:
    info = read_info(path)
    if info.get("schema_version") != SCHEMA_VERSION:
        raise IndexNotReady(f"the index at {path} has schema version {info.get('schema_version')}, this Moisson "
                            f"needs {SCHEMA_VERSION}: run `moisson search-index rebuild`")
    return tantivy.Index.open(str(path))


def read_info(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / INFO).read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        return {}


def write_info(path: Path, **info: Any) -> None:
    tmp = path / (INFO + ".tmp")
    tmp.write_text(json.dumps({"schema_version": SCHEMA_VERSION, **info}))
    os.replace(tmp, path / INFO)


def current_generation(root: Path) -> Path | None:
    try:
        return root / os.readlink(root / CURRENT)
    except (FileNotFoundError, OSError):
        return None


def switch_current(root: Path, generation: Path) -> None:
    """Point `current` at a generation atomically (a new symlink renamed over the old one)."""
    tmp = root / f".current-{secrets.token_hex(4)}"
    os.symlink(generation.name, tmp)
    os.replace(tmp, root / CURRENT)


def remove_generation(root: Path, generation: Path | None, *, keep: Path) -> None:
    """A generation `current` no longer names. Readers that still have it open keep reading it: their open files
    stay readable on POSIX until they reload."""
    if generation is not None and generation.name != keep.name and generation.parent == root:
        shutil.rmtree(generation, ignore_errors=True)


# A generation written to within this time may be a rebuild still in progress in another process.
IN_PROGRESS_SECONDS = 600


def remove_abandoned_generations(root: Path, keep: Path) -> None:
    """Generations left behind (a crash between a build and its switch), never one a rebuild is still building
    or has asked to switch to."""
    requested = (pending_switch(root) or {}).get("generation")
    for child in root.glob("gen-*"):
        if not child.is_dir() or child.name in (keep.name, requested):
            continue
        if time.time() - _last_write(child) > IN_PROGRESS_SECONDS:
            shutil.rmtree(child, ignore_errors=True)


def _last_write(path: Path) -> float:
    return max([path.stat().st_mtime, *(child.stat().st_mtime for child in path.iterdir())], default=0.0)


def node_name(root: Path, configured: str) -> str:
    """MOISSON_SEARCH_NODE, or the name kept in the index directory (made once: host name and a random suffix)."""
    if configured:
        return configured
    path = root / "node-id"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".node-id-{os.getpid()}-{secrets.token_hex(3)}"
    tmp.write_text(f"{platform.node() or 'node'}-{secrets.token_hex(3)}\n")
    with contextlib.suppress(FileExistsError):
        os.link(tmp, path)  # the first process to name the node wins; the others read its name
    tmp.unlink()
    return path.read_text().strip()


@contextlib.contextmanager
def indexer_lock(root: Path, *, wait: bool = False) -> Iterator[bool]:
    """The node's indexer lock: yields True if this process holds it, False if another process does."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_position(root: Path, generation: Path, position: str) -> None:
    tmp = root / f".{POSITION}-{os.getpid()}"
    tmp.write_text(json.dumps({"generation": generation.name, "position": position}))
    os.replace(tmp, root / POSITION)


@dataclass(frozen=True)
class LocalPosition:
    position: str
    generation: str
    written: float  # when the indexer last wrote it (time.time())


def read_position(root: Path) -> LocalPosition | None:
    """The position this node's index covers, as the indexer last wrote it in position.json."""
    try:
        written = os.stat(root / POSITION).st_mtime
        found = json.loads((root / POSITION).read_text())
        return LocalPosition(str(found["position"]), str(found["generation"]), written)
    except (FileNotFoundError, ValueError, KeyError):
        return None


def request_switch(root: Path, generation: Path, position: str) -> None:
    tmp = root / (SWITCH + ".tmp")
    tmp.write_text(json.dumps({"generation": generation.name, "position": position}))
    os.replace(tmp, root / SWITCH)


def pending_switch(root: Path) -> dict[str, str] | None:
    try:
        return json.loads((root / SWITCH).read_text())  # type: ignore[no-any-return]
    except (FileNotFoundError, ValueError):
        return None


def fail_switch(root: Path) -> None:
    """Set a request that failed aside (switch.failed.json, for the administrator), so it is not tried forever."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(root / SWITCH, root / ("failed-" + SWITCH))


def clear_switch(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (root / SWITCH).unlink()


@dataclass
class _Opened:
    generation: str
    meta: tuple[int, int, int, int]
    index: tantivy.Index


class IndexReader:
    """A process's read-only view of the current generation, reloaded when it changes (thread-safe)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._opened: _Opened | None = None
        self._lock = threading.Lock()

    def searcher(self) -> tuple[tantivy.Searcher, tantivy.Schema]:
        # A rebuild may switch `current` and remove the old generation between our readlink and our stat or open:
        # then `current` names another generation, which is read instead.
        for _ in range(3):
            generation = current_generation(self.root)
            if generation is None:
                raise IndexNotReady(f"no search index at {self.root} yet: is the search indexer running? "
                                    "(`moisson search-indexer`, started by `moisson serve`)")
            try:
                return self._searcher(generation)
            except (FileNotFoundError, IndexNotReady, ValueError):
                if current_generation(self.root) == generation:
                    raise
        raise IndexNotReady(f"the search index at {self.root} kept switching generations; try again")

    def _searcher(self, generation: Path) -> tuple[tantivy.Searcher, tantivy.Schema]:
        stat = os.stat(generation / "meta.json")
        meta = (stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size)
        with self._lock:
            opened = self._opened
            if opened is None or opened.generation != generation.name:
                opened = self._opened = _Opened(generation.name, meta, self._open(generation))
            elif opened.meta != meta:
                opened.index.reload()
                opened.meta = meta
            index = opened.index
        return index.searcher(), index.schema

    @staticmethod
    def _open(generation: Path) -> tantivy.Index:
        index = open_index(generation)
        index.config_reader(reload_policy="Manual")
        return index

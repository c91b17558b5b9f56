"""`moisson serve` with the Tantivy backend: the node's indexer runs as a child process, restarted if it dies,
so one command still runs the whole portal."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from catalog.search.tantivy_store import current_generation

log = logging.getLogger(__name__)
RESTART_PAUSE_SECONDS = 1.0
BUSY_EXIT = 3  # the indexer's exit status when another indexer holds the node's lock


def start_supervised_indexer(command: list[str] | None = None) -> Callable[[], None]:
    """Start `moisson search-indexer` in a child process and keep it running; returns the function that stops it.

    A thread of the serving process watches it and restarts it when it exits, waiting longer after each quick
    failure (1 s, 2 s, 4 s... up to a minute). An indexer that finds another one running on this node (a separate
    `moisson search-indexer`) is not restarted: that one serves the node. (Gunicorn's master may reap the child's
    exit status before the thread does; subprocess then reports 0, and the child is restarted all the same.)"""
    argv = command or [sys.executable, "-m", "catalog.search.indexer_main"]
    stopping = threading.Event()
    current: list[subprocess.Popen[bytes]] = []

    def watch() -> None:
        pause = RESTART_PAUSE_SECONDS
        while not stopping.is_set():
            started = time.monotonic()
            process = subprocess.Popen(argv)
            current[:] = [process]
            while process.poll() is None and not stopping.is_set():
                stopping.wait(0.5)
            if stopping.is_set():
                break
            if process.returncode == BUSY_EXIT:
                log.warning("another search indexer runs on this node; it serves this server")
                break
            pause = RESTART_PAUSE_SECONDS if time.monotonic() - started > 60 else min(pause * 2, 60.0)
            log.warning("the search indexer exited (%s); restarting it in %.0f s", process.returncode, pause)
            stopping.wait(pause)

    thread = threading.Thread(target=watch, name="search-indexer-supervisor", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        for process in current:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
        thread.join(5)

    return stop


def wait_for_index(root: Path, ready: Callable[[], bool], say: Callable[[str], None], *,
                   every_seconds: float = 10.0) -> None:
    """Block until the node's index has a generation and its indexer has saved its position (a new node's indexer
    builds the first generation from the database), so the server never answers searches before there is an index
    to search, and its first writes wait for it; say so every `every_seconds`."""
    started = time.monotonic()
    last_said = started
    while current_generation(root) is None or not ready():
        if time.monotonic() - last_said >= every_seconds:
            last_said = time.monotonic()
            say(f"Search: the indexer is building the first index ({last_said - started:.0f} s)...")
        time.sleep(0.1)

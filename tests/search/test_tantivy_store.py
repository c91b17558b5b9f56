"""The Tantivy index directory as readers see it: a search during a generation switch, and before any index."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from catalog.errors import ServiceUnavailable
from catalog.search.tantivy_backend import TantivyBackend
from catalog.search.tantivy_store import (
    IndexReader,
    create_index,
    current_generation,
    new_generation,
    remove_generation,
    switch_current,
    write_info,
)


def _generation(root: Path) -> Path:
    generation = new_generation(root)
    writer = create_index(generation).writer(heap_size=15_000_000, num_threads=1)
    writer.commit()
    writer.wait_merging_threads()
    write_info(generation, position="0", documents=0)
    return generation


def test_searches_never_fail_while_generations_switch_and_go(tmp_path: Path) -> None:
    # A reader reads `current` then opens that generation: a switch that removes it in between must send the
    # reader to the new one, not fail the search (was an IndexNotReady, a 500, in ~1 of 4 switches under load).
    switch_current(tmp_path, _generation(tmp_path))
    stop = threading.Event()
    errors: list[str] = []
    reads = [0]

    def read() -> None:
        reader = IndexReader(tmp_path)
        while not stop.is_set():
            try:
                reader.searcher()
                reads[0] += 1
            except Exception as error:  # noqa: BLE001 - every failure is what the test counts
                errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        previous = current_generation(tmp_path)
        for _ in range(40):
            generation = _generation(tmp_path)
            switch_current(tmp_path, generation)
            remove_generation(tmp_path, previous, keep=generation)
            previous = generation
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert reads[0] > 0


def test_a_search_before_the_first_index_is_a_503(services: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  call: Any) -> None:
    settings = replace(services.settings, search_backend="tantivy", search_index_path=str(tmp_path / "none"))
    monkeypatch.setitem(vars(services), "settings", settings)
    monkeypatch.setitem(vars(services), "search", TantivyBackend(services.db, settings))
    with pytest.raises(ServiceUnavailable, match="not ready"):
        call("package_search", q="logement")

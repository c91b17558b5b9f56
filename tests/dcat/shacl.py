"""Offline DCAT-AP validation with the official shapes, shipped in tests/dcat/dcat-ap (a copy of the files of
../shared/dcat-ap that the tests use, so they run from a clone alone; origin and licence in its README)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph

SHAPES_DIR = Path(__file__).resolve().parent / "dcat-ap"
SHAPE_FILES = {
    "3.0.1": ["shapes", "range", "shapes_recommended", "mdr-vocabularies.shape", "deprecateduris"],
    "2.1.1": [f"dcat-ap_2.1.1_shacl_{n}" for n in
              ("shapes", "range", "shapes_recommended", "mdr-vocabularies.shape", "deprecateduris")],
}
VERSIONS = tuple(SHAPE_FILES)


def require_shapes() -> Path:
    return SHAPES_DIR


@lru_cache(maxsize=2)
def shapes(version: str) -> Graph:
    graph = Graph()
    for name in SHAPE_FILES[version]:
        graph.parse(require_shapes() / version / f"{name}.ttl")
    return graph


@lru_cache(maxsize=1)
def eu_vocabulary() -> Graph:
    return Graph().parse(require_shapes() / "vocab" / "eu-vocab-subset.ttl")


def validate(data: Graph, version: str) -> tuple[bool, str]:
    """(conforms, report text) for the full offline set; warnings allowed (publisher not an EU body)."""
    from pyshacl import validate as pyshacl_validate

    merged = Graph()
    for triple in data:
        merged.add(triple)
    for triple in eu_vocabulary():
        merged.add(triple)
    conforms, _report, text = pyshacl_validate(
        merged, shacl_graph=shapes(version), inference="none", allow_warnings=True, advanced=True
    )
    return bool(conforms), str(text)

"""The graphs the export writes into: cheaper to fill than rdflib's defaults, still plain rdflib Graphs.

Profiling a full dump showed rdflib's bookkeeping, not the mapping, as the main cost: the default store keeps
named-graph indexes, Graph.add asserts each term's type, and BNode() draws a uuid4. These skip that work.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

from rdflib import BNode, Graph
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from catalog.dcat import vocab

_NODE_PREFIX = "m" + uuid.uuid4().hex[:12]
_NODE_IDS = itertools.count()


class WriteOnceStore(SimpleMemory):
    """An insertion-ordered set of triples for graphs that are only written out as N-Triples: no indexes
    to maintain (pattern lookups scan), which roughly halves the cost of building an export graph."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[tuple[Node, Node, Node], None] = {}

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        self._rows[triple] = None

    def triples(self, triple_pattern: Any, context: Any = None) -> Iterator[Any]:
        subject, predicate, obj = triple_pattern
        for row in self._rows:
            if (subject is None or row[0] == subject) and (predicate is None or row[1] == predicate) \
                    and (obj is None or row[2] == obj):
                yield row, iter(())

    def __len__(self, context: Any = None) -> int:
        return len(self._rows)


class ExportGraph(Graph):
    """A Graph whose add() skips rdflib's per-term isinstance assertions (a quarter of the mapping's time):
    the mapping only ever adds rdflib terms."""

    def __init__(self, store: SimpleMemory) -> None:
        super().__init__(store=store)
        self._rows = store

    def add(self, triple: Any) -> ExportGraph:
        self._rows.add(triple, self, quoted=False)
        return self


def new_graph(*, write_once: bool = False) -> Graph:
    """An export graph. SimpleMemory (no named-graph bookkeeping) adds triples about a third faster than
    rdflib's default store; WriteOnceStore is faster still for graphs serialized as N-Triples only."""
    graph = ExportGraph(WriteOnceStore() if write_once else SimpleMemory())
    for prefix, namespace in vocab.PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def new_node() -> BNode:
    """A blank node; counter-based ids are unique per process and much cheaper than rdflib's uuid4."""
    return BNode(f"{_NODE_PREFIX}{next(_NODE_IDS)}")

"""Harvest backends, chosen by name (the source `type`) from one table. Each entry imports its module when a
backend is made, so listing the names (source validation, the web app) never loads rdflib and the mappings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from catalog.errors import ValidationError
from harvest.backends.base import Backend, SourceInfo
from harvest.fetch import Fetcher

BackendFactory = Callable[[SourceInfo, Fetcher, datetime | None], Backend]


def _ckan(source: SourceInfo, fetcher: Fetcher, since: datetime | None) -> Backend:
    from harvest.backends.ckan import CkanBackend

    return CkanBackend(source, fetcher, since)


def _dcat_rdf(source: SourceInfo, fetcher: Fetcher, since: datetime | None) -> Backend:
    from harvest.backends.dcat import DcatRdfBackend

    return DcatRdfBackend(source, fetcher, since)


def _data_json(source: SourceInfo, fetcher: Fetcher, since: datetime | None) -> Backend:
    from harvest.backends.datajson import DataJsonBackend

    return DataJsonBackend(source, fetcher, since)


BACKENDS: Mapping[str, BackendFactory] = {"ckan": _ckan, "dcat_rdf": _dcat_rdf, "dcat_json": _data_json}


def backend_names() -> list[str]:
    return sorted(BACKENDS)


def unknown_type_message(source_type: object) -> str:
    return f"Unknown harvester type {source_type!r}; known: {', '.join(backend_names())}"


def make_backend(source: SourceInfo, fetcher: Fetcher, since: datetime | None = None) -> Backend:
    """The source's backend. A type no backend has (a source saved by a version that had it) is the same
    validation error as at the source's creation, naming the known types."""
    factory = BACKENDS.get(source.type)
    if factory is None:
        raise ValidationError({"source_type": [unknown_type_message(source.type)]})
    return factory(source, fetcher, since)

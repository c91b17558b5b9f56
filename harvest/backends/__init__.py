"""Harvest backends, registered by name (the source `type`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from harvest.backends.base import Backend, SourceInfo
from harvest.fetch import Fetcher

BackendFactory = Callable[[SourceInfo, Fetcher, datetime | None], Backend]


def backend_names() -> list[str]:
    return sorted(_factories())


def make_backend(source: SourceInfo, fetcher: Fetcher, since: datetime | None = None) -> Backend:
    factory = _factories().get(source.type)
    if factory is None:
        raise KeyError(source.type)
    return factory(source, fetcher, since)


def _factories() -> dict[str, BackendFactory]:
    from harvest.backends.ckan import CkanBackend
    from harvest.backends.datajson import DataJsonBackend
    from harvest.backends.dcat import DcatRdfBackend

    return {"ckan": CkanBackend, "dcat_rdf": DcatRdfBackend, "dcat_json": DataJsonBackend}

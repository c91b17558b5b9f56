"""data.json (DCAT-US / Project Open Data) documents: one JSON catalog, `dataset` list of records.

guid = `identifier`, else a hash of the record (ckanext-dcat's rule). The document is fetched once per job
(bounded by the size cap) and served to the runner in pages of `rows` records.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from catalog.dcat import terms
from catalog.dcat.spatial_from_rdf import spatial_from_text
from harvest.backends.base import GatherError, Page, RemoteRecord, SourceInfo, config_salt, content_hash
from harvest.fetch import Fetcher

MAX_TAG_LENGTH = 100


class DataJsonBackend:
    name = "dcat_json"
    title = "data.json (DCAT-US / Project Open Data)"

    def __init__(self, source: SourceInfo, fetcher: Fetcher, since: datetime | None = None) -> None:
        self.source = source
        self.config = source.config
        self.fetcher = fetcher
        self.rows = max(1, min(int(self.config.get("rows", 100)), 1000))
        self.salt = config_salt(self.config)
        self._datasets: list[Any] | None = None

    def first_cursor(self) -> dict[str, Any]:
        return {"offset": 0}

    def fetch_page(self, cursor: dict[str, Any]) -> Page:
        datasets = self._load()
        offset = int(cursor["offset"])
        chunk = datasets[offset : offset + self.rows]
        records = [self._record(item) for item in chunk if isinstance(item, dict)]
        end = offset + len(chunk)
        return Page(records, {"offset": end} if end < len(datasets) else None, len(datasets))

    def _load(self) -> list[Any]:
        if self._datasets is None:
            response = self.fetcher.get(self.source.url, accept="application/json")
            response.raise_for_status()
            document = response.json()
            datasets = document.get("dataset") if isinstance(document, dict) else document
            if not isinstance(datasets, list):
                raise GatherError("The document is neither a data.json catalog nor a list of datasets")
            self._datasets = datasets
        return self._datasets

    def _record(self, item: dict[str, Any]) -> RemoteRecord:
        identifier = item.get("identifier")
        guid = str(identifier) if identifier else content_hash(item)
        landing = item.get("landingPage")
        return RemoteRecord(
            guid=guid,
            content=item,
            content_hash=content_hash(item, self.salt),
            remote_url=landing if isinstance(landing, str) else None,
        )

    def to_package_dict(self, record: RemoteRecord) -> dict[str, Any]:
        item = record.content
        package: dict[str, Any] = {"title": _text(item.get("title")) or record.guid}
        if item.get("description"):
            package["notes"] = _text(item["description"])
        if isinstance(item.get("landingPage"), str):
            package["url"] = item["landingPage"]
        keywords = item.get("keyword") or []
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",")]
        package["tags"] = [{"name": k.strip()[:MAX_TAG_LENGTH]} for k in keywords if isinstance(k, str) and k.strip()]
        package["extras"] = [{"key": k, "value": v} for k, v in _extras(item).items()]
        license_id = _license_id(item.get("license"))
        if license_id:
            package["license_id"] = license_id
        package["resources"] = [
            _resource(d) for d in item.get("distribution") or [] if isinstance(d, dict)
        ]
        return package


# data.json key -> the extra the DCAT mapping reads (catalog/dcat/to_rdf.MAPPED_EXTRAS, the one list of
# those keys), so a harvested record is republished with its source's dates, frequency and coverage.
MAPPED = (("identifier", "identifier"), ("issued", "issued"), ("modified", "modified"),
          ("accrualPeriodicity", "frequency"))
# data.json keys with no DCAT-AP home, kept as extras under their own name (ckanext-dcat's data.json
# harvester keeps them too); lists are stored as the mapping's multi-valued extras (one value or a JSON list).
KEPT = ("accessLevel", "bureauCode", "programCode", "theme", "rights", "describedBy", "isPartOf")


def _extras(item: dict[str, Any]) -> dict[str, str]:
    extras: dict[str, str] = {}
    for key, extra in MAPPED:
        if isinstance(item.get(key), str) and item[key].strip():
            extras[extra] = item[key].strip()
    extras.update(_temporal(item.get("temporal")))
    if isinstance(item.get("spatial"), str):  # a place, URI, "W,S,E,N" or GeoJSON -> ckanext-dcat's spatial keys
        extras.update(spatial_from_text(item["spatial"], []))
    if isinstance(item.get("language"), list):
        extras["language"] = terms.multi_value([str(x) for x in item["language"]]) or ""
    contact = item.get("contactPoint")
    if isinstance(contact, dict):
        if contact.get("fn"):
            extras["contact_name"] = _text(contact["fn"])
        email = contact.get("hasEmail")
        if isinstance(email, str) and email.strip():
            extras["contact_email"] = email.strip().removeprefix("mailto:")
    publisher = item.get("publisher")
    # The publisher is dct:publisher; writing it as author too made a dct:creator nobody published.
    if isinstance(publisher, dict) and publisher.get("name"):
        extras["publisher_name"] = _text(publisher["name"])
    for key in KEPT:
        value = item.get(key)
        if isinstance(value, list):
            value = terms.multi_value([str(x) for x in value])
        if isinstance(value, str) and value.strip():
            extras[key] = value.strip()
    return {key: value for key, value in extras.items() if value}


def _temporal(value: Any) -> dict[str, str]:
    """ISO 8601 "start/end" as the mapping's temporal_start/temporal_end; anything else kept as it came."""
    if not isinstance(value, str) or not value.strip():
        return {}
    start, _, end = value.strip().partition("/")
    dates = {"temporal_start": start, "temporal_end": end}
    if end and all(terms.date_literal(date) is not None for date in dates.values()):
        return dates
    return {"temporal": value.strip()}


def _resource(distribution: dict[str, Any]) -> dict[str, Any]:
    url = distribution.get("downloadURL") or distribution.get("accessURL") or ""
    resource: dict[str, Any] = {"url": url if isinstance(url, str) else ""}
    for key, field in (("title", "name"), ("description", "description"), ("mediaType", "mimetype")):
        if isinstance(distribution.get(key), str):
            resource[field] = distribution[key]
    fmt = distribution.get("format")
    if isinstance(fmt, str) and fmt:
        resource["format"] = fmt
    elif isinstance(distribution.get("mediaType"), str):
        resource["format"] = distribution["mediaType"].rsplit("/", 1)[-1].upper()
    return resource


def _license_id(url: Any) -> str | None:
    """The register's id for a licence URL or title (scheme, "www.", trailing slash, /legalcode ignored);
    a URL nobody registered stays the id, so the licence is still republished as that IRI."""
    from catalog.dcat.vocab import licence_id_for

    if not isinstance(url, str) or not url.strip():
        return None
    return licence_id_for(url) or (url.strip() if terms.is_url(url) else None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)

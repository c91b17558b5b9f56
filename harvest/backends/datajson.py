"""data.json (DCAT-US / Project Open Data) documents: one JSON catalog, `dataset` list of records.

guid = `identifier`, else a hash of the record (ckanext-dcat's rule). The document is fetched once per job
(bounded by the size cap) and served to the runner in pages of `rows` records.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

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
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and publisher.get("name"):
            package["author"] = _text(publisher["name"])
        contact = item.get("contactPoint")
        if isinstance(contact, dict):
            if contact.get("fn"):
                package["maintainer"] = _text(contact["fn"])
            email = contact.get("hasEmail")
            if isinstance(email, str) and email:
                package["maintainer_email"] = email.removeprefix("mailto:")
        extras: dict[str, str] = {}
        for key, extra in (("issued", "dcat_issued"), ("modified", "dcat_modified"), ("license", "license_uri"),
                           ("accrualPeriodicity", "frequency"), ("accessLevel", "access_level"),
                           ("temporal", "temporal"), ("spatial", "spatial_text")):
            if isinstance(item.get(key), str) and item[key]:
                extras[extra] = item[key]
        if isinstance(item.get("language"), list):
            extras["language"] = ",".join(str(x) for x in item["language"])
        if isinstance(publisher, dict) and publisher.get("name"):
            extras["publisher_name"] = _text(publisher["name"])
        package["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        license_id = _license_id(item.get("license"))
        if license_id:
            package["license_id"] = license_id
        package["resources"] = [
            _resource(d) for d in item.get("distribution") or [] if isinstance(d, dict)
        ]
        return package


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
    from catalog.dcat.codecs import is_url
    from catalog.dcat.vocab import licence_id_for

    if not isinstance(url, str) or not url.strip():
        return None
    return licence_id_for(url) or (url.strip() if is_url(url) else None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)

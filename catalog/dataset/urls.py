"""The public URL of an uploaded file, as resource dicts show it (CKAN's download route). Defined with the
dataset dicts that show it; the storage views serve it."""

from __future__ import annotations

from urllib.parse import quote

from catalog.settings import Settings


def upload_url(settings: Settings, package_id: str, resource_id: str, filename: str) -> str:
    """The public URL of an uploaded file, as CKAN shows it in resource dicts."""
    base = settings.site_url.rstrip("/")
    return f"{base}/dataset/{package_id}/resource/{resource_id}/download/{quote(filename)}"

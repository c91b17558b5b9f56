"""Resource formats: CKAN normalises known formats ("csv" → "CSV") and guesses one from the URL."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlparse

KNOWN_FORMATS = {
    f.lower(): f
    for f in (
        "CSV",
        "TSV",
        "TXT",
        "JSON",
        "XML",
        "XLS",
        "XLSX",
        "ODS",
        "PDF",
        "ZIP",
        "GeoJSON",
        "SHP",
        "KML",
        "KMZ",
        "RDF",
        "TTL",
        "JSON-LD",
        "N3",
        "HTML",
        "API",
        "DOC",
        "DOCX",
        "ODT",
        "PNG",
        "JPEG",
        "GIF",
        "SVG",
        "WMS",
        "WFS",
        "Parquet",
        "SQL",
        "GZ",
        "7z",
        "RAR",
        "TAR",
        "XSD",
        "YAML",
        "MD",
    )
}
ALIASES = {
    "jpg": "JPEG",
    "htm": "HTML",
    "nt": "RDF",
    "geojson": "GeoJSON",
    "yml": "YAML",
    "jsonld": "JSON-LD",
}


def normalize_format(value: str) -> str:
    text = (value or "").strip()
    lowered = text.lower().lstrip(".")
    return ALIASES.get(lowered) or KNOWN_FORMATS.get(lowered) or text


def guess_format(url: str) -> str:
    suffix = PurePosixPath(urlparse(url or "").path).suffix.lower().lstrip(".")
    if not suffix:
        return ""
    return ALIASES.get(suffix) or KNOWN_FORMATS.get(suffix, "")

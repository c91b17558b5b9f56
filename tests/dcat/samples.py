"""Hand-made CKAN package_show dicts (ckan-api.md §3.1 shape) for the DCAT mapping tests."""

from __future__ import annotations

import copy
from typing import Any

SITE = "http://test.moisson.local"
ORG = {
    "id": "0b6e0c7e-2d5e-4d0b-9b55-9d3f1c2f0a01", "name": "cnaf",
    "title": "Caisse nationale des allocations familiales", "type": "organization", "description": "",
    "image_url": "", "created": "2023-01-01T09:00:00.123456", "is_organization": True,
    "approval_status": "approved", "state": "active",
}


def resource(index: int, package_id: str, **fields: Any) -> dict[str, Any]:
    base = {
        "cache_last_updated": None, "cache_url": None, "created": "2024-03-05T10:11:12.400000",
        "datastore_active": False, "description": "Fichier CSV, séparateur point-virgule", "format": "CSV",
        "hash": "", "id": f"e5a1c0de-0000-4000-8000-00000000000{index}", "last_modified": None,
        "metadata_modified": "2024-03-05T10:11:12.400000", "mimetype": "text/csv", "mimetype_inner": None,
        "name": f"RSACom201{index}.csv", "package_id": package_id, "position": index, "resource_type": None,
        "size": None, "state": "active", "url": f"https://data.caf.fr/files/RSACom201{index}.csv",
        "url_type": None,
    }
    base.update(fields)
    return base


def package(**fields: Any) -> dict[str, Any]:
    pkg_id = fields.pop("id", "7b6e0c7e-2d5e-4d0b-9b55-9d3f1c2f0b01")
    base: dict[str, Any] = {
        "author": "DSER", "author_email": "dser@caf.example.org", "creator_user_id": None, "id": pkg_id,
        "isopen": True, "license_id": "lov2", "license_title": "Licence Ouverte / Open Licence version 2.0",
        "license_url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
        "maintainer": "Mission open data", "maintainer_email": "opendata@caf.example.org",
        "metadata_created": "2024-03-05T10:11:12.345678", "metadata_modified": "2024-03-06T08:00:01.000123",
        "name": "rsa-par-commune", "notes": "Foyers allocataires du **RSA** par commune.", "num_resources": 2,
        "num_tags": 2, "organization": copy.deepcopy(ORG), "owner_org": ORG["id"], "private": False,
        "state": "active", "title": "Foyers allocataires percevant le RSA - par Commune", "type": "dataset",
        "url": "https://data.caf.fr/dataset/rsa-par-commune", "version": "2023",
        "extras": [
            {"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"},
            {"key": "geographic_level", "value": "commune"},
            {"key": "language", "value": "fr"},
            {"key": "secret_statistique", "value": "valeurs < 5 masquées"},
            {"key": "spatial", "value": '{"type":"Polygon","coordinates":[[[-4.8,42.3],[8.2,42.3],[8.2,51.1],'
                                        '[-4.8,51.1],[-4.8,42.3]]]}'},
            {"key": "spatial_text", "value": "France"},
            {"key": "spatial_uri", "value": "http://publications.europa.eu/resource/authority/country/FRA"},
            {"key": "temporal_end", "value": "2023-12-31"},
            {"key": "temporal_start", "value": "2009-12-31"},
            {"key": "theme", "value": "http://publications.europa.eu/resource/authority/data-theme/SOCI"},
        ],
        "groups": [],
        "resources": [
            resource(0, pkg_id, size=123456, hash="a" * 40, last_modified="2024-06-30T00:00:00"),
            resource(1, pkg_id, name="lisezmoi.txt", format="TXT", mimetype="text/plain",
                     hash="0123456789abcdef" * 4, description=None, custom_field="kept as is",
                     numbers={"rows": 35000, "columns": [1, 2]}),
        ],
        "tags": [
            {"display_name": "allocataires", "id": "c3", "name": "allocataires", "state": "active",
             "vocabulary_id": None},
            {"display_name": "rsa", "id": "d4", "name": "rsa", "state": "active", "vocabulary_id": None},
        ],
        "relationships_as_subject": [], "relationships_as_object": [],
    }
    base.update(fields)
    return base


def edge_cases() -> dict[str, dict[str, Any]]:
    """Packages that stress the mapping; each must still conform to DCAT-AP and round-trip."""
    return {
        "full": package(),
        "no_resources": package(id="11111111-1111-4111-8111-111111111111", name="no-resources", resources=[],
                                num_resources=0),
        "no_organization": package(id="22222222-2222-4222-8222-222222222222", name="no-org", organization=None,
                                   owner_org=None, license_id=None, author=None, author_email=None,
                                   maintainer=None, maintainer_email=None, url=None, version=None, extras=[],
                                   tags=[], notes=None),
        "multilingual": package(
            id="33333333-3333-4333-8333-333333333333", name="multilingue",
            title="Données « spéciales » — 数据 — بيانات — 🚲 \"quoted\" \\ back",
            notes="Ligne 1\nLigne 2 <b>html</b> & ampersand\ttab\r\nfin",
            tags=[{"name": "enfance-été"}, {"name": "数据"}],
            extras=[{"key": "language", "value": '["fr", "en"]'},
                    {"key": "title_translated", "value": '{"en": "Special data", "fr": "Données spéciales"}'},
                    {"key": "contact_name", "value": "Équipe données"},
                    {"key": "contact_email", "value": "données@caf.example.org"}],
        ),
        "odd_urls": package(
            id="44444444-4444-4444-8444-444444444444", name="odd-urls", url="data.caf.fr/no scheme here",
            license_id="other-open",
            extras=[{"key": "spatial", "value": '{"type": "Point", "coordinates": [2.35, 48.85]}'},
                    {"key": "frequency", "value": "annual"},
                    {"key": "temporal_start", "value": "2019"},
                    {"key": "theme", "value": "Social, familles"},
                    {"key": "publisher_name", "value": "CNAF (éditeur)"},
                    {"key": "publisher_url", "value": "javascript:alert(1)"},
                    {"key": "uri", "value": "https://data.caf.fr/dataset/odd urls"},
                    {"key": "empty", "value": ""}],
            resources=[
                resource(0, "44444444-4444-4444-8444-444444444444", url="", format="", mimetype=None),
                resource(1, "44444444-4444-4444-8444-444444444444",
                         url="https://exemple.fr/données/fichier 2023.csv?x=<1>&y=\"2\"#frag", format="csv",
                         mimetype="not a media type", size=0, hash="md5:abc"),
                resource(2, "44444444-4444-4444-8444-444444444444", url="ftp://ftp.caf.fr/pub/a.zip",
                         format="Shapefile zippé", mimetype="application/zip", hash="c" * 64,
                         created="2024-13-45", url_type="upload"),
            ],
        ),
    }

"""A small catalog (two organizations, a group, public/private/draft datasets in French and English)
created through the real package_create, so the index is filled by the dataset writes themselves."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest

from catalog.context import Actor
from catalog.search.index import Document
from tests.conftest import make_user, wait_until_searchable


@pytest.fixture
def catalog(call: Any, sysadmin: Actor) -> dict[str, Any]:
    cnaf = call("organization_create", sysadmin, name="cnaf", title="Caisse nationale des allocations familiales")
    insee = call("organization_create", sysadmin, name="insee", title="Institut national de la statistique")
    social = call("group_create", sysadmin, name="social", title="Social")
    member = make_user(call, "marie")
    call("organization_member_create", sysadmin, id="cnaf", username="marie", role="member")
    outsider = make_user(call, "olivier")

    def make(name: str, org: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return call("package_create", sysadmin, name=name, owner_org=org["id"], **fields)

    datasets = {
        "allocataires": make(
            "allocataires-caf", cnaf, title="Allocataires des CAF par commune",
            notes="Nombre d'allocataires et de prestations familiales versées.",
            tags=[{"name": "famille"}, {"name": "prestations"}], license_id="lov2",
            groups=[{"name": "social"}], extras=[{"key": "frequency", "value": "annuelle"}],
            resources=[{"url": "http://example.org/alloc.csv", "format": "CSV", "name": "Fichier des allocataires"}],
        ),
        "logements": make(
            "aides-logement", cnaf, title="Aides au logement",
            notes="Les Logements et les aides personnelles au logement (APL) en Île-de-France.",
            tags=[{"name": "logement"}, {"name": "famille"}], license_id="lov2",
            extras=[{"key": "frequency", "value": "mensuelle"}],
            resources=[{"url": "http://example.org/apl.json", "format": "JSON", "name": "APL"}],
        ),
        "population": make(
            "population-census", insee, title="Population census",
            notes="Housing and population statistics by region.",
            tags=[{"name": "statistics"}], license_id="cc-by",
            resources=[{"url": "http://example.org/pop.csv", "format": "CSV", "name": "Census data"},
                       {"url": "http://example.org/pop.xlsx", "format": "XLSX", "name": "Census workbook"}],
        ),
        "secret": make("budget-interne", cnaf, title="Budget interne des allocations", private=True,
                       notes="Allocataires: données internes.", tags=[{"name": "budget"}]),
        "naissances": make("naissances", insee, title="Naissances en France", notes="État civil : naissances.",
                           tags=[{"name": "démographie"}]),
    }
    return {"datasets": datasets, "cnaf": cnaf, "insee": insee, "social": social, "member": member,
            "outsider": outsider}


def names(result: dict[str, Any]) -> set[str]:
    return {r["name"] for r in result["results"]}


MATCHES = 3000
TAGS_EACH = 20


def index_document(i: int) -> Document:
    row = {"package_id": str(uuid.UUID(int=i + 1)), "name": f"jeu-{i:05d}", "title_string": f"Allocataires {i}",
           "state": "active", "type": "dataset", "private": False, "owner_org": None, "organization": None,
           "license_id": "lov2", "creator_user_id": None, "url": None, "version": None,
           "metadata_created": datetime(2020, 1, 1), "metadata_modified": datetime(2020, 1, 1)}
    values = {("tags", f"theme-{(i * 7 + k) % 400}") for k in range(TAGS_EACH)} | {("res_format", "CSV")}
    return Document(row=row, data_dict=json.dumps({"name": row["name"]}), values=sorted(values),
                    hi=["allocatair"])


@pytest.fixture
def many_matches(services: Any) -> None:
    """3,000 indexed datasets (index rows only) matching "allocataires", with 20 tags each out of 400: counting
    their facets reads 60,000 values."""
    with services.db.unit_of_work(write=True) as session:
        services.search.bulk_insert(session, [index_document(i) for i in range(MATCHES)])
    wait_until_searchable(services)  # index rows written directly: no write action waits for the indexer

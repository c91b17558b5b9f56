"""Names of harvested datasets made as CKAN makes them (issue 12 item 10): transliterated titles,
CKAN's and ckanext-harvest's length rules, and a stable suffix when a name is taken."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from catalog.context import SYSTEM
from harvest.names import harvest_name, munge_title_to_name
from tests.harvest.remote import FakeCkan, RemoteServer, ckan_package


@pytest.mark.parametrize("title, name", [
    ("Carte piéton", "carte-pieton"),
    ("für", "fur"),
    ("Satisfacción", "satisfaccion"),
    ("Straße: Übersicht 2024/2025", "strasse-ubersicht-2024-2025"),
    ("Œuvres d'art", "oeuvres-dart"),
    ("Qualité_de_l'air", "qualite-de-lair"),
])
def test_harvest_name_transliterates(title: str, name: str) -> None:
    assert harvest_name(title) == name


def test_length_rules_are_ckans() -> None:
    long_title = "Recensement " * 12 + "2024"
    munged = munge_title_to_name(long_title)
    # CKAN keeps a trailing year when it cuts a long title to 95 characters.
    assert len(munged) == 95 and munged.endswith("-2024")
    assert len(harvest_name(long_title)) <= 90  # ckanext-harvest's _gen_new_name cut
    assert harvest_name("???") == "dataset-" + hashlib.sha1(b"???").hexdigest()[:8]


def test_dcat_titles_become_transliterated_names(remote: RemoteServer, make_source: Any, run: Any,
                                                 call: Any) -> None:
    remote.add_file("/dcat/names.ttl", "names.ttl", "text/turtle")
    source = make_source(remote.url("/dcat/names.ttl"), source_type="dcat_rdf")
    job = run(source)
    assert job["stats"]["added"] == 4
    names = sorted(call("package_list", SYSTEM))
    second = "satisfaccion-" + hashlib.sha1(
        f"{source['id']}\nhttps://datos.example.es/dataset/satisfaccion-bis".encode()).hexdigest()[:8]
    assert names == sorted(["carte-pieton", "radwege-fur-strassen-ubersicht-2024", "satisfaccion", second])
    assert run(source, force_all=True)["stats"]["unchanged"] == 4


def test_ckan_remote_name_ckan_refuses_is_munged(fake_ckan: FakeCkan, make_source: Any, run: Any,
                                                 call: Any) -> None:
    fake_ckan.put(ckan_package(1, name="Données_Générales"))
    run(make_source(fake_ckan.url))
    assert call("package_list", SYSTEM) == ["donnees-generales"]

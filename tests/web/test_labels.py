"""French throughout: file sizes, frequencies, languages, licences, job states, column types and DataStore messages
from catalog/web/labels.py, and the dataset page naming its extras with them (a harvest's bookkeeping collapsed)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.web import labels
from tests.web.conftest import csrf_token, log_in
from tests.web.test_preview import table  # noqa: F401 (the loaded table fixture)

MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"


@pytest.fixture
def in_language(app: Any) -> Any:
    def enter(lang: str) -> Any:
        return app.test_request_context("/", headers={"Accept-Language": lang})

    return enter


@pytest.mark.parametrize(("size", "english", "french"), [
    (0, "0 bytes", "0 octet"), (1, "1 byte", "1 octet"), (143, "143 bytes", "143 octets"),
    (999, "999 bytes", "999 octets"), (4000, "4.0 kB", "4,0 ko"), (4096, "4.1 kB", "4,1 ko"),
    (999_960, "1.0 MB", "1,0 Mo"), (250_000_000, "250.0 MB", "250,0 Mo"), (3_200_000_000, "3.2 GB", "3,2 Go"),
    ("12", "12 bytes", "12 octets"), (None, "", ""), ("n/a", "n/a", "n/a"),
])
def test_file_sizes_in_both_languages(in_language: Any, size: Any, english: str, french: str) -> None:
    with in_language("en"):
        assert labels.filesize(size) == english
    with in_language("fr"):
        assert labels.filesize(size) == french


def test_codes_are_named_in_the_pages_language(in_language: Any) -> None:
    with in_language("fr"):
        # Every spelling the DCAT mapping accepts gives the same name.
        for spelling in (MONTHLY, "MONTHLY", "monthly", "http://purl.org/cld/freq/monthly"):
            assert labels.frequency_label(spelling) == "Mensuelle", spelling
        assert labels.frequency_label("ANNUAL") == "Annuelle"
        assert labels.frequency_label("tous les jours de pluie") == "tous les jours de pluie"
        assert [labels.language_name(c) for c in ("fr", "en", "br")] == ["Français", "Anglais", "Breton"]
        assert labels.language_name("http://publications.europa.eu/resource/authority/language/DEU") == "Allemand"
        assert labels.licence_title("lov2", "Licence Ouverte / Open Licence version 2.0") \
            == "Licence Ouverte / Open Licence version 2.0"
        assert labels.licence_title("other-closed", "Other (Not Open)") == "Autre (non ouverte)"
        assert labels.licence_title("mystery", "Mystery licence") == "Mystery licence"
        assert [labels.job_status(s) for s in ("finished", "Finished", "running", "aborted", "errored")] == [
            "Terminé", "Terminé", "En cours", "Interrompu", "En échec"]
        assert [labels.column_type(t) for t in ("text", "int8", "numeric", "float8", "date", "timestamp")] == [
            "texte", "entier", "décimal", "décimal", "date", "date et heure"]
        assert labels.datastore_message("The file is empty (0 bytes): there is nothing to load.") \
            == "Le fichier est vide : il n’y a rien à charger."
        assert labels.datastore_message("Fetching the resource's URL failed: HTTP 404.") \
            == "Le fichier n’a pas pu être récupéré à son adresse : le serveur a répondu HTTP 404."
        assert labels.datastore_message("Something new went wrong.") == "Something new went wrong."
        assert labels.datastore_message('total: invalid value "beaucoup" for a int4 field') \
            == "total : « beaucoup » n’est pas une valeur valide pour une colonne de type entier."
        assert labels.datastore_message('sort: field "x" not in table; q: Must be a string or a dict') \
            == "sort : Il n’y a pas de colonne « x » dans ce tableau.; q: Must be a string or a dict"
    with in_language("en"):
        assert labels.frequency_label(MONTHLY) == "Monthly"
        assert labels.language_name("fr") == "French"
        assert labels.licence_title("other-closed", "Other (Not Open)") == "Other (Not Open)"
        assert labels.licence_title("other-closed") == "Other (Not Open)"  # the register's title
        assert labels.job_status("errored") == "Failed" and labels.column_type("int4") == "integer"


def test_every_frequency_of_the_eu_table_has_a_name() -> None:
    from catalog.dcat import vocab

    assert {row["code"] for row in vocab.tables()["frequencies"]} == set(labels.FREQUENCY_LABELS)
    assert set(labels.FORM_FREQUENCIES) <= set(labels.FREQUENCY_LABELS)


def test_every_licence_of_the_register_has_a_french_title_or_keeps_its_own() -> None:
    from catalog.vocab.licenses import license_list

    ids = {entry["id"] for entry in license_list()}
    assert set(labels.LICENCE_TITLES_FR) <= ids
    assert ids - set(labels.LICENCE_TITLES_FR) == {"dl-by-de/2.0", "dl-zero-de/2.0"}  # German proper names


def rows(html: str) -> dict[str, str]:
    """The dataset page's information rows: label -> text of the cell."""
    found = re.findall(r'<tr data-extra="[^"]+"><th scope="row">([^<]+)</th>\s*<td>(.*?)</td></tr>', html, re.S)
    return {label: re.sub(r"<[^>]+>", "", cell).strip() for label, cell in found}


def test_the_dataset_page_names_its_extras_and_collapses_the_harvest_ones(
        client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="allocataires", title="Allocataires", owner_org=org["id"],
         license_id="lov2", extras=[
             {"key": "frequency", "value": MONTHLY}, {"key": "language", "value": '["en", "fr"]'},
             {"key": "contact_email", "value": "opendata@example.org"}, {"key": "contact_name", "value": "Mission"},
             {"key": "issued", "value": "2021-03-04"}, {"key": "temporal_start", "value": "2020-01-01"},
             {"key": "unite", "value": "foyers"},
             {"key": "harvest_source_id", "value": "src-1"}, {"key": "harvest_source_title", "value": "data.gouv"},
             {"key": "harvest_object_id", "value": "obj-9"}, {"key": "guid", "value": "remote-42"},
             {"key": "remote_url", "value": "https://www.data.gouv.fr/datasets/remote-42"}])
    answer = client.get("/dataset/allocataires", headers={"Accept-Language": "fr"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    shown = rows(html)
    assert shown["Fréquence de mise à jour"] == "Mensuelle"
    assert shown["Langue"] == "Anglais, Français"
    assert shown["Courriel de contact"] == "opendata@example.org"
    assert 'href="mailto:opendata@example.org"' in html
    assert shown["Nom du contact"] == "Mission"
    assert shown["Date de publication"] == "4 mars 2021"
    assert shown["unite"] == "foyers"  # a custom extra keeps its own name
    assert "du 1 janv. 2020 au …" in html  # a bare day, without a time
    assert "Licence Ouverte / Open Licence version 2.0" in html
    harvest = re.search(r'<details class="harvest-extras">\s*<summary>Moissonnage</summary>(.*?)</details>',
                        html, re.S).group(1)
    assert rows(harvest) == {
        "Source de moissonnage": "data.gouv", "Identifiant de la source de moissonnage": "src-1",
        "Identifiant de l’objet moissonné": "obj-9", "Identifiant à la source": "remote-42",
        "Page à la source": "https://www.data.gouv.fr/datasets/remote-42"}
    headings = re.findall(r'<th scope="row">([^<]+)</th>', html.replace(harvest, ""))
    assert not {"harvest_source_id", "harvest_object_id", "guid", "contact_email", "frequency"} & set(headings)
    english = rows(client.get("/dataset/allocataires", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert (english["Update frequency"], english["Language"], english["Contact email"]) == (
        "Monthly", "English, French", "opendata@example.org")


def test_the_resource_page_shows_its_size_in_the_readers_language(
        client: Any, call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    pkg = call("package_create", sysadmin, name="tailles", owner_org=org["id"],
               resources=[{"name": "Gros", "url": "https://example.org/gros.zip", "format": "ZIP", "size": 4000},
                          {"name": "Petit", "url": "https://example.org/petit.txt", "format": "ZIP", "size": 143}])
    big, small = pkg["resources"]
    french = client.get(f"/dataset/tailles/resource/{big['id']}", headers={"Accept-Language": "fr"})
    assert "<td>4,0 ko</td>" in french.get_data(as_text=True)
    english = client.get(f"/dataset/tailles/resource/{small['id']}", headers={"Accept-Language": "en"})
    assert "<td>143 bytes</td>" in english.get_data(as_text=True)
    listing = client.get("/dataset/tailles", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "4,0 ko" in listing and "143 octets" in listing


def test_the_site_default_licence_is_offered_first(client: Any, call: Any, sysadmin: Any,
                                                    org: dict[str, Any]) -> None:
    call("config_option_update", sysadmin, **{"ckan.default_license_id": "cc-by-4.0"})
    log_in(client, sysadmin)
    html = client.get("/dataset/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    block = re.search(r'<select[^>]*id="license_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    first = re.search(r"<option([^>]*)>", block).group(1)
    assert 'value="cc-by-4.0"' in first and "selected" in first
    created = client.post("/dataset/new", data={"csrf_token": csrf_token(html), "title": "Essai", "name": "essai",
                                                "owner_org": org["id"], "license_id": "cc-by-4.0"})
    assert created.status_code == 302
    assert call("package_show", ANONYMOUS, id="essai")["license_id"] == "cc-by-4.0"


def test_the_search_page_names_licences_in_the_readers_language(client: Any, call: Any, sysadmin: Any,
                                                                 org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="ferme", owner_org=org["id"], license_id="other-closed")
    french = client.get("/dataset?license_id=other-closed", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    facet = re.search(r'<section class="facet" aria-labelledby="facet-license_id">(.*?)</section>', french, re.S)
    assert "Autre (non ouverte)" in facet.group(1) and "Other (Not Open)" not in facet.group(1)
    assert "Licences: Autre (non ouverte) ✕" in french  # the chip of the chosen filter
    english = client.get("/dataset?license_id=other-closed", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Licences: Other (Not Open) ✕" in english


def test_the_preview_names_column_types_and_filter_errors_in_french(page: Any,
                                                                    table: dict[str, Any]) -> None:  # noqa: F811
    status, html = page(table["url"], "fr")
    assert status == 200
    types = re.findall(r'<span class="type">([^<]+)</span>', html)
    assert "entier" in types and "texte" in types and not {"int", "int4", "int8", "text"} & set(types)
    status, html = page(table["url"] + "?column=Allocataires&value=abc", "fr")
    assert status == 200
    assert "« abc » n’est pas une valeur valide pour une colonne de type entier." in html


def test_activity_types_are_named_from_one_table_on_the_dataset_and_user_pages(
        client: Any, call: Any, sysadmin: Any, org: dict[str, Any], in_language: Any) -> None:
    emitted = {f"{change} {kind}" for change in ("new", "changed", "deleted")
               for kind in ("package", "organization", "group", "user")} - {"deleted user"}
    emitted |= {"review submitted", "review approved", "changes requested", "review withdrawn"}
    assert set(labels.ACTIVITY_LABELS) == emitted
    with in_language("fr"):
        french = {key: labels.activity_label(key) for key in emitted}
        assert labels.activity_label("something new") == "something new"
    with in_language("en"):
        assert all(labels.activity_label(key) != french[key] for key in emitted)  # each one translated
    assert french["deleted organization"] == "organisation supprimée"
    call("package_create", sysadmin, name="allocataires", title="Allocataires", owner_org=org["id"])
    log_in(client, sysadmin)
    dataset = client.get("/dataset/allocataires", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    user = client.get("/user/admin", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    for html in (dataset, user):
        activity = re.search(r'<ul class="activity">(.*?)</ul>', html, re.S).group(1)
        assert "jeu de données créé" in activity and "new package" not in activity
    assert "organisation créée" in user

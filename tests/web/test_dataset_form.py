"""The dataset form with every field the dataset page shows: frequency, language, contact, groups, version and
free key/value extras written under the keys the DCAT export reads; licences with Licence Ouverte 2.0 first; an
error summary linking to each field; the organization form's address filled from its title."""

from __future__ import annotations

import re
from typing import Any

from rdflib import RDF, Graph, URIRef

from catalog.context import ANONYMOUS
from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in
from tests.web.formsubmit import unchanged

MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
DCT = "http://purl.org/dc/terms/"


def extras_of(pkg: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in pkg["extras"]}


def every_field(token: str, org_id: str) -> dict[str, Any]:
    return {
        "csrf_token": token, "title": "Allocataires par commune", "name": "allocataires-commune",
        "notes": "Nombre d'allocataires.", "owner_org": org_id, "license_id": "lov2", "tags": "familles",
        "version": "2024.1", "frequency": MONTHLY, "language": ["fr", "en"], "groups": ["solidarite"],
        "contact_name": "Mission open data", "contact_email": "opendata@example.org",
        "temporal_start": "2020-01-01", "temporal_end": "2023-12-31", "spatial_text": "Gironde",
        "extras-0-key": "unite", "extras-0-value": "foyers", "extras-1-key": "source_interne",
        "extras-1-value": "Allstat", "extras-2-key": "", "extras-2-value": "",
    }


def options(html: str, select_id: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of a <select>'s options, in order."""
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(value, label.strip(), "selected" in attrs)
            for attrs, value, label in re.findall(r'<option((?:[^>]*?)value="([^"]*)"[^>]*)>([^<]*)</option>', block)]


def test_the_form_offers_licence_ouverte_first_and_by_default_with_french_titles(
        client: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    html = client.get("/dataset/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    licences = options(html, "license_id")
    assert licences[0] == ("lov2", "Licence Ouverte / Open Licence version 2.0", True)
    assert sum(selected for _v, _l, selected in licences) == 1
    assert ("other-open", "Autre (ouverte)", False) in licences and licences[-1][0] == ""
    english = client.get("/dataset/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ("other-open", "Other (Open)", False) in options(english, "license_id")
    frequencies = dict((v, label) for v, label, _s in options(html, "frequency"))
    assert frequencies[MONTHLY] == "Mensuelle" and frequencies[""] == "Non précisée"
    assert 'value="fr"' in html and "Français" in html  # languages by name, checkboxes
    assert '<legend>Langue</legend>' in html and '<legend>Groupes</legend>' in html


def test_a_dataset_with_every_field_is_written_under_the_keys_dcat_reads(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    call("group_create", sysadmin, name="solidarite", title="Solidarité")
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    created = client.post("/dataset/new", data=every_field(csrf_token(form), org["id"]))
    assert created.status_code == 302, created.get_data(as_text=True)
    pkg = call("package_show", ANONYMOUS, id="allocataires-commune")
    assert (pkg["version"], pkg["license_id"]) == ("2024.1", "lov2")
    assert [g["name"] for g in pkg["groups"]] == ["solidarite"]
    assert extras_of(pkg) == {
        "frequency": MONTHLY, "language": '["en", "fr"]', "contact_name": "Mission open data",
        "contact_email": "opendata@example.org", "temporal_start": "2020-01-01", "temporal_end": "2023-12-31",
        "spatial_text": "Gironde", "unite": "foyers", "source_interne": "Allstat"}

    ttl = client.get("/dataset/allocataires-commune.ttl").get_data(as_text=True)
    graph = Graph().parse(data=ttl, format="turtle")
    node = next(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")))
    assert graph.value(node, URIRef(DCT + "accrualPeriodicity")) == URIRef(MONTHLY)
    languages = set(graph.objects(node, URIRef(DCT + "language")))
    assert languages == {URIRef("http://publications.europa.eu/resource/authority/language/FRA"),
                         URIRef("http://publications.europa.eu/resource/authority/language/ENG")}
    assert "opendata@example.org" in ttl and "Mission open data" in ttl


def test_editing_keeps_what_the_form_does_not_show_and_edits_the_free_rows(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    call("group_create", sysadmin, name="solidarite", title="Solidarité")
    call("group_create", sysadmin, name="logement", title="Logement")
    editor = make_user(call, "edith")
    call("organization_member_create", sysadmin, id=org["id"], username="edith", role="editor")
    call("group_member_create", sysadmin, id="logement", username="edith", role="member")
    call("package_create", sysadmin, name="moissonne", title="Moissonné", owner_org=org["id"],
         groups=[{"name": "solidarite"}],
         extras=[{"key": "harvest_source_id", "value": "src-1"}, {"key": "guid", "value": "remote-42"},
                 {"key": "publisher_name", "value": "Insee"}, {"key": "frequency", "value": "annual"},
                 {"key": "unite", "value": "foyers"}, {"key": "notes_du_producteur", "value": "provisoire"}])
    log_in(client, editor)
    edit = client.get("/dataset/edit/moissonne", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # The editor may add to the groups they belong to only; the udata-style frequency is shown as its EU term.
    assert [v for v, _l, _s in options(edit, "frequency") if _s] == [
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"]
    assert 'value="logement"' in edit and 'value="solidarite"' not in edit
    assert 'value="unite"' in edit and 'value="provisoire"' in edit
    assert "harvest_source_id" not in edit and "publisher_name" not in edit
    rows = re.findall(r'name="extras-(\d+)-key"', edit)
    assert len(rows) == 4  # two rows in use, two empty ones
    saved = client.post("/dataset/edit/moissonne", data={
        "csrf_token": csrf_token(edit), "title": "Moissonné", "name": "moissonne", "owner_org": org["id"],
        "license_id": "", "frequency": MONTHLY, "groups": ["logement"],
        "extras-0-key": "unite", "extras-0-value": "ménages", "extras-1-key": "", "extras-1-value": "provisoire",
        "extras-2-key": "nouvelle", "extras-2-value": "valeur", "extras-3-key": "", "extras-3-value": ""},
        headers={"Accept-Language": "en"})
    assert saved.status_code == 200  # a value without a name is refused beside its row
    html = saved.get_data(as_text=True)
    assert "Give a name to this value." in html and '<a href="#extras-1-key">' in html
    saved = client.post("/dataset/edit/moissonne", data={
        "csrf_token": csrf_token(edit), "title": "Moissonné", "name": "moissonne", "owner_org": org["id"],
        "license_id": "", "frequency": MONTHLY, "groups": ["logement"],
        "extras-0-key": "unite", "extras-0-value": "ménages", "extras-1-key": "", "extras-1-value": "",
        "extras-2-key": "nouvelle", "extras-2-value": "valeur"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    pkg = call("package_show", sysadmin, id="moissonne")
    assert extras_of(pkg) == {"harvest_source_id": "src-1", "guid": "remote-42", "publisher_name": "Insee",
                              "frequency": MONTHLY, "unite": "ménages", "nouvelle": "valeur"}
    # The group the editor cannot manage stays; the one they chose is added.
    assert sorted(g["name"] for g in pkg["groups"]) == ["logement", "solidarite"]


def test_a_group_the_user_may_not_add_to_is_refused(client: Any, sysadmin: Any, call: Any,
                                                    org: dict[str, Any]) -> None:
    call("group_create", sysadmin, name="solidarite", title="Solidarité")
    editor = make_user(call, "edith")
    call("organization_member_create", sysadmin, id=org["id"], username="edith", role="editor")
    log_in(client, editor)
    form = client.get("/dataset/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Vous n’êtes membre d’aucun groupe." in form
    refused = client.post("/dataset/new", data={
        "csrf_token": csrf_token(form), "title": "Essai", "name": "essai", "owner_org": org["id"],
        "license_id": "lov2", "groups": ["solidarite"]}, headers={"Accept-Language": "en"})
    assert refused.status_code == 200
    assert "You can add a dataset only to the groups you are a member of." in refused.get_data(as_text=True)
    assert call("package_search", sysadmin, q="name:essai")["count"] == 0


def test_the_error_summary_links_to_each_field_in_the_pages_language(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    data = {**every_field(csrf_token(form), org["id"]), "title": "", "contact_email": "pas une adresse",
            "extras-1-key": "frequency", "groups": []}
    answer = client.post("/dataset/new", data=data, headers={"Accept-Language": "fr"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _text in links] == ["title", "contact_email", "extras-1-key"]
    assert links[0][1].startswith("Titre : ")
    assert "Saisissez une adresse électronique" in links[1][1]
    assert "« frequency » a son propre champ" in links[2][1]
    for target, _text in links:
        assert f'id="{target}"' in html  # each link has its field
    assert "<title>Erreur :" in html
    assert call("package_search", sysadmin, q="name:allocataires-commune")["count"] == 0


def test_the_action_errors_come_back_in_the_summary_and_beside_the_field(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    call("package_create", sysadmin, name="pris", owner_org=org["id"])
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    data = {**every_field(csrf_token(form), org["id"]), "name": "pris", "groups": []}
    html = client.post("/dataset/new", data=data, headers={"Accept-Language": "en"}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert '<a href="#name">Name (address): That address is already used by another dataset.</a>' in summary
    assert html.rindex("That address is already used by another dataset.") > html.index('id="name"')


def test_the_organization_form_fills_its_address_from_the_title_and_summarises_errors(
        client: Any, sysadmin: Any) -> None:
    log_in(client, sysadmin)
    form = client.get("/organization/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<script src="/static/dataset_form.js"></script>' in form or "dataset_form.js" in form
    bad = client.post("/organization/new", data={"csrf_token": csrf_token(form), "title": "", "name": "x"},
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', bad, re.S).group(1)
    assert [t for t, _x in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)] == ["title", "name"]


def test_language_values_are_stored_as_the_dcat_mapping_reads_them(client: Any, sysadmin: Any, call: Any,
                                                                    org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    data = {**every_field(csrf_token(form), org["id"]), "language": ["fr"], "groups": []}
    assert client.post("/dataset/new", data=data).status_code == 302
    extras = extras_of(call("package_show", sysadmin, id="allocataires-commune"))
    assert extras["language"] == "fr"  # one language as itself, several as a JSON list (ckanext-dcat)
    edit = client.get("/dataset/edit/allocataires-commune").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*name="language"[^>]*value="([^"]+)"', edit)
    assert checked == ["fr"]


IRREG = "http://publications.europa.eu/resource/authority/frequency/IRREG"


def test_the_frequency_and_language_lists_take_the_stored_values_only(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    data = {**every_field(csrf_token(form), org["id"]), "groups": [], "frequency": "quand ça me chante",
            "language": ["fr", "klingon"]}
    refused = client.post("/dataset/new", data=data, headers={"Accept-Language": "fr"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Choisissez une fréquence dans la liste." in html and "Choisissez les langues dans la liste." in html
    assert "quand ça me chante" not in html and 'value="klingon"' not in html
    assert call("package_search", sysadmin, q="name:allocataires-commune")["count"] == 0
    # A dataset's own values outside the lists are offered (and kept), and nothing else.
    call("package_create", sysadmin, name="ancien", owner_org=org["id"],
         extras=[{"key": "frequency", "value": "au fil de l'eau"}, {"key": "language", "value": "wa"}])
    edit = client.get("/dataset/edit/ancien").get_data(as_text=True)
    assert [v for v, _l, selected in options(edit, "frequency") if selected] == ["au fil de l&#39;eau"]
    assert re.search(r'<input checked[^>]*name="language"[^>]*value="wa"', edit)
    assert client.post("/dataset/edit/ancien", data=unchanged(edit, "dataset-form")).status_code == 302
    assert extras_of(call("package_show", sysadmin, id="ancien")) == {"frequency": "au fil de l'eau",
                                                                       "language": "wa"}
    data = unchanged(edit, "dataset-form")
    data["frequency"], data["language"] = "quand ça me chante", "klingon"
    refused = client.post("/dataset/edit/ancien", data=data, headers={"Accept-Language": "en"})
    html = refused.get_data(as_text=True)
    assert "Choose a frequency from the list." in html and "Choose languages from the list." in html
    assert extras_of(call("package_show", sysadmin, id="ancien"))["frequency"] == "au fil de l'eau"


def test_saving_the_edit_form_unchanged_keeps_every_extra_it_shows_as_stored(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    stored = {
        "temporal_start": "2019",  # xsd:gYear, as DCAT sources give it
        "temporal_end": "2021-06-30T18:00:00+02:00",  # xsd:dateTime
        "frequency": "irregular",  # a udata-style spelling of the EU term the form shows
        "language": '["http://publications.europa.eu/resource/authority/language/FRA", "en"]',
        "spatial_text": "Gironde",
        "spatial": '{"type": "Point", "coordinates": [-0.58, 44.84]}',
        "contact_name": "Mission open data",
        "contact_email": "opendata@example.org",
    }
    call("package_create", sysadmin, name="moissonne", title="Moissonné", owner_org=org["id"],
         extras=[{"key": k, "value": v} for k, v in stored.items()])
    log_in(client, sysadmin)
    edit = client.get("/dataset/edit/moissonne").get_data(as_text=True)
    assert 'value="2019"' in edit and 'value="2021-06-30T18:00:00+02:00"' in edit
    assert [v for v, _l, selected in options(edit, "frequency") if selected] == [IRREG]
    assert client.post("/dataset/edit/moissonne", data=unchanged(edit, "dataset-form")).status_code == 302
    assert extras_of(call("package_show", sysadmin, id="moissonne")) == stored
    # A field that is changed is written as the form writes it; the others stay as they were.
    data = unchanged(edit, "dataset-form")
    data["frequency"] = MONTHLY
    data["temporal_start"] = "2019-06"
    assert client.post("/dataset/edit/moissonne", data=data).status_code == 302
    assert extras_of(call("package_show", sysadmin, id="moissonne")) == {
        **stored, "frequency": MONTHLY, "temporal_start": "2019-06"}


def test_the_temporal_fields_take_a_year_a_month_a_day_or_a_date_and_time(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="temporal_start"[^>]*type="text"', form)
    assert "par exemple 2019, 2019-06 ou 2019-06-30" in form  # the hint, in the page's language
    for start, end in (("2019", "2021-06-30T18:00:00+02:00"), ("2019-06", "2021-06-30")):
        data = {**every_field(csrf_token(form), org["id"]), "groups": [], "temporal_start": start,
                "temporal_end": end}
        assert client.post("/dataset/new", data=data).status_code == 302
        extras = extras_of(call("package_show", sysadmin, id="allocataires-commune"))
        assert (extras["temporal_start"], extras["temporal_end"]) == (start, end)
        call("dataset_purge", sysadmin, id="allocataires-commune")
    data = {**every_field(csrf_token(form), org["id"]), "groups": [], "temporal_start": "2020-02-30",
            "temporal_end": "2019-13"}
    refused = client.post("/dataset/new", data=data, headers={"Accept-Language": "fr"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert [t for t, _x in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)] == ["temporal_start",
                                                                                          "temporal_end"]
    assert "Saisissez une année, un mois ou une date" in summary
    assert call("package_search", sysadmin, q="name:allocataires-commune")["count"] == 0


def test_free_rows_named_like_a_field_of_every_dataset_are_refused_on_their_row(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    log_in(client, sysadmin)
    form = client.get("/dataset/new").get_data(as_text=True)
    data = {**every_field(csrf_token(form), org["id"]), "groups": [],
            "extras-0-key": "state", "extras-0-value": "deleted", "extras-1-key": "private", "extras-1-value": "1",
            "extras-2-key": "owner_org", "extras-2-value": "autre", "extras-3-key": "creator_user_id",
            "extras-3-value": "quelqu'un", "extras-4-key": "unite", "extras-4-value": "foyers"}
    refused = client.post("/dataset/new", data=data, headers={"Accept-Language": "fr"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _text in links] == ["extras-0-key", "extras-1-key", "extras-2-key", "extras-3-key"]
    assert "« state » est un champ de tout jeu de données" in links[0][1]
    assert "schema field" not in html
    assert call("package_search", sysadmin, q="name:allocataires-commune", include_private=True)["count"] == 0


def test_the_actions_refusal_of_an_extra_named_like_a_field_is_translated(app: Any) -> None:
    from catalog.web.messages import translate_error

    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert translate_error("There is a schema field with the same name") == (
            "Ce nom est celui d’un champ de tout jeu de données : choisissez-en un autre.")


def test_a_stored_value_the_form_would_refuse_is_kept_when_left_as_it_is(
        client: Any, sysadmin: Any, call: Any, org: dict[str, Any]) -> None:
    stored = {"temporal_start": "juin 2019", "contact_email": "pas une adresse", "spatial_text": "Gironde"}
    call("package_create", sysadmin, name="moissonne", title="Moissonné", owner_org=org["id"],
         extras=[{"key": k, "value": v} for k, v in stored.items()])
    log_in(client, sysadmin)
    edit = client.get("/dataset/edit/moissonne").get_data(as_text=True)
    data = unchanged(edit, "dataset-form")
    data["title"] = "Moissonné à nouveau"
    assert client.post("/dataset/edit/moissonne", data=data).status_code == 302
    pkg = call("package_show", sysadmin, id="moissonne")
    assert pkg["title"] == "Moissonné à nouveau" and extras_of(pkg) == stored
    data["temporal_start"] = "juin 2020"  # typed: checked
    refused = client.post("/dataset/edit/moissonne", data=data, headers={"Accept-Language": "en"})
    assert refused.status_code == 200
    assert "Enter a year, a month or a date that exists" in refused.get_data(as_text=True)
    assert extras_of(call("package_show", sysadmin, id="moissonne"))["temporal_start"] == "juin 2019"


def test_a_free_row_or_field_left_as_it_was_keeps_its_stored_value(client: Any, sysadmin: Any, call: Any,
                                                          org: dict[str, Any]) -> None:
    stored = {"note": "Première ligne.\nSeconde ligne.", "unite": " foyers ", "contact_name": "Mission\nopen data"}
    call("package_create", sysadmin, name="moissonne", title="Moissonné", owner_org=org["id"],
         extras=[{"key": k, "value": v} for k, v in stored.items()])
    log_in(client, sysadmin)
    edit = client.get("/dataset/edit/moissonne").get_data(as_text=True)
    data = unchanged(edit, "dataset-form")  # as a browser sends it: the line break is gone from the input
    assert "Première ligne.Seconde ligne." in data.getlist("extras-0-value") + data.getlist("extras-1-value")
    assert client.post("/dataset/edit/moissonne", data=data).status_code == 302
    assert extras_of(call("package_show", sysadmin, id="moissonne")) == stored

"""The chart page of a tabular resource, its SVG download, saving a chart as a view and the saved views on the view
and dataset pages, through the Flask client on both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in

ROWS = [
    {"code_insee": "35238", "region": "Bretagne", "jour": "2024-01-05", "montant": 10},
    {"code_insee": "29019", "region": "Bretagne", "jour": "2024-02-20", "montant": 5},
    {"code_insee": "2A004", "region": "Corse", "jour": "2024-02-01", "montant": 7},
    {"code_insee": "31555", "region": "Occitanie", "jour": "2024-03-11", "montant": 30},
    {"code_insee": "34172", "region": "Occitanie", "jour": "2024-03-02", "montant": 3},
]
BAR = re.compile(r'<rect class="bar" [^>]*data-key="([^"]*)" data-value="([^"]*)" aria-label="([^"]*)"')


@pytest.fixture
def table(call: Any, sysadmin: Any, org: dict[str, Any]) -> Any:
    pkg = call("package_create", sysadmin, name="montants", title="Montants", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"], "name": "montants"},
                   fields=[{"id": "code_insee", "type": "text"}, {"id": "region", "type": "text"},
                           {"id": "jour", "type": "date"}, {"id": "montant", "type": "int"}],
                   records=ROWS)
    yield pkg, created["resource_id"]
    call("datastore_delete", sysadmin, resource_id=created["resource_id"], force=True)


def chart_url(table: Any, suffix: str = "chart") -> str:
    pkg, rid = table
    return f"/dataset/{pkg['name']}/resource/{rid}/{suffix}"


def test_the_default_chart_groups_by_a_column_with_few_values_and_sums_the_first_number(page, table):
    status, html = page(chart_url(table))
    assert status == 200
    # code_insee has as many values as rows, so the region is chosen; montant is the first numeric column
    assert '<option value="region" selected>' in html and '<option value="montant" selected>' in html
    bars = BAR.findall(html)
    assert [(key, value) for key, value, _ in bars] == [("Occitanie", "33"), ("Bretagne", "15"), ("Corse", "7")]
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "Sum of montant by region" in html
    assert '<table class="info chart-table">' in html  # the data table as fallback


def test_the_chart_page_in_french(page, table):
    status, html = page(chart_url(table), lang="fr")
    assert status == 200
    assert "Somme de montant par region" in html and "Télécharger le SVG" in html


def test_dates_are_grouped_by_month_and_count_needs_no_number(page, table):
    status, html = page(chart_url(table) + "?group_by=jour&agg=count&kind=line")
    assert status == 200
    points = re.findall(r'<circle class="point" [^>]*data-key="([^"]*)" data-value="([^"]*)"', html)
    assert points == [("2024-01", "1"), ("2024-02", "2"), ("2024-03", "2")]
    assert '<polyline class="line"' in html
    # the form always sends a period; on a category column it is ignored
    status, html = page(chart_url(table) + "?group_by=region&value=montant&agg=sum&kind=bar&period=month")
    assert status == 200 and len(BAR.findall(html)) == 3


def test_a_column_that_does_not_fit_gives_a_message_and_the_default_chart(page, table):
    status, html = page(chart_url(table) + "?group_by=region&value=region&agg=sum")
    assert status == 400
    assert 'role="alert"' in html and len(BAR.findall(html)) == 3


def test_the_svg_download(client, table):
    response = client.get(chart_url(table, "chart.svg") + "?group_by=region&value=montant&agg=mean")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert [(k, v) for k, v, _ in BAR.findall(svg)] == [("Occitanie", "16.5"), ("Bretagne", "7.5"), ("Corse", "7.0")]


def test_a_resource_without_table_has_no_chart(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="sans-table", owner_org=org["id"],
               resources=[{"url": "https://example.org/notes.txt"}])
    status, html = page(f"/dataset/{pkg['name']}/resource/{pkg['resources'][0]['id']}/chart")
    assert status == 404 and 'data-chart="none"' in html


def test_private_datasets_charts_answer_404_or_403_to_others(page, call, sysadmin, org, client):
    pkg = call("package_create", sysadmin, name="prive", owner_org=org["id"], private=True)
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"]},
                   fields=[{"id": "k", "type": "text"}], records=[{"k": "a"}])
    try:
        for suffix in ("chart", "chart.svg"):
            status, html = page(f"/dataset/prive/resource/{created['resource_id']}/{suffix}")
            assert status in (403, 404) and "<rect class=\"bar\"" not in html
    finally:
        call("datastore_delete", sysadmin, resource_id=created["resource_id"], force=True)


def test_editors_save_a_chart_as_a_view_shown_on_the_view_and_dataset_pages(client, call, sysadmin, org, table):
    pkg, rid = table
    editor = make_user(call, "editrice")
    call("organization_member_create", sysadmin, id=org["id"], username=editor.name, role="editor")
    # a visitor sees no save form, and cannot post one
    html = client.get(chart_url(table)).get_data(as_text=True)
    assert 'class="chart-save"' not in html
    log_in(client, editor)
    html = client.get(chart_url(table) + "?group_by=region&value=montant&agg=sum&kind=bar").get_data(as_text=True)
    assert 'class="chart-save"' in html
    response = client.post(chart_url(table), data={
        "csrf_token": csrf_token(html), "group_by": "region", "value": "montant", "agg": "sum", "kind": "bar",
        "title": "Montants par région"})
    assert response.status_code == 302
    views = call("resource_view_list", sysadmin, id=rid)
    assert [(v["title"], v["view_type"], v["group_by"], v["value"], v["agg"], v["kind"]) for v in views] == [
        ("Montants par région", "chart", "region", "montant", "sum", "bar")]
    assert response.headers["Location"].endswith(f"/view/{views[0]['id']}")
    view_html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Montants par région" in view_html and len(BAR.findall(view_html)) == 3
    resource_html = client.get(f"/dataset/{pkg['name']}/resource/{rid}").get_data(as_text=True)
    assert f'/view/{views[0]["id"]}">Montants par région</a>' in resource_html
    dataset_html = client.get(f"/dataset/{pkg['name']}").get_data(as_text=True)
    assert 'class="resource-views"' in dataset_html and "Montants par région" in dataset_html
    assert [(k, v) for k, v, _ in BAR.findall(dataset_html)] == [("Occitanie", "33"), ("Bretagne", "15"),
                                                                  ("Corse", "7")]
    # the editor deletes it from the view page
    response = client.post(f"/dataset/{pkg['name']}/resource/{rid}/view/{views[0]['id']}/delete",
                           data={"csrf_token": csrf_token(view_html)})
    assert response.status_code == 302 and call("resource_view_list", sysadmin, id=rid) == []


def test_a_visitor_cannot_save_or_delete_views(client, call, sysadmin, table):
    pkg, rid = table
    html = client.get(chart_url(table)).get_data(as_text=True)
    stranger = make_user(call, "passant")
    log_in(client, stranger)
    html = client.get(chart_url(table)).get_data(as_text=True)
    response = client.post(chart_url(table), data={"csrf_token": csrf_token(html), "group_by": "region",
                                                   "agg": "count", "title": "x"})
    assert response.status_code == 403
    view = call("resource_view_create", sysadmin, resource_id=rid, title="Texte", view_type="text_view")
    response = client.post(f"/dataset/{pkg['name']}/resource/{rid}/view/{view['id']}/delete",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 403 and len(call("resource_view_list", sysadmin, id=rid)) == 1


def test_image_and_text_views_on_the_dataset_page(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="images", owner_org=org["id"],
               resources=[{"url": "https://example.org/carte.png", "name": "carte"}])
    rid = pkg["resources"][0]["id"]
    call("resource_view_create", sysadmin, resource_id=rid, title="La carte", view_type="image_view",
         description="Carte des communes")
    call("resource_view_create", sysadmin, resource_id=rid, title="Notes", view_type="text_view")
    status, html = page("/dataset/images")
    assert status == 200
    assert '<img class="view-image" src="https://example.org/carte.png" alt="Carte des communes">' in html
    assert "Notes" in html


def test_a_table_view_shows_the_first_rows(page, call, sysadmin, table):
    pkg, rid = table
    view = call("resource_view_create", sysadmin, resource_id=rid, title="Le tableau", view_type="datatables_view",
                show_fields=["region", "montant"])
    status, html = page(f"/dataset/{pkg['name']}/resource/{rid}/view/{view['id']}")
    assert status == 200 and '<table class="preview-table">' in html
    assert re.findall(r'<th scope="col">([^<]+)</th>', html) == ["region", "montant"]
    assert html.count("<td>Bretagne</td>") == 2 and "5 rows in all:" in html


def test_past_fifty_categories_the_rest_is_one_others_bar(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="communes", owner_org=org["id"])
    records = [{"commune": f"Commune {n:02d}", "foyers": n} for n in range(1, 56) for _ in range(2)]
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"]},
                   fields=[{"id": "commune", "type": "text"}, {"id": "foyers", "type": "int"}], records=records)
    try:
        status, html = page(f"/dataset/communes/resource/{created['resource_id']}/chart?group_by=commune"
                            "&value=foyers&agg=sum")
        assert status == 200
        bars = BAR.findall(html)
        assert len(bars) == 50 and bars[0][:2] == ("Commune 55", "110")
        others = re.search(r'<rect class="bar others" [^>]*data-others="true" data-value="([^"]*)"', html)
        assert others and int(others.group(1)) == 2 * sum(range(1, 6))  # communes 1 to 5, twice each
        assert "Others (5)" in html
    finally:
        call("datastore_delete", sysadmin, resource_id=created["resource_id"], force=True)


def test_numbers_are_grouped_in_the_readers_language(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="grands-nombres", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"]},
                   fields=[{"id": "k", "type": "text"}, {"id": "n", "type": "numeric"}],
                   records=[{"k": "a", "n": 81095.5}, {"k": "a", "n": 1}, {"k": "b", "n": 2}])
    try:
        url = f"/dataset/grands-nombres/resource/{created['resource_id']}/chart?group_by=k&value=n&agg=sum"
        assert 'aria-label="a : 81,096.5"' in page(url)[1]
        french = page(url, lang="fr")[1]
        assert 'aria-label="a : 81\u202f096,5"' in french and 'data-value="81096.5"' in french
    finally:
        call("datastore_delete", sysadmin, resource_id=created["resource_id"], force=True)


def test_a_text_view_shows_the_files_text(page, call, sysadmin, org):
    from pathlib import Path

    from werkzeug.datastructures import FileStorage

    readme = Path(__file__).resolve().parents[2] / "catalog/demo/data/files/lisezmoiAAHCom.txt"
    pkg = call("package_create", sysadmin, name="avec-lisez-moi", owner_org=org["id"])
    with readme.open("rb") as handle:
        resource = call("resource_create", sysadmin, package_id=pkg["id"], name="Lisez-moi", format="TXT",
                        upload=FileStorage(handle, readme.name))
    view = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Lisez-moi", view_type="text_view")
    status, html = page(f"/dataset/avec-lisez-moi/resource/{resource['id']}/view/{view['id']}", lang="fr")
    assert status == 200
    text = re.search(r'<pre class="text-view"[^>]*>(.*?)</pre>', html, re.S)
    first_line = next(line for line in readme.read_bytes().decode("cp1252", "replace").splitlines() if line.strip())
    assert text and first_line.strip()[:20].replace("'", "&#39;") in text.group(1)
    dataset_html = page("/dataset/avec-lisez-moi", lang="fr")[1]
    assert '<pre class="text-view"' in dataset_html


def test_masked_counts_companion_columns_are_not_offered(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="masques", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"]},
                   fields=[{"id": "region", "type": "text"}, {"id": "foyers", "type": "int"},
                           {"id": "foyers__mask", "type": "text"}],
                   records=[{"region": "A", "foyers": None, "foyers__mask": "<5"}, {"region": "A", "foyers": 7},
                            {"region": "B", "foyers": 3}])
    try:
        status, html = page(f"/dataset/masques/resource/{created['resource_id']}/chart")
        assert status == 200 and '<option value="region" selected>' in html
        assert 'value="foyers__mask"' not in html
    finally:
        call("datastore_delete", sysadmin, resource_id=created["resource_id"], force=True)


def test_a_chart_named_by_its_url_costs_one_aggregate(client, table, monkeypatch):
    """The default chart counts the groups of each candidate column; a URL naming the column needs none of that."""
    import catalog.web.calls as calls

    counted: list[str] = []
    real = calls.call_action

    def counting(services, name, data, *args, **kwargs):
        counted.append(name)
        return real(services, name, data, *args, **kwargs)

    monkeypatch.setattr(calls, "call_action", counting)
    for suffix in ("chart?group_by=region&value=montant", "chart.svg?group_by=region&agg=count"):
        counted.clear()
        assert client.get(chart_url(table, suffix)).status_code == 200
        assert counted.count("datastore_aggregate") == 1, suffix
    counted.clear()
    status = client.get(chart_url(table, "chart?group_by=nope")).status_code
    assert status == 400 and counted.count("datastore_aggregate") > 1  # the default chart is drawn instead


def test_the_svg_download_of_a_resource_named_beyond_latin_1(client, call, sysadmin, org):
    """A header must be Latin-1 (a real server refuses the response otherwise): the name travels as filename*."""
    pkg = call("package_create", sysadmin, name="donnees", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"], "name": "Données – 2024 €"},
                   fields=[{"id": "region", "type": "text"}, {"id": "montant", "type": "int"}],
                   records=[{"region": "Corse", "montant": 1}, {"region": "Corse", "montant": 2}])
    response = client.get(chart_url((pkg, created["resource_id"]), "chart.svg") + "?group_by=region&value=montant")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    disposition = response.headers["Content-Disposition"]
    disposition.encode("latin-1")
    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''Donn%C3%A9es%20%E2%80%93%202024%20%E2%82%AC.svg" in disposition


def test_a_default_sum_past_64_bits_is_drawn(page, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="grands", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"], "name": "grands"},
                   fields=[{"id": "k", "type": "text"}, {"id": "n", "type": "int"}],
                   records=[{"k": "a", "n": 2**62}, {"k": "a", "n": 2**62}, {"k": "b", "n": 3}])
    status, html = page(chart_url((pkg, created["resource_id"])))
    assert status == 200 and '<option value="n" selected>' in html
    assert [key for key, _, _ in BAR.findall(html)] == ["a", "b"]


def test_when_the_default_chart_fails_too_the_form_shows_the_error(page, table, monkeypatch):
    """A chart that cannot be drawn (here every aggregate fails, as on a time limit) is a 400 page with the form
    and the error, never an error page."""
    import catalog.web.charts as charts
    from catalog.errors import ValidationError

    real = charts.act

    def failing(name, **data):
        if name == "datastore_aggregate" and data.get("limit") != 1:
            raise ValidationError({"query": ["The query took too long"]})
        return real(name, **data)

    monkeypatch.setattr(charts, "act", failing)
    status, html = page(chart_url(table) + "?group_by=region&value=montant")
    assert status == 400 and 'class="chart-form"' in html and "The query took too long" in html
    assert 'role="img"' not in html and 'class="chart-save"' not in html


def test_control_characters_in_labels_leave_the_svg_well_formed(client, call, sysadmin, org):
    import xml.dom.minidom

    pkg = call("package_create", sysadmin, name="controles", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"], "name": "controles"},
                   fields=[{"id": "k", "type": "text", "info": {"label": "Cat\x02égorie"}}, {"id": "n", "type": "int"}],
                   records=[{"k": "a\x01b", "n": 1}, {"k": "a\x01b", "n": 2}, {"k": "c\x1fd", "n": 3}])
    url = chart_url((pkg, created["resource_id"]), "chart.svg") + "?group_by=k&value=n"
    response = client.get(url)
    assert response.status_code == 200
    document = xml.dom.minidom.parseString(response.get_data())
    assert document.getElementsByTagName("title")[0].firstChild.data.endswith(" Catégorie")
    assert [(k, v) for k, v, _ in BAR.findall(response.get_data(as_text=True))] == [("ab", "3"), ("cd", "3")]

"""Masked small counts (<5, s, nd, nc...) stay apart from missing values, and code columns stay text.

A numeric column keeps its type (sorting, filters and aggregates are numeric); its masked cells are empty there
and the companion text column `<column>__mask` holds the mask as written (catalog/datastore/masks.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from catalog.datastore.csv_analysis import analyse
from catalog.datastore.csv_plan import is_code_name

# Codes with no leading zero anywhere (Paris and Gironde), a Siren, a department, a postal code, a Caf number.
FILE = (
    "Communes;Codes_Insee;dep;NUMEPCI;Code postal;NUMCAF;NB_allocataires;Taux;Montant\r\n"
    "Paris;75056;75;200054781;75001;751;210000;35,5;1200,5\r\n"
    "Bordeaux;33063;33;243300316;33000;331;<5;s;nd\r\n"
    "Mérignac;33281;33;243300316;33700;331;;40,1;\r\n"
    "Pessac;33318;33;243300316;33600;331;nc;x;12\r\n"
    "Talence;33522;33;243300316;33400;331;85;41;13,5\r\n"
)


def load(file_resource: Any, tmp_path: Path) -> str:
    path = tmp_path / "NIVCOMTOTAL2021.csv"
    path.write_bytes(FILE.encode("cp1252"))
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    return resource_id


def search(call: Any, actor: Any, resource_id: str, **params: Any) -> dict[str, Any]:
    return call("datastore_search", actor, resource_id=resource_id, **params)


def test_masked_and_missing_are_told_apart_through_datastore_search(call, sysadmin, file_resource, tmp_path):
    resource_id = load(file_resource, tmp_path)
    found = search(call, sysadmin, resource_id)
    types = {f["id"]: f["type"] for f in found["fields"]}
    assert types["NB_allocataires"] == "int8" and types["Taux"] == "numeric" and types["Montant"] == "numeric"
    assert types["NB_allocataires__mask"] == types["Taux__mask"] == types["Montant__mask"] == "text"
    by_commune = {r["Communes"]: r for r in found["records"]}
    bordeaux, merignac, pessac = by_commune["Bordeaux"], by_commune["Mérignac"], by_commune["Pessac"]
    # Masked: empty value, the mask beside it. Missing: empty value, no mask.
    assert (bordeaux["NB_allocataires"], bordeaux["NB_allocataires__mask"]) == (None, "<5")
    assert (merignac["NB_allocataires"], merignac["NB_allocataires__mask"]) == (None, None)
    assert (pessac["NB_allocataires"], pessac["NB_allocataires__mask"]) == (None, "nc")
    assert (bordeaux["Taux__mask"], pessac["Taux__mask"], bordeaux["Montant__mask"]) == ("s", "x", "nd")
    assert (merignac["Montant"], merignac["Montant__mask"]) == (None, None)
    assert by_commune["Paris"]["NB_allocataires__mask"] is None and by_commune["Paris"]["NB_allocataires"] == 210000
    # The masked cells can be asked for, and the numbers still sort and add up as numbers.
    masked = search(call, sysadmin, resource_id, filters={"NB_allocataires__mask": "<5"})["records"]
    assert [r["Communes"] for r in masked] == ["Bordeaux"]
    ordered = search(call, sysadmin, resource_id, sort="NB_allocataires desc nulls last")["records"]
    assert [r["NB_allocataires"] for r in ordered][:2] == [210000, 85]
    total = call("datastore_search_sql", sysadmin, sql=f'SELECT sum("NB_allocataires") AS s FROM "{resource_id}"')
    assert int(total["records"][0]["s"]) == 210085
    info = {f["id"]: f["info"] for f in call("datastore_info", sysadmin, id=resource_id)["fields"]}
    assert "NB_allocataires__mask" in info["NB_allocataires"]["notes"] and "<5" in info["NB_allocataires"]["notes"]


def test_code_columns_are_text_without_a_leading_zero(call, sysadmin, file_resource, tmp_path):
    resource_id = load(file_resource, tmp_path)
    found = search(call, sysadmin, resource_id)
    types = {f["id"]: f["type"] for f in found["fields"]}
    for code in ("Codes_Insee", "dep", "NUMEPCI", "Code postal", "NUMCAF"):
        assert types[code] == "text", code
    paris = found["records"][0]
    assert (paris["Codes_Insee"], paris["dep"], paris["NUMEPCI"], paris["Code postal"]) == (
        "75056", "75", "200054781", "75001")


@pytest.mark.parametrize(("name", "code"), [
    ("Codes_Insee", True), ("CODGEO", True), ("numcomdo", True), ("DEPSEPCI", True), ("Département", True),
    ("SIRET", True), ("cp", True), ("code_region", True), ("NUMDEP", True),
    ("Dépenses", False), ("NB_allocataires", False), ("Montant", False), ("annee", False), ("numerateur", False),
    # A place word names a code alone or after code/num/n°, not inside a quantity's header.
    ("Région", True), ("Commune", True), ("num commune", True), ("N° département", True), ("codecom2020", True),
    ("Nombre de naissances par région", False), ("Dépenses du département", False),
    ("Population par commune", False), ("TXCOUVGLO_COM_2014", False), ("Coder", False), ("Codification", False),
])
def test_code_names(name: str, code: bool) -> None:
    assert is_code_name(name) is code


def test_a_count_named_like_nothing_special_stays_numeric(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("commune;code_commune;population\nParis;75056;2100000\nLyon;69123;520000\n", encoding="utf-8")
    types = {c.id: c.type for c in analyse(path).columns}
    assert types == {"commune": "text", "code_commune": "text", "population": "int"}


def test_the_preview_shows_masks_as_written_and_missing_as_empty(client: Any, call, sysadmin, dataset,
                                                                 file_resource, tmp_path):
    resource_id = load(file_resource, tmp_path)
    html = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}?sort=_id",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "__mask" not in html  # the companion columns are read, not shown
    cells = re.findall(r'<td class="num masked" title="([^"]+)">([^<]*)</td>', html)
    assert sorted(value for _, value in cells) == sorted(["&lt;5", "s", "nd", "nc", "x"])
    assert {title for title, _ in cells} == {"Valeur masquée (secret statistique)"}
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    merignac = next(row for row in rows if "Mérignac" in row)
    assert "masked" not in merignac and '<td class="num"></td>' in merignac


def test_a_quantity_whose_header_names_a_place_is_a_number(call, sysadmin, file_resource, tmp_path: Path) -> None:
    path = tmp_path / "naissances.csv"
    path.write_text("Région;Nombre de naissances par région;Dépenses du département;Code région\n"
                    "Bretagne;31000;1200;53\nNormandie;29000;1300;28\nOccitanie;55000;900;76\n", encoding="utf-8")
    resource_id, status = file_resource(path)
    assert status["status"] == "complete"
    fields = call("datastore_search", sysadmin, resource_id=resource_id, limit=1)["fields"]
    types = {f["id"]: f["type"] for f in fields}
    assert types["Région"] == types["Code région"] == "text"
    assert types["Nombre de naissances par région"] == types["Dépenses du département"] == "int8"
    result = call("datastore_aggregate", sysadmin, resource_id=resource_id, group_by="Région",
                  value="Nombre de naissances par région", agg="sum")
    assert {g["key"]: g["value"] for g in result["groups"]} == {"Occitanie": 55000, "Bretagne": 31000,
                                                                "Normandie": 29000}


LONG = "Nombre de beneficiaires du revenu de solidarite active au 31 dec"  # 63 bytes: its companion's name is cut


def load_long(file_resource: Any, tmp_path: Path) -> str:
    lines = ["commune;NB;" + LONG] + [f"c{i};{'<5' if i % 3 == 0 else i * 10};{'s' if i % 4 == 0 else i}"
                                      for i in range(1, 13)]
    path = tmp_path / "masques.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    return resource_id


def test_the_companion_of_a_long_header_is_paired_by_the_preview_and_the_charts(client: Any, call, sysadmin, dataset,
                                                                                file_resource, tmp_path):
    from catalog.datastore.masks import mask_pairs

    resource_id = load_long(file_resource, tmp_path)
    fields = search(call, sysadmin, resource_id, limit=0)["fields"]
    column = next(f["id"] for f in fields if f["id"].startswith("Nombre") and not f["id"].endswith("__mask"))
    companion = "Nombre de beneficiaires du revenu de solidarite active__mask"
    assert mask_pairs(fields) == {"NB": "NB__mask", column: companion}
    html = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}?sort=_id").get_data(as_text=True)
    assert "(masked)" not in html and "__mask" not in html
    cells = re.findall(r'<td class="num masked" title="[^"]+">([^<]*)</td>', html)
    assert sorted(cells) == sorted(["&lt;5"] * 4 + ["s"] * 3)
    chart = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}/chart").get_data(as_text=True)
    assert "__mask" not in chart and "(masked)" not in chart


def test_mask_pairs_without_the_record_pair_column_and_column__mask() -> None:
    from catalog.datastore.masks import mask_pairs

    fields = [{"id": "NB", "type": "int"}, {"id": "Taux", "type": "numeric"}, {"id": "NB__mask", "type": "text"},
              {"id": "x__mask", "type": "text"}]
    assert mask_pairs(fields) == {"NB": "NB__mask"}


def test_a_table_view_shows_masks_as_written_and_hides_the_companions(client: Any, call, sysadmin, dataset,
                                                                       file_resource, tmp_path):
    resource_id = load_long(file_resource, tmp_path)
    view = call("resource_view_create", sysadmin, resource_id=resource_id, title="Tableau",
                view_type="datatables_view")
    html = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}/view/{view['id']}").get_data(as_text=True)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert headers == ["commune", "NB", LONG]
    cells = re.findall(r'<td class="num masked" title="[^"]+">([^<]*)</td>', html)
    assert sorted(cells) == sorted(["&lt;5"] * 4 + ["s"] * 3)

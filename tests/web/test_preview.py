"""The resource page's preview table, read from datastore_search: paging, sorting, search, filters, privacy."""

from __future__ import annotations

import re
from typing import Any

import pytest

ROWS = 57


@pytest.fixture
def table(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    pkg = call("package_create", sysadmin, name="communes", title="Communes", owner_org=org["id"])
    resource = call("resource_create", sysadmin, package_id=pkg["id"], name="Communes", url="", format="CSV")
    records = [{"Commune": f"Commune {n:03d}", "Allocataires": None if n == 7 else n * 10,
                "Département": "33" if n % 2 else "24", "Année": 2023, "Part (%)": n % 10 + 0.5}
               for n in range(1, ROWS + 1)]
    call("datastore_create", sysadmin, resource_id=resource["id"], force=True, records=records,
         fields=[{"id": "Commune", "type": "text"}, {"id": "Allocataires", "type": "int"},
                 {"id": "Département", "type": "text"}, {"id": "Année", "type": "int"},
                 {"id": "Part (%)", "type": "numeric"}])
    return {"url": f"/dataset/communes/resource/{resource['id']}", "resource": resource, "package": pkg}


def cells(html: str, column: int = 0) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[column] for row in rows]


def test_preview_pages_through_the_table(page: Any, table: dict[str, Any]) -> None:
    status, html = page(table["url"])
    assert status == 200
    assert f"Rows 1 to 25 of {ROWS}" in html
    assert cells(html)[:2] == ["Commune 001", "Commune 002"] and len(cells(html)) == 25
    _, last = page(table["url"] + "?page=3")
    assert f"Rows 51 to {ROWS} of {ROWS}" in last and cells(last)[-1] == f"Commune {ROWS:03d}"
    _, wide = page(table["url"] + "?per_page=100")
    assert len(cells(wide)) == ROWS and 'rel="next"' not in wide
    _, french = page(table["url"], "fr")
    assert f"Lignes 1 à 25 sur {ROWS}" in french


def test_preview_numbers_follow_the_reader_language(page: Any, table: dict[str, Any]) -> None:
    """Decimal comma in French, point in English; years are never grouped into "2 023"."""
    _, english = page(table["url"])
    _, french = page(table["url"], "fr")
    assert cells(english, 4)[:2] == ["1.5", "2.5"] and cells(english, 3)[0] == "2023"
    assert cells(french, 4)[:2] == ["1,5", "2,5"] and cells(french, 3)[0] == "2023"


def test_preview_sorts_by_a_column_both_ways(page: Any, table: dict[str, Any]) -> None:
    _, ascending = page(table["url"] + "?sort=Allocataires&dir=asc")
    assert cells(ascending, 1)[:3] == ["10", "20", "30"]
    assert 'aria-sort="ascending"' in ascending
    _, descending = page(table["url"] + "?sort=Allocataires&dir=desc&page=1")
    assert 'aria-sort="descending"' in descending
    numbers = [int(v) for v in cells(descending, 1) if v]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == ROWS * 10
    # The header link flips the direction and goes back to page 1.
    assert "sort=Allocataires&amp;dir=asc" in descending


def test_preview_search_and_column_filter(page: Any, table: dict[str, Any]) -> None:
    _, found = page(table["url"] + "?q=Commune+042")
    assert "Rows 1 to 1 of 1" in found and cells(found) == ["Commune 042"]
    _, filtered = page(table["url"] + "?column=D%C3%A9partement&value=24&per_page=100")
    assert f"of {ROWS // 2}" in filtered and all(c == "24" for c in cells(filtered, 2))
    _, nothing = page(table["url"] + "?column=D%C3%A9partement&value=99")
    assert "No rows match." in nothing


def test_a_bad_filter_is_a_message_not_an_error(page: Any, table: dict[str, Any]) -> None:
    status, html = page(table["url"] + "?sort=nope&dir=asc")
    assert status == 200 and "This filter could not be applied" in html and "<tbody>" in html
    status, html = page(table["url"] + "?column=nope&value=1")
    assert status == 200 and "This filter could not be applied" in html
    status, html = page(table["url"] + "?column=Allocataires&value=abc")
    assert status == 200 and "This filter could not be applied" in html


def test_user_values_in_the_table_are_escaped(page: Any, call: Any, sysadmin: Any, table: dict[str, Any]) -> None:
    call("datastore_upsert", sysadmin, resource_id=table["resource"]["id"], method="insert", force=True,
         records=[{"Commune": "<img src=x onerror=alert(1)>", "Allocataires": 1, "Département": "33"}])
    _, html = page(table["url"] + "?q=onerror")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_private_tables_are_not_previewed_for_anonymous_visitors(page: Any, call: Any, sysadmin: Any,
                                                                  table: dict[str, Any]) -> None:
    call("package_patch", sysadmin, id=table["package"]["id"], private=True)
    status, html = page(table["url"])
    assert status in (403, 404) and "Commune 001" not in html


def test_an_integer_filter_beyond_64_bits_is_a_message_not_an_error(page: Any, table: dict[str, Any]) -> None:
    status, html = page(table["url"] + "?column=Allocataires&value=99999999999999999999")
    assert status == 200 and "This filter could not be applied" in html


def test_a_load_that_ended_between_the_pages_two_reads_shows_the_table(app: Any, services: Any,
                                                                        table: dict[str, Any]) -> None:
    """The page reads the resource (datastore_active not yet true), then the load's status (already complete, the
    load ended in between): the table is there and is shown, not "no preview" (a browser test met it under load)."""
    from catalog.datastore.models import DatastoreLoad
    from catalog.web.resources import _preview

    with services.db.unit_of_work(write=True) as session:
        session.add(DatastoreLoad(resource_id=table["resource"]["id"], status="complete", job_id="done",
                                  rows_loaded=ROWS, rows_total=ROWS))
    read_before_the_load_ended = {**table["resource"], "datastore_active": False}
    with app.test_request_context(table["url"]):
        preview = _preview(read_before_the_load_ended)
    assert preview["state"] == "ready" and preview["pager"].total == ROWS

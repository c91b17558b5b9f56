"""A page number past the last page is a 404 page in the visitor's language with a link to the first page, never an
empty page linking to another empty one: dataset search, organization and group lists and their datasets, the
review queue and the CSV preview."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest

from tests.web.conftest import log_in
from tests.web.test_preview import table  # noqa: F401 (fixture)


def first_page_link(html: str) -> str:
    found = re.search(r'<a href="([^"]*)">(?:Go to the first page|Aller à la première page)</a>', html)
    assert found, "no link to the first page"
    return html_lib.unescape(found.group(1))


@pytest.fixture
def datasets(call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    call("group_create", sysadmin, name="logement", title="Logement")
    for number in range(25):
        call("package_create", sysadmin, name=f"jeu-{number:02d}", title=f"Jeu {number:02d}", owner_org=org["id"],
             groups=[{"name": "logement"}] if number < 3 else [])


@pytest.mark.usefixtures("each_search_backend")
def test_search_past_the_last_page_is_a_404_with_a_link_to_the_first(page: Any, datasets: None) -> None:
    status, second = page("/dataset?sort=title_string+asc&page=2")
    assert status == 200 and "Jeu 24" in second
    status, html = page("/dataset?sort=title_string+asc&tags=x&page=3")
    assert status == 404 and "Jeu" not in html
    status, html = page("/dataset?q=jeu&sort=title_string+asc&page=3")
    assert status == 404 and "There is no page 3 here: the last page is 2." in html
    assert first_page_link(html) == "/dataset?q=jeu&sort=title_string+asc"
    status, french = page("/dataset?q=jeu&page=99999", "fr")
    assert status == 404 and "Page introuvable" in french and "la dernière page est la page 2" in french
    assert first_page_link(french) == "/dataset?q=jeu"


def test_an_empty_search_has_its_first_page_only(page: Any, org: dict[str, Any]) -> None:
    assert page("/dataset")[0] == 200
    status, html = page("/dataset?page=2")
    assert status == 404 and first_page_link(html) == "/dataset"


@pytest.mark.parametrize(("path", "last"), [
    ("/organization/cnaf", "/organization/cnaf?page=2"), ("/group/logement", "/group/logement?page=1"),
    ("/organization", "/organization?page=1"), ("/group", "/group?page=1"),
])
def test_lists_past_the_last_page_are_404s(page: Any, datasets: None, path: str, last: str) -> None:
    assert page(last)[0] == 200
    number = int(last.rsplit("=", 1)[1]) + 1
    status, html = page(f"{path}?page={number}", "fr")
    assert status == 404 and "Aller à la première page" in html
    assert first_page_link(html) == path


def test_review_queue_past_the_last_page_is_a_404(client: Any, page: Any, sysadmin: Any, datasets: None) -> None:
    log_in(client, sysadmin)
    assert page("/review")[0] == 200
    status, html = page("/review?page=2")
    assert status == 404 and first_page_link(html) == "/review"


def test_preview_past_the_last_page_is_a_404(page: Any, table: dict[str, Any]) -> None:  # noqa: F811
    assert page(table["url"] + "?page=3")[0] == 200
    status, html = page(table["url"] + "?page=4&per_page=25")
    assert status == 404 and first_page_link(html) == table["url"] + "?per_page=25"
    status, html = page(table["url"] + "?q=Commune+001&page=2", "fr")
    assert status == 404 and "Aller à la première page" in html


@pytest.mark.parametrize("path", ["/user", "/user/admin", "/ckan-admin"])
def test_user_lists_past_the_last_page_are_404s(client: Any, page: Any, sysadmin: Any, datasets: None,
                                                path: str) -> None:
    log_in(client, sysadmin)
    assert page(path)[0] == 200
    status, html = page(f"{path}?page=99", "fr")  # the admin made 25 datasets: at most 2 pages
    assert status == 404 and first_page_link(html) == path

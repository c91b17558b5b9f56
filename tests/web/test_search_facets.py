"""The search page through the Flask client: 10 values a facet with CKAN's `_<field>_limit=0` to show more (a link,
no script), the facets after the results in the page, result items with organization logo, formats, licence and
last update, and an unknown field as a message in the visitor's language."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("each_search_backend")


@pytest.fixture
def tagged(call: Any, sysadmin: Any) -> None:
    org = call("organization_create", sysadmin, name="cnaf", title="Caisse nationale",
               image_url="https://example.org/cnaf.png")
    for number in range(12):
        call("package_create", sysadmin, name=f"jeu-{number:02d}", title=f"Jeu {number:02d}", owner_org=org["id"],
             license_id="cc-by", tags=[{"name": f"theme-{n:02d}"} for n in range(number + 1)],
             resources=[{"url": "https://example.org/a.csv", "format": "CSV"}])


def facet_values(html: str, field: str) -> list[str]:
    return re.findall(rf'data-facet="{field}">\s*(?:<span aria-hidden="true">✓</span> )?([^<]+?)\s*<span', html)


def test_facets_show_ten_values_and_a_link_to_all(page: Any, tagged: None) -> None:
    status, html = page("/dataset")
    assert status == 200
    # Most frequent first: theme-00 is on all 12 datasets, theme-11 on one.
    assert facet_values(html, "tags") == [f"theme-{n:02d}" for n in range(10)]
    assert 'href="/dataset?_tags_limit=0"' in html and "Show more" in html
    _, everything = page("/dataset?_tags_limit=0", "fr")
    assert facet_values(everything, "tags") == [f"theme-{n:02d}" for n in range(12)]
    assert 'href="/dataset"' in everything and "Afficher moins" in everything
    assert "_res_format_limit" not in html  # one value only: nothing more to show


def test_expanded_facet_keeps_the_filters(page: Any, tagged: None) -> None:
    _, html = page("/dataset?tags=theme-05&q=jeu")
    assert facet_values(html, "tags")[:1] == ["theme-00"]
    more = re.search(r'<p class="facet-more"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert more == "/dataset?tags=theme-05&q=jeu&_tags_limit=0"


def test_results_come_before_the_facets_and_show_their_facts(page: Any, tagged: None) -> None:
    _, html = page("/dataset", "fr")
    assert html.index('class="search-box"') < html.index('class="datasets"') < html.index('class="facets"')
    assert '<details class="facets-panel" open>' in html
    item = html[html.index('<li class="dataset-item">'):html.index("</li>", html.index('item-facts'))]
    assert 'src="https://example.org/cnaf.png"' in item and "Caisse nationale" in item
    assert '<li class="format">CSV</li>' in item
    assert "Creative Commons Attribution" in item and "Mis à jour le" in item


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "There is no field “colour” to search in"),
    ("fr", "Il n'y a pas de champ « colour » dans lequel chercher"),
])
def test_an_unknown_field_is_a_message_on_the_page(page: Any, tagged: None, lang: str, message: str) -> None:
    status, html = page("/dataset?q=colour:red&page=3", lang)
    assert status == 200 and message in html.replace("&#39;", "'")

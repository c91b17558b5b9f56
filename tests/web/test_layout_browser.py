"""The search page's layout in a real browser (French): on a phone-sized screen the search box and the results
come before the facets, which start collapsed; on a wide screen the facets are open on the left; "show more" on a
facet works without JavaScript. A screenshot of the narrow page is saved (MOISSON_SCREENSHOTS or the test's temp
folder)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    Server,
    launched_chromium,
    playwright_or_skip,
    start_server,
    stop_server,
)

sync_api = playwright_or_skip()
expect = sync_api.expect

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("portal"), Path(__file__).resolve().parents[2])
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def tab(browser: Any, width: int, height: int, **options: Any) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not laid out"
    return found


def test_narrow_screen_puts_search_and_results_before_collapsed_facets(server: Server, browser: Any,
                                                                         tmp_path: Path) -> None:
    page = tab(browser, 390, 844)
    page.goto(server.url + "/dataset")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".dataset-item").first).to_be_visible()
    folder = Path(os.environ.get("MOISSON_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "search-390x844-fr.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    search, first, facets = box(page, "form.search-box"), box(page, ".dataset-item"), box(page, "aside.facets")
    assert search["y"] + search["height"] <= first["y"] < facets["y"]
    assert first["y"] + first["height"] <= facets["y"]
    for part in (search, first, facets, box(page, ".pagination")):  # nothing wider than the screen
        assert part["x"] >= 0 and part["x"] + part["width"] <= 390
    assert page.locator(".facets-panel").evaluate("el => el.open") is False
    expect(page.locator(".facet").first).to_be_hidden()
    page.locator(".facets-panel > summary").click()  # collapsed, not gone
    expect(page.locator(".facet").first).to_be_visible()
    page.context.close()


def test_wide_screen_shows_open_facets_on_the_left(server: Server, browser: Any) -> None:
    page = tab(browser, 1280, 900)
    page.goto(server.url + "/dataset")
    assert page.locator(".facets-panel").evaluate("el => el.open") is True
    facets, results = box(page, "aside.facets"), box(page, ".results")
    assert facets["x"] + facets["width"] <= results["x"] and abs(facets["y"] - results["y"]) < 50
    item = page.locator(".dataset-item").first
    expect(item.locator(".modified")).to_contain_text("Mis à jour le")
    expect(item.locator(".format").first).to_be_visible()
    page.context.close()


def test_show_more_works_without_javascript(server: Server, browser: Any) -> None:
    page = tab(browser, 1280, 900, java_script_enabled=False)
    page.goto(server.url + "/dataset")
    tags = page.locator('.facet a[data-facet="tags"]')
    expect(tags).to_have_count(10)
    page.locator('section[aria-labelledby="facet-tags"] .facet-more a').click()
    expect(page).to_have_url(re.compile(r"_tags_limit=0"))
    assert tags.count() > 10
    page.locator('section[aria-labelledby="facet-tags"] .facet-more a').click()  # "Afficher moins"
    expect(tags).to_have_count(10)
    page.context.close()


def test_organization_page_sets_its_description_apart_from_its_datasets(server: Server, browser: Any) -> None:
    page = tab(browser, 390, 844)
    page.goto(server.url + "/organization")
    page.locator(".card a, main li a").first.click()
    header, datasets = box(page, "header.group-header"), box(page, "#group-datasets-title")
    assert header["y"] + header["height"] <= datasets["y"]
    expect(page.locator("#group-datasets-title")).to_have_text("Jeux de données")
    page.context.close()

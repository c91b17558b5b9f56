"""The chart of a demo CSV in a real browser, in French (issue 17, "Pictures"): the file is uploaded and loaded into
the DataStore, the chart page draws one bar per category whose values are what datastore_search's rows add up to, an
administrator saves it as a view that the dataset page then shows, and "Télécharger le PNG" gives a PNG.
Headless Debian Chromium through Playwright, against `moisson serve` (tests/web/browser.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    ADMIN_PASSWORD,
    Server,
    launched_chromium,
    playwright_or_skip,
    start_server,
    stop_server,
)

sync_api = playwright_or_skip()
expect = sync_api.expect

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "catalog" / "demo" / "data" / "files" / "AAH_repartition.csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("charts"), ROOT, demo=False)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def demo_table(server: Server) -> dict[str, Any]:
    """The demo's AAH_repartition.csv uploaded as a resource and loaded into the DataStore."""
    pkg = server.action("package_create", {"name": "aah-repartition", "title": "Répartition de l'AAH",
                                           "owner_org": "cnaf"})
    resource = server.action("resource_create", {"package_id": pkg["id"], "name": "AAH_repartition", "format": "CSV"},
                             files={"upload": (DEMO_CSV.name, DEMO_CSV.read_bytes())})
    server.wait_for_datastore(resource["id"])
    return {"package": pkg, "resource": resource}


def sums_by(server: Server, resource_id: str, group: str, value: str) -> dict[str, float]:
    rows = server.action("datastore_search", {"resource_id": resource_id, "limit": 10000})["records"]
    sums: dict[str, float] = defaultdict(float)
    for row in rows:
        sums[str(row[group])] += float(row[value] or 0)
    return dict(sums)


def log_in_as_admin(tab: Any, server: Server) -> None:
    tab.goto(server.url + "/user/login")
    tab.get_by_label("Identifiant ou courriel").fill("admin")
    tab.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".flash")).to_contain_text("admin")


def test_chart_of_a_demo_csv_saved_as_a_view_and_downloaded_as_png(server: Server, tab: Any, demo_table: dict,
                                                                   tmp_path: Path) -> None:
    pkg, resource = demo_table["package"], demo_table["resource"]
    log_in_as_admin(tab, server)
    tab.goto(f"{server.url}/dataset/{pkg['name']}/resource/{resource['id']}")
    tab.get_by_role("link", name="Graphique").click()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Graphique de AAH_repartition")

    # The defaults: departments (the column with repeated values), and the first quantity (not the year).
    group = tab.get_by_label("Regrouper par (catégorie ou date)").input_value()
    value = tab.get_by_label("Colonne numérique").input_value()
    assert (group, value) == ("Dep", "AAH_taux_80_plus")
    expected = sums_by(server, resource["id"], group, value)
    chart = tab.locator("svg.chart[role=img]")
    expect(chart.locator(":scope > title")).to_have_text("Somme de AAH_taux_80_plus par Dep")
    bars = chart.locator("rect.bar")
    assert bars.count() == len(expected)  # one bar per category
    drawn = {bars.nth(i).get_attribute("data-key"): float(bars.nth(i).get_attribute("data-value"))
             for i in range(bars.count())}
    assert drawn == pytest.approx(expected)
    assert all(bars.nth(i).get_attribute("aria-label") for i in range(bars.count()))

    # Another choice through the form: the mean of another column, as a line.
    tab.get_by_label("Colonne numérique").select_option("AAH_complement")
    tab.get_by_label("Calcul").select_option("mean")
    tab.get_by_role("button", name="Tracer").click()
    expect(chart.locator(":scope > title")).to_have_text("Moyenne de AAH_complement par Dep")
    tab.get_by_label("Calcul").select_option("sum")
    tab.get_by_label("Colonne numérique").select_option("AAH_taux_80_plus")
    tab.get_by_role("button", name="Tracer").click()
    expect(chart.locator(":scope > title")).to_have_text("Somme de AAH_taux_80_plus par Dep")

    # PNG, drawn by the browser from the SVG.
    with tab.expect_download() as download_info:
        tab.get_by_role("button", name="Télécharger le PNG").click()
    png = tmp_path / "chart.png"
    download_info.value.save_as(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000

    # Saved as a view, then shown on the dataset page with the same bars.
    tab.get_by_label("Titre").fill("Taux 80 % et plus par département")
    tab.get_by_role("button", name="Enregistrer comme vue").click()
    expect(tab.locator(".flash")).to_contain_text("Le graphique est enregistré comme vue")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Taux 80 % et plus par département")
    tab.goto(f"{server.url}/dataset/{pkg['name']}")
    views = tab.locator("section.resource-views")
    expect(views.get_by_role("heading", name="Vues")).to_be_visible()
    expect(views.get_by_role("link", name="Taux 80 % et plus par département")).to_be_visible()
    shown = views.locator("svg.chart rect.bar")
    assert shown.count() == len(expected)
    assert {shown.nth(i).get_attribute("data-key"): float(shown.nth(i).get_attribute("data-value"))
            for i in range(shown.count())} == pytest.approx(expected)
    assert server.action("resource_view_list", {"id": resource["id"]})[0]["view_type"] == "chart"

"""Content rendered properly, in a real browser, in French (issue 17): a demo dataset's lisez-moi is shown as
readable French text (decoded from Windows-1252, accents intact) instead of a broken table, and a Markdown
description carrying a <script> tag and a javascript: link is shown formatted, with nothing able to run.
Headless Debian Chromium through Playwright, against `moisson serve` with the demo loaded (tests/web/browser.py).
"""

from __future__ import annotations

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
RSA = "foyers-allocataires-percevant-le-revenu-de-solidarite-active-rsa-par-commune"
HOSTILE = (
    "## Méthode de comptage\n\n"
    "Nombre de **foyers allocataires** au 31 décembre, *par commune*.\n\n"
    "<script>window.pwned = true; alert('script');</script>\n\n"
    "[Cliquez ici](javascript:window.pwned=true) ou voyez [le site de la Caf](https://www.caf.fr/).\n\n"
    '<a href="javascript:window.pwned=true" id="brut">lien brut</a> '
    "<img src=\"x\" onerror=\"window.pwned = true\">"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("content"), Path(__file__).resolve().parents[2], demo=True)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def french_tab(browser: Any) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def test_the_lisez_moi_of_a_demo_dataset_reads_as_french_text(server: Server, browser: Any) -> None:
    tab = french_tab(browser)
    tab.goto(f"{server.url}/dataset/{RSA}")
    tab.get_by_role("link", name="lisezmoiRSACom.txt").first.click()
    expect(tab.get_by_role("heading", name="Texte du fichier")).to_be_visible()
    text = tab.locator("pre.text-view")
    expect(text).to_be_visible()
    expect(text).to_contain_text("***DESCRIPTION DE LA PRESTATION***")
    expect(text).to_contain_text("Le revenu de solidarité active (RSA) assure aux personnes sans ressources")
    expect(text).to_contain_text("un effectif inférieur à 5 ; d'autres cellules sont masquées")
    expect(text).to_contain_text("Fréquence de diffusion : Annuelle")
    content = text.inner_text()
    assert "\ufffd" not in content and "Ã©" not in content  # decoded, not mojibake
    # The aligned variable table keeps its columns: a monospace font and the spaces as written.
    assert "Communes              Char  NOM DE LA COMMUNE" in content
    font = text.evaluate("element => getComputedStyle(element).fontFamily")
    assert "mono" in font.lower() or "consolas" in font.lower()
    expect(tab.locator("table.preview-table")).to_have_count(0)
    status = server.action("datastore_load_status", {"resource_id": tab.url.rsplit("/", 1)[-1]})
    assert status["status"] == "text"


def test_a_markdown_description_with_a_script_is_harmless(server: Server, browser: Any) -> None:
    server.action("package_create", {"name": "description-piegee", "title": "Description piégée",
                                     "owner_org": "cnaf", "notes": HOSTILE})
    tab = french_tab(browser)
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(f"{server.url}/dataset/description-piegee")
    notes = tab.locator(".notes.markdown")
    expect(notes.get_by_role("heading", name="Méthode de comptage")).to_be_visible()
    expect(notes.locator("strong")).to_have_text("foyers allocataires")
    expect(notes.locator("em")).to_have_text("par commune")
    expect(notes.get_by_role("link", name="le site de la Caf")).to_have_attribute("href", "https://www.caf.fr/")
    expect(notes.locator("script")).to_have_count(0)
    expect(notes.locator("img")).to_have_count(0)
    hrefs = notes.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href') || '')")
    assert hrefs and not any(href.strip().lower().startswith("javascript") for href in hrefs)
    # Clicking what is left of the hostile links runs nothing either.
    tab.get_by_text("lien brut").click()
    tab.wait_for_load_state()
    assert tab.evaluate("() => window.pwned === undefined")
    assert dialogs == []
    # The search results show the plain-text excerpt.
    tab.goto(f"{server.url}/dataset?q=piégée")
    excerpt = tab.locator(".dataset-item .notes").first
    expect(excerpt).to_contain_text("Méthode de comptage Nombre de foyers allocataires au 31 décembre")
    assert "##" not in excerpt.inner_text() and "**" not in excerpt.inner_text()

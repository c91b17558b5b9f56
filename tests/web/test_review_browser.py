"""Editorial review in a real browser, in French (issue 16): an editor creates a dataset in an organization that
requires review and submits it from its page; a reviewer opens "À relire", sees the diff and approves; the
dataset is then public. Headless Debian Chromium through Playwright, against `moisson serve` (tests/web/browser.py).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import CHROMIUM, CHROMIUM_ARGS, Server, playwright_or_skip, start_server, stop_server

sync_api = playwright_or_skip()
expect = sync_api.expect

pytestmark = pytest.mark.slow
PASSWORD = "relecture-en-navigateur"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("review"), Path(__file__).resolve().parents[2], demo=False)
    try:
        yield running
    finally:
        stop_server(running)


def french_tab(browser: Any) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def log_in(tab: Any, server: Server, name: str) -> None:
    tab.goto(server.url + "/user/login")
    tab.get_by_label("Identifiant ou courriel").fill(name)
    tab.get_by_label("Mot de passe").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".flash")).to_contain_text(name)


def public_status(server: Server, name: str) -> int:
    try:
        with urllib.request.urlopen(f"{server.url}/api/3/action/package_show?id={name}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_french_pages_from_submission_to_publication(server: Server) -> None:
    server.action("organization_patch", {"id": "cnaf", "review_required": True})
    for name, role in (("edith", "editor"), ("rene", "reviewer")):
        server.action("user_create", {"name": name, "email": f"{name}@example.org", "password": PASSWORD})
        server.action("organization_member_create", {"id": "cnaf", "username": name, "role": role})

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            editor = french_tab(browser)
            log_in(editor, server, "edith")
            editor.goto(server.url + "/dataset/new")
            editor.get_by_label("Titre").fill("Naissances par commune")
            expect(editor.locator("#name")).to_have_value("naissances-par-commune")
            editor.locator("#owner_org").select_option(label="CNAF")
            editor.locator("form.form button[type=submit]").click()
            expect(editor).to_have_url(re.compile(r"/dataset/naissances-par-commune/resource/new$"))
            assert public_status(server, "naissances-par-commune") == 403  # a draft, not public

            editor.goto(server.url + "/dataset/naissances-par-commune")
            expect(editor.locator(".review-status")).to_have_text("Brouillon")
            editor.get_by_label("Commentaire pour les relecteurs (facultatif)").fill("Première version")
            editor.get_by_role("button", name="Soumettre pour relecture").click()
            expect(editor.locator(".flash.success")).to_contain_text("Soumis pour relecture")
            expect(editor.locator(".review-status")).to_have_text("En attente de relecture")
            expect(editor.get_by_role("link", name="À relire")).to_have_count(0)  # editors review nothing

            reviewer = french_tab(browser)
            log_in(reviewer, server, "rene")
            menu = reviewer.locator("a.review-link")
            expect(menu).to_contain_text("À relire")
            expect(menu.locator(".badge")).to_have_text("1")
            menu.click()
            expect(reviewer.locator("h1")).to_have_text("À relire")
            expect(reviewer.locator(".review-counts")).to_contain_text("cnaf")
            reviewer.get_by_role("link", name="Naissances par commune").click()
            expect(reviewer.locator("table.diff")).to_contain_text("Naissances par commune")
            expect(reviewer.locator("table.diff ins").first).to_be_visible()
            expect(reviewer.locator(".review-history")).to_contain_text("Première version")
            reviewer.get_by_label("Commentaire").fill("Bon pour publication")
            reviewer.get_by_role("button", name="Approuver et publier").click()
            expect(reviewer.locator(".flash.success")).to_contain_text("le jeu de données est publié")
            expect(reviewer.locator("h1")).to_contain_text("Naissances par commune")
            expect(menu.locator(".badge")).to_have_count(0)  # the queue is empty again
        finally:
            browser.close()
    assert public_status(server, "naissances-par-commune") == 200

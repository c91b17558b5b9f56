"""API tokens from the user's page in a real browser, in French (issue 17): a user creates a token on
/user/<name>/api-tokens, sees it once, uses it against /api/3/action/package_search with the Authorization header
(it sees the user's private dataset), finds it listed but no longer shown, revokes it, and the token no longer
works. Headless Debian Chromium through Playwright, against `moisson serve` (tests/web/browser.py)."""

from __future__ import annotations

import json
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
PASSWORD = "jeton-en-navigateur"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("tokens"), Path(__file__).resolve().parents[2], demo=False)
    try:
        yield running
    finally:
        stop_server(running)


def search_private(server: Server, token: str | None) -> tuple[int, Any]:
    """package_search for private datasets as the token's owner (or anonymously)."""
    request = urllib.request.Request(f"{server.url}/api/3/action/package_search?q=name:brouillon-interne"
                                     "&include_private=true", headers={"Authorization": token} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_token_created_from_the_user_page_works_once_shown_and_stops_when_revoked(server: Server) -> None:
    server.action("user_create", {"name": "jeanne", "email": "jeanne@example.org", "password": PASSWORD,
                                  "fullname": "Jeanne Martin"})
    server.action("organization_member_create", {"id": "cnaf", "username": "jeanne", "role": "editor"})
    server.action("package_create", {"name": "brouillon-interne", "title": "Brouillon interne", "owner_org": "cnaf",
                                     "private": True})

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
            tab.set_default_timeout(15_000)
            tab.goto(server.url + "/user/login")
            tab.get_by_label("Identifiant ou courriel").fill("jeanne")
            tab.get_by_label("Mot de passe").fill(PASSWORD)
            tab.locator("main form button[type=submit]").click()
            expect(tab.locator(".flash")).to_contain_text("jeanne")

            tab.get_by_role("link", name="jeanne", exact=True).click()  # the header links to one's own page
            expect(tab.get_by_role("heading", level=1)).to_contain_text("Jeanne Martin")
            tab.get_by_role("link", name="Jetons d'API").click()
            expect(tab.get_by_role("heading", level=1)).to_have_text("Jetons d'API")
            expect(tab.locator("table.tokens")).to_contain_text("Aucun jeton.")

            tab.get_by_label("Nom du jeton").fill("script de moissonnage")
            tab.get_by_role("button", name="Créer le jeton").click()
            expect(tab.get_by_role("heading", name="Votre nouveau jeton")).to_be_visible()
            expect(tab.locator(".flash")).to_contain_text("il ne sera plus affiché")
            token = tab.get_by_role("textbox", name="Votre nouveau jeton").input_value()
            assert len(token) > 20

            status, answer = search_private(server, token)
            assert status == 200 and answer["result"]["count"] == 1
            assert answer["result"]["results"][0]["name"] == "brouillon-interne"
            assert search_private(server, None)[1]["result"]["count"] == 0  # the dataset is private

            tab.goto(server.url + "/user/jeanne/api-tokens")  # listed, never shown again
            row = tab.locator("table.tokens tbody tr", has_text="script de moissonnage")
            expect(row).to_have_count(1)
            expect(tab.get_by_role("heading", name="Votre nouveau jeton")).to_have_count(0)
            assert token not in tab.content()

            row.get_by_role("button", name="Révoquer").click()
            expect(tab.locator(".flash")).to_contain_text("Jeton révoqué")
            expect(tab.locator("table.tokens")).to_contain_text("Aucun jeton.")
        finally:
            browser.close()

    # A revoked token is an unknown one: the caller is anonymous (as CKAN), and the private dataset is gone.
    status, answer = search_private(server, token)
    assert status == 200 and answer["result"]["count"] == 0
    request = urllib.request.Request(f"{server.url}/api/3/action/api_token_list?user_id=jeanne",
                                     headers={"Authorization": token})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403

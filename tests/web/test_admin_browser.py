"""Administration from the web in a real browser, in French (issue 17): an organization's administrator adds a member
by e-mail, changes their capacity and removes them; an editor deletes a resource from its page. Headless Debian
Chromium through Playwright, against `moisson serve` (tests/web/browser.py)."""

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
PASSWORD = "administration-en-navigateur"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("admin"), Path(__file__).resolve().parents[2], demo=False)
    try:
        for name in ("alice", "edith", "rene"):
            running.action("user_create", {"name": name, "email": f"{name}@example.org", "password": PASSWORD,
                                           "fullname": name.title() + " Martin"})
        running.action("organization_member_create", {"id": "cnaf", "username": "alice", "role": "admin"})
        running.action("organization_member_create", {"id": "cnaf", "username": "edith", "role": "editor"})
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def french_tab(browser: Any, server: Server, name: str) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(server.url + "/user/login")
    tab.get_by_label("Identifiant ou courriel").fill(name)
    tab.get_by_label("Mot de passe").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".flash")).to_contain_text(name)
    return tab


def capacities(server: Server) -> dict[str, str]:
    org = server.action("organization_show", {"id": "cnaf", "include_users": True})
    return {user["name"]: user["capacity"] for user in org["users"]}


def test_members_are_managed_from_the_organization_page(server: Server, browser: Any) -> None:
    tab = french_tab(browser, server, "alice")
    tab.goto(server.url + "/organization/cnaf")
    tab.get_by_role("link", name="Membres").click()
    expect(tab.locator("h1")).to_have_text("Membres")

    tab.get_by_label("Identifiant ou courriel").fill("personne@example.org")
    tab.get_by_role("button", name="Ajouter", exact=True).click()
    expect(tab.locator("#username-errors")).to_have_text(
        "Aucun utilisateur ne correspond à ce nom ou à cette adresse électronique.")

    tab.get_by_label("Identifiant ou courriel").fill("rene@example.org")
    tab.get_by_label("Rôle", exact=True).select_option(label="Relecteur")
    tab.get_by_role("button", name="Ajouter", exact=True).click()
    expect(tab.locator(".flash.success")).to_contain_text(
        "L’utilisateur ayant cette adresse électronique est désormais membre (Relecteur)")
    row = tab.locator('tr[data-user="rene"]')
    expect(row).to_contain_text("Rene Martin")
    assert capacities(server)["rene"] == "reviewer"

    row.get_by_label("Rôle de rene").select_option(label="Éditeur")
    row.get_by_role("button", name="Modifier").click()
    expect(tab.locator(".flash.success")).to_have_text("Le rôle de rene a été modifié.")
    expect(tab.locator('tr[data-user="rene"] select')).to_have_value("editor")
    assert capacities(server)["rene"] == "editor"

    tab.locator('tr[data-user="rene"]').get_by_role("button", name="Retirer rene").click()
    expect(tab.locator(".flash.success")).to_contain_text("rene a été retiré")
    expect(tab.locator('tr[data-user="rene"]')).to_have_count(0)
    assert "rene" not in capacities(server)


def test_an_editor_deletes_a_resource_from_its_page(server: Server, browser: Any) -> None:
    pkg = server.action("package_create", {
        "name": "allocataires", "title": "Allocataires 2024", "owner_org": "cnaf",
        "resources": [{"url": "https://example.org/allocataires.csv", "name": "Fichier CSV", "format": "CSV"},
                      {"url": "https://example.org/notice.txt", "name": "Notice"}]})
    tab = french_tab(browser, server, "edith")
    tab.goto(server.url + f"/dataset/allocataires/resource/{pkg['resources'][0]['id']}")
    tab.get_by_role("link", name="Supprimer").click()
    expect(tab.locator("h1")).to_have_text("Confirmer la suppression")
    expect(tab.locator(".question")).to_have_text("Supprimer la ressource « Fichier CSV » ?")
    tab.get_by_role("button", name="Supprimer").click()
    expect(tab.locator(".flash.success")).to_have_text("La ressource « Fichier CSV » a été supprimée.")
    expect(tab.locator("h1")).to_contain_text("Allocataires 2024")
    expect(tab.get_by_role("link", name="Fichier CSV")).to_have_count(0)
    expect(tab.get_by_role("link", name="Notice")).to_have_count(1)
    resources = server.action("package_show", {"id": "allocataires"})["resources"]
    assert [resource["name"] for resource in resources] == ["Notice"]

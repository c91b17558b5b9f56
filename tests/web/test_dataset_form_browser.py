"""The dataset form in a real browser, in French: a dataset created with every field (frequency, temporal and
spatial coverage, contact, language, group, version, two custom extras, one of them on a row added by the form's
script), then its page shows each under its French label; an empty title gives the error summary, which takes the
focus and links to the field. Headless Debian Chromium through Playwright, against `moisson serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    playwright_or_skip,
    start_server,
    stop_server,
)

sync_api = playwright_or_skip()
expect = sync_api.expect

pytestmark = pytest.mark.slow
MONTHLY = "http://publications.europa.eu/resource/authority/frequency/MONTHLY"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("dataset-form"), Path(__file__).resolve().parents[2], demo=False)
    try:
        running.action("group_create", {"name": "solidarite", "title": "Solidarité"})
        yield running
    finally:
        stop_server(running)


def signed_in_french_tab(browser: Any, server: Server) -> Any:
    tab = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    tab.set_default_timeout(15_000)
    tab.goto(server.url + "/user/login")
    tab.get_by_label("Identifiant ou courriel").fill("admin")
    tab.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".flash")).to_contain_text("admin")
    return tab


def info_cell(tab: Any, label: str) -> Any:
    return tab.locator("table.info tr", has=tab.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))) \
        .locator("td")


def test_a_dataset_with_every_field_and_its_page_in_french(server: Server) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = signed_in_french_tab(browser, server)
            tab.goto(server.url + "/dataset/new")
            expect(tab.locator("#license_id")).to_have_value("lov2")  # Licence Ouverte 2.0, first and chosen
            expect(tab.locator("#license_id option").first).to_have_text("Licence Ouverte / Open Licence version 2.0")

            # An empty title: the summary at the top takes the focus and its link leads to the field.
            tab.locator("form.dataset-form button[type=submit]").click()
            summary = tab.locator("#error-summary")
            expect(summary).to_be_focused()
            expect(summary).to_have_attribute("role", "alert")
            expect(summary.get_by_role("heading")).to_have_text("Le formulaire comporte des erreurs")
            summary.get_by_role("link", name=re.compile("^Titre : ")).click()
            expect(tab).to_have_url(re.compile(r"#title$"))

            tab.get_by_label("Titre", exact=True).fill("Allocataires par commune")
            expect(tab.locator("#name")).to_have_value("allocataires-par-commune")
            tab.get_by_label("Description", exact=True).fill("Nombre d'allocataires par commune.")
            tab.locator("#owner_org").select_option(label="CAF-GIRONDE")
            tab.get_by_label("Version").fill("2024.1")
            tab.get_by_label("Fréquence de mise à jour").select_option(label="Mensuelle")
            tab.get_by_role("group", name="Langue").get_by_label("Français").check()
            tab.get_by_role("group", name="Groupes").get_by_label("Solidarité").check()
            tab.get_by_label("Couverture temporelle : début").fill("2020-01-01")
            tab.get_by_label("Couverture temporelle : fin").fill("2023-12-31")
            tab.get_by_label("Couverture géographique").fill("Gironde")
            tab.get_by_label("Nom du contact").fill("Mission open data")
            tab.get_by_label("Courriel de contact").fill("opendata@example.org")
            tab.get_by_label("Nom de l’information complémentaire 1", exact=True).fill("unite")
            tab.get_by_label("Valeur de l’information complémentaire 1", exact=True).fill("foyers")
            tab.get_by_role("button", name="Ajouter une ligne").click()
            expect(tab.locator("tr.extra-row")).to_have_count(4)
            added = tab.get_by_label("Nom de l’information complémentaire 4", exact=True)
            expect(added).to_be_focused()
            added.fill("source_interne")
            tab.get_by_label("Valeur de l’information complémentaire 4", exact=True).fill("Allstat")
            tab.locator("form.dataset-form button[type=submit]").click()
            expect(tab).to_have_url(re.compile(r"/dataset/allocataires-par-commune/resource/new(#title)?$"))

            tab.goto(server.url + "/dataset/allocataires-par-commune")
            expect(tab.locator("h1")).to_contain_text("Allocataires par commune")
            expected = {
                "Licence": "Licence Ouverte / Open Licence version 2.0",
                "Fréquence de mise à jour": "Mensuelle",
                "Langue": "Français",
                "Nom du contact": "Mission open data",
                "Courriel de contact": "opendata@example.org",
                "Couverture temporelle": "du 1 janv. 2020 au 31 déc. 2023",
                "Couverture géographique": "Gironde",
                "Version": "2024.1",
                "unite": "foyers",
                "source_interne": "Allstat",
            }
            for label, text in expected.items():
                expect(info_cell(tab, label)).to_contain_text(text)
            expect(tab.get_by_role("link", name="opendata@example.org")).to_have_attribute(
                "href", "mailto:opendata@example.org")
            expect(tab.locator("section", has=tab.get_by_role("heading", name="Groupes"))).to_contain_text(
                "Solidarité")
        finally:
            browser.close()
    pkg = server.action("package_show", {"id": "allocataires-par-commune"})
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["frequency"] == MONTHLY and extras["language"] == "fr"
    assert (extras["unite"], extras["source_interne"]) == ("foyers", "Allstat")

"""Harvest sources from the web in a real browser, in French (issue 17): a sysadmin adds a source pointing at a
local fixture CKAN (tests/harvest/remote.py), runs it now, sees the job finish and the datasets appear; a source
on a port nobody listens on shows its failure in French, with the technical detail folded behind it. Headless
Debian Chromium through Playwright, against `moisson serve` (tests/web/browser.py), which runs "Run now" in a
thread (no Redis)."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LOOPBACK_ALLOW
from tests.harvest.remote import FakeCkan, RemoteServer, ckan_package
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
FAST_HTTP = '{"rows": 2, "http": {"retries": 0, "connect_timeout": 2, "read_timeout": 5}}'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    before = os.environ.get("MOISSON_OUTBOUND_ALLOW")
    os.environ["MOISSON_OUTBOUND_ALLOW"] = LOOPBACK_ALLOW  # the fixture catalog listens on 127.0.0.1
    try:
        running = start_server(tmp_path_factory.mktemp("harvest"), Path(__file__).resolve().parents[2], demo=False)
    finally:
        if before is None:
            os.environ.pop("MOISSON_OUTBOUND_ALLOW")
        else:
            os.environ["MOISSON_OUTBOUND_ALLOW"] = before
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture
def remote_ckan() -> Iterator[FakeCkan]:
    remote = RemoteServer()
    ckan = FakeCkan(remote, prefix="/ckan")
    for number in range(5):
        ckan.put(ckan_package(number, title=f"Allocations versées {number}"))
    yield ckan
    remote.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def french_tab(browser: Any) -> Any:
    tab = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    tab.set_default_timeout(15_000)
    return tab


def wait_for_state(tab: Any, wanted: str, timeout: float = 60) -> None:
    """The job page says to reload it to follow the job: reload until its state reads `wanted`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = tab.locator("main .job-state").first.inner_text()
        if state == wanted:
            return
        assert state not in ("Terminé", "Échec du moissonnage", "Interrompu"), state  # ended otherwise
        time.sleep(0.5)
        tab.reload()
    raise AssertionError(f"the job did not reach “{wanted}” in {timeout} s")


def test_a_sysadmin_adds_a_source_runs_it_and_sees_failures_in_french(server: Server, remote_ckan: FakeCkan) -> None:
    server.action("harvest_source_create", {
        "name": "portail-ferme", "title": "Portail fermé", "url": f"http://127.0.0.1:{closed_port()}/",
        "source_type": "ckan", "owner_org": "cnaf", "config": FAST_HTTP})
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = french_tab(browser)
            tab.goto(server.url + "/user/login")
            tab.get_by_label("Identifiant ou courriel").fill("admin")
            tab.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
            tab.locator("main form button[type=submit]").click()
            expect(tab.locator(".flash")).to_contain_text("admin")

            tab.goto(server.url + "/harvest")
            tab.get_by_role("link", name="Ajouter une source de moissonnage").click()
            expect(tab.get_by_role("heading", level=1)).to_have_text("Nouvelle source de moissonnage")
            tab.get_by_label("Titre", exact=True).fill("Portail voisin")
            expect(tab.locator("#name")).to_have_value("portail-voisin")  # filled from the title
            tab.get_by_label("Adresse du catalogue distant", exact=True).fill(remote_ckan.url)
            tab.get_by_label("Type", exact=True).select_option(label="CKAN (son API Action)")
            tab.get_by_label("Organisation", exact=True).select_option(label="CNAF")
            tab.get_by_label("Fréquence", exact=True).select_option(label="Toutes les semaines")
            tab.get_by_label("Configuration (JSON)", exact=True).fill('{"rows": 2,}')
            tab.locator("form.harvest-form button[type=submit]").click()
            summary = tab.locator("#error-summary")
            expect(summary).to_contain_text("Ce n’est pas du JSON valide (ligne 1, colonne 12)")
            tab.get_by_label("Configuration (JSON)", exact=True).fill('{"rows": 2}')
            tab.locator("form.harvest-form button[type=submit]").click()
            expect(tab).to_have_url(re.compile(r"/harvest/portail-voisin$"))
            expect(tab.locator(".flash.success")).to_contain_text("Source de moissonnage créée")
            expect(tab.locator(".validation-accepted")).to_have_text("Acceptée — Créée par un administrateur du site")

            tab.get_by_role("button", name="Lancer maintenant").click()
            expect(tab).to_have_url(re.compile(r"/harvest/portail-voisin/job/[0-9a-f-]+$"))
            expect(tab.locator(".flash.success")).to_have_text("Le moissonnage a démarré.")
            wait_for_state(tab, "Terminé")
            expect(tab.locator("main .stat").first).to_contain_text("5")
            expect(tab.locator(".job-error")).to_have_count(0)
            tab.goto(server.url + "/dataset?q=Allocations")
            expect(tab.locator(".dataset-item")).to_have_count(5)
            expect(tab.get_by_role("link", name="Allocations versées 3")).to_be_visible()

            tab.goto(server.url + "/harvest/portail-ferme")
            tab.get_by_role("button", name="Lancer maintenant").click()
            wait_for_state(tab, "Échec du moissonnage")
            expect(tab.locator(".job-error")).to_contain_text("La source n’a pas pu être jointe (page 1).")
            expect(tab.locator(".job-error")).to_contain_text("Rien n’a été retiré")
            detail = tab.locator("details.technical").first
            expect(detail.locator("summary")).to_have_text("Détail technique")
            expect(detail.locator("code")).not_to_be_visible()
            detail.locator("summary").click()
            expect(detail.locator("code")).to_contain_text("Request failed after retries")
            tab.goto(server.url + "/harvest")
            row = tab.locator("tr", has=tab.get_by_role("link", name="Portail fermé"))
            expect(row.locator(".job-state")).to_have_text("Échec du moissonnage")
            expect(row).to_contain_text("La source n’a pas pu être jointe (page 1).")
        finally:
            browser.close()
    job = server.action("harvest_job_list", {"source_id": "portail-ferme"})[0]
    assert job["status"] == "finished" and job["gather_failed"] and job["error"]

"""A 200 MB upload in a real browser, in French (issue 17): log in, create a dataset through its form, send a 200 MB
CSV generated in tmp_path through the resource form with the progress bar moving, and find it on the resource page
and on disk with the same SHA-256; then, on a server whose file limit is 1 MB, a larger file is refused with the
limit stated in French and the other fields kept, with the script (before sending) and without it (the server's
413 page, read whole by the server so that Chromium shows it rather than a reset connection).
Headless Debian Chromium through Playwright, against `moisson serve` (tests/web/browser.py)."""

from __future__ import annotations

import hashlib
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
BIG = 200 * 1000 * 1000
REPO = Path(__file__).resolve().parents[2]
# Every value the progress bar takes, reported by the page (the bar is gone once the next page loads).
WATCH_PROGRESS = """
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    if (change.target.id === "upload-progress") window.progressSeen(change.target.value);
  });
}).observe(document, {attributes: true, attributeFilter: ["value"], subtree: true});
"""


def server_with(tmp_path_factory: pytest.TempPathFactory, name: str, max_resource_bytes: int) -> Server:
    with pytest.MonkeyPatch.context() as patch:  # start_server copies os.environ
        patch.setenv("MOISSON_MAX_RESOURCE_BYTES", str(max_resource_bytes))
        return start_server(tmp_path_factory.mktemp(name), REPO, demo=False)


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = server_with(tmp_path_factory, "upload-big", 300 * 1000 * 1000)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = server_with(tmp_path_factory, "upload-small", 1000 * 1000)
    try:
        yield running
    finally:
        stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


def french_tab(browser: Any, *, script: bool = True) -> Any:
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, java_script_enabled=script)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return tab


def log_in(tab: Any, server: Server) -> None:
    tab.goto(server.url + "/user/login")
    tab.get_by_label("Identifiant ou courriel").fill("admin")
    tab.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator(".flash")).to_contain_text("admin")


def make_csv(path: Path, size: int) -> str:
    """A CSV of exactly `size` bytes written in pieces; returns its SHA-256."""
    digest, written = hashlib.sha256(), 0
    header = b"code_commune;commune;allocataires;montant\n"
    row = b"33063;Bordeaux;1200;4567.89\n"
    block = row * 40_000
    with path.open("wb") as out:
        out.write(header)
        digest.update(header)
        written = len(header)
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


def create_dataset(tab: Any, server: Server, title: str) -> None:
    tab.goto(server.url + "/dataset/new")
    tab.locator("#title").fill(title)
    tab.locator("#notes").fill("Fichier volumineux envoyé depuis le navigateur.")
    tab.locator("#owner_org").select_option(label="CNAF")
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("h1")).to_have_text("Ajouter des données")


def stored_file(server: Server, resource_id: str) -> Path:
    storage = Path(server.env["MOISSON_STORAGE_PATH"])
    return storage / "resources" / resource_id[:3] / resource_id[3:6] / resource_id[6:]


def test_a_200_mb_csv_is_streamed_with_progress(big_server: Server, browser: Any, tmp_path: Path) -> None:
    big = tmp_path / "allocataires-2024.csv"
    sha256 = make_csv(big, BIG)
    try:
        tab = french_tab(browser)
        seen: list[float] = []
        tab.expose_function("progressSeen", lambda value: seen.append(value))
        tab.add_init_script(WATCH_PROGRESS)
        log_in(tab, big_server)
        create_dataset(tab, big_server, "Allocataires 2024 (fichier volumineux)")
        expect(tab.locator("#upload-limit")).to_have_text("Taille maximale d'un fichier : 300,0 Mo.")
        tab.get_by_label("Fichier à déposer").set_input_files(big)
        tab.locator("#name").fill("Allocataires par commune 2024")
        tab.locator("#format").fill("CSV")
        tab.locator("main form button[type=submit]").click()
        expect(tab.locator("progress#upload-progress")).to_be_visible()
        tab.wait_for_url("**/dataset/allocataires-2024-fichier-volumineux/resource/*", timeout=240_000)
        expect(tab.locator("h1")).to_contain_text("Allocataires par commune 2024")
        expect(tab.locator(".flash")).to_contain_text("Ressource ajoutée.")
        assert seen and max(seen) == 100 and any(0 < value < 100 for value in seen), seen
        resource_id = tab.url.rsplit("/", 1)[-1]
        resource = big_server.action("resource_show", {"id": resource_id})
        assert resource["size"] == BIG and resource["hash"] == sha256
        on_disk = hashlib.sha256()
        with stored_file(big_server, resource_id).open("rb") as handle:
            while block := handle.read(1 << 20):
                on_disk.update(block)
        assert on_disk.hexdigest() == sha256
        leftovers = [path for path in Path(big_server.env["MOISSON_STORAGE_PATH"], "tmp").iterdir()]
        assert leftovers == []  # the spooled request body left nothing behind
    finally:
        big.unlink(missing_ok=True)


FIELDS = {"#name": "Allocataires par commune", "#format": "CSV",
          "#description": "Une ligne par commune et par mois."}


def fill_the_form(tab: Any, server: Server, too_big: Path) -> None:
    tab.goto(server.url + "/dataset/jeu-1/resource/new")
    tab.get_by_label("Fichier à déposer").set_input_files(too_big)
    for selector, value in FIELDS.items():
        tab.locator(selector).fill(value)
    tab.locator("main form button[type=submit]").click()


def expect_the_fields_kept(tab: Any) -> None:
    expect(tab.locator("#upload-errors")).to_have_text("Le fichier dépasse la taille maximale de 1,0 Mo.")
    expect(tab.get_by_label("Fichier à déposer")).to_have_attribute("aria-invalid", "true")
    for selector, value in FIELDS.items():
        expect(tab.locator(selector)).to_have_value(value)


def test_a_file_over_the_limit_is_refused_in_french_with_the_fields_kept(small_server: Server, browser: Any,
                                                                         tmp_path: Path) -> None:
    too_big = tmp_path / "trop-gros.csv"
    make_csv(too_big, 3 * 1000 * 1000)
    try:
        scripted = french_tab(browser)
        log_in(scripted, small_server)
        requests_sent: list[str] = []
        scripted.on("request", lambda request: requests_sent.append(request.method))
        fill_the_form(scripted, small_server, too_big)
        expect_the_fields_kept(scripted)
        assert "POST" not in requests_sent  # refused before sending

        plain = french_tab(browser, script=False)
        log_in(plain, small_server)
        fill_the_form(plain, small_server, too_big)
        expect(plain.locator("h1")).to_have_text("Ajouter des données")  # the form, as a 413
        expect_the_fields_kept(plain)
        assert small_server.action("package_show", {"id": "jeu-1"})["resources"] == []
    finally:
        too_big.unlink(missing_ok=True)


def test_a_body_beyond_what_the_form_reads_gets_the_413_page_not_a_reset(small_server: Server, browser: Any,
                                                                         tmp_path: Path) -> None:
    # 20 MB: more than the page reads (4 x 1 MB + the 10 MiB body limit), so the server answers from Content-Length
    # while Chromium is still sending; Chromium must show that answer.
    huge = tmp_path / "enorme.csv"
    make_csv(huge, 20 * 1000 * 1000)
    try:
        plain = french_tab(browser, script=False)
        log_in(plain, small_server)
        plain.goto(small_server.url + "/dataset/jeu-1/resource/new")
        plain.get_by_label("Fichier à déposer").set_input_files(huge)
        plain.locator("main form button[type=submit]").click()
        expect(plain.locator("h1")).to_have_text("Fichier trop volumineux")
        expect(plain.locator("main")).to_contain_text("Le fichier dépasse la taille maximale de 1,0 Mo.")
    finally:
        huge.unlink(missing_ok=True)


def test_a_form_with_errors_comes_back_through_the_script_and_works_again(small_server: Server, browser: Any,
                                                                          tmp_path: Path) -> None:
    small = tmp_path / "petit.csv"
    make_csv(small, 200 * 1000)
    tab = french_tab(browser)
    log_in(tab, small_server)
    posts: list[str] = []
    tab.on("request", lambda request: posts.append(request.resource_type) if request.method == "POST" else None)
    tab.goto(small_server.url + "/dataset/jeu-3/resource/new")
    tab.get_by_label("Fichier à déposer").set_input_files(small)
    tab.locator("#name").fill("Petit fichier")
    tab.locator("#url").fill("pas une adresse")  # refused by the form
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("#url-errors")).to_be_visible()
    expect(tab.locator("#name")).to_have_value("Petit fichier")
    # The page the server sent replaced this one, its script included: sending again shows progress and saves.
    tab.get_by_label("Fichier à déposer").set_input_files(small)
    tab.locator("#url").fill("")
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url("**/dataset/jeu-3/resource/*")
    expect(tab.locator("h1")).to_contain_text("Petit fichier")
    expect(tab.locator(".flash")).to_contain_text("Ressource ajoutée.")
    assert posts[-2:] == ["xhr", "xhr"], posts  # both sent by upload.js, the second from the page written back

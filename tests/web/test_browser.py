"""The portal in a real browser: headless Debian Chromium driven by Playwright, against `moisson serve`.

Skipped with a message when /usr/bin/chromium or the playwright package is missing (never `playwright install`).
Screenshots of the home and a dataset page go to $MOISSON_SCREENSHOTS (default: the test's temp folder).
"""

from __future__ import annotations

import os
import re
import time
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

TABLE_ROWS = 60


def sample_csv(rows: int = TABLE_ROWS) -> bytes:
    """Semicolons, French decimal commas, an accented header and a masked count: the portal's usual file."""
    lines = ["Commune;Année;Allocataires;Part (%)"]
    for number in range(1, rows + 1):
        count = "<5" if number == 7 else str(number * 10)
        lines.append(f"Commune {number:03d};2023;{count};{number % 10},5")
    return ("\n".join(lines) + "\n").encode("utf-8")


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


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture(scope="module")
def previewed(server: Server) -> dict[str, Any]:
    """A dataset whose resource has a DataStore table (made with datastore_create, as CKAN clients do)."""
    orgs = server.action("organization_list")
    owner = orgs[0] if orgs else server.action("organization_create", {"name": "cnaf", "title": "Cnaf"})["name"]
    pkg = server.action("package_create", {"name": "table-communes", "title": "Table des communes",
                                           "owner_org": owner})
    resource = server.action("resource_create", {"package_id": pkg["id"], "name": "Communes 2023", "url": "",
                                                 "format": "CSV"})
    records = [{"Commune": f"Commune {n:03d}", "Allocataires": None if n == 7 else n * 10, "Part (%)": n % 10 + 0.5}
               for n in range(1, TABLE_ROWS + 1)]
    server.action("datastore_create", {
        "resource_id": resource["id"], "force": True, "records": records,
        "fields": [{"id": "Commune", "type": "text"}, {"id": "Allocataires", "type": "int"},
                   {"id": "Part (%)", "type": "numeric"}]})
    return {"package": pkg, "resource": resource}


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("MOISSON_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def result_count(page: Any) -> int:
    return int(re.search(r"\d+", page.locator(".result-count").inner_text()).group())


def test_search_with_a_facet_then_open_a_dataset(server: Server, page: Any, tmp_path: Path) -> None:
    page.goto(server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path=str(screenshot_dir(tmp_path) / "home.png"), full_page=True)
    page.get_by_label("Search datasets").first.fill("")
    page.locator(".hero form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dataset"))
    everything = result_count(page)
    assert everything > 1
    facet = page.locator('.facet a[data-facet="organization"]').last
    facet_text = facet.inner_text()
    facet.click()
    expect(page).to_have_url(re.compile(r"organization="))
    expect(page.locator('.facet a.active[data-facet="organization"]')).to_have_count(1)
    filtered = result_count(page)
    assert 0 < filtered < everything
    assert str(filtered) in facet_text  # the facet's count is the number of results it leads to
    first = page.locator(".dataset-item h3 a").first
    title = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_contain_text(title)
    assert '"@type": "Dataset"' in page.locator('script[type="application/ld+json"]').inner_text()
    page.screenshot(path=str(screenshot_dir(tmp_path) / "dataset.png"), full_page=True)


def test_preview_pages_and_sorts(server: Server, page: Any, previewed: dict[str, Any], tmp_path: Path) -> None:
    pkg, resource = previewed["package"], previewed["resource"]
    page.goto(f"{server.url}/dataset/{pkg['name']}/resource/{resource['id']}")
    status = page.locator(".preview .result-count")
    expect(status).to_have_text(re.compile(rf"Rows 1 to 25 of {TABLE_ROWS}"))
    header = page.locator(".preview-table thead th")
    expect(header.first).to_contain_text("Commune")
    allocataires = page.locator('.preview-table th a[data-column="Allocataires"]')
    allocataires.click()
    expect(page.locator(".preview-table th[aria-sort=ascending]")).to_contain_text("Allocataires")
    page.locator('.preview-table th a[data-column="Allocataires"]').click()
    expect(page.locator(".preview-table th[aria-sort=descending]")).to_contain_text("Allocataires")
    assert page.locator(".preview-table tbody tr").first.locator("td").first.inner_text() == "Commune 060"
    page.locator('.preview .pagination a[rel="next"]').click()
    expect(status).to_have_text(re.compile(rf"Rows 26 to 50 of {TABLE_ROWS}"))
    expect(page.locator(".preview-table th[aria-sort=descending]")).to_contain_text("Allocataires")  # sort kept
    page.get_by_label("Search in the table").fill("Commune 042")
    page.locator(".preview-filter button[type=submit]").click()
    expect(status).to_have_text(re.compile(r"Rows 1 to 1 of 1"))
    page.screenshot(path=str(screenshot_dir(tmp_path) / "preview.png"), full_page=True)


def test_log_in_create_a_dataset_with_an_uploaded_csv_and_see_its_preview(server: Server, page: Any,
                                                                         tmp_path: Path) -> None:
    page.goto(server.url + "/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username or email").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("You are logged in as admin")
    page.goto(server.url + "/dataset/new")
    page.get_by_label("Title").fill("Allocataires par commune (navigateur)")
    expect(page.get_by_label("Name (address)")).to_have_value("allocataires-par-commune-navigateur")
    page.get_by_label("Tags").fill("logement, test")
    page.get_by_label("Geographic coverage").fill("Gironde")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dataset/allocataires-par-commune-navigateur/resource/new$"))
    csv_path = tmp_path / "allocataires.csv"
    csv_path.write_bytes(sample_csv(30))
    page.get_by_label("File to upload").set_input_files(str(csv_path))
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("allocataires.csv")
    deadline = time.monotonic() + 90
    while page.locator(".preview-table").count() == 0:
        assert time.monotonic() < deadline, "the uploaded CSV never became previewable"
        state = page.locator(".preview [data-preview]")
        assert state.count() == 0 or state.get_attribute("data-preview") == "loading", (
            f"no preview and no load under way for the uploaded CSV: {page.locator('.preview').inner_text()!r}")
        time.sleep(0.5)
        page.reload()
    expect(page.locator(".preview .result-count")).to_have_text(re.compile(r"Rows 1 to 25 of 30"))
    expect(page.locator(".preview-table tbody tr").first).to_contain_text("Commune 001")
    download = page.locator("a.download")
    assert re.search(r"/download/allocataires\.csv$", download.get_attribute("href"))
    page.get_by_role("link", name="Allocataires par commune (navigateur)").click()
    expect(page.locator(".info")).to_contain_text("Gironde")


def test_switch_language(server: Server, page: Any) -> None:
    page.goto(server.url + "/dataset")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Datasets")
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Jeux de données")
    page.get_by_role("link", name="Organisations").first.click()  # the choice sticks across pages
    expect(page.locator("h1")).to_have_text("Organisations")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Organizations")


# Reports every Content-Security-Policy violation to the test, on every document the tab opens.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportViolation(event.violatedDirective + " blocked " + (event.blockedURI || "inline") + " at "
                         + event.sourceFile + ":" + event.lineNumber);
});
"""
PNG_1X1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f1b6fb0000000049454e44ae426082")


def test_pages_run_under_the_content_security_policy_without_a_violation(server: Server, page: Any,
                                                                         previewed: dict[str, Any]) -> None:
    """Search, filters, dataset page, dataset form and preview all work with no inline script allowed."""
    violations: list[str] = []
    errors: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    # The browser's own favicon probe is not the page's doing (the portal has no favicon).
    page.on("console", lambda message: errors.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda answer: errors.append(f"{answer.url}: {answer.status}") if answer.status >= 400
            else None)

    response = page.goto(server.url + "/dataset")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    page.select_option("#sort", "title_string asc")  # static/search_sort.js submits the form
    expect(page).to_have_url(re.compile(r"sort=title_string\+asc"))
    page.locator('.facet a[data-facet="organization"]').first.click()
    expect(page.locator('.facet a.active[data-facet="organization"]')).to_have_count(1)
    page.locator(".dataset-item h3 a").first.click()
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(1)  # a data block: allowed

    pkg, resource = previewed["package"], previewed["resource"]
    page.goto(f"{server.url}/dataset/{pkg['name']}/resource/{resource['id']}")
    page.locator('.preview .pagination a[rel="next"]').click()
    expect(page.locator(".preview .result-count")).to_have_text(re.compile(rf"Rows 26 to 50 of {TABLE_ROWS}"))

    page.goto(server.url + "/user/login")
    page.get_by_label("Username or email").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(server.url + "/dataset/new")
    page.get_by_label("Title").fill("Politique de sécurité")  # static/dataset_form.js fills the address
    expect(page.get_by_label("Name (address)")).to_have_value("politique-de-securite")

    assert violations == [] and errors == [], (violations, errors)
    # The listener really reports: an inline script added now is blocked and shows up.
    page.evaluate("document.body.appendChild(document.createElement('script')).textContent = 'void 0'")
    deadline = time.monotonic() + 5
    while not violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert violations and "script-src" in violations[0]


def test_uploaded_files_never_run_script_on_the_portal(server: Server, page: Any, previewed: dict[str, Any]) -> None:
    """An HTML page uploaded as .txt (declared text/html) shows as text; a PNG shows as an image."""
    pkg = previewed["package"]
    html = b"<html><head><title>pwned</title></head><body><script>document.title = 'ran'</script></body></html>"
    text = server.action("resource_create", {"package_id": pkg["id"], "name": "notes", "mimetype": "text/html"},
                         files={"upload": ("notes.txt", html)})
    server.action("resource_patch", {"id": text["id"], "mimetype": "text/plain,text/html"})
    response = page.goto(text["url"])
    assert page.title() not in ("pwned", "ran")  # the page neither rendered as HTML nor ran its script
    assert "<script>" in page.locator("body").inner_text()
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    image = server.action("resource_create", {"package_id": pkg["id"], "name": "logo"},
                          files={"upload": ("logo.png", PNG_1X1)})
    response = page.goto(image["url"])
    assert response.headers["content-type"] == "image/png"
    assert page.evaluate("document.images.length && document.images[0].naturalWidth") == 1

"""The dataset search page's histogram of last modification by month: the counts of the current query, month by
month over the twelve months up to the newest dataset found, on both databases."""

from __future__ import annotations

import re
from datetime import datetime

import catalog.registry

BAR = re.compile(r'<rect [^>]*data-month="([^"]+)" data-count="(\d+)"')


def test_the_histogram_counts_the_current_query_by_month(page, call, sysadmin, org, monkeypatch):
    made = [("logement-2024-01", datetime(2024, 1, 31, 23, 59, 59, 900000)),
            ("logement-2024-03", datetime(2024, 3, 1, 0, 0, 0)),
            ("enfance-2024-03", datetime(2024, 3, 15, 12, 0)),
            ("logement-2024-05", datetime(2024, 5, 2, 8, 0)),
            ("logement-2022-01", datetime(2022, 1, 10, 8, 0))]  # more than a year before the newest
    for name, when in made:
        with monkeypatch.context() as patched:
            patched.setattr(catalog.registry, "utcnow", lambda when=when: when)
            call("package_create", sysadmin, name=name, owner_org=org["id"])
    status, html = page("/dataset")
    assert status == 200
    bars = [(month, int(count)) for month, count in BAR.findall(html)]
    assert [month for month, _ in bars] == [f"2023-{m:02d}" for m in range(6, 13)] + [
        f"2024-{m:02d}" for m in range(1, 6)]
    counts = dict(bars)
    assert (counts["2024-01"], counts["2024-03"], counts["2024-05"]) == (1, 2, 1)
    assert sum(counts.values()) == 4 and 'role="img"' in html
    # with a query: only what it finds, up to its own newest month
    status, html = page("/dataset?q=enfance", lang="fr")
    counts = {month: int(count) for month, count in BAR.findall(html)}
    assert list(counts)[-1] == "2024-03" and sum(counts.values()) == 1 and counts["2024-03"] == 1
    assert "Derniers changements, par mois" in html


def test_no_histogram_when_nothing_is_found(page):
    status, html = page("/dataset?q=introuvable")
    assert status == 200 and "modified-histogram" not in html


def test_the_histogram_is_on_the_first_page_of_results_only(page, call, sysadmin, org):
    for number in range(21):
        call("package_create", sysadmin, name=f"jeu-{number:02d}", owner_org=org["id"])
    assert BAR.findall(page("/dataset")[1])
    status, html = page("/dataset?page=2")
    assert status == 200 and "modified-histogram" not in html


def test_past_max_found_there_is_no_histogram_and_no_count(page, call, sysadmin, org, monkeypatch):
    """The histogram's thirteen searches are bounded: above MAX_FOUND datasets found (the list's own count) it is
    left out, so its cost cannot grow with the catalog."""
    import catalog.web.calls as calls
    import catalog.web.search_histogram as histogram

    for number in range(3):
        call("package_create", sysadmin, name=f"jeu-{number}", owner_org=org["id"])
    searches: list[str] = []
    real = calls.call_action

    def counting(services, name, data, *args, **kwargs):
        if name == "package_search":
            searches.append(name)
        return real(services, name, data, *args, **kwargs)

    monkeypatch.setattr(calls, "call_action", counting)
    monkeypatch.setattr(histogram, "MAX_FOUND", 3)
    status, html = page("/dataset")
    assert status == 200 and len(BAR.findall(html)) == 12 and len(searches) == 1 + 1 + 12
    monkeypatch.setattr(histogram, "MAX_FOUND", 2)
    searches.clear()
    status, html = page("/dataset")
    assert status == 200 and "modified-histogram" not in html and "3 datasets found" in html
    assert len(searches) == 1  # the list's own

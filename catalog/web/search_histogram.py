"""The small histogram of the dataset search page: how many of the datasets the current query finds were last
modified in each of the twelve months up to the newest one. One package_search for the newest date, then one count
per month (rows=0, the query's own q and filters plus a metadata_modified range), so the counts follow exactly the
visibility and the query rules of the list below.

Thirteen searches per first page of results: their cost grows with the number of datasets a query finds, so past
MAX_FOUND (the list's own count, known before) there is no histogram. A month facet in the three search backends
would give the twelve counts in the list's own query (docs/performance.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date

from catalog.errors import ActionError
from catalog.web.blueprint import web
from catalog.web.calls import act
from catalog.web.datasets import quoted

MONTHS = 12
MAX_FOUND = 50_000  # datasets found: above, no histogram (its counts would cost more than the list)
WIDTH, HEIGHT, BAR_TOP = 240, 48, 4


def _month_starts(newest: date) -> list[date]:
    year, month = newest.year, newest.month
    starts = []
    for _ in range(MONTHS + 1):  # and the month after the newest, as the last bound
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    return [*starts[1:], _next_month(starts[-1])]


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def modified_histogram(q: str, chosen: dict[str, list[str]], found: int | None = None) -> dict[str, Any] | None:
    """The histogram of the query's datasets, or None: nothing found, an error, or more than MAX_FOUND found
    (`found`: the list's count of the same query)."""
    if found is not None and not 0 < found <= MAX_FOUND:
        return None
    fq_list = [f"{field}:{quoted(value)}" for field, values in chosen.items() for value in values]
    base = {"q": q, "fq_list": fq_list, "include_private": True}
    try:
        newest = act("package_search", **base, rows=1, sort="metadata_modified desc", **{"facet": "false"})
        if not newest["results"]:
            return None
        last = datetime.fromisoformat(newest["results"][0]["metadata_modified"]).date()
        bounds = _month_starts(last)
        counts = []
        for start, end in zip(bounds, bounds[1:], strict=False):
            month = f"metadata_modified:[{start.isoformat()}T00:00:00Z TO {end.isoformat()}T00:00:00Z}}"
            counts.append((start, act("package_search", **{**base, "fq_list": [*fq_list, month]}, rows=0,
                                      **{"facet": "false"})["count"]))
    except ActionError:
        return None
    highest = max(count for _, count in counts) or 1
    band = WIDTH / len(counts)
    bars = []
    for index, (start, count) in enumerate(counts):
        height = (HEIGHT - BAR_TOP) * count / highest
        bars.append({"month": start.isoformat()[:7], "label": format_date(start, "MMMM yyyy"), "count": count,
                     "x": round(index * band + 1, 1), "width": round(band - 2, 1),
                     "y": round(HEIGHT - height, 1), "height": round(height, 1)})
    return {"bars": bars, "width": WIDTH, "height": HEIGHT, "total": sum(c for _, c in counts),
            "first": bars[0]["label"], "last": bars[-1]["label"]}


@web.app_context_processor
def _histogram() -> dict[str, Any]:
    return {"modified_histogram": modified_histogram}

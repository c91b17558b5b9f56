"""Reading bench/search_bench.py's reports: percentiles, ratios, growth between sizes and the Markdown tables
(`python3 -m bench.search_bench --table REPORT.json...`)."""

from __future__ import annotations

import statistics
from typing import Any


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def summary(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(samples) * 1000, 2), "p95_ms": round(cuts[18] * 1000, 2)}


def growth(report: dict[str, Any]) -> dict[str, Any]:
    """Each backend's p50 and p95 at the largest size over the smallest, per database and case."""
    sizes = sorted(report["sizes"], key=int)
    small, large = report["sizes"][sizes[0]], report["sizes"][sizes[-1]]
    out: dict[str, Any] = {}
    for database in large:
        if database not in small:
            continue
        for case, figures in large[database].items():
            before = small[database].get(case)
            if not isinstance(figures, dict) or not isinstance(before, dict) or "harvester_walk" == case:
                continue
            for backend in ("database", "tantivy", "floor"):
                if backend in figures and backend in before:
                    out.setdefault(database, {}).setdefault(backend, {})[case] = {
                        "p50": ratio(figures[backend]["p50_ms"], before[backend]["p50_ms"]),
                        "p95": ratio(figures[backend]["p95_ms"], before[backend]["p95_ms"])}
    return out


def _cell(figures: dict[str, Any] | None) -> str:
    return f"{figures['p50_ms']:g} / {figures['p95_ms']:g}" if figures else "-"


def markdown(reports: list[dict[str, Any]]) -> str:
    """Saved reports as one Markdown table: p50 / p95 in ms per backend, the Tantivy/database p95 ratio, and
    whether counts, facets and sorted pages agreed."""
    lines = ["| datasets | database | query | database p50 / p95 | tantivy p50 / p95 | floor p50 / p95 | "
             "tantivy / database p95 | count (agree) |", "|---|---|---|---|---|---|---|---|"]
    walks: list[str] = []
    for report in reports:
        for size, databases in sorted(report["sizes"].items(), key=lambda item: int(item[0])):
            for database, result in databases.items():
                for case, figures in result.items():
                    if not isinstance(figures, dict) or "agree" not in figures:
                        continue
                    agree = "yes" if all(figures["agree"].values()) else f"NO {figures['agree']}"
                    count = next(iter(figures["counts"].values()))
                    lines.append(f"| {int(size):,} | {database} | {case} | {_cell(figures.get('database'))} | "
                                 f"{_cell(figures.get('tantivy'))} | {_cell(figures.get('floor'))} | "
                                 f"{figures.get('tantivy_p95_over_database') or '-'} | {count:,} ({agree}) |")
                walk = result.get("harvester_walk", {})
                for backend in ("database", "tantivy"):
                    if backend in walk:
                        walks.append(f"| {int(size):,} | {database} | {backend} | {walk['rows']} | "
                                     f"{_cell(walk[backend]['first_pages'])} | {walk['deep_start']:,} | "
                                     f"{_cell(walk[backend]['deep_pages'])} | {walk[backend]['deep_over_first_p50']}"
                                     f" | {walk['ids_agree']} |")
    lines += ["", "Harvester walk (sort=id asc, start += rows): p50 / p95 ms of the first pages and of as many pages "
              "from deep in the catalog", "", "| datasets | database | backend | rows | first pages | deep from | "
              "deep pages | deep / first p50 | ids agree |", "|---|---|---|---|---|---|---|---|---|", *walks]
    return "\n".join(lines)

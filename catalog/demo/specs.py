"""The shape of a demo dataset and the small builders the topic list uses.

A measure's `rule` says how make_files computes it for one territory and one period:
("base", k)           weight of the territory times k (total allocataires, persons...)
("frac", p)           share p of the base
("of", column, p)     share p of an earlier measure
("ratio", num, den)   100 * num / den, one decimal, decimal point
("rate", lo, hi)      a percentage between lo and hi, one decimal, decimal point
("dec", lo, hi)       a decimal between lo and hi written with a decimal comma
("eur", column, per)  euros: column times a monthly amount per foyer, two decimals, decimal point
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FREQUENCY_URI = "http://publications.europa.eu/resource/authority/frequency/"
CKAN_ERA_URL = "http://data.caf.fr/dataset/"


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    rule: tuple[Any, ...]


def m(name: str, label: str, *rule: Any) -> Measure:
    return Measure(name, label, tuple(rule))


@dataclass(frozen=True)
class DemoDataset:
    title: str
    summary: str  # first paragraph of the notes
    prestation: str  # the read-me's ***DESCRIPTION DE LA PRESTATION***
    tags: tuple[str, ...]
    level: str  # commune | gironde | epci | caf | departement | national
    measures: tuple[Measure, ...]
    files: tuple[str, ...]  # one CSV per period when as many as periods, else one multi-period CSV
    periods: tuple[str, ...]  # ISO dates closing each observed period
    readme: str | None
    encoding: str  # cp1252 | utf-8-sig | utf-8
    license_id: str = "lov2"
    style: str = "ckan"  # ckan: blank below 5, technical headers | cafdata: rounded to 5, lower-case ids
    names: str = "upper_accents"  # upper_accents | upper_plain | title
    groups: tuple[str, ...] = ()
    frequency: str = "ANNUAL"
    owner: str = "cnaf"
    unit: str = "Nombre de foyers allocataires"
    kind: str = "generic"  # or the name of a special generator in make_files
    source_url: str = ""
    old_names: tuple[tuple[str, str], ...] = ()  # header spelling of earlier years (case was not stable)
    remarks: tuple[str, ...] = field(default_factory=tuple)
    date_column: str = ""  # default DTREF (ckan style, dd/mm/yyyy) or dtref (cafdata, ISO); "annee" = year only

    @property
    def multi_period(self) -> bool:
        return len(self.files) != len(self.periods)


def years(first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{year}-12-31" for year in range(first, last + 1))


def commune(title: str, stem: str, measures: tuple[Measure, ...], **kw: Any) -> DemoDataset:
    """A data.caf.fr (CKAN era) commune series: one CSV per year plus a lisez-moi."""
    first, last = kw.pop("span", (2013, 2014))
    return DemoDataset(
        title=f"{title} - par Commune", level="commune", measures=measures,
        files=tuple(f"{stem}{y}.csv" for y in range(first, last + 1)), periods=years(first, last),
        readme=f"lisezmoi{stem}.txt", encoding=kw.pop("encoding", "cp1252"), **kw,
    )


def epci(title: str, stem: str, measures: tuple[Measure, ...], **kw: Any) -> DemoDataset:
    """The later intercommunal files: one multi-year CSV with a DTREF column."""
    return DemoDataset(
        title=f"{title} - par EPCI", level="epci", measures=measures, files=(f"{stem}EPCI.csv",),
        periods=years(2019, 2021), readme=f"lisezmoi{stem}EPCI.txt", encoding=kw.pop("encoding", "utf-8-sig"),
        **kw,
    )


def caf(title: str, stem: str, measures: tuple[Measure, ...], **kw: Any) -> DemoDataset:
    """One line per caisse (Caf) and per year, as loaded in the old portal's DataStore."""
    return DemoDataset(
        title=f"{title} - par Caf", level="caf", measures=measures, files=(f"{stem}Caf.csv",),
        periods=kw.pop("periods", years(2014, 2015)), readme=kw.pop("readme", f"lisezmoi{stem}Caf.txt"),
        encoding=kw.pop("encoding", "utf-8"), names=kw.pop("names", "title"), **kw,
    )


def cafdata(title: str, file: str, level: str, measures: tuple[Measure, ...], **kw: Any) -> DemoDataset:
    """A current-portal (OpenDataSoft) export: lower-case ids, counts rounded to 5, ISO dates."""
    return DemoDataset(
        title=title, level=level, measures=measures, files=(file,), periods=kw.pop("periods", years(2021, 2022)),
        readme=kw.pop("readme", None), encoding=kw.pop("encoding", "utf-8-sig"), style="cafdata",
        names="title", **kw,
    )

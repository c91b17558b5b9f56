"""Write the demo catalogue (catalog.json) and its small CSV / TXT files. Deterministic: same output each run.

    python3 -m catalog.demo.make_files

The files copy the habits of the CAF files (';' separator, technical headers, 5-character commune codes,
99999 / XXXXX first rows, blanks for counts below 5, Windows-1252 or UTF-8 with or without BOM); every
figure is invented from seeded random numbers.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import unicodedata
import zlib
from pathlib import Path
from typing import Any

from catalog.dcat import geometry, places
from catalog.demo import readme, special_files
from catalog.demo.geography import ALWAYS_KEPT, CAFS, COMMUNES, DEPARTEMENTS, EPCIS, GIRONDE_COMMUNES
from catalog.demo.specs import FREQUENCY_URI, DemoDataset, Measure
from catalog.demo.topics import DATASETS

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES_DIR = DATA_DIR / "files"
CONTACT_EMAIL = "opendata@cnaf.example"
COUNT_RULES = {"base", "frac", "of"}
Row = list[str]


def slugify(title: str) -> str:
    """CKAN-style dataset name: ascii, lower case, '-' separated, cut at 100 characters like data.caf.fr."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:100].rstrip("-")


def styled(name: str, style: str) -> str:
    if style == "upper_accents":
        return name.upper()
    if style == "upper_plain":
        return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    return name


def seeded(spec: DemoDataset, salt: str = "") -> random.Random:
    return random.Random(zlib.crc32(f"{spec.title}|{salt}".encode()))


def format_date(period: str, spec: DemoDataset) -> str:
    if date_column(spec) == "annee":
        return period[:4]
    if spec.style == "ckan":
        year, month, day = period.split("-")
        return f"{day}/{month}/{year}"
    return period


def date_column(spec: DemoDataset) -> str:
    return spec.date_column or ("DTREF" if spec.style == "ckan" else "dtref")


def territories(spec: DemoDataset, period: str) -> list[tuple[list[str], int]]:
    """The identifying cells and the weight of each line's territory, for one period."""
    rng = seeded(spec, "territories")
    if spec.level == "commune":
        others = [c for c in COMMUNES if c[0] not in ALWAYS_KEPT]
        size = 18 if spec.multi_period else 33
        keep = {c[0] for c in rng.sample(others, size)} | ALWAYS_KEPT
        rows = [([code, styled(name, spec.names)], w) for code, name, w in COMMUNES if code in keep]
        if spec.style == "ckan" and not spec.multi_period and period >= "2014":
            # From 2014 the two first lines are the residents abroad and the unknown commune.
            specials = [(["99999", styled("Résidents à l'étranger", spec.names)], 60),
                        (["XXXXX", styled("Commune inconnue", spec.names)], 25)]
            rows = specials + rows
        if spec.style == "ckan":
            return [([name, code], w) for (code, name), w in rows]
        return rows
    if spec.level == "gironde":
        return [([styled(name, spec.names), code], w) for code, name, w in GIRONDE_COMMUNES]
    if spec.level == "epci":
        return [([styled(name, spec.names), siren, deps], w) for siren, name, deps, w in EPCIS]
    if spec.level == "caf":
        return [([number, styled(name, spec.names)], w) for number, name, _, w in CAFS]
    if spec.level == "departement":
        return [([code, styled(name, spec.names)], w) for code, name, w in DEPARTEMENTS]
    if spec.level == "national":
        return [([], 12_400_000)]
    raise ValueError(f"unknown level {spec.level}")


def id_columns(spec: DemoDataset) -> list[str]:
    if spec.style == "cafdata":
        return {"commune": ["numcomdo", "nomcomdo"], "departement": ["numdep", "nomdep"], "national": []}[spec.level]
    return {"commune": ["Communes", "Codes_Insee"], "gironde": ["Communes", "Codes_Insee"],
            "epci": ["NOMEPCI", "NUMEPCI", "DEPSEPCI"], "caf": ["NUMCAF", "NOMCAF"]}[spec.level]


def measure_values(measures: tuple[Measure, ...], base: float, rng: random.Random) -> dict[str, float | None]:
    values: dict[str, float | None] = {}
    for measure in measures:
        kind, *args = measure.rule
        if kind == "base":
            values[measure.name] = round(base * args[0])
        elif kind == "frac":
            values[measure.name] = round(base * args[0] * rng.uniform(0.8, 1.2))
        elif kind == "of":
            parent = values[args[0]] or 0
            values[measure.name] = round(parent * args[1] * rng.uniform(0.85, 1.15))
        elif kind == "ratio":
            num, den = values[args[0]], values[args[1]]
            values[measure.name] = round(100 * num / den, 1) if num is not None and den else None
        elif kind in ("rate", "dec"):
            values[measure.name] = round(rng.uniform(args[0], args[1]), 1)
        elif kind == "eur":
            count = values[args[0]] or 0
            values[measure.name] = round(count * args[1] * rng.uniform(0.9, 1.1), 2)
        else:
            raise ValueError(f"unknown rule {kind}")
    return values


def protect(measures: tuple[Measure, ...], values: dict[str, float | None], style: str) -> None:
    """Statistical secrecy: blank below 5 plus secondary suppression (old portal), or rounding to 5 (Cafdata)."""
    counts = [m.name for m in measures if m.rule[0] in COUNT_RULES]
    if style == "cafdata":
        for name in counts:
            values[name] = 5 * round((values[name] or 0) / 5)
        for measure in measures:
            # An amount paid to a count rounded to 0 would reveal the small count: leave it empty.
            if measure.rule[0] == "eur" and not values[measure.rule[1]]:
                values[measure.name] = None
        return
    masked = [name for name in counts if values[name] is not None and values[name] < 5]
    for name in masked:
        values[name] = None
    details = [name for name in counts if values[name] is not None and name != counts[0]]
    if len(masked) == 1 and len(details) > 1:
        # A lone blank could be recomputed from the total: blank the smallest other detail too.
        values[min(details, key=lambda name: values[name] or 0)] = None
    for measure in measures:
        if measure.rule[0] == "ratio" and (values[measure.rule[1]] is None or values[measure.rule[2]] is None):
            values[measure.name] = None


def cell(value: float | None, measure: Measure) -> str:
    if value is None:
        return ""
    kind = measure.rule[0]
    if kind in COUNT_RULES:
        return str(int(value))
    if kind == "dec":
        return f"{value:.1f}".replace(".", ",")
    if kind == "eur":
        return f"{value:.2f}"
    return f"{value:.1f}"


def header(spec: DemoDataset, period: str) -> list[str]:
    names = [m.name for m in spec.measures]
    if period < spec.periods[-1]:
        renamed = dict(spec.old_names)
        names = [renamed.get(name, name) for name in names]
    ids = id_columns(spec)
    if not spec.multi_period:
        return ids + names
    if spec.style == "cafdata":
        return [date_column(spec)] + ids + names
    return ids + [date_column(spec)] + names


def generic_rows(spec: DemoDataset, periods: tuple[str, ...]) -> list[Row]:
    rng = seeded(spec, periods[0])
    rows = [header(spec, periods[0])]
    for index, period in enumerate(periods):
        growth = 1 + 0.025 * (int(period[:4]) - int(spec.periods[0][:4])) + 0.003 * index
        for ids, weight in territories(spec, period):
            values = measure_values(spec.measures, weight * growth * rng.uniform(0.9, 1.1), rng)
            protect(spec.measures, values, spec.style)
            cells = [cell(values[m.name], m) for m in spec.measures]
            if not spec.multi_period:
                rows.append(ids + cells)
            elif spec.style == "cafdata":
                rows.append([format_date(period, spec)] + ids + cells)
            else:
                rows.append(ids + [format_date(period, spec)] + cells)
    return rows


def file_tables(spec: DemoDataset) -> dict[str, list[Row] | str]:
    """File name -> rows (CSV) or text (other formats), for every data file of the dataset."""
    if spec.kind != "generic":
        return special_files.build(spec, seeded(spec, spec.kind))
    if spec.multi_period:
        return {spec.files[0]: generic_rows(spec, spec.periods)}
    return {name: generic_rows(spec, (period,)) for name, period in zip(spec.files, spec.periods, strict=True)}


def encode(text: str, encoding: str) -> bytes:
    # Windows-era files use CRLF; the others LF.
    if encoding == "cp1252":
        text = text.replace("\n", "\r\n")
    return text.encode(encoding)


def csv_text(rows: list[Row]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


MIMETYPES = {"CSV": "text/csv", "TXT": "text/plain", "GeoJSON": "application/geo+json"}


def resource_entry(file: str, fmt: str, description: str, encoding: str, size: int) -> dict[str, Any]:
    return {"name": file, "file": file, "format": fmt, "mimetype": MIMETYPES[fmt], "description": description,
            "encoding": encoding, "size": size}


SPECIAL_DESCRIPTIONS = {
    "EAJE2017.csv": "Établissements, adresses et nombre de places en 2017 (séparateur point-virgule).",
    "EAJE2017.geojson": "Localisation des établissements (GeoJSON, coordonnées WGS 84).",
    "AAH_denombrement.csv": "Dénombrement : bénéficiaires de l'AAH par département (colonne dep) et année.",
    "AAH_repartition.csv": "Répartition des bénéficiaires par taux d'incapacité, depuis 2012 (colonne Dep).",
}


def describe_file(spec: DemoDataset, file: str, period: str | None) -> str:
    if file in SPECIAL_DESCRIPTIONS:
        return SPECIAL_DESCRIPTIONS[file]
    if period is not None:
        return f"Données au 31 décembre {period[:4]} (séparateur point-virgule)."
    first, last = spec.periods[0], spec.periods[-1]
    return (f"Fichier unique de {first[:7] if first[:4] == last[:4] else first[:4]} à "
            f"{last[:7] if first[:4] == last[:4] else last[:4]} : une ligne par territoire et par date de "
            f"référence (colonne {date_column(spec)}), séparateur point-virgule.")


def build_dataset(spec: DemoDataset, out_dir: Path) -> dict[str, Any]:
    name = slugify(spec.title)
    resources = []
    periods_by_file = dict(zip(spec.files, spec.periods, strict=True)) if not spec.multi_period else {}
    tables = file_tables(spec)
    latest_header = next(t for t in reversed(tables.values()) if not isinstance(t, str))[0]
    for file, content in tables.items():
        text = content if isinstance(content, str) else csv_text(content)
        encoding = "utf-8" if file.endswith(".geojson") else spec.encoding
        data = encode(text, encoding)
        (out_dir / file).write_bytes(data)
        fmt = "GeoJSON" if file.endswith(".geojson") else "CSV"
        resources.append(resource_entry(file, fmt, describe_file(spec, file, periods_by_file.get(file)),
                                        encoding, len(data)))
    if spec.readme:
        data = encode(readme.render(spec, latest_header, special_files.LABELS), spec.encoding)
        (out_dir / spec.readme).write_bytes(data)
        resources.append(resource_entry(spec.readme, "TXT", "Lisez-moi : variables, remarques et informations "
                                        "additionnelles.", spec.encoding, len(data)))
    return {
        "name": name,
        "title": spec.title,
        "owner_org": spec.owner,
        "notes": readme.notes(spec),
        "license_id": spec.license_id,
        **({"url": spec.source_url} if spec.source_url else {}),
        "author": "Cnaf",
        "maintainer": "Cnaf - Direction des statistiques, des études et de la recherche",
        "maintainer_email": CONTACT_EMAIL,
        "tags": [{"name": tag} for tag in spec.tags],
        "groups": [{"name": group} for group in spec.groups],
        "extras": [
            {"key": "frequency", "value": FREQUENCY_URI + spec.frequency},
            {"key": "temporal_start", "value": f"{spec.periods[0][:4]}-01-01"},
            {"key": "temporal_end", "value": spec.periods[-1]},
            {"key": "granularite_geographique", "value": GRANULARITY[spec.level]},
            # Where the figures are: the Gironde for its Caf, all of France (overseas included) otherwise.
            {"key": "spatial", "value": geometry.compact(coverage(spec).geometry)},
            {"key": "spatial_text", "value": coverage(spec).label},
            {"key": "contact_email", "value": CONTACT_EMAIL},
            {"key": "language", "value": "fr"},
        ],
        "resources": resources,
    }


def coverage(spec: DemoDataset) -> places.Place:
    return places.PLACES["gironde" if spec.level == "gironde" else "france"]


GRANULARITY = {"commune": "commune", "gironde": "commune", "epci": "epci", "caf": "caf",
               "departement": "departement", "national": "national", "etablissement": "etablissement"}

ORGANIZATIONS = [
    {"name": "cnaf", "title": "Caisse nationale des allocations familiales",
     "description": "La Cnaf pilote la branche Famille de la Sécurité sociale et le réseau des 101 caisses "
                    "d'allocations familiales (Caf). Elle publie des statistiques sur les allocataires et les "
                    "prestations versées, par commune, intercommunalité, Caf et au niveau national."},
    {"name": "caf-gironde", "title": "Caisse d'allocations familiales de la Gironde",
     "description": "La Caf de la Gironde publie des données locales sur les allocataires du département."},
]
GROUPS = [
    {"name": "logement", "title": "Logement", "description": "Aides personnelles au logement (ALF, ALS, APL)."},
    {"name": "petite-enfance", "title": "Petite enfance",
     "description": "Paje, complément mode de garde, accueil du jeune enfant."},
    {"name": "solidarite-insertion", "title": "Solidarité et insertion",
     "description": "RSA, prime d'activité, AAH, bas revenus et dépendance aux prestations."},
]


def build_catalog(out_dir: Path = DATA_DIR) -> dict[str, Any]:
    files_dir = out_dir / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    for old in files_dir.iterdir():
        old.unlink()
    catalog = {
        "_about": "Demo catalogue modelled on the CAF / CNAF open data portal; figures are invented. "
                  "Generated by catalog/demo/make_files.py, do not edit by hand.",
        "organizations": ORGANIZATIONS,
        "groups": GROUPS,
        "datasets": [build_dataset(spec, files_dir) for spec in DATASETS],
    }
    text = json.dumps(catalog, ensure_ascii=False, indent=1) + "\n"
    (out_dir / "catalog.json").write_text(text, encoding="utf-8")
    return catalog


if __name__ == "__main__":
    built = build_catalog()
    total = sum(len(d["resources"]) for d in built["datasets"])
    print(f"{len(built['datasets'])} datasets, {total} resources written to {DATA_DIR}")

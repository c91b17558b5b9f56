"""The read-me (lisez-moi) text of a demo dataset and its Markdown description (notes).

The read-me follows the sections of the data.caf.fr read-mes: variable table, ***DESCRIPTION DE LA
PRESTATION***, ***REMARQUES***, ***Titres des fichiers***, ***Informations additionnelles***, ***LIENS***.
"""

from __future__ import annotations

import unicodedata

from catalog.demo.specs import DemoDataset

ID_LABELS = {
    "Communes": ("Char", "nom de la commune"),
    "Codes_Insee": ("Char", "code Insee de la commune sur 5 caractères (ex. 01001, 2A004)"),
    "NOMEPCI": ("Char", "nom de l'EPCI"),
    "NUMEPCI": ("Char", "numéro Siren de l'EPCI (9 chiffres)"),
    "DEPSEPCI": ("Char", "départements des communes de l'EPCI"),
    "NUMCAF": ("Char", "numéro de la Caf"),
    "NOMCAF": ("Char", "nom de la Caf"),
    "DTREF": ("Date", "date de référence (jj/mm/aaaa)"),
    "dtref": ("Date", "date de référence (aaaa-mm-jj)"),
    "annee": ("Num", "année de référence"),
    "numcomdo": ("Char", "code Insee de la commune de domicile"),
    "nomcomdo": ("Char", "nom de la commune de domicile"),
    "numdep": ("Char", "code du département"),
    "nomdep": ("Char", "nom du département"),
}
LEVEL_SENTENCES = {
    "commune": "Une ligne par commune de résidence (code Insee sur 5 caractères, Corse comprise : 2A004, 2B033).",
    "gironde": "Une ligne par commune de la Gironde et par date de référence.",
    "epci": "Une ligne par établissement public de coopération intercommunale (EPCI, numéro Siren) et par "
            "date de référence (DTREF).",
    "caf": "Une ligne par caisse d'allocations familiales (Caf).",
    "departement": "Une ligne par département.",
    "national": "Données nationales (France entière).",
    "etablissement": "Une ligne par établissement.",
}
CKAN_SECRECY = ("Secret statistique : une cellule vide signale une information manquante ou un effectif "
                "inférieur à 5 ; d'autres cellules sont masquées pour qu'on ne puisse pas les recalculer par "
                "différence.")
CAFDATA_SECRECY = ("Les effectifs sont arrondis au multiple de 5 le plus proche (7 -> 5, 12 -> 10) : la somme des "
                   "communes ne redonne pas le total départemental.")
DEMO_NOTICE = ("Jeu de démonstration de Moisson : la structure des fichiers (colonnes, encodage, lignes "
               "spéciales) reproduit celle des fichiers publiés par la Cnaf, mais les valeurs sont fictives.")


def upper_plain(text: str) -> str:
    """Read-me labels are written in upper case without accents, like the originals."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def variable_rows(spec: DemoDataset, columns: list[str], labels: dict[str, tuple[str, str]]) -> list[tuple[str, ...]]:
    known = ID_LABELS | labels | {m.name: ("Num", m.label) for m in spec.measures}
    return [(name, known[name][0], upper_plain(known[name][1])) for name in columns]


ZONES = {"commune": "Commune", "gironde": "Commune (Gironde)", "epci": "EPCI", "caf": "Caf",
         "departement": "Département", "national": "France", "etablissement": "Établissement"}


def remarks(spec: DemoDataset) -> list[str]:
    if spec.kind != "generic":
        return [*spec.remarks, DEMO_NOTICE]
    items = [CAFDATA_SECRECY if spec.style == "cafdata" else CKAN_SECRECY]
    if spec.level == "commune" and spec.style == "ckan" and not spec.multi_period:
        items.append("Depuis 2014, les deux premières lignes correspondent aux allocataires résidant à "
                     "l'étranger (code 99999) et aux allocataires dont la commune est inconnue (code XXXXX).")
    if spec.old_names:
        olds = ", ".join(f"{old} (devenu {new})" for new, old in spec.old_names)
        items.append(f"L'écriture des noms de colonnes varie selon les années : {olds}.")
    items.append("Un foyer allocataire peut percevoir plusieurs prestations : les colonnes ne s'additionnent pas.")
    items.extend(spec.remarks)
    items.append(DEMO_NOTICE)
    return items


def file_titles(spec: DemoDataset, columns: list[str]) -> str:
    if spec.multi_period:
        date = next((c for c in columns if c in ("DTREF", "dtref", "annee")), "")
        return f"{spec.files[0]} : fichier unique" + (f", colonne {date} = date de référence" if date else "")
    stem = spec.files[0].rsplit(".", 1)[0].rstrip("0123456789")
    return f"{stem}XXXX.csv (XXXX = année de référence)"


def render(spec: DemoDataset, columns: list[str], labels: dict[str, tuple[str, str]]) -> str:
    """The lisez-moi text; `columns` is the header of the latest file, `labels` the special files' labels."""
    rows = variable_rows(spec, columns, labels)
    width = max([len("Variable")] + [len(r[0]) for r in rows]) + 2
    lines = [f"{'Variable':<{width}}{'Type':<6}Libellé"]
    lines += [f"{name:<{width}}{kind:<6}{label}" for name, kind, label in rows]
    lines += ["", "***DESCRIPTION DE LA PRESTATION***", spec.prestation, "", "***REMARQUES***"]
    lines += [f"{number}) {text}" for number, text in enumerate(remarks(spec), start=1)]
    lines += ["", "***Titres des fichiers***", file_titles(spec, columns), "", "***Informations additionnelles***"]
    source = "Cnaf, fichier ALLSTAT" if spec.style == "cafdata" else (
        "Cnaf, fichier FILEAS et BASE COMMUNALE ALLOCATAIRES (BCA)")
    frequency = {"ANNUAL": "Annuelle", "MONTHLY": "Mensuelle", "IRREG": "Irrégulière"}[spec.frequency]
    lines += [
        f"Source : {source}",
        f"Fréquence de diffusion : {frequency}",
        "Granularité temporelle : Mois",
        f"Unité : {spec.unit}",
        "Champ : France, régime général + régime agricole dans les Dom",
        f"Zone géographique : {ZONES[spec.level]}",
        "",
        "***LIENS***",
        spec.source_url or "https://data.caf.fr/",
        "",
    ]
    return "\n".join(lines)


def notes(spec: DemoDataset) -> str:
    """The dataset description shown on the catalogue (Markdown)."""
    parts = [spec.summary, LEVEL_SENTENCES[spec.level]]
    if spec.frequency == "ANNUAL":
        parts[-1] += " Données au titre du mois de décembre de chaque année."
    if spec.kind == "generic" or spec.style == "cafdata":
        parts.append(CAFDATA_SECRECY if spec.style == "cafdata" else CKAN_SECRECY)
    parts.append(f"*{DEMO_NOTICE}*")
    return "\n\n".join(parts)

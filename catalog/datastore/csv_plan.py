"""A CSV file's load plan and the classifier of its cells: what `scan` needs to check, convert and learn.

`Column` and `CsvPlan` describe the table a file becomes; `classify` names the kind of one value and `decide`
turns the kinds a column has shown into its type. `csv_analysis` builds the first plan, `scan` refines it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

# One regex classifies a cell. Integers refuse leading zeros ("01001" is a commune code, not 1001);
# 18 digits at most so they fit a 64-bit integer.
PATTERNS = {
    "int": r"[+-]?(?:0|[1-9]\d{0,17})",
    "dot": r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?",
    "comma": r"[+-]?\d+,\d+",
    "iso": r"\d{4}-\d{2}-\d{2}",
    "dmy": r"\d{2}/\d{2}/\d{4}",
    "mask": r"[<≤]=?\s*\d+|n\.?[dc]\.?|n/?a|s|secret|x{1,3}|-|\*|\.",
}
TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in PATTERNS.items()), re.I)
RESERVED = {"_id", "_full_text"}
# Columns whose whole numbers are codes, not quantities: INSEE commune and department codes (01001, 2A004, 33),
# Siren/Siret, postal codes, Caf numbers. Typed text even when the values read have no leading zero, so a
# file's codes keep their form (and their alignment) whatever rows the sample saw. Matched on the header's
# words, accents and case ignored: "Codes_Insee", "NUMEPCI", "numcomdo", "DEPSEPCI", "Code postal", "dep".
# A place word (PLACE_WORDS) names a code only as the whole header ("Commune", "dep") or after code/num/insee
# ("num commune"): "Nombre de naissances par région" and "Dépenses du département" are quantities.
CODE_WORDS = {"code", "codes", "cod", "codgeo", "codecommune", "insee", "siren", "siret", "cp", "depcom", "uai",
              "finess", "zip", "postcode"}
PLACE_WORDS = {"com", "commune", "communes", "dep", "dept", "departement", "reg", "region", "epci"}
CODE_PREFIXES = {"code", "codes", "cod", "num", "numero", "n", "no", "insee"}
_SUFFIXES = "geo|com|dep|reg|epci|insee|siren|siret|caf|postal|iris"
CODE_WORD = re.compile(rf"cod(?:es?)?_?(?:{_SUFFIXES})\w*|num(?:{_SUFFIXES})\w*|deps(?:epci|com)\w*")
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's limit; kept on SQLite too so a table moves between both


class LoadError(Exception):
    """A file that cannot be loaded; the message is shown to the publisher as is."""


@dataclass
class Column:
    id: str
    label: str
    type: str = "text"  # text | int | numeric | date
    transform: str | None = None  # "comma" (decimal comma) | "dmy" (31/12/2021)
    masks: set[str] = field(default_factory=set)  # emptied on load (typed columns only)
    kinds: set[str] = field(default_factory=set)  # what the values seen so far look like
    seen: set[str] = field(default_factory=set)  # masked values seen so far
    empty: bool = False  # an empty cell seen: only then does a load need to turn "" into NULL

    @property
    def nullable(self) -> bool:
        """Whether a converted cell of this column can be empty (an empty or an emptied masked cell)."""
        return self.empty or bool(self.masks)

    @property
    def info(self) -> dict[str, str]:
        info = {"label": self.label}
        if self.masks:
            info["notes"] = "Masked values loaded as empty: " + ", ".join(sorted(self.masks))
        return info


@dataclass
class CsvPlan:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    columns: list[Column]
    rows: int = 0

    def layout(self) -> list[tuple[str, str, str | None]]:
        return [(c.id, c.type, c.transform) for c in self.columns]


def column_ids(header: list[str]) -> list[Column]:
    """Table column names from the header row: trimmed, unique, never reserved, within 63 bytes."""
    columns: list[Column] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        label = raw.strip()
        name = label.replace('"', "").lstrip("_").strip() or f"column_{position}"
        name = name.encode()[:MAX_IDENTIFIER_BYTES].decode(errors="ignore")
        base, n = name, 2
        while name.lower() in seen or name in RESERVED:
            suffix = f"_{n}"
            name = base.encode()[: MAX_IDENTIFIER_BYTES - len(suffix)].decode(errors="ignore") + suffix
            n += 1
        seen.add(name.lower())
        columns.append(Column(id=name, label=label))
    return columns


def is_code_name(label: str) -> bool:
    """Whether a column's header names a code (see CODE_WORDS)."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", plain) if w]
    if words and all(w in PLACE_WORDS for w in words):
        return True
    after_prefix = any(a in CODE_PREFIXES and b in PLACE_WORDS for a, b in itertools.pairwise(words))
    return after_prefix or any(w in CODE_WORDS or CODE_WORD.fullmatch(w) for w in words)


def classify(value: str, kinds: set[str], seen: set[str]) -> None:
    """Add the kind of one non-empty value to a column's kinds (and a masked value to `seen`)."""
    match = TOKEN.fullmatch(value)
    kind = match.lastgroup or "other" if match else "other"
    if kind in ("iso", "dmy") and not _valid_date(value, kind):
        kind = "other"
    if kind == "mask":
        seen.add(value)
    kinds.add(kind)


def _valid_date(value: str, kind: str) -> bool:
    try:
        if kind == "iso":
            dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        else:
            dt.date(int(value[6:10]), int(value[3:5]), int(value[:2]))
    except ValueError:
        return False
    return True


def decide(column: Column, delimiter: str) -> None:
    """The column's type, conversion and masks from the kinds of values it has shown."""
    column.type, column.transform, column.masks = "text", None, set()
    values = column.kinds - {"mask"}
    if not values or "other" in values:
        return  # text, masks and all
    if values == {"int"} and is_code_name(column.label):
        return  # codes are text, even with no leading zero in the rows seen
    if values == {"int"}:
        column.type = "int"
    elif values <= {"int", "dot"}:
        column.type = "numeric"
    elif values <= {"int", "comma"} and delimiter != ",":
        column.type, column.transform = "numeric", "comma"
    elif values == {"iso"}:
        column.type = "date"
    elif values == {"dmy"}:
        column.type, column.transform = "date", "dmy"
    else:
        return
    column.masks = set(column.seen)


def dmy_to_iso(value: str) -> str:
    """31/12/2021 -> 2021-12-31 (a checked DD/MM/YYYY value; empty stays empty)."""
    return f"{value[6:]}-{value[3:5]}-{value[:2]}" if value else value

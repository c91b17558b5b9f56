"""Reading real-world CSV files: encoding, delimiter, header, column types.

`analyse` decides encoding and delimiter from the file's start, then the column types from its values
(type inference must see every value, or a late "abc" would break an integer column). The values are
read by `scan.scan`, which checks whole blocks of plain rows with one regex and classifies only the
rows it refuses; loading runs the same scan, converting as it goes.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

SAMPLE_BYTES = 64 * 1024
GUESS_ROWS = 20_000  # rows analysed before loading starts (a later surprise reloads the file)
DELIMITERS = ",;\t|"
# csv's default 128 KiB field limit is too small for real files with long text cells.
csv.field_size_limit(64 * 1024 * 1024)

# One regex classifies a cell. Integers refuse leading zeros ("01001" is a commune code, not 1001);
# 18 digits at most so they fit a 64-bit integer.
PATTERNS = {
    "int": r"[+-]?(?:0|[1-9]\d{0,17})",
    "dot": r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?",
    "comma": r"[+-]?\d+,\d+",
    "iso": r"\d{4}-\d{2}-\d{2}",
    "dmy": r"\d{2}/\d{2}/\d{4}",
    "mask": r"[<≤]=?\s*\d+|n\.?d\.?|n/?a|s|secret|x{1,3}|-|\*|\.",
}
TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in PATTERNS.items()), re.I)
MULTI_BYTE = {"utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "gb18030", "gb2312", "gbk",
              "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "cp950", "iso2022_jp"}
RESERVED = {"_id", "_full_text"}
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


def detect_encoding(path: Path) -> str:
    """The Python codec to read the file with. Refuses empty and binary files with a clear message."""
    size = path.stat().st_size
    if size == 0:
        raise LoadError("The file is empty (0 bytes): there is nothing to load.")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if b"\x00" in head:
        raise LoadError("The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.")
    if _decodes(path, "utf-8"):
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        raise LoadError("The file is not a text file (unknown encoding); only CSV/TSV text can be loaded.")
    encoding = best.encoding
    if _single_byte(encoding):
        # charset-normalizer cannot tell single-byte Western codecs apart on short French samples
        # (it answers mac_iceland or cp1250); the files that circulate are Windows-1252.
        encoding = "cp1252" if _decodes(path, "cp1252") else "latin-1"
    elif not _decodes(path, encoding):
        raise LoadError(f"The file could not be decoded (guessed encoding {encoding}).")
    return encoding


def _single_byte(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name not in MULTI_BYTE
    except LookupError:
        return False


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(2, len(text) // 100)


def sniff_delimiter(sample: str) -> str:
    """csv.Sniffer's guess if it parses the sample consistently, else the most consistent candidate."""
    sample = sample[: sample.rfind("\n") + 1] or sample
    scores = {d: _consistency(sample, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    try:
        guessed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        guessed = best
    if scores[guessed] >= scores[best]:
        best = guessed
    return best if scores[best][0] else ","


def _consistency(sample: str, delimiter: str) -> tuple[bool, float, int]:
    """(splits into several columns, share of rows with the usual width, usual width)."""
    rows = [r for r in itertools.islice(csv.reader(sample.splitlines(keepends=True), delimiter=delimiter), 200) if r]
    if not rows:
        return (False, 0.0, 0)
    widths = [len(r) for r in rows]
    usual = max(set(widths), key=widths.count)
    return (usual > 1, widths.count(usual) / len(widths), usual)


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


def analyse(path: Path, max_rows: int | None = None, like: CsvPlan | None = None) -> CsvPlan:
    """Everything needed to create the table and convert the rows. `max_rows` reads only about the
    first rows (a guess to start loading early); `like` goes on from a guess (same encoding and
    delimiter, the kinds it has seen)."""
    from catalog.datastore.scan import read_header, scan  # scan builds on this module's classifier

    if like is not None:
        plan = like
    else:
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if _looks_binary(sample):
            raise LoadError("The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.")
        delimiter = sniff_delimiter(sample)
        with path.open(encoding=encoding, newline="") as handle:
            header = read_header(handle, delimiter)
        width = len(header)
        while width > 1 and not header[width - 1].strip():
            width -= 1  # a trailing delimiter on the header line is not a column
        plan = CsvPlan(path, encoding, delimiter, header, column_ids(header[:width]))
    for _ in scan(plan, strict=False, convert=False, max_rows=max_rows):
        pass
    return plan


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

"""Reading real-world CSV files: encoding, delimiter, header, column types, then rows ready to insert.

Two passes over the file: `analyse` reads it once to decide encoding, delimiter and column types (type
inference must see every value, or a late "abc" would break an integer column); `row_chunks` reads it
again and yields converted rows. Both passes work column by column on chunks of rows so the per-cell
Python work is small: a set of distinct values per chunk is classified, not every cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import charset_normalizer

CHUNK_ROWS = 20_000
SAMPLE_BYTES = 64 * 1024
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
# Whole chunks of distinct values are checked at once against the kinds a column already has:
# one regex over "v1\nv2\n..." runs in C instead of one Python call per value.
SETTLED = {
    frozenset(kinds): re.compile("(?:(?:" + "|".join(PATTERNS[k] for k in kinds) + ")\n)*")
    for kinds in (["int"], ["dot"], ["int", "dot"], ["comma"], ["int", "comma"], ["iso"], ["dmy"])
}
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
    masks: set[str] = field(default_factory=set)

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
    bom: bool
    delimiter: str
    columns: list[Column]
    rows: int
    # Every data row has exactly one cell per column and there are no blank rows.
    regular: bool

    @property
    def copy_encoding(self) -> str:
        return {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp1252": "WIN1252", "latin-1": "LATIN1"}.get(
            self.encoding, ""
        )


def detect_encoding(path: Path) -> tuple[str, bool]:
    """(python codec, has UTF-8 BOM). Refuses empty and binary files with a clear message."""
    size = path.stat().st_size
    if size == 0:
        raise LoadError("The file is empty (0 bytes): there is nothing to load.")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if b"\x00" in head:
        raise LoadError("The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.")
    bom = head.startswith(codecs.BOM_UTF8)
    if _decodes(path, "utf-8"):
        return ("utf-8-sig" if bom else "utf-8"), bom
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
    return encoding, False


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


@contextmanager
def _open_reader(path: Path, encoding: str, delimiter: str) -> Iterator[Any]:
    with path.open(encoding=encoding, newline="") as handle:
        yield csv.reader(handle, delimiter=delimiter)


def _normalise(rows: list[list[str]], width: int) -> list[list[str]]:
    """Drop blank rows, pad short rows with empty cells, cut trailing empty cells of long rows."""
    out = []
    for row in rows:
        if not any(row):
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        elif len(row) > width:
            row = row[:width]
        out.append(row)
    return out


def analyse(path: Path, max_rows: int | None = None, like: CsvPlan | None = None) -> CsvPlan:
    """First pass: everything needed to create the table and convert the rows. `max_rows` reads only
    the first rows (a guess to start loading early); `like` reuses a guess's encoding and delimiter."""
    if like is not None:
        encoding, bom, delimiter = like.encoding, like.bom, like.delimiter
    else:
        encoding, bom = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if _looks_binary(sample):
            raise LoadError("The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.")
        delimiter = sniff_delimiter(sample)
    with _open_reader(path, encoding, delimiter) as reader:
        try:
            return _scan(reader, CsvPlan(path, encoding, bom, delimiter, [], 0, True), max_rows)
        except csv.Error as error:
            raise LoadError(f"The file is not valid CSV: {error}") from None


def same_layout(guess: CsvPlan, plan: CsvPlan) -> bool:
    """Whether rows loaded following `guess` are exactly what `plan` (the whole file) asks for."""
    def layout(p: CsvPlan) -> list[tuple[str, str, str | None, frozenset[str]]]:
        return [(c.id, c.type, c.transform, frozenset(c.masks)) for c in p.columns]

    return plan.regular and guess.regular and layout(guess) == layout(plan)


def _scan(reader: Any, plan: CsvPlan, max_rows: int | None = None) -> CsvPlan:
    header: list[str] = []
    for header in reader:
        if any(cell.strip() for cell in header):
            break
        plan.regular = False  # blank lines before the header
    if not any(cell.strip() for cell in header):
        raise LoadError("The file has no header row: there is nothing to load.")
    width = len(header)
    while width > 1 and not header[width - 1].strip():
        width -= 1  # a trailing delimiter on the header line is not a column
    kinds: list[set[str]] = [set() for _ in range(width)]
    masks: list[set[str]] = [set() for _ in range(width)]
    while True:
        size = CHUNK_ROWS if max_rows is None else min(CHUNK_ROWS, max_rows - plan.rows)
        chunk = list(itertools.islice(reader, size)) if size > 0 else []
        if not chunk:
            break
        lengths = set(map(len, chunk))
        if lengths != {width}:
            plan.regular = False
            longest = max((len(r) for r in chunk if any(r[width:])), default=width)
            if longest > width:
                # Cells beyond the header: keep them in extra columns rather than drop data.
                kinds += [set() for _ in range(longest - width)]
                masks += [set() for _ in range(longest - width)]
                header = header + [""] * (longest - len(header))
                width = longest
            chunk = _normalise(chunk, width)
        plan.rows += len(chunk)
        for index in range(width):
            if "other" not in kinds[index]:  # a text column is settled: no need to look at it again
                _classify(set(map(itemgetter(index), chunk)), kinds[index], masks[index])
    plan.columns = column_ids(header[:width])
    for column, column_kinds, column_masks in zip(plan.columns, kinds, masks, strict=True):
        _decide(column, column_kinds, column_masks, plan.delimiter)
    return plan


def _classify(values: set[str], kinds: set[str], masks: set[str]) -> None:
    values.discard("")
    values -= masks
    if not values:
        return
    pattern = SETTLED.get(frozenset(kinds - {"mask"}))
    if pattern is not None and pattern.fullmatch("\n".join(values) + "\n"):
        if not kinds & {"iso", "dmy"} or all(_valid_date(v, next(iter(kinds & {"iso", "dmy"}))) for v in values):
            return
    for value in values:
        match = TOKEN.fullmatch(value)
        kind = match.lastgroup or "other" if match else "other"
        if kind in ("iso", "dmy") and not _valid_date(value, kind):
            kind = "other"
        if kind == "mask":
            masks.add(value)
        kinds.add(kind)
        if kind == "other":
            return


def _valid_date(value: str, kind: str) -> bool:
    try:
        if kind == "iso":
            dt.date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        else:
            dt.date(int(value[6:10]), int(value[3:5]), int(value[:2]))
    except ValueError:
        return False
    return True


def _decide(column: Column, kinds: set[str], masks: set[str], delimiter: str) -> None:
    values = kinds - {"mask"}
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
    column.masks = masks


def row_chunks(plan: CsvPlan, size: int = CHUNK_ROWS) -> Iterator[list[list[str]]]:
    """Second pass: the data rows as read, one cell per column. Conversions (empty -> NULL, masks,
    decimal commas, DD/MM/YYYY) are SQL expressions in the backends, so they run in the database."""
    width = len(plan.columns)
    with _open_reader(plan.path, plan.encoding, plan.delimiter) as reader:
        next(r for r in reader if any(cell.strip() for cell in r))
        while chunk := list(itertools.islice(reader, size)):
            if not plan.regular:
                chunk = _normalise(chunk, width)
                if not chunk:
                    continue
            yield chunk


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

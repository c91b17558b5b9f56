"""Reading real-world CSV files: encoding, delimiter, header, column types.

`analyse` decides encoding and delimiter from the file's start, then the column types from its values
(type inference must see every value, or a late "abc" would break an integer column). The values are
read by `scan.scan`, which checks whole blocks of plain rows with one regex and classifies only the
rows it refuses; loading runs the same scan, converting as it goes. The plan and the cell classifier
both use live in `csv_plan`, so the imports run one way: csv_plan <- scan <- csv_analysis.

Whether a file is a table at all is decided from its content, never from its name (`is_prose`): a read-me
called .csv is text, a semicolon-separated .txt is a table. Prose raises NotATable before any table is made.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from pathlib import Path

import charset_normalizer

from catalog.datastore.csv_plan import CsvPlan, LoadError, column_ids
from catalog.datastore.scan import read_header, scan

SAMPLE_BYTES = 64 * 1024
GUESS_ROWS = 20_000  # rows analysed before loading starts (a later surprise reloads the file)
DELIMITERS = ",;\t|"
MULTI_BYTE = {"utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "gb18030", "gb2312", "gbk",
              "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "cp950", "iso2022_jp"}


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
    if single_byte(encoding):
        # charset-normalizer cannot tell single-byte Western codecs apart on short French samples
        # (it answers mac_iceland or cp1250); the files that circulate are Windows-1252.
        encoding = "cp1252" if _decodes(path, "cp1252") else "latin-1"
    elif not _decodes(path, encoding):
        raise LoadError(f"The file could not be decoded (guessed encoding {encoding}).")
    return encoding


def single_byte(encoding: str) -> bool:
    """A single-byte codec (which charset-normalizer cannot tell apart on short French samples)."""
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


class NotATable(LoadError):  # noqa: N818 - reads as the status it becomes ("text")
    """The file is prose (a read-me, notes): it is shown as text and never loaded as a table."""


NOT_A_TABLE = "The file is text, not a table: it is shown as text and not loaded into the DataStore."
TABLE_SHARE = 0.6  # rows with the usual number of cells, for a file that splits into columns to be a table
PROSE_WORDS = 6  # a line of at least this many words reads as a sentence
PROSE_SHARE = 0.2  # of the lines: sentences (or lines ending as sentences) that make a one-column file prose
LONG_LINE = 150  # characters: no one-column table has such cells


def is_prose(sample: str, delimiter: str) -> bool:
    """Whether the start of a text file is prose rather than a table, from its content alone.

    A table splits, with its delimiter, into rows of mostly the same number (two or more) of cells (quoted
    cells may hold commas, spaces and sentences), and its first row names them all. A file that does not
    split so (one column, or ragged rows) is a table only when its lines look like values: short, few words,
    no sentence punctuation; otherwise it is prose (the lisez-moi files, whose variable table is aligned with
    spaces and whose remarks are sentences, or a paragraph whose commas make uneven "rows")."""
    splits, share, usual = _consistency(sample, delimiter)
    consistent = splits and share >= TABLE_SHARE
    rows = [row for row in itertools.islice(csv.reader(sample.splitlines(), delimiter=delimiter), 200) if row]
    first = rows[0] if rows else []
    # Cells past the first row's are allowed when empty: data rows that end with the delimiter (";" at the end
    # of each line) have one more, empty, cell than the header.
    if consistent and all(not "".join(row[len(first):]).strip() for row in rows if len(row) == usual):
        return False
    lines = [line.strip() for line in itertools.islice(sample.splitlines(), 200) if line.strip()]
    if len(lines) < 2:
        return bool(lines) and len(lines[0].split()) >= PROSE_WORDS
    sentences = sum(1 for line in lines if _sentence(line))
    # Long lines tell prose only in a file that does not split into rows of one width (a wide table's are long).
    return sentences / len(lines) >= PROSE_SHARE or (not consistent and any(len(line) > LONG_LINE for line in lines))


def _sentence(line: str) -> bool:
    words = len(line.split())
    return words >= PROSE_WORDS or (words >= 3 and line.endswith((".", ":", ";")))


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


def analyse(path: Path, max_rows: int | None = None, like: CsvPlan | None = None) -> CsvPlan:
    """Everything needed to create the table and convert the rows. `max_rows` reads only about the
    first rows (a guess to start loading early); `like` goes on from a guess (same encoding and
    delimiter, the kinds it has seen)."""
    if like is not None:
        plan = like
    else:
        encoding = detect_encoding(path)
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if _looks_binary(sample):
            raise LoadError("The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.")
        delimiter = sniff_delimiter(sample)
        if is_prose(sample, delimiter):
            raise NotATable(NOT_A_TABLE)
        with path.open(encoding=encoding, newline="") as handle:
            header = read_header(handle, delimiter)
        width = len(header)
        while width > 1 and not header[width - 1].strip():
            width -= 1  # a trailing delimiter on the header line is not a column
        plan = CsvPlan(path, encoding, delimiter, header, column_ids(header[:width]))
    for _ in scan(plan, strict=False, convert=False, max_rows=max_rows):
        pass
    return plan

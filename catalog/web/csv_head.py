"""The first rows of a CSV file, for the review page's preview of a pending upload.

Only the file's start is read (HEAD_BYTES), never the whole file: a reviewer's page must not cost a pass over a
multi-gigabyte upload. The encoding is guessed from that start (UTF-8 first, else charset-normalizer, with the
DataStore's rule that single-byte guesses mean Windows-1252), and the delimiter by the DataStore's
`sniff_delimiter` (csv.Sniffer checked against the rows' consistency), so the preview splits a French
semicolon file as the DataStore load will.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from catalog.datastore.csv_analysis import SAMPLE_BYTES, single_byte, sniff_delimiter

HEAD_BYTES = 128 * 1024
PREVIEW_ROWS = 20
CSV_FORMATS = {"csv", "tsv", "text/csv", "text/tab-separated-values"}


@dataclass(frozen=True)
class CsvHead:
    header: list[str]
    rows: list[list[str]]
    delimiter: str
    encoding: str
    more: bool  # the file has rows after those shown


def looks_like_csv(resource: dict[str, object]) -> bool:
    """A resource worth a table preview: its format says CSV/TSV, or its file name ends so."""
    fmt = str(resource.get("format") or "").strip().lower()
    name = str(resource.get("url") or resource.get("name") or "").lower().split("?", 1)[0]
    return fmt in CSV_FORMATS or name.endswith((".csv", ".tsv"))


def read_head(path: Path, rows: int = PREVIEW_ROWS) -> CsvHead | None:
    """The header and first `rows` rows, or None when the start is not text (binary, unknown encoding)."""
    read = read_head_bytes(path, HEAD_BYTES)
    if read is None or not read[0]:
        return None
    head, cut = read
    decoded = decode_head(head)
    if decoded is None:
        return None
    text, encoding = decoded
    delimiter = sniff_delimiter(text[:SAMPLE_BYTES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    found = [row for row in itertools.islice((r for r in reader if any(c.strip() for c in r)), rows + 2)]
    if not found:
        return None
    header, body = found[0], found[1:]
    return CsvHead(header=header, rows=body[:rows], delimiter=delimiter, encoding=encoding,
                   more=len(body) > rows or cut)


def read_head_bytes(path: Path, max_bytes: int) -> tuple[bytes, bool] | None:
    """(the file's first bytes, whether the file goes on) for a text glimpse (the CSV preview, text views), or
    None when they hold a NUL byte (binary). A cut start ends on a whole line: the last one may be cut mid-row or
    mid-character (a quoted field running past the cut still shows only what was read; the DataStore load reads
    all). A start without a line end is cut before an incomplete UTF-8 character, which would otherwise make a
    UTF-8 file undecodable and guessed as another encoding."""
    with path.open("rb") as handle:
        head = handle.read(max_bytes)
        cut = bool(handle.read(1))
    if b"\x00" in head:
        return None
    if cut:
        end = head.rfind(b"\n")
        head = head[: end + 1] if end > 0 else _whole_utf8(head)
    return head, cut


def _whole_utf8(head: bytes) -> bytes:
    """`head` without a UTF-8 sequence cut at its end (bytes that are not UTF-8 are left as they are)."""
    for back in range(1, min(4, len(head)) + 1):
        byte = head[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the start of the last character
            length = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
            return head[:-back] if length > back else head
    return head


def decode_head(head: bytes) -> tuple[str, str] | None:
    """(text, encoding) of a file's start, or None when it is not text (also catalog.web.text_file's decoder)."""
    if head.startswith(codecs.BOM_UTF8):
        return head[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return head.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(head).best()
    if best is None:
        return None
    encoding = best.encoding
    if single_byte(encoding):
        # charset-normalizer cannot tell the Western single-byte codecs apart on short French samples; the
        # files that circulate are Windows-1252 (catalog/datastore/csv_analysis.py makes the same choice).
        encoding = "cp1252"
    return head.decode(encoding, errors="replace"), encoding

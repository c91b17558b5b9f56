"""One streaming pass over a CSV file: plain rows checked and converted a block at a time, odd rows one by one.

Most rows of a real file are plain: unquoted cells whose values are of a kind already seen in their column.
One regex built from the plan checks a whole block of such rows in C, and two replacements over the block
convert them (masked cells emptied, decimal commas made dots), so the block goes to the database as text
with no per-cell Python. A row the regex refuses (quoted newline, ragged row, a value of a new kind, a mask
not seen yet, a text cell the replacements would touch) is read by the csv module, classified and converted
on its own, and the regex is rebuilt if the plan learnt something. When such a row changes the table's
layout (a column's type, a new column), a loading pass stops with LayoutChangedError; an analysing pass updates
the plan and goes on. Memory stays at a block or two whatever the file's size.
"""

from __future__ import annotations

import csv
import queue
import re
import threading
from collections.abc import Iterator
from typing import IO, Any, TypeVar

from catalog.datastore.csv_plan import PATTERNS, Column, CsvPlan, LoadError, classify, column_ids, decide, dmy_to_iso

T = TypeVar("T")
BLOCK_CHARS = 1 << 20
SLOW_BATCH = 5000
# Only real calendar dates pass the block regex (29 February and anything odder go row by row).
VALID = {
    "iso": r"(?!0000)\d{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
           r"|(?:0[13578]|1[02])-31)",
    "dmy": r"(?:(?:0[1-9]|1\d|2[0-8])/(?:0[1-9]|1[0-2])|(?:29|30)/(?:0[13-9]|1[0-2])|31/(?:0[13578]|1[02]))"
           r"/(?!0000)\d{4}",
}
VALUE_KINDS = ("int", "dot", "comma", "iso", "dmy")
# Line ends as open(newline="") splits them, so odd rows are read exactly as csv.reader over the file would.
LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)?")
# csv's default 128 KiB field limit is too small for real files with long text cells.
csv.field_size_limit(64 * 1024 * 1024)


class LayoutChangedError(Exception):
    """A row showed that the table must have other column types or more columns than planned."""


def read_header(handle: IO[str], delimiter: str) -> list[str]:
    """The first row with a non-blank cell; the handle is left at the start of the data rows."""
    try:
        for header in csv.reader(handle, delimiter=delimiter):
            if any(cell.strip() for cell in header):
                return header
    except csv.Error as error:
        raise LoadError(f"The file is not valid CSV: {error}") from None
    raise LoadError("The file has no header row: there is nothing to load.")


def is_settled_text(column: Column) -> bool:
    """A text column that no later value can turn into a typed one."""
    return column.type == "text" and bool(column.kinds - {"mask"})


class Blocks:
    """The block regex and the replacements for one state of the plan."""

    def __init__(self, plan: CsvPlan) -> None:
        d = re.escape(plan.delimiter)
        typed = [c for c in plan.columns if c.type != "text"]
        self.nulls = sorted(set().union(*(c.masks for c in typed)), key=len, reverse=True)
        self.commas = any(c.transform == "comma" for c in plan.columns)
        # With one column an emptied cell would leave a blank line, which is no row: quote it.
        self.empty = '""' if len(plan.columns) == 1 else ""
        # Text cells must not hold what the replacements change: a delimiter or line end inside quotes
        # (a replacement could not tell it from a cell boundary), a comma, a whole cell equal to a mask.
        rewrite = bool(self.nulls) or self.commas
        banned = d + r"\r\n" + ("," if self.commas else "")
        not_null = ""
        if self.nulls:
            alternatives = "|".join(re.escape(m) for m in self.nulls)
            not_null = rf"(?!(?:{alternatives})(?:{d}|\r?\n))"
            # Literal first (a fast scan for it), then the cell boundaries around it.
            masks = "|".join(f"{re.escape(m)}(?<=[{d}\\n]{re.escape(m)})" for m in self.nulls)
            self.null_cells: re.Pattern[str] | None = re.compile(rf"(?:{masks})(?=[{d}\r\n])")
        else:
            self.null_cells = None
        # No line end inside quotes either way: a block's rows are counted by its line ends.
        inside = f'[^"{banned}]' if rewrite else r'[^"\r\n]'
        cells = []
        for column in plan.columns:
            # An empty cell passes only in a column that has had one (so loads need NULL handling only
            # there); the first empty cell of a column goes row by row and teaches the plan.
            more = "*" if column.empty else "+"
            if is_settled_text(column):
                cells.append(rf'(?:{not_null}[^"{banned}]{more}|"(?:{inside}|""){more}")')
                continue
            if column.type == "text":
                # Nothing but empty and masked cells seen yet: anything else is news. Its masks stay text,
                # so only those that no replacement empties can pass in a block.
                values = [re.escape(m) for m in sorted(column.seen - set(self.nulls))]
            else:
                values = [VALID.get(k, PATTERNS[k]) for k in VALUE_KINDS if k in column.kinds]
                values += [re.escape(m) for m in sorted(column.masks)]
            values += [""] if column.empty else []
            cells.append("(?:" + "|".join(values) + ")" if values else "(?!)")
        # A row of empty cells is not a row; a lone "\." line would end PostgreSQL's COPY.
        guard = rf'(?!(?:""|{d})*\r?\n)' + (r"(?!\\\.\r?\n)" if len(cells) == 1 else "")
        # Possessive (`*+`): a row can only end at its line end, so backtracking into rows already matched
        # never succeeds; not saving a backtracking state per row halves the time of a match.
        self.regex = re.compile(f"(?:{guard}{d.join(cells)}\\r?\\n)*+")

    def convert(self, text: str) -> str:
        if "\r" in text:
            text = text.replace("\r\n", "\n")  # one line end for the backends (no \r is left inside cells)
        if self.null_cells is not None:
            text = self.null_cells.sub(self.empty, "\n" + text)[1:]
        if self.commas:
            text = text.replace(",", ".")
        return text


def scan(
    plan: CsvPlan, *, strict: bool, convert: bool = True, max_rows: int | None = None, block_chars: int = BLOCK_CHARS
) -> Iterator[str | list[list[str]]]:
    """The data rows, converted: blocks of CSV text (each row exactly one cell per column, `\\n` at its
    end, no blank rows; dates still DD/MM/YYYY) and lists of odd rows (dates made YYYY-MM-DD).
    `plan.rows` counts them as they go.

    strict: raise LayoutChangedError when a row does not fit the plan's layout (loading); otherwise the
    plan is widened and the scan goes on (analysing). convert=False only checks (and learns).
    block_chars: how much text is read at a time (tests make it small to cut rows across blocks).
    """
    plan.rows = 0
    blocks = Blocks(plan)
    odd: list[list[str]] = []
    with plan.path.open(encoding=plan.encoding, newline="") as handle:
        read_header(handle, plan.delimiter)
        tail, eof = "", False
        while not eof and (max_rows is None or plan.rows < max_rows):
            chunk = handle.read(max(block_chars, len(tail)))  # a long record doubles it
            eof = not chunk
            text = tail + chunk
            if eof and text and not text.endswith(("\n", "\r")):
                text += "\n"
            pos = 0
            while pos < len(text):
                end = blocks.regex.match(text, pos).end()  # type: ignore[union-attr] - `*` always matches
                if end > pos:
                    if odd:
                        yield odd
                        odd = []
                    plan.rows += text.count("\n", pos, end)
                    if convert:
                        yield blocks.convert(text[pos:end])
                    pos = end
                    continue
                record, stop = _one_record(text, pos, plan.delimiter)
                if stop == len(text) and not eof:
                    break  # the record may go on in the next block
                pos = stop
                learnt, row = take(plan, record, strict=strict)
                if learnt:
                    blocks = Blocks(plan)
                if row is not None:
                    plan.rows += 1
                    if convert:
                        odd.append(row)
                        if len(odd) >= SLOW_BATCH:
                            yield odd
                            odd = []
            tail = text[pos:]
    if odd:
        yield odd


def _one_record(text: str, pos: int, delimiter: str) -> tuple[list[str], int]:
    """The csv record starting at `pos` and where it ends."""
    end = pos

    def lines() -> Iterator[str]:
        nonlocal end
        while end < len(text):
            start, end = end, LINE.match(text, end).end()  # type: ignore[union-attr]
            yield text[start:end]

    try:
        return next(csv.reader(lines(), delimiter=delimiter), []), end
    except csv.Error as error:
        raise LoadError(f"The file is not valid CSV: {error}") from None


def take(plan: CsvPlan, record: list[str], *, strict: bool) -> tuple[bool, list[str] | None]:
    """(whether the plan learnt something, the converted row or None for a blank row)."""
    if not any(record):
        return False, None
    learnt = False
    width = len(plan.columns)
    if len(record) > width and any(record[width:]):
        # Cells beyond the header: keep them in extra columns rather than drop data.
        if strict:
            raise LayoutChangedError
        plan.header = plan.header + [""] * (len(record) - len(plan.header))
        plan.columns += column_ids(plan.header[: len(record)])[width:]
        width, learnt = len(record), True
    if len(record) != width:
        record = (record + [""] * (width - len(record)))[:width]
    for column, value in zip(plan.columns, record, strict=True):
        if not value:
            learnt = learnt or not column.empty
            column.empty = True
            continue
        if is_settled_text(column) or value in column.seen:
            continue
        layout = (column.type, column.transform)
        kinds, seen = len(column.kinds), len(column.seen)
        classify(value, column.kinds, column.seen)
        if (len(column.kinds), len(column.seen)) == (kinds, seen):
            continue
        decide(column, plan.delimiter)
        if strict and (column.type, column.transform) != layout:
            raise LayoutChangedError
        learnt = True
    return learnt, [_cell(column, value) for column, value in zip(plan.columns, record, strict=True)]


def _cell(column: Column, value: str) -> str:
    if value in column.masks:
        return ""
    if column.transform == "comma":
        return value.replace(",", ".")
    if column.transform == "dmy":
        return dmy_to_iso(value)
    return value


def read_ahead(items: Iterator[T], depth: int = 4) -> Iterator[T]:
    """`items` produced in a second thread, at most `depth` ahead, so reading and checking the next block
    overlaps with the database taking the last one (sqlite3 and psycopg release the GIL while they work
    or wait). Close it (contextlib.closing) to stop the producer early; its exceptions are raised here."""
    slots: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                slots.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(done)
        except BaseException as error:  # noqa: BLE001 - handed over to the consuming thread
            put(done, error)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, daemon=True, name="datastore-read-ahead")
    producer.start()
    try:
        while True:
            item, error = slots.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        producer.join()

"""The streaming scan against a plain reference: csv.reader over the whole file, every value classified.

The scan checks blocks of plain rows with one regex and reads odd rows with the csv module, so the two
must never disagree: same columns, same types, same rows, same converted cells, wherever the rows fall
against the block boundaries (tiny blocks here cut rows, quoted newlines and masks in every place).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest

from catalog.datastore.csv_analysis import analyse
from catalog.datastore.csv_plan import Column, classify, column_ids, decide, dmy_to_iso
from catalog.datastore.scan import scan

VALUES = [
    "", "", "1", "12", "-3", "+4", "01001", "0", "1.5", ".5", "5.", "1e5", "1,5", "12,25", "<5", "< 5", "s", "x",
    "-", ".", "n.d.", "nd", "2021-12-31", "2020-02-29", "2021-02-29", "2021-02-30", "31/12/2021", "29/02/2020",
    "29/02/2021", "abc", "a b", "a;b", "a,b", 'a"b', "line\nbreak", "\\.", "Étienne", " 7", "1 200", "0000-01-01",
    "99999999999999999999", "x\ry", '""',
]  # fmt: skip
# Columns mostly keep to one kind, so that typed columns (and their late surprises) are common.
PERSONALITIES = [["1", "12", "-3", "", "<5"], ["1,5", "12,25", "", "s"], ["2021-12-31", ""], ["31/12/2021", ""],
                 ["abc", "a b", "a,b"], VALUES, [""]]


def reference(path: Path, encoding: str, delimiter: str) -> tuple[list[tuple[str, str, str | None]], list[list[str]]]:
    """What loading must produce, computed the slow obvious way."""
    with path.open(encoding=encoding, newline="") as handle:
        records = list(csv.reader(handle, delimiter=delimiter))
    start = next(i for i, r in enumerate(records) if any(cell.strip() for cell in r))
    header = records[start]
    width = len(header)
    while width > 1 and not header[width - 1].strip():
        width -= 1
    rows = []
    for record in records[start + 1:]:
        if not any(record):
            continue
        if len(record) > width and any(record[width:]):
            width = len(record)
        rows.append(record)
    columns = column_ids((header + [""] * width)[:width])
    rows = [(r + [""] * width)[:width] for r in rows]
    for index, column in enumerate(columns):
        for row in rows:
            if row[index]:
                classify(row[index], column.kinds, column.seen)
        decide(column, delimiter)
    converted = [[convert(c, v) for c, v in zip(columns, r, strict=True)] for r in rows]
    return [(c.id, c.type, c.transform) for c in columns], converted


def convert(column: Column, value: str) -> str:
    if value in column.masks:
        return ""
    return {"comma": value.replace(",", "."), "dmy": dmy_to_iso(value)}.get(column.transform or "", value)


def scanned(path: Path, block_chars: int) -> tuple[list[tuple[str, str, str | None]], list[list[str]], int]:
    plan = analyse(path)
    rows: list[list[str]] = []
    dates = [i for i, c in enumerate(plan.columns) if c.transform == "dmy"]
    for part in scan(plan, strict=True, block_chars=block_chars):
        if isinstance(part, list):
            rows += part  # odd rows: dates already YYYY-MM-DD
        else:  # blocks keep DD/MM/YYYY (the backends convert them)
            block = list(csv.reader(io.StringIO(part), delimiter=plan.delimiter))
            rows += [[dmy_to_iso(v) if i in dates else v for i, v in enumerate(row)] for row in block]
    return plan.layout(), rows, plan.rows


def random_file(rng: random.Random, path: Path) -> None:
    delimiter = rng.choice([",", ";", "\t", "|"])
    width = rng.randint(1, 4)
    end = rng.choice(["\n", "\r\n"])
    kinds = [rng.choice(PERSONALITIES) for _ in range(width)]
    lines = [delimiter.join(f"h{j}" for j in range(width)) + (delimiter if rng.random() < 0.1 else "")]
    for _ in range(rng.randint(0, 60)):
        if rng.random() < 0.05:
            lines.append("")
            continue
        cells = [rng.choice(kinds[j]) if rng.random() < 0.9 else rng.choice(VALUES) for j in range(width)]
        if rng.random() < 0.05:
            cells = cells[: rng.randint(0, width)]
        if rng.random() < 0.05:
            cells += rng.sample(VALUES, 2)
        quote = rng.random() < 0.1  # a file quoting every cell now and then
        lines.append(delimiter.join(
            '"' + c.replace('"', '""') + '"' if quote or any(ch in c for ch in delimiter + '"\r\n') else c
            for c in cells
        ))
    encoding = rng.choice(["utf-8", "cp1252"])
    path.write_bytes((end.join(lines) + (end if rng.random() < 0.8 else "")).encode(encoding))


@pytest.mark.parametrize("seed", range(4))
def test_scan_agrees_with_reading_every_row_with_csv(tmp_path, seed):
    rng = random.Random(seed)
    for number in range(60):
        path = tmp_path / f"f{number}.csv"
        random_file(rng, path)
        plan = analyse(path)  # one-column files can sniff another delimiter than written: same file anyway
        expected_layout, expected_rows = reference(path, plan.encoding, plan.delimiter)
        for block_chars in (7, 64, 1 << 20):
            layout, rows, count = scanned(path, block_chars)
            assert (layout, rows) == (expected_layout, expected_rows), (path.read_bytes(), block_chars)
            assert count == len(expected_rows)


def test_a_text_cell_the_block_replacements_would_touch_is_kept(tmp_path):
    """Commas in text beside a decimal-comma column, and a text cell equal to another column's mask."""
    path = tmp_path / "f.csv"
    path.write_text("libelle;n;taux\nVille, quartier;<5;1,5\n<5;3;2,25\nplain;4;3\n", encoding="utf-8")
    layout, rows, _ = scanned(path, 1 << 20)
    assert layout == [("libelle", "text", None), ("n", "int", None), ("taux", "numeric", "comma")]
    assert rows == [["Ville, quartier", "", "1.5"], ["<5", "3", "2.25"], ["plain", "4", "3"]]


def test_a_big_file_comes_out_in_pieces_of_about_a_block(tmp_path):
    """Streaming: what the scan hands over at a time is bounded by the block size, not by the file."""
    path = tmp_path / "big.csv"
    odd = '"two\nlines"'
    path.write_text("a;b;c\n" + "".join(f"{odd if i % 100 == 0 else i};{i},5;<5\n" for i in range(20_000)))
    plan = analyse(path)
    sizes = [len(part) if isinstance(part, str) else len(part) for part in scan(plan, strict=True, block_chars=4096)]
    assert plan.rows == 20_000 and len(sizes) > 50
    assert max(sizes) <= 2 * 4096

"""Masked small counts kept apart from missing values: a companion text column `<column>__mask`.

Statistical secrecy writes `<5`, `s`, `nd`, `nc`, `x`, `-`... where a count is too small to publish. A column
whose other values are numbers stays numeric (it sorts, filters and aggregates as numbers, charts read it), its
masked cells are empty (NULL) there, and the companion column holds the mask as written, NULL elsewhere; so an
empty cell of the file (missing) and a masked one are told apart through datastore_search:
`{"NB": null, "NB__mask": "<5"}` against `{"NB": null, "NB__mask": null}`.

The load (catalog/datastore/scan.py, the backends' bulk_load) empties the masked cells as it goes; this second
pass, only for files with masks in typed columns, reads the file again with the csv module and writes the masks
by row number (`_id`, numbered as the load numbers rows: one per data row, blank rows skipped).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from catalog.datastore.backend import Column as TableColumn
from catalog.datastore.csv_plan import MAX_IDENTIFIER_BYTES, CsvPlan
from catalog.datastore.scan import read_header

if TYPE_CHECKING:
    from catalog.datastore.backend import DatastoreBackend

SUFFIX = "__mask"
MASK_OF = "mask_of"  # in a companion's data-dictionary info: the id of the column whose masks it holds
BATCH = 1000


def mask_columns(plan: CsvPlan) -> dict[str, str]:
    """Typed column id -> its companion column id, for the columns that had masked cells."""
    taken = {c.id.lower() for c in plan.columns}
    companions: dict[str, str] = {}
    for column in plan.columns:
        if column.type == "text" or not column.masks:
            continue
        base = column.id.encode()[: MAX_IDENTIFIER_BYTES - len(SUFFIX) - 3].decode(errors="ignore")
        name, n = base + SUFFIX, 2
        while name.lower() in taken:
            name, n = f"{base}{SUFFIX}{n}", n + 1
        taken.add(name.lower())
        companions[column.id] = name
    return companions


def mask_pairs(fields: list[dict[str, Any]]) -> dict[str, str]:
    """Masked column id -> its companion column's id, among a table's fields (as datastore_search gives them).

    The load records the pairing in the companion's info (MASK_OF): a long header's companion has a truncated
    name (mask_columns), so it is not always `<column>__mask`. A table without the record (loaded before, or made
    by datastore_create) pairs `<column>` with `<column>__mask`. The preview, the charts and the table views read
    this one function."""
    ids = {f["id"] for f in fields}
    pairs: dict[str, str] = {}
    for f in fields:
        of = (f.get("info") or {}).get(MASK_OF)
        if isinstance(of, str) and of in ids and of != f["id"] and of not in pairs:
            pairs[of] = f["id"]
    paired = set(pairs.values())
    for f in fields:
        name = f["id"] + SUFFIX
        if f["id"] not in pairs and f["id"] not in paired and name in ids and name not in paired:
            pairs[f["id"]] = name
            paired.add(name)
    return pairs


def masked_rows(plan: CsvPlan, companions: dict[str, str]) -> Iterator[dict[str, str]]:
    """{"_id": row number, companion: mask...} for each data row with a masked cell."""
    positions = [(i, c, companions[c.id]) for i, c in enumerate(plan.columns) if c.id in companions]
    number = 0
    with plan.path.open(encoding=plan.encoding, newline="") as handle:
        read_header(handle, plan.delimiter)
        for record in csv.reader(handle, delimiter=plan.delimiter):
            if not any(record):
                continue  # no row, as in scan.take
            number += 1
            found = {name: record[i] for i, column, name in positions if i < len(record) and record[i] in column.masks}
            if found:
                yield {"_id": number, **found}


def write_masks(backend: DatastoreBackend, resource_id: str, plan: CsvPlan) -> dict[str, dict[str, str]]:
    """Add the companion columns to the loaded table and fill them; returns the data-dictionary info of the
    companions and of the masked columns (whose notes name their companion)."""
    companions = mask_columns(plan)
    if not companions:
        return {}
    backend.create_table(resource_id, [TableColumn(name, "text") for name in companions.values()], [])
    batch: list[dict[str, str]] = []
    for row in masked_rows(plan, companions):
        batch.append(row)
        if len(batch) >= BATCH:
            backend.write_records(resource_id, batch, "update", [])
            batch = []
    if batch:
        backend.write_records(resource_id, batch, "update", [])
    by_id = {c.id: c for c in plan.columns}
    info: dict[str, dict[str, str]] = {}
    for column_id, name in companions.items():
        column = by_id[column_id]
        masks = ", ".join(sorted(column.masks))
        info[column_id] = {**column.info, "notes": f"Masked values ({masks}) are empty here; {name} gives them."}
        info[name] = {"label": f"{column.label} (masked)", MASK_OF: column_id,
                      "notes": f"The mask written in the file ({masks}) where {column_id} is masked (statistical "
                               "secrecy); empty where the value is given or missing."}
    return info

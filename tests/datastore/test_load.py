"""Loading awkward real-world files into the DataStore, on both databases, through the real job."""

from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest

from catalog.datastore.csv_analysis import analyse
from catalog.datastore.csv_plan import LoadError
from catalog.datastore.jobs import run_load
from tests.datastore.conftest import upload, wait_for_load

CAF_SEMICOLON = (
    "Communes;Codes_Insee;NB_allocataires;Taux_couverture;DTREF\r\n"
    "Ambérieu-en-Bugey;01004;1 200;41,7;31/12/2021\r\n"
    "Ajaccio;2A004;<5;38,2;31/12/2021\r\n"
    "Bastia;2B033;;40;31/12/2021\r\n"
    "Paris;75056;210000;35,5;31/12/2021\r\n"
)


BACKSLASH_DOT = "\\."


def rows(call, actor, resource_id: str, **params) -> list[dict]:
    return call("datastore_search", actor, resource_id=resource_id, **params)["records"]


def fields(call, actor, resource_id: str) -> dict[str, str]:
    result = call("datastore_search", actor, resource_id=resource_id, limit=0)
    return {f["id"]: f["type"] for f in result["fields"]}


def write(path: Path, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", True), ("utf-8", False), ("cp1252", False)])
def test_french_semicolon_file_in_each_encoding(call, sysadmin, file_resource, tmp_path, encoding, bom):
    text = CAF_SEMICOLON.replace("1 200", "1200")
    resource_id, status = file_resource(write(tmp_path / "RSACom2021.csv", text, encoding, bom))
    assert status["status"] == "complete", status
    assert status["rows_loaded"] == 4 and status["error"] is None
    assert fields(call, sysadmin, resource_id) == {
        "_id": "int", "Communes": "text", "Codes_Insee": "text", "NB_allocataires": "int8",
        "Taux_couverture": "numeric", "DTREF": "date", "NB_allocataires__mask": "text",
    }
    records = rows(call, sysadmin, resource_id)
    assert records[0] == {"_id": 1, "Communes": "Ambérieu-en-Bugey", "Codes_Insee": "01004", "NB_allocataires": 1200,
                          "Taux_couverture": 41.7, "DTREF": "2021-12-31", "NB_allocataires__mask": None}
    # "<5" (statistical secrecy) and the blank cell are empty values of an integer column; the companion column
    # (catalog/datastore/masks.py) tells the masked one from the missing one.
    assert [r["NB_allocataires"] for r in records] == [1200, None, None, 210000]
    assert [r["NB_allocataires__mask"] for r in records] == [None, "<5", None, None]
    assert records[1]["Codes_Insee"] == "2A004" and records[2]["Taux_couverture"] == 40
    info = call("datastore_info", sysadmin, id=resource_id)
    by_id = {f["id"]: f for f in info["fields"]}
    assert by_id["NB_allocataires"]["info"]["label"] == "NB_allocataires"
    assert "<5" in by_id["NB_allocataires"]["info"]["notes"]
    assert info["meta"]["count"] == 4
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is True


def test_a_thousands_separator_keeps_the_column_text(call, sysadmin, file_resource, tmp_path):
    resource_id, status = file_resource(write(tmp_path / "a.csv", CAF_SEMICOLON))
    assert status["status"] == "complete"
    assert fields(call, sysadmin, resource_id)["NB_allocataires"] == "text"
    assert rows(call, sysadmin, resource_id)[0]["NB_allocataires"] == "1 200"


def test_tab_separated_txt_with_quoted_newlines_and_delimiters(call, sysadmin, file_resource, tmp_path):
    text = 'code\tlibelle\tmontant\n"01001"\t"Ligne un\nligne deux"\t12.5\n01002\t"a\tb ; c, d"\t-3\n'
    resource_id, status = file_resource(write(tmp_path / "export.txt", text), fmt="TXT")
    assert status["status"] == "complete", status
    records = rows(call, sysadmin, resource_id)
    assert [r["libelle"] for r in records] == ["Ligne un\nligne deux", "a\tb ; c, d"]
    assert [r["code"] for r in records] == ["01001", "01002"]
    assert fields(call, sysadmin, resource_id)["montant"] == "numeric"
    assert [r["montant"] for r in records] == [12.5, -3]


def test_ragged_rows_blank_lines_and_odd_headers(call, sysadmin, file_resource, tmp_path):
    text = ("id,name,,name,_id\n"
            "1,a,x,b,c\n"
            "\n"
            "2,short\n"
            "3,long,y,z,w,extra-cell\n"
            ",,,,\n")
    resource_id, status = file_resource(write(tmp_path / "ragged.csv", text))
    assert status["status"] == "complete", status
    names = list(fields(call, sysadmin, resource_id))
    assert names == ["_id", "id", "name", "column_3", "name_2", "id_2", "column_6"]
    records = rows(call, sysadmin, resource_id)
    assert len(records) == 3  # the blank line and the all-empty row are not rows
    assert records[1]["name"] == "short" and records[1]["column_6"] is None
    assert records[2]["column_6"] == "extra-cell"


def test_masked_and_blank_only_columns(tmp_path):
    plan = analyse(write(tmp_path / "m.csv", "a;b;c;d\n<5;;s;2\n12;;nd;n.d.\n"))
    kinds = {c.id: (c.type, sorted(c.masks)) for c in plan.columns}
    assert kinds == {"a": ("int", ["<5"]), "b": ("text", []), "c": ("text", []), "d": ("int", ["n.d."])}


def test_dates_that_are_not_dates_stay_text(tmp_path):
    plan = analyse(write(tmp_path / "d.csv", "a,b,c\n31/12/2021,2021-02-30,2021-01-01\n01/13/2021,2021-03-01,bientôt\n"))
    assert [c.type for c in plan.columns] == ["text", "text", "text"]


def test_a_zero_byte_file_is_a_clear_error_and_loads_nothing(call, sysadmin, file_resource, tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    resource_id, status = file_resource(empty)
    assert status["status"] == "error"
    assert "empty" in status["error"]["message"]
    assert not call.services.datastore.backend.table_exists(resource_id)
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is False


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    b"PK\x03\x04" + random.Random(4096).randbytes(4096),  # the same bytes in every test process (pytest-xdist)
    bytes(b % 32 for b in range(4096)).replace(b"\x00", b"\x01"),
])
def test_a_binary_file_named_csv_is_a_clear_error(call, sysadmin, file_resource, tmp_path, content):
    path = tmp_path / "donnees.csv"
    path.write_bytes(content)
    resource_id, status = file_resource(path)
    assert status["status"] == "error"
    assert "not a text file" in status["error"]["message"] or "decoded" in status["error"]["message"]
    assert not call.services.datastore.backend.table_exists(resource_id)


def test_a_failed_reload_leaves_the_previous_table_untouched(call, sysadmin, file_resource, tmp_path):
    resource_id, status = file_resource(write(tmp_path / "ok.csv", "a,b\n1,x\n2,y\n"))
    assert status["status"] == "complete"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary")
    upload(call.services, sysadmin, resource_id, bad)
    status = wait_for_load(call, sysadmin, resource_id)
    assert status["status"] == "error"
    assert [r["b"] for r in rows(call, sysadmin, resource_id)] == ["x", "y"]
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is True


def test_a_load_failing_midway_rolls_back_entirely(call, sysadmin, file_resource, tmp_path, services):
    resource_id, _ = file_resource(write(tmp_path / "ok.csv", "a,b\n1,x\n"))
    backend = services.datastore.backend
    tables_before = sorted(backend.table_names())
    big = write(tmp_path / "big.csv", "a,b\n" + "".join(f"{i},v{i}\n" for i in range(50_000)))

    def fail_after_first_chunk(rows_done: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        backend.bulk_load(resource_id, big, fail_after_first_chunk)
    assert sorted(backend.table_names()) == tables_before  # no half-filled work table left behind
    assert rows(call, sysadmin, resource_id) == [{"_id": 1, "a": 1, "b": "x"}]


def test_reloading_replaces_rows_and_types(call, sysadmin, file_resource, tmp_path):
    resource_id, _ = file_resource(write(tmp_path / "v1.csv", "a\n1\n2\n"))
    upload(call.services, sysadmin, resource_id, write(tmp_path / "v2.csv", "a;b\nx;1,5\n"))
    assert wait_for_load(call, sysadmin, resource_id)["status"] == "complete"
    assert rows(call, sysadmin, resource_id) == [{"_id": 1, "a": "x", "b": 1.5}]


def test_url_resource_is_fetched_and_loaded(call, sysadmin, dataset, http_files, services):
    base, folder = http_files
    write(folder / "RSACom2014.csv", CAF_SEMICOLON, "cp1252")
    created = call("resource_create", sysadmin, package_id=dataset["id"], url=f"{base}/RSACom2014.csv",
                   format="CSV")
    assert call("datastore_submit", sysadmin, resource_id=created["id"]) is True
    status = wait_for_load(call, sysadmin, created["id"])
    assert status["status"] == "complete", status
    assert rows(call, sysadmin, created["id"])[0]["Communes"] == "Ambérieu-en-Bugey"
    assert call("resource_show", sysadmin, id=created["id"])["url"] == f"{base}/RSACom2014.csv"


def test_url_that_fails_is_reported(call, sysadmin, dataset, http_files):
    base, _ = http_files
    created = call("resource_create", sysadmin, package_id=dataset["id"], url=f"{base}/missing.csv", format="CSV")
    call("datastore_submit", sysadmin, resource_id=created["id"])
    status = wait_for_load(call, sysadmin, created["id"])
    assert status["status"] == "error" and "404" in status["error"]["message"]


def test_status_goes_pending_then_complete_and_is_public_for_public_datasets(
    call, sysadmin, dataset, tmp_path, services
):
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="", format="CSV")
    assert call("datastore_load_status", sysadmin, resource_id=created["id"])["status"] == "unknown"
    result = upload(services, sysadmin, created["id"], write(tmp_path / "x.csv", "a\n1\n"))
    assert result["scheduled"] is True
    status = wait_for_load(call, sysadmin, created["id"])
    assert set(status) >= {"status", "last_updated", "rows_loaded", "error"}
    assert status["status"] == "complete" and status["rows_loaded"] == 1
    assert call("datastore_load_status", resource_id=created["id"])["status"] == "complete"


def test_non_tabular_uploads_are_not_scheduled(call, sysadmin, dataset, tmp_path, services):
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="", format="PDF")
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    assert upload(services, sysadmin, created["id"], pdf)["scheduled"] is False


def test_run_load_synchronously_without_a_job(call, sysadmin, dataset, tmp_path, services):
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="", format="CSV")
    upload(services, sysadmin, created["id"], write(tmp_path / "x.csv", "a\n1\n"))
    wait_for_load(call, sysadmin, created["id"])
    run_load(services, created["id"])
    assert call("datastore_load_status", sysadmin, resource_id=created["id"])["rows_loaded"] == 1


def test_load_error_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="no header"):
        analyse(write(tmp_path / "blank.csv", "\n\n  \n"))


def test_rq_worker_runs_the_load_when_redis_is_configured(call, sysadmin, dataset, tmp_path, services):
    """With settings.redis_url the job goes to the `moisson-datastore` queue; a real RQ worker (burst) runs it."""
    import dataclasses

    from redis import Redis
    from rq import Queue, SimpleWorker

    from catalog.datastore.jobs import QUEUE

    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis on 127.0.0.1:6379")
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="", format="CSV")
    original = services.settings
    vars(services)["settings"] = dataclasses.replace(original, redis_url="redis://127.0.0.1:6379/0")
    try:
        upload(services, sysadmin, created["id"], write(tmp_path / "rq.csv", "a;b\n1;2,5\n"))
    finally:
        vars(services)["settings"] = original
    assert call("datastore_load_status", sysadmin, resource_id=created["id"])["status"] == "pending"
    queue = Queue(QUEUE, connection=redis)
    SimpleWorker([queue], connection=redis).work(burst=True)
    status = call("datastore_load_status", sysadmin, resource_id=created["id"])
    assert status["status"] == "complete", status
    assert rows(call, sysadmin, created["id"]) == [{"_id": 1, "a": 1, "b": 2.5}]


@pytest.mark.parametrize(("late_value", "kind", "expected"), [
    ("01001", "text", "01001"),  # PostgreSQL would read it as 1001: the guess must be thrown away
    ("abc", "text", "abc"),  # COPY fails on it
    ("<5", "int8", None),  # a mask first seen late (a loaded integer column is a bigint)
    ("12,5", "text", "12,5"),  # a decimal comma among integers with a comma delimiter (quoted)
])
@pytest.mark.parametrize("size", [5_000, 150_000])  # within the guessed rows, and after the first read blocks
def test_a_late_surprise_after_the_first_rows_is_honoured(call, sysadmin, file_resource, tmp_path, late_value,
                                                          kind, expected, size):
    body = "".join(f"{i},v{i}\n" for i in range(1, size + 1))
    # Not named code*: a column named so is text from the start (csv_plan.is_code_name).
    path = write(tmp_path / "late.csv", f'valeur,label\n{body}"{late_value}",last\n')
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    assert status["rows_loaded"] == size + 1
    assert fields(call, sysadmin, resource_id)["valeur"] == kind
    last = rows(call, sysadmin, resource_id, sort="_id desc", limit=1)[0]
    assert last["valeur"] == expected and last["label"] == "last"
    first = rows(call, sysadmin, resource_id, limit=1)[0]
    assert first["valeur"] == (1 if kind == "int8" else "1")


def test_late_masks_in_converted_columns(call, sysadmin, file_resource, tmp_path):
    body = "".join(f"{i};{i},5;31/12/2020\n" for i in range(1, 3001))
    path = write(tmp_path / "late-masks.csv", f"n;taux;date\n{body}<5;<5;<5\n")
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    masks = {"n__mask": "text", "taux__mask": "text", "date__mask": "text"}
    assert fields(call, sysadmin, resource_id) == {"_id": "int", "n": "int8", "taux": "numeric", "date": "date",
                                                   **masks}
    last = rows(call, sysadmin, resource_id, sort="_id desc", limit=1)[0]
    assert last == {"_id": 3001, "n": None, "taux": None, "date": None, **dict.fromkeys(masks, "<5")}
    assert rows(call, sysadmin, resource_id, limit=1)[0] == {"_id": 1, "n": 1, "taux": 1.5, "date": "2020-12-31",
                                                             **dict.fromkeys(masks)}


@pytest.mark.parametrize("size", [3_000, 150_000])
def test_first_empty_cells_late_in_the_file_load_as_null(call, sysadmin, file_resource, tmp_path, size):
    """A column only takes empty cells in blocks once it has had one: the first ones, unquoted and quoted,
    deep in the file and between plain rows, must still load as NULL, not as empty strings."""
    body = "".join(f"{i};v{i};{i},5;31/12/2020\n" for i in range(1, size + 1))
    late = ';;;\n'.join(["", ""])  # not a row: all its cells are empty
    tail = f"{size + 1};;;\n{size + 2};\"\";\"\";\"\"\n{late}{size + 3};w;1,5;01/01/2021\n"
    path = write(tmp_path / "late-empty.csv", f"n;label;taux;date\n{body}{tail}{size + 4};;2,5;\n")
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    assert status["rows_loaded"] == size + 4
    assert fields(call, sysadmin, resource_id) == {"_id": "int", "n": "int8", "label": "text", "taux": "numeric",
                                                   "date": "date"}
    last = rows(call, sysadmin, resource_id, sort="_id desc", limit=4)
    assert last == [
        {"_id": size + 4, "n": size + 4, "label": None, "taux": 2.5, "date": None},
        {"_id": size + 3, "n": size + 3, "label": "w", "taux": 1.5, "date": "2021-01-01"},
        {"_id": size + 2, "n": size + 2, "label": None, "taux": None, "date": None},
        {"_id": size + 1, "n": size + 1, "label": None, "taux": None, "date": None},
    ]
    empty = call("datastore_search", sysadmin, resource_id=resource_id, filters={"label": ""}, limit=0)
    assert empty["total"] == 0


@pytest.mark.parametrize("size", [3_000, 150_000])
def test_ragged_rows_and_blank_lines_after_the_first_rows(call, sysadmin, file_resource, tmp_path, size):
    body = "".join(f"{i};v{i}\n" for i in range(1, size + 1))
    path = write(tmp_path / "late-ragged.csv", f"n;label\n{body}\n{size + 1}\n{size + 2};x;surplus\n")
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    assert status["rows_loaded"] == size + 2
    assert list(fields(call, sysadmin, resource_id)) == ["_id", "n", "label", "column_3"]
    tail = rows(call, sysadmin, resource_id, sort="_id desc", limit=2)
    assert tail == [{"_id": size + 2, "n": size + 2, "label": "x", "column_3": "surplus"},
                    {"_id": size + 1, "n": size + 1, "label": None, "column_3": None}]


def test_moisson_worker_consumes_datastore_loads_by_default(call, sysadmin, dataset, tmp_path, services):
    """`moisson worker` with no --queue serves the DataStore queue as well as the harvest one."""
    import dataclasses
    import subprocess
    import sys

    from redis import Redis
    from rq import Queue

    from catalog.datastore.jobs import QUEUE
    from harvest.enqueue import QUEUE_NAME

    # A Redis database of its own, emptied first: `--burst` consumes everything queued, and other tests leave jobs
    # of their own (DataStore loads of servers and workers since stopped) in database 0's default queues, which
    # made this test take a minute.
    redis_url = "redis://127.0.0.1:6379/9"
    try:
        redis = Redis.from_url(redis_url)
        redis.ping()
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis on 127.0.0.1:6379")
    for name in (QUEUE, QUEUE_NAME):
        Queue(name, connection=redis).empty()
    created = call("resource_create", sysadmin, package_id=dataset["id"], url="", format="CSV")
    original = services.settings
    vars(services)["settings"] = dataclasses.replace(original, redis_url=redis_url)
    try:
        upload(services, sysadmin, created["id"], write(tmp_path / "worker.csv", "a;b\n3;4,5\n"))
    finally:
        vars(services)["settings"] = original
    env = {**os.environ, "MOISSON_DATABASE_URL": original.database_url, "MOISSON_REDIS_URL": redis_url,
           "MOISSON_STORAGE_PATH": original.storage_path}
    subprocess.run([sys.executable, "-m", "catalog.cli", "worker", "--burst"], env=env, check=True, timeout=120,
                   capture_output=True)
    status = call("datastore_load_status", sysadmin, resource_id=created["id"])
    assert status["status"] == "complete", status
    assert rows(call, sysadmin, created["id"]) == [{"_id": 1, "a": 3, "b": 4.5}]


def test_headers_with_percent_signs_load(call, sysadmin, file_resource, tmp_path):
    text = "Commune;Part (%);Taux %s\nA;1,5;x\nB;2,5;y\n"
    resource_id, status = file_resource(write(tmp_path / "parts.csv", text, "utf-8", False))
    assert status["status"] == "complete", status
    assert [(r["Part (%)"], r["Taux %s"]) for r in rows(call, sysadmin, resource_id)] == [(1.5, "x"), (2.5, "y")]


def test_a_file_of_several_blocks_with_odd_rows_among_plain_ones(call, sysadmin, file_resource, tmp_path):
    """Over a megabyte (several read blocks): quoted newlines, commas in text beside decimal commas, a text
    cell equal to a mask, a lone "\\." cell and masks, wherever they fall, all loaded as a csv reader sees them."""
    lines, expected_total = ["Commune;Code;NB;taux;DTREF"], 0
    for i in range(1, 40_001):
        commune = f'"Ville, {i}"' if i % 997 == 0 else f'"Ligne\r\nsuite {i}"' if i % 1009 == 0 else f"Commune {i}"
        if i == 20_000:
            commune = "<5"  # text: stays as it is, although "<5" is a mask in NB
        count = "<5" if i % 50 == 0 else str(i)
        expected_total += 0 if i % 50 == 0 else i
        code = BACKSLASH_DOT if i == 30_000 else f"{i:05d}"
        lines.append(f"{commune};{code};{count};{i % 100},{i % 10};31/12/2021")
    path = write(tmp_path / "big.csv", "\r\n".join(lines) + "\r\n", "cp1252")
    assert path.stat().st_size > 1 << 20
    resource_id, status = file_resource(path)
    assert status["status"] == "complete", status
    assert status["rows_loaded"] == 40_000
    assert fields(call, sysadmin, resource_id) == {"_id": "int", "Commune": "text", "Code": "text", "NB": "int8",
                                                   "taux": "numeric", "DTREF": "date", "NB__mask": "text"}
    by_id = {r["_id"]: r for r in call("datastore_search_sql", sysadmin, sql=(
        f'SELECT * FROM "{resource_id}" WHERE "_id" IN (1, 50, 997, 1009, 20000, 30000, 40000)'))["records"]}
    assert by_id[997]["Commune"] == "Ville, 997" and by_id[1009]["Commune"] == "Ligne\r\nsuite 1009"
    assert by_id[20000]["Commune"] == "<5" and by_id[20000]["NB"] is None
    assert by_id[30000]["Code"] == "\\." and by_id[50]["NB"] is None and by_id[1]["NB"] == 1
    assert by_id[50]["NB__mask"] == by_id[20000]["NB__mask"] == "<5" and by_id[1]["NB__mask"] is None
    assert float(by_id[40000]["taux"]) == 0.0 and float(by_id[997]["taux"]) == 97.7
    assert str(by_id[40000]["DTREF"]).startswith("2021-12-31")
    total = call("datastore_search_sql", sysadmin, sql=f'SELECT sum("NB") AS s FROM "{resource_id}"')["records"]
    assert int(total[0]["s"]) == expected_total


def test_one_column_files_with_masks_and_a_lone_backslash_dot(call, sysadmin, file_resource, tmp_path):
    masked, _ = file_resource(write(tmp_path / "n.csv", "n\n1\n<5\n2\n"))
    assert [r["n"] for r in rows(call, sysadmin, masked)] == [1, None, 2]
    text, status = file_resource(write(tmp_path / "t.csv", "t\na\n\\.\nb\n"))
    assert status["rows_loaded"] == 3  # "\." alone on a line would have ended PostgreSQL's COPY
    assert [r["t"] for r in rows(call, sysadmin, text)] == ["a", "\\.", "b"]


def test_rows_added_after_a_load_are_numbered_on(call, sysadmin, file_resource, tmp_path):
    resource_id, _ = file_resource(write(tmp_path / "a.csv", "a;b\n1;x\n2;y\n3;z\n"))
    call("datastore_upsert", sysadmin, resource_id=resource_id, method="insert", records=[{"a": 4, "b": "w"}],
         force=True)
    assert [(r["_id"], r["a"]) for r in rows(call, sysadmin, resource_id, sort="_id")] == [(1, 1), (2, 2), (3, 3),
                                                                                           (4, 4)]

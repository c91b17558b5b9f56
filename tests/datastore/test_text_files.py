"""Text files that are prose (lisez-moi, notes) are told from tables by their content, never by their name:
no DataStore table, the load status "text", and the resource page shows the decoded text."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import pytest

from catalog.datastore.csv_analysis import SAMPLE_BYTES, detect_encoding, is_prose, sniff_delimiter
from catalog.errors import NotFound
from catalog.web.text_file import TEXT_BYTES, read_text

DEMO_FILES = Path(__file__).resolve().parents[2] / "catalog" / "demo" / "data" / "files"
README = (
    "Variable                     Type  Libellé\r\n"
    "Communes                     Char  NOM DE LA COMMUNE\r\n"
    "Codes_Insee                  Char  CODE INSEE DE LA COMMUNE SUR 5 CARACTERES (EX. 01001, 2A004)\r\n"
    "total_allocataires           Num   NOMBRE TOTAL DE FOYERS ALLOCATAIRES\r\n"
    "\r\n"
    "***DESCRIPTION DE LA PRESTATION***\r\n"
    "Les aides personnelles au logement réduisent le loyer ou la mensualité d'emprunt des foyers.\r\n"
    "\r\n"
    "***REMARQUES***\r\n"
    "1) Secret statistique : une cellule vide signale une information manquante ou un effectif inférieur à 5.\r\n"
    "2) Données au titre du mois de décembre de l'année de référence.\r\n"
)
SEMICOLON_TABLE = "Communes;Codes_Insee;NB_allocataires\r\nAjaccio;2A004;5400\r\nBastia;2B033;3100\r\n"


@pytest.fixture
def uploaded(call: Any, sysadmin: Any, dataset: dict[str, Any]) -> Any:
    """make(path, fmt) -> (resource id, load status): resource_create with the file as its `upload`."""
    from werkzeug.datastructures import FileStorage

    from tests.datastore.conftest import wait_for_load

    def make(path: Path, fmt: str = "TXT") -> tuple[str, dict[str, Any]]:
        with path.open("rb") as handle:
            created = call("resource_create", sysadmin, package_id=dataset["id"], name=path.name, format=fmt,
                           upload=FileStorage(handle, path.name))
        return created["id"], wait_for_load(call, sysadmin, created["id"])

    return make


def sample_of(path: Path) -> str:
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        return handle.read(SAMPLE_BYTES)


def test_every_demo_file_is_told_apart_by_its_content() -> None:
    files = sorted(p for p in DEMO_FILES.iterdir() if p.suffix in (".csv", ".txt"))
    prose = {p.name for p in files if is_prose(sample_of(p), sniff_delimiter(sample_of(p)))}
    assert prose == {p.name for p in files if p.suffix == ".txt"}
    assert len(prose) == 44  # the lisez-moi of 43 datasets and two file descriptions


@pytest.mark.parametrize(("text", "expected"), [
    (README, True),
    # A paragraph whose commas make uneven "rows" is prose whatever its name.
    ("Ce fichier décrit les aides, par commune, de 2013 à 2014.\nIl est publié par la Cnaf, chaque année.\n"
     "Les effectifs inférieurs à 5 sont masqués.\n", True),
    (SEMICOLON_TABLE, False),
    ('commune,remarque\nAjaccio,"Une longue remarque, avec des virgules, sur la commune"\nBastia,RAS\n', False),
    ("code\n01001\n2A004\n75056\n", False),  # one column of values is still a table
    ("Commune\nAjaccio\nBastia\nSaint-Martin-de-Ré\n", False),
])
def test_prose_or_table(text: str, expected: bool) -> None:
    assert is_prose(text, sniff_delimiter(text)) is expected


def test_a_lisez_moi_is_not_loaded_as_a_table(call, sysadmin, file_resource, tmp_path: Path) -> None:
    path = tmp_path / "lisezmoiLOGCom.txt"
    path.write_bytes(README.encode("cp1252"))
    resource_id, status = file_resource(path, fmt="TXT")
    assert status["status"] == "text" and status["error"] is None and status["rows_loaded"] == 0
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is False
    with pytest.raises(NotFound):
        call("datastore_search", sysadmin, resource_id=resource_id)


def test_the_content_decides_not_the_name(call, sysadmin, file_resource, tmp_path: Path) -> None:
    table_id, table = file_resource(_write(tmp_path / "donnees.txt", SEMICOLON_TABLE), fmt="TXT")
    assert table["status"] == "complete" and table["rows_loaded"] == 2
    assert call("datastore_search", sysadmin, resource_id=table_id)["records"][0]["Codes_Insee"] == "2A004"
    prose_id, prose = file_resource(_write(tmp_path / "notes.csv", README), fmt="CSV")
    assert prose["status"] == "text"
    assert call("resource_show", sysadmin, id=prose_id)["datastore_active"] is False


def test_a_table_replaced_by_prose_loses_its_table(call, sysadmin, file_resource, tmp_path: Path) -> None:
    from tests.datastore.conftest import upload, wait_for_load

    resource_id, first = file_resource(_write(tmp_path / "RSACom.csv", SEMICOLON_TABLE))
    assert first["status"] == "complete"
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is True
    upload(call.services, sysadmin, resource_id, _write(tmp_path / "RSACom2.csv", README))
    assert wait_for_load(call, sysadmin, resource_id)["status"] == "text"
    assert call("resource_show", sysadmin, id=resource_id)["datastore_active"] is False
    with pytest.raises(NotFound):
        call("datastore_search", sysadmin, resource_id=resource_id)
    assert resource_id not in call.services.datastore.backend.table_names()


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "bom"), [("cp1252", False), ("utf-8", True), ("utf-8", False)])
def test_the_resource_page_shows_the_decoded_text(client: Any, dataset, uploaded, tmp_path: Path, encoding: str,
                                                  bom: bool) -> None:
    path = tmp_path / "lisezmoi.txt"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + README.encode(encoding))
    resource_id, _ = uploaded(path)
    for lang, heading in (("fr", "Texte du fichier"), ("en", "Text of the file")):
        html = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}",
                          headers={"Accept-Language": lang}).get_data(as_text=True)
        assert heading in html and 'class="text-view"' in html
        assert "Les aides personnelles au logement réduisent le loyer ou la mensualité" in html
        assert "effectif inférieur à 5" in html and "\ufeff" not in html and "\r" not in html
        assert "preview-table" not in html


def test_a_long_text_shows_its_beginning_and_links_the_whole_file(client: Any, call, sysadmin, dataset, uploaded,
                                                                  tmp_path: Path) -> None:
    remarks = (f"{n}) Une remarque de plus sur la méthode, numérotée {n}.\r\n" for n in range(3, 3000))
    long_text = README + "".join(remarks)
    assert len(long_text.encode()) > TEXT_BYTES
    resource_id, status = uploaded(_write(tmp_path / "lisezmoi.txt", long_text))
    assert status["status"] == "text"
    resource = call("resource_show", sysadmin, id=resource_id)
    html = client.get(f"/dataset/{dataset['name']}/resource/{resource_id}",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Télécharger le fichier complet" in html and f'href="{resource["url"]}"' in html
    assert "numérotée 2999." not in html and "numérotée 3." in html


def test_read_text_cuts_at_a_line_and_refuses_binary(tmp_path: Path) -> None:
    path = _write(tmp_path / "notes.txt", "é" * 40 + "\n" + "à" * 40 + "\n")
    head = read_text(path, max_bytes=100)
    assert head is not None and head.truncated and head.text == "é" * 40 + "\n"
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert read_text(binary) is None


def test_a_linked_lisez_moi_is_text_and_the_page_links_it(client: Any, call, sysadmin, dataset, http_files) -> None:
    from tests.datastore.conftest import wait_for_load

    base, folder = http_files
    _write(folder / "lisezmoiRSACom.txt", README, "cp1252")
    created = call("resource_create", sysadmin, package_id=dataset["id"], url=f"{base}/lisezmoiRSACom.txt",
                   format="TXT")
    call("datastore_submit", sysadmin, resource_id=created["id"])
    assert wait_for_load(call, sysadmin, created["id"])["status"] == "text"
    html = client.get(f"/dataset/{dataset['name']}/resource/{created['id']}",
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Ce fichier est un texte, pas un tableau" in html and "Ouvrir le fichier" in html
    assert f'href="{base}/lisezmoiRSACom.txt"' in html and "text-view" not in html


def _wide_table(trailing_delimiter: bool) -> str:
    """20 columns of numbers: lines longer than LONG_LINE; the data rows may end with the delimiter."""
    header = ";".join(f"colonne_{c}" for c in range(20))
    rows = [";".join(f"{r * 1000 + c}.5" for c in range(20)) + (";" if trailing_delimiter else "") for r in range(50)]
    return header + "\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("trailing_delimiter", [False, True])
def test_a_wide_table_whose_rows_end_with_the_delimiter_is_a_table(trailing_delimiter: bool) -> None:
    text = _wide_table(trailing_delimiter)
    assert is_prose(text, sniff_delimiter(text)) is False


def test_a_wide_table_whose_rows_end_with_the_delimiter_is_loaded(call, sysadmin, file_resource,
                                                                  tmp_path: Path) -> None:
    resource_id, status = file_resource(_write(tmp_path / "large.csv", _wide_table(True)))
    assert status["status"] == "complete" and status["rows_loaded"] == 50
    result = call("datastore_search", sysadmin, resource_id=resource_id, limit=1)
    assert [f["id"] for f in result["fields"]] == ["_id"] + [f"colonne_{c}" for c in range(20)]
    assert float(result["records"][0]["colonne_19"]) == 19.5


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_a_utf8_start_without_a_line_end_cut_mid_character_stays_utf8(tmp_path: Path, pad: int) -> None:
    """64 KB of 'é' (two bytes) with no newline: the cut may split a character; it is dropped, not guessed as
    UTF-16 or Windows-1252."""
    from catalog.web.csv_head import HEAD_BYTES, read_head

    path = tmp_path / "long.txt"
    path.write_bytes(b"x" * pad + ("é" * 40000).encode() + "\n€".encode() * 3000)
    head = read_text(path)
    assert head is not None and head.encoding == "utf-8" and head.truncated
    assert head.text == "x" * pad + "é" * ((TEXT_BYTES - pad) // 2)
    table = tmp_path / "long.csv"
    table.write_bytes(("x" * pad + "é" * (HEAD_BYTES // 2 + 10)).encode())
    shown = read_head(table)
    assert shown is not None and shown.encoding == "utf-8" and shown.header[0].rstrip("é") == "x" * pad

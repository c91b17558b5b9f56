"""The shipped demo catalogue (catalog.json + files) keeps CKAN's rules and the CAF files' habits."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from catalog.demo import make_files
from catalog.demo.loader import DATA_DIR, FILES_DIR, demo_catalog

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
TAG_RE = re.compile(r"^[\w \-.]{2,100}$")
BOM = b"\xef\xbb\xbf"
ANNUAL = "http://publications.europa.eu/resource/authority/frequency/ANNUAL"


def datasets() -> list[dict[str, Any]]:
    return demo_catalog()["datasets"]


def resources() -> list[dict[str, Any]]:
    return [r for d in datasets() for r in d["resources"]]


def test_counts_and_unique_names() -> None:
    names = [d["name"] for d in datasets()]
    assert 50 <= len(names) <= 60
    assert len(set(names)) == len(names)
    files = [r["file"] for r in resources()]
    assert len(set(files)) == len(files)
    organizations = {o["name"] for o in demo_catalog()["organizations"]}
    assert "cnaf" in organizations
    assert Counter(d["owner_org"] for d in datasets())["cnaf"] >= 50


def test_names_tags_and_groups_follow_ckan_rules() -> None:
    group_names = {g["name"] for g in demo_catalog()["groups"]}
    for entry in demo_catalog()["organizations"] + demo_catalog()["groups"]:
        assert NAME_RE.match(entry["name"]), entry["name"]
    for dataset in datasets():
        assert NAME_RE.match(dataset["name"]), dataset["name"]
        assert dataset["tags"], dataset["name"]
        for tag in dataset["tags"]:
            assert TAG_RE.match(tag["name"]), tag["name"]
        assert {g["name"] for g in dataset["groups"]} <= group_names


def test_metadata_is_french_and_complete() -> None:
    licenses = Counter(d["license_id"] for d in datasets())
    assert set(licenses) == {"lov2", "fr-lo"} and licenses["lov2"] > licenses["fr-lo"] > 0
    levels = Counter()
    for dataset in datasets():
        extras = {e["key"]: e["value"] for e in dataset["extras"]}
        assert extras["language"] == "fr"
        assert extras["frequency"].startswith("http://publications.europa.eu/resource/authority/frequency/")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", extras["temporal_start"])
        assert extras["temporal_start"] <= extras["temporal_end"]
        assert "@" in extras["contact_email"]
        levels[extras["granularite_geographique"]] += 1
        assert 1 <= len(dataset["resources"]) <= 3
        assert re.search(r"[éèàâêôûç]", dataset["title"] + dataset["notes"]), dataset["title"]
    assert Counter(e["value"] for d in datasets() for e in d["extras"] if e["key"] == "frequency")[ANNUAL] >= 45
    assert {"commune", "epci", "caf", "national"} <= set(levels)
    titles = [d["title"] for d in datasets()]
    assert sum(t.endswith(" - par Commune") for t in titles) >= 10
    assert sum(t.endswith(" - par EPCI") for t in titles) >= 8
    assert sum(t.endswith(" - par Caf") for t in titles) >= 8


def test_every_referenced_file_exists_and_only_those_ship() -> None:
    listed = {r["file"] for r in resources()}
    on_disk = {p.name for p in FILES_DIR.iterdir()}
    assert listed == on_disk
    for resource in resources():
        assert (FILES_DIR / resource["file"]).stat().st_size == resource["size"]
    total = sum(p.stat().st_size for p in DATA_DIR.rglob("*") if p.is_file())
    assert total < 2_000_000


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-8"])
def test_encodings_are_what_they_claim(encoding: str) -> None:
    claimed = [r for r in resources() if r["encoding"] == encoding]
    assert len(claimed) >= 10
    for resource in claimed:
        raw = (FILES_DIR / resource["file"]).read_bytes()
        if encoding == "cp1252":
            # Windows-1252 files carry accented bytes that are not valid UTF-8 (the mojibake case).
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            raw.decode("cp1252")
        elif encoding == "utf-8-sig":
            assert raw.startswith(BOM), resource["file"]
            raw.decode("utf-8")
        else:
            assert not raw.startswith(BOM), resource["file"]
            raw.decode("utf-8")


def read_csv(resource: dict[str, Any]) -> list[list[str]]:
    text = (FILES_DIR / resource["file"]).read_bytes().decode(resource["encoding"])
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_csv_files_look_like_caf_files() -> None:
    csv_resources = [r for r in resources() if r["format"] == "CSV"]
    assert len(csv_resources) >= 60
    for resource in csv_resources:
        rows = read_csv(resource)
        assert len({len(row) for row in rows}) == 1, resource["file"]
        assert 5 <= len(rows) - 1 <= 60, resource["file"]
    rsa_2014 = read_csv(next(r for r in csv_resources if r["file"] == "RSACom2014.csv"))
    assert rsa_2014[0][:4] == ["Communes", "Codes_Insee", "NB_allocataires", "NB_allocataire_RSA"]
    assert [row[1] for row in rsa_2014[1:3]] == ["99999", "XXXXX"]
    codes = [row[1] for row in rsa_2014[3:]]
    assert "01001" in codes and "2A004" in codes and "2B033" in codes
    assert all(re.fullmatch(r"[0-9][0-9AB][0-9]{3}", code) for code in codes)
    assert "CHÂTEAU-THIERRY" in {row[0] for row in rsa_2014}
    assert any(cell == "" for row in rsa_2014[1:] for cell in row), "small counts are masked by blanks"


def test_decimal_comma_and_decimal_point_both_occur() -> None:
    cells = [cell for r in resources() if r["format"] == "CSV" for row in read_csv(r)[1:] for cell in row]
    assert any(re.fullmatch(r"\d+,\d", cell) for cell in cells)
    assert any(re.fullmatch(r"\d+\.\d", cell) for cell in cells)
    epci_rows = read_csv(next(r for r in resources() if r["file"] == "NIVTOTALEPCI.csv"))
    assert epci_rows[0][:4] == ["NOMEPCI", "NUMEPCI", "DEPSEPCI", "DTREF"]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", epci_rows[1][3]) and len(epci_rows[1][1]) == 9


def test_readmes_have_the_caf_sections() -> None:
    readmes = [r for r in resources() if r["format"] == "TXT"]
    assert len(readmes) >= 30
    for resource in readmes:
        text = (FILES_DIR / resource["file"]).read_bytes().decode(resource["encoding"])
        for section in ("***DESCRIPTION DE LA PRESTATION***", "***REMARQUES***", "***Titres des fichiers***",
                        "***Informations additionnelles***", "***LIENS***"):
            assert section in text, (resource["file"], section)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    # Regenerating into a temporary folder reproduces the committed catalog and files byte for byte.
    make_files.build_catalog(tmp_path)
    assert json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8")) == demo_catalog()
    for resource in resources():
        assert (tmp_path / "files" / resource["file"]).read_bytes() == (FILES_DIR / resource["file"]).read_bytes()

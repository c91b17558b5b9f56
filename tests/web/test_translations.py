"""Every page string is translated to French, and the committed .mo matches the .po."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "catalog" / "web"
PO = WEB / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _strings(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def test_every_string_in_the_code_has_a_french_translation() -> None:
    extracted = {_key(found[2]) for found in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS)}
    catalog = read_po(PO.open("rb"), locale="fr")
    translated = {_key(m.id): m for m in catalog if m.id}
    missing = sorted(extracted - set(translated))
    assert not missing, f"not in messages.po (run pybabel extract/update, see catalog/web/babel.cfg): {missing}"
    empty = sorted(k for k in extracted if not all(_strings(translated[k].string)) or translated[k].fuzzy)
    assert not empty, f"untranslated or fuzzy in messages.po: {empty}"


def test_compiled_catalog_matches_the_po_file() -> None:
    source = {_strings(m.id): _strings(m.string) for m in read_po(PO.open("rb"), locale="fr") if m.id}
    compiled = {_strings(m.id): _strings(m.string) for m in read_mo(MO.open("rb")) if m.id}
    assert compiled == source, "messages.mo is stale: run pybabel compile -d catalog/web/translations"

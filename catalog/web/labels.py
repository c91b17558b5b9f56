"""Words the pages show for values the catalog stores as codes: extras keys, update frequencies, languages,
licences, harvest job states, DataStore column types and load messages, file sizes. One table each, used by the
dataset form and the dataset page alike, so a key is named the same way everywhere and in both languages.

The stored values stay what the API, DCAT and CKAN clients expect (EU frequency URIs, ISO 639-1 language codes,
licence ids, CKAN's English messages); only what a visitor reads is translated.
"""

from __future__ import annotations

import re
from typing import Any

from babel import Locale
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.dcat import terms, vocab
from catalog.vocab.licenses import license_for

# Extras the dataset form edits in fields of its own (the rest of the known keys are kept as they are).
FORM_EXTRAS = ("frequency", "language", "contact_name", "contact_email", "temporal_start", "temporal_end",
               "spatial_text", "spatial")

# Every extra Moisson knows (catalog/dcat/to_rdf.py MAPPED_EXTRAS and the multilingual keys), in page order.
EXTRA_LABELS = {
    "frequency": _l("Update frequency"),
    "language": _l("Language"),
    "contact_name": _l("Contact name"),
    "contact_email": _l("Contact email"),
    "contact_uri": _l("Contact page"),
    "publisher_name": _l("Publisher"),
    "publisher_email": _l("Publisher email"),
    "publisher_url": _l("Publisher website"),
    "publisher_uri": _l("Publisher identifier (URI)"),
    "publisher_type": _l("Publisher type"),
    "theme": _l("Themes"),
    "theme_schemes": _l("Theme vocabularies"),
    "issued": _l("Issued"),
    "modified": _l("Modified at the source"),
    "identifier": _l("Identifier"),
    "uri": _l("Identifier (URI)"),
    "alternate_identifier": _l("Other identifiers"),
    "temporal_start": _l("Temporal coverage: start"),
    "temporal_end": _l("Temporal coverage: end"),
    "spatial_text": _l("Geographic coverage"),
    "spatial": _l("Coverage geometry (GeoJSON)"),
    "spatial_uri": _l("Place identifier (URI)"),
    "title_translated": _l("Title in other languages"),
    "notes_translated": _l("Description in other languages"),
}
# Shown in rows of their own on the dataset page (coverage), not in the list of extras.
COVERAGE_KEYS = ("temporal_start", "temporal_end", "spatial_text", "spatial")
# What harvest/importer.py writes to keep track of a harvested dataset's origin: shown in a collapsed block.
HARVEST_LABELS = {
    "harvest_source_title": _l("Harvest source"),
    "harvest_source_id": _l("Harvest source identifier"),
    "harvest_object_id": _l("Harvest object identifier"),
    "guid": _l("Identifier at the source"),
    "remote_url": _l("Page at the source"),
}
LINK_KEYS = {"contact_uri", "publisher_url", "publisher_uri", "uri", "spatial_uri", "remote_url"}
EMAIL_KEYS = {"contact_email", "publisher_email"}
DATE_KEYS = {"issued", "modified"}

# The EU frequency authority table's codes (catalog/dcat/vocab.json), from the most to the least frequent.
FREQUENCY_LABELS = {
    "UPDATE_CONT": _l("Continuously updated"),
    "1MIN": _l("Every minute"),
    "5MIN": _l("Every five minutes"),
    "10MIN": _l("Every ten minutes"),
    "15MIN": _l("Every fifteen minutes"),
    "30MIN": _l("Every thirty minutes"),
    "HOURLY": _l("Hourly"),
    "BIHOURLY": _l("Every two hours"),
    "TRIHOURLY": _l("Every three hours"),
    "12HRS": _l("Every twelve hours"),
    "CONT": _l("Several times a day"),
    "DAILY_3": _l("Three times a day"),
    "DAILY_2": _l("Twice a day"),
    "DAILY": _l("Daily"),
    "WEEKLY_5": _l("Five times a week"),
    "WEEKLY_3": _l("Three times a week"),
    "WEEKLY_2": _l("Twice a week"),
    "WEEKLY": _l("Weekly"),
    "BIWEEKLY": _l("Every two weeks"),
    "MONTHLY_3": _l("Three times a month"),
    "MONTHLY_2": _l("Twice a month"),
    "MONTHLY": _l("Monthly"),
    "BIMONTHLY": _l("Every two months"),
    "QUARTERLY": _l("Quarterly"),
    "ANNUAL_3": _l("Three times a year"),
    "ANNUAL_2": _l("Twice a year"),
    "ANNUAL": _l("Annual"),
    "BIENNIAL": _l("Every two years"),
    "TRIENNIAL": _l("Every three years"),
    "QUADRENNIAL": _l("Every four years"),
    "QUINQUENNIAL": _l("Every five years"),
    "DECENNIAL": _l("Every ten years"),
    "BIDECENNIAL": _l("Every twenty years"),
    "TRIDECENNIAL": _l("Every thirty years"),
    "AS_NEEDED": _l("As needed"),
    "IRREG": _l("Irregular"),
    "NOT_PLANNED": _l("Not planned"),
    "NEVER": _l("Never updated"),
    "OTHER": _l("Other frequency"),
    "UNKNOWN": _l("Unknown frequency"),
    "OP_DATPRO": _l("Provisional data"),
}
# The choices the form offers (an existing value outside them is kept and offered too).
FORM_FREQUENCIES = ("UPDATE_CONT", "HOURLY", "DAILY", "WEEKLY", "BIWEEKLY", "MONTHLY", "BIMONTHLY", "QUARTERLY",
                    "ANNUAL_2", "ANNUAL", "BIENNIAL", "TRIENNIAL", "QUINQUENNIAL", "AS_NEEDED", "IRREG",
                    "NOT_PLANNED", "NEVER", "UNKNOWN")

# French titles of the licence register's entries (catalog/vocab/licenses.json); proper names stay as they are.
LICENCE_TITLES_FR = {
    "notspecified": "Licence non précisée",
    "odc-pddl": "Open Data Commons Public Domain Dedication and License (PDDL)",
    "odc-odbl": "Open Data Commons Open Database License (ODbL)",
    "odc-by": "Open Data Commons Attribution License",
    "cc-zero": "Creative Commons CCZero (domaine public)",
    "cc-by": "Creative Commons Attribution",
    "cc-by-sa": "Creative Commons Attribution – Partage dans les mêmes conditions",
    "gfdl": "Licence de documentation libre GNU (GFDL)",
    "other-open": "Autre (ouverte)",
    "other-pd": "Autre (domaine public)",
    "other-at": "Autre (attribution)",
    "uk-ogl": "Licence ouverte du gouvernement britannique (UK OGL)",
    "cc-nc": "Creative Commons Pas d’utilisation commerciale (toutes versions)",
    "other-nc": "Autre (pas d’utilisation commerciale)",
    "other-closed": "Autre (non ouverte)",
    "fr-lo": "Licence Ouverte / Open Licence version 1.0",
    "lov2": "Licence Ouverte / Open Licence version 2.0",
    "cc-by-4.0": "Creative Commons Attribution 4.0 International",
    "cc-by-sa-4.0": "Creative Commons Attribution – Partage dans les mêmes conditions 4.0 International",
}
# Licence Ouverte 2.0 (Etalab), the licence of French public data; the form's default until the site says.
LICENCE_OUVERTE = "lov2"

# ckanext-harvest's job states (lower case in the database, capitalised in harvest_job_show), and the states of
# one harvested record.
JOB_STATUS_LABELS = {
    "new": _l("Waiting to start"),
    "queued": _l("Queued"),
    "running": _l("Running"),
    "finished": _l("Finished"),
    "aborted": _l("Aborted"),
    "errored": _l("Failed"),
    "error": _l("Failed"),
    "failed": _l("Failed"),
    "added": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "deleted": _l("Deleted"),
    "skipped": _l("Skipped"),
}

# The activity stream's types (catalog/activity), as the dataset and user pages list them.
ACTIVITY_LABELS = {
    "new package": _l("dataset created"),
    "changed package": _l("dataset updated"),
    "deleted package": _l("dataset deleted"),
    "new organization": _l("organization created"),
    "changed organization": _l("organization updated"),
    "deleted organization": _l("organization deleted"),
    "new group": _l("group created"),
    "changed group": _l("group updated"),
    "deleted group": _l("group deleted"),
    "new user": _l("account created"),
    "changed user": _l("profile updated"),
    "review submitted": _l("submitted for review"),
    "review approved": _l("approved and published"),
    "changes requested": _l("changes requested"),
    "review withdrawn": _l("withdrawn from review"),
}

# DataStore column types (PostgreSQL's names, which the SQLite DataStore reports too).
COLUMN_TYPE_LABELS = {
    "text": _l("text"),
    "int": _l("integer"), "int2": _l("integer"), "int4": _l("integer"), "int8": _l("integer"),
    "integer": _l("integer"), "bigint": _l("integer"),
    "numeric": _l("decimal"), "float4": _l("decimal"), "float8": _l("decimal"), "float": _l("decimal"),
    "date": _l("date"),
    "timestamp": _l("date and time"), "timestamptz": _l("date and time"),
    "time": _l("time"),
    "bool": _l("yes/no"), "boolean": _l("yes/no"),
    "json": _l("JSON"), "jsonb": _l("JSON"),
}

# The DataStore's load errors (catalog/datastore/*.py LoadError), stored in English; shown translated.
DATASTORE_MESSAGES = {
    "The file is empty (0 bytes): there is nothing to load.": _l("The file is empty: there is nothing to load."),
    "The file is not a text file (it contains binary data); only CSV/TSV text can be loaded.":
        _l("The file is not a text file (it contains binary data); only CSV or TSV text can be previewed."),
    "The file is not a text file (unknown encoding); only CSV/TSV text can be loaded.":
        _l("The file is not a text file (unknown encoding); only CSV or TSV text can be previewed."),
    "The uploaded file is missing from storage.": _l("The uploaded file is missing from storage."),
    "The file has no header row: there is nothing to load.": _l("The file has no header row: there is nothing to "
                                                                 "load."),
}
DATASTORE_PATTERNS = (
    (re.compile(r"^The file could not be decoded \(guessed encoding (?P<detail>.+)\)\.$"),
     lambda m: _("The file could not be decoded (guessed encoding: %(detail)s).", detail=m["detail"])),
    (re.compile(r"^Fetching the resource's URL failed: HTTP (?P<detail>\d+)\.$"),
     lambda m: _("The file could not be fetched from its address: the server answered HTTP %(detail)s.",
                 detail=m["detail"])),
    (re.compile(r"^Fetching the resource's URL failed: (?P<detail>.+?)\.?$"),
     lambda m: _("The file could not be fetched from its address (%(detail)s).", detail=m["detail"])),
    (re.compile(r"^The file is not valid CSV: (?P<detail>.+)$"),
     lambda m: _("The file is not valid CSV (%(detail)s).", detail=m["detail"])),
    # datastore_search's refusals, shown under the preview's filter form.
    (re.compile(r'^invalid value "(?P<value>.*)" for a (?P<kind>\w+) field$'),
     lambda m: _("“%(value)s” is not a valid value for a column of type %(kind)s.", value=m["value"],
                 kind=column_type(m["kind"]))),
    (re.compile(r'^field "(?P<name>.*)" not in table$'),
     lambda m: _("There is no column “%(name)s” in this table.", name=m["name"])),
)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def frequency_code(value: str | None) -> str:
    """The EU code of any spelling the DCAT mapping accepts (URI, code, udata id, Dublin Core URI)."""
    if not value:
        return ""
    uri = vocab.frequency_uri(value)
    return str(uri).rsplit("/", 1)[-1] if uri is not None else value.strip()


def frequency_uri(code: str) -> str:
    """What the form stores: the EU URI, the value the DCAT export writes back unchanged."""
    return str(vocab.FREQUENCY[code])


def frequency_label(value: str | None) -> str:
    code = frequency_code(value)
    label = FREQUENCY_LABELS.get(code)
    return str(label) if label is not None else (value or "")


def frequency_choices(current: str | None = None) -> list[tuple[str, str]]:
    codes = list(FORM_FREQUENCIES)
    code = frequency_code(current)
    if code and code not in codes:
        codes.append(code)
    return [(frequency_uri(c) if c in FREQUENCY_LABELS else c, frequency_label(c)) for c in codes]


def language_name(code: str) -> str:
    """"fr" -> "français" on French pages, "French" on English ones (Babel's CLDR names); unknown codes as given."""
    iso = vocab.language_code(code) if code.startswith("http") else code.strip().lower()
    name = Locale.parse(_language()).languages.get(iso)
    return name[:1].upper() + name[1:] if name else code


def language_codes(value: str | None) -> list[str]:
    return [vocab.language_code(v) if v.startswith("http") else v for v in terms.split_multi(value or "")]


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in vocab.tables()["languages"]), key=lambda c: c[1])


def licence_title(license_id: str | None, title: str | None = None) -> str:
    """A licence's title in the page's language (the register's English title elsewhere)."""
    if _language() == "fr" and license_id in LICENCE_TITLES_FR:
        return LICENCE_TITLES_FR[license_id]
    return title or (license_for(license_id) or {}).get("title") or license_id or ""


def job_status(value: str | None) -> str:
    label = JOB_STATUS_LABELS.get((value or "").strip().lower())
    return str(label) if label is not None else (value or "")


def activity_label(value: str | None) -> str:
    label = ACTIVITY_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")


def column_type(value: str | None) -> str:
    label = COLUMN_TYPE_LABELS.get((value or "").strip().lower())
    return str(label) if label is not None else (value or "")


def datastore_message(message: str | None) -> str:
    """A DataStore message in the reader's language; several joined by "; ", each may start with "field: "."""
    return "; ".join(_datastore_part(part) for part in (message or "").strip().split("; "))


def _datastore_part(text: str) -> str:
    known = DATASTORE_MESSAGES.get(text)
    if known is not None:
        return str(known)
    for pattern, translated in DATASTORE_PATTERNS:
        match = pattern.match(text)
        if match:
            return translated(match)
    field, colon, rest = text.partition(": ")
    if colon and (translated_rest := _datastore_part(rest)) != rest:
        return _("%(field)s: %(message)s", field=field, message=translated_rest)
    return text


UNITS = (("kB", _l("kB")), ("MB", _l("MB")), ("GB", _l("GB")), ("TB", _l("TB")))


def filesize(value: Any) -> str:
    """Bytes in the reader's language, powers of 1000 as Jinja's filesizeformat: "143 octets", "4,0 ko";
    "143 bytes", "4.0 kB"."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return str(value or "")
    if size < 1000:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    amount, unit = float(size), UNITS[0][1]
    for _code, label in UNITS:
        amount, unit = amount / 1000, label
        if round(amount, 1) < 1000:
            break
    return f"{format_decimal(amount, format='#,##0.0')} {unit}"


def extra_value(key: str, value: str) -> dict[str, Any]:
    """How the dataset page shows one known extra: {"kind": text|list|link|date, "text", "items", "href"}."""
    if key == "frequency":
        return {"kind": "text", "text": frequency_label(value)}
    if key == "language":
        return {"kind": "list", "items": [language_name(code) for code in language_codes(value)]}
    if key in ("theme", "alternate_identifier"):
        return {"kind": "list", "items": terms.split_multi(value)}
    if key in EMAIL_KEYS:
        return {"kind": "link", "text": value, "href": "mailto:" + value.strip()}
    if key in LINK_KEYS and terms.is_url(value):
        return {"kind": "link", "text": value, "href": value.strip()}
    if key in DATE_KEYS:
        return {"kind": "date", "text": value}
    return {"kind": "text", "text": value}


def extra_rows(pkg: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A dataset's extras for its page: the known ones labelled and in the table's order (coverage has rows of
    its own), the custom ones as their key, and the harvest's bookkeeping apart."""
    extras = {e["key"]: e.get("value") for e in pkg.get("extras") or [] if isinstance(e, dict) and e.get("key")}
    known = [{"key": key, "label": str(label), **extra_value(key, str(extras[key]))}
             for key, label in EXTRA_LABELS.items()
             if key not in COVERAGE_KEYS and extras.get(key) not in (None, "")]
    harvest = [{"key": key, "label": str(label), **extra_value(key, str(extras[key]))}
               for key, label in HARVEST_LABELS.items() if extras.get(key) not in (None, "")]
    custom = [{"key": key, "label": key, "kind": "text", "text": value} for key, value in extras.items()
              if key not in EXTRA_LABELS and key not in HARVEST_LABELS and value not in (None, "")]
    return {"known": known, "custom": custom, "harvest": harvest}


def is_custom_extra(key: str) -> bool:
    """An extra the form's free key/value rows edit: neither a field of its own nor one Moisson manages."""
    return key not in EXTRA_LABELS and key not in HARVEST_LABELS


# The Jinja filters (registered by catalog.web.init_app).
FILTERS = {
    "filesize": filesize,
    "licence_title": licence_title,
    "job_status": job_status,
    "activity_label": activity_label,
    "column_type": column_type,
    "datastore_message": datastore_message,
    "frequency_label": frequency_label,
    "language_name": language_name,
}

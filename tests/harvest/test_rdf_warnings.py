"""rdflib's tracebacks for literals that do not fit their datatype become one warning line each (issue 12
item 11), and the record is still harvested."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from catalog.context import SYSTEM
from tests.harvest.remote import RemoteServer

XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def test_ill_typed_dates_are_one_warning_line_each(remote: RemoteServer, make_source: Any, run: Any,
                                                   call: Any, caplog: pytest.LogCaptureFixture) -> None:
    remote.add_file("/dcat/ill-typed.ttl", "ill-typed-dates.ttl", "text/turtle")
    with caplog.at_level(logging.WARNING, logger="rdflib.term"):
        job = run(make_source(remote.url("/dcat/ill-typed.ttl"), source_type="dcat_rdf"))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 0)
    assert call("package_show", SYSTEM, id="plan-local-durbanisme-2024")["title"] == "Plan local d'urbanisme 2024"
    lines = [r for r in caplog.records if r.name == "rdflib.term"]
    assert lines and all(r.exc_info is None and r.exc_text is None for r in lines)
    texts = {r.getMessage() for r in lines}
    assert all("\n" not in text for text in texts)
    assert texts == {
        f"RDF literal '31/12/2024' is not a valid {XSD_DATE} (XSD Date string must contain at least two dashes); "
        "kept as text",
        f"RDF literal '2024' is not a valid {XSD_DATE} (XSD Date string must contain at least two dashes); "
        "kept as text",
    }

"""rdflib logs a full traceback (logger `rdflib.term`, with exc_info) for every literal whose text does not
fit its datatype: `"31/12/2024"^^xsd:date`, a month 13. Harvested catalogs are full of them, and one odd
date buried a job's log under tracebacks. The literal is kept as text either way (rdflib sets `ill_typed`),
so the traceback says nothing useful: this filter turns each into one warning line naming the value."""

from __future__ import annotations

import logging

RDFLIB_TERM_LOGGER = "rdflib.term"
_CONVERSION_FAILED = "Failed to convert Literal lexical form to value"


class OneLineLiteralWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or _CONVERSION_FAILED not in str(record.msg):
            return True
        _, error, traceback = record.exc_info
        lexical = None
        while traceback is not None:  # the converter's caller holds the literal's text
            lexical = traceback.tb_frame.f_locals.get("lexical", lexical)
            traceback = traceback.tb_next
        datatype = str(record.msg).partition("Datatype=")[2].partition(",")[0] or "its datatype"
        shown = f"{lexical!r}" if lexical is not None else "a literal"
        record.msg = f"RDF literal {shown} is not a valid {datatype} ({error}); kept as text"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def install() -> None:
    """Idempotent: one filter on rdflib's term logger for the whole process."""
    logger = logging.getLogger(RDFLIB_TERM_LOGGER)
    if not any(isinstance(f, OneLineLiteralWarnings) for f in logger.filters):
        logger.addFilter(OneLineLiteralWarnings())

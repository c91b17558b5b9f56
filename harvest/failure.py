"""Why a job's gathering stopped, for people: one sentence ("The source answered HTTP 500 on page 3.") in a
gather error's `message`, the technical text behind it (the exception, with its URL) in `detail`, and a `code`
with its parameters (`status`, `page`) by which the pages say the same sentence in the visitor's language.

A job whose gathering failed keeps ckanext-harvest's status (`finished`, as CKAN's jobs whose gather stage
failed do); harvest_job_show adds `gather_failed` and `error` (dictize.job_summary) so nobody has to read the
error list to know."""

from __future__ import annotations

from typing import Any

from harvest.backends.base import GatherError
from harvest.fetch import FetchError
from harvest.job_deadline import JobDeadlineReached

# code -> the English sentence (str.format with the gather error's own keys: page, status, ...); `where` is
# " on page N" when the page is known, else "". catalog/web/harvest.py has the same sentences for translation.
SENTENCES = {
    "unreachable": "The source could not be reached{where}.",
    "timeout": "The source did not answer in time{where}.",
    "http_status": "The source answered HTTP {status}{where}.",
    "unreadable": "The source's answer{where} could not be read.",
    "interrupted": "The source's answer{where} was cut off.",
    "too_large": "The source's answer{where} is larger than the size allowed.",
    "not_allowed": "This site does not fetch the source's address (outbound rules).",
    "redirects": "The source redirected too many times{where}.",
    "paging_loop": "The source's paging goes back to a page already read{where}.",
    "remote_error": "The source's API reported an error{where}.",
    "busy": "This site was making too many outbound requests; run the source again later.",
    "deadline": "The job ran out of time{where}: what it imported stays, nothing was withdrawn.",
    "id_listing": "The list of the source's identifiers, needed to find deletions, could not be read.",
    "announced": "The source announced {announced} record(s) but only {gathered} were gathered (paging links not "
                 "followed or pages missing): nothing was withdrawn. Check the source's paging, then run it again.",
    "emptied": "The source listed no datasets while {known} dataset(s) came from it: nothing was withdrawn "
               "(deletion guard). Check the source; if it was really emptied, run the job again with mass "
               "deletion allowed.",
}


def sentence(code: str, page: int | None = None, **params: Any) -> str:
    return SENTENCES[code].format(where=f" on page {page}" if page else "", **params)


def own(code: str, **params: Any) -> dict[str, Any]:
    """A gather error the harvester finds itself (no exception, so no detail)."""
    return {"code": code, "message": sentence(code, **params), "detail": None, **params}


def describe(error: Exception, page: int | None = None, code: str | None = None) -> dict[str, Any]:
    """A gather error for `error` (FetchError, GatherError, JobDeadlineReached): code, message, detail and
    the parameters the sentence uses. `code` overrides the error's own (what was being done when it failed)."""
    if code is None:
        if isinstance(error, JobDeadlineReached):
            code = "deadline"
        elif isinstance(error, FetchError | GatherError):
            code = error.kind if error.kind in SENTENCES else "unreadable"
        else:
            code = "unreadable"
    params: dict[str, Any] = {}
    if page:
        params["page"] = page
    status = getattr(error, "status", None)
    if code == "http_status":
        params["status"] = status
    return {"code": code, "message": sentence(code, **params), "detail": str(error), **params}

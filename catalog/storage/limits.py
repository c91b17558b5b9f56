"""How large a request may be, and where its file parts go while it arrives.

Every body is limited by settings.max_body_bytes (10 MiB), except a multipart upload to an action or page that
stores a resource file: there the limit is settings.max_resource_bytes plus max_body_bytes for the other fields.
A file part is streamed as it arrives into a temporary file beside the stored files (same disk, so nothing large
ever sits in memory or fills another partition), counted, and no longer written once it passes
max_resource_bytes: it is then marked `too_large`, and the action refuses it (409 "File upload too large", CKAN's
answer) while a page shows its form again with the other fields kept. The temporary file has no name on disk
(O_TMPFILE where Linux has it) and disappears when the request ends, whatever happens.

Pages may receive more than the limit, up to WEB_DRAIN_FACTOR times it, discarding the file's bytes: a browser
sends the whole body before it reads an answer, and reading it lets the page answer with the form rather than a
reset connection. Larger bodies get an early 413.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, request

from catalog.settings import Settings

UPLOAD_ACTIONS = frozenset({"resource_create", "resource_update", "resource_patch"})
UPLOAD_PAGES = frozenset({"web.resource_new", "web.resource_edit"})
ACTION_ENDPOINT = "api.action_endpoint"
# A file part stays in memory up to this size, as Werkzeug's default stream does, then goes to disk.
SPOOL_BYTES = 500 * 1024
WEB_DRAIN_FACTOR = 4
TMP_FOLDER = "tmp"


class CappedSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
    """A file part: written up to `cap` bytes, then only counted (`size`, `too_large`)."""

    def __init__(self, cap: int | None, folder: Path | None) -> None:
        super().__init__(max_size=SPOOL_BYTES, mode="w+b", dir=folder)
        self.cap = cap
        self.size = 0
        self.too_large = False

    def write(self, data: Any) -> int:
        self.size += len(data)
        if self.too_large:
            return len(data)
        if self.cap is not None and self.size > self.cap:
            self.too_large = True
            self.truncate(0)  # nothing of a refused file is kept
            return len(data)
        return int(super().write(data))


class UploadRequest(Request):
    """Flask's request with file parts in CappedSpool files (limits chosen by `apply_limits`)."""

    file_cap: int | None = None
    spool_folder: Path | None = None

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return CappedSpool(self.file_cap, usable(self.spool_folder))


def usable(folder: Path | None) -> Path | None:
    """The folder, made if needed (when the first file part arrives); None (the system's temporary folder) when
    it cannot be made."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def is_upload_request() -> bool:
    """Whether this request may carry a resource file: multipart, to a resource write action or form."""
    if request.method != "POST" or request.mimetype != "multipart/form-data":
        return False
    if request.endpoint == ACTION_ENDPOINT:
        return (request.view_args or {}).get("name") in UPLOAD_ACTIONS
    return request.endpoint in UPLOAD_PAGES


def upload_limit(settings: Settings) -> int:
    """The largest body of an upload request: the file, plus the body limit for the other fields."""
    return settings.max_resource_bytes + settings.max_body_bytes


def apply_limits(settings: Settings) -> None:
    """This request's limits, before any hook reads the body (the pages' CSRF check parses the form)."""
    assert isinstance(request, UploadRequest)
    request.spool_folder = Path(settings.storage_path) / TMP_FOLDER  # the disk the stored files are on
    if not is_upload_request():
        request.max_content_length = settings.max_body_bytes
        return
    request.file_cap = settings.max_resource_bytes
    if request.endpoint in UPLOAD_PAGES:
        request.max_content_length = WEB_DRAIN_FACTOR * settings.max_resource_bytes + settings.max_body_bytes
    else:
        request.max_content_length = upload_limit(settings)


def init_app(app: Flask, current_settings: Callable[[], Settings]) -> None:
    """`current_settings` gives the settings of the request being served (the app's services' own)."""
    app.config["MAX_CONTENT_LENGTH"] = current_settings().max_body_bytes
    app.request_class = UploadRequest
    # Registered before the blueprints' hooks, so it runs first.
    app.before_request(lambda: apply_limits(current_settings()))

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

The large limit is only for a caller who may write: a request with an API token (Authorization or X-CKAN-API-Key
header) or a session naming a user (signed cookie); an anonymous body keeps max_body_bytes. Whatever the limit, what a multipart form
holds in memory is bounded across all its parts by max_body_bytes (`BudgetParser`): file parts go to disk sooner
when they would pass it, non-file fields are refused, and an upload has at most UPLOAD_FORM_PARTS parts. Each 413
says which limit tripped (`FormTooLarge.limit`; a plain RequestEntityTooLarge is the body limit).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, request, session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from catalog.settings import Settings
from catalog.user.sessions import SESSION_KEY

UPLOAD_ACTIONS = frozenset({"resource_create", "resource_update", "resource_patch"})
UPLOAD_PAGES = frozenset({"web.resource_new", "web.resource_edit"})
ACTION_ENDPOINT = "api.action_endpoint"
# A file part stays in memory up to this size, as Werkzeug's default stream does, then goes to disk.
SPOOL_BYTES = 500 * 1024
WEB_DRAIN_FACTOR = 4
TMP_FOLDER = "tmp"
# A resource has some twenty fields; extras are more, but never this many.
UPLOAD_FORM_PARTS = 100
TOKEN_HEADERS = ("Authorization", "X-CKAN-API-Key")


class FormTooLarge(RequestEntityTooLarge):
    """A multipart form over one of its limits: `limit` is "fields" (bytes held in memory, all parts together),
    "field" (one field) or "parts" (their number); `size` is that limit."""

    def __init__(self, limit: str, size: int) -> None:
        super().__init__()
        self.limit = limit
        self.size = size


LIMIT_MESSAGES = {
    "fields": "The form fields are larger than {size} bytes in all",
    "field": "A form field is larger than {size} bytes",
    "parts": "The form has more than {size} parts",
}


def too_large_message(error: RequestEntityTooLarge) -> str:
    """The API's 413 message (English, as the API's): the limit that tripped, with its size."""
    if isinstance(error, FormTooLarge):
        return LIMIT_MESSAGES[error.limit].format(size=error.size)
    return f"Request body is larger than {request.max_content_length} bytes"


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

    def rollover(self) -> None:
        super().rollover()
        self.on_disk = True

    @property
    def in_memory(self) -> int:
        """Bytes of this part held in memory: all of them until the part rolls over to disk or is refused."""
        return 0 if self.too_large or getattr(self, "on_disk", False) else self.size


def _chunks(stream: IO[bytes], size: int) -> Iterator[bytes | None]:
    while data := stream.read(size):
        yield data
    yield None


class BudgetParser(MultiPartParser):
    """Werkzeug's multipart parser (same events, same result), with one budget for what the form holds in memory
    across all its parts, and a 413 naming the limit that tripped (`FormTooLarge`)."""

    def __init__(self, budget: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.budget = budget

    def parse(self, stream: IO[bytes], boundary: bytes,
              content_length: int | None) -> tuple[MultiDict[str, str], MultiDict[str, FileStorage]]:
        decoder = MultipartDecoder(boundary, max_form_memory_size=self.max_form_memory_size,
                                   max_parts=self.max_form_parts)
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        spools: list[Any] = []
        held = 0  # bytes of the fields, the one being read included
        part: Field | File | None = None
        chunks: list[bytes] = []
        size = 0
        for data in _chunks(stream, self.buffer_size):
            try:
                decoder.receive_data(data)
            except RequestEntityTooLarge:
                raise FormTooLarge("field", self.max_form_memory_size or 0) from None
            while True:
                try:
                    event = decoder.next_event()
                except RequestEntityTooLarge:
                    raise FormTooLarge("parts", self.max_form_parts or 0) from None
                if isinstance(event, (Epilogue, NeedData)):
                    break
                if isinstance(event, Field):
                    part, chunks, size = event, [], 0
                elif isinstance(event, File):
                    part = event
                    spools.append(self.start_file_streaming(event, content_length))
                elif isinstance(event, Data) and isinstance(part, Field):
                    chunks.append(event.data)
                    size += len(event.data)
                    held += len(event.data)
                    if self.max_form_memory_size is not None and size > self.max_form_memory_size:
                        raise FormTooLarge("field", self.max_form_memory_size)
                    if not event.more_data:
                        value = b"".join(chunks).decode(self.get_part_charset(part.headers), "replace")
                        fields.append((part.name, value))
                elif isinstance(event, Data) and isinstance(part, File):
                    spools[-1].write(event.data)
                    if not event.more_data:
                        spools[-1].seek(0)
                        files.append((part.name, FileStorage(spools[-1], part.filename, part.name,
                                                             headers=part.headers)))
                if held + sum(getattr(spool, "in_memory", 0) for spool in spools) > self.budget:
                    for spool in spools:  # files go to disk sooner; fields cannot
                        if getattr(spool, "in_memory", 0):
                            spool.rollover()
                    if held > self.budget:
                        raise FormTooLarge("fields", self.budget)
        return self.cls(fields), self.cls(files)


class BudgetFormParser(FormDataParser):
    """Werkzeug's form parser with `BudgetParser` for multipart bodies; a url-encoded form over the field limit
    names that limit."""

    def __init__(self, budget: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.budget = budget

    def parse(self, stream: IO[bytes], mimetype: str, content_length: int | None,
              options: dict[str, str] | None = None) -> Any:
        if mimetype == "application/x-www-form-urlencoded" and self.max_form_memory_size is not None \
                and content_length is not None and content_length > self.max_form_memory_size:
            raise FormTooLarge("field", self.max_form_memory_size)
        if mimetype != "multipart/form-data":
            return super().parse(stream, mimetype, content_length, options)
        boundary = (options or {}).get("boundary", "").encode("ascii")
        if not boundary:
            if self.silent:
                return stream, self.cls(), self.cls()
            raise ValueError("Missing boundary")
        parser = BudgetParser(self.budget, stream_factory=self.stream_factory,
                              max_form_memory_size=self.max_form_memory_size, max_form_parts=self.max_form_parts,
                              cls=self.cls)
        try:
            form, files = parser.parse(stream, boundary, content_length)
        except ValueError:
            if not self.silent:
                raise
            return stream, self.cls(), self.cls()
        return stream, form, files


class UploadRequest(Request):
    """Flask's request with file parts in CappedSpool files (limits chosen by `apply_limits`)."""

    file_cap: int | None = None
    spool_folder: Path | None = None
    form_budget: int | None = None  # what a multipart form may hold in memory, all parts together

    def make_form_data_parser(self) -> FormDataParser:
        return BudgetFormParser(self.form_budget if self.form_budget is not None else self.max_content_length or 0,
                                stream_factory=self._get_file_stream, max_form_memory_size=self.max_form_memory_size,
                                max_content_length=self.max_content_length, max_form_parts=self.max_form_parts,
                                cls=self.parameter_storage_class)

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
    """Whether this request may carry a resource file: multipart, to a resource write action or form, from a caller
    who may write (an API token, or a session naming a user: anyone else is refused before the file matters)."""
    if request.method != "POST" or request.mimetype != "multipart/form-data":
        return False
    if not any(request.headers.get(name) for name in TOKEN_HEADERS) and SESSION_KEY not in session:
        return False  # the session is the signed cookie: naming a user needs the site's secret key
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
    request.form_budget = settings.max_body_bytes
    if not is_upload_request():
        request.max_content_length = settings.max_body_bytes
        return
    request.file_cap = settings.max_resource_bytes
    request.max_form_parts = UPLOAD_FORM_PARTS
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

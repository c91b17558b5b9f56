"""Uploaded resource files: stored under settings.storage_path, served at CKAN's download URL.

Integration for resource writes: `store_upload(ctx, package_id, resource_id, file_storage)` returns the
resource fields to save (url = file name, url_type "upload", size, hash, mimetype, last_modified); the
file becomes visible once the action's transaction commits.
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from dataclasses import replace
from typing import Any

from catalog.context import ActionContext
from catalog.errors import ValidationError
from catalog.review.models import pending_file_key
from catalog.storage.backend import FileTooLarge

# CKAN's munge_filename limits.
MIN_FILENAME_LENGTH = 3
MAX_FILENAME_LENGTH = 100
MAX_EXTENSION_LENGTH = 21
MIMETYPE_OVERRIDES = {".csv": "text/csv", ".tsv": "text/tab-separated-values", ".geojson": "application/geo+json"}
# RFC 6838 type "/" subtype, lower-cased, parameters dropped.
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


def munge_filename(filename: str) -> str:
    """CKAN's munge_filename: last path part, lower case, ASCII, [a-z0-9_.-], length 3..100."""
    name = os.path.basename(filename.replace("\\", "/")).lower().strip()
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9_. -]", "", name).replace(" ", "-")
    name = re.sub(r"-+", "-", name)
    stem, ext = os.path.splitext(name)
    ext = ext[:MAX_EXTENSION_LENGTH]
    low, high = max(1, MIN_FILENAME_LENGTH - len(ext)), MAX_FILENAME_LENGTH - len(ext)
    stem = (stem + "_" * low)[: max(low, len(stem))][:high]
    return stem + ext


def guess_mimetype(filename: str, declared: str | None = None) -> str | None:
    """The type recorded as the resource's `mimetype` metadata: the file name's, else the client's declared one
    if it is one well-formed media type (`text/plain,text/html` is not). Downloads never serve this field
    (catalog.storage.content_type derives their type from the stored file)."""
    ext = os.path.splitext(filename)[1].lower()
    guessed = MIMETYPE_OVERRIDES.get(ext) or mimetypes.guess_type(filename)[0]
    if guessed:
        return guessed
    essence = (declared or "").split(";", 1)[0].strip().lower()
    return essence if MEDIA_TYPE.fullmatch(essence) and essence != "application/octet-stream" else None


def store_upload(ctx: ActionContext, package_id: str, resource_id: str, file_storage: Any) -> dict[str, Any]:
    """Stage an uploaded werkzeug FileStorage for the resource; it replaces the old file on commit.

    Returns the fields to save on the resource. Too large -> 409 {"upload": ["File upload too large"]}.
    """
    storage = ctx.services.storage.files
    filename = munge_filename(getattr(file_storage, "filename", None) or "upload")
    if getattr(getattr(file_storage, "stream", None), "too_large", False):  # counted, not kept (storage.limits)
        raise ValidationError({"upload": ["File upload too large"]})
    try:
        staged = storage.stage(resource_id, file_storage.stream, ctx.settings.max_resource_bytes)
    except FileTooLarge:
        raise ValidationError({"upload": ["File upload too large"]}) from None
    if ctx.pending_revision is None:
        ctx.after_commit(lambda: storage.commit(staged))
    else:
        # A write held for review (catalog/dataset/held.py): the file is kept apart from the public one, under a
        # key of its own, at once (the held write's savepoint drops every after-commit step); a write that then
        # fails leaves an unreferenced file, never a changed one.
        storage.commit(replace(staged, resource_id=pending_file_key(resource_id, ctx.pending_revision,
                                                                    staged.sha256)))
    return {
        "url": filename,
        "url_type": "upload",
        "size": staged.size,
        "hash": staged.sha256,
        "mimetype": guess_mimetype(filename, getattr(file_storage, "mimetype", None)),
        "last_modified": ctx.now.isoformat(),
    }

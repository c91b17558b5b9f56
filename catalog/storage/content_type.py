"""The Content-Type and disposition a stored file is served with, derived from the file itself.

Never from the resource's `mimetype`: that field is client metadata (`text/plain,text/html` once made a
browser run an uploaded page on the portal's origin). The type comes from the stored file name's extension;
a type shown inline must be on the allowlist of inert types, and an image or PDF must also start with its
magic number. Anything else is `application/octet-stream` as an attachment: never a script, style or HTML
type, so even a `<script src>` or `<link rel=stylesheet>` pointing at an upload on our origin (allowed by the
pages' `script-src 'self'`) is refused by the browser under `nosniff`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from catalog.storage import guess_mimetype

OCTET_STREAM = "application/octet-stream"
SNIFF_BYTES = 64 * 1024
# Text shown as text whatever its bytes (HTML in a .csv stays text/csv: inert under nosniff).
INLINE_TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/tab-separated-values", "application/json",
                               "application/geo+json"})
# Binary types shown inline only when the file starts as the type says (SVG is not here: it runs script).
MAGIC_NUMBERS: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),  # and "WEBP" at offset 8, checked below
    "application/pdf": (b"%PDF-",),
}
INLINE_TYPES = INLINE_TEXT_TYPES | MAGIC_NUMBERS.keys()
# Stored files never need script, style, plugins or framing; `sandbox` makes them an opaque origin too.
# PDFs keep the site policy: Chromium refuses to open a PDF in a sandboxed document.
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"


@dataclass(frozen=True)
class ServedType:
    content_type: str  # the whole header value, with a charset for text
    inline: bool

    @property
    def policy(self) -> str | None:
        """The Content-Security-Policy for the file, or None to keep the site's."""
        return None if self.content_type == "application/pdf" else FILE_POLICY


def served_type(path: Path, filename: str) -> ServedType:
    """How to serve the stored file at `path`, whose public name is `filename`."""
    mimetype = (guess_mimetype(filename) or "").lower()
    if mimetype not in INLINE_TYPES:
        return ServedType(OCTET_STREAM, inline=False)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if mimetype in INLINE_TEXT_TYPES:
        return ServedType(f"{mimetype}; charset={text_charset(head)}", inline=True)
    if _starts_as(head, mimetype):
        return ServedType(mimetype, inline=True)
    return ServedType(OCTET_STREAM, inline=False)


def _starts_as(head: bytes, mimetype: str) -> bool:
    if not head.startswith(MAGIC_NUMBERS[mimetype]):
        return False
    return mimetype != "image/webp" or head[8:12] == b"WEBP"


def text_charset(head: bytes) -> str:
    """UTF-8 when the file's start decodes as UTF-8, else Windows-1252 (the other encoding French open data
    comes in). Always named, so no browser guesses one (UTF-7 and friends). Only the start is read: this
    runs on every download, and a wrong guess only garbles accents, it never makes the text active."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"

"""Text files that are prose (a lisez-moi, notes): their start, decoded, for a readable monospace view.

The DataStore decides from the content whether a file is a table (catalog.datastore.csv_analysis.is_prose); a
file it finds to be prose gets the load status "text" and no table, and the resource page shows this text
instead of the table preview: the first TEXT_BYTES, whole lines only, decoded as the DataStore would (UTF-8,
else charset-normalizer with Windows-1252 for single-byte guesses), with a link to the whole file.

`text_excerpt(resource)` is the one entry point for pages and views (the text_view resource view uses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.datastore.csv_analysis import SAMPLE_BYTES, is_prose, sniff_delimiter
from catalog.services import current_services
from catalog.web.csv_head import decode_head, read_head_bytes

TEXT_BYTES = 64 * 1024


@dataclass(frozen=True)
class TextHead:
    text: str  # line ends made "\n"
    encoding: str
    truncated: bool  # the file goes on after `text`


def read_text(path: Path, max_bytes: int = TEXT_BYTES) -> TextHead | None:
    """The file's first `max_bytes` (whole lines), decoded; None for a binary or undecodable file."""
    read = read_head_bytes(path, max_bytes)
    if read is None:
        return None
    head, truncated = read
    decoded = decode_head(head)
    if decoded is None:
        return None
    text, encoding = decoded
    if text.startswith("\ufeff"):
        text = text[1:]
    return TextHead(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, truncated)


def looks_like_prose(head: TextHead) -> bool:
    """The DataStore's rule (csv_analysis.is_prose) applied to a decoded start."""
    sample = head.text[:SAMPLE_BYTES]
    return is_prose(sample, sniff_delimiter(sample))


def uploaded_path(resource: dict[str, Any]) -> Path | None:
    """The stored file of an uploaded resource (None for a link or a missing file)."""
    if resource.get("url_type") != "upload":
        return None
    return current_services().storage.files.path(resource["id"])


def text_excerpt(resource: dict[str, Any], max_bytes: int = TEXT_BYTES) -> tuple[str, bool] | None:
    """(text, truncated) of an uploaded resource's file, for a text view; None when there is no stored text
    file. Call it only for a resource the visitor may see (a resource_show / package_show answer)."""
    path = uploaded_path(resource)
    if path is None:
        return None
    head = read_text(path, max_bytes)
    return None if head is None else (head.text, head.truncated)

"""Page numbers and links that keep the rest of the query string (filters, sort, language). A page number past the
last page is a 404 page with a link to the first page, wherever a Pager is made (searches, lists, the preview)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import abort, make_response, request
from flask_babel import gettext as _

from catalog.web.error_page import error_page


def url_with(**changes: str | int | None) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return request.path + ("?" + query if query else "")


def int_arg(name: str, default: int, *, lowest: int = 1, highest: int | None = None) -> int:
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    value = max(value, lowest)
    return min(value, highest) if highest is not None else value


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int

    def __post_init__(self) -> None:
        # Never an empty page linking to another empty one: the visitor is told, and sent to the first page.
        if self.page > self.pages:
            abort(make_response(past_last_page(self)))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_item(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_item(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers around the current one, with None for a gap: [1, None, 4, 5, 6, None, 12]."""
        wanted = {1, self.pages, *range(self.page - size, self.page + size + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for number in numbers:
            if out and number - (out[-1] or 0) > 1:
                out.append(None)
            out.append(number)
        return out


def past_last_page(pager: Pager) -> tuple[str, int]:
    message = _("There is no page %(page)d here: the last page is %(last)d.", page=pager.page, last=pager.pages)
    return error_page(404, message, first_page=url_with(page=None))

"""The HTML error page in the visitor's language, and its translated messages. catalog.responses decides when a
page is the answer (pages, downloads, unmatched URLs); the strings live here so the web catalog extracts them."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _

from catalog.web.calls import current_user
from catalog.web.messages import translate_error


def error_page(status: int, message: str = "", *, first_page: str | None = None) -> tuple[str, int]:
    """`first_page`: the link a page number past the last page offers instead (catalog/web/paging.py)."""
    titles = {400: _("Bad request"), 403: _("Access denied"), 404: _("Page not found"),
              405: _("Method not allowed"), 413: _("File too large"), 500: _("Something went wrong")}
    return render_template("error.html", status=status, title=titles.get(status, _("Error")), message=message,
                           first_page=first_page), status


def validation_message(errors: dict[str, Any]) -> str:
    """A refused input's messages (an action's ValidationError no form shows) as text, in the visitor's language."""
    from catalog.web.admin import error_messages  # the admin pages import this module

    return " ".join(translate_error(message) for message in error_messages(errors))


def not_allowed_message() -> str:
    """A 403's explanation: log in, or this account may not."""
    if current_user() is None:
        return _("You are not allowed to see this page.")
    return _("Your account is not allowed to do this.")


def expired_form_message() -> str:
    return _("The form has expired or was not sent from this site. Please try again.")

"""site_read, status_show, help_show."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from catalog.context import ActionContext
from catalog.errors import NotFound
from catalog.registry import ACTIONS, action
from catalog.site import auth
from catalog.site.options import site_options

CKAN_VERSION = "2.12.0"  # the CKAN release whose Action API we answer like
EXTENSIONS = ["activity", "datastore", "dcat", "harvest"]


def moisson_version() -> str:
    try:
        return version("moisson")
    except PackageNotFoundError:
        return "0.1.0"


@action(auth=auth.site_read, read_only=True)
def site_read(ctx: ActionContext, data: dict[str, Any]) -> bool:
    """Return true: the site may be read (CKAN 2.10; kept because clients still probe it)."""
    return True


@action(auth=auth.status_show, read_only=True)
def status_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the site's title, description, URL, default locale, extensions, versions and search index lag."""
    settings = ctx.settings
    options = site_options(ctx.session, settings)  # as CKAN's, changed by config_option_update
    return {
        "site_title": options["site_title"],
        "site_description": options["site_description"],
        "site_url": settings.site_url,
        "error_emails_to": getattr(settings, "error_emails_to", None),
        "locale_default": "fr",
        "extensions": EXTENSIONS,
        "ckan_version": CKAN_VERSION,
        "moisson_version": moisson_version(),
        # Not CKAN's: which search backend answers, and how far its index is behind the database (the Tantivy
        # backend's changes not yet searchable and the age of the oldest; always 0 for the database backends).
        "search": ctx.search.index_status(),
    }


@action(auth=auth.help_show, read_only=True)
def help_show(ctx: ActionContext, data: dict[str, Any]) -> str | None:
    """Return the help string of an action (its documentation).

    :param name: the name of the action, e.g. package_show
    """
    spec = ACTIONS.get(data["name"])
    if spec is None:
        raise NotFound("Action function not found")
    return spec.doc or None

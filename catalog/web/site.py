"""The site settings pages show (title, description, logo, default licence), read once per request."""

from __future__ import annotations

from flask import g

from catalog.services import current_services
from catalog.site.options import site_options


def current_site_options() -> dict[str, str]:
    """catalog.site.options.site_options for this request: site_title, site_description, site_logo,
    default_license_id (defaults filled in). The first call reads the database, later calls reuse it."""
    if "moisson_site_options" not in g:
        services = current_services()
        with services.db.unit_of_work(write=False) as session:
            g.moisson_site_options = site_options(session, services.settings)
    return g.moisson_site_options


def forget_site_options() -> None:
    """After this request changed the options (the config form), so the page it renders shows the new ones."""
    g.pop("moisson_site_options", None)

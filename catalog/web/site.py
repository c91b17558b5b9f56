"""The site settings pages show (title, description, logo, default licence), read once per request."""

from __future__ import annotations

import logging

from flask import g
from sqlalchemy.exc import SQLAlchemyError

from catalog.services import current_services
from catalog.site.options import defaults, site_options

log = logging.getLogger(__name__)


def current_site_options() -> dict[str, str]:
    """catalog.site.options.site_options for this request: site_title, site_description, site_logo,
    default_license_id (defaults filled in). The first call reads the database, later calls reuse it. When the
    database cannot answer (the error page of a 503), the defaults: that page must still render."""
    if "moisson_site_options" not in g:
        services = current_services()
        try:
            with services.db.unit_of_work(write=False) as session:
                g.moisson_site_options = site_options(session, services.settings)
        except SQLAlchemyError:
            log.warning("site options unreadable, defaults used for this page", exc_info=True)
            g.moisson_site_options = defaults(services.settings)
    return g.moisson_site_options


def forget_site_options() -> None:
    """After this request changed the options (the config form), so the page it renders shows the new ones."""
    g.pop("moisson_site_options", None)

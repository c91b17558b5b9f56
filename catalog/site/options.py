"""Site settings a sysadmin edits at run time (/ckan-admin/config, config_option_update), kept in `site_option`.

The keys are CKAN's runtime-editable ones Moisson uses (`ckan.site_title`, `ckan.site_description`,
`ckan.site_logo`) plus `ckan.default_license_id`, the licence the dataset form offers first (CKAN has no such
runtime option; the name follows CKAN's spelling). Deployment settings (database, URLs, limits) stay in the
environment (catalog/settings.py). An option without a row takes its default: the site title from
`MOISSON_SITE_TITLE`, the Licence Ouverte 2.0 (`lov2`) as the default licence, empty otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.settings import Settings
from catalog.site.models import SiteOption

DEFAULT_LICENSE_ID = "lov2"  # Licence Ouverte / Open Licence version 2.0 in catalog/vocab/licenses.json


@dataclass(frozen=True)
class Option:
    key: str  # the wire name (config_option_*), CKAN's where CKAN has one
    name: str  # the name pages use (site_options()'s keys); lengths and forms are in schemas/config_option_update.json


OPTIONS: tuple[Option, ...] = (
    Option("ckan.site_title", "site_title"),
    Option("ckan.site_description", "site_description"),
    Option("ckan.site_logo", "site_logo"),
    Option("ckan.default_license_id", "default_license_id"),
)
BY_KEY = {option.key: option for option in OPTIONS}


def defaults(settings: Settings) -> dict[str, str]:
    """Each option's value when no sysadmin has set it, by page name."""
    return {
        "site_title": settings.site_title or "Moisson",
        "site_description": "",
        "site_logo": "",
        "default_license_id": DEFAULT_LICENSE_ID,
    }


def stored_options(session: Session) -> dict[str, str]:
    """The options set in the database, by wire key (one small read)."""
    rows = session.execute(select(SiteOption.key, SiteOption.value)).all()
    return {key: value for key, value in rows if key in BY_KEY}


def site_options(session: Session, settings: Settings) -> dict[str, str]:
    """Every option by page name (site_title, site_description, site_logo, default_license_id), defaults filled
    in. Pages call catalog.web.site.current_site_options(), which reads this once per request."""
    values = defaults(settings)
    for key, value in stored_options(session).items():
        if value:
            values[BY_KEY[key].name] = value
    return values


def option_values(session: Session, settings: Settings) -> dict[str, str]:
    """Every option by wire key, defaults filled in (config_option_show's and the config form's values)."""
    by_name = site_options(session, settings)
    return {option.key: by_name[option.name] for option in OPTIONS}

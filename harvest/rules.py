"""Harvest source checks JSON Schema cannot express (they need the database, the backend table or the site's
settings). Each fills CKAN field errors, as catalog/dataset/rules.py does, or returns the checked value."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from catalog.authz import has_org_role
from catalog.context import ActionContext
from catalog.errors import ValidationError
from catalog.organization.queries import find_group
from catalog.settings import Settings
from catalog.validation import document_errors
from harvest.backends import backend_names, unknown_type_message
from harvest.fetch import FetchError, check_url, source_limit_errors
from harvest.models import FREQUENCIES, HarvestSource

Errors = dict[str, Any]

ORGANIZATION_NEEDED = (
    "An organization must be provided: harvested datasets need one. Set owner_org to the organization that "
    "will own them, or (CKAN sources) config remote_orgs=create to create each remote dataset's organization"
)


def source_type_is_known(source_type: Any, errors: Errors) -> None:
    if source_type not in backend_names():
        errors["source_type"] = [unknown_type_message(source_type)]


def url_is_http(url: str | None, errors: Errors) -> None:
    try:
        check_url(url or "")
    except FetchError:
        errors["url"] = ["The URL must be an http or https URL"]


def frequency_is_known(frequency: Any, errors: Errors) -> None:
    if frequency and frequency not in FREQUENCIES:
        errors["frequency"] = [f"Frequency must be one of {', '.join(FREQUENCIES)}"]


def name_is_free(ctx: ActionContext, name: str, own_id: str, errors: Errors) -> None:
    clash = ctx.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name, HarvestSource.id != own_id))
    if clash:
        errors["name"] = ["That URL is already in use."]


def owner_org_accepts_actor(ctx: ActionContext, owner_org: str, current: str | None, errors: Errors) -> str | None:
    """Resolve an organization id or name to its id. Moving a source to another organization needs the
    caller to administer that one (keeping its organization does not)."""
    org = find_group(ctx.session, owner_org)
    if org is None or not org.is_organization:
        errors["owner_org"] = ["Organization does not exist"]
        return None
    if org.id != current and not has_org_role(ctx.session, ctx.actor, org.id, "admin"):
        errors["owner_org"] = ["You are not an administrator of that organization"]
        return None
    return org.id


def source_config(raw: Any, source_type: str, settings: Settings) -> dict[str, Any]:
    """The config (a JSON object or its text) checked against schemas/harvest/<type>.json, then against the
    site's maximums. Raises ValidationError on `config`. Parsing the text, and the object check that must come
    before the maximums read it, are the two things the schema cannot say."""
    if raw in (None, ""):
        config: Any = {}
    elif isinstance(raw, str):
        try:
            config = json.loads(raw)
        except ValueError as error:
            raise ValidationError({"config": [f"Invalid JSON: {error}"]}) from error
    else:
        config = raw
    if not isinstance(config, dict):
        raise ValidationError({"config": ["The config must be a JSON object"]})
    if errors := document_errors(f"harvest/{source_type}", config, root="(config)"):
        raise ValidationError({"config": errors})
    # Refused rather than clamped, so the source's owner sees the limit its harvests will run under.
    if too_large := source_limit_errors(config, settings):
        raise ValidationError({"config": too_large})
    return config


def organization_is_given(owner_org: str | None, config: dict[str, Any]) -> None:
    """package_create requires an organization (CKAN's create_unowned_dataset off): without one every record
    of every run would fail. Only remote_orgs=create gives each record its own."""
    if not owner_org and (config or {}).get("remote_orgs") != "create":
        raise ValidationError({"owner_org": [ORGANIZATION_NEEDED]})

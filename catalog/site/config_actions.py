"""config_option_show, config_option_update, config_option_list: the site settings a sysadmin changes at run
time, as CKAN's actions of the same names (catalog/site/options.py lists the keys and their defaults)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from catalog.context import ActionContext
from catalog.errors import ValidationError
from catalog.registry import action
from catalog.site import auth
from catalog.site.models import SiteOption
from catalog.site.options import BY_KEY, OPTIONS, option_values
from catalog.vocab.licenses import license_for


@action(auth=auth.config_option_show, read_only=True)
def config_option_show(ctx: ActionContext, data: dict[str, Any]) -> str:
    """Return the current value of a runtime-editable setting (sysadmins only); its default when none was set.

    :param key: the setting, e.g. ckan.site_title (config_option_list gives them all)
    """
    key = data["key"]
    if key not in BY_KEY:
        raise ValidationError({"message": f"Configuration option '{key}' can not be shown"})
    return option_values(ctx.session, ctx.settings)[key]


@action(auth=auth.config_option_list, read_only=True)
def config_option_list(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the keys of the settings config_option_update may change (sysadmins only)."""
    return [option.key for option in OPTIONS]


@action(auth=auth.config_option_update)
def config_option_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, str]:
    """Change runtime-editable settings (sysadmins only) and return them with their new values.

    Pass each setting as its own key, e.g. {"ckan.site_title": "Données ouvertes"}. A null value is ignored (no
    change, and the key is left out of the answer), as CKAN's schema (ignore_missing) does. An empty string puts
    a setting back to its default (the title from MOISSON_SITE_TITLE, the licence lov2): CKAN stores the empty
    value and its admin page's Reset deletes the stored ones; here an option without a value has its default.

    :param ckan.site_title: the site's name, in every page's header and title (at most 100 characters)
    :param ckan.site_description: a sentence or two shown on the home page
    :param ckan.site_logo: the header's logo: an http(s) URL or a path on this site starting with /
    :param ckan.default_license_id: the licence the dataset form offers first, an id license_list knows
    """
    unknown = sorted(set(data) - set(BY_KEY))
    if unknown:
        raise ValidationError({"message": f"Configuration option(s) '{' '.join(unknown)}' can not be updated"})
    values = {key: value.strip() for key, value in data.items() if value is not None}
    licence = values.get("ckan.default_license_id")
    if licence and license_for(licence) is None:
        raise ValidationError({"ckan.default_license_id": [f"License '{licence}' not found"]})
    for key, value in values.items():
        ctx.session.execute(delete(SiteOption).where(SiteOption.key == key))
        if value:
            ctx.session.add(SiteOption(key=key, value=value, modified=ctx.now, modified_by=ctx.actor.user_id))
    ctx.session.flush()
    current = option_values(ctx.session, ctx.settings)
    return {key: current[key] for key in values}

"""Site reads are open to everyone; the runtime settings (config_option_*) are for sysadmins only, who skip
these functions."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.errors import NotAuthorized
from catalog.user.auth import require_user


def site_read(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def status_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def help_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def _sysadmins_only(ctx: ActionContext, action_name: str) -> None:
    # CKAN: anonymous callers are told to log in; other users get a bare "Access denied".
    require_user(ctx, action_name)
    raise NotAuthorized("")


def config_option_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    _sysadmins_only(ctx, "config_option_show")


def config_option_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    _sysadmins_only(ctx, "config_option_list")


def config_option_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    _sysadmins_only(ctx, "config_option_update")

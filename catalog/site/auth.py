"""Site reads are open to everyone; the runtime settings (config_option_*) are for sysadmins only, who skip
these functions."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.user.auth import sysadmins_only


def site_read(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def status_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def help_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def config_option_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    sysadmins_only(ctx, "config_option_show")


def config_option_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    sysadmins_only(ctx, "config_option_list")


def config_option_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    sysadmins_only(ctx, "config_option_update")

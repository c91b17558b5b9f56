"""Site actions are open to everyone."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext


def site_read(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def status_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def help_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""

"""Licences and tags are public; tag results are narrowed to datasets the caller may see."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext


def license_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""

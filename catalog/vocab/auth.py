"""Licences, tags and vocabularies are public; tag results are narrowed to datasets the caller may see.
Vocabulary writes are for sysadmins only (who skip auth functions), as in CKAN."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.user.auth import sysadmins_only
from catalog.vocab.queries import existing_vocabulary


def license_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def tag_search(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def vocabulary_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def vocabulary_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone."""


def vocabulary_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    sysadmins_only(ctx, "vocabulary_create")


def _vocabulary_first(ctx: ActionContext, data: dict[str, Any]) -> None:
    # CKAN's update and delete look the vocabulary up before checking access: a missing or unknown id
    # is a 409 or a 404 for everyone.
    existing_vocabulary(ctx, data)


def vocabulary_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    _vocabulary_first(ctx, data)
    sysadmins_only(ctx, "vocabulary_update")


def vocabulary_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Sysadmins only."""
    _vocabulary_first(ctx, data)
    sysadmins_only(ctx, "vocabulary_delete")

"""Vocabulary look-ups shared by the actions, the dataset rules and the search index."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.context import ActionContext
from catalog.errors import NotFound, ValidationError
from catalog.vocab.models import Vocabulary


def get_vocabulary(session: Session, id_or_name: str) -> Vocabulary | None:
    """By id first, then by name (CKAN's Vocabulary.get)."""
    found = session.get(Vocabulary, id_or_name)
    if found is None:
        found = session.scalar(select(Vocabulary).where(Vocabulary.name == id_or_name))
    return found


def existing_vocabulary(ctx: ActionContext, data: dict[str, Any]) -> Vocabulary:
    """The vocabulary named by `id` (id or name), with CKAN's errors when it is missing or unknown."""
    if not data.get("id"):
        raise ValidationError({"id": "id not in data"})  # a bare string, as CKAN sends it
    vocabulary = get_vocabulary(ctx.session, data["id"])
    if vocabulary is None:
        raise NotFound(f'Could not find vocabulary "{data["id"]}"')
    return vocabulary


def vocabulary_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """id -> name of the vocabularies among `ids` (one query, none when `ids` is empty)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Vocabulary.id, Vocabulary.name).where(Vocabulary.id.in_(wanted)))
    return {vocabulary_id: name for vocabulary_id, name in rows}


def escape_like(text: str) -> str:
    """A LIKE pattern matching `text` literally (escape character: backslash), as CKAN's tag search does."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

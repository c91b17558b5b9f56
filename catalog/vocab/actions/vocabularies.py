"""vocabulary_create, vocabulary_show, vocabulary_update, vocabulary_delete, vocabulary_list (CKAN 2.12).

A vocabulary is a name and its tags. Writes are for sysadmins. Removing a tag from a vocabulary (update
with a shorter `tags`, or delete) removes it from the datasets carrying it, as CKAN does; unlike CKAN,
those datasets are re-indexed at once, and deleting a vocabulary that still has tags works (CKAN's
foreign key refuses it with a server error).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from catalog.context import ActionContext
from catalog.dataset.models import PackageTag, Tag
from catalog.dataset.publish import refresh_packages
from catalog.errors import ValidationError
from catalog.registry import action
from catalog.vocab import auth
from catalog.vocab.actions.tags import tag_dictize
from catalog.vocab.models import Vocabulary
from catalog.vocab.queries import existing_vocabulary


def vocabulary_dictize(ctx: ActionContext, vocabulary: Vocabulary) -> dict[str, Any]:
    tags = ctx.session.scalars(select(Tag).where(Tag.vocabulary_id == vocabulary.id).order_by(Tag.name))
    return {"id": vocabulary.id, "name": vocabulary.name, "tags": [tag_dictize(tag) for tag in tags]}


def _check_name_free(ctx: ActionContext, name: str) -> None:
    # Lengths are in the JSON Schema; a race past this check is the unique index's 409.
    if ctx.session.scalar(select(Vocabulary.id).where(Vocabulary.name == name)) is not None:
        raise ValidationError({"name": ["That vocabulary name is already in use."]})


def _datasets_with(ctx: ActionContext, tag_ids: Any) -> list[str]:
    return list(ctx.session.scalars(select(PackageTag.package_id).where(PackageTag.tag_id.in_(tag_ids)).distinct()))


def _drop_tags(ctx: ActionContext, tag_ids: Any) -> list[str]:
    """Delete tags and their dataset links; returns the datasets that carried them."""
    carried = _datasets_with(ctx, tag_ids)
    quick = {"synchronize_session": False}  # _reindex expires the session afterwards
    ctx.session.execute(delete(PackageTag).where(PackageTag.tag_id.in_(tag_ids)), execution_options=quick)
    ctx.session.execute(delete(Tag).where(Tag.id.in_(tag_ids)), execution_options=quick)
    return carried


def _save_tags(ctx: ActionContext, vocabulary: Vocabulary, tags: list[dict[str, Any]]) -> list[str]:
    """Make the vocabulary's tags exactly `tags` (by name; CKAN's vocabulary_tag_list_save).
    Returns the datasets that lost a tag."""
    wanted = list(dict.fromkeys(tag["name"] for tag in tags))
    current = {tag.name: tag for tag in ctx.session.scalars(select(Tag).where(Tag.vocabulary_id == vocabulary.id))}
    gone = [tag.id for name, tag in current.items() if name not in wanted]
    carried = _drop_tags(ctx, gone) if gone else []
    ctx.session.add_all(Tag(name=name, vocabulary_id=vocabulary.id) for name in wanted if name not in current)
    ctx.session.flush()
    return carried


def _reindex(ctx: ActionContext, package_ids: list[str]) -> None:
    if package_ids:
        ctx.session.expire_all()  # tag links were deleted in bulk: reload what the datasets carry
        refresh_packages(ctx, package_ids)


@action(auth=auth.vocabulary_list, read_only=True)
def vocabulary_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return all the site's tag vocabularies, each with its tags, by name."""
    vocabularies = ctx.session.scalars(select(Vocabulary).order_by(Vocabulary.name))
    return [vocabulary_dictize(ctx, vocabulary) for vocabulary in vocabularies]


@action(auth=auth.vocabulary_show, read_only=True)
def vocabulary_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return one tag vocabulary: {id, name, tags}.

    :param id: the id or name of the vocabulary
    """
    return vocabulary_dictize(ctx, existing_vocabulary(ctx, data))


@action(auth=auth.vocabulary_create)
def vocabulary_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a tag vocabulary (sysadmins only).

    :param name: the vocabulary's name, 2 to 100 characters, unique (e.g. ``Genre``)
    :param tags: its tags, as tag dicts ``[{"name": ...}]`` (optional)
    """
    if data.get("id"):
        raise ValidationError({"id": ["The input field id was not expected."]})
    _check_name_free(ctx, data["name"])
    vocabulary = Vocabulary(name=data["name"])
    ctx.session.add(vocabulary)
    ctx.session.flush()
    _save_tags(ctx, vocabulary, data.get("tags") or [])
    return vocabulary_dictize(ctx, vocabulary)


@action(auth=auth.vocabulary_update)
def vocabulary_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Rename a tag vocabulary and/or replace its tags (sysadmins only).

    :param id: the id or name of the vocabulary
    :param name: its new name (optional)
    :param tags: its tags from now on, as tag dicts (optional; tags left out are deleted, also from datasets)
    """
    vocabulary = existing_vocabulary(ctx, data)
    touched: list[str] = []
    if data.get("name") is not None and data["name"] != vocabulary.name:
        _check_name_free(ctx, data["name"])
        vocabulary.name = data["name"]
        # Their search field is vocab_<name>: the datasets carrying its tags must be found under the new one.
        touched += _datasets_with(ctx, select(Tag.id).where(Tag.vocabulary_id == vocabulary.id))
    if "tags" in data:
        touched += _save_tags(ctx, vocabulary, data["tags"])
    ctx.session.flush()
    _reindex(ctx, touched)
    return vocabulary_dictize(ctx, vocabulary)


@action(auth=auth.vocabulary_delete)
def vocabulary_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete a tag vocabulary and its tags, which leave the datasets carrying them (sysadmins only).

    :param id: the id or name of the vocabulary
    """
    vocabulary = existing_vocabulary(ctx, data)
    carried = _drop_tags(ctx, select(Tag.id).where(Tag.vocabulary_id == vocabulary.id))
    ctx.session.delete(vocabulary)
    ctx.session.flush()
    _reindex(ctx, carried)

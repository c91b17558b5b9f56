"""license_list, tag_list, tag_show, tag_autocomplete.

Tags are those of datasets the caller may see: unlike CKAN, whose tag_list also shows the tags of
private datasets, a tag used only by private datasets is not revealed to outsiders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package, PackageTag, Tag
from catalog.errors import NotFound
from catalog.registry import action
from catalog.vocab import auth
from catalog.vocab.licenses import license_list as licence_register


def tag_dictize(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "vocabulary_id": tag.vocabulary_id, "display_name": tag.name}


def _visible_tags(ctx: ActionContext, *, include_private: bool = True) -> Select[tuple[Tag]]:
    packages = visible_packages(ctx, include_private=include_private).with_only_columns(Package.id)
    used = select(PackageTag.tag_id).where(PackageTag.state == "active", PackageTag.package_id.in_(packages))
    return select(Tag).where(Tag.id.in_(used))


def _narrow(ctx: ActionContext, query: Select[tuple[Tag]], data: dict[str, Any]) -> Select[tuple[Tag]]:
    vocabulary = data.get("vocabulary_id")
    if vocabulary:
        if ctx.session.scalar(select(Tag.id).where(Tag.vocabulary_id == vocabulary).limit(1)) is None:
            raise NotFound(f'Could not find vocabulary "{vocabulary}"')
        query = query.where(Tag.vocabulary_id == vocabulary)
    else:
        query = query.where(Tag.vocabulary_id.is_(None))
    text = data.get("query") or data.get("q")
    if text:
        query = query.where(func.lower(Tag.name).like(f"%{text.lower()}%"))
    return query.order_by(Tag.name, Tag.id)


@action(auth=auth.license_list, read_only=True)
def license_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the licences datasets may use (CKAN's defaults, then Etalab's Licence Ouverte 1.0 and 2.0,
    Creative Commons 4.0 BY and BY-SA, and Germany's Datenlizenz BY and Zero 2.0)."""
    return licence_register()


@action(auth=auth.tag_list, read_only=True)
def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the tags of the datasets the caller may see: names, or dicts with all_fields.

    :param query: restrict to tags containing this (`q` works too), case-insensitive
    :param vocabulary_id: tags of this vocabulary instead of free tags
    :param all_fields: return {id, name, vocabulary_id, display_name} dicts (default false)
    """
    tags = ctx.session.scalars(_narrow(ctx, _visible_tags(ctx), data))
    if data.get("all_fields"):
        return [tag_dictize(tag) for tag in tags]
    return [tag.name for tag in tags]


@action(auth=auth.tag_show, read_only=True)
def tag_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a tag, optionally with up to 1000 public datasets carrying it.

    :param id: the id or name of the tag
    :param vocabulary_id: the vocabulary of the tag (free tags when omitted)
    :param include_datasets: include the datasets under `packages` (default false)
    """
    query = _visible_tags(ctx).where(or_(Tag.id == data["id"], Tag.name == data["id"]))
    vocabulary = data.get("vocabulary_id")
    query = query.where(Tag.vocabulary_id == vocabulary if vocabulary else Tag.vocabulary_id.is_(None))
    tag = ctx.session.scalars(query.limit(1)).first()
    if tag is None:
        raise NotFound("")
    result = tag_dictize(tag)
    if data.get("include_datasets"):
        from catalog.dataset.dictize import package_dictize

        tagged = select(PackageTag.package_id).where(PackageTag.tag_id == tag.id, PackageTag.state == "active")
        query = visible_packages(ctx, include_private=False).where(Package.id.in_(tagged))
        packages = ctx.session.scalars(query.order_by(Package.name).limit(1000))
        result["packages"] = [package_dictize(ctx.session, package, ctx.settings) for package in packages]
    return result


@action(auth=auth.tag_autocomplete, read_only=True)
def tag_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of tags containing `query` (or `q`), from datasets the caller may see.

    :param query: the text to look for
    :param vocabulary_id: search this vocabulary's tags
    :param limit: at most this many (default 10)
    :param offset: skip this many
    """
    query = _narrow(ctx, _visible_tags(ctx), data).offset(int(data.get("offset") or 0)).limit(int(data.get("limit", 10)))
    return [tag.name for tag in ctx.session.scalars(query)]

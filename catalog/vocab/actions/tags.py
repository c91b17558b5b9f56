"""license_list, tag_list, tag_show, tag_autocomplete, tag_search.

Free tags are those of datasets the caller may see: unlike CKAN, whose tag_list also shows the tags of
private datasets, a tag used only by private datasets is not revealed to outsiders. A vocabulary's tags
are all listed, used or not, as CKAN does: vocabulary_show publishes them anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, or_, select

from catalog.authz import visible_packages
from catalog.context import ActionContext
from catalog.dataset.models import Package, PackageTag, Tag
from catalog.db import count_rows
from catalog.errors import NotFound
from catalog.registry import action
from catalog.vocab import auth
from catalog.vocab.licenses import license_list as licence_register
from catalog.vocab.queries import escape_like, get_vocabulary


def tag_dictize(tag: Tag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "vocabulary_id": tag.vocabulary_id, "display_name": tag.name}


def _visible_tags(ctx: ActionContext, *, include_private: bool = True) -> Select[tuple[Tag]]:
    packages = visible_packages(ctx, include_private=include_private).with_only_columns(Package.id)
    used = select(PackageTag.tag_id).where(PackageTag.state == "active", PackageTag.package_id.in_(packages))
    return select(Tag).where(Tag.vocabulary_id.is_(None), Tag.id.in_(used))


def _tags_in(vocabulary_id: str) -> Select[tuple[Tag]]:
    return select(Tag).where(Tag.vocabulary_id == vocabulary_id)


def _containing(query: Select[tuple[Tag]], terms: list[str]) -> Select[tuple[Tag]]:
    """Tags whose name contains every term, case-insensitive (CKAN: one ILIKE per term)."""
    for term in terms:
        query = query.where(Tag.name.ilike(f"%{escape_like(term)}%", escape="\\"))
    return query.order_by(Tag.name, Tag.id)


def _narrow(ctx: ActionContext, vocabulary_id: str | None, terms: list[str], *,
            search: bool = False) -> Select[tuple[Tag]]:
    """The tags of a vocabulary (id or name), else the visible free tags, whose names contain every term.
    `search`: CKAN's _tag_search answers (tag_autocomplete, tag_search, tag_list with a query), where an unknown
    vocabulary finds nothing; tag_list without a query (Tag.all) answers 404."""
    if vocabulary_id is not None:
        vocabulary = get_vocabulary(ctx.session, vocabulary_id)
        if vocabulary is None and not (terms or search):
            raise NotFound(f"could not find vocabulary '{vocabulary_id}'")  # CKAN's Tag.all
        query = _tags_in(vocabulary.id) if vocabulary is not None else select(Tag).where(false())
    else:
        query = _visible_tags(ctx)
    return _containing(query, terms)


def _query_text(data: dict[str, Any]) -> list[str]:
    """tag_list's and tag_autocomplete's one string to look for (`query`, else `q`), as a list of terms."""
    text = (data.get("query") or data.get("q") or "").strip()
    return [text] if text else []


@action(auth=auth.license_list, read_only=True)
def license_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, str]]:
    """Return the licences datasets may use (CKAN's defaults, then Etalab's Licence Ouverte 1.0 and 2.0,
    Creative Commons 4.0 BY and BY-SA, and Germany's Datenlizenz BY and Zero 2.0)."""
    return licence_register()


@action(auth=auth.tag_list, read_only=True)
def tag_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the free tags of the datasets the caller may see, or a vocabulary's tags: names, or dicts.

    :param query: restrict to tags containing this (`q` works too), case-insensitive
    :param vocabulary_id: the id or name of a vocabulary: its tags instead of free tags
    :param all_fields: return {id, name, vocabulary_id, display_name} dicts (default false)
    """
    tags = ctx.session.scalars(_narrow(ctx, data.get("vocabulary_id") or None, _query_text(data)))
    if data.get("all_fields"):
        return [tag_dictize(tag) for tag in tags]
    return [tag.name for tag in tags]


@action(auth=auth.tag_show, read_only=True)
def tag_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a tag, optionally with up to 1000 public datasets carrying it.

    :param id: the id or name of the tag
    :param vocabulary_id: the id or name of the tag's vocabulary (free tags when omitted)
    :param include_datasets: include the datasets under `packages` (default false)
    """
    tag = None
    if data.get("vocabulary_id"):
        vocabulary = get_vocabulary(ctx.session, data["vocabulary_id"])
        if vocabulary is None:
            raise NotFound("")  # CKAN: Tag.get finds nothing in an unknown vocabulary
        query = _tags_in(vocabulary.id)
    else:
        # CKAN's Tag.get: an id finds a vocabulary's tag too (they are public); a name, only a free tag.
        tag = ctx.session.scalar(select(Tag).where(Tag.id == data["id"], Tag.vocabulary_id.is_not(None)))
        query = _visible_tags(ctx)
    if tag is None:
        tag = ctx.session.scalars(query.where(or_(Tag.id == data["id"], Tag.name == data["id"])).limit(1)).first()
    if tag is None:
        raise NotFound("")
    result = tag_dictize(tag)
    if data.get("include_datasets"):
        from catalog.dataset.dictize import package_dictize

        tagged = select(PackageTag.package_id).where(PackageTag.tag_id == tag.id, PackageTag.state == "active")
        packages = visible_packages(ctx, include_private=False).where(Package.id.in_(tagged))
        result["packages"] = [package_dictize(ctx.session, package, ctx.settings)
                              for package in ctx.session.scalars(packages.order_by(Package.name).limit(1000))]
    return result


@action(auth=auth.tag_autocomplete, read_only=True)
def tag_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[str]:
    """Return the names of tags containing `query` (or `q`), from datasets the caller may see.

    :param query: the text to look for
    :param vocabulary_id: search this vocabulary's tags (id or name)
    :param limit: at most this many (default 10)
    :param offset: skip this many
    """
    query = _narrow(ctx, data.get("vocabulary_id") or None, _query_text(data), search=True)
    query = query.offset(int(data.get("offset") or 0)).limit(int(data.get("limit", 10)))
    return [tag.name for tag in ctx.session.scalars(query)]


@action(auth=auth.tag_search, read_only=True)
def tag_search(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return the tags whose names contain every given string, case-insensitive: {count, results}.

    Free tags by default (those of datasets the caller may see); a vocabulary's tags with `vocabulary_id`.
    An unknown vocabulary, or no string at all, finds nothing (CKAN).

    :param query: the string, or list of strings, to look for (`q` works too)
    :param vocabulary_id: the id or name of the vocabulary to search in
    :param fields: deprecated: {"tags": string} adds a string to look for
    :param limit: at most this many results
    :param offset: skip this many
    :rtype: dictionary with `count` (all matches) and `results` ({id, name, vocabulary_id} dicts)
    """
    terms = data.get("query") or data.get("q") or []
    terms = [terms] if isinstance(terms, str) else list(terms)
    terms += [value for key, value in (data.get("fields") or {}).items() if key in ("tag", "tags")]
    terms = [term.strip() for term in terms if isinstance(term, str) and term.strip()]
    if not terms:
        return {"count": 0, "results": []}
    # An empty vocabulary_id is a vocabulary that does not exist here (nothing found), where tag_list and
    # tag_autocomplete read it as no vocabulary (free tags).
    query = _narrow(ctx, data.get("vocabulary_id"), terms, search=True)
    count = count_rows(ctx.session, query)
    if data.get("offset"):
        query = query.offset(data["offset"])
    if data.get("limit") is not None:
        query = query.limit(data["limit"])
    results = [{"id": tag.id, "name": tag.name, "vocabulary_id": tag.vocabulary_id}
               for tag in ctx.session.scalars(query)]
    return {"count": count, "results": results}

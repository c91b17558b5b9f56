"""Organization and group pages: lists with paging, and each one's datasets searched with facets."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from catalog.web.blueprint import web
from catalog.web.calls import act, can
from catalog.web.datasets import FACETS, quoted, search_datasets
from catalog.web.paging import Pager, int_arg, url_with

PER_PAGE = 24  # organization_list returns at most 25 dicts per call


def _listing(kind: str) -> str:
    names = act(f"{kind}_list")
    page = int_arg("page", 1)
    q = request.args.get("q", "").strip()
    data: dict[str, Any] = {"all_fields": True, "limit": PER_PAGE, "offset": (page - 1) * PER_PAGE,
                            "sort": "title asc"}
    if q:
        data["q"] = q
        total = len(act(f"{kind}_list", q=q))
    else:
        total = len(names)
    items = act(f"{kind}_list", **data)
    return render_template("group_list.html", kind=kind, items=items, q=q, pager=Pager(page, PER_PAGE, total),
                           url_with=url_with,
                           can_create=kind == "organization" and can("organization_create"))


def _read(kind: str, id: str) -> str:
    group = act(f"{kind}_show", id=id, include_datasets=False)
    if kind == "organization":
        facets = {k: v for k, v in FACETS.items() if k != "organization"}
        extra = [f"owner_org:{quoted(group['id'])}"]
    else:
        facets = {k: v for k, v in FACETS.items() if k != "groups"}
        extra = [f"groups:{quoted(group['name'])}"]
    return render_template("group_read.html", kind=kind, group=group,
                           can_edit=kind == "organization" and can("organization_update", id=group["id"]),
                           can_add=kind == "organization" and can("package_create", owner_org=group["id"]),
                           **search_datasets(extra_fq=extra, facets=facets))


@web.route("/organization/")
@web.route("/organization")
def organization_list() -> str:
    return _listing("organization")


@web.route("/organization/<id>")
def organization_read(id: str) -> str:
    return _read("organization", id)


@web.route("/group/")
@web.route("/group")
def group_list() -> str:
    return _listing("group")


@web.route("/group/<id>")
def group_read(id: str) -> str:
    return _read("group", id)

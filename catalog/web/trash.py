"""The sysadmins' trash (CKAN 2.9+'s /ckan-admin/trash): what is deleted but not purged — datasets, organizations,
groups — each with a link to its confirmation page (catalog/web/delete.py, where it can only be purged), and "purge
all" buttons per kind and for everything, which ask once more. Purging goes through dataset_purge,
organization_purge and group_purge (delete.PURGE_ACTIONS), whose auth (sysadmins only) also guards the page. CKAN
reads its trash from the model too: no action lists what is deleted."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from catalog.dataset.models import Package
from catalog.errors import ActionError
from catalog.organization.models import Group
from catalog.services import current_services
from catalog.web.admin import login_first, require
from catalog.web.blueprint import web
from catalog.web.calls import act
from catalog.web.delete import PURGE_ACTIONS

SHOWN = 100  # items listed per kind; "purge all" takes them all


def _deleted(kind: str, limit: int | None) -> tuple[list[dict[str, Any]], int]:
    """(items as {"id", "name", "title"}, how many are deleted), the last deleted first for datasets."""
    if kind == "dataset":
        model: Any = Package
        where = [Package.state == "deleted"]
        order = [Package.metadata_modified.desc(), Package.name]
    else:
        model = Group
        where = [Group.state == "deleted", Group.is_organization.is_(kind == "organization")]
        order = [Group.name]
    with current_services().db.unit_of_work(write=False) as session:
        total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        rows = session.execute(select(model.id, model.name, model.title).where(*where).order_by(*order).limit(limit))
        return [{"id": id, "name": name, "title": title or name} for id, name, title in rows], total


@web.route("/ckan-admin/trash", methods=["GET", "POST"])
def trash() -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    require("dataset_purge")
    if request.method == "POST":
        return _purge_all(request.form.get("action", ""))
    kinds = {kind: _deleted(kind, SHOWN) for kind in PURGE_ACTIONS}
    return render_template("trash.html", kinds=kinds, shown=SHOWN)


def _purge_all(what: str) -> Any:
    kinds = list(PURGE_ACTIONS) if what == "all" else [what] if what in PURGE_ACTIONS else []
    if not kinds:
        abort(400)
    if request.form.get("confirmed") != "yes":  # a second step: purging cannot be undone
        count = sum(_deleted(kind, 0)[1] for kind in kinds)
        return render_template("trash.html", confirming=what, count=count)
    purged, failed = 0, []
    for kind in kinds:
        for item in _deleted(kind, None)[0]:
            try:
                act(PURGE_ACTIONS[kind], id=item["id"])
            except ActionError:  # e.g. an organization that still has datasets: the others go on
                failed.append(item["title"])
            else:
                purged += 1
    flash(ngettext("%(num)d item purged.", "%(num)d items purged.", purged), "success")
    if failed:
        flash(_("Not purged (see its page for why): %(items)s.", items=", ".join(failed)), "error")
    return redirect(url_for("web.trash"))

"""The resource forms (new, edit, with upload): each posts to the action the API runs, with the logged-in Actor."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from catalog.errors import ValidationError
from catalog.web.admin import editable, form_values, login_first, require, saved, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act
from catalog.web.forms import ResourceForm


def _resource_data(form: ResourceForm, *, keep_empty: bool) -> dict[str, Any]:
    data = form_values(form, ("name", "description", "format", "url"), keep_empty=keep_empty)
    upload = form.upload.data
    if isinstance(upload, FileStorage) and upload.filename:
        data["upload"] = upload
        data.pop("url", None)
        if not data.get("name"):
            data["name"] = upload.filename
    return data


@web.route("/dataset/<id>/resource/new", methods=["GET", "POST"])
def resource_new(id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = act("package_show", id=id)
    require("resource_create", package_id=pkg["id"])
    form = ResourceForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = _resource_data(form, keep_empty=False)
        if "upload" not in data and not data.get("url"):
            form.upload.errors = [_("Upload a file or give a link to one.")]
        else:
            try:
                res = act("resource_create", package_id=pkg["id"], **data)
            except ValidationError as error:
                problems = show_errors(form, error)
            else:
                if saved(res, _("Resource added.")):
                    return redirect(url_for("web.review_read", id=pkg["id"]))
                return redirect(url_for("web.resource_read", id=pkg["name"], resource_id=res["id"]))
    return render_template("admin/resource_form.html", form=form, problems=problems, pkg=pkg, res=None)


@web.route("/dataset/<id>/resource/<resource_id>/edit", methods=["GET", "POST"])
def resource_edit(id: str, resource_id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = editable(id)
    require("package_update", id=pkg["id"])
    res = next((r for r in pkg["resources"] if r["id"] == resource_id), None)
    if res is None:
        abort(404)
    form = ResourceForm(data=None if request.method == "POST" else res)
    problems: list[str] = []
    if form.validate_on_submit():
        data = _resource_data(form, keep_empty=True)
        if res.get("url_type") == "upload" and "upload" not in data:
            data.pop("url", None)  # keep the stored file unless a new one is sent
        try:
            res = act("resource_patch", id=res["id"], **data)
        except ValidationError as error:
            problems = show_errors(form, error)
        else:
            if saved(res, _("Resource saved.")):
                return redirect(url_for("web.review_read", id=pkg["id"]))
            return redirect(url_for("web.resource_read", id=pkg["name"], resource_id=res["id"]))
    return render_template("admin/resource_form.html", form=form, problems=problems, pkg=pkg, res=res)

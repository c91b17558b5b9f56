"""The resource forms (new, edit, with upload): each posts to the action the API runs, with the logged-in Actor.

A file over settings.max_resource_bytes arrives counted but not kept (catalog.storage.limits): the form comes back,
as a 413, with the limit stated beside the file field and the other fields as sent. static/upload.js sends the form
with a progress bar and answers a too-large file before sending it; without script, the form posts as usual.
"""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from catalog.errors import ValidationError
from catalog.services import current_services
from catalog.storage.limits import FormTooLarge, UploadRequest
from catalog.web.admin import editable, form_values, login_first, require, saved, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act
from catalog.web.error_page import error_page
from catalog.web.forms import ResourceForm
from catalog.web.labels import filesize

# Sent by static/upload.js: the answer to a saved form is then {"location": ...} rather than a redirect, which
# XMLHttpRequest would follow (and the next page's flash message would be spent on that hidden request).
SCRIPT_HEADER = "X-Moisson-Upload"


def _resource_data(form: ResourceForm, *, keep_empty: bool) -> dict[str, Any]:
    data = form_values(form, ("name", "description", "format", "url"), keep_empty=keep_empty)
    upload = form.upload.data
    if isinstance(upload, FileStorage) and upload.filename:
        data["upload"] = upload
        data.pop("url", None)
        if not data.get("name"):
            data["name"] = upload.filename
    return data


def too_large_message() -> str:
    return _("The file is larger than the maximum size of %(limit)s.",
             limit=filesize(current_services().settings.max_resource_bytes))


def form_too_large_message(error: FormTooLarge) -> str:
    if error.limit == "parts":
        return _("The form has too many fields (more than %(count)s).", count=error.size)
    if error.limit == "field":
        return _("A form field is larger than the maximum size of %(limit)s.", limit=filesize(error.size))
    return _("The form's fields are larger than %(limit)s in all.", limit=filesize(error.size))


@web.errorhandler(RequestEntityTooLarge)
def body_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A body over one of its request's limits on any page, answered before the form is read: the limit that
    tripped, in the visitor's language (Werkzeug's own description is English); the file limit for a resource
    form's upload (storage.limits)."""
    if isinstance(error, FormTooLarge):
        return error_page(413, form_too_large_message(error))
    if isinstance(request, UploadRequest) and request.file_cap is not None:
        return error_page(413, too_large_message())
    return error_page(413, _("The request is larger than the maximum size of %(limit)s.",
                             limit=filesize(request.max_content_length
                                            or current_services().settings.max_body_bytes)))


def _too_large(form: ResourceForm) -> bool:
    """Whether the file sent was over the limit (then the message is on the file field)."""
    upload = form.upload.data
    if isinstance(upload, FileStorage) and getattr(upload.stream, "too_large", False):
        form.upload.errors = [too_large_message()]
        return True
    return False


def _done(url: str) -> Response:
    return jsonify(location=url) if request.headers.get(SCRIPT_HEADER) else redirect(url)


def _save(form: ResourceForm, pkg: dict[str, Any], done: str, action: str, **data: Any) -> Response | list[str]:
    """The action's write: the next page (the review page when it was held), or its problems, those of the form's
    fields beside them and the others returned."""
    try:
        res = act(action, **data)
    except ValidationError as error:
        return show_errors(form, error)
    if saved(res, done):
        return _done(url_for("web.review_read", id=pkg["id"]))
    return _done(url_for("web.resource_read", id=pkg["name"], resource_id=res["id"]))


def _form_page(form: ResourceForm, problems: list[str], pkg: dict[str, Any], res: dict[str, Any] | None,
               status: int) -> tuple[str, int]:
    return render_template("admin/resource_form.html", form=form, problems=problems, pkg=pkg, res=res,
                           max_bytes=current_services().settings.max_resource_bytes,
                           too_large=too_large_message()), status


@web.route("/dataset/<id>/resource/new", methods=["GET", "POST"])
def resource_new(id: str) -> tuple[str, int] | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = act("package_show", id=id)
    require("resource_create", package_id=pkg["id"])
    form = ResourceForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = _resource_data(form, keep_empty=False)
        if _too_large(form):
            status = 413
        elif "upload" not in data and not data.get("url"):
            form.upload.errors = [_("Upload a file or give a link to one.")]
        else:
            answer = _save(form, pkg, _("Resource added."), "resource_create", package_id=pkg["id"], **data)
            if not isinstance(answer, list):
                return answer
            problems = answer
    return _form_page(form, problems, pkg, None, status)


@web.route("/dataset/<id>/resource/<resource_id>/edit", methods=["GET", "POST"])
def resource_edit(id: str, resource_id: str) -> tuple[str, int] | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = editable(id)
    require("package_update", id=pkg["id"])
    res = next((r for r in pkg["resources"] if r["id"] == resource_id), None)
    if res is None:
        abort(404)
    form = ResourceForm(data=None if request.method == "POST" else res)
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        data = _resource_data(form, keep_empty=True)
        if res.get("url_type") == "upload" and "upload" not in data:
            data.pop("url", None)  # keep the stored file unless a new one is sent
        if _too_large(form):
            status = 413
        else:
            answer = _save(form, pkg, _("Resource saved."), "resource_patch", id=res["id"], **data)
            if not isinstance(answer, list):
                return answer
            problems = answer
    return _form_page(form, problems, pkg, res, status)

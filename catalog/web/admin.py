"""Forms for administrators: organizations and datasets (resources: resource_admin.py).

Each form posts to the same action the API runs, with the logged-in Actor; the action's ValidationError is
mapped back onto the form's fields so messages appear beside them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from catalog.dcat import geometry
from catalog.dcat.places import PLACES
from catalog.errors import ValidationError
from catalog.review.models import OPEN_STATUSES
from catalog.services import current_services
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_user
from catalog.web.forms import DatasetForm, OrganizationForm
from catalog.web.messages import translate_error

DATASET_FIELDS = ("title", "name", "notes", "owner_org", "license_id", "url", "version", "author", "maintainer",
                  "maintainer_email")
EXTRA_FIELDS = ("temporal_start", "temporal_end", "spatial_text", "spatial")
ORGANIZATION_FIELDS = ("title", "name", "description", "image_url", "review_required")


def login_first() -> Response | None:
    if current_user() is None:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return None


def require(auth_action: str, **data: Any) -> None:
    """Refuse the form itself (not just its submission) to visitors the action would refuse."""
    if not can(auth_action, **data):
        abort(403)


def error_messages(value: Any) -> list[str]:
    """CKAN's error values: a list of strings, or nested dicts/lists for tags, extras and resources."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for key, inner in value.items() for m in error_messages(inner) if key != "__type"]
    if isinstance(value, list):
        return [m for inner in value for m in error_messages(inner)]
    return [str(value)]


def show_errors(form: FlaskForm, error: ValidationError, aliases: dict[str, str] | None = None) -> list[str]:
    """Put each field's messages beside it; return the rest (fields the form does not have) for the top."""
    leftover = []
    for key, value in error.errors.items():
        if key == "__type":
            continue
        target = (aliases or {}).get(key, key)
        field = getattr(form, target, None) if target in form._fields else None
        messages = [translate_error(message) for message in error_messages(value)]
        if field is not None:
            field.errors = list(field.errors or []) + messages
        else:
            leftover += [f"{key}: {message}" for message in messages]
    return leftover


# Organizations -------------------------------------------------------------------------------------------


@web.route("/organization/new", methods=["GET", "POST"])
def organization_new() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    form = OrganizationForm()
    if request.method == "GET":
        form.review_required.data = current_services().settings.review_required_default
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            org = act("organization_create", **form_values(form, ORGANIZATION_FIELDS))
        except ValidationError as error:
            problems = show_errors(form, error)
        else:
            flash(_("Organization created."), "success")
            return redirect(url_for("web.organization_read", id=org["name"]))
    return render_template("admin/organization_form.html", form=form, problems=problems, org=None)


@web.route("/organization/edit/<id>", methods=["GET", "POST"])
def organization_edit(id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    org = act("organization_show", id=id, include_datasets=False)
    require("organization_update", id=org["id"])
    form = OrganizationForm(data=None if request.method == "POST" else org)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            org = act("organization_patch", id=org["id"], **form_values(form, ORGANIZATION_FIELDS, keep_empty=True))
        except ValidationError as error:
            problems = show_errors(form, error)
        else:
            flash(_("Organization saved."), "success")
            return redirect(url_for("web.organization_read", id=org["name"]))
    return render_template("admin/organization_form.html", form=form, problems=problems, org=org)


# Datasets ------------------------------------------------------------------------------------------------


def form_values(form: FlaskForm, names: tuple[str, ...], *, keep_empty: bool = False) -> dict[str, Any]:
    out = {}
    for name in names:
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "") or keep_empty:
            out[name] = value if value is not None else ""
    return out


def _dataset_choices(form: DatasetForm, current_org: str | None = None) -> None:
    orgs = act("organization_list_for_user", permission="create_dataset")
    choices = [(o["id"], o.get("title") or o["name"]) for o in orgs]
    if current_org and current_org not in {c[0] for c in choices}:
        choices.append((current_org, current_org))
    form.owner_org.choices = choices
    licences = act("license_list")
    form.license_id.choices = [("", _("No licence"))] + [(lic["id"], lic["title"]) for lic in licences]
    form.spatial_place.choices = [("", _("None (or the geometry below)"))] + [
        (place.key, place.label) for place in PLACES.values()]


def _dataset_data(form: DatasetForm, existing_extras: list[dict[str, str]], *, keep_empty: bool) -> dict[str, Any]:
    data = form_values(form, DATASET_FIELDS, keep_empty=keep_empty)
    data["private"] = bool(form.private.data)
    data["tags"] = [{"name": t.strip()} for t in (form.tags.data or "").split(",") if t.strip()]
    extras = {e["key"]: e["value"] for e in existing_extras if e["key"] not in EXTRA_FIELDS}
    for key in EXTRA_FIELDS:
        value = form[key].data
        if isinstance(value, date):
            value = value.isoformat()
        if value:
            extras[key] = str(value).strip()
    place = PLACES.get(form.spatial_place.data or "")
    if place is not None:
        extras["spatial"] = geometry.compact(place.geometry)
        extras.setdefault("spatial_text", place.label)
    data["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
    return data


@web.route("/dataset/new", methods=["GET", "POST"])
def dataset_new() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    form = DatasetForm()
    if request.method == "GET" and request.args.get("owner_org"):
        form.owner_org.data = request.args["owner_org"]
    _dataset_choices(form)
    if not form.owner_org.choices:
        abort(403, _("You are not a member of an organization that can publish datasets."))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            pkg = act("package_create", **_dataset_data(form, [], keep_empty=False))
        except ValidationError as error:
            problems = show_errors(form, error)
        else:
            flash(_("Dataset created. Now add its data: upload a file or give a link."), "success")
            return redirect(url_for("web.resource_new", id=pkg["name"]))
    return render_template("admin/dataset_form.html", form=form, problems=problems, pkg=None)


def editable(id: str) -> dict[str, Any]:
    """The version an edit starts from: for the author of changes held for review, the pending one (their edit
    extends it; the published one would send its old values back), else the published one."""
    pkg = act("package_show", id=id)
    review = pkg.get("review") or {}
    if review.get("kind") == "edit" and review.get("status") in OPEN_STATUSES \
            and review.get("author") == (current_user() or {}).get("name"):
        return {**act("review_show", id=pkg["id"])["pending"], "review": review}
    return pkg


def saved(answer: dict[str, Any], done: str) -> bool:
    """Flash what happened; True when the write was held for review (its page is the review page then)."""
    held = bool((answer.get("review") or {}).get("held")) and answer["review"].get("kind") == "edit"
    flash(_("Saved for review: the published version stays online until a reviewer approves the changes.")
          if held else done, "success")
    return held


@web.route("/dataset/edit/<id>", methods=["GET", "POST"])
def dataset_edit(id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    pkg = editable(id)
    require("package_update", id=pkg["id"])
    extras = {e["key"]: e["value"] for e in pkg.get("extras") or []}
    initial = None
    if request.method == "GET":
        initial = {**pkg, "tags": ", ".join(t["name"] for t in pkg.get("tags") or []),
                   **{k: _as_date(extras.get(k)) for k in ("temporal_start", "temporal_end")},
                   "spatial_text": extras.get("spatial_text", ""), "spatial": extras.get("spatial", "")}
    form = DatasetForm(data=initial)
    _dataset_choices(form, pkg.get("owner_org"))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            pkg = act("package_patch", id=pkg["id"], **_dataset_data(form, pkg.get("extras") or [], keep_empty=True))
        except ValidationError as error:
            problems = show_errors(form, error)
        else:
            if saved(pkg, _("Dataset saved.")):
                return redirect(url_for("web.review_read", id=pkg["id"]))
            return redirect(url_for("web.dataset_read", id=pkg["name"]))
    return render_template("admin/dataset_form.html", form=form, problems=problems, pkg=pkg)


def _as_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None

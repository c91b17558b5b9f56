"""Forms for administrators: organizations and datasets (resources: resource_admin.py).

Each form posts to the same action the API runs, with the logged-in Actor; the action's ValidationError is
mapped back onto the form's fields so messages appear beside them.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from catalog.dataset.rules import CORE_FIELDS
from catalog.dcat import geometry, terms
from catalog.dcat.places import PLACES
from catalog.errors import ValidationError
from catalog.review.models import OPEN_STATUSES
from catalog.services import current_services
from catalog.web import labels
from catalog.web.blueprint import web
from catalog.web.calls import act, can, current_user
from catalog.web.forms import EMPTY_EXTRA_ROWS, DatasetForm, OrganizationForm
from catalog.web.messages import translate_error
from catalog.web.site import current_site_options

DATASET_FIELDS = ("title", "name", "notes", "owner_org", "license_id", "url", "version", "author", "maintainer",
                  "maintainer_email")
# Extras with a field of their own, written as the field gives them (language and the free rows apart).
EXTRA_FIELDS = ("temporal_start", "temporal_end", "spatial_text", "spatial", "frequency", "contact_name",
                "contact_email")
# Action error keys that are not one field of the form: shown in the summary at the top.
NOT_FIELDS = {"extras": ""}
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
    return render_template("admin/organization_form.html", form=form, problems=problems, org=None,
                           summary=error_summary(form))


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
    return render_template("admin/organization_form.html", form=form, problems=problems, org=org,
                           summary=error_summary(form))


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


def stored_extras(pkg: dict[str, Any] | None) -> dict[str, str]:
    return {e["key"]: e["value"] for e in (pkg or {}).get("extras") or []}


def _dataset_choices(form: DatasetForm, pkg: dict[str, Any] | None = None) -> list[str]:
    """Fill the form's lists; return the dataset's groups the visitor may not manage (kept as they are)."""
    orgs = act("organization_list_for_user", permission="create_dataset")
    choices = [(o["id"], o.get("title") or o["name"]) for o in orgs]
    current_org = (pkg or {}).get("owner_org")
    if current_org and current_org not in {c[0] for c in choices}:
        choices.append((current_org, (pkg.get("organization") or {}).get("title") or current_org))
    form.owner_org.choices = choices
    form.license_id.choices = licence_choices()
    form.spatial_place.choices = [("", _("None (or the geometry below)"))] + [
        (place.key, place.label) for place in PLACES.values()]
    # The lists, plus the dataset's own value when it is not in them (never what was posted: that is checked).
    stored = stored_extras(pkg)
    form.frequency.choices = [("", _("Not given"))] + labels.frequency_choices(stored.get("frequency"))
    languages = labels.language_choices()
    known = {code for code, _name in languages}
    form.language.choices = languages + [(c, labels.language_name(c))
                                         for c in labels.language_codes(stored.get("language")) if c not in known]
    groups = act("group_list_authz")
    form.groups.choices = [(g["name"], g.get("title") or g["name"]) for g in groups]
    manageable = {g["name"] for g in groups}
    return [g["name"] for g in (pkg or {}).get("groups") or [] if g["name"] not in manageable]


def default_license_id() -> str:
    """The licence a new dataset starts with: the site's (/ckan-admin/config), Licence Ouverte 2.0 by default."""
    return current_site_options().get("default_license_id") or labels.LICENCE_OUVERTE


def licence_choices() -> list[tuple[str, str]]:
    """license_list in the page's language, the default licence first, "no licence" last."""
    default = default_license_id()
    entries = [(lic["id"], labels.licence_title(lic["id"], lic["title"])) for lic in act("license_list")]
    entries.sort(key=lambda entry: entry[0] != default)  # stable: the register's order otherwise
    return entries + [("", _("No licence"))]


def custom_extras(form: DatasetForm) -> dict[str, str] | None:
    """The free key/value rows as extras; None after putting a message beside each row that is wrong."""
    extras: dict[str, str] = {}
    ok = True
    for row in form.extras:
        key, value = (row.form.key.data or "").strip(), (row.form.value.data or "").strip()
        problem = None
        if not key and value:
            problem = _("Give a name to this value.")
        elif key in CORE_FIELDS:  # package_create would refuse it ("There is a schema field with the same name")
            problem = _("“%(key)s” is a field of every dataset and cannot name additional information: choose "
                        "another name.", key=key)
        elif key and not labels.is_custom_extra(key):
            problem = _("“%(key)s” has a field of its own in this form or is kept by the catalog: choose another "
                        "name.", key=key)
        elif key in extras:
            problem = _("This name is given twice.")
        if problem:
            row.form.key.errors = [*row.form.key.errors, problem]
            ok = False
        elif key:
            extras[key] = value
    return extras if ok else None


def submitted_extras(form: DatasetForm, pkg: dict[str, Any] | None = None) -> dict[str, str] | None:
    """On a valid submission, the free rows' extras; None otherwise (each field and row has its messages).
    A field of an extra sent back as the form showed it is not checked: its stored value is kept as it is
    (_dataset_data), and a harvested value the form would refuse ("June 2019") must not block every edit."""
    if not form.is_submitted():
        return None
    valid = form.validate()
    if not valid and pkg is not None:
        shown = _initial(pkg)
        for key in (*EXTRA_FIELDS, "language"):
            if form[key].errors and key in stored_extras(pkg) and _same(form[key].data, shown.get(key)):
                form[key].errors = []
        valid = not form.errors
    custom = custom_extras(form)
    return custom if valid else None


def _dataset_data(form: DatasetForm, pkg: dict[str, Any] | None, kept_groups: list[str],
                  custom: dict[str, str], *, keep_empty: bool) -> dict[str, Any]:
    data = form_values(form, DATASET_FIELDS, keep_empty=keep_empty)
    data["private"] = bool(form.private.data)
    data["tags"] = [{"name": t.strip()} for t in (form.tags.data or "").split(",") if t.strip()]
    # Extras the form does not edit (publisher, themes, a harvest's bookkeeping...) stay as they are.
    extras = {e["key"]: e["value"] for e in (pkg or {}).get("extras") or []
              if e["key"] not in labels.FORM_EXTRAS and not labels.is_custom_extra(e["key"])}
    for key in EXTRA_FIELDS:
        value = (form[key].data or "").strip()
        if value:
            extras[key] = value
    if form.language.data:
        extras["language"] = terms.multi_value(sorted(form.language.data))
    # A field left as the form showed it keeps the stored value exactly: the form shows some spellings its own
    # way (a udata frequency as the EU term, language URIs as codes) and must not rewrite them on every save.
    stored = stored_extras(pkg)
    if pkg is not None:
        shown = _initial(pkg)
        for key in (*EXTRA_FIELDS, "language"):
            if key in stored and _same(form[key].data, shown.get(key)):
                extras[key] = stored[key]
    place = PLACES.get(form.spatial_place.data or "")
    if place is not None:
        extras["spatial"] = geometry.compact(place.geometry)
        extras.setdefault("spatial_text", place.label)
    # A free row sent back as shown keeps its stored value too (a one-line input loses line breaks and we trim).
    for key, value in custom.items():
        extras[key] = stored[key] if key in stored and _as_sent(stored[key]) == value else value
    data["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
    data["groups"] = [{"name": name} for name in [*kept_groups, *(form.groups.data or [])]]
    return data


def _as_sent(value: str | None) -> str:
    """A stored value as a browser sends back the one-line text input showing it, trimmed as the form trims it."""
    return (value or "").replace("\r", "").replace("\n", "").strip()


def _same(posted: Any, shown: Any) -> bool:
    """Whether a field was sent back as the form showed it (text as a one-line input sends it back)."""
    if isinstance(shown, list) or isinstance(posted, list):
        return sorted(posted or []) == sorted(shown or [])
    return _as_sent(posted) == _as_sent(shown)


def error_summary(form: FlaskForm) -> list[dict[str, str]]:
    """Every field message of the form, with the id of the field it is about, for the summary at the top."""
    summary = []
    for field in form:
        if field.type in ("CSRFTokenField", "HiddenField"):
            continue
        if field.type == "FieldList":
            for number, row in enumerate(field, start=1):
                for sub in row.form:
                    summary += [{"id": sub.id, "label": f"{_('Additional information')} {number} – {sub.label.text}",
                                 "message": str(message)} for message in sub.errors]
            continue
        target = f"{field.id}-0" if field.type == "CheckboxesField" else field.id  # the first checkbox
        summary += [{"id": target, "label": str(field.label.text), "message": str(message)}
                    for message in field.errors if not isinstance(message, list | dict)]
    return summary


def _dataset_page(form: DatasetForm, problems: list[str], pkg: dict[str, Any] | None) -> str:
    while len(form.extras) < len([r for r in form.extras if r.form.key.data]) + 2 \
            or len(form.extras) < EMPTY_EXTRA_ROWS:
        form.extras.append_entry()
    return render_template("admin/dataset_form.html", form=form, problems=problems, pkg=pkg,
                           summary=error_summary(form))


@web.route("/dataset/new", methods=["GET", "POST"])
def dataset_new() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    form = DatasetForm()
    if request.method == "GET":
        form.license_id.data = default_license_id()
        if request.args.get("owner_org"):
            form.owner_org.data = request.args["owner_org"]
    _dataset_choices(form)
    if not form.owner_org.choices:
        abort(403, _("You are not a member of an organization that can publish datasets."))
    problems: list[str] = []
    if (custom := submitted_extras(form)) is not None:
        try:
            pkg = act("package_create", **_dataset_data(form, None, [], custom, keep_empty=False))
        except ValidationError as error:
            problems = show_errors(form, error, aliases=NOT_FIELDS)
        else:
            flash(_("Dataset created. Now add its data: upload a file or give a link."), "success")
            return redirect(url_for("web.resource_new", id=pkg["name"]))
    return _dataset_page(form, problems, None)


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
    form = DatasetForm(data=None if request.method == "POST" else _initial(pkg))
    kept_groups = _dataset_choices(form, pkg)
    problems: list[str] = []
    if (custom := submitted_extras(form, pkg)) is not None:
        try:
            pkg = act("package_patch", id=pkg["id"], **_dataset_data(form, pkg, kept_groups, custom,
                                                                     keep_empty=True))
        except ValidationError as error:
            problems = show_errors(form, error, aliases=NOT_FIELDS)
        else:
            if saved(pkg, _("Dataset saved.")):
                return redirect(url_for("web.review_read", id=pkg["id"]))
            return redirect(url_for("web.dataset_read", id=pkg["name"]))
    return _dataset_page(form, problems, pkg)


def _initial(pkg: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a dataset: its fields, and its extras in their own fields or in the free rows."""
    extras = stored_extras(pkg)
    frequency = labels.frequency_code(extras.get("frequency"))
    return {
        **pkg, "tags": ", ".join(t["name"] for t in pkg.get("tags") or []),
        **{k: extras.get(k, "") for k in ("temporal_start", "temporal_end", "spatial_text", "spatial",
                                          "contact_name", "contact_email")},
        "frequency": labels.frequency_uri(frequency) if frequency in labels.FREQUENCY_LABELS
        else extras.get("frequency", ""),
        "language": labels.language_codes(extras.get("language")),
        "groups": [g["name"] for g in pkg.get("groups") or []],
        "extras": [{"key": k, "value": v} for k, v in extras.items() if labels.is_custom_extra(k)],
    }

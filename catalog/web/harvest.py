"""Harvest sources for administrators, at ckanext-harvest's addresses: the list, a source with its jobs, a job
with its errors; create (/harvest/new), edit (/harvest/edit/<id>), validate (sysadmins), run now
(/harvest/refresh/<id>), preview (a dry run, nothing written), abort (/harvest/<id>/job/<job>/abort), clear
(/harvest/clear/<id>) and delete (/harvest/delete/<id>).

Each form posts (CSRF) to the harvest action the API runs, with the logged-in Actor; who may do what is the
actions' auth. "Run now" without a queue runs the job in a thread of this process (harvest/in_process.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog.errors import NotAuthorized, ValidationError
from catalog.services import current_services
from catalog.web.admin import error_messages, error_summary, login_first, require, show_errors
from catalog.web.blueprint import web
from catalog.web.calls import act, can
from catalog.web.forms import HarvestConfirmForm, HarvestSourceForm, HarvestValidateForm

SOURCE_FIELDS = ("title", "name", "url", "source_type", "owner_org", "frequency", "notes")
# The sentences of harvest/failure.py, by code: (without a page, with one). Codes the web does not know, and
# gather errors saved before they had one, are shown as the API gives them.
GATHER_SENTENCES = {
    "unreachable": (_l("The source could not be reached."), _l("The source could not be reached on page %(page)s.")),
    "timeout": (_l("The source did not answer in time."), _l("The source did not answer in time on page %(page)s.")),
    "http_status": (_l("The source answered HTTP %(status)s."),
                    _l("The source answered HTTP %(status)s on page %(page)s.")),
    "unreadable": (_l("The source's answer could not be read."),
                   _l("The source's answer on page %(page)s could not be read.")),
    "interrupted": (_l("The source's answer was cut off."), _l("The source's answer on page %(page)s was cut off.")),
    "too_large": (_l("The source's answer is larger than the size allowed."),
                  _l("The source's answer on page %(page)s is larger than the size allowed.")),
    "not_allowed": (_l("This site does not fetch the source's address (outbound rules)."),) * 2,
    "redirects": (_l("The source redirected too many times."),
                  _l("The source redirected too many times on page %(page)s.")),
    "paging_loop": (_l("The source's paging goes back to a page already read."),
                    _l("The source's paging goes back to a page already read on page %(page)s.")),
    "remote_error": (_l("The source's API reported an error."),
                     _l("The source's API reported an error on page %(page)s.")),
    "busy": (_l("This site was making too many outbound requests; run the source again later."),) * 2,
    "deadline": (_l("The job ran out of time: what it imported stays, nothing was withdrawn."),
                 _l("The job ran out of time on page %(page)s: what it imported stays, nothing was withdrawn.")),
    "id_listing": (_l("The list of the source's identifiers, needed to find deletions, could not be read."),) * 2,
    # A `failed` job (runner._job_failed): an error of this site; its text is the API's `detail`, for sysadmins.
    "unexpected": (_l("The job stopped on an unexpected error of this site, not of the source."),) * 2,
    "announced": (_l("The source announced %(announced)s record(s) but only %(gathered)s were gathered: nothing "
                     "was withdrawn. Check the source's paging, then run it again."),) * 2,
    "emptied": (_l("The source listed no datasets while %(known)s dataset(s) came from it: nothing was withdrawn. "
                   "Check the source; if it was really emptied, a sysadmin can run it with mass deletion allowed "
                   "(moisson harvest run --allow-mass-deletion)."),) * 2,
}


def gather_error_text(error: dict[str, Any]) -> str:
    """A gather error's sentence in the visitor's language."""
    pair = GATHER_SENTENCES.get(error.get("code") or "")
    if pair is None:
        return str(error.get("message") or "")
    params = {k: error[k] for k in ("page", "status", "announced", "gathered", "known") if k in error}
    return str(pair[1] if error.get("page") else pair[0]) % params


# The job's informational notes (deletion guard, withdrawal, abort: harvest/deletion_guard.py, runner.py,
# actions.py), English in the API, matched whole to be said in the visitor's language.
JOB_NOTES = (
    (re.compile(r"Incremental job: deletions are only decided by full listings"),
     _l("Incremental job: only a full listing decides deletions.")),
    (re.compile(r"The listing was incomplete \(gather errors\): nothing was deleted"),
     _l("The listing was incomplete: nothing was withdrawn.")),
    (re.compile(r"(?P<missing>\d+) of (?P<known>\d+) dataset\(s\) \((?P<share>[^)]*)\) are missing from the source, "
                r"more than the allowed (?P<threshold>\S+): nothing was deleted \(deletion guard\)"),
     _l("%(missing)s of %(known)s dataset(s) (%(share)s) are missing from the source, more than the %(threshold)s "
        "allowed: nothing was withdrawn (deletion guard).")),
    (re.compile(r"Withdrew (?P<count>\d+) dataset\(s\) no longer in the source"),
     _l("%(count)s dataset(s) no longer in the source withdrawn.")),
    (re.compile(r"Aborted by (?P<name>.+)"), _l("Aborted by %(name)s.")),
    (re.compile(r"The source was deleted"), _l("The source was deleted.")),
)


@web.app_template_filter("job_note")
def job_note(note: str) -> str:
    for pattern, text in JOB_NOTES:
        match = pattern.fullmatch(note or "")
        if match:
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    return note


@web.app_template_filter("gather_error")
def _gather_error_filter(error: Any) -> str:
    return gather_error_text(error if isinstance(error, dict) else {"message": str(error)})


@web.route("/harvest")
def harvest_list() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    sources = act("harvest_source_list")
    last_jobs = {s["id"]: next(iter(act("harvest_job_list", source_id=s["id"], limit=1)), None) for s in sources}
    may_create = bool(act("organization_list_for_user", permission="membership")) or can("harvest_source_validate")
    return render_template("admin/harvest_list.html", sources=sources, last_jobs=last_jobs, may_create=may_create)


@web.route("/harvest/<id>")
def harvest_read(id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    jobs = act("harvest_job_list", source_id=source["id"], limit=50)
    errors = act("harvest_log_list", source_id=source["id"], level="ERROR", limit=20)
    return render_template("admin/harvest_read.html", source=source, jobs=jobs, log_errors=errors,
                           validate_form=HarvestValidateForm() if can("harvest_source_validate") else None,
                           confirm=HarvestConfirmForm(), organization=_organization(source))


def _source_job(id: str, job_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The source and one of its jobs; a job of another source under this source's address is a 404."""
    source = act("harvest_source_show", id=id)
    job = act("harvest_job_show", id=job_id)
    if job["source_id"] != source["id"]:
        abort(404)
    return source, job


@web.route("/harvest/<id>/job/<job_id>")
def harvest_job(id: str, job_id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source, job = _source_job(id, job_id)
    return render_template("admin/harvest_job.html", source=source, job=job, confirm=HarvestConfirmForm())


# Create and edit -----------------------------------------------------------------------------------------


def _organization(source: dict[str, Any]) -> dict[str, Any] | None:
    if not source.get("owner_org"):
        return None
    try:
        return act("organization_show", id=source["owner_org"], include_datasets=False)
    except (NotAuthorized, ValidationError):
        return None


def _organization_choices(form: HarvestSourceForm, current: str | None = None) -> None:
    orgs = act("organization_list_for_user", permission="membership")  # the organizations the user administers
    choices = [(o["id"], o.get("title") or o["name"]) for o in orgs]
    if current and current not in {value for value, _label in choices}:
        choices.append((current, current))
    form.owner_org.choices = choices


def _config(form: HarvestSourceForm) -> dict[str, Any]:
    """The configuration text as an object, with the review checkbox's answer in it (`review`)."""
    config = json.loads(form.config.data) if (form.config.data or "").strip() else {}
    if form.review.data:
        config["review"] = True
    else:
        config.pop("review", None)
    return config


def _source_data(form: HarvestSourceForm) -> dict[str, Any]:
    data = {name: (form[name].data or "").strip() for name in SOURCE_FIELDS}
    return {**data, "config": _config(form), "active": bool(form.active.data)}


def _form_page(form: HarvestSourceForm, problems: list[str], source: dict[str, Any] | None, status: int = 200) -> Any:
    page = render_template("admin/harvest_form.html", form=form, problems=problems, source=source,
                           summary=error_summary(form))
    return page if status == 200 else (page, status)


@web.route("/harvest/new", methods=["GET", "POST"])
def harvest_new() -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    form = HarvestSourceForm()
    _organization_choices(form)
    if not form.owner_org.choices:
        abort(403, _("Only the administrators of an organization can add harvest sources."))
    if request.method == "GET" and request.args.get("owner_org"):
        form.owner_org.data = request.args["owner_org"]
    if not form.is_submitted():
        return _form_page(form, [], None)
    if not form.validate():
        return _form_page(form, [], None, 400)
    try:
        source = act("harvest_source_create", **_source_data(form))
    except ValidationError as error:
        return _form_page(form, show_errors(form, error), None, 400)
    if source["validation"]["state"] == "accepted":
        flash(_("Harvest source created. Preview it or run it now."), "success")
    else:
        flash(_("Harvest source created. A sysadmin must validate it before it runs; you can preview it meanwhile."),
              "success")
    return redirect(url_for("web.harvest_read", id=source["name"]))


@web.route("/harvest/edit/<id>", methods=["GET", "POST"])
def harvest_edit(id: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    require("harvest_source_update", id=source["id"])
    initial = None
    if request.method == "GET":
        config = json.loads(source["config"] or "{}")
        review = bool(config.pop("review", False))
        initial = {**source, "review": review, "config": json.dumps(config, indent=2, ensure_ascii=False)
                   if config else ""}
    form = HarvestSourceForm(data=initial)
    _organization_choices(form, source.get("owner_org"))
    if not form.is_submitted():
        return _form_page(form, [], source)
    if not form.validate():
        return _form_page(form, [], source, 400)
    try:
        source = act("harvest_source_update", id=source["id"], **_source_data(form))
    except ValidationError as error:
        return _form_page(form, show_errors(form, error), source, 400)
    flash(_("Harvest source saved."), "success")
    return redirect(url_for("web.harvest_read", id=source["name"]))


@web.route("/harvest/validate/<id>", methods=["POST"])
def harvest_validate(id: str) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    form = HarvestValidateForm()
    if not form.validate():
        abort(400)
    act("harvest_source_validate", id=source["id"], state=form.state.data, comment=form.comment.data or None)
    flash(_("Harvest source accepted: it may run.") if form.state.data == "accepted"
          else _("Harvest source refused: it will not run."), "success")
    return redirect(url_for("web.harvest_read", id=source["name"]))


# Run, preview, abort -------------------------------------------------------------------------------------


def _check_posted() -> None:
    """A bare action form (one button): its CSRF token must be valid."""
    if not HarvestConfirmForm().validate_on_submit():
        abort(400)


@web.route("/harvest/refresh/<id>", methods=["POST"])
def harvest_refresh(id: str) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    _check_posted()
    try:
        job = act("harvest_job_create", source_id=source["id"], force_all=request.form.get("force_all") == "y")
    except ValidationError as error:
        flash(_refusal(error), "error")
        return redirect(url_for("web.harvest_read", id=source["name"]))
    services = current_services()
    if not services.settings.redis_url:
        from harvest.in_process import run_in_background

        run_in_background(services, job["id"])
    flash(_("The harvest job has started."), "success")
    return redirect(url_for("web.harvest_job", id=source["name"], job_id=job["id"]))


def _refusal(error: ValidationError) -> str:
    text = " ".join(m for v in error.errors.values() if isinstance(v, list) for m in v if isinstance(m, str))
    if "validated by a sysadmin" in text:
        return _("A sysadmin must validate this source before it runs.")
    if "not active" in text:
        return _("This source is not active: edit it to activate it first.")
    if "unrun job" in text:
        return _("This source already has a job waiting or running.")
    return text


@web.route("/harvest/<id>/job/<job_id>/abort", methods=["POST"])
def harvest_job_abort(id: str, job_id: str) -> Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source, job = _source_job(id, job_id)
    _check_posted()
    job = act("harvest_job_abort", id=job["id"])
    flash(_("The job was aborted: it stops after its current batch, deleting nothing.") if job["status"] == "aborted"
          else _("The job had already ended."), "success")
    return redirect(url_for("web.harvest_job", id=source["name"], job_id=job["id"]))


@web.route("/harvest/<id>/preview", methods=["GET", "POST"])
def harvest_preview(id: str) -> str | Response:
    """What a run would add, update or withdraw, through harvest/dry_run.py (everything rolled back). The dry run
    is no action of the API (the CLI's `harvest run --dry-run`): it is offered to those who may edit the source,
    which is also who may run it, and works before the source is validated."""
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    require("harvest_source_update", id=source["id"])
    form = HarvestConfirmForm()
    report = None
    if form.validate_on_submit():
        from harvest.dry_run import dry_run

        report = dry_run(current_services(), source["id"], limit=PREVIEW_LIMIT, seconds=PREVIEW_SECONDS)
    return render_template("admin/harvest_preview.html", source=source, form=form, report=report,
                           limit=PREVIEW_LIMIT)


PREVIEW_LIMIT = 50
# The preview runs in the request: its fetches end within this (a gather error says so), freeing the web worker.
PREVIEW_SECONDS = 30


# Clear and delete ----------------------------------------------------------------------------------------


@web.route("/harvest/clear/<id>", methods=["GET", "POST"])
def harvest_clear(id: str) -> Any:
    return _confirmed(id, "clear")


@web.route("/harvest/delete/<id>", methods=["GET", "POST"])
def harvest_delete(id: str) -> Any:
    return _confirmed(id, "delete")


def _confirmed(id: str, what: str) -> Any:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    require(f"harvest_source_{what}", id=source["id"])
    form = HarvestConfirmForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            if what == "clear":
                result = act("harvest_source_clear", id=source["id"])
                flash(_("%(count)s dataset(s) withdrawn; the source's history is cleared.",
                        count=result["withdrawn"]), "success")
            else:
                act("harvest_source_delete", id=source["id"], clear=bool(form.clear.data))
                flash(_("Harvest source deactivated.") if not form.clear.data
                      else _("Harvest source deactivated and cleared."), "success")
        except ValidationError as error:
            messages = error_messages(error.errors)
            problems = ([_("A job of this source is running: abort it first.")]
                        if any("abort it first" in m for m in messages) else messages)
        else:
            return redirect(url_for("web.harvest_read", id=source["name"]))
    page = render_template("admin/harvest_confirm.html", source=source, form=form, what=what, problems=problems)
    return (page, 409) if problems else page

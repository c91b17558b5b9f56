"""Harvest sources for administrators: each source's job history, statistics and errors.

Shown only when the harvester's actions are registered; who may see what is the harvest actions' auth.
"""

from __future__ import annotations

from flask import abort, render_template
from werkzeug.wrappers import Response

from catalog.web.admin import login_first
from catalog.web.blueprint import web
from catalog.web.calls import act


@web.route("/harvest")
def harvest_list() -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    sources = act("harvest_source_list")
    last_jobs = {s["id"]: next(iter(act("harvest_job_list", source_id=s["id"], limit=1)), None) for s in sources}
    return render_template("admin/harvest_list.html", sources=sources, last_jobs=last_jobs)


@web.route("/harvest/<id>")
def harvest_read(id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    jobs = act("harvest_job_list", source_id=source["id"], limit=50)
    errors = act("harvest_log_list", source_id=source["id"], level="ERROR", limit=20)
    return render_template("admin/harvest_read.html", source=source, jobs=jobs, log_errors=errors)


@web.route("/harvest/<id>/job/<job_id>")
def harvest_job(id: str, job_id: str) -> str | Response:
    if (redirect_to := login_first()) is not None:
        return redirect_to
    source = act("harvest_source_show", id=id)
    job = act("harvest_job_show", id=job_id)
    if job["source_id"] != source["id"]:
        abort(404)
    return render_template("admin/harvest_job.html", source=source, job=job)

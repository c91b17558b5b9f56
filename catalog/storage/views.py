"""GET /dataset/<id>/resource/<rid>/download[/<filename>]: the uploaded file, or a redirect to the
resource's remote URL; only for datasets the caller may read (catalog.authz.can_read_package)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, current_app, redirect, send_file

from catalog.api.views import request_actor
from catalog.authz import can_read_package
from catalog.clock import utcnow
from catalog.context import ActionContext
from catalog.dataset.models import Package
from catalog.dataset.queries import get_package, get_resource
from catalog.storage import guess_mimetype, storage_of

downloads = Blueprint("storage", __name__)
# Types a browser would run as active content if served inline from our origin.
ACTIVE_TYPES = {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
                "text/javascript", "application/javascript"}


@downloads.route("/dataset/<id>/resource/<resource_id>/download", defaults={"filename": None})
@downloads.route("/dataset/<id>/resource/<resource_id>/download/<path:filename>")
def resource_download(id: str, resource_id: str, filename: str | None) -> Response:
    services = current_app.extensions["moisson"]
    actor = request_actor(services)
    with services.db.unit_of_work(write=False) as session:
        ctx = ActionContext(session=session, actor=actor, services=services, now=utcnow())
        resource = get_resource(session, resource_id)
        package = get_package(session, id)
        if resource is None or package is None or resource.package_id != package.id or resource.state != "active":
            abort(404)
        owner = session.get(Package, resource.package_id)
        if owner is None or not can_read_package(ctx, owner):
            abort(403)
        url_type, url, mimetype = resource.url_type, resource.url or "", resource.mimetype
    if url_type != "upload":
        if not url.lower().startswith(("http://", "https://", "ftp://")):
            abort(404)
        return redirect(url, code=302)
    path = storage_of(services).path(resource_id)
    if path is None:
        abort(404)
    name = url.rsplit("/", 1)[-1] or "download"
    mimetype = mimetype or guess_mimetype(name) or "application/octet-stream"
    active = mimetype.split(";")[0].strip().lower() in ACTIVE_TYPES
    response = send_file(path, mimetype=mimetype, download_name=name, as_attachment=active, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(downloads)

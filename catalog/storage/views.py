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
from catalog.storage.content_type import served_type

downloads = Blueprint("storage", __name__)


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
        url_type, url = resource.url_type, resource.url or ""
    if url_type != "upload":
        if not url.lower().startswith(("http://", "https://", "ftp://")):
            abort(404)
        return redirect(url, code=302)
    path = services.storage.files.path(resource_id)
    if path is None:
        abort(404)
    name = url.rsplit("/", 1)[-1] or "download"
    # resource.mimetype is client metadata: the type served comes from the stored file.
    served = served_type(path, name)
    response = send_file(path, download_name=name, as_attachment=not served.inline, conditional=True)
    response.headers["Content-Type"] = served.content_type  # whole (send_file would add a second charset)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if served.policy:
        response.headers["Content-Security-Policy"] = served.policy
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(downloads)

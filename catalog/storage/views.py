"""GET /dataset/<id>/resource/<rid>/download[/<filename>]: the uploaded file, or a redirect to the
resource's remote URL; only for resources the caller may see through resource_show."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, Flask, Response, redirect, send_file

from catalog.api.views import request_actor
from catalog.context import SYSTEM
from catalog.dataset.queries import get_package
from catalog.errors import NotAuthorized, NotFound
from catalog.registry import call_action, unit
from catalog.services import Services, current_services
from catalog.storage.content_type import served_type

downloads = Blueprint("storage", __name__)


@downloads.route("/dataset/<id>/resource/<resource_id>/download", defaults={"filename": None})
@downloads.route("/dataset/<id>/resource/<resource_id>/download/<path:filename>")
def resource_download(id: str, resource_id: str, filename: str | None) -> Response:
    """Errors (NotFound, NotAuthorized) are the HTML error page catalog.responses renders."""
    services = current_services()
    # Access is resource_show's answer for this visitor, but a file of a dataset they may not read (private,
    # deleted, draft) is a 404 like an unknown one, as CKAN's download view answers: a 403 would confirm that the
    # private dataset exists. A URL pairing the resource with another dataset is a 404 too.
    try:
        resource = call_action(services, "resource_show", {"id": resource_id}, actor=request_actor(services))
    except NotAuthorized:
        raise NotFound() from None
    if not _url_names_the_dataset(services, id, resource["package_id"]):
        raise NotFound()
    url_type, url = resource["url_type"], resource["url"] or ""
    if url_type != "upload":
        if not url.lower().startswith(("http://", "https://", "ftp://")):
            raise NotFound()
        return redirect(url, code=302)
    path = services.storage.files.path(resource_id)
    if path is None:
        raise NotFound()
    # The dict's URL of an upload is its download URL, ending with the stored (munged, then quoted) file name.
    name = unquote(url.rsplit("/", 1)[-1]) or "download"
    # resource.mimetype is client metadata: the type served comes from the stored file.
    served = served_type(path, name)
    response = send_file(path, download_name=name, as_attachment=not served.inline, conditional=True)
    response.headers["Content-Type"] = served.content_type  # whole (send_file would add a second charset)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if served.policy:
        response.headers["Content-Security-Policy"] = served.policy
    return response


def _url_names_the_dataset(services: Services, id_or_name: str, package_id: str) -> bool:
    """Whether the URL's dataset segment (id or name) is the resource's dataset (no query when the URL gives its
    id, as every download link does)."""
    if id_or_name == package_id:
        return True
    with unit(services, SYSTEM, write=False) as ctx:
        package = get_package(ctx.session, id_or_name)
        return package is not None and package.id == package_id


def init_app(app: Flask) -> None:
    app.register_blueprint(downloads)

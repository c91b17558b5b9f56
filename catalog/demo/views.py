"""GET /demo-files/<file>: the demo catalogue's files, with their real charset in the Content-Type."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask, Response, abort, send_from_directory

from catalog.demo.loader import FILES_DIR, demo_catalog
from catalog.storage.content_type import INLINE_TYPES

demo_files = Blueprint("demo_files", __name__)
CHARSETS = {"cp1252": "windows-1252", "utf-8-sig": "utf-8", "utf-8": "utf-8"}


@cache
def content_types() -> dict[str, tuple[str, str]]:
    """File name -> (mimetype, full Content-Type) for every file catalog.json lists; nothing else is served."""
    types = {}
    for dataset in demo_catalog()["datasets"]:
        for resource in dataset["resources"]:
            mimetype = resource["mimetype"]
            full = f"{mimetype}; charset={CHARSETS[resource['encoding']]}" if mimetype.startswith("text/") else mimetype
            types[resource["file"]] = (mimetype, full)
    return types


@demo_files.get("/demo-files/<path:filename>")
def demo_file(filename: str) -> Response:
    # Only names listed in catalog.json are served, so "../" and absolute paths never reach the disk.
    if filename not in content_types():
        abort(404)
    mimetype, full = content_types()[filename]
    # The uploads' rule (catalog.storage.content_type): only inert types inline.
    response = send_from_directory(FILES_DIR, filename, mimetype=mimetype, as_attachment=mimetype not in INLINE_TYPES)
    response.headers["Content-Type"] = full
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(demo_files)

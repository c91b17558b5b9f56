"""create_app(): engine, services, blueprints and error handlers. No business logic here."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalog.services import EXTENSION, build_services, services_of
from catalog.settings import Settings


def create_app(settings: Settings | None = None, *, check_schema: bool = True) -> Flask:
    from catalog.migrate import ensure_schema

    settings = settings or Settings.from_env()
    services = build_services(settings)
    if check_schema:
        ensure_schema(services.db, create_if_embedded=settings.is_embedded_default)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.extensions[EXTENSION] = services

    from catalog.storage import limits

    # Request body limits: max_body_bytes, and max_resource_bytes for uploads.
    limits.init_app(app, lambda: services_of(app).settings)

    from catalog import responses
    from catalog.api.views import api

    responses.init_app(app)  # the one error renderer, for every blueprint's surface
    app.register_blueprint(api)
    for register in _optional_blueprints():
        register(app)
    return app


def _optional_blueprints() -> list[Any]:
    """The other domains' blueprints (DCAT, web pages, downloads, demo files), listed explicitly: a missing
    module is an error at startup, never a silently absent feature."""
    import importlib

    modules = ("catalog.dcat.views", "catalog.web", "catalog.storage.views", "catalog.demo.views")
    return [importlib.import_module(name).init_app for name in modules]




"""The `web` blueprint object, in its own module so view modules can import it without cycles."""

from __future__ import annotations

from flask import Blueprint

web = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

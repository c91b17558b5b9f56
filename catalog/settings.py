"""Settings read from MOISSON_* environment variables; every field is documented in README.md."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_SQLITE_FILE = "moisson.db"


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


@dataclass(frozen=True)
class Settings:
    """Runtime configuration. `Settings.from_env()` is the only place the environment is read."""

    # SQLAlchemy URL of the catalog database (default: a SQLite file in the current folder).
    database_url: str = field(default_factory=_default_database_url)
    # Public base URL of the site, used in the `help` links and absolute resource URLs.
    site_url: str = "http://127.0.0.1:5000"
    # Secret for sessions and CSRF; a random one is made per process when unset.
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    # Folder where uploaded files are stored.
    storage_path: str = field(default_factory=lambda: str(Path.cwd() / "storage"))
    # Site title shown by status_show and the web pages.
    site_title: str = "Moisson"
    # Largest accepted request body in bytes (larger bodies get a 413).
    max_body_bytes: int = 10 * 1024 * 1024
    # Largest resource file stored from an upload or fetched from a URL for the DataStore.
    max_resource_bytes: int = 100 * 1024 * 1024
    # Redis URL for background work (harvest, datastore); empty means in-process.
    redis_url: str = ""
    # Whether resources given by URL (not uploaded) are fetched and loaded into the DataStore when their
    # URL changes (XLoader's behaviour); uploads are always loaded.
    datastore_load_urls: bool = True
    # Whether dataset collaborators may be added (CKAN: ckan.auth.allow_dataset_collaborators).
    allow_dataset_collaborators: bool = True
    # Whether any logged-in user may create organizations (CKAN: ckan.auth.user_create_organizations).
    user_create_organizations: bool = True

    @property
    def is_embedded_default(self) -> bool:
        """True for SQLite files, which are created and migrated on first run."""
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"MOISSON_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        return settings

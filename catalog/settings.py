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
    # Whether any logged-in user may create organizations (CKAN: ckan.auth.user_create_organizations). Off by
    # default, unlike CKAN: on a public portal it lets any new account create resources whose URLs Moisson fetches.
    user_create_organizations: bool = False
    # Whether any logged-in user may create groups (CKAN: ckan.auth.user_create_groups); off by default too.
    user_create_groups: bool = False
    # Whether images in Markdown descriptions are shown (CKAN shows them); off: an image is shown as its
    # alternative text, so a description cannot make readers' browsers call a third-party server.
    markdown_images: bool = False

    # --- Editorial review (README "Editorial review") ---
    # review_required of a new organization when organization_create does not say.
    review_required_default: bool = False
    # Where review notifications are sent from and through: smtp://[user:password@]host[:port][?starttls=true] or
    # smtps://...; empty: no e-mail (the reviewers' dashboard still shows everything).
    smtp_url: str = ""
    mail_from: str = "moisson@localhost"

    # --- Security limits (SECURITY.md) ---
    # Comma-separated hostnames and CIDRs that outbound fetches (DataStore URL loads, harvests) may reach even
    # though they are loopback/private/link-local, e.g. "127.0.0.0/8,10.1.0.0/16" for an intranet portal.
    outbound_allow: str = ""
    # Total wall-clock deadline of one outbound fetch, connection and every redirect and read included.
    outbound_deadline_seconds: int = 120
    # Largest number of outbound fetches running at once in one process (slow servers cannot starve the rest).
    outbound_max_concurrent: int = 4
    # Site-wide ceiling on a harvest source's own `http.max_bytes` and timeout settings.
    harvest_max_bytes: int = 200 * 1024 * 1024
    harvest_max_timeout_seconds: int = 300
    # Longest wall-clock time of one harvest job, and the default of a source's `job_timeout_seconds` (which may ask
    # for less): a job that reaches it ends with a gather error, keeping what it imported and withdrawing nothing.
    harvest_max_job_seconds: int = 6 * 3600
    # Largest datastore_search_sql result in bytes, counted while rows are fetched (larger: 409).
    datastore_sql_max_bytes: int = 5 * 1024 * 1024
    # PostgreSQL URL datastore_search_sql logs in with, as the restricted role datastore_read_role (empty: the
    # catalog URL with that user and no password, for trust/peer auth; set it when the role needs a password).
    datastore_sql_url: str = ""
    # The PostgreSQL role datastore_search_sql runs as, created and kept right by `moisson db upgrade`. Roles are
    # shared by every database of a server: give each Moisson (and each test run) on a shared server its own.
    datastore_read_role: str = "moisson_datastore_ro"
    # Longest time one read action (anonymous or ordinary request) may hold the database (statement_timeout).
    read_statement_timeout_ms: int = 5000
    # Failed logins allowed per account and per client address within the window, before 429s.
    login_max_failures: int = 10
    login_window_seconds: int = 300
    # Reverse proxies in front of Moisson that append the client's address to X-Forwarded-For (0: none, the
    # connection's address is the client's). Behind one proxy set 1, or every visitor shares the proxy's login limit.
    trusted_proxies: int = 0

    # --- Search (README "Search at national scale") ---
    # "database": the catalog's own database answers package_search (SQLite FTS5, PostgreSQL full text), in the
    # write's transaction. "tantivy": an embedded Tantivy index under search_index_path, fed by one indexer
    # process per node (`moisson serve` starts it; `moisson search-indexer` runs it alone).
    search_backend: str = "database"
    search_index_path: str = field(default_factory=lambda: str(Path.cwd() / "search-index"))
    # This node's name: each node keeps its own index and its own position in the outbox. Empty: a name made once
    # and kept in the index directory (`node-id`), so a container whose host name changes stays the same node.
    search_node: str = ""
    # Longest time a write waits, after its commit, for its change to be searchable (Tantivy; 0: not at all).
    search_visible_timeout_seconds: float = 2.0

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
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            elif f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            else:
                values[f.name] = raw
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        return settings

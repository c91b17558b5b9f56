"""Gunicorn as an embedded application: `moisson serve` runs the app factory in each worker."""

from __future__ import annotations

import os
import secrets
from typing import Any

from gunicorn.app.base import BaseApplication


class MoissonServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from catalog.app import create_app

        return create_app()


def run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    # One secret for every worker: each builds its own Settings, and a per-process random secret would make
    # sessions and CSRF tokens signed by one worker invalid on the next.
    os.environ.setdefault("MOISSON_SECRET_KEY", secrets.token_hex(32))
    MoissonServer({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": "-",
        "timeout": 120,
        "graceful_timeout": 10,
    }).run()

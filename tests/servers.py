"""Real `moisson serve` processes for end-to-end tests and the benchmark.

A `ServerProcess` owns its database (a temp SQLite file, or a fresh PostgreSQL database), a sysadmin and an
API token made with the real CLI, and a gunicorn server on a free 127.0.0.1 port; `stop()` sends SIGTERM,
then SIGKILL. The `live_server` fixture starts one per database kind for the whole session.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import SELECTED, create_pg_database, drop_pg_database

REPO_ROOT = Path(__file__).resolve().parent.parent
# The installed console script is the contract; `python -m catalog.cli` when it is not on PATH.
MOISSON = [shutil.which("moisson")] if shutil.which("moisson") else [sys.executable, "-m", "catalog.cli"]
ADMIN_NAME = "e2e-admin"
ADMIN_PASSWORD = "correct-horse-battery"
STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """One `moisson serve` with its own database; use as a context manager or call start()/stop()."""

    command: list[str] = MOISSON  # how `moisson` is run (the CLI and the server)

    def __init__(self, kind: str, *, workers: int = 2, threads: int = 4, upgrade: bool = True,
                 create_admin: bool = True, extra_env: dict[str, str] | None = None) -> None:
        if kind not in ("sqlite", "postgresql"):
            raise ValueError(f"unknown database kind {kind!r}")
        self.kind = kind
        self.workers = workers
        self.threads = threads
        self.upgrade = upgrade
        self.create_admin = create_admin
        self.workdir = Path(tempfile.mkdtemp(prefix=f"moisson-e2e-{kind}-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.workdir / "server.log"
        self.database_url = (f"sqlite:///{self.workdir / 'moisson.db'}" if kind == "sqlite"
                             else create_pg_database("e2e"))
        self.env = {
            **os.environ,
            "MOISSON_DATABASE_URL": self.database_url,
            "MOISSON_SITE_URL": self.url,
            "MOISSON_SECRET_KEY": "e2e-secret-key",
            "MOISSON_STORAGE_PATH": str(self.workdir / "storage"),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.token = ""
        self._dropped = False

    # -- CLI ---------------------------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `moisson ARGS` against this server's database."""
        result = subprocess.run([*self.command, *args], env=self.env, cwd=self.workdir, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"moisson {' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout}\n{result.stderr}")
        return result

    def create_token(self, user: str, label: str = "e2e") -> str:
        return self.cli("token", "create", user, "--token-name", label).stdout.strip().splitlines()[-1]

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> ServerProcess:
        try:
            if self.upgrade:
                self.cli("db", "upgrade")
            if self.create_admin:
                self.cli("user", "add", ADMIN_NAME, "--email", "e2e-admin@example.org",
                         "--password", ADMIN_PASSWORD, "--sysadmin")
                self.token = self.create_token(ADMIN_NAME)
            self.launch()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def launch(self) -> subprocess.Popen[bytes]:
        log = self.log_path.open("ab")
        # A new session makes the server's process group ours alone, so stop() can reap the workers too.
        self.process = subprocess.Popen(
            [*self.command, "serve", "--port", str(self.port), "--workers", str(self.workers),
             "--threads", str(self.threads)],
            env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self.process

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moisson serve exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                if requests.get(f"{self.url}/api/3", timeout=2).json() == {"version": 3}:
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"moisson serve did not answer within {timeout}s:\n{self.log_text()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.kind == "postgresql" and not self._dropped:
            self._dropped = True
            drop_pg_database(self.database_url)
        if not os.environ.get("MOISSON_KEEP_SERVER_DIRS"):  # set it to read a server's log after the run
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- HTTP ----------------------------------------------------------------------------------------------
    def action_url(self, name: str) -> str:
        return f"{self.url}/api/3/action/{name}"

    def call(self, name: str, data: dict | None = None, *, token: str | None = None,
             method: str = "POST") -> requests.Response:
        """One action over HTTP (the sysadmin token unless `token` is given; "" sends none)."""
        auth = self.token if token is None else token
        headers = {"Authorization": auth} if auth else {}
        if method == "GET":
            return requests.get(self.action_url(name), params=data, headers=headers, timeout=60)
        return requests.post(self.action_url(name), json=data or {}, headers=headers, timeout=60)


def start_server(kind: str, **kwargs: object) -> ServerProcess:
    return ServerProcess(kind, **kwargs).start()  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=SELECTED)
def live_server(request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """A running `moisson serve` (2 workers x 4 threads) per database kind, shared by the session."""
    server = start_server(request.param)
    try:
        yield server
    finally:
        server.stop()

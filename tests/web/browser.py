"""A real `moisson serve` process on a free port with a temporary SQLite catalog, for the browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ADMIN_PASSWORD = "correct-horse-battery"


def playwright_or_skip() -> Any:
    """playwright.sync_api, or the calling test module skipped with what to install."""
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, closed on the way out (each browser test module's fixture)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    token: str
    log: Path

    def action(self, name: str, data: dict[str, Any] | None = None, *, files: dict[str, tuple[str, bytes]] | None
               = None) -> Any:
        """Call the API as the sysadmin (JSON, or multipart when files are given)."""
        headers = {"Authorization": self.token}
        if files:
            body, content_type = _multipart(data or {}, files)
        else:
            body, content_type = json.dumps(data or {}).encode(), "application/json"
        headers["Content-Type"] = content_type
        request = urllib.request.Request(f"{self.url}/api/3/action/{name}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)["result"]
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{name} failed: {error.read()[:500]!r}") from error

    def wait_for_datastore(self, resource_id: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.action("datastore_load_status", {"resource_id": resource_id})
            if status["status"] == "complete":
                return
            if status["status"] in ("error", "text"):  # "text": the file is prose, no table is made
                raise AssertionError(f"DataStore load made no table: {status}")
            time.sleep(0.3)
        raise AssertionError(f"DataStore load of {resource_id} did not finish in {timeout}s")


def _multipart(data: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "moisson-test-boundary"
    parts = []
    for key, value in data.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    for key, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "catalog.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"moisson {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_server(workdir: Path, repo_root: Path, *, workers: int = 1, secret: bool = True,
                 demo: bool = True) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ,
           "MOISSON_DATABASE_URL": f"sqlite:///{workdir / 'moisson.db'}",
           "MOISSON_STORAGE_PATH": str(workdir / "storage"),
           "MOISSON_SITE_URL": url,
           "MOISSON_REDIS_URL": "",
           "PYTHONPATH": str(repo_root)}
    env.pop("MOISSON_SECRET_KEY", None)
    if secret:
        env["MOISSON_SECRET_KEY"] = "browser-test-secret"
    _cli(env, "db", "upgrade")
    _cli(env, "user", "add", "admin", "--email", "admin@example.org", "--password", ADMIN_PASSWORD, "--sysadmin")
    token = _cli(env, "token", "create", "admin").strip().splitlines()[-1]
    with_demo = demo and (repo_root / "catalog" / "demo" / "loader.py").exists()
    if with_demo:
        _cli(env, "demo", "load")
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "catalog.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--threads", "4"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    server = Server(url=url, env=env, process=process, token=token, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"moisson serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        stop_server(server)
        raise AssertionError(f"moisson serve did not answer:\n{log.read_text()}")
    if not with_demo:
        _seed(server)
    return server


def _seed(server: Server) -> None:
    """Without the demo loader: two organizations and a few datasets through the API."""
    for org in ("cnaf", "caf-gironde"):
        server.action("organization_create", {"name": org, "title": org.upper()})
    for number in range(6):
        server.action("package_create", {"name": f"jeu-{number}", "title": f"Jeu de données {number}",
                                         "owner_org": "cnaf" if number % 2 else "caf-gironde",
                                         "tags": [{"name": "logement" if number % 3 else "enfance"}]})


def stop_server(server: Server) -> None:
    """Stop the process group this test started (gunicorn's master and its worker)."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, 15)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, 9)
            server.process.wait(timeout=5)

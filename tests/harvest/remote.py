"""A real HTTP server on 127.0.0.1 for harvest tests: static fixture files, a recorded-style CKAN API,
and fault injection (5xx, 429, slow answers, truncated bodies, huge bodies, page loops, empty answers)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Fixture files name this host for absolute links; add_file rewrites it to the running server.
FIXTURE_BASE = "http://fixture.invalid"


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Declared Content-Length when it must lie (truncated bodies).
    length: int | None = None
    delay: float = 0.0


Route = Callable[[dict[str, list[str]]], Reply]


class RemoteServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        # path -> replies served (in order) before the normal route answers
        self.faults: dict[str, list[Reply]] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.headers: dict[str, dict[str, str]] = {}  # path -> the last request's headers
        remote = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                query = parse_qs(parts.query, keep_blank_values=True)
                remote.hits[parts.path] += 1
                remote.requests.append((parts.path, query))
                remote.headers[parts.path] = dict(self.headers.items())
                queued = remote.faults.get(parts.path)
                if queued:
                    reply = queued.pop(0)
                elif parts.path in remote.routes:
                    reply = remote.routes[parts.path](query)
                else:
                    reply = Reply(404, b'"Not found"')
                try:
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(reply.length if reply.length is not None else len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in body:
                        self.wfile.write(chunk)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str, content_type: str = "application/json", status: int = 200) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda _q: Reply(status, data, content_type)

    def add_file(self, path: str, name: str, content_type: str) -> None:
        """Serve a fixture file; FIXTURE_BASE in it becomes this server's base URL (absolute next links)."""
        text = (FIXTURES / name).read_text().replace(FIXTURE_BASE, self.base)
        self.add(path, text, content_type)

    def inject(self, path: str, *replies: Reply) -> None:
        self.faults.setdefault(path, []).extend(replies)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class huge_body:  # noqa: N801 - reads as a function call at the use site
    """A streamed body of N MiB without Content-Length; iterable again for every request."""

    def __init__(self, megabytes: int) -> None:
        self.megabytes = megabytes

    def __iter__(self) -> Iterator[bytes]:
        chunk = b"x" * (1024 * 1024)
        for _ in range(self.megabytes):
            yield chunk


class FakeCkan:
    """The subset of the CKAN Action API a harvester uses, over an in-memory list of package dicts:
    package_search (rows, start, sort=id asc, fq metadata_modified range), package_list, package_show."""

    def __init__(self, server: RemoteServer, prefix: str = "") -> None:
        self.server = server
        self.prefix = prefix
        self.packages: dict[str, dict[str, Any]] = {}
        self.search_enabled = True
        for name in ("package_search", "package_list", "package_show"):
            server.routes[f"{prefix}/api/3/action/{name}"] = getattr(self, f"_{name}")

    @property
    def url(self) -> str:
        return self.server.base + self.prefix

    def put(self, package: dict[str, Any]) -> None:
        self.packages[package["id"]] = package

    def remove(self, package_id: str) -> None:
        del self.packages[package_id]

    @staticmethod
    def ok(result: Any) -> Reply:
        return Reply(200, json.dumps({"help": "", "success": True, "result": result}).encode())

    def _package_search(self, query: dict[str, list[str]]) -> Reply:
        if not self.search_enabled:
            return Reply(400, b'"Bad request - Action name not known: package_search"')
        rows = int(query.get("rows", ["10"])[0])
        start = int(query.get("start", ["0"])[0])
        selected = sorted(self.packages.values(), key=lambda p: p["id"])
        fq = query.get("fq", [""])[0]
        match = re.search(r"metadata_modified:\[(\S+?)Z? TO \*\]", fq)
        if match:
            selected = [p for p in selected if p["metadata_modified"] >= match.group(1)]
        return self.ok({"count": len(selected), "results": selected[start : start + rows], "sort": "id asc"})

    def _package_list(self, _query: dict[str, list[str]]) -> Reply:
        return self.ok(sorted(p["name"] for p in self.packages.values()))

    def _package_show(self, query: dict[str, list[str]]) -> Reply:
        wanted = query.get("id", [""])[0]
        for package in self.packages.values():
            if wanted in (package["id"], package["name"]):
                return self.ok(package)
        return Reply(404, json.dumps({"success": False, "error": {"__type": "Not Found Error"}}).encode())


def ckan_package(number: int, *, modified: str = "2026-01-01T00:00:00.000000", **overrides: Any) -> dict[str, Any]:
    """A remote CKAN package dict shaped like package_show output."""
    package_id = f"00000000-0000-4000-8000-{number:012d}"
    package = {
        "id": package_id,
        "name": f"remote-dataset-{number}",
        "title": f"Remote dataset {number}",
        "notes": f"Description of dataset {number}",
        "type": "dataset",
        "state": "active",
        "private": False,
        "license_id": "cc-by",
        "metadata_created": "2025-01-01T00:00:00.000000",
        "metadata_modified": modified,
        "owner_org": "11111111-1111-4111-8111-111111111111",
        "organization": {"id": "11111111-1111-4111-8111-111111111111", "name": "remote-org", "title": "Remote org"},
        "tags": [{"id": "t1", "name": "economy"}, {"id": "t2", "name": f"tag-{number % 7}"}],
        "extras": [{"key": "theme", "value": "budget"}],
        "groups": [],
        "resources": [
            {"id": f"r-{number}", "url": f"https://remote.example.org/files/{number}.csv", "name": "Data",
             "format": "CSV", "description": "the data", "url_type": None, "position": 0},
        ],
    }
    package.update(overrides)
    return package

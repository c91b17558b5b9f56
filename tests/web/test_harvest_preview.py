"""The harvest preview (dry run) in a web request: it fetches the source outside any transaction, so a slow remote
never holds SQLite's write lock (every writer of the site would wait on it), and it has an overall deadline of its
own, so a remote that never answers does not hold the web worker past it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import make_user
from tests.web.conftest import csrf_token, log_in

# Per-request limits far above the preview's: only the preview's own deadline (or the test) ends its fetch.
PATIENT_HTTP = {"retries": 0, "read_timeout": 120, "connect_timeout": 5}


class HoldingServer:
    """Accepts connections and answers nothing until `release` is set, then closes them."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.connected = threading.Event()
        self.release = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connected.set()
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        self.release.wait(300)
        conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def close(self) -> None:
        self.release.set()
        self.sock.close()


@pytest.fixture
def holding() -> Iterator[HoldingServer]:
    server = HoldingServer()
    yield server
    server.close()


@pytest.fixture
def slow_source(call: Any, sysadmin: Any, org: dict[str, Any], holding: HoldingServer,
                outbound_allow_loopback: None) -> Any:
    """An organization admin logged in, with a CKAN source on the holding server."""
    admin = make_user(call, "orgadmin")
    call("organization_member_create", sysadmin, id=org["id"], username="orgadmin", role="admin")
    call("harvest_source_create", admin, name="lent", title="Lent", url=holding.url, source_type="ckan",
         owner_org=org["id"], config={"http": PATIENT_HTTP})
    return admin


def test_a_preview_waiting_on_its_source_blocks_no_writer(client: Any, call: Any, sysadmin: Any, org: dict[str, Any],
                                                          holding: HoldingServer, slow_source: Any) -> None:
    log_in(client, slow_source)
    token = csrf_token(client.get("/harvest/lent/preview").get_data(as_text=True))
    answer: dict[str, Any] = {}

    def preview() -> None:
        response = client.post("/harvest/lent/preview", data={"csrf_token": token},
                               headers={"Accept-Language": "en"})
        answer["status"], answer["html"] = response.status_code, response.get_data(as_text=True)

    thread = threading.Thread(target=preview)
    thread.start()
    try:
        assert holding.connected.wait(30), "the preview never fetched"
        # The preview's fetch is blocked on the server: an unrelated write goes through meanwhile (SQLite used to
        # wait for the preview's write transaction, then fail with 'database is locked').
        patched = call("organization_patch", sysadmin, id=org["id"], description="an unrelated write")
        assert patched["description"] == "an unrelated write"
        assert thread.is_alive() and not holding.release.is_set()  # the preview was still waiting on its source
    finally:
        holding.release.set()
        thread.join()
    assert answer["status"] == 200
    assert call("harvest_job_list", sysadmin, source_id="lent") == []  # the dry run's job was rolled back


def test_a_preview_ends_at_its_own_deadline(client: Any, call: Any, sysadmin: Any, holding: HoldingServer,
                                            slow_source: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("catalog.web.harvest.PREVIEW_SECONDS", 1)
    log_in(client, slow_source)
    token = csrf_token(client.get("/harvest/lent/preview").get_data(as_text=True))
    response = client.post("/harvest/lent/preview", data={"csrf_token": token}, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    # The source never answers and its read timeout is 120 s: only the preview's deadline ended the fetch.
    assert response.status_code == 200 and "ran out of time" in html
    assert not holding.release.is_set()
    assert call("harvest_job_list", sysadmin, source_id="lent") == []

"""A second Moisson instance as a CKAN source: a real create_app on a free 127.0.0.1 port (werkzeug server in
a thread) with its own SQLite database, loaded through actions, harvested through its real package_search."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from catalog.app import create_app
from catalog.context import SYSTEM
from catalog.registry import call_action
from catalog.services import services_of
from catalog.settings import Settings


class MoissonRemote:
    def __init__(self, workdir: Path) -> None:
        settings = Settings(database_url=f"sqlite:///{workdir / 'remote.db'}", site_url="http://remote.invalid",
                            secret_key="remote", storage_path=str(workdir / "storage"))
        self.app = create_app(settings)  # migrates its embedded SQLite database
        self.services = services_of(self.app)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def call(self, action: str, /, **data: Any) -> Any:
        return call_action(self.services, action, data, actor=SYSTEM)

    def close(self) -> None:
        self.server.shutdown()
        self.services.db.dispose()


@pytest.fixture
def moisson_remote(tmp_path: Path) -> Iterator[MoissonRemote]:
    remote = MoissonRemote(tmp_path)
    remote.call("organization_create", name="remote-agency", title="Remote agency")
    for number in range(25):
        remote.call("package_create", name=f"upstream-{number}", title=f"Upstream {number}",
                    owner_org="remote-agency", notes="From the other Moisson",
                    tags=[{"name": "upstream"}], extras=[{"key": "level", "value": str(number)}],
                    resources=[{"url": f"https://upstream.example.org/{number}.csv", "format": "CSV"}])
    yield remote
    remote.close()


def test_harvest_another_moisson(moisson_remote: MoissonRemote, make_source: Any, run: Any, call: Any,
                                 services: Any) -> None:
    source = make_source(moisson_remote.url, rows=10, remote_orgs="create")
    job = run(source)
    assert job["gather_errors"] == [] and job["stats"]["added"] == 25
    package = call("package_show", SYSTEM, id="upstream-7")
    assert package["organization"]["name"] == "remote-agency"
    assert {e["key"]: e["value"] for e in package["extras"]}["level"] == "7"
    assert package["resources"][0]["url"] == "https://upstream.example.org/7.csv"

    assert run(source, force_all=True)["stats"]["unchanged"] == 25
    moisson_remote.call("package_patch", id="upstream-3", title="Edited upstream")
    moisson_remote.call("package_delete", id="upstream-4")
    job = run(source, force_all=True)
    assert (job["stats"]["updated"], job["stats"]["deleted"], job["stats"]["unchanged"]) == (1, 1, 23)
    assert call("package_show", SYSTEM, id="upstream-3")["title"] == "Edited upstream"
    assert call("package_show", SYSTEM, id="upstream-4")["state"] == "deleted"

    # Incremental: the remote's package_search answers the metadata_modified window (minus one hour of
    # margin, so here every dataset is listed again and the hashes skip the unchanged ones).
    # It decides deletions too, from the remote's complete id listing (package_search fl=id).
    moisson_remote.call("package_patch", id="upstream-5", notes="Edited again")
    moisson_remote.call("package_delete", id="upstream-6")
    incremental = run(source)
    assert incremental["incremental_since"] is not None and incremental["gather_errors"] == []
    assert (incremental["stats"]["updated"], incremental["stats"]["deleted"]) == (1, 1)
    assert call("package_show", SYSTEM, id="upstream-6")["state"] == "deleted"
    assert call("package_show", SYSTEM, id="upstream-5")["notes"] == "Edited again"

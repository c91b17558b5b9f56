"""`moisson harvest ...` end to end in-process (click's runner), against the test database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from catalog.cli import main
from tests.harvest.conftest import FAST_HTTP
from tests.harvest.remote import FakeCkan


@pytest.fixture
def moisson(services: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("MOISSON_DATABASE_URL", services.settings.database_url)
    monkeypatch.delenv("MOISSON_REDIS_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def last_json(text: str) -> Any:
    return json.loads(text[text.index("{"):])


def test_harvest_commands(moisson: Any, filled_ckan: FakeCkan, org: dict[str, Any], call: Any,
                          sysadmin: Any) -> None:
    config = json.dumps({"rows": 10, "http": FAST_HTTP})
    assert "Created harvest source cli-src" in moisson(
        "harvest", "source", "add", "cli-src", filled_ckan.url, "--org", org["name"], "--config", config,
        "--frequency", "DAILY")
    assert "cli-src\tckan\tDAILY\tactive\taccepted" in moisson("harvest", "source", "list")

    preview = last_json(moisson("harvest", "run", "cli-src", "--dry-run", "--limit", "5"))
    assert preview["dry_run"] and preview["stats"]["added"] == 5
    assert call("package_search", sysadmin, rows=0)["count"] == 0

    job = last_json(moisson("harvest", "run", "cli-src"))
    assert job["status"] == "finished" and job["stats"]["added"] == 30
    assert "finished" in moisson("harvest", "jobs", "cli-src")
    assert last_json(moisson("harvest", "job", "cli-src"))["id"] == job["id"]
    assert last_json(moisson("harvest", "job", job["id"]))["stats"]["added"] == 30
    assert last_json(moisson("harvest", "source", "show", "cli-src"))["status"]["total_datasets"] == 30

    # Due by frequency only once: the first schedule runs it, the second finds nothing due.
    assert "1 job(s) created" in moisson("harvest", "schedule")
    assert "0 job(s) created" in moisson("harvest", "schedule")

    assert "Withdrew 30 dataset(s)" in moisson("harvest", "clear", "cli-src")
    assert "deactivated" in moisson("harvest", "source", "delete", "cli-src")
    assert "inactive" in moisson("harvest", "source", "list")

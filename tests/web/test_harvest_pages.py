"""Harvest source pages: each source's jobs with their statistics and errors, as the harvest actions allow."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from harvest.runner import RunOptions, harvest_source
from tests.conftest import make_user
from tests.web.conftest import log_in

FAST_HTTP = {"retries": 0, "backoff_factor": 0.01, "backoff_max": 0.05, "read_timeout": 1.0, "connect_timeout": 1.0}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def failed_source(call: Any, sysadmin: Any, org: dict[str, Any], services: Any,
                  outbound_allow_loopback: None) -> dict[str, Any]:
    """A CKAN source on a port nobody listens on (loopback, allowed), harvested once: a job whose gathering
    failed."""
    source = call("harvest_source_create", sysadmin, name="ailleurs", title="Portail <b>ailleurs</b>",
                  url=f"http://127.0.0.1:{closed_port()}/", source_type="ckan", owner_org=org["id"],
                  config={"http": FAST_HTTP})
    harvest_source(services, source["id"], RunOptions())
    return source


def test_sysadmin_sees_sources_jobs_and_errors(client: Any, sysadmin: Any, failed_source: dict[str, Any],
                                               call: Any) -> None:
    log_in(client, sysadmin)
    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/harvest"' in home
    listing = client.get("/harvest", headers={"Accept-Language": "en"})
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Portail &lt;b&gt;ailleurs&lt;/b&gt;" in html and "<b>ailleurs</b>" not in html
    source_page = client.get("/harvest/ailleurs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    job = call("harvest_job_list", sysadmin, source_id=failed_source["id"])[0]
    assert f"/harvest/ailleurs/job/{job['id']}" in source_page
    assert job["status"] in source_page
    messages = [e["message"] for e in job["gather_errors"]] + ([job["message"]] if job.get("message") else [])
    assert messages and any(m[:40] in source_page for m in messages)
    job_page = client.get(f"/harvest/ailleurs/job/{job['id']}", headers={"Accept-Language": "fr"})
    assert job_page.status_code == 200 and "Moissonnage" in job_page.get_data(as_text=True)


def test_harvest_pages_follow_the_harvest_actions_auth(client: Any, call: Any, sysadmin: Any, org: dict[str, Any],
                                                      failed_source: dict[str, Any]) -> None:
    anonymous = client.get("/harvest")
    assert anonymous.status_code == 302 and "/user/login" in anonymous.headers["Location"]
    log_in(client, make_user(call, "curieux"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/harvest"' not in home  # the menu entry is for administrators
    job = call("harvest_job_list", sysadmin, source_id=failed_source["id"])[0]
    for path in ["/harvest/ailleurs", f"/harvest/ailleurs/job/{job['id']}"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "gather" not in response.get_data(as_text=True).lower()
    # The organization's admin manages its sources.
    call("organization_member_create", sysadmin, id=org["id"], username="curieux", role="admin")
    assert client.get("/harvest/ailleurs").status_code == 200
    assert client.get("/harvest/nope/job/nope").status_code == 404

"""Harvest actions: who may do what, source validation before running, config schemas, jobs, logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user
from tests.harvest.remote import FakeCkan, ckan_package


@pytest.fixture
def org_admin(call: Any, sysadmin: Any, org: dict[str, Any]) -> Any:
    admin = make_user(call, "orgadmin")
    call("organization_member_create", sysadmin, id=org["id"], username="orgadmin", role="admin")
    return admin


def create(call: Any, actor: Any, org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = {"name": "src", "url": "http://127.0.0.1:9/ckan", "source_type": "ckan", "owner_org": org["id"]}
    return call("harvest_source_create", actor, **{**data, **fields})


def test_org_admin_source_waits_for_sysadmin_validation(
    call: Any, sysadmin: Any, org_admin: Any, org: dict[str, Any], fake_ckan: FakeCkan
) -> None:
    fake_ckan.put(ckan_package(1))
    source = create(call, org_admin, org, url=fake_ckan.url)
    assert source["validation"]["state"] == "pending"
    with pytest.raises(ValidationError) as refused:
        call("harvest_job_create", org_admin, source_id=source["id"])
    assert "validated by a sysadmin" in refused.value.errors["source_id"][0]
    with pytest.raises(NotAuthorized):
        call("harvest_source_validate", org_admin, id=source["id"], state="accepted")
    accepted = call("harvest_source_validate", sysadmin, id=source["id"], state="accepted", comment="ok")
    assert accepted["validation"]["state"] == "accepted"
    job = call("harvest_job_create", org_admin, source_id=source["id"])
    assert job["status"] == "new"
    with pytest.raises(ValidationError, match="already"):
        call("harvest_job_create", org_admin, source_id=source["id"])
    # Pointing an accepted source elsewhere sends it back to validation.
    moved = call("harvest_source_update", org_admin, id=source["id"], url="http://127.0.0.1:9/other")
    assert moved["validation"]["state"] == "pending"
    retitled = call("harvest_source_update", sysadmin, id=source["id"], title="New title")
    assert retitled["validation"]["state"] == "pending" and retitled["title"] == "New title"


def test_sysadmin_sources_are_accepted_and_show_status(call: Any, sysadmin: Any, org: dict[str, Any],
                                                        filled_ckan: FakeCkan, run: Any) -> None:
    source = create(call, sysadmin, org, url=filled_ckan.url, config=json.dumps({"rows": 10}))
    assert source["validation"]["state"] == "accepted" and json.loads(source["config"]) == {"rows": 10}
    run(source)
    shown = call("harvest_source_show", sysadmin, id="src")
    assert shown["status"]["job_count"] == 1 and shown["status"]["total_datasets"] == 30
    assert shown["status"]["last_job"]["stats"]["added"] == 30
    [job] = call("harvest_job_list", sysadmin, source_id="src")
    assert call("harvest_job_show", sysadmin, id=job["id"])["stats"]["added"] == 30
    logs = call("harvest_log_list", sysadmin, source_id="src", level="info")
    assert logs[0]["content"].startswith("Job finished")
    cleared = call("harvest_source_clear", sysadmin, id="src")
    assert cleared["withdrawn"] == 30
    assert call("package_search", sysadmin, rows=0)["count"] == 0
    assert call("harvest_source_show", sysadmin, id="src")["status"]["job_count"] == 0


def test_others_cannot_see_or_manage_sources(call: Any, sysadmin: Any, org_admin: Any, org: dict[str, Any]) -> None:
    source = create(call, org_admin, org)
    editor = make_user(call, "editor")
    call("organization_member_create", sysadmin, id=org["id"], username="editor", role="editor")
    stranger = make_user(call, "stranger")
    for actor in (editor, stranger):
        for name, data in (("harvest_source_show", {"id": source["id"]}),
                           ("harvest_source_update", {"id": source["id"], "title": "x"}),
                           ("harvest_job_create", {"source_id": source["id"]}),
                           ("harvest_source_clear", {"id": source["id"]})):
            with pytest.raises(NotAuthorized):
                call(name, actor, **data)
        with pytest.raises(NotAuthorized):
            create(call, actor, org, name="other")
        assert call("harvest_source_list", actor) == []
    assert [s["name"] for s in call("harvest_source_list", org_admin)] == ["src"]
    with pytest.raises(NotAuthorized):
        call("harvest_log_list", org_admin)  # the whole log is for sysadmins


@pytest.mark.parametrize("fields, field, message", [
    ({"config": '{"rows": 5000}'}, "config", "rows: 5000 is greater than the maximum of 1000"),
    ({"config": '{"nope": 1}'}, "config", "Additional properties are not allowed"),
    ({"config": "{not json"}, "config", "Invalid JSON"),
    ({"config": json.dumps({"organizations_filter_include": ["a"], "organizations_filter_exclude": ["b"]})},
     "config", "should not be valid"),
    ({"url": "file:///etc/passwd"}, "url", "http or https"),
    ({"source_type": "csw"}, "source_type", "Unknown harvester type csw"),
    ({"frequency": "YEARLY"}, "frequency", "Frequency must be one of"),
])
def test_invalid_sources_are_refused(fields: dict[str, Any], field: str, message: str, call: Any,
                                     sysadmin: Any, org: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        create(call, sysadmin, org, **fields)
    assert message in " ".join(error.value.errors[field])


def test_abort_and_delete(call: Any, sysadmin: Any, org: dict[str, Any]) -> None:
    source = create(call, sysadmin, org)
    job = call("harvest_job_create", sysadmin, source_id="src")
    assert call("harvest_job_abort", sysadmin, id=job["id"])["status"] == "aborted"
    second = call("harvest_job_create", sysadmin, source_id="src")
    call("harvest_source_delete", sysadmin, id=source["id"])
    assert call("harvest_job_show", sysadmin, id=second["id"])["status"] == "aborted"
    assert call("harvest_source_show", sysadmin, id="src")["active"] is False
    with pytest.raises(ValidationError, match="not active"):
        call("harvest_job_create", sysadmin, source_id="src")
    with pytest.raises(NotFound):
        call("harvest_object_show", sysadmin, id="00000000-0000-0000-0000-000000000000")


def test_dry_run_reports_without_writing(filled_ckan: FakeCkan, call: Any, sysadmin: Any, org: dict[str, Any],
                                         services: Any) -> None:
    from harvest.dry_run import dry_run

    filled_ckan.put(ckan_package(99, extras=[{"key": "url", "value": "shadows a core field"}]))
    source = create(call, sysadmin, org, url=filled_ckan.url)
    report = dry_run(services, source["id"], limit=31)
    assert report["stats"]["added"] == 30 and report["stats"]["errored"] == 1
    assert {r["status"] for r in report["records"]} == {"added", "errored"}
    assert call("package_search", sysadmin, rows=0)["count"] == 0
    assert call("harvest_source_show", sysadmin, id="src")["status"]["job_count"] == 0

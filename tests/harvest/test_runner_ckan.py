"""Harvesting a CKAN API (a fixture server on 127.0.0.1): incremental runs, change detection, deletions and
their guard, identity and ownership."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from catalog.context import SYSTEM
from catalog.dataset.models import Package
from harvest.models import HarvestObject
from tests.harvest.remote import FakeCkan, ckan_package


def states(services: Any) -> dict[str, str]:
    with services.db.unit_of_work(write=False) as session:
        return dict(session.execute(select(Package.name, Package.state)).all())


def modified(services: Any) -> dict[str, Any]:
    with services.db.unit_of_work(write=False) as session:
        return dict(session.execute(select(Package.name, Package.metadata_modified)).all())


def test_first_run_creates_datasets_with_provenance(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                    call: Any, org: dict[str, Any]) -> None:
    source = make_source(filled_ckan.url, rows=7)
    job = run(source)
    assert job["status"] == "finished"
    assert job["stats"] == {"gathered": 30, "added": 30, "updated": 0, "unchanged": 0, "deleted": 0,
                            "errored": 0, "skipped": 0}
    package = call("package_show", SYSTEM, id="remote-dataset-4")
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["harvest_source_id"] == source["id"]
    assert extras["harvest_source_title"] == "Source remote-source"
    assert extras["guid"] == ckan_package(4)["id"]
    assert extras["remote_url"] == filled_ckan.url + "/dataset/remote-dataset-4"
    assert extras["theme"] == "budget"
    assert package["owner_org"] == org["id"]
    # The remote id is not reused as the local id (two remotes sharing ids must not collide).
    assert package["id"] != ckan_package(4)["id"]
    assert [r["url"] for r in package["resources"]] == ["https://remote.example.org/files/4.csv"]
    with_object = call("harvest_object_show", SYSTEM, id=extras["harvest_object_id"])
    assert with_object["package_id"] == package["id"] and with_object["status"] == "added"


def test_unchanged_rerun_writes_nothing_and_one_change_is_one_update(
    filled_ckan: FakeCkan, make_source: Any, run: Any, services: Any, call: Any
) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    before = modified(services)
    resource_id = call("package_show", SYSTEM, id="remote-dataset-2")["resources"][0]["id"]
    second = run(source, force_all=True)
    assert second["stats"]["unchanged"] == 30 and second["stats"]["added"] == 0
    assert modified(services) == before
    filled_ckan.put(ckan_package(2, title="Renamed upstream", modified="2026-02-01T00:00:00.000000"))
    third = run(source, force_all=True)
    assert (third["stats"]["updated"], third["stats"]["unchanged"]) == (1, 29)
    package = call("package_show", SYSTEM, id="remote-dataset-2")
    assert package["title"] == "Renamed upstream"
    assert package["resources"][0]["id"] == resource_id  # resource identity survives the update
    assert {k: v for k, v in modified(services).items() if v != before[k]} == {"remote-dataset-2": package_modified(package)}


def package_modified(package: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(package["metadata_modified"])


def test_incremental_run_asks_only_for_recent_changes(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                      remote: Any) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    filled_ckan.put(ckan_package(5, title="Changed", modified="2099-01-01T00:00:00.000000"))
    remote.requests.clear()
    job = run(source)
    # Records are asked for changes only; the id listing that decides deletions (fl=id) is the exception.
    fqs = [q.get("fq", [""])[0] for path, q in remote.requests
           if path.endswith("package_search") and q.get("fl") != ["id"]]
    assert fqs and all("metadata_modified:[" in fq for fq in fqs)
    assert job["incremental_since"] is not None
    assert job["stats"]["gathered"] == 1 and job["stats"]["updated"] == 1
    assert job["stats"]["deleted"] == 0 and job["gather_errors"] == []


def test_remote_deletion_withdraws_the_dataset_and_it_can_come_back(
    filled_ckan: FakeCkan, make_source: Any, run: Any, services: Any
) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    gone = ckan_package(7)
    filled_ckan.remove(gone["id"])
    job = run(source, force_all=True)
    assert job["stats"]["deleted"] == 1
    assert states(services)["remote-dataset-7"] == "deleted"  # withdrawn, not purged
    assert sum(1 for s in states(services).values() if s == "active") == 29
    filled_ckan.put(gone)
    back = run(source, force_all=True)
    assert back["stats"]["updated"] == 1
    assert states(services)["remote-dataset-7"] == "active"
    assert len(states(services)) == 30  # the same dataset, not a duplicate


def test_source_returning_nothing_deletes_nothing(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                  services: Any) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    filled_ckan.packages.clear()
    job = run(source, force_all=True)
    assert job["status"] == "finished" and job["stats"]["deleted"] == 0
    assert "listed no datasets" in job["message"] and job["gather_errors"]
    assert set(states(services).values()) == {"active"}


def test_shrinking_more_than_the_threshold_stops_before_deleting(
    filled_ckan: FakeCkan, make_source: Any, run: Any, services: Any
) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    for number in range(4):  # 4 of 30 = 13 % > 10 %
        filled_ckan.remove(ckan_package(number)["id"])
    job = run(source, force_all=True)
    assert job["stats"]["deleted"] == 0
    assert "4 of 30 dataset(s) (13%) are missing" in job["message"]
    assert set(states(services).values()) == {"active"}
    confirmed = run(source, force_all=True, allow_mass_deletion=True)
    assert confirmed["stats"]["deleted"] == 4


def test_configured_threshold(filled_ckan: FakeCkan, make_source: Any, run: Any) -> None:
    source = make_source(filled_ckan.url, deletion_threshold=0.5)
    run(source)
    for number in range(10):
        filled_ckan.remove(ckan_package(number)["id"])
    assert run(source, force_all=True)["stats"]["deleted"] == 10


def test_name_clash_with_a_local_dataset_gets_a_deterministic_suffix(
    filled_ckan: FakeCkan, make_source: Any, run: Any, call: Any, sysadmin: Any, org: dict[str, Any]
) -> None:
    call("package_create", sysadmin, name="remote-dataset-1", title="Mine", owner_org=org["id"])
    source = make_source(filled_ckan.url)
    job = run(source)
    assert job["stats"]["added"] == 30
    assert call("package_show", SYSTEM, id="remote-dataset-1")["title"] == "Mine"  # untouched
    harvested = [n for n in call("package_list", SYSTEM) if n.startswith("remote-dataset-1-")]
    assert len(harvested) == 1 and len(harvested[0]) == len("remote-dataset-1-") + 8
    # Same suffix on a second source instance? No: it derives from (source, guid) and stays on re-runs.
    filled_ckan.put(ckan_package(1, title="v2", modified="2026-03-01T00:00:00.000000"))
    run(source, force_all=True)
    assert call("package_show", SYSTEM, id=harvested[0])["title"] == "v2"


def test_two_sources_sharing_remote_ids_do_not_overwrite_each_other(
    remote: Any, make_source: Any, run: Any, call: Any
) -> None:
    first, second = FakeCkan(remote, "/a"), FakeCkan(remote, "/b")
    first.put(ckan_package(1, title="From A"))
    second.put(ckan_package(1, title="From B"))
    run(make_source(first.url, name="source-a"))
    run(make_source(second.url, name="source-b"))
    titles = sorted(call("package_show", SYSTEM, id=n)["title"] for n in call("package_list", SYSTEM))
    assert titles == ["From A", "From B"]


def test_a_dataset_taken_over_locally_is_never_overwritten(
    filled_ckan: FakeCkan, make_source: Any, run: Any, call: Any, sysadmin: Any, services: Any
) -> None:
    source = make_source(filled_ckan.url)
    run(source)
    local = call("package_show", SYSTEM, id="remote-dataset-3")
    kept = [e for e in local["extras"] if e["key"] not in ("harvest_source_id", "harvest_object_id")]
    call("package_patch", sysadmin, id=local["id"], title="Curated locally", extras=kept)
    filled_ckan.put(ckan_package(3, title="Upstream edit", modified="2026-05-01T00:00:00.000000"))
    filled_ckan.remove(ckan_package(4)["id"])  # also: a vanished record whose dataset is still ours
    job = run(source, force_all=True)
    assert job["stats"]["errored"] == 1 and job["stats"]["deleted"] == 1
    assert call("package_show", SYSTEM, id="remote-dataset-3")["title"] == "Curated locally"
    detail = call("harvest_job_show", SYSTEM, id=job["id"])
    [error] = detail["object_errors"]
    assert "managed by a local user" in error["errors"][0]
    with services.db.unit_of_work(write=False) as session:
        assert session.scalar(select(HarvestObject.status).where(
            HarvestObject.job_id == job["id"], HarvestObject.guid == ckan_package(3)["id"])) == "errored"


def test_invalid_record_is_errored_and_others_import(filled_ckan: FakeCkan, make_source: Any, run: Any,
                                                    call: Any) -> None:
    filled_ckan.put(ckan_package(99, extras=[{"key": "title", "value": "shadows a core field"}]))
    job = run(make_source(filled_ckan.url))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (30, 1)
    [error] = call("harvest_job_show", SYSTEM, id=job["id"])["object_errors"]
    assert error["guid"] == ckan_package(99)["id"] and error["errors"][0].startswith("Validation error")


def test_harvest_sources_of_the_remote_are_skipped(fake_ckan: FakeCkan, make_source: Any, run: Any) -> None:
    fake_ckan.put(ckan_package(1))
    fake_ckan.put(ckan_package(2, type="harvest"))
    job = run(make_source(fake_ckan.url))
    assert (job["stats"]["added"], job["stats"]["skipped"]) == (1, 1)


def test_config_defaults_and_remote_orgs(fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any) -> None:
    fake_ckan.put(ckan_package(1))
    source = make_source(fake_ckan.url, default_tags=[{"name": "harvested"}], remote_orgs="create",
                         default_extras={"origin": "{harvest_source_url}"})
    run(source)
    package = call("package_show", SYSTEM, id="remote-dataset-1")
    assert {t["name"] for t in package["tags"]} == {"economy", "tag-1", "harvested"}
    assert {e["key"]: e["value"] for e in package["extras"]}["origin"] == fake_ckan.url
    assert package["organization"]["name"] == "remote-org"


def test_package_list_fallback_when_search_is_missing(fake_ckan: FakeCkan, make_source: Any, run: Any) -> None:
    for number in range(5):
        fake_ckan.put(ckan_package(number))
    fake_ckan.search_enabled = False
    job = run(make_source(fake_ckan.url, rows=2))
    assert job["stats"]["added"] == 5 and job["gather_complete"]


def test_oversized_record_fails_alone(fake_ckan: FakeCkan, make_source: Any, run: Any, call: Any) -> None:
    fake_ckan.put(ckan_package(1))
    many = [{"url": f"https://remote.example.org/{n}.csv", "format": "CSV"} for n in range(5)]
    fake_ckan.put(ckan_package(2, resources=many))
    job = run(make_source(fake_ckan.url, max_resources_per_record=3))
    assert (job["stats"]["added"], job["stats"]["errored"]) == (1, 1)
    [error] = call("harvest_job_show", SYSTEM, id=job["id"])["object_errors"]
    assert "more than max_resources_per_record=3" in error["errors"][0]

"""ckanapi, the CKAN community's client, end to end against `moisson serve`: RemoteCKAN and `ckanapi dump/load`."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from tests.servers import ServerProcess

pytestmark = pytest.mark.slow

# Keys that legitimately differ after a purge and a reload: creation times, the loader's identity, and the
# organization object (its package-independent fields are compared through owner_org).
RELOAD_VOLATILE = {"metadata_created", "metadata_modified", "creator_user_id"}
RESOURCE_VOLATILE = {"created", "metadata_modified", "last_modified"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def remote(live_server: ServerProcess) -> ckanapi.RemoteCKAN:
    with ckanapi.RemoteCKAN(live_server.url, apikey=live_server.token, user_agent="moisson-tests") as ckan:
        yield ckan


@pytest.fixture(scope="module")
def organization(remote: ckanapi.RemoteCKAN) -> dict[str, Any]:
    return remote.action.organization_create(name=unique("ckanapi-org"), title="Caisse d'allocations familiales")


def dataset_body(org_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": unique("ckanapi-ds"), "title": "Bénéficiaires de la prime d'activité", "owner_org": org_id,
        "license_id": "lov2", "notes": "Effectifs par département.\nSource : CNAF.",
        "author": "CNAF", "maintainer_email": "open-data@example.org", "version": "2024",
        "tags": [{"name": name} for name in ("prime", "activité", "département", "CNAF", "famille")],
        "extras": [{"key": k, "value": v} for k, v in
                   (("frequency", "annual"), ("temporal_start", "2016-01-01"),
                    ("temporal_end", "2023-12-31"), ("geographic_level", "département"))],
        "resources": [{"url": f"http://example.org/{i}.csv", "name": f"Fichier {i}", "format": "CSV",
                       "description": f"Millésime {2020 + i}"} for i in range(3)],
        **extra,
    }


# -- RemoteCKAN --------------------------------------------------------------------------------------------------

def test_remote_action_calls(remote, organization):
    created = remote.action.package_create(**dataset_body(organization["id"]))
    assert created["num_resources"] == 3 and created["num_tags"] == 5
    shown = remote.action.package_show(id=created["name"])
    assert shown == created
    patched = remote.call_action("package_patch", {"id": created["id"], "title": "Nouveau titre"})
    assert patched["title"] == "Nouveau titre"
    assert [r["id"] for r in patched["resources"]] == [r["id"] for r in created["resources"]]
    assert created["name"] in remote.action.package_list()
    resource = remote.action.resource_create(package_id=created["id"], url="http://example.org/more.txt")
    assert resource["position"] == 3
    assert remote.action.resource_show(id=resource["id"])["package_id"] == created["id"]


def test_remote_get_only_reads(live_server, organization, remote):
    created = remote.action.package_create(**dataset_body(organization["id"]))
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as reader:
        assert reader.action.package_show(id=created["id"])["name"] == created["name"]
        assert reader.action.organization_show(id=organization["name"])["id"] == organization["id"]


def test_remote_error_mapping(live_server, organization, remote):
    with pytest.raises(ckanapi.ValidationError) as caught:
        remote.action.package_create(name="Bad Name!", owner_org=organization["id"])
    assert caught.value.error_dict["__type"] == "Validation Error"
    assert caught.value.error_dict["name"]
    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id=unique("missing"))
    with ckanapi.RemoteCKAN(live_server.url) as anonymous:
        with pytest.raises(ckanapi.NotAuthorized):
            anonymous.action.package_create(name=unique("anon"), owner_org=organization["id"])
    with ckanapi.RemoteCKAN(live_server.url, apikey="moisson_not-a-real-token") as bogus:
        with pytest.raises(ckanapi.NotAuthorized):
            bogus.action.organization_create(name=unique("bogus"))
    with pytest.raises(ckanapi.CKANAPIError):
        remote.call_action("no_such_action", {})


# -- the ckanapi CLI ---------------------------------------------------------------------------------------------

def ckanapi_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [shutil.which("ckanapi") or "ckanapi", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, None), f"ckanapi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def comparable(package: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in package.items() if k not in RELOAD_VOLATILE}
    out["resources"] = [{k: v for k, v in r.items() if k not in RESOURCE_VOLATILE} for r in package["resources"]]
    return out


def test_cli_dump_purge_load_round_trip(live_server, organization, remote, tmp_path: Path):
    originals = [remote.action.package_create(**dataset_body(organization["id"])) for _ in range(4)]
    dump_file = tmp_path / "datasets.jsonl"
    ckanapi_cli("dump", "datasets", "--all", "-q", "-O", str(dump_file), "-r", live_server.url,
                "-a", live_server.token)
    dumped = [json.loads(line) for line in dump_file.read_text().splitlines()]
    by_id = {package["id"]: package for package in dumped}
    assert {p["id"] for p in originals} <= set(by_id)
    for original in originals:
        assert by_id[original["id"]] == remote.action.package_show(id=original["id"])

    for package in dumped:
        remote.action.dataset_purge(id=package["id"])
    assert remote.action.package_list() == []

    log_file = tmp_path / "load.log"
    ckanapi_cli("load", "datasets", "-q", "-I", str(dump_file), "-l", str(log_file), "-r", live_server.url,
                "-a", live_server.token)
    errors = [entry for entry in map(json.loads, log_file.read_text().splitlines()) if entry[3]]
    assert errors == []
    for package in dumped:
        reloaded = remote.action.package_show(id=package["id"])
        assert comparable(reloaded) == comparable(package)
    assert sorted(remote.action.package_list()) == sorted(p["name"] for p in dumped)


def test_cli_load_updates_existing_datasets(live_server, organization, remote, tmp_path: Path):
    original = remote.action.package_create(**dataset_body(organization["id"]))
    edited = {**original, "title": "Titre modifié par ckanapi load", "notes": "Nouvelle description."}
    input_file = tmp_path / "edited.jsonl"
    input_file.write_text(json.dumps(edited) + "\n")
    ckanapi_cli("load", "datasets", "-q", "-I", str(input_file), "-r", live_server.url, "-a", live_server.token)
    updated = remote.action.package_show(id=original["id"])
    assert updated["title"] == "Titre modifié par ckanapi load"
    assert [r["id"] for r in updated["resources"]] == [r["id"] for r in original["resources"]]
    assert comparable({**updated, "title": original["title"], "notes": original["notes"]}) == comparable(original)


def test_cli_load_by_an_editor_into_an_organization_that_requires_review(live_server, remote, tmp_path: Path):
    """ckanapi load by an editor (issue 16): new datasets become drafts awaiting review and changes of published
    ones are held, with no error in ckanapi's log; the public keeps the published version."""
    org = remote.action.organization_create(name=unique("relue"), review_required=True)
    editor = remote.action.user_create(name=unique("editeur"), email=f"{unique('e')}@example.org",
                                       password="correct-horse-battery")
    remote.action.organization_member_create(id=org["id"], username=editor["name"], role="editor")
    token = remote.action.api_token_create(user=editor["name"], name="load")["token"]
    published = remote.action.package_create(**dataset_body(org["id"]))
    new = dataset_body(org["id"])
    input_file, log_file = tmp_path / "datasets.jsonl", tmp_path / "load.log"
    input_file.write_text(json.dumps(new) + "\n" + json.dumps({**published, "title": "Titre proposé"}) + "\n")
    ckanapi_cli("load", "datasets", "-q", "-I", str(input_file), "-l", str(log_file), "-r", live_server.url,
                "-a", token)
    assert [entry for entry in map(json.loads, log_file.read_text().splitlines()) if entry[3]] == []
    with ckanapi.RemoteCKAN(live_server.url, user_agent="moisson-tests") as anonymous:
        with pytest.raises(ckanapi.NotAuthorized):
            anonymous.action.package_show(id=new["name"])
        assert anonymous.action.package_show(id=published["id"])["title"] == published["title"]
    queue = remote.action.review_list(organization=org["name"], status="open")
    assert sorted((r["package_name"], r["kind"], r["status"]) for r in queue["results"]) == sorted(
        [(new["name"], "new", "draft"), (published["name"], "edit", "draft")])
    assert remote.action.review_show(id=published["id"])["pending"]["title"] == "Titre proposé"

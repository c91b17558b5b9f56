"""package_update (CKAN 2.12 semantics), package_patch and package_revise."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user
from tests.dataset.test_package_create import full_dataset


@pytest.fixture
def dataset(call, sysadmin, org):
    return call("package_create", sysadmin, **full_dataset(org["id"]))


def test_package_update_keeps_omitted_resources_and_groups(call, sysadmin, dataset):
    updated = call("package_update", sysadmin, id=dataset["id"], name=dataset["name"], title="Nouveau titre")
    assert updated["title"] == "Nouveau titre"
    assert [r["id"] for r in updated["resources"]] == [r["id"] for r in dataset["resources"]]
    assert updated["tags"] == [] and updated["extras"] == []  # omitted tags and extras are cleared
    assert updated["notes"] is None and updated["license_id"] is None  # omitted core text cleared
    assert updated["owner_org"] == dataset["owner_org"]  # owner_org kept
    assert updated["metadata_modified"] > dataset["metadata_modified"]


def test_package_update_preserves_resource_ids_and_positions(call, sysadmin, dataset):
    first, second = dataset["resources"]
    body = {**dataset, "resources": [{**second, "name": "renamed"}, {"url": "http://example.org/new.csv"}]}
    updated = call("package_update", sysadmin, **body)
    assert [r["id"] for r in updated["resources"]][0] == second["id"]
    assert updated["resources"][0]["name"] == "renamed" and updated["resources"][0]["position"] == 0
    assert updated["resources"][1]["id"] not in (first["id"], second["id"])
    assert updated["num_resources"] == 2
    with pytest.raises(NotFound):
        call("resource_show", sysadmin, id=first["id"])


def test_package_update_no_op_changes_nothing(call, sysadmin, dataset):
    again = call("package_update", sysadmin, **dataset)
    assert again == dataset
    activities = call("package_activity_list", sysadmin, id=dataset["id"])
    assert [a["activity_type"] for a in activities] == ["new package"]


def test_package_update_missing_id_and_unknown(call, sysadmin):
    with pytest.raises(ValidationError) as caught:
        call("package_update", sysadmin, title="x")
    assert caught.value.errors == {"id": ["Missing value"]}
    with pytest.raises(NotFound) as caught:
        call("package_update", sysadmin, id="nope", name="nope")
    assert caught.value.error_body()["message"] == "Not found: Package was not found."


def test_package_update_authorization(call, sysadmin, org, dataset):
    with pytest.raises(NotAuthorized):
        call("package_update", ANONYMOUS, **dataset)
    member = make_user(call, "membre")
    call("organization_member_create", sysadmin, id=org["id"], username="membre", role="member")
    with pytest.raises(NotAuthorized):
        call("package_update", member, **dataset)
    editor = make_user(call, "editeur")
    call("organization_member_create", sysadmin, id=org["id"], username="editeur", role="editor")
    assert call("package_update", editor, **{**dataset, "title": "Par l'éditeur"})["title"] == "Par l'éditeur"


def test_package_update_rename_checks_name(call, sysadmin, org, dataset):
    call("package_create", sysadmin, name="autre", owner_org=org["id"])
    with pytest.raises(ValidationError) as caught:
        call("package_update", sysadmin, **{**dataset, "name": "autre"})
    assert caught.value.errors == {"name": ["That URL is already in use."]}
    renamed = call("package_update", sysadmin, **{**dataset, "name": "nouveau-nom"})
    assert call("package_show", ANONYMOUS, id="nouveau-nom")["id"] == renamed["id"]


def test_package_update_failed_write_changes_nothing(call, sysadmin, dataset):
    with pytest.raises(ValidationError):
        call("package_update", sysadmin, **{**dataset, "title": "changed", "extras": [{"key": "id", "value": "x"}]})
    assert call("package_show", sysadmin, id=dataset["id"]) == dataset


def test_package_patch_merges_top_level_keys(call, sysadmin, dataset):
    patched = call("package_patch", sysadmin, id=dataset["name"], notes="Nouvelle description")
    assert patched["notes"] == "Nouvelle description"
    assert patched["tags"] == dataset["tags"] and patched["extras"] == dataset["extras"]
    assert [r["id"] for r in patched["resources"]] == [r["id"] for r in dataset["resources"]]


def test_package_revise_match_and_update(call, sysadmin, dataset):
    result = call("package_revise", sysadmin, match={"name": dataset["name"]},
                  update={"title": "Révisé"}, **{"update__resources__0__name": "premier"})
    package = result["package"]
    assert package["title"] == "Révisé" and package["resources"][0]["name"] == "premier"
    assert package["resources"][1]["name"] == dataset["resources"][1]["name"]
    with pytest.raises(ValidationError) as caught:
        call("package_revise", sysadmin, match={"name": dataset["name"], "title": "wrong"}, update={"title": "x"})
    assert caught.value.errors == {"match": ["title"]}
    with pytest.raises(ValidationError) as caught:
        call("package_revise", sysadmin, update={"title": "x"})
    assert caught.value.errors == {"match__id": ["Missing value"]}


def test_package_revise_by_resource_id_prefix_and_extend(call, sysadmin, dataset):
    prefix = dataset["resources"][1]["id"][:8]
    result = call("package_revise", sysadmin, match={"id": dataset["id"]},
                  **{f"update__resources__{prefix}__description": "le lisez-moi",
                     "update__resources__extend": [{"url": "http://example.org/2014.csv"}]})
    resources = result["package"]["resources"]
    assert resources[1]["description"] == "le lisez-moi" and len(resources) == 3


def test_package_revise_reads_an_all_digit_id_prefix_as_an_id_not_a_position():
    # About 2% of uuids start with 8 digits; CKAN tries the id prefix first.
    from catalog.dataset.actions.revise import apply_path

    package = {"resources": [{"id": "0a1b2c3d-x"}, {"id": "78421443-x"}]}
    apply_path(package, ["resources", "78421443", "description"], "le lisez-moi")
    assert package["resources"][1] == {"id": "78421443-x", "description": "le lisez-moi"}


def test_package_revise_position_out_of_range_is_a_validation_error(call, sysadmin, dataset):
    with pytest.raises(ValidationError) as caught:
        call("package_revise", sysadmin, match={"id": dataset["id"]}, update__resources__7__name="x")
    assert caught.value.errors == {"update": ["Unable to find item 7"]}


def test_package_revise_filter_removes_resource(call, sysadmin, dataset):
    result = call("package_revise", sysadmin, match={"id": dataset["id"]}, filter=["-resources__1"])
    assert [r["id"] for r in result["package"]["resources"]] == [dataset["resources"][0]["id"]]


@pytest.mark.parametrize("payload", [{"match": {"id": "x"}, "update": "abc"}, {"match": "zz"}, {"match": "[1]"}])
def test_package_revise_rejects_non_object_match_or_update(call, sysadmin, payload):
    with pytest.raises(ValidationError) as caught:
        call("package_revise", sysadmin, **payload)
    assert set(caught.value.errors) <= {"match", "update"}


def test_package_show_by_name_after_rename_in_one_session(services, sysadmin, org, call):
    """The per-session lookup cache never answers for a name the dataset no longer has."""
    from catalog.dataset.queries import get_package
    from catalog.errors import NotFound as NF
    from catalog.registry import unit

    created = call("package_create", sysadmin, name="ancien-nom", owner_org=org["id"])
    with unit(services, sysadmin, write=True) as ctx:
        session = ctx.session
        assert get_package(session, "ancien-nom").id == created["id"]
        ctx.call("package_patch", {"id": created["id"], "name": "nouveau-nom"})
        assert get_package(session, "ancien-nom") is None
        with pytest.raises(NF):
            ctx.call("package_show", {"id": "ancien-nom"})

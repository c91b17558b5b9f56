"""resource_view_* as CKAN answers them (reference/ckan-api.md §2.4): the view dict with its settings at the top level,
the order, CKAN's errors, who may write (package_update on the dataset) and who may read (resource_show's rule), and
views going with their resource."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user

VIEW_KEYS = {"id", "resource_id", "package_id", "title", "description", "view_type"}


@pytest.fixture
def dataset(call: Any, sysadmin: Any, org: dict[str, Any]) -> dict[str, Any]:
    return call("package_create", sysadmin, name="depenses", owner_org=org["id"],
                resources=[{"url": "https://example.org/a.csv", "name": "a"},
                           {"url": "https://example.org/b.png", "name": "b"}])


@pytest.fixture
def resource(dataset: dict[str, Any]) -> dict[str, Any]:
    return dataset["resources"][0]


def test_resource_view_create_returns_ckans_view_dict(call, sysadmin, dataset, resource):
    view = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Image", view_type="image_view",
                image_url="https://example.org/b.png")
    assert set(view) == VIEW_KEYS | {"image_url"}
    assert view["resource_id"] == resource["id"] and view["package_id"] == dataset["id"]
    assert view["image_url"] == "https://example.org/b.png" and view["description"] is None
    text = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Texte", view_type="text_view",
                description="Le fichier")
    assert set(text) == VIEW_KEYS and text["description"] == "Le fichier"
    # settings given as a config object come back at the top level too
    table = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Table",
                 view_type="datatables_view", config={"responsive": True})
    assert table["responsive"] is True and "config" not in table


def test_resource_view_create_errors(call, sysadmin, resource):
    with pytest.raises(ValidationError) as error:
        call("resource_view_create", sysadmin, resource_id=resource["id"], title="x", view_type="recline_view")
    assert error.value.errors == {"view_type": "No plugin found for view_type recline_view"}
    with pytest.raises(ValidationError) as error:
        call("resource_view_create", sysadmin, resource_id=resource["id"], view_type="text_view")
    assert error.value.errors == {"title": ["Missing value"]}
    with pytest.raises(ValidationError) as error:
        call("resource_view_create", sysadmin, resource_id=resource["id"], title="x", view_type="image_view",
             colour="red")
    assert error.value.errors == {"__junk": ["The input field colour was not expected."]}
    with pytest.raises(ValidationError) as error:
        call("resource_view_create", sysadmin, resource_id=resource["id"], title="x", view_type="chart",
             agg="median")
    assert set(error.value.errors) == {"agg"}
    with pytest.raises(ValidationError) as error:
        call("resource_view_create", sysadmin, resource_id=resource["id"], title="x", view_type="chart", agg="sum")
    assert set(error.value.errors) == {"group_by", "value"}
    with pytest.raises(NotFound):
        call("resource_view_create", sysadmin, resource_id="nope", title="x", view_type="text_view")


def test_resource_view_create_checks_chart_columns_against_the_datastore_table(call, sysadmin, dataset):
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                   fields=[{"id": "region", "type": "text"}, {"id": "montant", "type": "int"}],
                   records=[{"region": "Corse", "montant": 3}])
    rid = created["resource_id"]
    try:
        with pytest.raises(ValidationError) as error:
            call("resource_view_create", sysadmin, resource_id=rid, title="x", view_type="chart", group_by="nope",
                 value="region")
        assert set(error.value.errors) == {"group_by", "value"}
        chart = call("resource_view_create", sysadmin, resource_id=rid, title="Montants", view_type="chart",
                     group_by="region", value="montant", agg="sum", kind="bar")
        assert {k: chart[k] for k in ("group_by", "value", "agg", "kind")} == {
            "group_by": "region", "value": "montant", "agg": "sum", "kind": "bar"}
    finally:
        call("datastore_delete", sysadmin, resource_id=rid, force=True)


def test_resource_view_show_and_list_in_order(call, sysadmin, resource):
    first = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Un", view_type="text_view")
    second = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Deux", view_type="text_view")
    assert call("resource_view_show", ANONYMOUS, id=first["id"]) == first
    assert [v["id"] for v in call("resource_view_list", ANONYMOUS, id=resource["id"])] == [first["id"], second["id"]]
    with pytest.raises(NotFound):
        call("resource_view_show", ANONYMOUS, id="nope")
    with pytest.raises(NotFound):
        call("resource_view_list", ANONYMOUS, id="nope")


def test_resource_view_update_replaces_title_and_settings(call, sysadmin, resource):
    view = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Image", view_type="image_view",
                image_url="https://example.org/1.png", description="avant")
    updated = call("resource_view_update", sysadmin, id=view["id"], title="Autre", view_type="text_view")
    # the type stays; settings not given are dropped, as CKAN's resource_view_dict_save does
    assert updated == {**{k: view[k] for k in VIEW_KEYS}, "title": "Autre", "description": None}
    assert call("resource_view_show", sysadmin, id=view["id"]) == updated
    with pytest.raises(ValidationError):
        call("resource_view_update", sysadmin, id=view["id"], title="")
    with pytest.raises(NotFound):
        call("resource_view_update", sysadmin, id="nope", title="x")


def test_resource_view_delete_returns_the_resource_id(call, sysadmin, resource):
    view = call("resource_view_create", sysadmin, resource_id=resource["id"], title="Un", view_type="text_view")
    assert call("resource_view_delete", sysadmin, id=view["id"]) == {"resource_id": resource["id"]}
    with pytest.raises(NotFound):
        call("resource_view_show", sysadmin, id=view["id"])
    with pytest.raises(NotFound):
        call("resource_view_delete", sysadmin, id=view["id"])


def test_resource_view_reorder(call, sysadmin, resource):
    ids = [call("resource_view_create", sysadmin, resource_id=resource["id"], title=t, view_type="text_view")["id"]
           for t in ("a", "b", "c")]
    result = call("resource_view_reorder", sysadmin, id=resource["id"], order=[ids[2], ids[0]])
    assert result == {"id": resource["id"], "order": [ids[2], ids[0], ids[1]]}
    assert [v["id"] for v in call("resource_view_list", sysadmin, id=resource["id"])] == result["order"]
    with pytest.raises(ValidationError) as error:
        call("resource_view_reorder", sysadmin, id=resource["id"], order=["x"])
    assert error.value.errors == {"order": "View x does not exist"}
    with pytest.raises(ValidationError) as error:
        call("resource_view_reorder", sysadmin, id=resource["id"], order=[ids[0], ids[0]])
    assert error.value.errors == {"order": "No duplicates allowed in order"}
    with pytest.raises(ValidationError):
        call("resource_view_reorder", sysadmin, id=resource["id"], order="abc")


def test_writes_need_package_update_on_the_dataset(call, sysadmin, org, resource):
    editor, stranger = make_user(call, "editrice"), make_user(call, "passant")
    call("organization_member_create", sysadmin, id=org["id"], username=editor.name, role="editor")
    view = call("resource_view_create", editor, resource_id=resource["id"], title="Un", view_type="text_view")
    for actor in (ANONYMOUS, stranger):
        with pytest.raises(NotAuthorized):
            call("resource_view_create", actor, resource_id=resource["id"], title="x", view_type="text_view")
        with pytest.raises(NotAuthorized):
            call("resource_view_update", actor, id=view["id"], title="x")
        with pytest.raises(NotAuthorized):
            call("resource_view_delete", actor, id=view["id"])
        with pytest.raises(NotAuthorized):
            call("resource_view_reorder", actor, id=resource["id"], order=[view["id"]])
    assert call("resource_view_update", editor, id=view["id"], title="Deux")["title"] == "Deux"
    assert call("resource_view_delete", editor, id=view["id"]) == {"resource_id": resource["id"]}


@pytest.mark.parametrize("state", ["private", "draft", "deleted"])
def test_views_of_hidden_datasets_never_leak(call, sysadmin, org, state):
    extra = {"private": True} if state == "private" else {"state": "draft"} if state == "draft" else {}
    pkg = call("package_create", sysadmin, name=f"cache-{state}", owner_org=org["id"],
               resources=[{"url": "https://example.org/x.csv"}], **extra)
    rid = pkg["resources"][0]["id"]
    view = call("resource_view_create", sysadmin, resource_id=rid, title="Un", view_type="text_view")
    if state == "deleted":
        call("package_delete", sysadmin, id=pkg["id"])
    stranger = make_user(call, "passant")
    for actor in (ANONYMOUS, stranger):
        with pytest.raises(NotAuthorized):
            call("resource_view_show", actor, id=view["id"])
        with pytest.raises(NotAuthorized):
            call("resource_view_list", actor, id=rid)
    assert call("resource_view_show", sysadmin, id=view["id"])["id"] == view["id"]


def test_views_go_with_their_resource_and_dataset(call, sysadmin, dataset):
    first, second = dataset["resources"]
    view_a = call("resource_view_create", sysadmin, resource_id=first["id"], title="a", view_type="text_view")
    view_b = call("resource_view_create", sysadmin, resource_id=second["id"], title="b", view_type="image_view")
    call("resource_delete", sysadmin, id=first["id"])
    with pytest.raises(NotFound):
        call("resource_view_show", sysadmin, id=view_a["id"])
    assert call("resource_view_show", sysadmin, id=view_b["id"])["id"] == view_b["id"]
    call("dataset_purge", sysadmin, id=dataset["id"])
    with pytest.raises(NotFound):
        call("resource_view_show", sysadmin, id=view_b["id"])


def test_package_show_has_no_views(call, sysadmin, dataset, resource):
    call("resource_view_create", sysadmin, resource_id=resource["id"], title="a", view_type="text_view")
    shown = call("package_show", sysadmin, id=dataset["id"])
    assert all("views" not in r and "resource_views" not in r for r in shown["resources"])


def test_in_an_organization_that_requires_review_only_those_who_review_change_views(call, sysadmin, org, resource):
    call("organization_patch", sysadmin, id=org["id"], review_required=True)
    editor, reviewer = make_user(call, "editrice"), make_user(call, "relecteur")
    call("organization_member_create", sysadmin, id=org["id"], username=editor.name, role="editor")
    call("organization_member_create", sysadmin, id=org["id"], username=reviewer.name, role="reviewer")
    with pytest.raises(NotAuthorized):
        call("resource_view_create", editor, resource_id=resource["id"], title="x", view_type="text_view")
    view = call("resource_view_create", reviewer, resource_id=resource["id"], title="Un", view_type="text_view")
    with pytest.raises(NotAuthorized):
        call("resource_view_delete", editor, id=view["id"])
    assert call("resource_view_show", editor, id=view["id"])["title"] == "Un"


def test_resource_view_clear_is_for_sysadmins_and_may_keep_some_types(call, sysadmin, org, resource):
    image = call("resource_view_create", sysadmin, resource_id=resource["id"], title="a", view_type="image_view")
    call("resource_view_create", sysadmin, resource_id=resource["id"], title="b", view_type="text_view")
    admin = make_user(call, "administratrice")
    call("organization_member_create", sysadmin, id=org["id"], username=admin.name, role="admin")
    with pytest.raises(NotAuthorized):
        call("resource_view_clear", admin)
    assert call("resource_view_clear", sysadmin, view_types=["text_view"]) is None
    assert [v["id"] for v in call("resource_view_list", sysadmin, id=resource["id"])] == [image["id"]]
    call("resource_view_clear", sysadmin)
    assert call("resource_view_list", sysadmin, id=resource["id"]) == []


def test_a_chart_view_whose_table_is_gone_says_so(client, call, sysadmin, org):
    pkg = call("package_create", sysadmin, name="table-partie", owner_org=org["id"])
    created = call("datastore_create", sysadmin, resource={"package_id": pkg["id"]},
                   fields=[{"id": "k", "type": "text"}], records=[{"k": "a"}, {"k": "a"}])
    rid = created["resource_id"]
    view = call("resource_view_create", sysadmin, resource_id=rid, title="Par k", view_type="chart", group_by="k",
                agg="count")
    call("datastore_delete", sysadmin, resource_id=rid, force=True)
    response = client.get(f"/dataset/table-partie/resource/{rid}/view/{view['id']}",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "This chart cannot be drawn" in response.get_data(as_text=True)

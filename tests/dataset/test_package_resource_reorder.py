"""package_resource_reorder, from CKAN's TestUpdate.test_resource_reorder (ckan/tests/logic/action/test_update.py)
and the action in ckan/logic/action/update.py."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user

URLS = ["http://a.html", "http://b.html", "http://c.html"]


@pytest.fixture
def dataset(call, sysadmin, org) -> dict[str, Any]:
    return call("package_create", sysadmin, name="basic", owner_org=org["id"],
                resources=[{"url": url} for url in URLS])


def _urls(call, sysadmin, dataset_id: str) -> list[str]:
    return [r["url"] for r in call("package_show", sysadmin, id=dataset_id)["resources"]]


def test_resource_reorder_listed_first_others_keep_their_order(call, sysadmin, dataset):
    ids = {r["url"]: r["id"] for r in dataset["resources"]}
    result = call("package_resource_reorder", sysadmin, id=dataset["id"], order=[ids["http://c.html"]])
    assert _urls(call, sysadmin, dataset["id"]) == ["http://c.html", "http://a.html", "http://b.html"]
    assert result == {"id": dataset["id"], "order": [ids[u] for u in ("http://c.html", "http://a.html",
                                                                     "http://b.html")]}

    order = [ids["http://b.html"], ids["http://c.html"], ids["http://a.html"]]
    call("package_resource_reorder", sysadmin, id=dataset["id"], order=order)
    shown = call("package_show", sysadmin, id=dataset["id"])
    assert [r["url"] for r in shown["resources"]] == ["http://b.html", "http://c.html", "http://a.html"]
    assert [r["position"] for r in shown["resources"]] == [0, 1, 2]


def test_resource_reorder_is_a_dataset_change(call, sysadmin, dataset):
    """Through package_update: a new metadata_modified, an activity and a fresh search entry."""
    last = dataset["resources"][-1]["id"]
    call("package_resource_reorder", sysadmin, id=dataset["name"], order=[last])
    shown = call("package_show", sysadmin, id=dataset["id"])
    assert shown["metadata_modified"] > dataset["metadata_modified"]
    activities = call("package_activity_list", sysadmin, id=dataset["id"])
    assert [a["activity_type"] for a in activities] == ["changed package", "new package"]
    found = call("package_search", sysadmin, q="name:basic")["results"][0]
    assert [r["url"] for r in found["resources"]] == ["http://c.html", "http://a.html", "http://b.html"]


def test_resource_reorder_same_order_changes_nothing(call, sysadmin, dataset):
    result = call("package_resource_reorder", sysadmin, id=dataset["id"], order=[])
    assert result["order"] == [r["id"] for r in dataset["resources"]]
    assert call("package_show", sysadmin, id=dataset["id"])["metadata_modified"] == dataset["metadata_modified"]
    assert len(call("package_activity_list", sysadmin, id=dataset["id"])) == 1


def test_resource_reorder_returns_the_id_as_given(call, sysadmin, dataset):
    first = dataset["resources"][1]["id"]
    assert call("package_resource_reorder", sysadmin, id="basic", order=[first])["id"] == "basic"


@pytest.mark.parametrize(("order", "message"), [
    (["no-such-resource"], "resource_id no-such-resource can not be found"),
    ("not-a-list", "Must be a list of resource"),
    ([5], "resource_id 5 can not be found"),
])
def test_resource_reorder_bad_order_is_a_validation_error(call, sysadmin, dataset, order, message):
    with pytest.raises(ValidationError) as caught:
        call("package_resource_reorder", sysadmin, id=dataset["id"], order=order)
    assert caught.value.errors == {"order": message}  # a plain string, as CKAN raises it
    assert _urls(call, sysadmin, dataset["id"]) == URLS


def test_resource_reorder_repeated_ids(call, sysadmin, dataset):
    first = dataset["resources"][0]["id"]
    with pytest.raises(ValidationError) as caught:
        call("package_resource_reorder", sysadmin, id=dataset["id"], order=[first, first])
    assert caught.value.errors == {"order": "Must supply unique resource_ids"}


def test_resource_reorder_another_datasets_resource_is_unknown(call, sysadmin, org, dataset):
    other = call("package_create", sysadmin, name="other", owner_org=org["id"], resources=[{"url": "http://x"}])
    with pytest.raises(ValidationError):
        call("package_resource_reorder", sysadmin, id=dataset["id"], order=[other["resources"][0]["id"]])
    assert _urls(call, sysadmin, dataset["id"]) == URLS


def test_resource_reorder_missing_parameters(call, sysadmin):
    with pytest.raises(ValidationError) as caught:
        call("package_resource_reorder", sysadmin)
    assert caught.value.errors == {"id": ["Missing value"], "order": ["Missing value"]}


def test_resource_reorder_auth_is_package_update(call, sysadmin, org, dataset):
    outsider = make_user(call, "outsider")
    editor = make_user(call, "editor")
    call("organization_member_create", sysadmin, id=org["id"], username="editor", role="editor")
    last = dataset["resources"][-1]["id"]
    with pytest.raises(NotAuthorized):
        call("package_resource_reorder", outsider, id=dataset["id"], order=[last])
    assert _urls(call, sysadmin, dataset["id"]) == URLS
    call("package_resource_reorder", editor, id=dataset["id"], order=[last])
    assert _urls(call, sysadmin, dataset["id"])[0] == "http://c.html"
    with pytest.raises(NotFound):
        call("package_resource_reorder", editor, id="no-such-dataset", order=[])


def test_resource_reorder_over_http(client, call, sysadmin, sysadmin_token, dataset):
    ids = [r["id"] for r in dataset["resources"]]
    response = client.post("/api/3/action/package_resource_reorder", headers={"Authorization": sysadmin_token},
                           json={"id": dataset["id"], "order": [ids[2], ids[1]]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True
    assert body["result"] == {"id": dataset["id"], "order": [ids[2], ids[1], ids[0]]}

    response = client.post("/api/3/action/package_resource_reorder", headers={"Authorization": sysadmin_token},
                           json={"id": dataset["id"], "order": ["nope"]})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "order": "resource_id nope can not be found"}

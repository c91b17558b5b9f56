"""package_activity_list: dict shape, order, paging, and privacy of private datasets' streams."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError

ACTIVITY_KEYS = {"activity_type", "data", "id", "object_id", "permission_labels", "timestamp", "user_id"}


def test_package_activity_list_shape_and_order(call, people, datasets):
    call("package_patch", people["editor"], id="allocations-publiques", title="Nouveau titre")
    stream = call("package_activity_list", ANONYMOUS, id="allocations-publiques")
    assert [a["activity_type"] for a in stream] == ["changed package", "new package"]
    first = stream[0]
    assert set(first) == ACTIVITY_KEYS
    assert first["permission_labels"] == ["public"]
    assert first["user_id"] == people["editor"].user_id
    assert first["data"]["actor"] == "editor"
    assert first["data"]["package"]["title"] == "Nouveau titre"
    assert first["timestamp"] >= stream[1]["timestamp"]


def test_package_activity_list_private_dataset_refused_to_outsiders(call, people, datasets):
    with pytest.raises(NotAuthorized) as error:
        call("package_activity_list", ANONYMOUS, id="allocations-privees")
    assert error.value.message == f"User  not authorized to read package {datasets['private']['id']}"
    with pytest.raises(NotAuthorized):
        call("package_activity_list", people["outsider"], id="allocations-privees")
    stream = call("package_activity_list", people["member"], id="allocations-privees")
    assert [a["activity_type"] for a in stream] == ["new package"]
    assert stream[0]["permission_labels"] == [f"member-{datasets['private']['owner_org']}"]


def test_package_activity_list_hides_restricted_activities_after_going_public(call, people, datasets):
    """Activities recorded while the dataset was private stay restricted after it is made public."""
    call("package_patch", people["editor"], id="allocations-privees", private=False)
    stream = call("package_activity_list", ANONYMOUS, id="allocations-privees")
    assert [a["activity_type"] for a in stream] == ["changed package"]
    assert len(call("package_activity_list", people["member"], id="allocations-privees")) == 2


def test_package_activity_list_paging_and_limits(call, people, datasets):
    for i in range(4):
        call("package_patch", people["editor"], id="allocations-publiques", title=f"v{i}")
    everything = call("package_activity_list", ANONYMOUS, id="allocations-publiques")
    assert len(everything) == 5
    page = call("package_activity_list", ANONYMOUS, id="allocations-publiques", limit=2, offset=1)
    assert [a["id"] for a in page] == [a["id"] for a in everything[1:3]]
    with pytest.raises(ValidationError) as error:
        call("package_activity_list", ANONYMOUS, id="allocations-publiques", limit=-1)
    assert error.value.errors == {"limit": ["Must be a natural number"]}
    with pytest.raises(ValidationError) as error:
        call("package_activity_list", ANONYMOUS, id="allocations-publiques", activity_types=["new package"],
             exclude_activity_types=["changed package"])
    assert error.value.errors == {"activity_types": ["Cannot be used together with `exclude_activity_types"]}
    only_new = call("package_activity_list", ANONYMOUS, id="allocations-publiques", activity_types=["new package"])
    assert [a["activity_type"] for a in only_new] == ["new package"]


def test_package_activity_list_unknown_dataset(call):
    with pytest.raises(NotFound):
        call("package_activity_list", ANONYMOUS, id="nope")


def test_package_activity_list_over_http_query_string(client, call, people, datasets):
    response = client.get("/api/3/action/package_activity_list?id=allocations-publiques&limit=1")
    body = response.get_json()
    assert response.status_code == 200 and len(body["result"]) == 1
    response = client.get("/api/3/action/package_activity_list?id=allocations-privees")
    assert response.status_code == 403
    assert response.get_json()["error"]["__type"] == "Authorization Error"

"""The HTTP transport: CKAN's envelope, statuses and request parsing (ckan-api.md §1), over the test client."""

from __future__ import annotations

import json

HELP = "http://test.moisson.local/api/3/action/help_show?name="


def body(response):
    return json.loads(response.get_data(as_text=True))


def test_api_versions(client):
    assert body(client.get("/api/3")) == {"version": 3}
    assert body(client.get("/api/")) == {"version": 1}
    assert client.get("/api/4").status_code == 404


def test_success_envelope_on_both_url_forms(client):
    for url in ("/api/3/action/package_list", "/api/action/package_list"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json;charset=utf-8"
        assert body(response) == {"help": HELP + "package_list", "success": True, "result": []}


def test_not_found_envelope(client):
    response = client.get("/api/3/action/package_show?id=nope")
    assert response.status_code == 404
    assert body(response) == {"help": HELP + "package_show", "success": False,
                              "error": {"__type": "Not Found Error", "message": "Not found"}}


def test_validation_envelope(client, sysadmin_token):
    response = client.post("/api/3/action/package_create", json={"name": "A"},
                           headers={"Authorization": sysadmin_token})
    assert response.status_code == 409
    assert body(response)["error"] == {
        "__type": "Validation Error",
        "name": ["Must be at least 2 characters long", 'Name "A" length is less than minimum 2'],
        "owner_org": ["An organization must be provided"],
    }
    assert body(response)["success"] is False and "result" not in body(response)


def test_authorization_envelope(client):
    response = client.post("/api/3/action/package_create", json={"name": "abc"})
    assert response.status_code == 403
    assert body(response)["error"] == {"__type": "Authorization Error",
                                       "message": "Access denied: User  not authorized to create packages"}


def test_unknown_action_is_a_bare_string(client):
    response = client.get("/api/3/action/no_such_action")
    assert response.status_code == 400
    assert body(response) == "Bad request - Action name not known: no_such_action"


def test_get_on_write_action_is_refused(client):
    response = client.get("/api/3/action/package_create?name=x")
    assert response.status_code == 400
    assert body(response) == "Bad request - JSON Error: Invalid request. Please use POST method for your request"


def test_bad_json_and_non_dict_and_non_utf8(client):
    response = client.post("/api/3/action/package_create", data=b"{not json", content_type="application/json")
    assert response.status_code == 400 and body(response).startswith("Bad request - JSON Error: Error decoding JSON")
    response = client.post("/api/3/action/package_create", data=b"[1, 2]", content_type="application/json")
    assert response.status_code == 400 and "needs to be a dictionary" in body(response)
    response = client.post("/api/3/action/package_create", data=b'{"name": "\xff\xfe"}',
                           content_type="application/json")
    assert response.status_code == 400 and body(response).startswith("Bad request - JSON Error")


def test_body_too_large_is_413(client, app):
    big = b'{"name": "' + b"x" * (app.extensions["moisson"].settings.max_body_bytes + 10) + b'"}'
    response = client.post("/api/3/action/package_create", data=big, content_type="application/json")
    assert response.status_code == 413
    assert body(response)["error"]["__type"] == "Payload Too Large"


def test_form_with_json_as_its_only_key(client, sysadmin_token, org):
    # curl -d '{"name": ...}' sends form-urlencoded data whose single key is the JSON document.
    payload = json.dumps({"name": "via-form", "owner_org": org["id"]})
    response = client.post("/api/3/action/package_create", data={payload: ""},
                           headers={"Authorization": sysadmin_token})
    assert response.status_code == 200, body(response)
    assert body(response)["result"]["name"] == "via-form"


def test_plain_form_fields(client, sysadmin_token, org):
    response = client.post("/api/3/action/package_create",
                           data={"name": "plain-form", "owner_org": org["name"], "private": "true"},
                           headers={"X-CKAN-API-Key": sysadmin_token})
    assert response.status_code == 200, body(response)
    assert body(response)["result"]["private"] is True


def test_unknown_token_acts_as_anonymous(client):
    response = client.get("/api/3/action/package_list", headers={"Authorization": "not-a-token"})
    assert response.status_code == 200
    response = client.post("/api/3/action/package_create", json={"name": "x"},
                           headers={"Authorization": "not-a-token"})
    assert response.status_code == 403


def test_sql_looking_strings_are_plain_data(client, sysadmin_token, org, call, sysadmin):
    nasty = "x'); DROP TABLE package; --"
    response = client.post("/api/3/action/package_create",
                           json={"name": "sql-title", "owner_org": org["id"], "title": nasty, "notes": nasty},
                           headers={"Authorization": sysadmin_token})
    assert response.status_code == 200
    assert call("package_show", sysadmin, id="sql-title")["title"] == nasty
    response = client.get("/api/3/action/package_show", query_string={"id": nasty})
    assert response.status_code == 404


def test_wrong_types_are_409_not_500(client, sysadmin_token, org):
    for payload in ({"name": ["a"], "owner_org": org["id"]}, {"name": "ok-name", "owner_org": org["id"], "tags": 5},
                    {"name": "ok-name", "owner_org": org["id"], "resources": [{"size": "x"}]},
                    {"name": "ok-name", "owner_org": org["id"], "extras": {"a": 1}}):
        response = client.post("/api/3/action/package_create", json=payload, headers={"Authorization": sysadmin_token})
        assert response.status_code in (400, 409), (payload, response.status_code)
        assert body(response)["success"] is False


def test_integers_too_large_for_the_database_are_invalid_not_500(client, sysadmin_token, org):
    """Found by the fuzzer: an offset of 7e20 overflowed the driver (SQLite) or bigint (PostgreSQL)."""
    huge = 697207626462444781568
    response = client.post("/api/3/action/package_list", json={"offset": huge, "limit": 10})
    assert response.status_code == 409
    assert body(response)["error"] == {"__type": "Validation Error", "offset": ["Invalid integer"]}
    response = client.get(f"/api/3/action/package_list?limit={huge}")
    assert response.status_code == 409 and body(response)["error"]["limit"] == ["Invalid integer"]
    response = client.post("/api/3/action/package_create", headers={"Authorization": sysadmin_token}, json={
        "name": "big-size", "owner_org": org["id"], "resources": [{"url": "http://e.org/a.csv", "size": -huge}]})
    assert response.status_code == 409 and body(response)["success"] is False
    assert client.post("/api/3/action/package_list", json={"offset": 2**63 - 1}).status_code == 200


def test_jsonp_callback(client):
    response = client.get("/api/3/action/package_list?callback=cb")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("cb(")
    assert response.headers["Content-Type"].startswith("application/javascript")

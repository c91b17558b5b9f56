"""config_option_show, config_option_update, config_option_list: runtime site settings, sysadmins only."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import make_user

KEYS = ["ckan.site_title", "ckan.site_description", "ckan.site_logo", "ckan.default_license_id"]


def test_config_option_list_and_show_give_the_defaults(call, sysadmin):
    assert call("config_option_list", sysadmin) == KEYS
    assert call("config_option_show", sysadmin, key="ckan.site_title") == "Moisson"
    assert call("config_option_show", sysadmin, key="ckan.site_description") == ""
    assert call("config_option_show", sysadmin, key="ckan.default_license_id") == "lov2"


def test_config_option_update_stores_and_resets(call, sysadmin):
    result = call("config_option_update", sysadmin, **{"ckan.site_title": " Données CAF ",
                                                       "ckan.site_logo": "https://caf.example/logo.svg",
                                                       "ckan.default_license_id": "odc-odbl"})
    assert result == {"ckan.site_title": "Données CAF", "ckan.site_logo": "https://caf.example/logo.svg",
                      "ckan.default_license_id": "odc-odbl"}
    assert call("config_option_show", sysadmin, key="ckan.site_title") == "Données CAF"
    # Omitted keys are kept, and null ones (CKAN's ignore_missing: no change, left out of the answer); an empty
    # string puts an option back to its default.
    call("config_option_update", sysadmin, **{"ckan.site_description": "Les données de la branche Famille."})
    assert call("config_option_show", sysadmin, key="ckan.site_logo") == "https://caf.example/logo.svg"
    result = call("config_option_update", sysadmin, **{"ckan.site_title": "", "ckan.default_license_id": None})
    assert result == {"ckan.site_title": "Moisson"}
    assert call("config_option_show", sysadmin, key="ckan.default_license_id") == "odc-odbl"
    assert call("config_option_update", sysadmin, **{"ckan.site_logo": None}) == {}
    assert call("config_option_show", sysadmin, key="ckan.site_logo") == "https://caf.example/logo.svg"
    assert call("config_option_show", sysadmin, key="ckan.site_description") == "Les données de la branche Famille."


def test_config_option_update_accepts_a_site_path_as_logo(call, sysadmin):
    call("config_option_update", sysadmin, **{"ckan.site_logo": "/assets/logo.png"})
    assert call("config_option_show", sysadmin, key="ckan.site_logo") == "/assets/logo.png"


@pytest.mark.parametrize("logo", ["javascript:alert(1)", "//evil.example/x.png", "logo.png", "ftp://x/y.png",
                                  "https://"])
def test_config_option_update_refuses_a_logo_that_is_no_url_or_path(call, sysadmin, logo):
    with pytest.raises(ValidationError) as error:
        call("config_option_update", sysadmin, **{"ckan.site_logo": logo})
    assert error.value.errors == {
        "ckan.site_logo": ["Must be an http or https URL, or a path on this site starting with /"]}


def test_config_option_update_refuses_an_unknown_licence_and_keeps_the_rest(call, sysadmin):
    with pytest.raises(ValidationError) as error:
        call("config_option_update", sysadmin, **{"ckan.site_title": "X", "ckan.default_license_id": "nope"})
    assert error.value.errors == {"ckan.default_license_id": ["License 'nope' not found"]}
    assert call("config_option_show", sysadmin, key="ckan.site_title") == "Moisson"


def test_config_option_update_refuses_keys_it_does_not_know(call, sysadmin, client, sysadmin_token):
    with pytest.raises(ValidationError) as error:
        call("config_option_update", sysadmin, **{"ckan.site_title": "X", "ckan.site_url": "http://evil"})
    assert error.value.errors == {"message": "Configuration option(s) 'ckan.site_url' can not be updated"}
    response = client.post("/api/3/action/config_option_update", json={"ckan.site_title": "x" * 101},
                           headers={"Authorization": sysadmin_token})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "ckan.site_title": ["Must be at most 100 characters long"]}
    response = client.get("/api/3/action/config_option_show?key=ckan.site_url",
                          headers={"Authorization": sysadmin_token})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error",
                                            "message": "Configuration option 'ckan.site_url' can not be shown"}


@pytest.mark.parametrize("name", ["config_option_list", "config_option_show", "config_option_update"])
def test_config_options_are_for_sysadmins_only(call, client, name):
    user = make_user(call, "ordinary")
    token = call("api_token_create", user, user=user.name, name="t")["token"]
    data = {"key": "ckan.site_title"} if name == "config_option_show" else {"ckan.site_title": "Mine"}
    if name == "config_option_list":
        data = {}
    with pytest.raises(NotAuthorized):
        call(name, user, **data)
    response = client.post(f"/api/3/action/{name}", json=data, headers={"Authorization": token})
    assert response.status_code == 403
    assert response.get_json()["error"] == {"__type": "Authorization Error", "message": "Access denied"}
    response = client.post(f"/api/3/action/{name}", json=data)
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == f"Access denied: Action {name} requires an authenticated user"
    with pytest.raises(NotAuthorized):
        call(name, ANONYMOUS, **data)


def test_config_option_update_shows_in_status_show(call, sysadmin, client):
    call("config_option_update", sysadmin, **{"ckan.site_title": "Données CAF",
                                              "ckan.site_description": "Les données de la branche Famille."})
    status = call("status_show", ANONYMOUS)
    assert status["site_title"] == "Données CAF"
    assert status["site_description"] == "Les données de la branche Famille."

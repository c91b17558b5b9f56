"""site_read, status_show, help_show."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotFound, ValidationError


def test_site_read(call, client):
    assert call("site_read", ANONYMOUS) is True
    assert client.get("/api/3/action/site_read").get_json()["result"] is True


def test_status_show(call):
    status = call("status_show", ANONYMOUS)
    assert set(status) == {"site_title", "site_description", "site_url", "error_emails_to", "locale_default",
                           "extensions", "ckan_version", "moisson_version", "search"}
    # Not CKAN's: the search index's state (always current on the database backends; Tantivy: tests/search).
    assert status["search"]["ready"] is True and status["search"]["pending"] == 0
    assert status["ckan_version"] == "2.12.0" and status["locale_default"] == "fr"
    assert status["site_url"] == "http://test.moisson.local"
    assert "activity" in status["extensions"]


def test_help_show(call, client):
    assert call("help_show", ANONYMOUS, name="site_read").startswith("Return true")
    with pytest.raises(NotFound) as error:
        call("help_show", ANONYMOUS, name="no_such_action")
    assert error.value.message == "Action function not found"
    with pytest.raises(ValidationError) as error:
        call("help_show", ANONYMOUS)
    assert error.value.errors == {"name": ["Missing value"]}
    response = client.get("/api/3/action/help_show?name=nope")
    assert response.status_code == 404
    assert response.get_json()["error"] == {"__type": "Not Found Error",
                                            "message": "Not found: Action function not found"}
    response = client.get("/api/3/action/help_show")
    assert response.status_code == 409
    assert response.get_json()["error"] == {"__type": "Validation Error", "name": ["Missing value"]}


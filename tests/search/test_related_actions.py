"""package_autocomplete, format_autocomplete, resource_search, current_package_list_with_resources."""

from __future__ import annotations

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import ValidationError

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")


def test_package_autocomplete(call, catalog):
    assert call("package_autocomplete", q="logement") == [
        {"name": "aides-logement", "title": "Aides au logement", "match_field": "name",
         "match_displayed": "aides-logement"}]
    assert call("package_autocomplete", q="Census") == [
        {"name": "population-census", "title": "Population census", "match_field": "name",
         "match_displayed": "population-census"}]
    assert call("package_autocomplete", q="France") == [
        {"name": "naissances", "title": "Naissances en France", "match_field": "title",
         "match_displayed": "Naissances en France (naissances)"}]
    assert len(call("package_autocomplete", q="a", limit=2)) == 2
    with pytest.raises(ValidationError) as error:
        call("package_autocomplete", q="")
    assert error.value.errors == {"q": ["Missing value"]}


def test_package_autocomplete_respects_privacy(call, catalog):
    assert call("package_autocomplete", ANONYMOUS, q="budget") == []
    assert call("package_autocomplete", catalog["outsider"], q="budget") == []
    assert [d["name"] for d in call("package_autocomplete", catalog["member"], q="budget")] == ["budget-interne"]


def test_format_autocomplete(call, catalog):
    assert call("format_autocomplete", q="s") == ["csv", "json", "xlsx"]
    assert call("format_autocomplete", q="XL") == ["xlsx"]
    assert call("format_autocomplete", q="c", limit=1) == ["csv"]


def test_resource_search(call, catalog):
    result = call("resource_search", query="format:csv")
    assert result["count"] == 2
    assert {r["name"] for r in result["results"]} == {"Fichier des allocataires", "Census data"}
    assert call("resource_search", query=["format:csv", "name:census"])["count"] == 1
    assert call("resource_search", query="url:example.org/POP")["count"] == 2
    assert call("resource_search", query="name:census", order_by="name", limit=1)["results"][0]["name"] == \
        "Census data"
    assert call("resource_search", query="name:census", order_by="name", offset=1)["results"][0]["name"] == \
        "Census workbook"
    assert "datastore_active" not in result["results"][0]


def test_resource_search_hides_private_datasets(call, sysadmin, catalog):
    call("resource_create", sysadmin, package_id="budget-interne", url="http://example.org/secret.csv",
         format="CSV", name="secret")
    assert call("resource_search", query="name:secret")["count"] == 0


@pytest.mark.parametrize(("query", "message"), [
    ("", {"query": ["Missing value"]}),
    ("nocolon", {"query": ["Must be <field>:<value> pair(s)"]}),
    ("colour:red", {"query": ['Field "colour" not recognised in resource_search.']}),
])
def test_resource_search_errors(call, catalog, query, message):
    with pytest.raises(ValidationError) as error:
        call("resource_search", query=query)
    assert error.value.errors == message


def test_current_package_list_with_resources(call, sysadmin, catalog):
    result = call("current_package_list_with_resources")
    assert [d["name"] for d in result] == ["naissances", "population-census", "aides-logement", "allocataires-caf"]
    assert result[1]["resources"][0]["format"] == "CSV"
    assert [d["name"] for d in call("current_package_list_with_resources", limit=2, offset=1)] == [
        "population-census", "aides-logement"]
    assert [d["name"] for d in call("current_package_list_with_resources", limit=2, page=2)] == [
        "aides-logement", "allocataires-caf"]
    assert "budget-interne" in [d["name"] for d in call("current_package_list_with_resources", sysadmin)]

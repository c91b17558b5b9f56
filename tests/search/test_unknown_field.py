"""A field the index does not have is a 400 Search Query Error (Solr's "undefined field"), not 0 results; the
known fields, CKAN's dynamic ones (extras_*, res_extras_*, vocab_*) and the keys of indexed extras are accepted."""

from __future__ import annotations

import pytest

from catalog.errors import SearchQueryError
from catalog.search.query import KNOWN_FIELDS, parse, unknown_fields
from tests.search.conftest import names

pytestmark = pytest.mark.usefixtures("each_search_backend")


@pytest.mark.parametrize("params", [
    {"q": "frequence:annuelle"}, {"fq": "num_resource:2"}, {"fq": "tags:nulle-part AND -colour:red"},
    {"fq_list": '["organization:cnaf", "licence_id:lov2"]'}, {"q": "nope:*"}, {"fq": "nope:[a TO b]"},
])
def test_unknown_field_is_a_search_query_error(call, catalog, params):
    with pytest.raises(SearchQueryError) as raised:
        call("package_search", **params)
    assert "undefined field" in raised.value.message


@pytest.mark.parametrize(("params", "expected"), [
    ({"fq": "frequency:annuelle"}, {"allocataires-caf"}),  # an extra's key, copied to its own field
    ({"q": "extras_frequency:mensuelle"}, {"aides-logement"}),  # CKAN's dynamic extras_* text field
    ({"fq": "extras_nothing:x"}, set()),  # dynamic: accepted even if no dataset has it
    ({"fq": "vocab_themes:x"}, set()),
    ({"fq": "dataset_type:dataset AND site_id:* AND entity_type:package"}, {
        "allocataires-caf", "aides-logement", "population-census", "naissances"}),
])
def test_known_and_dynamic_fields_are_accepted(call, catalog, params, expected):
    assert names(call("package_search", **params)) == expected


def test_api_answers_ckans_envelope(client, catalog):
    answer = client.get("/api/3/action/package_search?fq=colour:red")
    assert answer.status_code == 400
    assert answer.json["success"] is False
    assert answer.json["error"] == {"__type": "Search Query Error",
                                    "message": "Search Query is invalid: ('undefined field colour',)"}


def test_the_accepted_fields_are_listed_once():
    assert unknown_fields(parse(" OR ".join(f"{name}:1" for name in sorted(KNOWN_FIELDS - {
        "metadata_modified", "metadata_created"})))) == set()
    assert unknown_fields(parse("a:1 AND (b:* OR -extras_c:2) AND vocab_d:3 AND res_extras_e:4")) == {"a", "b"}


def test_only_the_extras_of_datasets_the_caller_sees_make_fields(call, catalog, sysadmin):
    call("package_patch", sysadmin, id="budget-interne", extras=[{"key": "confidentiel", "value": "oui"}])
    with pytest.raises(SearchQueryError):  # the private dataset's extra key is not told to an outsider
        call("package_search", catalog["outsider"], fq="confidentiel:oui", include_private=True)
    found = call("package_search", catalog["member"], fq="confidentiel:oui", include_private=True)
    assert names(found) == {"budget-interne"}


def test_the_field_check_runs_only_when_nothing_was_found(call, catalog, sysadmin):
    # A search with results shows its fields matched: the key is not looked for among the datasets the caller
    # cannot see (a scan of them when only those hold it). A negated unknown field beside a match is answered.
    assert names(call("package_search", fq="tags:famille AND -colour:red")) == names(
        call("package_search", fq="tags:famille"))
    call("package_patch", sysadmin, id="budget-interne", extras=[{"key": "confidentiel", "value": "oui"}])
    assert names(call("package_search", catalog["outsider"], q="confidentiel:oui OR tags:famille")) == names(
        call("package_search", fq="tags:famille"))
    with pytest.raises(SearchQueryError):  # nothing found: the check runs, and the private key is not told
        call("package_search", catalog["outsider"], q="confidentiel:oui", include_private=True)


@pytest.mark.parametrize("q", ["title:*", "notes:*", "extras_frequency:*", "-author:*"])
def test_any_value_of_a_text_field_is_refused(call, client, catalog, q):
    # It found nothing, whatever the datasets held: the index keeps a text field's words, not its emptiness.
    with pytest.raises(SearchQueryError) as raised:
        call("package_search", q=q)
    assert "not supported for the text field" in raised.value.message
    answer = client.get("/api/3/action/package_search", query_string={"fq": q})
    assert answer.status_code == 400 and answer.json["error"]["__type"] == "Search Query Error"


def test_any_value_of_an_exact_field_is_still_answered(call, catalog):
    everything = names(call("package_search"))
    assert names(call("package_search", q="name:* AND *:*")) == everything
    assert names(call("package_search", fq="frequency:*")) == {"allocataires-caf", "aides-logement"}

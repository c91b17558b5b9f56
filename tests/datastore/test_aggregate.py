"""datastore_aggregate: the database's sums, counts and means match what datastore_search's rows add up to, on both
databases; names are checked against the table, never spliced in as given."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from catalog.context import ANONYMOUS
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.conftest import make_user

ROWS = [
    {"region": "Bretagne", "jour": "2024-01-05", "montant": 10, "taux": 1.5},
    {"region": "Bretagne", "jour": "2024-01-20", "montant": 5, "taux": 2.5},
    {"region": "Corse", "jour": "2024-02-01", "montant": 7, "taux": None},
    {"region": "Occitanie", "jour": "2024-02-11", "montant": 30, "taux": 4.0},
    {"region": "Occitanie", "jour": "2025-03-02", "montant": None, "taux": 3.0},
    {"region": "Normandie", "jour": "2025-03-30", "montant": 2, "taux": 0.5},
    {"region": None, "jour": None, "montant": 1, "taux": 1.0},
    {"region": "Bre'tagne\"; DROP", "jour": "2025-04-01", "montant": 4, "taux": 2.0},
]


@pytest.fixture
def table(call: Any, sysadmin: Any, dataset: dict[str, Any]) -> dict[str, Any]:
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "montants"},
                   fields=[{"id": "region", "type": "text"}, {"id": "jour", "type": "date"},
                           {"id": "montant", "type": "int"}, {"id": "taux", "type": "numeric"}],
                   records=ROWS)
    return call("resource_show", sysadmin, id=created["resource_id"])


def aggregate(call: Any, table: dict[str, Any], actor: Any = ANONYMOUS, **params: Any) -> dict[str, Any]:
    return call("datastore_aggregate", actor, resource_id=table["id"], **params)


def rows_of(call: Any, table: dict[str, Any]) -> list[dict[str, Any]]:
    return call("datastore_search", ANONYMOUS, resource_id=table["id"], limit=1000)["records"]


def expected(rows: list[dict[str, Any]], key: str, value: str, agg: str) -> dict[Any, Any]:
    sums: dict[Any, float] = defaultdict(float)
    counts: dict[Any, int] = defaultdict(int)
    values: dict[Any, int] = defaultdict(int)
    for row in rows:
        counts[row[key]] += 1
        if row[value] is not None:
            sums[row[key]] += float(row[value])
            values[row[key]] += 1
    if agg == "count":
        return dict(counts)
    if agg == "sum":
        return {k: (sums[k] if values[k] else None) for k in counts}
    return {k: (sums[k] / values[k] if values[k] else None) for k in counts}


@pytest.mark.parametrize("agg", ["sum", "count", "mean"])
@pytest.mark.parametrize("value", ["montant", "taux"])
def test_datastore_aggregate_matches_the_rows_datastore_search_returns(call, table, agg, value):
    result = aggregate(call, table, group_by="region", value=value, agg=agg)
    want = expected(rows_of(call, table), "region", value, agg)
    got = {group["key"]: group["value"] for group in result["groups"]}
    assert set(got) == set(want)
    for key, number in want.items():
        assert got[key] == pytest.approx(number), key
    assert {g["key"]: g["count"] for g in result["groups"]} == expected(rows_of(call, table), "region", value,
                                                                       "count")
    assert result["others"] is None and result["groups_total"] == len(want)
    assert result["total"]["count"] == len(ROWS)


def test_datastore_aggregate_orders_largest_first_and_sums_up_the_rest(call, table):
    result = aggregate(call, table, group_by="region", value="montant", agg="sum", limit=2)
    assert [(g["key"], g["value"]) for g in result["groups"]] == [("Occitanie", 30), ("Bretagne", 15)]
    assert result["total"] == {"value": 59, "count": 8}
    # Corse 7, Normandie 2, the odd name 4, the empty region 1
    assert result["others"] == {"value": 14, "count": 4, "groups": 4}
    assert isinstance(result["total"]["value"], int)  # PostgreSQL's numeric sum of integers comes back whole


def test_datastore_aggregate_mean_of_the_others_is_weighted_by_rows(call, table):
    result = aggregate(call, table, group_by="region", value="taux", agg="mean", limit=1)
    assert result["groups"][0]["key"] == "Occitanie" and result["groups"][0]["value"] == pytest.approx(3.5)
    # the remaining values: 1.5, 2.5, 0.5, 1.0, 2.0 (Corse has none)
    assert result["others"]["value"] == pytest.approx(7.5 / 5)


def test_datastore_aggregate_groups_dates_by_month_or_year_in_time_order(call, table):
    months = aggregate(call, table, group_by="jour", value="montant")
    assert months["period"] == "month"
    assert [(g["key"], g["value"]) for g in months["groups"]] == [
        ("2024-01", 15), ("2024-02", 37), ("2025-03", 2), ("2025-04", 4), (None, 1)]
    years = aggregate(call, table, group_by="jour", agg="count", period="year")
    assert [(g["key"], g["value"]) for g in years["groups"]] == [("2024", 4), ("2025", 3), (None, 1)]


def test_datastore_aggregate_filters_like_datastore_search(call, table):
    result = aggregate(call, table, group_by="region", value="montant", filters={"region": ["Corse", "Bretagne"]})
    assert {g["key"]: g["value"] for g in result["groups"]} == {"Bretagne": 15, "Corse": 7}
    as_json = aggregate(call, table, group_by="region", agg="count", filters='{"jour": "2024-02-01"}')
    assert [(g["key"], g["value"]) for g in as_json["groups"]] == [("Corse", 1)]


def test_datastore_aggregate_refuses_names_not_in_the_table(call, table):
    cases = [
        ({"group_by": 'region" FROM x; --', "value": "montant"}, "group_by"),
        ({"group_by": "region", "value": "region"}, "value"),  # not numeric
        ({"group_by": "region", "value": "montant", "agg": "max(1);--"}, "agg"),
        ({"group_by": "region", "agg": "sum"}, "value"),
        ({"group_by": "region", "agg": "count", "period": "month"}, "period"),
        ({"group_by": "region", "agg": "count", "filters": {"nope": 1}}, "filters"),
        ({"group_by": "region", "agg": "count", "limit": 0}, "limit"),
    ]
    for params, key in cases:
        with pytest.raises(ValidationError) as error:
            aggregate(call, table, **params)
        assert key in error.value.errors, params


def test_datastore_aggregate_is_read_as_datastore_search_is(call, sysadmin, org, private_dataset):
    created = call("datastore_create", sysadmin, resource={"package_id": private_dataset["id"]},
                   fields=[{"id": "k", "type": "text"}], records=[{"k": "a"}])
    with pytest.raises(NotAuthorized):
        call("datastore_aggregate", ANONYMOUS, resource_id=created["resource_id"], group_by="k")
    with pytest.raises(NotAuthorized):
        call("datastore_aggregate", make_user(call, "curieux"), resource_id=created["resource_id"], group_by="k")
    assert call("datastore_aggregate", sysadmin, resource_id=created["resource_id"], group_by="k")["groups"] == [
        {"key": "a", "value": 1, "count": 1}]
    with pytest.raises(NotFound):
        call("datastore_aggregate", sysadmin, resource_id="no-such-resource", group_by="k")


def test_datastore_aggregate_column_names_with_quotes_percent_and_colons(call, sysadmin, dataset):
    region, part, count = "Région d'origine", "Part (%)", "Effectif :2020"
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"]},
                   fields=[{"id": region, "type": "text"}, {"id": part, "type": "numeric"},
                           {"id": count, "type": "int"}],
                   records=[{region: "A", part: 1.5, count: 2}, {region: "A", part: 2, count: 3},
                            {region: "B", part: 4, count: None}])
    rid = created["resource_id"]
    result = call("datastore_aggregate", ANONYMOUS, resource_id=rid, group_by=region, value=part)
    assert {g["key"]: g["value"] for g in result["groups"]} == pytest.approx({"A": 3.5, "B": 4})
    result = call("datastore_aggregate", ANONYMOUS, resource_id=rid, group_by=region, value=count,
                  filters={count: [2, 3]})
    assert [(g["key"], g["value"]) for g in result["groups"]] == [("A", 5)]


def test_one_grouping_query_counts_the_groups_too(call, table):
    """The number of groups comes from the groups query (count(*) OVER ()), not from a second GROUP BY."""
    from sqlalchemy import event

    engine = call.services.datastore.backend.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        result = aggregate(call, table, group_by="region", value="montant", limit=2)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sum("GROUP BY" in s for s in statements) == 1
    assert result["groups_total"] == 6 and result["others"]["groups"] == 4
    assert aggregate(call, table, group_by="region", filters={"region": "nulle part"})["groups_total"] == 0


def test_a_sum_past_64_bits_is_a_number_not_an_overflow(call, sysadmin, dataset):
    """SQLite's sum() of integers fails past 2**63 ("integer overflow"); its total() and PostgreSQL's numeric add on."""
    created = call("datastore_create", sysadmin, resource={"package_id": dataset["id"], "name": "grands"},
                   fields=[{"id": "k", "type": "text"}, {"id": "n", "type": "int"}],
                   records=[{"k": "a", "n": 2**62}, {"k": "a", "n": 2**62}, {"k": "b", "n": 3}, {"k": "b", "n": 4}])
    result = call("datastore_aggregate", ANONYMOUS, resource_id=created["resource_id"], group_by="k", value="n")
    values = {g["key"]: g["value"] for g in result["groups"]}
    assert values["a"] == pytest.approx(2.0**63) and values["b"] == 7 and isinstance(values["b"], int)
    assert result["total"]["value"] == pytest.approx(2.0**63)


def test_the_column_errors_come_together(call, table):
    """As CKAN reports a form's fields, and as resource_view_create reports a chart view's (which reads them)."""
    with pytest.raises(ValidationError) as error:
        aggregate(call, table, group_by="nope", value="region")
    assert set(error.value.errors) - {"__type"} == {"group_by", "value"}
    with pytest.raises(ValidationError) as error:
        aggregate(call, table, group_by="region", value="montant", agg=["sum"])
    assert set(error.value.errors) - {"__type"} == {"agg"}

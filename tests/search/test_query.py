"""The Solr-subset parser on its own (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from catalog.clock import utcnow
from catalog.errors import SearchQueryError
from catalog.search.analysis import stem_prefixes, tokens
from catalog.search.query import And, Exact, Exists, MatchAll, Not, Or, Range, Text, parse, parse_date


def test_analyser_folds_accents_case_and_plural():
    assert tokens("Allocataires") == tokens("allocataire")
    assert tokens("Logements") == tokens("logement")
    assert tokens("Île-de-France") == tokens("ile de france")
    assert tokens("Œuvres") == tokens("oeuvre")
    assert "log" in stem_prefixes("logem")


@pytest.mark.parametrize(("q", "tree"), [
    ("", MatchAll()), ("*:*", MatchAll()), ('""', MatchAll()), ("*", MatchAll()),
    ("logements", Text(None, ("log",))),
    ("a1 b2", And((Text(None, ("a1",)), Text(None, ("b2",))))),
    ("tags:Economy", Exact("tags", "Economy")),
    ('tags:"Open Data"', Exact("tags", "Open Data")),
    ("name:foo*", Exact("name", "foo*", pattern=True)),
    ("res_format:*", Exists("res_format")),
    ('title:"Aides au logement"', Text("title", ("aid", "au", "log"))),
    ("extras_Theme:Santé", Text("extras_theme", ("sant",))),
    ("-organization:cnaf", Not(Exact("organization", "cnaf"))),
    ("organization:(a OR b)", Or((Exact("organization", "a"), Exact("organization", "b")))),
    ("dataset_type:harvest", Exact("type", "harvest")),
    ("id:[a TO b}", Range("id", "a", "b", True, False)),
    ("tags:a\\:b", Exact("tags", "a:b")),
    ("log*^2", Text(None, ("log",), prefix=True)),
])
def test_parse(q, tree):
    assert parse(q) == tree


def test_dates_and_date_math():
    node = parse("metadata_modified:[2024-01-01T10:00:00.123456Z TO *]")
    assert node == Range("metadata_modified", datetime(2024, 1, 1, 10, 0, 0, 123456), None)
    assert parse_date("2024-01-01T12:00:00+02:00", "q") == datetime(2024, 1, 1, 10)
    node = parse("metadata_modified:[NOW-1DAY TO NOW/DAY+1DAY]")
    assert isinstance(node, Range) and isinstance(node.low, datetime) and isinstance(node.high, datetime)
    assert abs((utcnow() - timedelta(days=1)) - node.low) < timedelta(seconds=5)
    assert node.high.hour == 0 and node.high > utcnow()


@pytest.mark.parametrize(("q", "where"), [
    ("title:(", "unexpected end of expression"),
    ("a ]", "position 2"),
    ("a:b:c", "nested field 'b' at position 2"),
    ("*foo", "only trailing * wildcards"),
    ("title:[a TO b]", "a range needs an exact or date field"),
    ("metadata_modified:[2024-13-45 TO *]", "invalid date '2024-13-45'"),
    ("metadata_modified:[NOW-1FORTNIGHT TO *]", "invalid date math"),
    ("/ab+/", "unsupported syntax"),
    ("(" * 3000 + "a" + ")" * 3000, "too deeply nested"),
    ("+++", "Cannot parse"),
    ("a^.", "Cannot parse"),  # luqum raises decimal.InvalidOperation for this boost
])
def test_malformed(q, where):
    with pytest.raises(SearchQueryError) as error:
        parse(q)
    assert where in error.value.message
    assert error.value.status == 400

"""The reading of PostgreSQL's deparsed expressions (plancheck.called_functions): every call is found, whatever
literals, quoted names and casts surround it, and nothing else is taken for a call. The expressions are
written as EXPLAIN (VERBOSE) prints them (PostgreSQL 15)."""

from __future__ import annotations

import pytest

from catalog.datastore.plancheck import allowed_functions, called_functions


@pytest.mark.parametrize(("expression", "calls"), [
    ("EXTRACT(year FROM now())", ["extract", "now"]),
    ("TRIM(BOTH ' '::text FROM t.b)", ["trim"]),
    ("POSITION(('a'::text) IN (t.b))", ["position"]),
    ("count(*) FILTER (WHERE (t.a > 1)) OVER (?)", ["count"]),
    ("((t.b = ANY ('{a,b}'::text[])) AND (t.a = 1))", []),
    ("(t.b)::character varying(3)", []),
    ("(t.d)::timestamp(2) without time zone", []),
    ("'1.5'::double precision", []),
    ("(t.a)::numeric(5,1)", []),
    # a literal or a quoted column name that looks like a call is neither
    ("('set_config(''role'')'::text || t.\"pg_sleep(1)\")", []),
    # quoted and qualified names are calls under their real name
    ("\"set_config\"('role'::text, 'none'::text, true)", ["set_config"]),
    ("pg_catalog.set_config('role'::text, 'none'::text, true)", ["set_config"]),
    ("public.evil(1)", ["public.evil"]),
    ("\"Evil\"(1)", ["Evil"]),
    # a call right after a cast's type name is still a call
    ("CASE WHEN (t.a > 1) THEN 'x'::text ELSE set_config('a'::text, 'b'::text, true) END", ["set_config"]),
    ("(('x'::text)::character varying || pg_read_file('/etc/hostname'::text))", ["pg_read_file"]),
    ("ts_stat('SELECT 1'::text)", ["ts_stat"]),
])
def test_called_functions(expression, calls):
    assert called_functions(expression) == calls


def test_functions_that_run_sql_text_or_touch_the_server_are_not_allowed():
    allowed = allowed_functions()
    for name in ("ts_stat", "ts_rewrite", "query_to_xml", "table_to_xml", "cursor_to_xml", "set_config",
                 "current_setting", "dblink", "crosstab", "pg_read_file", "pg_sleep", "lo_import", "xmltable"):
        assert name not in allowed
    assert {"lower", "count", "sum", "round", "to_char", "coalesce", "extract"} <= allowed

"""Compiles the parsed query (catalog/search/query.py) to Tantivy queries over the schema of tantivy_schema.py,
with the meaning sql.py and fts5.py give it, so the three backends answer the same.

- Text: the catch-all is hi OR mid OR low (boosts 4/2/1, CKAN's dismax); a fielded text matches `fld` tokens
  "<field>:<token>"; several tokens are a phrase; a prefix is the last token as a regex "tok.*" plus the stems
  analysis.stem_prefixes gives (as fts5.py does).
- Exact / wildcard / exists: terms and regexes on `xt` ("<field>\\x1f<value>"); wildcards are case-sensitive
  like SQLite's GLOB and PostgreSQL's LIKE, and `*` crosses newlines as they do.
- Ranges: metadata_modified/created on the i64 `mm`/`mc` fields (0 is a NULL date, never matched, as SQL's
  IS NOT NULL); on any other exact field a string range is answered from the term dictionary (the terms of the
  field are listed and compared in Python, code point order = SQLite's BINARY and PostgreSQL's C collation).
  This needs a searcher, and is refused past MAX_RANGE_TERMS values.
- Only text scores: every other part is wrapped in a zero constant score, so a score sort ranks by text alone,
  as the SQL backends do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import tantivy

from catalog.authz import VisibilityRule
from catalog.errors import SearchQueryError
from catalog.search.analysis import stem_prefixes
from catalog.search.query import And, Exact, Exists, MatchAll, Node, Not, Or, Range, Text
from catalog.search.sql import SearchRequest
from catalog.search.tantivy_schema import DATE_FIELDS, NUMBER_FIELDS, SEPARATOR, exact_term, micros

Query = tantivy.Query
MUST, SHOULD, MUST_NOT = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
CATCH_ALL = (("hi", 4.0), ("mid", 2.0), ("low", 1.0))
MAX_RANGE_TERMS = 100_000  # a string range listing more values than this is refused (see the module docstring)
# Characters with a meaning in Tantivy's regex syntax; escaping anything else (a letter) changes its meaning.
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def _all_of(parts: Iterable[Query]) -> Query:
    items = list(parts)
    return items[0] if len(items) == 1 else Query.boolean_query([(MUST, q) for q in items])


def _any_of(parts: Iterable[Query]) -> Query:
    items = list(parts)
    if not items:
        return Query.empty_query()
    return items[0] if len(items) == 1 else Query.boolean_query([(SHOULD, q) for q in items])


def _none_of(part: Query) -> Query:
    return Query.boolean_query([(MUST, Query.all_query()), (MUST_NOT, part)])


def _filter(query: Query) -> Query:
    """A part that matches without scoring (sql.py scores only the text)."""
    return Query.const_score_query(query, 0.0)


def _xt_terms(schema: tantivy.Schema, field: str, values: Iterable[str]) -> Query:
    return Query.term_set_query(schema, "xt", [exact_term(field, v) for v in values])


def _xt_exists(schema: tantivy.Schema, field: str) -> Query:
    # ".+": a column's "" has a term, but SQL's exists is NOT NULL AND != "".
    return Query.regex_query(schema, "xt", "(?s)" + regex_escape(field + SEPARATOR) + ".+")


def is_private(schema: tantivy.Schema, value: bool) -> Query:
    return Query.term_query(schema, "private", value)


# -- text --------------------------------------------------------------------------------------------------------
def _text_in(schema: tantivy.Schema, field: str, toks: tuple[str, ...], prefix: bool) -> Query:
    if prefix and len(toks) == 1:
        alternatives = [Query.regex_query(schema, field, regex_escape(toks[0]) + ".*")]
        alternatives += [Query.term_query(schema, field, p) for p in stem_prefixes(toks[0])]
        return _any_of(alternatives)
    if prefix:
        words = [regex_escape(t) for t in toks[:-1]] + [regex_escape(toks[-1]) + ".*"]
        return Query.regex_phrase_query(schema, field, words)
    if len(toks) == 1:
        return Query.term_query(schema, field, toks[0])
    return Query.phrase_query(schema, field, list(toks))


def _text(schema: tantivy.Schema, node: Text) -> Query:
    if node.field is not None:
        return _text_in(schema, "fld", tuple(f"{node.field}:{t}" for t in node.tokens), node.prefix)
    return _any_of(Query.boost_query(_text_in(schema, name, node.tokens, node.prefix), boost)
                   for name, boost in CATCH_ALL)


# -- exact fields ------------------------------------------------------------------------------------------------
def _pattern(schema: tantivy.Schema, field: str, pattern: str) -> Query:
    """GLOB/LIKE wildcards: * any run of characters (newlines too), ? one character."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else regex_escape(ch) for ch in pattern)
    return Query.regex_query(schema, "xt", "(?s)" + regex_escape(field + SEPARATOR) + body)


def _capacity(schema: tantivy.Schema, node: Exact | Exists | Range) -> Query:
    # sql.py `_capacity`: a range or pattern compares its (missing) value like any other value.
    if isinstance(node, Exists):
        return Query.all_query()
    value = getattr(node, "value", "")
    if node.field == "private":
        return is_private(schema, value.lower() == "true")
    if value in ("public", "private"):
        return is_private(schema, value == "private")
    return Query.empty_query()


def _date_range(schema: tantivy.Schema, name: str, node: Exists | Range) -> Query:
    field = DATE_FIELDS[name]
    missing = Query.term_query(schema, field, 0)  # micros(None): SQL's NULL date matches no range
    if isinstance(node, Exists):
        return _none_of(missing)
    low, high = node.low, node.high
    for bound in (low, high):
        if bound is not None and not isinstance(bound, datetime):
            raise SearchQueryError(f"Invalid date range on {name}")
    lo = micros(low) if isinstance(low, datetime) else None
    hi = micros(high) if isinstance(high, datetime) else None
    if lo is None and hi is None:
        return _none_of(missing)
    ranged = Query.range_query(schema, field, tantivy.FieldType.Integer, lo, hi,
                               include_lower=node.include_low if lo is not None else True,
                               include_upper=node.include_high if hi is not None else True)
    holds_zero = (lo is None or lo < 0 or (lo == 0 and node.include_low)) and \
        (hi is None or hi > 0 or (hi == 0 and node.include_high))
    return Query.boolean_query([(MUST, ranged), (MUST_NOT, missing)]) if holds_zero else ranged


def _number_range(schema: tantivy.Schema, name: str, node: Exact | Exists | Range) -> Query:
    """num_resources, num_tags: the parser gives integer ranges (a value is a one-value range); never NULL."""
    if not isinstance(node, Range):
        return Query.all_query() if isinstance(node, Exists) else Query.empty_query()
    low = node.low if isinstance(node.low, int) else None
    high = node.high if isinstance(node.high, int) else None
    if low is None and high is None:
        return Query.all_query()
    return Query.range_query(schema, NUMBER_FIELDS[name], tantivy.FieldType.Integer, low, high,
                             include_lower=node.include_low if low is not None else True,
                             include_upper=node.include_high if high is not None else True)


def _in_range(value: str, node: Range) -> bool:
    low, high = node.low, node.high
    if isinstance(low, str) and (value < low or (value == low and not node.include_low)):
        return False
    return not (isinstance(high, str) and (value > high or (value == high and not node.include_high)))


def _string_range(schema: tantivy.Schema, node: Range, searcher: tantivy.Searcher | None) -> Query:
    if isinstance(node.low, datetime) or isinstance(node.high, datetime):
        raise SearchQueryError(f"Invalid date range on {node.field}")
    if searcher is None:
        raise SearchQueryError(f"A range on {node.field} needs the index's terms; it cannot be compiled alone")
    # Only the terms sharing the bounds' common prefix can lie between them: list just those.
    common = ""
    if isinstance(node.low, str) and isinstance(node.high, str):
        for a, b in zip(node.low, node.high, strict=False):
            if a != b:
                break
            common += a
    head = node.field + SEPARATOR
    listed = searcher.terms_with_prefix("xt", head + common)
    values = [term[len(head):] for term, _ in listed if _in_range(term[len(head):], node)]
    if len(values) > MAX_RANGE_TERMS:
        raise SearchQueryError(f"The range on {node.field} matches more than {MAX_RANGE_TERMS} values: "
                               "narrow it, or filter on another field")
    return _xt_terms(schema, node.field, values) if values else Query.empty_query()


def _field(schema: tantivy.Schema, node: Exact | Exists | Range, searcher: tantivy.Searcher | None) -> Query:
    name = node.field
    if name in ("capacity", "private"):
        return _capacity(schema, node)
    if name in ("entity_type", "site_id"):
        matches = isinstance(node, Exists) or getattr(node, "value", "") in ("package", "*")
        return Query.all_query() if matches else Query.empty_query()
    if name in DATE_FIELDS and not isinstance(node, Exact):
        return _date_range(schema, name, node)
    if name in NUMBER_FIELDS:
        return _number_range(schema, name, node)
    if isinstance(node, Exists):
        return _xt_exists(schema, name)
    if isinstance(node, Exact):
        if node.pattern:
            return _pattern(schema, name, node.value)
        return Query.term_query(schema, "xt", exact_term(name, node.value), index_option="basic")
    return _string_range(schema, node, searcher)


# -- the tree ----------------------------------------------------------------------------------------------------
def compile_node(schema: tantivy.Schema, node: Node, searcher: tantivy.Searcher | None = None) -> Query:
    """A Tantivy query for a parsed q/fq; `searcher` is only needed by string ranges."""
    if isinstance(node, MatchAll):
        return Query.all_query()
    if isinstance(node, Text):
        return _text(schema, node)
    if isinstance(node, And):
        return _all_of(compile_node(schema, item, searcher) for item in node.items)
    if isinstance(node, Or):
        return _any_of(compile_node(schema, item, searcher) for item in node.items)
    if isinstance(node, Not):
        return _none_of(compile_node(schema, node.item, searcher))
    if isinstance(node, Exact | Exists | Range):
        return _filter(_field(schema, node, searcher))
    raise SearchQueryError(f"Unsupported query part {node}")


def visibility_query(schema: tantivy.Schema, rule: VisibilityRule) -> Query | None:
    """authz.rule_clause's alternatives as a query; None when everything is visible."""
    if rule.everything:
        return None

    def state(value: str) -> Query:
        return _xt_terms(schema, "state", [value])

    public = _all_of([is_private(schema, False), state("active")])
    if not rule.user_id:
        return public
    own = _xt_terms(schema, "creator_user_id", [rule.user_id])
    alternatives = [public]
    if rule.member_orgs:
        alternatives.append(_all_of([_xt_terms(schema, "owner_org", rule.member_orgs), state("active")]))
    if rule.editor_orgs:
        alternatives.append(_xt_terms(schema, "owner_org", rule.editor_orgs))
    alternatives.append(Query.boolean_query([(MUST, own), (MUST_NOT, _xt_exists(schema, "owner_org"))]))
    alternatives.append(_all_of([own, state("draft")]))
    if rule.collaborations:
        alternatives.append(Query.boolean_query([(MUST, _xt_terms(schema, "id", rule.collaborations)),
                                                 (MUST_NOT, state("deleted"))]))
    if rule.edit_collaborations:
        alternatives.append(_xt_terms(schema, "id", rule.edit_collaborations))
    readable = _any_of(alternatives)
    if not rule.include_private:
        readable = _all_of([readable, is_private(schema, False)])
    return readable


def request_query(schema: tantivy.Schema, request: SearchRequest, *, with_q: bool = True,
                  searcher: tantivy.Searcher | None = None) -> Query:
    """SqlSearch.full_where: the states, the caller's visibility, public only unless include_private, q and
    every filter. Only q scores."""
    filters = [_xt_terms(schema, "state", request.states)]
    visible = visibility_query(schema, request.rule)
    if visible is not None:
        filters.append(visible)
    if not request.include_private:
        filters.append(is_private(schema, False))
    filters += [compile_node(schema, f, searcher) for f in request.filters if not isinstance(f, MatchAll)]
    parts = [(MUST, _filter(_all_of(filters)))]
    if with_q and not isinstance(request.q, MatchAll):
        parts.append((MUST, compile_node(schema, request.q, searcher)))
    return Query.boolean_query(parts)

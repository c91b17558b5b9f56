"""package_search over an opened Tantivy index: the count, one page of dataset ids and the facets, with the
answers SqlSearch.search gives for the same documents (tantivy_query.py compiles the request).

Sorting. Strings are never sorted in Tantivy (an offset sort on a text field takes seconds at 1M datasets). A page
is ordered by the primary key's fast field (`sk_<column>`: the first 8 bytes of the value; `mm`/`mc`: the dates)
with an offset, and then resolved exactly: the page's first and last fast values bound a window, every match whose
value lies between them (boundary values included) is read with its stored `sort_values`, the matches before the
window are counted, and the window is sorted in Python by the full values of every sort key (then package_id in
the direction of the last key, as sql.py `_page`) and sliced. A page inside a group of equal fast values larger
than MAX_WINDOW (a sort on license_id alone at 1M datasets) is refused with a SearchError asking for a filter or
a further sort key. NULL columns sort first ascending and last descending (SQLite's order; PostgreSQL differs).
A sort whose first key is the score pages by Tantivy's score and orders that page by (score, the further keys):
exact unless equal scores straddle a page boundary. The score counts only when q has positive text.

Walks (request.walk_key, a harvester's start += rows) seek: the fast value of a page's last row and the number of
matches before it are remembered (cursor.CursorCache, keyed by walk, count and next start), and the next page
searches only from that value on, with a small offset. The full query still applies: a stale entry can shift
positions, never show what the caller may not see.

Facets come from one aggregation over the `exact` JSON fast field (capacity from `private`), asking at facet.limit
for as many buckets as it takes for the values tied at the cut to all be there, so the cut is Solr's and SQL's:
count desc, value asc. An aggregation's counts are exact only while no segment holds more than SEGMENT_SIZE values
of the field (Tantivy then reports an error bound); such a facet, or one asking for more values than Tantivy's
bucket limit, is counted from the `xt` term dictionary instead (exact, slower for a narrow query).

Refused where SQL answers (SearchError): a phrase ending in a prefix that more than 16,384 words start with
(Tantivy's expansion limit), and a page inside too large a tie (above).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import tantivy

from catalog.errors import SearchError
from catalog.search.cursor import CursorCache
from catalog.search.query import positive_text
from catalog.search.sql import SearchRequest
from catalog.search.tantivy_query import MUST, Query, is_private, request_query
from catalog.search.tantivy_schema import DATE_FIELDS, SEPARATOR, path_key, sort_key

MAX_WINDOW = 20_000  # matches read to resolve one page's order exactly (rows are at most 1,000)
SEGMENT_SIZE = 100_000  # values an aggregation keeps per segment; a facet with more goes by the term dictionary
MAX_BUCKETS = 60_000  # values one aggregation may return (Tantivy refuses more than 65,000 buckets)
WALKS = CursorCache()


@dataclass
class TantivyHits:
    count: int
    package_ids: list[str]
    facets: dict[str, list[tuple[str, int]]]


@dataclass
class _Row:
    score: float
    package_id: str
    values: dict[str, Any]


def run_search(searcher: tantivy.Searcher, schema: tantivy.Schema, request: SearchRequest) -> TantivyHits:
    try:
        return _run(searcher, schema, request)
    except ValueError as error:
        # A phrase ending in a prefix ("aides au l*") may expand to at most 16,384 words in Tantivy.
        if "max expansions" not in str(error):
            raise
        raise SearchError("A phrase ends with a prefix that too many words start with: give more of its "
                          "letters") from None


def _run(searcher: tantivy.Searcher, schema: tantivy.Schema, request: SearchRequest) -> TantivyHits:
    query = request_query(schema, request, searcher=searcher)
    count = count_matches(searcher, query)
    facets = facet_counts(searcher, schema, query, request) if request.facet_fields else {}
    ids: list[str] = []
    if request.rows > 0 and request.start < count:
        ids = _page(searcher, schema, query, request, count)
    return TantivyHits(count=count, package_ids=ids, facets=facets)


def count_matches(searcher: tantivy.Searcher, query: Query) -> int:
    # limit=0 panics in Tantivy: one hit is collected and dropped; ordered by a fast field, so nothing is scored
    # (7 times faster for a text query matching 300,000 datasets).
    return int(searcher.search(query, limit=1, count=True, order_by_field="mm").count or 0)


# -- sorting -----------------------------------------------------------------------------------------------------
def sort_keys(request: SearchRequest) -> list[tuple[str, str]]:
    """sql.py `_page`'s ORDER BY: the score only when q has positive text, then package_id in the direction of
    the last other key unless id is sorted on already."""
    scored = bool(positive_text(request.q))
    keys = [(name, direction) for name, direction in request.sort if name != "score" or scored]
    others = [direction for name, direction in request.sort if name != "score"]
    if not any(name == "id" for name, _ in keys):
        keys.append(("id", others[-1] if others else "asc"))
    return keys


def _fast_field(name: str) -> tuple[str, tantivy.FieldType]:
    if name in DATE_FIELDS:
        return DATE_FIELDS[name], tantivy.FieldType.Integer
    return f"sk_{name}", tantivy.FieldType.Unsigned


def _fast_value(name: str, row: _Row) -> int:
    value = row.values.get(name)
    return int(value or 0) if name in DATE_FIELDS else sort_key(value)


def _ordered(rows: list[_Row], keys: list[tuple[str, str]]) -> list[_Row]:
    """Stable sorts from the last key to the first; None before any string (SQLite's NULLS FIRST ascending)."""
    out = list(rows)
    for name, direction in reversed(keys):
        if name == "score":
            out.sort(key=lambda r: r.score, reverse=True)  # sql.py ranks best first whatever the direction
        else:
            out.sort(key=lambda r, n=name: _full_value(n, r), reverse=direction == "desc")
    return out


def _full_value(name: str, row: _Row) -> tuple[bool, Any]:
    value = row.values.get(name)
    if name in DATE_FIELDS:
        return True, int(value or 0)
    return value is not None, "" if value is None else str(value)


def _rows(searcher: tantivy.Searcher, hits: list[tuple[Any, tantivy.DocAddress]]) -> list[_Row]:
    rows = []
    for score, address in hits:
        doc = searcher.doc(address)
        values = json.loads(doc["sort_values"][0])
        rows.append(_Row(score=float(score), package_id=doc["package_id"][0], values=values))
    return rows


def _range(schema: tantivy.Schema, name: str, low: int | None, high: int | None,
           include_low: bool = True, include_high: bool = True) -> Query:
    field, kind = _fast_field(name)
    return Query.const_score_query(
        Query.range_query(schema, field, kind, low, high, include_lower=include_low, include_upper=include_high), 0.0)


def _and(query: Query, extra: Query) -> Query:
    return Query.boolean_query([(MUST, query), (MUST, extra)])


def _page(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query, request: SearchRequest,
          count: int) -> list[str]:
    keys = sort_keys(request)
    if keys[0][0] == "score":
        hits = searcher.search(query, limit=request.rows, offset=request.start, count=False).hits
        return [row.package_id for row in _ordered(_rows(searcher, hits), keys)]
    walk = request.walk_key is not None and request.start > 0
    cursor = WALKS.get((request.walk_key, count, request.start)) if walk else None
    if cursor is not None:
        page = _window_page(searcher, schema, query, request, keys, cursor)
        if page is not None:
            return _remember(request, count, keys, page)
    page = _window_page(searcher, schema, query, request, keys, None)
    return _remember(request, count, keys, page or ([], 0, []))


def _remember(request: SearchRequest, count: int, keys: list[tuple[str, str]],
              page: tuple[list[_Row], int, list[_Row]]) -> list[str]:
    """Keep where the next page of a walk starts: the last row's fast value and how many matches precede it."""
    rows, before, window = page
    if rows and request.walk_key is not None:
        name = keys[0][0]
        last = _fast_value(name, rows[-1])
        preceding = before + next(i for i, row in enumerate(window) if _fast_value(name, row) == last)
        WALKS.put((request.walk_key, count, request.start + len(rows)), (last, preceding))
    return [row.package_id for row in rows]


def _window_page(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query, request: SearchRequest,
                 keys: list[tuple[str, str]], cursor: tuple[Any, ...] | None
                 ) -> tuple[list[_Row], int, list[_Row]] | None:
    """(the page, the matches before the window, the sorted window); None when a walk's cursor does not fit."""
    name, direction = keys[0]
    desc = direction == "desc"
    field, _ = _fast_field(name)
    base, skipped = query, 0
    if cursor is not None:
        value, skipped = int(cursor[0]), int(cursor[1])
        if skipped > request.start:
            return None
        base = _and(query, _range(schema, name, None, value) if desc else _range(schema, name, value, None))
    order = tantivy.Order.Desc if desc else tantivy.Order.Asc
    hits = searcher.search(base, limit=request.rows, offset=request.start - skipped, count=False,
                           order_by_field=field, order=order).hits
    if not hits:
        return None
    low, high = sorted((int(hits[0][0]), int(hits[-1][0])))
    scored = any(key == "score" for key, _ in keys)  # else read in fast-field order: nothing is scored
    found = searcher.search(_and(base, _range(schema, name, low, high)), limit=MAX_WINDOW + 1, count=True,
                            order_by_field=None if scored else field)
    if (found.count or 0) > MAX_WINDOW:
        raise SearchError(f"Too many datasets (more than {MAX_WINDOW}) share the same {name}, or its first 8 bytes, "
                          "at this position of the results: add a filter, or sort by a further field")
    ahead = _range(schema, name, high, None, include_low=False) if desc else \
        _range(schema, name, None, low, include_high=False)
    before = skipped + count_matches(searcher, _and(base, ahead))
    window = _ordered(_rows(searcher, found.hits), keys)
    first = request.start - before
    if first < 0 or first >= len(window):
        return None  # a stale walk cursor
    return window[first:first + request.rows], before, window


# -- facets ------------------------------------------------------------------------------------------------------
def _agg_field(name: str) -> str:
    return "private" if name == "capacity" else "exact." + path_key(name)


def _bucket_value(name: str, bucket: dict[str, Any]) -> str:
    if name == "capacity":
        return "private" if bucket.get("key_as_string") == "true" or bucket.get("key") in (1, True) else "public"
    return str(bucket["key"])


def facet_counts(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query,
                 request: SearchRequest) -> dict[str, list[tuple[str, int]]]:
    """Each facet's values with count >= max(mincount, 1): count desc, then value, at most facet_limit."""
    limit, minimum = request.facet_limit, max(request.facet_mincount, 1)
    facets: dict[str, list[tuple[str, int]]] = {name: [] for name in request.facet_fields}
    sizes = {name: (limit + 1 if limit >= 0 else MAX_BUCKETS) for name in facets if limit != 0}
    while sizes:
        names = list(sizes)
        aggs = {f"f{i}": {"terms": {"field": _agg_field(name), "size": sizes[name], "segment_size": SEGMENT_SIZE,
                                    "min_doc_count": minimum}} for i, name in enumerate(names)}
        try:
            result = searcher.aggregate(query, aggs)
        except ValueError:  # Tantivy's bucket limit: these facets go one by one through the term dictionary
            for name in names:
                facets[name] = _facet_from_terms(searcher, schema, query, name, limit, minimum)
            break
        for i, name in enumerate(names):
            found = result.get(f"f{i}", {})
            buckets = found.get("buckets", [])
            counts = sorted(((_bucket_value(name, b), int(b["doc_count"])) for b in buckets),
                            key=lambda item: (-item[1], item[0]))
            if found.get("doc_count_error_upper_bound") or (limit < 0 and len(counts) >= sizes[name]) \
                    or sizes[name] > MAX_BUCKETS:
                # A segment had more values than SEGMENT_SIZE (its counts are not exact), or too many values.
                facets[name] = _facet_from_terms(searcher, schema, query, name, limit, minimum)
                del sizes[name]
            elif limit < 0 or len(counts) < sizes[name] or counts[-1][1] < counts[limit - 1][1]:
                facets[name] = counts if limit < 0 else counts[:limit]
                del sizes[name]
            elif sizes[name] > limit + 1:  # a large group of equal counts (all 1 in res_url): the dictionary
                facets[name] = _facet_from_terms(searcher, schema, query, name, limit, minimum)
                del sizes[name]
            else:
                sizes[name] = 8 * (limit + 1)  # values tied with the last kept one may be missing: ask for more
    return facets


def _facet_from_terms(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query, name: str, limit: int,
                      minimum: int) -> list[tuple[str, int]]:
    """The same counts from the `xt` term dictionary, each term's postings filtered by the query: exact for any
    number of values, but it reads every value of the field (slower than the aggregation for a narrow query)."""
    if name == "capacity":
        counts = [(value, count_matches(searcher, _and(query, is_private(schema, value == "private"))))
                  for value in ("private", "public")]
    else:
        head = name + SEPARATOR
        # Listed by count desc then value (UTF-8 byte order, SQL's), so its cut at `limit` is SQL's.
        listed = searcher.terms_with_prefix("xt", head, filter_query=query, limit=limit if limit >= 0 else None)
        counts = [(term[len(head):], int(n)) for term, n in listed]
    kept = sorted(((v, n) for v, n in counts if n >= minimum), key=lambda item: (-item[1], item[0]))
    return kept if limit < 0 else kept[:limit]

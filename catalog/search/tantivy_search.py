"""package_search over an opened Tantivy index: the count, one page of dataset ids and the facets, with the
answers SqlSearch.search gives for the same documents (tantivy_query.py compiles the request).

Sorting. Strings are never sorted in Tantivy (an offset sort on a text field takes seconds at 1M datasets). Each
sort key is a run of u64 fast fields whose lexicographic order is the key's order (tantivy_schema.sort_digits: up
to 31 bytes of a text column, then a byte for NULL / whole / longer; a date is one digit); the sort's digits are
its keys' digits in turn (then package_id's, as sql.py `_page`), up to a score key. A page (_Pager.locate) is
ordered by the first digit with an offset; if the matches between the page's first and last digit values are at
most MAX_WINDOW, they are read with their stored `sort_values`, sorted in Python by the full values and sliced
after counting the matches before them. Else the page's first and last values are large tie groups: each is
restricted to (query AND digit == value) and paged by the next digit from its offset inside the group, the whole
groups between them read as one window. So a page inside 300,000 titles starting "Données " costs a few offset
searches inside the group, not a read of it. Values longer than their digits that share them (a large group of
identical long titles) are split by their distinct full values from the `xt` term dictionary, each then paged by
the next key (package_id): exact, at the cost of listing the group's values. A group tied on every digit before a
score key larger than MAX_WINDOW is refused with a SearchError asking for a filter or a further sort key. NULL
columns sort first ascending and last descending (SQLite's order; PostgreSQL differs).
A sort whose first key is the score pages by Tantivy's score and orders that page by (score, the further keys):
exact unless equal scores straddle a page boundary. The score counts only when q has positive text.

Walks (request.walk_key, a harvester's start += rows) seek: the first digit of a page's last row and the number of
matches before it are remembered (cursor.CursorCache, keyed by walk, count and next start), and the next page
searches only from that value on, with a small offset. The full query still applies: a stale entry can shift
positions, never show what the caller may not see.

Facets come from one aggregation over the `exact` JSON fast field (capacity from `private`), asking at facet.limit
for as many buckets as it takes for the values tied at the cut to all be there, so the cut is Solr's and SQL's:
count desc, value asc. An aggregation's counts are exact only while no segment holds more than SEGMENT_SIZE values
of the field (Tantivy then reports an error bound); such a facet, or one asking for more values than Tantivy's
bucket limit, is counted from the `xt` term dictionary instead (exact, slower for a narrow query).

Refused where SQL answers (SearchError): a phrase ending in a prefix that more than 16,384 words start with
(Tantivy's expansion limit), and a page inside too large a tie before a score key (above).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import tantivy

from catalog.errors import SearchError
from catalog.search.cursor import CursorCache
from catalog.search.query import positive_text
from catalog.search.sql import SearchRequest
from catalog.search.tantivy_query import MUST, Query, is_private, request_query
from catalog.search.tantivy_schema import (
    INTEGER_SORTS,
    SEPARATOR,
    digit_fields,
    exact_term,
    path_key,
    sort_digits,
)

MAX_WINDOW = 20_000  # matches read to resolve one page's order exactly (rows are at most 1,000)
READ_WINDOW = 2_000  # above, a page descends into the next digit rather than read the matches (stored docs)
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


def run_search(searcher: tantivy.Searcher, schema: tantivy.Schema, request: SearchRequest,
               exclude: Sequence[str] = ()) -> TantivyHits:
    """`exclude`: datasets left out whatever the index says (the backend's: changed since the index was
    committed, and no longer visible to the caller)."""
    try:
        return _run(searcher, schema, request, exclude)
    except ValueError as error:
        # A phrase ending in a prefix ("aides au l*") may expand to at most 16,384 words in Tantivy.
        if "max expansions" not in str(error):
            raise
        raise SearchError("A phrase ends with a prefix that too many words start with: give more of its "
                          "letters") from None


def _run(searcher: tantivy.Searcher, schema: tantivy.Schema, request: SearchRequest,
         exclude: Sequence[str]) -> TantivyHits:
    query = request_query(schema, request, searcher=searcher)
    if exclude:
        query = Query.boolean_query([(MUST, query), (tantivy.Occur.MustNot,
                                                     Query.term_set_query(schema, "package_id", list(exclude)))])
    facets = facet_counts(searcher, schema, query, request) if request.facet_fields else {}
    keys = sort_keys(request)
    if request.rows > 0 and keys[0][0] == "score":
        # A relevance page scores every match anyway: the same pass counts them (helper B: half the Tantivy time
        # of a free-text search, against a count pass and then a scoring pass).
        found = searcher.search(query, limit=request.rows, offset=request.start, count=True)
        ids = [row.package_id for row in _ordered(_rows(searcher, found.hits), keys)]
        return TantivyHits(count=int(found.count or 0), package_ids=ids, facets=facets)
    count = count_matches(searcher, query)
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


@dataclass(frozen=True)
class _Digit:
    field: str
    kind: tantivy.FieldType
    desc: bool
    name: str
    last_of_text: bool  # the column's last digit: a value whose tail byte is 2 continues past the digits


def _digits(keys: list[tuple[str, str]]) -> list[_Digit]:
    """The fast fields whose lexicographic order is the sort's order, up to the first score key."""
    out = []
    for name, direction in keys:
        if name == "score":
            break
        if name in INTEGER_SORTS:
            out.append(_Digit(INTEGER_SORTS[name], tantivy.FieldType.Integer, direction == "desc", name, False))
            continue
        fields = digit_fields(name)
        out += [_Digit(field, tantivy.FieldType.Unsigned, direction == "desc", name, n == len(fields) - 1)
                for n, field in enumerate(fields)]
    return out


def _first_digit(name: str, row: _Row) -> int:
    value = row.values.get(name)
    return int(value or 0) if name in INTEGER_SORTS else sort_digits(name, value)[0]


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
    if name in INTEGER_SORTS:
        return True, int(value or 0)
    return value is not None, "" if value is None else str(value)


def _rows(searcher: tantivy.Searcher, hits: list[tuple[Any, tantivy.DocAddress]]) -> list[_Row]:
    rows = []
    for score, address in hits:
        doc = searcher.doc(address)
        values = json.loads(doc["sort_values"][0])
        rows.append(_Row(score=float(score), package_id=doc["package_id"][0], values=values))
    return rows


def _range(schema: tantivy.Schema, digit: _Digit, low: int | None, high: int | None,
           include_low: bool = True, include_high: bool = True) -> Query:
    return Query.const_score_query(Query.range_query(
        schema, digit.field, digit.kind, low, high, include_lower=include_low, include_upper=include_high), 0.0)


def _before(schema: tantivy.Schema, digit: _Digit, value: int) -> Query:
    """The values that come before `value` in the digit's direction."""
    return _range(schema, digit, value, None, include_low=False) if digit.desc else \
        _range(schema, digit, None, value, include_high=False)


def _and(query: Query, extra: Query) -> Query:
    return Query.boolean_query([(MUST, query), (MUST, extra)])


@dataclass
class _Pager:
    searcher: tantivy.Searcher
    schema: tantivy.Schema
    keys: list[tuple[str, str]]
    digits: list[_Digit]
    scored: bool  # a further key is the score: windows are read scored

    def locate(self, base: Query, level: int, offset: int, n: int) -> list[_Row]:
        """The n rows from position `offset` of `base`, all of whose matches tie on the digits before `level`.
        The page is ordered by this digit with an offset; if the matches between its first and last values are
        few, they are read and ordered exactly. Else the page's first and last values are large groups: each is
        restricted to (base AND digit == value) and paged by the next digit from its own offset, so the cost
        follows the page, not the size of the groups it falls in."""
        digit = self.digits[level]
        order = tantivy.Order.Desc if digit.desc else tantivy.Order.Asc
        hits = self.searcher.search(base, limit=n, offset=offset, count=False, order_by_field=digit.field,
                                    order=order).hits
        if not hits:
            return []
        values = [int(value) for value, _ in hits]
        low, high = min(values[0], values[-1]), max(values[0], values[-1])
        window = _and(base, _range(self.schema, digit, low, high))
        if count_matches(self.searcher, window) <= max(min(READ_WINDOW, MAX_WINDOW), n):
            before = count_matches(self.searcher, _and(base, _before(self.schema, digit, values[0])))
            return self.read(window, n)[offset - before:offset - before + n]
        first, last = values[0], values[-1]
        head = values.count(first)
        rows = self.group(base, level, first, offset, head)
        if first != last:
            tail = values.count(last)
            middle = _range(self.schema, digit, low, high, include_low=False, include_high=False)
            # Whole groups, as many as the page has rows between its first and last groups.
            rows += self.read(_and(base, middle), len(values)) if len(values) > head + tail else []
            rows += self.group(base, level, last, offset + len(values) - tail, tail)
        return rows

    def group(self, base: Query, level: int, value: int, position: int, n: int) -> list[_Row]:
        """n rows from `position` of base, all of them in the group of `value` of the digit at `level`."""
        digit = self.digits[level]
        group = _and(base, _range(self.schema, digit, value, value))
        inside = position - count_matches(self.searcher, _and(base, _before(self.schema, digit, value)))
        longer = digit.last_of_text and value & 0xFF == 2
        if count_matches(self.searcher, group) > min(READ_WINDOW, MAX_WINDOW) and level + 1 < len(self.digits):
            if longer:
                return self.by_value(group, level, value, inside, n)
            return self.locate(group, level + 1, inside, n)
        return self.read(group)[inside:inside + n]

    def by_value(self, group: Query, level: int, value: int, inside: int, n: int) -> list[_Row]:
        """n rows from `inside` of a large group of values longer than the digits (identical long titles): its
        distinct values and their counts from the `xt` term dictionary, each value's datasets paged by the next
        sort key's digits. Costs the group's size."""
        digit = self.digits[level]
        head = digit.name + SEPARATOR
        listed = self.searcher.terms_with_prefix("xt", head, filter_query=group, limit=None)
        counts = sorted(((term[len(head):], int(count)) for term, count in listed), reverse=digit.desc)
        rows: list[_Row] = []
        position = 0
        for text, count in counts:
            if position + count > inside and len(rows) < n:
                exact = _and(group, Query.term_query(self.schema, "xt", exact_term(digit.name, text)))
                local = max(inside - position, 0)
                wanted = n - len(rows)
                if count > min(READ_WINDOW, MAX_WINDOW):
                    rows += self.locate(exact, level + 1, local, wanted)
                else:
                    rows += self.read(exact)[local:local + wanted]
            position += count
        return rows

    def read(self, query: Query, size: int = 0) -> list[_Row]:
        """Every match of `query`, ordered exactly by the full values; refused above max(size, MAX_WINDOW)."""
        order_by = None if self.scored else self.digits[0].field  # else nothing is scored
        limit = max(size, MAX_WINDOW)
        found = self.searcher.search(query, limit=limit + 1, count=True, order_by_field=order_by)
        if (found.count or 0) > limit:
            raise SearchError(f"Too many datasets (more than {MAX_WINDOW}) share the same sort values (or their "
                              "first 31 bytes) at this position of the results: add a filter, or sort by a "
                              "further field")
        return _ordered(_rows(self.searcher, found.hits), self.keys)


def _page(searcher: tantivy.Searcher, schema: tantivy.Schema, query: Query, request: SearchRequest,
          count: int) -> list[str]:
    keys = sort_keys(request)
    pager = _Pager(searcher, schema, keys, _digits(keys), any(key == "score" for key, _ in keys))
    walk = request.walk_key is not None and request.start > 0
    cursor = WALKS.get((request.walk_key, count, request.start)) if walk else None
    rows: list[_Row] = []
    if cursor is not None:
        rows = _walk_page(pager, query, request, count, cursor)
    if not rows:
        rows = pager.locate(query, 0, request.start, request.rows)
        if rows and request.walk_key is not None:
            _remember(pager, query, 0, request, count, rows)
    return [row.package_id for row in rows]


def _walk_page(pager: _Pager, query: Query, request: SearchRequest, count: int,
               cursor: tuple[Any, ...]) -> list[_Row]:
    """The page from a walk's cursor: only the matches from the last page's first digit on, and only as far on as
    the page needs ([] if the cursor does not fit: stale). Reading "from the digit on" alone costs what lies after
    it (at 1M datasets 200 ms a page early in a walk, 60 ms near its end); the range is therefore closed at a
    width guessed from the last page's span of the digit and widened until it holds the page."""
    value, skipped = int(cursor[0]), int(cursor[1])
    span = int(cursor[2]) if len(cursor) > 2 else 0
    if skipped > request.start or request.start - skipped > READ_WINDOW:
        # Far inside a large group of the first digit the cursor saves nothing: the page descends from the group's
        # start anyway, and (query AND digit >= value) costs more than the query alone (2x at 1M datasets).
        return []
    digit = pager.digits[0]
    needed = request.start - skipped + request.rows
    width = 2 * span + 1
    while True:
        far = value - width if digit.desc else value + width
        low, high = _digit_bounds(digit)
        bounded = low <= far <= high and span > 0
        end = far if bounded else None
        base = _and(query, _range(pager.schema, digit, end, value) if digit.desc else
                    _range(pager.schema, digit, value, end))
        if not bounded or count_matches(pager.searcher, base) >= needed:
            break
        width *= 16
    rows = pager.locate(base, 0, request.start - skipped, request.rows)
    if rows:
        _remember(pager, base, skipped, request, count, rows)
    return rows


def _digit_bounds(digit: _Digit) -> tuple[int, int]:
    if digit.kind == tantivy.FieldType.Unsigned:
        return 0, 2**64 - 1
    return -(2**63), 2**63 - 1


def _remember(pager: _Pager, base: Query, skipped: int, request: SearchRequest, count: int,
              rows: list[_Row]) -> None:
    """Keep where the next page of a walk starts: the last row's first digit, how many matches precede it, and how
    wide a span of the digit this page covered (the next page's guess)."""
    first, last = _first_digit(pager.keys[0][0], rows[0]), _first_digit(pager.keys[0][0], rows[-1])
    preceding = skipped + count_matches(pager.searcher, _and(base, _before(pager.schema, pager.digits[0], last)))
    WALKS.put((request.walk_key, count, request.start + len(rows)), (last, preceding, abs(last - first)))


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
    # Asking for 4x the limit costs the aggregation nothing measurable (every term is collected anyway) and makes
    # a second pass, for values tied at the cut, rare (helper B: -40 % on faceted searches).
    first = 4 * (limit + 1) if 4 * (limit + 1) <= MAX_BUCKETS else limit + 1  # past MAX_BUCKETS: the dictionary
    sizes = {name: (first if limit >= 0 else MAX_BUCKETS) for name in facets if limit != 0}
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
            elif sizes[name] >= 32 * (limit + 1):  # a large group of equal counts (all 1 in res_url): the dictionary
                facets[name] = _facet_from_terms(searcher, schema, query, name, limit, minimum)
                del sizes[name]
            else:
                sizes[name] *= 8  # values tied with the last kept one may be missing: ask for more
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
        listed = searcher.terms_with_prefix("xt", head, filter_query=query, limit=limit + 1 if limit >= 0 else None)
        # A column's "" has a term (url:"" matches) but is no facet value in SQL.
        counts = [(term[len(head):], int(n)) for term, n in listed if len(term) > len(head)]
    kept = sorted(((v, n) for v, n in counts if n >= minimum), key=lambda item: (-item[1], item[0]))
    return kept if limit < 0 else kept[:limit]

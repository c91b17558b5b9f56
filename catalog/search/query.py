"""The Solr/Lucene subset CKAN clients send, parsed once (luqum) into a small AST that each backend compiles.

Supported: free text, field:value, "quoted phrases", AND/OR/NOT, +/-, parentheses, trailing * (prefix)
and * or ? wildcards on exact fields, field:* (exists), *:*, ranges [a TO b] / {a TO b} with * ends and
Solr date math (NOW, NOW-1DAY, NOW/DAY). Boosts (^) and fuzziness (~) are accepted and ignored.
Anything else is a SearchQueryError (HTTP 400) naming the position, never a 500.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Union

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser

from catalog.clock import utcnow
from catalog.errors import SearchQueryError
from catalog.search.analysis import field_key, stem, tokens, words

# Tokenised fields (Solr text types); `text` is the catch-all default field.
TEXT_FIELDS = {
    "text", "title", "notes", "res_name", "res_description", "author", "maintainer",
    "author_email", "maintainer_email", "urls", "name_ngram", "title_ngram", "tags_text",
}
DATE_FIELDS = {"metadata_modified", "metadata_created"}
NUMBER_FIELDS = {"num_resources", "num_tags"}  # Solr int fields: a value or range bound must be an integer
FIELD_ALIASES = {"dataset_type": "type", "entity_type": "entity_type"}
# Every field a query may name, in one place (Solr answers "undefined field" for any other). The index's columns
# (catalog/search/index.py COLUMN_FIELDS) and text fields, the multi-valued exact fields build_document writes, the
# fields sql.py answers without an index row, then CKAN's dynamic fields by prefix. An extra's key is a field too
# (CKAN copies extras to their own field) once some dataset has it: `unknown_fields` leaves those to the caller.
KNOWN_FIELDS = TEXT_FIELDS | DATE_FIELDS | NUMBER_FIELDS | {
    "id", "name", "title_string", "state", "type", "license_id", "organization", "owner_org", "creator_user_id",
    "url", "version", "tags", "groups", "res_format", "res_url", "res_type", "license", "capacity", "private",
    "entity_type", "site_id",
}
DYNAMIC_PREFIXES = ("extras_", "res_extras_", "vocab_")


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Text:
    """Stemmed tokens in a text field (None = catch-all). Several tokens = a phrase; prefix = the last
    token is an unstemmed prefix."""

    field: str | None
    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Exact:
    field: str
    value: str
    pattern: bool = False  # value holds * / ? wildcards


@dataclass(frozen=True)
class Exists:
    field: str


@dataclass(frozen=True)
class Range:
    field: str
    low: str | datetime | int | None
    high: str | datetime | int | None
    include_low: bool = True
    include_high: bool = True


Node = Union[MatchAll, And, Or, Not, Text, Exact, Exists, Range]  # noqa: UP007
_DROPPED = None  # a term with no tokens after analysis (Solr drops it)
_lock = threading.Lock()  # ply's lexer is shared state


def is_text_field(field: str | None) -> bool:
    return field is None or field in TEXT_FIELDS or field.startswith(("extras_", "res_extras_"))


def text_field_key(field: str | None) -> str | None:
    """None for the catch-all, else the prefix used for fielded tokens in the index."""
    if field is None or field == "text":
        return None
    return field_key(field)


def parse(query: str | None) -> Node:
    """Parse q/fq text; empty means everything."""
    if query is None or not query.strip() or query.strip() in ('""', "''"):
        return MatchAll()
    try:
        with _lock:
            parsed = parser.parse(query)
        return _convert(parsed, None, query) or MatchAll()
    except ParseError as error:
        raise SearchQueryError(f"Cannot parse '{query}': {error}") from None
    except RecursionError:
        raise SearchQueryError(f"Cannot parse '{query[:100]}': too deeply nested") from None
    except (ArithmeticError, ValueError, TypeError) as error:
        # luqum turns some malformed terms (a boost like `a^.`) into these instead of a ParseError.
        raise SearchQueryError(f"Cannot parse '{query[:200]}': {error.__class__.__name__}") from None


def _combine(kind: type[And] | type[Or], children: list[Node | None]) -> Node | None:
    kept = [c for c in children if c is not None]
    if not kept:
        return _DROPPED
    if kind is And:
        kept = [c for c in kept if not isinstance(c, MatchAll)] or [MatchAll()]
    elif any(isinstance(c, MatchAll) for c in kept):
        return MatchAll()
    return kept[0] if len(kept) == 1 else kind(tuple(kept))


def _convert(node: tree.Item, field: str | None, query: str) -> Node | None:
    if isinstance(node, tree.SearchField):
        if field is not None:
            raise SearchQueryError(f"Cannot parse '{query}': nested field '{node.name}' at position {node.pos}")
        name = FIELD_ALIASES.get(node.name, node.name)
        if name == "*":
            if isinstance(node.expr, tree.Word) and node.expr.value == "*":
                return MatchAll()
            raise SearchQueryError(f"Cannot parse '{query}': '*' used as a field at position {node.pos}")
        return _convert(node.expr, name, query)
    if isinstance(node, tree.Group | tree.FieldGroup):
        return _convert(node.expr, field, query)
    if isinstance(node, tree.AndOperation | tree.UnknownOperation):
        return _combine(And, [_convert(c, field, query) for c in node.children])
    if isinstance(node, tree.OrOperation):
        return _combine(Or, [_convert(c, field, query) for c in node.children])
    if isinstance(node, tree.Not | tree.Prohibit):
        inner = _convert(node.a, field, query)
        return None if inner is None else Not(inner)
    if isinstance(node, tree.Plus):
        return _convert(node.a, field, query)
    if isinstance(node, tree.Boost):
        return _convert(node.expr, field, query)
    if isinstance(node, tree.Fuzzy | tree.Proximity):
        return _convert(node.term, field, query)
    if isinstance(node, tree.Word):
        return _word(_unescape(node.value), field, query, node.pos)
    if isinstance(node, tree.Phrase):
        return _phrase(_unescape(node.value[1:-1]), field)
    if isinstance(node, tree.Range):
        return _range(node, field, query)
    raise SearchQueryError(
        f"Cannot parse '{query}': unsupported syntax '{node}' at position {getattr(node, 'pos', '?')}"
    )


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def unknown_fields(node: Node) -> set[str]:
    """The field names of a parsed query that are neither known nor dynamic (KNOWN_FIELDS)."""
    if isinstance(node, And | Or):
        return {name for item in node.items for name in unknown_fields(item)}
    if isinstance(node, Not):
        return unknown_fields(node.item)
    if isinstance(node, Exact | Exists | Range):
        name = node.field
        return set() if name in KNOWN_FIELDS or name.startswith(DYNAMIC_PREFIXES) else {name}
    return set()


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # Solr's int; PostgreSQL's int4 columns


def parse_number(value: str, field: str, query: str, clamp: bool = False) -> int:
    """A whole number as Solr's int field takes it: ASCII digits with an optional minus (not Python's int():
    1_000, +3, full-width digits), within 32 bits. A range bound beyond them is clamped (`clamp`), as no count
    is beyond them; a value is a Search Query Error (every backend: PostgreSQL's int4 would fail on it)."""
    value = value.strip(" \t\r\n")  # a range bound keeps the space before TO
    if not _WHOLE_NUMBER.fullmatch(value):
        raise SearchQueryError(f"Cannot parse '{query}': {field} takes a whole number, not '{value}'")
    number = int(value)
    if INT_MIN <= number <= INT_MAX:
        return number
    if clamp:
        return max(INT_MIN, min(INT_MAX, number))
    raise SearchQueryError(f"Cannot parse '{query}': {field} takes a whole number between {INT_MIN} and {INT_MAX}, "
                           f"not '{value}'")


def _word(value: str, field: str | None, query: str, pos: int | None) -> Node | None:
    if value == "*":
        if field is None or field == "text":
            return MatchAll()
        if is_text_field(field):
            # Solr's "has a value" of a text field: the index keeps its words, not whether it was empty, and
            # Exists would look for an exact value that text fields do not have (always 0 results).
            raise SearchQueryError(f"Cannot parse '{query}': {field}:* (has any value) is not supported for the "
                                   f"text field {field}; search for words in it instead")
        return Exists(field)
    if field in DATE_FIELDS:
        when = parse_date(value, query)
        return Range(field, when, when)
    if field in NUMBER_FIELDS:
        number = parse_number(value, field, query)
        return Range(field, number, number)
    if not is_text_field(field):
        assert field is not None
        return Exact(field, value, pattern="*" in value or "?" in value)
    if "*" in value or "?" in value:
        stripped = value.rstrip("*")
        if "*" in stripped or "?" in stripped or not stripped:
            raise SearchQueryError(
                f"Cannot parse '{query}': only trailing * wildcards are supported in text fields "
                f"('{value}' at position {pos})"
            )
        parts = words(stripped)
        if not parts:
            return _DROPPED
        return Text(text_field_key(field), (*[stem(p) for p in parts[:-1]], parts[-1]), prefix=True)
    found = tokens(value)
    return Text(text_field_key(field), tuple(found)) if found else _DROPPED


def _phrase(value: str, field: str | None) -> Node | None:
    if field in DATE_FIELDS:
        when = parse_date(value, value)
        return Range(field, when, when)
    if field in NUMBER_FIELDS:
        number = parse_number(value, field, value)
        return Range(field, number, number)
    if not is_text_field(field):
        assert field is not None
        return Exact(field, value)
    found = tokens(value)
    return Text(text_field_key(field), tuple(found)) if found else _DROPPED


def _range(node: tree.Range, field: str | None, query: str) -> Node:
    if field is None or is_text_field(field):
        raise SearchQueryError(f"Cannot parse '{query}': a range needs an exact or date field "
                               f"(position {node.pos})")
    bounds: list[str | datetime | int | None] = []
    for end in (node.low, node.high):
        raw = _unescape(str(end.value if isinstance(end, tree.Word) else end)).strip('"')
        if raw == "*":
            bounds.append(None)
        elif field in DATE_FIELDS:
            bounds.append(parse_date(raw, query))
        elif field in NUMBER_FIELDS:
            bounds.append(parse_number(raw, field, query, clamp=True))
        else:
            bounds.append(raw)
    return Range(field, bounds[0], bounds[1], node.include_low, node.include_high)


_MATH = re.compile(r"([+-])(\d+)(YEARS?|MONTHS?|DAYS?|HOURS?|MINUTES?|SECONDS?)|/(YEAR|MONTH|DAY|HOUR|MINUTE)")
_UNIT = {"YEAR": timedelta(days=365), "MONTH": timedelta(days=30), "DAY": timedelta(days=1),
         "HOUR": timedelta(hours=1), "MINUTE": timedelta(minutes=1), "SECOND": timedelta(seconds=1)}


def parse_date(value: str, query: str) -> datetime:
    """An ISO date (Z optional, microseconds allowed) or Solr date math from NOW."""
    text = value.strip()
    if text.startswith("NOW"):
        when = utcnow()
        rest = text[3:]
        while rest:
            match = _MATH.match(rest)
            if not match:
                raise SearchQueryError(f"Cannot parse '{query}': invalid date math '{value}'")
            if match.group(4):
                when = _round(when, match.group(4))
            else:
                delta = _UNIT[match.group(3).rstrip("S")] * int(match.group(2))
                when = when + delta if match.group(1) == "+" else when - delta
            rest = rest[match.end():]
        return when
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"Cannot parse '{query}': invalid date '{value}'") from None
    if parsed.tzinfo is not None:
        parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]
    return parsed


def _round(when: datetime, unit: str) -> datetime:
    if unit == "YEAR":
        return when.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "MONTH":
        return when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "DAY":
        return when.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "HOUR":
        return when.replace(minute=0, second=0, microsecond=0)
    return when.replace(second=0, microsecond=0)


def positive_text(node: Node) -> list[Text]:
    """Text terms that count towards the score (not under a NOT)."""
    if isinstance(node, Text):
        return [node]
    if isinstance(node, And | Or):
        return [t for item in node.items for t in positive_text(item)]
    return []

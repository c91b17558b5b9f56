"""How deeply request data may nest.

Python's JSON decoder, the schema validator, the dictizers and the JSON encoder all recurse, so a body nested
a thousand levels deep ran out of interpreter stack (RecursionError: a 500), and one a few hundred deep could
be stored and then fail every later read. Such input is refused up front with CKAN's 400 JSON error."""

from __future__ import annotations

import json
from typing import Any

# Far beyond any dataset or resource field (CKAN's own dicts nest 3-4 levels), far below Python's recursion
# limit (1,000 frames) for the code that walks request data.
MAX_DEPTH = 100
TOO_DEEP = (f"JSON Error: data nested too deeply: at most {MAX_DEPTH} levels of lists and objects are accepted; "
            "send flatter data")


def nested_deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists and dicts nest more than `limit` levels (a scalar is 0, `{}` is 1). Walks without
    recursing, so it is safe on any input."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class TooDeeplyNested(ValueError):
    """JSON text nested deeper than MAX_DEPTH."""


def loads_bounded(text: str | bytes) -> Any:
    """json.loads, refusing (TooDeeplyNested) what nests deeper than MAX_DEPTH instead of overflowing."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeeplyNested(TOO_DEEP) from None
    if nested_deeper_than(value):
        raise TooDeeplyNested(TOO_DEEP)
    return value

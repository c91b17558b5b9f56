"""Very long values (a 70,000-character title) are searchable alike on every backend: Tantivy refuses terms over
65,530 bytes, so exact values are cut as the database index cuts them."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_prefix_of_a_very_long_title_finds_its_dataset(each_search_backend: str, call: Any, sysadmin: Any,
                                                         org: dict[str, Any]) -> None:
    if each_search_backend != "tantivy":
        pytest.skip("the database backends keep the whole title in a column")
    long_title = "T" + "x" * 70_000
    call("package_create", sysadmin, name="long", title=long_title, owner_org=org["id"])
    call("package_create", sysadmin, name="court", title="Court", owner_org=org["id"])
    assert [r["name"] for r in call("package_search", sysadmin, fq="title_string:Txxxxxxxxxx*")["results"]] == ["long"]
    assert call("package_search", sysadmin, q="name:court")["count"] == 1

"""Who sees what: the index applies catalog.authz's rule, and agrees with visible_packages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from catalog.authz import visible_packages
from catalog.context import ANONYMOUS, Actor
from catalog.dataset.models import Package
from catalog.registry import unit
from tests.conftest import make_user
from tests.search.conftest import names

# Behaviour every search backend must share: each test runs on the database's search and on Tantivy.
pytestmark = pytest.mark.usefixtures("each_search_backend")

PUBLIC = {"allocataires-caf", "aides-logement", "population-census", "naissances"}


def test_private_datasets_need_include_private_and_a_right_to_see_them(call, sysadmin, catalog):
    member, outsider = catalog["member"], catalog["outsider"]
    assert names(call("package_search", ANONYMOUS, q="allocataires")) == {"allocataires-caf"}
    assert names(call("package_search", ANONYMOUS, q="allocataires", include_private=True)) == {"allocataires-caf"}
    assert names(call("package_search", outsider, q="allocataires", include_private=True)) == {"allocataires-caf"}
    assert names(call("package_search", member, q="allocataires")) == {"allocataires-caf"}
    assert names(call("package_search", member, q="allocataires", include_private=True)) == {
        "allocataires-caf", "budget-interne"}
    assert names(call("package_search", sysadmin, q="allocataires")) == {"allocataires-caf"}
    assert names(call("package_search", sysadmin, q="allocataires", include_private=True)) == {
        "allocataires-caf", "budget-interne"}
    assert call("package_search", member, q="capacity:private", include_private=True)["count"] == 1
    assert call("package_search", outsider, q="capacity:private", include_private=True)["count"] == 0


def test_private_datasets_do_not_leak_through_facets(call, catalog):
    facets = call("package_search", catalog["outsider"], include_private=True,
                  **{"facet.field": ["tags"]})["facets"]["tags"]
    assert "budget" not in facets
    member_facets = call("package_search", catalog["member"], include_private=True,
                         **{"facet.field": ["tags"]})["facets"]["tags"]
    assert member_facets["budget"] == 1


def test_drafts_and_deleted(call, sysadmin, catalog, org_editor):
    editor = org_editor
    draft = call("package_create", editor, name="brouillon", owner_org=catalog["insee"]["id"], title="Brouillon")
    call("package_patch", sysadmin, id=draft["id"], state="draft")
    call("package_delete", sysadmin, id="naissances")
    assert "brouillon" not in names(call("package_search", sysadmin, rows=50))
    assert "brouillon" in names(call("package_search", sysadmin, include_drafts=True, rows=50))
    assert "brouillon" in names(call("package_search", editor, include_drafts=True, rows=50))
    assert "brouillon" not in names(call("package_search", catalog["outsider"], include_drafts=True, rows=50))
    assert "brouillon" not in names(call("package_search", ANONYMOUS, include_drafts=True, rows=50))
    assert "naissances" not in names(call("package_search", sysadmin, rows=50))
    assert "naissances" in names(call("package_search", sysadmin, include_deleted=True, rows=50))
    assert names(call("package_search", sysadmin, fq="+state:deleted", rows=50)) == {"naissances"}


@pytest.fixture
def org_editor(call, sysadmin, catalog) -> Actor:
    editor = make_user(call, "edith")
    call("organization_member_create", sysadmin, id="insee", username="edith", role="editor")
    return editor


@pytest.mark.parametrize("who", ["anonymous", "member", "outsider", "editor", "sysadmin"])
def test_index_agrees_with_visible_packages(call, services, sysadmin, catalog, org_editor, who):
    draft = call("package_create", org_editor, name="brouillon", owner_org=catalog["insee"]["id"])
    call("package_patch", sysadmin, id=draft["id"], state="draft")
    call("package_create", sysadmin, name="prive-insee", owner_org=catalog["insee"]["id"], private=True)
    actor = {"anonymous": ANONYMOUS, "member": catalog["member"], "outsider": catalog["outsider"],
             "editor": org_editor, "sysadmin": sysadmin}[who]
    # One catalog for every combination (filling it costs far more than the searches).
    for include_private, include_drafts in [(False, False), (True, False), (True, True)]:
        found = names(call("package_search", actor, rows=1000, include_private=include_private,
                           include_drafts=include_drafts))
        with unit(services, actor, write=False) as ctx:
            session = ctx.session
            query = visible_packages(ctx, include_private=include_private, include_drafts=include_drafts)
            expected: set[Any] = {p.name for p in session.scalars(query)}
            if not include_private:
                expected = {n for n in expected
                            if not session.scalar(select(Package.private).where(Package.name == n))}
        assert found == expected, (include_private, include_drafts)


def test_collaborators_see_the_private_datasets_they_work_on(call, sysadmin, catalog):
    outsider = catalog["outsider"]
    call("package_collaborator_create", sysadmin, id="budget-interne", user_id=outsider.name, capacity="member")
    assert names(call("package_search", outsider, q="budget", include_private=True)) == {"budget-interne"}
    assert names(call("package_search", outsider, q="budget")) == set()

"""The demo's editorial review part (issue 16), through the real actions on both databases: review on for one
organization, a reviewer and an editor who can log in, a new dataset and an edit of a published one submitted by
the editor; a second load changes nothing. Runs without the full catalogue (the review demo makes the one
organization and dataset it needs), so it costs a few datasets, not the fifty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from catalog.context import ANONYMOUS, Actor
from catalog.dataset.models import Package
from catalog.demo.review import (
    EDITED_DATASET,
    EDITED_FILE,
    NEW_DATASET,
    REVIEW_ORG,
    csv_with_2023,
    load_review_demo,
    review_demo_lines,
)
from catalog.errors import NotAuthorized, NotFound
from catalog.registry import unit
from catalog.review.files import pending_file
from catalog.user.models import User
from catalog.user.passwords import verify_password
from tests.conftest import Caller


def password_works(services: Any, name: str, password: str) -> bool:
    with services.db.unit_of_work(write=False) as session:
        return verify_password(password, session.scalar(select(User.password_hash).where(User.name == name)))


def held_file(services: Any, actor: Actor, resource_id: str) -> Path:
    """The file the editor uploaded in the edit round, as the review page reads it."""
    with unit(services, actor, write=False) as ctx:
        package = ctx.session.scalar(select(Package).where(Package.name == EDITED_DATASET))
        found = pending_file(ctx, package, resource_id)
    assert found is not None
    return found


def test_review_demo_leaves_a_new_dataset_and_an_edit_waiting(services: Any, call: Caller, sysadmin: Actor) -> None:
    first = load_review_demo(services, sysadmin)
    assert [(a.name, a.capacity) for a in first.accounts] == [("demo-relecteur", "reviewer"),
                                                              ("demo-editeur", "editor")]
    assert first.new_dataset_submitted and first.edit_submitted
    for account in first.accounts:
        assert account.password and len(account.password) >= 12
        assert password_works(services, account.name, account.password)
    assert first.accounts[0].password != first.accounts[1].password
    printed = "\n".join(review_demo_lines(first))
    assert all(account.password in printed for account in first.accounts)

    assert call("organization_show", sysadmin, id=REVIEW_ORG)["review_required"] is True
    ids = {name: call("user_show", sysadmin, id=name)["id"] for name in ("demo-relecteur", "demo-editeur")}
    members = {(user_id, capacity) for user_id, _, capacity in call("member_list", sysadmin, id=REVIEW_ORG,
                                                                    object_type="user")}
    assert members >= {(ids["demo-relecteur"], "Reviewer"), (ids["demo-editeur"], "Editor")}
    reviewer = Actor(user_id=ids["demo-relecteur"], name="demo-relecteur")

    queue = call("review_list", reviewer)
    assert queue["count"] == 2 and queue["counts"] == {REVIEW_ORG: 2}
    assert {(r["package_name"], r["kind"], r["status"], r["author"]) for r in queue["results"]} == {
        (NEW_DATASET, "new", "pending", "demo-editeur"), (EDITED_DATASET, "edit", "pending", "demo-editeur")}
    assert all(r["comment"] for r in queue["results"])

    # The new dataset is a draft nobody outside the organization sees.
    with pytest.raises((NotFound, NotAuthorized)):
        call("package_show", ANONYMOUS, id=NEW_DATASET)
    new = call("review_show", reviewer, id=NEW_DATASET)
    assert new["pending"]["state"] == "draft" and new["pending"]["resources"][0]["name"] == "RSAGironde2022.csv"

    # The edit: title, description, one extra and one file changed; the public version is the catalogue's.
    public = call("package_show", ANONYMOUS, id=EDITED_DATASET)
    assert public["title"] == "Population couverte par une aide au logement - Gironde"
    edit = call("review_show", reviewer, id=EDITED_DATASET)
    assert {f["field"] for f in edit["diff"]["fields"]} >= {"title", "notes"}
    assert [(e["key"], e["published"], e["pending"]) for e in edit["diff"]["extras"]] == [
        ("temporal_end", "2022-12-31", "2023-12-31")]
    [changed] = edit["diff"]["resources"]
    assert (changed["name"], changed["change"], changed["file_changed"]) == (EDITED_FILE, "changed", True)
    assert list(edit["files"]) == [changed["id"]]
    assert held_file(services, reviewer, changed["id"]).read_bytes() == csv_with_2023()
    # The review page previews a file's first 20 rows: the added year must be among them.
    lines = csv_with_2023().decode("utf-8-sig").splitlines()
    assert len(lines) == 49 and sum("31/12/2023" in line for line in lines[1:21]) == 5
    public_file = services.storage.files.path(changed["id"])
    assert "31/12/2023" not in public_file.read_bytes().decode("utf-8-sig")

    second = load_review_demo(services, sysadmin)
    assert [a.password for a in second.accounts] == [None, None]
    assert not second.new_dataset_submitted and not second.edit_submitted
    assert "password unchanged" in "\n".join(review_demo_lines(second))
    assert password_works(services, "demo-editeur", first.accounts[1].password)
    again = call("review_list", reviewer)
    assert again["count"] == 2
    assert call("review_show", reviewer, id=EDITED_DATASET)["history"] == edit["history"]

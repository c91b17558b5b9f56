"""Who may do what in the review workflow: the matrix of the six review actions by capacity (author, another
editor, reviewer, admin, member, outsider, anonymous, sysadmin), and the writes that are held or not."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from catalog.errors import NotAuthorized, ValidationError
from tests.conftest import Caller
from tests.review.conftest import Api, Team, published_dataset

ROLES = ("author", "other_editor", "reviewer", "admin", "member", "outsider", "anonymous", "sysadmin")
REVIEWERS = {"reviewer", "admin", "sysadmin"}
ALLOWED = {
    "review_show": {"author"} | REVIEWERS,
    "review_submit": {"author"} | REVIEWERS,
    "review_withdraw": {"author"} | REVIEWERS,
    "review_approve": REVIEWERS,
    "review_reject": REVIEWERS,
}
ARGUMENTS = {"review_reject": {"comment": "À revoir"}}


def _status(call: Caller, team: Team, name: str) -> str | None:
    """The status of the dataset's latest review round, as package_show tells a sysadmin."""
    return call("package_show", team["sysadmin"], id=name).get("review", {}).get("status")


_edits = itertools.count()


def _edit(call: Caller, team: Team, name: str) -> None:
    """The author's held edit: opens a revision, or extends the open one."""
    call("package_patch", team["author"], id=name, notes=f"Révision {next(_edits)}")


def _pending(call: Caller, team: Team, name: str) -> None:
    """Brings the round to `pending`: a new edit if the last round was decided, then a submission."""
    status = _status(call, team, name)
    if status == "pending":
        return
    if status not in ("draft", "changes_requested"):
        _edit(call, team, name)
    call("review_submit", team["sysadmin"], id=name)


def _draft(call: Caller, team: Team, name: str) -> None:
    if _status(call, team, name) == "pending":
        call("review_withdraw", team["sysadmin"], id=name)


# For each action: what brings the round to the status the action needs (run before the refusals, so that a 403
# is never a 409 in disguise, and before every allowed call), and the status a success leaves.
Step = Callable[[Caller, Team, str], None]
PREPARE: dict[str, tuple[Step, str]] = {
    "review_show": (_draft, "draft"),
    "review_submit": (_draft, "pending"),
    "review_withdraw": (_pending, "draft"),
    "review_approve": (_pending, "approved"),
    "review_reject": (_pending, "changes_requested"),
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_review_action_matrix(call: Caller, team: Team, action: str) -> None:
    name = published_dataset(call, team)["name"]
    _edit(call, team, name)
    prepare, status_after = PREPARE[action]
    prepare(call, team, name)
    status_before = _status(call, team, name)
    for role in ROLES:
        if role in ALLOWED[action]:
            continue
        with pytest.raises(NotAuthorized):
            call(action, team[role], id=name, **ARGUMENTS.get(action, {}))
        assert _status(call, team, name) == status_before, f"{action} by {role} changed the status"
    for role in sorted(ALLOWED[action]):
        prepare(call, team, name)
        answer = call(action, team[role], id=name, **ARGUMENTS.get(action, {}))
        status = answer["review"]["status"] if action == "review_approve" else answer["status"]
        assert status == status_after, (action, role, answer)


def test_review_show_of_a_new_draft(call: Caller, team: Team) -> None:
    """A new dataset's draft: its organization's other editors may read the dataset but not its review."""
    call("package_create", team["author"], name="nouveau", owner_org=team.org["id"])
    for role in ROLES:
        if role in ALLOWED["review_show"]:
            shown = call("review_show", team[role], id="nouveau")
            assert shown["kind"] == "new" and shown["published"] is None and shown["status"] == "draft", role
        else:
            with pytest.raises(NotAuthorized):
                call("review_show", team[role], id="nouveau")


def test_review_list_by_role(call: Caller, team: Team) -> None:
    """Reviewers see their organizations' queue, authors their own revisions, everyone else an empty list."""
    name = published_dataset(call, team)["name"]
    _edit(call, team, name)
    _pending(call, team, name)
    seen = {role: call("review_list", team[role])["count"] for role in ROLES if role != "anonymous"}
    assert seen == {"author": 1, "other_editor": 0, "reviewer": 1, "admin": 1, "member": 0, "outsider": 0,
                    "sysadmin": 1}
    with pytest.raises(NotAuthorized):
        call("review_list", team["anonymous"])


def test_organization_without_review_behaves_as_before(call: Caller, team: Team, sysadmin: Any) -> None:
    plain = call("organization_create", sysadmin, name="msa", title="MSA")
    assert plain["review_required"] is False
    call("organization_member_create", sysadmin, id=plain["id"], username="author", role="editor")
    created = call("package_create", team["author"], name="direct", owner_org="msa", title="Avant")
    assert created["state"] == "active" and "review" not in created
    updated = call("package_update", team["author"], id="direct", owner_org="msa", title="Après")
    assert "review" not in updated
    assert call("package_show", team["anonymous"], id="direct")["title"] == "Après"
    with pytest.raises(ValidationError):
        call("review_submit", team["author"], id="direct")  # nothing to submit
    assert call("review_list", sysadmin, status="open")["count"] == 0


@pytest.mark.parametrize("who", ["reviewer", "admin", "sysadmin"])
def test_reviewers_publish_directly(call: Caller, team: Team, who: str) -> None:
    created = call("package_create", team[who], name=f"par-{who}", owner_org=team.org["id"], title="Direct")
    assert created["state"] == "active" and not created.get("review", {}).get("held")
    patched = call("package_patch", team[who], id=f"par-{who}", title="Direct, corrigé")
    assert not patched.get("review", {}).get("held")
    assert call("package_show", team["anonymous"], id=f"par-{who}")["title"] == "Direct, corrigé"


def test_ckanapi_style_create_by_an_editor_gives_a_draft(api: Api, team: Team) -> None:
    """A script loading datasets with `state: active`, as `ckanapi load` sends them: not an error, a draft."""
    created = api("package_create", "author", name="charge-ckanapi", owner_org="cnaf", state="active",
                  title="Chargé par ckanapi", resources=[{"url": "https://example.org/a.csv", "name": "a.csv"}])
    assert created["state"] == "draft"
    assert created["review"]["held"] is True and created["review"]["status"] == "draft"
    assert [r["name"] for r in created["resources"]] == ["a.csv"]
    api("package_show", "anonymous", expect=403, id="charge-ckanapi")
    # Updating it with state active again does not publish it either.
    again = api("package_update", "author", id="charge-ckanapi", owner_org="cnaf", state="active",
                title="Chargé par ckanapi, bis")
    assert again["state"] == "draft"
    api("package_show", "anonymous", expect=403, id="charge-ckanapi")


def test_another_editor_cannot_edit_while_a_revision_is_open(call: Caller, team: Team) -> None:
    published = published_dataset(call, team)
    name = published["name"]
    call("package_patch", team["author"], id=name, title="Proposé par l'auteur")
    for write in (
        lambda: call("package_patch", team["other_editor"], id=name, title="Autre proposition"),
        lambda: call("resource_create", team["other_editor"], package_id=name, url="https://example.org/b.csv"),
    ):
        with pytest.raises(ValidationError):
            write()
    assert call("review_show", team["author"], id=name)["pending"]["title"] == "Proposé par l'auteur"
    # Once the round is decided, the other editor may open the next one.
    call("review_submit", team["author"], id=name)
    call("review_approve", team["reviewer"], id=name)
    proposed = call("package_patch", team["other_editor"], id=name, title="Autre proposition")
    assert proposed["review"]["held"] is True


def test_a_new_draft_is_seen_by_the_organizations_editors_reviewers_and_admins_only(call: Caller,
                                                                                     team: Team) -> None:
    """package_show and package_search (with include_drafts) of an editor's new draft, for each person."""
    call("package_create", team["author"], name="brouillon", owner_org=team.org["id"], title="Brouillon")
    readers = {"author", "other_editor", "reviewer", "admin", "sysadmin"}
    for role in ROLES:
        found = call("package_search", team[role], q="name:brouillon", include_drafts=True)["count"]
        if role in readers:
            assert call("package_show", team[role], id="brouillon")["state"] == "draft", role
            assert found == 1, role
        else:
            with pytest.raises(NotAuthorized):
                call("package_show", team[role], id="brouillon")
            assert found == 0, role


def test_the_site_wide_default_applies_to_new_organizations(services: Any, call: Caller, team: Team,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from catalog.settings import Settings

    monkeypatch.setenv("MOISSON_REVIEW_REQUIRED_DEFAULT", "true")
    assert Settings.from_env().review_required_default is True
    monkeypatch.setitem(vars(services), "settings", replace(services.settings, review_required_default=True))
    assert call("organization_create", team["sysadmin"], name="par-defaut")["review_required"] is True
    assert call("organization_create", team["sysadmin"], name="sans", review_required=False)["review_required"] is False

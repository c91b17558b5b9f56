"""The review workflow of a new dataset through the HTTP API, as a CKAN client would drive it: create → submit →
reject (a comment is required) → edit → resubmit → approve, with statuses, history, activities and the queue."""

from __future__ import annotations

from typing import Any

from tests.review.conftest import Api, Team

SUMMARY_KEYS = {"revision_id", "package_id", "package_name", "title", "organization", "kind", "status", "author",
                "author_id", "created", "modified", "submitted", "comment"}
REVIEW_ACTIVITIES = {"review submitted", "review approved", "changes requested", "review withdrawn"}


def _queue(api: Api, who: str, **filters: Any) -> list[str]:
    """The package names of the review_list page `who` gets with these filters (count checked against it)."""
    answer = api("review_list", who, **filters)
    assert answer["count"] == len(answer["results"]), answer
    return [summary["package_name"] for summary in answer["results"]]


def test_new_dataset_from_draft_to_publication(api: Api, team: Team) -> None:
    created = api("package_create", "author", name="prestations-2024", title="Prestations 2024",
                  owner_org=team.org["id"], notes="Premier jet")
    assert created["state"] == "draft"
    held = created["review"]
    assert held["held"] is True and held["kind"] == "new" and held["status"] == "draft"
    assert isinstance(held["message"], str) and held["message"]
    revision_id = held["revision_id"]

    # The draft is the organization's business only; the author sees its review status.
    api("package_show", "anonymous", expect=403, id="prestations-2024")
    api("package_show", "member", expect=403, id="prestations-2024")
    assert api("package_search", "anonymous", q="name:prestations-2024")["count"] == 0
    shown = api("package_show", "author", id="prestations-2024")
    assert shown["review"]["status"] == "draft" and shown["review"]["kind"] == "new"
    assert shown["review"]["revision_id"] == revision_id
    assert _queue(api, "reviewer") == []  # a draft is not in the queue yet
    assert _queue(api, "reviewer", status="draft") == ["prestations-2024"]

    submitted = api("review_submit", "author", id="prestations-2024", comment="Prêt pour relecture")
    assert set(submitted) == SUMMARY_KEYS
    assert submitted["status"] == "pending" and submitted["comment"] == "Prêt pour relecture"
    assert submitted["revision_id"] == revision_id and submitted["author"] == "author"
    assert submitted["organization"]["name"] == "cnaf" and submitted["submitted"]
    assert api("review_submit", "author", expect=409, id="prestations-2024")["__type"] == "Validation Error"

    queue = api("review_list", "reviewer")
    assert queue["count"] == 1 and queue["counts"] == {"cnaf": 1}
    assert queue["results"][0] == submitted | {"modified": queue["results"][0]["modified"]}

    # A rejection needs a reason.
    api("review_reject", "reviewer", expect=409, id="prestations-2024")
    api("review_reject", "reviewer", expect=409, id="prestations-2024", comment="")
    rejected = api("review_reject", "reviewer", id="prestations-2024", comment="Ajoutez la source des chiffres")
    assert rejected["status"] == "changes_requested" and rejected["comment"] == "Ajoutez la source des chiffres"
    api("review_approve", "reviewer", expect=409, id="prestations-2024")  # only a pending revision is approved
    assert _queue(api, "reviewer") == []
    assert api("review_list", "reviewer")["counts"].get("cnaf", 0) == 0
    assert _queue(api, "author", status="changes_requested") == ["prestations-2024"]

    edited = api("package_patch", "author", id="prestations-2024", notes="Source : fichiers CAF au 31/12")
    assert edited["state"] == "draft" and edited["review"]["status"] == "changes_requested"
    assert edited["review"]["revision_id"] == revision_id  # the same round goes on
    api("review_submit", "author", id="prestations-2024", comment="Source ajoutée")

    decided = api("review_approve", "reviewer", id="prestations-2024", comment="Parfait")
    assert decided["review"]["status"] == "approved" and decided["review"]["comment"] == "Parfait"
    assert decided["package"]["state"] == "active"
    assert decided["package"]["notes"] == "Source : fichiers CAF au 31/12"
    api("review_approve", "admin", expect=409, id="prestations-2024")  # decided once

    public = api("package_show", "anonymous", id="prestations-2024")
    assert public["state"] == "active" and public["notes"] == "Source : fichiers CAF au 31/12"
    assert "review" not in public
    assert api("package_search", "anonymous", q="name:prestations-2024")["count"] == 1

    review = api("package_show", "author", id="prestations-2024")["review"]
    assert review["status"] == "approved" and review["revision_id"] == revision_id
    steps = [(step["action"], step["user"], step["comment"]) for step in review["history"]]
    assert steps[0][:2] == ("created", "author")
    decisions = [step for step in steps if step[0] != "edited"]
    assert decisions == [
        ("created", "author", decisions[0][2]),
        ("submitted", "author", "Prêt pour relecture"),
        ("changes_requested", "reviewer", "Ajoutez la source des chiffres"),
        ("submitted", "author", "Source ajoutée"),
        ("approved", "reviewer", "Parfait"),
    ]
    assert all(step["timestamp"] and step["user_id"] for step in review["history"])

    # Every step is an activity with its comment, for the organization's members; not for the public.
    stream = api("package_activity_list", "member", id="prestations-2024")
    reviewed = [(a["activity_type"], a["data"]["review"].get("comment")) for a in reversed(stream)
                if a["activity_type"] in REVIEW_ACTIVITIES]
    assert reviewed == [
        ("review submitted", "Prêt pour relecture"),
        ("changes requested", "Ajoutez la source des chiffres"),
        ("review submitted", "Source ajoutée"),
        ("review approved", "Parfait"),
    ]
    assert all(a["data"]["package"]["name"] == "prestations-2024" for a in stream
               if a["activity_type"] in REVIEW_ACTIVITIES)
    public_stream = api("package_activity_list", "anonymous", id="prestations-2024")
    assert not REVIEW_ACTIVITIES & {a["activity_type"] for a in public_stream}


def test_review_list_filters_and_counts(api: Api, team: Team, call: Any, sysadmin: Any) -> None:
    """The queue per organization, status, author and kind, and the per-organization counts of the badge."""
    other = call("organization_create", sysadmin, name="msa", title="MSA", review_required=True)
    call("organization_member_create", sysadmin, id=other["id"], username="author", role="editor")
    call("organization_member_create", sysadmin, id=other["id"], username="other-editor", role="editor")
    for name, who, org in (("a-cnaf", "author", "cnaf"), ("b-cnaf", "other_editor", "cnaf"),
                           ("c-msa", "author", "msa"), ("d-cnaf", "author", "cnaf")):
        api("package_create", who, name=name, owner_org=org)
    for name, who in (("a-cnaf", "author"), ("b-cnaf", "other_editor"), ("c-msa", "author")):
        api("review_submit", who, id=name)
    published = api("package_create", "reviewer", name="e-cnaf", owner_org="cnaf", title="Publié")
    assert published["state"] == "active"
    api("package_patch", "author", id="e-cnaf", title="Modifié")
    api("review_submit", "author", id="e-cnaf")

    # The cnaf reviewer sees cnaf's queue only; a sysadmin sees both organizations.
    assert sorted(_queue(api, "reviewer")) == ["a-cnaf", "b-cnaf", "e-cnaf"]
    assert api("review_list", "reviewer")["counts"] == {"cnaf": 3}
    assert sorted(_queue(api, "sysadmin")) == ["a-cnaf", "b-cnaf", "c-msa", "e-cnaf"]
    assert api("review_list", "sysadmin")["counts"] == {"cnaf": 3, "msa": 1}
    assert sorted(_queue(api, "sysadmin", organization="msa")) == ["c-msa"]
    assert sorted(_queue(api, "reviewer", author="author")) == ["a-cnaf", "e-cnaf"]
    assert sorted(_queue(api, "reviewer", kind="edit")) == ["e-cnaf"]
    assert sorted(_queue(api, "reviewer", kind="new")) == ["a-cnaf", "b-cnaf"]
    assert sorted(_queue(api, "reviewer", status="draft")) == ["d-cnaf"]
    assert sorted(_queue(api, "reviewer", status="open")) == ["a-cnaf", "b-cnaf", "d-cnaf", "e-cnaf"]
    # An editor sees their own revisions in every organization, not their colleagues'.
    assert sorted(_queue(api, "author", status="open")) == ["a-cnaf", "c-msa", "d-cnaf", "e-cnaf"]
    assert _queue(api, "other_editor") == ["b-cnaf"]
    # Paging keeps the total.
    page = api("review_list", "reviewer", status="open", limit=2, offset=1)
    assert page["count"] == 4 and len(page["results"]) == 2
    # Decided revisions leave the queue and the badge.
    api("review_approve", "reviewer", id="a-cnaf")
    api("review_reject", "admin", id="b-cnaf", comment="Titre manquant")
    assert sorted(_queue(api, "reviewer")) == ["e-cnaf"]
    assert api("review_list", "reviewer")["counts"] == {"cnaf": 1}
    assert _queue(api, "reviewer", status="approved") == ["a-cnaf"]
    assert _queue(api, "reviewer", status="changes_requested") == ["b-cnaf"]


def test_withdraw_and_discard(api: Api, team: Team, call: Any) -> None:
    """Withdrawing takes a pending revision out of the queue; discarding an edit closes it and the published
    version stays as it was."""
    api("package_create", "author", name="brouillon", owner_org="cnaf")
    api("review_submit", "author", id="brouillon")
    withdrawn = api("review_withdraw", "author", id="brouillon")
    assert withdrawn["status"] == "draft"
    assert _queue(api, "reviewer") == []
    api("review_submit", "author", id="brouillon")  # it can go back to the queue

    api("package_create", "reviewer", name="publie", owner_org="cnaf", title="Titre publié")
    api("package_patch", "author", id="publie", title="Titre proposé")
    discarded = api("review_withdraw", "author", id="publie", discard=True)
    assert discarded["status"] == "withdrawn"
    public = api("package_show", "author", id="publie")
    assert public["title"] == "Titre publié"
    # A new edit opens a new round.
    again = api("package_patch", "author", id="publie", title="Autre titre")
    assert again["review"]["revision_id"] != discarded["revision_id"]
    assert again["review"]["status"] == "draft"

"""Two reviewers deciding one pending revision at the same instant: exactly one decision wins, the other gets a
409, and the dataset, its revision and its activity stream tell one consistent story."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from catalog.errors import ValidationError
from tests.conftest import Caller
from tests.review.conftest import Team, published_dataset

ROUNDS = 4
# Each round races two decisions by two different people; alternating the pairs also alternates which one is
# started first.
PAIRS = [(("review_approve", "reviewer"), ("review_reject", "admin")),
         (("review_reject", "reviewer"), ("review_approve", "admin")),
         (("review_approve", "reviewer"), ("review_approve", "admin"))]
OUTCOME = {"review_approve": "approved", "review_reject": "changes_requested"}
ACTIVITY = {"review_approve": "review approved", "review_reject": "changes requested"}


def _race(call: Caller, team: Team, name: str, pair: tuple[tuple[str, str], ...]) -> list[Any]:
    """Runs both calls at once (a barrier releases the threads together); each result is an answer or an
    exception."""
    barrier = threading.Barrier(len(pair))
    results: list[Any] = [None] * len(pair)

    def decide(index: int, action: str, who: str) -> None:
        barrier.wait()
        try:
            results[index] = call(action, team[who], id=name, comment=f"{action} par {who}")
        except Exception as error:  # noqa: BLE001 - the loser's error is the result looked at
            results[index] = error

    threads = [threading.Thread(target=decide, args=(i, action, who)) for i, (action, who) in enumerate(pair)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("kind", ["edit", "new"])
def test_concurrent_decisions_one_wins(call: Caller, team: Team, kind: str) -> None:
    if kind == "edit":
        name = published_dataset(call, team)["name"]
    else:
        name = call("package_create", team["author"], name="nouveau", owner_org=team.org["id"])["name"]
    expected_activities: list[str] = []
    approvals = 0
    for round_number in range(ROUNDS):
        title = f"Titre {round_number}"
        if kind == "edit" or approvals == 0:
            call("package_patch", team["author"], id=name, title=title)
        call("review_submit", team["author"], id=name)
        expected_activities.append("review submitted")
        pair = PAIRS[round_number % len(PAIRS)]
        results = _race(call, team, name, pair)

        winners = [i for i, r in enumerate(results) if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1, results
        [loser] = losers
        assert isinstance(loser, ValidationError), repr(loser)  # a 409, not a deadlock or a 500
        won_action = pair[winners[0]][0]
        expected_activities.append(ACTIVITY[won_action])

        review = call("review_show", team["sysadmin"], id=name)
        assert review["status"] == OUTCOME[won_action]
        decisions = [step for step in review["history"] if step["action"] in ("approved", "changes_requested")]
        submissions = [step for step in review["history"] if step["action"] == "submitted"]
        # One decision per submission of this round: the loser left no trace in the history.
        assert len(decisions) == len(submissions), review["history"]
        assert decisions[-1]["action"] == OUTCOME[won_action]
        if won_action == "review_approve":
            approvals += 1
            public = call("package_show", team["anonymous"], id=name)
            assert public["title"] == title and public["state"] == "active"
        if kind == "new" and approvals:
            break  # a published new dataset has no more "new" rounds

    stream = call("package_activity_list", team["sysadmin"], id=name, limit=100)
    reviewed = [a["activity_type"] for a in reversed(stream) if a["activity_type"] in
                ("review submitted", "review approved", "changes requested")]
    assert reviewed == expected_activities
    if kind == "edit":
        published_changes = [a for a in stream if a["activity_type"] == "changed package" and a["data"].get("review")]
        assert len(published_changes) == approvals


def test_direct_writes_during_a_round_survive_its_approval(call: Caller, team: Team) -> None:
    """A reviewer's or admin's direct write to the published dataset while an editor's round is open: either it
    is refused (409), or approval keeps it. Approval must not silently undo an acknowledged write with the
    round's older snapshot of fields and resources its author never touched."""
    name = published_dataset(call, team)["name"]
    call("package_patch", team["author"], id=name, title="Titre proposé")
    acknowledged = {}
    for who, write in (
        ("reviewer", lambda: call("package_patch", team["reviewer"], id=name, notes="Corrigé par le relecteur")),
        ("admin", lambda: call("resource_create", team["admin"], package_id=name, name="Ajout direct",
                               url="https://example.org/ajout.csv")),
    ):
        try:
            write()
            acknowledged[who] = True
        except ValidationError:
            acknowledged[who] = False
    call("review_submit", team["author"], id=name)
    call("review_approve", team["reviewer"], id=name)
    public = call("package_show", team["anonymous"], id=name)
    assert public["title"] == "Titre proposé"
    if acknowledged["reviewer"]:
        assert public["notes"] == "Corrigé par le relecteur"
    if acknowledged["admin"]:
        assert [r["name"] for r in public["resources"]] == ["Ajout direct"]

"""Fixtures for the review workflow's API tests (issue 16): an organization that requires review with one
person in each capacity, their API tokens, and `api`, which calls actions over HTTP as a CKAN client would."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest

from catalog.context import ANONYMOUS, Actor
from tests.conftest import Caller, make_user

# Who may be asked to act ("anonymous" sends no token): user name, and capacity in the organization (None for
# outsiders). The organization's admin is not "admin", the name of the sysadmin fixture.
PEOPLE: dict[str, tuple[str, str | None]] = {
    "author": ("author", "editor"),
    "other_editor": ("other-editor", "editor"),
    "reviewer": ("reviewer", "reviewer"),
    "admin": ("org-admin", "admin"),
    "member": ("member", "member"),
    "outsider": ("outsider", None),
}
CSV_2023 = b"commune;allocataires\nAjaccio;5400\nBastia;3100\n"
CSV_2024 = b"commune;allocataires\nAjaccio;5600\nBastia;3150\nCorte;700\n"


@dataclass
class Team:
    """The organization that requires review, and everyone's actor (by role name, plus "sysadmin" and
    "anonymous")."""

    org: dict[str, Any]
    actors: dict[str, Actor]

    def __getitem__(self, role: str) -> Actor:
        return self.actors[role]


@pytest.fixture
def team(call: Caller, sysadmin: Actor) -> Team:
    org = call("organization_create", sysadmin, name="cnaf", title="Caisse nationale des allocations familiales",
               review_required=True)
    actors = {"sysadmin": sysadmin, "anonymous": ANONYMOUS}
    for role, (name, capacity) in PEOPLE.items():
        actors[role] = make_user(call, name)
        if capacity:
            call("organization_member_create", sysadmin, id=org["id"], username=name, role=capacity)
    return Team(org=org, actors=actors)


class Api:
    """`api("review_submit", "author", id=...)` posts JSON to /api/3/action/ with that person's token and returns
    the result; `expect=409` asserts the error status instead and returns the error dict."""

    def __init__(self, client: Any, call: Caller, team: Team) -> None:
        self.client = client
        self.team = team
        self.tokens = {role: call("api_token_create", actor, user=actor.name, name="review-tests")["token"]
                       for role, actor in team.actors.items() if actor.user_id}

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": self.tokens[who]} if who != "anonymous" else {}

    def __call__(self, action: str, who: str, /, expect: int = 200, **data: Any) -> Any:
        response = self.client.post(f"/api/3/action/{action}", json=data, headers=self.headers(who))
        return self._answer(response, action, who, expect)

    def upload(self, action: str, who: str, content: bytes, filename: str, /, expect: int = 200,
               **fields: Any) -> Any:
        """resource_create/resource_update with a multipart `upload`, as ckanapi sends files."""
        response = self.client.post(f"/api/3/action/{action}", content_type="multipart/form-data",
                                    data={**fields, "upload": (io.BytesIO(content), filename)},
                                    headers=self.headers(who))
        return self._answer(response, action, who, expect)

    def get(self, path: str, who: str = "anonymous") -> Any:
        return self.client.get(path, headers=self.headers(who))

    @staticmethod
    def _answer(response: Any, action: str, who: str, expect: int) -> Any:
        text = response.get_data(as_text=True)
        assert response.status_code == expect, f"{action} by {who}: {response.status_code} {text[:500]}"
        body = json.loads(text)
        return body["result"] if expect == 200 else body["error"]


@pytest.fixture
def api(client: Any, call: Caller, team: Team) -> Api:
    return Api(client, call, team)


def published_dataset(call: Caller, team: Team, name: str = "allocataires-caf", **fields: Any) -> dict[str, Any]:
    """A published dataset of the team's organization, created by its reviewer (who publishes directly)."""
    return call("package_create", team["reviewer"], name=name, title="Allocataires 2023", notes="Millésime 2023",
                owner_org=team.org["id"], **fields)

"""Review notifications (catalog/review/notify.py) delivered to a real SMTP server (aiosmtpd): who gets them, what
they say, and that nothing goes out for a rolled-back action or without MOISSON_SMTP_URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import event, update

from catalog.context import SYSTEM, Actor
from catalog.registry import unit
from catalog.review.notify import mail_author, mail_reviewers
from catalog.services import Services
from catalog.user.models import User
from tests.conftest import Caller, make_user
from tests.mail.smtp_server import Received, SmtpSink

SITE = "http://test.moisson.local"
# Capacity of each person in the organization (the sysadmin fixture is "admin", so the org's admin is "gerante").
CAPACITIES = {"auteur": "editor", "editrice": "editor", "relectrice": "reviewer", "gerante": "admin",
              "membre": "member"}


@dataclass
class Crew:
    org: dict[str, Any]
    actors: dict[str, Actor]

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]


@pytest.fixture
def crew(call: Caller, sysadmin: Actor) -> Crew:
    """An organization that requires review, with one person in each capacity (and the sysadmin)."""
    org = call("organization_create", sysadmin, name="cnaf", title="Caisse nationale des allocations familiales",
               review_required=True)
    # The creator became an admin of it: the sysadmin leaves, so as to be a sysadmin who is no member (no mail).
    call("organization_member_delete", sysadmin, id=org["id"], username=sysadmin.name)
    actors = {"sysadmin": sysadmin}
    for name, capacity in CAPACITIES.items():
        actors[name] = make_user(call, name)
        call("organization_member_create", sysadmin, id=org["id"], username=name, role=capacity)
    return Crew(org, actors)


@pytest.fixture
def sink(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A running SMTP server, and MOISSON_SMTP_URL pointing at it."""
    with SmtpSink() as server:
        monkeypatch.setitem(vars(services), "settings", replace(services.settings, smtp_url=server.url,
                                                          mail_from="relecture@caf.example"))
        yield server


def to(received: list[Received]) -> list[str]:
    return sorted(address for message in received for address in message.rcpt_tos)


def text_of(received: Received) -> str:
    return received.message.get_content().replace("\r\n", "\n")


def submit(services: Services, actor: Actor, crew: Crew, comment: str | None = "Millésime 2024") -> None:
    with unit(services, actor, write=True) as ctx:
        mail_reviewers(ctx, org_id=crew.org["id"], package_name="allocataires-caf",
                       package_title="Allocataires « été » 2024", author_name=actor.name, comment=comment)


def decide(services: Services, actor: Actor, author_user_id: str | None, decision: Any = "approved") -> None:
    with unit(services, actor, write=True) as ctx:
        mail_author(ctx, author_user_id=author_user_id, package_name="allocataires-caf",
                    package_title="Allocataires 2024", decision=decision, reviewer_name=actor.name,
                    comment="Ligne 1\nLigne 2")


def test_mail_reviewers_goes_to_reviewers_and_admins_only(services: Services, call: Caller, crew: Crew,
                                                          sink: SmtpSink) -> None:
    # A reviewer without an address, and one whose account was deleted: neither gets anything.
    silent = make_user(call, "reviewer-sans-adresse")
    gone = make_user(call, "reviewer-parti")
    for actor in (silent, gone):
        call("organization_member_create", crew["sysadmin"], id=crew.org["id"], username=actor.name, role="reviewer")
    call("user_delete", crew["sysadmin"], id=gone.user_id)
    with services.db.unit_of_work(write=True) as session:
        session.execute(update(User).where(User.id == silent.user_id).values(email=None))
    # A reviewer of another organization neither.
    other = call("organization_create", crew["sysadmin"], name="msa", title="MSA")
    stranger = make_user(call, "reviewer-msa")
    call("organization_member_create", crew["sysadmin"], id=other["id"], username=stranger.name, role="reviewer")

    submit(services, crew["auteur"], crew)
    assert to(sink.received) == ["gerante@example.org", "relectrice@example.org"]

    message = sink.received[0].message
    assert message["Subject"] == "[Moisson] À relire / To review: Allocataires « été » 2024"
    assert message["From"] == "relecture@caf.example"
    body = text_of(sink.received[0])
    assert body.index("auteur a soumis «\u00a0Allocataires « été » 2024\u00a0» à la relecture.") \
        < body.index('auteur submitted "Allocataires « été » 2024" for review.')
    assert body.count("> Millésime 2024") == 2  # the comment, quoted in both languages
    assert body.count(f"{SITE}/dataset/allocataires-caf/review") == 2


def test_mail_reviewers_leaves_out_the_reviewer_who_submits(services: Services, crew: Crew, sink: SmtpSink) -> None:
    submit(services, crew["relectrice"], crew, comment=None)
    assert to(sink.received) == ["gerante@example.org"]
    assert "Comment" not in text_of(sink.received[0])
    # A harvest (the site, no user) leaves no one out.
    submit(services, SYSTEM, crew)
    assert to(sink.received) == ["gerante@example.org", "gerante@example.org", "relectrice@example.org"]


def test_mail_author_approved_and_changes_requested(services: Services, crew: Crew, sink: SmtpSink) -> None:
    decide(services, crew["relectrice"], crew["auteur"].user_id, "approved")
    decide(services, crew["gerante"], crew["auteur"].user_id, "changes_requested")
    approved, changes = sink.received
    assert approved.rcpt_tos == changes.rcpt_tos == ["auteur@example.org"]

    assert approved.message["Subject"] == "[Moisson] Publié / Published: Allocataires 2024"
    body = text_of(approved)
    assert "relectrice a approuvé «\u00a0Allocataires 2024\u00a0»" in body
    assert f"{SITE}/dataset/allocataires-caf\n" in body and "/review" not in body
    assert "> Ligne 1\n> Ligne 2" in body

    assert changes.message["Subject"] == "[Moisson] Modifications demandées / Changes requested: Allocataires 2024"
    body = text_of(changes)
    assert 'gerante asked for changes to "Allocataires 2024" before publication.' in body
    assert body.count(f"{SITE}/dataset/allocataires-caf/review") == 2


def test_mail_author_skips_no_author_the_actor_and_unreachable_authors(services: Services, call: Caller,
                                                                      crew: Crew, sink: SmtpSink) -> None:
    decide(services, crew["relectrice"], None)  # a harvest's round
    decide(services, crew["relectrice"], crew["relectrice"].user_id)  # a reviewer deciding on their own round
    call("user_delete", crew["sysadmin"], id=crew["editrice"].user_id)
    decide(services, crew["relectrice"], crew["editrice"].user_id)
    with services.db.unit_of_work(write=True) as session:
        session.execute(update(User).where(User.id == crew["membre"].user_id).values(email=None))
    decide(services, crew["relectrice"], crew["membre"].user_id)
    assert sink.received == []
    decide(services, crew["relectrice"], crew["auteur"].user_id)  # the server did answer all along
    assert to(sink.received) == ["auteur@example.org"]


def test_nothing_is_sent_when_the_action_rolls_back(services: Services, crew: Crew, sink: SmtpSink) -> None:
    with pytest.raises(RuntimeError), unit(services, crew["relectrice"], write=True) as ctx:
        mail_reviewers(ctx, org_id=crew.org["id"], package_name="allocataires-caf", package_title="Allocataires",
                       author_name="author", comment=None)
        mail_author(ctx, author_user_id=crew["auteur"].user_id, package_name="allocataires-caf",
                    package_title="Allocataires", decision="approved", reviewer_name="reviewer", comment=None)
        raise RuntimeError("the action failed after choosing its recipients")
    assert sink.received == []


def test_nothing_is_done_without_smtp_url(services: Services, crew: Crew) -> None:
    """No MOISSON_SMTP_URL: no mail, and not even the query for recipients."""
    assert services.settings.smtp_url == ""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with unit(services, crew["relectrice"], write=True) as ctx:
        event.listen(services.db.engine, "before_cursor_execute", record)
        try:
            mail_reviewers(ctx, org_id=crew.org["id"], package_name="allocataires-caf", package_title="Allocataires",
                           author_name="author", comment=None)
            mail_author(ctx, author_user_id=crew["auteur"].user_id, package_name="allocataires-caf",
                        package_title="Allocataires", decision="changes_requested", reviewer_name="reviewer",
                        comment="x")
        finally:
            event.remove(services.db.engine, "before_cursor_execute", record)
        assert statements == []
        assert ctx.after_commit_callbacks == []


def test_review_actions_mail_after_commit(call: Caller, crew: Crew, sink: SmtpSink) -> None:
    """Through the review actions: submission mails the reviewers, each decision mails the author."""
    call("package_create", crew["auteur"], name="allocataires-caf", title="Allocataires 2024",
         owner_org=crew.org["id"])
    call("review_submit", crew["auteur"], id="allocataires-caf", comment="Premier envoi")
    assert to(sink.received) == ["gerante@example.org", "relectrice@example.org"]
    assert "> Premier envoi" in text_of(sink.received[0])

    call("review_reject", crew["relectrice"], id="allocataires-caf", comment="Il manque la source.")
    assert sink.received[-1].rcpt_tos == ["auteur@example.org"]
    assert "> Il manque la source." in text_of(sink.received[-1])

    call("review_submit", crew["auteur"], id="allocataires-caf")
    call("review_approve", crew["gerante"], id="allocataires-caf")
    assert to(sink.received[3:]) == ["auteur@example.org", "gerante@example.org", "relectrice@example.org"]
    assert sink.received[-1].message["Subject"] == "[Moisson] Publié / Published: Allocataires 2024"


def test_mails_carry_the_runtime_site_title(services: Services, call: Caller, crew: Crew, sink: SmtpSink) -> None:
    call("config_option_update", crew["sysadmin"], **{"ckan.site_title": "Données ouvertes de la CAF"})
    submit(services, crew["auteur"], crew)
    decide(services, crew["relectrice"], crew["auteur"].user_id)
    for received in sink.received:
        assert received.message["Subject"].startswith("[Données ouvertes de la CAF] ")
        assert f"-- \nDonnées ouvertes de la CAF — {SITE}\n" in text_of(received)

"""ActionContext: what an action may use. Frozen and typed: no free-form flags between layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from catalog.clock import utcnow

if TYPE_CHECKING:
    from catalog.search.backend import SearchBackend
    from catalog.services import Services
    from catalog.settings import Settings


@dataclass(frozen=True)
class Actor:
    """Who is calling. Anonymous callers have no id and the empty name (CKAN prints two spaces)."""

    user_id: str | None = None
    name: str = ""
    is_sysadmin: bool = False
    # Set only for a caller the browser's session cookie authenticated (catalog/api/views.py), None for API tokens,
    # the CLI and internal steps: checks the caller's current password, and raises an ActionError when it is wrong
    # (the wrong guess counts in the login limits). user_update asks it before a new password or e-mail address, so
    # a borrowed session cannot take the account over (CKAN's form asks too; token callers are unchanged).
    check_current_password: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and not self.is_sysadmin


ANONYMOUS = Actor()
SYSTEM = Actor(user_id=None, name="moisson-site-user", is_sysadmin=True)


@dataclass(frozen=True)
class ActionContext:
    session: Session
    actor: Actor
    services: Services
    now: datetime
    # registry.dispatch, handed over by the registry's unit of work: the context calls actions without
    # importing the registry (which imports this module).
    dispatcher: Callable[[ActionContext, str, dict[str, Any]], Any]
    after_commit_callbacks: list[Callable[[], None]] = field(default_factory=list)
    # Editorial review (catalog/dataset/held.py): writes held for review whoever the actor is (a harvest source
    # with `review: true`), and the review round a held write's uploads belong to (stored apart, not public).
    hold_for_review: bool = False
    pending_revision: str | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def search(self) -> SearchBackend:
        return self.services.search

    def call(self, name: str, data: dict[str, Any]) -> Any:
        """A nested action call: auth and validation run again, the transaction is shared."""
        return self.dispatcher(self, name, data)

    def with_clock_read_now(self) -> ActionContext:
        """The clock read again once a row lock is held: `now` was read when the call began, before waiting for
        the lock, so a write that waited would carry an older time than the one that committed before it."""
        return replace(self, now=max(self.now, utcnow()))

    def as_system(self) -> ActionContext:
        """Deliberate privilege for internal steps (greppable, unlike CKAN's ignore_auth)."""
        return replace(self, actor=SYSTEM)

    def holding_for_review(self) -> ActionContext:
        """The same transaction with its dataset writes held for review (new datasets submitted at once)."""
        return replace(self, hold_for_review=True)

    def as_anonymous(self) -> ActionContext:
        """The same transaction seen by an anonymous visitor: what public surfaces (DCAT) may show."""
        return replace(self, actor=ANONYMOUS)

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.after_commit_callbacks.append(callback)

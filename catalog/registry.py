"""The action registry and the one dispatcher: look up, authorize, validate, run — in one transaction."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from catalog.clock import utcnow
from catalog.context import ActionContext, Actor
from catalog.db import connection_was_lost, database_was_busy, statement_timed_out
from catalog.errors import BadRequest, ServiceUnavailable, ValidationError
from catalog.nesting import TOO_DEEP, nested_deeper_than
from catalog.validation import validate_input

if TYPE_CHECKING:
    from catalog.services import Services

ActionFunc = Callable[[ActionContext, dict[str, Any]], Any]
AuthFunc = Callable[[ActionContext, dict[str, Any]], None]
T = TypeVar("T")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    func: ActionFunc
    auth: AuthFunc | None
    is_public: bool
    read_only: bool

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.func) or ""


ACTIONS: dict[str, ActionSpec] = {}
PING = text("SELECT 1")
CONFLICT_MESSAGE = "The change conflicts with another one made at the same time (e.g. the name was just taken); retry."
LOST_DURING_READ = "The connection to the database was lost; retry in a moment."
LOST_DURING_WRITE = ("The connection to the database was lost during this change, so it was either saved whole or "
                     "not at all: read the object back (e.g. package_show) before sending it again.")


def action(
    *, auth: AuthFunc | None = None, public: bool = False, read_only: bool = False
) -> Callable[[ActionFunc], ActionFunc]:
    """Register a function under its own name (its CKAN action name)."""

    def register(func: ActionFunc) -> ActionFunc:
        if auth is None and not public:
            raise TypeError(f"action {func.__name__} needs auth= or public=True")
        if not inspect.getdoc(func):
            raise TypeError(f"action {func.__name__} needs a docstring (it is its help_show text)")
        ACTIONS[func.__name__] = ActionSpec(func.__name__, func, auth, public, read_only)
        return func

    return register


def get_action(name: str) -> ActionSpec:
    """An action registered at start-up (catalog.services.build_services imports every action module)."""
    spec = ACTIONS.get(name)
    if spec is None:
        raise BadRequest(f"Action name not known: {name}")
    return spec


def dispatch(ctx: ActionContext, name: str, data: dict[str, Any]) -> Any:
    """Auth, then validation, then the action body. Nested calls share ctx's transaction."""
    return run_checked(ctx, check_input(name, data))


def authorize(ctx: ActionContext, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The first half of dispatch: coerce the input's types, then run the action's auth function (raising
    NotAuthorized or NotFound). Returns the coerced input. Pages use it alone to decide what to show."""
    data = coerce_input(name, data)
    _run_auth(ctx, get_action(name), data)
    return data


@dataclass(frozen=True)
class CheckedInput:
    """An input with every check that needs no database done: coerced, measured, validated against its schema.
    The validation's outcome is kept, not raised, so that auth still answers first (a 403 or 404 before a 409)."""

    name: str
    data: dict[str, Any]
    error: ValidationError | None


def coerce_input(name: str, data: dict[str, Any]) -> dict[str, Any]:
    data = validate_input(name, data, phase="coerce")
    if nested_deeper_than(data):  # before anything recurses through it (schema validation, saving, dictizing)
        raise BadRequest(TOO_DEEP)
    return data


def check_input(name: str, data: dict[str, Any]) -> CheckedInput:
    get_action(name)
    data = coerce_input(name, data)
    try:
        return CheckedInput(name, validate_input(name, data, phase="validate"), None)
    except ValidationError as error:
        return CheckedInput(name, data, error)


def run_checked(ctx: ActionContext, checked: CheckedInput) -> Any:
    """Auth, then the validation's outcome, then the action body."""
    spec = get_action(checked.name)
    _run_auth(ctx, spec, checked.data)
    if checked.error is not None:
        raise checked.error
    return spec.func(ctx, checked.data)


def _run_auth(ctx: ActionContext, spec: ActionSpec, data: dict[str, Any]) -> None:
    if spec.auth is not None and not ctx.actor.is_sysadmin:
        spec.auth(ctx, data)


@contextmanager
def unit(services: Services, actor: Actor, *, write: bool, statement_timeout_ms: int = 0) -> Iterator[ActionContext]:
    """One unit of work for any entry point (API, pages, CLI, harvest runs, background jobs): one transaction,
    committed when the block ends and rolled back if it raises, the one place an ActionContext is made, and its
    after-commit callbacks (background jobs, files renamed into place) run once the commit is done."""
    with _transaction(services, actor, write=write, statement_timeout_ms=statement_timeout_ms) as ctx:
        yield ctx
    run_after_commit(ctx)


@contextmanager
def _transaction(services: Services, actor: Actor, *, write: bool, statement_timeout_ms: int) -> Iterator[ActionContext]:
    with services.db.unit_of_work(write=write, statement_timeout_ms=statement_timeout_ms) as session:
        yield ActionContext(session=session, actor=actor, services=services, now=utcnow(), dispatcher=dispatch)


def run_after_commit(ctx: ActionContext) -> None:
    for callback in ctx.after_commit_callbacks:
        callback()


def call_action(services: Services, name: str, data: dict[str, Any] | None = None, *, actor: Actor) -> Any:
    """A top-level call: one unit of work, committed on success, rolled back on any error."""
    spec = get_action(name)
    # Schema checks need no database, so they run before the transaction opens: on SQLite a write's transaction
    # holds the database's one write lock, and every other writer waits for it.
    try:
        checked = check_input(name, dict(data or {}))
    except RecursionError as error:
        raise BadRequest(TOO_DEEP) from error
    for attempt in (1, 2):
        begun = False
        try:
            # Not unit(): its after-commit callbacks run below, once the retries are over, so that an error in
            # one (the write is committed by then) is never taken for a failed or retryable transaction.
            with _transaction(services, actor, write=not spec.read_only,
                              statement_timeout_ms=read_bound(services, spec, actor)) as ctx:
                if not spec.read_only and not services.db.is_sqlite:
                    # One round trip so that a write starts only on a live connection: a pooled one the
                    # server dropped fails here, before anything is done, and the write is run again.
                    ctx.session.execute(PING)
                begun = True
                result = run_checked(ctx, replace(checked, data=dict(checked.data)))  # a retry starts afresh
            break
        except RecursionError as error:
            # Input nested too deeply for code that recurses through it, in a form where dispatch could not
            # measure it first: a JSON string inside a form or query-string value, parsed by the action.
            raise BadRequest(TOO_DEEP) from error
        except DatabaseIntegrityError as error:
            # Two writers passed the same check at once (e.g. one name taken twice): the loser gets a 409.
            raise ValidationError({"message": CONFLICT_MESSAGE}) from error
        except (DBAPIError, PendingRollbackError) as error:
            # Pooled connections are not pinged before use (a round trip per request); a read that met a
            # connection the server had closed (restart, idle timeout) runs once more on a fresh one, and
            # so does a write that met one at its ping. A write cut off later is not retried: it may have
            # done things outside the database (files, DataStore tables) or even have committed.
            if read_bound(services, spec, actor) and statement_timed_out(error):
                raise ServiceUnavailable(TOO_SLOW.format(ms=read_bound(services, spec, actor))) from error
            if database_was_busy(error):
                # SQLite: another process held the write lock past the busy timeout. Not retried here (the
                # timeout was the wait); a 503 the client can retry, not a 500. The transaction rolled back.
                raise ServiceUnavailable(DATABASE_BUSY) from error
            if not connection_was_lost(error):
                raise
            cut_off_write = begun and not spec.read_only
            if attempt == 2 or cut_off_write:
                # A 503 the client can act on, not a 500: the transaction is atomic, so a write cut off
                # here either committed whole or left nothing behind in the catalog.
                raise ServiceUnavailable(LOST_DURING_WRITE if cut_off_write else LOST_DURING_READ) from error
    run_after_commit(ctx)
    return result


TOO_SLOW = ("This request held the database longer than the {ms} ms a request may (MOISSON_READ_STATEMENT_TIMEOUT_MS): "
            "ask for less (a smaller limit, narrower filters), or ask a sysadmin, whose requests are not bound.")


def read_bound(services: Services, spec: ActionSpec, actor: Actor) -> int:
    """The statement timeout of a call: reads by anonymous and ordinary callers only. Writes, sysadmins and
    what acts as one (the CLI, background jobs: catalog.context.SYSTEM) are not bound."""
    return caller_read_bound(services, actor) if spec.read_only else 0


def caller_read_bound(services: Services, actor: Actor) -> int:
    """read_statement_timeout_ms for anonymous and ordinary callers, 0 (unbound) for sysadmins and SYSTEM; also
    applied by reads on connections of their own, which the dispatcher's bound does not reach (the DataStore)."""
    return 0 if actor.is_sysadmin else services.settings.read_statement_timeout_ms


DATABASE_BUSY = ("The database was busy with other changes for longer than a request waits, so nothing was saved: "
                 "retry in a moment.")


def retry_if_connection_dropped(work: Callable[[], T]) -> T:
    """Run database work outside the dispatcher (finding the caller from a token) once more on a fresh
    connection if it met one the server dropped; a second loss is a 503, not a 500. The work must be safe to
    run twice (reads, or writes such as a last-access time)."""
    for attempt in (1, 2):
        try:
            return work()
        except (DBAPIError, PendingRollbackError) as error:
            if not connection_was_lost(error):
                raise
            if attempt == 2:
                raise ServiceUnavailable(LOST_DURING_READ) from error
    raise AssertionError("unreachable")

"""User actions: user_show/create/update/patch/list/delete and user_autocomplete (CKAN 2.12)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from catalog.activity.record import record_user_activity
from catalog.context import ActionContext
from catalog.dataset.models import PackageCollaborator
from catalog.errors import NotFound, ValidationError
from catalog.ids import is_uuid
from catalog.organization.models import Member
from catalog.registry import action
from catalog.user import auth
from catalog.user.dictize import is_self_or_sysadmin, user_dictize
from catalog.user.models import User
from catalog.user.passwords import hash_password
from catalog.user.rules import (
    LAST_SYSADMIN,
    NAME_TAKEN,
    OWN_SYSADMIN,
    find_user,
    get_user,
    is_last_sysadmin,
    raise_if,
    uniqueness_errors,
)
from catalog.user.sessions import end_sessions

USER_ORDER_FIELDS = {"id", "name", "fullname", "created", "about", "sysadmin", "number_created_packages",
                     "display_name"}


@action(auth=auth.user_show, read_only=True)
def user_show(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Return a user account.

    :param id: the id or name of the user (default: the caller)
    :param include_datasets: include up to 50 of the user's datasets (default false)
    :param include_num_followers: include the number of followers (default false)
    :param include_password_hash: sysadmins only (default false)
    """
    id_or_name = data.get("id") or data.get("user_id") or ctx.actor.user_id
    user = find_user(ctx.session, id_or_name)
    if user is None:
        raise NotFound("User not found" if id_or_name else "")
    result = user_dictize(ctx, user)
    if data.get("include_datasets"):
        result["datasets"] = _user_datasets(ctx, user)
    if data.get("include_num_followers"):
        result["num_followers"] = 0
    if data.get("include_password_hash") and ctx.actor.is_sysadmin:
        result["password_hash"] = user.password_hash
    return result


def _user_datasets(ctx: ActionContext, user: User) -> list[dict[str, Any]]:
    from catalog.authz import visible_packages
    from catalog.dataset.dictize import package_dictize
    from catalog.dataset.models import Package

    own = is_self_or_sysadmin(ctx, user)
    query = visible_packages(ctx, include_private=own, include_drafts=own).where(Package.creator_user_id == user.id)
    packages = ctx.session.scalars(query.order_by(Package.metadata_modified.desc()).limit(50))
    return [package_dictize(ctx.session, package, ctx.settings) for package in packages]


@action(auth=auth.user_create)
def user_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Create a user account (sysadmins only over the API).

    :param name: login name, 2-100 lowercase alphanumeric characters, - or _
    :param email: e-mail address, unique among active users
    :param password: at least 8 characters
    :param fullname, about, image_url: optional
    :param id, sysadmin, state, password_hash: sysadmins only
    :param with_apitoken: also create an API token and return it under `token`
    """
    errors = uniqueness_errors(ctx.session, data)
    if data.get("id") is not None:
        if not is_uuid(data["id"]):
            errors["id"] = ["Invalid id provided"]
        elif ctx.session.get(User, data["id"]) is not None:
            errors["id"] = ["Id already exists"]
    if not data.get("password") and not (data.get("password_hash") and ctx.actor.is_sysadmin):
        # The schema lets password_hash stand in for a password, but an empty one (or a non-sysadmin's,
        # which is ignored) gives no way to log in: the password is still missing.
        errors["password"] = ["Missing value"]
    raise_if(errors)
    user = User(name=data["name"], email=data["email"].strip(), fullname=data.get("fullname"),
                about=data.get("about"), image_url=data.get("image_url"), created=ctx.now)
    if data.get("id"):
        user.id = data["id"]
    if ctx.actor.is_sysadmin:
        user.sysadmin = bool(data.get("sysadmin", False))
        user.state = data.get("state") or "active"
    user.password_hash = data.get("password_hash") if data.get("password_hash") and ctx.actor.is_sysadmin \
        else hash_password(data["password"])
    ctx.session.add(user)
    try:
        ctx.session.flush()
    except DatabaseIntegrityError as error:  # a concurrent creation of the same name won the race
        raise ValidationError({"name": [NAME_TAKEN]}) from error
    record_user_activity(ctx, "new user", user.id)
    result = user_dictize(ctx, user, private_fields=True)
    if data.get("with_apitoken"):
        result["token"] = ctx.as_system().call("api_token_create", {"user": user.id, "name": "default"})["token"]
    return result


@action(auth=auth.user_update)
def user_update(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update a user account (the user themself or a sysadmin). Omitted fields are kept.

    :param id: the id or name of the user
    :param email: required
    :param name: only sysadmins may rename a user
    :param password: at least 8 characters
    :param old_password: the caller's current password, required when the caller is logged in by the browser's
        session cookie (not an API token) and changes the password or e-mail address (403 when wrong)
    :param fullname, about, image_url: optional
    :param sysadmin: sysadmins only (ignored for others): make or unmake a sysadmin; not one's own (409, as
        CKAN), and the last active sysadmin cannot be unmade (409)
    """
    user = get_user(ctx.session, data["id"])
    new_email = data["email"].strip().lower() != (user.email or "").lower()
    new_password = data.get("password") or (data.get("password_hash") and ctx.actor.is_sysadmin)
    if ctx.actor.check_current_password is not None and (new_email or new_password):
        ctx.actor.check_current_password(data.get("old_password") or "")  # a browser session: see Actor
    errors = uniqueness_errors(ctx.session, data, current=user)
    if "name" in data and data["name"] != user.name and not ctx.actor.is_sysadmin:
        errors["name"] = ["That login name can not be modified."]
    if ctx.actor.is_sysadmin and user.id == ctx.actor.user_id and "sysadmin" in data \
            and bool(data["sysadmin"]) != bool(user.sysadmin):
        errors["sysadmin"] = [OWN_SYSADMIN]  # as CKAN: another sysadmin may, so a site keeps one who can
    raise_if(errors)
    user.email = data["email"].strip()
    for key in ("fullname", "about", "image_url"):
        if key in data:
            setattr(user, key, data[key])
    if "name" in data:
        user.name = data["name"]
    old_hash, was_sysadmin, was_active = user.password_hash, bool(user.sysadmin), user.state == "active"
    if data.get("password"):
        user.password_hash = hash_password(data["password"])
    if ctx.actor.is_sysadmin:
        if "sysadmin" in data:
            user.sysadmin = bool(data["sysadmin"])
        if data.get("state"):
            user.state = data["state"]
        if data.get("password_hash"):
            user.password_hash = data["password_hash"]
    # A new password, a demotion or leaving the active state ends the sessions opened before: a stolen cookie
    # must not outlive the password it was logged in with, nor keep powers the account lost.
    demoted, deactivated = was_sysadmin and not user.sysadmin, was_active and user.state != "active"
    if was_sysadmin and was_active and (demoted or deactivated) and is_last_sysadmin(ctx.session, user):
        raise ValidationError({"sysadmin": [LAST_SYSADMIN]})  # the site would have nobody left to manage it
    if user.password_hash != old_hash or demoted or deactivated:
        end_sessions(user)
    ctx.session.flush()
    record_user_activity(ctx, "changed user", user.id)
    return user_dictize(ctx, user)


@action(auth=auth.user_patch)
def user_patch(ctx: ActionContext, data: dict[str, Any]) -> dict[str, Any]:
    """Update only the given fields of a user: user_show, merge, user_update.

    :param id: the id or name of the user
    """
    current = ctx.call("user_show", {"id": data["id"]})
    merged = {key: current[key] for key in ("name", "email", "fullname", "about", "image_url") if key in current}
    merged.update(data)
    merged["id"] = current["id"]
    if "email" not in merged:
        raise ValidationError({"email": ["Missing value"]})
    return ctx.call("user_update", merged)


@action(auth=auth.user_list, read_only=True)
def user_list(ctx: ActionContext, data: dict[str, Any]) -> list[Any]:
    """Return the active users.

    :param q: restrict to users whose name or full name contains this (e-mail too for sysadmins)
    :param email: sysadmins only: restrict to this e-mail address
    :param order_by: display_name (default), id, name, fullname, created, about, sysadmin,
        number_created_packages
    :param all_fields: return user dicts (default true) or names
    :param include_site_user: ignored (the site user is not stored as a user)
    """
    order_by = data.get("order_by") or "display_name"
    if order_by == "edits":
        raise ValidationError({"message": "order_by=edits is no longer supported"})
    if order_by not in USER_ORDER_FIELDS:
        order_by = "display_name"  # CKAN falls back too; columns such as email are no sort oracle here
    query = select(User).where(User.state != "deleted")
    if data.get("q"):
        pattern = f"%{data['q'].lower()}%"
        columns = [func.lower(User.name), func.lower(func.coalesce(User.fullname, ""))]
        if ctx.actor.is_sysadmin:
            columns.append(func.lower(func.coalesce(User.email, "")))
        query = query.where(or_(*(column.like(pattern) for column in columns)))
    if data.get("email"):
        query = query.where(func.lower(User.email) == data["email"].strip().lower())
    users = list(ctx.session.scalars(query))
    if not data.get("all_fields", True):
        return [user.name for user in _ordered(ctx, users, order_by, {})]
    dicts = {user.id: user_dictize(ctx, user) for user in users}
    return [dicts[user.id] for user in _ordered(ctx, users, order_by, dicts)]


def _ordered(ctx: ActionContext, users: list[User], order_by: str, dicts: dict[str, dict[str, Any]]) -> list[User]:
    def key(user: User) -> tuple[Any, str]:
        if order_by == "display_name":
            return ((user.fullname or user.name).lower(), user.name)
        if order_by == "number_created_packages":
            count = dicts[user.id]["number_created_packages"] if dicts else 0
            return (count, user.name)
        value = getattr(user, order_by)
        return ((value is not None, value if value is not None else ""), user.name)

    return sorted(users, key=key)


@action(auth=auth.user_delete)
def user_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Delete a user (sysadmins only): state deleted, memberships and collaborations removed. The last active
    sysadmin cannot be deleted (409), nor demoted by user_update.

    :param id: the id or name of the user
    """
    user = find_user(ctx.session, data["id"])
    if user is None:
        raise NotFound(f'User "{data["id"]}" was not found.')
    if user.sysadmin and user.state == "active" and is_last_sysadmin(ctx.session, user):
        raise ValidationError({"id": [LAST_SYSADMIN]})
    user.state = "deleted"
    end_sessions(user)
    ctx.session.execute(delete(Member).where(Member.table_name == "user", Member.table_id == user.id))
    ctx.session.execute(delete(PackageCollaborator).where(PackageCollaborator.user_id == user.id))
    return None


@action(auth=auth.user_autocomplete, read_only=True)
def user_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return users whose name or full name contains `q`, as [{id, name, fullname}].

    :param q: the text to look for
    :param limit: at most this many users (default 20)
    :param ignore_self: leave out the caller (default false)
    """
    pattern = f"%{data['q'].lower()}%"
    query = select(User).where(
        User.state == "active",
        or_(func.lower(User.name).like(pattern), func.lower(func.coalesce(User.fullname, "")).like(pattern)),
    )
    if data.get("ignore_self") and ctx.actor.user_id:
        query = query.where(User.id != ctx.actor.user_id)
    users = ctx.session.scalars(query.order_by(User.name).limit(int(data.get("limit", 20))))
    return [{"id": user.id, "name": user.name, "fullname": user.fullname} for user in users]


import catalog.user.token_actions  # noqa: E402,F401  (api_token_* live in their own module)

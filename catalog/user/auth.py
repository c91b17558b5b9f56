"""Who may call the user and token actions (sysadmins never reach these: the dispatcher skips auth)."""

from __future__ import annotations

from typing import Any

from catalog.context import ActionContext
from catalog.errors import NotAuthorized
from catalog.user.models import ApiToken
from catalog.user.rules import find_user


def require_user(ctx: ActionContext, action_name: str) -> None:
    if ctx.actor.user_id is None:
        raise NotAuthorized(f"Action {action_name} requires an authenticated user")


def sysadmins_only(ctx: ActionContext, action_name: str) -> None:
    """For actions no user may call (sysadmins skip auth). CKAN: anonymous callers are told to log in; other users
    get a bare "Access denied"."""
    require_user(ctx, action_name)
    raise NotAuthorized("")


def _is_self(ctx: ActionContext, id_or_name: Any) -> bool:
    user = find_user(ctx.session, id_or_name)
    return user is not None and user.id == ctx.actor.user_id


def user_show(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Public user details (CKAN's ckan.auth.public_user_details default true)."""


def user_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone; filtering by e-mail is for sysadmins only."""
    if data.get("email"):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to list users by email")


def user_autocomplete(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Anyone, as user_list."""


def user_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Only sysadmins create users over the API (ckan.auth.create_user_via_api default false)."""
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to create users via the API")


def user_update(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "user_update")
    if not _is_self(ctx, data.get("id")):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit user {data.get('id', '')}")


def user_patch(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "user_patch")
    if not _is_self(ctx, data.get("id")):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to edit user {data.get('id', '')}")


def user_delete(ctx: ActionContext, data: dict[str, Any]) -> None:
    raise NotAuthorized(f"User {ctx.actor.name} not authorized to delete user {data.get('id', '')}")


def api_token_create(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "api_token_create")
    if not _is_self(ctx, data.get("user")):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to create API tokens for other users")


def api_token_list(ctx: ActionContext, data: dict[str, Any]) -> None:
    require_user(ctx, "api_token_list")
    target = data.get("user_id") or data.get("user")
    if target and not _is_self(ctx, target):
        raise NotAuthorized(f"User {ctx.actor.name} not authorized to list API tokens of other users")


def api_token_revoke(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Only the owner. As CKAN, an unknown token and someone else's get the same bare 403, so that
    revoking cannot be used to discover which token ids exist."""
    require_user(ctx, "api_token_revoke")
    from catalog.user.tokens import find_token

    if not data.get("jti") and not data.get("token"):
        return  # the action reports the missing parameter
    token: ApiToken | None = None
    if isinstance(data.get("jti"), str):
        token = ctx.session.get(ApiToken, data["jti"])
    elif isinstance(data.get("token"), str):
        token = find_token(ctx.session, data["token"].strip())
    if token is None or token.user_id != ctx.actor.user_id:
        raise NotAuthorized("")

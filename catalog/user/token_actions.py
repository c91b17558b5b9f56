"""api_token_create/list/revoke. Secrets are random strings; only their SHA-256 is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from catalog.clock import iso
from catalog.context import ActionContext
from catalog.errors import ValidationError
from catalog.registry import action
from catalog.user import auth
from catalog.user.models import ApiToken
from catalog.user.rules import get_user
from catalog.user.tokens import find_token, hash_token, new_token_secret


@action(auth=auth.api_token_create)
def api_token_create(ctx: ActionContext, data: dict[str, Any]) -> dict[str, str]:
    """Create an API token for a user (oneself; sysadmins for anyone). Returns {"token": secret}.

    The secret is shown once: only its hash is stored. Send it as the `Authorization` header.

    :param user: the id or name of the user
    :param name: a name for the token
    """
    user = get_user(ctx.session, data["user"])
    secret = new_token_secret()
    ctx.session.add(ApiToken(user_id=user.id, name=data["name"], token_hash=hash_token(secret), created_at=ctx.now))
    ctx.session.flush()
    return {"token": secret}


@action(auth=auth.api_token_list, read_only=True)
def api_token_list(ctx: ActionContext, data: dict[str, Any]) -> list[dict[str, Any]]:
    """List a user's API tokens, oldest first (never the secrets).

    :param user_id: the id or name of the user (`user` is accepted too)
    """
    id_or_name = data.get("user_id") or data.get("user")
    if not id_or_name:
        raise ValidationError({"user_id": ["Missing value"]})
    user = get_user(ctx.session, id_or_name)
    tokens = ctx.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at, ApiToken.id)
    )
    return [
        {"id": token.id, "name": token.name, "user_id": token.user_id, "created_at": iso(token.created_at),
         "last_access": iso(token.last_access)}
        for token in tokens
    ]


@action(auth=auth.api_token_revoke)
def api_token_revoke(ctx: ActionContext, data: dict[str, Any]) -> None:
    """Revoke an API token, given its `jti` (the id listed by api_token_list) or the `token` itself.

    :param jti: the token id
    :param token: the token secret
    """
    if data.get("jti"):
        token = ctx.session.get(ApiToken, data["jti"])
    elif data.get("token"):
        token = find_token(ctx.session, data["token"].strip())
    else:
        raise ValidationError({"jti": ["Missing value"]})
    if token is not None:  # sysadmins revoking an unknown token get null, as CKAN
        ctx.session.execute(delete(ApiToken).where(ApiToken.id == token.id))
    return None

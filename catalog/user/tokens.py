"""API tokens: opaque random secrets, stored as SHA-256 hashes, looked up per request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.clock import utcnow
from catalog.context import ANONYMOUS, Actor
from catalog.user.models import ApiToken, User

TOKEN_PREFIX = "moisson_"
LAST_ACCESS_GRANULARITY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def find_token(session: Session, token: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))


def actor_for_token(session: Session, token: str | None) -> tuple[Actor, ApiToken | None]:
    """The token's owner, or anonymous for a missing, unknown or revoked token (as CKAN)."""
    if not token:
        return ANONYMOUS, None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(
            ApiToken.token_hash == hash_token(token.strip()), User.state == "active"
        )
    ).first()
    if row is None:
        return ANONYMOUS, None
    api_token, user = row
    return Actor(user_id=user.id, name=user.name, is_sysadmin=user.sysadmin), api_token


def needs_last_access_update(api_token: ApiToken) -> bool:
    last = api_token.last_access
    return last is None or utcnow() - last > LAST_ACCESS_GRANULARITY

"""E-mail about review rounds (issue 16): to the organization's reviewers when a dataset is submitted, to the
author when a reviewer decides.

The review actions call these inside their transaction: the recipients are read there (the same snapshot the
action acted on), and the mail goes out after the commit (`ctx.after_commit`), so a rolled-back action mails no
one. With no `MOISSON_SMTP_URL` nothing is done, not even the query. Sending never raises (`catalog/mail`): the
decision is committed by then, and the reviewers' dashboard shows it whether or not the mail arrived.

We know no reader's language, so every message is in French, then in English.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

from sqlalchemy import select

from catalog.authz import REVIEW_ROLES
from catalog.context import ActionContext
from catalog.mail import send_mail
from catalog.organization.models import Member
from catalog.site.options import site_options
from catalog.user.models import User

Decision = Literal["approved", "changes_requested"]
NBSP = "\u00a0"  # French puts a no-break space inside « » and before a colon


def mail_reviewers(ctx: ActionContext, *, org_id: str, package_name: str, package_title: str, author_name: str,
                   comment: str | None) -> None:
    """A dataset submitted for review: to the organization's active reviewers and admins that have an address,
    except the one who submitted (a reviewer may submit an editor's draft)."""
    if not ctx.settings.smtp_url.strip():
        return
    query = (
        select(User.email)
        .join(Member, Member.table_id == User.id)
        .where(Member.group_id == org_id, Member.table_name == "user", Member.state == "active",
               Member.capacity.in_(REVIEW_ROLES), User.state == "active", User.email.is_not(None), User.email != "")
        .order_by(User.name)
    )
    if ctx.actor.user_id:
        query = query.where(User.id != ctx.actor.user_id)
    recipients = [email for email in ctx.session.scalars(query) if email]
    if not recipients:
        return
    title = package_title.strip() or package_name
    link = _dataset_url(ctx, package_name, "/review")
    french = [f"{author_name} a soumis «{NBSP}{title}{NBSP}» à la relecture.", *_quoted(comment, f"Commentaire{NBSP}:"),
              f"Relire et décider{NBSP}: {link}"]
    english = [f'{author_name} submitted "{title}" for review.', *_quoted(comment, "Comment:"), f"Review it: {link}"]
    _send_after_commit(ctx, recipients, f"À relire / To review: {title}", french, english)


def mail_author(ctx: ActionContext, *, author_user_id: str | None, package_name: str, package_title: str,
                decision: Decision, reviewer_name: str, comment: str | None) -> None:
    """A reviewer's decision, to the round's author: none for a harvest's round (no author), an author deleted or
    without an address, or an author who decided on their own round."""
    if decision not in ("approved", "changes_requested"):
        raise ValueError(f"unknown review decision {decision!r}")
    if not ctx.settings.smtp_url.strip() or not author_user_id or author_user_id == ctx.actor.user_id:
        return
    email = ctx.session.scalar(select(User.email).where(User.id == author_user_id, User.state == "active"))
    if not email:
        return
    title = package_title.strip() or package_name
    if decision == "approved":
        link = _dataset_url(ctx, package_name, "")
        subject = f"Publié / Published: {title}"
        french = [f"{reviewer_name} a approuvé «{NBSP}{title}{NBSP}»{NBSP}: la version relue est publiée.",
                  *_quoted(comment, f"Commentaire{NBSP}:"), f"Voir le jeu de données{NBSP}: {link}"]
        english = [f'{reviewer_name} approved "{title}": the reviewed version is now published.',
                   *_quoted(comment, "Comment:"), f"See the dataset: {link}"]
    else:
        link = _dataset_url(ctx, package_name, "/review")
        subject = f"Modifications demandées / Changes requested: {title}"
        french = [f"{reviewer_name} demande des changements avant de publier «{NBSP}{title}{NBSP}».",
                  *_quoted(comment, f"Commentaire{NBSP}:"), f"Voir la demande et modifier{NBSP}: {link}"]
        english = [f'{reviewer_name} asked for changes to "{title}" before publication.',
                   *_quoted(comment, "Comment:"), f"See the request and edit: {link}"]
    _send_after_commit(ctx, [email], subject, french, english)


def _send_after_commit(ctx: ActionContext, recipients: list[str], subject: str, french: list[str],
                       english: list[str]) -> None:
    settings = ctx.settings  # as it was for the action, whatever happens to the services afterwards
    site = site_options(ctx.session, settings)["site_title"]  # as status_show's, changed by config_option_update
    body = "\n\n".join(["Bonjour,", *french, "---", "Hello,", *english,
                        f"-- \n{site} — {settings.site_url.rstrip('/')}"]) + "\n"
    ctx.after_commit(partial(send_mail, settings, recipients, f"[{site}] {subject}", body))


def _dataset_url(ctx: ActionContext, package_name: str, page: str) -> str:
    return f"{ctx.settings.site_url.rstrip('/')}/dataset/{package_name}{page}"


def _quoted(comment: str | None, label: str) -> list[str]:
    """The comment as a mail quotes it (`> ` before each line), under its label; nothing when there is none."""
    text = (comment or "").strip()
    if not text:
        return []
    return ["\n".join([label, *(f"> {line}".rstrip() for line in text.splitlines())])]

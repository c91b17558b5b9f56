"""Plain-text mail over SMTP, configured by one URL (`MOISSON_SMTP_URL`).

URL forms: `smtp://host[:port]` (port 25), `smtp://user:password@host[:port]` (AUTH; percent-encode `@`, `:` and
`/` in either), `?starttls=true` (upgrade before AUTH and DATA; refused by the server means nothing is sent, never a
fallback to clear text), `smtps://host[:port]` (TLS from the first byte, port 465). Certificates are checked
against the system's trusted CAs (`SSL_CERT_FILE` names another bundle). An empty URL sends nothing.

Every failure (server down, refused login, a recipient refused, a bad URL) is logged and swallowed: mail is sent
after a write has committed, and a mail server's trouble must not turn a done write into an error. Log lines name
the server as `smtp://host:port`, never the user or the password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from catalog.settings import Settings

log = logging.getLogger(__name__)

# Seconds allowed for the connection and for each exchange with the server (smtplib's socket timeout).
TIMEOUT_SECONDS = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: what `MOISSON_SMTP_URL` says, checked."""

    host: str
    port: int
    security: Security = "none"
    username: str = ""
    password: str = field(default="", repr=False)  # never in a repr, hence never in a log line or a traceback

    @property
    def display(self) -> str:
        """The server as log lines name it: no credentials."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        return f"{scheme}://{self.host}:{self.port}" + ("?starttls=true" if self.security == "starttls" else "")


def parse_smtp_url(url: str) -> SmtpServer:
    """The server of an SMTP URL. A ValueError (whose message never repeats the URL, which may hold a password)
    for an unknown scheme, a missing host, a bad port or an unknown parameter: a typo such as `?startls=true`
    must not quietly send a password in clear text."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("MOISSON_SMTP_URL cannot be read as a URL (bad port or brackets?)") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"MOISSON_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme or '(none)'}://")
    if not parts.hostname:
        raise ValueError("MOISSON_SMTP_URL has no host")
    security: Security = "tls" if parts.scheme == "smtps" else "none"
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        value = values[-1].strip().lower()
        if name != "starttls" or value not in TRUE_WORDS | FALSE_WORDS:
            raise ValueError(f"MOISSON_SMTP_URL: unknown parameter {name!r} (only starttls=true|false)")
        if value in TRUE_WORDS:
            if security == "tls":
                raise ValueError("MOISSON_SMTP_URL: starttls is for smtp://; smtps:// is already TLS")
            security = "starttls"
    return SmtpServer(host=parts.hostname, port=port or DEFAULT_PORTS[parts.scheme], security=security,
                      username=unquote(parts.username or ""), password=unquote(parts.password or ""))


def build_message(sender: str, recipient: str, subject: str, body: str, *, now: datetime | None = None) -> EmailMessage:
    """One plain-text UTF-8 message (quoted-printable, so it passes 7-bit relays), with the Date and Message-ID
    headers spam filters expect and `Auto-Submitted` (RFC 3834) so that vacation robots do not answer it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    # A title with a line break would be a header injection: the subject is one line, whatever it was given.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(now or datetime.now(UTC))
    # The sender's domain, not make_msgid's default (socket.getfqdn(), a DNS lookup that can hang for seconds).
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def send_mail(settings: Settings, to: list[str], subject: str, body: str) -> None:
    """Send `body` to each address of `to`, one message each (recipients never see each other's addresses),
    over one connection. Nothing happens when `settings.smtp_url` is empty or `to` is. Never raises: failures are
    logged (see the module's docstring)."""
    recipients = _distinct(to)
    if not settings.smtp_url.strip() or not recipients:
        return
    try:
        server = parse_smtp_url(settings.smtp_url)
    except ValueError as error:
        log.error("mail not sent (%d recipients): %s", len(recipients), error)
        return
    try:
        sent = _deliver(server, [build_message(settings.mail_from, r, subject, body) for r in recipients])
    except OSError as error:  # smtplib's errors, refused connections, timeouts and TLS failures are all OSErrors
        log.error("mail not sent (%d recipients) through %s: %s", len(recipients), server.display,
                  _describe(error))
        return
    except Exception:  # e.g. a From that is not an address; the write that asked has committed and must stand
        log.exception("mail not sent (%d recipients) through %s", len(recipients), server.display)
        return
    log.info("mail sent to %d of %d recipients through %s", sent, len(recipients), server.display)


def _deliver(server: SmtpServer, messages: list[EmailMessage]) -> int:
    """Send the messages over one session; the number accepted. A message refused by the server (its recipient,
    its content) is logged and skipped; any other failure ends the session and is raised."""
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    sent = 0
    with client:
        if server.security == "starttls":
            client.starttls(context=ssl.create_default_context())  # raises when the server does not offer it
        if server.username:
            client.login(server.username, server.password)
        for message in messages:
            try:
                client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPNotSupportedError) as error:
                log.warning("mail to %s refused by %s: %s", message["To"], server.display, _describe(error))
                continue
            sent += 1
    return sent


def _describe(error: OSError) -> str:
    """The error as one log line: its class and the server's answer (which never echoes a password)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{code} {_text(text)}" for code, text in error.recipients.values())
        return f"{type(error).__name__}: {answers}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


def _distinct(addresses: Iterable[str]) -> list[str]:
    """The non-empty addresses, each once (compared without case), in their first order."""
    seen: set[str] = set()
    kept: list[str] = []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept

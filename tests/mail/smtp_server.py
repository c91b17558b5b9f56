"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1:<free port>, in a thread of the test process,
keeping every message it accepts. Options give it AUTH (LOGIN/PLAIN over clear text, as a relay inside a private
network may), STARTTLS or TLS from the first byte (with a certificate made by `openssl` for 127.0.0.1), and
recipients it refuses."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import free_port

HOST = "127.0.0.1"


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """aiosmtpd's handler: refuses the addresses of `refused` at RCPT, keeps every message it accepts."""

    refused: set[str] = field(default_factory=set)
    # Refuse MAIL before AUTH: aiosmtpd's own auth_required warns at every connection when TLS is not required.
    login_required: bool = False
    received: list[Received] = field(default_factory=list)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.login_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


class SmtpSink:
    """`with SmtpSink(...) as sink:` a running server; `sink.url` for MOISSON_SMTP_URL, `sink.received`."""

    def __init__(self, *, login: tuple[str, str] | None = None, starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None, refused: set[str] | None = None) -> None:
        self.collector = Collector(refused=set(refused or ()), login_required=login is not None)
        self.port = free_port()
        options: dict[str, Any] = {}
        if login:
            expected = LoginPassword(login[0].encode(), login[1].encode())

            def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
                return AuthResult(success=data == expected, handled=False)  # handled=False: answer 535

            options |= {"authenticator": authenticator, "auth_require_tls": False}
        if starttls:
            options |= {"tls_context": starttls, "require_starttls": True}
        self.controller = Controller(self.collector, hostname=HOST, port=self.port, ssl_context=implicit_tls,
                                     server_hostname=HOST, **options)
        scheme = "smtps" if implicit_tls else "smtp"
        credentials = f"{quote(login[0], safe='')}:{quote(login[1], safe='')}@" if login else ""
        self.url = f"{scheme}://{credentials}{HOST}:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.collector.received

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, self-signed: trusted only where SSL_CERT_FILE names the certificate."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context

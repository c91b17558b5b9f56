"""send_mail against a real SMTP server (aiosmtpd, tests/mail/smtp_server.py): plain, AUTH, STARTTLS and smtps,
UTF-8 subjects, one message per recipient, and every failure logged without a password and never raised."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from catalog.mail import SmtpServer, parse_smtp_url, send_mail
from catalog.mail import smtp as smtp_module
from catalog.settings import Settings
from tests.mail.smtp_server import HOST, SmtpSink, make_certificate, server_context
from tests.servers import free_port

SENDER = "Moisson <moisson@caf.example>"
PASSWORD = "p@ss:w/rd%20"  # every character a URL must escape
QUOTED_PASSWORD = quote(PASSWORD, safe="")


def settings_for(url: str) -> Settings:
    return Settings(smtp_url=url, mail_from=SENDER)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The server's context, its certificate trusted by clients as a CA would be (SSL_CERT_FILE, read by
    ssl.create_default_context at each call)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    return server_context(*certificate)


def test_send_mail_plain_utf8_subject_and_headers(sink: SmtpSink) -> None:
    subject = "À relire : « Allocataires été 2024 » — données"
    body = "Bonjour,\n\nLe jeu de données « Allocataires » attend votre relecture.\n\n> Millésime 2024, œuvre.\n"
    send_mail(settings_for(sink.url), ["relectrice@caf.example"], subject, body)

    [received] = sink.received
    assert received.mail_from == "moisson@caf.example"
    assert received.rcpt_tos == ["relectrice@caf.example"]
    message = received.message
    assert message["Subject"] == subject
    assert message["From"] == SENDER
    assert message["To"] == "relectrice@caf.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"].endswith("@caf.example>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == body  # lines end in CRLF on the wire


def test_send_mail_one_message_per_recipient(sink: SmtpSink) -> None:
    """Reviewers never see each other's addresses; an address given twice (any case) gets one message."""
    send_mail(settings_for(sink.url), ["a@caf.example", "b@caf.example", "A@caf.example", ""], "Sujet", "Corps")
    assert [r.rcpt_tos for r in sink.received] == [["a@caf.example"], ["b@caf.example"]]
    assert [r.message["To"] for r in sink.received] == ["a@caf.example", "b@caf.example"]
    assert len({r.message["Message-ID"] for r in sink.received}) == 2


def test_send_mail_subject_line_breaks_cannot_add_headers(sink: SmtpSink) -> None:
    send_mail(settings_for(sink.url), ["a@caf.example"], "Titre\r\nBcc: victime@example.org", "Corps")
    [received] = sink.received
    assert received.message["Subject"] == "Titre Bcc: victime@example.org"
    assert received.message["Bcc"] is None
    assert received.rcpt_tos == ["a@caf.example"]


def test_send_mail_refused_recipient_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink(refused={"parti@caf.example"}) as sink:
        send_mail(settings_for(sink.url), ["parti@caf.example", "reste@caf.example"], "Sujet", "Corps")
    assert [r.rcpt_tos for r in sink.received] == [["reste@caf.example"]]
    assert "parti@caf.example" in caplog.text and "550" in caplog.text


def test_send_mail_auth(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink(login=("moisson", PASSWORD)) as sink:
        send_mail(settings_for(sink.url), ["a@caf.example"], "Sujet", "Corps")
        assert [r.rcpt_tos for r in sink.received] == [["a@caf.example"]]

        # Without credentials the server refuses the message: logged, not raised.
        send_mail(settings_for(f"smtp://{HOST}:{sink.port}"), ["b@caf.example"], "Sujet", "Corps")
        assert len(sink.received) == 1
        assert "SMTPSenderRefused: 530" in caplog.text


def test_send_mail_wrong_password_is_logged_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink(login=("moisson", PASSWORD)) as sink:
        wrong = sink.url.replace("p%40ss", "p%40sX")
        send_mail(settings_for(wrong), ["a@caf.example"], "Sujet", "Corps")
        assert sink.received == []
    assert "SMTPAuthenticationError" in caplog.text
    assert f"{HOST}:{sink.port}" in caplog.text
    assert "p@sX" not in caplog.text and "p%40sX" not in caplog.text and "moisson:" not in caplog.text


def test_send_mail_dead_server_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()  # nothing listens there
    send_mail(settings_for(f"smtp://moisson:{QUOTED_PASSWORD}@{HOST}:{port}"), ["a@caf.example"], "Sujet", "Corps")
    [record] = [r for r in caplog.records if r.name == "catalog.mail.smtp"]
    assert record.levelno == logging.ERROR
    assert "ConnectionRefusedError" in record.getMessage() and f"smtp://{HOST}:{port}" in record.getMessage()
    assert "p@ss" not in caplog.text


def test_send_mail_silent_server_times_out(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A server that accepts the connection and never greets: the timeout ends the wait (10 s in production)."""
    monkeypatch.setattr(smtp_module, "TIMEOUT_SECONDS", 0.3)
    with socket.create_server((HOST, 0)) as silent:
        send_mail(settings_for(f"smtp://{HOST}:{silent.getsockname()[1]}"), ["a@caf.example"], "Sujet", "Corps")
    assert "timed out" in caplog.text


def test_send_mail_empty_url_sends_nothing(sink: SmtpSink, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    send_mail(settings_for(""), ["a@caf.example"], "Sujet", "Corps")
    send_mail(settings_for(sink.url), [], "Sujet", "Corps")
    assert sink.received == []
    assert not [r for r in caplog.records if r.name == "catalog.mail.smtp"]


def test_send_mail_bad_url_is_logged_without_the_password(caplog: pytest.LogCaptureFixture) -> None:
    send_mail(settings_for(f"smtp://moisson:{QUOTED_PASSWORD}@{HOST}:25?startls=true"), ["a@caf.example"], "S", "C")
    assert "startls" in caplog.text and "p@ss" not in caplog.text


def test_send_mail_starttls(trusted: ssl.SSLContext) -> None:
    with SmtpSink(starttls=trusted, login=("moisson", PASSWORD)) as sink:
        send_mail(settings_for(sink.url + "?starttls=true"), ["a@caf.example"], "Sujet", "Corps")
        assert [r.rcpt_tos for r in sink.received] == [["a@caf.example"]]


def test_send_mail_smtps(trusted: ssl.SSLContext) -> None:
    with SmtpSink(implicit_tls=trusted) as sink:
        assert sink.url.startswith("smtps://")
        send_mail(settings_for(sink.url), ["a@caf.example"], "Sujet", "Corps")
        assert [r.rcpt_tos for r in sink.received] == [["a@caf.example"]]


def test_send_mail_untrusted_certificate_sends_nothing(certificate: tuple[Path, Path],
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with SmtpSink(implicit_tls=server_context(*certificate)) as sink:
        send_mail(settings_for(sink.url), ["a@caf.example"], "Sujet", "Corps")
        assert sink.received == []
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_send_mail_starttls_not_offered_sends_nothing(sink: SmtpSink, caplog: pytest.LogCaptureFixture) -> None:
    """Asked for STARTTLS, a server that does not offer it gets nothing, rather than the message in clear text."""
    send_mail(settings_for(sink.url + "?starttls=true"), ["a@caf.example"], "Sujet", "Corps")
    assert sink.received == []
    assert "SMTPNotSupportedError" in caplog.text


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.caf.example", SmtpServer("mail.caf.example", 25)),
    ("smtp://mail.caf.example:2525?starttls=true", SmtpServer("mail.caf.example", 2525, "starttls")),
    ("smtp://mail.caf.example:587?starttls=false", SmtpServer("mail.caf.example", 587)),
    ("smtps://u%40caf:p%3Aw%2F@mail.caf.example", SmtpServer("mail.caf.example", 465, "tls", "u@caf", "p:w/")),
    ("smtp://[::1]:26", SmtpServer("::1", 26)),
])
def test_parse_smtp_url(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("http://u:secret@mail.caf.example", "smtp:// or smtps://"),
    ("smtp://u:secret@", "no host"),
    ("smtp://u:secret@mail.caf.example:99999", "bad port"),
    ("smtp://u:secret@mail.caf.example?tls=true", "unknown parameter 'tls'"),
    ("smtps://u:secret@mail.caf.example?starttls=true", "already TLS"),
])
def test_parse_smtp_url_refuses(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_smtp_url(url)
    assert "secret" not in str(raised.value)


def test_smtp_server_repr_hides_the_password() -> None:
    assert "secret" not in repr(parse_smtp_url("smtp://u:secret@mail.caf.example"))

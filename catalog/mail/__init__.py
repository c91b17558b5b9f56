"""Outgoing e-mail (review notifications, issue 16): `send_mail(settings, to, subject, body)` sends plain-text
messages through the SMTP server of `MOISSON_SMTP_URL` (`smtp.py`). A foundation module: it knows nothing of
datasets or users, and it never raises into the caller (mail is a courtesy; the dashboard holds the truth)."""

from catalog.mail.smtp import SmtpServer, build_message, parse_smtp_url, send_mail

__all__ = ["SmtpServer", "build_message", "parse_smtp_url", "send_mail"]

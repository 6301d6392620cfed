"""Mail through SMTP with the standard library: where to send from, and one connection a run.

``TSUNAGU_MAIL_URL`` is ``smtp://host:port`` (STARTTLS when the server offers it) or
``smtps://host:port`` (TLS from the start), with an optional ``user:password@``. Without it,
notifications stay in the back office.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from types import TracebackType
from urllib.parse import unquote, urlsplit

from backoffice.notifications import texts

TIMEOUT_SECONDS = 20
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailConfigError(ValueError):
    """``TSUNAGU_MAIL_URL`` cannot be used; the message names the problem, never the password."""


@dataclass(frozen=True)
class MailServer:
    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never print the password
        return f"MailServer({self.scheme}://{self.host}:{self.port})"


def parse_mail_url(url: str) -> MailServer:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise MailConfigError("TSUNAGU_MAIL_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise MailConfigError("TSUNAGU_MAIL_URL names no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise MailConfigError("TSUNAGU_MAIL_URL has a port that is not a number") from error
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return MailServer(parts.scheme, parts.hostname, port, user, password)


def compose(*, kind: str, case_number: str, link: str, sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = texts.subject(kind, case_number)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(texts.body(kind, case_number, link), charset="utf-8")
    return message


class Mailer:
    """One SMTP connection, opened at the first message and closed at the end of the run."""

    def __init__(self, server: MailServer) -> None:
        self.server = server
        self.connection: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        self.connection.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        if server.scheme == "smtps":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            connection.ehlo()
            if connection.has_extn("starttls"):
                connection.starttls(context=context)
                connection.ehlo()
        if server.user is not None:
            connection.login(server.user, server.password or "")
        return connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

"""`flask --app wsgi notify send`: what staff must not miss, in the back office and by mail.

Run it every few minutes from cron. Each run adds the notifications now due (a new referral,
an acknowledgement overdue, an urgent case not contacted in time, a follow-up due) that are not
there yet, so running it twice adds nothing; then, when ``TSUNAGU_MAIL_URL`` is set, it mails each
notification not mailed yet. A mail names only the kind and the case number and links to the case
in the back office. A mail the server does not take is logged and tried again at the next run.
"""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from backoffice.notifications import due, outbox
from backoffice.notifications.mail import MailConfigError, Mailer, parse_mail_url
from core import audit
from core.db import get_engine, utcnow

notify_group = AppGroup(
    "notify", help="Staff notifications: new referrals, deadlines missed, follow-ups due."
)
SHELL_NETWORK = "server shell"


@notify_group.command("send")
@with_appcontext
def send_command() -> None:
    """Add the notifications now due, then mail those not mailed yet (when TSUNAGU_MAIL_URL is set).

    Safe to run as often as you like: nothing is added or mailed twice. Mails hold no personal
    data, only the case number and a link to the back office (TSUNAGU_BACKOFFICE_URL).
    """
    settings = current_app.config["TSUNAGU_SETTINGS"]
    with Session(get_engine()) as session, session.begin():
        added = due.collect(session, utcnow(), hours=settings.urgent_contact_hours)
        for notification in added:
            audit.record(
                session, action="notification.created", object_type="notification",
                object_id=notification.id, client_network=SHELL_NETWORK, reason=notification.kind,
            )  # fmt: skip
    click.echo(f"notify: {len(added)} new notification(s)")
    if not settings.mail_url:
        click.echo("notify: TSUNAGU_MAIL_URL is not set: no mail, notifications in the back office")
        return
    try:
        server = parse_mail_url(settings.mail_url)
    except MailConfigError as error:
        raise click.ClickException(str(error)) from error
    if not settings.mail_from:
        raise click.ClickException("set TSUNAGU_MAIL_FROM, the sender of notification mails")
    # Links are made as the back office makes them, under its configured address.
    base = settings.backoffice_url.rstrip("/") + "/"
    with (
        current_app.test_request_context("/", base_url=base),
        Session(get_engine()) as session,
        Mailer(server) as mailer,
    ):
        result = outbox.send_owed(
            session, mailer, sender=settings.mail_from, now=utcnow, network=SHELL_NETWORK,
            link=lambda referral_id: url_for(
                "referrals.detail", referral_id=referral_id, _external=True
            ),
        )  # fmt: skip
    click.echo(f"notify: {result.sent} mail(s) sent, {result.failed} not sent (tried next run)")

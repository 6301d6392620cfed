"""A recipient's notifications (the list, the count, marking read) and the mails still owed.

A mail is owed for a notification not yet mailed, not yet read, made less than ``MAIL_WITHIN``
ago, to an active recipient with an e-mail address. It is marked mailed only once the server
has taken it: a failure leaves ``mailed_at`` empty, so the next run tries again. Each mail sent
is audited (the notification's id and kind: never the address).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session

from backoffice.notifications.mail import Mailer, compose
from backoffice.notifications.models import Notification
from backoffice.referrals.models import Referral
from backoffice.referrals.scopes import visible_to
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from core import audit

log = logging.getLogger(__name__)
# A mail about a deadline days ago is noise: the list in the back office still shows it.
MAIL_WITHIN = timedelta(days=3)
# The server is gone (not one address refused): the rest wait for the next run.
CONNECTION_ERRORS = (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                     smtplib.SMTPAuthenticationError, smtplib.SMTPHeloError)  # fmt: skip


def _mine(actor: Actor) -> ColumnElement[bool]:
    """The actor's own notifications about cases they may open now (a liaison taken off a case,
    a role waiting for approval: those notifications are not shown)."""
    may_open = select(Referral.id).where(Referral.id == Notification.referral_id, visible_to(actor))
    return (Notification.recipient_id == actor.id) & may_open.exists()


def listed(actor: Actor) -> Select[tuple[Notification]]:
    """The actor's notifications, unread first, the newest first."""
    return (
        select(Notification)
        .where(_mine(actor))
        .order_by(
            Notification.read_at.is_not(None),
            Notification.created_at.desc(),
            Notification.id.desc(),
        )
    )


def unread_count(session: Session, actor: Actor) -> int:
    statement = select(func.count(Notification.id)).where(
        _mine(actor), Notification.read_at.is_(None)
    )
    return session.scalar(statement) or 0


def mark_read(
    session: Session, actor: Actor, now: datetime, notification_id: int | None = None
) -> int:
    """Mark one of the actor's notifications read, or all of them; how many changed. Another's
    notification is not found (0), as a case outside one's scope is."""
    statement = (
        update(Notification)
        .where(_mine(actor), Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return session.execute(statement).rowcount  # type: ignore[attr-defined]


def owns(session: Session, actor: Actor, notification_id: int) -> bool:
    statement = select(Notification.id).where(Notification.id == notification_id, _mine(actor))
    return session.scalar(statement) is not None


@dataclass(frozen=True)
class Owed:
    notification_id: int
    kind: str
    case_number: str
    referral_id: int
    recipient: StaffUser


def owed(session: Session, now: datetime) -> list[Owed]:
    statement = (
        select(Notification, StaffUser)
        .join(StaffUser, StaffUser.id == Notification.recipient_id)
        .where(
            Notification.mailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - MAIL_WITHIN,
            StaffUser.active.is_(True),
        )
        .order_by(Notification.id)
    )
    return [
        Owed(n.id, n.kind, n.case_number, n.referral_id, user)
        for n, user in session.execute(statement)
        if (user.email or "").strip()
    ]


@dataclass
class Sent:
    sent: int = 0
    failed: int = 0


def send_owed(
    session: Session, mailer: Mailer, *, sender: str, link: Callable[[int], str],
    now: Callable[[], datetime], network: str | None = None,
) -> Sent:  # fmt: skip
    """Mail every notification owed, each committed (mailed_at and its audit event) as soon as
    the server has taken it. ``link`` gives a case's address in the back office."""
    result = Sent()
    for item in owed(session, now()):
        message = compose(
            kind=item.kind, case_number=item.case_number, link=link(item.referral_id),
            sender=sender, recipient=item.recipient.email.strip(),
        )  # fmt: skip
        try:
            mailer.send(message)
        except CONNECTION_ERRORS as error:
            log.warning("notification mail: the mail server cannot be used (%s); the mails "
                        "left wait for the next run", type(error).__name__)  # fmt: skip
            result.failed += 1
            mailer.close()
            break
        except smtplib.SMTPException as error:
            log.warning("notification mail %d refused (%s); tried again next run",
                        item.notification_id, type(error).__name__)  # fmt: skip
            result.failed += 1
            continue
        session.execute(
            update(Notification)
            .where(Notification.id == item.notification_id)
            .values(mailed_at=now())
        )
        audit.record(
            session, action="notification.mailed", object_type="notification",
            object_id=item.notification_id, client_network=network, reason=item.kind,
        )  # fmt: skip
        session.commit()
        result.sent += 1
    return result

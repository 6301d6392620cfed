"""Notifications: who is told of what, once, in the back office and by mail, and never a word
about the person. Mails go to a real SMTP server (aiosmtpd) on a free local port."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from backoffice import create_app as create_backoffice_app
from backoffice.notifications import due
from backoffice.notifications.models import Notification
from backoffice.referrals.casework import ProgressNote
from backoffice.referrals.models import FollowUp, Referral, ReferralMember
from backoffice.staff.models import StaffUser
from core.audit import AuditEvent
from core.config import Settings
from core.db import get_engine, utcnow
from core.timezone import in_tokyo
from directory.topics import TOPICS
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import Staff, csrf_token, make_staff, sign_in

BACKOFFICE_URL = "https://staff.city.example/staff"
SENDER = "tsunagu@city.example"
NOTE = "母親と二人暮らし。夜は眠れていない。"
PERSONAL = {
    "person_name": PERSON_NAME,
    "person_kana": "たんご はなこ",
    "phone": "090-1234-5678",
    "email": "hanako.tango@mail.example",
    "line_name": "はなこ🌸",
    "wants": "仕事と借金のことを相談したい",
    "summary": "失業して借金の返済に困っている。",
    "assessment": "希死念慮あり。家族の支えは少ない。",
}
CATEGORIES = ["debt", "work"]
FOOTER = (
    "このメールには、相談した方の情報を書いていません。くわしくは業務システムで確かめてください。\n"
    "（このメールは自動で送っています。返信されても読めません。）"
)


# ---- a real SMTP server -----------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"

    def mails(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=default_policy)  # type: ignore[misc]
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    return replace(
        settings,
        mail_url=f"smtp://127.0.0.1:{smtp[1]}",
        mail_from=SENDER,
        backoffice_url=BACKOFFICE_URL,
    )


@pytest.fixture
def app(mail_settings: Settings, clean_db: Engine) -> Iterator[Flask]:
    app = create_backoffice_app(mail_settings)
    app.config["TESTING"] = True
    yield app
    get_engine(app).dispose()


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


# ---- the cases and the staff ------------------------------------------------------------------


@dataclass
class World:
    coordinator: Staff
    assignee: Staff
    supervisor: Staff
    liaison: Staff
    other_liaison: Staff
    inactive: Staff
    admin: Staff
    new_case: int
    urgent_case: int
    ended_case: int

    def emails(self) -> dict[int, str]:
        names = ("coordinator", "assignee", "supervisor", "liaison", "other_liaison", "inactive")
        return {getattr(self, n).id: f"{n}@city.example" for n in (*names, "admin")}


def with_email(app: Flask, staff: Staff, address: str, *, active: bool = True) -> None:
    with Session(get_engine(app)) as session, session.begin():
        session.execute(
            update(StaffUser).where(StaffUser.id == staff.id).values(email=address, active=active)
        )


@pytest.fixture
def world(app: Flask) -> World:
    staff = {
        "coordinator": make_staff(app, "coordinator"),
        "assignee": make_staff(app, "coordinator"),
        "supervisor": make_staff(app, "supervisor"),
        "liaison": make_staff(app, "liaison"),
        "other_liaison": make_staff(app, "liaison"),
        "inactive": make_staff(app, "coordinator"),
        "admin": make_staff(app, "admin"),
    }
    for name, member in staff.items():
        with_email(app, member, f"{name}@city.example", active=name != "inactive")
    liaison = staff["liaison"].id
    personal = dict(PERSONAL, problem_categories=CATEGORIES)
    new_case = make_referral(app, liaison, **personal)
    long_ago = utcnow() - timedelta(days=10)
    urgent_case = make_referral(
        app, liaison, urgent=True, received_at=long_ago, consented_at=long_ago, **personal
    )
    ended_case = make_referral(
        app, liaison, received_at=long_ago, consented_at=long_ago, **personal
    )
    with Session(get_engine(app)) as session, session.begin():
        session.execute(
            update(Referral)
            .where(Referral.id == urgent_case)
            .values(assigned_to_id=staff["assignee"].id)
        )
        session.execute(
            update(Referral)
            .where(Referral.id == ended_case)
            .values(
                status="ended",
                ended_at=utcnow() - timedelta(days=31),
                follow_up_due_on=in_tokyo(utcnow()).date() - timedelta(days=1),
            )
        )
        session.add(ReferralMember(referral_id=ended_case, staff_user_id=staff["other_liaison"].id))
        for case in (new_case, urgent_case, ended_case):
            session.add(ProgressNote(referral_id=case, body=NOTE, author_id=liaison))
    return World(**staff, new_case=new_case, urgent_case=urgent_case, ended_case=ended_case)


def send(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def rows(app: Flask) -> list[Notification]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def told(app: Flask) -> set[tuple[int, str, int]]:
    return {(n.recipient_id, n.kind, n.referral_id) for n in rows(app)}


def case_number(app: Flask, referral_id: int) -> str:
    with Session(get_engine(app)) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        return referral.case_number


def personal_values() -> list[str]:
    labels = [topic.ja for topic in TOPICS if topic.slug in CATEGORIES]
    return [*PERSONAL.values(), *CATEGORIES, *labels, NOTE]


# ---- who is told of what ----------------------------------------------------------------------


def test_each_occasion_is_told_to_the_staff_who_must_act(app: Flask, world: World) -> None:
    send(app)

    w = world
    assert told(app) == {
        # A new referral: the dedicated staff (the supervisor is one of them).
        (w.coordinator.id, "new_referral", w.new_case),
        (w.assignee.id, "new_referral", w.new_case),
        (w.supervisor.id, "new_referral", w.new_case),
        # Not acknowledged by the next business day: the dedicated staff and the supervisors.
        (w.coordinator.id, "acknowledgement_overdue", w.urgent_case),
        (w.assignee.id, "acknowledgement_overdue", w.urgent_case),
        (w.supervisor.id, "acknowledgement_overdue", w.urgent_case),
        # Urgent and not contacted in time: the assignee and the supervisors.
        (w.assignee.id, "urgent_not_contacted", w.urgent_case),
        (w.supervisor.id, "urgent_not_contacted", w.urgent_case),
        # Support ended a month ago, no follow-up yet: the liaison and the case's member.
        (w.liaison.id, "follow_up_due", w.ended_case),
        (w.other_liaison.id, "follow_up_due", w.ended_case),
    }


def test_an_urgent_case_nobody_is_assigned_to_goes_to_the_dedicated_staff(
    app: Flask, world: World
) -> None:
    with Session(get_engine(app)) as session, session.begin():
        session.execute(
            update(Referral).where(Referral.id == world.urgent_case).values(assigned_to_id=None)
        )

    send(app)

    urgent = {r for r, kind, case in told(app) if kind == "urgent_not_contacted"}
    assert urgent == {world.coordinator.id, world.assignee.id, world.supervisor.id}


def test_a_follow_up_recorded_after_the_end_of_support_is_not_due(app: Flask, world: World) -> None:
    with Session(get_engine(app)) as session, session.begin():
        session.add(
            FollowUp(
                referral_id=world.ended_case,
                held_on=utcnow().date(),
                result="元気に過ごしている",
                recorded_by_id=world.liaison.id,
            )
        )

    send(app)

    assert not {kind for _, kind, _ in told(app)} & {"follow_up_due"}


def test_a_follow_up_falls_due_on_the_date_set_when_support_ended(app: Flask, world: World) -> None:
    today = in_tokyo(utcnow()).date()
    with Session(get_engine(app)) as session, session.begin():
        session.execute(
            update(Referral)
            .where(Referral.id == world.ended_case)
            .values(follow_up_due_on=today + timedelta(days=1))
        )

    send(app)
    assert not {kind for _, kind, _ in told(app)} & {"follow_up_due"}

    with Session(get_engine(app)) as session, session.begin():
        session.execute(
            update(Referral).where(Referral.id == world.ended_case).values(follow_up_due_on=today)
        )
    send(app)
    due_rows = [n for n in rows(app) if n.kind == "follow_up_due"]
    assert {n.occasion for n in due_rows} == {today.isoformat()}


def test_a_liaison_is_told_only_of_cases_they_may_open(app: Flask, world: World) -> None:
    # A liaison who is no member of the ended case would be told nothing of it.
    with Session(get_engine(app)) as session, session.begin():
        member = session.scalar(
            select(ReferralMember).where(ReferralMember.referral_id == world.ended_case)
        )
        session.delete(member)

    send(app)

    assert {r for r, _, _ in told(app)} & {world.other_liaison.id} == set()
    assert (world.liaison.id, "follow_up_due", world.ended_case) in told(app)


def test_inactive_accounts_and_roles_without_cases_are_told_nothing(
    app: Flask, world: World
) -> None:
    send(app)

    recipients = {r for r, _, _ in told(app)}
    assert world.inactive.id not in recipients
    assert world.admin.id not in recipients


# ---- once, and mailed once --------------------------------------------------------------------


def test_sending_twice_adds_nothing_and_mails_nothing_again(
    app: Flask, world: World, inbox: Inbox
) -> None:
    first = send(app)
    count, mails = len(rows(app)), len(inbox.envelopes)
    second = send(app)

    assert "10 new notification(s)" in first and "10 mail(s) sent" in first
    assert "0 new notification(s)" in second and "0 mail(s) sent" in second
    assert len(rows(app)) == count == 10
    assert len(inbox.envelopes) == mails == 10
    assert all(n.mailed_at is not None for n in rows(app))


def test_each_mail_goes_to_its_recipients_address(app: Flask, world: World, inbox: Inbox) -> None:
    send(app)

    addresses = world.emails()
    expected = sorted(addresses[n.recipient_id] for n in rows(app))
    assert sorted(rcpt for e in inbox.envelopes for rcpt in e.rcpt_tos) == expected
    assert {e.mail_from for e in inbox.envelopes} == {SENDER}


def test_the_mail_of_a_new_referral_says_the_case_number_and_the_link_only(
    app: Flask, world: World, inbox: Inbox
) -> None:
    send(app)

    number = case_number(app, world.new_case)
    mail = next(
        m
        for m in inbox.mails()
        if m["To"] == "coordinator@city.example" and number in str(m["Subject"])
    )
    assert mail["Subject"] == f"【つなぐ】新しい引き継ぎ {number}"
    assert mail.get_content() == (
        f"つなぎ支援の新しい引き継ぎ（{number}）があります。受け取りを確認してください。\n"
        "\n"
        f"{BACKOFFICE_URL}/referrals/{world.new_case}\n"
        "\n"
        f"{FOOTER}\n"
    )


def test_the_mail_of_an_urgent_case_not_contacted(app: Flask, world: World, inbox: Inbox) -> None:
    send(app)

    number = case_number(app, world.urgent_case)
    mail = next(m for m in inbox.mails() if "緊急" in str(m["Subject"]))
    assert mail["To"] in ("assignee@city.example", "supervisor@city.example")
    assert mail.get_content() == (
        f"緊急のつなぎ支援（{number}）に、期限の時間内に連絡がとれていません。"
        "対応を確認してください。\n"
        "\n"
        f"{BACKOFFICE_URL}/referrals/{world.urgent_case}\n"
        "\n"
        f"{FOOTER}\n"
    )


def test_no_mail_and_no_row_holds_a_personal_field(app: Flask, world: World, inbox: Inbox) -> None:
    send(app)

    raw = [e.original_content.decode("utf-8", "replace") for e in inbox.envelopes]
    decoded = [f"{m['Subject']}\n{m.get_content()}" for m in inbox.mails()]
    with Session(get_engine(app)) as session:
        stored = [repr(tuple(row)) for row in session.execute(select(Notification.__table__))]
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("notification.%")))
        trail = [f"{e.object_type} {e.object_id} {e.reason}" for e in events]
    assert len(decoded) == 10 and len(stored) == 10 and len(trail) == 20
    for value in personal_values():
        for text in (*raw, *decoded, *stored, *trail):
            assert value not in text, f"{value!r} leaked"


def test_each_notification_and_each_mail_is_audited(app: Flask, world: World, inbox: Inbox) -> None:
    send(app)

    with Session(get_engine(app)) as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action.like("notification.%")))
        )
    ids = sorted(str(n.id) for n in rows(app))
    for action in ("notification.created", "notification.mailed"):
        chosen = [e for e in events if e.action == action]
        assert sorted(e.object_id for e in chosen) == ids
        assert {e.object_type for e in chosen} == {"notification"}


def test_a_mail_server_that_is_down_leaves_the_mails_for_the_next_run(
    mail_settings: Settings, clean_db: Engine, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    closed = free_port()  # nothing listens here
    app = create_backoffice_app(replace(mail_settings, mail_url=f"smtp://127.0.0.1:{closed}"))
    liaison = make_staff(app, "liaison")
    coordinator = make_staff(app, "coordinator")
    with_email(app, coordinator, "coordinator@city.example")
    make_referral(app, liaison.id)

    output = send(app)  # does not fail

    assert "1 new notification(s)" in output and "0 mail(s) sent" in output
    assert [n.mailed_at for n in rows(app)] == [None]
    get_engine(app).dispose()

    again = create_backoffice_app(replace(mail_settings, mail_url=f"smtp://127.0.0.1:{port}"))
    assert "1 mail(s) sent" in send(again)
    assert [e.rcpt_tos for e in inbox.envelopes] == [["coordinator@city.example"]]
    assert rows(again)[0].mailed_at is not None
    get_engine(again).dispose()


def test_without_a_mail_server_notifications_stay_in_the_back_office(
    settings: Settings, clean_db: Engine
) -> None:
    app = create_backoffice_app(settings)
    liaison = make_staff(app, "liaison")
    coordinator = make_staff(app, "coordinator")
    with_email(app, coordinator, "coordinator@city.example")
    make_referral(app, liaison.id)

    output = send(app)

    assert "TSUNAGU_MAIL_URL is not set" in output
    assert [(n.recipient_id, n.mailed_at) for n in rows(app)] == [(coordinator.id, None)]
    get_engine(app).dispose()


# ---- the pages --------------------------------------------------------------------------------


def signed_in(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    return client


def test_the_header_counts_unread_notifications_and_links_to_the_list(
    app: Flask, world: World
) -> None:
    client = signed_in(app, world.coordinator)
    assert "お知らせ" not in client.get("/").get_data(as_text=True)

    send(app)
    page = client.get("/").get_data(as_text=True)

    assert '<a href="/notifications/">お知らせ 2件</a>' in page


def test_the_list_shows_kind_case_number_and_a_link_to_the_case(app: Flask, world: World) -> None:
    send(app)
    client = signed_in(app, world.assignee)

    page = client.get("/notifications/").get_data(as_text=True)

    number = case_number(app, world.urgent_case)
    assert "緊急案件の連絡の期限切れ" in page and "受け取り確認の期限切れ" in page
    assert "新しい引き継ぎ" in page
    assert f'<a href="/referrals/{world.urgent_case}">{number}</a>' in page
    for value in personal_values():
        assert value not in page


def test_marking_read_needs_the_csrf_token(app: Flask, world: World) -> None:
    send(app)
    client = signed_in(app, world.coordinator)
    mine = [n for n in rows(app) if n.recipient_id == world.coordinator.id]

    refused = client.post(f"/notifications/{mine[0].id}/read")
    assert refused.status_code == 400
    assert all(n.read_at is None for n in rows(app))

    token = csrf_token(client, "/notifications/")
    done = client.post(f"/notifications/{mine[0].id}/read", data={"csrf_token": token})
    assert done.status_code == 302
    assert "お知らせ 1件" in client.get("/").get_data(as_text=True)

    client.post("/notifications/read", data={"csrf_token": token})
    assert all(n.read_at is not None for n in rows(app) if n.recipient_id == world.coordinator.id)
    assert all(n.read_at is None for n in rows(app) if n.recipient_id != world.coordinator.id)
    assert "お知らせ" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_a_liaison_cannot_see_or_mark_anothers_notification(app: Flask, world: World) -> None:
    send(app)
    client = signed_in(app, world.other_liaison)
    theirs = next(n for n in rows(app) if n.recipient_id == world.liaison.id)

    page = client.get("/notifications/").get_data(as_text=True)
    token = csrf_token(client, "/notifications/")
    response = client.post(f"/notifications/{theirs.id}/read", data={"csrf_token": token})

    assert page.count("<td>フォローアップの時期</td>") == 1  # their own notice only
    assert case_number(app, world.new_case) not in page
    assert response.status_code == 404
    assert next(n for n in rows(app) if n.id == theirs.id).read_at is None


def test_a_read_notification_is_not_mailed(app: Flask, world: World, inbox: Inbox) -> None:
    with app.app_context(), Session(get_engine(app)) as session, session.begin():
        added = due.collect(session, utcnow(), hours=4)
        for n in added:
            n.read_at = utcnow()

    assert "0 mail(s) sent" in send(app)
    assert inbox.envelopes == []

"""Ending support and after: open tasks are closed or kept on purpose, a refused status change
speaks Japanese, and a follow-up dated today is today in Japan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import Task
from backoffice.referrals.followup import FollowUpError, record_follow_up
from backoffice.referrals.models import FollowUp, Referral
from backoffice.referrals.workflow import OpenTasksError, change_status
from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from core.db import utcnow
from tests.referrals import make_referral
from tests.staff import Staff, load_user, make_staff, post_form, sign_in


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def case(session: Session, referral_id: int) -> Referral:
    session.expire_all()
    found = session.get(Referral, referral_id)
    assert found is not None
    return found


def supporting_case_with_tasks(app: Flask, session: Session, staff: Staff) -> Referral:
    referral = case(session, make_referral(app, staff.id))
    referral.status = "supporting"
    due = utcnow() + timedelta(days=3)
    session.add_all(
        [
            Task(referral_id=referral.id, title="家計相談の予約", due_at=due, assignee_id=staff.id),
            Task(referral_id=referral.id, title="書類の確認", due_at=due, done_at=utcnow()),
        ]
    )
    session.commit()
    return case(session, referral.id)


def open_tasks(session: Session, referral_id: int) -> list[str]:
    session.expire_all()
    statement = select(Task.title).where(Task.referral_id == referral_id, Task.done_at.is_(None))
    return list(session.scalars(statement))


# ---- ending with open tasks -------------------------------------------------------------------


def test_support_does_not_end_silently_over_open_tasks(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = supporting_case_with_tasks(backoffice_app, session, staff)

    with backoffice_app.app_context(), pytest.raises(OpenTasksError) as refused:
        change_status(session, referral, "ended", actor=Actor.of(load_user(backoffice_app,
                      staff.id)), expected_version=referral.version,
                      end_reason="resolved")  # fmt: skip

    session.rollback()
    assert "「家計相談の予約」" in str(refused.value) and "書類の確認" not in str(refused.value)
    assert case(session, referral.id).status == "supporting"


@pytest.mark.parametrize(("choice", "left_open"), [("close", []), ("carry", ["家計相談の予約"])])
def test_ending_closes_or_carries_the_open_tasks(
    backoffice_app: Flask, session: Session, choice: str, left_open: list[str]
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = supporting_case_with_tasks(backoffice_app, session, staff)

    with backoffice_app.app_context():
        change = change_status(
            session, referral, "ended", actor=Actor.of(load_user(backoffice_app, staff.id)),
            expected_version=referral.version, end_reason="resolved",
            open_tasks=choice,
        )  # fmt: skip
        session.commit()

    assert case(session, referral.id).status == "ended"
    assert open_tasks(session, referral.id) == left_open
    assert "未完了のタスク1件" in (change.reason or "")


def test_the_case_page_lists_the_open_tasks_and_offers_the_choice(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = supporting_case_with_tasks(backoffice_app, session, staff)
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral.id}"
    values = {"status": "ended", "end_reason": "connected", "version": str(referral.version)}

    refused = post_form(office, url + "/status", values, form_url=url)
    ended = post_form(office, url + "/status", {**values, "open_tasks": "close"}, form_url=url)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "未完了のタスクが1件あります：「家計相談の予約」" in html
    assert "すべて完了にして、支援を終了する" in html
    assert ended.status_code == 302
    assert case(session, referral.id).status == "ended"
    assert open_tasks(session, referral.id) == []


# ---- a refused status change ------------------------------------------------------------------


def test_an_unknown_status_is_refused_in_japanese_without_echoing_the_code(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral.id}"

    response = post_form(office, url + "/status",
                         {"status": "coordinating", "version": str(referral.version)},
                         form_url=url)  # fmt: skip

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "coordinating" not in html
    assert "変更後の状態を一覧から選んでください。" in html
    assert case(session, referral.id).status == "received"


def test_a_transition_not_allowed_names_both_statuses_in_japanese(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral.id}"

    response = post_form(office, url + "/status",
                         {"status": "followed_up", "version": str(referral.version)},
                         form_url=url)  # fmt: skip

    html = response.get_data(as_text=True)
    assert "「受付」から「フォローアップ完了」には変更できません。" in html
    assert "followed_up」" not in html


# ---- follow-up dated today, early in the morning in Japan --------------------------------------


@pytest.mark.parametrize("hour", [0, 8])  # 0:00-9:00 in Tokyo is still yesterday in UTC
def test_a_follow_up_dated_today_in_japan_is_not_the_future(
    backoffice_app: Flask, session: Session, hour: int
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    referral.status = "ended"
    session.commit()
    now = datetime(2026, 5, 1, hour, 30, tzinfo=UTC) - timedelta(hours=9)  # Tokyo 05-01 hh:30
    assert now.date() == date(2026, 4, 30)

    with backoffice_app.app_context():
        record_follow_up(session, referral, held_on=date(2026, 5, 1), result="元気にしている",
                         actor=Actor.of(load_user(backoffice_app, liaison.id)),
                         now=now)  # fmt: skip
        session.commit()

        with pytest.raises(FollowUpError, match="未来"):
            record_follow_up(session, referral, held_on=date(2026, 5, 2), result="明日",
                             actor=Actor.of(load_user(backoffice_app, liaison.id)),
                             now=now)  # fmt: skip

    session.rollback()
    held = session.scalars(select(FollowUp.held_on)).all()
    assert held == [date(2026, 5, 1)]
    assert session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "referral.follow_up")
    ).all() == ["referral.follow_up"]

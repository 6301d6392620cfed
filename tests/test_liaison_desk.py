"""The NPO liaison's dashboard: their cases with status and dates, the follow-ups due, and what
the city shared with them; nothing of another liaison's case, no note's text, no case read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.referrals.casework import ProgressNote
from backoffice.referrals.models import FollowUp, Referral, ReferralMember
from core.audit import AuditEvent
from core.db import get_engine
from core.timezone import in_tokyo
from tests.referrals import make_referral
from tests.staff import make_staff, sign_in

SHARED = "家計相談の窓口に予約が取れました。"
INTERNAL = "市の内部だけの見立て。"


def _number(app: Flask, referral_id: int) -> str:
    with Session(get_engine(app)) as db:
        return db.scalars(select(Referral.case_number).where(Referral.id == referral_id)).one()


def _set(app: Flask, referral_id: int, **values: object) -> None:
    with Session(get_engine(app)) as db, db.begin():
        db.execute(update(Referral).where(Referral.id == referral_id).values(**values))


def test_the_liaison_sees_their_cases_follow_ups_due_and_shared_notes(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    other = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    now = datetime.now(UTC)
    today = in_tokyo(now).date()
    own = make_referral(backoffice_app, liaison.id)
    added = make_referral(backoffice_app, other.id)
    theirs = make_referral(backoffice_app, other.id)
    due = make_referral(backoffice_app, liaison.id)
    later = make_referral(backoffice_app, liaison.id)
    followed = make_referral(backoffice_app, liaison.id)
    _set(backoffice_app, own, acknowledged_at=now, status="first_contact", first_contact_at=now)
    ended = {"status": "ended", "ended_at": now - timedelta(days=31)}
    _set(backoffice_app, due, **ended, follow_up_due_on=today - timedelta(days=1))
    _set(backoffice_app, later, **ended, follow_up_due_on=today + timedelta(days=10))
    _set(backoffice_app, followed, **ended, follow_up_due_on=today - timedelta(days=2))
    with Session(get_engine(backoffice_app)) as db, db.begin():
        db.add(ReferralMember(referral_id=added, staff_user_id=liaison.id))
        db.add(FollowUp(referral_id=followed, held_on=today, result="元気そうでした",
                        recorded_by_id=liaison.id, recorded_at=now))  # fmt: skip
        db.add(ProgressNote(referral_id=own, author_id=coordinator.id, body=SHARED,
                            shared_with_liaison=True, written_at=now))  # fmt: skip
        db.add(ProgressNote(referral_id=own, author_id=coordinator.id, body=INTERNAL,
                            shared_with_liaison=False, written_at=now))  # fmt: skip
        db.add(ProgressNote(referral_id=theirs, author_id=coordinator.id, body=SHARED,
                            shared_with_liaison=True, written_at=now))  # fmt: skip
    client = backoffice_app.test_client()
    sign_in(client, liaison)
    session.expire_all()
    reads_before = session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "referral.read").limit(1)
    )

    html = client.get("/").get_data(as_text=True)

    cases = html.split("支援が続いている案件")[1].split("</table>")[0]
    follow_ups = html.split("フォローアップ期日が近い案件")[1].split("</table>")[0]
    shared = html.split("市から共有された経過記録")[1].split("</table>")[0]
    assert "つなぎ支援: 自分の案件" in html
    assert _number(backoffice_app, own) in cases and _number(backoffice_app, added) in cases
    assert "初回連絡" in cases and "まだです" in cases  # the added case: not acknowledged yet
    assert "（2件）" in cases
    assert _number(backoffice_app, theirs) not in html
    assert follow_ups.index(_number(backoffice_app, due)) < follow_ups.index(
        _number(backoffice_app, later)
    )
    assert "期日です" in follow_ups and _number(backoffice_app, followed) not in follow_ups
    assert (today - timedelta(days=1)).isoformat() in follow_ups
    assert _number(backoffice_app, own) in shared and "（1件）" in shared
    assert f"職員 {coordinator.login}" in shared
    assert SHARED not in html and INTERNAL not in html  # no text: the case page shows it
    session.expire_all()
    assert (
        session.scalar(select(AuditEvent.id).where(AuditEvent.action == "referral.read").limit(1))
        == reads_before
    )  # opening the dashboard reads no case


def test_the_dedicated_staff_keep_their_worklist(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    make_referral(backoffice_app, liaison.id)
    client = backoffice_app.test_client()
    sign_in(client, coordinator)

    html = client.get("/").get_data(as_text=True)

    assert (
        "つなぎ支援: いま確かめること" in html and "受け取り確認がされていない案件（1件）" in html
    )
    assert "つなぎ支援: 自分の案件" not in html


def test_staff_without_cases_see_no_case_lists(backoffice_app: Flask, session: Session) -> None:
    editor = make_staff(backoffice_app, "editor")
    client = backoffice_app.test_client()
    sign_in(client, editor)

    html = client.get("/").get_data(as_text=True)

    assert "つなぎ支援" not in html.split("<main")[1]

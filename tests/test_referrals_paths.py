"""The coordinator's path in fewer steps: a contact that reached the person moves the case to
初回連絡 in the same step (one transaction, both audited, a stale form refused); 連絡不能 is offered
after attempts that failed, never applied unasked; taking a case oneself is its acknowledgement;
the end of support keeps its reason, a summary of the help arranged and the follow-up date, and
the liaison reads them only when the consent covers the summary."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.referrals.casework import ContactAttempt
from backoffice.referrals.models import Referral
from backoffice.referrals.workflow import FOLLOW_UP_AFTER
from core.audit import AuditEvent
from core.db import utcnow
from core.timezone import TOKYO, in_tokyo
from tests.referrals import make_referral
from tests.staff import Staff, make_staff, post_form, sign_in

SUMMARY = "家計改善支援窓口につなぎ、返済計画を立てた。"


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def case(session: Session, referral_id: int) -> Referral:
    session.expire_all()
    found = session.get(Referral, referral_id)
    assert found is not None
    return found


def events(session: Session, action: str, referral_id: int) -> int:
    statement = select(func.count()).where(
        AuditEvent.action == action, AuditEvent.object_id == str(referral_id)
    )
    return session.scalar(statement) or 0


def contact(result: str, version: int, **extra: str) -> dict[str, str]:
    moment = in_tokyo(utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    return {"attempted_at": moment, "method": "phone", "result": result,
            "version": str(version), **extra}  # fmt: skip


def test_a_contact_that_reached_the_person_moves_the_case_to_first_contact(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    page = office.get(url).get_data(as_text=True)
    answer = post_form(
        office, url + "/contacts", contact("reached", referral.version, to_first_contact="y"),
        form_url=url,
    )  # fmt: skip

    assert "あわせて状態を『初回連絡』にする" in page
    assert re.search(r'<input [^>]*checked [^>]*id="contact-to_first_contact"', page)
    assert answer.status_code == 302
    after = case(session, referral.id)
    assert after.status == "first_contact" and after.first_contact_at is not None
    assert events(session, "referral.contact", referral.id) == 1
    assert events(session, "referral.status", referral.id) == 1


def test_unticked_or_not_reached_the_status_stays(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    post_form(office, url + "/contacts", contact("no_answer", referral.version,
              to_first_contact="y"), form_url=url)  # fmt: skip
    post_form(office, url + "/contacts", contact("reached", case(session, referral.id).version),
              form_url=url)  # fmt: skip

    after = case(session, referral.id)
    assert after.status == "received"
    assert after.first_contact_at is not None  # the contact itself is still recorded
    assert events(session, "referral.status", referral.id) == 0


def test_a_stale_contact_form_changes_nothing(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    answer = post_form(
        office, url + "/contacts", contact("reached", referral.version - 1 or 99,
        to_first_contact="y"), form_url=url,
    )  # fmt: skip

    assert answer.status_code == 409
    assert case(session, referral.id).status == "received"
    count = select(func.count()).select_from(ContactAttempt)
    assert session.scalar(count.where(ContactAttempt.referral_id == referral.id)) == 0


def test_unreachable_is_offered_after_failed_attempts_and_only_applied_when_chosen(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    offered = []
    for _ in range(3):
        offered.append("あわせて状態を『連絡不能』にする" in office.get(url).get_data(as_text=True))
        version = case(session, referral.id).version
        post_form(office, url + "/contacts", contact("no_answer", version), form_url=url)
    assert offered == [False, False, True]
    assert case(session, referral.id).status == "received"  # never on its own

    version = case(session, referral.id).version
    answer = post_form(office, url + "/contacts", contact("no_answer", version,
                       to_unreachable="y"), form_url=url)  # fmt: skip
    assert answer.status_code == 302
    assert case(session, referral.id).status == "unreachable"


def test_taking_a_case_oneself_acknowledges_it(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    other = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    before = office.get(url).get_data(as_text=True)
    post_form(office, url + "/assign", {"assigned_to": str(other.id),
              "version": str(referral.version)}, form_url=url)  # fmt: skip
    assert case(session, referral.id).acknowledged_at is None  # someone else: they confirm
    version = case(session, referral.id).version
    post_form(office, url + "/assign", {"assigned_to": str(coordinator.id),
              "version": str(version)}, form_url=url)  # fmt: skip

    after = case(session, referral.id)
    assert '<option selected value="">選んでください</option>' in before
    assert after.assigned_to_id == coordinator.id
    assert after.acknowledged_by_id == coordinator.id and after.acknowledged_at is not None
    assert "受け取り未確認" not in office.get(url).get_data(as_text=True)
    assert events(session, "referral.acknowledge", referral.id) == 1


def test_an_empty_assignee_is_refused_in_japanese(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}"

    answer = post_form(office, url + "/assign", {"assigned_to": "",
                       "version": str(referral.version)}, form_url=url)  # fmt: skip

    assert answer.status_code == 400
    assert "担当する専任職員を一覧から選んでください。" in answer.get_data(as_text=True)
    assert case(session, referral.id).assigned_to_id is None


def end_support(office: FlaskClient, session: Session, referral_id: int, **extra: str):
    referral = case(session, referral_id)
    referral.status = "supporting"
    session.commit()
    url = f"/referrals/{referral_id}"
    values = {"status": "ended", "end_reason": "connected", "closing_summary": SUMMARY,
              "version": str(case(session, referral_id).version), **extra}  # fmt: skip
    return post_form(office, url + "/status", values, form_url=url)


def test_the_end_of_support_keeps_its_reason_summary_and_follow_up_date(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, liaison.id)
    office = client_for(backoffice_app, coordinator)

    answer = end_support(office, session, referral_id)

    assert answer.status_code == 302
    ended = case(session, referral_id)
    assert ended.closing_summary == SUMMARY
    assert ended.follow_up_due_on == in_tokyo(utcnow()).date() + FOLLOW_UP_AFTER
    assert ended.status_changes[-1].end_reason == "connected"
    page = office.get(f"/referrals/{referral_id}").get_data(as_text=True)
    assert page.count("関係機関の支援に引き継いだ") >= 2  # the case's facts and its timeline
    assert SUMMARY in page
    raw = session.execute(
        text("SELECT closing_summary FROM referral WHERE id = :id"), {"id": referral_id}
    ).scalar()
    assert SUMMARY not in str(raw)  # stored encrypted


def test_a_follow_up_date_in_the_past_is_refused(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, liaison.id)
    office = client_for(backoffice_app, coordinator)
    yesterday = (in_tokyo(utcnow()) - timedelta(days=1)).date().isoformat()

    answer = end_support(office, session, referral_id, follow_up_due_on=yesterday)

    assert answer.status_code == 400
    assert "フォローアップ期日に過去の日付は入力できません。" in answer.get_data(as_text=True)
    assert case(session, referral_id).status == "supporting"


def test_the_liaison_reads_the_summary_only_when_the_consent_covers_it(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    shared = make_referral(backoffice_app, liaison.id)
    unshared = make_referral(backoffice_app, liaison.id, share_summary=False)
    office = client_for(backoffice_app, coordinator)
    for referral_id in (shared, unshared):
        assert end_support(office, session, referral_id).status_code == 302
    npo = client_for(backoffice_app, liaison)

    with_consent = npo.get(f"/referrals/{shared}").get_data(as_text=True)
    without = npo.get(f"/referrals/{unshared}").get_data(as_text=True)

    assert SUMMARY in with_consent and "関係機関の支援に引き継いだ" in with_consent
    assert SUMMARY not in without and "関係機関の支援に引き継いだ" not in without
    ended_at = case(session, unshared).ended_at
    assert ended_at is not None
    assert ended_at.astimezone(TOKYO).strftime("%Y-%m-%d") in without  # that it ended, and when
    assert "支援終了" in without

"""A contact detail already on a case: the liaison learns nothing (no oracle), the municipality's
staff are told on both cases; every check is audited and the saves that check are rate-limited."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.referrals import duplicates, records
from backoffice.referrals.models import ContactMatch, Referral
from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from tests.referrals import make_referral
from tests.staff import Staff, load_user, make_staff, post_form, sign_in

KNOWN = "090-1234-5678"


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def intake_form(phone: str) -> dict[str, str]:
    return {
        "received_at": "2026-11-26T09:00", "source_channel": "line", "phone": phone,
        "problem_categories": "debt", "risk_level": "high", "summary": "相談の概要",
        "consent_given": "y", "consented_by": "self", "consented_at": "2026-11-26T09:05",
        "consent_method": "line", "share_basic": "y", "share_summary": "y",
        "consent_wording": "同意の文言", "age_band": "30s", "gender": "female",
        "preferred_method": "phone", "district": "",
    }  # fmt: skip


def anonymous(html: str, phone: str) -> str:
    """A case page with what differs between two cases (number, id, token, phone) taken out."""
    html = html.replace(phone, "#")
    html = re.sub(r"R-\d{4}-\d{4}", "R-#", html)
    html = re.sub(r"/referrals/\d+", "/referrals/#", html)
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


def cases(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Referral)) or 0


def checks(session: Session) -> list[str | None]:
    session.expire_all()
    statement = select(AuditEvent.reason).where(AuditEvent.action == "referral.duplicate_check")
    return list(session.scalars(statement.order_by(AuditEvent.id)))


def test_a_liaison_is_answered_the_same_with_and_without_a_match(
    backoffice_app: Flask, session: Session
) -> None:
    make_referral(backoffice_app, make_staff(backoffice_app, "liaison").id, phone=KNOWN)
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))

    matched = post_form(liaison, "/referrals/new", intake_form("０９０１２３４５６７８"))
    matched_page = liaison.get(matched.headers["Location"])
    unmatched = post_form(liaison, "/referrals/new", intake_form("080-0000-1111"))
    unmatched_page = liaison.get(unmatched.headers["Location"])

    assert matched.status_code == unmatched.status_code == 302
    assert matched_page.status_code == unmatched_page.status_code == 200
    seen = anonymous(matched_page.get_data(as_text=True), "０９０１２３４５６７８")
    assert seen == anonymous(unmatched_page.get_data(as_text=True), "080-0000-1111")
    assert "同じ連絡先" not in seen
    assert cases(session) == 3
    assert checks(session) == ["no match", "match", "no match"]


def test_the_municipality_is_told_on_both_cases(backoffice_app: Flask, session: Session) -> None:
    first = make_referral(backoffice_app, make_staff(backoffice_app, "liaison").id, phone=KNOWN)
    second = make_referral(backoffice_app, make_staff(backoffice_app, "liaison").id,
                           phone="090 1234 5678")  # fmt: skip
    office = client_for(backoffice_app, make_staff(backoffice_app, "coordinator"))
    numbers = {i: session.get(Referral, i).case_number for i in (first, second)}  # type: ignore[union-attr]

    on_second = office.get(f"/referrals/{second}").get_data(as_text=True)
    on_first = office.get(f"/referrals/{first}").get_data(as_text=True)

    assert f"同じ連絡先の記録があります（{numbers[first]}）" in on_second
    assert f"同じ連絡先の記録があります（{numbers[second]}）" in on_first


def test_an_audited_check_holds_no_contact_detail(backoffice_app: Flask, session: Session) -> None:
    make_referral(backoffice_app, make_staff(backoffice_app, "liaison").id, phone=KNOWN)

    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.duplicate_check")
    ).all()

    assert len(events) == 1
    assert events[0].reason == "no match" and "1234" not in repr(vars(events[0]))


def test_editing_a_contact_checks_again(backoffice_app: Flask, session: Session) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    other = make_referral(backoffice_app, coordinator.id, phone="080-9999-0000")
    referral_id = make_referral(backoffice_app, coordinator.id)
    office = client_for(backoffice_app, coordinator)
    referral = session.get(Referral, referral_id)
    assert referral is not None
    values = {
        "person_name": "名前", "age_band": "40s", "gender": "female", "district": "峰山町",
        "phone": "080-9999-0000", "preferred_method": "phone", "problem_categories": "debt",
        "risk_level": "medium", "summary": "概要", "version": str(referral.version),
    }  # fmt: skip

    assert post_form(office, f"/referrals/{referral_id}/edit", values).status_code == 302

    pairs = session.execute(select(ContactMatch.referral_id, ContactMatch.other_id)).all()
    assert [tuple(p) for p in pairs] == [(referral_id, other)]
    assert checks(session) == ["no match", "no match", "match"]


def test_anonymising_a_case_forgets_its_matches(backoffice_app: Flask, session: Session) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    make_referral(backoffice_app, coordinator.id, phone=KNOWN)
    referral = session.get(Referral, make_referral(backoffice_app, coordinator.id, phone=KNOWN))
    assert referral is not None and session.scalars(select(ContactMatch)).all()

    with backoffice_app.app_context():
        records.anonymise_referral(session, referral, actor=Actor.of(load_user(backoffice_app,
                                   coordinator.id)), reason="test")  # fmt: skip
        session.commit()

    assert session.scalars(select(ContactMatch)).all() == []


def test_too_many_checks_are_refused_in_japanese_and_store_nothing(
    backoffice_app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates, "CHECKS_PER_USER", "2 per hour")
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))
    other = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))

    refused_form = post_form(liaison, "/referrals/new", intake_form("call me"))  # not counted
    answers = [
        post_form(liaison, "/referrals/new", intake_form(f"090-0000-000{i}")).status_code
        for i in range(3)
    ]
    last = post_form(liaison, "/referrals/new", intake_form("090-0000-0009"))
    someone_else = post_form(other, "/referrals/new", intake_form("090-0000-0008"))

    assert refused_form.status_code == 400
    assert answers == [302, 302, 429]
    assert "入力した内容は保存されていません" in last.get_data(as_text=True)
    assert someone_else.status_code == 302
    assert cases(session) == 3
    assert len(checks(session)) == 3

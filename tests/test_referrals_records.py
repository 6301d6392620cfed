"""Exporting one case (disclosure requests, transfers): the whole case, audited, with a reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pypdfium2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backoffice.referrals import records
from backoffice.referrals.casework import (
    ContactAttempt,
    EmergencyAction,
    ProgressNote,
    ReferralLink,
    SupportMeeting,
    Task,
)
from backoffice.referrals.models import FollowUp, Referral, ReferralExport
from backoffice.referrals.workflow import change_status
from backoffice.staff.actor import Actor
from backoffice.staff.permissions import ROLE_PERMISSIONS
from core.audit import AuditEvent
from core.db import get_engine, utcnow
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import csrf_token, load_user, make_staff, sign_in

SECRET = "ひみつの記録"  # in every free-text field of the case


@pytest.fixture
def app(backoffice_app: Flask) -> Flask:
    return backoffice_app


def add_casework(app: Flask, referral_id: int, staff_id: int, text: str = SECRET) -> None:
    """A row of every kind on the case, each with ``text`` in its free text; support ended."""
    with Session(get_engine(app)) as session, session.begin():
        referral = session.get(Referral, referral_id)
        assert referral is not None
        now = utcnow()
        viewer = Actor.of(load_user(app, staff_id))
        session.add_all(
            [
                ProgressNote(referral_id=referral_id, author_id=staff_id, body=f"経過: {text}"),
                ContactAttempt(referral_id=referral_id, attempted_at=now, method="phone",
                               result="reached", note=f"連絡: {text}", by_id=staff_id),
                EmergencyAction(referral_id=referral_id, acted_at=now, kind="ambulance",
                                outcome=f"救急: {text}", by_id=staff_id),
                SupportMeeting(referral_id=referral_id, held_on=now.date(), agencies=["社協"],
                               agenda=f"議題: {text}", decisions=f"決定: {text}"),
                ReferralLink(referral_id=referral_id, agency_name="ハローワーク",
                             linked_on=now.date(), status="connected", outcome=f"結果: {text}"),
                Task(referral_id=referral_id, title=f"タスク: {text}", due_at=now,
                     assignee_id=staff_id),
                FollowUp(referral_id=referral_id, held_on=now.date(), result=f"追跡: {text}"),
            ]
        )  # fmt: skip
        referral.end_note = f"終了: {text}"
        referral.consent.withdrawn_at, referral.consent.withdrawn_by_id = now, staff_id
        referral.consent.withdrawal_note = f"撤回: {text}"
        for status in ("first_contact", "ended"):
            change_status(
                session, referral, status, actor=viewer, expected_version=referral.version,
                reason=f"変更: {text}", end_reason="resolved", open_tasks="carry",
            )  # fmt: skip


def coordinator_case(app: Flask) -> tuple[FlaskClient, int]:
    """A signed-in coordinator and a full case."""
    staff = make_staff(app, "coordinator")
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    referral_id = make_referral(app, staff.id)
    add_casework(app, referral_id, staff.id)
    return client, referral_id


def export_url(referral_id: int) -> str:
    return f"/referrals/{referral_id}/export"


def post_export(client: FlaskClient, referral_id: int, **data: str):
    url = export_url(referral_id)
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def audit_events(app: Flask, action: str) -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_json_export_holds_the_consent_and_the_timeline(app: Flask) -> None:
    client, referral_id = coordinator_case(app)

    response = post_export(client, referral_id, reason="本人からの開示請求", file_format="json")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    sections = data["sections"]
    consent = {f["key"]: f for f in sections["consent"]["entries"][0]}
    assert consent["withdrawal_note"]["value"] == f"撤回: {SECRET}"
    assert consent["withdrawn_at"]["value"] is not None
    assert consent["method"] == {"key": "method", "label": "同意を得た方法", "code": "line",
                                 "value": "LINEで"}  # fmt: skip
    kinds = [entry[0]["code"] for entry in sections["timeline"]["entries"]]
    assert sorted(kinds) == ["contact", "emergency", "note"]
    texts = json.dumps(data, ensure_ascii=False)
    for part in ("経過", "連絡", "救急", "議題", "決定", "結果", "タスク", "追跡", "終了", "変更"):
        assert f"{part}: {SECRET}" in texts
    person = {f["key"]: f["value"] for f in sections["person"]["entries"][0]}
    assert person["person_name"] == PERSON_NAME
    assert [e[2]["value"] for e in sections["status_history"]["entries"]] == [
        "初回連絡", "支援終了"
    ]  # fmt: skip


def test_pdf_export_is_a_pdf_with_the_case_number(app: Flask) -> None:
    client, referral_id = coordinator_case(app)

    response = post_export(client, referral_id, reason="移管のため", file_format="pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(body)
    text = "".join(page.get_textpage().get_text_bounded() for page in document)
    case_number = _case_number(app, referral_id)
    assert case_number in text
    assert PERSON_NAME.replace(" ", "") in text.replace(" ", "").replace("\r\n", "")


def test_export_is_audited_and_its_reason_kept_encrypted(app: Flask) -> None:
    client, referral_id = coordinator_case(app)

    post_export(client, referral_id, reason="  本人からの 開示請求 ", file_format="json")

    [event] = audit_events(app, "referral.export")
    with Session(get_engine(app)) as session:
        [logged] = session.scalars(select(ReferralExport)).all()
        raw = session.execute(text("SELECT reason FROM referral_export")).scalar_one()
    assert event.object_id == str(referral_id)
    assert event.reason == f"json: referral_export {logged.id}"  # the trail points at the row
    assert "開示請求" not in (event.reason or "") and "開示請求" not in raw
    assert logged.reason == "本人からの 開示請求" and logged.case_id == referral_id
    assert event.actor_login is not None and logged.exported_by_id is not None


def test_export_is_refused_without_a_reason(app: Flask) -> None:
    client, referral_id = coordinator_case(app)

    response = post_export(client, referral_id, reason="   ", file_format="pdf")

    assert response.status_code == 400
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert "書き出す理由を入力してください。" in response.get_data(as_text=True)
    assert audit_events(app, "referral.export") == []


def test_export_service_refuses_a_blank_reason(app: Flask) -> None:
    staff = make_staff(app, "coordinator")
    referral_id = make_referral(app, staff.id)
    with Session(get_engine(app)) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        with pytest.raises(records.RecordsError):
            records.export_case(session, referral, "json", actor=Actor.of(load_user(app, staff.id)),
                                reason=" \n ")  # fmt: skip


def test_export_form_asks_for_a_reason_and_audits_the_read(app: Flask) -> None:
    client, referral_id = coordinator_case(app)

    response = client.get(export_url(referral_id))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="reason"' in html and 'value="json"' in html
    assert "法的保全" not in html  # the hold form is for supervisors only
    assert any(e.reason == "export form" for e in audit_events(app, "referral.read"))


def test_export_of_a_case_outside_the_scope_is_not_found(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No role exports without seeing every case today; give liaisons the permission to prove
    # that scope, not only the permission, keeps other cases hidden.
    monkeypatch.setitem(
        ROLE_PERMISSIONS, "liaison", ROLE_PERMISSIONS["liaison"] | {"referral.export"}
    )
    owner = make_staff(app, "liaison")
    other = make_staff(app, "liaison")
    client = app.test_client()
    assert sign_in(client, other).status_code == 302
    referral_id = make_referral(app, owner.id)

    assert client.get(export_url(referral_id)).status_code == 404
    assert client.get(export_url(referral_id + 1000)).status_code == 404


def test_a_liaison_cannot_export_even_their_own_case(app: Flask) -> None:
    liaison = make_staff(app, "liaison")
    client = app.test_client()
    assert sign_in(client, liaison).status_code == 302
    referral_id = make_referral(app, liaison.id)

    assert client.get(export_url(referral_id)).status_code == 403


def test_case_record_lists_sections_in_reading_order(app: Flask) -> None:
    staff = make_staff(app, "coordinator")
    referral_id = make_referral(app, staff.id, received_at=datetime.now(UTC) - timedelta(days=1))
    with Session(get_engine(app)) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        record = records.case_record(session, referral)

    assert list(record["sections"]) == [
        "case", "person", "intake", "consent", "members", "status_history", "timeline",
        "support_meetings", "links", "tasks", "follow_ups",
    ]  # fmt: skip
    assert record["sections"]["timeline"]["entries"] == []
    assert date.fromisoformat(record["exported_at"][:10])


def _case_number(app: Flask, referral_id: int) -> str:
    with Session(get_engine(app)) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        return referral.case_number


def test_pdf_breaks_a_note_longer_than_a_page(app: Flask) -> None:
    staff = make_staff(app, "coordinator")
    referral_id = make_referral(app, staff.id, summary="長い概要。" * 800)
    with Session(get_engine(app)) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        exported = records.export_case(session, referral, "pdf",
                                       actor=Actor.of(load_user(app, staff.id)),
                                       reason="開示請求")  # fmt: skip

    assert len(pypdfium2.PdfDocument(exported.body)) >= 3


@pytest.mark.parametrize(
    "reason",
    [
        f"開示請求 {PERSON_NAME}さん",
        "本人 090 1234 5678 から",
        "ﾀﾝｺﾞ",
        "タンゴハナコさんの開示請求",  # the reading, in katakana
        "ﾀﾝｺﾞ ﾊﾅｺ 様",  # half-width katakana
        "本人 ０９０-１２３４-５６７８ から",  # full-width digits
    ],
)
def test_an_export_reason_naming_the_person_is_refused(
    app: Flask, session: Session, reason: str
) -> None:
    staff = make_staff(app, "coordinator")
    referral = session.get(Referral, make_referral(app, staff.id, person_kana="ﾀﾝｺﾞ"))
    assert referral is not None

    with app.app_context(), pytest.raises(records.RecordsError, match="名前や連絡先"):
        records.export_case(session, referral, "json", actor=Actor.of(load_user(app, staff.id)),
                            reason=reason)  # fmt: skip


@pytest.mark.parametrize(
    "reason", ["タンゴハナコさんの開示請求", "ﾀﾝｺﾞ ﾊﾅｺ 様の件", "たんご・はなこ"]
)
def test_an_export_reason_with_the_reading_in_another_script_is_refused(
    app: Flask, session: Session, reason: str
) -> None:
    staff = make_staff(app, "coordinator")  # the reading is stored in hiragana: たんご はなこ
    referral = session.get(Referral, make_referral(app, staff.id))
    assert referral is not None

    with app.app_context(), pytest.raises(records.RecordsError, match="名前や連絡先"):
        records.export_case(session, referral, "json", actor=Actor.of(load_user(app, staff.id)),
                            reason=reason)  # fmt: skip
    session.rollback()
    assert session.scalars(select(ReferralExport)).all() == []


def test_a_reason_naming_nobody_is_accepted(app: Flask, session: Session) -> None:
    staff = make_staff(app, "coordinator")
    referral = session.get(Referral, make_referral(app, staff.id))
    assert referral is not None

    with app.app_context():
        exported = records.export_case(session, referral, "json",
                                       actor=Actor.of(load_user(app, staff.id)),
                                       reason="開示請求（2026年12月受付分）")  # fmt: skip

    assert exported.filename.endswith(".json")

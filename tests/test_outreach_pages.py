"""Outreach pages reached through HTTP: editing a subject, cards handed out on their own, the
export with its reason, and legal hold (a supervisor's)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.outreach.models import CardHandout, OutreachSubject
from cards.batches import create_batch
from cards.designs import get_design
from core.db import get_engine
from core.timezone import tokyo_today
from tests.outreach import make_subject
from tests.staff import csrf_token, make_staff, sign_in

REASON = "開示請求への対応"


@pytest.fixture
def app(backoffice_app: Flask, demo: Session) -> Flask:
    return backoffice_app


def signed_in(app: Flask, role: str) -> tuple[FlaskClient, int]:
    staff = make_staff(app, role)
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    return client, staff.id


def stored(app: Flask, subject_id: int) -> OutreachSubject:
    with Session(get_engine(app)) as db:
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        return subject


def test_a_subject_is_edited_on_its_page(app: Flask) -> None:
    client, staff_id = signed_in(app, "coordinator")
    subject_id = make_subject(app, staff_id)
    url = f"/outreach/{subject_id}/edit"
    form = client.get(url)
    assert form.status_code == 200 and "網野 一郎" in form.get_data(as_text=True)
    data = {
        "received_on": "2026-04-10", "agency_kind": "community_center",
        "agency_organization_id": "", "agency_name": "地域包括支援センター", "concern": "debt",
        "district": "網野町", "person_name": "網野 一郎", "known": "電話にも出なくなった",
        "legal_basis": "life_body", "version": "1", "csrf_token": csrf_token(client, url),
    }  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    assert stored(app, subject_id).known == "電話にも出なくなった"
    refused = client.post(url, data={**data, "known": "", "version": "2"})
    assert refused.status_code == 400
    assert "分かっていること（情報提供の内容）を入力してください。" in refused.get_data(
        as_text=True
    )
    assert stored(app, subject_id).known == "電話にも出なくなった"


def test_cards_handed_out_on_their_own_are_recorded_by_batch(app: Flask) -> None:
    client, _ = signed_in(app, "coordinator")
    with Session(get_engine(app)) as db, db.begin():
        design = get_design(db)
        assert design is not None
        batch_id = create_batch(db, design=design, purpose="event", quantity=100, actor=None).id
    url = "/outreach/handouts"
    data = {
        "batch_id": str(batch_id), "kind": "event", "count": "30",
        "handed_on": tokyo_today().isoformat(), "csrf_token": csrf_token(client, url),
    }  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data={**data, "count": "0"}).status_code == 400
    with Session(get_engine(app)) as db:
        handouts = db.scalars(select(CardHandout)).all()
        assert [(h.batch_id, h.kind, h.count, h.contact_id) for h in handouts] == [
            (batch_id, "event", 30, None)
        ]


def test_a_subject_is_exported_as_a_download_given_a_reason(app: Flask) -> None:
    client, staff_id = signed_in(app, "coordinator")
    subject_id = make_subject(app, staff_id)
    url = f"/outreach/{subject_id}/export"
    token = csrf_token(client, url)
    assert client.post(url, data={"reason": "", "csrf_token": token}).status_code == 400
    exported = client.post(url, data={"reason": REASON, "csrf_token": token})
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"] == 'attachment; filename="P-2026-0001.json"'
    assert "網野 一郎" in exported.get_data(as_text=True)


def test_a_supervisor_puts_a_subject_on_legal_hold_and_releases_it(app: Flask) -> None:
    client, staff_id = signed_in(app, "supervisor")
    subject_id = make_subject(app, staff_id)
    url = f"/outreach/{subject_id}"
    token = csrf_token(client, url)
    hold = {"hold-state": "1", "hold-reason": REASON, "hold-csrf_token": token}
    assert client.post(f"{url}/legal-hold", data=hold).status_code == 302
    assert stored(app, subject_id).legal_hold
    release = {**hold, "hold-state": "0"}
    assert client.post(f"{url}/legal-hold", data=release).status_code == 302
    assert not stored(app, subject_id).legal_hold


def test_a_coordinator_may_not_change_legal_hold(app: Flask) -> None:
    client, staff_id = signed_in(app, "coordinator")
    subject_id = make_subject(app, staff_id)
    url = f"/outreach/{subject_id}"
    hold = {"hold-state": "1", "hold-reason": REASON, "hold-csrf_token": csrf_token(client, url)}
    assert client.post(f"{url}/legal-hold", data=hold).status_code == 403
    assert not stored(app, subject_id).legal_hold

"""Outreach (プッシュ型支援): subjects stored encrypted with the legal basis required, read only by
coordinators (audited), status history with optimistic locking, planned visits escalated in
business days, cards handed out per batch, a subject becoming a referral, retention, legal hold,
export and anonymisation."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.outreach import records, subjects, visits
from backoffice.outreach.handouts import batch_outreach, record_handout
from backoffice.outreach.matches import match_notices
from backoffice.outreach.models import CardHandout, OutreachSubject
from backoffice.outreach.status import TransitionError, change_status
from backoffice.outreach.subjects import SubjectInput
from backoffice.referrals.models import Referral
from backoffice.staff.actor import Actor
from cards.batches import create_batch
from cards.designs import get_design
from core.audit import AuditEvent
from core.db import get_engine
from core.timezone import TOKYO
from tests.referrals import DISTRICTS
from tests.staff import csrf_token, load_user, make_staff, sign_in

NAME, PHONE, KNOWN = "網野 一郎", "0772-11-2233", "ひとり暮らしで、最近姿を見ない"


@pytest.fixture
def app(backoffice_app: Flask, demo: Session) -> Flask:
    return backoffice_app


def actor(app: Flask, *roles: str) -> Actor:
    return Actor.of(load_user(app, make_staff(app, *roles).id))


def values(**changes: object) -> SubjectInput:
    base = SubjectInput(
        received_on=date(2026, 4, 10), agency_kind="welfare_volunteer", legal_basis="life_body",
        agency_name="網野地区民生委員", passed_on_by="民生委員 山田", concern=["debt"],
        district="網野町", person_name=NAME, phone=PHONE, known=KNOWN,
    )  # fmt: skip
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def create(app: Flask, who: Actor, **changes: object) -> int:
    with Session(get_engine(app)) as db, db.begin():
        subject = subjects.create_subject(
            db, values(**changes), actor=who, districts=DISTRICTS, organizations=set()
        )
        return subject.id


def client_for(app: Flask, *roles: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, make_staff(app, *roles)).status_code == 302
    return client


def test_a_subject_is_stored_encrypted_with_blind_indexes(app: Flask) -> None:
    subject_id = create(app, actor(app, "coordinator"))
    with Session(get_engine(app)) as db:
        raw = db.execute(text("SELECT * FROM outreach_subject WHERE id = :i"), {"i": subject_id})
        row = dict(raw.mappings().one())
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None and subject.person_name == NAME and subject.known == KNOWN
    stored = " ".join(str(v) for v in row.values())
    for plain in (NAME, PHONE, KNOWN, "民生委員 山田"):
        assert plain not in stored
    assert row["phone_index"] and row["name_index"] and row["subject_number"].startswith("P-")


def test_the_legal_basis_is_required_and_other_needs_a_note(app: Flask) -> None:
    who = actor(app, "coordinator")
    for changes, field in (({"legal_basis": ""}, "legal_basis"),
                           ({"legal_basis": "other"}, "legal_basis_note")):  # fmt: skip
        with pytest.raises(subjects.OutreachError) as refused:
            create(app, who, **changes)
        assert field in refused.value.problems
    with Session(get_engine(app)) as db:
        assert db.scalar(select(func.count(OutreachSubject.id))) == 0
    create(app, who, legal_basis="other", legal_basis_note="警察からの要請による")


def test_only_coordinators_see_subjects_and_every_read_is_audited(app: Flask) -> None:
    subject_id = create(app, actor(app, "coordinator"))
    for role in ("liaison", "analyst", "editor"):
        client = client_for(app, role)
        assert client.get(f"/outreach/{subject_id}").status_code in (403, 404)
        assert client.get("/outreach/").status_code in (403, 404)
    coordinator = client_for(app, "coordinator")
    page = coordinator.get(f"/outreach/{subject_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NAME in html and "生命・身体の保護のため必要" in html
    listed = coordinator.get("/outreach/").get_data(as_text=True)
    assert NAME not in listed and "P-2026-0001" in listed
    with Session(get_engine(app)) as db:
        reads = db.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "outreach.read")
        )
        assert reads == 1


def test_a_match_with_another_subject_or_a_referral_is_shown_to_coordinators(app: Flask) -> None:
    who = actor(app, "coordinator")
    first = create(app, who)
    second = create(app, who, phone="", person_name="網野　一郎")  # the same name, spaced
    liaison = actor(app, "liaison")
    with Session(get_engine(app)) as db:
        subject = db.get(OutreachSubject, second)
        assert subject is not None
        notices = match_notices(db, subject, who)
        assert [n.subject_id for n in notices] == [first]
        assert match_notices(db, subject, liaison) == []


def test_status_history_and_a_stale_form_is_refused(app: Flask) -> None:
    who = actor(app, "coordinator")
    subject_id = create(app, who)
    with Session(get_engine(app)) as db, db.begin():
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        with pytest.raises(TransitionError):
            change_status(db, subject, "connected", actor=who, expected_version=1)
        with pytest.raises(subjects.ConflictError):
            change_status(db, subject, "ended", actor=who, expected_version=99,
                          end_reason="moved")  # fmt: skip
        with pytest.raises(TransitionError):  # ending needs its reason
            change_status(db, subject, "ended", actor=who, expected_version=1)
        change_status(db, subject, "ended", actor=who, expected_version=1,
                      end_reason="moved")  # fmt: skip
        assert subject.closed_at is not None
        assert [(c.from_status, c.to_status) for c in subject.status_changes] == [
            ("received", "ended")
        ]


def test_a_planned_visit_escalates_after_the_next_business_day(app: Flask) -> None:
    who = actor(app, "coordinator")
    subject_id = create(app, who)
    with Session(get_engine(app)) as db, db.begin():
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        # Friday 2026-05-01; Monday 4 to Wednesday 6 May are public holidays: due Thursday 7 May.
        visits.add_contact(db, subject, visits.ContactInput("home_visit", date(2026, 5, 1)),
                           actor=who)  # fmt: skip
        assert subject.status == "visit_planned"
    with Session(get_engine(app)) as db:
        assert visits.overdue_contacts(db, date(2026, 5, 7)).total == 0
        late = visits.overdue_contacts(db, date(2026, 5, 8))
        assert late.total == 1 and late.items[0].due_on == date(2026, 5, 7)


def test_cards_handed_out_show_per_batch_only_above_the_minimum(app: Flask) -> None:
    who = actor(app, "coordinator")
    subject_id = create(app, who)
    with Session(get_engine(app)) as db, db.begin():
        design = get_design(db)
        assert design is not None
        small = create_batch(db, design=design, purpose="home_visit", quantity=3, actor=None)
        large = create_batch(db, design=design, purpose="home_visit", quantity=50, actor=None)
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        visits.add_contact(db, subject, visits.ContactInput(
            "home_visit", done_on=date(2026, 4, 12), result="met", batch_id=large.id, cards=2,
        ), actor=who)  # fmt: skip
        assert subject.status == "visited"
        record_handout(db, batch_id=large.id, kind="event", count=20,
                       handed_on=date(2026, 4, 13), actor=who)  # fmt: skip
        record_handout(db, batch_id=small.id, kind="counter", count=1,
                       handed_on=date(2026, 4, 13), actor=who)  # fmt: skip
        with pytest.raises(subjects.OutreachError):
            record_handout(db, batch_id=large.id, kind="event", count=0,
                           handed_on=date(2026, 4, 13), actor=who)  # fmt: skip
        shown = batch_outreach(db, large, minimum_batch=10)
        assert shown is not None
        assert (shown.printed, shown.handed_out, shown.by_kind) == (
            50,
            22,
            {"visit": 2, "event": 20},
        )
        assert batch_outreach(db, small, minimum_batch=10) is None
        large_id, small_id = large.id, small.id
    client = client_for(app, "coordinator")
    assert "配った枚数" in client.get(f"/cards/batches/{large_id}").get_data(as_text=True)
    assert "配った枚数" not in client.get(f"/cards/batches/{small_id}").get_data(as_text=True)


def test_a_subject_who_agrees_becomes_a_linked_referral(app: Flask) -> None:
    subject_id = create(app, actor(app, "coordinator"), email="ichiro@example.jp")
    client = client_for(app, "coordinator")
    url = f"/referrals/new?outreach={subject_id}"
    form = client.get(url).get_data(as_text=True)
    assert NAME in form and "P-2026-0001" in form
    assert 'id="consent_given" name="consent_given" type="checkbox" value="y">' in form
    now = datetime.now(TOKYO).strftime("%Y-%m-%dT%H:%M")
    data = {
        "received_at": now, "source_channel": "other", "person_name": NAME, "phone": PHONE,
        "email": "ichiro@example.jp", "district": "網野町", "age_band": "not_stated",
        "gender": "not_stated", "preferred_method": "not_stated", "problem_categories": "debt",
        "risk_level": "medium", "consent_given": "y", "consented_by": "self",
        "consented_at": now, "consent_method": "in_person", "share_basic": "y",
        "consent_wording": "市の担当者に連絡先を伝えてよいですか。",
        "csrf_token": csrf_token(client, url),
    }  # fmt: skip
    saved = client.post(url, data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with Session(get_engine(app)) as db:
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None and subject.status == "connected"
        referral = db.get(Referral, subject.linked_referral_id)
        assert referral is not None and referral.person_name == NAME
    case = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "プッシュ型支援から" in case and f"/outreach/{subject_id}" in case


def test_export_needs_a_reason_that_names_nobody(app: Flask) -> None:
    who = actor(app, "coordinator")
    subject_id = create(app, who)
    with Session(get_engine(app)) as db, db.begin():
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        for reason in ("", f"{NAME}さんの開示請求"):
            with pytest.raises(records.RecordsError):
                records.export_subject(db, subject, actor=who, reason=reason)
        exported = records.export_subject(db, subject, actor=who, reason="開示請求への対応")
        assert NAME in exported.body.decode("utf-8")


def test_retention_from_1_april_legal_hold_and_anonymisation(app: Flask) -> None:
    who = actor(app, "coordinator")
    ids = []
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=TOKYO), tick=False):
        for _ in range(2):
            subject_id = create(app, who, received_on=date(2026, 3, 1))
            with Session(get_engine(app)) as db, db.begin():
                subject = db.get(OutreachSubject, subject_id)
                assert subject is not None
                visits.add_contact(db, subject, visits.ContactInput(
                    "home_visit", done_on=date(2026, 3, 30), result="refused", note=KNOWN),
                    actor=who)  # fmt: skip
                version = subject.version
                change_status(
                    db, subject, "ended", actor=who, expected_version=version, end_reason="declined"
                )
            ids.append(subject_id)
    with Session(get_engine(app)) as db, db.begin():
        held = db.get(OutreachSubject, ids[1])
        assert held is not None
        records.set_legal_hold(db, held, True, actor=who, reason="訴訟のため")
        assert records.due_subjects(db, today=date(2031, 3, 31), years=5) == []
        assert records.purge(db, today=date(2031, 4, 1), years=5, actor=who)[0].subject_id == ids[0]
    with Session(get_engine(app)) as db:
        gone = db.get(OutreachSubject, ids[0])
        kept = db.get(OutreachSubject, ids[1])
        assert gone is not None and kept is not None
        assert gone.anonymised_at and gone.person_name is None and gone.known is None
        assert gone.phone_index is None and gone.name_index is None
        assert (gone.agency_kind, gone.concern, gone.district, gone.status) == (
            "welfare_volunteer", ["debt"], "網野町", "ended")  # fmt: skip
        assert [c.result for c in gone.contacts] == ["refused"] and gone.contacts[0].note is None
        assert kept.person_name == NAME and kept.anonymised_at is None


def test_a_stale_status_form_is_refused_on_the_page(app: Flask) -> None:
    subject_id = create(app, actor(app, "coordinator"))
    client = client_for(app, "coordinator")
    url = f"/outreach/{subject_id}"
    token = csrf_token(client, url)
    data = {"status": "ended", "end_reason": "moved", "version": "1", "csrf_token": token}
    assert client.post(f"{url}/status", data=data).status_code == 302
    again = client.post(f"{url}/status", data={**data, "status": "watching"})
    assert again.status_code == 409
    with Session(get_engine(app)) as db:
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None and subject.status == "ended"
        assert db.scalar(select(func.count(CardHandout.id))) == 0

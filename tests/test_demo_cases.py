"""`tsunagu demo-cases N`: synthetic cases in roughly the intended proportions, every personal
field encrypted in the raw rows, marked as synthetic, additive, refused in production, audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.commands.demo_cases import demo_cases_command
from backoffice.outreach.models import CardHandout, OutreachContact, OutreachSubject
from backoffice.referrals.casework import ContactAttempt, ReferralLink
from backoffice.referrals.models import Consent, FollowUp, Referral, StatusChange
from backoffice.statistics.demo import first_day
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from cards.models import PUBLIC_DOWNLOAD as PUBLIC
from cards.models import CardBatch, ScanCount
from core.audit import AuditEvent
from core.db import get_engine
from core.timezone import TOKYO
from tests.staff import make_staff

N = 200

# Every encrypted column the generator fills, by table (plain SQL reads the raw values).
ENCRYPTED = {
    "referral": ("person_name", "person_kana", "line_name", "wants", "summary", "end_note"),
    "referral_consent": ("agencies",),
    "referral_follow_up": ("result",),
    "referral_link": ("agency_name", "outcome"),
    "outreach_subject": ("agency_name", "person_name", "known"),
    "outreach_contact": ("note",),
}


@pytest.fixture
def app(backoffice_app: Flask, demo: Session) -> Flask:
    for role in ("coordinator", "coordinator", "liaison", "supervisor"):
        make_staff(backoffice_app, role)
    return backoffice_app


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(demo_cases_command, list(args))


def count(app: Flask, model: type) -> int:
    with Session(get_engine(app)) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_adds_n_synthetic_referrals_and_what_goes_with_them(app: Flask) -> None:
    result = run(app, str(N), "--seed", "17")
    assert result.exit_code == 0, result.output
    assert f"added {N} synthetic referrals" in result.output
    assert count(app, Referral) == N
    assert count(app, Consent) == N
    assert count(app, StatusChange) >= N  # every case that moved on has its history
    assert count(app, OutreachSubject) == N // 10
    for model in (ContactAttempt, ReferralLink, FollowUp, OutreachContact, CardHandout,
                  ScanCount, Training, TrainingParticipant, TrainingGuest):  # fmt: skip
        assert count(app, model) > 0, model.__name__
    with Session(get_engine(app)) as db:
        case = db.scalars(select(Referral).order_by(Referral.id)).first()
        assert case is not None
        assert case.pseudonym
        assert case.person_name == f"合成データ {case.id:06d}"
        assert case.case_number.startswith("S-")
        assert (case.summary or "").startswith("合成データ")
        assert all(n.startswith("S-") for n in db.scalars(select(Referral.case_number)))
        assert all(t.startswith("合成データ") for t in db.scalars(select(Training.title)))
        # The standing public-download batch (`tsunagu init`) stays; the synthetic ones say so.
        notes = list(db.scalars(select(CardBatch.note).where(CardBatch.purpose != PUBLIC)))
        assert len(notes) == 5
        assert all("合成データ" in note for note in notes)


def test_proportions_are_roughly_as_intended(app: Flask) -> None:
    assert run(app, str(N), "--seed", "17").exit_code == 0
    with Session(get_engine(app)) as db:
        cases = list(db.scalars(select(Referral)))
        withdrawn = db.scalar(select(func.count()).where(Consent.withdrawn_at.is_not(None)))
        link_targets = {
            (link.service_id is not None, link.service_id or link.agency_name)
            for link in db.scalars(select(ReferralLink))
        }
        link_results = Counter(db.scalars(select(ReferralLink.status)))
        kinds = Counter(db.scalars(select(OutreachSubject.agency_kind)))
    sources = Counter(case.source_channel for case in cases)
    ages = Counter(case.age_band for case in cases)
    assert sources["line"] > N / 2 and sources["line"] == max(sources.values())
    young = ages["under_20"] + ages["20s"] + ages["30s"]
    assert young > ages["40s"] + ages["50s"] + ages["60s"] + ages["70_plus"]
    assert ages["20s"] == max(ages.values())
    assert 0 < sum(case.urgent for case in cases) < N * 0.15
    closed = [case for case in cases if case.ended_at is not None]
    assert len(closed) > N * 0.6
    assert all(case.end_reason for case in closed)
    assert len({case.end_reason for case in closed}) >= 4
    assert 0 < (withdrawn or 0) < N * 0.1
    assert any(is_service for is_service, _ in link_targets)
    assert any(not is_service for is_service, _ in link_targets)
    assert len(link_targets) >= 5 and len(link_results) >= 3
    assert len(kinds) >= 3
    start = datetime.combine(first_day(datetime.now(UTC)), datetime.min.time(), TOKYO)
    assert all(start <= case.received_at <= datetime.now(UTC) for case in cases)
    tokyo = [case.received_at.astimezone(TOKYO) for case in cases]
    fiscal_years = {moment.year if moment.month >= 4 else moment.year - 1 for moment in tokyo}
    assert len(fiscal_years) == 3


def test_every_personal_field_is_encrypted_in_the_raw_rows(app: Flask) -> None:
    assert run(app, str(N), "--seed", "17").exit_code == 0
    with get_engine(app).connect() as connection:
        for table, columns in ENCRYPTED.items():
            for column in columns:
                values = connection.execute(
                    text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
                ).scalars()
                values = [str(value) for value in values]
                assert values, f"{table}.{column} is empty"
                for value in values:
                    assert value.startswith("v2."), f"{table}.{column}: {value[:20]}"
                    assert "合成" not in value and "ごうせい" not in value


def test_runs_are_additive(app: Flask) -> None:
    assert run(app, "50", "--seed", "1").exit_code == 0
    assert run(app, "50", "--seed", "1").exit_code == 0
    assert count(app, Referral) == 100
    assert count(app, OutreachSubject) == 10
    with Session(get_engine(app)) as db:
        names = list(db.scalars(select(Referral.person_name).order_by(Referral.id)))
    assert names[-1] == "合成データ 000100"
    assert len(set(names)) == 100
    # The services carry on after the ids given (PostgreSQL's sequences were moved past them).
    with Session(get_engine(app)) as db, db.begin():
        case = db.get(Referral, 1)
        assert case is not None
        db.add(FollowUp(referral_id=case.id, held_on=date(2026, 5, 1), result="実データ"))
        db.add(Training(held_on=date(2026, 5, 1), kind="training", organiser="npo", title="研修"))
    assert count(app, Training) > 0


def test_the_audit_trail_records_the_run(app: Flask) -> None:
    assert run(app, str(N)).exit_code == 0
    with Session(get_engine(app)) as db:
        events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "demo.cases")))
    assert len(events) == 1
    assert (events[0].actor_id, events[0].client_network) == (None, "server shell")
    assert events[0].outcome == "success"
    assert f"{N} synthetic referrals" in (events[0].reason or "")


def test_refused_in_production(app: Flask) -> None:
    settings = app.config["TSUNAGU_SETTINGS"]
    app.config["TSUNAGU_SETTINGS"] = replace(settings, env="production")
    try:
        result = run(app, str(N))
    finally:
        app.config["TSUNAGU_SETTINGS"] = settings
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert count(app, Referral) == 0
    assert count(app, OutreachSubject) == 0
    with Session(get_engine(app)) as db:
        assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "demo.cases")) is None


def test_needs_a_staff_account(backoffice_app: Flask, demo: Session) -> None:
    result = run(backoffice_app, "10")
    assert result.exit_code != 0
    assert "no staff account" in result.output
    assert count(backoffice_app, Referral) == 0

"""The `outreach` commands: closed subjects anonymised after the profile's years from 1 April
after closure (a dry run first), legal hold and its release from the server shell."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.commands.outreach import outreach_group
from backoffice.outreach import subjects, visits
from backoffice.outreach.models import OutreachSubject
from backoffice.outreach.status import change_status
from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from core.db import get_engine
from core.timezone import TOKYO
from tests.referrals import DISTRICTS
from tests.staff import load_user, make_staff

NAME, NOTE = "網野 一郎", "玄関先で話した。借金のことを気にしていた"


@pytest.fixture
def app(backoffice_app: Flask, demo: Session) -> Flask:
    return backoffice_app


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(outreach_group, list(args))


def closed_subject(app: Flask, ended_at: datetime) -> tuple[int, str]:
    """A subject with a home visit done, ended at ``ended_at``; (id, number)."""
    who = Actor.of(load_user(app, make_staff(app, "coordinator").id))
    values = subjects.SubjectInput(
        received_on=ended_at.date(), agency_kind="welfare_volunteer", legal_basis="life_body",
        agency_name="網野地区民生委員", concern=["debt"], district="網野町", person_name=NAME,
        phone="0772-11-2233", known="ひとり暮らしで、最近姿を見ない",
    )  # fmt: skip
    contact = visits.ContactInput(
        "home_visit", done_on=ended_at.date(), result="refused", note=NOTE
    )
    with (
        time_machine.travel(ended_at, tick=False),
        Session(get_engine(app)) as db,
        db.begin(),
    ):
        subject = subjects.create_subject(
            db, values, actor=who, districts=DISTRICTS, organizations=set()
        )
        visits.add_contact(db, subject, contact, actor=who)
        change_status(
            db, subject, "ended", actor=who, expected_version=subject.version,
            end_reason="declined",
        )  # fmt: skip
        return subject.id, subject.subject_number


def load(app: Flask, subject_id: int) -> OutreachSubject:
    with Session(get_engine(app), expire_on_commit=False) as db:
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None
        _ = subject.contacts
        return subject


def events(app: Flask, action: str) -> list[AuditEvent]:
    with Session(get_engine(app)) as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def tokyo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)  # type: ignore[misc]


def test_dry_run_lists_the_subjects_due_and_changes_nothing(app: Flask) -> None:
    subject_id, number = closed_subject(app, tokyo(2026, 3, 31, 15))
    before = load(app, subject_id)
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        early = run(app, "purge", "--dry-run")  # 2031-04-01 is the purge date: due
    with time_machine.travel(tokyo(2031, 3, 31, 9), tick=False):
        too_early = run(app, "purge", "--dry-run")

    assert early.exit_code == 0, early.output
    assert [number, "2026-03-31", "2031-04-01"] in [
        line.split() for line in early.output.splitlines()
    ]
    assert "dry run: 1 subject(s) would be anonymised" in early.output
    assert number not in too_early.output and "0 subject(s) would be" in too_early.output
    after = load(app, subject_id)
    assert after.anonymised_at is None and after.person_name == NAME
    assert after.version == before.version
    assert events(app, "outreach.anonymise") == []


def test_purge_anonymises_only_the_subjects_past_retention_and_audits_each(app: Flask) -> None:
    gone, _ = closed_subject(app, tokyo(2026, 3, 31, 10))
    kept, _ = closed_subject(app, tokyo(2026, 4, 1, 10))  # its retention starts 1 April 2027
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        result = run(app, "purge")

    assert result.exit_code == 0, result.output
    assert "anonymised 1 subject(s)" in result.output
    anonymised = events(app, "outreach.anonymise")
    assert [e.object_id for e in anonymised] == [str(gone)]
    assert anonymised[0].actor_id is None and "retention 5y" in (anonymised[0].reason or "")
    after = load(app, gone)
    assert after.anonymised_at is not None and after.person_name is None
    assert after.phone_index is None and after.contacts[0].note is None
    assert (after.status, after.district, after.contacts[0].result) == (
        "ended",
        "網野町",
        "refused",
    )
    assert load(app, kept).person_name == NAME and load(app, kept).contacts[0].note == NOTE


def test_legal_hold_from_the_shell_keeps_a_subject_until_released(app: Flask) -> None:
    subject_id, number = closed_subject(app, tokyo(2024, 5, 1, 10))

    held = run(app, "hold", number, "--reason", "訴訟対応のため")
    again = run(app, "hold", number, "--reason", "訴訟対応のため")
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        listed = run(app, "purge", "--dry-run")
        purged = run(app, "purge")
        assert load(app, subject_id).anonymised_at is None
        released = run(app, "release", number, "--reason", "訴訟が終わった")
        purged_again = run(app, "purge")

    assert held.exit_code == 0 and f"{number}: on legal hold" in held.output
    assert f"{number}: already on legal hold" in again.output
    assert "legal hold: kept" in listed.output and "0 subject(s) would be" in listed.output
    assert "anonymised 0 subject(s)" in purged.output
    assert released.exit_code == 0 and f"{number}: released" in released.output
    assert "anonymised 1 subject(s)" in purged_again.output
    assert load(app, subject_id).anonymised_at is not None
    holds = events(app, "outreach.legal_hold")
    assert [(e.reason, e.actor_id) for e in holds] == [("訴訟対応のため", None)]
    assert [e.reason for e in events(app, "outreach.legal_hold.release")] == ["訴訟が終わった"]


def test_hold_needs_a_known_subject_and_a_reason_that_names_nobody(app: Flask) -> None:
    subject_id, number = closed_subject(app, tokyo(2024, 5, 1, 10))

    unknown = run(app, "hold", "P-1999-0001", "--reason", "訴訟対応のため")
    assert unknown.exit_code != 0 and "no outreach subject numbered" in unknown.output
    assert run(app, "hold", number).exit_code != 0
    assert run(app, "hold", number, "--reason", "  ").exit_code != 0
    naming = run(app, "hold", number, "--reason", f"{NAME}さんの訴訟")
    assert naming.exit_code != 0 and "名前や連絡先" in naming.output
    assert load(app, subject_id).legal_hold is False
    assert events(app, "outreach.legal_hold") == []


def test_an_anonymised_subject_cannot_be_held(app: Flask) -> None:
    _, number = closed_subject(app, tokyo(2024, 5, 1, 10))
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        assert run(app, "purge").exit_code == 0
    refused = run(app, "hold", number, "--reason", "訴訟対応のため")
    assert refused.exit_code != 0 and "匿名化" in refused.output


def test_the_purge_date_counts_from_the_tokyo_date(app: Flask) -> None:
    # 2026-04-01 00:10 in Tokyo is still 31 March in UTC: the Tokyo date decides.
    _, april = closed_subject(app, tokyo(2026, 4, 1, 0, 10))
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        listed = run(app, "purge", "--dry-run")
    assert april not in listed.output
    assert date(2026, 4, 1).isoformat() not in listed.output

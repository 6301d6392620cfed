"""Retention: closed cases anonymised after the profile's years from 1 April after closure;
legal hold; the `records` commands."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.commands.records import records_group
from backoffice.referrals import records, retention
from backoffice.referrals.casework import ProgressNote
from backoffice.referrals.guard import AnonymisedCaseError
from backoffice.referrals.models import Referral
from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from core.db import Base, get_engine
from core.rotation import encrypted_columns
from core.timezone import TOKYO
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import csrf_token, make_staff, sign_in
from tests.test_referrals_records import SECRET, add_casework

OTHER_NAME = "網野 太郎"


@pytest.fixture
def app(backoffice_app: Flask) -> Flask:
    return backoffice_app


def tokyo(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO)  # type: ignore[misc]


def closed_case(app: Flask, ended_at: datetime, **changes: str) -> int:
    """A case with a row of every kind, whose support ended at ``ended_at``."""
    staff = make_staff(app, "coordinator")
    with time_machine.travel(ended_at, tick=False):
        referral_id = make_referral(app, staff.id, **changes)
        add_casework(app, referral_id, staff.id, changes.get("wants", SECRET))
    return referral_id


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(records_group, list(args))


def load(app: Flask, referral_id: int) -> Referral:
    with Session(get_engine(app), expire_on_commit=False) as session:
        referral = session.get(Referral, referral_id)
        assert referral is not None
        _ = referral.consent
        return referral


def events(app: Flask, action: str) -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize(
    ("closed_on", "starts", "purged"),
    [
        (date(2026, 3, 31), date(2026, 4, 1), date(2031, 4, 1)),
        (date(2026, 4, 1), date(2027, 4, 1), date(2032, 4, 1)),
        (date(2026, 12, 31), date(2027, 4, 1), date(2032, 4, 1)),
        (date(2027, 1, 1), date(2027, 4, 1), date(2032, 4, 1)),
    ],
)
def test_retention_counts_from_1_april_after_closure(
    closed_on: date, starts: date, purged: date
) -> None:
    assert retention.retention_start(closed_on) == starts
    assert retention.purge_date(closed_on, 5) == purged


def test_fiscal_year_boundary_uses_tokyo_dates(app: Flask) -> None:
    # 2026-04-01 00:10 in Tokyo is still 31 March in UTC: it is the Tokyo date that counts.
    march = closed_case(app, tokyo(2026, 3, 31, 23, 30))
    april = closed_case(app, tokyo(2026, 4, 1, 0, 10))

    def due_on(day: date) -> list[int]:
        with Session(get_engine(app)) as session:
            return [c.referral_id for c in retention.due_cases(session, today=day, years=5)]

    assert due_on(date(2031, 3, 31)) == []
    assert due_on(date(2031, 4, 1)) == [march]
    assert due_on(date(2032, 3, 31)) == [march]
    assert due_on(date(2032, 4, 1)) == [march, april]


def test_open_cases_are_never_due(app: Flask) -> None:
    staff = make_staff(app, "coordinator")
    with time_machine.travel(tokyo(2020, 5, 1, 10), tick=False):
        make_referral(app, staff.id)

    with Session(get_engine(app)) as session:
        assert retention.due_cases(session, today=date(2040, 4, 1), years=5) == []


def raw_rows(session: Session) -> str:
    """Every row of every table as the database returns it, as one string."""
    return " ".join(
        str(row)
        for table in Base.metadata.sorted_tables
        for row in session.execute(text(f'SELECT * FROM "{table.name}"'))  # noqa: S608
    )


def decrypted_values(session: Session) -> str:
    """Every encrypted value left in the database, decrypted, as one string."""
    values = []
    for table, name in encrypted_columns(Base.metadata):
        column = table.c[name]  # selected with its row's key, so read decrypted
        values += [
            str(value) for value in session.scalars(select(column).where(column.is_not(None)))
        ]
    return " ".join(values)


def test_dry_run_lists_the_cases_and_changes_nothing(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2026, 3, 31, 15))
    before = load(app, referral_id)
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        result = run(app, "purge", "--dry-run")

    assert result.exit_code == 0, result.output
    assert [before.case_number, "2026-03-31", "2031-04-01"] in [
        line.split() for line in result.output.splitlines()
    ]
    assert "1 case(s) would be anonymised" in result.output
    after = load(app, referral_id)
    assert after.anonymised_at is None and after.person_name == PERSON_NAME
    assert after.version == before.version
    assert events(app, "referral.anonymise") == []


def test_purge_anonymises_and_audits_each_case(app: Flask) -> None:
    first = closed_case(app, tokyo(2025, 6, 1, 10))
    second = closed_case(app, tokyo(2026, 3, 31, 10))
    kept = closed_case(app, tokyo(2026, 4, 1, 10))
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        result = run(app, "purge")

    assert result.exit_code == 0, result.output
    assert "anonymised 2 case(s)" in result.output
    assert {e.object_id for e in events(app, "referral.anonymise")} == {str(first), str(second)}
    assert all(e.actor_id is None and e.reason for e in events(app, "referral.anonymise"))
    assert load(app, first).anonymised_at is not None
    assert load(app, kept).anonymised_at is None and load(app, kept).person_name == PERSON_NAME


def test_anonymised_case_keeps_only_what_statistics_need(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))
    before = load(app, referral_id)
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        assert run(app, "purge").exit_code == 0

    after = load(app, referral_id)
    for kept in ("received_at", "source_channel", "status", "risk_level", "urgent",
                 "problem_categories", "age_band", "gender", "district", "ended_at",
                 "end_reason", "case_number"):  # fmt: skip
        assert getattr(after, kept) == getattr(before, kept), kept
    for cleared in ("person_name", "person_kana", "phone", "wants", "summary", "assessment",
                    "end_note", "phone_index"):  # fmt: skip
        assert getattr(after, cleared) is None, cleared
    assert after.consent.withdrawal_note is None and after.consent.wording == ""
    assert after.consent.withdrawn_at == before.consent.withdrawn_at
    with Session(get_engine(app)) as session:
        notes = session.scalars(select(ProgressNote).where(ProgressNote.referral_id == referral_id))
        assert [(n.body, n.written_at is not None) for n in notes] == [(None, True)]


def test_raw_database_holds_nothing_of_the_anonymised_case(app: Flask) -> None:
    gone = closed_case(
        app, tokyo(2024, 5, 1, 10), person_name=PERSON_NAME, wants=SECRET,
        consent_wording=f"{PERSON_NAME}さん、市の担当者に伝えてよいですか。",  # a plain column
    )  # fmt: skip
    kept = closed_case(
        app, tokyo(2030, 5, 1, 10), person_name=OTHER_NAME, person_kana="あみの たろう",
        phone="080-9999-0000", wants="残す記録", summary="別の相談。",
    )  # fmt: skip
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        assert run(app, "purge").exit_code == 0

    with Session(get_engine(app)) as session:
        raw, opened = raw_rows(session), decrypted_values(session)
    for secret in (PERSON_NAME, SECRET, "090-1234-5678", "たんご はなこ", "返済に困って"):
        assert secret not in raw
        assert secret not in opened
    assert OTHER_NAME in opened and "残す記録" in opened  # the check does look at the data
    assert load(app, gone).anonymised_at is not None and load(app, kept).anonymised_at is None


def test_legal_hold_is_respected_until_released(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))
    number = load(app, referral_id).case_number

    held = run(app, "hold", number, "--reason", "訴訟対応のため")
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        listed = run(app, "purge", "--dry-run")
        purged = run(app, "purge")
        assert load(app, referral_id).anonymised_at is None
        released = run(app, "release", number, "--reason", "訴訟が終わった")
        purged_again = run(app, "purge")

    assert held.exit_code == 0 and f"{number}: on legal hold" in held.output
    assert "legal hold: kept" in listed.output and "0 case(s) would be" in listed.output
    assert "anonymised 0 case(s)" in purged.output
    assert released.exit_code == 0 and "anonymised 1 case(s)" in purged_again.output
    assert load(app, referral_id).anonymised_at is not None
    assert [e.reason for e in events(app, "referral.legal_hold")] == ["訴訟対応のため"]
    assert [e.reason for e in events(app, "referral.legal_hold.release")] == ["訴訟が終わった"]


def test_hold_needs_a_known_case_and_a_reason(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))
    number = load(app, referral_id).case_number

    assert run(app, "hold", "R-1999-0001", "--reason", "x").exit_code != 0
    assert run(app, "hold", number).exit_code != 0
    assert run(app, "hold", number, "--reason", "  ").exit_code != 0
    assert load(app, referral_id).legal_hold is False


def test_supervisor_puts_a_case_on_legal_hold_with_a_reason(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))
    client = app.test_client()
    assert sign_in(client, make_staff(app, "supervisor")).status_code == 302
    url = f"/referrals/{referral_id}/legal-hold"
    token = csrf_token(client, f"/referrals/{referral_id}/export")

    refused = client.post(url, data={"csrf_token": token, "legal_hold-state": "1"})
    assert load(app, referral_id).legal_hold is False
    held = client.post(
        url, data={"csrf_token": token, "legal_hold-state": "1", "legal_hold-reason": "開示請求"}
    )
    assert refused.status_code == held.status_code == 302
    assert load(app, referral_id).legal_hold is True
    assert [e.reason for e in events(app, "referral.legal_hold")] == ["開示請求"]


def test_only_a_supervisor_may_change_legal_hold(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))
    client = app.test_client()
    assert sign_in(client, make_staff(app, "coordinator")).status_code == 302
    token = csrf_token(client, f"/referrals/{referral_id}/export")

    response = client.post(
        f"/referrals/{referral_id}/legal-hold",
        data={"csrf_token": token, "legal_hold-state": "1", "legal_hold-reason": "x"},
    )

    assert response.status_code == 403
    assert load(app, referral_id).legal_hold is False


def test_anonymised_case_counts_stay_the_same(app: Flask) -> None:
    referral_id = closed_case(app, tokyo(2024, 5, 1, 10))

    def count_notes() -> int:
        with Session(get_engine(app)) as session:
            statement = select(func.count()).where(ProgressNote.referral_id == referral_id)
            return session.scalar(statement) or 0

    before = count_notes()
    with time_machine.travel(tokyo(2031, 4, 1, 9), tick=False):
        run(app, "purge")
    assert count_notes() == before == 1


def test_an_anonymised_case_can_never_be_changed_again(app: Flask, session: Session) -> None:
    staff = make_staff(app, "coordinator")
    referral_id = make_referral(app, staff.id)
    with app.app_context():
        referral = session.get(Referral, referral_id)
        assert referral is not None
        records.anonymise_referral(session, referral, actor=Actor(None), reason="test")
        session.commit()
    client = app.test_client()
    sign_in(client, staff)
    url = f"/referrals/{referral_id}"

    note = client.post(url + "/notes", data={"body": "戻ってきた個人情報",
                                             "csrf_token": csrf_token(client, url)})  # fmt: skip
    with app.app_context(), pytest.raises(AnonymisedCaseError):
        referral = session.get(Referral, referral_id)
        assert referral is not None
        referral.person_name = "戻ってきた名前"
        session.flush()
    session.rollback()

    assert note.status_code == 409
    assert "匿名化されているため" in note.get_data(as_text=True)
    session.expire_all()
    stored = session.get(Referral, referral_id)
    assert stored is not None and stored.person_name is None

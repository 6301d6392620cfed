"""支援会議 in the figures, the page and the annual report, counted by hand; and `stats rebuild`."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.commands.stats import rebuild_command
from backoffice.referrals.casework import MeetingParticipant, SupportMeeting
from backoffice.referrals.models import Referral
from backoffice.referrals.records.anonymise import anonymise_referral
from backoffice.staff.actor import Actor
from backoffice.statistics.exports import prepare
from backoffice.statistics.figures import all_tables
from backoffice.statistics.figures_referrals import reference_tables
from backoffice.statistics.periods import Period
from backoffice.statistics.report import report_xlsx
from backoffice.statistics.tables import Table
from core.db import get_engine
from core.timezone import TOKYO
from directory.models import Organization
from tests.referrals import DISTRICTS, make_referral
from tests.staff import load_user, make_staff, signed_in_client

FY = 2025
TYPED = ("丹後 花子さん", "R-2025-0001")


def jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def meetings_app(backoffice_app: Flask) -> tuple[Flask, int, int]:
    """Five meetings of three cases: four in 令和7年度 (June 2, July 2), one the year before."""
    app = backoffice_app
    staff = make_staff(app, "coordinator")
    liaison = make_staff(app, "liaison")
    a, b, c = (make_referral(app, staff.id, received_at=jst(2025, 3, day, 10),
                             consented_at=jst(2025, 3, day, 10)) for day in (1, 2, 3))  # fmt: skip
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        db.add(Organization(id="org-m", name="京丹後市社会福祉協議会"))
        rows = [
            (a, date(2025, 6, 10), ["org-m", TYPED[0]], True),  # 一覧, 名前, 支援員
            (a, date(2025, 6, 20), [], False),  # staff only
            (b, date(2025, 7, 1), ["org-m"], False),  # 一覧 (until case b is anonymised)
            (c, date(2025, 3, 15), ["org-m"], False),  # the year before
            (c, date(2025, 7, 15), [TYPED[1]], True),  # 名前, 支援員
        ]
        for case_id, held_on, agencies, with_liaison in rows:
            meeting = SupportMeeting(referral_id=case_id, held_on=held_on, agencies=agencies,
                                     agenda="今後の支援", recorded_by_id=staff.id)  # fmt: skip
            db.add(meeting)
            db.flush()
            if with_liaison:
                db.add(MeetingParticipant(meeting_id=meeting.id, staff_user_id=liaison.id))
    return app, b, staff.id


def meeting_tables(app: Flask) -> dict[str, Table]:
    period = Period.fiscal_year(FY)
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        summed = {t.key: t for t in all_tables(db, period, districts=DISTRICTS)}
        reference = {t.key: t for t in reference_tables(db, period, DISTRICTS)}
    for key, table in reference.items():
        assert summed[key] == table, key
    return summed


def column(table: Table) -> dict[str, int | None]:
    return {row: cells[0] for row, cells in zip(table.rows, table.cells, strict=True)}


def test_meetings_count_by_month_and_by_who_took_part(meetings_app: tuple[Flask, int, int]) -> None:
    app, anonymised, staff_id = meetings_app
    tables = meeting_tables(app)
    months = column(tables["referrals.meetings"])
    assert (months["2025年4月"], months["2025年6月"], months["2025年7月"]) == (0, 2, 2)
    assert (
        tables["referrals.meetings"].grand_total == 4
    )  # the March 2025 meeting is the year before
    kinds = column(tables["referrals.meeting_participants"])
    assert kinds == {
        "つなぎ支援員（NPO）が参加": 2,
        "支援機関一覧の機関が参加": 2,
        "名前で記録した機関が参加": 2,
        "関係機関の参加なし（職員のみ）": 1,
        "参加機関の記録なし（匿名化した案件）": 0,
    }
    labels = [label for t in tables.values() for label in (*t.rows, *t.columns)]
    assert not [label for label in labels for name in (*TYPED, "社会福祉協議会") if name in label]
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        case = db.get(Referral, anonymised)
        assert case is not None
        anonymise_referral(db, case, actor=Actor.of(load_user(app, staff_id)), reason="保存期間")
    after = meeting_tables(app)  # the totals of the meeting's day were marked and recomputed
    assert after["referrals.meetings"].grand_total == 4  # an anonymised case's meeting still counts
    kinds = column(after["referrals.meeting_participants"])
    assert kinds["支援機関一覧の機関が参加"] == 1
    assert kinds["参加機関の記録なし（匿名化した案件）"] == 1


def test_the_page_and_the_report_have_the_meetings(meetings_app: tuple[Flask, int, int]) -> None:
    app = meetings_app[0]
    client = signed_in_client(app, "analyst")
    html = client.get(f"/statistics/referrals?kind=fiscal_year&year={FY}").get_data(as_text=True)
    assert "<caption>支援会議の開催（月別）" in html and "<caption>支援会議の参加" in html
    assert not [name for name in TYPED if name in html]
    with app.app_context(), Session(get_engine(app)) as db:
        tables = all_tables(db, Period.fiscal_year(FY), districts=DISTRICTS)
    made = report_xlsx(prepare(tables, Period.fiscal_year(FY), publication=False, threshold=5))
    book = openpyxl.load_workbook(io.BytesIO(made.content))
    column_a = [row[0] for row in book["報告"].iter_rows(values_only=True) if row[0]]
    start, end = column_a.index("2　支援会議"), column_a.index("3　フォローアップ")
    section = column_a[start:end]
    assert "支援会議の開催（月別）（単位：回）" in section
    assert "支援会議の参加（参加者の種類別・会議数）（単位：回）" in section
    assert "この期間の集計はありません。" not in section


def test_stats_rebuild_computes_every_day_again(meetings_app: tuple[Flask, int, int]) -> None:
    app = meetings_app[0]
    meeting_tables(app)  # computed once
    result = app.test_cli_runner().invoke(rebuild_command, [])
    assert result.exit_code == 0, result.output
    assert "daily totals of" in result.output
    assert meeting_tables(app)["referrals.meetings"].grand_total == 4

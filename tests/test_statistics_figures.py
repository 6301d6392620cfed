"""Each figure against counts worked out by hand from a few records made through the services
(and rows a service would write), on SQLite and PostgreSQL; anonymised cases still count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.outreach.models import CardHandout, OutreachContact, OutreachSubject
from backoffice.referrals.casework import ReferralLink
from backoffice.referrals.models import FollowUp, Referral, StatusChange
from backoffice.referrals.records.anonymise import anonymise_referral
from backoffice.staff.actor import Actor
from backoffice.statistics.figures import AREAS, all_tables, area_tables
from backoffice.statistics.periods import (
    Period,
    PeriodError,
    era_year,
    wareki_date,
    wareki_fiscal_year,
)
from backoffice.statistics.tables import Table
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from cards.models import CardBatch, SavedDesign, ScanCount
from core.db import get_engine
from core.timezone import TOKYO
from directory.models import Organization, Service
from tests.outreach import make_subject
from tests.referrals import DISTRICTS, make_referral
from tests.staff import load_user, make_staff

FY = 2025  # 令和7年度: 2025-04-01 to 2026-03-31, in the past on every day these tests run


def jst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TOKYO).astimezone(UTC)  # type: ignore[misc]


# ---- periods ----------------------------------------------------------------------------------


def test_eras_and_labels() -> None:
    assert era_year(date(2019, 4, 30)) == ("平成", 31)
    assert era_year(date(2019, 5, 1)) == ("令和", 1)
    assert wareki_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_date(date(1989, 1, 8)) == "平成元年1月8日"
    assert wareki_fiscal_year(2019) == "平成31年度"  # named by its first day, 1 April 2019
    assert wareki_fiscal_year(2020) == "令和2年度"
    assert wareki_fiscal_year(2026) == "令和8年度"
    assert Period.fiscal_year(2026).label == "令和8年度（2026年4月〜2027年3月）"
    assert Period.month(2026, 5).label == "令和8年度（2026年5月）"
    assert Period.month(2027, 2).label == "令和8年度（2027年2月）"
    ranged = Period.between(date(2026, 3, 20), date(2026, 4, 2))
    assert ranged.label == "令和7年度〜令和8年度（2026年3月20日〜2026年4月2日）"
    assert ranged.end == date(2026, 4, 3) and ranged.months == ((2026, 3), (2026, 4))


def test_periods_refuse_what_cannot_be() -> None:
    with pytest.raises(PeriodError):
        Period.month(2026, 13)
    with pytest.raises(PeriodError):
        Period.between(date(2026, 5, 2), date(2026, 5, 1))
    with pytest.raises(PeriodError):
        Period.between(date(2020, 1, 1), date(2026, 1, 1))
    with pytest.raises(PeriodError):
        Period.fiscal_year(1980)
    december = Period.month(2026, 12)
    assert (december.start, december.end) == (date(2026, 12, 1), date(2027, 1, 1))
    # The first moment is midnight in Japan: 15:00 UTC the day before.
    assert Period.fiscal_year(2026).start_utc == datetime(2026, 3, 31, 15, tzinfo=UTC)


# ---- fixtures, counted by hand ----------------------------------------------------------------


def case(app: Flask, creator_id: int, received: datetime, **changes: Any) -> int:
    return make_referral(app, creator_id, received_at=received, consented_at=received, **changes)


def link(referral_id: int, on: date, status: str, **agency: str) -> ReferralLink:
    return ReferralLink(referral_id=referral_id, linked_on=on, status=status, **agency)


def contact(subject_id: int, kind: str, **when: Any) -> OutreachContact:
    return OutreachContact(subject_id=subject_id, kind=kind, **when)


@pytest.fixture
def figures_app(backoffice_app: Flask) -> Flask:
    """Four cases in 令和7年度 (one anonymised) and one just before; outreach subjects,
    contacts, card batches with hand-outs and scans, trainings with participants."""
    app = backoffice_app
    staff = make_staff(app, "coordinator")
    first = case(app, staff.id, jst(2025, 4, 1, 0, 30), source_channel="line", age_band="30s",
                 gender="female", district="峰山町", problem_categories=["debt", "work"],
                 risk_level="high")  # fmt: skip
    second = case(app, staff.id, jst(2025, 5, 10, 10), source_channel="phone", age_band="20s",
                  gender="male", district="網野町", problem_categories=["debt"],
                  risk_level="low", urgent=True)  # fmt: skip
    third = case(app, staff.id, jst(2026, 3, 31, 23, 30), source_channel="line", age_band="40s",
                 gender="not_stated", district="大宮町", problem_categories=["work"],
                 risk_level="medium")  # fmt: skip
    case(app, staff.id, jst(2025, 3, 31, 23), source_channel="chat")  # the year before
    fourth = case(app, staff.id, jst(2025, 6, 1, 9), source_channel="chat", age_band="30s",
                  gender="female", district="峰山町", problem_categories=["hikikomori"],
                  risk_level="high")  # fmt: skip
    subjects = [make_subject(app, staff.id) for _ in range(3)]
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        cases = {
            n: db.get(Referral, i) for n, i in ((1, first), (2, second), (3, third), (4, fourth))
        }
        for n, ack, reached in ((1, 60, 120), (2, 30, 600), (3, 90, None)):
            row = cases[n]
            assert row is not None
            row.acknowledged_at = row.received_at + timedelta(minutes=ack)
            if reached is not None:
                row.first_contact_at = row.received_at + timedelta(minutes=reached)
        for case_id, steps in (
            (first, ("received", "first_contact", "arranging")),
            (second, ("received", "first_contact", "supporting", "ended")),
        ):
            for before, after in pairwise(steps):
                db.add(StatusChange(referral_id=case_id, from_status=before, to_status=after,
                                    changed_at=jst(2025, 7, 1)))  # fmt: skip
        cases[2].status, cases[2].end_reason = "ended", "resolved"  # type: ignore[union-attr]
        cases[2].ended_at = jst(2025, 8, 1, 12)  # type: ignore[union-attr]
        db.add(FollowUp(referral_id=second, held_on=date(2025, 9, 5), result="元気に過ごしている"))
        db.add(FollowUp(referral_id=second, held_on=date(2025, 11, 5), result="変わりなし"))
        cases[3].consent.withdrawn_at = jst(2025, 10, 10, 9)  # type: ignore[union-attr]
        db.add(Organization(id="org-1", name="京丹後市社会福祉協議会"))
        db.add(Service(id="svc-1", organization_id="org-1", name="家計相談", area="municipality"))
        db.flush()
        db.add_all([
            link(first, date(2025, 5, 1), "connected", agency_name="家計改善支援窓口"),
            link(second, date(2025, 4, 20), "proposed", service_id="svc-1"),
            link(second, date(2025, 6, 20), "connected", service_id="svc-1"),
            link(first, date(2025, 3, 1), "ended", agency_name="昔の窓口"),
        ])  # fmt: skip
        # Outreach: three subjects told on 2025-04-10 (the helper's date is 2026: moved here).
        rows = [db.get(OutreachSubject, i) for i in subjects]
        for row in rows:
            row.received_on = date(2025, 4, 10)  # type: ignore[union-attr]
        rows[1].agency_kind, rows[1].concern = "school", ["debt", "work"]  # type: ignore[union-attr]
        rows[1].status, rows[1].closed_at = "connected", jst(2025, 7, 1)  # type: ignore[union-attr]
        rows[2].status, rows[2].end_reason = "ended", "moved"  # type: ignore[union-attr]
        rows[2].closed_at = jst(2025, 8, 1)  # type: ignore[union-attr]
        db.add_all([
            contact(subjects[0], "home_visit", done_on=date(2025, 5, 1), result="met"),
            contact(subjects[0], "home_visit", done_on=date(2025, 5, 8), result="absent"),
            contact(subjects[1], "phone", done_on=date(2025, 6, 1), result="met"),
            contact(subjects[2], "phone", planned_on=date(2025, 6, 1)),
        ])  # fmt: skip
        design = SavedDesign(name="統計テスト", fields={})
        db.add(design)
        db.flush()
        visit = CardBatch(code="HV01", design_id=design.id, purpose="home_visit", quantity=100,
                          printed_at=jst(2025, 4, 5))  # fmt: skip
        school = CardBatch(code="SC01", design_id=design.id, purpose="school", quantity=50,
                           printed_at=jst(2024, 12, 1))  # fmt: skip
        db.add_all([visit, school])
        db.flush()
        db.add_all([
            CardHandout(batch_id=visit.id, kind="visit", count=30, handed_on=date(2025, 5, 1)),
            CardHandout(batch_id=school.id, kind="partner", count=20, handed_on=date(2025, 6, 1)),
            ScanCount(batch_id=visit.id, day=date(2025, 5, 2), count=3),
            ScanCount(batch_id=school.id, day=date(2025, 6, 2), count=5),
            ScanCount(batch_id=visit.id, day=date(2025, 3, 30), count=7),
        ])  # fmt: skip
        held = Training(
            held_on=date(2025, 6, 1), kind="training", organiser="npo", title="傾聴研修"
        )
        met = Training(
            held_on=date(2025, 7, 1), kind="exchange", organiser="joint", title="情報交換会"
        )
        old = Training(held_on=date(2025, 3, 1), kind="training", organiser="city", title="前年度")
        db.add_all([held, met, old])
        db.flush()
        db.add_all([
            TrainingParticipant(training_id=held.id, staff_user_id=staff.id),
            TrainingGuest(training_id=held.id, organisation="社会福祉協議会", count=3),
            TrainingGuest(training_id=held.id, organisation="保健センター", count=2),
            TrainingGuest(training_id=met.id, organisation="社会福祉協議会", count=4),
            TrainingGuest(training_id=old.id, organisation="社会福祉協議会", count=9),
        ])  # fmt: skip
    with app.app_context(), Session(get_engine(app)) as db, db.begin():
        anonymised = db.get(Referral, fourth)
        assert anonymised is not None
        anonymise_referral(
            db, anonymised, actor=Actor.of(load_user(app, staff.id)), reason="保存期間の経過"
        )
    return app


def tables_for(app: Flask, period: Period) -> dict[str, Table]:
    with app.app_context(), Session(get_engine(app)) as db:
        return {t.key: t for t in all_tables(db, period, districts=DISTRICTS)}


def column(table: Table, index: int = 0) -> dict[str, int | None]:
    return {row: cells[index] for row, cells in zip(table.rows, table.cells, strict=True)}


def test_referral_figures_count_by_hand(figures_app: Flask) -> None:
    tables = tables_for(figures_app, Period.fiscal_year(FY))
    by_month = tables["referrals.by_month"]
    assert by_month.rows[0] == "2025年4月" and by_month.rows[-1] == "2026年3月"
    assert by_month.columns == ("LINE", "チャット", "電話", "その他")
    assert by_month.cells[0] == (1, 0, 0, 0)  # 00:30 on 1 April in Japan, 31 March in UTC
    assert by_month.cells[1] == (0, 0, 1, 0)
    assert by_month.cells[2] == (0, 1, 0, 0)  # the anonymised case still counts
    assert by_month.cells[11] == (1, 0, 0, 0)  # 23:30 on 31 March in Japan
    assert by_month.grand_total == 4 and by_month.column_totals == (2, 1, 1, 0)
    assert column(tables["referrals.by_fiscal_year"]) == {"令和7年度（2025年度）": 4}
    assert column(tables["referrals.by_channel"]) == {
        "LINE": 2,
        "チャット": 1,
        "電話": 1,
        "その他": 0,
    }
    ages = column(tables["referrals.by_age_band"])
    assert (ages["20代"], ages["30代"], ages["40代"], ages["60代"]) == (1, 2, 1, 0)
    genders = column(tables["referrals.by_gender"])
    assert genders == {"女性": 2, "男性": 1, "その他": 0, "答えない・不明": 1}
    districts = column(tables["referrals.by_district"])
    assert districts["峰山町"] == 2 and districts["網野町"] == 1 and districts["大宮町"] == 1
    assert districts["久美浜町"] == 0 and districts["未記入"] == 0
    categories = column(tables["referrals.by_category"])
    assert (categories["借金・お金"], categories["仕事・失業"], categories["ひきこもり"]) == (
        2,
        2,
        1,
    )
    assert tables["referrals.by_category"].grand_total == 5  # a case counts in each category
    assert column(tables["referrals.by_risk"]) == {"高い": 2, "中くらい": 1, "低い": 1}
    assert column(tables["referrals.by_urgency"]) == {"緊急": 1, "緊急でない": 3}
    flow = column(tables["referrals.status_flow"])
    assert (flow["受付"], flow["初回連絡"], flow["支援調整中"], flow["支援中"]) == (4, 2, 1, 1)
    assert (flow["支援終了"], flow["フォローアップ完了"]) == (1, 0)
    times = tables["referrals.response_times"]
    # Acknowledged after 30, 60 and 90 minutes; first contact after 120 and 600 minutes.
    assert times.cells == ((60, 84), (360, 552))
    assert times.notes[:2] == ("受け取り確認まで: 3件について計算", "初回連絡まで: 2件について計算")
    links = tables["referrals.link_outcomes"]
    assert links.rows[0] == "市内の機関" and links.rows[-1] == "名前で記録した機関"
    assert links.columns[:2] == ("提案中", "つながった")
    assert links.cells[0][:2] == (1, 1) and links.cells[-1][:2] == (0, 1)
    assert links.grand_total == 3  # the link of February 2025 is the year before
    reasons = column(tables["referrals.end_reasons"])
    assert reasons["支援により課題が解決・軽減した"] == 1 and sum(reasons.values()) == 1  # type: ignore[arg-type]
    follow_ups = column(tables["referrals.follow_ups"])
    assert (follow_ups["2025年9月"], follow_ups["2025年11月"]) == (1, 1)
    assert tables["referrals.follow_ups"].grand_total == 2
    withdrawals = tables["referrals.consent_withdrawals"]
    assert column(withdrawals)["2025年10月"] == 1 and withdrawals.grand_total == 1


def test_a_month_and_a_range(figures_app: Flask) -> None:
    may = tables_for(figures_app, Period.month(2025, 5))
    assert may["referrals.by_month"].rows == ("2025年5月",)
    assert may["referrals.by_month"].grand_total == 1
    assert may["referrals.by_fiscal_year"].rows == ("令和7年度（2025年度）",)
    edge = tables_for(figures_app, Period.between(date(2025, 3, 31), date(2025, 4, 1)))
    assert edge["referrals.by_fiscal_year"].rows == (
        "令和6年度（2024年度）",
        "令和7年度（2025年度）",
    )
    assert column(edge["referrals.by_fiscal_year"]) == {
        "令和6年度（2024年度）": 1,
        "令和7年度（2025年度）": 1,
    }
    assert edge["referrals.response_times"].cells == ((60, 60), (120, 120))
    empty = tables_for(figures_app, Period.month(2024, 1))
    assert empty["referrals.response_times"].cells == ((0, 0), (0, 0))
    assert empty["referrals.by_month"].grand_total == 0


def test_outreach_card_and_training_figures(figures_app: Flask) -> None:
    tables = tables_for(figures_app, Period.fiscal_year(FY))
    kinds = column(tables["outreach.by_agency_kind"])
    assert kinds["地域包括支援センター"] == 2 and kinds["学校"] == 1 and sum(kinds.values()) == 3  # type: ignore[arg-type]
    concerns = column(tables["outreach.by_concern"])
    assert (concerns["借金・お金"], concerns["仕事・失業"]) == (3, 1)
    contacts = tables["outreach.contacts"]
    visits = dict(
        zip(contacts.columns, contacts.cells[contacts.rows.index("家庭訪問")], strict=True)
    )
    assert (visits["会えた"], visits["不在"]) == (1, 1)
    calls = dict(zip(contacts.columns, contacts.cells[contacts.rows.index("電話")], strict=True))
    assert calls["会えた"] == 1 and contacts.grand_total == 3  # a planned contact is not done
    closures = column(tables["outreach.closures"])
    assert closures["つなぎ支援につないだ（つなぎ完了）"] == 1 and closures["終了: 転居した"] == 1
    assert tables["outreach.closures"].grand_total == 2
    purposes = tables["cards.by_purpose"]
    assert purposes.columns == ("印刷枚数", "配布枚数", "読み取り回数")
    assert purposes.cells[purposes.rows.index("訪問")] == (100, 30, 3)
    assert purposes.cells[purposes.rows.index("学校")] == (0, 20, 5)
    assert purposes.column_totals == (100, 50, 8)
    batches = tables["cards.by_batch"]
    assert batches.rows == ("HV01（訪問）", "SC01（学校）")
    assert batches.cells == ((100, 30, 3), (0, 20, 5))
    assert column(tables["cards.scan_rate"]) == {"訪問": 10, "学校": 25}
    meetings = tables["training.meetings"]
    assert meetings.rows == ("研修", "情報交換会", "その他") and meetings.columns == (
        "NPO",
        "市",
        "共催",
    )
    assert meetings.cells == ((1, 0, 0), (0, 0, 1), (0, 0, 0))
    people = column(tables["training.participants"])
    assert people == {  # neither typed name is a directory organisation's: both are others
        "職員（アカウントで記録した参加者）": 1,
        "支援機関一覧にある機関": 0,
        "その他の機関": 9,
    }


def test_guests_count_by_kind_and_a_typed_name_is_never_a_label(figures_app: Flask) -> None:
    """A guest row counts under the directory's organisations only when its typed name is
    exactly an organisation's that runs a published service; a purpose the list does not know
    is never shown as stored."""
    typed = ("京丹後市社会福祉協議会", "丹後 花子さん", "R-2025-0001", "京丹後市社会福祉協議会 ")
    with figures_app.app_context(), Session(get_engine(figures_app)) as db, db.begin():
        meeting = Training(held_on=date(2025, 9, 1), kind="other", organiser="city", title="会")
        db.add(meeting)
        db.flush()
        db.add_all([TrainingGuest(training_id=meeting.id, organisation=name, count=10 + n)
                     for n, name in enumerate(typed)])  # fmt: skip
        design = SavedDesign(name="用途のテスト", fields={})
        db.add(design)
        db.flush()
        db.add(CardBatch(code="XX01", design_id=design.id, purpose="山田さん宅", quantity=5,
                         printed_at=jst(2025, 9, 1)))  # fmt: skip
    draft = tables_for(figures_app, Period.fiscal_year(FY))
    # org-1 runs only a draft service: not public yet, so its name counts as any other.
    assert column(draft["training.participants"])["その他の機関"] == 9 + 10 + 11 + 12 + 13
    with figures_app.app_context(), Session(get_engine(figures_app)) as db, db.begin():
        service = db.get(Service, "svc-1")
        assert service is not None
        service.status = "published"
    tables = tables_for(figures_app, Period.fiscal_year(FY))
    people = column(tables["training.participants"])
    assert people["支援機関一覧にある機関"] == 10  # exactly the name: not with a space after
    assert people["その他の機関"] == 9 + 11 + 12 + 13
    labels = [label for table in tables.values() for label in (*table.rows, *table.columns)]
    for name in (*typed, "山田さん宅", "家計改善支援窓口"):
        assert not [label for label in labels if name.strip() in label], name
    # 保健所・保健センター is an agency kind's label: the typed 保健センター is not one.
    assert not {"社会福祉協議会", "保健センター"} & set(labels)
    assert column(tables["cards.by_purpose"])["一覧にない用途"] == 5
    assert "XX01（一覧にない用途）" in tables["cards.by_batch"].rows


def test_areas_and_keys(figures_app: Flask) -> None:
    with figures_app.app_context(), Session(get_engine(figures_app)) as db:
        period = Period.fiscal_year(FY)
        everything = all_tables(db, period)
        for area in AREAS:
            part = area_tables(db, period, area)
            assert part and all(t.key.startswith(f"{area}.") for t in part)
    keys = [t.key for t in everything]
    assert len(keys) == len(set(keys))

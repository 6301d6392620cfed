"""つなぎ支援の件数と結果: the referral figures, each one GROUP BY over the case tables.

Cases are counted by the day they were received; what happens later is counted when it
happens (a link by the day it was made, an end by the day support ended, a follow-up by the day
it was held, a withdrawal by the day consent was withdrawn). Only columns anonymisation keeps
are read (`referrals.records.anonymise`): coarse codes, dates and statuses, so anonymised cases
count as they did before.
"""

from __future__ import annotations

from sqlalchemy import distinct, func, select, true
from sqlalchemy.orm import Session

from backoffice.referrals.casework import ReferralLink
from backoffice.referrals.models import (
    AGE_BANDS,
    GENDERS,
    RISK_LEVELS,
    SOURCE_CHANNELS,
    STATUSES,
    Consent,
    FollowUp,
    Referral,
    StatusChange,
)
from backoffice.referrals.vocabulary import (
    AGE_LABELS,
    END_REASONS,
    GENDER_LABELS,
    LINK_STATUS_LABELS,
    RISK_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
)
from backoffice.statistics import figures_sql as sql
from backoffice.statistics.periods import Period, wareki_fiscal_year
from backoffice.statistics.tables import Table
from directory.labels import AREA_LABELS
from directory.models import AREAS, Service

NAMED_AGENCY = "名前で記録した機関"
LINK_KIND_LABELS = {area: f"{AREA_LABELS[area]}の機関" for area in AREAS} | {"": NAMED_AGENCY}


def tables(session: Session, period: Period, districts: tuple[str, ...] = ()) -> list[Table]:
    received = sql.in_period(Referral.received_at, period)
    return [
        by_month(session, period),
        by_fiscal_year(session, period),
        *by_dimensions(session, period, received, districts),
        by_category(session, received),
        status_flow(session, received),
        response_times(session, received),
        link_outcomes(session, period),
        end_reasons(session, period),
        follow_ups(session, period),
        consent_withdrawals(session, period),
    ]


def by_month(session: Session, period: Period) -> Table:
    month = sql.month_of(session, Referral.received_at)
    query = (
        select(month, Referral.source_channel, func.count())
        .where(sql.in_period(Referral.received_at, period))
        .group_by(month, Referral.source_channel)
    )
    found = {(m, channel): int(n) for m, channel, n in session.execute(query)}
    keys, labels = sql.month_rows(period)
    channels = list(SOURCE_CHANNELS)
    cells = [[found.get((key, channel), 0) for channel in channels] for key in keys]
    return Table.of(
        "referrals.by_month", "受付件数（月別・受付の経路別）", labels,
        [SOURCE_LABELS[c] for c in channels], cells,
    )  # fmt: skip


def by_fiscal_year(session: Session, period: Period) -> Table:
    year = sql.fiscal_year_of(session, Referral.received_at)
    query = (
        select(year, func.count()).where(sql.in_period(Referral.received_at, period)).group_by(year)
    )
    found = sql.counts(session, query)
    years = period.fiscal_years
    return Table.of(
        "referrals.by_fiscal_year", "受付件数（年度別）",
        [f"{wareki_fiscal_year(y)}（{y}年度）" for y in years], ["受付件数"],
        [[found.get(y, 0)] for y in years],
    )  # fmt: skip


def by_dimensions(
    session: Session, period: Period, received: object, districts: tuple[str, ...]
) -> list[Table]:
    def grouped(column: object) -> dict[object, int]:
        return sql.counts(session, select(column, func.count()).where(received).group_by(column))  # type: ignore[call-overload]

    district_labels = {d: d for d in districts} | {"": "未記入"}
    urgent = {bool(k): n for k, n in grouped(Referral.urgent).items()}
    return [
        sql.one_column("referrals.by_channel", "受付件数（受付の経路別）",
                       {c: SOURCE_LABELS[c] for c in SOURCE_CHANNELS},
                       grouped(Referral.source_channel), "受付件数"),
        sql.one_column("referrals.by_age_band", "受付件数（年代別）",
                       {a: AGE_LABELS[a] for a in AGE_BANDS}, grouped(Referral.age_band),
                       "受付件数"),
        sql.one_column("referrals.by_gender", "受付件数（性別）",
                       {g: GENDER_LABELS[g] for g in GENDERS}, grouped(Referral.gender),
                       "受付件数"),
        sql.one_column("referrals.by_district", "受付件数（地区別）", district_labels,
                       grouped(Referral.district), "受付件数", other="その他の地区"),
        sql.one_column("referrals.by_risk", "受付件数（リスクの見立て別）",
                       {r: RISK_LABELS[r] for r in RISK_LEVELS}, grouped(Referral.risk_level),
                       "受付件数"),
        sql.one_column("referrals.by_urgency", "受付件数（緊急性別）",
                       {True: "緊急", False: "緊急でない"}, urgent, "受付件数"),  # type: ignore[dict-item]
    ]  # fmt: skip


def by_category(session: Session, received: object) -> Table:
    """Each case counts once under every category it has: the total exceeds the cases."""
    member = sql.json_members(session, Referral.problem_categories)
    query = (
        select(member.c.value, func.count())
        .select_from(Referral)
        .join(member, true())
        .where(received)  # type: ignore[arg-type]
        .group_by(member.c.value)
    )
    return sql.one_column(
        "referrals.by_category", "受付件数（相談の分野別・複数計上）", TOPIC_LABELS,
        sql.counts(session, query), "件数",
        notes=("1件の相談に複数の分野があるときは、それぞれの分野に数えています。",),
    )  # fmt: skip


def status_flow(session: Session, received: object) -> Table:
    """How many cases received in the period reached each status (from the status history);
    every case reached 受付. A case may pass through several: no totals."""
    total = session.scalar(select(func.count()).select_from(Referral).where(received)) or 0  # type: ignore[arg-type]
    query = (
        select(StatusChange.to_status, func.count(distinct(StatusChange.referral_id)))
        .join(Referral, Referral.id == StatusChange.referral_id)
        .where(received)  # type: ignore[arg-type]
        .group_by(StatusChange.to_status)
    )
    found = sql.counts(session, query) | {"received": total}
    return Table.of(
        "referrals.status_flow", "状態の推移（各状態に至った案件数）",
        [STATUS_LABELS[s] for s in STATUSES], ["案件数"], [[found.get(s, 0)] for s in STATUSES],
        totals=False,
        notes=("受付期間内に受け付けた案件が、集計時点までに至った状態を数えています。",),
    )  # fmt: skip


def response_times(session: Session, received: object) -> Table:
    """Minutes from receipt to acknowledgement and to the first contact: median, 90th pct."""
    rows, cells, notes = [], [], []
    for label, moment in (
        ("受け取り確認まで", Referral.acknowledged_at),
        ("初回連絡まで", Referral.first_contact_at),
    ):
        minutes = sql.minutes_between(session, Referral.received_at, moment)
        n, (median, p90) = sql.percentiles(session, minutes, received, (0.5, 0.9))
        rows.append(label)
        cells.append([_rounded(median), _rounded(p90)])
        notes.append(f"{label}: {n}件について計算")
    return Table.of(
        "referrals.response_times", "受付から受け取り確認・初回連絡までの時間（分）",
        rows, ["中央値（分）", "90パーセンタイル（分）"], cells, totals=False, unit="分",
        notes=(*notes, ELAPSED_NOTE),
    )  # fmt: skip


ELAPSED_NOTE = "経過時間（分）で、営業日では数えていません。まだ確認・連絡のない案件は含みません。"


def _rounded(value: float | None) -> int:
    return 0 if value is None else round(value)


def link_outcomes(session: Session, period: Period) -> Table:
    """Links made in the period by the kind of agency (the directory service's area, or an
    agency typed by name) and their status now."""
    kind = func.coalesce(Service.area, "")
    query = (
        select(kind, ReferralLink.status, func.count())
        .select_from(ReferralLink)
        .outerjoin(Service, Service.id == ReferralLink.service_id)
        .where(sql.on_days(ReferralLink.linked_on, period))
        .group_by(kind, ReferralLink.status)
    )
    found = {(k, s): int(n) for k, s, n in session.execute(query)}
    statuses = list(LINK_STATUS_LABELS)
    return Table.of(
        "referrals.link_outcomes", "関係機関へのつなぎと結果（機関の種類別）",
        list(LINK_KIND_LABELS.values()), list(LINK_STATUS_LABELS.values()),
        [[found.get((k, s), 0) for s in statuses] for k in LINK_KIND_LABELS],
    )  # fmt: skip


def end_reasons(session: Session, period: Period) -> Table:
    query = (
        select(Referral.end_reason, func.count())
        .where(sql.in_period(Referral.ended_at, period))
        .group_by(Referral.end_reason)
    )
    return sql.one_column(
        "referrals.end_reasons", "支援終了の理由", END_REASONS, sql.counts(session, query),
        "終了件数", other="理由の記録なし",
    )  # fmt: skip


def _by_month(
    session: Session, period: Period, key: str, title: str, column: object, where: object,
    counted: object, label: str, *, moment: bool,
) -> Table:  # fmt: skip
    month = sql.month_of(session, column, moment=moment)
    query = select(month, counted).where(where).group_by(month)  # type: ignore[call-overload]
    found = sql.counts(session, query)
    keys, labels = sql.month_rows(period)
    return Table.of(key, title, labels, [label], [[found.get(k, 0)] for k in keys])


def follow_ups(session: Session, period: Period) -> Table:
    return _by_month(
        session, period, "referrals.follow_ups", "フォローアップの実施（月別）", FollowUp.held_on,
        sql.on_days(FollowUp.held_on, period), func.count(FollowUp.id), "実施回数",
        moment=False,
    )  # fmt: skip


def consent_withdrawals(session: Session, period: Period) -> Table:
    return _by_month(
        session, period, "referrals.consent_withdrawals", "同意の撤回（月別）",
        Consent.withdrawn_at, sql.in_period(Consent.withdrawn_at, period),
        func.count(Consent.id), "撤回件数", moment=True,
    )  # fmt: skip

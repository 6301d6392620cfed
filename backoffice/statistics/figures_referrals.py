"""つなぎ支援の件数と結果 and 支援会議: the referral figures as tables.

The counts come from the daily totals (`rollups`: `tables`, what the pages and files read) or
straight from the case tables (`reference_tables`: the same SQL over the whole period, which the
daily totals must always equal; the tests compare them). Both give `referral_counts.Found`,
counts by month and code, and the tables are built from it here, labels and all. What each
figure counts, and by which day, is said in `referral_counts`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from backoffice.referrals.models import AGE_BANDS, GENDERS, RISK_LEVELS, SOURCE_CHANNELS, STATUSES
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
from backoffice.statistics import meeting_counts, referral_counts, rollups
from backoffice.statistics.periods import Period, wareki_fiscal_year
from backoffice.statistics.referral_counts import Found
from backoffice.statistics.tables import Table
from directory.labels import AREA_LABELS
from directory.models import AREAS

NAMED_AGENCY = "名前で記録した機関"
LINK_KIND_LABELS = {area: f"{AREA_LABELS[area]}の機関" for area in AREAS} | {"": NAMED_AGENCY}
Times = Mapping[str, tuple[int, list[float | None]]]
Grouped = Callable[[str], dict[str, int]]  # figure -> {code: count} over the period
ELAPSED_NOTE = (
    "経過時間を1分未満を切り捨てた分で数え、営業日では数えていません。"
    "まだ確認・連絡のない案件は含みません。"
)


def tables(session: Session, period: Period, districts: tuple[str, ...] = ()) -> list[Table]:
    """The figures from the daily totals, brought up to date first (`rollups`)."""
    found, times = rollups.read(session, period)
    return build(period, found, times, districts)


def reference_tables(
    session: Session, period: Period, districts: tuple[str, ...] = ()
) -> list[Table]:
    """The same figures computed from the case tables over the whole period."""
    found = referral_counts.bucketed(session, period, by_day=False)
    return build(period, found, referral_counts.reference_times(session, period), districts)


def build(period: Period, found: Found, times: Times, districts: tuple[str, ...]) -> list[Table]:
    def by_code(figure: str) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_, row, _column), n in found.get(figure, Counter()).items():
            out[row] += n
        return dict(out)

    return [
        by_month(period, found),
        by_fiscal_year(period, found),
        *by_dimensions(by_code, districts),
        sql.one_column(
            "referrals.by_category", "受付件数（相談の分野別・複数計上）", TOPIC_LABELS,
            by_code("category"), "件数",
            notes=("1件の相談に複数の分野があるときは、それぞれの分野に数えています。",),
        ),
        status_flow(by_code("status"), sum(by_code("channel").values())),
        response_times(times),
        link_outcomes(found),
        sql.one_column(
            "referrals.end_reasons", "支援終了の理由", END_REASONS, by_code("end_reason"),
            "終了件数", other="理由の記録なし",
        ),
        _monthly(period, found, "meeting", "referrals.meetings", "支援会議の開催（月別）",
                 "開催回数", unit="回"),
        Table.of(
            "referrals.meeting_participants", "支援会議の参加（参加者の種類別・会議数）",
            list(meeting_counts.KINDS.values()), ["会議数"],
            [[by_code("meeting_with").get(k, 0)] for k in meeting_counts.KINDS], totals=False,
            unit="回", notes=meeting_counts.NOTES,
        ),
        _monthly(period, found, "follow_up", "referrals.follow_ups", "フォローアップの実施（月別）",
                 "実施回数"),
        _monthly(period, found, "withdrawal", "referrals.consent_withdrawals",
                 "同意の撤回（月別）", "撤回件数"),
    ]  # fmt: skip


def by_month(period: Period, found: Found) -> Table:
    months: Counter[tuple[str, str]] = Counter()
    for (month, channel, _), n in found.get("channel", Counter()).items():
        months[(month[:7], channel)] += n
    keys, labels = sql.month_rows(period)
    channels = list(SOURCE_CHANNELS)
    cells = [[months[(key, channel)] for channel in channels] for key in keys]
    return Table.of(
        "referrals.by_month", "受付件数（月別・受付の経路別）", labels,
        [SOURCE_LABELS[c] for c in channels], cells,
    )  # fmt: skip


def by_fiscal_year(period: Period, found: Found) -> Table:
    years: Counter[int] = Counter()
    for (bucket, _, _), n in found.get("channel", Counter()).items():
        year, month = int(bucket[:4]), int(bucket[5:7])
        years[year if month >= 4 else year - 1] += n  # April to March
    return Table.of(
        "referrals.by_fiscal_year", "受付件数（年度別）",
        [f"{wareki_fiscal_year(y)}（{y}年度）" for y in period.fiscal_years], ["受付件数"],
        [[years[y]] for y in period.fiscal_years],
    )  # fmt: skip


def by_dimensions(grouped: Grouped, districts: tuple[str, ...]) -> list[Table]:
    district_labels = {d: d for d in districts} | {"": "未記入"}
    return [
        sql.one_column("referrals.by_channel", "受付件数（受付の経路別）",
                       {c: SOURCE_LABELS[c] for c in SOURCE_CHANNELS}, grouped("channel"),
                       "受付件数"),
        sql.one_column("referrals.by_age_band", "受付件数（年代別）",
                       {a: AGE_LABELS[a] for a in AGE_BANDS}, grouped("age_band"), "受付件数"),
        sql.one_column("referrals.by_gender", "受付件数（性別）",
                       {g: GENDER_LABELS[g] for g in GENDERS}, grouped("gender"), "受付件数"),
        sql.one_column("referrals.by_district", "受付件数（地区別）", district_labels,
                       grouped("district"), "受付件数", other="その他の地区"),
        sql.one_column("referrals.by_risk", "受付件数（リスクの見立て別）",
                       {r: RISK_LABELS[r] for r in RISK_LEVELS}, grouped("risk"), "受付件数"),
        sql.one_column("referrals.by_urgency", "受付件数（緊急性別）",
                       {"1": "緊急", "0": "緊急でない"}, grouped("urgent"), "受付件数"),
    ]  # fmt: skip


def status_flow(reached: Mapping[str, int], received: int) -> Table:
    """How many cases received in the period reached each status (from the status history);
    every case reached 受付. A case may pass through several: no totals."""
    found = {**reached, "received": received}
    return Table.of(
        "referrals.status_flow", "状態の推移（各状態に至った案件数）",
        [STATUS_LABELS[s] for s in STATUSES], ["案件数"], [[found.get(s, 0)] for s in STATUSES],
        totals=False,
        notes=("受付期間内に受け付けた案件が、集計時点までに至った状態を数えています。",),
    )  # fmt: skip


def response_times(times: Times) -> Table:
    """Whole minutes from receipt to acknowledgement and to the first contact: median, 90th."""
    rows, cells, notes = [], [], []
    for label, figure in (("受け取り確認まで", "ack"), ("初回連絡まで", "contact")):
        n, (median, p90) = times[figure]
        rows.append(label)
        cells.append([_rounded(median), _rounded(p90)])
        notes.append(f"{label}: {n}件について計算")
    return Table.of(
        "referrals.response_times", "受付から受け取り確認・初回連絡までの時間（分）",
        rows, ["中央値（分）", "90パーセンタイル（分）"], cells, totals=False, unit="分",
        notes=(*notes, ELAPSED_NOTE),
    )  # fmt: skip


def _rounded(value: float | None) -> int:
    return 0 if value is None else round(value)


def link_outcomes(found: Found) -> Table:
    """Links made in the period by the kind of agency (the directory service's area, or an
    agency typed by name) and their status now."""
    pairs: Counter[tuple[str, str]] = Counter()
    for (_, kind, status), n in found.get("link", Counter()).items():
        pairs[(kind, status)] += n
    statuses = list(LINK_STATUS_LABELS)
    return Table.of(
        "referrals.link_outcomes", "関係機関へのつなぎと結果（機関の種類別）",
        list(LINK_KIND_LABELS.values()), list(LINK_STATUS_LABELS.values()),
        [[pairs[(k, s)] for s in statuses] for k in LINK_KIND_LABELS],
    )  # fmt: skip


def _monthly(
    period: Period, found: Found, figure: str, key: str, title: str, label: str, *,
    unit: str = "件",
) -> Table:  # fmt: skip
    months: Counter[str] = Counter()
    for (bucket, _, _), n in found.get(figure, Counter()).items():
        months[bucket[:7]] += n
    keys, labels = sql.month_rows(period)
    return Table.of(key, title, labels, [label], [[months[k]] for k in keys], unit=unit)

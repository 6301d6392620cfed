"""プッシュ型支援 and カード配布: the outreach and card figures, each one GROUP BY.

Subjects are counted by the day the city was told about them, contacts by the day they were
done, closures by the day the subject was closed. Only what anonymisation keeps is read
(`outreach.records.anonymise_subject`): the agency's kind, the concern, statuses, dates and a
contact's result. Cards are counted by batch: printed (the batches printed in the period),
handed out (`outreach.models.CardHandout`) and scanned (`cards.models.ScanCount`, per day).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    AGENCY_KINDS,
    CONTACT_KINDS,
    CONTACT_RESULTS,
    CardHandout,
    OutreachContact,
    OutreachSubject,
)
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONCERN_LABELS,
    CONTACT_KIND_LABELS,
    CONTACT_RESULT_LABELS,
    END_REASON_LABELS,
)
from backoffice.statistics import figures_sql as sql
from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table
from cards.models import PURPOSES, CardBatch, ScanCount

# The purposes of a batch as the cards pages name them (`views.cards.forms`).
PURPOSE_LABELS = {
    "home_visit": "訪問",
    "event": "イベント・講演会",
    "school": "学校",
    "partner": "関係機関",
    "counter": "市役所などの窓口",
    "other": "その他",
    "public_download": "公開ページからのダウンロード",
}
# A purpose the list does not know (none is stored: `cards.batches` refuses it) is counted under
# this label, never shown as stored.
UNKNOWN_PURPOSE = "一覧にない用途"
CARD_COLUMNS = ("印刷枚数", "配布枚数", "読み取り回数")
CONNECTED = "つなぎ支援につないだ（つなぎ完了）"


def outreach_tables(session: Session, period: Period) -> list[Table]:
    received = sql.on_days(OutreachSubject.received_on, period)
    kinds = sql.counts(
        session,
        select(OutreachSubject.agency_kind, func.count())
        .where(received)
        .group_by(OutreachSubject.agency_kind),
    )
    member = sql.json_members(session, OutreachSubject.concern)
    concerns = sql.counts(
        session,
        select(member.c.value, func.count())
        .select_from(OutreachSubject)
        .join(member, true())
        .where(received)
        .group_by(member.c.value),
    )
    return [
        sql.one_column(
            "outreach.by_agency_kind", "プッシュ型支援の対象者（情報提供元の機関の種類別）",
            {k: AGENCY_KIND_LABELS[k] for k in AGENCY_KINDS}, kinds, "対象者数", unit="人",
        ),
        sql.one_column(
            "outreach.by_concern", "プッシュ型支援の対象者（気がかりな分野別・複数計上）",
            CONCERN_LABELS, concerns, "人数", unit="人",
            notes=("1人に複数の分野があるときは、それぞれの分野に数えています。",),
        ),
        contacts(session, period),
        closures(session, period),
    ]  # fmt: skip


def contacts(session: Session, period: Period) -> Table:
    query = (
        select(OutreachContact.kind, OutreachContact.result, func.count())
        .where(sql.on_days(OutreachContact.done_on, period))
        .group_by(OutreachContact.kind, OutreachContact.result)
    )
    found = {(k, r): int(n) for k, r, n in session.execute(query)}
    return Table.of(
        "outreach.contacts", "訪問などの実施と結果（方法別）",
        [CONTACT_KIND_LABELS[k] for k in CONTACT_KINDS],
        [CONTACT_RESULT_LABELS[r] for r in CONTACT_RESULTS],
        [[found.get((k, r), 0) for r in CONTACT_RESULTS] for k in CONTACT_KINDS],
        unit="回",
    )  # fmt: skip


def closures(session: Session, period: Period) -> Table:
    """Subjects closed in the period: those who became referrals, and the others by reason."""
    query = (
        select(OutreachSubject.status, OutreachSubject.end_reason, func.count())
        .where(sql.in_period(OutreachSubject.closed_at, period))
        .group_by(OutreachSubject.status, OutreachSubject.end_reason)
    )
    found: dict[str, int] = {}
    for status, reason, n in session.execute(query):
        code = "connected" if status == "connected" else reason
        found[code] = found.get(code, 0) + int(n)
    labels = {"connected": CONNECTED} | {f"{k}": f"終了: {v}" for k, v in END_REASON_LABELS.items()}
    return sql.one_column(
        "outreach.closures", "プッシュ型支援の終結（つなぎ支援につないだ対象者と終了の理由）",
        labels, found, "人数", unit="人", other="終了: 理由の記録なし",
    )  # fmt: skip


def card_tables(session: Session, period: Period) -> list[Table]:
    printed_q = (
        select(CardBatch.id, func.sum(CardBatch.quantity))
        .where(sql.in_period(CardBatch.printed_at, period))
        .group_by(CardBatch.id)
    )
    handed_q = (
        select(CardHandout.batch_id, func.sum(CardHandout.count))
        .where(sql.on_days(CardHandout.handed_on, period))
        .group_by(CardHandout.batch_id)
    )
    scanned_q = (
        select(ScanCount.batch_id, func.sum(ScanCount.count))
        .where(sql.on_days(ScanCount.day, period))
        .group_by(ScanCount.batch_id)
    )
    per_batch = [sql.counts(session, q) for q in (printed_q, handed_q, scanned_q)]
    ids = set().union(*per_batch)
    batches = {
        batch_id: (code, purpose if purpose in PURPOSE_LABELS else "")
        for batch_id, code, purpose in session.execute(
            select(CardBatch.id, CardBatch.code, CardBatch.purpose).where(CardBatch.id.in_(ids))
        )
    }
    order = sorted(ids, key=lambda i: batches[i][0])
    batch_cells = [[counts.get(i, 0) for counts in per_batch] for i in order]
    labels = PURPOSE_LABELS | {"": UNKNOWN_PURPOSE}
    by_purpose = {p: [0, 0, 0] for p in PURPOSES}
    for batch_id, row in zip(order, batch_cells, strict=True):
        purpose = batches[batch_id][1]
        by_purpose.setdefault(purpose, [0, 0, 0])
        by_purpose[purpose] = [a + b for a, b in zip(by_purpose[purpose], row, strict=True)]
    handed = [(p, row) for p, row in by_purpose.items() if row[1] > 0]
    return [
        _measures(Table.of(
            "cards.by_purpose", "カードの印刷・配布・読み取り（用途別）",
            [labels[p] for p in by_purpose], CARD_COLUMNS,
            list(by_purpose.values()), unit="枚・回",
        )),
        _measures(Table.of(
            "cards.by_batch", "カードの印刷・配布・読み取り（配布単位別）",
            [f"{batches[i][0]}（{labels[batches[i][1]]}）"
             for i in order],
            CARD_COLUMNS, batch_cells, unit="枚・回",
        )),
        Table.of(
            "cards.scan_rate", "配布したカード100枚あたりの読み取り回数（用途別）",
            [labels[p] for p, _ in handed], ["100枚あたりの読み取り回数"],
            [[round(row[2] * 100 / row[1])] for _, row in handed], totals=False, unit="回",
            notes=("期間内に配布したカードのある用途だけを示します。",
                   "読み取りは期間内の回数で、期間より前に配布したカードの分も含みます。"),
        ),
    ]  # fmt: skip


def _measures(table: Table) -> Table:
    """Printed, handed out and scanned are different measures: each column has its total, a
    row has none (they do not add up)."""
    return replace(table, row_totals=())

"""よく使われた連絡先: the services whose LINE, chat and web buttons on the public pages were
followed most in the period (`directory.taps`: counted per service, kind and day, nothing about
who tapped).

One table among the card figures (both are publicity, 広報): the `TOP` services by taps, a
column per counted kind. Publication hides small numbers as every other table
(`suppression`: below the profile's threshold, and what they could be worked out from).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table
from directory.labels import CHANNEL_KIND_LABELS
from directory.models import Service
from directory.taps import COUNTED_KINDS, taps_between

TOP = 10
KEY = "cards.channel_taps"
TITLE = f"よく使われた連絡先（公開ページのLINE・チャット・ウェブのボタン、上位{TOP}件）"
NOTE = (
    "ボタンが押された回数です。誰が押したかは記録していません。"
    "電話番号は直接かけるリンクのため数えていません。"
)


def tables(session: Session, period: Period) -> list[Table]:
    taps = taps_between(session, period.start, period.last)
    names = dict(
        session.execute(select(Service.id, Service.name).where(Service.id.in_(taps))).all()
    )
    ranked = sorted(taps, key=lambda s: (-sum(taps[s].values()), names.get(s, ""), s))[:TOP]
    rows = [names.get(s, s) for s in ranked]
    cells = [[taps[s].get(kind, 0) for kind in COUNTED_KINDS] for s in ranked]
    columns = [CHANNEL_KIND_LABELS[kind] for kind in COUNTED_KINDS]
    return [Table.of(KEY, TITLE, rows, columns, cells, unit="回", notes=(NOTE,))]

"""Staff see the taps on each service's buttons: in the directory's list, on the service's page,
and in the statistics (よく使われた連絡先), where publication hides small numbers."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from backoffice.statistics.figures import area_tables
from backoffice.statistics.figures_taps import KEY
from backoffice.statistics.periods import Period
from backoffice.statistics.suppression import for_publication
from core.timezone import tokyo_today
from directory.models import ChannelTapDay
from directory.taps import fiscal_year_start
from tests.staff import signed_in_client
from tests.test_taps import make_service


def add_taps(session: Session, service_id: str, kind: str, day: date, count: int) -> None:
    session.add(ChannelTapDay(service_id=service_id, channel_kind=kind, day=day, count=count))
    session.commit()


def cells_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_directory_list_shows_each_services_taps(
    backoffice_app: Flask, session: Session
) -> None:
    made = make_service(session)
    today = tokyo_today()
    add_taps(session, made.service_id, "line", today, 12)
    add_taps(session, made.service_id, "chat", today, 3)
    client = signed_in_client(backoffice_app, "editor")

    html = cells_of(client.get("/directory/").get_data(as_text=True))

    # The row: name, area, state, last check, then the last 30 days and the fiscal year.
    assert re.search(r"テスト相談LINE [^<>]*? LINE 12・チャット 3 LINE 12・チャット 3 ", html)


def test_the_service_page_shows_thirty_days_and_the_fiscal_year(
    backoffice_app: Flask, session: Session
) -> None:
    made = make_service(session)
    today = tokyo_today()
    add_taps(session, made.service_id, "line", today, 2)
    older = max(fiscal_year_start(today), today - timedelta(days=40))
    if older < today - timedelta(days=29):
        add_taps(session, made.service_id, "line", older, 5)
        year = "LINE 7"
    else:  # early April: the fiscal year is younger than thirty days
        year = "LINE 2"
    client = signed_in_client(backoffice_app, "editor")

    html = cells_of(client.get(f"/directory/services/{made.service_id}").get_data(as_text=True))

    assert re.search(r"直近30日（\S+ から） LINE 2 ", html)
    assert re.search(rf"今年度（{fiscal_year_start(today)} から） {year} ", html)


def test_statistics_list_the_most_used_buttons(backoffice_app: Flask, session: Session) -> None:
    busy, quiet = make_service(session), make_service(session)
    add_taps(session, busy.service_id, "line", date(2026, 5, 1), 40)
    add_taps(session, busy.service_id, "chat", date(2026, 6, 1), 7)
    add_taps(session, quiet.service_id, "chat", date(2026, 5, 2), 2)
    add_taps(session, quiet.service_id, "chat", date(2027, 4, 1), 99)  # the next fiscal year
    period = Period.fiscal_year(2026)

    table = next(t for t in area_tables(session, period, "cards") if t.key == KEY)

    assert table.columns == ("LINE", "チャット", "ウェブサイト")
    assert table.cells == ((40, 7, 0), (0, 2, 0))
    assert table.grand_total == 49
    published = next(t for t in for_publication([table], threshold=5) if t.key == KEY)
    assert published.cells[1][1] is None  # 2 taps: below the threshold, hidden as 「*」


def test_the_statistics_page_shows_the_table(backoffice_app: Flask, session: Session) -> None:
    made = make_service(session)
    add_taps(session, made.service_id, "line", date(2026, 5, 1), 40)
    client = signed_in_client(backoffice_app, "analyst")

    html = client.get("/statistics/cards?kind=fiscal_year&year=2026").get_data(as_text=True)

    assert "よく使われた連絡先" in html
    assert "テスト相談LINE" in html

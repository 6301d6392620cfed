"""Taps on a service's LINE, chat and web buttons: counted through /go/ per service, kind and day,
sent on to the stored address only, and nothing stored about who tapped."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from cards.throttle import ScanThrottle
from core.db import get_engine
from core.timezone import tokyo_today
from directory.models import ChannelTapDay, ContactChannel, Organization, Service
from directory.search.reindex import reindex
from directory.taps import (
    count_tap,
    counted_targets,
    find_tap_target,
    fiscal_year_start,
    service_tap_figures,
    tap_figures,
)
from public_site.export_static import _direct_channel_links
from public_site.go import THROTTLE

LINE = "https://line.me/R/ti/p/@tsunagu-test"
CHAT = "https://chat.example.jp/start"


@dataclass(frozen=True)
class Made:
    service_id: str
    line: int
    chat: int
    phone: int
    email: int


def make_service(session: Session, *, status: str = "published", confirmed: bool = True) -> Made:
    organization = Organization(id=str(uuid.uuid4()), name="テスト団体")
    service = Service(
        id=str(uuid.uuid4()),
        organization=organization,
        name="テスト相談LINE",
        status=status,
        contact_confirmed=confirmed,
        area="national",
    )
    channels = [
        ContactChannel(kind="line", value=LINE, sort_order=0),
        ContactChannel(kind="chat", value=CHAT, sort_order=1),
        ContactChannel(kind="phone", value="0120-000-000", sort_order=2),
        ContactChannel(kind="email", value="soudan@example.jp", sort_order=3),
    ]
    service.channels = channels
    session.add(service)
    session.flush()
    reindex(session, [service])
    session.commit()
    return Made(service.id, *(c.id for c in channels))


def counts(session: Session) -> dict[tuple[str, str], int]:
    session.expire_all()
    rows = session.execute(
        select(ChannelTapDay.service_id, ChannelTapDay.channel_kind, ChannelTapDay.count)
    )
    return {(service, kind): count for service, kind, count in rows}


def go(made: Made, channel: int) -> str:
    return f"/go/{made.service_id}/{channel}"


def test_a_tap_is_counted_for_its_service_kind_and_day_and_sent_to_the_stored_address(
    client: FlaskClient, session: Session
) -> None:
    made = make_service(session)

    first = client.get(go(made, made.line))
    client.get(go(made, made.line))
    client.get(go(made, made.chat))

    assert first.status_code == 303
    assert first.headers["Location"] == LINE
    assert counts(session) == {(made.service_id, "line"): 2, (made.service_id, "chat"): 1}
    day = session.scalar(select(ChannelTapDay.day).where(ChannelTapDay.channel_kind == "line"))
    assert day == tokyo_today()


def test_a_tap_sets_no_cookie_is_never_cached_and_tells_the_target_nothing(
    client: FlaskClient, session: Session
) -> None:
    made = make_service(session)

    response = client.get(go(made, made.line))

    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_nothing_about_the_request_is_stored(client: FlaskClient, session: Session) -> None:
    made = make_service(session)
    agent = "Mozilla/5.0 (iPhone; tap-test-agent)"

    client.get(
        go(made, made.line),
        headers={"User-Agent": agent, "Referer": "https://tsunagu.test/directory?q=借金"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )

    columns = {column["name"] for column in inspect(session.get_bind()).get_columns(
        "channel_tap_day"
    )}  # fmt: skip
    assert columns == {"service_id", "channel_kind", "day", "count"}
    rows = session.execute(select(ChannelTapDay.__table__)).all()
    assert [tuple(row) for row in rows] == [(made.service_id, "line", tokyo_today(), 1)]


@pytest.mark.parametrize("which", ["unknown_service", "unknown_channel", "other_service"])
def test_an_unknown_or_foreign_channel_is_not_found_and_not_counted(
    client: FlaskClient, session: Session, which: str
) -> None:
    made = make_service(session)
    other = make_service(session)
    address = {
        "unknown_service": f"/go/{uuid.uuid4()}/{made.line}",
        "unknown_channel": go(made, 999999),
        "other_service": go(made, other.line),
    }[which]

    response = client.get(address)

    assert response.status_code == 404
    assert "Location" not in response.headers
    assert counts(session) == {}


@pytest.mark.parametrize(("status", "confirmed"), [("draft", True), ("archived", True),
                                                   ("published", False)])  # fmt: skip
def test_a_channel_the_pages_do_not_link_is_not_found_and_not_counted(
    client: FlaskClient, session: Session, status: str, confirmed: bool
) -> None:
    made = make_service(session, status=status, confirmed=confirmed)

    assert client.get(go(made, made.line)).status_code == 404
    assert counts(session) == {}


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_phone_and_mail_do_not_go_through_the_counter(
    client: FlaskClient, session: Session, kind: str
) -> None:
    made = make_service(session)

    assert client.get(go(made, getattr(made, kind))).status_code == 404
    assert counts(session) == {}


def test_the_target_comes_from_the_database_never_the_request(
    client: FlaskClient, session: Session
) -> None:
    made = make_service(session)

    response = client.get(go(made, made.line) + "?next=https://evil.example/&url=//evil.example")

    assert response.headers["Location"] == LINE


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"}],
)
def test_a_prefetch_is_sent_on_but_not_counted(
    client: FlaskClient, session: Session, headers: dict[str, str]
) -> None:
    made = make_service(session)

    response = client.get(go(made, made.line), headers=headers)

    assert response.status_code == 303
    assert counts(session) == {}


def test_a_head_request_is_not_counted(client: FlaskClient, session: Session) -> None:
    made = make_service(session)

    assert client.head(go(made, made.line)).status_code == 303
    assert counts(session) == {}


def test_taps_beyond_the_limit_are_sent_on_but_not_counted(
    public_app: Flask, client: FlaskClient, session: Session
) -> None:
    made = make_service(session)
    public_app.extensions[THROTTLE] = ScanThrottle("memory://", per_minute=3, prefix="t")

    statuses = [client.get(go(made, made.line)).status_code for _ in range(5)]

    assert statuses == [303] * 5
    assert counts(session) == {(made.service_id, "line"): 3}


def test_fifty_concurrent_taps_count_fifty(public_app: Flask, session: Session) -> None:
    made = make_service(session)
    public_app.extensions[THROTTLE] = ScanThrottle("memory://", per_minute=1000, prefix="t")
    address = go(made, made.line)

    def tap(_: int) -> int:
        return public_app.test_client().get(address).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(tap, range(50)))

    assert statuses == [303] * 50
    assert counts(session) == {(made.service_id, "line"): 50}
    get_engine(public_app).dispose()


def test_days_are_counted_apart_in_japan_time(session: Session) -> None:
    made = make_service(session)
    target = find_tap_target(session, made.service_id, made.line)
    assert target is not None

    # 23:30 on 31 March in Tokyo is 14:30 UTC; 00:30 on 1 April is 15:30 UTC.
    count_tap(session, target, now=datetime(2026, 3, 31, 14, 30, tzinfo=UTC))
    count_tap(session, target, now=datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    tokyo = (
        session.scalar(text("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date"))
        if (session.get_bind().dialect.name == "postgresql")
        else None
    )
    session.commit()

    days = dict(session.execute(select(ChannelTapDay.day, ChannelTapDay.count)).all())
    if tokyo is not None:  # the database's clock names the day, never the caller
        assert days == {tokyo: 2}
    else:
        assert days == {date(2026, 3, 31): 1, date(2026, 4, 1): 1}


def test_figures_per_service_for_thirty_days_and_the_fiscal_year(session: Session) -> None:
    made = make_service(session)
    today = date(2026, 5, 20)
    session.add_all([
        ChannelTapDay(service_id=made.service_id, channel_kind="line", day=today, count=4),
        ChannelTapDay(service_id=made.service_id, channel_kind="line", day=date(2026, 4, 1),
                      count=6),
        ChannelTapDay(service_id=made.service_id, channel_kind="chat", day=date(2026, 3, 31),
                      count=9),
    ])  # fmt: skip
    session.commit()

    figures = service_tap_figures(session, made.service_id, today)

    assert figures.recent == {"line": 4}
    assert figures.fiscal_year == {"line": 10}
    assert figures.fiscal_year_from == date(2026, 4, 1)
    assert tap_figures(session, today)[made.service_id] == figures
    assert fiscal_year_start(date(2027, 3, 31)) == date(2026, 4, 1)


# ---- the pages' links -------------------------------------------------------------------------


def test_service_page_links_line_and_chat_through_go_and_calls_directly(
    client: FlaskClient, session: Session
) -> None:
    made = make_service(session)

    html = client.get(f"/directory/services/{made.service_id}").get_data(as_text=True)

    assert f'href="{go(made, made.line)}"' in html
    assert f'href="{go(made, made.chat)}"' in html
    assert 'href="tel:0120000000"' in html
    assert LINE not in html.split("<body", 1)[1].split('class="channel-value"')[0]


@pytest.mark.parametrize("prefix", ["", "/en", "/easy"])
def test_search_results_link_through_go_in_every_language(
    client: FlaskClient, session: Session, prefix: str
) -> None:
    made = make_service(session)

    html = client.get(f"{prefix}/directory?q=テスト相談LINE").get_data(as_text=True)

    assert f'href="{go(made, made.line)}"' in html


def test_the_static_copy_links_straight_to_each_channel(session: Session) -> None:
    made = make_service(session)
    page = f'<a href="{go(made, made.line)}">LINE</a> <a href="/go/x/1">?</a>'

    direct = _direct_channel_links(page, counted_targets(session))

    assert direct == f'<a href="{LINE}">LINE</a> <a href="/go/x/1">?</a>'


def test_every_counted_demo_button_leads_where_its_channel_says(
    client: FlaskClient, demo: Session
) -> None:
    targets = counted_targets(demo)
    assert targets, "the demo has LINE or chat buttons"

    for (service_id, channel_id), href in targets.items():
        response = client.get(f"/go/{service_id}/{channel_id}", headers={"Purpose": "prefetch"})
        assert (response.status_code, response.headers["Location"]) == (303, href)
    total = demo.scalar(select(func.count()).select_from(ChannelTapDay))
    assert total == 0

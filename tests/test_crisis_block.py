"""「いますぐ話したい」: the lines open now on every public page, and the gentle crisis search."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.config import Settings
from core.profile import EmergencyNumber
from core.timezone import TOKYO
from directory.models import Service
from directory.queries import crisis_lines
from directory.search.reindex import reindex
from public_site import create_app as create_public_app
from public_site.now import CLOCK, now_block
from tests.test_cards_scans import make_batch

WEEKDAY_MORNING = datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)  # a Tuesday, not a holiday
NIGHT = datetime(2026, 12, 8, 2, 30, tzinfo=TOKYO)  # Tuesday 2:30: #いのちSOS opens at 6:00
EMERGENCY = (EmergencyNumber("119", "救急車・火事", "Ambulance, fire"),)


def at(app: Flask, moment: datetime) -> None:
    app.config[CLOCK] = lambda: moment


def block_html(html: str) -> str:
    start = html.index("data-now-block")
    return html[start : html.index("</aside>", start)]


def test_the_demo_marks_the_national_lines_that_answer_round_the_clock(demo: Session) -> None:
    marked = set(demo.scalars(select(Service.name).where(Service.is_crisis_line)))

    assert marked == {
        "よりそいホットライン",
        "あなたのいばしょチャット相談",
        "#いのちSOS",
        "京都いのちの電話",
    }
    window = demo.scalars(select(Service).where(Service.is_dedicated_window)).all()
    assert not any(service.is_crisis_line for service in window)


def test_open_lines_at_night_are_the_24_hour_ones(demo: Session) -> None:
    block = now_block(crisis_lines(demo), EMERGENCY, NIGHT)

    names = [line.service.name for line in block.lines]
    assert names and "#いのちSOS" not in names  # closed from 0:00 to 6:00 on Tuesdays
    assert all(line.always for line in block.lines)
    assert len(block.lines) <= 3 and block.next_line is None
    assert all(line.action and line.action.href for line in block.lines)
    assert block.always_line is not None and block.emergency == EMERGENCY


def test_a_line_whose_contact_is_not_confirmed_is_left_out(demo: Session) -> None:
    demo.execute(
        update(Service)
        .where(Service.name == "よりそいホットライン")
        .values(contact_confirmed=False)
    )
    reindex(demo)
    demo.commit()

    names = [line.service.name for line in now_block(crisis_lines(demo), EMERGENCY, NIGHT).lines]

    assert names and "よりそいホットライン" not in names


def test_in_the_morning_the_24_hour_lines_come_before_the_others(demo: Session) -> None:
    block = now_block(crisis_lines(demo), EMERGENCY, WEEKDAY_MORNING)

    assert block.lines
    always = [line.always for line in block.lines]
    assert always == sorted(always, reverse=True)


def test_when_no_line_is_open_the_block_says_when_the_next_opens(demo: Session) -> None:
    demo.execute(update(Service).values(is_crisis_line=False))
    demo.execute(update(Service).where(Service.name == "#いのちSOS").values(is_crisis_line=True))
    demo.commit()

    block = now_block(crisis_lines(demo), EMERGENCY, NIGHT)

    assert block.lines == ()
    assert block.next_line is not None and block.next_line.service.name == "#いのちSOS"
    opens = block.next_line.status.next_opens_at
    assert opens is not None and (opens.hour, opens.minute) == (6, 0)


def test_every_page_starts_with_the_block_and_the_help_strip_names_a_24_hour_line(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    at(public_app, NIGHT)
    pages = ("/", "/easy/", "/en/", "/directory", "/directory?q=借金", "/cards", "/no-such-page")
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        header_end = html.index("</header>")
        assert html.index("data-now-block") > header_end, url
        assert html.index("data-now-block") < html.index('<main id="main"'), url
        block = block_html(html)
        assert 'href="tel:0120279338"' in block and 'href="tel:119"' in block, url
        assert "#いのちSOS" not in block, url
        strip = html[html.index('class="help-box"') :]
        assert 'href="tel:0120279338"' in strip, url  # named in English on /en/


def test_without_open_lines_the_page_still_offers_119_and_the_next_opening(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    demo.execute(update(Service).where(Service.name != "#いのちSOS").values(is_crisis_line=False))
    demo.commit()
    at(public_app, NIGHT)

    block = block_html(client.get("/").get_data(as_text=True))
    english = block_html(client.get("/en/").get_data(as_text=True))

    assert "受付時間外" in block and "次の受付: 12月8日(火) 6:00から" in block
    assert 'href="tel:119"' in block and 'href="tel:110"' in block
    assert "Next open: Tue 8 Dec 6:00" in english


def test_a_crisis_search_shows_the_block_emphasised_with_gentle_words(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    at(public_app, NIGHT)

    for query in ("しにたい", "シニタイ", "ｼﾆﾀｲ", "もう 消えたい", "自殺"):
        html = client.get("/directory", query_string={"q": query}).get_data(as_text=True)
        assert "now-block-crisis" in html, query
        assert "つらい気持ちを話してくれてありがとう" in block_html(html), query
    english = client.get("/en/directory", query_string={"q": "I want to die"})
    assert "There are people you can talk to right now" in english.get_data(as_text=True)
    calm = client.get("/directory", query_string={"q": "借金"}).get_data(as_text=True)
    assert "now-block-crisis" not in calm and "ありがとう。いま話せる" not in calm


def test_the_scan_landing_starts_with_help(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    at(public_app, NIGHT)
    batch = make_batch(demo)
    html = client.get(f"/c/{batch.code}").get_data(as_text=True)

    assert "読み取ってくださって" in html
    assert html.index("data-now-block") < html.index("<h1") < html.index("ありがとう")


def test_the_listings_below_the_block_read_the_same_clock(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    """The home page and the scan landing list the lines with their hours: at 2:30 on a
    Tuesday they say #いのちSOS is closed until 6:00, as the block above them does."""
    at(public_app, NIGHT)
    batch = make_batch(demo)
    sos = demo.scalars(select(Service.id).where(Service.name == "#いのちSOS")).one()

    for url in ("/", f"/c/{batch.code}"):
        html = client.get(url).get_data(as_text=True)
        card = html[html.index(f'id="service-{sos}"') :]
        card = card[: card.index("</article>")]
        assert "受付時間外" in card and "次の受付: 12月8日(火) 6:00から" in card, url
    english = client.get("/en/").get_data(as_text=True)
    assert "Next open: Tue 8 Dec 6:00" in english[english.index('<main id="main"') :]


def test_error_pages_read_no_database_and_still_offer_help(
    settings: Settings, tmp_path: Path
) -> None:
    broken = replace(settings, database_url=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    app = create_public_app(broken)
    at(app, NIGHT)

    response = app.test_client().get("/")

    assert response.status_code == 500
    block = block_html(response.get_data(as_text=True))
    assert 'href="tel:119"' in block and 'href="tel:110"' in block
    assert "ほかの相談先" in block


def test_a_crisis_search_lists_the_open_lines_first_and_prints_them_so(
    public_app: Flask, client: FlaskClient, demo: Session
) -> None:
    """At 2:30, "suicide" on the English pages: 自殺予防いのちの電話 has the word in its name
    but is closed; the lines that answer come first all the same, on the page and on paper."""
    at(public_app, NIGHT)
    closed = demo.scalars(select(Service.id).where(Service.name.startswith("自殺予防"))).one()
    open_line = demo.scalars(select(Service.id).where(Service.name == "京都いのちの電話")).one()

    for url in ("/en/directory", "/directory", "/en/directory/print"):
        html = client.get(url, query_string={"q": "suicide"}).get_data(as_text=True)
        main = html[html.index('<main id="main"') :]
        assert main.index(open_line) < main.index(closed), url

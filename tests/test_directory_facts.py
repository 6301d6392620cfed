"""The demo directory holds only what the sourced fact sheet states."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.demo import load_demo_directory
from directory.facts import FACT_SHEET, parse_channels, read_rows
from directory.models import ContactChannel, Service

SHARED_SHEET = PROJECT_ROOT.parent / "shared" / "data" / "directory-facts.csv"


def test_fact_sheet_copy_matches_the_shared_source() -> None:
    if not SHARED_SHEET.exists():
        pytest.fail(f"the shared fact sheet is missing at {SHARED_SHEET}")
    assert FACT_SHEET.read_bytes() == SHARED_SHEET.read_bytes()


def test_every_number_and_address_is_verbatim_from_its_row(demo: Session) -> None:
    rows = {row["name"]: row for row in read_rows()}
    for service in demo.scalars(select(Service)):
        row = rows[service.name]
        for channel in service.channels:
            assert channel.value in row["contact"], (service.name, channel.value)
        assert service.hours_note == row["hours"]
        assert service.address == row["address"]
        assert service.source_url == row["source_url"]


def test_low_confidence_rows_are_marked_to_verify(demo: Session) -> None:
    rows = {row["name"]: row["confidence"] for row in read_rows()}
    for service in demo.scalars(select(Service)):
        assert service.needs_check == (rows[service.name] == "low"), service.name


def test_service_codes_become_safe_tel_links() -> None:
    channel = ContactChannel(kind="phone", value="#8008")

    assert channel.href == "tel:%238008"
    assert ContactChannel(kind="phone", value="0120-279-338").href == "tel:0120279338"
    assert ContactChannel(kind="line", value="@unconfirmed").href is None
    assert ContactChannel(kind="chat", value="javascript:alert(1)").href is None


def test_fax_numbers_never_become_phone_channels() -> None:
    channels = parse_channels("0772-69-0350（FAX 0772-62-1156）", "phone")

    assert [c.value for c in channels] == ["0772-69-0350"]
    assert channels[0].label == "FAX 0772-62-1156"


def test_several_numbers_keep_their_labels() -> None:
    channels = parse_channels("児童相談0773-22-3623／DV・女性相談0773-22-9911", "phone")

    assert [(c.value, c.label) for c in channels] == [
        ("0773-22-3623", "児童相談"),
        ("0773-22-9911", "DV・女性相談"),
    ]


def test_short_national_numbers_and_urls_are_recognised() -> None:
    assert [c.value for c in parse_channels("189（いちはやく）", "phone")] == ["189"]
    chat = parse_channels("0120-99-7777／チャット https://childline.or.jp/chat", "phone; chat")
    assert [(c.kind, c.value) for c in chat] == [
        ("phone", "0120-99-7777"),
        ("chat", "https://childline.or.jp/chat"),
    ]


def test_a_row_without_a_number_keeps_its_contact_note(demo: Session) -> None:
    service = demo.scalar(select(Service).where(Service.name == "北京都ジョブパーク"))

    assert service is not None
    assert service.channels == []
    assert service.contact_note == "電話番号未確認"


def test_loading_twice_updates_the_same_rows(session: Session) -> None:
    load_demo_directory(session)
    session.commit()
    ids = set(session.scalars(select(Service.id)))

    load_demo_directory(session)
    session.commit()

    assert set(session.scalars(select(Service.id))) == ids
    assert len(ids) == len(read_rows())

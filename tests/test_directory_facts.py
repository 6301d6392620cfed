"""The demo directory holds only what the sourced fact sheet states."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.demo import load_demo_directory
from directory.fact_notes import split_notes
from directory.facts import FACT_SHEET, needs_check, parse_channels, public_facts, read_rows
from directory.models import ContactChannel, Organization, Service

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
        # The sheet's text, less its research notes ("（2020年時点）", "※…"): nothing added.
        assert service.hours_note == split_notes(row["hours"])[0]
        assert service.address == split_notes(row["address"])[0]
        assert service.source_url == row["source_url"]


def test_low_confidence_rows_are_marked_to_verify(demo: Session) -> None:
    low = {row["name"] for row in read_rows() if row["confidence"] == "low"}
    checked = {s.name for s in demo.scalars(select(Service).where(Service.needs_check))}

    assert low and low <= checked


def test_facts_the_sheet_does_not_confirm_are_marked_to_verify(demo: Session) -> None:
    services = {s.name: s for s in demo.scalars(select(Service))}
    # High confidence, but the hours in Kyoto are "未確認" in the sheet's hours column.
    unified = services["こころの健康相談統一ダイヤル"]
    assert unified.needs_check and unified.check_note.startswith("未確認の項目: 受付時間。")
    # High confidence, but the note asks to confirm the number before it is published.
    assert services["自殺予防いのちの電話（フリーダイヤル）"].needs_check
    # Cost "no/unclear" and languages "未確認": both columns are named for staff.
    foreign = services["外国人のための人権相談"]
    assert foreign.check_note.startswith("未確認の項目: 費用・言語。")
    # Nothing in the row is marked: no check asked for.
    assert not services["DV相談＋（プラス）"].needs_check


def test_every_row_is_marked_exactly_when_the_sheet_asks_for_a_check() -> None:
    for row in read_rows():
        marks = [row[c] for c in ("contact", "hours", "free", "languages", "address", "note")]
        unsure = any(w in text for text in marks for w in ("未確認", "要再確認", "unclear"))
        if row["confidence"] == "low" or unsure:
            assert needs_check(row), row["name"]


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
    service = demo.scalar(
        select(Service).where(Service.name == "生活困窮者自立支援制度（自立相談支援機関）")
    )

    assert service is not None
    assert service.channels == []
    assert service.contact_note == "全国共通番号なし—住所地の自立相談支援窓口へ"


def test_a_contact_the_sheet_does_not_know_is_left_to_staff(demo: Session) -> None:
    service = demo.scalar(select(Service).where(Service.name == "北京都ジョブパーク"))

    assert service is not None
    assert service.channels == [] and service.contact_note == ""
    assert "電話番号未確認" in service.check_note
    assert not service.contact_confirmed


@pytest.mark.parametrize(
    ("value", "public", "note"),
    [
        ("10:00–22:00（2020年時点）", "10:00–22:00", "2020年時点"),
        ("京丹後市（健康推進課所管とみられる）", "京丹後市", "健康推進課所管とみられる"),
        ("0772-69-0001（代表；二次資料）", "0772-69-0001（代表）", "二次資料"),
        ("杉谷691番地（福祉事務所）※2020年時点", "杉谷691番地（福祉事務所）", "※2020年時点"),
        ("LINE（アカウントID未確認）", "LINE", "アカウントID未確認"),
        ("電話番号未確認", "", "電話番号未確認"),
        ("未確認（https://a.jp/ ）", "https://a.jp/", "未確認（https://a.jp/ ）"),
        ("資料で食い違い: 平日9:00–20:00／24時間", "", "資料で食い違い: 平日9:00–20:00／24時間"),
        ("毎日16:00–21:00。24時間体制の報道あり", "毎日16:00–21:00", "24時間体制の報道あり"),
        ("24時間・年中無休（1985年4月から）", "24時間・年中無休（1985年4月から）", None),
        ("平日（2023年8月23–29日は時間延長）", "平日", "2023年8月23–29日は時間延長"),
    ],
)  # fmt: skip
def test_research_notes_leave_the_facts_for_the_staff_note(
    value: str, public: str, note: str | None
) -> None:
    cleaned, notes = split_notes(value)

    assert cleaned == public
    assert notes == ([note] if note else [])


def test_organisation_names_carry_no_notes(demo: Session) -> None:
    names = set(demo.scalars(select(Organization.name)))

    assert "京丹後市" in names
    assert not [name for name in names if "とみられ" in name or "記事" in name]
    service = demo.scalar(select(Service).where(Service.name.startswith("生きづらびっと")))
    assert service is not None
    assert service.organization.name == "特定非営利活動法人自殺対策支援センターライフリンク"
    assert "2018年記事では社会的包摂サポートセンター運営" in service.check_note


def test_contacts_the_sheet_doubts_are_unconfirmed() -> None:
    rows = {row["name"]: row for row in read_rows()}

    # A secondary source for the number; a URL known only from a 2020 article; low confidence.
    assert "連絡先" in public_facts(rows["京丹後市役所（本庁・峰山庁舎）"]).notes
    assert not public_facts(rows["あなたのいばしょチャット相談"]).contact_confirmed
    assert public_facts(rows["24時間子供SOSダイヤル"]).contact_confirmed


def test_demo_marks_unconfirmed_contacts_and_keeps_sure_ones(demo: Session) -> None:
    services = {s.name: s for s in demo.scalars(select(Service))}

    assert not services["京丹後市役所（本庁・峰山庁舎）"].contact_confirmed
    assert not services["京都府こころのケアセンター"].contact_confirmed  # low confidence
    assert services["24時間子供SOSダイヤル"].contact_confirmed
    assert services["京都いのちの電話"].contact_confirmed


def test_loading_twice_updates_the_same_rows(session: Session) -> None:
    load_demo_directory(session)
    session.commit()
    ids = set(session.scalars(select(Service.id)))

    load_demo_directory(session)
    session.commit()

    assert set(session.scalars(select(Service.id))) == ids
    assert len(ids) == len(read_rows())


def test_a_dated_change_in_an_operator_name_is_a_note_for_staff() -> None:
    name, notes = split_notes("都道府県・指定都市（全67自治体に設置）；令和4年度から市町村も設置可")

    assert name == "都道府県・指定都市（全67自治体に設置）"
    assert notes == ["令和4年度から市町村も設置可"]

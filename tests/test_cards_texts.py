"""What a card says, in plain words: free, anonymous, what the QR code does, when someone answers,
which numbers answer at any hour; the window's official name only small."""

from __future__ import annotations

from dataclasses import replace

import pypdfium2 as pdfium
import pytest
from sqlalchemy.orm import Session

from cards.design import CardDesign, default_design
from cards.designs import card_design, get_design, profile_design, stored_fields
from cards.layout import CardLayout, TextRun
from cards.render import card_layouts, render_card_pdf
from cards.textfit import MIN_SIZE_PT
from core.config import DEFAULT_PROFILE
from core.profile import get_profile, read_profile_file
from tests.test_cards_render import NATIONAL, URL, decode, pages

YORISOI = "0120-279-338"


@pytest.fixture(scope="module")
def design() -> CardDesign:
    return replace(
        default_design(read_profile_file(DEFAULT_PROFILE), NATIONAL, [YORISOI]),
        hours="毎日 17:00〜22:30",
    )


def runs(layout: CardLayout) -> list[TextRun]:
    return [op for op in layout.ops if isinstance(op, TextRun)]


def printed(layout: CardLayout) -> str:
    return "\n".join(run.text for run in runs(layout))


def size_of(layout: CardLayout, text: str) -> float:
    return next(run.size for run in runs(layout) if text in run.text)


def test_the_front_says_free_anonymous_how_and_when(design: CardDesign) -> None:
    front = card_layouts(design, URL)[0]
    text = printed(front)
    for words in (
        "相談は無料、匿名でも大丈夫です",
        "QRコードを読み取ると、",
        "LINEで相談できます",
        "受付：毎日 17:00〜22:30",
        "時間外は、裏面の24時間の番号へ",
        "京丹後市 連携自治体専用相談窓口",
    ):
        assert words in text, words


def test_the_official_window_name_is_only_a_small_subtitle(design: CardDesign) -> None:
    front = card_layouts(design, URL)[0]
    subtitle = size_of(front, "連携自治体専用相談窓口")
    assert subtitle <= 6.5
    for words in ("無料", "QRコード", "相談できます", "受付", "ひとりで"):
        assert size_of(front, words) >= 8 > subtitle, words
    assert runs(front)[0].text.startswith("ひとりで")  # the invitation comes first
    assert min(run.size for run in runs(front)) >= MIN_SIZE_PT


def test_the_qr_sentence_names_the_windows_own_channel(design: CardDesign) -> None:
    text = printed(card_layouts(replace(design, channel="チャット"), URL)[0])
    assert "チャットで相談できます" in text and "LINE" not in text


def test_without_known_hours_the_card_says_where_they_are_shown(design: CardDesign) -> None:
    text = printed(card_layouts(replace(design, hours=""), URL)[0])
    assert "受付時間は、読み取るとわかります\n" in text  # on one line
    assert "受付：" not in text


def test_a_window_open_day_and_night_needs_no_out_of_hours_hint(design: CardDesign) -> None:
    text = printed(card_layouts(replace(design, hours="24時間・365日"), URL)[0])
    assert "受付：24時間・365日" in text and "時間外" not in text


def test_the_poster_points_to_the_numbers_on_its_own_face(design: CardDesign) -> None:
    poster = card_layouts(design, URL, "poster")[0]
    text = printed(poster)
    assert "時間外は、24時間の番号へ" in text and "裏面" not in text
    assert "119　救急車・火事（24時間）" in text


def test_numbers_that_answer_at_any_hour_are_marked(design: CardDesign) -> None:
    back = printed(card_layouts(design, URL)[1])
    assert "119　救急車・火事（24時間）" in back
    assert "110　警察（24時間）" in back
    assert f"よりそいホットライン　{YORISOI}（24時間）" in back
    assert "こころの健康相談統一ダイヤル　0570-064-556\n" in back + "\n"  # not marked
    assert back.count("24時間") == 3


def test_the_new_texts_are_in_the_pdf_and_the_code_still_reads(design: CardDesign) -> None:
    pdf = render_card_pdf(design, URL)
    document = pdfium.PdfDocument(pdf)
    front = document[0].get_textpage().get_text_bounded().replace("\r", "").replace("\n", "")
    back = document[1].get_textpage().get_text_bounded()
    assert "相談は無料、匿名でも大丈夫です" in front
    assert "QRコードを読み取ると、LINEで相談できます" in front
    assert "（24時間）" in back
    assert [b.text for b in decode(pages(pdf, 300)[0])] == [URL]


def test_the_directory_says_which_national_line_answers_all_day(demo: Session) -> None:
    profile = get_profile(demo, read_profile_file(DEFAULT_PROFILE))
    design = profile_design(demo, profile)
    assert ("よりそいホットライン", YORISOI) in design.national_channels
    assert design.around_the_clock == (YORISOI,)  # 24時間・365日 in the directory; no other
    # Never stored with a design: it follows the directory's hours.
    assert "around_the_clock" not in stored_fields(design)
    saved = get_design(demo)
    assert saved is not None
    assert card_design(saved, design).around_the_clock == (YORISOI,)

"""Normalisation: however a resident types a word, it has one matching key."""

from __future__ import annotations

import pytest

from directory.textnorm import (
    bigrams,
    is_short_kana,
    normalize,
    reading,
    strip_controls,
    suggested_reading,
    words,
)


@pytest.mark.parametrize(
    "spelling", ["ひきこもり", "ヒキコモリ", "ﾋｷｺﾓﾘ", "ひき こもり", "ヒキ・コモリ"]
)
def test_kana_and_width_variants_share_one_key(spelling: str) -> None:
    assert normalize(spelling) == "ひきこもり"


def test_full_width_latin_is_folded_and_casefolded() -> None:
    assert normalize("ＤＶ") == normalize("dv") == normalize("Dv") == "dv"
    assert normalize("ＬＧＢＴＱ＋") == "lgbtq"


def test_long_vowel_marks_and_small_kana_are_folded() -> None:
    assert normalize("ローン") == normalize("ロン")
    assert normalize("ﾛｰﾝ") == normalize("ローン")
    assert normalize("しゃっきん") == normalize("しやつきん")
    assert normalize("ガッコウ") == normalize("がつこう")
    assert normalize("ヴァイオリン") == normalize("ゔあいおりん")


def test_voiced_marks_are_kept_apart() -> None:
    assert normalize("がっこう") != normalize("かっこう")
    assert normalize("ｶﾞｯｺｳ") == normalize("がっこう")


def test_spaces_punctuation_and_symbols_are_removed() -> None:
    assert normalize("借金・お金（相談）！") == "借金お金相談"
    assert normalize("#いのち SOS") == "いのちsos"
    assert normalize("0120-279-338") == "0120279338"


def test_control_and_invisible_characters_are_stripped() -> None:
    assert strip_controls("借\x00金\u200b相\u202e談") == "借金相談"
    assert strip_controls("借金\n相談\t窓口") == "借金 相談 窓口"
    assert normalize("借\x00金\u200b") == "借金"


def test_words_split_on_any_space_and_drop_empty_ones() -> None:
    assert words("京都　借金  ") == ["京都", "借金"]
    assert words(" \u3000・！ ") == []
    assert words("ＤＶ\x00相談") == ["dv相談"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("借金", "しやつきん"),
        ("多重債務", "たじゆうさいむ"),
        ("引きこもり", "ひきこもり"),
        ("家庭内暴力", "かていないぼうりよく"),
        ("京都いのちの電話", "きようといのちのでんわ"),
    ],
)
def test_reading_gives_the_kana_of_kanji_as_a_key(written: str, read: str) -> None:
    assert reading(written) == read


def test_reading_keeps_kana_and_latin() -> None:
    assert reading("DV相談ナビ") == "dvそうだんなび"
    assert reading("") == ""


def test_bigrams_are_the_overlapping_pairs() -> None:
    assert bigrams("借金相談") == ["借金", "金相", "相談"]
    assert bigrams("金") == []


def test_a_suggested_reading_is_written_as_read_for_staff_to_check() -> None:
    # Unlike the matching key, small kana stay small: it is shown, not matched.
    assert suggested_reading("京丹後市") == "きょうたんごし"
    assert suggested_reading("借金相談センター") == "しゃっきんそうだんせんたー"
    assert suggested_reading("DV相談") == "DVそうだん"
    assert suggested_reading("ABC Support") == ""  # nothing Japanese: nothing to suggest


@pytest.mark.parametrize("typed", ["うつ", "ウツ", "ｳﾂ", "う", "ウー", "かね"])
def test_one_or_two_kana_are_short_kana(typed: str) -> None:
    assert is_short_kana(normalize(typed))


@pytest.mark.parametrize("typed", ["鬱", "借金", "DV", "いじめ", "うつ病", "う2", ""])
def test_kanji_letters_and_longer_kana_are_not_short_kana(typed: str) -> None:
    assert not is_short_kana(normalize(typed))

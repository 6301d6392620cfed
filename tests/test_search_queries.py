"""What people type, and the help the demo directory should put first (issue #13).

Each row is a query and one expectation about its results. The order within a relevance tier
may change (services open now first), so the expectations are about relevance: the first
result is one of a set, the top three include a service, every result is of the right kind, or
a service that has nothing to do with the query is not in the top three. The clock is pinned to
a weekday morning in Tokyo, when most lines are open.

To add a query, add a row under its group (or a new group with a comment saying what it is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import get_engine
from core.timezone import TOKYO
from directory.models import SearchSynonym, Service
from directory.search.query import SearchQuery
from directory.search.results import search_services
from directory.search.synonym_tokens import refresh_synonym_tokens
from tests.staff import signed_in_client

MONDAY_MORNING = datetime(2026, 3, 9, 10, 0, tzinfo=TOKYO)  # not a holiday

# Services of the demo directory, by the kind of help they give.
KOKORO = frozenset(  # topic こころの悩み (mental health)
    {
        "#いのちSOS",
        "10代20代の女の子専用LINE",
        "あなたのいばしょチャット相談",
        "いのちの電話（ナビダイヤル）",
        "こころのほっとチャット",
        "こころの健康相談統一ダイヤル",
        "ひきこもり地域支援センター",
        "よりそいホットライン",
        "チャイルドライン",
        "京丹後市 健康長寿福祉部 健康推進課",
        "京都いのちの電話",
        "京都府こころのケアセンター",
        "京都府自殺ストップセンター",
        "生きづらびっと（よりそいチャット）",
        "自殺予防いのちの電話（フリーダイヤル）",
    }
)
# A word of the group in the name (こころの健康, こころのケア, メンタルヘルス in its operator's).
KOKORO_BY_NAME = frozenset(
    {"こころの健康相談統一ダイヤル", "京都府こころのケアセンター", "こころのほっとチャット"}
)
LISTENING = frozenset(  # lines that listen to anyone: いのちの電話, よりそい, いばしょ
    {
        "京都いのちの電話",
        "いのちの電話（ナビダイヤル）",
        "自殺予防いのちの電話（フリーダイヤル）",
        "よりそいホットライン",
        "生きづらびっと（よりそいチャット）",
        "あなたのいばしょチャット相談",
    }
)
SUICIDE = frozenset(  # lines and offices for people who think of suicide
    {
        "京都いのちの電話",
        "京都府自殺ストップセンター",
        "いのちの電話（ナビダイヤル）",
        "自殺予防いのちの電話（フリーダイヤル）",
        "#いのちSOS",
        "よりそいホットライン",
        "生きづらびっと（よりそいチャット）",
        "京丹後市 健康長寿福祉部 健康推進課",
    }
)
MONEY = frozenset(  # debt, household money, 生活困窮
    {
        "京丹後市消費生活センター",
        "京丹後市寄り添い支援総合サポートセンター（生活困窮・総合相談）",
        "生活困窮者自立支援制度（自立相談支援機関）",
        "貸金業相談・紛争解決センター",
        "法テラス・サポートダイヤル",
        "消費者ホットライン",
        "よりそいホットライン",
    }
)
SCHOOL = frozenset({"チャイルドライン", "24時間子供SOSダイヤル", "こどもの人権110番"})
WORK = frozenset(
    {
        "北京都ジョブパーク",
        "京丹後市寄り添い支援総合サポートセンター（生活困窮・総合相談）",
        "生活困窮者自立支援制度（自立相談支援機関）",
        "法テラス・サポートダイヤル",
    }
)
DV = frozenset(
    {
        "DV相談ナビ",
        "DV相談＋（プラス）",
        "京都府福知山児童相談所（児童相談・DV/女性相談）",
        "女性の人権ホットライン",
        "京都府家庭支援総合センター",
    }
)
ABUSE = frozenset({"児童相談所虐待対応ダイヤル", "こどもの人権110番", "京都府家庭支援総合センター"})
SARA = "京都SARA（京都性暴力被害者ワンストップ相談支援センター）"
ONE_STOP = "性犯罪・性暴力被害者のためのワンストップ支援センター 全国共通番号"  # きょうつう
SEXUAL = frozenset({SARA, ONE_STOP})
HIKIKOMORI = frozenset(
    {
        "京都府脱ひきこもり支援センター（北部サテライト）",
        "ひきこもり地域支援センター",
        "京都府家庭支援総合センター",
    }
)
ADDICTION = frozenset(
    {
        "貸金業相談・紛争解決センター",
        "京都府こころのケアセンター",
        "生きづらびっと（よりそいチャット）",
    }
)
FOREIGN = frozenset(
    {
        "外国人のための人権相談",
        "よりそいホットライン",
        "DV相談＋（プラス）",
        "法テラス・サポートダイヤル",
    }
)
CITY_HALL = "京丹後市役所（本庁・峰山庁舎）"
JOB_PARK = "北京都ジョブパーク"


@dataclass(frozen=True)
class Expect:
    says: str
    holds: Callable[[list[str]], bool]


def first_in(names: frozenset[str] | set[str]) -> Expect:
    return Expect(f"first result in {sorted(names)}", lambda got: bool(got) and got[0] in names)


def top3_has(name: str) -> Expect:
    return Expect(f"top 3 include {name}", lambda got: name in got[:3])


def top3_lacks(name: str) -> Expect:
    return Expect(f"top 3 without {name}", lambda got: bool(got) and name not in got[:3])


def only(names: frozenset[str] | set[str]) -> Expect:
    return Expect(f"results, all in {sorted(names)}", lambda got: bool(got) and set(got) <= names)


def nothing() -> Expect:
    return Expect("no result", lambda got: not got)


QUERIES: list[tuple[str, Expect]] = [
    # Sleep: 眠れない and its spellings lead to mental-health lines.
    ("眠れない", only(KOKORO)),
    ("ねむれない", only(KOKORO)),
    ("ネムレナイ", only(KOKORO)),
    ("寝れない", only(KOKORO)),
    ("寝られない", only(KOKORO)),
    ("眠れ ない", only(KOKORO)),
    ("不眠", only(KOKORO)),
    ("不眠症", only(KOKORO)),
    ("ふみんしょう", only(KOKORO)),
    ("睡眠", only(KOKORO)),
    # Depression: うつ in every spelling; two kana never match inside 共通 (きょうつう).
    ("うつ", first_in(KOKORO_BY_NAME)),
    ("うつ", only(KOKORO)),
    ("うつ", top3_lacks(ONE_STOP)),
    ("ウツ", first_in(KOKORO_BY_NAME)),
    ("ｳﾂ", first_in(KOKORO_BY_NAME)),
    ("鬱", only(KOKORO)),
    ("うつ病", only(KOKORO)),
    ("鬱病", only(KOKORO)),
    ("うつびょう", only(KOKORO)),
    ("抑うつ", only(KOKORO)),
    ("憂鬱", only(KOKORO)),
    ("落ち込む", only(KOKORO)),
    ("気分が落ち込む", only(KOKORO)),
    ("京都 うつ", first_in(KOKORO)),
    ("京都 うつ", top3_lacks(ONE_STOP)),
    # Anxiety, stress, exhaustion.
    ("不安", only(KOKORO)),
    ("ストレス", only(KOKORO)),
    ("しんどい", only(KOKORO)),
    ("疲れた", only(KOKORO)),
    ("メンタルヘルス", only(KOKORO)),
    ("こころの健康", first_in({"こころの健康相談統一ダイヤル"} | KOKORO)),
    # Loneliness and isolation lead to lines that listen.
    ("さみしい", only(LISTENING)),
    ("さびしい", only(LISTENING)),
    ("寂しい", only(LISTENING)),
    ("淋しい", only(LISTENING)),
    ("サミシイ", only(LISTENING)),
    ("孤独", only(LISTENING)),
    ("こどく", only(LISTENING)),
    ("孤立", only(LISTENING)),
    ("ひとりぼっち", only(LISTENING)),
    ("話し相手", only(LISTENING)),
    ("居場所", top3_has("あなたのいばしょチャット相談")),
    ("いばしょ", first_in({"あなたのいばしょチャット相談"})),
    # Money: お金がない leads to 生活困窮, debt and household-money services.
    ("お金がない", only(MONEY)),
    ("おかねがない", only(MONEY)),
    ("お金 ない", only(MONEY)),
    ("金がない", only(MONEY)),
    ("かね", only(MONEY)),
    ("生活できない", only(MONEY)),
    ("家賃が払えない", only(MONEY)),
    ("生活保護", only(MONEY)),
    ("家計", only(MONEY)),
    ("借金", only(MONEY)),
    ("しゃっきん", only(MONEY)),
    ("多重債務", first_in(MONEY)),
    # Bullying and school lead to children's lines.
    ("いじめ", only(SCHOOL)),
    ("イジメ", only(SCHOOL)),
    ("いじめられている", only(SCHOOL)),
    ("不登校", only(SCHOOL)),
    ("学校に行きたくない", only(SCHOOL)),
    ("仲間外れ", only(SCHOOL)),
    # Work.
    ("仕事がない", only(WORK)),
    ("失業", only(WORK)),
    ("クビ", only(WORK)),
    ("解雇", top3_has(JOB_PARK)),
    # Violence at home, abuse, sexual violence.
    ("DV", first_in(DV)),
    ("ＤＶ", first_in(DV)),
    ("夫が怖い", first_in(DV)),
    ("殴られる", first_in(DV)),
    ("虐待", only(ABUSE)),
    ("ぎゃくたい", only(ABUSE)),
    ("性暴力", first_in(SEXUAL)),
    ("性被害", first_in(SEXUAL)),
    # Other needs.
    ("ひきこもり", only(HIKIKOMORI)),
    ("ヒキコモリ", only(HIKIKOMORI)),
    ("ﾋｷｺﾓﾘ", only(HIKIKOMORI)),
    ("引きこもり", only(HIKIKOMORI)),
    ("ギャンブル", only(ADDICTION)),
    ("お酒", only(ADDICTION)),
    ("さけ", only(ADDICTION)),
    ("依存症", only(ADDICTION)),
    ("外国人", only(FOREIGN)),
    ("ストーカー", first_in({"警察相談専用電話"})),
    ("離婚", first_in({"法テラス・サポートダイヤル"})),
    ("詐欺", only({"京丹後市消費生活センター", "消費者ホットライン"})),
    ("妊娠", top3_has("子育て世代包括支援センター「はぐはぐ」")),
    # Suicide and crisis words find the lines for them.
    ("死にたい", first_in(SUICIDE)),
    ("死にたい", only(KOKORO)),
    ("消えたい", first_in(SUICIDE)),
    ("助けて", top3_has("京都いのちの電話")),
    # English, typed on / or /en/.
    # English crisis words find what 死にたい finds (the same vocabulary group).
    ("suicide", first_in(SUICIDE)),
    ("suicide", only(KOKORO)),
    ("Suicidal", first_in(SUICIDE)),
    ("I want to die", first_in(SUICIDE)),
    ("I want to die", only(KOKORO)),
    ("depression", only(KOKORO)),
    ("depressed", only(KOKORO)),
    ("lonely", only(LISTENING)),
    ("I feel lonely", only(LISTENING)),
    ("loneliness", only(LISTENING)),
    ("crisis", first_in(LISTENING | {"#いのちSOS", "24時間子供SOSダイヤル"})),
    ("help", first_in(LISTENING | {"#いのちSOS", "24時間子供SOSダイヤル"})),
    ("I need help", first_in(LISTENING | {"#いのちSOS", "24時間子供SOSダイヤル"})),
    ("insomnia", only(KOKORO)),
    ("can't sleep", only(KOKORO)),
    ("sleep", only(KOKORO)),
    ("anxiety", only(KOKORO)),
    ("no money", only(MONEY)),
    ("debt", only(MONEY)),
    ("bullying", only(SCHOOL)),
    ("domestic violence", first_in(DV)),
    ("abuse", only(ABUSE)),
    ("hikikomori", only(HIKIKOMORI)),
    ("gambling", only(ADDICTION)),
    ("LGBTQ", top3_has("よりそいホットライン")),
    ("foreigner", only(FOREIGN)),
    ("lost my job", only(WORK)),
    ("sexual assault", first_in(SEXUAL)),
    # English names and words of the English texts staff write (services_en.toml).
    ("helpline", only(LISTENING | {"#いのちSOS"})),
    ("helpline", first_in(LISTENING)),
    ("English", only(FOREIGN)),
    ("Yorisoi", first_in({"よりそいホットライン"})),
    ("Inochi no Denwa", first_in(LISTENING)),
    ("Childline", first_in({"チャイルドライン"})),
    ("Houterasu", first_in({"法テラス・サポートダイヤル"})),
    ("City Hall", first_in({CITY_HALL})),
    ("mental health", first_in(KOKORO)),
    # Names and places still find themselves first.
    ("いのちの電話", first_in(LISTENING)),
    ("チャイルドライン", first_in({"チャイルドライン"})),
    ("法テラス", first_in({"法テラス・サポートダイヤル"})),
    ("京丹後 借金", only(MONEY)),
    ("京丹後", top3_has(CITY_HALL)),
    # One or two kana that lead nowhere find nothing, rather than pieces of other words.
    ("ばん", nothing()),  # inside 110番 and 番号 (ばんごう)
    ("う", nothing()),
    ("ぞうきん", nothing()),
]


@pytest.fixture
def pinned_clock() -> Iterator[datetime]:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        yield datetime.now(UTC)


def found(session: Session, text: str, now: datetime) -> list[str]:
    query = SearchQuery.from_args({"q": text, "per_page": "50"})
    return [summary.name for summary in search_services(session, query, now=now).items]


def test_the_table_has_at_least_eighty_real_queries() -> None:
    assert len({text for text, _ in QUERIES}) >= 80


def test_each_query_finds_the_help_it_asks_for(demo: Session, pinned_clock: datetime) -> None:
    failures = []
    for text, expect in QUERIES:
        got = found(demo, text, pinned_clock)
        if not expect.holds(got):
            failures.append(f"{text!r}: expected {expect.says}; got {got[:5]}")
    assert not failures, "\n".join(failures)


def test_staff_see_the_vocabulary_among_the_synonyms_they_edit(
    backoffice_app: Flask, demo: Session
) -> None:
    page = signed_in_client(backoffice_app, "editor").get("/directory/synonyms")
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "眠れない" in text and "お金がない" in text and "lonely" in text
    assert "検索語としてだけ使われます" in text  # how one or two kana are used


def test_an_instance_without_the_vocabulary_gets_it_from_the_command(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["tsunagu", "init"]).exit_code == 0
    assert runner.invoke(args=["tsunagu", "demo"]).exit_code == 0
    engine = get_engine(empty_app)
    with Session(engine) as session:  # an instance set up before the vocabulary existed
        session.execute(delete(SearchSynonym))
        refresh_synonym_tokens(session)
        session.commit()
        assert found(session, "眠れない", datetime.now(UTC)) == []

    loaded = runner.invoke(args=["directory", "vocabulary"])
    again = runner.invoke(args=["directory", "vocabulary"])

    assert loaded.exit_code == 0 and "groups added" in loaded.output
    assert "vocabulary: 0 groups added" in again.output
    with Session(engine) as session:
        assert set(found(session, "眠れない", datetime.now(UTC))) <= KOKORO
        assert found(session, "眠れない", datetime.now(UTC))


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_english_words_find_help_on_either_page(
    client: FlaskClient, demo: Session, pinned_clock: datetime, prefix: str
) -> None:
    name = "いのちの電話（ナビダイヤル）"  # not a crisis line: shown only among results
    line = demo.scalars(select(Service).where(Service.name == name)).one()
    link = f"{prefix}/directory/services/{line.id}"

    lonely = client.get(f"{prefix}/directory?q=lonely").get_data(as_text=True)
    unknown = client.get(f"{prefix}/directory?q=xyzzy").get_data(as_text=True)

    assert link in lonely
    assert link not in unknown

"""Directory search: any spelling, synonyms, filters with AND, local first, hostile input."""

from __future__ import annotations

import itertools
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from core.db import make_engine
from core.migrate import alembic_config, upgrade_to_head
from directory.demo import load_demo_directory
from directory.models import (
    AREAS,
    ContactChannel,
    Organization,
    Schedule,
    SearchSynonym,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from directory.search import results
from directory.search.fts_tables import ensure_fts
from directory.search.index import ServiceSearchText, doc_id_for
from directory.search.plan import Plan
from directory.search.query import SearchQuery
from directory.search.reindex import reindex
from directory.search.results import SearchResult, search_services
from directory.search.synonym_tokens import refresh_synonym_tokens
from directory.search.synonyms import load_synonyms
from tests.conftest import SERVER_URL
from tests.databases import fresh_database
from tests.demo_copies import DemoCopies

# A Monday, 10:00 in Tokyo, not a public holiday.
MONDAY_MORNING = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)
MONDAY_NIGHT = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo


def load_directory(session: Session) -> None:
    load_demo_directory(session)
    load_synonyms(session)
    reindex(session)
    session.commit()


@pytest.fixture
def directory(session: Session, demo_copies: DemoCopies) -> Session:
    return demo_copies.load(session, load_directory)


def search(session: Session, now: datetime = MONDAY_MORNING, **args: object) -> SearchResult:
    return search_services(session, SearchQuery.from_args({"per_page": "50", **args}), now=now)


def names(result: SearchResult) -> list[str]:
    return [service.name for service in result.items]


def services(session: Session, result: SearchResult) -> list[Service]:
    """The results as the tables hold them (a result lists summaries, copies of what it shows)."""
    return [session.get_one(Service, summary.id) for summary in result.items]


def add_service(
    session: Session, name: str, *, area: str = "national", sort_order: int = 0, **fields: object
) -> Service:
    organization = Organization(id=str(uuid.uuid4()), name="テスト運営団体")
    service = Service(
        id=str(uuid.uuid4()),
        organization=organization,
        name=name,
        area=area,
        status="published",
        sort_order=sort_order,
        **fields,
    )
    session.add(service)
    session.flush()
    reindex(session, [service])
    session.commit()
    return service


# ---- spelling, readings, synonyms -------------------------------------------------------------


def test_hiragana_katakana_and_half_width_find_the_same_services(directory: Session) -> None:
    found = [names(search(directory, q=q)) for q in ("ひきこもり", "ヒキコモリ", "ﾋｷｺﾓﾘ")]

    assert found[0]
    assert found[0] == found[1] == found[2]
    assert "ひきこもり地域支援センター" in found[0]


def test_kana_finds_a_name_written_in_kanji_through_its_reading(directory: Session) -> None:
    add_service(directory, "多重債務者支援窓口")

    assert "多重債務者支援窓口" in names(search(directory, q="たじゅうさいむしゃ"))


def test_shakkin_in_kana_finds_debt_services(directory: Session) -> None:
    result = search(directory, q="しゃっきん")

    assert result.items
    for service in services(directory, result):
        topics = " ".join(topic.name for topic in service.topics)
        assert "借金" in service.name + topics


def test_synonyms_lead_from_tajuu_saimu_to_debt_services(directory: Session) -> None:
    found = names(search(directory, q="多重債務"))

    assert {"消費者ホットライン", "貸金業相談・紛争解決センター"} <= set(found)


def test_dv_finds_violence_and_dv_services(directory: Session) -> None:
    found = names(search(directory, q="ＤＶ"))

    assert "DV相談ナビ" in found
    assert any("暴力" in name for name in found)


@pytest.mark.parametrize("words", ["死にたい", "消えたい", "つらい", "しにたい"])
def test_crisis_words_lead_to_crisis_lines(directory: Session, words: str) -> None:
    found = names(search(directory, q=words))

    assert {"京都いのちの電話", "#いのちSOS", "こころの健康相談統一ダイヤル"} <= set(found)


def test_every_word_must_match(directory: Session) -> None:
    both = names(search(directory, q="京都 いのちの電話"))

    assert "京都いのちの電話" in both
    assert "いのちの電話（ナビダイヤル）" not in both


def test_synonyms_and_alternatives_still_combine_with_and(directory: Session) -> None:
    result = search(directory, q="京都 死にたい", channels="phone,line", areas="prefecture")

    assert "京都いのちの電話" in names(result)
    for service in services(directory, result):
        assert service.area == "prefecture"
        assert {"phone", "line"} & {channel.kind for channel in service.channels}
    everywhere = names(search(directory, q="死にたい"))
    assert "こころの健康相談統一ダイヤル" in everywhere
    assert "こころの健康相談統一ダイヤル" not in names(result)


def test_a_single_character_is_found_anywhere_in_a_word(directory: Session) -> None:
    add_service(directory, "らーめん市")

    assert "貸金業相談・紛争解決センター" in names(search(directory, q="金"))
    assert "らーめん市" in names(search(directory, q="市"))
    assert search(directory, q="ゞ").total == 0


@pytest.mark.sqlite_only
def test_sqlite_without_its_fts_index_scans_and_finds_the_same(directory: Session) -> None:
    queries = [{"q": "しゃっきん"}, {"q": "金", "free": "1"}, {"topics": "debt"}, {}]
    indexed = [names(search(directory, **args)) for args in queries]
    connection = directory.connection()
    for name in ("ai", "ad", "au"):
        connection.exec_driver_sql(f"DROP TRIGGER service_search_fts_{name}")
    connection.exec_driver_sql("DROP TABLE service_search_fts")
    connection.exec_driver_sql("DROP TABLE service_search_fts_name")
    try:
        assert [names(search(directory, **args)) for args in queries] == indexed
    finally:
        ensure_fts(connection)
        directory.commit()


def test_load_synonyms_is_idempotent_and_staff_groups_are_used(directory: Session) -> None:
    before = directory.scalar(select(func.count()).select_from(SearchSynonym))

    assert load_synonyms(directory) == 0
    assert directory.scalar(select(func.count()).select_from(SearchSynonym)) == before

    group = SearchSynonym(terms=["ぞうきん", "貸金業"], note="staff")
    directory.add(group)
    directory.flush()
    group_id = group.id
    assert refresh_synonym_tokens(directory, [group_id]) >= 1
    directory.commit()
    assert "貸金業相談・紛争解決センター" in names(search(directory, q="ゾウキン"))

    directory.delete(group)
    assert refresh_synonym_tokens(directory, [group_id]) >= 1
    directory.commit()
    assert search(directory, q="ゾウキン").total == 0
    assert refresh_synonym_tokens(directory) == 0  # every row is up to date


# ---- ranking ----------------------------------------------------------------------------------


def test_local_services_come_before_national_ones_when_equally_relevant(session: Session) -> None:
    add_service(session, "ぞうきん相談 全国", area="national", sort_order=0)
    add_service(session, "ぞうきん相談 府", area="prefecture", sort_order=5)
    add_service(session, "ぞうきん相談 市", area="municipality", sort_order=9)

    found = names(search(session, q="ぞうきん"))

    assert found == ["ぞうきん相談 市", "ぞうきん相談 府", "ぞうきん相談 全国"]


def test_a_name_match_ranks_above_a_description_match(session: Session) -> None:
    add_service(session, "暮らしの窓口", area="municipality", description="ぞうきんの相談も")
    add_service(session, "ぞうきん110番", area="national", sort_order=5)

    assert names(search(session, q="ぞうきん")) == ["ぞうきん110番", "暮らしの窓口"]


def test_sort_order_decides_among_equals(session: Session) -> None:
    add_service(session, "ぞうきん相談 二", sort_order=2)
    add_service(session, "ぞうきん相談 一", sort_order=1)

    assert names(search(session, q="ぞうきん")) == ["ぞうきん相談 一", "ぞうきん相談 二"]


TIERED = [
    {"q": "しゃっきん"},
    {"q": "死にたい"},
    {"q": "金"},
    {"q": "相談", "free": "1"},
    {"q": "いのち", "areas": "prefecture,national"},
    {"topics": "debt", "channels": "phone,line"},
    {"q": "京都 死にたい"},
    {},
]


@pytest.mark.parametrize("args", TIERED, ids=range(len(TIERED)))
def test_tiers_read_in_index_order_rank_as_scoring_every_match_does(
    directory: Session, monkeypatch: pytest.MonkeyPatch, args: dict[str, str]
) -> None:
    def pages() -> list[tuple[int, list[str]]]:
        results = [search(directory, per_page="7", page=str(n), **args) for n in (1, 2, 3)]
        return [(result.total, [service.id for service in result.items]) for result in results]

    # The relevance order alone: open-now first within a tier is tested in test_crisis_ranking.
    monkeypatch.setattr(
        results,
        "night_ids",
        lambda runner, is_open, hours, limit, offset: runner.ids(limit, offset),
    )
    monkeypatch.setattr(
        results,
        "night_scored",
        lambda runner, is_open, limit, offset: results.page(runner, limit, offset),
    )
    tiered = pages()
    monkeypatch.setattr(Plan, "tiered", property(lambda plan: False))

    assert tiered[0][1]
    assert tiered == pages()


# ---- filters ----------------------------------------------------------------------------------

FILTERS: dict[str, tuple[dict[str, str], Callable[[Service], bool]]] = {
    "topic": ({"topics": "debt"}, lambda s: "debt" in {t.code for t in s.topics}),
    "channel": ({"channels": "line"}, lambda s: "line" in {c.kind for c in s.channels}),
    "area": ({"areas": "municipality"}, lambda s: s.area == "municipality"),
    "free": ({"free": "1"}, lambda s: s.cost == "free"),
    "anonymous": ({"anonymous": "1"}, lambda s: s.anonymous is True),
    "language": ({"languages": "ja"}, lambda s: "ja" in {lang.code for lang in s.languages}),
    "audience": ({"audiences": "youth"}, lambda s: "youth" in s.audiences),
}


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_narrows_the_results(directory: Session, name: str) -> None:
    args, holds = FILTERS[name]
    everything = search(directory)
    narrowed = search(directory, **args)

    assert 0 < narrowed.total < everything.total
    assert all(holds(service) for service in services(directory, narrowed))
    assert len([s for s in services(directory, everything) if holds(s)]) == narrowed.total


def test_filters_combine_with_and(directory: Session) -> None:
    dv = set(names(search(directory, topics="family-dv")))
    phone = set(names(search(directory, channels="phone")))
    free = set(names(search(directory, free="1")))

    both = set(names(search(directory, topics="family-dv", channels="phone", free="1")))

    assert both
    assert both == dv & phone & free


def test_values_of_one_filter_are_alternatives(directory: Session) -> None:
    line = set(names(search(directory, channels="line")))
    chat = set(names(search(directory, channels="chat")))

    assert set(names(search(directory, channels="line,chat"))) == line | chat


def test_a_district_finds_services_serving_it_and_the_whole_city_ones(session: Session) -> None:
    add_service(
        session,
        "ぞうきん相談 峰山",
        area="municipality",
        service_areas=[ServiceArea(name="峰山町", extent_type="district")],
    )
    add_service(
        session,
        "ぞうきん相談 網野と久美浜",
        area="municipality",
        service_areas=[
            ServiceArea(name="網野町", extent_type="district"),
            ServiceArea(name="久美浜町", extent_type="district"),
        ],
    )
    add_service(session, "ぞうきん相談 市全域", area="municipality")
    add_service(session, "ぞうきん相談 府", area="prefecture")
    districts = ("峰山町", "網野町", "久美浜町")

    def found(**args: str) -> set[str]:
        query = SearchQuery.from_args({"q": "ぞうきん", **args}, districts=districts)
        return set(names(search_services(session, query, now=MONDAY_MORNING)))

    assert found(areas="峰山町") == {"ぞうきん相談 峰山", "ぞうきん相談 市全域"}
    assert found(areas="久美浜町") == {"ぞうきん相談 網野と久美浜", "ぞうきん相談 市全域"}
    assert found(areas="峰山町,久美浜町") == {
        "ぞうきん相談 峰山",
        "ぞうきん相談 網野と久美浜",
        "ぞうきん相談 市全域",
    }
    assert found(areas="峰山町,prefecture") == {
        "ぞうきん相談 峰山",
        "ぞうきん相談 市全域",
        "ぞうきん相談 府",
    }


def test_a_district_is_only_a_filter_value_where_the_profile_names_it() -> None:
    args = {"areas": "峰山町,火星町"}

    assert SearchQuery.from_args(args).areas == ()
    assert SearchQuery.from_args(args, districts=("峰山町",)).areas == ("峰山町",)


def test_open_now_keeps_only_services_taking_contacts(session: Session) -> None:
    hours = [
        Schedule(kind="weekly", weekday=0, opens_at=time(9), closes_at=time(17)),
        Schedule(kind="weekly", weekday=1, opens_at=time(9), closes_at=time(17)),
    ]
    add_service(session, "ぞうきん相談 昼", schedules=hours)
    evening = [Schedule(kind="weekly", weekday=0, opens_at=time(18), closes_at=time(2))]
    add_service(session, "ぞうきん相談 夜", schedules=evening)
    add_service(session, "ぞうきん相談 時間不明")

    assert names(search(session, q="ぞうきん", open_now="1")) == ["ぞうきん相談 昼"]
    night = search(session, now=MONDAY_NIGHT, q="ぞうきん", open_now="1")
    assert names(night) == ["ぞうきん相談 夜"]
    assert night.total == 1 and night.total_exact


def test_open_now_with_demo_hours_returns_only_open_services(directory: Session) -> None:
    from directory.hours import open_at

    result = search(directory, open_now="1")

    assert result.items
    assert all(open_at(service, MONDAY_MORNING) for service in result.items)


def test_no_results_name_the_filters_to_relax(directory: Session) -> None:
    result = search(directory, q="貸金業", channels="line", free="1")

    assert result.total == 0
    assert result.relaxed == ["channels"]


def test_no_results_without_filters_suggest_nothing(directory: Session) -> None:
    result = search(directory, q="ぞうきんらーめん")

    assert (result.total, result.pages, result.relaxed) == (0, 0, [])


# ---- pages ------------------------------------------------------------------------------------


def test_pages_split_the_results_without_overlap(directory: Session) -> None:
    first = search(directory, per_page="10")
    second = search(directory, per_page="10", page="2")
    everything = search(directory)

    assert first.pages == second.pages == -(-everything.total // 10)
    assert names(first) + names(second) == names(everything)[:20]


def test_a_page_past_the_end_is_empty_but_keeps_the_total(directory: Session) -> None:
    result = search(directory, page="999")

    assert result.items == []
    assert result.total == search(directory).total


# ---- what never appears -----------------------------------------------------------------------


def test_unpublished_services_never_appear(directory: Session) -> None:
    draft = add_service(directory, "ぞうきん相談 下書き")
    archived = add_service(directory, "ぞうきん相談 終了")
    draft.status, archived.status = "draft", "archived"
    reindex(directory, [draft])  # the archived one is left stale in the index on purpose
    directory.commit()

    assert search(directory, q="ぞうきん").items == []
    assert all(s.status == "published" for s in services(directory, search(directory)))


def test_deleting_a_service_removes_it_from_the_index(directory: Session) -> None:
    service = add_service(directory, "ぞうきん相談")
    directory.execute(delete(Service).where(Service.id == service.id))
    directory.commit()

    assert directory.get(ServiceSearchText, service.id) is None
    assert search(directory, q="ぞうきん").total == 0


def test_reindex_follows_an_edit(directory: Session) -> None:
    service = add_service(directory, "ぞうきん相談")
    service.name = "らーめん相談"
    reindex(directory, [service])
    directory.commit()

    assert names(search(directory, q="らーめん")) == ["らーめん相談"]
    assert search(directory, q="ぞうきん").total == 0


# ---- odd input --------------------------------------------------------------------------------

HOSTILE = [
    "借" * 10_000,
    "x" * 10_000,
    "借金\x00\x01\x7f\u200b\u202e相談",
    "'; DROP TABLE service; --",
    "<script>alert(1)</script>",
    '" OR 1=1 -- NEAR(a b) * ^ {name_grams} : (',
    "% _ \\ ' \"",
    "AND OR NOT",
    "\ud800",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_odd_text_gives_a_normal_result(directory: Session, text: str) -> None:
    result = search(directory, q=text, topics="debt", channels="phone", free="1")

    assert len(result.query.text) <= 200
    assert all(service.status == "published" for service in services(directory, result))
    assert directory.scalar(select(func.count()).select_from(Service)) > 0


def test_from_args_validates_and_clamps_everything() -> None:
    args = MultiDict(
        [
            ("q", "借金\x00相談" + "あ" * 500),
            ("topics", "debt"),
            ("topics", "bogus," + "x" * 1000),
            ("channels", "phone,fax,LINE"),
            ("areas", "national,mars"),
            ("languages", "en,JA,english,e1,'"),
            ("audiences", "youth,aliens"),
            ("open_now", "on"),
            ("free", "yes"),
            ("anonymous", "perhaps"),
            ("page", "-5"),
            ("per_page", "99999"),
        ]
    )

    query = SearchQuery.from_args(args)

    assert query.text.startswith("借金相談") and len(query.text) == 200
    assert query.topics == ("debt",)
    assert query.channels == ("phone", "line")
    assert query.areas == ("national",)
    assert query.languages == ("en", "ja")
    assert query.audiences == ("youth",)
    assert (query.open_now, query.free, query.anonymous) == (True, True, False)
    assert (query.page, query.per_page) == (1, 50)


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": None, "page": "1e9", "per_page": ""},
        {"q": ["a", "b"], "page": ["2", "3"], "topics": ("debt", 5)},
        {"q": 42, "page": 10**30, "free": ["1"]},
        {"page": "99999999999999999999"},
    ],
)
def test_from_args_never_raises(args: dict) -> None:
    query = SearchQuery.from_args(args)

    assert 1 <= query.page <= 1000
    assert 1 <= query.per_page <= 50


def test_topic_codes_can_come_from_the_taxonomy(directory: Session) -> None:
    codes = directory.scalars(select(TaxonomyTerm.code))

    assert SearchQuery.from_args({"topics": "debt"}, topic_codes=codes).topics == ("debt",)


# ---- the index itself -------------------------------------------------------------------------


def test_only_published_services_are_indexed(directory: Session) -> None:
    published = directory.scalar(
        select(func.count()).select_from(Service).where(Service.status == "published")
    )

    assert directory.scalar(select(func.count()).select_from(ServiceSearchText)) == published


def test_doc_ids_put_local_services_before_national_ones_whatever_their_sort_order() -> None:
    orders = (-(1 << 21), -1, 0, 50, 1 << 21)
    for nearer, farther in itertools.pairwise(AREAS):
        last_of_nearer = max(doc_id_for(nearer, order, str(uuid.uuid4())) for order in orders)
        first_of_farther = min(doc_id_for(farther, order, str(uuid.uuid4())) for order in orders)
        assert last_of_nearer < first_of_farther


def test_contact_labels_are_searchable(session: Session) -> None:
    add_service(
        session,
        "暮らしの窓口",
        channels=[ContactChannel(kind="phone", value="0120-000-000", label="ぞうきん専用ダイヤル")],
    )

    assert names(search(session, q="ぞうきん専用")) == ["暮らしの窓口"]


def test_migrations_go_down_and_up_with_a_built_index(tmp_path: Path) -> None:
    from alembic import command

    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        upgrade_to_head(engine)
        with Session(engine) as session:
            load_demo_directory(session)
            assert reindex(session) > 0
            session.commit()
        command.downgrade(alembic_config(engine), "0004")
        left = [name for name in inspect(engine).get_table_names() if "search" in name]
        assert left == ["search_synonym"]
        upgrade_to_head(engine)
        with Session(engine) as session:
            reindex(session)
            session.commit()
            assert search(session, q="借金").total > 0
        engine.dispose()


def test_searching_does_not_load_the_reading_dictionaries(directory: Session) -> None:
    # pykakasi takes over 100 MB: a web process that only searches must not load it.
    code = (
        "import sys; from datetime import UTC, datetime; from sqlalchemy.orm import Session;"
        "from core.db import make_engine; from directory.search.query import SearchQuery;"
        "from directory.search.results import search_services;"
        "session = Session(make_engine(sys.argv[1]));"
        "search_services(session, SearchQuery(text='しにたい 京都'), now=datetime.now(UTC));"
        "print('pykakasi' in sys.modules)"
    )
    url = directory.get_bind().url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True)

    assert done.stdout.strip() == "False", done.stderr
